import Foundation
import Testing

/// Input from strangers: request files, policy files, arguments, names. None
/// of it may reach a terminal raw on any command's error path, and text the
/// store cannot carry exactly is refused at the door.
@Suite("Hostile input", .serialized)
struct HostileInputTests {
    /// Sets the window title (OSC 0 and 2), writes the clipboard (OSC 52, "pwned"
    /// in base64), clears the screen, turns text red (CSI and C1 CSI), reverses
    /// the text that follows (bidi override), and hides in invisible characters.
    static let hostile = "\u{1B}]0;pwned-title\u{07}\u{1B}]2;pwned-title\u{1B}\\\u{1B}]52;c;cHduZWQ=\u{07}\u{1B}[2J\u{1B}[31mRED\u{9B}32mGREEN\u{9D}0;c1-title\u{9C}\u{202E}txt.exe\u{200B}\u{3164}\u{115F}"

    /// The same, as escapes inside a double-quoted YAML scalar.
    static let hostileYAML = #"\e]0;pwned-title\a\e]52;c;cHduZWQ=\a\e[2J\e[31mRED\x9b32mGREEN\u202Etxt\u200B\u3164"#

    /// Commands that report refused input without failing (a check prints
    /// what it would do); their report still quotes the hostile text.
    static let reportsWithoutFailing: Set<String> = ["import jira --check"]

