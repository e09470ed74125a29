import Foundation
import SignoffCore
import Testing

/// Every action the policy may require signed, through the real binary: each
/// one first without an agent and then with someone else's key (refused, exit
/// 3, nothing recorded but the refusal), then through the person's own agent
/// (recorded, signed with their key over the statement of what they did), and
/// `audit verify` holds the whole chain afterwards.
@Suite("Every signed action, end to end") struct SignedActionTests {
    /// dave may raise and self-activate break-glass requests and administers
    /// the store; erin reviews incidents, reports provisioning, accepts
    /// findings as exceptions and sends them for removal; alice (no key)
    /// records reconciliation runs.
    static let extra = """
        break_glass:
          raised_by: [person:dave]
          max_duration: 4h
          incident_required: true
          post_incident_review: {reviewers: person:erin, within: 72h}
          self_activation: {allowed: [person:dave], after: 15m}
        roles:
          administrators:
            members: [person:dave]
            may: [apply_policy, configure_hand_off, change_settings]
          provisioning:
            members: [person:erin]
            may: [report_provisioning]
          reconciliation:
            members: [person:alice]
            may: [reconcile]
          security:
            members: [person:erin]
            may: [except_finding, request_removal]
        """

    static let breakGlass = SigningLab.request.replacingOccurrences(of: "duration: 8h", with: """
        duration: 1h
        break_glass: true
        incident: INC-2041
        """)

    /// One action as its actor takes it.
    struct Step {
        var label: String
        var person: String
        var arguments: [String]
        var stdin: String?
        /// The action the statement names, and the event it signs.
        var action: SignedAction
        var kind: String
        /// The event a refused attempt records.
        var refusal: String
        /// Minutes after the lab's start the step is taken.
        var minute: Int
    }

    static func time(_ minute: Int) -> String {
        Timestamp.format(Date(timeIntervalSince1970: 1_798_761_600 + Double(minute) * 60))  // 2027-01-01T00:00:00Z + minutes
    }

    /// Refused without an agent, refused with the other person's key file,
    /// then signed through the agent; returns the signed step's output.
    @discardableResult
    func take(_ step: Step, in lab: SigningLab) throws -> Signoff.Result {
        let other = step.person == "dave" ? lab.erin.path : lab.dave.path
        let at = Self.time(step.minute)
        for (how, agent, keyFile, says) in [("no agent", false, nil as String?, "SSH_AUTH_SOCK is not set"),
                                            ("another's key", false, other, "is not one the policy lists for you")] {
            let before = try lab.events()
            let refused = try lab.run(step.arguments, as: step.person, agent: agent, keyFile: keyFile, stdin: step.stdin, at: at)
            #expect(refused.status == 3, "\(step.label), \(how): \(refused.output)")
            #expect(refused.stderr.contains("\(step.person)'s \(step.action.rawValue) must be signed"), "\(step.label), \(how): \(refused.stderr)")
            #expect(refused.stderr.contains(says), "\(step.label), \(how): \(refused.stderr)")
            let after = try lab.events()
            #expect(after.count == before.count + 1, "\(step.label), \(how): only the refusal is recorded")
            let last = try #require(after.last)
            #expect(last["kind"] as? String == step.refusal, "\(step.label), \(how): \(last)")
            #expect(last["actor"] as? String == step.person)
            #expect((last["payload"] as? [String: Any])?["reason"] as? String == "signature_required", "\(step.label): \(last)")
            #expect(last["signature"] == nil || last["signature"] is NSNull, "a refusal is never signed")
        }

        let before = try lab.events().count
        let signed = try lab.run(step.arguments, as: step.person, agent: true, stdin: step.stdin, at: at)
        #expect(signed.status == 0, "\(step.label): \(signed.output)")
        let recorded = try lab.events().dropFirst(before)
        let event = try #require(recorded.first { $0["kind"] as? String == step.kind }, "\(step.label): \(recorded)")
        #expect(event["actor"] as? String == step.person)
        let armored = try #require(event["signature"] as? String, "\(step.label) is not signed: \(event)")
        let statement = try #require(event["statement"] as? String)
        let signature = try SSHSignature(armored: armored)
        let key = try SSHPublicKey(line: step.person == "dave" ? lab.dave.line : lab.erin.line)
        #expect(signature.publicKey == key, "\(step.label) is signed with \(step.person)'s key")
        _ = try signature.verify(message: Array(statement.utf8))
        let fields = try #require(try JSONSerialization.jsonObject(with: Data(statement.utf8)) as? [String: Any])
        #expect(fields["action"] as? String == step.action.rawValue, "\(step.label): \(statement)")
        #expect(fields["kind"] as? String == step.kind)
        if let id = event["request_id"] as? String, step.action != .applyPolicy {
            #expect(fields["request_id"] as? String == id, "\(step.label): the statement names the request: \(statement)")
        }
        // Every signed event, and everything refused on the way, verifies.
        let verified = try lab.verify()
        #expect(verified.status == 0, "\(step.label): \(verified.signatures)")
        return signed
    }

