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
    /// Grants with a post-incident review: open ones, or completed ones too.
    case incidentReviews(includingCompleted: Bool)

    var clause: String {
        switch self {
        case .attention: return "WHERE " + GrantStatusRow.live
        case .all: return "WHERE 1"
        case .incidentReviews(let includingCompleted):
            return "WHERE g.review_reviewers IS NOT NULL" + (includingCompleted ? "" : " AND s.review_completed_at IS NULL")
        }
    }

    /// Expiry order (`Grant.inExpiryOrder`) for grant lists; post-incident
    /// reviews open ones first (overdue, then due), each by when it is due.
    var order: String {
        switch self {
        case .attention, .all:
            return " ORDER BY s.expires_at IS NULL, s.expires_at, g.approved_at, s.request_id"
        case .incidentReviews:
            return " ORDER BY s.review_completed_at IS NOT NULL, s.review_due_at, s.request_id"
        }
    }
}

/// A grant with what reconciliation last saw of it (nil: no run has covered it).
public typealias ReconciledGrant = (grant: Grant, reconciliation: GrantReconciliation?)

extension Store {
    /// The grant of a request, or nil when it has none (not approved, or an extension).
    public func grant(_ id: String) throws -> Grant? {
        try read { try Self.grant($0, id) }
    }

    /// The grant `record` extends, with who asked for it (`Grant.authors`),
    /// who may not decide the extension; nil for any other request.
    public func originalGrant(of record: RequestRecord) throws -> Grant? {
        guard let id = record.request.extends else { return nil }
        return try grant(id)?.withAuthors(from: try self.record(id))
    }

    /// The grant of a request as its rows hold it, read in `db`.
    static func grant(_ db: Database, _ id: String) throws -> Grant? {
        var found: Grant?
        try forEachGrant(db, GrantRow.select + "WHERE s.request_id = ?", { $0.bind(id) }) { found = $0 }
        return found
    }

    /// Grants, soonest expiry first (grants without one last, oldest approval first).
    public func grants(_ filter: GrantFilter) throws -> [Grant] {
        var grants: [Grant] = []
        try forEachGrant(filter) { grants.append($0) }
        return grants
    }

    /// Calls `body` with each grant `filter` selects, in its order, as it is
    /// read: one snapshot, constant memory (SQLite sorts, spilling to disk
    /// past its cache), the first grant at once. With `activeExpiringBy`, only
    /// active grants that expire by then. Errors `body` throws end the read and
    /// come back unchanged.
    public func forEachGrant(_ filter: GrantFilter, activeExpiringBy horizon: Date? = nil,
                             _ body: (Grant) throws -> Void) throws {
        var sql = GrantRow.select + filter.clause
        if horizon != nil { sql += " AND s.state = 'active' AND s.expires_at <= ?" }
        try read { db in
            try Self.forEachGrant(db, sql + filter.order, { query in horizon.map { query.bind($0.storeMilliseconds) } }, body)
        }
    }

    /// Grants changed by events after `sequence` (a `changeToken()`), in any
    /// state, with what reconciliation last saw of each: what a reader holding
    /// the grants as of that token must update. A reconciliation run changes
    /// what was seen of a grant without changing the grant, so a grant a run
    /// after `sequence` covered is among them.
    public func grants(changedAfter sequence: Int64) throws -> [ReconciledGrant] {
        var grants: [ReconciledGrant] = []
        try read { db in
            try Self.forEachGrant(db, GrantRow.selectReconciled + "WHERE s.last_sequence > ? OR r.run > ?",
                                  { $0.bind(sequence); $0.bind(sequence) }) { grants.append(($0, $1)) }
        }
        return grants
    }

    /// The requests whose histories events after `sequence` (a
    /// `changeToken()`) changed, whether or not their rows did (an event
    /// appended by hand need not touch them): those the events name, and the
    /// grants those requests extend (a grant's history holds its extensions').
    public func historiesChanged(after sequence: Int64) throws -> Set<String> {
        try read { db in
            var query = FastStatement(try db.cachedStatement(sql: """
                SELECT DISTINCT e.request_id, r.extends FROM events AS e LEFT JOIN requests AS r ON r.id = e.request_id
                WHERE e.sequence > ? AND e.request_id IS NOT NULL
                """), db)
            query.bind(sequence)
            var ids: Set<String> = []
            try query.forEachRow { row in
                let columns = StatementColumns(statement: row)
                for index in 0..<2 { if let id = columns.text(index) { ids.insert(id) } }
            }
            return ids
        }
    }

