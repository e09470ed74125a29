import Foundation
import GRDB
import SignoffCore

/// The store's settings. Evidence like decisions: set by the `store_created`
/// event and changed only by `settings_changed` events; the `settings` table
/// is their fold, and `audit verify` holds it (and every asserted identity in
/// the chain) to them, so a store made for production can't quietly start
/// trusting `--as NAME`, even for a moment.
public struct StoreSettings: Sendable, Hashable {
    /// Whether actors may be named with `--as NAME` (demos and tests only).
    public var trustAssertedIdentities: Bool
    /// When set, the store files are 0660 and owned by this group, so several
    /// approvers' accounts can share one store. Otherwise they are 0600.
    public var shareGroup: String?
    public var createdAt: Date

    public init(trustAssertedIdentities: Bool = false, shareGroup: String? = nil, createdAt: Date = Date()) {
        self.trustAssertedIdentities = trustAssertedIdentities
        self.shareGroup = shareGroup
        self.createdAt = EventCoding.storedPrecision(createdAt)
    }

    /// The `settings` row as it stands: a query table, which whoever can
    /// write the store file can edit. What a command goes by is `chained`.
    static func fetch(_ db: Database) throws -> StoreSettings? {
        guard let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT trust_asserted_identities, share_group, created_at FROM settings WHERE id = 1"))
        else { return nil }
        return StoreSettings(trustAssertedIdentities: try row.checked(0, "settings.trust_asserted_identities"),
                             shareGroup: try row.checked(1, "settings.share_group"),
                             createdAt: Date(storeMilliseconds: try row.checked(2, "settings.created_at")))
    }

    /// Why an event by `name`, named with `--as` where the store did not trust that, is not believed.
    static func untrustedAssertion(_ name: String) -> String {
        "\(name) is an asserted identity (--as), but the store's settings did not trust asserted identities then"
    }

    /// The settings a store file's commands go by: as its `store_created`
    /// and `settings_changed` events set them, not as the `settings` row
    /// says, so that one edited row can neither make the store believe
    /// `--as` and a chosen clock nor hand its files to a group (`audit
    /// verify` names the row). Trust of asserted identities, once turned off
    /// by an event, stays off whatever a later event says (signoff never
    /// turns it on again). Each of those events, and the first, must hold
    /// its own hash and be the one the event after it chains to; where one
    /// does not (an event edited by hand), the store trusts no asserted
    /// identity and shares with no group. nil when the file has no settings
    /// row (not a signoff store); the row as it stands only for a store
    /// whose first event holds and is not `store_created` (made before
    /// signoff recorded its settings), or that has no events yet.
    static func chained(_ db: Database) throws -> StoreSettings? {
        try folded(db)?.settings
    }

