import Foundation
import GRDB
import SignoffCore

/// The reconciliation query tables (`findings`, `grant_sightings`): the fold
/// of the reconciliation events, written in the event's transaction.
enum ReconciliationRows {
    static func apply(_ run: EventBody.ReconciliationRun, sequence: Int64, at: Int64, _ db: Database) throws {
        let present = try db.cachedStatement(sql: """
            INSERT INTO grant_sightings (request_id, present, seen_at, run, present_at, present_run) VALUES (?, 1, ?, ?, ?, ?)
            ON CONFLICT (request_id) DO UPDATE SET present = 1, seen_at = excluded.seen_at, run = excluded.run,
                present_at = excluded.present_at, present_run = excluded.present_run
            """)
        for id in run.grantsPresent { try present.execute(arguments: [id, at, sequence, at, sequence]) }
        let absent = try db.cachedStatement(sql: """
            INSERT INTO grant_sightings (request_id, present, seen_at, run) VALUES (?, 0, ?, ?)
            ON CONFLICT (request_id) DO UPDATE SET present = 0, seen_at = excluded.seen_at, run = excluded.run
            """)
        for id in run.grantsAbsent { try absent.execute(arguments: [id, at, sequence]) }
        let seen = try db.cachedStatement(sql: "UPDATE findings SET last_seen_at = ?, last_run = ? WHERE id = ? AND state = 'open'")
        for id in run.findingsSeen {
            try seen.execute(arguments: [at, sequence, id])
            guard db.changesCount == 1 else { throw StoreError.invalidEvent("finding \(id) is not open, so no run can see it again") }
        }
    }

    /// A new finding, or one back after it was resolved (it keeps its first sighting).
    static func apply(_ opened: EventBody.FindingOpened, sequence: Int64, at: Int64, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO findings (id, kind, system, environment, subject_kind, subject, owner, entitlement, grant_type, scope,
                request_id, credential_id, summary, state, first_seen_at, first_run, opened_sequence, last_seen_at, last_run)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, request_id = excluded.request_id,
                summary = excluded.summary, state = 'open', opened_sequence = excluded.opened_sequence,
                last_seen_at = excluded.last_seen_at, last_run = excluded.last_run, resolved_at = NULL, resolved_run = NULL
            """).execute(arguments: [
                opened.findingID, opened.kind.rawValue, opened.system, opened.environment, opened.subjectKind, opened.subject,
                opened.owner, opened.entitlement, opened.grantType, opened.scope, opened.requestID, opened.credentialID,
                opened.summary, at, opened.run, sequence, at, opened.run,
            ])
    }

    static func apply(_ resolved: EventBody.FindingResolved, at: Int64, _ db: Database) throws {
        try db.cachedStatement(sql: "UPDATE findings SET state = 'resolved', resolved_at = ?, resolved_run = ? WHERE id = ?")
            .execute(arguments: [at, resolved.run, resolved.findingID])
    }

    static let columns = """
        id, kind, system, environment, subject_kind, subject, owner, entitlement, grant_type, scope, request_id, credential_id,
        summary, state, first_seen_at, first_run, last_seen_at, last_run, resolved_at, resolved_run, opened_sequence
        """

    static func finding(_ row: Row) throws -> StoredFinding {
        guard let kind = FindingKind(rawValue: row["kind"]) else {
            throw StoreError.invalidEvent("finding \(row["id"] as String? ?? "") has an unknown kind")
        }
        let resolvedAt: Int64? = row["resolved_at"]
        return StoredFinding(
            id: row["id"], kind: kind, system: row["system"], environment: row["environment"], subjectKind: row["subject_kind"],
            subject: row["subject"], owner: row["owner"], entitlement: row["entitlement"], grantType: row["grant_type"],
            scope: row["scope"], requestID: row["request_id"], credentialID: row["credential_id"], summary: row["summary"],
            open: (row["state"] as String) == "open", firstSeenAt: date(row["first_seen_at"]), firstRun: row["first_run"],
            lastSeenAt: date(row["last_seen_at"]), lastRun: row["last_run"], resolvedAt: resolvedAt.map(date),
            resolvedRun: row["resolved_run"], openedSequence: row["opened_sequence"])
    }

    static func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }
}

/// A finding as the store holds it: what differs, since when, and whether it still does.
public struct StoredFinding: Sendable, Hashable {
    public var id: String
    public var kind: FindingKind
    public var system: String
    public var environment: String
    public var subjectKind: String
    public var subject: String
    public var owner: String?
    public var entitlement: String?
    public var grantType: String?
    public var scope: String
    public var requestID: String?
    public var credentialID: String?
    public var summary: String
    public var open: Bool
    public var firstSeenAt: Date
    public var firstRun: Int64
    public var lastSeenAt: Date
    public var lastRun: Int64
    public var resolvedAt: Date?
    public var resolvedRun: Int64?
    /// The `finding_opened` event that holds the records behind it.
    public var openedSequence: Int64
}

/// What reconciliation last saw of a grant, and when it last saw its access there.
public struct GrantSightingRow: Sendable, Hashable {
    public var requestID: String
    public var present: Bool
    public var seenAt: Date
    public var run: Int64
    public var presentAt: Date?
    public var presentRun: Int64?
}

extension WriteTransaction {
    func findingIsOpen(_ id: String) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT 1 FROM findings WHERE id = ? AND state = 'open'", arguments: [id]) ?? false
    }

    /// The open findings on a system and environment, as of this transaction.
    public func openFindings(system: String, environment: String) throws -> [StoredFinding] {
        checkOpen()
        return try Row.fetchAll(db, sql: """
            SELECT \(ReconciliationRows.columns) FROM findings WHERE system = ? AND environment = ? AND state = 'open' ORDER BY id
            """, arguments: [system, environment]).map(ReconciliationRows.finding)
    }
}

extension Store {
    /// Findings, open ones only unless `resolved`; in order of kind, system,
    /// environment, subject and ID.
    public func findings(resolved: Bool = false) throws -> [StoredFinding] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(ReconciliationRows.columns) FROM findings \(resolved ? "" : "WHERE state = 'open'")
                ORDER BY state, kind, system, environment, subject, id
                """).map(ReconciliationRows.finding)
        }
    }

    /// What reconciliation last saw of each grant that a run covered, by request ID.
    public func grantSightings() throws -> [String: GrantSightingRow] {
        try read { db in
            var sightings: [String: GrantSightingRow] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT request_id, present, seen_at, run, present_at, present_run FROM grant_sightings") {
                let presentAt: Int64? = row["present_at"]
                let sighting = GrantSightingRow(requestID: row["request_id"], present: row["present"], seenAt: ReconciliationRows.date(row["seen_at"]),
                                                run: row["run"], presentAt: presentAt.map(ReconciliationRows.date), presentRun: row["present_run"])
                sightings[sighting.requestID] = sighting
            }
            return sightings
        }
    }
}
