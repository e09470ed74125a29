import Foundation
@testable import SignoffStore
import Testing

/// A store argument is a file path or a PostgreSQL connection, and a
/// connection is never mistaken for a file (which would leave a local file
/// named after the URL, password included).
@Suite("Store arguments, end to end")
struct StoreArgumentTests {
    /// An empty working directory and configuration folder, removed afterwards.
    final class Scratch {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("signoff-args-\(UUID().uuidString)")
        init() throws { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(at: directory) }
        var contents: [String] { (try? FileManager.default.subpathsOfDirectory(atPath: directory.path)) ?? [] }
        var environment: [String: String] {
            ["XDG_CONFIG_HOME": directory.appendingPathComponent("config").path,
             "XDG_DATA_HOME": directory.appendingPathComponent("data").path]
        }
    }

    /// A port nothing listens on: the command must fail on the connection,
    /// never fall back to a file.
    static let unreachable = "postgresql://alice:s3cret-pw@127.0.0.1:1/signoff"

    @Test(arguments: [["--store", unreachable], ["--store", "postgres://alice:s3cret-pw@127.0.0.1:1/signoff"]])
    func initWithAURLCreatesNoFileAndNeverPrintsThePassword(arguments: [String]) throws {
        let scratch = try Scratch()
        let result = try Signoff.run(["init"] + arguments, environment: scratch.environment, directory: scratch.directory)
        #expect(result.status == 5, "\(result.output)")
        #expect(!result.output.contains("s3cret-pw"), "\(result.output)")
        #expect(result.stderr.contains("alice@127.0.0.1:1/signoff"), "\(result.output)")
        #expect(scratch.contents.isEmpty, "init left \(scratch.contents)")
    }

    @Test func theEnvironmentAndTheConfigFileAreReadTheSameWay() throws {
        let scratch = try Scratch()
        var environment = scratch.environment
        environment["SIGNOFF_STORE"] = Self.unreachable
        let fromEnvironment = try Signoff.run(["init"], environment: environment, directory: scratch.directory)
        #expect(fromEnvironment.status == 5, "\(fromEnvironment.output)")
        #expect(!fromEnvironment.output.contains("s3cret-pw"))

        let config = scratch.directory.appendingPathComponent("config/signoff")
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        try Data("store = postgresql://alice@127.0.0.1:1/signoff\n".utf8).write(to: config.appendingPathComponent("config"))
        let fromFile = try Signoff.run(["list"], environment: scratch.environment, directory: scratch.directory)
        #expect(fromFile.status == 5, "\(fromFile.output)")
        #expect(fromFile.stderr.contains("alice@127.0.0.1:1/signoff"), "\(fromFile.output)")
        #expect(scratch.contents.allSatisfy { $0.hasPrefix("config") }, "left \(scratch.contents)")
    }

    /// `store copy` runs the source's own audit first: a file whose query
    /// tables were edited is refused before any server is reached, naming
    /// `signoff audit verify`, on one line.
    @Test func aStoreThatDoesNotVerifyIsNotCopied() throws {
        let scratch = try Scratch()
        let file = scratch.directory.appendingPathComponent("store.sqlite").path
        let made = try Signoff.run(["demo", "--requests", "2", "--no-console", "--store", file], environment: scratch.environment)
        #expect(made.status == 0, "\(made.output)")
        let tampered = try Signoff.runProgram("/usr/bin/env", ["sqlite3", file, "UPDATE policies SET source = source || '#'"])
        #expect(tampered.status == 0, "\(tampered.output)")
        let result = try Signoff.run(["store", "copy", file, Self.unreachable], environment: scratch.environment,
                                     directory: scratch.directory)
        #expect(result.status == 5, "\(result.output)")
        #expect(result.stderr.contains("does not pass `signoff audit verify`"), "\(result.output)")
        #expect(result.stderr.contains("nothing was copied"), "\(result.output)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.output)")
        #expect(!result.output.contains("s3cret-pw"), "\(result.output)")
    }

