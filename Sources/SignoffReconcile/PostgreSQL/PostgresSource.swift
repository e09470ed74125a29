import Foundation
import SignoffCore

/// PostgreSQL: roles and their attributes, role memberships, and schema and
/// table privileges, from the export query's JSON (the README ships the
/// query) or from `psql --csv` output of the same catalogues. Login roles are
/// the identities; a role that cannot log in is a group its members use.
enum PostgresSource {
    struct Role {
        var name: String
        var attributes: [String]
        var canLogin: Bool
        var validUntil: Date?
    }

    struct Membership {
        var role: String
        var member: String
        var adminOption: Bool
    }

    struct Privilege {
        var grantee: String
        /// `schema:ledger`, `table:ledger.entries`.
        var object: String
        var privilege: String
        var onSchema: Bool
    }

    struct Export {
        var database: (name: String, file: String)?
        var exportedAt: Date?
        /// By exact name: PostgreSQL compares role names byte for byte.
        var roles: [ExactName: Role]?
        var memberships: [Membership]?
        var schemaPrivileges: [Privilege]?
        var tablePrivileges: [Privilege]?
    }

    static let attributeColumns = [("rolsuper", "superuser"), ("rolcreaterole", "createrole"), ("rolcreatedb", "createdb"),
                                   ("rolreplication", "replication"), ("rolbypassrls", "bypassrls")]

    static func read(_ files: [ExportFile], options: ReadOptions, policy: Policy) throws(SourceError) -> ObservationSink {
        var export = Export()
        for file in files {
            if file.firstCharacter == "{" {
                try readJSON(file, into: &export, options: options)
            } else if file.firstCharacter == "[" {
                throw SourceError(file: file.name, position: SourcePosition(line: 1, column: 1), field: "$",
                                  message: "is a JSON list, not the export query's object", hint: ReconcileSource.postgresql.files)
            } else {
                try readCSV(file, into: &export)
            }
        }
        guard let roles = export.roles else {
            throw SourceError(file: files[0].name, position: nil, field: "", message: "holds no roles",
                              hint: "a PostgreSQL run needs the roles (the export query's JSON, or pg_roles as CSV) to tell identities from group roles")
        }
        let target = try ExportReader.target(.postgresql, found: export.database, options: options, policy: policy, file: files[0].name)
        var grantTypes: Set<String> = ["attribute"]
        if export.memberships != nil { grantTypes.insert("role") }
        if export.schemaPrivileges != nil { grantTypes.insert("schema_privilege") }
        if export.tablePrivileges != nil { grantTypes.insert("table_privilege") }
        var sink = ObservationSink(target: target, observedAt: export.exportedAt ?? options.now, grantTypes: grantTypes,
                                   of: PlatformKind.postgresql.grantTypes)
        let memberships = export.memberships ?? []
        let privileges = (export.schemaPrivileges ?? []) + (export.tablePrivileges ?? [])
        var membershipsOf: [ExactName: [Membership]] = [:]
        for membership in memberships { membershipsOf[ExactName(membership.member), default: []].append(membership) }
        var privilegesOf: [ExactName: [Privilege]] = [:]
        for privilege in privileges { privilegesOf[ExactName(privilege.grantee), default: []].append(privilege) }
        var levels = LevelCache(roles: roles, membershipsOf: membershipsOf, privilegesOf: privilegesOf)

        // In byte order: the same export reads the same way, whatever the names.
        for role in roles.values.sorted(by: { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }) where role.canLogin {
            let subject = ObservedSubject(kind: .unknown, name: role.name)
            let validity = role.validUntil.map { "; VALID UNTIL \(UTCTime.text($0))" + ($0 < sink.observedAt ? " (passed: the role remains)" : "") } ?? ""
            for attribute in role.attributes {
                sink.add(subject, type: "attribute", names: [attribute], text: "role attribute \(attribute.uppercased())\(validity)",
                         scope: .unscoped, access: .admin, sourceID: "role \(role.name) \(attribute)")
            }
            // Memberships: a mapped role is its entitlement (and covers what it holds);
            // a direct unmapped one is observed with what it confers.
            var queue: [(role: String, via: [String])] = [(role.name, [])]
            var visited: Set<ExactName> = [ExactName(role.name)]
            while !queue.isEmpty {
                let (member, via) = queue.removeFirst()
                for membership in membershipsOf[ExactName(member)] ?? [] where !visited.contains(ExactName(membership.role)) {
                    visited.insert(ExactName(membership.role))
                    let path = via + [membership.role]
                    let through = via.isEmpty ? "" : " through \(via.joined(separator: ", "))"
                    let option = membership.adminOption ? " WITH ADMIN OPTION" : ""
                    let text = "member of \(membership.role)\(through)\(option)\(validity)"
                    let level = membership.adminOption ? .admin : levels.level(of: membership.role)
                    if sink.target.mapping.entitlement(type: "role", name: membership.role) != nil {
                        sink.add(subject, type: "role", names: [membership.role], text: text, scope: .unscoped, access: level,
                                 sourceID: "membership \(membership.role) \(member)")
                        continue
                    }
                    if via.isEmpty, level != nil {
                        sink.add(subject, type: "role", names: [membership.role], text: text, scope: .unscoped, access: level,
                                 sourceID: "membership \(membership.role) \(member)")
                    }
                    queue.append((membership.role, path))
                }
            }
            for privilege in privilegesOf[ExactName(role.name)] ?? [] {
                add(privilege, subject: subject, suffix: validity, to: &sink)
            }
        }
        for privilege in privilegesOf[ExactName("PUBLIC")] ?? []
        where !(ExactName.same(privilege.object, "schema:public") && privilege.privilege == "USAGE") {
            add(privilege, subject: ObservedSubject(kind: .group, name: "PUBLIC"), suffix: " (to every role)", to: &sink)
        }
        return sink
    }

