import Foundation
import Testing
@testable import SignoffStore

/// The PostgreSQL server of a test run: `scripts/test` starts a throwaway
/// cluster with `pg_virtualenv`, which exports the `PG*` variables libpq reads
/// (host, port, superuser and password), and sets `SIGNOFF_TEST_POSTGRESQL`.
/// Without it (a plain `swift test`), the PostgreSQL suites are skipped.
enum PostgresTestServer {
    static let isConfigured = ProcessInfo.processInfo.environment["SIGNOFF_TEST_POSTGRESQL"] != nil

    /// The cluster's superuser, connected to `database` (default: the one in `PGDATABASE`).
    static func superuser(_ database: String? = nil) throws -> PostgresConnection {
        try PostgresConnection(database.map { "dbname=\(ConnectionString.quoted($0))" } ?? "")
    }

    static func uniqueName(_ prefix: String) -> String {
        prefix + "_" + UUID().uuidString.prefix(8).lowercased()
    }
}

/// A fresh database, dropped (with the store's group role) when released.
final class TestDatabase {
    let name = PostgresTestServer.uniqueName("signoff_test")
    private var roles: [String] = []

    init() throws {
        try PostgresTestServer.superuser().execute("CREATE DATABASE \(PostgresSchema.quoteIdentifier(name)) ENCODING 'UTF8' TEMPLATE template0")
    }

    deinit {
        guard let admin = try? PostgresTestServer.superuser() else { return }
        try? admin.execute("DROP DATABASE IF EXISTS \(PostgresSchema.quoteIdentifier(name)) WITH (FORCE)")
        for role in roles + [PostgresSetup.groupRole(database: name)] {
            try? admin.execute("DROP ROLE IF EXISTS \(PostgresSchema.quoteIdentifier(role))")
        }
    }

    /// The connection string of the superuser (who creates the store in most tests).
    var connection: String { "dbname=\(name)" }
    var location: StoreLocation { .postgresql(connection: connection) }

    /// A new login role with a password, and how to connect as it.
    func role(_ prefix: String, attributes: String = "") throws -> (name: String, connection: String) {
        let role = PostgresTestServer.uniqueName(prefix)
        let password = UUID().uuidString
        try PostgresTestServer.superuser().execute(
            "CREATE ROLE \(role) LOGIN PASSWORD '\(password)' \(attributes)")
        roles.append(role)
        return (role, "dbname=\(name) user=\(role) password=\(password)")
    }

    func connect(_ connection: String? = nil) throws -> PostgresConnection {
        try PostgresConnection(connection ?? self.connection)
    }
}

extension Trait where Self == ConditionTrait {
    /// Runs only where a PostgreSQL server is configured (see `PostgresTestServer`).
    static var needsPostgreSQL: Self {
        .enabled(if: PostgresTestServer.isConfigured,
                 "needs a PostgreSQL server: scripts/test starts one with pg_virtualenv and sets SIGNOFF_TEST_POSTGRESQL")
    }
}
