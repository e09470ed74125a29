import Foundation
import GRDB
import SignoffCore

/// A grant's `grant_status` row: what changes over its life, as plain columns.
/// Narrow on purpose: the sweep reads and rewrites only this.
struct GrantStatusRow: Equatable {
    var values: [DatabaseValue]

    /// Each column: its name and its value for a status (as a value, or bound
    /// straight into a statement). `last_sequence` comes last and is the
    /// event's, not the status's.
    private struct Column: Sendable {
        var name: String
        var value: @Sendable (GrantStatus, Int64) -> DatabaseValue
        var bind: @Sendable (GrantStatus, Int64, inout FastStatement) -> Void
    }

    private static func column<T: Sendable, Stored: BindableColumnValue>(
        _ name: String, _ field: @escaping @Sendable (GrantStatus) -> T, _ stored: @escaping @Sendable (T) -> Stored
    ) -> Column {
        Column(name: name, value: { status, _ in stored(field(status)).databaseValue },
               bind: { status, _, statement in stored(field(status)).bind(to: &statement) })
    }

    private static let definitions: [Column] = [
        column("request_id", \.requestID) { $0 },
        column("state", \.state) { $0.rawValue },
        column("duration_seconds", \.duration.seconds) { $0 },
        column("starts_at", { ms($0.startsAt) }) { $0 },
        column("expires_at", { ms($0.expiresAt) }) { $0 },
        column("provisioning_action", \.provisioningAction) { $0.rawValue },
        column("provisioning", \.provisioning) { $0.rawValue },
        column("provisioning_reason", \.provisioningReason) { $0 },
        column("provisioning_at", { ms($0.provisioningAt) }) { $0 },
        column("ended_at", { ms($0.endedAt) }) { $0 },
        column("ended_by", \.endedBy) { $0 },
        column("end_reason", \.endReason) { $0 },
        column("extensions", \.extensions) { CanonicalJSON.encodeStrings($0) },
        column("review_due_at", { ms($0.reviewDueAt) }) { $0 },
        column("review_completed_at", { ms($0.reviewCompletedAt) }) { $0 },
        column("review_completed_by", \.reviewCompletedBy) { $0 },
        column("review_rationale", \.reviewRationale) { $0 },
        column("ends_by", { ms($0.endsBy) }) { $0 },
        Column(name: "last_sequence", value: { $1.databaseValue }, bind: { _, sequence, statement in statement.bind(sequence) }),
    ]

    static let columnNames = definitions.map(\.name)
    static let columns = columnNames.joined(separator: ", ")
    static let insertSQL = "INSERT INTO grant_status (\(columns)) VALUES (\(placeholders(columnNames.count)))"
    /// What the console and `signoff grants` list: live grants, ended grants
    /// provisioning has not confirmed, open incident reviews. Exactly the
    /// condition of the partial index `grant_status_live`, so SQLite uses it.
    static let live = """
        (state = 'active' OR state = 'awaiting_provisioning' OR state = 'failed' OR provisioning <> 'done'
            OR (review_due_at IS NOT NULL AND review_completed_at IS NULL))
        """

    init(_ status: GrantStatus, lastSequence: Int64) {
        values = Self.definitions.map { $0.value(status, lastSequence) }
    }

    /// The status columns of `row`, from column `start` on.
    init(_ row: StatementColumns, from start: Int = 0) {
        values = (start..<start + Self.columnNames.count).map { row.value($0) }
    }

    var requestID: String { String.fromDatabaseValue(values[0]) ?? "" }
    /// The `last_sequence` column: the last event that changed the grant.
    var lastSequence: Int64? { values.last.flatMap(Int64.fromDatabaseValue) }

