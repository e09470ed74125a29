import Foundation
import Testing
@testable import SignoffCore

// What happens after approval (issue 4): grants, their end, extensions,
// revocation, triggers and break-glass. Every function under test is pure, so
// the clock is injected: fixed dates from `Fixture.now`, never the wall clock.

/// Policies for these tests: the shared directory and catalogue (with its
/// break_glass section), optionally edited, plus one set of route rules.
enum GrantFixture {
    struct MissingText: Error, CustomStringConvertible {
        var text: String
        var description: String { "the fixture policy no longer contains \(text)" }
    }

    static let routes = """
    route:
      - name: break-glass
        when: {break_glass: true}
        steps:
          - {approvers: rotation:sre-oncall, count: 1}
      - name: routine-auto
        when: {labels.lane: auto}
        approve: automatically
      - name: owners-approve
        steps:
          - {approvers: owners, count: 1}

    """

    static let breakGlassSection = """
    break_glass:
      raised_by: [group:sre]
      max_duration: 8h
      post_incident_review: {reviewers: group:security, within: 72h}
      self_activation: {allowed: [group:sre], after: 15m}

    """

    /// `edits` replace text of the fixture's directory and catalogue (each must
    /// be found, so a changed fixture fails loudly rather than testing nothing).
    static func policy(settings: String? = nil, edits: [(String, String)] = []) throws -> Policy {
        var source = Fixture.directory
        for (old, new) in edits {
            guard source.contains(old) else { throw MissingText(text: old) }
            source = source.replacingOccurrences(of: old, with: new)
        }
        if let settings { source += "settings: \(settings)\n" }
        return try Policy.parse(source: source + routes, file: "policy.yaml")
    }

    /// payments-db with a `max_total` (its `max_duration` for a service account is 30d).
    static func withMaxTotal(_ total: String, settings: String? = nil) throws -> Policy {
        try policy(settings: settings, edits: [("max_duration_by_kind: {human: 7d, ai_agent: 8h}",
                                                "max_duration_by_kind: {human: 7d, ai_agent: 8h}\n    max_total: \(total)")])
    }

    static func person(_ name: String) -> Principal { Principal(name: name, authentication: .asserted) }
    static let provisioner = Principal(name: "provisioner", authentication: .asserted)

    static let t0 = Fixture.now
    static func at(_ seconds: TimeInterval) -> Date { t0.addingTimeInterval(seconds) }
    static let minute: TimeInterval = 60
    static let hour: TimeInterval = 3600
    static let day: TimeInterval = 86_400

    static let rationale = "checked the ticket and the scope; it is right"

    /// Folds the events of request `id` into its record.
    static func record(_ events: [EventDraft], id: String, from start: RequestRecord? = nil) -> RequestRecord? {
        events.filter { $0.requestID == id }.reduce(start) { Projection.apply($1, to: $0) }
    }

    /// Folds the events of request `id` into its grant.
    static func grant(_ events: [EventDraft], id: String, from start: Grant? = nil) -> Grant? {
        events.filter { $0.requestID == id }.reduce(start) { GrantProjection.apply($1, to: $0) }
    }