    /// Like `forEachGrant`, with what reconciliation last saw of each grant
    /// (nil: no run has covered it), read in the same statement.
    public func forEachReconciledGrant(_ filter: GrantFilter, activeExpiringBy horizon: Date? = nil,
                                       _ body: (Grant, GrantReconciliation?) throws -> Void) throws {
        var sql = GrantRow.selectReconciled + filter.clause
        if horizon != nil { sql += " AND s.state = 'active' AND s.expires_at <= ?" }
        try read { db in
            try Self.forEachGrant(db, sql + filter.order, { query in horizon.map { query.bind($0.storeMilliseconds) } }, body)
        }
    }

    /// The grant of a request with what reconciliation last saw of it; nil
    /// when the request has no grant.
    public func reconciledGrant(_ id: String) throws -> ReconciledGrant? {
        var found: ReconciledGrant?
        try read { db in
            try Self.forEachGrant(db, GrantRow.selectReconciled + "WHERE s.request_id = ?", { $0.bind(id) }) { found = ($0, $1) }
        }
        return found
    }

    /// Each grant a `GrantRow.select` query returns, read through the C API.
    static func forEachGrant(_ db: Database, _ sql: String, _ bind: (inout FastStatement) -> Void,
                             _ body: (Grant) throws -> Void) throws {
        var query = FastStatement(try db.cachedStatement(sql: sql), db)
        bind(&query)
        try query.forEachRow { statement in
            let columns = StatementColumns(statement: statement)
            guard let grant = GrantRow.decode(columns) else { throw Self.unreadableGrant(columns.text(0) ?? "") }
            try body(grant)
        }
    }

    /// Each grant a `GrantRow.selectReconciled` query returns, with its sighting.
    private static func forEachGrant(_ db: Database, _ sql: String, _ bind: (inout FastStatement) -> Void,
                                     _ body: (Grant, GrantReconciliation?) throws -> Void) throws {
        var query = FastStatement(try db.cachedStatement(sql: sql), db)
        bind(&query)
        try query.forEachRow { statement in
            let columns = StatementColumns(statement: statement)
            guard let grant = GrantRow.decode(columns), let seen = GrantRow.decodeReconciliation(columns) else {
                throw Self.unreadableGrant(columns.text(0) ?? "")
            }
            try body(grant, seen)
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
            func column<Value: DatabaseValueConvertible>(_ index: Int) throws -> Value {
                try row.checked(index, ["hand_off.outbox", "hand_off.command", "hand_off.timeout_seconds", "hand_off.configured_at",
                                        "hand_off.configured_by", "hand_off.authentication", "events.hash"][index])
            }
            return HandOffConfiguration(outbox: try column(0), command: try column(1),
                                        timeoutSeconds: try column(2) ?? HandOffConfiguration.defaultTimeoutSeconds,
                                        configuredAt: Date(storeMilliseconds: try column(3)),
                                        configuredBy: Principal(name: try column(4), authentication: Authentication(rawValue: try column(5)) ?? .system),
                                        event: try column(6))
        }
    }

    static func unreadableGrant(_ id: String) -> StoreError {
        StoreError.unreadableRow("the grant rows of \(id) cannot be read; run `signoff audit verify`")
    }
}

extension Store {
    /// What `audit verify` names in the history of `id`'s grant: its
    /// request's events and those of the extensions it records, replayed
    /// alone under the policies in force (`DecisionCheck.problems(inHistory:)`),
    /// each as "event N: kind by actor: problem". Empty when every decision
    /// in it is one signoff records; the hand-off asks this before it gives
    /// provisioning access to carry out, so a decision appended by hand past
    /// the commands' checks is never provisioned.
    public func grantHistoryProblems(_ id: String) throws -> [String] {
        try grantHistoryProblems([id], signatures: .full)[id] ?? []
    }

    /// A grant as its rows hold it, as its request's events give it (nil
    /// when none issues it), and its `grantHistoryProblems`, all read in one
    /// snapshot: what the hand-off describes to provisioning and checks.
    /// Nil when the request has no grant.
    public func checkedGrant(_ id: String) throws -> (stored: Grant, replayed: Grant?, problems: [String])? {
        try read { db in
            guard let stored = try Self.grant(db, id) else { return nil }
            var check = try GrantHistoryCheck(db, isCopy: remote != nil, signatures: .full)
            let (problems, replayed) = try check.problems(db, id, stored: stored)
            return (stored, replayed, problems)
        }
    }