    /// A lock deadline that is not a number of seconds (`30s`) would
    /// otherwise be the default of 120 seconds without a word: every command
    /// refuses to start with it, naming the variable, and creates nothing.
    @Test(arguments: ["30s", "2m", "inf", "-1", "0", "1e300", "nan"])
    func aLockTimeoutThatIsNotSecondsIsBadInput(value: String) throws {
        let scratch = try Scratch()
        var environment = scratch.environment
        environment["SIGNOFF_LOCK_TIMEOUT"] = value
        let file = scratch.directory.appendingPathComponent("store.sqlite").path
        let result = try Signoff.run(["init", "--store", file], environment: environment, directory: scratch.directory)
        #expect(result.status == 2, "\(result.output)")
        #expect(result.stderr.contains("SIGNOFF_LOCK_TIMEOUT is \"\(value)\""), "\(result.output)")
        #expect(result.stderr.contains("from 0.001 to 86400"), "\(result.output)")
        #expect(scratch.contents.isEmpty, "left \(scratch.contents)")
        let json = try Signoff.run(["list", "--json", "--store", file], environment: environment, directory: scratch.directory)
        #expect(json.status == 2, "\(json.output)")
        let error = try #require(try JSONSerialization.jsonObject(with: Data(json.stderr.utf8)) as? [String: Any])
        #expect((error["error"] as? [String: Any])?["code"] as? String == "bad_input", "\(json.stderr)")
        environment["SIGNOFF_LOCK_TIMEOUT"] = "2.5"
        let made = try Signoff.run(["init", "--store", file], environment: environment, directory: scratch.directory)
        #expect(made.status == 0, "a number of seconds is taken: \(made.output)")
    }

    @Test func anUnknownSchemeIsBadInput() throws {
        let scratch = try Scratch()
        let result = try Signoff.run(["init", "--store", "mysql://root:pw@db/x"], environment: scratch.environment,
                                     directory: scratch.directory)
        #expect(result.status == 2, "\(result.output)")
        #expect(result.stderr.contains("postgresql://"))
        #expect(scratch.contents.isEmpty)
    }
}

/// The administrative commands on a real PostgreSQL server (see `scripts/test`).
@Suite("PostgreSQL store administration, end to end",
       .enabled(if: ProcessInfo.processInfo.environment["SIGNOFF_TEST_POSTGRESQL"] != nil,
                "needs a PostgreSQL server: scripts/test starts one with pg_virtualenv"))
