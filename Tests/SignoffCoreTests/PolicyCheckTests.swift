import Foundation
import Testing
@testable import SignoffCore

struct CheckCase: Sendable, CustomTestStringConvertible {
    var label: String
    var rules: String
    var severity: PolicyFinding.Severity
    var message: String
    var testDescription: String { label }
}

@Suite("Policy check")
struct PolicyCheckTests {
    static let cases: [CheckCase] = [
        CheckCase(label: "catch-all shadows later rules", rules: """
            route:
              - {name: everything, steps: [{approvers: owners}]}
              - {name: staging, when: {environment: staging}, approve: automatically}
            """, severity: .error, message: "route rule staging can never match: the earlier rule everything matches every request it would"),
        CheckCase(label: "subset of conditions shadows", rules: """
            route:
              - {name: prod, when: {environment: production}, steps: [{approvers: owners}]}
              - {name: prod-admin, when: {environment: production, access: admin}, steps: [{approvers: owners, count: 1}]}
            """, severity: .error, message: "route rule prod-admin can never match: the earlier rule prod matches every request it would"),
        CheckCase(label: "narrower membership shadows", rules: """
            route:
              - {name: any-env, when: {environment: [staging, production], access: [read, write]}, approve: automatically}
              - {name: prod-read, when: {access: read, environment: production, system: vault}, steps: [{approvers: owners}]}
            """, severity: .error, message: "route rule prod-read can never match: the earlier rule any-env matches every request it would"),
        CheckCase(label: "a condition every request meets shadows later rules", rules: """
            route:
              - {name: anything-readable, when: {access: {at_least: read}}, approve: automatically}
              - {name: prod-admin, when: {environment: production, access: admin}, steps: [{approvers: owners}]}
            """, severity: .error, message: "route rule prod-admin can never match: the earlier rule anything-readable matches every request it would"),
        CheckCase(label: "every level or every kind, however written, matches everything", rules: """
            route:
              - {name: all-of-it, when: {any: [{access: [read, write, admin]}, {environment: production}]}, approve: automatically}
              - {name: staging, when: {environment: staging}, steps: [{approvers: owners}]}
            """, severity: .error, message: "route rule staging can never match: the earlier rule all-of-it matches every request it would"),
        CheckCase(label: "an access comparison shadows by the levels it lets through", rules: """
            route:
              - {name: up-to-write, when: {access: {at_most: write}}, steps: [{approvers: owners}]}
              - {name: reads, when: {access: read, environment: production}, approve: automatically}
            """, severity: .error, message: "route rule reads can never match: the earlier rule up-to-write matches every request it would"),
        CheckCase(label: "a not: shadows what it leaves in", rules: """
            route:
              - {name: outside-production, when: {not: {environment: production}}, approve: automatically}
              - {name: staging-admin, when: {environment: staging, access: admin}, steps: [{approvers: owners}]}
            """, severity: .error, message: "route rule staging-admin can never match: the earlier rule outside-production matches every request it would"),
        CheckCase(label: "a not: of a narrower condition shadows a not: of a wider one", rules: """
            route:
              - {name: not-prod, when: {not: {environment: production}}, approve: automatically}
              - {name: not-prod-or-staging, when: {not: {environment: [production, staging]}}, steps: [{approvers: owners}]}
            """, severity: .error, message: "route rule not-prod-or-staging can never match: the earlier rule not-prod matches every request it would"),
        CheckCase(label: "one alternative of an any: shadows", rules: """
            route:
              - {name: staging-or-reads, when: {any: [{environment: staging}, {access: read}]}, approve: automatically}
              - {name: vault-staging, when: {system: vault, environment: staging}, steps: [{approvers: owners}]}
            """, severity: .error, message: "route rule vault-staging can never match: the earlier rule staging-or-reads matches every request it would"),
        CheckCase(label: "a not: of kinds and a double not:", rules: """
            route:
              - {name: not-humans, when: {not: {not: {not: {subject.kind: human}}}}, approve: automatically}
              - {name: agents, when: {subject.kind: [ai_agent, service_account], access: write}, steps: [{approvers: owners}]}
            """, severity: .error, message: "route rule agents can never match: the earlier rule not-humans matches every request it would"),
        CheckCase(label: "like: \"*\" of a field every request has matches everything", rules: """
            route:
              - {name: any-system, when: {system: {like: "*"}}, steps: [{approvers: owners}]}
              - {name: staging, when: {environment: staging}, approve: automatically}
            """, severity: .error, message: "route rule staging can never match: the earlier rule any-system matches every request it would"),
        CheckCase(label: "both flags across an any: match everything", rules: """
            route:
              - {name: either, when: {any: [{break_glass: true}, {break_glass: false}]}, steps: [{approvers: owners}]}
              - {name: staging, when: {environment: staging}, approve: automatically}
            """, severity: .error, message: "route rule staging can never match: the earlier rule either matches every request it would"),
        CheckCase(label: "a not: of everything matches nothing", rules: """
            route:
              - {name: nothing, when: {not: {}}, approve: automatically}
            """, severity: .error, message: "route rule nothing can never match: its conditions rule out every request"),
        CheckCase(label: "conditions that rule each other out match nothing", rules: """
            deny:
              - {name: never, when: {break_glass: true, any: [{break_glass: false}]}, reason: never denies}
            route:
              - {name: r, steps: [{approvers: owners}]}
            """, severity: .error, message: "deny rule never can never match: its conditions rule out every request"),
        CheckCase(label: "group too small once the requester is excluded", rules: """
            route:
              - {name: r, steps: [{approvers: group:dba, count: 2}]}
            """, severity: .error, message: "rule r: needs 2 of the 2 people in group dba: when one of them is the requester only 1 can approve"),
        CheckCase(label: "group smaller than the count", rules: """
            route:
              - {name: r, steps: [{approvers: group:security, count: 4}]}
            """, severity: .error, message: "rule r: needs 4 approvals but group security has only 3 people"),
        CheckCase(label: "owners of a reachable system too few", rules: """
            route:
              - {name: r, when: {system: vault}, steps: [{approvers: owners, count: 1}]}
            """, severity: .error, message: "rule r: needs 1 of the 1 people in owners of vault: when one of them is the requester only 0 can approve"),
        CheckCase(label: "rotation can give only one approval", rules: """
            route:
              - {name: r, steps: [{approvers: rotation:sre-oncall, count: 2}]}
            """, severity: .error, message: "rule r: needs 2 approvals but only one person (rotation sre-oncall) can ever count"),
        CheckCase(label: "excluding the owner leaves too few", rules: """
            route:
              - {name: r, steps: [{approvers: group:security, count: 2, exclude: [subject_owner]}]}
            """, severity: .warning, message: "rule r: needs 2 of the 3 people in group security; short when both the requester and the subject's owner are among them"),
        CheckCase(label: "duplicate deny rule", rules: """
            deny:
              - {name: a, when: {environment: production, access: admin}, reason: x}
              - {name: b, when: {access: admin, environment: production}, reason: y}
            route: []
            """, severity: .warning, message: "deny rule b has the same conditions as a"),
        CheckCase(label: "no route rules", rules: "route: []\n", severity: .warning, message: "there are no route rules: every request is blocked"),
    ]