    static func add(_ privilege: Privilege, subject: ObservedSubject, suffix: String, to sink: inout ObservationSink) {
        let type = privilege.onSchema ? "schema_privilege" : "table_privilege"
        let noun = privilege.onSchema ? "schema" : "table"
        sink.add(subject, type: type, names: [privilege.privilege], key: "\(type) \(privilege.object)",
                 text: "\(privilege.privilege) on \(noun) \(ScopeText.place(privilege.object))\(suffix)",
                 scope: .within(privilege.object), access: level(of: privilege),
                 sourceID: "\(noun) privilege \(privilege.privilege) on \(privilege.object) to \(privilege.grantee)")
    }

    /// Reading is read; creating objects in a schema is admin; changing rows is write.
    static func level(of privilege: Privilege) -> AccessLevel {
        switch privilege.privilege {
        case "SELECT", "USAGE": .read
        case "CREATE": .admin
        default: .write
        }
    }

    /// What membership of a role confers, computed once per role.
    struct LevelCache {
        let roles: [ExactName: Role]
        let membershipsOf: [ExactName: [Membership]]
        let privilegesOf: [ExactName: [Privilege]]
        var cache: [ExactName: AccessLevel?] = [:]

        mutating func level(of name: String, visiting: Set<ExactName> = []) -> AccessLevel? {
            let role = ExactName(name)
            if let known = cache[role] { return known }
            guard !visiting.contains(role) else { return nil }
            var level: AccessLevel? = roles[role].map { $0.attributes.isEmpty ? nil : .admin } ?? nil
            for privilege in privilegesOf[role] ?? [] { level = max(level ?? .read, PostgresSource.level(of: privilege)) }
            for membership in membershipsOf[role] ?? [] {
                let inner = membership.adminOption ? .admin : self.level(of: membership.role, visiting: visiting.union([role]))
                if let inner { level = max(level ?? inner, inner) }
            }
            cache[role] = level
            return level
        }
    }

    // MARK: Files

