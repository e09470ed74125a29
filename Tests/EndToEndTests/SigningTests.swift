import Foundation
import SignoffCore
import SignoffSigning
@testable import SignoffStore
import Testing

/// Real OpenSSH around the real binary: keys made with `ssh-keygen` for each
/// test, an `ssh-agent` of the test's own, decisions signed through it (or a
/// key file) from the command line, checked by the store, by `audit verify`
/// and by stock `ssh-keygen -Y verify` from the export.
final class SigningLab {
    let store: TestStore
    /// Short: a Unix socket path must fit in 108 bytes.
    let directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("so-sig-\(UUID().uuidString.prefix(8))")
    private var agent: pid_t?
    var socket: String { directory.appendingPathComponent("agent.sock").path }

    /// dave (ed25519) and erin (ECDSA P-256) have keys listed; alice has none.
    let dave: (path: String, line: String)
    let erin: (path: String, line: String)
    /// Sections added to the lab's policy (roles, break-glass).
    let extra: String

    init(extra: String = "") throws {
        self.extra = extra
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o700])
        let directory = self.directory
        func key(_ type: String, _ name: String) throws -> (String, String) {
            let path = directory.appendingPathComponent(name).path
            try Self.tool("ssh-keygen", ["-q", "-t", type, "-N", "", "-C", "\(name)@lab", "-f", path]
                          + (type == "ecdsa" ? ["-b", "256"] : []))
            return (path, try String(contentsOfFile: path + ".pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        dave = try key("ed25519", "dave")
        erin = try key("ecdsa", "erin")
        store = try TestStore(policy: nil)
        let applied = try store.run(["policy", "apply", try store.file("policy.yaml", policy(extra: extra))])
        guard applied.status == 0 else { throw HarnessError("policy apply failed: \(applied.output)") }
    }

    deinit {
        if let agent { ChildProcess.stop(agent) }
        try? FileManager.default.removeItem(at: directory)
    }

    func policy(extra: String = "") -> String {
        """
        policy: signed
        directory:
          people:
            alice: {}
            dave: {keys: ["\(dave.line)"]}
            erin: {keys: ["\(erin.line)"]}
        catalogue:
          payments-db:
            owners: [dave, erin]
            environments: [production]
            entitlements: [read_replica]
            max_duration: 30d
        route:
          - name: owners
            when: {system: payments-db}
            steps: [{approvers: owners, count: 1}]
        \(extra)
        """
    }

    static let request = """
        subject: {kind: service_account, name: svc-ledger, owner: alice}
        system: payments-db
        environment: production
        entitlement: read_replica
        access: read
        purpose: nightly reconciliation of the ledger
        duration: 8h
        """

    /// Runs an OpenSSH or SQLite tool to completion (never Foundation's
    /// Process: an agent started by the test would hold the descriptors it
    /// watches for a child's end).
    @discardableResult
    static func tool(_ name: String, _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:])
        throws -> Signoff.Result {
        let path = ["/usr/bin/\(name)", "/bin/\(name)"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let program = try #require(path, "\(name) is not installed; scripts/setup installs it")
        var variables = ProcessInfo.processInfo.environment
        for (key, value) in environment { variables[key] = value }
        let result = ChildProcess.run(program, arguments, environment: variables,
                                      input: stdin.map { .bytes(Data($0.utf8)) } ?? .none, timeout: .seconds(60))
        return Signoff.Result(status: result.status, stdout: result.output, stderr: result.error)
    }

    /// This test's own agent, holding `keys`.
    func startAgent(holding keys: [String]) throws {
        let pid = try ChildProcess.start("/usr/bin/ssh-agent", ["-D", "-a", socket], stdin: "/dev/null",
                                         stdout: "/dev/null", stderr: "/dev/null")
        agent = pid
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: socket) {
            guard Date() < deadline, kill(pid, 0) == 0 else { throw HarnessError("ssh-agent did not start") }
            usleep(10_000)
        }
        for key in keys {
            let added = try Self.tool("ssh-add", ["-q", key], environment: ["SSH_AUTH_SOCK": socket])
            guard added.status == 0 else { throw HarnessError("ssh-add failed: \(added.output)") }
        }
    }

    /// Runs signoff as `person`; `agent`: with SSH_AUTH_SOCK pointing at this test's agent (else none).
    @discardableResult
    func run(_ arguments: [String], as person: String?, agent: Bool, keyFile: String? = nil, stdin: String? = nil,
             at now: String? = nil) throws -> Signoff.Result {
        var full = arguments + ["--store", store.path]
        if let person { full += ["--as", person] }
        var environment = store.environment()
        environment["SIGNOFF_NOW"] = now
        // Never the agent of whoever runs the tests.
        environment["SSH_AUTH_SOCK"] = agent ? socket : ""
        environment["SIGNOFF_SIGNING_KEY"] = keyFile ?? ""
        return try Signoff.run(full, stdin: stdin, environment: environment)
    }

    func submit() throws -> String {
        let result = try run(["submit", "-", "--json"], as: "alice", agent: false, stdin: Self.request)
        guard result.status == 0, let id = try Signoff.items(result).first?["id"] as? String else {
            throw HarnessError("submit failed (\(result.status)): \(result.output)")
        }
        return id
    }

    func events(_ id: String? = nil) throws -> [[String: Any]] {
        let result = try store.run(["audit", "export"] + (id.map { ["--request", $0] } ?? []))
        guard result.status == 0 else { throw HarnessError("export failed: \(result.output)") }
        return try result.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    func verify() throws -> (status: Int32, signatures: [String: Any]) {
        let result = try store.run(["audit", "verify", "--json"])
        let object = try #require(try Signoff.json(result) as? [String: Any], "\(result.output)")
        return (result.status, try #require(object["signatures"] as? [String: Any]))
    }

    func fingerprint(_ publicKeyFile: String) throws -> String {
        let output = try Self.tool("ssh-keygen", ["-l", "-E", "sha256", "-f", publicKeyFile]).stdout
        return String(output.split(separator: " ")[1])
    }
}

@Suite("Signed decisions, end to end") struct SigningTests {
    @Test func aDecisionThatCannotBeSignedIsRefusedAndOnlyTheRefusalIsRecorded() throws {
        let lab = try SigningLab()
        let id = try lab.submit()
        let approve = ["approve", id, "--version", "1", "--rationale", "read replica only, fine for 8h"]

        // No agent, no key file: refused (3), and the attempt is the only thing recorded.
        let before = try lab.events().count
        let noAgent = try lab.run(approve, as: "dave", agent: false)
        #expect(noAgent.status == 3, "\(noAgent.output)")
        #expect(noAgent.stderr.contains("dave's approve must be signed"), "\(noAgent.stderr)")
        #expect(noAgent.stderr.contains("SSH_AUTH_SOCK is not set"), "\(noAgent.stderr)")
        var events = try lab.events()
        #expect(events.count == before + 1)
        #expect(events.last?["kind"] as? String == "review_refused")
        #expect((events.last?["payload"] as? [String: Any])?["reason"] as? String == "signature_required")

        // An agent holding only erin's key: the wrong key, refused the same way.
        try lab.startAgent(holding: [lab.erin.path])
        let wrongKey = try lab.run(approve, as: "dave", agent: true)
        #expect(wrongKey.status == 3, "\(wrongKey.output)")
        #expect(wrongKey.stderr.contains("holds none of the keys the policy lists for you"), "\(wrongKey.stderr)")
        events = try lab.events()
        #expect(events.count == before + 2)
        #expect(try lab.store.show(id)["state"] as? String == "pending")
        #expect(try lab.verify().status == 0)
    }

    @Test func decisionsSignedThroughTheAgentAndAKeyFileVerifyWithStockOpenSSH() throws {
        let lab = try SigningLab()
        try lab.startAgent(holding: [lab.dave.path])
        let id = try lab.submit()

        // dave approves through his agent (ed25519).
        let approved = try lab.run(["approve", id, "--version", "1", "--rationale", "read replica only, fine for 8h"],
                                   as: "dave", agent: true)
        #expect(approved.status == 0, "\(approved.output)")
        // erin revokes with her key file (ECDSA P-256), no agent.
        let revoked = try lab.run(["revoke", id, "--rationale", "the reconciliation job moved elsewhere"],
                                  as: "erin", agent: false, keyFile: lab.erin.path)
        #expect(revoked.status == 0, "\(revoked.output)")

        // `show` marks both with the key's fingerprint, as ssh-keygen computes it.
        let daveFingerprint = try lab.fingerprint(lab.dave.path + ".pub")
        let erinFingerprint = try lab.fingerprint(lab.erin.path + ".pub")
        let text = try lab.store.run(["show", id]).stdout
        #expect(text.contains("signed with ssh-ed25519 \(daveFingerprint)"), "\(text)")
        #expect(text.contains("signed with ecdsa-sha2-nistp256 \(erinFingerprint)"), "\(text)")
        let timeline = try #require(try lab.store.show(id)["timeline"] as? [[String: Any]])
        let signed = timeline.compactMap { $0["signature"] as? [String: Any] }
        #expect(signed.map { $0["fingerprint"] as? String } == [daveFingerprint, erinFingerprint])
        #expect(signed.allSatisfy { $0["holds"] as? Bool == true })

        let verified = try lab.verify()
        #expect(verified.status == 0)
        #expect(verified.signatures["signed_events"] as? Int == 2)

        // The independent check: the export and the allowed_signers file, with stock ssh-keygen.
        let signers = try lab.store.run(["audit", "allowed-signers"])
        #expect(signers.status == 0, "\(signers.output)")
        let signersFile = try lab.store.file("allowed_signers", signers.stdout)
        var checked: [String] = []
        for event in try lab.events(id) {
            guard let signature = event["signature"] as? String, let statement = event["statement"] as? String else { continue }
            let actor = try #require(event["actor"] as? String)
            let signatureFile = try lab.store.file("sig", signature)
            let good = try SigningLab.tool("ssh-keygen", ["-Y", "verify", "-f", signersFile, "-I", actor, "-n", "signoff",
                                                          "-s", signatureFile], stdin: statement)
            #expect(good.status == 0, "\(good.output)")
            #expect(good.stdout.contains("Good \"signoff\" signature for \(actor)"), "\(good.output)")
            // One character of the statement changed, or claimed by the other person: ssh-keygen says no.
            let changed = try SigningLab.tool("ssh-keygen", ["-Y", "verify", "-f", signersFile, "-I", actor, "-n", "signoff",
                                                             "-s", signatureFile],
                                              stdin: statement.replacingOccurrences(of: "\"at\":", with: "\"at\":1"))
            #expect(changed.status != 0)
            let other = actor == "dave" ? "erin" : "dave"
            let claimed = try SigningLab.tool("ssh-keygen", ["-Y", "verify", "-f", signersFile, "-I", other, "-n", "signoff",
                                                             "-s", signatureFile], stdin: statement)
            #expect(claimed.status != 0)
            checked.append(try #require(event["kind"] as? String))
        }
        #expect(checked == ["review_recorded", "grant_revoked"])
    }

    /// Whoever can write the store appends a well-chained approval in dave's
    /// name: without his key it cannot carry his signature, and verify says so.
    @Test(.needsStoreFile) func aForgedChainedApprovalFailsVerify() throws {
        let lab = try SigningLab()
        try lab.startAgent(holding: [lab.dave.path])
        let first = try lab.submit()
        let second = try lab.submit()
        let approved = try lab.run(["approve", first, "--version", "1", "--rationale", "read replica only, fine for 8h"],
                                   as: "dave", agent: true)
        #expect(approved.status == 0, "\(approved.output)")
        #expect(try lab.verify().status == 0)
        let genuine = try #require(try lab.events(first).first { $0["kind"] as? String == "review_recorded" })

        // Two forgeries, each on a copy: unsigned, and with dave's signature from the first approval.
        for (signature, statement, finding) in [(nil, nil, "unsigned"),
                                                (genuine["signature"] as? String, genuine["statement"] as? String, "different_content")] {
            let copy = lab.store.directory.appendingPathComponent("forged-\(finding).sqlite").path
            try FileManager.default.copyItem(atPath: lab.store.path, toPath: copy)
            let head = try SigningLab.tool("sqlite3", [copy, "SELECT sequence || ' ' || hash || ' ' || at FROM events ORDER BY sequence DESC LIMIT 1"])
            let parts = head.stdout.split(separator: " ").map(String.init)
            let sequence = try #require(Int64(parts[0])) + 1
            let at = try #require(Int64(parts[2].trimmingCharacters(in: .whitespacesAndNewlines))) + 1000
            let payload = try #require(try SigningLab.tool("sqlite3", [copy, "SELECT payload FROM events WHERE kind = 'review_recorded'"])
                .stdout.split(separator: "\n").first.map(String.init))
            var chain = EventChain()
            let hash = chain.hash(prevHash: parts[1], sequence: sequence, at: at, actor: "dave", authentication: "asserted",
                                  kind: "review_recorded", requestID: second, payload: Array(payload.utf8),
                                  signature: signature.map { EventSignature(armored: $0, statement: statement ?? "") })
            func quoted(_ text: String?) -> String { text.map { "'" + $0.replacingOccurrences(of: "'", with: "''") + "'" } ?? "NULL" }
            let insert = """
                INSERT INTO events (sequence, at, actor, authentication, kind, request_id, payload, prev_hash, hash, signature, statement)
                VALUES (\(sequence), \(at), 'dave', 'asserted', 'review_recorded', '\(second)', \(quoted(payload)), '\(parts[1])',
                        '\(hash)', \(quoted(signature)), \(quoted(statement)));
                """
            let written = try SigningLab.tool("sqlite3", [copy], stdin: insert)
            #expect(written.status == 0, "\(written.output)")

            let result = try Signoff.run(["audit", "verify", "--json", "--store", copy])
            #expect(result.status == 6, "\(result.output)")
            let object = try #require(try Signoff.json(result) as? [String: Any])
            #expect((object["chain"] as? [String: Any])?["intact"] as? Bool == true, "the forger chained it well")
            let problems = try #require((object["signatures"] as? [String: Any])?["problems"] as? [[String: Any]])
            #expect(problems.contains { $0["sequence"] as? Int == Int(sequence) && $0["finding"] as? String == finding },
                    "\(problems)")
            let text = try Signoff.run(["audit", "verify", "--store", copy])
            #expect(text.stdout.contains("FAIL signature: event \(sequence) (review_recorded of \(second) by dave)"), "\(text.stdout)")
        }
    }

    /// A store made before it signed `signoff.statement/3`: dave's approval
    /// signed over /2 (by ssh-keygen), the store created without migration
    /// 22 and migrated after the approval. `audit verify` counts it and
    /// `show` marks it, as they do /1.
    @Test(.needsStoreFile) func anApprovalSignedOverSchema2BeforeTheStoreAdoptedSchema3IsCountedAndMarked() throws {
        let lab = try SigningLab()
        try lab.startAgent(holding: [lab.dave.path])
        let id = try lab.submit()
        let approved = try lab.run(["approve", id, "--version", "1", "--rationale", "read replica only, fine for 8h"],
                                   as: "dave", agent: true)
        #expect(approved.status == 0, "\(approved.output)")
        let marker = Schema.statementSchema3
        // The migrations from the marker on, as the store records them.
        let fromMarker = Array(Schema.migrator.migrations.drop { $0 != marker })

        let read = try SigningLab.tool("sqlite3", ["-json", lab.store.path, """
            SELECT at, actor, authentication, kind, request_id, payload, signature, statement FROM events ORDER BY sequence
            """])
        var rows = try #require(try JSONSerialization.jsonObject(with: Data(read.stdout.utf8)) as? [[String: Any]])
        rows[0]["payload"] = (rows[0]["payload"] as? String)?
            .replacingOccurrences(of: fromMarker.map { #","\#($0)""# }.joined(), with: "")
        let index = try #require(rows.firstIndex { $0["kind"] as? String == "review_recorded" })
        let current = try #require(rows[index]["statement"] as? String)
        let statement = current.replacing(#/"schema":"signoff\.statement\/3","store":"[0-9a-f]+"/#,
                                          with: #""schema":"signoff.statement/2""#)
        #expect(statement != current)
        let file = lab.directory.appendingPathComponent("statement").path
        try Data(statement.utf8).write(to: URL(fileURLWithPath: file))
        let signed = try SigningLab.tool("ssh-keygen", ["-Y", "sign", "-q", "-f", lab.dave.path, "-n", "signoff", file])
        #expect(signed.status == 0, "\(signed.output)")
        rows[index]["statement"] = statement
        rows[index]["signature"] = try String(contentsOfFile: file + ".sig", encoding: .utf8)
        var migrated = rows[0]
        migrated["kind"] = "schema_migrated"
        migrated["at"] = rows[rows.count - 1]["at"]
        migrated["payload"] = String(decoding: EventBody.schemaMigrated(.init(migrations: fromMarker)).encodedPayloadBytes(), as: UTF8.self)
        rows.append(migrated)

        // Chained again from the first event, with the append-only triggers put back.
        func quoted(_ value: Any?) -> String {
            if let number = value as? Int64 { return String(number) }
            if let number = value as? Int { return String(number) }
            guard let text = value as? String else { return "NULL" }
            return "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
        }
        let listed = try SigningLab.tool("sqlite3", ["-json", lab.store.path,
                                                     "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'"])
        let triggers = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: String]])
        #expect(!triggers.isEmpty)
        var chain = EventChain()
        var previous = EventChain.genesis
        var script = triggers.map { "DROP TRIGGER \($0["name"] ?? "");\n" }.joined() + "DELETE FROM events;\n"
        for (offset, row) in rows.enumerated() {
            let at = try #require((row["at"] as? NSNumber)?.int64Value)
            let signature = (row["signature"] as? String).map { EventSignature(armored: $0, statement: row["statement"] as? String ?? "") }
            let hash = chain.hash(prevHash: previous, sequence: Int64(offset + 1), at: at, actor: row["actor"] as? String ?? "",
                                  authentication: row["authentication"] as? String ?? "", kind: row["kind"] as? String ?? "",
                                  requestID: row["request_id"] as? String, payload: Array((row["payload"] as? String ?? "").utf8),
                                  signature: signature)
            let values = [String(offset + 1), String(at), quoted(row["actor"]), quoted(row["authentication"]), quoted(row["kind"]),
                          quoted(row["request_id"]), quoted(row["payload"]), quoted(previous), quoted(hash),
                          quoted(row["signature"]), quoted(row["statement"])]
            script += "INSERT INTO events (sequence, at, actor, authentication, kind, request_id, payload, prev_hash, hash, signature, statement) VALUES (\(values.joined(separator: ", ")));\n"
            previous = hash
        }
        script += triggers.map { ($0["sql"] ?? "") + ";\n" }.joined()
        let written = try SigningLab.tool("sqlite3", [lab.store.path], stdin: script)
        #expect(written.status == 0, "\(written.output)")

        let text = try lab.store.run(["audit", "verify"])
        #expect(text.status == 0, "\(text.output)")
        #expect(text.stdout.contains("ok   signatures: 1 signed events hold (1 over signoff.statement/2, made before the store signed "
                                     + "signoff.statement/3: a /2 statement does not name its store)"), "\(text.stdout)")
        let verified = try lab.verify()
        #expect(verified.signatures["schema2_signed_events"] as? Int == 1 && verified.signatures["schema1_signed_events"] as? Int == 0,
                "\(verified.signatures)")
        let shown = try lab.store.run(["show", id]).stdout
        #expect(shown.contains("over signoff.statement/2"), "\(shown)")
    }

    /// `audit allowed-signers` writes the keys the chained policy_applied
    /// events list, and only for a store that passes `audit verify`: a key
    /// swapped into the `policies` query table (which no hash covers) is
    /// never written, so stock OpenSSH never vouches for it.
    @Test(.needsStoreFile) func allowedSignersComeFromTheChainNotTheQueryTable() throws {
        let lab = try SigningLab()
        let before = try lab.store.run(["audit", "allowed-signers"])
        #expect(before.status == 0, "\(before.output)")
        let mallory = lab.directory.appendingPathComponent("mallory").path
        try SigningLab.tool("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "mallory@lab", "-f", mallory])
        let malloryKey = String(try String(contentsOfFile: mallory + ".pub", encoding: .utf8).split(separator: " ")[1])
        let daveKey = String(lab.dave.line.split(separator: " ")[1])
        #expect(before.stdout.contains(daveKey) && !before.stdout.contains(malloryKey))
        let swapped = try SigningLab.tool("sqlite3", [lab.store.path, """
            UPDATE policies SET source = replace(source, '\(daveKey)', '\(malloryKey)');
            SELECT count(*) FROM policies WHERE source LIKE '%\(malloryKey)%';
            """])
        #expect(swapped.status == 0 && swapped.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1", "\(swapped.output)")
        let after = try lab.store.run(["audit", "allowed-signers"])
        #expect(after.status == 5, "\(after.output)")
        #expect(after.stdout.isEmpty)
        #expect(after.stderr.contains("does not pass `signoff audit verify` (policies, event 2: differs from the policy_applied event)"), "\(after.stderr)")
        #expect(after.stderr.contains("no allowed_signers file was written"), "\(after.stderr)")
    }

    /// The console decides through the same command layer: dave's approval
    /// from the console in tmux is signed through his agent; erin, whose
    /// console has no agent, is refused and told why.
    @Test func theConsoleSignsThroughTheAgentAndIsRefusedWithoutOne() throws {
        let lab = try SigningLab()
        try lab.startAgent(holding: [lab.dave.path])
        let id = try lab.submit()
        let rationale = "read replica only, matches OPS-1234"

        func console(as person: String, agent: Bool) throws -> TmuxSession {
            var environment = lab.store.environment()
            environment["SSH_AUTH_SOCK"] = agent ? lab.socket : ""
            environment["SIGNOFF_SIGNING_KEY"] = ""
            return try TmuxSession(command: [Signoff.binary.path, "--store", lab.store.path, "--as", person],
                                   width: 200, height: 40, environment: environment)
        }

        func wait(_ session: TmuxSession, _ what: String, _ condition: () throws -> Bool) throws {
            do { try waitUntil(condition) } catch {
                Issue.record("\(what): \(try session.screen().split(separator: "\n").suffix(6).joined(separator: "\n"))")
                throw error
            }
        }

        /// Opens the approval panel on the request and submits the rationale.
        func approve(_ session: TmuxSession) throws {
            try session.waitFor("My queue 1")
            try session.waitFor("Detail · \(id)")
            try session.send("a")
            try session.waitFor("Ctrl-s submit")
            try session.type(rationale)
            try session.send("C-s")
        }

        let erin = try console(as: "erin", agent: false)
        try approve(erin)
        try erin.waitFor("must be signed")
        #expect(try lab.store.show(id)["state"] as? String == "pending")
        if try erin.screen().contains("Ctrl-s submit") {
            try erin.send("Escape")
            try wait(erin, "the panel stays open") { try !erin.screen().contains("Ctrl-s submit") }
            // Escape and q within the console's escape delay would read as Alt-q.
            Thread.sleep(forTimeInterval: 0.2)
        }
        try erin.send("q")
        try wait(erin, "erin's console does not end") { erin.paneDead }

        let dave = try console(as: "dave", agent: true)
        try approve(dave)
        try wait(dave, "dave's approval is not recorded") { try lab.store.show(id)["state"] as? String == "approved" }
        try dave.send("q")
        try wait(dave, "dave's console does not end") { dave.paneDead }

        let timeline = try #require(try lab.store.show(id)["timeline"] as? [[String: Any]])
        let review = try #require(timeline.first { $0["kind"] as? String == "review_recorded" })
        #expect((review["signature"] as? [String: Any])?["fingerprint"] as? String == (try lab.fingerprint(lab.dave.path + ".pub")))
        let refused = try #require(timeline.first { $0["kind"] as? String == "review_refused" })
        #expect(refused["actor"] as? String == "erin")
        #expect(try lab.verify().status == 0)
    }
}