    /// Submits `request` as its requester (alice unless it says otherwise).
    static func submit(_ request: AccessRequest, id: String, policy: Policy, original: Grant? = nil,
                       at: Date) throws -> (RequestRecord, [EventDraft]) {
        let events = Lifecycle.submit(try ScannedRequest(scanning: request), id: id, by: person(request.requester ?? "alice"), policy: policy,
                                      original: original, at: at)
        return (try #require(record(events, id: id)), events)
    }

    /// A request routed to its owners and approved by `approver`: the grant it issued.
    static func approved(_ request: AccessRequest = Fixture.request(), id: String = "REQ-1", policy: Policy,
                         approver: String = "dave", submittedAt: Date = t0,
                         approvedAt: Date = at(hour)) throws -> (RequestRecord, Grant) {
        let (pending, _) = try submit(request, id: id, policy: policy, at: submittedAt)
        let result = Lifecycle.review(pending, verdict: .approve, rationale: rationale, shownVersion: pending.version,
                                      by: person(approver), policy: policy, original: nil, at: approvedAt)
        return (try #require(record(result.events, id: id, from: pending)),
                try #require(grant(result.events, id: id)))
    }

    /// A request the `routine-auto` rule approves on submission: its grant.
    static func autoGranted(id: String, triggers: [RevocationTrigger], policy: Policy, at: Date = t0) throws -> Grant {
        let request = Fixture.request {
            $0.labels = ["lane": "auto"]
            $0.revocationTriggers = triggers
        }
        let (_, events) = try submit(request, id: id, policy: policy, at: at)
        return try #require(grant(events, id: id))
    }

    /// An emergency: alice, on call as an SRE, for admin on production payments-db.
    static func breakGlass(_ edit: (inout AccessRequest) -> Void = { _ in }) -> AccessRequest {
        var request = AccessRequest(
            requester: "alice", subject: Subject(kind: .human, name: "alice", owner: "alice"),
            system: "payments-db", environment: "production", entitlement: "superuser", access: .admin,
            purpose: "ledger writes failing, need to unblock the queue", duration: .hours(4),
            breakGlass: true, incident: "INC-7")
        edit(&request)
        return request
    }

    /// The refusal `body` throws, or nil when it succeeds.
    static func refusal<T>(_ body: () throws(Refusal) -> T) -> Refusal? {
        do {
            _ = try body()
            return nil
        } catch {
            return error
        }
    }
}

private extension EventBody {
    var decided: RequestDecided? { if case let .requestDecided(value) = self { value } else { nil } }
    var routed: RequestRouted? { if case let .requestRouted(value) = self { value } else { nil } }
    var issued: GrantIssued? { if case let .grantIssued(value) = self { value } else { nil } }
    var expired: GrantExpired? { if case let .grantExpired(value) = self { value } else { nil } }
    var revoked: GrantRevoked? { if case let .grantRevoked(value) = self { value } else { nil } }
    var extended: GrantExtended? { if case let .grantExtended(value) = self { value } else { nil } }
}

private extension Array where Element == EventDraft {
    var kinds: [String] { map(\.body.kind) }
}

@Suite("Grant lifecycle")
struct GrantLifecycleTests {}

// MARK: - Approval becomes a grant

extension GrantLifecycleTests {
    @Suite("approval issues a grant")
    struct Issue {
        typealias G = GrantFixture

        @Test func approvalIssuesActiveGrantFromApprovalTime() throws {
            let policy = try G.policy()
            let (pending, submitted) = try G.submit(Fixture.request(), id: "REQ-1", policy: policy, at: G.t0)
            #expect(submitted.kinds == ["request_submitted", "request_routed"])
            #expect(pending.state == .pending)
            #expect(G.grant(submitted, id: "REQ-1") == nil, "no grant before approval")

            let approvedAt = G.at(30 * G.minute)
            let result = Lifecycle.review(pending, verdict: .approve, rationale: G.rationale, shownVersion: pending.version,
                                          by: G.person("dave"), policy: policy, original: nil, at: approvedAt)
            #expect(result.outcome == .recorded(.approved))
            #expect(result.events.kinds == ["review_recorded", "request_decided", "grant_issued"])
            let decided = try #require(result.events[1].body.decided)
            #expect(decided.state == .approved)
            #expect(decided.by == ["dave"])
            let issued = try #require(result.events[2].body.issued)
            #expect(result.events[2].requestID == "REQ-1")
            #expect(issued.policyVersion == policy.version)

            let record = try #require(G.record(result.events, id: "REQ-1", from: pending))
            #expect(record.state == .approved)
            #expect(record.decision?.at == approvedAt)

            let grant = try #require(G.grant(result.events, id: "REQ-1"))
            #expect(grant.state == .active)
            #expect(grant.approvedAt == approvedAt)
            #expect(grant.startsAt == approvedAt)
            #expect(grant.expiresAt == approvedAt.addingTimeInterval(8 * G.hour))
            #expect(grant.duration == .hours(8))
            #expect(grant.approvers == ["dave"])
            #expect(grant.terms.requester == "alice")
            #expect(grant.terms == GrantTerms(record: record))
            #expect(grant.selfActivated == false)
            #expect(grant.incidentReview == nil)
            #expect(grant.provisioning == .pending)
            #expect(grant.remaining(at: approvedAt.addingTimeInterval(G.hour)) == 7 * G.hour)
        }

        @Test func grantStartsAtTheRequestsLaterStart() throws {
            let policy = try G.policy()
            let start = G.at(G.day)
            let (_, grant) = try G.approved(Fixture.request { $0.start = start }, policy: policy, approvedAt: G.at(G.hour))
            #expect(grant.state == .active)
            #expect(grant.startsAt == start)
            #expect(grant.expiresAt == start.addingTimeInterval(8 * G.hour))
        }

        @Test func grantStartsAtApprovalWhenTheRequestedStartHasPassed() throws {
            let policy = try G.policy()
            let approvedAt = G.at(2 * G.hour)
            let (_, grant) = try G.approved(Fixture.request { $0.start = G.at(-G.hour) }, policy: policy, approvedAt: approvedAt)
            #expect(grant.startsAt == approvedAt)
            #expect(grant.expiresAt == approvedAt.addingTimeInterval(8 * G.hour))
        }

        /// A window asked for (start to end) bounds the grant: approved after
        /// its start, the grant still ends at its end; approved after its
        /// end, nothing is granted.
        @Test func aGrantNeverRunsPastTheWindowAskedFor() throws {
            let policy = try G.policy()
            let request = Fixture.request {
                $0.start = G.at(-G.hour)
                $0.end = G.at(G.hour)
                $0.duration = .hours(2)
            }
            let approvedAt = G.at(30 * G.minute)
            let (record, grant) = try G.approved(request, policy: policy, approvedAt: approvedAt)
            #expect(grant.startsAt == approvedAt)
            #expect(grant.expiresAt == G.at(G.hour))
            #expect(grant.duration == .minutes(30))
            #expect(record.decision?.reason.contains("the end of the window asked for") == true)

            let (pending, _) = try G.submit(request, id: "REQ-2", policy: policy, at: G.t0)
            let late = Lifecycle.review(pending, verdict: .approve, rationale: G.rationale, shownVersion: pending.version,
                                        by: G.person("dave"), policy: policy, original: nil, at: G.at(2 * G.hour))
            #expect(late.outcome == .recorded(.denied))
            #expect(G.grant(late.events, id: "REQ-2") == nil)
            let denial = try #require(late.events.first { $0.body.kind == "request_decided" })
            #expect(denial.body.decided?.reason.contains("ended at") == true)
            // Denied by signoff's rule of the window, named as such (not by the approver, nor as an extension).
            #expect(denial.body.decided?.by == ["policy:window"])
            // `audit verify` replays it; also as signoff recorded it before the rule had its own name, and nothing else.
            func replayProblem(_ by: [String]) -> String? {
                var check = DecisionCheck()
                var recorded = denial
                if case var .requestDecided(decided) = recorded.body {
                    decided.by = by
                    recorded.body = .requestDecided(decided)
                }
                _ = check.problem(late.events[0], record: pending, policy: policy, grant: { _ in nil })
                return check.problem(recorded, record: pending, policy: policy, grant: { _ in nil })
            }
            #expect(replayProblem(["policy:window"]) == nil)
            #expect(replayProblem(["policy:extension"]) == nil)
            #expect(replayProblem(["dave"]) != nil)
        }

        @Test func durationIsCappedToThePolicysLimitAtApprovalTime() throws {
            let routedUnder = try G.policy()
            let request = Fixture.request { $0.duration = .days(10) }
            let (pending, _) = try G.submit(request, id: "REQ-1", policy: routedUnder, at: G.t0)
            #expect(pending.state == .pending, "10d is within payments-db's 30d when routed")

            // The policy changed before the approval: payments-db now allows 2d.
            let approvedUnder = try G.policy(edits: [("max_duration: 30d", "max_duration: 2d")])
            #expect(approvedUnder.maxDuration(for: request) == .days(2))
            let approvedAt = G.at(G.hour)
            let result = Lifecycle.review(pending, verdict: .approve, rationale: G.rationale, shownVersion: pending.version,
                                          by: G.person("dave"), policy: approvedUnder, original: nil, at: approvedAt)
            #expect(result.outcome == .recorded(.approved))
            let decided = try #require(result.events.first { $0.body.kind == "request_decided" }?.body.decided)
            #expect(decided.reason.contains("granted for 2d"))
            let grant = try #require(G.grant(result.events, id: "REQ-1"))
            #expect(grant.duration == .days(2))
            #expect(grant.expiresAt == approvedAt.addingTimeInterval(2 * G.day))
            #expect(grant.policyVersion == approvedUnder.version)

            // Under the unchanged policy the same approval grants all ten days.
            let (_, uncapped) = try G.approved(request, policy: routedUnder, approvedAt: approvedAt)
            #expect(uncapped.duration == .days(10))
            #expect(uncapped.expiresAt == approvedAt.addingTimeInterval(10 * G.day))
        }

        @Test func autoApprovalOnSubmissionIssuesAGrant() throws {
            let policy = try G.policy()
            let request = Fixture.request { $0.labels = ["lane": "auto"] }
            let (record, events) = try G.submit(request, id: "REQ-9", policy: policy, at: G.t0)
            #expect(events.kinds == ["request_submitted", "request_routed", "request_decided", "grant_issued"])
            #expect(events[1].body.routed?.outcome == .autoApproved(rule: "routine-auto"))
            #expect(events[2].body.decided?.state == .approved)
            #expect(events[2].body.decided?.by == ["policy:routine-auto"])
            #expect(record.state == .approved)

            let grant = try #require(G.grant(events, id: "REQ-9"))
            #expect(grant.state == .active)
            #expect(grant.approvers == ["policy:routine-auto"])
            #expect(grant.startsAt == G.t0)
            #expect(grant.expiresAt == G.at(8 * G.hour))
        }
    }
}

// MARK: - Provisioning starts the clock

extension GrantLifecycleTests {
    @Suite("access starts at provisioning")
    struct Provisioning {
        typealias G = GrantFixture

        @Test func grantWaitsForProvisioningThenTheClockStarts() throws {
            let policy = try G.policy(settings: "{access_starts: provisioning}")
            #expect(policy.accessStartsAtProvisioning)
            let (record, grant) = try G.approved(policy: policy, approvedAt: G.at(G.hour))
            #expect(record.state == .approved)
            #expect(grant.state == .awaitingProvisioning)
            #expect(grant.state.isLive)
            #expect(grant.startsAt == nil)
            #expect(grant.expiresAt == nil)
            #expect(grant.duration == .hours(8))
            #expect(grant.remaining(at: G.at(2 * G.hour)) == nil)
            #expect(Lifecycle.expire(grant.status, by: .signoff, at: G.at(400 * G.day)) == nil, "no clock, no expiry")

            let provisionedAt = G.at(5 * G.hour)
            let events = try Lifecycle.provisioningReport(grant, succeeded: true, note: "role attached", by: G.provisioner,
                                                          at: provisionedAt)
            #expect(events.kinds == ["grant_provisioned"])
            #expect(events[0].requestID == "REQ-1")
            let active = try #require(G.grant(events, id: "REQ-1", from: grant))
            #expect(active.state == .active)
            #expect(active.startsAt == provisionedAt)
            #expect(active.expiresAt == provisionedAt.addingTimeInterval(8 * G.hour))
            #expect(active.provisioning == .done)
            #expect(active.provisioningReason == "role attached")
            #expect(active.provisioningAt == provisionedAt)

            // The clock now runs from provisioning, not from approval.
            #expect(Lifecycle.expire(active.status, by: .signoff, at: G.at(9 * G.hour)) == nil)
            #expect(Lifecycle.expire(active.status, by: .signoff, at: provisionedAt.addingTimeInterval(8 * G.hour)) != nil)

            let twice = G.refusal { () throws(Refusal) in
                try Lifecycle.provisioningReport(active, succeeded: true, note: nil, by: G.provisioner, at: G.at(6 * G.hour))
            }
            #expect(twice?.reason == .alreadyDecided)
            // Nor can a failure be reported after the confirmation: it would send the hand-off round again.
            let failedAfter = G.refusal { () throws(Refusal) in
                try Lifecycle.provisioningReport(active, succeeded: false, note: "role missing", by: G.provisioner, at: G.at(6 * G.hour))
            }
            #expect(failedAfter?.reason == .alreadyDecided)
            #expect(failedAfter?.message.contains("signoff reconcile") == true)
        }

        /// Provisioning cannot bring access forward: a request that asked for a
        /// later start gets that start as the earliest one, and the clock
        /// starts there if provisioning confirms before it, at the confirmation after it.
        @Test func provisioningNeverStartsTheClockBeforeTheRequestedStart() throws {
            let policy = try G.policy(settings: "{access_starts: provisioning}")
            let requested = G.at(2 * G.day)
            let early = try G.approved(Fixture.request { $0.start = requested }, policy: policy, approvedAt: G.at(G.hour)).1
            #expect(early.state == .awaitingProvisioning)
            #expect(early.startsAt == requested && early.expiresAt == nil)
            #expect(GrantDocument(grant: early, action: .grant).startsAt == requested)
            let confirmedEarly = try #require(G.grant(try Lifecycle.provisioningReport(
                early, succeeded: true, note: nil, by: G.provisioner, at: G.at(2 * G.hour)), id: "REQ-1", from: early))
            #expect(confirmedEarly.startsAt == requested)
            #expect(confirmedEarly.expiresAt == requested.addingTimeInterval(8 * G.hour))
            #expect(confirmedEarly.timeLeftText(at: G.at(3 * G.hour)) == "starts in 1d21h")
            #expect(early.timeLeftText(at: G.at(3 * G.hour)) == "starts at provisioning, in 1d21h at the earliest")

            let late = G.at(3 * G.day)
            let confirmedLate = try #require(G.grant(try Lifecycle.provisioningReport(
                early, succeeded: true, note: nil, by: G.provisioner, at: late), id: "REQ-1", from: early))
            #expect(confirmedLate.startsAt == late)
            #expect(confirmedLate.expiresAt == late.addingTimeInterval(8 * G.hour))

            // A start already past when approved is no constraint: the clock starts at provisioning.
            let past = try G.approved(Fixture.request { $0.start = G.at(-G.hour) }, policy: policy, approvedAt: G.at(G.hour)).1
            #expect(past.startsAt == nil)
        }

        /// Nor can provisioning carry access past the window asked for: the
        /// clock that starts at provisioning stops at the request's end, and a
        /// confirmation after that end leaves a grant due at once.
        @Test func provisioningNeverRunsTheClockPastTheRequestedEnd() throws {
            let policy = try G.policy(settings: "{access_starts: provisioning}")
            let end = G.at(G.day)
            let (_, grant) = try G.approved(Fixture.request { $0.end = end }, policy: policy, approvedAt: G.at(G.hour))
            #expect(grant.state == .awaitingProvisioning && grant.expiresAt == nil)
            #expect(grant.status.endsBy == end)
            let document = String(decoding: GrantDocument(grant: grant, action: .grant).encoded(), as: UTF8.self)
            #expect(document.contains("\"ends_by\": \"\(UTCTime.text(end))\""), "\(document)")
            func confirmed(at time: Date) throws -> Grant {
                try #require(G.grant(try Lifecycle.provisioningReport(grant, succeeded: true, note: nil, by: G.provisioner, at: time),
                                     id: "REQ-1", from: grant))
            }
            // Well before the end: the whole 8 hours.
            let early = try confirmed(at: G.at(2 * G.hour))
            #expect(early.expiresAt == G.at(10 * G.hour) && early.duration == .hours(8))
            // Four hours before it: four hours.
            let close = try confirmed(at: G.at(20 * G.hour))
            #expect(close.expiresAt == end && close.duration == .hours(4))
            // After it: nothing left, and the sweep ends it at once.
            let late = G.at(2 * G.day)
            let after = try confirmed(at: late)
            #expect(after.state == .active && after.startsAt == late && after.expiresAt == late && after.duration == TimeSpan(seconds: 0))
            #expect(Lifecycle.expire(after.status, by: .signoff, at: late) != nil)
            // The clock that starts at approval was cut at the end already, as before.
            let approvalClock = try G.approved(Fixture.request { $0.end = G.at(5 * G.hour) }, policy: try G.policy(), approvedAt: G.at(G.hour)).1
            #expect(approvalClock.expiresAt == G.at(5 * G.hour) && approvalClock.status.endsBy == nil)
        }

        @Test func provisioningFailureFailsAGrantWhoseClockStartedAtApproval() throws {
            let policy = try G.policy()
            let (_, grant) = try G.approved(policy: policy)
            #expect(grant.state == .active)
            let events = try Lifecycle.provisioningReport(grant, succeeded: false, note: "no such database role",
                                                          by: G.provisioner, at: G.at(2 * G.hour))
            let failed = try #require(G.grant(events, id: "REQ-1", from: grant))
            #expect(failed.state == .failed)
            #expect(failed.provisioning == .failed)
            #expect(failed.timeLeftText(at: G.at(3 * G.hour)) == "reported not granted (revoke to be sure it holds no access)")
            // Its clock still runs out: a failure report does not prove the
            // access absent, so at its expiry the removal is handed off too.
            let expiresAt = try #require(grant.expiresAt)
            #expect(Lifecycle.expire(failed.status, by: .signoff, at: expiresAt.addingTimeInterval(-1)) == nil)
            let expiry = try #require(Lifecycle.expire(failed.status, by: .signoff, at: expiresAt))
            let expired = try #require(G.grant([expiry], id: "REQ-1", from: failed))
            #expect(expired.state == .expired && expired.provisioningAction == .expire && expired.provisioning == .pending)
        }

        /// A grant reported failed may still hold its access (a change half
        /// made): it expires all the same.
        @Test func aFailureReportedDoesNotOutliveTheClock() throws {
            let policy = try G.policy()
            let trigger = RevocationTrigger(name: "ticket_closed", ref: "OPS-7")
            let (_, grant) = try G.approved(Fixture.request { $0.revocationTriggers = [trigger] }, policy: policy)
            let failed = try #require(G.grant(try Lifecycle.provisioningReport(grant, succeeded: false, note: "half attached",
                                                                               by: G.person("alice"), at: G.at(3 * G.hour)),
                                              id: "REQ-1", from: grant))
            #expect(failed.state == .failed)
            #expect(Lifecycle.expire(failed.status, by: .signoff, at: try #require(grant.expiresAt)) != nil)
            // Nor does it outlive a revocation, by a person or by a trigger it names.
            let revoked = try #require(G.grant(try Lifecycle.revoke(failed, by: G.person("alice"), rationale: G.rationale,
                                                                    policy: policy, at: G.at(4 * G.hour)),
                                               id: "REQ-1", from: failed))
            #expect(revoked.state == .revoked && revoked.provisioningAction == .revoke)
            #expect(try Lifecycle.fire(trigger, grants: [failed], by: G.person("alice"), policy: policy, at: G.at(4 * G.hour))
                    .kinds == ["grant_revoked"])
        }

        @Test func provisioningFailureFailsTheGrant() throws {
            let policy = try G.policy(settings: "{access_starts: provisioning}")
            let (record, grant) = try G.approved(policy: policy)
            let events = try Lifecycle.provisioningReport(grant, succeeded: false, note: "IAM rejected the role binding",
                                                          by: G.provisioner, at: G.at(2 * G.hour))
            #expect(events.kinds == ["grant_provisioning_failed"])
            let failed = try #require(G.grant(events, id: "REQ-1", from: grant))
            #expect(failed.state == .failed)
            #expect(!failed.state.isLive)
            #expect(failed.provisioning == .failed)
            #expect(failed.provisioningReason == "IAM rejected the role binding")
            #expect(failed.startsAt == nil)
            #expect(failed.expiresAt == nil)

            // Its clock never started, so it does not expire, and it cannot be
            // extended; but the report does not prove the access absent, so
            // it can still be revoked (and its removal is handed off).
            #expect(Lifecycle.expire(failed.status, by: .signoff, at: G.at(30 * G.day)) == nil)
            let revocation = try Lifecycle.revoke(failed, by: G.person("alice"), rationale: G.rationale, policy: policy,
                                                  at: G.at(3 * G.hour))
            let revoked = try #require(G.grant(revocation, id: "REQ-1", from: failed))
            #expect(revoked.state == .revoked && revoked.provisioningAction == .revoke && revoked.provisioning == .pending)
            let extend = G.refusal { () throws(Refusal) in
                try Lifecycle.extensionRequest(of: record, grant: failed, by: .hours(1), askedBy: "alice", purpose: nil, policy: policy, at: G.at(G.day))
            }
            #expect(extend?.reason == .notActive)
        }
    }
}

