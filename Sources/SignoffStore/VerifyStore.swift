import Foundation
import GRDB
import SignoffCore

/// What the events say about the store itself, folded as `audit verify`
/// reads them: its settings over time, its schema, its request counter. Then
/// compared with the `settings` and `counters` tables and with the schema
/// objects (tables, indexes, the append-only triggers) actually in the file,
/// so that whoever can write the file cannot switch on trust of asserted
/// identities for a moment, drop a trigger or move a counter unnoticed.
struct StoreFacts {
    typealias Mismatch = VerifyReport.ProjectionMismatch

    var created = false
    var trustAsserted = false
    var shareGroup: String?
    var createdAt: Int64?
    var migrations: [String] = []
    /// The highest N of the `REQ-N` requests submitted.
    var requestNumber: Int64 = 0
    /// Whether the store is a PostgreSQL store's local copy, whose table of
    /// the events it did not fold is its own, outside the schema.
    var isCopy = false

    mutating func fold(_ event: EventDraft, sequence: Int64, into mismatches: inout [Mismatch]) {
        // An event is judged by the settings in force before it (a settings
        // change made as an asserted identity counts under the old settings).
        if event.actor.authentication == .asserted && created && !trustAsserted {
            mismatches.append(Mismatch(table: "events", requestID: event.requestID, sequence: sequence,
                                       problem: StoreSettings.untrustedAssertion(event.actor.name)))
        }
        switch event.body {
        case let .storeCreated(store):
            if sequence != 1 || created {
                mismatches.append(Mismatch(table: "events", requestID: nil, sequence: sequence,
                                           problem: "a store_created event after the store's first event"))
                return
            }
            created = true
            trustAsserted = store.trustAssertedIdentities
            shareGroup = store.shareGroup
            createdAt = event.at.storeMilliseconds
            migrations = store.migrations
        case let .settingsChanged(changed):
            if changed.trustAssertedIdentities && !trustAsserted {
                // Signoff never records it, and no command goes by it (`StoreSettings.chained`).
                mismatches.append(Mismatch(table: "events", requestID: nil, sequence: sequence,
                                           problem: "a settings change that turns trust of asserted identities on, which signoff never records (it can be turned off, never on)"))
            }
            trustAsserted = trustAsserted && changed.trustAssertedIdentities
            shareGroup = changed.shareGroup
        case let .schemaMigrated(migrated):
            migrations += migrated.migrations
        case .requestSubmitted:
            if let id = event.requestID, id.hasPrefix("REQ-"), let number = Int64(id.dropFirst(4)) {
                requestNumber = max(requestNumber, number)
            }
        case .policyApplied, .requestRouted, .reviewRecorded, .reviewRefused, .actionRefused, .requestDecided,
             .requestWithdrawn, .grantIssued, .grantHandedOff, .grantProvisioned, .grantProvisioningFailed, .grantExpired,
             .grantRevoked, .grantExtended, .incidentReviewCompleted, .handOffConfigured, .reconciliationRun, .findingOpened, .findingResolved, .findingExcepted, .findingRemovalRequested, .removalHandedOff, .removalHandOffFailed,
             .requestRevised, .ticketLinked, .intakeRefused, .writeBackConfigured:
            break
        }
        if sequence == 1 && !created {
            mismatches.append(Mismatch(table: "events", requestID: nil, sequence: 1,
                                       problem: "the first event is not store_created: the store's settings and schema are not evidence (a store made before signoff recorded them, or its history was replaced)"))
        }
    }

    func compare(with db: Database, into mismatches: inout [Mismatch]) throws {
        guard created else { return }
        try compareSettings(db, &mismatches)
        try compareCounters(db, &mismatches)
        try compareSchema(db, &mismatches)
    }