    /// What a reader of one request is told is disputed about it: its stored
    /// row where its own events (`history`, as read with it) do not give it,
    /// the events naming it that a copy of a PostgreSQL store folded into
    /// nothing (`Store.notFolded`), then `grantHistoryProblems` of its grant
    /// (the one it extends, for an extension). Empty for a request signoff recorded.
    public func disputes(of record: RequestRecord, history: [RecordedEvent]) throws -> [String] {
        // The record against the events; where it holds, the row's columns (what lists and filters read) against the record.
        let problem = try Projection.rowProblem(record, history: history) ?? read { try RequestRow.read($0, record.id)?.columnProblem() }
        let row = problem.map { ["the request's row: \($0)"] } ?? []
        // Only a copy keeps events unfolded: a file store reads nothing more.
        let notFolded = remote == nil ? [] : try read { try Self.notFolded($0, requestID: record.id, isCopy: true) }
        return row + notFolded + (try grantHistoryProblems(record.request.extends ?? record.id))
    }

    /// `grantHistoryProblems` of each grant among `ids`, by its request, in
    /// one read; those whose histories hold none are left out. `signatures`:
    /// `.rules` (the default) for many grants at once.
    public func grantHistoryProblems(_ ids: [String], signatures: DecisionCheck.SignatureDepth = .rules) throws -> [String: [String]] {
        guard !ids.isEmpty else { return [:] }
        return try read { try Self.grantHistoryProblems($0, ids, isCopy: remote != nil, signatures: signatures) }
    }

    /// `grantHistoryProblems` of each grant among `ids`, by its request; the
    /// grants whose histories hold none are left out. The policies and the
    /// store's creator are read, and each policy parsed, once for them all.
    static func grantHistoryProblems(_ db: Database, _ ids: [String], isCopy: Bool,
                                     signatures: DecisionCheck.SignatureDepth) throws -> [String: [String]] {
        var check = try GrantHistoryCheck(db, isCopy: isCopy, signatures: signatures)
        var found: [String: [String]] = [:]
        for id in ids {
            let problems = try check.problems(db, id, stored: try grant(db, id)).problems
            if !problems.isEmpty { found[id] = problems }
        }
        return found
    }

    /// `forEachReconciledGrant`, with each grant's `grantHistoryProblems`
    /// (empty for a history signoff recorded), replayed as the grant is read:
    /// what a list of grants marks as disputed, so a grant appended by hand
    /// past the commands' checks never lists as one like the others.
    public func forEachCheckedGrant(_ filter: GrantFilter, activeExpiringBy horizon: Date? = nil,
                                    _ body: (Grant, GrantReconciliation?, [String]) throws -> Void) throws {
        var sql = GrantRow.selectReconciled + filter.clause
        if horizon != nil { sql += " AND s.state = 'active' AND s.expires_at <= ?" }
        try read { db in
            var check = try GrantHistoryCheck(db, isCopy: remote != nil, signatures: .rules)
            try Self.forEachGrant(db, sql + filter.order, { query in horizon.map { query.bind($0.storeMilliseconds) } }) { grant, seen in
                try body(grant, seen, try check.problems(db, grant.requestID, stored: grant).problems)
            }
        }
    }
}

extension Store {
    /// What differs between a grant as its rows hold it and as the events of
    /// its request give it (`history`, in order), as "COLUMN is X in the
    /// query table, Y from the events"; nil when nothing does.
    static func grantRowProblem(_ stored: Grant, history: [RecordedEvent]) -> String? {
        grantRowProblem(stored, replayed: replayedGrant(stored.requestID, history: history))
    }

    /// The grant of request `id` as the events of its request (`history`,
    /// in order) give it; nil when none issues it.
    static func replayedGrant(_ id: String, history: [RecordedEvent]) -> Grant? {
        var replayed: Grant?
        for event in history where event.draft.requestID == id && GrantProjection.concernsGrant(event.draft.body) {
            replayed = GrantProjection.apply(event.draft, to: replayed)
        }
        return replayed
    }

    /// The same, given the grant the events give (nil: none issues it).
    static func grantRowProblem(_ stored: Grant, replayed: Grant?) -> String? {
        guard let replayed else { return "no event issues it" }
        guard replayed != stored else { return nil }
        // Compared as stored (times in milliseconds), column by column.
        return GrantRow(replayed, lastSequence: 0).firstDifference(from: GrantRow(stored, lastSequence: 0))
    }
}

