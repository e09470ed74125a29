import Foundation

/// What `audit verify` asks of every route, review, approval and grant in a
/// chain, whoever wrote it. The store's own commands never record these
/// wrongly, but anyone who can write the store (every person mapped to a role
/// of a PostgreSQL store, through its append function; every member of a
/// shared store file's group) can append a well-chained event with any
/// content in their own name, which no hash and no signature of theirs can
/// refuse. Each is replayed under the policy in force before it (the chain's
/// latest `policy_applied`), from the request as it stood, and must be what
/// signoff's own lifecycle records there:
///
/// - an event in the name of signoff or of a rule is one they record (a
///   route, a decision that is not a self-activation, the grant or extension
///   an approval issues), under their own names (`actorProblem`);
/// - a route is the policy's route of the request;
/// - a review is one `Lifecycle.review` records (by a person, not separated
///   from the request, eligible for a step, of the version the request is
///   at, of an open request, not twice);
/// - an approval is backed: every step satisfied by the approvals recorded
///   (the approvers the policy counts), or the rule the route approved
///   automatically, or the requester's own break-glass self-activation the
///   policy allows, after its wait;
/// - a grant or extension is exactly what the approval immediately before
///   it issues (its terms, approvers, length and times under the policy);
/// - a break-glass grant's post-incident review is completed by someone the
///   policy lets review it (never its own holder or approver);
/// - an event only a role may record (a policy applied, the hand-off or the
///   settings changed, a reconciliation run and its findings, a finding
///   excepted or sent for removal) is by someone the policy in force gives
///   that role, or before any policy by the store's creator
///   (`RolePermission.refusal`);
/// - an exception is one `Reconciliation.except` records (not by anyone the
///   finding is about, with a rationale, within the longest exception), and a
///   removal one `Reconciliation.requestRemoval` records (of access the
///   finding shows, once).
///
/// - a withdrawal is one `Lifecycle.withdraw` records (by the requester or
///   the submitter, of an open request);
/// - a revocation is one `Lifecycle.revoke` records (by someone
///   `Lifecycle.revokePermission` lets revoke that grant, with a rationale),
///   or a trigger's (by someone the policy lets fire it, of a live grant
///   that names it, as `Lifecycle.fire` words it);
/// - a denial is the one the review or route right before it makes, or the
///   closing of an extension whose grant had ended (`Lifecycle.closeExtensions`);
///   a time-out is one `Lifecycle.timeOut` records (after the policy's
///   pending timeout, of an open request); an expiry one `Lifecycle.expire`
///   records (of a live grant, at or after its expiry).
///
/// Provisioning reports are not replayed: provisioning reports them, through
/// several paths, and they never decide who holds access.
public struct DecisionCheck: Sendable {
    /// The grant event an approval issues, until it comes, by the request it names.
    private var grants: [String: EventDraft] = [:]
    /// Requests revised since their last route: the route after a revision is always a new version.
    private var revised: Set<String> = []
    /// Who created the store: the actor of its first event, `store_created` (nil for a store made before that was recorded).
    private var creator: String?
    private var seenFirst = false
    /// Whether the chain applied a policy yet: after one, `policy` nil means its source does not parse.
    private var appliedPolicy = false
    /// The approvers of each grant's extensions, by the grant's request: they may revoke it too.
    private var extensionApprovers: [String: [String]] = [:]
    /// The decision a review or route just replayed makes right after it, by request, until it comes.
    private var followingDecisions: [String: EventDraft] = [:]
    /// The trigger that revoked a grant, by its request: its extensions close naming it.
    private var revokingTrigger: [String: String] = [:]

    public init() {}

    /// For a reader that starts after the chain's first event (a shared
    /// store's fold of the events it lacks): who created the store, which
    /// that event recorded (nil for a store made before it did).
    public init(storeCreator: String?) {
        seenFirst = true
        creator = storeCreator
    }

    /// Forgets the grant events the approvals so far issue: for a reader
    /// that sets aside an approval `problem` named (a shared store's fold),
    /// so that the grant right after it is judged as one no approval made.
    public mutating func setAsideIssuedGrants() {
        grants.removeAll()
    }

