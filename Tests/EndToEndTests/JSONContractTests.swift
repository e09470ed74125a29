import Foundation
import Testing

/// Collects what the real binary printed with --json, and validates every
/// document against its schema in `schemas/` with one run of
/// `scripts/check-json-schemas` (Python jsonschema, draft 2020-12). Each
/// document is also held to the contract's rules a schema cannot state alone.
final class SchemaCheck {
    let directory: URL
    private var manifest: [[String: Any]] = []
    private(set) var schemas: Set<String> = []

    init(_ directory: URL) throws {
        self.directory = directory.appendingPathComponent("json-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
    }

    /// `text` must be exactly one document (or, with `lines`, one per line) naming `schema`.
    func add(_ text: String, _ schema: String, lines: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) {
        let documents = lines ? text.split(separator: "\n").map(String.init) : [text]
        #expect(!documents.isEmpty && !text.isEmpty, "no output for \(schema)", sourceLocation: sourceLocation)
        for document in documents {
            guard let value = try? JSONSerialization.jsonObject(with: Data(document.utf8)) as? [String: Any] else {
                Issue.record("not one JSON object for \(schema): \(document.prefix(300))", sourceLocation: sourceLocation)
                continue
            }
            #expect(value["schema"] as? String == schema, "\(document.prefix(200))", sourceLocation: sourceLocation)
            for problem in ContractRules.problems(in: value) {
                Issue.record("\(schema): \(problem)", sourceLocation: sourceLocation)
            }
        }
        let file = directory.appendingPathComponent("\(manifest.count).json")
        #expect(FileManager.default.createFile(atPath: file.path, contents: Data(text.utf8)))
        manifest.append(["file": file.path, "schema": schema, "lines": lines])
        schemas.insert(schema)
    }

    /// A command's stdout, when it succeeded.
    func stdout(_ result: Signoff.Result, _ schema: String, lines: Bool = false, status: Int32 = 0,
                sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == status, "\(result.output)", sourceLocation: sourceLocation)
        add(result.stdout, schema, lines: lines, sourceLocation: sourceLocation)
    }

    /// A failure: nothing on stdout unless `output` names its document, the
    /// error document on stderr, with its code and exit matching the status.
    @discardableResult
    func failure(_ result: Signoff.Result, status: Int32, code: String, output: String? = nil,
                 sourceLocation: SourceLocation = #_sourceLocation) -> [String: Any] {
        #expect(result.status == status, "\(result.output)", sourceLocation: sourceLocation)
        if let output { add(result.stdout, output, sourceLocation: sourceLocation) } else {
            #expect(result.stdout.isEmpty, "stdout: \(result.stdout)", sourceLocation: sourceLocation)
        }
        #expect(result.stderr.hasSuffix("\n") && result.stderr.dropLast().split(separator: "\n").count == 1,
                "stderr is not one line: \(result.stderr)", sourceLocation: sourceLocation)
        add(result.stderr, "signoff.error/1", sourceLocation: sourceLocation)
        let object = (try? JSONSerialization.jsonObject(with: Data(result.stderr.utf8)) as? [String: Any]) ?? [:]
        let error = object["error"] as? [String: Any] ?? [:]
        #expect(error["code"] as? String == code, "\(error)", sourceLocation: sourceLocation)
        #expect(error["exit"] as? Int == Int(status), sourceLocation: sourceLocation)
        return error
    }

    /// Runs the schema validator over everything collected.
    func validate(sourceLocation: SourceLocation = #_sourceLocation) throws {
        let file = directory.appendingPathComponent("manifest.json")
        try JSONSerialization.data(withJSONObject: manifest).write(to: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Signoff.packageRoot.appendingPathComponent("scripts/check-json-schemas").path, file.path]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(stdout)\n\(stderr)", sourceLocation: sourceLocation)
        #expect(stdout.contains("\(manifest.count > 0 ? "" : "0 ")document(s) checked, 0 failure(s)"), "\(stdout)",
                sourceLocation: sourceLocation)
    }
}

