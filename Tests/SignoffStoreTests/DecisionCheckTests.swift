import Foundation
import SignoffCore
import Testing
@testable import SignoffStore

/// Whoever can write a store (a person mapped to a PostgreSQL role, through
/// the append function; a member of a store file's group) can append a
/// well-chained event with any content in their own name. `audit verify`
/// replays each route, review, approval and grant under the policy in force
/// and names those signoff's lifecycle does not record. Each forged case here
/// appends events as such a writer would: straight into the chain, past every
/// command's checks; each legitimate one appends what the lifecycle makes.
@Suite struct DecisionCheckTests {
    static let policy = Sample.parsedPolicy
    static let later = Sample.start.addingTimeInterval(20 * 60)

    /// The decision problems verify names, as "request: problem", after
    /// `request` is submitted (as signoff submits it, or with `route` instead
    /// of the policy's route) and `after` the request as it then stands.
    func problems(_ request: AccessRequest = Sample.request(), route: ((String) -> EventDraft)? = nil,
                  after: (RequestRecord) throws -> [EventDraft]) throws -> [String] {
        let directory = TemporaryDirectory()
        let store = try Store.create(at: directory.file(), settings: Sample.settings)
        try store.write { try $0.append(Sample.policy()) }
        let id = try store.write { transaction in
            let id = try transaction.nextRequestID()
            if let route {
                try transaction.append(Sample.submit(id, request))
                try transaction.append(route(id))
            } else {
                for event in Lifecycle.submit(try ScannedRequest(scanning: request), id: id, by: Sample.alice,
                                              policy: Self.policy, original: nil, at: Sample.start) {
                    try transaction.append(event)
                }
            }
            return id
        }
        let record = try #require(try store.record(id))
        let events = try after(record)
        if !events.isEmpty { try store.write { transaction in for event in events { try transaction.append(event) } } }
        let report = try store.verify()
        #expect(report.firstBadEvent == nil, "the chain itself is intact")
        let named = report.projectionMismatches.filter { $0.table == "events" }.map { "\($0.requestID ?? "-"): \($0.problem)" }
        // The request's history replayed on its own (what the hand-off asks) names the same.
        let history = try store.grantHistoryProblems(id)
        #expect(history.map { String($0.drop { $0 != ":" }.dropFirst(2)) } == named.map { String($0.dropFirst(id.count + 2)) },
                "\(history) against \(named)")
        return named
    }

    static func approval(_ record: RequestRecord, by reviewer: Principal = Sample.bob) -> [EventDraft] {
        Lifecycle.review(record, verdict: .approve, rationale: "ticket OPS-42 checked", shownVersion: record.version,
                         by: reviewer, policy: policy, original: nil, at: later).events
    }

    static func decided(_ id: String, by actor: Principal, approvers: [String], selfActivated: Bool? = nil) -> EventDraft {
        EventDraft(requestID: id, actor: actor, at: Sample.start, body: .requestDecided(.init(
            state: .approved, by: approvers, policyVersion: Sample.policyVersion, reason: "every step satisfied",
            selfActivated: selfActivated)))
    }

    @Test func whatTheLifecycleRecordsPasses() throws {
        #expect(try problems { Self.approval($0) } == [])
        // Approved automatically by the sandbox rule, in the submission itself.
        #expect(try problems(Sample.request(environment: "sandbox")) { _ in [] } == [])
        let breakGlass = Sample.request(requester: "alice", breakGlass: true)
        #expect(try problems(breakGlass) { record in
            try Lifecycle.selfActivate(record, by: Sample.alice, rationale: "payments down, INC-7 paging", policy: Self.policy,
                                       at: Self.later)
        } == [])
    }

    @Test func aRequesterApprovingTheirOwnRequestIsNamed() throws {
        let found = try problems { record in
            [Sample.review(record.id, by: Sample.alice), Self.decided(record.id, by: Sample.alice, approvers: ["alice"]),
             Sample.grant(record.id, approvers: ["alice"])]
        }
        #expect(found == [
            "REQ-1: review_recorded by alice: a review signoff refuses: alice requested REQ-1 and may not review it",
            "REQ-1: request_decided by alice: approves REQ-1 before every step was satisfied: owners of payments-db has 0 of 1",
        ])
    }

    /// An approval by the steps is made by the review that completes them,
    /// right before it and in its reviewer's name: the requester recording
    /// it, though the approvals count, is named.
    @Test func anApprovalInAnotherNameThanTheReviewThatMadeItIsNamed() throws {
        let forged = try problems { record in
            [Sample.review(record.id), Self.decided(record.id, by: Sample.alice, approvers: ["bob"]), Sample.grant(record.id, actor: Sample.alice)]
        }
        #expect(forged == ["REQ-1: request_decided by alice: approves REQ-1 as alice, but the review or route right before it approves it as bob"])
    }

    @Test func anApprovalNoCountedApprovalBacksIsNamed() throws {
        let unreviewed = try problems { record in
            [Self.decided(record.id, by: Sample.carol, approvers: ["carol"]), Sample.grant(record.id, approvers: ["carol"])]
        }
        #expect(unreviewed == ["REQ-1: request_decided by carol: approves REQ-1 before every step was satisfied: owners of payments-db has 0 of 1"])
        let denied = try problems { record in
            [Sample.review(record.id, verdict: .deny), Self.decided(record.id, by: Sample.bob, approvers: ["bob"]), Sample.grant(record.id)]
        }
        #expect(denied == ["REQ-1: request_decided by bob: approves REQ-1 before every step was satisfied: owners of payments-db has 0 of 1"])
        // erin is no owner: her review is refused, and counts for nothing.
        let ineligible = try problems { record in
            [Sample.review(record.id, by: Principal(name: "erin", authentication: .osAccount)),
             Self.decided(record.id, by: Sample.bob, approvers: ["erin"]), Sample.grant(record.id, approvers: ["erin"], actor: Sample.bob)]
        }
        #expect(ineligible.count == 2)
        #expect(ineligible.first?.hasPrefix("REQ-1: review_recorded by erin: a review signoff refuses: erin is not an eligible approver of REQ-1") == true,
                "\(ineligible)")
    }

    @Test func aGrantNoApprovalMadeIsNamed() throws {
        #expect(try problems { record in [Sample.review(record.id), Sample.grant(record.id)] }
                == ["REQ-1: grant_issued by bob: a grant change that no approval immediately before it made"])
    }

    /// The grant is recorded in the name of whoever made the approval before it.
    @Test func aGrantInAnotherNameThanItsApprovalIsNamed() throws {
        let byMallory = try problems { record in
            var events = Self.approval(record)
            events[2].actor = Principal(name: "mallory", authentication: .osAccount)
            return events
        }
        #expect(byMallory.count == 1 && byMallory[0].hasPrefix("REQ-1: grant_issued by mallory: read access (db:read)")
                && byMallory[0].hasSuffix("recorded as mallory (os_account), but the approval before it was made by bob (os_account)"),
                "\(byMallory)")
    }

    @Test func aGrantBeyondWhatWasApprovedIsNamed() throws {
        func grant(_ edit: (inout EventBody.GrantIssued) -> Void) throws -> [String] {
            try problems { record in
                var events = Self.approval(record)
                guard case var .grantIssued(issued) = events[2].body else { return [] }
                edit(&issued)
                events[2].body = .grantIssued(issued)
                return events
            }
        }
        let wider = try grant { $0.terms.system = "ledger-admin" }
        #expect(wider == ["REQ-1: grant_issued by bob: read access (db:read) to ledger-admin/production for svc-ledger, 8h, approved by bob, "
                          + "but the approval before it issues read access (db:read) to payments-db/production for svc-ledger, 8h, approved by bob"])
        let longer = try grant { $0.duration = .hours(80); $0.expiresAt = $0.startsAt?.addingTimeInterval(80 * 3600) }
        #expect(longer.count == 1 && longer[0].contains("3d8h, approved by bob, but the approval before it issues"), "\(longer)")
        let later = try grant { $0.expiresAt = $0.expiresAt?.addingTimeInterval(3600) }
        #expect(later.count == 1 && later[0].contains("but the approval before it issues"), "\(later)")
        let approvers = try grant { $0.approvers = ["bob", "carol"] }
        #expect(approvers.count == 1 && approvers[0].contains("approved by bob, carol, but"), "\(approvers)")
    }

    @Test func aRuleApprovalItsRouteDidNotMakeIsNamed() throws {
        let unrouted = try problems { record in
            [Self.decided(record.id, by: .policyRule("sandbox"), approvers: ["policy:sandbox"]),
             Sample.grant(record.id, approvers: ["policy:sandbox"])]
        }
        #expect(unrouted == ["REQ-1: request_decided by policy:sandbox: an approval by policy:sandbox, but the route of REQ-1 is rule owners: 1 of owners of payments-db"])
        // A production request routed by hand as approved automatically.
        let forgedRoute = try problems(route: { id in
            EventDraft(requestID: id, actor: .signoff, at: Sample.start, body: .requestRouted(.init(
                version: 1, policyVersion: Sample.policyVersion, outcome: .autoApproved(rule: "sandbox"), cause: "submitted")))
        }) { record in
            [Self.decided(record.id, by: .policyRule("sandbox"), approvers: ["policy:sandbox"]),
             Sample.grant(record.id, approvers: ["policy:sandbox"])]
        }
        #expect(forgedRoute == ["REQ-1: request_routed by signoff: routed as approved automatically by rule sandbox, but the policy in force routes it as rule owners: 1 of owners of payments-db"])
        // The policy's own route, recorded in a person's name: signoff routes in its own.
        let routedByBob = try problems(route: { id in
            var routed = Sample.route(id)
            routed.actor = Sample.bob
            return routed
        }) { _ in [] }
        #expect(routedByBob == ["REQ-1: request_routed by bob: a route recorded as bob, not by signoff"])
    }

    @Test func selfActivationIsTheRequestersOwnBreakGlassAfterTheWait() throws {
        let breakGlass = Sample.request(requester: "alice", breakGlass: true)
        func activation(_ record: RequestRecord, as actor: Principal, at: Date = Self.later) throws -> [EventDraft] {
            var events = try Lifecycle.selfActivate(record, by: Sample.alice, rationale: "payments down, INC-7 paging",
                                                    policy: Self.policy, at: Self.later)
            for index in events.indices { events[index].actor = actor; events[index].at = at }
            if case var .requestDecided(decided) = events[0].body { decided.by = [actor.name]; events[0].body = .requestDecided(decided) }
            if case var .grantIssued(issued) = events[1].body { issued.approvers = [actor.name]; events[1].body = .grantIssued(issued) }
            return events
        }
        let someoneElse = try problems(breakGlass) { try activation($0, as: Sample.bob) }
        #expect(someoneElse == ["REQ-1: request_decided by bob: a self-activation by bob of REQ-1, which alice requested"])
        // A person's emergency access for another person, opened by its requester alone.
        var forBob = breakGlass
        forBob.subject = Subject(kind: .human, name: "bob", owner: "bob")
        let another = try problems(forBob) { record in
            var asService = record
            asService.request.subject = breakGlass.subject
            return try activation(asService, as: Sample.alice)
        }
        #expect(another.first == "REQ-1: request_decided by alice: a self-activation signoff refuses: REQ-1 is emergency access for bob, not for its requester alice: access for another person is never self-activated; it needs an approver",
                "\(another)")
        let early = try problems(breakGlass) { try activation($0, as: Sample.alice, at: Sample.start.addingTimeInterval(60)) }
        #expect(early.first == "REQ-1: request_decided by alice: a self-activation before the policy's wait of 15m", "\(early)")
        let notBreakGlass = try problems { record in
            var grant = Sample.grant(record.id, approvers: ["alice"])
            if case var .grantIssued(issued) = grant.body { issued.selfActivated = true; grant.body = .grantIssued(issued) }
            return [Self.decided(record.id, by: Sample.alice, approvers: ["alice"], selfActivated: true), grant]
        }
        #expect(notBreakGlass == ["REQ-1: request_decided by alice: a self-activation of REQ-1, which is not a pending break-glass request"])
    }

    @Test func aPostIncidentReviewIsTheReviewersNotTheHolders() throws {
        let breakGlass = Sample.request(requester: "alice", breakGlass: true)
        func reviewed(by person: Principal, revoked: Bool = true) throws -> [String] {
            try problems(breakGlass) { record in
                try Lifecycle.selfActivate(record, by: Sample.alice, rationale: "payments down, INC-7 paging", policy: Self.policy,
                                           at: Self.later)
                    + (revoked ? [EventDraft(requestID: record.id, actor: Sample.alice, at: Self.later.addingTimeInterval(1800),
                                             body: .grantRevoked(.init(rationale: "incident over, payments are back", trigger: nil)))] : [])
                    + [EventDraft(requestID: record.id, actor: person, at: Self.later.addingTimeInterval(3600),
                                  body: .incidentReviewCompleted(.init(rationale: "looked at the session log")))]
            }
        }
        #expect(try reviewed(by: Sample.bob) == [])
        // Completed while the emergency access still lasted: what came after it went unreviewed.
        let early = try reviewed(by: Sample.bob, revoked: false)
        #expect(early.count == 1 && early[0].hasPrefix("REQ-1: incident_review_completed by bob: a post-incident review signoff refuses: the emergency access of REQ-1 is active until "),
                "\(early)")
        let own = try reviewed(by: Sample.alice)
        #expect(own.count == 1 && own[0].hasPrefix("REQ-1: incident_review_completed by alice: a post-incident review signoff refuses: "),
                "\(own)")
    }

    @Test func reviewsSignoffRefusesAreNamed() throws {
        // No process records a review in signoff's name (`audit verify` names one forged into the chain).
        #expect(throws: StoreError.self) { try problems { [Sample.review($0.id, by: .signoff)] } }
        #expect(DecisionCheck.actorProblem(Sample.review("REQ-1", by: .signoff))?.hasPrefix(
            "review_recorded is recorded for a person or account, and this one names signoff (system)") == true)
        #expect(DecisionCheck.actorProblem(Sample.review("REQ-1", by: Principal(name: "policy:", authentication: .policy)))
                == "recorded as a policy rule under the name policy:: a rule's decisions name it as policy:RULE")
        #expect(DecisionCheck.actorProblem(EventDraft(requestID: "REQ-1", actor: .policyRule("auto"), at: Sample.start,
                                                      body: .requestDecided(.init(state: .approved, by: ["policy:auto"], policyVersion: "v",
                                                                                  reason: "auto", selfActivated: nil)))) == nil)
        #expect(try problems { [Sample.review($0.id, version: 2)] }
                == ["REQ-1: review_recorded by bob: a review signoff refuses: REQ-1 has never had version 2: it is at version 1; look at it with `signoff show REQ-1`"])
        #expect(try problems { Self.approval($0) + [Sample.review($0.id, by: Sample.carol, at: Self.later)] }
                == ["REQ-1: review_recorded by carol: a review signoff refuses: REQ-1 is already approved"])
    }

    /// Only the requester (or submitter) withdraws; only those who answer
    /// for a grant revoke it; a trigger revokes only grants that name it.
    @Test func withdrawalsAndRevocationsSignoffRefusesAreNamed() throws {
        #expect(try problems { try Lifecycle.withdraw($0, by: Sample.alice, rationale: "no longer needed", at: Self.later) } == [])
        #expect(try problems { [EventDraft(requestID: $0.id, actor: Sample.bob, at: Self.later, body: .requestWithdrawn(.init(rationale: nil)))] }
                == ["REQ-1: request_withdrawn by bob: a withdrawal signoff refuses: only the requester (alice) may withdraw REQ-1"])
        func revoked(by actor: Principal, trigger: RevocationTrigger? = nil) throws -> [String] {
            try problems { record in
                Self.approval(record) + [EventDraft(
                    requestID: record.id, actor: actor, at: Self.later.addingTimeInterval(60), body: .grantRevoked(.init(
                        rationale: trigger.map { "revocation trigger \($0.name) fired for \($0.ref)" } ?? "the job moved to another account",
                        trigger: trigger)))]
            }
        }
        #expect(try revoked(by: Sample.alice) == [], "its requester")
        #expect(try revoked(by: Sample.carol) == [], "an owner of the system")
        let stranger = try revoked(by: Principal(name: "erin", authentication: .osAccount))
        #expect(stranger.count == 1 && stranger[0].hasPrefix("REQ-1: grant_revoked by erin: a revocation signoff refuses: erin may not revoke REQ-1"),
                "\(stranger)")
        let closed = RevocationTrigger(name: "ticket_closed", ref: "OPS-42")
        let fired = try revoked(by: Sample.creator, trigger: closed)
        #expect(fired.count == 1 && fired[0].contains("by the trigger ticket_closed OPS-42, which its grant does not name"), "\(fired)")
        let notAllowed = try revoked(by: Sample.bob, trigger: closed)
        #expect(notAllowed.count == 1 && notAllowed[0].contains("a trigger signoff refuses: bob may not fire_trigger:ticket_closed"),
                "\(notAllowed)")
    }

    /// A denial is the one a review or route right before it makes: one
    /// written in by hand ends a request nobody denied (and a forged time-out
    /// or expiry ends one, or its access, early), so each is named.
    @Test func denialsTimeOutsAndExpiriesSignoffDoesNotRecordAreNamed() throws {
        func denial(_ id: String, by actor: Principal, reason: String) -> EventDraft {
            EventDraft(requestID: id, actor: actor, at: Self.later, body: .requestDecided(.init(
                state: .denied, by: [actor.name], policyVersion: Sample.policyVersion, reason: reason)))
        }
        let reviewed = { (record: RequestRecord) in
            Lifecycle.review(record, verdict: .deny, rationale: "no ticket for this access", shownVersion: 1, by: Sample.bob,
                             policy: Self.policy, original: nil, at: Self.later).events
        }
        #expect(try problems { reviewed($0) } == [])
        #expect(try problems { [denial($0.id, by: Sample.carol, reason: "denied by carol")] }
                == ["REQ-1: request_decided by carol: denied by carol, but no review or route right before it denies REQ-1"])
        // The reviewer's denial, rewritten as someone else's.
        #expect(try problems { [reviewed($0)[0], denial($0.id, by: Sample.carol, reason: "denied by carol")] }
                == ["REQ-1: request_decided by carol: denied by carol, but signoff records denied by bob there"])
        // A policy rule the route never matched.
        #expect(try problems { [denial($0.id, by: .policyRule("no-prod"), reason: "production is closed")] }
                == ["REQ-1: request_decided by policy:no-prod: denied by policy:no-prod, but no review or route right before it denies REQ-1"])
        #expect(try problems { [denial($0.id, by: .policyRule("extension"), reason: "closed")] }
                == ["REQ-1: request_decided by policy:extension: closes REQ-1 as an extension, but it extends no grant"])
        let timedOut = EventDraft(requestID: "REQ-1", actor: Sample.carol, at: Self.later, body: .requestDecided(.init(
            state: .timedOut, by: ["policy:pending-timeout"], policyVersion: Sample.policyVersion, reason: "no decision")))
        #expect(try problems { _ in [timedOut] }
                == ["REQ-1: request_decided by carol: times out REQ-1, which the policy in force never times out"])
        var withdrawn = timedOut
        withdrawn.body = .requestDecided(.init(state: .withdrawn, by: ["alice"], policyVersion: Sample.policyVersion, reason: "gone"))
        #expect(try problems { _ in [withdrawn] }
                == ["REQ-1: request_decided by carol: a decision signoff never records: withdrawn is no verdict"])
        #expect(try problems { Self.approval($0) + reviewed($0).dropFirst() }
                == ["REQ-1: request_decided by bob: decides REQ-1, which was already approved"])

        // The grant approved at `later` runs 8 hours.
        func expired(after hours: Double) throws -> [String] {
            try problems { record in
                let events = Self.approval(record)
                guard case let .grantIssued(issued) = events[2].body, let end = issued.expiresAt else { return [] }
                let at = end.addingTimeInterval((hours - 8) * 3600)
                return events + [EventDraft(requestID: record.id, actor: Sample.carol, at: at,
                                            body: .grantExpired(.init(expiresAt: end)))]
            }
        }
        #expect(try expired(after: 8) == [])
        let early = try expired(after: 2)
        #expect(early.count == 1 && early[0].hasPrefix("REQ-1: grant_expired by carol: expires REQ-1 before its expiry at "), "\(early)")
    }

    // MARK: Actions only a role may take, and reconciliation's decisions

    /// The decision problems verify names after a run that opens one finding
    /// (`svc-rogue`, owned by `owner`, of `kind`) and then `events`.
    func findingProblems(owner: String = "alice", kind: FindingKind = .unapproved, _ events: [EventDraft]) throws -> [String] {
        let directory = TemporaryDirectory()
        let store = try Store.create(at: directory.file(), settings: Sample.settings)
        let run = EventBody.ReconciliationRun(
            source: "generic", files: [], covered: [],
            counts: EventBody.ReconciliationCounts(observations: 1, credentials: 0, ignored: 0, matched: 0, awaitingRemoval: 0, findings: 1,
                                         opened: 1, seenAgain: 0, resolved: 0),
            grantsPresent: [], grantsAbsent: [], findingsSeen: [])
        let opened = EventBody.FindingOpened(
            findingID: "F-1", kind: kind, run: 3, system: "payments-db", environment: "production", subjectKind: "service_account",
            subject: "svc-rogue", owner: owner, entitlement: "db:read", grantType: "role", native: nil, scope: "",
            access: .read, requestID: nil, credentialID: nil, summary: "svc-rogue holds db:read with no approved grant", evidence: [])
        try store.write { transaction in
            try transaction.append(Sample.policy())
            try transaction.append(EventDraft(requestID: nil, actor: Sample.creator, at: Sample.start, body: .reconciliationRun(run)))
            try transaction.append(EventDraft(requestID: nil, actor: Sample.creator, at: Sample.start, body: .findingOpened(opened)))
            for event in events { try transaction.append(event) }
        }
        let report = try store.verify()
        #expect(report.firstBadEvent == nil, "the chain itself is intact")
        return report.projectionMismatches.filter { $0.table == "events" }.map(\.problem)
    }

    static func excepted(by actor: Principal, for span: TimeInterval = 7 * 86_400,
                         why: String = "vendor bridge account, removed with the Q1 migration") -> EventDraft {
        EventDraft(requestID: nil, actor: actor, at: later, body: .findingExcepted(.init(
            findingID: "F-1", rationale: why, until: EventCoding.storedPrecision(later.addingTimeInterval(span)))))
    }

    static func removal(by actor: Principal) -> EventDraft {
        let terms = EventBody.RemovalTerms(
            kind: .unapproved, system: "payments-db", environment: "production", instance: nil, subjectKind: "service_account",
            subject: "svc-rogue", owner: "alice", entitlement: "db:read", grantType: "role", platformObject: nil, native: nil,
            scope: "", access: .read, sourceIDs: [], requestID: nil)
        return EventDraft(requestID: nil, actor: actor, at: later, body: .findingRemovalRequested(.init(
            findingID: "F-1", rationale: "nobody asked for this access; remove it", terms: terms)))
    }

    /// The Sample policy grants no role, so only the store's creator may take
    /// a role's actions; anyone else's are named, whoever wrote them in.
    @Test func anActionOnlyARoleMayTakeIsNamedWhenItsActorHoldsNone() throws {
        let creator = Sample.creator.name
        let settings = EventBody.settingsChanged(.init(trustAssertedIdentities: false, shareGroup: nil))
        #expect(try findingProblems([EventDraft(requestID: nil, actor: Sample.creator, at: Self.later, body: settings)]) == [])
        #expect(try findingProblems([EventDraft(requestID: nil, actor: Sample.bob, at: Self.later, body: settings)]) == [
            "settings_changed by bob: an action signoff refuses: bob may not change_settings: no role of the policy grants change_settings, so only the account that created the store (\(creator)) may",
        ])
        let policy = EventDraft(requestID: nil, actor: Sample.bob, at: Self.later, body: .policyApplied(.init(
            version: Sample.policyVersion, previousVersion: Sample.policyVersion, file: "policy.yaml", source: Sample.policySource)))
        let applied = try findingProblems([policy])
        #expect(applied.count == 1 && applied[0].hasPrefix("policy_applied by bob: an action signoff refuses: bob may not apply_policy"),
                "\(applied)")
        let findings = try findingProblems([Self.excepted(by: Sample.bob), Self.removal(by: Sample.carol)])
        #expect(findings.count == 2, "\(findings)")
        #expect(findings.first?.hasPrefix("finding_excepted by bob: an action signoff refuses: bob may not except_finding") == true)
        #expect(findings.last?.hasPrefix("finding_removal_requested by carol: an action signoff refuses: carol may not request_removal") == true)
    }

    /// Who may except a finding still may not except one about their own
    /// access, for longer than the policy allows, or without a rationale.
    @Test func anExceptionSignoffRefusesIsNamed() throws {
        #expect(try findingProblems([Self.excepted(by: Sample.creator)]) == [])
        let own = try findingProblems(owner: Sample.creator.name, [Self.excepted(by: Sample.creator)])
        #expect(own.count == 1 && own[0].contains("nobody accepts their own access"), "\(own)")
        let tooLong = try findingProblems([Self.excepted(by: Sample.creator, for: 91 * 86_400)])
        #expect(tooLong.count == 1 && tooLong[0].contains("an exception may last at most 90d"), "\(tooLong)")
        let terse = try findingProblems([Self.excepted(by: Sample.creator, why: "ok")])
        #expect(terse.count == 1 && terse[0].hasPrefix("finding_excepted by \(Sample.creator.name): an exception signoff refuses: "),
                "\(terse)")
        // The longest exception, to the millisecond the stored times keep, is not named.
        #expect(try findingProblems([Self.excepted(by: Sample.creator, for: 90 * 86_400)]) == [])
    }

    /// A removal is of access the finding shows (the store itself refuses a second one).
    @Test func aRemovalSignoffRefusesIsNamed() throws {
        #expect(try findingProblems([Self.removal(by: Sample.creator)]) == [])
        let noAccess = try findingProblems(kind: .orphaned, [Self.removal(by: Sample.creator)])
        #expect(noAccess.count == 1 && noAccess[0].contains("it shows no access to remove"), "\(noAccess)")
    }

    /// Whoever asked for access may not approve a longer term of it. An
    /// extension keeps the original's requester, so the requester is
    /// excluded as on any request; the original's submitter (here dave,
    /// who filed it for alice, and who owns payments-db) is excluded too:
    /// refused when he reviews it, named by `audit verify` when his review
    /// is appended past the commands.
    @Test func whoAskedForTheOriginalMayNotApproveItsExtension() throws {
        let dave = Principal(name: "dave", authentication: .osAccount)
        let policy = Self.policy
        let directory = TemporaryDirectory()
        let store = try Store.create(at: directory.file(), settings: Sample.settings)
        try store.write { try $0.append(Sample.policy()) }
        try store.write { tx in
            for event in Lifecycle.submit(try ScannedRequest(scanning: Sample.request()), id: try tx.nextRequestID(), by: dave,
                                          policy: policy, original: nil, at: Sample.start) { try tx.append(event) }
        }
        let original = try #require(try store.record("REQ-1"))
        #expect(original.submittedBy.name == "dave" && original.requester == "alice")
        try store.write { tx in for event in Self.approval(original) { try tx.append(event) } }
        let extensionID = try store.write { tx -> String in
            var asking = original
            asking.request.extends = original.id
            let grant = try #require(try tx.originalGrant(of: asking))
            #expect(grant.authors == ["dave"], "the grant's authors come from its request's record")
            let request = try Lifecycle.extensionRequest(of: try #require(try tx.record("REQ-1")), grant: grant, by: .hours(2),
                                                         askedBy: "alice", purpose: nil, policy: policy, at: Self.later)
            let id = try tx.nextRequestID()
            for event in Lifecycle.submit(request, id: id, by: Sample.alice, policy: policy, original: grant, at: Self.later) {
                try tx.append(event)
            }
            return id
        }
        let pending = try #require(try store.record(extensionID))
        #expect(pending.state == .pending)
        // What `show`, `policy explain` and the console say of it, read outside a write.
        let shown = try #require(try store.originalGrant(of: pending))
        #expect(shown.authors == ["dave"])
        let standing = Lifecycle.standing(pending, person: "dave", policy: policy, at: Self.later, original: shown)
        #expect(!standing.mayDecide && standing.reason == "dave asked for REQ-1, whose access REQ-2 extends, and may not review the extension")
        #expect(Lifecycle.standing(pending, person: "bob", policy: policy, at: Self.later, original: shown).mayDecide)
        #expect(try store.originalGrant(of: original) == nil, "REQ-1 extends nothing")
        let refused = try store.write { tx in
            Lifecycle.review(pending, verdict: .approve, rationale: "ticket OPS-42 checked", shownVersion: pending.version,
                             by: dave, policy: policy, original: try tx.originalGrant(of: pending), at: Self.later).outcome
        }
        guard case let .refused(refusal) = refused else { Issue.record("dave's review of the extension was \(refused)"); return }
        #expect(refusal.reason == .selfApproval)
        #expect(refusal.message == "dave asked for REQ-1, whose access REQ-2 extends, and may not review the extension")

        // Appended past the commands: the review, the approval and the longer grant a signoff without the rule made.
        let forged = try store.write { tx -> [EventDraft] in
            var unknowing = try #require(try tx.originalGrant(of: pending))
            unknowing.authors = []
            let result = Lifecycle.review(pending, verdict: .approve, rationale: "ticket OPS-42 checked", shownVersion: pending.version,
                                          by: dave, policy: policy, original: unknowing, at: Self.later)
            for event in result.events { try tx.append(event) }
            return result.events
        }
        #expect(forged.map(\.body.kind) == ["review_recorded", "request_decided", "grant_extended"])
        let named = try store.verify().projectionMismatches.filter { $0.table == "events" }.map(\.problem)
        let forgedReview = "review_recorded by dave: a review signoff refuses: dave asked for REQ-1, whose access REQ-2 extends, and may not review the extension"
        #expect(named.first == forgedReview, "\(named)")
        // The hand-off's check of the longer grant, before provisioning carries it out, names it too.
        let history = try store.grantHistoryProblems("REQ-1")
        #expect(history.contains { $0.hasSuffix(forgedReview) }, "\(history)")
    }
}
