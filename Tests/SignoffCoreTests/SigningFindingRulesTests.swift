import Foundation
import SignoffCore
import Testing

/// `required_for` rules and findings, which have no request: judged on the
/// finding's system, environment and access level where a rule tests only
/// those; a rule testing anything else covers requests only, and
/// `policy check` warns about it without refusing the policy.
@Suite struct SigningFindingRulesTests {
    static func policy(_ rules: String, actions: String = "") throws -> Policy {
        try Policy.parse(source: """
            policy: finding-rules
            directory:
              people:
                sam: {}
            catalogue:
              payments-db:
                owners: [sam]
                environments: [production, staging]
                entitlements: [read_replica]
                max_duration: 30d
            route:
              - name: owners
                when: {system: payments-db}
                steps: [{approvers: owners, count: 1}]
            signatures:
              required_for:
            \(rules)
            \(actions)
            """, file: "policy.yaml")
    }

    static let sam = Principal(name: "sam", authentication: .osAccount)

    /// Taking access away by someone who can hold no key (an account, an
    /// intake agent: keys are listed for people only) needs no signature,
    /// whatever `required_for` says; a person's revocation still does.
    @Test func accessIsTakenAwayWithoutASignatureNobodyCanMake() throws {
        let policy = try Self.policy("    - {environment: production}")
        let request = AccessRequest(requester: "sam", subject: Subject(kind: .serviceAccount, name: "svc", owner: "sam"),
                                    system: "payments-db", environment: "production", entitlement: "read_replica",
                                    access: .read, purpose: "nightly job", duration: .hours(8))
        let agent = Principal(name: "jira-importer", authentication: .asserted)
        for action in [SignedAction.fireTrigger, .revoke] {
            #expect(policy.signatureRequirement(for: action, by: agent, request: request, submittedBy: "sam") == nil, "\(action)")
            #expect(policy.signatureRequirement(for: action, by: Self.sam, request: request, submittedBy: "sam") != nil, "\(action)")
        }
        #expect(policy.signatureRequirement(for: .approve, by: agent, request: request, submittedBy: "sam") != nil)
    }

    @Test(arguments: [
        // rule, finding's environment, access, required
        ("    - {environment: production}", "production", AccessLevel.read as AccessLevel?, true),
        ("    - {environment: production}", "staging", .admin, false),
        ("    - {environment: production, access: admin}", "production", .read, false),
        ("    - {environment: production, access: admin}", "production", .admin, true),
        // Not said by the export: judged at every level, covered if any is.
        ("    - {environment: production, access: admin}", "production", nil, true),
        ("    - {access: {at_least: write}}", "staging", .write, true),
        ("    - {not: {environment: staging}}", "production", .read, true),
        ("    - {any: [{environment: production, access: admin}, {environment: staging}]}", "staging", .read, true),
        // Tests what a finding does not have: requests only.
        ("    - {break_glass: true}", "production", .admin, false),
        ("    - {environment: production, duration: {over: 8h}}", "production", .admin, false),
    ])
    func aRuleCoversAFindingByWhereItIs(rule: String, environment: String, access: AccessLevel?, required: Bool) throws {
        let policy = try Self.policy(rule)
        let finding = FindingFacts(system: "payments-db", environment: environment, access: access)
        for action in [SignedAction.exceptFinding, .requestRemoval] {
            let requirement = policy.signatureRequirement(for: action, by: Self.sam, requests: [], submittedBy: nil, finding: finding)
            #expect((requirement != nil) == required, "\(rule) \(environment) \(String(describing: access)) \(action)")
            if let requirement {
                #expect(requirement.reason == "the policy requires decisions on payments-db/\(environment) to be signed (signatures.required_for[0])")
            }
        }
    }

    @Test func policyCheckWarnsAboutRulesThatCannotCoverFindings() throws {
        let warned = try Self.policy("    - {environment: production}\n    - {break_glass: true, labels.team: payments}").check()
            .filter { $0.field.hasPrefix("signatures") }
        #expect(warned.map(\.field) == ["signatures.required_for[1]"], "\(warned)")
        #expect(warned.first?.severity == .warning)
        #expect(warned.first?.message.contains("tests break_glass, labels.team, which a finding does not have") == true, "\(warned)")
        // Not covering finding actions at all: nothing to warn about.
        let requestsOnly = try Self.policy("    - {break_glass: true}", actions: "  actions: [approve, deny]").check()
        #expect(!requestsOnly.contains { $0.field.hasPrefix("signatures") })
    }
}
