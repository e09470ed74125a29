import Foundation
import GRDB
import SignoffCore

/// Which grants to read.
public enum GrantFilter: Sendable, Hashable {
    /// Live grants, ended grants provisioning has not confirmed, failed
    /// provisioning, and open post-incident reviews: what needs someone.
    case attention
    /// Every grant.
    case all
    /// Grants with a post-incident review, completed or not.
    case incidentReviews

    var clause: String {
        switch self {
        case .attention: return "WHERE " + GrantStatusRow.live
        case .all: return ""
        case .incidentReviews: return "WHERE review_reviewers IS NOT NULL"
        }
    }
}

extension Store {
    /// The grant of a request, or nil when it has none (not approved, or an extension).
    public func grant(_ id: String) throws -> Grant? {
        try fetchGrants(GrantRow.select + "WHERE s.request_id = ?") { $0.bind(id) }.first
    }

    /// Grants, soonest expiry first (grants without one last, oldest approval first).
    public func grants(_ filter: GrantFilter) throws -> [Grant] {
        Grant.inExpiryOrder(try fetchGrants(GrantRow.select + filter.clause)) { $0 }
    }

    /// Grants changed by events after `sequence` (a `changeToken()`), in any
    /// state: what a reader holding the grants as of that token must update.
    public func grants(changedAfter sequence: Int64) throws -> [Grant] {
        try fetchGrants(GrantRow.select + "WHERE s.last_sequence > ?") { $0.bind(sequence) }
    }

    /// Every grant a `GrantRow.select` query returns, read through the C API.
    private func fetchGrants(_ sql: String, _ bind: (inout FastStatement) -> Void = { _ in }) throws -> [Grant] {
        try read { db in
            var query = FastStatement(try db.cachedStatement(sql: sql), db)
            bind(&query)
            var grants: [Grant] = []
            try query.forEachRow { statement in
                let columns = StatementColumns(statement: statement)
                guard let grant = GrantRow.decode(columns) else { throw Self.unreadableGrant(columns.text(0) ?? "") }
                grants.append(grant)
            }
            return grants
        }
    }

    /// How many grants are active: the sweep's and the benchmark's count.
    public func activeGrantCount() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM grant_status WHERE state = 'active'") ?? 0 }
    }

    /// Where grant documents go now.
    public func handOff() throws -> HandOffConfiguration {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT h.outbox, h.command, h.timeout_seconds, h.configured_at, h.configured_by, h.authentication, e.hash
                FROM hand_off h LEFT JOIN events e ON e.sequence = h.sequence AND e.kind = 'hand_off_configured'
                WHERE h.id = 1
                """) else { return .none }
            return HandOffConfiguration(outbox: row[0], command: row[1],
                                        timeoutSeconds: row[2] ?? HandOffConfiguration.defaultTimeoutSeconds,
                                        configuredAt: Date(storeMilliseconds: row[3]),
                                        configuredBy: Principal(name: row[4], authentication: Authentication(rawValue: row[5]) ?? .system),
                                        event: row[6])
        }
    }

    static func unreadableGrant(_ id: String) -> StoreError {
        StoreError.invalidEvent("the grant rows of \(id) cannot be read; run `signoff audit verify`")
    }
}