    func id(of submission: Signoff.Result) throws -> String {
        try #require(try Signoff.items(submission).first?["id"] as? String, "\(submission.output)")
    }

    @Test func everyActionIsSignedOrRefusedWithOnlyTheRefusalRecorded() throws {
        let lab = try SigningLab(extra: Self.extra)
        try lab.startAgent(holding: [lab.dave.path, lab.erin.path])
        let submit = ["submit", "-", "--json"]
        func submission(_ label: String, _ stdin: String, minute: Int) -> Step {
            Step(label: label, person: "dave", arguments: submit, stdin: stdin, action: .submit, kind: "request_submitted",
                 refusal: "action_refused", minute: minute)
        }

        // A submission, denied.
        let denied = try id(of: try take(submission("submit", SigningLab.request, minute: 1), in: lab))
        try take(Step(label: "deny", person: "erin", arguments: ["deny", denied, "--version", "1", "-r", "the ledger job has a replica of its own"],
                      action: .deny, kind: "review_recorded", refusal: "review_refused", minute: 2), in: lab)
        #expect(try lab.store.show(denied)["state"] as? String == "denied")

        // A submission, withdrawn.
        let withdrawn = try id(of: try lab.run(submit, as: "dave", agent: true, stdin: SigningLab.request, at: Self.time(3)))
        try take(Step(label: "withdraw", person: "dave", arguments: ["withdraw", withdrawn, "-r", "filed twice by mistake"],
                      action: .withdraw, kind: "request_withdrawn", refusal: "action_refused", minute: 4), in: lab)
        #expect(try lab.store.show(withdrawn)["state"] as? String == "withdrawn")

        // A grant: approved, provisioning confirmed and reported failed, extended.
        let granted = try id(of: try lab.run(submit, as: "dave", agent: true, stdin: SigningLab.request, at: Self.time(5)))
        try take(Step(label: "approve", person: "erin", arguments: ["approve", granted, "--version", "1", "-r", "read replica only, fine for 8h"],
                      action: .approve, kind: "review_recorded", refusal: "review_refused", minute: 6), in: lab)
        try take(Step(label: "provisioning-failed", person: "erin", arguments: ["provisioning-failed", granted, "--reason", "the replica was down"],
                      action: .reportProvisioning, kind: "grant_provisioning_failed", refusal: "action_refused", minute: 7), in: lab)
        try take(Step(label: "provisioned", person: "erin", arguments: ["provisioned", granted, "--note", "CHG-88"],
                      action: .reportProvisioning, kind: "grant_provisioned", refusal: "action_refused", minute: 8), in: lab)
        let extended = try id(of: try take(Step(label: "extend", person: "dave", arguments: ["extend", granted, "--by", "8h", "--json"],
                                                 action: .extend, kind: "request_submitted", refusal: "action_refused", minute: 9), in: lab))
        #expect(try lab.store.show(extended)["state"] as? String == "pending")

        // Break-glass: self-activated after 15 minutes, revoked once the incident is over, then its post-incident review.
        let emergency = try id(of: try lab.run(submit, as: "dave", agent: true, stdin: Self.breakGlass, at: Self.time(10)))
        try take(Step(label: "self-activate", person: "dave", arguments: ["self-activate", emergency, "-r", "erin does not answer the page"],
                      action: .selfActivate, kind: "request_decided", refusal: "action_refused", minute: 26), in: lab)
        try take(Step(label: "revoke", person: "dave", arguments: ["revoke", emergency, "-r", "incident over, the ledger is back"],
                      action: .revoke, kind: "grant_revoked", refusal: "action_refused", minute: 27), in: lab)
        try take(Step(label: "review-incident", person: "erin", arguments: ["review-incident", emergency, "-r", "right call; paging gap fixed"],
                      action: .reviewIncident, kind: "incident_review_completed", refusal: "action_refused", minute: 27), in: lab)

        // A reconciliation finding accepted as an exception, another sent for removal.
        let export = try lab.store.file("export.jsonl", ReconcileTests.line("svc-rogue", id: "pg-2", at: Self.time(27)) + "\n"
                                        + ReconcileTests.line("svc-ghost", id: "pg-3", at: Self.time(27)) + "\n")
        let run = try lab.run(["reconcile", "generic", export, "--covers", "payments-db/production", "--json"], as: "alice",
                              agent: false, at: Self.time(28))
        #expect(run.status == 9, "\(run.output)")
        let opened = try #require((try Signoff.json(run) as? [String: Any])?["opened"] as? [[String: Any]], "\(run.output)")
        func findingID(_ subject: String) throws -> String {
            try #require(opened.first { (($0["subject"] as? [String: Any])?["name"] as? String) == subject }?["id"] as? String,
                         "\(opened)")
        }
        let finding = try findingID("svc-rogue")
        try take(Step(label: "drift except", person: "erin",
                      arguments: ["drift", "except", finding, "--until", "2h", "-r", "vendor bridge account, removed with the Q1 migration"],
                      action: .exceptFinding, kind: "finding_excepted", refusal: "action_refused", minute: 29), in: lab)
        let excepted = try #require(try lab.events().last { $0["kind"] as? String == "finding_excepted" })
        let statement = try #require(excepted["statement"] as? String)
        #expect(statement.contains(#""finding_id":"\#(finding)""#) && statement.contains(#""rationale":"vendor bridge account"#), "\(statement)")