    /// Whether `problem` needs the request `event` concerns as it stood before it.
    public static func needsRecord(_ body: EventBody) -> Bool {
        switch body {
        case .reviewRecorded, .requestRouted, .requestWithdrawn, .requestDecided, .requestRevised: return true
        case .policyApplied, .requestSubmitted, .reviewRefused, .actionRefused,
             .grantIssued, .grantHandedOff, .grantProvisioned, .grantProvisioningFailed, .grantExpired, .grantRevoked,
             .grantExtended, .incidentReviewCompleted, .storeCreated, .settingsChanged, .schemaMigrated, .handOffConfigured,
             .reconciliationRun, .findingOpened, .findingResolved, .findingExcepted, .findingRemovalRequested,
             .removalHandedOff, .removalHandOffFailed, .ticketLinked, .intakeRefused, .writeBackConfigured:
            return false
        }
    }

    /// Why no signoff command records `event`; nil when one does.
    /// - record: the request it concerns as it stood before it, where
    ///   `needsRecord` (nil when the chain never submitted it);
    /// - policy: the policy in force before it (nil when none was applied, or
    ///   its source does not parse);
    /// - grant: a request's grant as it stands (for an extension, the grant it extends).
    /// - finding: a finding as it stands, by its ID;
    /// - route: for a `request_routed` event, the policy's route of `record`
    ///   already worked out (nil: work it out here).
    public mutating func problem(_ event: EventDraft, record: RequestRecord?, policy: Policy?, grant: (String) -> Grant?,
                                 finding: (String) -> StoredFinding? = { _ in nil }, route: RouteOutcome? = nil) -> String? {
        if !seenFirst, case .storeCreated = event.body { creator = event.actor.name }
        seenFirst = true
        if let problem = Self.actorProblem(event) { return problem }
        defer { if case .policyApplied = event.body { appliedPolicy = true } }
        if let permission = Self.permission(event.body) {
            if policy == nil, appliedPolicy { return Self.noPolicy }
            if let refusal = permission.refusal(for: event.actor.name, policy: policy, storeCreator: creator, at: event.at) {
                return "an action signoff refuses: \(refusal.message)"
            }
        }
        switch event.body {
        case let .requestRouted(routed):
            guard let record else { return "a route of a request no event submitted" }
            // Signoff routes, in its own name (`Lifecycle.route`).
            guard event.actor == .signoff else { return "a route recorded as \(event.actor.name), not by signoff" }
            let afterRevision = revised.remove(record.id) != nil
            guard let policy else { return Self.noPolicy }
            if let problem = Self.routeProblem(routed, at: event.at, record: record, policy: policy, afterRevision: afterRevision,
                                               outcome: route ?? policy.route(record.request, submittedBy: record.submittedBy.name,
                                                                              at: record.submittedAt)) {
                return problem
            }
            // What the route decides right after it: a denial; an extension
            // approved automatically, which may be one; a route with steps
            // whose approvals, kept, now satisfy them. (A rule's own approval
            // of a request is judged by its rule, in `approval`.)
            switch routed.outcome {
            case .unroutable:
                break
            case .autoApproved where record.request.extends == nil:
                break
            case .denied, .autoApproved, .steps:
                expectDecision(in: Lifecycle.decision(of: routed.outcome, record, policy: policy,
                                                      original: record.request.extends.flatMap(grant), at: event.at))
            }
            return nil
        case let .requestRevised(revision):
            // As `Lifecycle.revise` records one: by its submitter, of an open
            // request, extending what it extended. Its route follows it.
            guard let record else { return "a revision of a request no event submitted" }
            guard record.state.isOpen else { return "a revision of \(record.id), which is already \(record.state.rawValue)" }
            guard event.actor.name == record.submittedBy.name else {
                return "a revision by \(event.actor.name), who did not submit \(record.id) (\(record.submittedBy.name) did)"
            }
            guard revision.request.extends == record.request.extends else {
                return "a revision that changes which grant \(record.id) extends"
            }
            revised.insert(record.id)
            return nil
        case let .reviewRecorded(review):
            guard let record else { return "a review of a request no event submitted" }
            guard let policy else { return Self.noPolicy }
            guard event.actor.authentication.isPerson else { return "a review by \(event.actor.name), who is not a person" }
            let result = Lifecycle.review(record, verdict: review.verdict, rationale: review.rationale,
                                          shownVersion: review.requestVersion, by: event.actor, policy: policy,
                                          original: record.request.extends.flatMap(grant), at: event.at)
            switch result.outcome {
            case let .refused(refusal): return "a review signoff refuses: \(refusal.message)"
            case .recorded:
                guard result.events.first?.body == event.body else {
                    return "not the review signoff records (its version or policy version differs)"
                }
                expectDecision(in: result.events.dropFirst())
                return nil
            }
        case let .requestDecided(decided):
            let expected = event.requestID.flatMap { followingDecisions.removeValue(forKey: $0) }
            switch decided.state {
            case .approved: break
            case .denied, .timedOut:
                return endProblem(event, decided, record: record, expected: expected, policy: policy, grant: grant)
            case .pending, .blocked, .withdrawn:
                return "a decision signoff never records: \(decided.state.rawValue) is no verdict"
            }
            guard let record else { return "an approval of a request no event submitted" }
            guard let policy else { return Self.noPolicy }
            let original = record.request.extends.flatMap(grant)
            var replayed = Self.approval(decided, by: event.actor, at: event.at, record: record, policy: policy, original: original)
            // An approval by the steps is made by the review (or the route)
            // right before it, in the name of whoever made that.
            if case .success = replayed, case .steps? = record.route, decided.selfActivated != true,
               expected.map({ $0.actor != event.actor }) ?? true {
                replayed = .failure(Problem(text: expected.map { "approves \(record.id) as \(event.actor.name), but the review or route right before it approves it as \($0.actor.name)" }
                    ?? "approves \(record.id), but no review or route right before it makes that approval"))
            }
            // The grant after it is judged against what this approval issues,
            // as signoff would replay it, or, when nothing backs it, as it claims.
            let events = (try? replayed.get()) ?? Lifecycle.approve(
                record, by: decided.by, actor: event.actor, reason: decided.reason, policy: policy, original: original,
                selfActivated: decided.selfActivated == true, at: event.at)
            if events.count > 1, let id = events[1].requestID { grants[id] = events[1] }
            if let original = record.request.extends { extensionApprovers[original, default: []] += decided.by }
            if case let .failure(problem) = replayed { return problem.text }
            guard case let .requestDecided(expected)? = events.first?.body, expected.state == .approved,
                  expected.by == decided.by, expected.policyVersion == decided.policyVersion,
                  expected.selfActivated == decided.selfActivated else {
                return "approved by \(decided.by.joined(separator: ", ")), but signoff records \(Self.describe(events.first?.body))"
            }
            return nil
        case .grantIssued, .grantExtended:
            guard let id = event.requestID, let expected = grants.removeValue(forKey: id) else {
                return "a grant change that no approval immediately before it made"
            }
            // In the name of whoever made that approval, as `Lifecycle.approve` records it.
            guard event.actor == expected.actor else {
                return "\(Self.describe(event.body)), recorded as \(event.actor.name) (\(event.actor.authentication.rawValue)), "
                    + "but the approval before it was made by \(expected.actor.name) (\(expected.actor.authentication.rawValue))"
            }
            return Self.sameGrantEvent(expected.body, event.body) ? nil
                : "\(Self.describe(event.body)), but the approval before it issues \(Self.describe(expected.body))"
        case let .incidentReviewCompleted(completed):
            guard let id = event.requestID, let reviewed = grant(id) else { return "completes the review of a grant no event issued" }
            guard let policy else { return Self.noPolicy }
            do {
                let replayed = try Lifecycle.reviewIncident(reviewed, by: event.actor, rationale: completed.rationale, policy: policy,
                                                            extensionApprovers: extensionApprovers[id] ?? [], at: event.at)
                return replayed.first?.body == event.body ? nil : "not the post-incident review signoff records"
            } catch {
                return "a post-incident review signoff refuses: \(error.message)"
            }
        case let .requestWithdrawn(withdrawn):
            guard let record else { return "a withdrawal of a request no event submitted" }
            do {
                let replayed = try Lifecycle.withdraw(record, by: event.actor, rationale: withdrawn.rationale, at: event.at)
                return replayed.first?.body == event.body ? nil : "not the withdrawal signoff records"
            } catch {
                return "a withdrawal signoff refuses: \(error.message)"
            }
        case let .grantRevoked(revoked):
            guard let id = event.requestID, let live = grant(id) else { return "revokes a grant no event issued" }
            if let trigger = revoked.trigger { revokingTrigger[id] = trigger.name }
            guard let policy else { return Self.noPolicy }
            do {
                let replayed: [EventDraft]
                if let trigger = revoked.trigger {
                    if let refusal = RolePermission(.fireTrigger, trigger: trigger.name)
                        .refusal(for: event.actor.name, policy: policy, storeCreator: creator, at: event.at) {
                        return "a trigger signoff refuses: \(refusal.message)"
                    }
                    replayed = try Lifecycle.fire(trigger, grants: [live], by: event.actor, policy: policy, at: event.at)
                    if replayed.isEmpty {
                        return "revokes \(id) by the trigger \(trigger.name) \(trigger.ref), which its grant does not name, or not while it was live"
                    }
                } else {
                    replayed = try Lifecycle.revoke(live, by: event.actor, rationale: revoked.rationale, policy: policy,
                                                    extensionApprovers: extensionApprovers[id] ?? [], storeCreator: creator,
                                                    at: event.at)
                }
                return replayed.first?.body == event.body ? nil : "not the revocation signoff records"
            } catch {
                return "a revocation signoff refuses: \(error.message)"
            }
        case let .findingExcepted(excepted):
            // A finding no event left open is named by the findings check.
            guard let stored = finding(excepted.findingID), stored.open else { return nil }
            guard let policy else { return Self.noPolicy }
            do {
                // The end is checked against the stored times, each rounded to the millisecond.
                let replayed = try Reconciliation.except(stored, concerning: stored.requestID.flatMap(grant),
                                                         rationale: excepted.rationale, until: excepted.until, by: event.actor,
                                                         policy: policy, at: event.at.addingTimeInterval(0.0015))
                return replayed.body == event.body ? nil : "not the exception signoff records"
            } catch {
                return "an exception signoff refuses: \(error.message)"
            }
        case let .findingRemovalRequested(requested):
            guard let stored = finding(requested.findingID), stored.open else { return nil }
            guard let policy else { return Self.noPolicy }
            if let refusal = Reconciliation.removalRefusal(stored) { return "a removal signoff refuses: \(refusal)" }
            do {
                let replayed = try Reconciliation.requestRemoval(stored, terms: requested.terms, rationale: requested.rationale,
                                                                 by: event.actor, policy: policy, at: event.at)
                return replayed.body == event.body ? nil : "not the removal request signoff records"
            } catch {
                return "a removal signoff refuses: \(error.message)"
            }
        case .grantExpired:
            guard let id = event.requestID, let live = grant(id) else { return "expires a grant no event issued" }
            // The stored times keep milliseconds: the boundary is judged a rounding later.
            guard let replayed = Lifecycle.expire(live.status, by: event.actor, at: event.at.addingTimeInterval(0.0015)) else {
                guard live.state == .active, let expiresAt = live.expiresAt else {
                    return "expires \(id), whose grant is \(live.state.rawValue)\(live.expiresAt == nil ? " with no expiry" : "")"
                }
                return "expires \(id) before its expiry at \(Timestamp.format(expiresAt))"
            }
            return replayed.body == event.body ? nil : "not the expiry signoff records"
        case .policyApplied, .requestSubmitted, .reviewRefused, .actionRefused,
             .grantHandedOff, .grantProvisioned, .grantProvisioningFailed,
             .storeCreated, .settingsChanged, .schemaMigrated, .handOffConfigured,
             .reconciliationRun, .findingOpened, .findingResolved,
             .removalHandedOff, .removalHandOffFailed, .ticketLinked, .intakeRefused, .writeBackConfigured:
            return nil
        }
    }

