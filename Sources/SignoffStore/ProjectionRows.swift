import Foundation
import GRDB
import SignoffCore

/// One `requests` row: the indexed columns a filter needs plus the whole record.
/// Built the same way when writing and when `verify` rebuilds, so the two can be
/// compared column by column.
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

    init(_ record: RequestRecord, submittedSequence: Int64, lastSequence: Int64, encoded: Data) {
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
        self.record = encoded
    }

    static let columns = """
        id, state, system, environment, requester, subject_kind, subject_name, break_glass,
        submitted_at, submitted_sequence, decided_at, version, policy_version, last_sequence, record
        """

    init(row: Row) {
        id = row[0]; state = row[1]; system = row[2]; environment = row[3]; requester = row[4]
        subjectKind = row[5]; subjectName = row[6]; breakGlass = row[7]; submittedAt = row[8]
        submittedSequence = row[9]; decidedAt = row[10]; version = row[11]; policyVersion = row[12]
        lastSequence = row[13]; record = row[14]
    }

    func insert(_ db: Database) throws {
        let statement = try db.cachedStatement(sql: "INSERT INTO requests (\(Self.columns)) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
        try statement.execute(arguments: [id, state, system, environment, requester, subjectKind, subjectName,
                                          breakGlass, submittedAt, submittedSequence, decidedAt, version,
                                          policyVersion, lastSequence, record])
    }

    /// Only what the fold can change after submission.
    func update(_ db: Database) throws {
        let statement = try db.cachedStatement(sql: """
            UPDATE requests SET state = ?, decided_at = ?, version = ?, policy_version = ?, last_sequence = ?, record = ?
            WHERE id = ?
            """)
        try statement.execute(arguments: [state, decidedAt, version, policyVersion, lastSequence, record, id])
    }

    /// Names the first column that differs from `other`, for verify's report.
    func firstDifference(from other: RequestRow) -> String? {
        let pairs: [(String, String, String)] = [
            ("state", state, other.state), ("system", system, other.system),
            ("environment", environment, other.environment), ("requester", requester, other.requester),
            ("subject_kind", subjectKind, other.subjectKind), ("subject_name", subjectName, other.subjectName),
            ("break_glass", "\(breakGlass)", "\(other.breakGlass)"),
            ("submitted_at", "\(submittedAt)", "\(other.submittedAt)"),
            ("submitted_sequence", "\(submittedSequence)", "\(other.submittedSequence)"),
            ("decided_at", decidedAt.map { "\($0)" } ?? "NULL", other.decidedAt.map { "\($0)" } ?? "NULL"),
            ("version", "\(version)", "\(other.version)"),
            ("policy_version", policyVersion ?? "NULL", other.policyVersion ?? "NULL"),
            ("last_sequence", "\(lastSequence)", "\(other.lastSequence)"),
        ]
        for (name, mine, theirs) in pairs where mine != theirs {
            return "\(name) is \(theirs) in the query table, \(mine) from the events"
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

    init(row: Row) {
        sequence = row[0]; requestID = row[1]; reviewer = row[2]; authentication = row[3]; verdict = row[4]
        rationale = row[5]; at = row[6]; requestVersion = row[7]; policyVersion = row[8]
    }

    func insert(_ db: Database) throws {
        let statement = try db.cachedStatement(sql: "INSERT INTO reviews (\(Self.columns)) VALUES (?,?,?,?,?,?,?,?,?)")
        try statement.execute(arguments: [sequence, requestID, reviewer, authentication, verdict, rationale, at,
                                          requestVersion, policyVersion])
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
