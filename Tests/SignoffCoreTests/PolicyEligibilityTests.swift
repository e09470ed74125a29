import Foundation
import Testing
@testable import SignoffCore

struct EligibilityCase: Sendable, CustomTestStringConvertible {
    var label: String
    var person: String
    var approvers: String
    var at: String = "2026-03-02T12:00:00Z"
    var submittedBy: String = "alice"
    var edit: @Sendable (inout AccessRequest) -> Void = { _ in }
    var eligible: Bool
    var reason: String
    var testDescription: String { label }
}

/// In the spirit of a review-threshold table: who may decide which step, and why.
/// The default request: alice asks, for service account ci-deployer owned by bob,
/// read access to payments-db (owners dave + group dba: dave, erin).
/// sre-oncall turns weekly from Monday 2026-01-05 09:00 UTC: alice, bob, frank.
/// dave delegates to frank until 2026-06-01.
@Suite("Policy eligibility")
struct PolicyEligibilityTests {
    static let cases: [EligibilityCase] = [
        EligibilityCase(label: "owner", person: "dave", approvers: "owners", eligible: true, reason: "owner of payments-db"),
        EligibilityCase(label: "owner through a group", person: "erin", approvers: "owners", eligible: true, reason: "owner of payments-db (group dba)"),
        EligibilityCase(label: "not an owner", person: "sam", approvers: "owners", eligible: false, reason: "not an owner of payments-db"),
        EligibilityCase(label: "requester is never eligible", person: "dave", approvers: "owners", edit: { $0.requester = "dave" },
                        eligible: false, reason: "is the requester"),
        EligibilityCase(label: "submitter is never eligible", person: "erin", approvers: "owners", submittedBy: "erin",
                        eligible: false, reason: "submitted the request"),
        EligibilityCase(label: "human subject is never eligible", person: "erin", approvers: "owners",
                        edit: { $0.subject = Subject(kind: .human, name: "erin", owner: "erin") }, eligible: false, reason: "is the subject of the request"),
        // An identity of another kind named as a person is taken as theirs: nobody approves access for it.
        EligibilityCase(label: "non-human subject named as the person", person: "erin", approvers: "owners",
                        edit: { $0.subject.name = "Erin" }, eligible: false,
                        reason: "is the subject of the request (service_account Erin is a name of theirs)"),
        EligibilityCase(label: "non-human subject named as the person's address", person: "dave", approvers: "owners",
                        edit: { $0.subject = Subject(kind: .bot, name: "dave@acme.example", owner: "bob") }, eligible: false,
                        reason: "is the subject of the request (bot dave@acme.example is a name of theirs)"),
        EligibilityCase(label: "non-human subject only named after the person", person: "erin", approvers: "owners",
                        edit: { $0.subject.name = "erin-etl" }, eligible: true, reason: "owner of payments-db (group dba)"),
        EligibilityCase(label: "subject owner is eligible unless excluded", person: "tina", approvers: "group:security",
                        edit: { $0.subject.owner = "tina" }, eligible: true, reason: "member of security"),
        EligibilityCase(label: "subject owner excluded", person: "tina", approvers: "group:security except subject_owner",
                        edit: { $0.subject.owner = "tina" }, eligible: false, reason: "owns the subject, which this step excludes"),
        EligibilityCase(label: "unknown person", person: "mallory", approvers: "owners", eligible: false, reason: "mallory is not in the policy directory"),
        EligibilityCase(label: "unreadable expression", person: "dave", approvers: "everyone", eligible: false,
                        reason: "the step names approvers this policy cannot read (everyone)"),
        EligibilityCase(label: "manager", person: "carol", approvers: "manager", eligible: true, reason: "manager of alice"),
        EligibilityCase(label: "not the manager", person: "dave", approvers: "manager", eligible: false, reason: "not the manager of alice (carol is)"),
        EligibilityCase(label: "subject owner's manager", person: "carol", approvers: "subject_owner_manager", eligible: true,
                        reason: "manager of bob, the subject's owner"),
        EligibilityCase(label: "named person", person: "uma", approvers: "person:uma", eligible: true, reason: "named by the policy"),
        // Week 9 since 2026-01-05 09:00: 8 full turns → index 8 % 3 = 2 → frank.
        EligibilityCase(label: "on call now", person: "frank", approvers: "rotation:sre-oncall", submittedBy: "dave",
                        edit: { $0.requester = "dave" }, eligible: true, reason: "on call for sre-oncall now"),
        EligibilityCase(label: "not on call now", person: "bob", approvers: "rotation:sre-oncall", submittedBy: "dave",
                        edit: { $0.requester = "dave" }, eligible: false, reason: "not on call now (frank is)"),
        EligibilityCase(label: "the rotation turns", person: "bob", approvers: "rotation:sre-oncall", at: "2026-01-12T09:00:00Z", submittedBy: "dave",
                        edit: { $0.requester = "dave" }, eligible: true, reason: "on call for sre-oncall now"),
        EligibilityCase(label: "one second before the turn", person: "bob", approvers: "rotation:sre-oncall", at: "2026-01-12T08:59:59Z", submittedBy: "dave",
                        edit: { $0.requester = "dave" }, eligible: false, reason: "not on call now (alice is)"),
        EligibilityCase(label: "before the rotation starts", person: "alice", approvers: "rotation:sre-oncall", at: "2026-01-01T00:00:00Z", submittedBy: "dave",
                        edit: { $0.requester = "dave" }, eligible: false, reason: "nobody is on call for sre-oncall now (the rotation starts 2026-01-05T09:00:00Z)"),
        EligibilityCase(label: "on call but the requester", person: "frank", approvers: "rotation:sre-oncall", edit: { $0.requester = "frank" },
                        eligible: false, reason: "is the requester"),
        EligibilityCase(label: "delegate while in force", person: "frank", approvers: "owners", eligible: true,
                        reason: "delegate of dave until 2026-06-01T00:00:00Z"),
        EligibilityCase(label: "delegation ended", person: "frank", approvers: "owners", at: "2026-06-01T00:00:00Z", eligible: false,
                        reason: "delegation from dave ended 2026-06-01T00:00:00Z"),
        EligibilityCase(label: "a delegate cannot act for the requester", person: "frank", approvers: "owners", edit: { $0.requester = "dave" },
                        eligible: false, reason: "not an owner of payments-db"),
    ]