    /// Why no signoff process records `event` in its actor's name; nil when
    /// one may. signoff itself acts as `signoff` (authentication `system`)
    /// and a rule as `policy:RULE` (authentication `policy`), and they record
    /// only what they decide: a route, a decision that is not a person's
    /// self-activation, and the grant or extension an approval issues. Every
    /// other event is a person's (or an account's), so its signature and the
    /// roles it needs are asked of whoever it names; an event that called
    /// its actor the system would otherwise need neither.
    public static func actorProblem(_ event: EventDraft) -> String? {
        let actor = event.actor
        switch actor.authentication {
        case .osAccount, .asserted, .postgresqlRole:
            return nil
        case .system:
            guard actor.name == Principal.signoff.name else {
                return "recorded as the system under the name \(actor.name): only signoff itself acts as the system"
            }
        case .policy:
            guard actor.name.hasPrefix("policy:"), actor.name.count > "policy:".count else {
                return "recorded as a policy rule under the name \(actor.name): a rule's decisions name it as policy:RULE"
            }
        }
        switch event.body {
        case .requestRouted, .grantIssued, .grantExtended:
            return nil
        case let .requestDecided(decided):
            guard decided.selfActivated == true else { return nil }
        case .policyApplied, .requestSubmitted, .reviewRecorded, .reviewRefused, .actionRefused, .requestWithdrawn,
             .requestRevised, .grantHandedOff, .grantProvisioned, .grantProvisioningFailed, .grantExpired, .grantRevoked,
             .incidentReviewCompleted, .handOffConfigured, .storeCreated, .settingsChanged, .schemaMigrated,
             .reconciliationRun, .findingOpened, .findingResolved, .findingExcepted, .findingRemovalRequested,
             .removalHandedOff, .removalHandOffFailed, .ticketLinked, .intakeRefused, .writeBackConfigured:
            break
        }
        return "\(event.body.kind) is recorded for a person or account, and this one names \(actor.name) (\(actor.authentication.rawValue)): "
            + "signoff and its rules record only routes, decisions and the grants approvals issue"
    }