/// What every document must hold besides its schema: snake_case keys (label
/// keys and event payloads are data, not names), whole seconds in `_seconds`
/// keys, RFC 3339 UTC times in `_at` keys, and no Swift enum shapes.
enum ContractRules {
    static func problems(in value: Any, path: String = "") -> [String] {
        var found: [String] = []
        if let object = value as? [String: Any] {
            for (key, member) in object {
                let at = path + "/" + key
                if key.range(of: "^[a-z][a-z0-9_]*$", options: .regularExpression) == nil { found.append("\(at): key is not snake_case") }
                if key.hasSuffix("_seconds"), !(member is NSNull), !(member is Int) {
                    found.append("\(at): not whole seconds")
                }
                if key.hasSuffix("_at"), !(member is NSNull),
                   (member as? String)?.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"#, options: .regularExpression) == nil {
                    found.append("\(at): not an RFC 3339 UTC time: \(member)")
                }
                if key == "labels" || key == "payload" { continue }
                found += problems(in: member, path: at)
            }
        } else if let array = value as? [Any] {
            for (index, element) in array.enumerated() { found += problems(in: element, path: path + "/\(index)") }
        }
        return found
    }
}

@Suite("JSON contract, end to end")
struct JSONContractTests {
    static let t0 = "2026-11-21T03:00:00Z"
    static let emergency = """
        subject: {kind: human, name: grace}
        system: k8s-prod
        environment: production
        entitlement: cluster_admin
        access: admin
        purpose: Payments pods crash-looping, cordon a node
        duration: 1h
        break_glass: true
        incident: INC-2041
        """

