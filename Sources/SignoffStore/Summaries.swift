import Foundation
import GRDB
import SignoffCore
#if canImport(GRDBSQLite)
import GRDBSQLite
#elseif canImport(SQLite3)
import SQLite3
#endif

/// What a list of requests shows, read from plain columns of `requests`
/// without decoding the stored record: cheap enough to load every request.
public struct RequestSummary: Sendable, Hashable {
    public var id: String
    public var state: RequestState
    public var version: Int
    public var requester: String
    /// The name of the principal that submitted it.
    public var submittedBy: String
    public var subjectKind: IdentityKind
    public var subjectName: String
    public var subjectOwner: String
    public var system: String
    public var environment: String
    public var entitlement: String
    public var scope: String?
    public var access: AccessLevel
    public var duration: TimeSpan
    public var breakGlass: Bool
    public var incident: String?
    public var ticket: String?
    public var purpose: String
    public var submittedAt: Date
    public var decidedAt: Date?
    /// Who decided: approvers, the denier, or the rule or process that decided; empty while undecided.
    public var decidedBy: [String]
    /// The request whose grant this one extends (`signoff extend`); nil otherwise.
    public var extends: String?
    /// The current route; nil before routing.
    public var route: RouteOutcome?
    /// Distinct people with an approval for the current version. Whether each
    /// still counts for a step is the policy's question (`Lifecycle.progress`).
    public var approvals: Int
    /// Approvals the current route's steps ask for in total; 0 unless routed to steps.
    public var approvalsNeeded: Int

    /// `RouteOutcome.summary` of the current route; nil before routing.
    public var routeSummary: String? { route?.summary }
    /// The policy's approver expression of each routed step, in order
    /// (`owners`, `group:dba`, ...); empty unless routed to steps.
    public var routeApprovers: [String] { Self.approvers(route) }

    public init(_ record: RequestRecord) {
        id = record.id
        state = record.state
        version = record.version
        requester = record.requester
        submittedBy = record.submittedBy.name
        subjectKind = record.request.subject.kind
        subjectName = record.request.subject.name
        subjectOwner = record.request.subject.owner
        system = record.request.system
        environment = record.request.environment
        entitlement = record.request.entitlement
        scope = record.request.scope
        access = record.request.access
        duration = record.request.duration
        breakGlass = record.request.breakGlass
        incident = record.request.incident
        ticket = record.request.ticket
        purpose = record.request.purpose
        submittedAt = record.submittedAt
        decidedAt = record.decision?.at
        decidedBy = record.decision?.by ?? []
        extends = record.request.extends
        route = record.route
        approvals = Self.approvalCount(record)
        approvalsNeeded = record.route?.approvalsNeeded ?? 0
    }

    static func approvalCount(_ record: RequestRecord) -> Int {
        var people: Set<String> = []
        for review in record.reviews where review.verdict == .approve && review.requestVersion == record.version {
            people.insert(review.reviewer.name)
        }
        return people.count
    }

    static func approvers(_ route: RouteOutcome?) -> [String] {
        guard case let .steps(_, steps)? = route else { return [] }
        return steps.map(\.approvers)
    }
}

/// A `requests` row whose summary columns hold a value no summary can have.
public struct UnreadableRequestRow: Error, Sendable, Hashable, CustomStringConvertible {
    public var id: String
    public var column: String
    public var value: String
    public var description: String { "request \(id): \(column) \"\(value)\" is not a known value" }
}

extension Store {
    /// The summaries of the requests `filter` selects, in its order, from stored
    /// columns only: no JSON record is decoded, so a console can load every request.
    public func summaries(_ filter: RequestFilter) throws -> [RequestSummary] {
        var summaries: [RequestSummary] = []
        try forEachSummary(filter) { summaries.append($0) }
        return summaries
    }

    /// Calls `body` with each summary `filter` selects, in its order, as it is
    /// read: one snapshot, constant memory whatever the store holds, the first
    /// row at once. Reads the covering index `requests_summary` alone, in
    /// submission order, whatever the filter: never the table, whose rows are
    /// mostly record blob. Errors `body` throws end the read and come back unchanged.
    public func forEachSummary(_ filter: RequestFilter, _ body: (RequestSummary) throws -> Void) throws {
        let (clause, arguments) = filter.sql
        try read { db in
            _ = try Self.readSummaries(db, sql: Self.summarySelect + clause, arguments: StatementArguments(arguments), body)
        }
    }

    /// Steps a statement built on `summarySelect`, handing each row to `body`;
    /// returns the `submitted_sequence` of the last row read, for paging.
    @discardableResult
    static func readSummaries(_ db: Database, sql: String, arguments: StatementArguments,
                              _ body: (RequestSummary) throws -> Void) throws -> Int64? {
        let statement = try db.makeStatement(sql: sql)
        try statement.setArguments(arguments)
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(handle) }

