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

    /// The console offers revoking only to whoever may, and says why not
    /// before a rationale is typed.
    @Test func theConsoleSaysWhyNotBeforeARationaleIsTyped() throws {
        let store = try TestStore()
        let id = try store.submit(etlRequest, as: "alice")
        #expect(try store.run(["approve", id, "--version", "1", "-r", rationale], as: "dave").status == 0)
        let tmux = try TmuxSession(command: [Signoff.binary.path, "--store", store.path, "--as", "quinn"], width: 200, height: 40,
                                   environment: store.environment())
        try tmux.waitFor("My queue")
        try tmux.send("4")
        try tmux.waitFor(id)
        try tmux.send("R")
        let screen = try tmux.waitFor("quinn may not revoke \(id)")
        #expect(!screen.contains("Ctrl-s submit"), "the rationale panel opened")
        try tmux.send("q")
        #expect(try refusals(store).isEmpty, "nothing was attempted, so nothing was refused")
    }
}
