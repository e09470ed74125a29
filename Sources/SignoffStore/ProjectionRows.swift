import Foundation
import GRDB
import SignoffCore

/// One `requests` row: the columns a filter or the console needs, plus the
/// whole record. Built the same way when writing and when `verify` rebuilds, so
/// the two can be compared column by column.
struct RequestRow: Equatable {
    var id: String
    var state: String
    var system: String
    var environment: String
    var requester: String
    var subjectKind: String
    var subjectName: String
    var breakGlass: Bool
    var submittedAt: Int64
    var submittedSequence: Int64
    var decidedAt: Int64?
    var version: Int
    var policyVersion: String?
    var lastSequence: Int64
    var record: Data
    // Migration "4 request summaries": what `Store.summaries` reads without
    // decoding the record.
    var submittedBy: String
    var subjectOwner: String
    var entitlement: String
    var scope: String?
    var access: String
    var durationSeconds: Int
    var incident: String?
    var ticket: String?
    var purpose: String
    var approvals: Int
    var approvalsNeeded: Int
    // Migration "8 structured routes".
    var extends: String?
    /// The route's canonical JSON (`routeColumn`); nil before routing.
    var route: String?
    // Migration "18 deciders".
    /// Who decided (`decidedByColumn`); nil while undecided.
    var decidedBy: String?

    /// The row of `record`, from its canonical bytes and where its route is in
    /// them (`CanonicalJSON.encodeRecord`).
    init(_ record: RequestRecord, submittedSequence: Int64, lastSequence: Int64,
         encoded: (bytes: [UInt8], route: Range<Int>?)) {
        id = record.id
        state = record.state.rawValue
        system = record.request.system
        environment = record.request.environment
        requester = record.requester
        subjectKind = record.request.subject.kind.rawValue
        subjectName = record.request.subject.name
        breakGlass = record.request.breakGlass
        submittedAt = record.submittedAt.storeMilliseconds
        self.submittedSequence = submittedSequence
        decidedAt = record.decision?.at.storeMilliseconds
        version = record.version
        policyVersion = record.policyVersion
        self.lastSequence = lastSequence
        self.record = Data(encoded.bytes)
        submittedBy = record.submittedBy.name
        subjectOwner = record.request.subject.owner
        entitlement = record.request.entitlement
        scope = record.request.scope
        access = record.request.access.rawValue
        durationSeconds = record.request.duration.seconds
        incident = record.request.incident
        ticket = record.request.ticket
        purpose = record.request.purpose
        approvals = RequestSummary.approvalCount(record)
        approvalsNeeded = (record.route?.approvalsNeeded ?? 0)
        extends = record.request.extends
        route = encoded.route.map { String(decoding: encoded.bytes[$0], as: UTF8.self) }
        decidedBy = Self.decidedByColumn(record)
    }

    /// The `decided_by` column: the decision's deciders, one per line (a
    /// name never holds a line break); nil while undecided.
    static func decidedByColumn(_ record: RequestRecord) -> String? {
        record.decision.map { $0.by.joined(separator: "\n") }
    }

    /// Whether `stored`, a row's columns as the pass captured them, is the
    /// row of `record` as `init(_:submittedSequence:lastSequence:encoded:)`
    /// would make it, compared byte for byte in place: `audit verify`
    /// compares every request's row, and decoding two dozen strings of each
    /// stored row was a tenth of its work. Stricter than comparing decoded
    /// rows (a text column must be text, equal strings must be equal
    /// bytes): where this says no, the caller compares the decoded rows.
    static func matches(_ stored: CapturedColumns, _ record: RequestRecord, submittedSequence: Int64, lastSequence: Int64,
                        encoded: (bytes: [UInt8], route: Range<Int>?)) -> Bool {
        let request = record.request, subject = request.subject
        guard stored.text(idColumn, is: record.id), stored.text(1, is: record.state.rawValue),
              stored.text(2, is: request.system), stored.text(3, is: request.environment),
              stored.text(4, is: record.requester), stored.text(5, is: subject.kind.rawValue),
              stored.text(6, is: subject.name), stored.integer(7, is: request.breakGlass ? 1 : 0),
              stored.integer(8, is: record.submittedAt.storeMilliseconds),
              stored.integer(submittedSequenceColumn, is: submittedSequence),
              stored.integer(10, is: record.decision?.at.storeMilliseconds), stored.integer(11, is: Int64(record.version)),
              stored.text(12, is: record.policyVersion), stored.integer(lastSequenceColumn, is: lastSequence),
              stored.text(15, is: record.submittedBy.name), stored.text(16, is: subject.owner),
              stored.text(17, is: request.entitlement), stored.text(18, is: request.scope),
              stored.text(19, is: request.access.rawValue), stored.integer(20, is: Int64(request.duration.seconds)),
              stored.text(21, is: request.incident), stored.text(22, is: request.ticket), stored.text(23, is: request.purpose),
              stored.integer(24, is: Int64(RequestSummary.approvalCount(record))),
              stored.integer(25, is: Int64(record.route?.approvalsNeeded ?? 0)), stored.text(26, is: request.extends),
              stored.text(28, is: decidedByColumn(record))
        else { return false }
        return encoded.bytes.withUnsafeBytes { bytes in
            let routeMatches = encoded.route.map { stored.text(27, isBytes: UnsafeRawBufferPointer(rebasing: bytes[$0])) }
                ?? stored.text(27, is: nil)
            return routeMatches && stored.bytes(14, are: bytes)
        }
    }

