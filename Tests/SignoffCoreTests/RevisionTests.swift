import Foundation
import SignoffCore
import Testing

/// A request whose source changed while open is revised: always a new
/// version, routed again, and no approval of what approvers saw before counts.
@Suite struct RevisionTests {
    static let policy = """
    route:
      - name: dba-two
        when: {system: payments-db}
        steps:
          - {approvers: group:dba, count: 2}
    """
    static let importer = Principal(name: "jira-importer", authentication: .asserted)
    static let at = Fixture.now

    /// A revision appended by hand, by someone who did not submit the
    /// request and with no route after it: named, and it leaves nothing to
    /// approve (the old route and version must not approve the new terms).
    @Test func aRevisionWithoutARouteLeavesNothingToApprove() throws {
        let policy = try Fixture.policy(Self.policy)
        var record: RequestRecord?
        for event in Lifecycle.submit(try ScannedRequest(scanning: Fixture.request()), id: "REQ-1", by: Self.importer, policy: policy, original: nil, at: Self.at) {
            record = Projection.apply(event, to: record)
        }
        let pending = try #require(record)
        var wider = pending.request
        wider.access = .admin
        let revision = EventDraft(requestID: "REQ-1", actor: Principal(name: "bob", authentication: .asserted), at: Self.at,
                                  body: .requestRevised(.init(request: wider, cause: "by hand")))
        var check = DecisionCheck()
        #expect(check.problem(revision, record: pending, policy: policy, grant: { _ in nil })
                == "a revision by bob, who did not submit REQ-1 (jira-importer did)")
        let revised = try #require(Projection.apply(revision, to: pending))
        #expect(revised.route == nil && revised.version == pending.version)
        let review = Lifecycle.review(revised, verdict: .approve, rationale: "checked the scope", shownVersion: revised.version,
                                      by: Principal(name: "dave", authentication: .asserted), policy: policy, original: nil, at: Self.at)
        guard case let .refused(refusal) = review.outcome else {
            Issue.record("an approval of terms nobody routed was recorded")
            return
        }
        #expect(refusal.reason == .notEligible)
    }

    /// Submitted by the importer for alice, with one approval of version 1.
    static func approvedOnce() throws -> (RequestRecord, Policy) {
        let policy = try Fixture.policy(Self.policy)
        var record: RequestRecord?
        for event in Lifecycle.submit(try ScannedRequest(scanning: Fixture.request()), id: "REQ-1", by: importer, policy: policy, original: nil, at: at) {
            record = Projection.apply(event, to: record)
        }
        let review = Lifecycle.review(try #require(record), verdict: .approve, rationale: "checked the scope", shownVersion: 1,
                                      by: Principal(name: "dave", authentication: .asserted), policy: policy, original: nil, at: at)
        for event in review.events { record = Projection.apply(event, to: record) }
        return (try #require(record), policy)
    }

    @Test func aRevisionIsANewVersionAndEarlierApprovalsStopCounting() throws {
        let (record, policy) = try Self.approvedOnce()
        #expect(record.currentApprovals.count == 1)
        let changed = Fixture.request { $0.duration = .hours(4) }
        let events = try Lifecycle.revise(record, to: try ScannedRequest(scanning: changed), by: Self.importer, policy: policy, cause: "ticket ACC-1 changed",
                                          at: Self.at.addingTimeInterval(60))
        #expect(events.map(\.body.kind) == ["request_revised", "request_routed"])
        var revised = record
        for event in events { Projection.apply(event, into: &revised) }
        // The same route, yet a new version: approvers decide what they see.
        #expect(revised.route == record.route)
        #expect(revised.version == 2)
        #expect(revised.request.duration == .hours(4))
        #expect(revised.currentApprovals.isEmpty)
        #expect(revised.state == .pending)
        // dave's approval of version 1 is kept as evidence, and counts for nothing.
        #expect(revised.reviews.count == 1 && revised.reviews[0].requestVersion == 1)
        #expect(Lifecycle.progress(revised, policy: policy, original: nil).allSatisfy { $0.approvedBy.isEmpty })
    }

    @Test(arguments: [
        ("unchanged", RefusalReason?.none),
        ("decided", .alreadyDecided),
        ("not the submitter", .notRequester),
        ("requester unknown", .notEligible),
        ("a credential", .containsSecret),
    ])
    func refusals(case name: String, reason: RefusalReason?) throws {
        var (record, policy) = try Self.approvedOnce()
        var request = record.request
        var actor = Self.importer
        switch name {
        case "decided": record.state = .denied
        case "not the submitter": actor = Principal(name: "alice", authentication: .asserted); request.duration = .hours(1)
        case "requester unknown": request.requester = "mallory"
        case "a credential": request.purpose = "use ghp_" + String(repeating: "a1B2c3", count: 6)
        default: break
        }
        do {
            // A credential is refused where the request is scanned, before anything can submit or revise it.
            let events = try Lifecycle.revise(record, to: try Lifecycle.scanned(request), by: actor, policy: policy, cause: "changed",
                                              at: Self.at)
            #expect(reason == nil, "\(name) was not refused")
            #expect(events.isEmpty, "an unchanged request records nothing")
        } catch {
            #expect(error.reason == reason, "\(name): \(error.message)")
        }
    }
}