    @Test(arguments: cases)
    func findings(_ test: CheckCase) throws {
        let findings = try Fixture.policy(test.rules).check()
        #expect(findings.contains { $0.severity == test.severity && $0.message == test.message }, "\(findings)")
    }

    /// The names signoff closes requests by parse (a policy applied before
    /// they were reserved keeps working) but are errors, so `policy apply`
    /// refuses a new policy that takes one.
    @Test(arguments: ["window", "extension", "pending-timeout"])
    func lifecycleDecisionNamesAreErrors(_ name: String) throws {
        let findings = try Fixture.policy("""
            deny:
              - {name: \(name), when: {environment: staging}, reason: not here}
            route:
              - {name: prod, when: {environment: production}, steps: [{approvers: manager}]}
            """).check()
        let finding = findings.first { $0.field == "deny[0].name" }
        #expect(finding?.severity == .error, "\(findings)")
        #expect(finding?.message.hasPrefix("rule name \"\(name)\" is reserved: signoff records policy:\(name)") == true, "\(findings)")
    }

    @Test func rulesThatAreFineProduceNoRuleFindings() throws {
        let findings = try Fixture.policy("""
            route:
              - {name: prod-admin, when: {environment: production, access: admin}, steps: [{approvers: group:security, count: 2}]}
              - {name: prod, when: {environment: production}, steps: [{approvers: manager}]}
              - {name: staging, when: {environment: staging, system: payments-db}, steps: [{approvers: owners, count: 1}]}
              - {name: reads, when: {access: {at_most: read}}, approve: automatically}
              - {name: other-kinds, when: {subject.kind: [human, service_account]}, steps: [{approvers: manager}]}
            """).check().filter { $0.field != "roles" }
        #expect(findings.isEmpty, "\(findings)")
    }

    /// A `not:` shadows only what it leaves in: never what it excludes, what
    /// it excludes only in part, nor a request with several revocation
    /// triggers (any of which a test of triggers may pass on). `like: "*"`
    /// of a field a request may leave out lets through only those that give it.
    @Test func aNotShadowsNothingItMayExclude() throws {
        let findings = try Fixture.policy("""
            route:
              - {name: outside-production, when: {not: {environment: production}}, approve: automatically}
              - {name: production-admin, when: {environment: production, access: admin}, steps: [{approvers: group:security, count: 2}]}
              - {name: not-vault, when: {not: {system: vault}}, steps: [{approvers: manager}]}
              - {name: no-ticket-trigger, when: {not: {revocation_triggers: ticket_closed}}, approve: automatically}
              - {name: owner-trigger, when: {revocation_triggers: owner_departed}, steps: [{approvers: manager}]}
              - {name: not-staging-or-read, when: {not: {any: [{environment: staging}, {access: read}]}}, approve: automatically}
              - {name: staging-admin, when: {any: [{environment: staging}, {access: admin}]}, steps: [{approvers: manager}]}
              - {name: any-scope, when: {scope: {like: "*"}}, approve: automatically}
              - {name: unscoped, when: {scope: {present: false}}, steps: [{approvers: manager}]}
            """).check().filter { $0.message.contains("can never match") }
        #expect(findings.isEmpty, "\(findings)")
    }

