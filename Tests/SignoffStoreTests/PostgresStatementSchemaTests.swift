import Foundation
import GRDB
import SignoffCore
import Testing
@testable import SignoffStore

/// A PostgreSQL store adopts `signoff.statement/3` as an SQLite store does:
/// its chain keeps the /2 signatures made before, every client's fold takes
/// them in (as `audit verify` does) where the chain places them before it
/// adopted /3, and a store made by an older signoff records where it adopts
/// /3 when this signoff first opens it in a session that may record.
@Suite(.needsPostgreSQL, .serialized)
struct PostgresStatementSchemaTests {
    /// An SQLite store made before /3 and migrated since: two submissions
    /// signed over /2 by ssh-keygen, then the `schema_migrated` event that
    /// adopted /3. Copied into `database`, its creator acting as `admin`.
    func olderStore(copiedInto database: TestDatabase) throws -> StatementSchemaTests {
        let older = try StatementSchemaTests()
        try older.rewriteAsSchema2Store { rows, migrated, _ in rows.append(migrated) }
        #expect(try older.store.verify().isIntact)
        _ = try Store.copy(from: .sqlite(path: older.store.path), to: database.location, person: "admin")
        return older
    }

    func lastSequence(_ connection: PostgresConnection) throws -> Int64? {
        try connection.query("SELECT max(sequence) FROM signoff.events").row(0).integer(0)
    }

    @Test func schema2SignaturesBeforeAdoptionAreFoldedAndKeptThroughACopyAndBack() throws {
        let database = try TestDatabase()
        let older = try olderStore(copiedInto: database)
        let shared = try Store.open(database.location)
        // Folded like any event: a fold that refused them would keep them aside.
        #expect(try shared.eventsNotFolded() == 0)
        let report = try shared.verify()
        #expect(report.isIntact, "\(report.signatureProblems) \(report.projectionMismatches)")
        #expect(report.signedEventCount == 2 && report.schema2SignedEventCount == 2)
        let identity = try shared.identity()
        #expect(try identity == older.store.identity())

        let directory = TemporaryDirectory()
        let back = directory.file("back.sqlite")
        _ = try Store.copy(from: database.location, to: .sqlite(path: back), person: nil)
        let copied = try Store.open(at: back).verify()
        #expect(copied.isIntact, "\(copied.signatureProblems) \(copied.projectionMismatches)")
        #expect(copied.schema2SignedEventCount == 2)
    }

    @Test func anOlderStoreRecordsWhereItAdoptsSchema3WhenFirstOpenedToRecord() throws {
        let database = try TestDatabase()
        _ = try olderStore(copiedInto: database)
        // Made as the older signoff left it: no `schema_migrated` event for
        // /3, nor the server's migration that comes with it.
        let superuser = try database.connect()
        try superuser.execute("""
            SET session_replication_role = replica;
            DELETE FROM signoff.events WHERE sequence = (SELECT max(sequence) FROM signoff.events);
            DELETE FROM signoff.migrations WHERE name = '10 signatures name their store';
            SET session_replication_role = origin;
            """)
        let head: Int64 = try #require(try lastSequence(superuser))
        let dave = try database.role("dave")
        // The administrator maps dave's role, upgrading the server's schema
        // (older clients stop at it from here on); dave's first command
        // records the migration in the chain.
        try Store.grant(role: dave.name, person: "dave", in: database.location)
        let upgraded = try superuser.query("SELECT 1 FROM signoff.migrations WHERE name = '10 signatures name their store'")
        #expect(upgraded.rowCount == 1)
        let unchanged = try lastSequence(superuser)
        #expect(unchanged == head)

        // Reading never changes a store: a read-only command records nothing.
        let reading = try Store.openForReading(.postgresql(connection: dave.connection))
        #expect(try lastSequence(superuser) == head)
        let read = try reading.verify()
        #expect(read.isIntact, "\(read.signatureProblems) \(read.projectionMismatches)")
        let shared = try Store.open(.postgresql(connection: dave.connection))
        let last = try superuser.query("SELECT sequence, kind, actor, payload FROM signoff.events ORDER BY sequence DESC LIMIT 1").row(0)
        let sequence: Int64? = last.integer(0)
        let kind: String? = last.text(1)
        let actor: String? = last.text(2)
        let payload: String = last.text(3) ?? ""
        #expect(sequence == head + 1)
        #expect(kind == "schema_migrated")
        #expect(actor == "dave")
        let body = try EventBody.read(kind: "schema_migrated", payload: Data(payload.utf8))
        #expect(body == .schemaMigrated(.init(migrations: StatementSchemaTests.fromMarker3)))
        // Opened again, by anyone, nothing more is recorded.
        _ = try Store.open(database.location)
        let after = try lastSequence(superuser)
        #expect(after == head + 1)

        let report = try shared.verify()
        #expect(report.signatureProblems.isEmpty, "\(report.signatureProblems)")
        #expect(report.schema2SignedEventCount == 2)
        let schema = report.projectionMismatches.filter { $0.table == "schema" }
        #expect(schema.isEmpty, "\(schema)")
    }
}