// MARK: - The sweep: expiry and pending timeout

extension GrantLifecycleTests {
    @Suite("expiry and pending timeout")
    struct Sweep {
        typealias G = GrantFixture

        @Test func expiryHappensAtTheExactBoundary() throws {
            let policy = try G.policy()
            let (_, grant) = try G.approved(policy: policy, approvedAt: G.at(G.hour))
            let expiresAt = try #require(grant.expiresAt)
            #expect(expiresAt == G.at(9 * G.hour))

            #expect(Lifecycle.expire(grant.status, by: .signoff, at: expiresAt.addingTimeInterval(-0.001)) == nil)
            let event = try #require(Lifecycle.expire(grant.status, by: .signoff, at: expiresAt))
            #expect(event.requestID == "REQ-1")
            #expect(event.at == expiresAt)
            #expect(event.body.expired?.expiresAt == expiresAt)

            let expired = try #require(G.grant([event], id: "REQ-1", from: grant))
            #expect(expired.state == .expired)
            #expect(expired.endedAt == expiresAt)
            #expect(expired.endedBy == "signoff")
            #expect(expired.endReason == "expired")
            #expect(expired.provisioningAction == .expire)
            #expect(expired.provisioning == .pending)
            #expect(expired.remaining(at: expiresAt) == nil)

            // Running the sweep again finds nothing to do.
            #expect(Lifecycle.expire(expired.status, by: .signoff, at: expiresAt) == nil)
            #expect(Lifecycle.expire(expired.status, by: .signoff, at: expiresAt.addingTimeInterval(G.day)) == nil)
        }

        @Test func expiryOnlyForActiveGrants() throws {
            let policy = try G.policy()
            let (_, grant) = try G.approved(policy: policy)
            let expiresAt = try #require(grant.expiresAt)
            let revocation = try Lifecycle.revoke(grant, by: G.person("alice"), rationale: G.rationale, policy: policy,
                                                  at: G.at(2 * G.hour))
            let revoked = try #require(G.grant(revocation, id: "REQ-1", from: grant))
            #expect(revoked.state == .revoked)
            #expect(Lifecycle.expire(revoked.status, by: .signoff, at: expiresAt) == nil)
            #expect(Lifecycle.expire(revoked.status, by: .signoff, at: expiresAt.addingTimeInterval(G.day)) == nil)
        }

        @Test func pendingRequestTimesOutAtTheBoundary() throws {
            let policy = try G.policy(settings: "{pending_timeout: 72h}")
            let (pending, _) = try G.submit(Fixture.request(), id: "REQ-1", policy: policy, at: G.t0)
            let boundary = G.at(72 * G.hour)

            #expect(Lifecycle.timeOut(pending, policy: policy, by: .signoff, at: boundary.addingTimeInterval(-0.001)) == nil)
            let event = try #require(Lifecycle.timeOut(pending, policy: policy, by: .signoff, at: boundary))
            #expect(event.requestID == "REQ-1")
            #expect(event.at == boundary)
            let decided = try #require(event.body.decided)
            #expect(decided.state == .timedOut)
            #expect(decided.by == ["policy:pending-timeout"])

            let timedOut = try #require(G.record([event], id: "REQ-1", from: pending))
            #expect(timedOut.state == .timedOut)
            #expect(Lifecycle.timeOut(timedOut, policy: policy, by: .signoff, at: boundary.addingTimeInterval(G.day)) == nil)
        }

        /// `audit verify` replays a time-out: the sweep's passes, one written
        /// in before the policy's timeout is named.
        @Test func aTimeOutIsReplayedAgainstThePolicysTimeout() throws {
            let policy = try G.policy(settings: "{pending_timeout: 72h}")
            let (pending, _) = try G.submit(Fixture.request(), id: "REQ-1", policy: policy, at: G.t0)
            let swept = try #require(Lifecycle.timeOut(pending, policy: policy, by: G.person("ops"), at: G.at(72 * G.hour)))
            var check = DecisionCheck()
            #expect(check.problem(swept, record: pending, policy: policy, grant: { _ in nil }) == nil)
            var early = swept
            early.at = G.at(G.hour)
            let problem = check.problem(early, record: pending, policy: policy, grant: { _ in nil })
            #expect(problem?.hasPrefix("times out REQ-1, which the policy in force times out only 3d after its submission") == true,
                    "\(problem ?? "nil")")
        }

        @Test func decidedRequestsNeverTimeOut() throws {
            let policy = try G.policy(settings: "{pending_timeout: 72h}")
            let (approved, _) = try G.approved(policy: policy)
            #expect(approved.state == .approved)
            #expect(Lifecycle.timeOut(approved, policy: policy, by: .signoff, at: G.at(100 * G.day)) == nil)

            let (pending, _) = try G.submit(Fixture.request(), id: "REQ-2", policy: policy, at: G.t0)
            let denial = Lifecycle.review(pending, verdict: .deny, rationale: G.rationale, shownVersion: pending.version,
                                          by: G.person("dave"), policy: policy, original: nil, at: G.at(G.hour))
            let denied = try #require(G.record(denial.events, id: "REQ-2", from: pending))
            #expect(denied.state == .denied)
            #expect(Lifecycle.timeOut(denied, policy: policy, by: .signoff, at: G.at(100 * G.day)) == nil)
        }

        @Test func noTimeoutWithoutThePendingTimeoutSetting() throws {
            let policy = try G.policy()
            #expect(policy.pendingTimeout == nil)
            let (pending, _) = try G.submit(Fixture.request(), id: "REQ-1", policy: policy, at: G.t0)
            #expect(Lifecycle.timeOut(pending, policy: policy, by: .signoff, at: G.at(1000 * G.day)) == nil)
        }
    }
}

// MARK: - Extensions

extension GrantLifecycleTests {
    @Suite("extensions")
    struct Extensions {
        typealias G = GrantFixture

        /// A 20-day grant of payments-db (max_total 40d), approved an hour after t0.
        static func original(_ policy: Policy) throws -> (RequestRecord, Grant) {
            try G.approved(Fixture.request { $0.duration = .days(20) }, policy: policy, approvedAt: G.at(G.hour))
        }

        /// The original grant, and REQ-2 asking (a day later) to extend it by five days, still pending.
        static func pendingExtension(_ policy: Policy) throws -> (grant: Grant, pending: RequestRecord) {
            let (record, grant) = try original(policy)
            let request = try Lifecycle.extensionRequest(of: record, grant: grant, by: .days(5), askedBy: "alice",
                                                         purpose: nil, policy: policy, at: G.at(G.day)).request
            return (grant, try G.submit(request, id: "REQ-2", policy: policy, original: grant, at: G.at(G.day)).0)
        }