        func text(_ column: Int32) -> String {
            guard let bytes = sqlite3_column_text(handle, column) else { return "" }
            return String(decoding: UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(handle, column))),
                          as: UTF8.self)
        }
        func optionalText(_ column: Int32) -> String? {
            sqlite3_column_type(handle, column) == SQLITE_NULL ? nil : text(column)
        }
        func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(handle, column)) }
        func bytes(_ column: Int32) -> UnsafeRawBufferPointer {
            let start = sqlite3_column_text(handle, column)
            return UnsafeRawBufferPointer(start: start, count: Int(sqlite3_column_bytes(handle, column)))
        }
        /// Matches the column's bytes against the cases' raw values without making a String.
        func value<T>(_ column: Int32, _ table: [([UInt8], T)], _ name: String, id: String) throws -> T {
            let raw = bytes(column)
            for (spelling, value) in table where spelling.count == raw.count && spelling.elementsEqual(raw) {
                return value
            }
            throw UnreadableRequestRow(id: id, column: name, value: String(decoding: raw, as: UTF8.self))
        }
        func span(_ column: Int32, id: String) throws -> TimeSpan {
            let seconds = int(column)
            guard TimeSpan.storable.contains(seconds) else {
                throw UnreadableRequestRow(id: id, column: "duration_seconds", value: String(seconds))
            }
            return TimeSpan(seconds: seconds)
        }
        var routes = RouteCache()
        func route(_ column: Int32, id: String) throws -> RouteOutcome? {
            guard sqlite3_column_type(handle, column) != SQLITE_NULL else { return nil }
            guard let route = routes.route(bytes(column)) else {
                throw UnreadableRequestRow(id: id, column: "route", value: text(column))
            }
            return route
        }

        var lastSequence: Int64?
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code),
                                    message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
            let id = text(0)
            try body(RequestSummary(
                id: id, state: try value(1, Self.states, "state", id: id), version: int(2), requester: text(3),
                submittedBy: text(4), subjectKind: try value(5, Self.kinds, "subject_kind", id: id), subjectName: text(6),
                subjectOwner: text(7), system: text(8), environment: text(9), entitlement: text(10),
                scope: optionalText(11), access: try value(12, Self.accessLevels, "access", id: id),
                duration: try span(13, id: id), breakGlass: sqlite3_column_int64(handle, 14) != 0,
                incident: optionalText(15), ticket: optionalText(16), purpose: text(17),
                submittedAt: Date(storeMilliseconds: sqlite3_column_int64(handle, 18)),
                decidedAt: sqlite3_column_type(handle, 19) == SQLITE_NULL
                    ? nil : Date(storeMilliseconds: sqlite3_column_int64(handle, 19)),
                extends: optionalText(20), route: try route(21, id: id), approvals: int(22), approvalsNeeded: int(23),
                decidedBy: optionalText(25).map { $0.split(separator: "\n").map(String.init) } ?? []))
            lastSequence = sqlite3_column_int64(handle, 24)
        }
        return lastSequence
    }

    static let states = RequestState.allCases.map { (Array($0.rawValue.utf8), $0) }
    static let kinds = IdentityKind.allCases.map { (Array($0.rawValue.utf8), $0) }
    static let accessLevels = AccessLevel.allCases.map { (Array($0.rawValue.utf8), $0) }

    static let summarySelect = """
        SELECT id, state, version, requester, submitted_by, subject_kind, subject_name, subject_owner, system,
               environment, entitlement, scope, access, duration_seconds, break_glass, incident, ticket, purpose,
               submitted_at, decided_at, extends, route, approvals, approvals_needed, submitted_sequence, decided_by
        FROM requests INDEXED BY requests_summary
        """
}

/// The `route` columns read so far, decoded. Requests share few routes (one
/// per rule and its steps, and each denial or block), so a read decodes each
/// distinct column value once instead of once per row. Bounded: emptied when
/// it holds 1,024 routes.
struct RouteCache {
    private var buckets: [Int: [(bytes: [UInt8], route: RouteOutcome)]] = [:]
    private var count = 0

    /// The route in `bytes`; nil when they are not a route's canonical JSON.
    mutating func route(_ bytes: UnsafeRawBufferPointer) -> RouteOutcome? {
        var hasher = Hasher()
        hasher.combine(bytes: bytes)
        let key = hasher.finalize()
        if let bucket = buckets[key] {
            for entry in bucket where entry.bytes.count == bytes.count && entry.bytes.elementsEqual(bytes) { return entry.route }
        }
        guard let route = CanonicalJSON.decodeRoute(bytes) else { return nil }
        if count == 1024 {
            buckets.removeAll(keepingCapacity: true)
            count = 0
        }
        buckets[key, default: []].append((Array(bytes), route))
        count += 1
        return route
    }
}

extension RequestSummary {
    init(id: String, state: RequestState, version: Int, requester: String, submittedBy: String,
         subjectKind: IdentityKind, subjectName: String, subjectOwner: String, system: String, environment: String,
         entitlement: String, scope: String?, access: AccessLevel, duration: TimeSpan, breakGlass: Bool,
         incident: String?, ticket: String?, purpose: String, submittedAt: Date, decidedAt: Date?,
         extends: String?, route: RouteOutcome?, approvals: Int, approvalsNeeded: Int, decidedBy: [String]) {
        self.id = id; self.state = state; self.version = version; self.requester = requester
        self.submittedBy = submittedBy; self.subjectKind = subjectKind; self.subjectName = subjectName
        self.subjectOwner = subjectOwner; self.system = system; self.environment = environment
        self.entitlement = entitlement; self.scope = scope; self.access = access; self.duration = duration
        self.breakGlass = breakGlass; self.incident = incident; self.ticket = ticket; self.purpose = purpose
        self.submittedAt = submittedAt; self.decidedAt = decidedAt; self.extends = extends; self.route = route
        self.approvals = approvals; self.approvalsNeeded = approvalsNeeded; self.decidedBy = decidedBy
    }
}
