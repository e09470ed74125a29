import Foundation
import SignoffCore
import Testing
@testable import SignoffStore

/// Connecting to a PostgreSQL store: every failure a person can meet is one
/// line that names the store (never its password) and what to do, and leaves
/// nothing behind.
@Suite(.needsPostgreSQL, .serialized)
struct PostgresConnectionTests {
    static func failure(_ connection: String, _ body: (StoreLocation) throws -> Void = { _ = try Store.open($0) }) -> StoreError? {
        #expect(throws: StoreError.self) { try body(.postgresql(connection: connection)) }
    }

    @Test func anUnreachableServer() {
        let error = Self.failure("postgresql://alice:s3cret@127.0.0.1:1/signoff?connect_timeout=2")
        guard case let .unreachable(store, _)? = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(store == "postgresql://alice@127.0.0.1:1/signoff?connect_timeout=2")
        #expect(!(error?.description.contains("s3cret") ?? true))
        #expect(error?.description.contains("check that it runs") == true)
    }

    @Test func aWrongPassword() throws {
        let database = try TestDatabase()
        let role = try database.role("alice")
        let error = Self.failure("dbname=\(database.name) user=\(role.name) password=wrong-password")
        guard case let .authenticationFailed(_, name, detail)? = error else {
            Issue.record("got \(String(describing: error))")
            return
        }
        #expect(name == role.name)
        #expect(detail.contains("password authentication failed"))
        #expect(!(error?.description.contains("wrong-password") ?? true))
    }

    @Test func tlsRequiredButRefused() throws {
        // The test cluster runs without TLS, as a misconfigured server would.
        let database = try TestDatabase()
        let error = Self.failure("dbname=\(database.name) sslmode=require")
        guard case .tlsRefused? = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(error?.description.contains("sslmode") == true)
    }

    @Test func aDatabaseWithoutAStoreAndOneThatDoesNotExist() throws {
        let database = try TestDatabase()
        #expect(Self.failure(database.connection) == .missing(path: database.connection))
        #expect(Self.failure(database.connection)?.description.contains("signoff init") == true)
        // No database at all: `signoff init` cannot make one, so the message says what can.
        let absent = Self.failure("dbname=no_such_database_here")
        guard case .noDatabase(store: "dbname=no_such_database_here", _)? = absent else {
            Issue.record("got \(String(describing: absent))")
            return
        }
        #expect(absent?.description.contains("createdb") == true && absent?.description.contains("no_such_database_here") == true,
                "\(String(describing: absent))")
    }

    @Test func aSchemaFromANewerSignoff() throws {
        let database = try TestDatabase()
        try Store.initialize(database.location, settings: StoreSettings())
        try database.connect().execute("INSERT INTO signoff.migrations (name) VALUES ('99 from the future')")
        #expect(Self.failure(database.connection) == .schemaTooNew(path: database.connection,
                                                                   unknownMigrations: ["99 from the future"]))
    }

    @Test func initRefusesAStoreThatExistsAndLeavesNothingWhenItFails() throws {
        let database = try TestDatabase()
        try Store.initialize(database.location, settings: StoreSettings())
        #expect(Self.failure(database.connection) { try Store.initialize($0, settings: StoreSettings()) }
            == .alreadyExists(path: database.connection))
        // A role that may not create roles or schemas gets the server's refusal, and no half a store.
        let other = try TestDatabase()
        let weak = try other.role("weak")
        let error = Self.failure("dbname=\(other.name) user=\(weak.name) password=x") {
            try Store.initialize($0, settings: StoreSettings())
        }
        #expect(error != nil)
        let leftovers = try other.connect().query("SELECT count(*) FROM pg_namespace WHERE nspname = 'signoff'")
        #expect(leftovers.row(0).integer(0) == 0)
    }

    /// The store's group role is taken again only as signoff creates it: one
    /// created beforehand with members would let them read the store.
    @Test func initRefusesAGroupRoleSomeoneElsePreparedWithMembers() throws {
        let database = try TestDatabase()
        let group = PostgresSchema.quoteIdentifier(PostgresSetup.groupRole(database: database.name))
        let mallory = try database.role("mallory")
        try database.connect().execute("CREATE ROLE \(group) NOLOGIN; GRANT \(group) TO \(mallory.name)")
        let error = Self.failure(database.connection) { try Store.initialize($0, settings: StoreSettings()) }
        #expect(error?.description.contains("already exists and has members (\(mallory.name))") == true, "\(String(describing: error))")
        #expect(try database.connect().query("SELECT count(*) FROM pg_namespace WHERE nspname = 'signoff'").row(0).integer(0) == 0)
        // A plain role without members (left by a dropped store) is taken again.
        try database.connect().execute("REVOKE \(group) FROM \(mallory.name)")
        try Store.initialize(database.location, settings: StoreSettings())
    }

    @Test func textRoundTripsExactlyAndValuesBindByType() throws {
        let database = try TestDatabase()
        let connection = try database.connect()
        let hostile = "d\u{1B}]0;title\u{07}ave 💥 \u{202E}dorp \\ ' \" $1"
        let row = try connection.query("SELECT $1::text, $2::bigint, $3::boolean, $4::text IS NULL",
                                        [.text(hostile), .integer(-9_007_199_254_740_993), .boolean(true), .null]).row(0)
        #expect(row.text(0) == hostile)
        #expect(row.integer(1) == -9_007_199_254_740_993)
        #expect(row.boolean(2) == true)
        #expect(row.boolean(3) == true)
    }

    @Test func notificationsArriveWithoutPolling() throws {
        let database = try TestDatabase()
        let listener = try database.connect()
        try listener.listen("signoff")
        #expect(try listener.waitForNotifications(timeout: 0.05).isEmpty)
        let start = Date()
        let connection = database.connection
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) {
            try? PostgresConnection(connection).execute("NOTIFY signoff")
        }
        #expect(try listener.waitForNotifications(timeout: 10) == ["signoff"])
        #expect(Date().timeIntervalSince(start) < 5)
    }
}
