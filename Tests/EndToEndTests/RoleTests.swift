import Foundation
import Testing

/// Roles in the policy, checked for every command, through the binary.
@Suite("Roles, end to end", .serialized)
struct RoleEndToEndTests {
    /// The `action_refused` events of the store, as (actor, action, reason).
    func refusals(_ store: TestStore) throws -> [(actor: String, action: String, reason: String, request: String?)] {
        try store.run(["audit", "export"]).stdout.split(separator: "\n").compactMap { line in
            guard let event = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  event["kind"] as? String == "action_refused",
                  let payload = event["payload"] as? [String: Any]
            else { return nil }
            return (event["actor"] as? String ?? "", payload["action"] as? String ?? "", payload["reason"] as? String ?? "",
                    event["request_id"] as? String)
        }
    }

    @Test func theFirstPolicyIsAppliedByTheAccountThatCreatedTheStore() throws {
        let store = try TestStore(policy: nil)
        let refused = try store.run(["policy", "apply", Signoff.example("policy.yaml")], as: "carol")
        #expect(refused.status == 3, "\(refused.output)")
        #expect(refused.stderr.contains("only the account that created the store"), "\(refused.stderr)")
        #expect(try refusals(store).map(\.action) == ["apply_policy"])
        let applied = try store.run(["policy", "apply", Signoff.example("policy.yaml")])
        #expect(applied.status == 0, "\(applied.output)")
    }