    /// Every command that prints JSON, through the real binary, validated against its schema.
    @Test func everyDocumentValidatesAgainstItsSchema() throws {
        let store = try TestStore()
        let check = try SchemaCheck(store.directory)
        let policy = Signoff.example("policy.yaml"), cases = Signoff.example("policy-cases.yaml")
        let t0 = Self.t0
        func ids(_ result: Signoff.Result) -> [String] {
            let object = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [String: Any]
            return (object?["requests"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        }

        check.stdout(try Signoff.run(["policy", "check", policy, "--json"]), "signoff.policy-check/1")
        // A policy that does not parse: its problems are the check's findings, the error on stderr as well.
        let unparsable = try store.file("unparsable.yaml", "foo: bar\nroute: [\n")
        let broken = check.failure(try Signoff.run(["policy", "check", unparsable, "--json"]), status: 2, code: "bad_input",
                                   output: "signoff.policy-check/1")
        #expect(broken["file"] as? String == unparsable, "\(broken)")
        let brokenReport = try JSONSerialization.jsonObject(with: Data(try Signoff.run(["policy", "check", unparsable, "--json"]).stdout.utf8))
            as? [String: Any]
        #expect((brokenReport?["errors"] as? Int ?? 0) > 0 && (brokenReport?["policy_version"] as? String)?.count == 64, "\(String(describing: brokenReport))")
        check.stdout(try Signoff.run(["policy", "test", policy, cases, "--json"]), "signoff.policy-test/1")
        check.stdout(try store.run(["policy", "apply", policy, "--json"], as: "carol"), "signoff.policy-applied/1")
        let outbox = store.directory.appendingPathComponent("outbox")
        try FileManager.default.createDirectory(at: outbox, withIntermediateDirectories: true)
        check.stdout(try store.run(["handoff", "--outbox", outbox.path, "--json"], as: "ops"), "signoff.hand-off/1")
        check.stdout(try store.run(["handoff", "--json"], as: "ops"), "signoff.hand-off/1")

        let dry = try store.run(["submit", "-", "--dry-run", "--json"], as: "alice", stdin: etlRequest, at: t0)
        check.stdout(dry, "signoff.submission/1")
        let batch = [etlRequest, etlRequest, etlRequest, etlRequest].joined(separator: "\n---\n")
        let submitted = try store.run(["submit", "-", "--json"], as: "alice", stdin: batch, at: t0)
        check.stdout(submitted, "signoff.submission/1")
        let etl = ids(submitted)
        try #require(etl.count == 4)
        let bigger = try store.run(["submit", "-", "--json"], as: "erin", stdin: superuser, at: t0)
        check.stdout(bigger, "signoff.submission/1")
        let emergency = try #require(ids(try store.run(["submit", "-", "--json"], as: "grace", stdin: Self.emergency, at: t0)).first)

        check.stdout(try store.run(["policy", "explain", etl[0], "--json"], as: "dave", at: t0), "signoff.explanation/1")
        let requestFile = try store.file("two.yaml", etlRequest + "\n---\n" + superuser)
        check.stdout(try store.run(["policy", "explain", "--file", requestFile, "--json"], as: "erin"), "signoff.explanation-list/1")
        check.stdout(try store.run(["show", ids(bigger)[0], "--json"], as: "dave", at: t0), "signoff.request/1")

        check.stdout(try store.run(["approve", etl[0], "--version", "1", "-r", rationale, "--json"], as: "dave", at: t0),
                     "signoff.action-result/1")
        check.stdout(try store.run(["approve", ids(bigger)[0], "--version", "1", "-r", rationale, "--json"], as: "dave", at: t0),
                     "signoff.action-result/1")
        check.stdout(try store.run(["deny", etl[1], "--version", "1", "-r", "the ETL reads the warehouse now", "--json"],
                                   as: "dave", at: t0), "signoff.action-result/1")
        check.stdout(try store.run(["withdraw", etl[2], "--json"], as: "alice", at: t0), "signoff.action-result/1")
        check.stdout(try store.run(["approve", etl[3], "--version", "1", "-r", rationale, "--json"], as: "dave", at: t0),
                     "signoff.action-result/1")
        check.stdout(try store.run(["wait", etl[0], "--timeout", "1m", "--json"], at: t0), "signoff.wait-result/1")
        check.failure(try store.run(["wait", etl[1], "--timeout", "1m", "--json"], at: t0), status: 7, code: "not_approved",
                      output: "signoff.wait-result/1")
        check.failure(try store.run(["wait", ids(bigger)[0], "--timeout", "1s", "--json"], at: t0), status: 8,
                      code: "still_pending", output: "signoff.wait-result/1")

        check.stdout(try store.run(["extend", etl[0], "--by", "8h", "--json"], as: "alice", at: t0), "signoff.submission/1")
        check.stdout(try store.run(["provisioned", etl[0], "--note", "CHG-1", "--json"], as: "ops", at: t0), "signoff.action-result/1")
        check.stdout(try store.run(["provisioning-failed", etl[3], "--reason", "role missing", "--json"], as: "ops", at: t0),
                     "signoff.action-result/1")
        check.stdout(try store.run(["self-activate", emergency, "-r", "bob does not answer the page, pods are down", "--json"],
                                   as: "grace", at: "2026-11-21T03:16:00Z"), "signoff.action-result/1")
        check.stdout(try store.run(["incident-reviews", "--json"], at: t0), "signoff.incident-review-list/1")
        check.stdout(try store.run(["incident-reviews", "--jsonl"], at: t0), "signoff.incident-review/1", lines: true)
        check.stdout(try store.run(["grants", "--json"], at: t0), "signoff.grant-list/1")
        check.stdout(try store.run(["grants", "--jsonl", "--all"], at: t0), "signoff.grant-status/1", lines: true)
        // Not while the emergency access lasts: refused (and recorded), then revoked and reviewed.
        check.failure(try store.run(["review-incident", emergency, "-r", "Cordon was right; paging gap fixed in PD-88", "--json"],
                                    as: "sam", at: "2026-11-21T03:20:00Z"), status: 3, code: "refused")
        check.stdout(try store.run(["revoke", emergency, "-r", "incident over, the nodes are back in service", "--json"], as: "grace",
                                   at: "2026-11-21T03:25:00Z"), "signoff.action-result/1")
        check.stdout(try store.run(["review-incident", emergency, "-r", "Cordon was right; paging gap fixed in PD-88", "--json"],
                                   as: "sam", at: "2026-11-21T03:30:00Z"), "signoff.action-result/1")
        check.stdout(try store.run(["incident-reviews", "--all", "--json"], at: t0), "signoff.incident-review-list/1")
        check.stdout(try store.run(["revoke", etl[0], "-r", "the reconciliation moved to the warehouse", "--json"], as: "alice",
                                   at: t0), "signoff.action-result/1")
        check.stdout(try store.run(["trigger", "ticket_closed", "--ref", "OPS-1234", "--json"], as: "jira-importer", at: t0),
                     "signoff.trigger-result/1")
        check.stdout(try store.run(["expire", "--json"], as: "ops", at: "2026-11-25T00:00:00Z"), "signoff.sweep-result/1")
        check.stdout(try store.run(["handoff", "retry", "--json"], as: "ops"), "signoff.hand-off-retry/1")
        for name in try FileManager.default.contentsOfDirectory(atPath: outbox.path) {
            check.add(try String(contentsOf: outbox.appendingPathComponent(name), encoding: .utf8), "signoff.grant/1")
        }

        check.stdout(try store.run(["list", "--json"], at: t0), "signoff.request-list/1")
        check.stdout(try store.run(["list", "--jsonl"], at: t0), "signoff.request-summary/1", lines: true)
        check.stdout(try store.run(["list", "--json", "--state", "approved", "--state", "denied"], at: t0), "signoff.request-list/1")
        check.stdout(try store.run(["list", "--json", "--system", "billing-api"], at: t0), "signoff.request-list/1")
        for id in etl + [emergency] {
            check.stdout(try store.run(["show", id, "--json"], as: "dave", at: t0), "signoff.request/1")
        }
        check.stdout(try store.run(["audit", "head", "--json"]), "signoff.chain-head/1")
        check.stdout(try store.run(["audit", "export"]), "signoff.event/1", lines: true)
        check.stdout(try store.run(["audit", "export", "--request", etl[0]]), "signoff.event/1", lines: true)
        check.stdout(try store.run(["audit", "verify", "--json"]), "signoff.verify/1")

        // Failures: the error document on stderr, nothing on stdout.
        let bad = etlRequest.replacingOccurrences(of: "access: read", with: "access: sudo")
        let invalid = check.failure(try store.run(["submit", "-", "--json"], as: "alice", stdin: bad), status: 2, code: "bad_input")
        #expect(invalid["file"] as? String == "<stdin>" && invalid["line"] as? Int == 5 && invalid["column"] as? Int == 9,
                "\(invalid)")
        #expect(invalid["field"] as? String == "access", "\(invalid)")
        let own = try #require(ids(try store.run(["submit", "-", "--json"], as: "alice", stdin: etlRequest, at: t0)).first)
        let selfApproval = check.failure(try store.run(["approve", own, "--version", "1", "-r", rationale, "--json"], as: "alice"),
                                         status: 3, code: "refused")
        #expect(selfApproval["reason"] as? String == "self_approval" && selfApproval["recorded"] as? Bool == true)
        let unexplained = check.failure(try store.run(["approve", own, "--version", "1", "--json"], as: "dave"), status: 2, code: "bad_input")
        #expect(unexplained["field"] as? String == "--rationale", "\(unexplained)")
        let stale = check.failure(try store.run(["approve", own, "--version", "7", "-r", rationale, "--json"], as: "dave"),
                                  status: 4, code: "conflict")
        #expect(stale["reason"] as? String == "stale_version")
        let typo = check.failure(try store.run(["list", "--system", "paymnets-db", "--json"]), status: 2, code: "bad_input")
        #expect(typo["field"] as? String == "--system" && (typo["message"] as? String)?.contains("payments-db") == true, "\(typo)")
        let state = check.failure(try store.run(["list", "--state", "open", "--jsonl"]), status: 2, code: "bad_input")
        #expect(state["field"] as? String == "--state" && (state["message"] as? String)?.contains("timed_out") == true, "\(state)")
        // A bad value is quoted exactly in the document (escaped as JSON), and made safe on the terminal.
        let hostile = "x\u{1B}]0;owned\u{07}\u{202E}"
        for option in ["--state", "--system", "--requester"] {
            let quoted = check.failure(try store.run(["list", option, hostile, "--json"]), status: 2, code: "bad_input")
            #expect(quoted["field"] as? String == option && (quoted["message"] as? String)?.contains(hostile) == true, "\(quoted)")
            let text = try store.run(["list", option, hostile])
            #expect(text.status == 2 && text.stderr.hasPrefix("signoff: \(option) x") && !text.stderr.contains("Usage:"), "\(text.stderr)")
            #expect(!text.stderr.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x202E }, "\(text.stderr)")
        }
        let both = check.failure(try store.run(["list", "--json", "--jsonl"]), status: 2, code: "bad_input")
        #expect(both["field"] as? String == "--jsonl", "\(both)")
        // Every option at fault is the document's field: a value that cannot
        // be stored, one out of range, one ArgumentParser cannot read.
        for (arguments, option) in [(["approve", own, "--version", "1", "-r", "ok\u{1B}[2J go", "--json"], "--rationale"),
                                    (["list", "--limit", "0", "--json"], "--limit"),
                                    (["list", "--limit", "many", "--json"], "--limit"),
                                    (["policy", "test", policy, cases, "--json", "--bogus"], "--bogus")] {
            let located = check.failure(try store.run(arguments, as: "dave"), status: 2, code: "bad_input")
            #expect(located["field"] as? String == option, "\(arguments): \(located)")
        }
        // A rationale too short for the policy names the option it came from:
        // bad input for a review, a refusal (recorded) for a revocation.
        let short = try store.file("short.txt", "ok")
        let live = try #require(ids(try store.run(["submit", "-", "--json"], as: "alice", stdin: etlRequest, at: t0)).first)
        #expect(try store.run(["approve", live, "--version", "1", "-r", rationale], as: "dave", at: t0).status == 0)
        for (arguments, actor, status, option) in [(["approve", own, "--version", "1", "-r", "ok"], "dave", Int32(2), "--rationale"),
                                                   (["deny", own, "--version", "1", "--rationale-file", short], "dave", 2, "--rationale-file"),
                                                   (["revoke", live, "-r", "ok"], "alice", 3, "--rationale")] {
            let located = check.failure(try store.run(arguments + ["--json"], as: actor, at: t0), status: status,
                                        code: status == 2 ? "bad_input" : "refused")
            #expect(located["field"] as? String == option, "\(arguments): \(located)")
            #expect(status == 2 || located["reason"] as? String == "rationale_too_short", "\(arguments): \(located)")
        }
        // A file that cannot be read is named, with why, in the document's `file`.
        let missing = store.directory.appendingPathComponent("missing.yaml").path
        let unread = check.failure(try store.run(["submit", missing, "--json"], as: "alice"), status: 2, code: "bad_input")
        #expect(unread["file"] as? String == missing && (unread["message"] as? String)?.contains("does not exist") == true, "\(unread)")
        let directory = check.failure(try store.run(["submit", store.directory.path, "--json"], as: "alice"), status: 2, code: "bad_input")
        #expect((directory["message"] as? String)?.contains("is a directory") == true, "\(directory)")
        check.failure(try store.run(["show", "REQ-999", "--json"]), status: 2, code: "bad_input")
        check.failure(try store.run(["audit", "export", "--request", "REQ-999"]), status: 2, code: "bad_input")
        check.failure(try Signoff.run(["policy", "test", policy, cases, "--json", "--bogus"]), status: 2, code: "bad_input")
        check.stdout(try store.run(["settings", "--json"]), "signoff.settings/1")
        if TestBackend.current == .sqlite {  // the store file itself is changed
            // The settings as changed (last: --as is refused from then on).
            let stopped = try store.run(["settings", "--stop-trusting-asserted-identities", "--json"], as: "carol")
            check.stdout(stopped, "signoff.settings/1")
            let settings = try Signoff.json(stopped) as? [String: Any]
            #expect(settings?["changed"] as? Bool == true && settings?["trust_asserted_identities"] as? Bool == false
                    && settings?["file_mode"] as? String == "0600", "\(stopped.output)")
            #expect(try sqlite(store.path, "UPDATE requests SET state = 'approved' WHERE id = '\(own)'").status == 0)
            check.failure(try store.run(["audit", "verify", "--json"]), status: 6, code: "evidence_altered", output: "signoff.verify/1")
        }

        // Every document the contract names was seen, here or in the test named for it.
        let elsewhere = [
            "signoff.notification/1": "NotificationTests.everyNotificationDocumentValidatesAgainstItsSchema",
            "signoff.notification-digest/1": "NotificationTests.everyNotificationDocumentValidatesAgainstItsSchema",
            "signoff.notification-delivery/1": "inside notify-status/1 and request/1, NotificationTests",
            "signoff.notify-run/1": "NotificationTests.everyNotificationDocumentValidatesAgainstItsSchema",
            "signoff.notify-status/1": "NotificationTests.everyNotificationDocumentValidatesAgainstItsSchema",
            "signoff.notify-retry/1": "NotificationTests.everyNotificationDocumentValidatesAgainstItsSchema",
            "signoff.jira-check/1": "JiraImportTests.checkAsJSON",
            "signoff.jira-import/1": "JiraIntakeTests.ticketsBecomeRequestsAndDecisionsGoBack",
            "signoff.reconcile-run/1": "ReconcileTests.findingsAppearAreSeenAgainResolveAndComeBackUnderTheSameID",
            "signoff.drift/1": "ReconcileTests.findingsAppearAreSeenAgainResolveAndComeBackUnderTheSameID",
            "signoff.finding-exception/1": "FindingExceptionTests.exceptionsAreRefusedRecordedHonouredAndEnd",
            "signoff.finding-removal/1": "FindingOwnershipTests.aFindingSentForRemovalIsHandedOffAndResolvesOnlyWhenGone",
            "signoff.removal/1": "FindingOwnershipTests.aFindingSentForRemovalIsHandedOffAndResolvesOnlyWhenGone",
            "signoff.store-role-list/2": "PostgresAdministrationTests.initGrantRolesAndRevokeThroughTheBinary",
            "signoff.store-role/2": "PostgresAdministrationTests.initGrantRolesAndRevokeThroughTheBinary",
        ]
        // Each schema file's document and version, from its `$id` (`urn:signoff:request:1` is `signoff.request/1`).
        let schemas = Signoff.packageRoot.appendingPathComponent("schemas")
        let all = try FileManager.default.contentsOfDirectory(atPath: schemas.path)
            .filter { $0.hasSuffix(".schema.json") && $0 != "common.schema.json" }
            .map { file -> String in
                let schema = try JSONSerialization.jsonObject(with: Data(contentsOf: schemas.appendingPathComponent(file))) as? [String: Any]
                let parts = (schema?["$id"] as? String ?? "").split(separator: ":")
                guard parts.count == 4, parts[0] == "urn", parts[1] == "signoff" else { throw HarnessError("\(file): $id is not urn:signoff:NAME:VERSION") }
                return "signoff.\(parts[2])/\(parts[3])"
            }
        #expect(Set(elsewhere.keys).isSubset(of: Set(all)))
        let unseen = Set(all).subtracting(check.schemas).subtracting(elsewhere.keys)
        #expect(unseen.isEmpty, "never printed: \(unseen.sorted())")
        try check.validate()
    }