    /// One argument list per command (and per file-reading path), each
    /// reaching an error that quotes the hostile text.
    func corpus(_ store: TestStore) throws -> [(name: String, arguments: [String])] {
        let h = Self.hostile
        let s = ["--store", store.path]
        let request = try store.file("hostile-request.yaml", etlRequest
            .replacingOccurrences(of: "system: payments-db", with: "system: \"\(Self.hostileYAML)\"")
            + "\n\"\(Self.hostileYAML)\": unknown key\nlabels: {\"\(Self.hostileYAML)\": v}")
        let unknownValue = try store.file("hostile-value.yaml", etlRequest
            .replacingOccurrences(of: "access: read", with: "access: \"x\(Self.hostileYAML.replacingOccurrences(of: "\\e", with: "").replacingOccurrences(of: "\\a", with: ""))\""))
        let policy = try store.file("hostile-policy.yaml", """
            policy: "\(Self.hostileYAML)"
            directory: {people: {alice: {}}}
            catalogue:
              db: {owners: [alice], environments: [prod], entitlements: [read], max_duration: 1d}
            route:
              - {name: "r", when: {system: "nope\(Self.hostileYAML)"}, steps: [{approvers: owners, count: 1}]}
            "\(Self.hostileYAML)": 1
            """)
        let cases = try store.file("hostile-cases.yaml", "cases:\n  - {name: \"\(Self.hostileYAML)\", request: {}, expect: {}}\n")
        let rationaleFile = try store.file("hostile-rationale.txt", "fine reasons here, but then " + h)
        // An export whose values carry the escapes as JSON escapes (valid JSON, hostile text).
        let jsonEscaped = "\\u001b]0;pwned-title\\u0007\\u001b]52;c;cHduZWQ=\\u0007\\u001b[31mRED\\u009b32mGREEN\\u202etxt\\u200b\\u3164"
        let export = try store.file("hostile-export.jsonl", ReconcileTests.line("svc-\(jsonEscaped)", id: "pg-1", at: "2026-11-21T04:00:00Z")
            .replacingOccurrences(of: "\"entitlement\": \"read_replica\"", with: "\"entitlement\": \"\(jsonEscaped)\"") + "\n")
        let ticket = try store.file("hostile-ticket.json", """
            {"key": "OPS-1", "fields": {"summary": "s", "description": "\(jsonEscaped)", "reporter": {"accountId": "\(jsonEscaped)"},
             "customfield_10073": {"value": "\(jsonEscaped)"}}}
            """)
        let mapping = try store.file("hostile-mapping.yaml", """
            jira: {deployment: cloud}
            request:
              system: {field: customfield_10073, values: {"1": payments-db}}
              purpose: description
              duration: {value: 8h}
            """)
        let hostileMapping = try store.file("hostile-mapping-key.yaml", "request:\n  \"\(Self.hostileYAML)\": x\n")
        return [
            ("unknown command", [h] + s),
            ("console", s + ["--as", "dave", "--theme", h]),
            ("demo", ["demo", "--no-console", "--store", store.directory.appendingPathComponent(h).path, "--requests", h]),
            ("init", ["init", "--store", store.directory.appendingPathComponent("new.sqlite").path, "--share-group", h]),
            ("submit", ["submit", request] + s + ["--as", "alice"]),
            ("submit, unknown value", ["submit", unknownValue] + s + ["--as", "alice"]),
            ("submit --dry-run", ["submit", "--dry-run", request] + s + ["--as", "alice"]),
            ("submit, missing file", ["submit", store.directory.appendingPathComponent(h).path] + s + ["--as", "alice"]),
            ("list", ["list", "--state", h] + s),
            ("show", ["show", h] + s),
            ("approve", ["approve", h, "--version", "1", "-r", rationale] + s + ["--as", "dave"]),
            ("approve, rationale file", ["approve", "REQ-1", "--version", "1", "--rationale-file", rationaleFile] + s + ["--as", "dave"]),
            ("deny", ["deny", h, "--version", "1", "-r", h] + s + ["--as", "dave"]),
            ("withdraw", ["withdraw", h] + s + ["--as", "alice"]),
            ("wait", ["wait", h, "--timeout", h] + s),
            ("grants", ["grants", "--expiring-within", h] + s),
            ("expire", ["expire", "--\(h)"] + s),
            ("revoke", ["revoke", h, "-r", rationale] + s + ["--as", "dave"]),
            ("trigger", ["trigger", "ticket_closed", "--ref", h] + s + ["--as", "dave"]),
            ("extend", ["extend", h, "--by", h] + s + ["--as", "alice"]),
            ("self-activate", ["self-activate", h, "-r", rationale] + s + ["--as", "alice"]),
            ("incident-reviews", ["incident-reviews", "--\(h)"] + s),
            ("review-incident", ["review-incident", h, "-r", rationale] + s + ["--as", "sam"]),
            ("provisioned", ["provisioned", h, "--note", "n"] + s),
            ("provisioning-failed", ["provisioning-failed", h, "--reason", h] + s),
            ("handoff", ["handoff", "--outbox", h] + s),
            ("handoff --command", ["handoff", "--command", h] + s),
            ("handoff retry", ["handoff", "retry", h] + s),
            ("policy apply", ["policy", "apply", policy] + s),
            ("policy check", ["policy", "check", policy]),
            ("policy test", ["policy", "test", Signoff.example("policy.yaml"), cases]),
            ("policy explain", ["policy", "explain", h] + s),
            ("policy explain --file", ["policy", "explain", "--file", request, "--policy", Signoff.example("policy.yaml")]),
            ("audit verify", ["audit", "verify", "--anchor", h] + s),
            ("audit head", ["audit", "head", "--store", store.directory.appendingPathComponent(h).path]),
            ("audit export", ["audit", "export", "--request", h] + s),
            ("audit export --format", ["audit", "export", "--format", h] + s),
            ("--as", ["list", "--as", h] + s),
            ("settings", ["settings", "--share-group", h] + s),
            ("settings, store", ["settings", "--store", store.directory.appendingPathComponent(h).path]),
            ("reconcile, source", ["reconcile", h, export] + s + ["--as", "ops"]),
            ("reconcile, export", ["reconcile", "generic", export, "--covers", "payments-db/production"] + s + ["--as", "ops"]),
            ("reconcile --covers", ["reconcile", "generic", export, "--covers", h] + s + ["--as", "ops"]),
            ("drift", ["drift", "--store", store.directory.appendingPathComponent(h).path]),
            ("drift, option", ["drift", "--\(h)"] + s),
            ("notify run", ["notify", "run", "--timeout", h] + s),
            ("notify status", ["notify", "status", "--store", store.directory.appendingPathComponent(h).path]),
            ("notify retry", ["notify", "retry", h] + s),
            ("notify trust", ["notify", "trust", h] + s),
            ("import jira --check", ["import", "jira", "--check", "--mapping", mapping, ticket] + s),
            ("import jira", ["import", "jira", "--mapping", mapping, ticket] + s + ["--as", "jira-importer"]),
            ("import jira, mapping", ["import", "jira", "--check", "--mapping", hostileMapping, ticket] + s),
            ("import jira, --jql", ["import", "jira", "--check", "--mapping", mapping, "--url", h] + s),
            ("store grant", ["store", "grant", h, "--person", h] + s),
            ("store revoke", ["store", "revoke", h] + s),
            ("store roles", ["store", "roles", "--\(h)"] + s),
        ]
    }