        @Test func extensionRequestCopiesTheTermsAndLinksTheOriginal() throws {
            let policy = try G.withMaxTotal("40d")
            let (record, grant) = try Extensions.original(policy)
            let request = try Lifecycle.extensionRequest(of: record, grant: grant, by: .days(15), askedBy: "alice",
                                                         purpose: nil, policy: policy, at: G.at(G.day)).request
            #expect(request.extends == "REQ-1")
            #expect(request.duration == .days(15))
            #expect(request.requester == "alice")
            #expect(request.start == nil)
            #expect(request.system == record.request.system)
            #expect(request.subject == record.request.subject)
            #expect(request.entitlement == record.request.entitlement)

            // The subject's owner may ask too (and submits it); the requester stays the original's,
            // so neither may approve a longer term of the access.
            let byOwner = try Lifecycle.extensionRequest(of: record, grant: grant, by: .days(1), askedBy: "bob",
                                                         purpose: "the job runs another day", policy: policy, at: G.at(G.day)).request
            #expect(byOwner.requester == "alice")
            #expect(byOwner.purpose == "the job runs another day")

            // Exactly up to the maximum total is allowed.
            let full = try Lifecycle.extensionRequest(of: record, grant: grant, by: .days(20), askedBy: "alice",
                                                      purpose: nil, policy: policy, at: G.at(G.day)).request
            #expect(full.duration == .days(20))
        }

        @Test func extensionRequestRefusals() throws {
            let policy = try G.withMaxTotal("40d")
            let (record, grant) = try Extensions.original(policy)

            let stranger = G.refusal { () throws(Refusal) in
                try Lifecycle.extensionRequest(of: record, grant: grant, by: .days(1), askedBy: "carol", purpose: nil, policy: policy, at: G.at(G.day))
            }
            #expect(stranger?.reason == .notRequester)

            let tooLong = G.refusal { () throws(Refusal) in
                try Lifecycle.extensionRequest(of: record, grant: grant, by: .days(21), askedBy: "alice", purpose: nil, policy: policy, at: G.at(G.day))
            }
            #expect(tooLong?.reason == .overLimit)
            #expect(tooLong?.message.contains("40d") == true)
            #expect(tooLong?.message.contains("at most 20d more") == true)

            // Without max_total the total is what one approval may grant (30d).
            let noTotal = try G.policy()
            let overSingle = G.refusal { () throws(Refusal) in
                try Lifecycle.extensionRequest(of: record, grant: grant, by: .days(11), askedBy: "alice", purpose: nil, policy: noTotal, at: G.at(G.day))
            }
            #expect(overSingle?.reason == .overLimit)

            let expiry = try #require(Lifecycle.expire(grant.status, by: .signoff, at: grant.expiresAt ?? .distantFuture))
            let expired = try #require(G.grant([expiry], id: "REQ-1", from: grant))
            let ofExpired = G.refusal { () throws(Refusal) in
                try Lifecycle.extensionRequest(of: record, grant: expired, by: .days(1), askedBy: "alice", purpose: nil, policy: policy, at: G.at(G.day))
            }
            #expect(ofExpired?.reason == .notActive)
            // Past its expiry but not yet swept: refused all the same (an extension nobody could approve).
            let unswept = G.refusal { () throws(Refusal) in
                try Lifecycle.extensionRequest(of: record, grant: grant, by: .days(1), askedBy: "alice", purpose: nil, policy: policy,
                                               at: grant.expiresAt ?? .distantFuture)
            }
            #expect(unswept?.reason == .notActive)
            #expect(unswept?.message.contains("reached its expiry") == true)

            let revocation = try Lifecycle.revoke(grant, by: G.person("bob"), rationale: G.rationale, policy: policy, at: G.at(G.day))
            let revoked = try #require(G.grant(revocation, id: "REQ-1", from: grant))
            let ofRevoked = G.refusal { () throws(Refusal) in
                try Lifecycle.extensionRequest(of: record, grant: revoked, by: .days(1), askedBy: "alice", purpose: nil, policy: policy, at: G.at(G.day))
            }
            #expect(ofRevoked?.reason == .notActive)
        }

        @Test func approvedExtensionExtendsTheOriginalGrant() throws {
            let policy = try G.withMaxTotal("40d")
            let (record, grant) = try Extensions.original(policy)
            let originalExpiry = try #require(grant.expiresAt)
            let request = try Lifecycle.extensionRequest(of: record, grant: grant, by: .days(15), askedBy: "alice",
                                                         purpose: nil, policy: policy, at: G.at(G.day)).request
            let (pending, submitted) = try G.submit(request, id: "REQ-2", policy: policy, original: grant, at: G.at(G.day))
            #expect(submitted.kinds == ["request_submitted", "request_routed"])
            #expect(pending.state == .pending)

            let result = Lifecycle.review(pending, verdict: .approve, rationale: G.rationale, shownVersion: pending.version,
                                          by: G.person("dave"), policy: policy, original: grant, at: G.at(2 * G.day))
            #expect(result.outcome == .recorded(.approved))
            #expect(result.events.kinds == ["review_recorded", "request_decided", "grant_extended"])
            #expect(result.events[1].requestID == "REQ-2")
            let extendedEvent = result.events[2]
            #expect(extendedEvent.requestID == "REQ-1", "the extension lands on the original request")
            let extended = try #require(extendedEvent.body.extended)
            #expect(extended.extensionID == "REQ-2")
            #expect(extended.by == .days(15))
            #expect(extended.expiresAt == originalExpiry.addingTimeInterval(15 * G.day))
            #expect(G.grant(result.events, id: "REQ-2") == nil, "an extension issues no grant of its own")

            #expect(grant.provisioningAction == .grant)
            let confirmed = try Lifecycle.provisioningReport(grant, succeeded: true, note: nil, by: G.provisioner, at: G.at(2 * G.hour))
            let provisioned = try #require(G.grant(confirmed, id: "REQ-1", from: grant))
            #expect(provisioned.provisioning == .done)

            let longer = try #require(G.grant(result.events, id: "REQ-1", from: provisioned))
            #expect(longer.state == .active)
            #expect(longer.provisioningAction == .grant, "provisioning must learn the new expiry")
            #expect(longer.provisioning == .pending)
            #expect(longer.duration == .days(35))
            #expect(longer.expiresAt == originalExpiry.addingTimeInterval(15 * G.day))
            #expect(longer.startsAt == grant.startsAt)
            #expect(longer.extensions == ["REQ-2"])
            #expect(G.record(result.events, id: "REQ-2", from: pending)?.state == .approved)

            // The old expiry no longer ends it; the new one does.
            #expect(Lifecycle.expire(longer.status, by: .signoff, at: originalExpiry) == nil)
            #expect(Lifecycle.expire(longer.status, by: .signoff, at: originalExpiry.addingTimeInterval(15 * G.day)) != nil)
        }