/// Replays grant histories one at a time (`Store.grantHistoryProblems`):
/// the policies' sequences and the store's creator are read once, and each
/// policy a history was decided under is read and parsed once, for them all.
struct GrantHistoryCheck {
    private let applied: [Int64]
    private let creator: String?
    /// What the store's /3 statements name it by (`Store.identity`).
    private let store: String
    private let isCopy: Bool
    /// The last event an asserted identity may act in (`StoreSettings.folded`).
    private let assertedTrustedThrough: Int64
    private let signatures: DecisionCheck.SignatureDepth
    private var policies: [Int64: Policy?] = [:]
    /// Where the chain adopted each statement schema: read once, and only
    /// for a history holding a signature over an older one.
    private var adoptions: StatementAdoptions?

    /// `isCopy`: `db` is a PostgreSQL store's local copy (`Store.events`).
    init(_ db: Database, isCopy: Bool, signatures: DecisionCheck.SignatureDepth) throws {
        applied = try Int64.fetchAll(db, sql: "SELECT sequence FROM policies ORDER BY sequence")
        creator = try Store.creator(db)?.name
        store = try Store.identity(db) ?? ""
        assertedTrustedThrough = try StoreSettings.folded(db)?.assertedTrustedThrough ?? Int64.max
        self.isCopy = isCopy
        self.signatures = signatures
    }

    /// What is wrong in the history of `id`'s grant, as "event N: problem",
    /// and, first, where its rows (`stored`) are not what that history gives
    /// (empty when nothing is); and the grant as that history gives it.
    mutating func problems(_ db: Database, _ id: String, stored: Grant?) throws -> (problems: [String], replayed: Grant?) {
        // The extensions are the requests its `grant_extended` events name, forged ones included.
        var history = try Store.events(db, requestID: id, isCopy: isCopy)
        var extensions: [String] = []
        for event in history {
            if case let .grantExtended(extended) = event.draft.body, extended.extensionID != id,
               !extensions.contains(extended.extensionID) {
                extensions.append(extended.extensionID)
            }
        }
        for request in extensions { history += try Store.events(db, requestID: request, isCopy: isCopy) }
        history.sort { $0.sequence < $1.sequence }
        // Only the policies the history was decided under are read whole,
        // each once, from the `policy_applied` event itself (the hash chain
        // covers it; the policies table is only its fold): no policy where
        // that event is not one, and the history is judged without.
        for event in history {
            guard let sequence = applied.last(where: { $0 < event.sequence }), policies[sequence] == nil else { continue }
            let row = try Row.fetchOne(db, sql: "SELECT kind, payload FROM events WHERE sequence = ?", arguments: [sequence])
            var policy: Policy?
            if let row, let kind: String = row[0], let payload: String = row[1],
               case let .policyApplied(applied)? = try? EventBody.read(kind: kind, payload: Data(payload.utf8)) {
                policy = ParsedPolicies.shared.policy(version: applied.version, source: applied.source, file: applied.file)
            }
            policies[sequence] = .some(policy)
        }
        if adoptions == nil, history.contains(where: { $0.draft.signature.map { !DecisionStatement.namesCurrentSchema($0.statement) } ?? false }) {
            adoptions = try StatementAdoptions(db)
        }
        let policies = self.policies, applied = self.applied, adoptions = self.adoptions
        var replayed: [String: Grant] = [:]
        let decisions = DecisionCheck.problems(inHistory: history, storeCreator: creator, store: store, grants: &replayed,
                                               signatures: signatures,
                                               older: { adoptions?.before($0) ?? .recordedNow }) { sequence in
            applied.last { $0 < sequence }.flatMap { policies[$0] ?? nil }
        }.map { "event \($0.sequence): \($0.problem)" }
        // As `audit verify` judges them: a name given with --as where the
        // store did not believe one is no identity signoff established.
        let asserted = history.filter { $0.draft.actor.authentication == .asserted && $0.sequence > assertedTrustedThrough }
            .map { "event \($0.sequence): \(StoreSettings.untrustedAssertion($0.draft.actor.name))" }
        let rows = stored.flatMap { Store.grantRowProblem($0, replayed: replayed[id]) }.map { ["the grant's rows: \($0)"] } ?? []
        return (rows + asserted + decisions, replayed[id])
    }
}
