import Foundation
import SignoffCore

/// The administrative side of a PostgreSQL store: creating its schema,
/// bringing it up to date, and mapping PostgreSQL roles to people.
enum PostgresSetup {
    /// What a session learns when it opens a store.
    struct Session: Sendable, Hashable {
        var settings: StoreSettings
        /// The role the server authenticated.
        var role: String
        /// The person that role acts as; nil for a role that may only read.
        var person: String?
        var isAdministrator: Bool
    }

    /// The group role of a store in database `database`: mapped roles are its members.
    static func groupRole(database: String) -> String { "signoff_" + database }

    /// Creates the schema, the group role and the tables in one transaction
    /// (nothing is left behind when any step fails), and maps the creating
    /// role to `person` (default: the role's own name).
    static func create(_ connection: PostgresConnection, settings: StoreSettings, person: String?,
                       then recordCreation: () throws -> Void) throws {
        let facts = try connection.query("""
            SELECT current_setting('server_encoding'), current_database(), session_user,
                   EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'signoff')
            """).row(0)
        guard facts.text(0) == "UTF8" else {
            throw StoreError.database(path: connection.shownAs, detail: """
                the database's encoding is \(facts.text(0) ?? "unknown"), and signoff stores text exactly only in UTF8; \
                create the database with ENCODING 'UTF8'
                """)
        }
        if facts.boolean(3) == true { throw StoreError.alreadyExists(path: connection.shownAs) }
        let database = facts.text(1) ?? "", role = facts.text(2) ?? ""
        let person = person ?? role
        try checkPerson(person)
        let group = groupRole(database: database)
        try connection.transaction {
            // A role of that name left by a dropped store is taken again, but
            // only as it was created: whoever could create it first, and make
            // themselves its member, would otherwise read every table.
            // Or as a superuser made it for an administrator without CREATEROLE:
            // its one member this role, WITH ADMIN OPTION (to grant it on).
            let existing = try connection.query("""
                SELECT r.rolcanlogin OR r.rolsuper OR r.rolcreaterole OR r.rolcreatedb OR r.rolbypassrls OR r.rolreplication,
                       (SELECT string_agg(m.rolname, ', ' ORDER BY m.rolname) FROM pg_auth_members a
                        JOIN pg_roles m ON m.oid = a.member
                        WHERE a.roleid = r.oid AND NOT (m.rolname = session_user AND a.admin_option))
                FROM pg_roles r WHERE r.rolname = $1
                """, [.text(group)])
            if existing.rowCount == 0 {
                try connection.execute("CREATE ROLE \(PostgresSchema.quoteIdentifier(group)) NOLOGIN")
            } else if existing.row(0).boolean(0) == true || existing.row(0).text(1) != nil {
                let what = existing.row(0).text(1).map {
                    "has members (\(DisplaySafe.text($0))) other than this role WITH ADMIN OPTION"
                } ?? "has attributes beyond NOLOGIN"
                throw StoreError.database(path: connection.shownAs, detail: """
                    the role \(DisplaySafe.text(group)), which would become the store's group role (its members read the store), already \
                    exists and \(what); drop it (DROP ROLE \(DisplaySafe.text(PostgresSchema.quoteIdentifier(group)))) or make it a plain \
                    NOLOGIN role whose one member is the administrator, WITH ADMIN OPTION, then run signoff init again
                    """)
            }
            try connection.execute("""
                CREATE SCHEMA signoff;
                CREATE TABLE signoff.migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
                """)
            try migrate(connection, group: group)
            try connection.query("""
                INSERT INTO signoff.settings (id, trust_asserted_identities, share_group, created_at, group_role)
                VALUES (1, $1, NULL, $2, $3)
                """, [.boolean(settings.trustAssertedIdentities), .integer(settings.createdAt.storeMilliseconds),
                      .text(group)])
            try connection.query("INSERT INTO signoff.actors (role, person) VALUES (session_user, $1)", [.text(person)])
            try recordCreation()
        }
    }

    /// Applies the migrations the store lacks; the caller holds a transaction.
    private static func migrate(_ connection: PostgresConnection, group: String) throws {
        let applied = Set(try connection.query("SELECT name FROM signoff.migrations").rows.compactMap { $0.text(0) })
        for migration in PostgresSchema.migrations where !applied.contains(migration.name) {
            try connection.execute(PostgresSchema.sql(migration, group: group))
            try connection.query("INSERT INTO signoff.migrations (name) VALUES ($1)", [.text(migration.name)])
        }
    }