    /// The role action an event needs, where only a role may record it
    /// whatever it says. (A revocation needs `fire_trigger` only when a
    /// trigger made it: judged with the revocation. Provisioning reports and
    /// intake are recorded by several paths, and are not judged here.)
    private static func permission(_ body: EventBody) -> RolePermission? {
        switch body {
        case .policyApplied: return RolePermission(.applyPolicy)
        case .handOffConfigured: return RolePermission(.configureHandOff)
        case .settingsChanged: return RolePermission(.changeSettings)
        case .reconciliationRun, .findingOpened, .findingResolved: return RolePermission(.reconcile)
        case .findingExcepted: return RolePermission(.exceptFinding)
        case .findingRemovalRequested: return RolePermission(.requestRemoval)
        case .requestSubmitted, .requestRouted, .reviewRecorded, .reviewRefused, .actionRefused, .requestDecided,
             .requestWithdrawn, .requestRevised, .grantIssued, .grantExtended, .grantHandedOff, .grantProvisioned,
             .grantProvisioningFailed, .grantExpired, .grantRevoked, .incidentReviewCompleted, .storeCreated,
             .schemaMigrated, .removalHandedOff, .removalHandOffFailed, .ticketLinked, .intakeRefused, .writeBackConfigured:
            return nil
        }
    }

