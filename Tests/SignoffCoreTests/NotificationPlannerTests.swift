import Foundation
import SignoffCore
import Testing

/// Who hears of what, with an injected clock, at each boundary: the rotation
/// hand-over, the end of a delegation, the reminder and escalation rounds,
/// the expiry warning. Pure: no store, no network.
@Suite struct NotificationPlannerTests {
    static let policyText = """
    policy: notify-test
    settings: {pending_timeout: 72h}
    directory:
      people:
        alice: {manager: carol, email: alice@example.com}
        bob: {manager: carol, email: bob@example.com}
        carol: {email: carol@example.com}
        dave: {manager: carol, email: dave@example.com}
        erin: {manager: frank, email: erin@example.com, channels: [team-slack]}
        frank: {email: frank@example.com}
        grace: {email: grace@example.com}
        sec: {email: sec@example.com}
      groups:
        dba: [dave, erin]
        security: [sec]
      rotations:
        oncall: {members: [bob, grace], start: 2026-01-05T09:00:00Z, every: 1w}
      delegations:
        - {from: dave, to: frank, until: 2026-03-01T00:00:00Z}
    catalogue:
      payments-db:
        owners: [group:dba]
        environments: [production]
        entitlements: [read_replica]
        max_duration: 30d
    break_glass:
      raised_by: [group:dba, rotation:oncall, person:alice]
      max_duration: 4h
      incident_required: true
      post_incident_review: {reviewers: group:security, within: 72h}
    route:
      - name: break-glass
        when: {break_glass: true}
        steps: [{approvers: rotation:oncall, count: 1}]
      - name: owners
        when: {system: payments-db}
        steps: [{approvers: owners, count: 1}]
    notifications:
      security_contact: group:security
      channels:
        team-slack: {type: slack, url: "https://hooks.example.com/services/T/B/x"}
      reminders: {after: 4h, every: 4h}
      escalation: {after: 24h, every: 12h, to: manager}
      expiry_warning: 24h
      break_glass: {page: [rotation:oncall]}
    """

    static let policy: Policy = try! Policy.parse(source: policyText, file: "policy.yaml")
    static let planner = NoticePlanner(policy: policy)!

