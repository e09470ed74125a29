import Foundation
import SignoffCore
import Testing
@testable import SignoffStore

/// Whoever can write a store (a person mapped to a PostgreSQL role, through
/// the append function; a member of a store file's group) can append a
/// well-chained event with any content in their own name. `audit verify`
/// names the reviews, approvals and grants no command of signoff records.
/// Each case here appends events as such a writer would: straight into the
/// chain, past every command's checks.
@Suite struct DecisionCheckTests {
    /// The problems verify names about decisions, as "request: problem".
    func decisionProblems(_ events: (String) -> [EventDraft], request: AccessRequest = Sample.request(),
                          route: ((String) -> EventDraft)? = nil) throws -> [String] {
        let directory = TemporaryDirectory()
        let store = try Store.create(at: directory.file(), settings: StoreSettings())
        try store.write { try $0.append(Sample.policy()) }
        let id = try store.write { transaction in
            let id = try transaction.nextRequestID()
            try transaction.append(Sample.submit(id, request))
            try transaction.append(route?(id) ?? Sample.route(id))
            return id
        }
        try store.write { transaction in
            for event in events(id) { try transaction.append(event) }
        }
        let report = try store.verify()
        #expect(report.firstBadEvent == nil, "the chain itself is intact")
        return report.projectionMismatches.filter { $0.table == "events" }.map { "\($0.requestID ?? "-"): \($0.problem)" }
    }

    static func decided(_ id: String, by actor: Principal, approvers: [String], selfActivated: Bool? = nil) -> EventDraft {
        EventDraft(requestID: id, actor: actor, at: Sample.start, body: .requestDecided(.init(
            state: .approved, by: approvers, policyVersion: Sample.policyVersion, reason: "every step satisfied",
            selfActivated: selfActivated)))
    }

    @Test func anApprovalBackedByAReviewAndItsGrantPass() throws {
        let problems = try decisionProblems { id in
            [Sample.review(id), Self.decided(id, by: Sample.bob, approvers: ["bob"]), Sample.grant(id)]
        }
        #expect(problems.isEmpty, "\(problems)")
    }