struct PostgresAdministrationTests {
    /// Runs SQL as the test cluster's superuser through psql.
    static func psql(_ sql: String, database: String = "postgres") throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", database, "-c", sql]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw HarnessError("psql failed: \(sql)") }
    }

    @Test func initGrantRolesAndRevokeThroughTheBinary() throws {
        let database = "signoff_e2e_" + UUID().uuidString.prefix(8).lowercased()
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let role = "erin_" + suffix, reader = "rita_" + suffix, team = "team_" + suffix, viewer = "vic_" + suffix
        try Self.psql("CREATE DATABASE \(database)")
        try Self.psql("CREATE ROLE \(role) LOGIN PASSWORD 'pw'; CREATE ROLE \(reader) LOGIN PASSWORD 'pw'; CREATE ROLE \(team) NOLOGIN")
        defer {
            try? Self.psql("DROP DATABASE \(database) WITH (FORCE)")
            for name in [role, reader, viewer, team, "signoff_\(database)"] { try? Self.psql("DROP ROLE IF EXISTS \(name)") }
        }
        let store = "postgresql:///\(database)"
        let created = try Signoff.run(["init", "--store", store, "--person", "carol"])
        #expect(created.status == 0, "\(created.output)")
        #expect(created.stdout.contains("created \(store)"))
        let again = try Signoff.run(["init", "--store", store])
        #expect(again.status == 5 && again.stderr.contains("already exists"), "\(again.output)")

        // Under a policy, a person its directory does not list is mapped, and said to be most likely a typo.
        #expect(try Signoff.run(["policy", "apply", Signoff.example("policy.yaml"), "--store", store]).status == 0)
        let typo = try Signoff.run(["store", "grant", role, "--person", "eirn", "--store", store])
        #expect(typo.status == 0 && typo.stderr.contains("eirn is not a person of the directory of policy ")
                && typo.stderr.contains("(did you mean erin?)"), "\(typo.output)")
        let granted = try Signoff.run(["store", "grant", role, "--person", "erin", "--store", store])
        #expect(granted.status == 0 && granted.stderr.isEmpty, "\(granted.output)")
        #expect(try Signoff.run(["store", "grant", reader, "--read-only", "--store", store]).status == 0)
        // Read access given outside signoff, through a role that is a member of the store's group role.
        try Self.psql("GRANT signoff_\(database) TO \(team); CREATE ROLE \(viewer) LOGIN IN ROLE \(team)")
        let roles = try Signoff.run(["store", "roles", "--json", "--store", store])
        let document = try Signoff.json(roles) as? [String: Any]
        #expect(document?["schema"] as? String == "signoff.store-role-list/2")
        let items = document?["items"] as? [[String: Any]] ?? []
        #expect(Set(items.compactMap { $0["person"] as? String }) == ["carol", "erin"])
        let byRole = Dictionary(items.map { ($0["role"] as? String ?? "", $0) }, uniquingKeysWith: { first, _ in first })
        #expect(byRole[role]?["access"] as? String == "member" && byRole[role]?["granted_at"] is String)
        #expect(byRole[reader]?["access"] as? String == "member" && byRole[reader]?["person"] is NSNull
                && byRole[reader]?["granted_at"] is NSNull, "\(String(describing: byRole[reader]))")
        #expect(byRole[viewer]?["access"] as? String == "inherited" && byRole[viewer]?["person"] is NSNull)
        #expect(byRole[team] == nil, "a role that cannot log in is listed only when mapped")
        #expect(items.contains { $0["person"] as? String == "carol" && $0["access"] as? String == "administrator" }, "\(items)")
        let check = try SchemaCheck(FileManager.default.temporaryDirectory)
        check.stdout(roles, "signoff.store-role-list/2")
        check.stdout(try Signoff.run(["store", "roles", "--jsonl", "--store", store]), "signoff.store-role/2", lines: true)
        try check.validate()
        // As text: aligned columns under a header, no control character shown as a symbol.
        let text = try Signoff.run(["store", "roles", "--store", store]).stdout.split(separator: "\n")
        #expect(text.first?.hasPrefix("ROLE") == true && text.count == items.count + 1, "\(text)")
        #expect(text.contains { $0.contains(role) && $0.contains("erin") } && !text.contains { $0.contains("␉") || $0.contains("\t") }, "\(text)")
        #expect(text.contains { $0.contains(reader) && $0.contains("(reads only)") && $0.contains("member") }, "\(text)")
        #expect(text.contains { $0.contains(viewer) && $0.contains("inherited") }, "\(text)")
        // signoff did not give the viewer its access, and cannot take it: the refusal says where it comes from.
        let notOurs = try Signoff.run(["store", "revoke", viewer, "--store", store])
        #expect(notOurs.status == 5 && notOurs.stderr.contains("as a member of another role that is a member of signoff_\(database)"),
                "\(notOurs.output)")
        // A role that only reads reads: the lists, a request, the settings; and records nothing.
        let asReader = "postgresql://\(reader):pw@localhost/\(database)"
        for command in [["list"], ["grants", "--all"], ["settings"], ["notify", "status"], ["drift"]] {
            let read = try Signoff.run(command + ["--store", asReader])
            #expect(read.status == 0, "\(command): \(read.output)")
        }
        let recorded = try Signoff.run(["expire", "--store", asReader])
        #expect(recorded.status == 5 && recorded.stderr.contains("acts as no person in this store"), "\(recorded.output)")
        #expect(try Signoff.run(["store", "revoke", reader, "--store", store]).status == 0)
        let afterRevoke = try Signoff.json(try Signoff.run(["store", "roles", "--json", "--store", store])) as? [String: Any]
        #expect(!((afterRevoke?["items"] as? [[String: Any]]) ?? []).contains { $0["role"] as? String == reader })

        // The mapped role cannot map anyone, itself included.
        let asErin = "postgresql://\(role):pw@localhost/\(database)"
        let refused = try Signoff.run(["store", "grant", role, "--person", "carol", "--store", asErin])
        #expect(refused.status == 5, "\(refused.output)")
        #expect(refused.stderr.contains("only the store's administrator"), "\(refused.output)")
        #expect(!refused.output.contains(":pw@"), "the password must never be printed")
        // --as names nobody on a store that trusts no asserted identity: the refusal says who you act as instead.
        let asserted = try Signoff.run(["withdraw", "REQ-1", "--as", "carol", "--store", asErin])
        #expect(asserted.status == 5 && asserted.stderr.contains("you act as the person your PostgreSQL role \(role) is mapped to (erin)"),
                "\(asserted.output)")

        #expect(try Signoff.run(["store", "revoke", role, "--store", store]).status == 0)
        let denied = try Signoff.run(["list", "--store", asErin])
        #expect(denied.status == 5 && denied.stderr.contains("signoff store grant \(role) --person NAME"), "\(denied.output)")

        let onAFile = try Signoff.run(["store", "roles", "--store", "/tmp/none-\(UUID().uuidString).sqlite"])
        #expect(onAFile.status == 5 && onAFile.stderr.contains("PostgreSQL stores"), "\(onAFile.output)")
    }

    /// An administrator without CREATEROLE: a superuser makes the group role
    /// and grants it to them WITH ADMIN OPTION, as the README says; init
    /// takes that role, and the administrator grants it on.
    @Test func anAdministratorWithoutCreateRoleInitsOnAGroupRoleMadeForThem() throws {
        let database = "signoff_e2e_" + UUID().uuidString.prefix(8).lowercased()
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let admin = "plain_" + suffix, dave = "dave_" + suffix
        try Self.psql("CREATE DATABASE \(database)")
        defer {
            try? Self.psql("DROP DATABASE \(database) WITH (FORCE)")
            for name in [dave, admin, "signoff_\(database)"] { try? Self.psql("DROP ROLE IF EXISTS \(name)") }
        }
        try Self.psql("""
            CREATE ROLE \(admin) LOGIN PASSWORD 'pw'; CREATE ROLE \(dave) LOGIN; GRANT CREATE ON DATABASE \(database) TO \(admin);
            CREATE ROLE signoff_\(database) NOLOGIN; GRANT signoff_\(database) TO \(admin) WITH ADMIN OPTION;
            """)
        let store = "postgresql://\(admin):pw@localhost/\(database)"
        let created = try Signoff.run(["init", "--store", store, "--person", "carol"])
        #expect(created.status == 0, "\(created.output)")
        let granted = try Signoff.run(["store", "grant", dave, "--person", "dave", "--store", store])
        #expect(granted.status == 0, "\(granted.output)")
        // Anyone else a member first: refused, nothing made.
        let other = database + "_x"
        try Self.psql("CREATE DATABASE \(other)")
        defer {
            try? Self.psql("DROP DATABASE \(other) WITH (FORCE)")
            try? Self.psql("DROP ROLE IF EXISTS signoff_\(other)")
        }
        try Self.psql("""
            GRANT CREATE ON DATABASE \(other) TO \(admin); CREATE ROLE signoff_\(other) NOLOGIN;
            GRANT signoff_\(other) TO \(admin) WITH ADMIN OPTION; GRANT signoff_\(other) TO \(dave);
            """)
        let refused = try Signoff.run(["init", "--store", "postgresql://\(admin):pw@localhost/\(other)"])
        #expect(refused.status == 5 && refused.stderr.contains("has members (\(dave)) other than this role WITH ADMIN OPTION"),
                "\(refused.output)")
    }

    /// An event signoff never records, appended around every client through
    /// the store's own function (here by its administrator): every command
    /// warns of it on stderr, a command printing JSON keeps its stderr for the
    /// error document, and `audit verify` names it.
    @Test func everyCommandWarnsOfAnEventSignoffNeverRecords() throws {
        let database = "signoff_e2e_" + UUID().uuidString.prefix(8).lowercased()
        try Self.psql("CREATE DATABASE \(database)")
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("signoff-unfolded-\(UUID().uuidString)")
        defer {
            try? Self.psql("DROP DATABASE \(database) WITH (FORCE)")
            try? Self.psql("DROP ROLE IF EXISTS signoff_\(database)")
            try? FileManager.default.removeItem(at: cache)
        }
        let store = "postgresql:///\(database)"
        let environment = ["XDG_CACHE_HOME": cache.path, "XDG_CONFIG_HOME": cache.appendingPathComponent("config").path]
        #expect(try Signoff.run(["init", "--store", store, "--person", "carol"], environment: environment).status == 0)
        let before = try Signoff.run(["list", "--store", store], environment: environment)
        #expect(before.status == 0 && !before.stderr.contains("warning"), "\(before.output)")

        // The withdrawal of a request that does not exist, well chained.
        let connection = try PostgresConnection("dbname=\(database)")
        let head = try connection.query("SELECT sequence, hash FROM signoff.begin_write()")
        let (sequence, previous) = (head.row(0).integer(0)! + 1, head.row(0).text(1)!)
        let at = Date().storeMilliseconds
        var chain = EventChain()
        let hash = chain.hash(prevHash: previous, sequence: sequence, at: at, actor: "carol", authentication: "postgresql_role",
                              kind: "request_withdrawn", requestID: "REQ-404", payload: Array("{}".utf8))
        try connection.query("SELECT signoff.append_event($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)", [
            .integer(sequence), .integer(at), .text("carol"), .text("postgresql_role"), .text("request_withdrawn"),
            .text("REQ-404"), .text("{}"), .text(previous), .text(hash), .null, .null])

        let listed = try Signoff.run(["list", "--store", store], environment: environment)
        #expect(listed.status == 0, "\(listed.output)")
        #expect(listed.stderr.contains("warning: this store holds 1 event signoff never records"), "\(listed.output)")
        let asJSON = try Signoff.run(["list", "--json", "--store", store], environment: environment)
        #expect(asJSON.status == 0 && asJSON.stderr.isEmpty, "\(asJSON.output)")
        let verified = try Signoff.run(["audit", "verify", "--store", store], environment: environment)
        #expect(verified.status != 0, "\(verified.output)")
        #expect(verified.stdout.contains("event \(sequence): request_withdrawn by carol: folded into nothing (no request REQ-404 in this store)"),
                "\(verified.output)")
    }
}