    static func date(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    static func request(breakGlass: Bool = false, requester: String = "alice") -> AccessRequest {
        AccessRequest(requester: requester, subject: Subject(kind: .serviceAccount, name: "svc-etl", owner: requester),
                      system: "payments-db", environment: "production", entitlement: "read_replica", access: .read,
                      purpose: "nightly reconciliation", duration: .hours(2), breakGlass: breakGlass,
                      incident: breakGlass ? "INC-7" : nil)
    }

    /// Submits at `at` and returns the record with the events, numbered from 1.
    static func submit(_ request: AccessRequest, at: Date) throws -> (RequestRecord, [RecordedEvent]) {
        let drafts = Lifecycle.submit(try ScannedRequest(scanning: request), id: "REQ-1", by: Principal(name: request.requester!, authentication: .asserted),
                                      policy: policy, original: nil, at: at)
        var record: RequestRecord?
        for draft in drafts { record = Projection.apply(draft, to: record) }
        let events = drafts.enumerated().map { RecordedEvent(sequence: Int64($0.offset + 1), draft: $0.element, hash: "") }
        return (record!, events)
    }

    static func recipients(_ notices: [Notice], _ kind: NoticeKind) -> [String] {
        notices.filter { $0.kind == kind }.compactMap(\.recipient).sorted()
    }

    @Test func routedToWhoMayDecideNowWithDelegatesAndNeverTheRequester() throws {
        // dave requests: the other owner (erin) hears; dave never does, and
        // frank hears only as dave's delegate, which dave's own request is not.
        let (record, events) = try Self.submit(Self.request(requester: "dave"), at: Self.date("2026-02-10T10:00:00Z"))
        let notices = events.flatMap { Self.planner.notices(for: $0, record: record, grant: nil, original: nil) }
        #expect(Self.recipients(notices, .routed) == ["erin"])
        // Broadcast channels hear once per notice, not per person: none here.
        #expect(notices.allSatisfy { $0.recipient != nil })

        let (other, otherEvents) = try Self.submit(Self.request(), at: Self.date("2026-02-10T10:00:00Z"))
        let before = otherEvents.flatMap { Self.planner.notices(for: $0, record: other, grant: nil, original: nil) }
        #expect(Self.recipients(before, .routed) == ["dave", "erin", "frank"], "frank is dave's delegate until March")
        #expect(before.first { $0.recipient == "frank" }?.why.contains("delegate of dave") == true)
        #expect(before.first { $0.recipient == "dave" }?.key == "routed:REQ-1:v1:dave")
    }

    /// A planner remembers who may decide per question (steps, the request's
    /// facts, the moment): asked again and again across requesters, subjects,
    /// the delegation's end and the rotation's hand-over, it answers exactly
    /// as a fresh planner does.
    @Test func aPlannerThatRemembersAnswersAsAFreshOneDoes() throws {
        let moments = ["2026-01-12T08:59:59Z", "2026-01-12T09:00:00Z", "2026-02-28T23:59:59Z", "2026-03-01T00:00:00Z"].map(Self.date)
        let people = ["alice", "bob", "dave", "erin", "grace"]
        for round in 0..<2 {
            for at in moments {
                for requester in people {
                    for owner in people {
                        for breakGlass in [false, true] {
                            var request = Self.request(breakGlass: breakGlass, requester: requester)
                            request.subject = owner == requester ? Subject(kind: .human, name: requester, owner: requester)
                                : Subject(kind: .serviceAccount, name: "svc-\(owner)", owner: owner)
                            let (record, events) = try Self.submit(request, at: at)
                            let fresh = NoticePlanner(policy: Self.policy)!
                            let remembered = events.flatMap { Self.planner.notices(for: $0, record: record, grant: nil, original: nil) }
                            #expect(remembered == events.flatMap { fresh.notices(for: $0, record: record, grant: nil, original: nil) },
                                    "round \(round), \(requester) for \(owner) at \(at)")
                            #expect(Self.planner.deciders(of: record, original: nil, at: at).map(\.name) == fresh.deciders(of: record, original: nil, at: at).map(\.name))
                        }
                    }
                }
            }
        }
    }