    /// The `route` column: the route's canonical JSON, as the record holds it.
    static func routeColumn(_ route: RouteOutcome) -> String {
        String(decoding: CanonicalJSON.encodeRoute(route), as: UTF8.self)
    }

    static let columns = """
        id, state, system, environment, requester, subject_kind, subject_name, break_glass,
        submitted_at, submitted_sequence, decided_at, version, policy_version, last_sequence, record,
        submitted_by, subject_owner, entitlement, scope, access, duration_seconds, incident, ticket, purpose,
        approvals, approvals_needed, extends, route, decided_by
        """

    static let columnNames = columns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }

    /// The row's values in `columns` order, as `insert` binds them.
    var databaseValues: [DatabaseValue] {
        [id.databaseValue, state.databaseValue, system.databaseValue, environment.databaseValue, requester.databaseValue,
         subjectKind.databaseValue, subjectName.databaseValue, breakGlass.databaseValue, submittedAt.databaseValue,
         submittedSequence.databaseValue, decidedAt.databaseValue, version.databaseValue, policyVersion.databaseValue,
         lastSequence.databaseValue, record.databaseValue, submittedBy.databaseValue, subjectOwner.databaseValue,
         entitlement.databaseValue, scope.databaseValue, access.databaseValue, durationSeconds.databaseValue,
         incident.databaseValue, ticket.databaseValue, purpose.databaseValue, approvals.databaseValue,
         approvalsNeeded.databaseValue, extends.databaseValue, route.databaseValue, decidedBy.databaseValue]
    }

    /// How many `columns` there are, and where the three a merge by sequence needs are.
    static let columnCount = 29, idColumn = 0, submittedSequenceColumn = 9, lastSequenceColumn = 13

    /// A stored row, its columns in `columns` order. A value of the wrong
    /// type (the file was edited) reads as empty, and then differs.
    init(_ row: some BlobReader) {
        let v = StoredValues(row)
        id = v.text(Self.idColumn); state = v.text(1); system = v.text(2); environment = v.text(3); requester = v.text(4)
        subjectKind = v.text(5); subjectName = v.text(6); breakGlass = v.int(7) != 0; submittedAt = v.int(8)
        submittedSequence = v.int(Self.submittedSequenceColumn); decidedAt = v.optionalInt(10); version = Int(v.int(11))
        policyVersion = v.optionalText(12); lastSequence = v.int(Self.lastSequenceColumn); record = v.blob(14)
        submittedBy = v.text(15); subjectOwner = v.text(16); entitlement = v.text(17); scope = v.optionalText(18)
        access = v.text(19); durationSeconds = Int(v.int(20)); incident = v.optionalText(21); ticket = v.optionalText(22)
        purpose = v.text(23); approvals = Int(v.int(24)); approvalsNeeded = Int(v.int(25)); extends = v.optionalText(26)
        route = v.optionalText(27); decidedBy = v.optionalText(28)
    }

    static let insertSQL = """
        INSERT INTO requests (\(columns)) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
        """

    func insert(_ db: Database) throws {
        try insert(db.cachedStatement(sql: Self.insertSQL), db)
    }

    /// `insert` through a statement the caller already holds.
    func insert(_ prepared: Statement, _ db: Database) throws {
        var statement = FastStatement(prepared, db)
        statement.bind(id); statement.bind(state); statement.bind(system); statement.bind(environment)
        statement.bind(requester); statement.bind(subjectKind); statement.bind(subjectName); statement.bind(breakGlass)
        statement.bind(submittedAt); statement.bind(submittedSequence); statement.bind(decidedAt)
        statement.bind(version); statement.bind(policyVersion); statement.bind(lastSequence); statement.bindBlob(record)
        statement.bind(submittedBy); statement.bind(subjectOwner); statement.bind(entitlement); statement.bind(scope)
        statement.bind(access); statement.bind(durationSeconds); statement.bind(incident); statement.bind(ticket)
        statement.bind(purpose); statement.bind(approvals); statement.bind(approvalsNeeded); statement.bind(extends)
        statement.bind(route); statement.bind(decidedBy)
        try statement.execute()
    }

    /// Only what the fold can change after submission.
    func update(_ db: Database) throws {
        var statement = try FastStatement(db.cachedStatement(sql: """
            UPDATE requests SET state = ?, decided_at = ?, version = ?, policy_version = ?, last_sequence = ?, record = ?,
                route = ?, approvals = ?, approvals_needed = ?, decided_by = ?
            WHERE id = ?
            """), db)
        statement.bind(state); statement.bind(decidedAt); statement.bind(version); statement.bind(policyVersion)
        statement.bind(lastSequence); statement.bindBlob(record); statement.bind(route); statement.bind(approvals)
        statement.bind(approvalsNeeded); statement.bind(decidedBy); statement.bind(id)
        try statement.execute()
    }

    /// Every column but the submission's own: after a revision, what was asked for changed too.
    func updateAll(_ db: Database) throws {
        var statement = try FastStatement(db.cachedStatement(sql: """
            UPDATE requests SET state = ?, system = ?, environment = ?, requester = ?, subject_kind = ?, subject_name = ?,
                break_glass = ?, decided_at = ?, version = ?, policy_version = ?, last_sequence = ?, record = ?,
                submitted_by = ?, subject_owner = ?, entitlement = ?, scope = ?, access = ?, duration_seconds = ?,
                incident = ?, ticket = ?, purpose = ?, approvals = ?, approvals_needed = ?, extends = ?, route = ?,
                decided_by = ?
            WHERE id = ?
            """), db)
        statement.bind(state); statement.bind(system); statement.bind(environment); statement.bind(requester)
        statement.bind(subjectKind); statement.bind(subjectName); statement.bind(breakGlass); statement.bind(decidedAt)
        statement.bind(version); statement.bind(policyVersion); statement.bind(lastSequence); statement.bindBlob(record)
        statement.bind(submittedBy); statement.bind(subjectOwner); statement.bind(entitlement); statement.bind(scope)
        statement.bind(access); statement.bind(durationSeconds); statement.bind(incident); statement.bind(ticket)
        statement.bind(purpose); statement.bind(approvals); statement.bind(approvalsNeeded); statement.bind(extends)
        statement.bind(route); statement.bind(decidedBy); statement.bind(id)
        try statement.execute()
    }

    /// How this stored row's columns differ from its own record, the first
    /// that does (nil when none does): every column but the two sequences is
    /// the record's, and `list`, the console's queue and the filters read the
    /// columns, while a decision reads the record. A row edited outside
    /// signoff could otherwise show one request and decide another.
    /// `record`: the row's own, decoded already (nil: decoded here).
    func columnProblem(of record: RequestRecord? = nil) -> String? {
        guard let record = record ?? (try? EventCoding.readRecord(self.record)) else { return "its record does not decode" }
        let encoded = CanonicalJSON.encodeRecord(record, requestJSON: nil)
        let expected = RequestRow(record, submittedSequence: submittedSequence, lastSequence: lastSequence, encoded: encoded)
        return expected.firstDifference(from: self, stored: "in its row", expected: "in its record")
    }

    /// Reads request `id`'s row; nil when there is none.
    static func read(_ db: Database, _ id: String) throws -> RequestRow? {
        var query = FastStatement(try db.cachedStatement(sql: "SELECT \(columns) FROM requests WHERE id = ?"), db)
        query.bind(id)
        var row: RequestRow?
        try query.forEachRow { row = RequestRow(StatementColumns(statement: $0)) }
        return row
    }

    /// Names the first column that differs from `other`, for verify's report.
    func firstDifference(from other: RequestRow, stored: String = "in the query table", expected: String = "from the events") -> String? {
        func text(_ value: String?) -> String { value ?? "NULL" }
        let pairs: [(String, String, String)] = [
            ("id", id, other.id), ("state", state, other.state), ("system", system, other.system),
            ("environment", environment, other.environment), ("requester", requester, other.requester),
            ("subject_kind", subjectKind, other.subjectKind), ("subject_name", subjectName, other.subjectName),
            ("break_glass", "\(breakGlass)", "\(other.breakGlass)"),
            ("submitted_at", "\(submittedAt)", "\(other.submittedAt)"),
            ("submitted_sequence", "\(submittedSequence)", "\(other.submittedSequence)"),
            ("decided_at", decidedAt.map { "\($0)" } ?? "NULL", other.decidedAt.map { "\($0)" } ?? "NULL"),
            ("version", "\(version)", "\(other.version)"),
            ("policy_version", text(policyVersion), text(other.policyVersion)),
            ("last_sequence", "\(lastSequence)", "\(other.lastSequence)"),
            ("submitted_by", submittedBy, other.submittedBy), ("subject_owner", subjectOwner, other.subjectOwner),
            ("entitlement", entitlement, other.entitlement), ("scope", text(scope), text(other.scope)),
            ("access", access, other.access),
            ("duration_seconds", "\(durationSeconds)", "\(other.durationSeconds)"),
            ("incident", text(incident), text(other.incident)), ("ticket", text(ticket), text(other.ticket)),
            ("purpose", purpose, other.purpose),
            ("approvals", "\(approvals)", "\(other.approvals)"),
            ("approvals_needed", "\(approvalsNeeded)", "\(other.approvalsNeeded)"),
            ("extends", text(extends), text(other.extends)), ("route", text(route), text(other.route)),
            ("decided_by", text(decidedBy), text(other.decidedBy)),
        ]
        for (name, mine, theirs) in pairs where mine != theirs {
            return "\(name) is \(theirs) \(stored), \(mine) \(expected)"
        }
        if record != other.record { return "the stored record differs from the fold of the events" }
        return nil
    }
}