    /// The problems in one grant's history, replayed on its own as `audit
    /// verify` replays the whole chain: `events` are, in order, every event
    /// of the request that holds the grant and of the requests that extend
    /// it; `storeCreator`, the actor of the store's first event; `store`,
    /// the chained hash of that event (what /3 statements name); `policy`,
    /// the policy in force before a sequence; `older`, which older statement
    /// schemas the chain still accepted before a sequence (asked only of an
    /// event signed over one). What the
    /// hand-off asks before it gives provisioning access to carry out.
    /// `grants`: the grants the history gives, by request, as it replays
    /// them (to compare with the stored ones). `signatures`: how far each
    /// event's signature is checked, as `audit verify` checks it.
    public static func problems(inHistory events: [RecordedEvent], storeCreator: String?, store: String,
                                grants: inout [String: Grant],
                                signatures: SignatureDepth,
                                older: (Int64) -> DecisionStatement.OlderStatements,
                                policy: (Int64) -> Policy?) -> [(sequence: Int64, problem: String)] {
        var check = DecisionCheck()
        check.seenFirst = true  // not the chain's start: a request's events are never the store's creation
        check.creator = storeCreator
        var records: [String: RequestRecord] = [:]
        grants = [:]
        var found: [(sequence: Int64, problem: String)] = []
        for event in events {
            let draft = event.draft
            guard let id = draft.requestID else { continue }
            let inForce = policy(event.sequence)
            let before = needsRecord(draft.body) ? records[id] : nil
            // The grant an extension extends, with who asked for it, whom its review excludes.
            let extended = before?.request.extends, original = extended.flatMap { records[$0] }
            if let problem = check.problem(draft, record: before, policy: inForce, grant: { grantID in
                grantID == extended ? grants[grantID]?.withAuthors(from: original) : grants[grantID]
            }) {
                found.append((event.sequence, "\(draft.body.kind) by \(draft.actor.name): \(problem)"))
            }
            if let problem = signatureProblem(draft, record: records[id], policy: inForce, store: store,
                                              older: older(event.sequence), depth: signatures) {
                found.append((event.sequence, "\(draft.body.kind) by \(draft.actor.name): \(problem)"))
            }
            records[id] = Projection.apply(draft, to: records[id])
            if GrantProjection.concernsGrant(draft.body) { grants[id] = GrantProjection.apply(draft, to: grants[id]) }
        }
        return found
    }

