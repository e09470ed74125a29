import Foundation
import Testing
@testable import SignoffCore

/// The deciding condition of a rule, in words an approver reads.
@Suite("Policy explain")
struct PolicyExplainTests {
    static let cases: [(when: String, matched: Bool, detail: String)] = [
        ("{environment: staging}", true, "environment is staging"),
        ("{entitlement: [superuser, schema_migrate]}", false, "entitlement is read_replica, not one of superuser, schema_migrate"),
        ("{access: {at_least: write}}", false, "access is read, not at least write"),
        ("{duration: {over: 1h}}", true, "duration is 8h, over 1h"),
        ("{requester: {in_group: dba}}", false, "requester alice is not in group dba"),
        ("{subject.owner: {in_group: sre}}", true, "subject.owner bob is in group sre"),
        ("{subject.name: {like: \"ci-*\"}}", true, "subject.name is ci-deployer, like ci-*"),
        ("{ticket: {present: true}}", false, "ticket is absent"),
        ("{environment: {not: production}}", true, "environment is staging, not production"),
        ("{environment: {not: staging}}", false, "environment is staging, which not: excludes"),
        ("{not: {subject.kind: service_account}}", false, "subject.kind is service_account, which not: excludes"),
        ("{not: {not: {environment: staging}}}", true, "environment is staging"),
        ("{not: {not: {environment: production}}}", false, "environment is staging, not production"),
        ("{not: {not: {not: {environment: staging}}}}", false, "environment is staging, which not: excludes"),
        ("{any: [{environment: production}, {access: admin}]}", false,
         "none of: environment is staging, not production; access is read, not admin"),
        ("{environment: staging, access: write}", false, "access is read, not write"),
    ]

    @Test(arguments: cases)
    func decidingCondition(_ test: (when: String, matched: Bool, detail: String)) throws {
        let policy = try Fixture.policy("""
            route:
              - name: r
                when: \(test.when)
                approve: automatically
            """)
        let explanation = policy.explain(Fixture.request(), submittedBy: "alice", at: Fixture.now)
        #expect(explanation.routeRules == [RuleTrace(rule: "r", matched: test.matched, detail: test.detail)])
    }

    /// The built-in checks of a break-glass request say what they found
    /// when they let it through, as much as when they deny it.
    @Test func breakGlassChecksSayWhatTheyFound() throws {
        let policy = try Fixture.policy("route:\n  - {name: r, approve: automatically}\n")
        func details(_ requester: String, _ edit: (inout AccessRequest) -> Void) -> [String] {
            let request = Fixture.request { $0.requester = requester; $0.breakGlass = true; edit(&$0) }
            return policy.explain(request, submittedBy: requester, at: Fixture.now).denyRules
                .filter { $0.rule.hasPrefix("break-glass-") }.map { "\($0.rule) \($0.matched): \($0.detail)" }
        }
        #expect(details("alice") { $0.incident = "INC-42"; $0.duration = .hours(2) } == [
            "break-glass-not-allowed false: alice may raise one: member of sre",
            "break-glass-max-duration false: requested 2h is within the 8h break-glass limit",
            "break-glass-incident false: the request names its incident",
        ])
        let denied = details("sam") { $0.duration = .hours(9) }
        #expect(denied.count == 3 && denied.allSatisfy { $0.contains(" true: ") }, "\(denied)")
    }
}
