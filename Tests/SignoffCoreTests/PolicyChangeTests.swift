import Foundation
import SignoffCore
import Testing

/// A policy applied while requests are open routes them again under it. A
/// route that stays the same keeps the version and its approvals: where they
/// now satisfy every step, the route decides it (nobody else could), and
/// `audit verify` replays that as signoff records it. Whether a requester
/// could raise a break-glass request stays judged when they raised it, and a
/// request past its pending timeout is decided by nobody.
@Suite struct PolicyChangeTests {
    static let start = Fixture.date("2026-06-01T11:50:00Z")

    static func policy(b: String = "[dan, eve]", timeout: String = "", name: String = "p") throws -> Policy {
        try Policy.parse(source: """
            policy: \(name)
            \(timeout.isEmpty ? "" : "settings: {pending_timeout: \(timeout)}")
            directory:
              people: {alice: {}, bob: {}, carol: {}, dan: {}, eve: {}, sam: {}}
              groups:
                a: [bob, carol]
                b: \(b)
                security: [sam]
              rotations:
                oncall: {members: [alice, bob], start: 2026-06-01T00:00:00Z, every: 12h}
            catalogue:
              db:
                owners: [group:a]
                environments: [production]
                entitlements: [read]
                max_duration: 30d
            break_glass:
              raised_by: [rotation:oncall]
              max_duration: 8h
              post_incident_review: {reviewers: group:security, within: 72h}
            route:
              - name: emergency
                when: {break_glass: true}
                steps: [{approvers: group:security}]
              - name: two-teams
                steps:
                  - {approvers: group:a, count: 1}
                  - {approvers: group:b, count: 1}
            """, file: "policy.yaml")
    }

    static func person(_ name: String) -> Principal { Principal(name: name, authentication: .asserted) }

    /// The request's events replayed as `audit verify` replays them: each
    /// judged by `DecisionCheck` under the policy in force before it.
    struct Replay {
        var record: RequestRecord?
        var policy: Policy
        var check = DecisionCheck()
        var problems: [String] = []

        mutating func append(_ events: [EventDraft]) {
            for event in events {
                if case let .policyApplied(applied) = event.body {
                    policy = try! Policy.parse(source: applied.source, file: applied.file)
                    continue
                }
                if let problem = check.problem(event, record: record, policy: policy, grant: { _ in nil }) {
                    problems.append("\(event.body.kind) by \(event.actor.name): \(problem)")
                }
                if event.requestID == "REQ-1" { record = Projection.apply(event, to: record) ?? record }
            }
        }

        mutating func review(_ name: String, at: Date) {
            guard let record else { return }
            append(Lifecycle.review(record, verdict: .approve, rationale: "checked the job and its scope", shownVersion: record.version,
                                    by: person(name), policy: policy, original: nil, at: at).events)
        }
    }

    func submitted(_ request: AccessRequest = Fixture.request { $0.system = "db"; $0.environment = "production"; $0.entitlement = "read" },
                   policy: Policy) throws -> Replay {
        var replay = Replay(policy: policy)
        replay.append(Lifecycle.submit(try ScannedRequest(scanning: request), id: "REQ-1", by: Self.person(request.requester ?? "alice"),
                                       policy: policy, original: nil, at: Self.start))
        return replay
    }

    @Test func approvalsThatANewPolicySatisfiesDecideTheRequest() throws {
        let before = try Self.policy(), after = try Self.policy(b: "[dan, eve, carol]", name: "p2")
        var replay = try submitted(policy: before)
        replay.review("bob", at: Self.start.addingTimeInterval(60))
        replay.review("carol", at: Self.start.addingTimeInterval(120))
        #expect(replay.record?.state == .pending, "carol is not in b under the first policy")
        let pending = try #require(replay.record)

        let applied = Lifecycle.apply(after, previousVersion: before.version, by: Self.person("root"), openRecords: [pending],
                                      originals: [:], at: Self.start.addingTimeInterval(180))
        replay.append(applied)
        #expect(replay.record?.state == .approved)
        #expect(replay.record?.version == 1, "the same route keeps the version its approvers saw")
        #expect(replay.record?.decision?.by == ["bob", "carol"])
        #expect(replay.problems == [], "verify replays the route's approval as signoff records it")

        // The same route's approval claimed by someone else (the requester,
        // writing the store) in place of the one the route makes: named.
        var forged = try submitted(policy: before)
        forged.review("bob", at: Self.start.addingTimeInterval(60))
        forged.review("carol", at: Self.start.addingTimeInterval(120))
        let routeOnly = Lifecycle.apply(after, previousVersion: before.version, by: Self.person("root"),
                                        openRecords: [try #require(forged.record)], originals: [:], at: Self.start.addingTimeInterval(180))
        let decision = try #require(routeOnly.first { if case .requestDecided = $0.body { true } else { false } })
        forged.append(routeOnly.filter { if case .requestRouted = $0.body { true } else { $0.requestID == nil } })
        forged.append([EventDraft(requestID: "REQ-1", actor: Self.person("alice"), at: Self.start.addingTimeInterval(240),
                                  body: decision.body)])
        #expect(forged.problems.count == 1 && forged.problems[0].contains("approves REQ-1 as alice, but the review or route right before it approves it as signoff"),
                "\(forged.problems)")
    }

    @Test func aBreakGlassRequestIsJudgedWhenItWasRaised() throws {
        let before = try Self.policy(), after = try Self.policy(name: "p2")
        let emergency = Fixture.request {
            $0.system = "db"; $0.environment = "production"; $0.entitlement = "read"; $0.duration = .hours(2)
            $0.breakGlass = true; $0.incident = "INC-1"; $0.subject = Subject(kind: .human, name: "alice", owner: "alice")
        }
        var replay = try submitted(emergency, policy: before)
        #expect(replay.record?.state == .pending, "alice is on call at 11:50")
        // 12:05: the rotation has turned to bob; an unrelated policy change routes it again.
        replay.append(Lifecycle.apply(after, previousVersion: before.version, by: Self.person("root"),
                                      openRecords: [try #require(replay.record)], originals: [:],
                                      at: Self.start.addingTimeInterval(15 * 60)))
        #expect(replay.record?.state == .pending, "\(String(describing: replay.record?.decision))")
        #expect(replay.problems == [])
    }

    @Test func nobodyDecidesARequestPastItsPendingTimeout() throws {
        let policy = try Self.policy(timeout: "72h")
        var replay = try submitted(policy: policy)
        replay.review("bob", at: Self.start.addingTimeInterval(60))
        let record = try #require(replay.record)
        let late = Lifecycle.review(record, verdict: .approve, rationale: "checked the job and its scope", shownVersion: 1,
                                    by: Self.person("dan"), policy: policy, original: nil, at: Self.start.addingTimeInterval(73 * 3600))
        guard case let .refused(refusal) = late.outcome else {
            Issue.record("an approval after the pending timeout was recorded")
            return
        }
        #expect(refusal.reason == .alreadyDecided && refusal.message.contains("timed out"), "\(refusal.message)")
        // What a store's writer appends anyway is named.
        replay.append(Lifecycle.review(record, verdict: .approve, rationale: "checked the job and its scope", shownVersion: 1,
                                       by: Self.person("dan"), policy: policy, original: nil,
                                       at: Self.start.addingTimeInterval(3600)).events.map {
            EventDraft(requestID: $0.requestID, actor: $0.actor, at: Self.start.addingTimeInterval(73 * 3600), body: $0.body)
        })
        #expect(replay.problems.first?.contains("timed out") == true, "\(replay.problems)")
    }
}