        /// Whoever asked for the original access (its submitter, or who changed
        /// its terms in its ticket: the grant's `authors`) may not approve a
        /// longer term of it; anyone else eligible still may.
        @Test func whoAskedForTheOriginalMayNotApproveItsExtension() throws {
            let policy = try G.withMaxTotal("40d")
            var (grant, pending) = try Extensions.pendingExtension(policy)
            grant.authors = ["dave", "erin"]
            for person in ["dave", "erin"] {
                let result = Lifecycle.review(pending, verdict: .approve, rationale: G.rationale, shownVersion: pending.version,
                                              by: G.person(person), policy: policy, original: grant, at: G.at(2 * G.day))
                #expect(result.outcome == .refused(Refusal(.selfApproval,
                    "\(person) asked for REQ-1, whose access REQ-2 extends, and may not review the extension")))
                #expect(result.events.kinds == ["review_refused"])
            }
            #expect(Lifecycle.separationOfDuties(pending, reviewer: "dave") == nil, "judged only against the grant it extends")
            // Nor does a delegate approve in their name (frank acts for dave until June).
            let byDelegate = Lifecycle.review(pending, verdict: .approve, rationale: G.rationale, shownVersion: pending.version,
                                              by: G.person("frank"), policy: policy, original: grant, at: G.at(2 * G.day))
            guard case let .refused(refusal) = byDelegate.outcome else {
                Testing.Issue.record("frank, dave's delegate, was not refused: \(byDelegate.outcome)")
                return
            }
            #expect(refusal.reason == .notEligible)
            #expect(!Lifecycle.standing(pending, person: "frank", policy: policy, at: G.at(2 * G.day), original: grant).mayDecide)
            grant.authors = []
            #expect(Lifecycle.standing(pending, person: "frank", policy: policy, at: G.at(2 * G.day), original: grant).mayDecide,
                    "frank may decide for dave where dave may")
            grant.authors = ["erin"]
            let result = Lifecycle.review(pending, verdict: .approve, rationale: G.rationale, shownVersion: pending.version,
                                          by: G.person("dave"), policy: policy, original: grant, at: G.at(2 * G.day))
            #expect(result.outcome == .recorded(.approved))
        }

        /// An approval by whoever asked for the original, appended past the
        /// commands, counts for no step of the extension, as an editor's counts
        /// for none: the next approver's review decides by their approval alone,
        /// and the extension's progress shows the step waiting until then.
        @Test func anApprovalByWhoAskedForTheOriginalCountsForNoStep() throws {
            let policy = try G.withMaxTotal("40d")
            var (grant, pending) = try Extensions.pendingExtension(policy)
            // What a signoff that did not know dave asked for REQ-1 would have recorded.
            let unknowing = Lifecycle.review(pending, verdict: .approve, rationale: G.rationale, shownVersion: pending.version,
                                             by: G.person("dave"), policy: policy, original: grant, at: G.at(2 * G.day))
            let forgedReview = try #require(unknowing.events.first)
            #expect(forgedReview.body.kind == "review_recorded")
            let forged = try #require(Projection.apply(forgedReview, to: pending))
            grant.authors = ["dave"]
            let counted = Lifecycle.progress(forged, policy: policy, original: nil).map(\.approvedBy)
            #expect(counted == [["dave"]], "counted by a signoff that does not know")
            let progress = Lifecycle.progress(forged, policy: policy, original: grant)
            #expect(progress.map(\.approvedBy) == [[]] && progress.map(\.isSatisfied) == [false])
            let result = Lifecycle.review(forged, verdict: .approve, rationale: G.rationale, shownVersion: forged.version,
                                          by: G.person("erin"), policy: policy, original: grant, at: G.at(2 * G.day + G.hour))
            #expect(result.outcome == .recorded(.approved))
            let decided = result.events.compactMap(\.body.decided).first
            #expect(decided?.by == ["erin"], "\(String(describing: decided))")
        }

        @Test func deniedExtensionLeavesTheGrantUnchanged() throws {
            let policy = try G.withMaxTotal("40d")
            let (grant, pending) = try Extensions.pendingExtension(policy)
            let result = Lifecycle.review(pending, verdict: .deny, rationale: "the reconciliation job is finished", shownVersion: pending.version,
                                          by: G.person("dave"), policy: policy, original: grant, at: G.at(2 * G.day))
            #expect(result.outcome == .recorded(.denied))
            #expect(result.events.kinds == ["review_recorded", "request_decided"])
            #expect(result.events.allSatisfy { $0.requestID == "REQ-2" })
            #expect(G.grant(result.events, id: "REQ-1", from: grant) == grant)
        }

        /// A review of an extension whose grant has ended is refused (never
        /// "recorded, now denied"), and the extension closes in the same breath.
        func expectRefusedAndClosed(_ result: ReviewResult, pending: RequestRecord, because: String,
                                    sourceLocation: SourceLocation = #_sourceLocation) {
            guard case let .refused(refusal) = result.outcome else {
                Testing.Issue.record("not refused: \(result.outcome)", sourceLocation: sourceLocation)
                return
            }
            #expect(refusal.reason == .notActive, sourceLocation: sourceLocation)
            #expect(refusal.message.contains(because), "\(refusal.message)", sourceLocation: sourceLocation)
            #expect(result.events.kinds == ["review_refused", "request_decided"], sourceLocation: sourceLocation)
            let decided = result.events.last?.body.decided
            #expect(decided?.state == .denied && decided?.by == ["policy:extension"], sourceLocation: sourceLocation)
            #expect(decided?.reason.contains(because) == true, sourceLocation: sourceLocation)
            #expect(result.events.last?.actor == .policyRule("extension"), sourceLocation: sourceLocation)
            #expect(!result.events.contains { $0.body.extended != nil }, sourceLocation: sourceLocation)
            #expect(G.record(result.events, id: pending.id, from: pending)?.state == .denied, sourceLocation: sourceLocation)
        }

        @Test func reviewingAnExtensionAfterTheOriginalExpiredIsRefusedAndClosesIt() throws {
            let policy = try G.withMaxTotal("40d")
            let (grant, pending) = try Extensions.pendingExtension(policy)

            let expiresAt = try #require(grant.expiresAt)
            let expiry = try #require(Lifecycle.expire(grant.status, by: .signoff, at: expiresAt))
            let expired = try #require(G.grant([expiry], id: "REQ-1", from: grant))

            for verdict in [Verdict.approve, .deny] {
                let result = Lifecycle.review(pending, verdict: verdict, rationale: G.rationale, shownVersion: pending.version,
                                              by: G.person("dave"), policy: policy, original: expired,
                                              at: expiresAt.addingTimeInterval(G.hour))
                expectRefusedAndClosed(result, pending: pending, because: "expired")
                #expect(G.grant(result.events, id: "REQ-1", from: expired) == expired)
            }
        }

        @Test func reviewingAnExtensionAfterTheOriginalWasRevokedIsRefusedAndClosesIt() throws {
            let policy = try G.withMaxTotal("40d")
            let (grant, pending) = try Extensions.pendingExtension(policy)
            let revocation = try Lifecycle.revoke(grant, by: G.person("dave"), rationale: G.rationale, policy: policy,
                                                  at: G.at(2 * G.day))
            let revoked = try #require(G.grant(revocation, id: "REQ-1", from: grant))

            let result = Lifecycle.review(pending, verdict: .approve, rationale: G.rationale, shownVersion: pending.version,
                                          by: G.person("erin"), policy: policy, original: revoked, at: G.at(3 * G.day))
            expectRefusedAndClosed(result, pending: pending, because: "was revoked")
            #expect(G.grant(result.events, id: "REQ-1", from: revoked) == revoked)
        }

        @Test func reviewingAnExtensionAtTheOriginalsExpiryIsRefusedEvenBeforeTheSweepRan() throws {
            let policy = try G.withMaxTotal("40d")
            let (grant, pending) = try Extensions.pendingExtension(policy)
            let expiresAt = try #require(grant.expiresAt)
            // The sweep has not recorded the expiry yet: the grant still reads active.
            #expect(grant.state == .active)

            let justInTime = Lifecycle.review(pending, verdict: .approve, rationale: G.rationale, shownVersion: pending.version,
                                              by: G.person("dave"), policy: policy, original: grant,
                                              at: expiresAt.addingTimeInterval(-0.001))
            #expect(justInTime.outcome == .recorded(.approved))
            #expect(justInTime.events.kinds == ["review_recorded", "request_decided", "grant_extended"])

            let tooLate = Lifecycle.review(pending, verdict: .approve, rationale: G.rationale, shownVersion: pending.version,
                                           by: G.person("dave"), policy: policy, original: grant, at: expiresAt)
            expectRefusedAndClosed(tooLate, pending: pending, because: "expired")
        }

        /// The end of a grant closes its open extension requests, with the
        /// reason, at the moment it ends (revocation, a trigger, the sweep);
        /// other requests and other grants' extensions are left alone.
        @Test func theEndOfAGrantClosesItsOpenExtensions() throws {
            let policy = try G.withMaxTotal("40d")
            let (grant, open) = try Extensions.pendingExtension(policy)
            var elsewhere = open
            elsewhere.id = "REQ-3"
            elsewhere.request.extends = "REQ-9"
            let openExtensions = [open, elsewhere]
            func expectClosed(_ events: [EventDraft], first kind: String, because: String, at: Date,
                              sourceLocation: SourceLocation = #_sourceLocation) {
                #expect(events.kinds == [kind, "request_decided"], sourceLocation: sourceLocation)
                let closing = events.last
                #expect(closing?.requestID == "REQ-2" && closing?.at == at, sourceLocation: sourceLocation)
                #expect(closing?.actor == .policyRule("extension"), sourceLocation: sourceLocation)
                let decided = closing?.body.decided
                #expect(decided?.state == .denied && decided?.policyVersion == policy.version, sourceLocation: sourceLocation)
                #expect(decided?.reason == "closed: the grant of REQ-1 \(because), so there is nothing to extend",
                        sourceLocation: sourceLocation)
                #expect(G.record(events, id: "REQ-2", from: open)?.state == .denied, sourceLocation: sourceLocation)
            }

            let revokedAt = G.at(2 * G.day)
            expectClosed(try Lifecycle.revoke(grant, by: G.person("dave"), rationale: G.rationale, policy: policy,
                                              openExtensions: openExtensions, at: revokedAt),
                         first: "grant_revoked", because: "was revoked", at: revokedAt)

            let expiresAt = try #require(grant.expiresAt)
            #expect(Lifecycle.expire(grant.status, openExtensions: openExtensions, policy: policy, by: .signoff,
                                     at: expiresAt.addingTimeInterval(-1)).isEmpty, "nothing before its expiry")
            expectClosed(Lifecycle.expire(grant.status, openExtensions: openExtensions, policy: policy, by: .signoff, at: expiresAt),
                         first: "grant_expired", because: "expired", at: expiresAt)

            // Already decided extensions stay as they are.
            var decided = open
            decided.state = .denied
            #expect(try Lifecycle.revoke(grant, by: G.person("dave"), rationale: G.rationale, policy: policy,
                                         openExtensions: [decided], at: revokedAt).kinds == ["grant_revoked"])
        }

        @Test func extensionIsCappedAtTheMaximumTotalWhenThePolicyChanged() throws {
            let asked = try G.withMaxTotal("40d")
            let (record, grant) = try Extensions.original(asked)
            let originalExpiry = try #require(grant.expiresAt)
            let request = try Lifecycle.extensionRequest(of: record, grant: grant, by: .days(15), askedBy: "alice",
                                                         purpose: nil, policy: asked, at: G.at(G.day)).request
            let (pending, _) = try G.submit(request, id: "REQ-2", policy: asked, original: grant, at: G.at(G.day))

            // By the approval the maximum total is down to 30d: 10d of room is left.
            let smaller = try G.withMaxTotal("30d")
            let result = Lifecycle.review(pending, verdict: .approve, rationale: G.rationale, shownVersion: pending.version,
                                          by: G.person("dave"), policy: smaller, original: grant, at: G.at(2 * G.day))
            #expect(result.outcome == .recorded(.approved))
            #expect(result.events.kinds == ["review_recorded", "request_decided", "grant_extended"])
            #expect(result.events[1].body.decided?.reason.contains("capped") == true)
            let extended = try #require(result.events[2].body.extended)
            #expect(extended.by == .days(10))
            #expect(extended.expiresAt == originalExpiry.addingTimeInterval(10 * G.day))
            let longer = try #require(G.grant(result.events, id: "REQ-1", from: grant))
            #expect(longer.duration == .days(30))

            // A policy with no room left denies the extension outright.
            let full = try G.policy(edits: [("max_duration: 30d", "max_duration: 20d")])
            let refused = Lifecycle.review(pending, verdict: .approve, rationale: G.rationale, shownVersion: pending.version,
                                           by: G.person("dave"), policy: full, original: grant, at: G.at(2 * G.day))
            #expect(refused.outcome == .recorded(.denied))
            #expect(refused.events.kinds == ["review_recorded", "request_decided"])
            #expect(refused.events[1].body.decided?.reason.contains("maximum total") == true)
        }
    }
}

// MARK: - Revocation and triggers

/// Who tries to revoke, and whether they may.
struct RevokerCase: Sendable, CustomTestStringConvertible {
    var person: String
    var role: String
    var allowed: Bool
    var testDescription: String { "\(person) (\(role)) → \(allowed ? "revokes" : "refused")" }
}

extension GrantLifecycleTests {
    @Suite("revocation and triggers")
    struct Revocation {
        typealias G = GrantFixture

        // The grant is requested by alice for bob's service account on payments-db
        // (owners dave and group dba: dave, erin) and approved by frank, who acts
        // as dave's delegate and so is an approver without owning anything; uma
        // approved an extension of it.
        static let revokers: [RevokerCase] = [
            RevokerCase(person: "alice", role: "requester", allowed: true),
            RevokerCase(person: "frank", role: "approver", allowed: true),
            RevokerCase(person: "uma", role: "approver of an extension", allowed: true),
            RevokerCase(person: "bob", role: "subject owner", allowed: true),
            RevokerCase(person: "dave", role: "system owner", allowed: true),
            RevokerCase(person: "erin", role: "system owner through a group", allowed: true),
            RevokerCase(person: "carol", role: "requester's manager", allowed: true),
            RevokerCase(person: "sam", role: "owner of another system", allowed: false),
            RevokerCase(person: "tina", role: "unrelated", allowed: false),
        ]

        @Test(arguments: revokers)
        func revocationByRole(_ test: RevokerCase) throws {
            let policy = try G.policy()
            let (_, grant) = try G.approved(policy: policy, approver: "frank")
            #expect(grant.approvers == ["frank"])
            let revokedAt = G.at(3 * G.hour)
            let outcome: Result<[EventDraft], Refusal> = Result { () throws(Refusal) in
                try Lifecycle.revoke(grant, by: G.person(test.person), rationale: "the job moved to another cluster",
                                     policy: policy, extensionApprovers: ["uma"], at: revokedAt)
            }
            switch outcome {
            case let .success(events):
                #expect(test.allowed)
                #expect(events.kinds == ["grant_revoked"])
                #expect(events.first?.body.revoked?.trigger == nil)
                let revoked = try #require(G.grant(events, id: "REQ-1", from: grant))
                #expect(revoked.state == .revoked)
                #expect(revoked.endedAt == revokedAt)
                #expect(revoked.endedBy == test.person)
                #expect(revoked.endReason == "the job moved to another cluster")
                #expect(revoked.provisioningAction == .revoke)
            case let .failure(refusal):
                #expect(!test.allowed, "\(refusal)")
                #expect(refusal.reason == .notEligible)
            }
        }

