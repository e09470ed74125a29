import Foundation
import SignoffCore
import Testing
@testable import SignoffReconcile

/// A fine-grained token's name is whatever its maker typed; its owner is the
/// account that made it. A grant approves a token by both.
@Suite struct GitHubOwnerTests {
    static func listing(_ tokens: [(id: Int, owner: String, name: String)]) -> String {
        "[" + tokens.map { token in
            """
            {"id": \(token.id), "owner": {"login": "\(token.owner)", "id": \(token.id + 1000), "type": "User"},
             "token_name": "\(token.name)", "repository_selection": "all",
             "permissions": {"repository": {"metadata": "read", "contents": "read"}},
             "access_granted_at": "2026-11-20T00:00:00Z", "token_expired": false,
             "token_expires_at": null, "token_last_used_at": "2026-12-01T00:00:00Z"}
            """
        }.joined(separator: ",") + "]"
    }

    static func compare(_ tokens: [(id: Int, owner: String, name: String)], _ grants: [Grant]) throws -> ReconciliationResult {
        let run = try ExportReader.read(.github, files: [try Fixtures.export("tokens.json", listing(tokens))],
                                        options: ReadOptions(instance: "acme", now: Fixtures.now), policy: Fixtures.policy)
        #expect(run.observed.coverage.targets.first?.ownersAttested == true)
        return Reconciliation.compare(grants: grants, observed: run.observed, policy: Fixtures.policy, at: Fixtures.now)
    }

    static let alicesDeployBot = grant("REQ-1", system: "github-org", subject: "deploy-bot", kind: .apiKey, owner: "alice",
                                       entitlement: "repo_read")

    @Test func aTokenOfTheGrantsOwnerIsApproved() throws {
        let result = try Self.compare([(7, "alice", "deploy-bot")], [Self.alicesDeployBot])
        #expect(result.matched == 1 && result.findings.isEmpty)
    }

    @Test func aTokenNamedLikeAnApprovedOneButOwnedByAnotherIsUnapproved() throws {
        // The repro: mallory names a token deploy-bot; alice's grant approved nothing of mallory's.
        let result = try Self.compare([(8, "mallory", "deploy-bot")], [Self.alicesDeployBot])
        #expect(result.matched == 0)
        let unapproved = try #require(result.findings.first { $0.kind == .unapproved })
        #expect(unapproved.subject.name == "deploy-bot" && unapproved.subject.owner == "mallory" && unapproved.requestID == nil)
        #expect(unapproved.summary.hasSuffix(", and no grant approves it"))
        // Named once: "deploy-bot holds repository/contents write … (owner mallory)", not "deploy-bot holds deploy-bot …".
        #expect(unapproved.summary.hasPrefix("deploy-bot holds ") && unapproved.summary.components(separatedBy: "deploy-bot").count == 2
                && unapproved.summary.contains("(owner mallory)"), "\(unapproved.summary)")
        // Alice's token is not there: what provisioning reported done is missing.
        let missing = try #require(result.findings.first { $0.kind == .notProvisioned })
        #expect(missing.requestID == "REQ-1" && missing.subject.owner == "alice")
    }

    @Test func twoOwnersTokensOfOneNameAreTwoIdentities() throws {
        let result = try Self.compare([(7, "alice", "deploy-bot"), (8, "bob", "deploy-bot")], [Self.alicesDeployBot])
        #expect(result.matched == 1)
        #expect(result.findings.map { "\($0.kind.rawValue) \($0.subject.owner ?? "-")" } == ["unapproved bob"])
        // And their findings are never one finding: the owner is part of what it is about.
        let alone = try Self.compare([(8, "mallory", "deploy-bot")], [])
        let other = try Self.compare([(9, "erin", "deploy-bot")], [])
        let ids = [alone, other].map { $0.findings.filter { $0.kind == .unapproved }.map(\.id) }
        #expect(ids[0].count == 1 && ids[1].count == 1 && ids[0] != ids[1])
    }
}