    static func readJSON(_ file: ExportFile, into export: inout Export, options: ReadOptions) throws(SourceError) {
        let root = JSONCursor(try JSONParser.parse(file.utf8, file: file.name), file: file.name)
        let object = try root.object()
        guard object.has("roles") else {
            throw root.error("is not the PostgreSQL export query's output (it has no roles; it has \(object.keys.prefix(4).joined(separator: ", ")))",
                             hint: ReconcileSource.postgresql.files)
        }
        guard export.roles == nil else { throw root.error("holds roles, which another file of this run already gave") }
        let databaseCursor = try object.required("database", hint: "the export query names its database")
        export.database = (try databaseCursor.name(), file.name)
        if let exported = object.present("exported_at") {
            let date = try exported.date()
            export.exportedAt = try ExportReader.exportTime(date, options: options) { exported.error($0) }
        }
        var roles: [ExactName: Role] = [:]
        for cursor in try object.required("roles").arrayOrNull() {
            let fields = try cursor.object()
            let nameCursor = try fields.required("rolname")
            let name = try nameCursor.name()
            // Two entries for one role: which one the database holds is unknowable.
            guard roles[ExactName(name)] == nil else {
                throw nameCursor.error("lists role \(name) a second time: the export is ambiguous",
                                       hint: "each role is one row of pg_roles; export the database again")
            }
            var attributes: [String] = []
            for (column, attribute) in attributeColumns {
                if try fields.required(column).bool() { attributes.append(attribute) }
            }
            let validUntil = try fields.present("rolvaliduntil").map { cursor throws(SourceError) in try validity(cursor.string(), cursor.error) }
            roles[ExactName(name)] = Role(name: name, attributes: attributes, canLogin: try fields.required("rolcanlogin").bool(),
                               validUntil: validUntil ?? nil)
        }
        export.roles = roles
        if let list = object.optional("memberships") {
            var memberships: [Membership] = []
            for cursor in try list.arrayOrNull() {
                let fields = try cursor.object()
                memberships.append(Membership(role: try fields.required("role").name(), member: try fields.required("member").name(),
                                              adminOption: try fields.required("admin_option").bool()))
            }
            export.memberships = memberships
        }
        if let list = object.optional("schema_privileges") {
            var privileges: [Privilege] = []
            for cursor in try list.arrayOrNull() {
                let fields = try cursor.object()
                privileges.append(Privilege(grantee: try fields.required("grantee").name(),
                                            object: Self.schemaPlace(try fields.required("schema").name()),
                                            privilege: try privilegeName(fields.required("privilege_type")), onSchema: true))
            }
            export.schemaPrivileges = privileges
        }
        if let list = object.optional("table_privileges") {
            var privileges: [Privilege] = []
            for cursor in try list.arrayOrNull() {
                let fields = try cursor.object()
                let table = Self.tablePlace(try fields.required("table_schema").name(), try fields.required("table_name").name())
                privileges.append(Privilege(grantee: try fields.required("grantee").name(), object: table,
                                            privilege: try privilegeName(fields.required("privilege_type")), onSchema: false))
            }
            export.tablePrivileges = privileges
        }
    }

    /// A schema's place, `schema:ledger`, and a table's, `table:ledger.entries`,
    /// with a name that holds a dot or a double quote quoted as PostgreSQL
    /// quotes it (`table:"ledger.secret".cards`): a table's place is never
    /// another's, and a schema holds only its own tables (`ScopeText.within`).
    static func schemaPlace(_ schema: String) -> String { "schema:" + identifier(schema) }
    static func tablePlace(_ schema: String, _ table: String) -> String { "table:\(identifier(schema)).\(identifier(table))" }

    static func identifier(_ name: String) -> String {
        guard name.contains(".") || name.contains("\"") else { return name }
        return "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    private static func privilegeName(_ cursor: JSONCursor) throws(SourceError) -> String {
        let name = try cursor.string()
        guard PlatformMapping.postgresPrivileges.contains(name) else {
            throw cursor.error("\"\(name)\" is not a PostgreSQL privilege", hint: PlatformMapping.postgresPrivileges.joined(separator: ", "))
        }
        return name
    }

    /// `rolvaliduntil`: empty or `infinity` for none, else a time.
    private static func validity(_ text: String, _ error: (String, String?) -> SourceError) throws(SourceError) -> Date? {
        if text.isEmpty || text == "infinity" { return nil }
        guard let date = ExportTime.parse(text) else { throw error("\"\(text)\" is not a date and time", "expected e.g. 2026-11-20 00:00:00+00") }
        return date
    }