    /// Checks the store and who this session is. Refuses a database without
    /// a store, a store written by a newer signoff, and (for anyone but its
    /// administrator) a store that needs migrations; the administrator's
    /// session applies them.
    static func open(_ connection: PostgresConnection) throws -> Session {
        let schema = try connection.query("""
            SELECT has_schema_privilege('signoff', 'USAGE') FROM pg_namespace WHERE nspname = 'signoff'
            """)
        guard schema.rowCount == 1 else { throw StoreError.missing(path: connection.shownAs) }
        let applied: [String]
        do {
            guard schema.row(0).boolean(0) == true else { throw PostgresError.unreadable }
            applied = try connection.query("SELECT name FROM signoff.migrations").rows.compactMap { $0.text(0) }
        } catch let error as PostgresError where error.kind == .permission {
            throw StoreError.permissionDenied(store: connection.shownAs, role: connection.user, detail: """
                it may not read the store; its administrator can run: signoff store grant \(connection.user) --person NAME
                """)
        }
        let known = Set(PostgresSchema.migrations.map(\.name))
        let unknown = Set(applied).subtracting(known)
        if !unknown.isEmpty { throw StoreError.schemaTooNew(path: connection.shownAs, unknownMigrations: unknown.sorted()) }
        var session = try readSession(connection)
        if applied.count < known.count {
            let owner = try connection.query("""
                SELECT pg_get_userbyid(nspowner) = session_user, pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'signoff'
                """).row(0)
            guard owner.boolean(0) == true else {
                throw StoreError.database(path: connection.shownAs, detail: """
                    the store was created by an older signoff; its administrator (role \(owner.text(1) ?? "?")) upgrades it \
                    by running any signoff command on it with this version
                    """)
            }
            let group = try connection.query("SELECT group_role FROM signoff.settings WHERE id = 1").row(0).text(0) ?? ""
            try connection.transaction {
                try connection.execute("LOCK TABLE signoff.migrations IN EXCLUSIVE MODE")
                try migrate(connection, group: group)
            }
            session = try readSession(connection)
        }
        return session
    }

    static func readSession(_ connection: PostgresConnection) throws -> Session {
        let result = try connection.query("""
            SELECT s.trust_asserted_identities, s.created_at, w.role, w.person, w.is_administrator
            FROM signoff.settings s, signoff.whoami() w WHERE s.id = 1
            """)
        guard result.rowCount == 1 else { throw StoreError.notAStore(path: connection.shownAs) }
        let row = result.row(0)
        let settings = StoreSettings(trustAssertedIdentities: row.boolean(0) ?? false, shareGroup: nil,
                                     createdAt: Date(storeMilliseconds: row.integer(1) ?? 0))
        return Session(settings: settings, role: row.text(2) ?? "", person: row.text(3),
                       isAdministrator: row.boolean(4) ?? false)
    }

