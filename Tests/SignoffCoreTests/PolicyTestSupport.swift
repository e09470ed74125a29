import Foundation
import SignoffCore

/// A small policy whose directory and catalogue the tests share; rules vary.
enum Fixture {
    static let directory = """
    policy: test
    directory:
      people:
        alice: {manager: carol}
        bob: {manager: carol}
        carol: {}
        dave: {manager: carol}
        erin: {}
        frank: {}
        sam: {}
        tina: {}
        uma: {}
      intake_agents: [jira-importer]
      groups:
        sre: [alice, bob, frank]
        dba: [dave, erin]
        security: [sam, tina, uma]
        payments-team: [bob, group:dba]
      rotations:
        sre-oncall: {members: [alice, bob, frank], start: 2026-01-05T09:00:00Z, every: 1w}
      delegations:
        - {from: dave, to: frank, until: 2026-06-01T00:00:00Z}
    catalogue:
      payments-db:
        owners: [dave, group:dba]
        environments: [staging, production]
        entitlements: [read_replica, schema_migrate, superuser]
        max_duration: 30d
        max_duration_by_kind: {human: 7d, ai_agent: 8h}
      vault:
        owners: [sam]
        environments: [staging, production]
        entitlements: [secret_read, policy_admin]
        max_duration: 7d
    break_glass:
      raised_by: [group:sre]
      max_duration: 8h
      post_incident_review: {reviewers: group:security, within: 72h}
      self_activation: {allowed: [group:sre], after: 15m}

    """

    /// The shared directory and catalogue with `rules` (YAML for deny: and route:) appended.
    static func policy(_ rules: String) throws -> Policy {
        try Policy.parse(source: directory + rules, file: "policy.yaml")
    }

    /// The parse errors for the shared directory with `rules` appended.
    static func errors(_ rules: String, whole: Bool = false) -> [SourceError] {
        do {
            _ = try Policy.parse(source: whole ? rules : directory + rules, file: "policy.yaml")
            return []
        } catch {
            return error.errors
        }
    }

    /// The line in the combined source where `rules` line `n` (1-based) lands.
    static func line(_ n: Int) -> Int { directory.split(separator: "\n", omittingEmptySubsequences: false).count - 1 + n }

    static let now = date("2026-03-02T12:00:00Z")

    static func date(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    /// A routine request: alice asks for read access to payments-db staging for a
    /// service account that bob owns.
    static func request(_ edit: (inout AccessRequest) -> Void = { _ in }) -> AccessRequest {
        var request = AccessRequest(
            requester: "alice",
            subject: Subject(kind: .serviceAccount, name: "ci-deployer", owner: "bob"),
            system: "payments-db", environment: "staging", entitlement: "read_replica",
            access: .read, purpose: "nightly reconciliation job", duration: .hours(8))
        edit(&request)
        return request
    }

    static let examplePath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples/policy.yaml")
}