        @Test func approverOfAnotherRequestMayNotRevoke() throws {
            let policy = try G.policy()
            let (_, grant) = try G.approved(policy: policy, approver: "dave")
            let refusal = G.refusal { () throws(Refusal) in
                try Lifecycle.revoke(grant, by: G.person("frank"), rationale: G.rationale, policy: policy, at: G.at(2 * G.hour))
            }
            #expect(refusal?.reason == .notEligible)
        }

        @Test func endedGrantsAndShortRationalesAreRefused() throws {
            let policy = try G.policy()
            let (_, grant) = try G.approved(policy: policy)

            let short = G.refusal { () throws(Refusal) in
                try Lifecycle.revoke(grant, by: G.person("alice"), rationale: "  done  ", policy: policy, at: G.at(2 * G.hour))
            }
            #expect(short?.reason == .rationaleTooShort)

            let revocation = try Lifecycle.revoke(grant, by: G.person("alice"), rationale: G.rationale, policy: policy, at: G.at(2 * G.hour))
            let revoked = try #require(G.grant(revocation, id: "REQ-1", from: grant))
            let again = G.refusal { () throws(Refusal) in
                try Lifecycle.revoke(revoked, by: G.person("dave"), rationale: G.rationale, policy: policy, at: G.at(3 * G.hour))
            }
            #expect(again?.reason == .notActive)

            let expiry = try #require(Lifecycle.expire(grant.status, by: .signoff, at: grant.expiresAt ?? .distantFuture))
            let expired = try #require(G.grant([expiry], id: "REQ-1", from: grant))
            let afterExpiry = G.refusal { () throws(Refusal) in
                try Lifecycle.revoke(expired, by: G.person("dave"), rationale: G.rationale, policy: policy, at: G.at(G.day))
            }
            #expect(afterExpiry?.reason == .notActive)
        }

        @Test func grantAwaitingProvisioningCanBeRevoked() throws {
            let policy = try G.policy(settings: "{access_starts: provisioning}")
            let (_, grant) = try G.approved(policy: policy)
            #expect(grant.state == .awaitingProvisioning)
            let events = try Lifecycle.revoke(grant, by: G.person("bob"), rationale: G.rationale, policy: policy, at: G.at(2 * G.hour))
            #expect(G.grant(events, id: "REQ-1", from: grant)?.state == .revoked)
        }

        @Test func triggerRevokesOnlyLiveGrantsNamingItWithThatReference() throws {
            let policy = try G.policy(settings: "{revocation_triggers: [vendor_offboarded]}")
            let ops1 = RevocationTrigger(name: "ticket_closed", ref: "OPS-1")
            let named = try G.autoGranted(id: "REQ-A", triggers: [ops1], policy: policy)
            let otherRef = try G.autoGranted(id: "REQ-B", triggers: [RevocationTrigger(name: "ticket_closed", ref: "OPS-2")], policy: policy)
            let otherName = try G.autoGranted(id: "REQ-C", triggers: [RevocationTrigger(name: "owner_departed", ref: "OPS-1")], policy: policy)
            let none = try G.autoGranted(id: "REQ-D", triggers: [], policy: policy)
            let both = try G.autoGranted(id: "REQ-E", triggers: [RevocationTrigger(name: "vendor_offboarded", ref: "acme"), ops1], policy: policy)
            let ended = try G.autoGranted(id: "REQ-F", triggers: [ops1], policy: policy)
            let revocation = try Lifecycle.revoke(ended, by: G.person("alice"), rationale: G.rationale, policy: policy, at: G.at(G.hour))
            let revoked = try #require(G.grant(revocation, id: "REQ-F", from: ended))
            let grants = [named, otherRef, otherName, none, both, revoked]

            let firedAt = G.at(2 * G.hour)
            let events = try Lifecycle.fire(ops1, grants: grants, by: G.person("jira-importer"), policy: policy, at: firedAt)
            #expect(events.compactMap(\.requestID) == ["REQ-A", "REQ-E"])
            #expect(events.allSatisfy { $0.body.revoked?.trigger == ops1 && $0.at == firedAt })
            let fired = try #require(G.grant(events, id: "REQ-A", from: named))
            #expect(fired.state == .revoked)
            #expect(fired.endReason?.contains("trigger ticket_closed OPS-1") == true)

            // A name from settings.revocation_triggers fires too.
            let vendor = try Lifecycle.fire(RevocationTrigger(name: "vendor_offboarded", ref: "acme"), grants: grants,
                                            by: .signoff, policy: policy, at: firedAt)
            #expect(vendor.compactMap(\.requestID) == ["REQ-E"])

            // A request still open to extend a grant the trigger revokes closes with it.
            let (pendingExtension, _) = try G.submit(Fixture.request { $0.extends = "REQ-A" }, id: "REQ-X", policy: policy,
                                                     at: G.at(G.hour))
            #expect(pendingExtension.state == .pending)
            let closing = try Lifecycle.fire(ops1, grants: grants, by: G.person("jira-importer"), policy: policy,
                                             openExtensions: [pendingExtension], at: firedAt)
            #expect(closing.kinds == ["grant_revoked", "request_decided", "grant_revoked"])
            #expect(closing[1].requestID == "REQ-X")
            #expect(closing[1].body.decided?.reason.contains("REQ-A was revoked by the trigger ticket_closed") == true)
        }

        @Test func unknownTriggerNamesAreRefused() throws {
            let policy = try G.policy()
            let grant = try G.autoGranted(id: "REQ-A", triggers: [RevocationTrigger(name: "ticket_closed", ref: "OPS-1")], policy: policy)

            let typo = G.refusal { () throws(Refusal) in
                try Lifecycle.fire(RevocationTrigger(name: "ticket_closd", ref: "OPS-1"), grants: [grant], by: .signoff,
                                   policy: policy, at: G.at(G.hour))
            }
            #expect(typo?.reason == .notEligible)
            #expect(typo?.message.contains("did you mean ticket_closed?") == true)

            // Without the setting, vendor_offboarded is not a trigger of this policy.
            #expect(!policy.triggerNames.contains("vendor_offboarded"))
            let unknown = G.refusal { () throws(Refusal) in
                try Lifecycle.fire(RevocationTrigger(name: "vendor_offboarded", ref: "acme"), grants: [grant], by: .signoff,
                                   policy: policy, at: G.at(G.hour))
            }
            #expect(unknown?.reason == .notEligible)
        }

        @Test func submissionRefusesUnknownTriggerNames() throws {
            let plain = try G.policy()
            let withVendor = try G.policy(settings: "{revocation_triggers: [vendor_offboarded]}")
            #expect(withVendor.triggerNames == Policy.builtInTriggers + ["vendor_offboarded"])

            let typo = try ScannedRequest(scanning: Fixture.request { $0.revocationTriggers = [RevocationTrigger(name: "ticket_closd", ref: "OPS-1")] })
            let refused = G.refusal { () throws(Refusal) in
                try Lifecycle.authorizeSubmission(typo, by: G.person("alice"), policy: plain)
            }
            #expect(refused?.reason == .notEligible)
            #expect(refused?.message.contains("did you mean ticket_closed?") == true)

            let vendor = try ScannedRequest(scanning: Fixture.request { $0.revocationTriggers = [RevocationTrigger(name: "vendor_offboarded", ref: "acme")] })
            let notKnown = G.refusal { () throws(Refusal) in
                try Lifecycle.authorizeSubmission(vendor, by: G.person("alice"), policy: plain)
            }
            #expect(notKnown?.reason == .notEligible)
            let accepted = try Lifecycle.authorizeSubmission(vendor, by: G.person("alice"), policy: withVendor)
            #expect(accepted.request.revocationTriggers == vendor.request.revocationTriggers)
        }
    }
}

// MARK: - Break-glass

extension GrantLifecycleTests {
    @Suite("break-glass")
    struct BreakGlass {
        typealias G = GrantFixture

        /// The rules that denied a submission, or nil when it was not denied.
        static func denials(_ request: AccessRequest, policy: Policy) throws -> [String]? {
            let (record, events) = try G.submit(request, id: "BG-1", policy: policy, at: G.t0)
            guard case let .denied(matches)? = events.first(where: { $0.body.routed != nil })?.body.routed?.outcome else { return nil }
            #expect(record.state == .denied)
            #expect(events.kinds == ["request_submitted", "request_routed", "request_decided"])
            return matches.map(\.rule)
        }

        @Test func builtInBreakGlassDenials() throws {
            let policy = try G.policy()
            #expect(try Self.denials(G.breakGlass(), policy: policy) == nil, "the well-formed emergency is routed")

            let carol = G.breakGlass {
                $0.requester = "carol"
                $0.subject = Subject(kind: .human, name: "carol", owner: "carol")
            }
            #expect(try Self.denials(carol, policy: policy) == ["break-glass-not-allowed"])
            #expect(try Self.denials(G.breakGlass { $0.duration = .hours(9) }, policy: policy) == ["break-glass-max-duration"])
            #expect(try Self.denials(G.breakGlass { $0.incident = nil }, policy: policy) == ["break-glass-incident"])
            #expect(try Self.denials(G.breakGlass { $0.incident = "  " }, policy: policy) == ["break-glass-incident"])
        }

        @Test func policyWithoutBreakGlassSectionDeniesEveryEmergency() throws {
            let policy = try G.policy(edits: [(G.breakGlassSection, "")])
            #expect(policy.breakGlass == nil)
            let (_, events) = try G.submit(G.breakGlass(), id: "BG-1", policy: policy, at: G.t0)
            let decided = try #require(events.last?.body.decided)
            #expect(decided.state == .denied)
            #expect(decided.by == ["policy:break-glass-not-allowed"])
            #expect(decided.reason.contains("no break_glass section"))
        }

