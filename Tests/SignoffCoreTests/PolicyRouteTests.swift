import Foundation
import Testing
@testable import SignoffCore

struct ConditionCase: Sendable, CustomTestStringConvertible {
    var when: String
    var expected: Bool
    var edit: @Sendable (inout AccessRequest) -> Void = { _ in }
    var testDescription: String { "\(when) → \(expected)" }
}

@Suite("Policy routing")
struct PolicyRouteTests {
    /// The default request (see Fixture.request) edited per case, against a policy
    /// with one auto-approving rule guarded by `when`.
    static let conditions: [ConditionCase] = [
        // Equality and membership.
        ConditionCase(when: "{environment: staging}", expected: true),
        ConditionCase(when: "{environment: production}", expected: false),
        ConditionCase(when: "{environment: [production, staging]}", expected: true),
        ConditionCase(when: "{environment: {in: [production]}}", expected: false),
        ConditionCase(when: "{system: payments-db, entitlement: read_replica}", expected: true),
        ConditionCase(when: "{system: payments-db, entitlement: superuser}", expected: false),
        ConditionCase(when: "{subject.kind: service_account}", expected: true),
        ConditionCase(when: "{subject.kind: [human, ai_agent]}", expected: false),
        ConditionCase(when: "{subject.owner: bob, requester: alice, submitted_by: alice}", expected: true),
        ConditionCase(when: "{submitted_by: jira-importer}", expected: true, edit: { _ in }),
        ConditionCase(when: "{break_glass: false}", expected: true),
        ConditionCase(when: "{break_glass: true}", expected: false),
        ConditionCase(when: "{labels.team: payments}", expected: true, edit: { $0.labels = ["team": "payments"] }),
        ConditionCase(when: "{labels.team: payments}", expected: false),
        ConditionCase(when: "{revocation_triggers: ticket_closed}", expected: true, edit: { $0.revocationTriggers = [RevocationTrigger(name: "ticket_closed", ref: "OPS-1")] }),
        ConditionCase(when: "{revocation_triggers: {includes_all: [ticket_closed, owner_left]}}", expected: false, edit: { $0.revocationTriggers = [RevocationTrigger(name: "ticket_closed", ref: "OPS-1")] }),
        // Ordered comparisons.
        ConditionCase(when: "{access: {at_least: write}}", expected: false),
        ConditionCase(when: "{access: {at_least: write}}", expected: true, edit: { $0.access = .admin }),
        ConditionCase(when: "{access: {at_most: write}}", expected: true),
        ConditionCase(when: "{access: {under: read}}", expected: false),
        ConditionCase(when: "{duration: {over: 8h}}", expected: false),
        ConditionCase(when: "{duration: {at_least: 8h}}", expected: true),
        ConditionCase(when: "{duration: {over: 1h, under: 1d}}", expected: true),
        ConditionCase(when: "{duration: 8h}", expected: true),
        ConditionCase(when: "{duration: {over: 8h}}", expected: true, edit: { $0.duration = TimeSpan(parsing: "8h1m")! }),
        // Patterns.
        ConditionCase(when: "{subject.name: {like: \"ci-*\"}}", expected: true),
        ConditionCase(when: "{subject.name: {like: \"ci-?\"}}", expected: false),
        ConditionCase(when: "{subject.name: {like: [\"x*\", \"*deploy*\"]}}", expected: true),
        ConditionCase(when: "{subject.name: {matches: \"ci-[a-z]+\"}}", expected: true),
        ConditionCase(when: "{subject.name: {matches: \"ci\"}}", expected: false),
        ConditionCase(when: "{scope: {matches: \"schema\\\\.[a-z]+\"}}", expected: true, edit: { $0.scope = "schema.ledger" }),
        ConditionCase(when: "{subject.name: {is: \"ci-*\"}}", expected: true, edit: { $0.subject.name = "ci-*" }),
        // Presence of optional fields.
        ConditionCase(when: "{ticket: {present: false}}", expected: true),
        ConditionCase(when: "{ticket: {present: true}}", expected: true, edit: { $0.ticket = "OPS-7" }),
        ConditionCase(when: "{ticket: OPS-7}", expected: false),
        // Negation.
        ConditionCase(when: "{environment: {not: production}}", expected: true),
        ConditionCase(when: "{environment: {not: [staging, production]}}", expected: false),
        ConditionCase(when: "{not: {environment: staging, access: read}}", expected: false),
        ConditionCase(when: "{not: {environment: staging, access: write}}", expected: true),
        ConditionCase(when: "{requester: {not: {in_group: security}}}", expected: true),
        // any / all.
        ConditionCase(when: "{any: [{environment: production}, {access: read}]}", expected: true),
        ConditionCase(when: "{any: [{environment: production}, {access: admin}]}", expected: false),
        ConditionCase(when: "{all: [{environment: staging}, {access: read}]}", expected: true),
        ConditionCase(when: "{all: [{environment: staging}, {access: write}]}", expected: false),
        // Group membership, nested groups included.
        ConditionCase(when: "{requester: {in_group: sre}}", expected: true),
        ConditionCase(when: "{requester: {in_group: dba}}", expected: false),
        ConditionCase(when: "{subject.owner: {in_group: payments-team}}", expected: true),
        ConditionCase(when: "{subject.owner: {in_group: payments-team}}", expected: true, edit: { $0.subject.owner = "erin" }),
        ConditionCase(when: "{subject.owner: {in_group: [security, sre]}}", expected: false, edit: { $0.subject.owner = "erin" }),
    ]

