import Foundation

/// A PostgreSQL role that can read a store or is mapped to act in it: the
/// person it acts as, and how it reaches the store's tables.
public struct StoreRole: Sendable, Hashable {
    /// How a role reaches the store's tables, the first that holds in this order.
    public enum Access: String, Sendable, Hashable, CaseIterable {
        /// It owns the store's schema: the store's administrator.
        case administrator
        /// A superuser reads every table of the server.
        case superuser
        /// A member of the store's group role, as `signoff store grant` makes it.
        case member
        /// A member of the group role through another role, granted outside signoff.
        case inherited
        /// `SELECT` on the store's events granted to it (or to PUBLIC) outside signoff.
        case tableGrant = "table_grant"
        /// None of these: mapped to a person, but it can no longer read the
        /// store (its membership was taken away outside signoff, or the role
        /// was dropped), so it acts as nobody until granted again.
        case none
    }
    public var role: String
    /// The person it acts as; nil for a role that may only read.
    public var person: String?
    public var access: Access
    /// Whether the role may log in (a mapped role that cannot acts as nobody).
    public var canLogIn: Bool
    /// When and by which role it was mapped to its person; nil for a role that only reads.
    public var grantedAt: Date?
    public var grantedBy: String?
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
                throw StoreError.administrationRefused("--person is for PostgreSQL stores; in a store file, people act as their own accounts")
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

    /// Every role that can read a PostgreSQL store, and every role mapped to
    /// a person in it, by name.
    public static func roles(in location: StoreLocation) throws -> [StoreRole] {
        let connection = try postgresAdministration(location)
        return try StoreError.mapping(store: location.description) {
            _ = try PostgresSetup.open(connection)
            return try PostgresSetup.roles(connection)
        }
    }

    private static func postgresAdministration(_ location: StoreLocation) throws -> PostgresConnection {
        guard case let .postgresql(connection) = location else {
            throw StoreError.administrationRefused(
                "roles belong to PostgreSQL stores; in a store file, people act as the accounts that run signoff")
        }
        return try StoreError.mapping(store: location.description) { try PostgresConnection(connection) }
    }
}