/// One `reviews` row, from a `review_recorded` event.
struct ReviewRow: Equatable {
    var sequence: Int64
    var requestID: String
    var reviewer: String
    var authentication: String
    var verdict: String
    var rationale: String
    var at: Int64
    var requestVersion: Int
    var policyVersion: String

    init(sequence: Int64, requestID: String, actor: Principal, at: Int64, review: EventBody.ReviewRecorded) {
        self.sequence = sequence
        self.requestID = requestID
        reviewer = actor.name
        authentication = actor.authentication.rawValue
        verdict = review.verdict.rawValue
        rationale = review.rationale
        self.at = at
        requestVersion = review.requestVersion
        policyVersion = review.policyVersion
    }

    static let columns = "sequence, request_id, reviewer, authentication, verdict, rationale, at, request_version, policy_version"

    init(_ row: StatementColumns) {
        let v = StoredValues(row)
        sequence = v.int(0); requestID = v.text(1); reviewer = v.text(2); authentication = v.text(3); verdict = v.text(4)
        rationale = v.text(5); at = v.int(6); requestVersion = Int(v.int(7)); policyVersion = v.text(8)
    }

    func insert(_ db: Database) throws {
        var statement = try FastStatement(
            db.cachedStatement(sql: "INSERT INTO reviews (\(Self.columns)) VALUES (?,?,?,?,?,?,?,?,?)"), db)
        statement.bind(sequence); statement.bind(requestID); statement.bind(reviewer); statement.bind(authentication)
        statement.bind(verdict); statement.bind(rationale); statement.bind(at); statement.bind(requestVersion)
        statement.bind(policyVersion)
        try statement.execute()
    }
}

/// One `policies` row, from a `policy_applied` event.
struct PolicyRow: Equatable {
    var sequence: Int64
    var version: String
    var previousVersion: String?
    var file: String
    var source: String
    var appliedAt: Int64
    var appliedBy: String
    var authentication: String

    init(sequence: Int64, actor: Principal, at: Int64, policy: EventBody.PolicyApplied) {
        self.sequence = sequence
        version = policy.version
        previousVersion = policy.previousVersion
        file = policy.file
        source = policy.source
        appliedAt = at
        appliedBy = actor.name
        authentication = actor.authentication.rawValue
    }

    static let columns = "sequence, version, previous_version, file, source, applied_at, applied_by, authentication"

    init(row: Row) {
        sequence = row[0]; version = row[1]; previousVersion = row[2]; file = row[3]; source = row[4]
        appliedAt = row[5]; appliedBy = row[6]; authentication = row[7]
    }

    func insert(_ db: Database) throws {
        let statement = try db.cachedStatement(sql: "INSERT INTO policies (\(Self.columns)) VALUES (?,?,?,?,?,?,?,?)")
        try statement.execute(arguments: [sequence, version, previousVersion, file, source, appliedAt, appliedBy,
                                          authentication])
    }
}