    @Test(arguments: conditions)
    func conditionOperators(_ test: ConditionCase) throws {
        let policy = try Fixture.policy("""
            route:
              - name: r
                when: \(test.when)
                approve: automatically
            """)
        let submitter = test.when.contains("jira-importer") ? "jira-importer" : "alice"
        let outcome = policy.route(Fixture.request(test.edit), submittedBy: submitter, at: Fixture.now)
        if test.expected {
            #expect(outcome == .autoApproved(rule: "r"))
        } else {
            #expect(outcome == .unroutable(reason: Policy.unroutableReason(Fixture.request(test.edit))))
        }
    }

    static let rules = """
        deny:
          - name: no-ai-admin
            when: {subject.kind: ai_agent, access: admin}
            reason: AI agents never get admin
          - name: no-ai-prod
            when: {subject.kind: ai_agent, environment: production}
            reason: AI agents stay out of production
          - name: vault-admin-security-only
            when: {system: vault, entitlement: policy_admin, requester: {not: {in_group: security}}}
            reason: only security may hold vault policy admin
        route:
          - name: break-glass
            when: {break_glass: true}
            steps: [{approvers: rotation:sre-oncall}]
          - name: staging-read
            when: {environment: staging, access: read}
            approve: automatically
          - name: prod-admin
            when: {environment: production, access: admin}
            steps:
              - {approvers: owners, count: 2}
              - {approvers: group:security, count: 1, exclude: [subject_owner]}
          - name: prod-any
            when: {environment: production}
            steps: [{approvers: owners}]
        """