    /// `chained`, and the last event at which the chain took an asserted
    /// identity (`--as`) as the settings stood before it, as `audit verify`
    /// judges: the first event, or the `settings_changed` that turned trust
    /// off; `Int64.max` while the store trusts them, or where its first
    /// event is not `store_created` (verify judges none there either).
    static func folded(_ db: Database) throws -> (settings: StoreSettings, assertedTrustedThrough: Int64)? {
        guard let row = try fetch(db) else { return nil }
        let failClosed = (settings: StoreSettings(trustAssertedIdentities: false, shareGroup: nil, createdAt: row.createdAt),
                          assertedTrustedThrough: Int64(1))
        var chain = EventChain()
        var settings: StoreSettings?, holds = true
        var trustedThrough = Int64.max
        var hashes: [(sequence: Int64, hash: [UInt8])] = []
        func visit(_ statement: OpaquePointer) {
            let columns = EventColumns(statement: statement)
            guard holds else { return }
            guard chain.holdsHash(columns), columns.sequence != 1 || columns.prevHash.elementsEqual(EventChain.genesisBytes),
                  let event = try? columns.draft() else {
                holds = false
                return
            }
            hashes.append((columns.sequence, Array(columns.hash)))
            switch event.body {
            case let .storeCreated(created):
                guard columns.sequence == 1 else { holds = false; return }
                settings = StoreSettings(trustAssertedIdentities: created.trustAssertedIdentities, shareGroup: created.shareGroup,
                                         createdAt: event.at)
                if !created.trustAssertedIdentities { trustedThrough = 1 }
            case let .settingsChanged(changed):
                guard var current = settings else { holds = false; return }
                if current.trustAssertedIdentities && !changed.trustAssertedIdentities { trustedThrough = columns.sequence }
                current.trustAssertedIdentities = current.trustAssertedIdentities && changed.trustAssertedIdentities
                current.shareGroup = changed.shareGroup
                settings = current
            case .policyApplied, .requestSubmitted, .requestRouted, .reviewRecorded, .reviewRefused, .actionRefused,
                 .requestDecided, .requestWithdrawn, .grantIssued, .grantHandedOff, .grantProvisioned, .grantProvisioningFailed,
                 .grantExpired, .grantRevoked, .grantExtended, .incidentReviewCompleted, .schemaMigrated, .handOffConfigured,
                 .reconciliationRun, .findingOpened, .findingResolved, .findingExcepted, .findingRemovalRequested,
                 .removalHandedOff, .removalHandOffFailed, .requestRevised, .ticketLinked, .intakeRefused, .writeBackConfigured:
                // Read for its hash alone when it is the first; a settings kind whose payload is another's is not settings.
                if columns.sequence != 1 { holds = false }
            }
        }
        // The first event, then the later settings events, through the
        // `events_settings` index (two queries: an OR would scan every event).
        try FastStatement(try db.cachedStatement(sql: EventColumns.select + " WHERE sequence = 1"), db).forEachRow(visit)
        try FastStatement(try db.cachedStatement(sql: EventColumns.select + """
             WHERE kind IN ('\(EventKind.storeCreated.rawValue)', '\(EventKind.settingsChanged.rawValue)') AND sequence > 1
             ORDER BY sequence
            """), db).forEachRow(visit)
        guard holds else { return failClosed }
        let next = try db.cachedStatement(sql: "SELECT prev_hash FROM events WHERE sequence = ?")
        for (sequence, hash) in hashes {
            guard let following = try String.fetchOne(next, arguments: [sequence + 1]) else { continue }
            if !following.utf8.elementsEqual(hash) { return failClosed }
        }
        // A settings event after a first that is not `store_created` has nothing to change.
        guard let settings else { return hashes.count <= 1 ? (row, Int64.max) : failClosed }
        return (settings, trustedThrough)
    }
}

/// The policy in force: the latest `policy_applied` event.
public struct StoredPolicy: Sendable, Hashable {
    /// Content hash of the policy file; reviews and routings name it.
    public var version: String
    public var previousVersion: String?
    /// Where the file was read from when it was applied.
    public var file: String
    /// The full policy text, so any past decision can be explained later.
    public var source: String
    public var appliedAt: Date
    public var appliedBy: Principal
    /// The `policy_applied` event's sequence number.
    public var sequence: Int64

    public init(version: String, previousVersion: String?, file: String, source: String,
                appliedAt: Date, appliedBy: Principal, sequence: Int64) {
        self.version = version
        self.previousVersion = previousVersion
        self.file = file
        self.source = source
        self.appliedAt = appliedAt
        self.appliedBy = appliedBy
        self.sequence = sequence
    }

    static let selectLatest = """
        SELECT sequence, version, previous_version, file, source, applied_at, applied_by, authentication
        FROM policies ORDER BY sequence DESC LIMIT 1
        """

    /// The last `policy_applied` event's sequence: the policy in force is the
    /// one it applied, whatever rows the `policies` query table has lost. In
    /// a PostgreSQL store's local copy (`isCopy`), an event it folded into
    /// nothing applied no policy.
    static func lastAppliedSQL(isCopy: Bool) -> String {
        "SELECT sequence FROM events WHERE kind = '\(EventKind.policyApplied.rawValue)'"
            + (isCopy ? " AND sequence NOT IN (SELECT sequence FROM \(Store.notFoldedTable))" : "") + " ORDER BY sequence DESC LIMIT 1"
    }