    /// The status and last sequence in the columns from `start` on, read the
    /// same way from a GRDB row's values or straight from a statement; nil
    /// when a column is not what signoff writes.
    static func decode(_ columns: some ColumnReader, from start: Int) -> (status: GrantStatus, lastSequence: Int64)? {
        func text(_ index: Int) -> String? { columns.text(start + index) }
        func date(_ index: Int) -> Date? { columns.integer(start + index).map { Date(storeMilliseconds: $0) } }
        guard let id = text(0), let state = text(1).flatMap(GrantState.init(rawValue:)),
              let seconds = columns.integer(start + 2).flatMap({ Int(exactly: $0) }), TimeSpan.storable.contains(seconds),
              let action = text(5).flatMap(HandOffAction.init(rawValue:)),
              let provisioning = text(6).flatMap(ProvisioningState.init(rawValue:)),
              let extensions = text(12).flatMap(CanonicalJSON.decodeStrings),
              let lastSequence = columns.integer(start + 18)
        else { return nil }
        let status = GrantStatus(requestID: id, state: state, duration: TimeSpan(seconds: seconds), startsAt: date(3),
                                 expiresAt: date(4), provisioningAction: action, provisioning: provisioning,
                                 provisioningReason: text(7), provisioningAt: date(8), endedAt: date(9), endedBy: text(10),
                                 endReason: text(11), extensions: extensions, reviewDueAt: date(13),
                                 reviewCompletedAt: date(14), reviewCompletedBy: text(15), reviewRationale: text(16),
                                 endsBy: date(17))
        return (status, lastSequence)
    }

    /// The columns whose values differ between two versions of a grant's row,
    /// one bit per column index, found without building either row. Compared
    /// field by field, in `definitions`' order (`GrantRowTests` changes each
    /// column alone and checks this against the rows' values): the sweep asks
    /// this of every grant it expires, and the closures of `definitions`
    /// cost ten times as much.
    static func changedColumns(from old: GrantStatus, _ oldSequence: Int64, to new: GrantStatus,
                               _ newSequence: Int64) -> ChangedColumns {
        var changed = ChangedColumns()
        var index = 0
        func next(_ same: Bool) {
            index += 1
            if !same { changed.insert(index) }
        }
        // Text by its bytes, as it is stored: a name in another Unicode
        // normalization is another value. A time is stored in milliseconds:
        // equal dates store the same, and others may too.
        func sameTime(_ a: Date?, _ b: Date?) -> Bool { a == b || ms(a) == ms(b) }
        next(old.state == new.state)
        next(old.duration.seconds == new.duration.seconds)
        next(sameTime(old.startsAt, new.startsAt))
        next(sameTime(old.expiresAt, new.expiresAt))
        next(old.provisioningAction == new.provisioningAction)
        next(old.provisioning == new.provisioning)
        next(ExactName.same(old.provisioningReason, new.provisioningReason))
        next(sameTime(old.provisioningAt, new.provisioningAt))
        next(sameTime(old.endedAt, new.endedAt))
        next(ExactName.same(old.endedBy, new.endedBy))
        next(ExactName.same(old.endReason, new.endReason))
        next(old.extensions.elementsEqual(new.extensions, by: ExactName.same))
        next(sameTime(old.reviewDueAt, new.reviewDueAt))
        next(sameTime(old.reviewCompletedAt, new.reviewCompletedAt))
        next(ExactName.same(old.reviewCompletedBy, new.reviewCompletedBy))
        next(ExactName.same(old.reviewRationale, new.reviewRationale))
        next(sameTime(old.endsBy, new.endsBy))
        next(oldSequence == newSequence)
        assert(index == definitions.count - 1, "a grant_status column is not compared")
        return changed
    }

    /// Sets the columns at `changed` (never 0, the key), then `WHERE request_id = ?`.
    static func updateSQL(_ changed: ChangedColumns) -> String {
        "UPDATE grant_status SET " + changed.indices.map { "\(columnNames[$0]) = ?" }.joined(separator: ", ")
            + " WHERE request_id = ?"
    }

    /// Binds the `changed` columns of a status, in order, then its key: the
    /// arguments of `updateSQL(changed)`.
    static func bindUpdate(_ changed: ChangedColumns, of status: GrantStatus, lastSequence: Int64,
                           to statement: inout FastStatement) {
        var bits = changed.bits
        while bits != 0 {
            definitions[bits.trailingZeroBitCount].bind(status, lastSequence, &statement)
            bits &= bits - 1
        }
        statement.bind(status.requestID)
    }
}

/// A set of `grant_status` column indices, one bit each (the table has fewer than 64).
struct ChangedColumns: Hashable, Sendable {
    private(set) var bits: UInt64 = 0
    var isEmpty: Bool { bits == 0 }
    mutating func insert(_ index: Int) { bits |= 1 << UInt64(index) }
    /// The indices, ascending.
    var indices: [Int] { (0..<64).filter { bits & (1 << UInt64($0)) != 0 } }
}