    static func readCSV(_ file: ExportFile, into export: inout Export) throws(SourceError) {
        let table = try CSVTable.parseExport(file, what: "a PostgreSQL export (the export query's JSON or psql --csv output)")
        func bool(_ row: CSVTable.Row, _ column: String) throws(SourceError) -> Bool {
            switch table.value(row, column) {
            case "t", "true": return true
            case "f", "false": return false
            case let other: throw table.error(row, column, "\"\(other)\" is not t or f")
            }
        }
        func name(_ row: CSVTable.Row, _ column: String) throws(SourceError) -> String {
            let value = table.value(row, column)
            guard !value.isEmpty else { throw table.error(row, column, "is empty") }
            return value
        }
        func privilege(_ row: CSVTable.Row) throws(SourceError) -> String {
            let value = table.value(row, "privilege_type")
            guard PlatformMapping.postgresPrivileges.contains(value) else {
                throw table.error(row, "privilege_type", "\"\(value)\" is not a PostgreSQL privilege")
            }
            return value
        }
        func once<T>(_ existing: T?, _ what: String) throws(SourceError) {
            if existing != nil {
                throw SourceError(file: file.name, position: SourcePosition(line: 1, column: 1), field: "",
                                  message: "holds \(what), which another file of this run already gave")
            }
        }
        if table.has("rolname") {
            try table.require(["rolname", "rolcanlogin"] + attributeColumns.map(\.0) + ["rolvaliduntil"], what: "pg_roles")
            try once(export.roles, "roles")
            var roles: [ExactName: Role] = [:]
            for row in table.rows {
                var attributes: [String] = []
                for (column, attribute) in attributeColumns {
                    if try bool(row, column) { attributes.append(attribute) }
                }
                let roleName = try name(row, "rolname")
                guard roles[ExactName(roleName)] == nil else {
                    throw table.error(row, "rolname", "lists role \(roleName) a second time: the export is ambiguous",
                                      hint: "each role is one row of pg_roles; export the database again")
                }
                roles[ExactName(roleName)] = Role(name: roleName, attributes: attributes, canLogin: try bool(row, "rolcanlogin"),
                                       validUntil: try validity(table.value(row, "rolvaliduntil")) { table.error(row, "rolvaliduntil", $0, hint: $1) })
            }
            export.roles = roles
        } else if table.has("member") {
            try table.require(["role", "member", "admin_option"], what: "role memberships")
            try once(export.memberships, "memberships")
            export.memberships = try table.rows.map { row throws(SourceError) in
                Membership(role: try name(row, "role"), member: try name(row, "member"), adminOption: try bool(row, "admin_option"))
            }
        } else if table.has("table_name") {
            try table.require(["grantee", "table_schema", "table_name", "privilege_type"], what: "table privileges")
            try once(export.tablePrivileges, "table privileges")
            export.tablePrivileges = try table.rows.map { row throws(SourceError) in
                Privilege(grantee: try name(row, "grantee"), object: Self.tablePlace(try name(row, "table_schema"), try name(row, "table_name")),
                          privilege: try privilege(row), onSchema: false)
            }
        } else if table.has("schema") {
            try table.require(["schema", "grantee", "privilege_type"], what: "schema privileges")
            try once(export.schemaPrivileges, "schema privileges")
            export.schemaPrivileges = try table.rows.map { row throws(SourceError) in
                Privilege(grantee: try name(row, "grantee"), object: Self.schemaPlace(try name(row, "schema")),
                          privilege: try privilege(row), onSchema: true)
            }
        } else {
            throw SourceError(file: file.name, position: SourcePosition(line: 1, column: 1), field: "",
                              message: "is not a PostgreSQL export this reader knows (its header is \(table.header.prefix(6).joined(separator: ",")))",
                              hint: "give pg_roles (rolname,…), memberships (role,member,…), schema privileges (schema,grantee,…) or table privileges (grantee,table_schema,table_name,…) as psql --csv writes them")
        }
    }
}

extension PlatformMapping {
    static let postgresPrivileges = postgresSchemaPrivileges + postgresTablePrivileges
}