    @Test func denyWinsAndEveryMatchingDenyIsReported() throws {
        let policy = try Fixture.policy(Self.rules)
        let request = Fixture.request {
            $0.subject.kind = .aiAgent
            $0.environment = "production"
            $0.access = .admin
            $0.duration = .hours(2)
        }
        let outcome = policy.route(request, submittedBy: "alice", at: Fixture.now)
        #expect(outcome == .denied([
            DenyMatch(rule: "no-ai-admin", reason: "AI agents never get admin"),
            DenyMatch(rule: "no-ai-prod", reason: "AI agents stay out of production"),
        ]))
    }

    @Test func firstMatchingRouteWins() throws {
        let policy = try Fixture.policy(Self.rules)
        let request = Fixture.request { $0.environment = "production"; $0.access = .admin }
        let outcome = policy.route(request, submittedBy: "alice", at: Fixture.now)
        #expect(outcome == .steps(rule: "prod-admin", steps: [
            RoutedStep(name: "owners of payments-db", approvers: "owners", required: 2),
            RoutedStep(name: "group security, not the subject's owner", approvers: "group:security except subject_owner", required: 1),
        ]))
        let read = policy.route(Fixture.request { $0.environment = "production" }, submittedBy: "alice", at: Fixture.now)
        #expect(read == .steps(rule: "prod-any", steps: [RoutedStep(name: "owners of payments-db", approvers: "owners", required: 1)]))
        let vault = policy.route(Fixture.request { $0.system = "vault"; $0.entitlement = "secret_read"; $0.environment = "production"; $0.duration = .hours(1) },
                                 submittedBy: "alice", at: Fixture.now)
        #expect(vault == .steps(rule: "prod-any", steps: [RoutedStep(name: "owners of vault", approvers: "owners", required: 1)]))
    }

    @Test func autoApprovalAndUnroutable() throws {
        let policy = try Fixture.policy(Self.rules)
        #expect(policy.route(Fixture.request(), submittedBy: "alice", at: Fixture.now) == .autoApproved(rule: "staging-read"))
        let write = policy.route(Fixture.request { $0.access = .write }, submittedBy: "alice", at: Fixture.now)
        guard case let .unroutable(reason) = write else {
            Issue.record("expected unroutable, got \(write)")
            return
        }
        #expect(reason.contains("no route rule covers write access to payments-db staging"))
    }

    @Test func anEmptyRouteListRoutesNothing() throws {
        let policy = try Fixture.policy("route: []\n")
        #expect(policy.route(Fixture.request(), submittedBy: "alice", at: Fixture.now) == .unroutable(reason: Policy.unroutableReason(Fixture.request())))
    }

    struct BuiltInCase: Sendable, CustomTestStringConvertible {
        var label: String
        var edit: @Sendable (inout AccessRequest) -> Void
        var reasons: [String]
        var testDescription: String { label }
    }

    static let builtIns: [BuiltInCase] = [
        BuiltInCase(label: "system not in catalogue", edit: { $0.system = "mainframe" }, reasons: ["system mainframe is not in the catalogue"]),
        BuiltInCase(label: "unknown environment and entitlement", edit: { $0.environment = "dev"; $0.entitlement = "root" },
                    reasons: ["payments-db has no environment dev (it has staging, production)",
                              "payments-db offers no entitlement root (it offers read_replica, schema_migrate, superuser)"]),
        BuiltInCase(label: "over the system limit", edit: { $0.duration = .days(31) },
                    reasons: ["requested 31d is over the 30d limit for payments-db"]),
        BuiltInCase(label: "over the per-kind limit", edit: { $0.subject = Subject(kind: .aiAgent, name: "helper", owner: "bob"); $0.duration = .hours(9) },
                    reasons: ["requested 9h is over the 8h limit for AI agent access to payments-db"]),
        BuiltInCase(label: "human limit is the smaller one", edit: { $0.subject = Subject(kind: .human, name: "erin", owner: "erin"); $0.duration = .days(8) },
                    reasons: ["requested 8d is over the 1w limit for human access to payments-db"]),
        BuiltInCase(label: "break glass without an incident", edit: { $0.breakGlass = true; $0.incident = "  " },
                    reasons: ["a break-glass request must name its incident"]),
    ]

    @Test(arguments: builtIns)
    func builtInDenials(_ test: BuiltInCase) throws {
        let policy = try Fixture.policy(Self.rules)
        let outcome = policy.route(Fixture.request(test.edit), submittedBy: "alice", at: Fixture.now)
        guard case let .denied(matches) = outcome else {
            Issue.record("expected a denial, got \(outcome)")
            return
        }
        #expect(matches.map(\.reason) == test.reasons)
    }

    @Test func limitsAtTheBoundaryAreAllowed() throws {
        let policy = try Fixture.policy(Self.rules)
        let request = Fixture.request { $0.subject = Subject(kind: .aiAgent, name: "helper", owner: "bob"); $0.duration = .hours(8) }
        #expect(policy.route(request, submittedBy: "alice", at: Fixture.now) == .autoApproved(rule: "staging-read"))
    }

    @Test func breakGlassWithIncidentRoutesToOnCall() throws {
        let policy = try Fixture.policy(Self.rules)
        let request = Fixture.request { $0.breakGlass = true; $0.incident = "INC-42"; $0.environment = "production"; $0.access = .admin }
        #expect(policy.route(request, submittedBy: "alice", at: Fixture.now)
            == .steps(rule: "break-glass", steps: [RoutedStep(name: "on call for sre-oncall", approvers: "rotation:sre-oncall", required: 1)]))
    }

    @Test func groupMembershipDecidesADeny() throws {
        let policy = try Fixture.policy(Self.rules)
        let request = Fixture.request { $0.system = "vault"; $0.entitlement = "policy_admin"; $0.environment = "production"; $0.duration = .hours(1) }
        #expect(policy.route(request, submittedBy: "alice", at: Fixture.now)
            == .denied([DenyMatch(rule: "vault-admin-security-only", reason: "only security may hold vault policy admin")]))
        var bySam = request
        bySam.requester = "sam"
        #expect(policy.route(bySam, submittedBy: "sam", at: Fixture.now) == .steps(rule: "prod-any", steps: [RoutedStep(name: "owners of vault", approvers: "owners", required: 1)]))
    }

    @Test func missingRequesterMeansTheSubmitter() throws {
        let policy = try Fixture.policy("""
            route:
              - {name: sre, when: {requester: {in_group: sre}}, approve: automatically}
            """)
        let request = Fixture.request { $0.requester = nil }
        #expect(policy.route(request, submittedBy: "bob", at: Fixture.now) == .autoApproved(rule: "sre"))
        #expect(policy.route(request, submittedBy: "dave", at: Fixture.now) != .autoApproved(rule: "sre"))
    }
}
