import Foundation
@testable import SignoffApp
import SignoffCore
import Testing

/// What the console offers each person on a grant, before a rationale is typed.
@Suite struct GrantPermissionsTests {
    static let policy = try! Policy.parse(source: """
        policy: permissions-test
        directory:
          people: {alice: {}, bob: {}, sec: {}, sue: {}}
          groups:
            security: [sec, sue]
        catalogue:
          payments-db:
            owners: [bob]
            environments: [production]
            entitlements: [read_replica]
            max_duration: 30d
        break_glass:
          raised_by: [person:alice]
          max_duration: 4h
          incident_required: true
          post_incident_review: {reviewers: group:security, within: 72h}
        route:
          - name: owners
            when: {system: payments-db}
            steps: [{approvers: owners, count: 1}]
        """, file: "policy.yaml")

    /// The post-incident review is not offered to whoever approved an
    /// extension of the emergency: the command would refuse them.
    @Test func theIncidentReviewIsNotOfferedToWhoApprovedAnExtension() throws {
        let at = Date(timeIntervalSince1970: 1_900_000_000)
        let request = AccessRequest(requester: "alice", subject: Subject(kind: .serviceAccount, name: "svc-etl", owner: "alice"),
                                    system: "payments-db", environment: "production", entitlement: "read_replica", access: .read,
                                    purpose: "payments are down, the ledger must be read", duration: .hours(2), breakGlass: true,
                                    incident: "INC-7")
        let drafts = Lifecycle.submit(try ScannedRequest(scanning: request), id: "REQ-1", by: Principal(name: "alice", authentication: .asserted),
                                      policy: Self.policy, original: nil, at: at)
        let pending = try #require(drafts.reduce(nil) { Projection.apply($1, to: $0) })
        let approval = Lifecycle.review(pending, verdict: .approve, rationale: "the incident is real and the scope is read only",
                                        shownVersion: pending.version, by: Principal(name: "bob", authentication: .asserted),
                                        policy: Self.policy, original: nil, at: at)
        let grant = try #require(approval.events.reduce(nil) { GrantProjection.apply($1, to: $0) ?? $0 })
        #expect(grant.incidentReview != nil)
        let sue = GrantPermissions(policy: Self.policy, person: "sue", storeCreator: nil, at: at.addingTimeInterval(3600))
        // Not offered while the emergency access lasts, to anyone.
        #expect(sue.reviewRefusal(grant, extensionApprovers: [])?.hasPrefix("the emergency access of REQ-1 is active until ") == true)
        let revocation = try Lifecycle.revoke(grant, by: Principal(name: "alice", authentication: .asserted),
                                              rationale: "the incident is over, the ledger is back", policy: Self.policy,
                                              at: at.addingTimeInterval(1800))
        let ended = try #require(revocation.reduce(grant) { GrantProjection.apply($1, to: $0) })
        #expect(sue.reviewRefusal(ended, extensionApprovers: []) == nil)
        #expect(sue.reviewRefusal(ended, extensionApprovers: ["sue"]) == "sue approved the access and may not review the incident")
        // Revoking is offered to whoever approved an extension, and to nobody else who has no other right to it.
        #expect(sue.revokeRefusal(grant, extensionApprovers: ["sue"]) == nil)
        #expect(sue.revokeRefusal(grant, extensionApprovers: ["sec"])?.hasPrefix("sue may not revoke REQ-1") == true)
    }
}