    @Test func aRequesterApprovingTheirOwnRequestIsNamed() throws {
        let problems = try decisionProblems { id in
            [Sample.review(id, by: Sample.alice), Self.decided(id, by: Sample.alice, approvers: ["alice"]),
             Sample.grant(id, approvers: ["alice"])]
        }
        #expect(problems == [
            "REQ-1: review_recorded by alice: a review signoff refuses: alice requested REQ-1 and may not review it",
            "REQ-1: request_decided by alice: an approval signoff refuses: alice requested REQ-1 and may not review it",
        ])
    }

    @Test func anApprovalNoReviewBacksIsNamed() throws {
        let problems = try decisionProblems { id in
            [Self.decided(id, by: Sample.carol, approvers: ["carol"]), Sample.grant(id, approvers: ["carol"])]
        }
        #expect(problems == ["REQ-1: request_decided by carol: approved by carol, who has no approval of version 1 of REQ-1"])
    }

    @Test func aDenialDoesNotBackAnApproval() throws {
        let problems = try decisionProblems { id in
            [Sample.review(id, verdict: .deny), Self.decided(id, by: Sample.bob, approvers: ["bob"]), Sample.grant(id)]
        }
        #expect(problems == ["REQ-1: request_decided by bob: approved by bob, who has no approval of version 1 of REQ-1"])
    }

    @Test func aGrantNoApprovalIssuedIsNamed() throws {
        let problems = try decisionProblems { id in [Sample.review(id), Sample.grant(id)] }
        #expect(problems == ["REQ-1: grant_issued by signoff: a grant that no approval of REQ-1 issued"])
    }

    @Test func aGrantBeyondWhatWasApprovedIsNamed() throws {
        let wider = try decisionProblems { id in
            [Sample.review(id), Self.decided(id, by: Sample.bob, approvers: ["bob"]),
             Sample.grant(id, request: Sample.request(system: "ledger-admin"))]
        }
        #expect(wider == ["REQ-1: grant_issued by signoff: a grant whose terms are not those of the request approved"])
        let longer = try decisionProblems { id in
            [Sample.review(id), Self.decided(id, by: Sample.bob, approvers: ["bob"]), Sample.grant(id, duration: .hours(80))]
        }
        #expect(longer == ["REQ-1: grant_issued by signoff: a grant for 3d8h, longer than the 8h requested"])
        let otherApprovers = try decisionProblems { id in
            [Sample.review(id), Self.decided(id, by: Sample.bob, approvers: ["bob"]), Sample.grant(id, approvers: ["bob", "carol"])]
        }
        #expect(otherApprovers == ["REQ-1: grant_issued by signoff: a grant whose approvers (bob, carol) are not the approval's (bob)"])
    }

    @Test func aRuleApprovingWhatItsRouteDidNotIsNamed() throws {
        let problems = try decisionProblems { id in
            [Self.decided(id, by: .policyRule("low-risk"), approvers: ["policy:low-risk"]), Sample.grant(id, approvers: ["policy:low-risk"])]
        }
        #expect(problems == ["REQ-1: request_decided by policy:low-risk: an approval by rule low-risk, but the route of REQ-1 is rule owners: 1 of owners of payments-db"])
    }

    @Test func aRuleApprovingWhatItsRouteApprovedPasses() throws {
        let autoApproved: (String) -> EventDraft = { id in
            EventDraft(requestID: id, actor: .signoff, at: Sample.start, body: .requestRouted(.init(
                version: 1, policyVersion: Sample.policyVersion, outcome: .autoApproved(rule: "low-risk"), cause: "submitted")))
        }
        let problems = try decisionProblems({ id in
            [Self.decided(id, by: .policyRule("low-risk"), approvers: ["policy:low-risk"]), Sample.grant(id, approvers: ["policy:low-risk"])]
        }, route: autoApproved)
        #expect(problems.isEmpty, "\(problems)")
    }

    @Test func selfActivationIsTheRequestersOwnBreakGlassOnly() throws {
        func activation(_ id: String, by actor: Principal, breakGlass: Bool = true) -> [EventDraft] {
            var grant = Sample.grant(id, request: Sample.request(breakGlass: breakGlass), approvers: [actor.name])
            if case var .grantIssued(issued) = grant.body {
                issued.selfActivated = true
                grant.body = .grantIssued(issued)
            }
            return [Self.decided(id, by: actor, approvers: [actor.name], selfActivated: true), grant]
        }
        let own = try decisionProblems({ activation($0, by: Sample.alice) }, request: Sample.request(breakGlass: true))
        #expect(own.isEmpty, "\(own)")
        let someoneElse = try decisionProblems({ activation($0, by: Sample.bob) }, request: Sample.request(breakGlass: true))
        #expect(someoneElse == ["REQ-1: request_decided by bob: a self-activation by bob of REQ-1, which alice requested"])
        let notBreakGlass = try decisionProblems { activation($0, by: Sample.alice, breakGlass: false) }
        #expect(notBreakGlass == ["REQ-1: request_decided by alice: a self-activation of REQ-1, which is not a break-glass request"])
    }

    @Test func reviewsSignoffRefusesAreNamed() throws {
        let bySystem = try decisionProblems { id in [Sample.review(id, by: .signoff)] }
        #expect(bySystem == ["REQ-1: review_recorded by signoff: a review by signoff, who is not a person"])
        let staleVersion = try decisionProblems { id in [Sample.review(id, version: 2)] }
        #expect(staleVersion == ["REQ-1: review_recorded by bob: a review of version 2 of REQ-1, which was at version 1"])
        let afterDecision = try decisionProblems { id in
            [Sample.review(id), Self.decided(id, by: Sample.bob, approvers: ["bob"]), Sample.grant(id), Sample.review(id, by: Sample.carol)]
        }
        #expect(afterDecision == ["REQ-1: review_recorded by carol: a review of REQ-1, which was already approved"])
    }
}