    /// Limits of years are no limits: a typo such as `999999w` is named,
    /// and so is break-glass access that outlasts an emergency.
    @Test func limitsLongerThanAYearAreNamed() throws {
        let source = """
            directory:
              people:
                alice: {}
            catalogue:
              forever:
                owners: [alice]
                environments: [production]
                entitlements: [read]
                max_duration: 999999w
              extended:
                owners: [alice]
                environments: [production]
                entitlements: [read]
                max_duration: 30d
                max_total: 400d
              sensible:
                owners: [alice]
                environments: [production]
                entitlements: [read]
                max_duration: 366d
            break_glass:
              raised_by: [person:alice]
              max_duration: 3d
              post_incident_review: {reviewers: person:alice, within: 72h}
            route: []
            """
        let findings = try Policy.parse(source: source, file: "p.yaml").check().filter { $0.field.hasPrefix("catalogue.") || $0.field.hasPrefix("break_glass") }
        #expect(findings.map(\.field) == ["catalogue.forever.max_duration", "catalogue.extended.max_total", "break_glass.max_duration",
                                           "break_glass.post_incident_review.reviewers"], "\(findings)")
        // A review due before the emergency can have ended would be overdue before anyone could complete it.
        let dueEarly = try Policy.parse(source: source.replacingOccurrences(of: "within: 72h", with: "within: 2d"), file: "p.yaml").check()
            .filter { $0.field == "break_glass.post_incident_review.within" }
        #expect(dueEarly.count == 1 && dueEarly.first?.severity == .warning, "\(dueEarly)")
        #expect(dueEarly.first?.message.hasPrefix("the post-incident review is due 2d after an emergency is approved, but its access may last 3d") == true,
                "\(dueEarly)")
        #expect(findings.allSatisfy { $0.severity == .warning })
        #expect(findings.first?.position == SourcePosition(line: 5, column: 3))
        #expect(findings.first?.message.hasPrefix("a grant on forever may last 999999w") == true, "\(findings)")
        #expect(findings[2].message.hasPrefix("break-glass access may last 3d, more than a day") == true, "\(findings)")
        // alice alone reviews emergencies, and may raise one: hers could never be reviewed.
        #expect(findings.last?.message.hasPrefix("alice is the only post-incident reviewer and may raise emergencies too") == true, "\(findings)")
    }

    /// A rotation of one is one reviewer too: whoever it names could never
    /// have their own emergency reviewed. A rotation of two is fine.
    @Test func aRotationOfOneIsALoneIncidentReviewer() throws {
        for (members, lone) in [("[alice]", true), ("[alice, bob]", false)] {
            let source = """
                directory:
                  people:
                    alice: {}
                    bob: {}
                  rotations:
                    incident: {members: \(members), start: 2026-01-05T09:00:00Z, every: 1w}
                catalogue:
                  db:
                    owners: [alice]
                    environments: [production]
                    entitlements: [read]
                    max_duration: 8h
                break_glass:
                  raised_by: [person:alice]
                  max_duration: 4h
                  post_incident_review: {reviewers: rotation:incident, within: 72h}
                route: []
                """
            let findings = try Policy.parse(source: source, file: "p.yaml").check().filter { $0.field == "break_glass.post_incident_review.reviewers" }
            #expect(findings.count == (lone ? 1 : 0), "\(members): \(findings)")
            #expect(findings.allSatisfy { $0.message.hasPrefix("alice is the only post-incident reviewer") && $0.message.hasSuffix("name reviewers of more than one person") })
        }
    }

    @Test func directoryMistakes() throws {
        let source = """
            directory:
              people:
                alice: {manager: zoe}
                bob: {}
              groups:
                empty: []
                typo: [alice, bobb]
              rotations:
                oncall: {members: [alice, charlie], start: 2026-01-05, every: 1w}
            catalogue:
              orphan:
                environments: [production]
                entitlements: [read]
                max_duration: 1d
            route: []
            """
        let findings = try Policy.parse(source: source, file: "p.yaml").check()
        let messages = findings.map(\.message)
        #expect(messages.contains("manager zoe is not in the directory; manager steps for alice can never be satisfied"))
        #expect(messages.contains("group empty has no members"))
        #expect(messages.contains("bobb (member of typo) is not in directory.people, so they can never approve"))
        #expect(messages.contains("charlie (on call for oncall) is not in directory.people, so they can never approve"))
        #expect(messages.contains("orphan has no owners: a step asking its owners can never be satisfied"))
        let manager = try #require(findings.first { $0.field == "directory.people.alice.manager" })
        #expect(manager.position == SourcePosition(line: 3, column: 5))
        #expect(manager.description == "3:5: error: directory.people.alice.manager: manager zoe is not in the directory; manager steps for alice can never be satisfied")
    }
}
