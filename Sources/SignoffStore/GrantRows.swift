import Foundation
import GRDB
import SignoffCore

/// One `grants` row: the whole grant as plain columns (no JSON to decode for
/// the sweep), built the same way when writing and when `verify` rebuilds.
struct GrantRow: Equatable {
    var values: [DatabaseValue]

    static let columns = """
        request_id, state, requester, subject_kind, subject_name, subject_owner, system, environment, entitlement,
        scope, access, ticket, incident, break_glass, revocation_triggers, approved_at, approvers, policy_version,
        duration_seconds, starts_at, expires_at, self_activated, provisioning_action, provisioning, provisioning_reason,
        provisioning_at, ended_at, ended_by, end_reason, extensions, review_reviewers, review_due_at,
        review_completed_at, review_completed_by, review_rationale, last_sequence
        """
    static let columnNames = columns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    static let insertSQL = "INSERT INTO grants (\(columns)) VALUES (\(Array(repeating: "?", count: columnNames.count).joined(separator: ",")))"
    /// Sets the columns at `indices` (never 0, the key), then `WHERE request_id = ?`.
    static func updateSQL(_ indices: [Int]) -> String {
        "UPDATE grants SET " + indices.map { "\(columnNames[$0]) = ?" }.joined(separator: ", ") + " WHERE request_id = ?"
    }

    init(_ grant: Grant, lastSequence: Int64) {
        let terms = grant.terms
        let review = grant.incidentReview
        func ms(_ date: Date?) -> DatabaseValue { date.map { $0.storeMilliseconds.databaseValue } ?? .null }
        values = [
            grant.requestID.databaseValue, grant.state.rawValue.databaseValue, terms.requester.databaseValue,
            terms.subject.kind.rawValue.databaseValue, terms.subject.name.databaseValue, terms.subject.owner.databaseValue,
            terms.system.databaseValue, terms.environment.databaseValue, terms.entitlement.databaseValue,
            terms.scope.databaseValue, terms.access.rawValue.databaseValue, terms.ticket.databaseValue,
            terms.incident.databaseValue, terms.breakGlass.databaseValue,
            CanonicalJSON.encodeTriggers(terms.revocationTriggers).databaseValue,
            ms(grant.approvedAt), CanonicalJSON.encodeStrings(grant.approvers).databaseValue,
            grant.policyVersion.databaseValue, grant.duration.seconds.databaseValue, ms(grant.startsAt), ms(grant.expiresAt),
            grant.selfActivated.databaseValue, grant.provisioningAction.rawValue.databaseValue,
            grant.provisioning.rawValue.databaseValue, grant.provisioningReason.databaseValue, ms(grant.provisioningAt),
            ms(grant.endedAt), grant.endedBy.databaseValue, grant.endReason.databaseValue,
            CanonicalJSON.encodeStrings(grant.extensions).databaseValue,
            review?.reviewers.databaseValue ?? .null, ms(review?.dueAt), ms(review?.completedAt),
            review?.completedBy.databaseValue ?? .null, review?.rationale.databaseValue ?? .null,
            lastSequence.databaseValue,
        ]
    }

    init(row: Row) {
        values = (0..<Self.columnNames.count).map { row[$0] as DatabaseValue }
    }

    var requestID: String { String.fromDatabaseValue(values[0]) ?? "" }
    var lastSequence: Int64 { Int64.fromDatabaseValue(values[values.count - 1]) ?? 0 }

    /// The grant these columns hold; nil when a column is not what signoff writes.
    func grant() -> Grant? {
        func text(_ index: Int) -> String? { String.fromDatabaseValue(values[index]) }
        func date(_ index: Int) -> Date? { Int64.fromDatabaseValue(values[index]).map { Date(storeMilliseconds: $0) } }
        guard let id = text(0), let state = text(1).flatMap(GrantState.init(rawValue:)), let requester = text(2),
              let kind = text(3).flatMap(IdentityKind.init(rawValue:)), let subjectName = text(4), let owner = text(5),
              let system = text(6), let environment = text(7), let entitlement = text(8),
              let access = text(10).flatMap(AccessLevel.init(rawValue:)),
              let breakGlass = Bool.fromDatabaseValue(values[13]),
              let triggers = text(14).flatMap(CanonicalJSON.decodeTriggers), let approvedAt = date(15),
              let approvers = text(16).flatMap(CanonicalJSON.decodeStrings), let policyVersion = text(17),
              let seconds = Int.fromDatabaseValue(values[18]), let selfActivated = Bool.fromDatabaseValue(values[21]),
              let action = text(22).flatMap(HandOffAction.init(rawValue:)),
              let provisioning = text(23).flatMap(ProvisioningState.init(rawValue:)),
              let extensions = text(29).flatMap(CanonicalJSON.decodeStrings)
        else { return nil }
        let terms = GrantTerms(requester: requester, subject: Subject(kind: kind, name: subjectName, owner: owner),
                               system: system, environment: environment, entitlement: entitlement, scope: text(9),
                               access: access, revocationTriggers: triggers, ticket: text(11), incident: text(12),
                               breakGlass: breakGlass)
        var review: IncidentReview?
        if let reviewers = text(30), let dueAt = date(31) {
            review = IncidentReview(reviewers: reviewers, dueAt: dueAt, completedAt: date(32), completedBy: text(33),
                                    rationale: text(34))
        }
        return Grant(requestID: id, terms: terms, state: state, approvedAt: approvedAt, approvers: approvers,
                     policyVersion: policyVersion, duration: TimeSpan(seconds: seconds), startsAt: date(19),
                     expiresAt: date(20), selfActivated: selfActivated, provisioningAction: action,
                     provisioning: provisioning, provisioningReason: text(24), provisioningAt: date(25),
                     endedAt: date(26), endedBy: text(27), endReason: text(28), extensions: extensions,
                     incidentReview: review)
    }

    func insert(_ db: Database) throws {
        try db.cachedStatement(sql: Self.insertSQL).execute(arguments: StatementArguments(values))
    }

    /// Names the first column that differs from `other`, for verify's report.
    func firstDifference(from other: GrantRow) -> String? {
        for (index, name) in Self.columnNames.enumerated() where values[index] != other.values[index] {
            return "\(name) is \(other.values[index]) in the query table, \(values[index]) from the events"
        }
        return nil
    }
}

/// Where grant documents go: the latest `hand_off_configured` event.
public struct HandOffConfiguration: Sendable, Hashable {
    public var outbox: String?
    public var command: String?
    /// How long the command may run before it is stopped and the hand-off recorded as failed.
    public var timeoutSeconds: Int
    public var configuredAt: Date?
    public var configuredBy: Principal?

    public static let defaultTimeoutSeconds = 30
    public static let none = HandOffConfiguration(outbox: nil, command: nil, timeoutSeconds: defaultTimeoutSeconds)

    public init(outbox: String?, command: String?, timeoutSeconds: Int, configuredAt: Date? = nil, configuredBy: Principal? = nil) {
        self.outbox = outbox
        self.command = command
        self.timeoutSeconds = timeoutSeconds
        self.configuredAt = configuredAt
        self.configuredBy = configuredBy
    }

    public var isConfigured: Bool { outbox != nil || command != nil }
}