    /// Refuses a `policies` table whose latest row (`sequence`, nil when it
    /// has none) is not the last `policy_applied` event's.
    static func checkLatest(_ sequence: Int64?, _ db: Database, isCopy: Bool) throws {
        guard try Int64.fetchOne(db.cachedStatement(sql: lastAppliedSQL(isCopy: isCopy))) == sequence else {
            throw StoreError.unreadableRow(notApplied)
        }
    }

    /// The policy in force, held to the `policy_applied` event it folds
    /// (the `policies` table is a query table, which no hash covers):
    /// refused where that event did not apply exactly this, or where a
    /// later one applied another.
    static func fetchLatest(_ db: Database, isCopy: Bool) throws -> StoredPolicy? {
        let policy = try Row.fetchOne(db.cachedStatement(sql: selectLatest)).map({ try StoredPolicy(row: $0) })
        try checkLatest(policy?.sequence, db, isCopy: isCopy)
        guard let policy else { return nil }
        let event = try Row.fetchOne(db.cachedStatement(sql: "SELECT kind, payload FROM events WHERE sequence = ?"),
                                     arguments: [policy.sequence])
        guard let event, let kind: String = event[0], let payload: String = event[1],
              case let .policyApplied(applied)? = try? EventBody.read(kind: kind, payload: Data(payload.utf8)),
              applied.version == policy.version, applied.source == policy.source, applied.file == policy.file else {
            throw StoreError.unreadableRow(notApplied)
        }
        return policy
    }

    /// Why the policy in force is refused when its row is not its event's.
    static let notApplied = "the policy in force is not the one the last policy_applied event applied: the store's policies table was changed outside signoff, so nothing is decided under it; run `signoff audit verify`"

    /// Every policy the chain applied, in order, from its `policy_applied`
    /// events: their payloads are what the hash chain covers, where the
    /// `policies` query table is only their fold, which whoever can write
    /// the store can edit. In a PostgreSQL store's local copy (`isCopy`),
    /// an event it folded into nothing applied no policy.
    static func appliedFromEvents(_ db: Database, isCopy: Bool) throws -> [StoredPolicy] {
        let sql = EventColumns.select + " WHERE kind = '\(EventKind.policyApplied.rawValue)'"
            + (isCopy ? " AND sequence NOT IN (SELECT sequence FROM \(Store.notFoldedTable))" : "") + " ORDER BY sequence"
        let query = FastStatement(try db.cachedStatement(sql: sql), db)
        var policies: [StoredPolicy] = []
        try query.forEachRow { row in
            let columns = EventColumns(statement: row)
            let event = try columns.draft()
            guard case let .policyApplied(applied) = event.body else {
                throw UndecodableEvent(sequence: columns.sequence, detail: "a policy_applied event that applies no policy")
            }
            policies.append(StoredPolicy(version: applied.version, previousVersion: applied.previousVersion, file: applied.file,
                                         source: applied.source, appliedAt: event.at, appliedBy: event.actor,
                                         sequence: columns.sequence))
        }
        return policies
    }

    /// From a row of `selectLatest`'s columns.
    init(row: Row) throws {
        func column<Value: DatabaseValueConvertible>(_ index: Int) throws -> Value {
            try row.checked(index, "policies." + ["sequence", "version", "previous_version", "file", "source", "applied_at", "applied_by", "authentication"][index])
        }
        let authentication = Authentication(rawValue: try column(7)) ?? .system
        self.init(version: try column(1), previousVersion: try column(2), file: try column(3), source: try column(4),
                  appliedAt: Date(storeMilliseconds: try column(5)),
                  appliedBy: Principal(name: try column(6), authentication: authentication), sequence: try column(0))
    }
}