    /// How far `problems(inHistory:)` checks signatures.
    public enum SignatureDepth: Sendable {
        /// The rules, the statement and the key, not the mathematics: for a
        /// list of every grant, where verifying each signature would cost more
        /// than the list.
        case rules
        /// Everything `audit verify` checks: before provisioning carries a grant out.
        case full
    }

    /// What `audit verify`'s signature check says of one event of a request
    /// (`record`: the request before it): a decision unsigned where the policy
    /// in force required a signature, signed over other content, with a key
    /// the person did not hold then, or (at `.full`) a signature that does not
    /// hold. A statement of an older schema (/1, /2) counts only where the
    /// chain had not adopted the next one before the event (`older`, which a
    /// request's history alone does not show: asked only of such a statement).
    static func signatureProblem(_ draft: EventDraft, record: RequestRecord?, policy: Policy?, store: String,
                                 older: @autoclosure () -> DecisionStatement.OlderStatements,
                                 depth: SignatureDepth) -> SignatureFinding? {
        guard draft.signature != nil || SignedAction.of(draft.body) != nil else { return nil }
        let facts = SignatureInspection.RequestFacts(draft, record: record)
        let olderStatements = draft.signature.map { DecisionStatement.namesCurrentSchema($0.statement) } == false ? older() : .recordedNow
        let context = DecisionStatement.Context(policyVersion: policy?.version, request: facts.state, store: store,
                                                older: olderStatements)
        // An unsigned event is judged by the rules alone: its payload is not encoded again.
        let payload = draft.signature == nil ? [] : draft.body.encodedPayloadBytes()
        switch SignatureInspection.inspect(draft, payload: payload, context: context, policy: policy,
                                           request: facts.request, submittedBy: facts.submittedBy) {
        case .unsigned: return nil
        case let .finding(finding): return finding
        case let .verify(signature, statement, _):
            switch depth {
            case .rules: return nil
            case .full: return SignatureInspection.verify(signature, statement: statement)
            }
        }
    }

    private static let noPolicy = "recorded under no policy that parses: nothing backs it"

    /// Whether `recorded` is `expected`, the denial of an approval after its
    /// request's window ended, as signoff recorded it before that denial was
    /// named `policy:window` (it was named `policy:extension`).
    private static func isOlderWindowDenial(_ recorded: EventBody, _ expected: EventBody) -> Bool {
        guard case var .requestDecided(denial) = expected, denial.by == ["policy:\(Lifecycle.windowRule)"] else { return false }
        denial.by = ["policy:extension"]
        return recorded == .requestDecided(denial)
    }

    /// Keeps the denial among `events` (what a replayed review or route
    /// records) as the one the next decision of its request must be.
    private mutating func expectDecision(in events: some Sequence<EventDraft>) {
        for event in events {
            if case .requestDecided = event.body, let id = event.requestID {
                followingDecisions[id] = event
            }
        }
    }