/// A value a `grant_status` column holds, bound to a statement without
/// going through `DatabaseValue`.
protocol BindableColumnValue: DatabaseValueConvertible {
    func bind(to statement: inout FastStatement)
}

extension String: BindableColumnValue {
    func bind(to statement: inout FastStatement) { statement.bind(self) }
}

extension Int: BindableColumnValue {
    func bind(to statement: inout FastStatement) { statement.bind(self) }
}

extension Int64: BindableColumnValue {
    func bind(to statement: inout FastStatement) { statement.bind(self) }
}

extension Optional: BindableColumnValue where Wrapped: BindableColumnValue {
    func bind(to statement: inout FastStatement) {
        if let self { self.bind(to: &statement) } else { statement.bindNull() }
    }
}

/// One grant as stored: its `grants` row (what was granted, written once at
/// issue) and its `grant_status` row. Built the same way when writing and when
/// `verify` rebuilds.
struct GrantRow: Equatable {
    var terms: [DatabaseValue]
    var status: GrantStatusRow

    static let termsColumnNames = [
        "request_id", "requester", "subject_kind", "subject_name", "subject_owner", "system", "environment",
        "entitlement", "scope", "access", "ticket", "incident", "break_glass", "revocation_triggers", "approved_at",
        "approvers", "policy_version", "self_activated", "review_reviewers",
    ]
    static let insertSQL = """
        INSERT INTO grants (\(termsColumnNames.joined(separator: ", "))) VALUES (\(placeholders(termsColumnNames.count)))
        """
    /// Both rows of each grant; add a clause on `g.` or `s.` columns.
    static let select = "SELECT " + termsColumnNames.map { "g." + $0 }.joined(separator: ", ") + ", "
        + GrantStatusRow.columnNames.map { "s." + $0 }.joined(separator: ", ")
        + " FROM grant_status s JOIN grants g ON g.request_id = s.request_id "
    /// `select` with what reconciliation last saw of each grant after the
    /// grant's columns (`r.`, NULL where no run covered it).
    static let selectReconciled: String = {
        let grant: [String] = termsColumnNames.map { "g." + $0 } + GrantStatusRow.columnNames.map { "s." + $0 }
        let sighting: [String] = SightingRow.columns.split(separator: ",").map { "r." + $0.trimmingCharacters(in: .whitespaces) }
        return "SELECT " + (grant + sighting).joined(separator: ", ")
            + " FROM grant_status s JOIN grants g ON g.request_id = s.request_id LEFT JOIN grant_sightings r ON r.request_id = s.request_id "
    }()

    init(_ grant: Grant, lastSequence: Int64) {
        let terms = grant.terms
        self.terms = [
            grant.requestID.databaseValue, terms.requester.databaseValue, terms.subject.kind.rawValue.databaseValue,
            terms.subject.name.databaseValue, terms.subject.owner.databaseValue, terms.system.databaseValue,
            terms.environment.databaseValue, terms.entitlement.databaseValue, terms.scope.databaseValue,
            terms.access.rawValue.databaseValue, terms.ticket.databaseValue, terms.incident.databaseValue,
            terms.breakGlass.databaseValue, CanonicalJSON.encodeTriggers(terms.revocationTriggers).databaseValue,
            ms(grant.approvedAt).databaseValue, CanonicalJSON.encodeStrings(grant.approvers).databaseValue,
            grant.policyVersion.databaseValue, grant.selfActivated.databaseValue, grant.reviewers.databaseValue,
        ]
        status = GrantStatusRow(grant.status, lastSequence: lastSequence)
    }

    /// A row of `select`.
    init(_ row: StatementColumns) {
        terms = (0..<Self.termsColumnNames.count).map { row.value($0) }
        status = GrantStatusRow(row, from: Self.termsColumnNames.count)
    }

    var requestID: String { status.requestID }