    @Test(arguments: cases)
    func eligibility(_ test: EligibilityCase) throws {
        let policy = try Fixture.policy("route: []\n")
        let step = RoutedStep(name: "step", approvers: test.approvers, required: 1)
        let candidate = policy.eligibility(of: test.person, for: step, request: Fixture.request(test.edit),
                                           submittedBy: test.submittedBy, at: Fixture.date(test.at))
        #expect(candidate == Candidate(name: test.person, eligible: test.eligible, reason: test.reason))
    }

    /// A delegate approves for the delegator: the two fill one seat between
    /// them, whoever approves first, and the other is told so. Two owners are
    /// needed (dave, erin); frank is dave's delegate.
    @Test func aDelegateAndTheDelegatorCountOnce() throws {
        let policy = try Fixture.policy("""
            route:
              - name: owners
                steps:
                  - {approvers: owners, count: 2}
            """)
        let request = Fixture.request()
        func person(_ name: String) -> Principal { Principal(name: name, authentication: .asserted) }
        let submitted = Lifecycle.submit(try ScannedRequest(scanning: request), id: "REQ-1", by: person("alice"), policy: policy,
                                         original: nil, at: Fixture.now)
        let pending = try #require(submitted.reduce(nil) { Projection.apply($1, to: $0) })
        func approve(_ record: RequestRecord, by name: String) throws -> RequestRecord {
            let result = Lifecycle.review(record, verdict: .approve, rationale: "checked the ticket and the scope", shownVersion: record.version,
                                          by: person(name), policy: policy, original: nil, at: Fixture.now.addingTimeInterval(60))
            return try #require(result.events.reduce(record) { Projection.apply($1, to: $0) })
        }
        for (first, second) in [("dave", "frank"), ("frank", "dave")] {
            let one = try approve(pending, by: first)
            let standing = Lifecycle.standing(one, person: second, policy: policy, at: Fixture.now.addingTimeInterval(120))
            #expect(!standing.mayDecide && standing.reason.contains("you count as one"), "\(standing.reason)")
            // A denial of theirs counts, as `review` records it: they are told so.
            #expect(standing.mayDeny && standing.words == "may deny, not approve" && standing.reason.contains("you may still deny it"))
            // The commands refuse that approval (it would count for nothing and use up their review); the denial stands.
            let counted = Lifecycle.review(one, verdict: .approve, rationale: "checked the ticket and the scope", shownVersion: one.version,
                                           by: person(second), policy: policy, original: nil, at: Fixture.now.addingTimeInterval(90),
                                           countingOnly: true)
            guard case let .refused(refusal) = counted.outcome else { Issue.record("\(counted.outcome)"); continue }
            #expect(refusal.reason == .notEligible && refusal.message.contains("would count for no step"), "\(refusal.message)")
            #expect(counted.events.map(\.body.kind) == ["review_refused"], "the attempt is evidence")
            let denied = Lifecycle.review(one, verdict: .deny, rationale: "the scope is wider than the ticket says", shownVersion: one.version,
                                          by: person(second), policy: policy, original: nil, at: Fixture.now.addingTimeInterval(90),
                                          countingOnly: true)
            #expect(denied.outcome == .recorded(.denied))
            let two = try approve(one, by: second)
            #expect(two.state == .pending, "\(first) then \(second) approved it")
            #expect(Lifecycle.progress(two, policy: policy, original: nil).first?.approvedBy == [first])
            let three = try approve(two, by: "erin")
            #expect(three.state == .approved)
            #expect(Lifecycle.progress(three, policy: policy, original: nil).first.map { Set($0.approvedBy) } == [first, "erin"])
        }
    }