    /// Every administrative command, by someone the policy does not allow:
    /// refused (exit 3), recorded, and nothing else changes.
    @Test func everyAdministrativeCommandIsRefusedForANonAdministratorAndRecorded() throws {
        let store = try TestStore()
        let id = try store.submit(etlRequest, as: "alice")
        #expect(try store.run(["approve", id, "--version", "1", "-r", rationale], as: "dave").status == 0)
        let folder = store.directory.appendingPathComponent("alices-box")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let policy = try store.file("p2.yaml", try String(contentsOfFile: Signoff.example("policy.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "policy: acme-prod-access", with: "policy: alice-rules"))
        // An export that shows an unapproved account: recorded, it would open a finding.
        let export = try store.file("export.jsonl", ReconcileTests.line("svc-rogue", id: "pg-9", at: "2026-11-21T04:00:00Z") + "\n")
        let attempts: [(arguments: [String], action: String)] = [
            (["policy", "apply", policy], "apply_policy"),
            (["handoff", "--outbox", folder.path], "configure_hand_off"),
            (["handoff", "--command", "cat > /dev/null"], "configure_hand_off"),
            (["handoff", "--off"], "configure_hand_off"),
            (["settings", "--stop-trusting-asserted-identities"], "change_settings"),
            (["settings", "--no-share-group"], "change_settings"),
            (["provisioned", id, "--note", "done, honest"], "report_provisioning"),
            (["provisioning-failed", id, "--reason", "it broke"], "report_provisioning"),
            (["trigger", "ticket_closed", "--ref", "OPS-1234"], "fire_trigger"),
            (["revoke", id, "-r", "I just do not like this grant at all"], "revoke"),
            (["reconcile", "generic", export, "--covers", "payments-db/production"], "reconcile"),
        ]
        let head = try store.run(["audit", "head"]).stdout
        for (arguments, _) in attempts {
            let result = try store.run(arguments, as: "uma")
            #expect(result.status == 3, "\(arguments): \(result.output)")
            #expect(result.stderr.contains("uma may not"), "\(arguments): \(result.stderr)")
        }
        let recorded = try refusals(store)
        #expect(recorded.map(\.action) == attempts.map(\.action), "\(recorded)")
        #expect(recorded.allSatisfy { $0.actor == "uma" && $0.reason == "not_eligible" })
        #expect(recorded.filter { $0.action == "report_provisioning" || $0.action == "revoke" }.allSatisfy { $0.request == id })
        #expect(try store.run(["audit", "head"]).stdout != head, "the refusals are in the chain")
        // Nothing but the refusals changed.
        let shown = try store.show(id)
        #expect((shown["grant"] as? [String: Any])?["state"] as? String == "active")
        #expect(try store.run(["handoff"]).stdout.contains("hand-off: none"))
        #expect(try store.run(["drift", "--all"]).stdout.contains("no run has covered it"), "no reconciliation run was recorded")
        #expect(try store.run(["audit", "verify"]).status == 0)
        // The roles' holders may.
        #expect(try store.run(["provisioned", id, "--note", "CHG-1"], as: "ops").status == 0)
        #expect(try store.run(["trigger", "ticket_closed", "--ref", "OPS-1234"], as: "jira-importer").stdout.contains("revoked 1 grant"))
        #expect(try store.run(["settings", "--stop-trusting-asserted-identities"], as: "carol").status == 0)
        let settings = try Signoff.run(["settings", "--store", store.path])
        #expect(settings.stdout.contains("trusts asserted identities (--as): no"), "\(settings.output)")
        #expect(try store.run(["list"], as: "carol").status == 5, "--as is refused from now on")
        #expect(try store.run(["audit", "verify"]).status == 0)
    }

    @Test func managersAndSecurityMayRevokeTheirReportsAndAnyGrant() throws {
        let store = try TestStore()
        var grants: [String] = []
        for _ in 0..<2 {
            let id = try store.submit(etlRequest, as: "alice")
            #expect(try store.run(["approve", id, "--version", "1", "-r", rationale], as: "dave").status == 0)
            grants.append(id)
        }
        // carol manages alice; sam holds the security role (revoke_any_grant).
        #expect(try store.run(["revoke", grants[0], "-r", "Alice moved teams; access no longer needed"], as: "carol").status == 0)
        #expect(try store.run(["revoke", grants[1], "-r", "Security review found it unused for weeks"], as: "sam").status == 0)
    }

    /// Whether the footer shows `key hint` in the style of an action on
    /// offer (that of `? help`, always offered) rather than dimmed.
    func offers(_ tmux: TmuxSession, _ key: String, _ hint: String) throws -> Bool {
        let footer = try tmux.screen(escapes: true).split(separator: "\n").last.map(String.init) ?? ""
        /// The attributes a key is drawn with: every SGR sequence of the
        /// footer up to it, applied in turn (tmux may write one change as
        /// `0;1` where another run wrote `1`).
        func style(_ key: String, _ hint: String) -> Set<String>? {
            let pattern = NSRegularExpression.escapedPattern(for: key) + #"(?:\x1B\[[0-9;]*m)* "# + hint
            let expression = try? NSRegularExpression(pattern: pattern)
            guard let match = expression?.firstMatch(in: footer, range: NSRange(footer.startIndex..., in: footer)),
                  let range = Range(match.range, in: footer) else { return nil }
            let sgr = try? NSRegularExpression(pattern: #"\x1B\[([0-9;]*)m"#)
            let before = String(footer[..<range.lowerBound])
            var attributes: Set<String> = []
            for found in sgr?.matches(in: before, range: NSRange(before.startIndex..., in: before)) ?? [] {
                let parameters = Range(found.range(at: 1), in: before).map { before[$0] } ?? ""
                for parameter in parameters.split(separator: ";", omittingEmptySubsequences: false).map(String.init) {
                    switch parameter {
                    case "", "0": attributes = []
                    case "22": attributes.subtract(["1", "2"])
                    case "39": attributes = attributes.filter { !($0.hasPrefix("3") && $0.count == 2) && !$0.hasPrefix("9") }
                    case "49": attributes = attributes.filter { !($0.hasPrefix("4") && $0.count == 2) && !$0.hasPrefix("10") }
                    default: attributes.insert(parameter)
                    }
                }
            }
            return attributes
        }
        let help = style("?", "help"), asked = style(key, hint)
        #expect(help != nil && asked != nil, "the footer shows no \(key) \(hint): \(footer)")
        return asked == help
    }

    /// The console offers approving and denying only to whoever may: to
    /// anyone else the keys are shown dimmed, and pressing one says why not
    /// before any rationale panel opens. (Revoking: `ConsoleTests.someoneWhoMayNotRevokeIsToldBeforeTyping`.)
    @Test func theConsoleOffersADecisionOnlyToWhoeverMayTakeIt() throws {
        let store = try TestStore()
        let id = try store.submit(etlRequest, as: "alice")
        // alice requested it; quinn owns nothing it touches.
        for (person, why) in [("alice", "alice requested \(id) and may not review it"), ("quinn", "not an owner of payments-db")] {
            let tmux = try TmuxSession(command: [Signoff.binary.path, "--store", store.path, "--as", person], width: 200, height: 50,
                                       environment: store.environment())
            try tmux.waitFor("My queue 0")
            try tmux.send("2")
            let detail = try tmux.waitFor("you may not decide")
            #expect(detail.contains(id))
            #expect(try !offers(tmux, "a", "approve") && !offers(tmux, "d", "deny"), "a decision is offered to \(person)")
            for key in ["a", "d"] {
                try tmux.send(key)
                let screen = try tmux.waitFor("\(key == "a" ? "approve" : "deny"): \(why)")
                #expect(!screen.contains("Ctrl-s submit"), "\(person) got a rationale panel")
            }
            try tmux.send("q")
        }
        // An owner is offered both, and the panel opens.
        let dave = try TmuxSession(command: [Signoff.binary.path, "--store", store.path, "--as", "dave"], width: 200, height: 50,
                                   environment: store.environment())
        try dave.waitFor("My queue 1")
        try dave.waitFor("you may decide this request now")
        #expect(try offers(dave, "a", "approve") && offers(dave, "d", "deny"), "a decision is not offered to an owner")
        try dave.send("a")
        try dave.waitFor("Ctrl-s submit")
        try dave.send("Escape")
        let kinds = (try store.show(id)["timeline"] as? [[String: Any]])?.compactMap { $0["kind"] as? String } ?? []
        #expect(!kinds.contains("review_refused") && !kinds.contains("action_refused"), "nothing was attempted: \(kinds)")
        #expect(try store.show(id)["state"] as? String == "pending")
    }

    /// Completing a post-incident review likewise: while the emergency
    /// access lasts nobody is offered it; then the approver of the
    /// emergency access sees the key dimmed and is told why; a reviewer gets the panel.
    @Test func theConsoleOffersCompletingAReviewOnlyToAReviewer() throws {
        let store = try TestStore()
        let t0 = "2026-11-21T03:00:00Z"  // bob is on call
        let emergency = try store.submit(emergencyRequest, as: "grace", at: t0)
        #expect(try store.run(["approve", emergency, "--version", "1", "-r", "Pods are down, cordon approved"], as: "bob", at: t0).status == 0)
        let live = "review: the emergency access of \(emergency) is active until 2026-11-21T04:00:00Z"
        for (person, at, refusal) in [("sam", "2026-11-21T03:30:00Z", live as String?),
                                      ("bob", "2026-11-21T05:00:00Z", "review: bob approved the access and may not review the incident"),
                                      ("sam", "2026-11-21T05:00:00Z", nil)] {
            if person == "bob" {
                // The access has ended: swept at its expiry.
                let swept = try store.run(["expire", "--json"], as: "ops", at: "2026-11-21T04:30:00Z")
                #expect((try Signoff.json(swept) as? [String: Any])?["expired"] as? [String] == [emergency], "\(swept.output)")
            }
            let tmux = try TmuxSession(command: [Signoff.binary.path, "--store", store.path, "--as", person], width: 200, height: 50,
                                       environment: store.environment().merging(["SIGNOFF_NOW": at]) { $1 })
            try tmux.waitFor("My queue")
            try tmux.send("3")
            try tmux.waitFor("Payments pods crash-looping")
            try tmux.send("G")
            try tmux.waitFor("Post-incident review")
            try waitUntil { try !tmux.screen().contains("loading details") }
            #expect(try offers(tmux, "c", "review") == (refusal == nil), "\(person) at \(at)")
            try tmux.send("c")
            if let refusal {
                let screen = try tmux.waitFor(refusal)
                #expect(!screen.contains("Ctrl-s submit"), "\(person) got a rationale panel")
            } else {
                try tmux.waitFor("Ctrl-s submit")
                try tmux.send("Escape")
            }
            try tmux.send("q")
        }
        let kinds = (try store.show(emergency)["timeline"] as? [[String: Any]])?.compactMap { $0["kind"] as? String } ?? []
        #expect(!kinds.contains("action_refused") && !kinds.contains("incident_review_completed"), "nothing was attempted: \(kinds)")
    }
}