    @Test func theCorpusReachesNoTerminalThroughAnyCommandsErrorPath() throws {
        let store = try TestStore()
        _ = try store.submit(etlRequest, as: "alice")
        let corpus = try corpus(store)
        let tmux = try TmuxSession(command: ["sh", "-c", "echo ready; sleep 600"], width: 250, height: 60)
        try tmux.tmux(["set-option", "-g", "set-clipboard", "on"])
        try tmux.waitFor("ready")
        var seen: Set<String> = []
        for (index, (name, arguments)) in corpus.enumerated() {
            let window = "w\(index)"
            let line = "env LANG=C.UTF-8 LC_ALL=C.UTF-8 " + ([Signoff.binary.path] + arguments).map(TmuxSession.quote).joined(separator: " ")
                + "; status=$?; echo; echo \"EXIT=$status\"; sleep 600"
            try tmux.tmux(["new-window", "-d", "-n", window, "-t", tmux.name, "sh", "-c", line])
            let target = "\(tmux.name):\(window)"
            let deadline = Date().addingTimeInterval(30)
            var screen = ""
            while Date() < deadline {
                screen = try tmux.tmux(["capture-pane", "-p", "-t", target])
                if screen.contains("EXIT=") { break }
                Thread.sleep(forTimeInterval: 0.05)
            }
            #expect(screen.contains("EXIT="), "\(name) never finished: \(screen)")
            #expect(!screen.contains("EXIT=0") || Self.reportsWithoutFailing.contains(name),
                    "\(name) succeeded: it was meant to fail on hostile input\n\(screen)")
            let title = try tmux.tmux(["display-message", "-p", "-t", target, "#{pane_title}"])
            #expect(!title.contains("pwned") && !title.contains("c1-title"), "\(name) set the terminal title: \(title)")
            let escaped = try tmux.tmux(["capture-pane", "-p", "-e", "-t", target])
            #expect(!escaped.contains("\u{1B}[31m") && !escaped.contains("\u{1B}[32m") && !escaped.contains("\u{1B}[38;"),
                    "\(name) coloured the terminal:\n\(escaped)")
            #expect(!escaped.unicodeScalars.contains { $0.value == 0x202E || $0.value == 0x9B || $0.value == 0x200B || $0.value == 0x3164 },
                    "\(name) wrote invisible or bidi characters raw")
            let signoff = screen.components(separatedBy: "EXIT=")[0]
            #expect(!signoff.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || name == "console",
                    "\(name) said nothing: the test did not reach an error")
            if signoff.contains("␛") || signoff.contains("�") || signoff.contains("U+001B") { seen.insert(name) }
            try tmux.tmux(["kill-window", "-t", target])
        }
        let buffers = try tmux.tmux(["list-buffers"])
        #expect(buffers.isEmpty, "a command wrote the clipboard (OSC 52): \(buffers)")
        // Most errors quote the input (as placeholders); a few only name the option it came in.
        #expect(seen.count >= corpus.count / 2, "only \(seen.sorted()) showed the hostile text as placeholders")
    }

    /// Issue 11, finding 1: a NUL in a field or a rationale is refused with
    /// its position, nothing is written, and verify stays clean.
    @Test func nulIsRefusedAtTheDoorAndVerifyStaysClean() throws {
        let store = try TestStore()
        let id = try store.submit(etlRequest, as: "alice")
        let head = try store.run(["audit", "head"]).stdout
        for (field, line) in [("purpose", 6), ("ticket", 9)] {
            let poisoned = etlRequest.replacingOccurrences(
                of: field == "purpose" ? "purpose: Nightly reconciliation reads the ledger tables" : "ticket: OPS-1234",
                with: field == "purpose" ? "purpose: \"Night\\0ly\"" : "ticket: \"OPS\\0-1234\"")
            let result = try store.run(["submit", "-"], as: "alice", stdin: poisoned)
            #expect(result.status == 2, "\(result.output)")
            #expect(result.stderr.contains("<stdin>:\(line):"), "\(result.stderr)")
            #expect(result.stderr.contains("\(field): holds U+0000 (NUL)"), "\(result.stderr)")
        }
        let file = try store.file("why.txt", "The ledger read is needed\nfor the audit,\0 really")
        let refused = try store.run(["approve", id, "--version", "1", "--rationale-file", file], as: "dave")
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("why.txt:2:15: holds U+0000 (NUL)"), "\(refused.stderr)")
        let escape = try store.run(["approve", id, "--version", "1", "-r", "fine reasons here \u{1B}[2J really"], as: "dave")
        #expect(escape.status == 2 && escape.stderr.contains("--rationale:1:19: holds U+001B"), "\(escape.stderr)")
        #expect(try store.run(["audit", "head"]).stdout == head, "nothing was written")
        let verify = try store.run(["audit", "verify"])
        #expect(verify.status == 0, "\(verify.output)")
    }

    /// An input larger than signoff reads from one file or from standard
    /// input (a gigabyte) is refused, naming it, before it fills the memory:
    /// a file by its size, standard input once that much has come; nothing is recorded.
    @Test func anInputTooLargeToReadIsRefused() throws {
        let store = try TestStore()
        let head = try store.run(["audit", "head"]).stdout
        let huge = try store.file("huge.yaml", "")
        let handle = try #require(FileHandle(forWritingAtPath: huge))
        try handle.truncate(atOffset: UInt64(1 << 30) + 1)
        try handle.close()
        for arguments in [["submit", huge], ["policy", "check", huge], ["reconcile", "generic", huge]] {
            let result = arguments[0] == "policy" ? try Signoff.run(arguments) : try store.run(arguments, as: "alice")
            #expect(result.status == 2, "\(arguments): \(result.output)")
            #expect(result.stderr.contains("huge.yaml: holds more than 1024 MiB"), "\(arguments): \(result.stderr)")
        }
        // Redirected from the file, and through a pipe, which says no size: read up to the limit.
        for shell in ["exec \"$0\" submit - --store \"$1\" --as alice < \"$2\"", "cat \"$2\" | \"$0\" submit - --store \"$1\" --as alice"] {
            let piped = try Signoff.runProgram("/bin/sh", ["-c", shell, Signoff.binary.path, store.path, huge],
                                               environment: store.environment(), unsetting: ["SIGNOFF_STORE"])
            #expect(piped.status == 2, "\(shell): \(piped.output)")
            #expect(piped.stderr.contains("<stdin>: holds more than 1024 MiB"), "\(shell): \(piped.stderr)")
        }
        #expect(try store.run(["audit", "head"]).stdout == head, "nothing was written")
    }

    /// An argument whose bytes are not UTF-8 (a rationale, an `--as` name) is
    /// refused, naming it, not recorded with the bytes replaced by U+FFFD.
    @Test func anArgumentThatIsNotUTF8IsRefused() throws {
        let store = try TestStore()
        let id = try store.submit(etlRequest, as: "alice")
        let head = try store.run(["audit", "head"]).stdout
        for (shell, option) in [
            ("exec \"$0\" deny \"$2\" --version 1 --rationale \"$(printf 'Not needed in prod \\377\\376 right now, sorry')\" --store \"$1\" --as victor", "--rationale"),
            ("exec \"$0\" withdraw \"$2\" --store \"$1\" --as \"$(printf 'x\\377y')\" --json", "--as"),
        ] {
            let result = try Signoff.runProgram("/bin/sh", ["-c", shell, Signoff.binary.path, store.path, id],
                                                environment: store.environment(), unsetting: ["SIGNOFF_STORE"])
            #expect(result.status == 2, "\(result.output)")
            #expect(result.stderr.contains("(the value of \(option)) is not valid UTF-8 (byte offset"), "\(result.stderr)")
            #expect(!result.stderr.unicodeScalars.contains("\u{FFFD}"))
        }
        #expect(try store.run(["audit", "head"]).stdout == head, "nothing was recorded")
    }

    /// Patterns run in linear time: `(a+)+b` over a long purpose answers at
    /// once instead of holding the store's write lock for minutes.
    @Test func aCatastrophicPatternAnswersAtOnce() throws {
        let store = try TestStore(policy: nil)
        let policy = try String(contentsOfFile: Signoff.example("policy.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "deny:\n", with: "deny:\n  - {name: catastrophic, when: {purpose: {matches: \"(a+)+b\"}}, reason: never}\n")
        let path = try store.file("p.yaml", policy)
        let applied = try store.run(["policy", "apply", path])
        #expect(applied.status == 0, "\(applied.output)")
        let long = etlRequest.replacingOccurrences(of: "purpose: Nightly reconciliation reads the ledger tables",
                                                   with: "purpose: " + String(repeating: "a", count: 3_900))
        let started = Date()
        let result = try store.run(["submit", "-", "--json"], as: "alice", stdin: long)
        #expect(result.status == 0, "\(result.output)")
        // Not a benchmark: a backtracking matcher would take longer than the universe.
        #expect(Date().timeIntervalSince(started) < 60)
        let refused = try Signoff.run(["policy", "check", try store.file("bad.yaml", policy.replacingOccurrences(of: "(a+)+b", with: "(a)\\\\1"))])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("backreferences"), "\(refused.stderr)")
    }

    /// A name canonically equivalent to the policy's but other bytes (KELVIN
    /// SIGN for K, a decomposed accent) is bad input naming the field, never a
    /// request that displays as one system and is compared as another.
    @Test func aNameSpeltOtherwiseThanThePolicyIsBadInput() throws {
        let store = try TestStore(policy: nil)
        let policy = """
            policy: exact
            directory:
              people: [root, dave, frank, sam, "Jos\\u00E9"]
            catalogue:
              Kafka: {owners: [dave, frank], environments: [production], entitlements: [consume, admin], max_duration: 30d}
            deny:
              - {name: no-ai-agents-on-kafka, when: {system: {like: "Kafka*"}, subject.kind: ai_agent}, reason: AI agents never touch Kafka}
            route:
              - {name: everything-else, when: {environment: production}, steps: [{approvers: owners, count: 1}]}
            """
        let applied = try store.run(["policy", "apply", try store.file("p.yaml", policy)])
        #expect(applied.status == 0, "\(applied.output)")
        let head = try store.run(["audit", "head"]).stdout
        func request(system: String, owner: String) -> String {
            "subject: {kind: ai_agent, name: bot-1, owner: \"\(owner)\"}\nsystem: \"\(system)\"\nenvironment: production\nentitlement: admin\naccess: admin\npurpose: Agent needs to administer topics for migration\nduration: 8h\n"
        }
        let kelvin = try store.run(["submit", try store.file("k.yaml", request(system: "\\u212Aafka", owner: "dave"))], as: "root")
        #expect(kelvin.status == 2, "\(kelvin.output)")
        #expect(kelvin.stderr.contains("k.yaml:2:9: system: \"\\u{212A}afka\" is not spelt as in the policy catalogue, which has \"Kafka\""), "\(kelvin.stderr)")
        let accent = try store.run(["submit", try store.file("a.yaml", request(system: "Kafka", owner: "Jose\\u0301"))], as: "root")
        #expect(accent.status == 2, "\(accent.output)")
        #expect(accent.stderr.contains("a.yaml:1:") && accent.stderr.contains("subject.owner:")
                && accent.stderr.contains("\"Jos\\u{00E9}\""), "\(accent.stderr)")
        #expect(try store.run(["audit", "head"]).stdout == head, "nothing was written")
        // The policy's own spelling is submitted, and the like: rule denies it.
        let plain = try store.run(["submit", try store.file("p.yaml", request(system: "Kafka", owner: "Jos\\u00E9"))], as: "root")
        #expect(plain.status == 0, "\(plain.output)")
        #expect(plain.stdout.contains("no-ai-agents-on-kafka"), "\(plain.stdout)")
    }

    /// An alias bomb is refused at its first anchor, at once.
    @Test func anAliasBombIsRefused() throws {
        var levels = ["&c0 {environment: production}"]
        for level in 1...8 {
            levels.append("&c\(level) {any: [\(levels[level - 1]), " + Array(repeating: "*c\(level - 1)", count: 9).joined(separator: ", ") + "]}")
        }
        let source = try String(contentsOfFile: Signoff.example("policy.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "deny:\n", with: "deny:\n  - name: bomb\n    when: \(levels.last!)\n    reason: never\n")
        let store = try TestStore(policy: nil)
        let checked = try Signoff.run(["policy", "check", try store.file("bomb.yaml", source)])
        #expect(checked.status == 2, "\(checked.output)")
        #expect(checked.stderr.contains("sets a YAML anchor (&name), which signoff does not accept"), "\(checked.stderr)")
    }
}