    /// frank is the delegate of two: dave (dba) and sam (security). Step one
    /// needs one of dba, step two two of security. frank stands for one of
    /// them at a time, never for sam beside sam himself, and may stand for
    /// whichever the other approvals leave open.
    @Test func aDelegateOfTwoStandsForOneAndTheRightOne() throws {
        let source = Fixture.directory.replacingOccurrences(
            of: "    - {from: dave, to: frank, until: 2026-06-01T00:00:00Z}\n",
            with: "    - {from: dave, to: frank, until: 2026-06-01T00:00:00Z}\n    - {from: sam, to: frank, until: 2026-06-01T00:00:00Z}\n")
        #expect(source != Fixture.directory)
        let policy = try Policy.parse(source: source + """
            route:
              - name: two-teams
                steps:
                  - {approvers: group:dba, count: 1}
                  - {approvers: group:security, count: 2}
            """, file: "policy.yaml")
        func person(_ name: String) -> Principal { Principal(name: name, authentication: .asserted) }
        let submitted = Lifecycle.submit(try ScannedRequest(scanning: Fixture.request()), id: "REQ-1", by: person("alice"),
                                         policy: policy, original: nil, at: Fixture.now)
        let pending = try #require(submitted.reduce(nil) { Projection.apply($1, to: $0) })
        func approved(by names: [String]) throws -> RequestRecord {
            var record = pending
            for (offset, name) in names.enumerated() {
                let result = Lifecycle.review(record, verdict: .approve, rationale: "checked the ticket and the scope",
                                              shownVersion: record.version, by: person(name), policy: policy, original: nil,
                                              at: Fixture.now.addingTimeInterval(Double(60 * (offset + 1))))
                record = try #require(result.events.reduce(record) { Projection.apply($1, to: $0) })
            }
            return record
        }
        // sam and his delegate are one: security has one approval of two, whatever else frank could be.
        let oneOfSecurity = try approved(by: ["frank", "sam", "erin"])
        #expect(oneOfSecurity.state == .pending)
        #expect(Lifecycle.progress(oneOfSecurity, policy: policy, original: nil).map(\.missing) == [0, 1])
        // frank first, then dave: frank stands for sam, dave for himself.
        let both = try approved(by: ["frank", "dave", "tina"])
        #expect(both.state == .approved, "\(Lifecycle.progress(both, policy: policy, original: nil))")
        // Every seat frank could fill is taken: he is told he counts as one.
        let taken = try approved(by: ["dave", "sam"])
        let standing = Lifecycle.standing(taken, person: "frank", policy: policy, at: Fixture.now.addingTimeInterval(600))
        #expect(!standing.mayDecide && standing.reason.contains("you count as one"), "\(standing.reason)")
        // The dba step has its approval: tina (security) may approve; erin (dba) may only deny, and her denial denies it.
        let dbaDone = try approved(by: ["dave"])
        let erin = Lifecycle.standing(dbaDone, person: "erin", policy: policy, at: Fixture.now.addingTimeInterval(600))
        #expect(!erin.mayDecide && erin.mayDeny && erin.reason.hasPrefix("dba already has its approvals")
                || !erin.mayDecide && erin.mayDeny && erin.reason.contains("already has its approvals"), "\(erin.reason)")
        let denial = Lifecycle.review(dbaDone, verdict: .deny, rationale: "the scope is wider than the ticket says", shownVersion: dbaDone.version,
                                      by: person("erin"), policy: policy, original: nil, at: Fixture.now.addingTimeInterval(660))
        #expect(denial.outcome == .recorded(.denied))
        #expect(Lifecycle.standing(dbaDone, person: "tina", policy: policy, at: Fixture.now.addingTimeInterval(600)).mayDecide)
        // Someone eligible for no step may do neither.
        let carol = Lifecycle.standing(dbaDone, person: "carol", policy: policy, at: Fixture.now.addingTimeInterval(600))
        #expect(!carol.mayDecide && !carol.mayDeny && carol.words == "may not decide")
    }

    @Test func candidatesListEveryoneNamedWithDelegates() throws {
        let policy = try Fixture.policy("route: []\n")
        let step = RoutedStep(name: "owners of payments-db", approvers: "owners", required: 1)
        let request = Fixture.request { $0.requester = "erin" }
        let candidates = policy.candidates(for: step, request: request, submittedBy: "erin", at: Fixture.now)
        #expect(candidates == [
            Candidate(name: "dave", eligible: true, reason: "owner of payments-db"),
            Candidate(name: "erin", eligible: false, reason: "is the requester"),
            Candidate(name: "frank", eligible: true, reason: "delegate of dave until 2026-06-01T00:00:00Z"),
        ])
    }

    @Test func rotationCandidatesShowWhoIsOnCall() throws {
        let policy = try Fixture.policy("route: []\n")
        let step = RoutedStep(name: "on call for sre-oncall", approvers: "rotation:sre-oncall", required: 1)
        let candidates = policy.candidates(for: step, request: Fixture.request { $0.requester = "dave" }, submittedBy: "dave", at: Fixture.now)
        #expect(candidates.filter(\.eligible).map(\.name) == ["frank"])
        #expect(candidates.first { $0.name == "alice" }?.reason == "not on call now (frank is)")
    }

    @Test func explainNamesDecidingConditionsAndCandidates() throws {
        let policy = try Fixture.policy(PolicyRouteTests.rules)
        let request = Fixture.request { $0.environment = "production"; $0.access = .admin }
        let explanation = policy.explain(request, submittedBy: "alice", at: Fixture.now)
        #expect(explanation.policyVersion == policy.version)
        let deny = Dictionary(uniqueKeysWithValues: explanation.denyRules.map { ($0.rule, $0) })
        #expect(deny["no-ai-admin"] == RuleTrace(rule: "no-ai-admin", matched: false, detail: "subject.kind is service_account, not ai_agent"))
        #expect(deny["catalogue"]?.matched == false)
        #expect(deny["max-duration"]?.detail == "requested 8h is within the 30d limit")
        #expect(explanation.routeRules == [
            RuleTrace(rule: "break-glass", matched: false, detail: "break_glass is false, not true"),
            RuleTrace(rule: "staging-read", matched: false, detail: "environment is production, not staging"),
            RuleTrace(rule: "prod-admin", matched: true, detail: "environment is production and access is admin"),
        ])
        #expect(explanation.outcome == policy.route(request, submittedBy: "alice", at: Fixture.now))
        #expect(explanation.steps.count == 2)
        #expect(explanation.steps[1].candidates.map(\.name) == ["sam", "tina", "uma"])
        #expect(explanation.steps[0].candidates.filter(\.eligible).map(\.name) == ["dave", "erin", "frank"])
    }
}