    /// The audit export's payloads are objects, and they are the evidence:
    /// serialised again with sorted keys and no spaces they give the bytes the
    /// hash covers, so anyone can check the chain from the export alone.
    @Test func theExportIsEnoughToRecomputeEveryHash() throws {
        let store = try TestStore()
        let hostile = etlRequest.replacingOccurrences(
            of: "purpose: Nightly reconciliation reads the ledger tables",
            with: "purpose: \"Ledger \\u202e dorp \\\" quote \\\\ back\\nline \\u00e9 \\U0001F600 \\ttab\"\nlabels: {team: \"pay\\u200bments\"}")
        let id = try store.submit(hostile, as: "alice")
        #expect(try store.run(["approve", id, "--version", "1", "-r", rationale], as: "dave").status == 0)
        let export = try store.run(["audit", "export"])
        #expect(export.status == 0, "\(export.output)")
        // Nothing a terminal acts on is written raw.
        // (Control characters are refused at the door; bidirectional and invisible ones are stored.)
        #expect(!export.stdout.unicodeScalars.contains { $0.value == 0x202E || $0.value == 0x200B || $0.value == 0x09 })
        let file = try store.file("export.jsonl", export.stdout)
        let script = #"""
        import hashlib, json, struct, sys
        previous = "0" * 64
        count = 0
        for line in open(sys.argv[1], encoding="utf-8"):
            event = json.loads(line)
            assert isinstance(event["payload"], dict), event
            payload = json.dumps(event["payload"], sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
            def field(text):
                data = text.encode()
                return struct.pack(">I", len(data)) + data
            data = previous.encode() + struct.pack(">qq", event["sequence"], event["at_ms"])
            data += field(event["actor"]) + field(event["authentication"]) + field(event["kind"])
            data += b"\x00" if event["request_id"] is None else b"\x01" + field(event["request_id"])
            data += struct.pack(">I", len(payload)) + payload
            if event["signature"] is not None:
                data += field(event["signature"]) + field(event["statement"])
            digest = hashlib.sha256(data).hexdigest()
            assert event["prev_hash"] == previous and digest == event["hash"], (event["sequence"], digest)
            previous = digest
            count += 1
        print(count)
        """#
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, file]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let printed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(Int(printed.trimmingCharacters(in: .whitespacesAndNewlines)) == export.stdout.split(separator: "\n").count)
        // And the exact value survives: the JSON escapes are the request's characters.
        let shown = try store.show(id)
        #expect(shown["purpose"] as? String == "Ledger \u{202E} dorp \" quote \\ back\nline é 😀 \ttab")
        #expect((shown["labels"] as? [String: String])?["team"] == "pay\u{200B}ments")
    }

    /// Lists stream, and a consumer never mistakes a failure for the end:
    /// JSON lines end after the last whole line, a JSON document stays
    /// unterminated, and the error document and a non-zero exit say why.
    @Test(.needsStoreFile) func aFailureMidStreamEndsWithTheErrorAndNoHalfLine() throws {
        let store = try TestStore()
        let many = "requests:\n" + (0..<600).map { index in
            "  - " + etlRequest.replacingOccurrences(of: "svc-ledger-etl", with: "svc-etl-\(index)")
                .split(separator: "\n").joined(separator: "\n    ")
        }.joined(separator: "\n")
        let submitted = try store.run(["submit", "-"], as: "alice", stdin: many)
        #expect(submitted.status == 0, "\(submitted.output.prefix(500))")
        #expect(try sqlite(store.path, "UPDATE requests SET state = 'bogus' WHERE id = 'REQ-500'").status == 0)

        let lines = try store.run(["list", "--jsonl"])
        #expect(lines.status == 5, "\(lines.stderr)")
        #expect(lines.stdout.hasSuffix("\n"))
        let written = lines.stdout.split(separator: "\n")
        #expect(written.count >= 1 && written.count < 499, "\(written.count) lines")
        #expect(written.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) != nil })
        let error = try #require(try JSONSerialization.jsonObject(with: Data(lines.stderr.utf8)) as? [String: Any])
        #expect((error["error"] as? [String: Any])?["code"] as? String == "store_error")
        #expect(lines.stderr.contains("REQ-500"))

        let document = try store.run(["list", "--json"])
        #expect(document.status == 5)
        #expect(document.stdout.hasPrefix("{\"schema\":\"signoff.request-list/1\",\"items\":["))
        #expect((try? JSONSerialization.jsonObject(with: Data(document.stdout.utf8))) == nil, "a cut document must not parse")

        let text = try store.run(["list"])
        #expect(text.status == 5 && text.stderr.hasPrefix("signoff: "), "\(text.stderr)")

        // Filters are checked against what exists; a real value that matches nothing is no error.
        let unknown = try store.run(["list", "--requester", "alcie"])
        #expect(unknown.status == 2 && unknown.stderr.contains("valid: ") && unknown.stderr.contains("alice"), "\(unknown.stderr)")
        #expect(try store.run(["list", "--requester", "bob", "--environment", "staging"]).stdout.contains("no requests match"))
        let limited = try store.run(["list", "--state", "pending", "--limit", "3", "--jsonl"])
        #expect(limited.stdout.split(separator: "\n").count == 3)
        let mine = try store.run(["list", "--routed-to-me", "--limit", "2", "--jsonl"], as: "dave")
        #expect(mine.status == 0 && mine.stdout.split(separator: "\n").count == 2, "\(mine.output)")
    }
}
