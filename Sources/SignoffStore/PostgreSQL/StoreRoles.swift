import Foundation

/// A PostgreSQL role that may act in a store, and the person it acts as.
public struct StoreRole: Sendable, Hashable {
    public var role: String
    public var person: String
    public var grantedAt: Date
    /// The role that made the mapping.
    public var grantedBy: String
}

extension Store {
    /// Creates a store: what `signoff init` does. On PostgreSQL the connecting
    /// role becomes the store's administrator and acts as `person` (default:
    /// the role's name); `person` has no meaning for an SQLite file, whose
    /// actors are the accounts that run signoff.
    public static func initialize(_ location: StoreLocation, settings: StoreSettings, person: String? = nil) throws {
        switch location {
        case let .sqlite(path):
            if person != nil {
                throw StoreError.invalidEvent("--person is for PostgreSQL stores; in a store file, people act as their own accounts")
            }
            _ = try create(at: path, settings: settings)
        case let .postgresql(connection):
            try createShared(location, connection: connection, settings: settings, person: person)
        }
    }

    /// The PostgreSQL role of this session and the person it acts as (nil
    /// for a role that may only read); nil for an SQLite store.
    public var sharedSession: (role: String, person: String?)? {
        remote.map { ($0.session.role, $0.session.person) }
    }

    /// Lets a PostgreSQL role act as `person` (nil: only read and verify). Only
    /// the store's administrator may.
    public static func grant(role: String, person: String?, in location: StoreLocation) throws {
        let connection = try postgresAdministration(location)
        try StoreError.mapping(store: location.description) {
            _ = try PostgresSetup.open(connection)
            try PostgresSetup.grant(connection, role: role, person: person)
        }
    }

    /// Takes every right in the store from a PostgreSQL role.
    public static func revoke(role: String, in location: StoreLocation) throws {
        let connection = try postgresAdministration(location)
        try StoreError.mapping(store: location.description) {
            _ = try PostgresSetup.open(connection)
            try PostgresSetup.revoke(connection, role: role)
        }
    }

    /// The roles that may act in a PostgreSQL store.
    public static func roles(in location: StoreLocation) throws -> [StoreRole] {
        let connection = try postgresAdministration(location)
        return try StoreError.mapping(store: location.description) {
            _ = try PostgresSetup.open(connection)
            return try PostgresSetup.roles(connection)
        }
    }

    private static func postgresAdministration(_ location: StoreLocation) throws -> PostgresConnection {
        guard case let .postgresql(connection) = location else {
            throw StoreError.invalidEvent(
                "roles belong to PostgreSQL stores; in a store file, people act as the accounts that run signoff")
        }
        return try StoreError.mapping(store: location.description) { try PostgresConnection(connection) }
    }
}