    private func compareSettings(_ db: Database, _ mismatches: inout [Mismatch]) throws {
        func differs(_ problem: String) {
            mismatches.append(Mismatch(table: "settings", requestID: nil, sequence: nil, problem: problem))
        }
        let rows = try Row.fetchAll(db, sql: "SELECT id, trust_asserted_identities, share_group, created_at, schema FROM settings")
        guard rows.count == 1, let row = rows.first, row[0] as Int64? == 1 else {
            return differs("holds \(rows.count) rows; the events say one")
        }
        let trust: Int64? = row[1]
        if trust != (trustAsserted ? 1 : 0) {
            differs("trust_asserted_identities is \(trust.map(String.init) ?? "NULL"); the events say \(trustAsserted ? 1 : 0)")
        }
        if row[2] as String? != shareGroup {
            differs("share_group is \((row[2] as String?) ?? "NULL"); the events say \(shareGroup ?? "NULL")")
        }
        if row[3] as Int64? != createdAt {
            differs("created_at is \((row[3] as Int64?).map(String.init) ?? "NULL"); the store_created event says \(createdAt.map(String.init) ?? "NULL")")
        }
        if row[4] as String? != migrations.last {
            differs("schema is \((row[4] as String?) ?? "NULL"); the events say \(migrations.last ?? "NULL")")
        }
    }

    private func compareCounters(_ db: Database, _ mismatches: inout [Mismatch]) throws {
        var stored: [String: Int64] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT name, value FROM counters") {
            // Whatever stands there, compared, never trapped on: a count that is not an integer counts as none.
            stored[row.quoted(0)] = Int64.fromDatabaseValue(row[1] as DatabaseValue)
        }
        var expected: [String: Int64] = [:]
        if requestNumber > 0 { expected["request_number"] = requestNumber }
        for name in Set(stored.keys).union(expected.keys).sorted() where stored[name] != expected[name] {
            mismatches.append(Mismatch(table: "counters", requestID: nil, sequence: nil,
                                       problem: "\(name) is \(stored[name].map(String.init) ?? "missing"); the events say \(expected[name].map(String.init) ?? "it does not exist")"))
        }
    }

    /// Tables, indexes, triggers and views, with their SQL, as the migrations
    /// the events record create them (replayed on an empty in-memory database).
    private func compareSchema(_ db: Database, _ mismatches: inout [Mismatch]) throws {
        func differs(_ problem: String) {
            mismatches.append(Mismatch(table: "schema", requestID: nil, sequence: nil, problem: problem))
        }
        let known = Schema.migrator.migrations
        guard migrations == Array(known.prefix(migrations.count)) else {
            return differs("the events record migrations \(migrations.joined(separator: ", ")), not this signoff's \(known.joined(separator: ", "))")
        }
        // A PostgreSQL store's local copy is this client's own file, made
        // with every migration this signoff has: the events record the
        // schema of the store's creation, which later migrations of the copy
        // (a newer client's) never record on the server.
        let schema = isCopy ? known : migrations
        let applied = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid")
        if Set(applied) != Set(schema) {
            differs("grdb_migrations lists \(applied.joined(separator: ", ")); " + (isCopy ? "this signoff's are " : "the events record ")
                    + schema.joined(separator: ", "))
        }
        let expected = try Self.expectedObjects(upTo: schema.last)
        var actual = try Self.objects(db)
        if isCopy { actual[Store.notFoldedTable] = nil }
        for (name, object) in expected.sorted(by: { $0.key < $1.key }) {
            guard let found = actual[name] else {
                differs("\(object.type) \(name) is missing")
                continue
            }
            if found != object { differs("\(object.type) \(name) is not as the schema defines it: \(found.sql ?? "no SQL")") }
        }
        for (name, object) in actual.sorted(by: { $0.key < $1.key }) where expected[name] == nil {
            differs("\(object.type) \(name) is not part of the schema: \(object.sql ?? "no SQL")")
        }
    }

    struct SchemaObject: Hashable {
        var type: String
        var table: String
        var sql: String?
    }

    static func objects(_ db: Database) throws -> [String: SchemaObject] {
        var result: [String: SchemaObject] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'") {
            result[row[1]] = SchemaObject(type: row[0], table: row[2], sql: row[3])
        }
        return result
    }

    /// The schema the migrations up to `last` create, computed once per version.
    static func expectedObjects(upTo last: String?) throws -> [String: SchemaObject] {
        guard let last else { return [:] }
        let queue = try DatabaseQueue()
        try Schema.migrator.migrate(queue, upTo: last)
        return try queue.read { try objects($0) }
    }
}