        @Test func approvedEmergencyLeavesAnIncidentReviewDue() throws {
            let policy = try G.policy()
            let (pending, events) = try G.submit(G.breakGlass(), id: "BG-1", policy: policy, at: G.t0)
            #expect(events.last?.body.routed?.outcome == .steps(rule: "break-glass", steps: [
                RoutedStep(name: "on call for sre-oncall", approvers: "rotation:sre-oncall", required: 1),
            ]))
            // frank is on call in the week of t0; bob, also an SRE, is not.
            let notOnCall = Lifecycle.review(pending, verdict: .approve, rationale: G.rationale, shownVersion: pending.version,
                                             by: G.person("bob"), policy: policy, original: nil, at: G.at(5 * G.minute))
            #expect(Self.refusalReason(notOnCall) == .notEligible)
            #expect(notOnCall.events.kinds == ["review_refused"])

            let approvedAt = G.at(5 * G.minute)
            let result = Lifecycle.review(pending, verdict: .approve, rationale: G.rationale, shownVersion: pending.version,
                                          by: G.person("frank"), policy: policy, original: nil, at: approvedAt)
            #expect(result.outcome == .recorded(.approved))
            #expect(result.events.kinds == ["review_recorded", "request_decided", "grant_issued"])
            let grant = try #require(G.grant(result.events, id: "BG-1"))
            #expect(grant.state == .active)
            #expect(grant.terms.breakGlass)
            #expect(grant.terms.incident == "INC-7")
            #expect(grant.expiresAt == approvedAt.addingTimeInterval(4 * G.hour))
            #expect(!grant.selfActivated)
            let review = try #require(grant.incidentReview)
            #expect(review.reviewers == "group:security")
            #expect(review.dueAt == approvedAt.addingTimeInterval(72 * G.hour))
            #expect(!review.isCompleted)
        }

        @Test func incidentReviewIsDueFromApprovalNotFromALaterStart() throws {
            let policy = try G.policy()
            let approvedAt = G.at(5 * G.minute)
            let grant = try Self.emergencyGrant(policy) { $0.start = G.at(2 * G.hour) }
            #expect(grant.startsAt == G.at(2 * G.hour))
            #expect(grant.incidentReview?.dueAt == approvedAt.addingTimeInterval(72 * G.hour))
        }

        static func refusalReason(_ result: ReviewResult) -> RefusalReason? {
            if case let .refused(refusal) = result.outcome { refusal.reason } else { nil }
        }

        @Test func selfActivationWaitsForItsTimeAndItsRequester() throws {
            let policy = try G.policy()
            let (pending, _) = try G.submit(G.breakGlass(), id: "BG-1", policy: policy, at: G.t0)
            let from = G.at(15 * G.minute)
            let reason = "on-call approver not answering, ledger down"

            let early = G.refusal { () throws(Refusal) in
                try Lifecycle.selfActivate(pending, by: G.person("alice"), rationale: reason, policy: policy,
                                           at: from.addingTimeInterval(-0.001))
            }
            #expect(early?.reason == .tooEarly)

            let someoneElse = G.refusal { () throws(Refusal) in
                try Lifecycle.selfActivate(pending, by: G.person("bob"), rationale: reason, policy: policy, at: from)
            }
            #expect(someoneElse?.reason == .notRequester)

            // Emergency access for another person needs an approver, whoever raised it.
            let (forBob, _) = try G.submit(G.breakGlass { $0.subject = Subject(kind: .human, name: "bob", owner: "bob") },
                                           id: "BG-2", policy: policy, at: G.t0)
            let forSomeoneElse = G.refusal { () throws(Refusal) in
                try Lifecycle.selfActivate(forBob, by: G.person("alice"), rationale: reason, policy: policy, at: from)
            }
            #expect(forSomeoneElse?.reason == .notEligible && forSomeoneElse?.message.contains("never self-activated") == true,
                    "\(String(describing: forSomeoneElse))")

            let short = G.refusal { () throws(Refusal) in
                try Lifecycle.selfActivate(pending, by: G.person("alice"), rationale: "urgent", policy: policy, at: from)
            }
            #expect(short?.reason == .rationaleTooShort)

            let events = try Lifecycle.selfActivate(pending, by: G.person("alice"), rationale: reason, policy: policy, at: from)
            #expect(events.kinds == ["request_decided", "grant_issued"])
            let decided = try #require(events[0].body.decided)
            #expect(decided.state == .approved)
            #expect(decided.selfActivated == true)
            #expect(decided.by == ["alice"])

            let record = try #require(G.record(events, id: "BG-1", from: pending))
            #expect(record.state == .approved)
            #expect(record.decision?.isSelfActivated == true)

            let grant = try #require(G.grant(events, id: "BG-1"))
            #expect(grant.state == .active)
            #expect(grant.selfActivated)
            #expect(grant.approvers == ["alice"])
            #expect(grant.expiresAt == from.addingTimeInterval(4 * G.hour))
            let review = try #require(grant.incidentReview, "a self-activated emergency is always reviewed")
            #expect(review.dueAt == from.addingTimeInterval(72 * G.hour))
            #expect(!review.isCompleted)

            let again = G.refusal { () throws(Refusal) in
                try Lifecycle.selfActivate(record, by: G.person("alice"), rationale: reason, policy: policy, at: G.at(G.hour))
            }
            #expect(again?.reason == .alreadyDecided)
        }

        @Test func selfActivationOnlyForThoseThePolicyAllows() throws {
            let onlyBob = try G.policy(edits: [("self_activation: {allowed: [group:sre], after: 15m}",
                                                "self_activation: {allowed: [person:bob], after: 15m}")])
            let (pending, _) = try G.submit(G.breakGlass(), id: "BG-1", policy: onlyBob, at: G.t0)
            #expect(pending.state == .pending)
            let refused = G.refusal { () throws(Refusal) in
                try Lifecycle.selfActivate(pending, by: G.person("alice"), rationale: "on-call approver not answering",
                                           policy: onlyBob, at: G.at(G.hour))
            }
            #expect(refused?.reason == .notEligible)

            let noSelfActivation = try G.policy(edits: [("  self_activation: {allowed: [group:sre], after: 15m}\n", "")])
            #expect(noSelfActivation.breakGlass?.selfActivation == nil)
            let never = G.refusal { () throws(Refusal) in
                try Lifecycle.selfActivate(pending, by: G.person("alice"), rationale: "on-call approver not answering",
                                           policy: noSelfActivation, at: G.at(G.day))
            }
            #expect(never?.reason == .notEligible)
        }

        @Test func onlyBreakGlassRequestsSelfActivate() throws {
            let policy = try G.policy()
            let (pending, _) = try G.submit(Fixture.request(), id: "REQ-1", policy: policy, at: G.t0)
            let refused = G.refusal { () throws(Refusal) in
                try Lifecycle.selfActivate(pending, by: G.person("alice"), rationale: "nobody answered my request",
                                           policy: policy, at: G.at(G.hour))
            }
            #expect(refused?.reason == .notEligible)
        }

        /// An approved emergency, approved by frank five minutes after t0, under `policy`.
        static func emergencyGrant(_ policy: Policy, _ edit: (inout AccessRequest) -> Void = { _ in }) throws -> Grant {
            let (pending, _) = try G.submit(G.breakGlass(edit), id: "BG-1", policy: policy, at: G.t0)
            let result = Lifecycle.review(pending, verdict: .approve, rationale: G.rationale, shownVersion: pending.version,
                                          by: G.person("frank"), policy: policy, original: nil, at: G.at(5 * G.minute))
            return try #require(G.grant(result.events, id: "BG-1"))
        }

        /// The same emergency once its access ended: swept at its expiry.
        /// A post-incident review judges the whole emergency, so it waits for that.
        static func endedEmergencyGrant(_ policy: Policy, _ edit: (inout AccessRequest) -> Void = { _ in }) throws -> Grant {
            let grant = try emergencyGrant(policy, edit)
            let expiresAt = try #require(grant.expiresAt)
            let expiry = try #require(Lifecycle.expire(grant.status, by: G.person("ops"), at: expiresAt))
            let ended = try #require(G.grant([expiry], id: "BG-1", from: grant))
            #expect(ended.state == .expired)
            return ended
        }

        @Test func incidentReviewByAnEligibleReviewerCompletesIt() throws {
            let policy = try G.policy()
            let grant = try Self.endedEmergencyGrant(policy)
            let reviewedAt = G.at(G.day)
            let notes = "access matched the incident timeline, nothing else touched"

            let outsider = G.refusal { () throws(Refusal) in
                try Lifecycle.reviewIncident(grant, by: G.person("dave"), rationale: notes, policy: policy, at: reviewedAt)
            }
            #expect(outsider?.reason == .notEligible)
            let requester = G.refusal { () throws(Refusal) in
                try Lifecycle.reviewIncident(grant, by: G.person("alice"), rationale: notes, policy: policy, at: reviewedAt)
            }
            #expect(requester?.reason == .notEligible)
            let short = G.refusal { () throws(Refusal) in
                try Lifecycle.reviewIncident(grant, by: G.person("sam"), rationale: "fine", policy: policy, at: reviewedAt)
            }
            #expect(short?.reason == .rationaleTooShort)
            // A reviewer who approved the emergency does not review their own decision.
            var approvedBySam = grant
            approvedBySam.approvers = ["sam"]
            let ownDecision = G.refusal { () throws(Refusal) in
                try Lifecycle.reviewIncident(approvedBySam, by: G.person("sam"), rationale: notes, policy: policy, at: reviewedAt)
            }
            #expect(ownDecision?.reason == .notEligible)
            #expect(ownDecision?.message == "sam approved the access and may not review the incident")
            // Nor one who approved an extension of it: that judged the emergency's length.
            let byExtensionApprover = G.refusal { () throws(Refusal) in
                try Lifecycle.reviewIncident(grant, by: G.person("sam"), rationale: notes, policy: policy,
                                             extensionApprovers: ["sam"], at: reviewedAt)
            }
            #expect(byExtensionApprover?.message == "sam approved the access and may not review the incident")

            let events = try Lifecycle.reviewIncident(grant, by: G.person("sam"), rationale: notes, policy: policy, at: reviewedAt)
            #expect(events.kinds == ["incident_review_completed"])
            let reviewed = try #require(G.grant(events, id: "BG-1", from: grant))
            let review = try #require(reviewed.incidentReview)
            #expect(review.isCompleted)
            #expect(review.completedAt == reviewedAt)
            #expect(review.completedBy == "sam")
            #expect(review.rationale == notes)

            let twice = G.refusal { () throws(Refusal) in
                try Lifecycle.reviewIncident(reviewed, by: G.person("tina"), rationale: notes, policy: policy, at: G.at(2 * G.day))
            }
            #expect(twice?.reason == .alreadyDecided)
        }

        @Test func requesterNeverReviewsTheirOwnEmergency() throws {
            // The reviewers are the SREs themselves, alice included: only the
            // requester rule keeps her from reviewing her own emergency.
            let policy = try G.policy(edits: [("reviewers: group:security", "reviewers: group:sre")])
            let grant = try Self.endedEmergencyGrant(policy) {
                $0.subject = Subject(kind: .serviceAccount, name: "ledger-fixer", owner: "dave")
            }
            let notes = "access matched the incident timeline, nothing else touched"
            let own = G.refusal { () throws(Refusal) in
                try Lifecycle.reviewIncident(grant, by: G.person("alice"), rationale: notes, policy: policy, at: G.at(G.day))
            }
            #expect(own?.reason == .notEligible)
            #expect(own?.message.contains("requested") == true)
            let colleague = try Lifecycle.reviewIncident(grant, by: G.person("bob"), rationale: notes, policy: policy, at: G.at(G.day))
            #expect(colleague.kinds == ["incident_review_completed"])
        }

        @Test func incidentReviewWaitsUntilTheAccessHasEnded() throws {
            let policy = try G.policy()
            let live = try Self.emergencyGrant(policy)
            #expect(live.state == .active)
            let notes = "access matched the incident timeline, nothing else touched"
            func refusal(_ grant: Grant, at: Date) -> Refusal? {
                G.refusal { () throws(Refusal) in
                    try Lifecycle.reviewIncident(grant, by: G.person("sam"), rationale: notes, policy: policy, at: at)
                }
            }
            // While the access lasts, what is done with it (and any extension) is still to come.
            let early = refusal(live, at: G.at(30 * G.minute))
            #expect(early?.reason == .tooEarly)
            #expect(early?.message.hasPrefix("the emergency access of BG-1 is active until ") == true, "\(early?.message ?? "")")
            #expect(early?.message.contains("revoke the grant to end it now") == true)
            // Its expiry come, but not yet swept: provisioning has not been told to remove it.
            let due = try #require(live.expiresAt)
            #expect(refusal(live, at: due.addingTimeInterval(G.minute))?.message.contains("no sweep has ended it yet") == true)
            var awaiting = live
            awaiting.state = .awaitingProvisioning
            #expect(refusal(awaiting, at: G.at(G.day))?.message.contains("awaits provisioning") == true)
            var failed = live
            failed.state = .failed
            #expect(refusal(failed, at: G.at(G.day))?.reason == .tooEarly, "a failure report does not prove the access absent")
            // Someone who may not review it is told that first: waiting would not help them.
            let outsider = G.refusal { () throws(Refusal) in
                try Lifecycle.reviewIncident(live, by: G.person("dave"), rationale: notes, policy: policy, at: G.at(G.hour))
            }
            #expect(outsider?.reason == .notEligible)

            // Revoked early, it is reviewed at once.
            let revocation = try Lifecycle.revoke(live, by: G.person("alice"), rationale: "incident resolved, access no longer needed",
                                                  policy: policy, at: G.at(G.hour))
            let revoked = try #require(G.grant(revocation, id: "BG-1", from: live))
            #expect(revoked.state == .revoked)
            #expect(refusal(revoked, at: G.at(G.hour)) == nil)
            #expect(try Lifecycle.reviewIncident(revoked, by: G.person("sam"), rationale: notes, policy: policy, at: G.at(G.hour))
                        .kinds == ["incident_review_completed"])
        }

        @Test func grantsWithoutAnIncidentReviewHaveNoneToComplete() throws {
            let policy = try G.policy()
            let (_, grant) = try G.approved(policy: policy)
            #expect(grant.incidentReview == nil)
            let refused = G.refusal { () throws(Refusal) in
                try Lifecycle.reviewIncident(grant, by: G.person("sam"), rationale: "nothing to review here at all",
                                             policy: policy, at: G.at(G.day))
            }
            #expect(refused?.reason == .notEligible)
        }

        @Test func incidentReviewIsOverdueOnlyAfterItsDueTimeAndUntilCompleted() throws {
            let policy = try G.policy()
            let grant = try Self.endedEmergencyGrant(policy)
            let review = try #require(grant.incidentReview)
            let due = review.dueAt
            #expect(due == G.at(5 * G.minute + 72 * G.hour))
            #expect(!review.isOverdue(at: G.at(G.day)))
            #expect(!review.isOverdue(at: due))
            #expect(review.isOverdue(at: due.addingTimeInterval(0.001)))
            #expect(review.isOverdue(at: due.addingTimeInterval(G.day)))

            // Completed late, it is no longer overdue.
            let events = try Lifecycle.reviewIncident(grant, by: G.person("tina"), rationale: "late, but the access was right",
                                                      policy: policy, at: due.addingTimeInterval(G.hour))
            let completed = try #require(G.grant(events, id: "BG-1", from: grant)?.incidentReview)
            #expect(!completed.isOverdue(at: due.addingTimeInterval(G.day)))
        }
    }
}