    /// Why signoff records no denial or time-out `event` (`decided`) of
    /// `record`: `expected`, the denial the review or route right before it
    /// made, if any; else a time-out after the policy's pending timeout, or
    /// the closing of an extension whose grant had ended.
    private func endProblem(_ event: EventDraft, _ decided: EventBody.RequestDecided, record: RequestRecord?,
                            expected: EventDraft?, policy: Policy?, grant: (String) -> Grant?) -> String? {
        guard let record else { return "decides a request no event submitted" }
        guard record.state.isOpen else { return "decides \(record.id), which was already \(record.state.rawValue)" }
        if let expected {
            return expected.actor == event.actor && (expected.body == event.body || Self.isOlderWindowDenial(event.body, expected.body))
                ? nil : "\(Self.describe(event.body)), but signoff records \(Self.describe(expected.body)) there"
        }
        guard let policy else { return Self.noPolicy }
        // The stored times keep milliseconds: a boundary is judged a rounding later.
        let at = event.at.addingTimeInterval(0.0015)
        switch decided.state {
        case .timedOut:
            guard let replayed = Lifecycle.timeOut(record, policy: policy, by: event.actor, at: at) else {
                return "times out \(record.id), which the policy in force "
                    + (policy.pendingTimeout.map { "times out only \($0) after its submission" } ?? "never times out")
            }
            return replayed.body == event.body ? nil : "not the time-out signoff records"
        case .denied where event.actor == .policyRule("extension"):
            guard let originalID = record.request.extends else {
                return "closes \(record.id) as an extension, but it extends no grant"
            }
            let original = grant(originalID)
            guard let ended = Lifecycle.endOf(original, extending: originalID, at: at),
                  (original?.endedAt).map({ $0 <= at }) ?? true else {
                return "closes \(record.id) while the grant of \(originalID) was live"
            }
            let endings = [ended] + (revokingTrigger[originalID].map { ["was revoked by the trigger \($0)"] } ?? [])
            let made = endings.compactMap {
                Lifecycle.closeExtensions([record], of: originalID, because: $0, policy: policy, at: event.at).first?.body
            }
            return made.contains(event.body) ? nil : "not the closing signoff records"
        case .denied:
            return "denied by \(decided.by.joined(separator: ", ")), but no review or route right before it denies \(record.id)"
        case .approved, .pending, .blocked, .withdrawn:
            return "not a denial or time-out"
        }
    }

    private struct Problem: Error { var text: String }

    private static func routeProblem(_ routed: EventBody.RequestRouted, at: Date, record: RequestRecord, policy: Policy,
                                     afterRevision: Bool, outcome: RouteOutcome) -> String? {
        if routed.policyVersion != policy.version {
            return "routed under policy \(routed.policyVersion), but \(policy.version) was in force"
        }
        if outcome != routed.outcome {
            return "routed as \(routed.outcome.summary), but the policy in force routes it as \(outcome.summary)"
        }
        let version = outcome == record.route && !afterRevision ? max(record.version, 1) : record.version + 1
        if routed.version != version { return "routed as version \(routed.version), but signoff makes it version \(version)" }
        return nil
    }