        let ghost = try findingID("svc-ghost")
        let removal = try take(Step(label: "drift remove", person: "erin",
                                    arguments: ["drift", "remove", ghost, "-r", "nobody owns svc-ghost; the platform team removes it", "--json"],
                                    action: .requestRemoval, kind: "finding_removal_requested", refusal: "action_refused", minute: 29),
                               in: lab)
        #expect(removal.stdout.contains("\"removal\""), "\(removal.output)")
        let requested = try #require(try lab.events().last { $0["kind"] as? String == "finding_removal_requested" })
        let removalStatement = try #require(requested["statement"] as? String)
        #expect(removalStatement.contains(#""finding_id":"\#(ghost)""#)
                && removalStatement.contains(#""rationale":"nobody owns svc-ghost; the platform team removes it""#), "\(removalStatement)")
        // Only the signed attempt was recorded as a removal, and stock OpenSSH checks it from the export.
        #expect(try lab.events().filter { $0["kind"] as? String == "finding_removal_requested" }.count == 1)
        let signers = try lab.store.file("allowed_signers", try lab.store.run(["audit", "allowed-signers"]).stdout)
        let signatureFile = try lab.store.file("removal.sig", try #require(requested["signature"] as? String))
        let checked = try SigningLab.tool("ssh-keygen", ["-Y", "verify", "-f", signers, "-I", "erin", "-n", "signoff", "-s", signatureFile],
                                          stdin: removalStatement)
        #expect(checked.status == 0 && checked.stdout.contains("Good \"signoff\" signature for erin"), "\(checked.output)")

        // `drift` marks the signed exception and removal as `show` marks a signed decision: with the key's fingerprint.
        let erinKey = "\(lab.erin.line.split(separator: " ")[0]) \(try lab.fingerprint(lab.erin.path + ".pub"))"
        let drift = try lab.run(["drift"], as: "erin", agent: false, at: Self.time(29))
        #expect(drift.status == 0, "\(drift.output)")
        let lines = drift.stdout.split(separator: "\n").map(String.init)
        for (decision, rationale) in [("excepted until", "vendor bridge account"), ("removal requested by erin", "nobody owns svc-ghost")] {
            let index = try #require(lines.firstIndex { $0.contains(decision) && $0.contains(rationale) }, "\(drift.stdout)")
            #expect(lines.indices.contains(index + 1) && lines[index + 1].contains("✍ signed with \(erinKey)"), "\(drift.stdout)")
        }
        let driftJSON = try lab.run(["drift", "--json"], as: "erin", agent: false, at: Self.time(29))
        let findings = try #require((try Signoff.json(driftJSON) as? [String: Any])?["findings"] as? [[String: Any]], "\(driftJSON.output)")
        for (id, decision, signed) in [(finding, "exception", excepted), (ghost, "removal", requested)] {
            let listed = try #require(findings.first { $0["id"] as? String == id }?[decision] as? [String: Any], "\(findings)")
            let signature = try #require(listed["signature"] as? [String: Any], "\(decision): \(listed)")
            #expect("\(signature["key_type"] ?? "") \(signature["fingerprint"] ?? "")" == erinKey && signature["holds"] as? Bool == true,
                    "\(decision): \(signature)")
            #expect(signature["statement"] as? String == signed["statement"] as? String, "\(decision): the statement the event holds")
        }
        let schemas = try SchemaCheck(lab.store.directory)
        schemas.stdout(driftJSON, "signoff.drift/1")
        schemas.stdout(removal, "signoff.finding-removal/1")
        try schemas.validate()

        // Administration, once the policy in force lists keys.
        let outbox = lab.store.directory.appendingPathComponent("outbox").path
        try FileManager.default.createDirectory(atPath: outbox, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        try take(Step(label: "handoff", person: "dave", arguments: ["handoff", "--outbox", outbox],
                      action: .configureHandOff, kind: "hand_off_configured", refusal: "action_refused", minute: 30), in: lab)
        let group = try #require(String(validatingCString: getgrgid(getgid()).pointee.gr_name))
        let changed = try lab.store.file("policy-2.yaml", lab.policy(extra: Self.extra).replacingOccurrences(of: "policy: signed", with: "policy: signed-2"))
        switch TestBackend.current {
        case .sqlite:
            try take(Step(label: "settings", person: "dave", arguments: ["settings", "--share-group", group],
                          action: .changeSettings, kind: "settings_changed", refusal: "action_refused", minute: 31), in: lab)
            try take(Step(label: "policy apply", person: "dave", arguments: ["policy", "apply", changed],
                          action: .applyPolicy, kind: "policy_applied", refusal: "action_refused", minute: 32), in: lab)
        case .postgresql:
            // A PostgreSQL store has no files to share: its one setting is the
            // trust of asserted identities, turned off last (the steps assert).
            try take(Step(label: "policy apply", person: "dave", arguments: ["policy", "apply", changed],
                          action: .applyPolicy, kind: "policy_applied", refusal: "action_refused", minute: 31), in: lab)
            try take(Step(label: "settings", person: "dave", arguments: ["settings", "--stop-trusting-asserted-identities"],
                          action: .changeSettings, kind: "settings_changed", refusal: "action_refused", minute: 32), in: lab)
        }

        let verified = try lab.verify()
        #expect(verified.status == 0)
        // The three submissions made on the way, and the fifteen steps.
        #expect(verified.signatures["signed_events"] as? Int == 18, "\(verified.signatures)")
    }

    /// `required_for` covers finding exceptions and removals by the finding's
    /// system, environment and access: alice, who has no key, may except and
    /// send for removal read access, not admin access on production.
    @Test func requiredForRulesCoverFindingsByWhereTheyAre() throws {
        let extra = """
            signatures:
              required_for:
                - {environment: production, access: admin}
            roles:
              security:
                members: [person:alice]
                may: [reconcile, except_finding, request_removal]
            """
        let lab = try SigningLab(extra: extra)
        let export = try lab.store.file("export.jsonl", [("svc-reader", "read", "pg-1"), ("svc-admin", "admin", "pg-2"),
                                                         ("svc-old", "read", "pg-3"), ("svc-root", "admin", "pg-4")]
            // Owned by bob: nobody excepts a finding about their own access.
            .map { ReconcileTests.line($0.0, owner: "bob", access: $0.1, id: $0.2, at: Self.time(1)) }.joined(separator: "\n") + "\n")
        let run = try lab.run(["reconcile", "generic", export, "--covers", "payments-db/production", "--json"], as: "alice",
                              agent: false, at: Self.time(2))
        #expect(run.status == 9, "\(run.output)")
        let opened = try #require((try Signoff.json(run) as? [String: Any])?["opened"] as? [[String: Any]], "\(run.output)")
        func findingID(_ subject: String) throws -> String {
            try #require(opened.first { (($0["subject"] as? [String: Any])?["name"] as? String) == subject }?["id"] as? String,
                         "\(opened)")
        }
        let steps: [(arguments: [String], covered: Bool)] = [
            (["drift", "except", try findingID("svc-reader"), "--until", "2h", "-r", "read access of the reporting job, kept until Q1"], false),
            (["drift", "except", try findingID("svc-admin"), "--until", "2h", "-r", "admin access of the migration job, kept until Q1"], true),
            (["drift", "remove", try findingID("svc-old"), "-r", "nobody owns svc-old; the platform team removes it"], false),
            (["drift", "remove", try findingID("svc-root"), "-r", "nobody owns svc-root; the platform team removes it"], true),
        ]
        for (index, step) in steps.enumerated() {
            let before = try lab.events().count
            let result = try lab.run(step.arguments, as: "alice", agent: false, at: Self.time(3 + index))
            let recorded = try lab.events().dropFirst(before)
            if step.covered {
                #expect(result.status == 3, "\(step.arguments): \(result.output)")
                #expect(result.stderr.contains("must be signed (the policy requires decisions on payments-db/production to be signed (signatures.required_for[0]))"),
                        "\(step.arguments): \(result.stderr)")
                #expect(recorded.map { $0["kind"] as? String } == ["action_refused"], "\(step.arguments): \(recorded)")
            } else {
                #expect(result.status == 0, "\(step.arguments): \(result.output)")
                #expect(recorded.contains { $0["kind"] as? String == "finding_excepted" || $0["kind"] as? String == "finding_removal_requested" })
            }
        }
        #expect(try lab.verify().status == 0)
        // Unsigned, the exception and removal say so: no signature mark in `drift`, and a null signature in its JSON.
        let drift = try lab.run(["drift"], as: "alice", agent: false, at: Self.time(8))
        #expect(drift.status == 0 && drift.stdout.contains("excepted until") && !drift.stdout.contains("✍"), "\(drift.output)")
        let driftJSON = try lab.run(["drift", "--json"], as: "alice", agent: false, at: Self.time(8))
        let findings = try #require((try Signoff.json(driftJSON) as? [String: Any])?["findings"] as? [[String: Any]], "\(driftJSON.output)")
        let decided = findings.compactMap { ($0["exception"] as? [String: Any]) ?? ($0["removal"] as? [String: Any]) }
        #expect(decided.count == 2 && decided.allSatisfy { $0["signature"] is NSNull }, "\(decided)")

        // A rule that tests what a finding does not have covers requests only: policy check says so, and refuses nothing.
        let requestOnly = try lab.store.file("policy-duration.yaml", lab.policy(extra: """
            signatures:
              required_for:
                - {duration: {over: 8h}}
            """))
        let checked = try Signoff.run(["policy", "check", requestOnly])
        #expect(checked.status == 0, "\(checked.output)")
        #expect(checked.stdout.contains("signatures.required_for[0]") && checked.stdout.contains("tests duration, which a finding does not have"),
                "\(checked.output)")
    }
}
