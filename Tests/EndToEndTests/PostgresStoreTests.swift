import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// A PostgreSQL store on the test cluster: a fresh database, its
/// administrator (the cluster's superuser, acting as carol), login roles for
/// alice, dave, erin and henry mapped to those people, and a read-only
/// auditor; the example policy applied. Each person's commands connect as
/// their own role, so the server, not the client, says who acts.
final class PostgresTestStore: @unchecked Sendable {
    let database = "signoff_e2e_" + UUID().uuidString.prefix(8).lowercased()
    let suffix = "_" + UUID().uuidString.prefix(6).lowercased()
    let cache: URL
    static let people = ["alice", "dave", "erin", "henry"]

    init(trustAsserted: Bool = false) throws {
        cache = FileManager.default.temporaryDirectory.appendingPathComponent("signoff-pg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
        try PostgresAdministrationTests.psql("CREATE DATABASE \(database)")
        for person in Self.people + ["auditor"] {
            try PostgresAdministrationTests.psql("CREATE ROLE \(role(person)) LOGIN PASSWORD 'pw'")
        }
        try expectSuccess(["init", "--store", administrator, "--person", "carol"] + (trustAsserted ? ["--trust-asserted-identities"] : []))
        for person in Self.people { try expectSuccess(["store", "grant", role(person), "--person", person, "--store", administrator]) }
        try expectSuccess(["store", "grant", role("auditor"), "--read-only", "--store", administrator])
        try expectSuccess(["policy", "apply", Signoff.example("policy.yaml"), "--store", administrator])
    }

    deinit {
        try? PostgresAdministrationTests.psql("DROP DATABASE IF EXISTS \(database) WITH (FORCE)")
        for person in Self.people + ["auditor"] { try? PostgresAdministrationTests.psql("DROP ROLE IF EXISTS \(role(person))") }
        try? PostgresAdministrationTests.psql("DROP ROLE IF EXISTS signoff_\(database)")
        try? FileManager.default.removeItem(at: cache)
    }

    func role(_ person: String) -> String { person + suffix }
    var administrator: String { "postgresql:///\(database)" }
    /// The store as `person` connects to it.
    func store(as person: String) -> String { "postgresql://\(role(person)):pw@localhost/\(database)" }
    var environment: [String: String] { ["XDG_CACHE_HOME": cache.path] }

    func run(_ arguments: [String], as person: String? = nil, stdin: String? = nil,
             environment extra: [String: String] = [:]) throws -> Signoff.Result {
        try Signoff.run(arguments + ["--store", person.map(store(as:)) ?? administrator], stdin: stdin,
                        environment: environment.merging(extra) { $1 })
    }

    private func expectSuccess(_ arguments: [String]) throws {
        let result = try Signoff.run(arguments, environment: environment)
        guard result.status == 0 else { throw HarnessError("\(arguments.joined(separator: " ")) failed: \(result.output)") }
    }

    /// Submits the example request as `person`; returns its ID.
    func submit(as person: String = "alice", name: String = "svc-ledger-etl") throws -> String {
        let request = try String(contentsOfFile: Signoff.example("request.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "svc-ledger-etl", with: name)
        let result = try run(["submit", "-", "--json"], as: person, stdin: request)
        guard result.status == 0, let document = try Signoff.json(result) as? [String: Any],
              let id = (document["requests"] as? [[String: Any]])?.first?["id"] as? String
        else { throw HarnessError("submit failed: \(result.output)") }
        return id
    }

    func show(_ id: String, as person: String = "erin") throws -> [String: Any] {
        let result = try run(["show", id, "--json"], as: person)
        guard result.status == 0, let document = try Signoff.json(result) as? [String: Any] else {
            throw HarnessError("show failed: \(result.output)")
        }
        return document
    }

    /// What psql prints for `sql` in this database, one line per row.
    func query(_ sql: String) throws -> [String] {
        let result = try Signoff.runProgram("/usr/bin/env", ["psql", "-X", "-A", "-t", "-d", database, "-c", sql])
        guard result.status == 0 else { throw HarnessError("psql failed: \(result.output)") }
        return result.stdout.split(separator: "\n").map(String.init)
    }
}

/// Every command on a PostgreSQL store, through the real binary, as the
/// people of a team use it from their own roles (see `scripts/test`).
@Suite("PostgreSQL store, end to end", .serialized,
       .enabled(if: ProcessInfo.processInfo.environment["SIGNOFF_TEST_POSTGRESQL"] != nil,
                "needs a PostgreSQL server: scripts/test starts one with pg_virtualenv"))
struct PostgresStoreTests {
    @Test func decisionsAreStampedByTheDatabaseAndEveryClientFoldsTheSameStore() throws {
        let store = try PostgresTestStore()
        let id = try store.submit()
        // dave sees it in his queue from his own machine's fold.
        let listed = try store.run(["list", "--state", "pending"], as: "dave")
        #expect(listed.status == 0 && listed.stdout.contains(id), "\(listed.output)")
        // The requester cannot approve, whatever her client claims.
        let own = try store.run(["approve", id, "--version", "1", "--rationale", "I need it for the nightly run, trust me"], as: "alice")
        #expect(own.status == 3, "\(own.output)")
        // A role that may only read records nothing, and says what to do.
        let reader = try store.run(["approve", id, "--version", "1", "--rationale", "read replica only, matches OPS-1234"], as: "auditor")
        #expect(reader.status == 5 && reader.stderr.contains("store grant \(store.role("auditor")) --person NAME"), "\(reader.output)")
        // Asserting someone else is refused on a store that does not trust assertions.
        let asserted = try store.run(["approve", id, "--version", "1", "--as", "erin", "--rationale", "read replica only, matches OPS-1234"], as: "dave")
        #expect(asserted.status != 0, "\(asserted.output)")
        let approved = try store.run(["approve", id, "--version", "1", "--rationale", "read replica only, matches OPS-1234"], as: "dave")
        #expect(approved.status == 0, "\(approved.output)")

        let shown = try store.show(id, as: "henry")
        #expect(shown["state"] as? String == "approved")
        let review = (shown["reviews"] as? [[String: Any]])?.first
        #expect(review?["reviewer"] as? String == "dave")
        #expect(review?["authentication"] as? String == "postgresql_role")
        #expect((shown["grant"] as? [String: Any])?["state"] as? String == "active")

        // The server's chain names who acted as PostgreSQL established it.
        let actors = try store.query("SELECT DISTINCT actor || ' ' || authentication FROM signoff.events ORDER BY 1")
        #expect(Set(actors) == ["alice postgresql_role", "carol postgresql_role", "dave postgresql_role", "signoff system"],
                "\(actors)")
        // Each client's fold verifies against the server's chain.
        for person in ["auditor", "erin"] {
            let verified = try store.run(["audit", "verify"], as: person)
            #expect(verified.status == 0 && verified.stdout.contains("query tables"), "\(verified.output)")
        }
        // Grants, the expiry sweep and the export work the same.
        let grants = try store.run(["grants", "--json"], as: "erin")
        #expect(grants.status == 0 && grants.stdout.contains(id), "\(grants.output)")
        #expect(try store.run(["expire"], as: "dave").status == 0)
        let export = try store.run(["audit", "export"], as: "auditor")
        let events = Int(try store.query("SELECT count(*) FROM signoff.events")[0])
        #expect(export.status == 0 && export.stdout.split(separator: "\n").count == events, "\(export.output)")
    }

    @Test func eightApproversRacingOnOneRequestGetExactlyOneOutcome() throws {
        let store = try PostgresTestStore()
        let id = try store.submit()
        let approvers = ["dave", "erin", "henry", "dave", "erin", "henry", "dave", "erin"]
        let results = ResultBox()
        DispatchQueue.concurrentPerform(iterations: approvers.count) { index in
            let result = try? store.run(["approve", id, "--version", "1", "--rationale", "read replica only, matches OPS-1234"],
                                        as: approvers[index])
            results.append(result)
        }
        let statuses = results.all.map { $0?.status ?? -1 }
        #expect(statuses.filter { $0 == 0 }.count == 1, "\(results.all.map { $0?.output ?? "no result" })")
        #expect(statuses.filter { $0 == 4 }.count == approvers.count - 1, "\(results.all.map { $0?.output ?? "no result" })")
        #expect(try store.query("SELECT count(*) FROM signoff.events WHERE kind = 'request_decided'") == ["1"])
        #expect(try store.run(["audit", "verify"], as: "auditor").status == 0)
    }

    /// A session that holds the store's append lock and is stuck (a client
    /// paused inside its transaction) holds a writer up only until the
    /// lock timeout, as a locked SQLite file does: then the command stops
    /// with the store-error exit, names the session that holds the lock,
    /// and writes nothing. Once the lock is let go, the same command goes through.
    @Test func aSessionStuckHoldingTheAppendLockIsWaitedForThenNamed() throws {
        let store = try PostgresTestStore()
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", store.database]
        let input = Pipe()
        holder.standardInput = input
        holder.standardOutput = FileHandle.nullDevice
        try holder.run()
        // psql ends (rolling back whatever it holds) at the end of its input:
        // a child started here does not take SIGTERM.
        defer { try? input.fileHandleForWriting.close(); holder.waitUntilExit() }
        try input.fileHandleForWriting.write(contentsOf: Data("BEGIN; LOCK TABLE signoff.append_lock IN EXCLUSIVE MODE;\n".utf8))
        let held = "SELECT count(*) FROM pg_locks WHERE locktype = 'relation' AND granted AND relation = 'signoff.append_lock'::regclass"
        try waitUntil { try store.query(held) == ["1"] }
        let events = "SELECT count(*) FROM signoff.events"
        let before = try store.query(events)

        let request = try String(contentsOfFile: Signoff.example("request.yaml"), encoding: .utf8)
        let started = Date()
        // Killed after a minute, should it wait for ever.
        let blocked = try Signoff.run(["submit", "-", "--store", store.store(as: "alice")], stdin: request,
                                      environment: store.environment.merging(["SIGNOFF_LOCK_TIMEOUT": "2"]) { $1 },
                                      prefix: ["/usr/bin/timeout", "--signal=KILL", "60"])
        #expect(blocked.status == 5, "\(blocked.output)")
        #expect(Date().timeIntervalSince(started) >= 2, "it waited for the lock first")
        #expect(blocked.stderr.contains("stayed locked by PostgreSQL role ") && blocked.stderr.contains("(server process "),
                "\(blocked.stderr)")
        #expect(blocked.stderr.contains("nothing was written"), "\(blocked.stderr)")
        #expect(try store.query(events) == before)

        try input.fileHandleForWriting.write(contentsOf: Data("COMMIT;\n".utf8))
        try waitUntil { try store.query(held) == ["0"] }
        let submitted = try store.run(["submit", "-"], as: "alice", stdin: request, environment: ["SIGNOFF_LOCK_TIMEOUT": "2"])
        #expect(submitted.status == 0, "\(submitted.output)")
        #expect(try store.run(["audit", "verify"], as: "auditor").status == 0)
    }

    @Test func killedClientsLoseNoAcknowledgedSubmission() throws {
        let store = try PostgresTestStore()
        let request = try String(contentsOfFile: Signoff.example("request.yaml"), encoding: .utf8)
        var processes: [(Process, Pipe)] = []
        for index in 0..<8 {
            let process = Process()
            process.executableURL = Signoff.binary
            process.arguments = ["submit", "-", "--store", store.store(as: "alice")]
            process.environment = ProcessInfo.processInfo.environment.merging(store.environment) { $1 }
            let input = Pipe(), output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            input.fileHandleForWriting.write(Data(request.replacingOccurrences(of: "svc-ledger-etl", with: "svc-\(index)").utf8))
            try input.fileHandleForWriting.close()
            processes.append((process, output))
        }
        // Half are killed wherever they are: connecting, folding, mid-transaction.
        Thread.sleep(forTimeInterval: 0.15)
        for (index, (process, _)) in processes.enumerated() where index % 2 == 1 { kill(process.processIdentifier, SIGKILL) }
        var acknowledged: [String] = []
        for (process, output) in processes {
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            if process.terminationReason == .exit, process.terminationStatus == 0,
               let id = text.split(separator: " ").first {
                acknowledged.append(String(id))
            }
        }
        #expect(acknowledged.count >= 4)
        let stored = Set(try store.query("SELECT request_id FROM signoff.events WHERE kind = 'request_submitted'"))
        #expect(Set(acknowledged).isSubset(of: stored), "acknowledged \(acknowledged), stored \(stored)")
        let verified = try store.run(["audit", "verify"], as: "auditor")
        #expect(verified.status == 0, "\(verified.output)")
        let listed = try store.run(["list", "--json"], as: "erin")
        #expect(((try Signoff.json(listed) as? [String: Any])?["items"] as? [Any])?.count == stored.count)
    }

    @Test(Self.restarts)
    func aServerRestartedMidRunLosesNoAcknowledgedDecisionOrSubmission() throws {
        let store = try PostgresTestStore()
        let pending = try (0..<6).map { try store.submit(name: "svc-pending-\($0)") }
        let request = try String(contentsOfFile: Signoff.example("request.yaml"), encoding: .utf8)
        let approvals = Collected<(id: String, result: Signoff.Result?)>(), submissions = ResultBox()
        let group = DispatchGroup()
        for index in 0..<12 {
            DispatchQueue.global().async(group: group) {
                if index % 2 == 0 {
                    let id = pending[index / 2]
                    let result = try? store.run(["approve", id, "--version", "1", "--rationale", "read replica only, matches OPS-1234"],
                                                as: ["dave", "erin", "henry"][index % 3])
                    approvals.append((id, result))
                } else {
                    submissions.append(try? store.run(["submit", "-"], as: "alice",
                                                      stdin: request.replacingOccurrences(of: "svc-ledger-etl", with: "svc-r\(index)")))
                }
            }
            // The server goes down hard while clients connect, fold and commit.
            if index == 4 { Self.restartServer() }
        }
        group.wait()
        // A client that lost its server says so plainly, with the store-error code.
        for result in (approvals.all.map(\.result) + submissions.all).compactMap({ $0 }) where result.status != 0 {
            #expect(result.status == 5 && !result.stderr.contains("\u{1B}"), "\(result.output)")
        }
        let approved = approvals.all.filter { $0.result?.status == 0 }.map(\.id)
        let decided = Set(try store.query("SELECT request_id FROM signoff.events WHERE kind = 'request_decided'"))
        #expect(Set(approved).isSubset(of: decided), "acknowledged \(approved), recorded \(decided)")
        let submitted = submissions.all.compactMap { $0 }.filter { $0.status == 0 }
            .compactMap { $0.stdout.split(separator: " ").first.map(String.init) }
        let stored = Set(try store.query("SELECT request_id FROM signoff.events WHERE kind = 'request_submitted'"))
        #expect(Set(submitted).isSubset(of: stored), "acknowledged \(submitted), stored \(stored)")
        // Every client's fold still agrees with the server, and the next command works.
        let after = try store.submit(name: "svc-after")
        #expect(stored.count + 1 == Int(try store.query("SELECT count(*) FROM signoff.events WHERE kind = 'request_submitted'")[0]))
        #expect(try store.show(after, as: "dave")["state"] as? String == "pending")
        for id in approved { #expect(try store.show(id, as: "erin")["state"] as? String == "approved") }
        #expect(try store.run(["audit", "verify"], as: "auditor").status == 0)
    }

    /// The tests that restart the throwaway cluster pg_virtualenv made, which every other test uses.
    static let restarts = ConditionTrait.enabled(
        if: ProcessInfo.processInfo.environment["SIGNOFF_TEST_POSTGRESQL_RESTART"] != nil
            && ProcessInfo.processInfo.environment["PG_CLUSTER_CONF_ROOT"] != nil,
        "restarts the throwaway cluster pg_virtualenv made, which every other test uses: scripts/test runs it, one test at a time")

    /// `signoff wait ID --json` as alice, running; its standard output and error.
    static func waiter(_ store: PostgresTestStore, _ id: String) throws -> (process: Process, output: Pipe, errors: Pipe) {
        let waiter = Process()
        waiter.executableURL = Signoff.binary
        waiter.arguments = ["wait", id, "--timeout", "120s", "--json", "--store", store.store(as: "alice")]
        waiter.environment = ProcessInfo.processInfo.environment.merging(store.environment) { $1 }
        let output = Pipe(), errors = Pipe()
        waiter.standardOutput = output
        waiter.standardError = errors
        try waiter.run()
        return (waiter, output, errors)
    }

    /// Restarts the test cluster at once (`-m immediate`). Foundation's Process
    /// learns that a child exited when the last holder of a socket it handed
    /// the child closes it, so the new server must not inherit any descriptor
    /// of this process (the sockets of the clients running meanwhile among
    /// them): the restart runs through system(3), which waits for its own
    /// child, with every descriptor past standard error closed first.
    static func restartServer(sourceLocation: SourceLocation = #_sourceLocation) {
        let version = ProcessInfo.processInfo.environment["PGVERSION"] ?? "15"
        let status = system("""
            perl -MPOSIX -e 'opendir(my $d, "/proc/self/fd"); my @fds = grep { /^[0-9]+$/ && $_ > 2 } readdir($d); \
            closedir($d); POSIX::close($_) for @fds; exec @ARGV or die' \
            pg_ctlcluster \(version) regress restart -m immediate >/dev/null 2>&1
            """)
        #expect(status == 0, "pg_ctlcluster restart exited with \(status)", sourceLocation: sourceLocation)
    }

    /// `signoff wait` waits on through a restart of the server: it connects
    /// again and still sees the decision made after it.
    @Test(Self.restarts)
    func waitWaitsOnThroughAServerRestart() throws {
        let store = try PostgresTestStore()
        let id = try store.submit()
        let (waiter, output, errors) = try Self.waiter(store, id)
        Thread.sleep(forTimeInterval: 1)
        Self.restartServer()
        // The server takes a moment to accept connections again.
        var approved: Signoff.Result?
        for _ in 0..<20 {
            approved = try store.run(["approve", id, "--version", "1", "--rationale", "read replica only, matches OPS-1234"], as: "dave")
            if approved?.status == 0 { break }
            Thread.sleep(forTimeInterval: 0.5)
        }
        #expect(approved?.status == 0, "\(approved?.output ?? "")")
        let document = output.fileHandleForReading.readDataToEndOfFile()
        let warning = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        waiter.waitUntilExit()
        #expect(waiter.terminationStatus == 0, "\(warning)")
        let result = try JSONSerialization.jsonObject(with: document) as? [String: Any]
        #expect(result?["state"] as? String == "approved", "\(String(decoding: document, as: UTF8.self))")
    }

    @Test func aStoreFromAnOlderSignoffIsUpgradedByItsAdministratorOnly() throws {
        let store = try PostgresTestStore()
        let id = try store.submit()
        // The store as a signoff before migration 3 left it: whoami a SQL function, the migration not listed.
        try PostgresAdministrationTests.psql("""
            CREATE OR REPLACE FUNCTION signoff.whoami(OUT role name, OUT person text, OUT is_administrator boolean)
            LANGUAGE sql STABLE SECURITY DEFINER SET search_path = signoff, pg_catalog AS $$
                SELECT session_user,
                       (SELECT a.person FROM signoff.actors a WHERE a.role = session_user),
                       session_user = (SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'signoff')
                           OR EXISTS (SELECT 1 FROM signoff.actors a JOIN signoff.administrators d ON d.person = a.person
                                      WHERE a.role = session_user)
            $$;
            DELETE FROM signoff.migrations WHERE name = '3 whoami planned once';
            """, database: store.database)
        let language = "SELECT l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang WHERE p.proname = 'whoami'"
        #expect(try store.query(language) == ["sql"])
        // An approver's command refuses the older store, names who upgrades it, and changes nothing.
        let refused = try store.run(["approve", id, "--version", "1", "--rationale", "read replica only, matches OPS-1234"], as: "dave")
        #expect(refused.status == 5 && refused.stderr.contains("its administrator (role") && !refused.stderr.contains("\u{1B}"),
                "\(refused.output)")
        #expect(try store.query("SELECT count(*) FROM signoff.events WHERE kind = 'request_decided'") == ["0"])
        #expect(try store.query(language) == ["sql"])
        // Any command by the administrator applies the migration; then the approver's command works.
        #expect(try store.run(["list"]).status == 0)
        #expect(try store.query(language) == ["plpgsql"])
        #expect(try store.query("SELECT count(*) FROM signoff.migrations WHERE name = '3 whoami planned once'") == ["1"])
        let approved = try store.run(["approve", id, "--version", "1", "--rationale", "read replica only, matches OPS-1234"], as: "dave")
        #expect(approved.status == 0, "\(approved.output)")
        #expect(try store.show(id, as: "erin")["state"] as? String == "approved")
        #expect(try store.run(["audit", "verify"], as: "auditor").status == 0)
    }

    @Test func aStoreCopiedIntoPostgreSQLAndBackKeepsEveryHash() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("signoff-copy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("demo.sqlite").path
        let back = directory.appendingPathComponent("back.sqlite").path
        // Enough requests that folding the copy back crosses several of the fold's pages (7,880 events).
        let made = try Signoff.run(["demo", "--requests", "1500", "--no-console", "--store", file])
        #expect(made.status == 0, "\(made.output)")
        // A delivered notification, added by alice and recorded by ops: the copies say so too.
        let outboxRow = try Signoff.runProgram("/usr/bin/env", ["sqlite3", file, """
            INSERT INTO outbox (channel, dedupe_key, request_id, recipient, destination, payload, created_at, state, attempts,
                next_attempt_at, delivered_at, changed_by, changed_how, created_by)
            VALUES ('notification', 'routed:REQ-000001:v1:dave:email:dave', 'REQ-000001', 'dave', 'email dave@example.com',
                '{}', 1, 'delivered', 1, 1, 2, 'ops', 'os_account', 'alice');
            """])
        #expect(outboxRow.status == 0, "\(outboxRow.output)")
        let database = "signoff_copy_" + UUID().uuidString.prefix(8).lowercased()
        try PostgresAdministrationTests.psql("CREATE DATABASE \(database)")
        defer {
            try? PostgresAdministrationTests.psql("DROP DATABASE IF EXISTS \(database) WITH (FORCE)")
            try? PostgresAdministrationTests.psql("DROP ROLE IF EXISTS signoff_\(database)")
        }
        let server = "postgresql:///\(database)"
        let environment = ["XDG_CACHE_HOME": directory.appendingPathComponent("cache").path]
        let copied = try Signoff.run(["store", "copy", file, server, "--person", "carol"], environment: environment)
        #expect(copied.status == 0, "\(copied.output)")
        let again = try Signoff.run(["store", "copy", file, server], environment: environment)
        #expect(again.status == 5 && again.stderr.contains("already exists"), "\(again.output)")
        let copiedBack = try Signoff.run(["store", "copy", server, back], environment: environment)
        #expect(copiedBack.status == 0, "\(copiedBack.output)")
        let refused = try Signoff.run(["store", "copy", server, back], environment: environment)
        #expect(refused.status == 5 && refused.stderr.contains("already exists"), "\(refused.output)")

        // A copy killed part way (SIGKILL: no handler runs) leaves nothing at
        // its target, and the next copy there succeeds.
        let killedTarget = directory.appendingPathComponent("killed.sqlite").path
        let killed = Process()
        killed.executableURL = Signoff.binary
        killed.arguments = ["store", "copy", server, killedTarget]
        killed.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        killed.standardOutput = FileHandle.nullDevice
        killed.standardError = FileHandle.nullDevice
        try killed.run()
        var sawPartial = false
        while killed.isRunning {
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            if names.contains(where: { $0.hasPrefix("killed.sqlite.incomplete-") }) {
                kill(killed.processIdentifier, SIGKILL)
                sawPartial = true
                break
            }
            usleep(1000)
        }
        killed.waitUntilExit()
        #expect(sawPartial, "the copy ended before it could be killed")
        #expect(!FileManager.default.fileExists(atPath: killedTarget))
        let copiedAfterKill = try Signoff.run(["store", "copy", server, killedTarget], environment: environment)
        #expect(copiedAfterKill.status == 0, "\(copiedAfterKill.output)")

        for location in [file, server, back, killedTarget] {
            let verified = try Signoff.run(["audit", "verify", "--store", location], environment: environment)
            #expect(verified.status == 0, "\(location): \(verified.output)")
        }
        func head(_ sqlite: String) throws -> String {
            try Signoff.runProgram("/usr/bin/env", ["sqlite3", sqlite, "SELECT sequence || ' ' || hash FROM events ORDER BY sequence DESC LIMIT 1"])
                .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let serverHead = try Signoff.runProgram("/usr/bin/env", [
            "psql", "-X", "-A", "-t", "-d", database, "-c", "SELECT sequence || ' ' || hash FROM signoff.events ORDER BY sequence DESC LIMIT 1",
        ]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!serverHead.isEmpty)
        #expect(try head(file) == serverHead)
        #expect(try head(back) == serverHead)
        #expect(try head(killedTarget) == serverHead)
        let outbox = "SELECT id, dedupe_key, state, changed_by, changed_how, created_by FROM outbox ORDER BY id"
        let fileOutbox = try Signoff.runProgram("/usr/bin/env", ["sqlite3", file, outbox]).stdout
        #expect(fileOutbox.contains("|ops|os_account|alice"), "\(fileOutbox)")
        #expect(try Signoff.runProgram("/usr/bin/env", ["sqlite3", back, outbox]).stdout == fileOutbox)
        let serverOutbox = try Signoff.runProgram("/usr/bin/env", [
            "psql", "-X", "-A", "-t", "-d", database, "-c", outbox.replacingOccurrences(of: "FROM outbox", with: "FROM signoff.outbox"),
        ]).stdout
        #expect(serverOutbox == fileOutbox)
        // The copy folded back holds exactly the query tables the file it came from holds.
        for table in ["requests", "grant_status", "grants"] {
            func rows(_ sqlite: String) throws -> String {
                try Signoff.runProgram("/usr/bin/env", ["sqlite3", sqlite, "SELECT * FROM \(table) ORDER BY 1"]).stdout
            }
            let original = try rows(file)
            #expect(original.split(separator: "\n").count >= 700, "\(table)")
            #expect(try rows(back) == original, "\(table) differs after the copy back")
        }
    }

    /// The administrators of a store copied into PostgreSQL come from the
    /// chained policy_applied events: a file whose `policies` query table was
    /// edited (alice added to the administrators) does not pass audit
    /// verify, and nothing of it reaches the server.
    @Test func aFileThatDoesNotVerifyIsNotCopiedIntoPostgreSQL() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("signoff-copy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("demo.sqlite").path
        let made = try Signoff.run(["demo", "--requests", "3", "--no-console", "--store", file])
        #expect(made.status == 0, "\(made.output)")
        let tampered = try Signoff.runProgram("/usr/bin/env", ["sqlite3", file, """
            UPDATE policies SET source = replace(source, 'members: [person:carol, person:dave, account:ops]',
                                                 'members: [person:carol, person:dave, person:alice, account:ops]');
            SELECT count(*) FROM policies WHERE source LIKE '%person:alice,%';
            """])
        #expect(tampered.status == 0 && tampered.stdout.trimmingCharacters(in: .whitespacesAndNewlines) != "0", "\(tampered.output)")
        let database = "signoff_copy_" + UUID().uuidString.prefix(8).lowercased()
        try PostgresAdministrationTests.psql("CREATE DATABASE \(database)")
        defer {
            try? PostgresAdministrationTests.psql("DROP DATABASE IF EXISTS \(database) WITH (FORCE)")
            try? PostgresAdministrationTests.psql("DROP ROLE IF EXISTS signoff_\(database)")
        }
        let environment = ["XDG_CACHE_HOME": directory.appendingPathComponent("cache").path]
        let refused = try Signoff.run(["store", "copy", file, "postgresql:///\(database)", "--person", "carol"],
                                      environment: environment)
        #expect(refused.status == 5, "\(refused.output)")
        #expect(refused.stderr.contains("signoff audit verify") && refused.stderr.contains("policies"), "\(refused.output)")
        #expect(refused.stderr.split(separator: "\n").count == 1, "\(refused.output)")
        func count(_ sql: String) throws -> String {
            try Signoff.runProgram("/usr/bin/env", ["psql", "-X", "-A", "-t", "-d", database, "-c", sql])
                .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(try count("SELECT count(*) FROM pg_namespace WHERE nspname = 'signoff'") == "0")
        #expect(try count("SELECT count(*) FROM pg_roles WHERE rolname = 'signoff_\(database)'") == "0")
    }

    @Test func waitIsWokenByTheServerWhenAnotherClientDecides() throws {
        let store = try PostgresTestStore()
        let id = try store.submit()
        let (waiter, output, _) = try Self.waiter(store, id)
        Thread.sleep(forTimeInterval: 1)
        let started = Date()
        let approved = try store.run(["approve", id, "--version", "1", "--rationale", "read replica only, matches OPS-1234"], as: "dave")
        #expect(approved.status == 0, "\(approved.output)")
        let document = output.fileHandleForReading.readDataToEndOfFile()
        waiter.waitUntilExit()
        // Woken by the notification, long before its two-minute timeout.
        #expect(Date().timeIntervalSince(started) < 60)
        #expect(waiter.terminationStatus == 0)
        let result = try JSONSerialization.jsonObject(with: document) as? [String: Any]
        #expect(result?["state"] as? String == "approved", "\(String(decoding: document, as: UTF8.self))")
    }

    @Test func trustOfAssertedIdentitiesIsTurnedOffAndNeverOnAndShareGroupsAreForFiles() throws {
        let store = try PostgresTestStore(trustAsserted: true)
        let before = try store.query("SELECT count(*) FROM signoff.events")
        let shared = try store.run(["settings", "--share-group", "staff"])
        #expect(shared.status != 0 && shared.stderr.contains("share group is for store files"), "\(shared.output)")
        #expect(try store.query("SELECT count(*) FROM signoff.events") == before)
        let asserted = try store.run(["list", "--as", "dave"], as: "erin")
        #expect(asserted.status == 0, "\(asserted.output)")
        let stopped = try store.run(["settings", "--stop-trusting-asserted-identities"])
        #expect(stopped.status == 0, "\(stopped.output)")
        #expect(try store.query("SELECT trust_asserted_identities FROM signoff.settings") == ["f"])
        let refused = try store.run(["list", "--as", "dave"], as: "erin")
        #expect(refused.status != 0 && refused.stderr.contains("does not trust asserted identities"), "\(refused.output)")
        #expect(try store.run(["audit", "verify"], as: "auditor").status == 0)
    }

    @Test func revokingARoleWithoutRightsSaysNothingChanged() throws {
        let store = try PostgresTestStore()
        let revoked = try store.run(["store", "revoke", "nobody_at_all"])
        #expect(revoked.status != 0 && revoked.stderr.contains("has no rights signoff gave in this store, so nothing changed"), "\(revoked.output)")
    }

    /// signoff's own actors are nobody a role may be mapped to.
    @Test func noRoleIsMappedToSignoffsOwnActors() throws {
        let store = try PostgresTestStore()
        for person in ["signoff", "policy:dba-two"] {
            let refused = try store.run(["store", "grant", store.role("erin"), "--person", person])
            #expect(refused.status != 0 && refused.stderr.contains("is the name of signoff's own actor"), "\(refused.output)")
        }
        #expect(try store.run(["audit", "verify"], as: "auditor").status == 0)
    }

    @Test func decisionsAreSignedAsOnSQLiteAndEveryClientChecksTheSignatures() throws {
        let store = try PostgresTestStore()
        let lab = try SigningLab()
        let policy = lab.store.directory.appendingPathComponent("signed.yaml").path
        try lab.policy().write(toFile: policy, atomically: true, encoding: .utf8)
        let applied = try store.run(["policy", "apply", policy])
        #expect(applied.status == 0, "\(applied.output)")
        let submitted = try store.run(["submit", "-", "--json"], as: "alice", stdin: SigningLab.request)
        let id = try #require(try Signoff.items(submitted).first?["id"] as? String, "\(submitted.output)")
        let noAgent = ["SSH_AUTH_SOCK": "", "SIGNOFF_SIGNING_KEY": ""]
        let rationale = ["--rationale", "read replica only, fine for 8h"]
        // dave's key is listed: without it his approval is refused, and only the refusal is recorded.
        let before = try store.query("SELECT count(*) FROM signoff.events")
        let unsigned = try store.run(["approve", id, "--version", "1"] + rationale, as: "dave", environment: noAgent)
        #expect(unsigned.status != 0, "\(unsigned.output)")
        #expect(try store.query("SELECT count(*) FROM signoff.events") == [String(Int(before[0])! + 1)])
        #expect(try store.query("SELECT kind FROM signoff.events ORDER BY sequence DESC LIMIT 1") == ["review_refused"])

        try lab.startAgent(holding: [lab.dave.path])
        let signed = try store.run(["approve", id, "--version", "1"] + rationale, as: "dave",
                                   environment: ["SSH_AUTH_SOCK": lab.socket, "SIGNOFF_SIGNING_KEY": ""])
        #expect(signed.status == 0, "\(signed.output)")
        #expect(try store.query("SELECT count(*) FROM signoff.events WHERE signature IS NOT NULL") == ["1"])
        let fingerprint = try lab.fingerprint(lab.dave.path + ".pub")
        let shown = try store.run(["show", id], as: "erin")
        #expect(shown.stdout.contains("signed with ssh-ed25519 \(fingerprint)"), "\(shown.output)")
        let verified = try store.run(["audit", "verify", "--json"], as: "auditor")
        let document = try #require(try Signoff.json(verified) as? [String: Any], "\(verified.output)")
        #expect(verified.status == 0)
        #expect((document["signatures"] as? [String: Any])?["signed_events"] as? Int == 1)
    }

    @Test func theConsoleDecidesOnPostgreSQLAsTheSessionRole() throws {
        let store = try PostgresTestStore()
        let id = try store.submit()
        let tmux = try TmuxSession(command: [Signoff.binary.path, "--store", store.store(as: "dave")],
                                   width: 160, height: 40, environment: store.environment)
        try tmux.waitFor("My queue 1")
        try tmux.send("a")
        try tmux.waitFor("Ctrl-s submit")
        try tmux.type("read replica only, matches OPS-1234")
        try tmux.send("C-s")
        try waitUntil { try store.show(id)["state"] as? String == "approved" }
        let review = (try store.show(id)["reviews"] as? [[String: Any]])?.first
        #expect(review?["reviewer"] as? String == "dave")
        #expect(review?["authentication"] as? String == "postgresql_role")
        try tmux.send("q")
        try waitUntil { tmux.paneDead }
    }
}

/// Results collected from concurrent threads.
/// What concurrent clients returned, collected under a lock.
final class Collected<Element>: @unchecked Sendable {
    private let lock = NSLock()
    private var elements: [Element] = []
    func append(_ element: Element) { lock.lock(); elements.append(element); lock.unlock() }
    var all: [Element] { lock.lock(); defer { lock.unlock() }; return elements }
}
typealias ResultBox = Collected<Signoff.Result?>