    /// Lets `role` act as `person` (nil: read only), replacing an earlier
    /// mapping of that role. Only the store's administrator may.
    static func grant(_ connection: PostgresConnection, role: String, person: String?) throws {
        if let person { try checkPerson(person) }
        try connection.transaction {
            guard try connection.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [.text(role)]).rowCount == 1 else {
                throw StoreError.administrationRefused("""
                    there is no PostgreSQL role \(DisplaySafe.text(role)); create it first \
                    (CREATE ROLE \(PostgresSchema.quoteIdentifier(role)) LOGIN, with a password or a certificate as your server requires)
                    """)
            }
            try requireAdministrator(connection)
            let group = try connection.query("SELECT group_role FROM signoff.settings WHERE id = 1").row(0).text(0) ?? ""
            if let person {
                try connection.query("""
                    INSERT INTO signoff.actors (role, person) VALUES ($1, $2)
                    ON CONFLICT (role) DO UPDATE SET person = excluded.person, granted_at = now(), granted_by = session_user
                    """, [.text(role), .text(person)])
            } else {
                try connection.query("DELETE FROM signoff.actors WHERE role = $1", [.text(role)])
            }
            try connection.execute("GRANT \(PostgresSchema.quoteIdentifier(group)) TO \(PostgresSchema.quoteIdentifier(role))")
        }
    }

    /// Takes every right in the store from `role`: its mapping and its membership.
    static func revoke(_ connection: PostgresConnection, role: String) throws {
        try connection.transaction {
            try requireAdministrator(connection)
            let group = try connection.query("SELECT group_role FROM signoff.settings WHERE id = 1").row(0).text(0) ?? ""
            let mapped = try connection.query("DELETE FROM signoff.actors WHERE role = $1", [.text(role)]).affectedRows > 0
            let member = try connection.query("""
                SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member JOIN pg_roles g ON g.oid = m.roleid
                WHERE r.rolname = $1 AND g.rolname = $2
                """, [.text(role), .text(group)]).rowCount > 0
            guard mapped || member else {
                // It may still read, through grants signoff did not make and cannot take back.
                let reach = try connection.query("""
                    SELECT rolsuper, pg_has_role(rolname, $2, 'MEMBER'), has_table_privilege(rolname, 'signoff.events', 'SELECT')
                    FROM pg_roles WHERE rolname = $1
                    """, [.text(role), .text(group)])
                let through = reach.rowCount == 0 ? nil
                    : reach.row(0).boolean(0) == true ? "as a superuser"
                    : reach.row(0).boolean(1) == true ? "as a member of another role that is a member of \(DisplaySafe.text(group))"
                    : reach.row(0).boolean(2) == true ? "through a SELECT grant on the store's tables" : nil
                throw StoreError.administrationRefused("""
                    the role \(DisplaySafe.text(role)) has no rights signoff gave in this store, so nothing changed\(
                        through.map { "; it reads the store \($0), granted outside signoff: revoke that in PostgreSQL" } ?? ""); \
                    `signoff store roles` lists every role that can read or act in the store, and how
                    """)
            }
            if member {
                try connection.execute("REVOKE \(PostgresSchema.quoteIdentifier(group)) FROM \(PostgresSchema.quoteIdentifier(role))")
            }
        }
    }

    /// Every role that can log in and read the store, however it reaches
    /// its tables, and every role mapped to a person (even one that can no
    /// longer read, or was dropped), by name: `StoreRole.Access`.
    static func roles(_ connection: PostgresConnection) throws -> [StoreRole] {
        try connection.query("""
            WITH store AS (
                SELECT s.group_role, pg_get_userbyid(n.nspowner) AS owner
                FROM signoff.settings s, pg_namespace n WHERE s.id = 1 AND n.nspname = 'signoff'
            ), candidate AS (
                SELECT r.oid, r.rolname, r.rolsuper, r.rolcanlogin, store.group_role, store.owner,
                       pg_has_role(r.oid, store.group_role, 'MEMBER') AS reaches_group,
                       has_table_privilege(r.oid, 'signoff.events', 'SELECT') AS reads_events
                FROM pg_roles r, store
            )
            SELECT coalesce(candidate.rolname, a.role), a.person,
                   (extract(epoch FROM a.granted_at) * 1000)::bigint, a.granted_by,
                   CASE WHEN candidate.oid IS NULL THEN 'none'
                        WHEN candidate.rolname = candidate.owner THEN 'administrator'
                        WHEN candidate.rolsuper THEN 'superuser'
                        WHEN EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                                     WHERE m.member = candidate.oid AND g.rolname = candidate.group_role) THEN 'member'
                        WHEN candidate.reaches_group THEN 'inherited'
                        WHEN candidate.reads_events THEN 'table_grant'
                        ELSE 'none' END,
                   coalesce(candidate.rolcanlogin, false)
            FROM candidate FULL JOIN signoff.actors a ON a.role = candidate.rolname
            WHERE a.role IS NOT NULL OR (candidate.rolcanlogin AND (candidate.reaches_group OR candidate.reads_events))
            ORDER BY 1
            """).rows.map { row in
            let name = row.text(0) ?? ""
            guard let access = row.text(4).flatMap(StoreRole.Access.init(rawValue:)) else {
                throw StoreError.database(path: connection.shownAs,
                                          detail: "the server described the access of role \(DisplaySafe.text(name)) in a way signoff does not know")
            }
            return StoreRole(role: name, person: row.text(1), access: access, canLogIn: row.boolean(5) ?? false,
                             grantedAt: row.integer(2).map { Date(storeMilliseconds: $0) }, grantedBy: row.text(3))
        }
    }

    private static func requireAdministrator(_ connection: PostgresConnection) throws {
        let owner = try connection.query("""
            SELECT pg_get_userbyid(nspowner) = session_user, pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'signoff'
            """)
        guard owner.rowCount == 1 else { throw StoreError.missing(path: connection.shownAs) }
        guard owner.row(0).boolean(0) == true else {
            throw StoreError.permissionDenied(store: connection.shownAs, role: connection.user, detail: """
                only the store's administrator (role \(owner.row(0).text(1) ?? "?")) maps roles to people
                """)
        }
    }

    private static func checkPerson(_ person: String) throws {
        guard !person.isEmpty else {
            throw StoreError.administrationRefused("a person's name must be plain text (as in the policy's directory)")
        }
        if let problem = PlainName.problem(in: person) {
            throw StoreError.administrationRefused("a person's name must be plain text (as in the policy's directory): \"\(ExactName.spelled(person))\" \(problem.message)")
        }
        guard !Principal.isReserved(person) else {
            throw StoreError.administrationRefused("\(person) is the name of signoff's own actor (signoff, policy:RULE): map the role to a person of the directory")
        }
    }
}

extension PostgresError {
    /// The session may not use the store's schema.
    static let unreadable = PostgresError(kind: .permission, sqlState: "42501", message: "permission denied for schema signoff",
                                          detail: nil, hint: nil, server: "", role: nil)
}

extension StoreError {
    /// A PostgreSQL failure as the store reports it: what happened to which
    /// store, and what to do.
    init(_ error: PostgresError, store: String) {
        let role = error.role ?? ""
        switch error.kind {
        case .unreachable: self = .unreachable(store: store, detail: error.message)
        case .authentication: self = .authenticationFailed(store: store, role: role, detail: error.message)
        case .tls: self = .tlsRefused(store: store, detail: error.message)
        case .noDatabase: self = .noDatabase(store: store, detail: error.message)
        case .permission: self = .permissionDenied(store: store, role: role, detail: error.description)
        case .connectionLost: self = .connectionLost(store: store, detail: error.message)
        case .conflict: self = .busy(path: store, holder: nil)
        case .server: self = .database(path: store, detail: error.description)
        }
    }

    /// Runs `body`, turning PostgreSQL errors into store errors.
    static func mapping<T>(store: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as PostgresError {
            throw StoreError(error, store: store)
        }
    }
}