    /// The events signoff records for the approval `decided` claims to be.
    private static func approval(_ decided: EventBody.RequestDecided, by actor: Principal, at: Date, record: RequestRecord,
                                 policy: Policy, original: Grant?) -> Result<[EventDraft], Problem> {
        if !record.state.isOpen { return .failure(Problem(text: "approves \(record.id), which was already \(record.state.rawValue)")) }
        if decided.selfActivated == true {
            guard actor.authentication.isPerson, actor.name == record.requester else {
                return .failure(Problem(text: "a self-activation by \(actor.name) of \(record.id), which \(record.requester) requested"))
            }
            guard record.request.breakGlass, record.request.extends == nil, record.state == .pending else {
                return .failure(Problem(text: "a self-activation of \(record.id), which is not a pending break-glass request"))
            }
            if let problem = Lifecycle.selfActivationSubjectProblem(record) {
                return .failure(Problem(text: "a self-activation signoff refuses: \(problem)"))
            }
            if let timedOut = Lifecycle.timedOut(record, policy: policy, at: at) {
                return .failure(Problem(text: "a self-activation signoff refuses: \(timedOut)"))
            }
            let (allowed, why) = policy.maySelfActivate(actor.name, at: at)
            guard allowed, let wait = policy.breakGlass?.selfActivation?.after else {
                return .failure(Problem(text: "a self-activation the policy in force does not allow: \(why)"))
            }
            guard at >= record.submittedAt.addingTimeInterval(TimeInterval(wait.seconds)) else {
                return .failure(Problem(text: "a self-activation before the policy's wait of \(wait)"))
            }
            return .success(Lifecycle.approve(record, by: [actor.name], actor: actor, reason: decided.reason, policy: policy,
                                              original: nil, selfActivated: true, at: at))
        }
        if actor.authentication == .policy {
            guard case .autoApproved? = record.route else {
                return .failure(Problem(text: "an approval by \(actor.name), but the route of \(record.id) is \(record.route?.summary ?? "none")"))
            }
        }
        if case let .autoApproved(rule)? = record.route {
            guard actor == .policyRule(rule) else {
                return .failure(Problem(text: "approves \(record.id) as \(actor.name), but its route approves it automatically by rule \(rule)"))
            }
            return .success(Lifecycle.approve(record, by: ["policy:\(rule)"], actor: actor, reason: decided.reason,
                                              policy: policy, original: original, at: at))
        }
        guard case .steps = record.route else {
            return .failure(Problem(text: "approves \(record.id), whose route (\(record.route?.summary ?? "none")) has no approval steps"))
        }
        let status = Lifecycle.progress(record, policy: policy, original: original)
        if let unsatisfied = status.first(where: { !$0.isSatisfied }) {
            return .failure(Problem(text: "approves \(record.id) before every step was satisfied: \(unsatisfied.step.name) has \(unsatisfied.approvedBy.count) of \(unsatisfied.step.required)"))
        }
        return .success(Lifecycle.approve(record, by: status.flatMap(\.approvedBy), actor: actor, reason: decided.reason,
                                          policy: policy, original: original, at: at))
    }

    private static func describe(_ body: EventBody?) -> String {
        switch body {
        case let .requestDecided(decided)?:
            return "\(decided.state.rawValue) by \(decided.by.joined(separator: ", "))"
        case let .grantIssued(issued)?:
            let terms = issued.terms
            return "\(terms.access.rawValue) access (\(terms.entitlement)) to \(terms.system)/\(terms.environment) for "
                + "\(terms.subject.name), \(issued.duration), approved by \(issued.approvers.joined(separator: ", "))"
                + (issued.selfActivated ? ", self-activated" : "")
        case let .grantExtended(extended)?:
            return "an extension by \(extended.by) for \(extended.extensionID)"
        case let body?: return body.kind
        case nil: return "nothing"
        }
    }

    /// Equal but for times, which may differ by the rounding of the stored
    /// time the replay starts from (a millisecond).
    private static func sameGrantEvent(_ expected: EventBody, _ actual: EventBody) -> Bool {
        func near(_ a: Date?, _ b: Date?) -> Bool {
            switch (a, b) {
            case let (a?, b?): return abs(a.timeIntervalSince(b)) <= 0.0015
            case (nil, nil): return true
            case (nil, _?), (_?, nil): return false
            }
        }
        if case var .grantIssued(want) = expected, case let .grantIssued(got) = actual {
            guard near(want.startsAt, got.startsAt), near(want.expiresAt, got.expiresAt),
                  near(want.incidentReview?.dueAt, got.incidentReview?.dueAt) else { return false }
            want.startsAt = got.startsAt
            want.expiresAt = got.expiresAt
            if let due = got.incidentReview?.dueAt { want.incidentReview?.dueAt = due }
            return want == got
        }
        if case var .grantExtended(want) = expected, case let .grantExtended(got) = actual {
            guard near(want.expiresAt, got.expiresAt) else { return false }
            want.expiresAt = got.expiresAt
            return want == got
        }
        return false
    }
}