extension GrantLifecycleTests {
    /// A report naming its document's SHA-256 is held to the latest document
    /// handed off for the grant, as its events say: an extension's new grant
    /// document replaces the first, whose late report confirms nothing.
    @Suite("reports bound to their document")
    struct ReportedDocument {
        typealias G = GrantFixture
        static let first = String(repeating: "a1", count: 32), second = String(repeating: "b2", count: 32)

        static func handedOff(_ digest: String, _ action: HandOffAction = .grant) -> EventBody {
            .grantHandedOff(.init(action: action, via: "outbox x.json", document: digest))
        }

        @Test func theLatestDocumentIsFoldedFromTheGrantsEvents() throws {
            // The grant's first event (its issue) starts afresh like the others.
            let issued = EventBody.grantExtended(.init(extensionID: "REQ-0", by: .hours(1), expiresAt: nil))
            let extended = EventBody.grantExtended(.init(extensionID: "REQ-2", by: .hours(1), expiresAt: nil))
            let provisioned = EventBody.grantProvisioned(.init(action: .grant, note: "hand-off command exited 0"))
            let revoked = EventBody.grantRevoked(.init(rationale: G.rationale, trigger: nil))
            #expect(HandedOffDocument.latest(in: []) == .nothing)
            #expect(HandedOffDocument.latest(in: [issued]) == .nothing)
            #expect(HandedOffDocument.latest(in: [issued, Self.handedOff(Self.first)]) == .document(Self.first))
            // A report recorded after it leaves the document the latest.
            #expect(HandedOffDocument.latest(in: [issued, Self.handedOff(Self.first), provisioned]) == .document(Self.first))
            // An extension starts afresh: nothing handed off, then the new document.
            #expect(HandedOffDocument.latest(in: [issued, Self.handedOff(Self.first), extended]) == .nothing)
            #expect(HandedOffDocument.latest(in: [issued, Self.handedOff(Self.first), extended, Self.handedOff(Self.second)])
                    == .document(Self.second))
            // A hand-off command's outcome names no document.
            #expect(HandedOffDocument.latest(in: [issued, provisioned]) == .noDocument)
            #expect(HandedOffDocument.latest(in: [issued, Self.handedOff(Self.first), revoked]) == .nothing)
            #expect(HandedOffDocument.latest(in: [issued, Self.handedOff(Self.first), .grantExpired(.init(expiresAt: G.t0))]) == .nothing)
        }

        @Test func aReportOnAReplacedDocumentIsStaleAndOnTheLatestIsRecorded() throws {
            let policy = try G.policy()
            let (_, grant) = try G.approved(policy: policy)
            func report(_ document: String?, _ handedOff: HandedOffDocument) -> Refusal? {
                G.refusal { () throws(Refusal) in
                    try Lifecycle.provisioningReport(grant, succeeded: true, note: nil, action: .grant, document: document,
                                                     handedOff: handedOff, by: G.provisioner, at: G.at(2 * G.hour))
                }
            }
            #expect(report(Self.second, .document(Self.second)) == nil)
            #expect(report(nil, .document(Self.second)) == nil, "without --document, the report is about the latest hand-off")
            let stale = try #require(report(Self.first, .document(Self.second)))
            #expect(stale.reason == .staleVersion)
            #expect(stale.message.contains("document \(Self.first), which is not the latest document handed off for REQ-1"), "\(stale)")
            #expect(stale.message.contains("document \(Self.second), to grant"), "\(stale)")
            let none = try #require(report(Self.first, .noDocument))
            #expect(none.reason == .staleVersion && none.message.contains("recorded no document"), "\(none)")
            let nothing = try #require(report(Self.first, .nothing))
            #expect(nothing.reason == .staleVersion && nothing.message.contains("nothing has been handed off for REQ-1"), "\(nothing)")
            // A failure report is held to the document just the same.
            #expect(G.refusal { () throws(Refusal) in
                try Lifecycle.provisioningReport(grant, succeeded: false, note: "no such role", action: nil, document: Self.first,
                                                 handedOff: .document(Self.second), by: G.provisioner, at: G.at(2 * G.hour))
            }?.reason == .staleVersion)
            // What an event appended by hand says is never repeated unless it is a digest.
            let odd = try #require(report(Self.first, .document("\u{1B}[2Jgone")))
            #expect(!odd.message.contains("\u{1B}") && odd.message.contains("malformed"), "\(odd)")
        }

        @Test func aDigestHasSixtyFourLowercaseHexDigits() {
            #expect(GrantDocument.isDigest(GrantDocument.digest(Data("{}".utf8))))
            #expect(GrantDocument.isDigest(Self.first))
            for bad in ["", String(Self.first.dropLast()), Self.first + "0", Self.first.uppercased(),
                        String(repeating: "g", count: 64), String(repeating: "é", count: 32)] {
                #expect(!GrantDocument.isDigest(bad), "\(bad)")
            }
        }
    }
}

// MARK: - Explaining a recorded request

extension GrantLifecycleTests {
    @Suite("explaining a recorded request")
    struct Explaining {
        typealias G = GrantFixture

        /// Whether its requester could raise a break-glass request is judged
        /// when they raised it, by `explain` as by the route: a week later,
        /// with the rotation turned, it still explains the route it has.
        @Test func aBreakGlassRouteIsExplainedAsOfItsSubmission() throws {
            let policy = try G.policy(edits: [("raised_by: [group:sre]", "raised_by: [rotation:sre-oncall]")])
            let request = Fixture.request {
                $0.requester = "frank"
                $0.breakGlass = true
                $0.incident = "INC-7"
                $0.duration = .hours(2)
            }
            let (pending, _) = try G.submit(request, id: "REQ-1", policy: policy, at: G.t0)
            #expect(pending.state == .pending, "frank is on call at t0: \(String(describing: pending.route))")
            let later = policy.explain(pending, original: nil, at: G.at(7 * G.day))
            #expect(later.outcome == pending.route, "\(later.outcome)")
            #expect(later.denyRules.first { $0.rule == "break-glass-not-allowed" }?.matched == false)
            // A request not yet submitted is judged now: frank is no longer on call.
            let now = policy.explain(request, submittedBy: "frank", at: G.at(7 * G.day))
            if case .denied = now.outcome {} else { Testing.Issue.record("a new request a week later: \(now.outcome)") }
        }
    }
}