    @Test func theDelegationEndsAtItsBoundary() throws {
        let end = Self.date("2026-03-01T00:00:00Z")
        for (at, expected) in [(end.addingTimeInterval(-1), ["dave", "erin", "frank"]), (end, ["dave", "erin"])] {
            let (record, events) = try Self.submit(Self.request(), at: at)
            let notices = events.flatMap { Self.planner.notices(for: $0, record: record, grant: nil, original: nil) }
            #expect(Self.recipients(notices, .routed) == expected, "at \(at)")
        }
        // A reminder after the delegation ended goes to who may decide then.
        let (record, _) = try Self.submit(Self.request(), at: end.addingTimeInterval(-3600))
        #expect(Self.recipients(Self.planner.reminders(for: record, original: nil, at: end.addingTimeInterval(4 * 3600)), .reminder)
            == ["dave", "erin"])
    }

    @Test func breakGlassPagesWhoeverIsOnCallAcrossTheHandOver() throws {
        // The rotation turns every week from 2026-01-05T09:00Z: bob, then grace.
        let handOver = Self.date("2026-01-12T09:00:00Z")
        let cases: [(Date, [String])] = [(handOver.addingTimeInterval(-1), ["bob"]), (handOver, ["grace"])]
        for (at, expected) in cases {
            let (record, events) = try Self.submit(Self.request(breakGlass: true, requester: "dave"), at: at)
            let notices = events.flatMap { Self.planner.notices(for: $0, record: record, grant: nil, original: nil) }
            #expect(Self.recipients(notices, .breakGlass) == expected, "at \(at)")
            #expect(notices.allSatisfy { $0.urgent })
            #expect(Self.recipients(notices, .routed).isEmpty, "a page, not an ordinary routing")
        }
        // Its reminder after the hand-over reaches the new on-call, urgently.
        let (record, _) = try Self.submit(Self.request(breakGlass: true, requester: "dave"), at: handOver.addingTimeInterval(-3600))
        let reminders = Self.planner.reminders(for: record, original: nil, at: handOver.addingTimeInterval(3 * 3600))
        #expect(Self.recipients(reminders, .reminder) == ["grace"])
        #expect(reminders.allSatisfy { $0.urgent })
    }

    /// Who a page or a security notice names by group, rotation or person
    /// is followed by whoever they delegated to, while the delegation runs:
    /// someone away still has their pages reach the one standing in.
    @Test func pagesAndSecurityNoticesReachDelegatesUntilTheDelegationEnds() throws {
        let text = Self.policyText
            .replacingOccurrences(of: "\n    - {from: dave, to: frank, until: 2026-03-01T00:00:00Z}",
                                  with: "\n    - {from: dave, to: frank, until: 2026-03-01T00:00:00Z}\n    - {from: sec, to: carol, until: 2026-03-01T00:00:00Z}")
            .replacingOccurrences(of: "break_glass: {page: [rotation:oncall]}", with: "break_glass: {page: [group:security]}")
        #expect(text.contains("to: carol") && text.contains("page: [group:security]"))
        let policy = try Policy.parse(source: text, file: "policy.yaml")
        let planner = try #require(NoticePlanner(policy: policy))
        let end = Self.date("2026-03-01T00:00:00Z")
        for (at, expected) in [(end.addingTimeInterval(-1), ["sec", "carol"]), (end, ["sec"])] {
            let drafts = Lifecycle.submit(try ScannedRequest(scanning: Self.request(breakGlass: true, requester: "dave")), id: "REQ-1",
                                          by: Principal(name: "dave", authentication: .asserted), policy: policy, original: nil, at: at)
            var record: RequestRecord?
            for draft in drafts { record = Projection.apply(draft, to: record) }
            let events = drafts.enumerated().map { RecordedEvent(sequence: Int64($0.offset + 1), draft: $0.element, hash: "") }
            let notices = events.flatMap { planner.notices(for: $0, record: record!, grant: nil, original: nil) }
            let paged = Set(Self.recipients(notices, .breakGlass))
            #expect(paged.isSuperset(of: expected) && (paged.contains("carol") == expected.contains("carol")), "at \(at): \(paged)")
            #expect(notices.first { $0.recipient == "carol" }.map { $0.why.contains("delegate of sec") } ?? true)
            #expect(policy.people(namedBy: ["group:security"], at: at).map(\.name) == expected)
        }
    }

    @Test func remindersAndEscalationsFallDueInRoundsUntilDecided() throws {
        let t0 = Self.date("2026-02-10T10:00:00Z")
        let (record, _) = try Self.submit(Self.request(), at: t0)
        func at(_ hours: Double) -> [Notice] { Self.planner.reminders(for: record, original: nil, at: t0.addingTimeInterval(hours * 3600)) }
        #expect(at(3.99).isEmpty)
        #expect(at(4).filter { $0.kind == .reminder }.map(\.round) == [1, 1, 1])
        #expect(Set(at(4).map(\.key)) == ["reminder:REQ-1:1:dave", "reminder:REQ-1:1:erin", "reminder:REQ-1:1:frank"])
        #expect(at(7.99).first?.round == 1, "the same round until the next is due")
        #expect(at(8).first?.round == 2)
        #expect(Self.recipients(at(23.9), .escalation).isEmpty)
        // Escalation to the managers of who may decide: carol (dave's), frank (erin's); frank is also a decider.
        #expect(Self.recipients(at(24), .escalation) == ["carol", "frank"])
        #expect(at(24).filter { $0.kind == .escalation }.allSatisfy { $0.round == 1 && $0.urgent })
        #expect(at(36).first { $0.kind == .escalation }?.round == 2)
        // Decided: nothing more.
        var decided = record
        decided.state = .approved
        #expect(Self.planner.reminders(for: decided, original: nil, at: t0.addingTimeInterval(48 * 3600)).isEmpty)
    }

    @Test func escalationToTheNextInRotationReachesWhoTakesOverNeverTheRequester() throws {
        let text = Self.policyText.replacingOccurrences(of: "escalation: {after: 24h, every: 12h, to: manager}",
                                                        with: "escalation: {after: 24h, every: 12h, to: next_in_rotation}")
        let planner = NoticePlanner(policy: try! Policy.parse(source: text, file: "policy.yaml"))!
        // Week of 2026-02-09: grace is on call; bob takes over on 2026-02-16.
        let t0 = Self.date("2026-02-10T10:00:00Z")
        func escalated(_ request: AccessRequest) throws -> [Notice] {
            let (record, _) = try Self.submit(request, at: t0)
            return planner.reminders(for: record, original: nil, at: t0.addingTimeInterval(24 * 3600)).filter { $0.kind == .escalation }
        }
        let breakGlass = try escalated(Self.request(breakGlass: true, requester: "dave"))
        #expect(breakGlass.compactMap(\.recipient) == ["bob"])
        #expect(breakGlass.first?.why.contains("next on call for oncall") == true)
        #expect(breakGlass.allSatisfy { $0.urgent && $0.round == 1 })
        // The next on call never hears of an escalation of their own request.
        #expect(try escalated(Self.request(breakGlass: true, requester: "bob")).compactMap(\.recipient).contains("bob") == false)
        // A step without a rotation escalates to the managers of who may decide.
        #expect(try Self.recipients(escalated(Self.request()), .escalation) == ["carol", "frank"])
    }

    @Test func decisionsGoToTheRequesterAndExpiryWarnsAtItsBoundary() throws {
        let t0 = Self.date("2026-02-10T10:00:00Z")
        let (pending, _) = try Self.submit(Self.request(), at: t0)
        let review = Lifecycle.review(pending, verdict: .approve, rationale: "checked the ticket and the scope", shownVersion: 1,
                                      by: Principal(name: "erin", authentication: .asserted), policy: Self.policy,
                                      original: nil, at: t0)
        var record = pending
        var grant: Grant?
        var notices: [Notice] = []
        for draft in review.events {
            record = Projection.apply(draft, to: record) ?? record
            grant = GrantProjection.apply(draft, to: grant) ?? grant
        }
        for (index, draft) in review.events.enumerated() {
            notices += Self.planner.notices(for: RecordedEvent(sequence: Int64(10 + index), draft: draft, hash: ""), record: record,
                                            grant: grant, original: nil)
        }
        #expect(Self.recipients(notices, .decided) == ["alice"])
        let live = try! #require(grant)
        let expires = try! #require(live.expiresAt)
        // Requester alice owns the subject; her manager carol hears too.
        #expect(Self.planner.expiryWarnings(for: live, record: record, at: expires.addingTimeInterval(-24 * 3600 - 1)).isEmpty)
        let warned = Self.planner.expiryWarnings(for: live, record: record, at: expires.addingTimeInterval(-24 * 3600))
        #expect(Self.recipients(warned, .expiryWarning) == ["alice", "carol"])
        #expect(Self.planner.expiryWarnings(for: live, record: record, at: expires).isEmpty, "expired is its own notice")
    }

    /// An overdue post-incident review goes to whoever may complete it now:
    /// not someone who approved an extension of the emergency, whom the
    /// review would refuse.
    @Test func anOverdueIncidentReviewSkipsWhoApprovedAnExtension() throws {
        let t0 = Self.date("2026-02-10T10:00:00Z")
        let (pending, _) = try Self.submit(Self.request(breakGlass: true), at: t0)
        let review = Lifecycle.review(pending, verdict: .approve, rationale: "checked the incident and the scope", shownVersion: 1,
                                      by: Principal(name: "grace", authentication: .asserted), policy: Self.policy, original: nil, at: t0)
        let grant = try #require(review.events.reduce(nil) { GrantProjection.apply($1, to: $0) ?? $0 }, "grace, on call then, approves")
        let due = try #require(grant.incidentReview?.dueAt)
        #expect(Self.planner.overdueIncidentReview(for: grant, extensionApprovers: [], at: due.addingTimeInterval(-1)).isEmpty)
        let overdue = Self.planner.overdueIncidentReview(for: grant, extensionApprovers: [], at: due)
        #expect(Self.recipients(overdue, .incidentReviewOverdue) == ["sec"])
        #expect(Self.planner.overdueIncidentReview(for: grant, extensionApprovers: ["sec"], at: due).isEmpty)
    }

    @Test func refusedSelfApprovalGoesToTheSecurityContact() throws {
        let (record, _) = try Self.submit(Self.request(), at: Self.date("2026-02-10T10:00:00Z"))
        let attempt = Lifecycle.review(record, verdict: .approve, rationale: "I need it, trust me please", shownVersion: 1,
                                       by: Principal(name: "alice", authentication: .asserted), policy: Self.policy,
                                       original: nil, at: Self.date("2026-02-10T11:00:00Z"))
        let event = RecordedEvent(sequence: 9, draft: attempt.events[0], hash: "")
        let notices = Self.planner.notices(for: event, record: record, grant: nil, original: nil)
        #expect(notices.map(\.recipient) == ["sec"])
        #expect(notices[0].kind == .refused && notices[0].urgent && notices[0].key == "refused:9:sec")
        #expect(notices[0].refusal?.reason == .selfApproval && notices[0].refusal?.actor == "alice")
        // A stale view is no one's business but the approver's.
        let stale = Lifecycle.review(record, verdict: .approve, rationale: "looked at it yesterday", shownVersion: 7,
                                     by: Principal(name: "dave", authentication: .asserted), policy: Self.policy,
                                     original: nil, at: Self.date("2026-02-10T11:00:00Z"))
        #expect(Self.planner.notices(for: RecordedEvent(sequence: 10, draft: stale.events[0], hash: ""), record: record,
                                     grant: nil, original: nil).isEmpty)
    }

    /// Submissions refuse credentials; a record that holds one anyway (an
    /// older store, a forged row) still never copies it into a message.
    @Test func aDocumentCutsLongFieldsAndNeverCopiesACredential() {
        var request = Self.request()
        request.purpose = "use AKIAIOSFODNN7EXAMPLE and password=Zx81kQ2mLp09vR for the job " + String(repeating: "x", count: 900)
        request.subject.name = "svc-" + String(repeating: "n", count: 400)
        // No submission takes such a request (`ScannedRequest`); a store written
        // before that, or by other means, may still hold one.
        let record = RequestRecord(id: "REQ-1", request: request, submittedBy: Principal(name: "alice", authentication: .asserted),
                                   submittedAt: Self.date("2026-02-10T10:00:00Z"))
        let notice = Notice(kind: .routed, requestID: record.id, recipient: "dave", channel: nil, why: "owner", key: "k", urgent: false)
        let document = NotificationDocument(notice: notice, record: record, grant: nil, production: ProductionEnvironments(), now: Self.date("2026-02-10T12:00:00Z"))
        #expect(!document.request.purpose.contains("AKIAIOSFODNN7EXAMPLE") && !document.request.purpose.contains("Zx81kQ2mLp09vR"))
        #expect(document.request.purpose.hasPrefix("use [redacted: looks like a credential] and [redacted: looks like a credential] for the job"))
        #expect(document.request.purpose.count == NotificationDocument.purposeLimit && document.request.purpose.hasSuffix("…"))
        #expect(document.request.subject.name.count == NotificationDocument.fieldLimit)
        #expect(document.request.waitedSeconds == 7200 && document.request.waitedText == "2h")
        #expect(!document.encoded().contains("AKIA"))
    }

    @Test func theSectionIsCheckedWithPositions() {
        let broken = Self.policyText.replacingOccurrences(of: "escalation: {after: 24h, every: 12h, to: manager}",
                                                          with: "escalation: {after: 2h, every: 12h, to: group:nobody}")
            .replacingOccurrences(of: "channels: [team-slack]", with: "channels: [team-slak]")
        #expect(throws: SourceErrors.self) { try Policy.parse(source: broken, file: "p.yaml") }
        do {
            _ = try Policy.parse(source: broken, file: "p.yaml")
        } catch {
            let text = error.description
            #expect(text.contains("unknown group \"nobody\""), "\(text)")
            #expect(text.contains("unknown channel \"team-slak\"") && text.contains("did you mean \"team-slack\""), "\(text)")
            #expect(text.contains("p.yaml:"), "\(text)")
        }
        let injected = Self.policyText.replacingOccurrences(of: "alice@example.com", with: "\"alice@example.com\\r\\nBcc: x@evil\"")
        #expect(throws: SourceErrors.self) { try Policy.parse(source: injected, file: "p.yaml") }
    }
}