    /// The grant in the columns of a `select` row, read the same way from a
    /// GRDB row's values and straight from a statement (no row is copied, no
    /// value goes through a generic decode); nil when a column is not what
    /// signoff writes.
    static func decode(_ columns: some ColumnReader) -> Grant? {
        func text(_ index: Int) -> String? { columns.text(index) }
        guard let (status, _) = GrantStatusRow.decode(columns, from: termsColumnNames.count),
              text(0) == status.requestID, let requester = text(1),
              let kind = text(2).flatMap(IdentityKind.init(rawValue:)), let subjectName = text(3), let owner = text(4),
              let system = text(5), let environment = text(6), let entitlement = text(7),
              let access = text(9).flatMap(AccessLevel.init(rawValue:)),
              let breakGlass = columns.integer(12).map({ $0 != 0 }),
              let triggers = text(13).flatMap(CanonicalJSON.decodeTriggers),
              let approvedAt = columns.integer(14).map(Date.init(storeMilliseconds:)),
              let approvers = text(15).flatMap(CanonicalJSON.decodeStrings), let policyVersion = text(16),
              let selfActivated = columns.integer(17).map({ $0 != 0 })
        else { return nil }
        let grantTerms = GrantTerms(requester: requester, subject: Subject(kind: kind, name: subjectName, owner: owner),
                                    system: system, environment: environment, entitlement: entitlement,
                                    scope: text(8), access: access, revocationTriggers: triggers, ticket: text(10),
                                    incident: text(11), breakGlass: breakGlass)
        return Grant(terms: grantTerms, approvedAt: approvedAt, approvers: approvers, policyVersion: policyVersion,
                     selfActivated: selfActivated, reviewers: text(18), status: status)
    }

    /// The sighting columns of a `selectReconciled` row: `.some(nil)` when no
    /// run covered the grant, nil when the columns are not what signoff writes.
    static func decodeReconciliation(_ columns: some ColumnReader) -> GrantReconciliation?? {
        let start = termsColumnNames.count + GrantStatusRow.columnNames.count
        guard columns.text(start) != nil else { return .some(nil) }
        guard let present = columns.integer(start + 1), present == 0 || present == 1, let seenAt = columns.integer(start + 2),
              let run = columns.integer(start + 3) else { return nil }
        return GrantReconciliation(present: present == 1, seenAt: Date(storeMilliseconds: seenAt), run: run,
                                   presentAt: columns.integer(start + 4).map(Date.init(storeMilliseconds:)),
                                   presentRun: columns.integer(start + 5))
    }

    func insert(_ db: Database) throws {
        for (sql, values) in [(Self.insertSQL, terms), (GrantStatusRow.insertSQL, status.values)] {
            var insert = FastStatement(try db.cachedStatement(sql: sql), db)
            for value in values { insert.bind(value) }
            try insert.execute()
        }
    }

    /// Names the first column that differs from `other`, for verify's report.
    func firstDifference(from other: GrantRow) -> String? {
        let names = Self.termsColumnNames + GrantStatusRow.columnNames
        let mine = terms + status.values, theirs = other.terms + other.status.values
        for (index, name) in names.enumerated() where mine[index] != theirs[index] {
            return "\(name) is \(theirs[index]) in the query table, \(mine[index]) from the events"
        }
        return nil
    }
}

/// A time as stored: milliseconds since 1970.
private func ms(_ date: Date?) -> Int64? { date?.storeMilliseconds }
private func placeholders(_ count: Int) -> String { Array(repeating: "?", count: count).joined(separator: ", ") }

/// Where grant documents go: the latest `hand_off_configured` event.
public struct HandOffConfiguration: Sendable, Hashable {
    public var outbox: String?
    public var command: String?
    /// How long the command may run before it is stopped and the hand-off recorded as failed.
    public var timeoutSeconds: Int
    public var configuredAt: Date?
    public var configuredBy: Principal?
    /// The hash of the `hand_off_configured` event the configuration comes
    /// from (nil: none, or the row names no such event): an account's trust
    /// in a target is trust in the one event that set it.
    public var event: String?

    public static let defaultTimeoutSeconds = 30
    public static let none = HandOffConfiguration(outbox: nil, command: nil, timeoutSeconds: defaultTimeoutSeconds)

    public init(outbox: String?, command: String?, timeoutSeconds: Int, configuredAt: Date? = nil, configuredBy: Principal? = nil,
                event: String? = nil) {
        self.outbox = outbox
        self.command = command
        self.timeoutSeconds = timeoutSeconds
        self.configuredAt = configuredAt
        self.configuredBy = configuredBy
        self.event = event
    }

    public var isConfigured: Bool { outbox != nil || command != nil }
}
