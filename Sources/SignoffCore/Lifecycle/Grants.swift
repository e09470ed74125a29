import Foundation

// What happens after approval: the grant, its end (expiry, revocation,
// trigger), extensions, break-glass self-activation and post-incident review,
// and provisioning's reports. Pure decisions, like the rest of `Lifecycle`.

extension Lifecycle {
    // MARK: Approval becomes a grant

    /// The rule (`policy:window`) that denies an approval made after the
    /// window its request asked for ended. signoff 2026-12-06 and earlier
    /// recorded it as `policy:extension`, which `DecisionCheck` still accepts there.
    static let windowRule = "window"
    /// The rule that closes an extension whose grant ended (`closeExtensions`).
    static let extensionRule = "extension"
    /// The rule that times out a request left undecided too long (`timeOut`).
    static let pendingTimeoutRule = "pending-timeout"

    /// The events of an approval: the decision, then the grant it creates (or,
    /// for an extension, the longer grant it extends). An extension whose
    /// grant has ended, or that is already at the policy's maximum total, is
    /// denied instead: nothing is ever granted past what the policy allows.
    static func approve(_ record: RequestRecord, by approvers: [String], actor: Principal, reason: String,
                        policy: Policy, original: Grant?, selfActivated: Bool = false, at: Date) -> [EventDraft] {
        // A denial here is signoff's own rule, not the approvers': an
        // extension with nothing to extend, or a window that has ended.
        func decided(_ state: RequestState, _ reason: String, deniedBy rule: String = "extension") -> EventDraft {
            EventDraft(requestID: record.id, actor: actor, at: at,
                       body: .requestDecided(.init(state: state, by: state == .approved ? approvers : ["policy:\(rule)"],
                                                   policyVersion: policy.version, reason: reason,
                                                   selfActivated: selfActivated ? true : nil)))
        }
        if let originalID = record.request.extends {
            switch extensionOutcome(record, original: original, policy: policy, at: at) {
            case let .denied(why)?:
                return [decided(.denied, why)]
            case let .extends(by, expiresAt, total)?:
                let capped = by < record.request.duration ? " (capped at the policy's maximum total of \(total))" : ""
                return [decided(.approved, reason + "; extends \(originalID) by \(by)\(capped)"),
                        EventDraft(requestID: originalID, actor: actor, at: at,
                                   body: .grantExtended(.init(extensionID: record.id, by: by, expiresAt: expiresAt)))]
            case nil:
                break
            }
        }

        let request = record.request
        // A window asked for is what was approved: nothing is granted once it
        // has ended, and a grant never runs past its end.
        if let end = request.end, end <= at {
            return [decided(.denied, "the window it asked for ended at \(Timestamp.format(end)); nothing is granted after it",
                            deniedBy: windowRule)]
        }
        var duration = request.duration
        if let limit = policy.maxDuration(for: request), limit < duration { duration = limit }
        var startsAt: Date?
        var expiresAt: Date?
        var endsBy: Date?
        var clipped = ""
        if !policy.accessStartsAtProvisioning {
            let start = max(at, request.start ?? at)
            startsAt = start
            expiresAt = start.addingTimeInterval(TimeInterval(duration.seconds))
            if let end = request.end, let expiry = expiresAt, end < expiry {
                expiresAt = end
                // From the start as stored (to the millisecond), so that a replay from the stored events agrees.
                duration = TimeSpan(seconds: max(1, Int(end.timeIntervalSince(EventCoding.storedPrecision(start)).rounded(.down))))
                clipped = "; granted until \(Timestamp.format(end)), the end of the window asked for"
            }
        } else {
            if let start = request.start, start > at {
                // The clock starts at provisioning, but never before the start the
                // request asked for: the grant document carries it as the earliest
                // start, and an earlier confirmation starts the clock there.
                startsAt = start
            }
            // Nor does it run past the window's end (see `GrantProjection`).
            endsBy = request.end.map(EventCoding.storedPrecision)
        }
        var review: EventBody.IncidentReviewDue?
        if request.breakGlass, let breakGlass = policy.breakGlass {
            review = .init(reviewers: breakGlass.reviewers, dueAt: at.addingTimeInterval(TimeInterval(breakGlass.reviewWithin.seconds)))
        }
        let shortened = !clipped.isEmpty ? clipped : duration < request.duration ? "; granted for \(duration), the policy's limit" : ""
        return [decided(.approved, reason + shortened),
                EventDraft(requestID: record.id, actor: actor, at: at,
                           body: .grantIssued(.init(terms: GrantTerms(record: record), approvers: approvers,
                                                    policyVersion: policy.version, duration: duration, startsAt: startsAt,
                                                    expiresAt: expiresAt, endsBy: endsBy, selfActivated: selfActivated,
                                                    incidentReview: review)))]
    }

    // MARK: The sweep

    /// A grant whose expiry has come (at the exact boundary too) expires: a
    /// live one, and one provisioning reported failed. A failure report does
    /// not prove the access absent (a grant provisioned once, whose
    /// extension's hand-off then failed, still holds it; anyone who can write
    /// the store can report one), so its removal is handed off all the same.
    public static func expire(_ grant: GrantStatus, by actor: Principal, at: Date) -> EventDraft? {
        guard grant.state == .active || grant.state == .failed, let expiresAt = grant.expiresAt, expiresAt <= at else { return nil }
        return EventDraft(requestID: grant.requestID, actor: actor, at: at, body: .grantExpired(.init(expiresAt: expiresAt)))
    }

    /// The sweep's decision for one grant: it expires when its expiry has
    /// come, and its open extension requests (among `openExtensions`) close with it.
    public static func expire(_ grant: GrantStatus, openExtensions: [RequestRecord], policy: Policy, by actor: Principal,
                              at: Date) -> [EventDraft] {
        guard let expiry = expire(grant, by: actor, at: at) else { return [] }
        return [expiry] + closeExtensions(openExtensions, of: grant.requestID, because: "expired", policy: policy, at: at)
    }

    // MARK: Extensions of a grant that ended

    /// Open requests to extend a grant that has ended close: there is nothing
    /// left to extend. Each is decided (denied by the rule `extension`) with
    /// the reason, so it leaves every approver's queue and the evidence says
    /// why. `ended` says how, e.g. "was revoked". Requests that extend another
    /// grant, or are no longer open, are left alone.
    public static func closeExtensions(_ open: [RequestRecord], of grantID: String, because ended: String, policy: Policy,
                                       at: Date) -> [EventDraft] {
        open.filter { $0.request.extends == grantID && $0.state.isOpen }.map { record in
            EventDraft(requestID: record.id, actor: .policyRule(extensionRule), at: at,
                       body: .requestDecided(.init(state: .denied, by: ["policy:\(extensionRule)"], policyVersion: policy.version,
                                                   reason: "closed: the grant of \(grantID) \(ended), so there is nothing to extend")))
        }
    }

    /// Why an extension's grant can no longer be extended at `at`, or nil while it is live.
    /// What approving extension `record` of grant `original` does at `at`:
    /// extend the grant `by` (what was asked, or what the policy's maximum
    /// `total` leaves), to `expiresAt` (nil while the grant's clock has not
    /// started); or deny it, and why. Nil for a request that extends nothing.
    public enum ExtensionOutcome: Sendable, Hashable {
        case extends(by: TimeSpan, expiresAt: Date?, total: TimeSpan)
        case denied(String)
    }

    public static func extensionOutcome(_ record: RequestRecord, original: Grant?, policy: Policy, at: Date) -> ExtensionOutcome? {
        guard let originalID = record.request.extends else { return nil }
        // Ended by the clock even where the sweep has not recorded the expiry yet.
        if let ended = endOf(original, extending: originalID, at: at) {
            return .denied("the grant of \(originalID) \(ended); there is nothing to extend")
        }
        guard let original else { return .denied("the grant of \(originalID) does not exist") }
        let total = policy.maxTotal(for: record.request)?.seconds ?? original.duration.seconds
        let room = total - original.duration.seconds
        guard room > 0 else {
            return .denied("the grant of \(originalID) is already at the policy's maximum total of \(TimeSpan(seconds: total))")
        }
        let by = TimeSpan(seconds: min(record.request.duration.seconds, room))
        return .extends(by: by, expiresAt: original.expiresAt.map { $0.addingTimeInterval(TimeInterval(by.seconds)) },
                        total: TimeSpan(seconds: total))
    }

    static func endOf(_ original: Grant?, extending id: String, at: Date) -> String? {
        guard let original, original.requestID == id else { return "does not exist" }
        switch original.state {
        case .active, .awaitingProvisioning:
            if let expiresAt = original.expiresAt, expiresAt <= at { return "expired" }
            return nil
        case .expired: return "expired"
        case .revoked: return "was revoked"
        case .failed: return "failed provisioning"
        }
    }

    /// An open request older than the policy's pending timeout times out.
    public static func timeOut(_ record: RequestRecord, policy: Policy, by actor: Principal, at: Date) -> EventDraft? {
        guard record.state.isOpen, let timeout = policy.pendingTimeout,
              record.submittedAt.addingTimeInterval(TimeInterval(timeout.seconds)) <= at else { return nil }
        return EventDraft(requestID: record.id, actor: actor, at: at,
                          body: .requestDecided(.init(state: .timedOut, by: ["policy:\(pendingTimeoutRule)"], policyVersion: policy.version,
                                                      reason: "no decision within the policy's pending timeout of \(timeout)")))
    }

    /// A refused grant action, kept as evidence like a refused review: who
    /// tried to revoke, self-activate or complete a review, and why not.
    /// `requestID` is nil for a store-wide action (applying a policy, setting the hand-off).
    public static func refused(_ action: AttemptedAction, _ refusal: Refusal, requestID: String?, by actor: Principal,
                               at: Date) -> EventDraft {
        EventDraft(requestID: requestID, actor: actor, at: at,
                   body: .actionRefused(.init(action: action, reason: refusal.reason, message: refusal.message)))
    }

    // MARK: Ending a grant early

    /// The people whose approvals extended `grant`, in order, from its
    /// extension requests' records (`record`, by request ID): they granted
    /// part of the access, so they may end it, and may not judge its emergency.
    public static func extensionApprovers(of grant: Grant, record: (String) throws -> RequestRecord?) rethrows -> [String] {
        var names: [String] = []
        for id in grant.extensions {
            guard let decision = try record(id)?.decision, decision.state == .approved else { continue }
            for name in decision.by where !names.contains(name) { names.append(name) }
        }
        return names
    }

    /// Who may revoke a grant, and why (or why not), before any rationale is
    /// typed: the requester, an approver of the request or of one of its
    /// approved extensions (`extensionApprovers`), the subject's owner, the
    /// system's owners, the requester's managers (up the manager chain), and
    /// whoever holds a role granting `revoke_any_grant`. Anyone else is refused.
    public static func revokePermission(_ grant: Grant, by person: String, policy: Policy, extensionApprovers: [String] = [],
                                        storeCreator: String? = nil, at: Date) -> Refusal? {
        guard grant.state.mayHoldAccess else {
            return Refusal(.notActive, "the grant of \(grant.requestID) is already \(grant.state.rawValue); nothing to revoke")
        }
        let terms = grant.terms
        if person == terms.requester || grant.approvers.contains(person) || extensionApprovers.contains(person)
            || person == terms.subject.owner || policy.owns(person, system: terms.system)
            || policy.reports(of: person).contains(terms.requester) {
            return nil
        }
        let role = policy.may(person, RolePermission(.revokeAnyGrant), storeCreator: storeCreator, at: at)
        if role.allowed { return nil }
        return Refusal(.notEligible, "\(person) may not revoke \(grant.requestID): only its requester (\(terms.requester)), the requester's managers, the approvers of it and of its extensions, the subject's owner (\(terms.subject.owner)), the owners of \(terms.system) and a role granting revoke_any_grant may (\(role.reason))")
    }

    /// Ends a grant early, where `revokePermission` allows it and the rationale is long enough.
    /// `openExtensions`: requests still open to extend it (any others are
    /// ignored); they close with it.
    public static func revoke(_ grant: Grant, by actor: Principal, rationale: String, policy: Policy,
                              extensionApprovers: [String] = [], openExtensions: [RequestRecord] = [],
                              storeCreator: String? = nil, at: Date) throws(Refusal) -> [EventDraft] {
        if let refusal = revokePermission(grant, by: actor.name, policy: policy, extensionApprovers: extensionApprovers,
                                          storeCreator: storeCreator, at: at) {
            throw refusal
        }
        if let problem = checkRationale(rationale, policy: policy) { throw Refusal(.rationaleTooShort, problem) }
        return [EventDraft(requestID: grant.requestID, actor: actor, at: at,
                           body: .grantRevoked(.init(rationale: stored(rationale), trigger: nil)))]
            + closeExtensions(openExtensions, of: grant.requestID, because: "was revoked", policy: policy, at: at)
    }

    /// A revocation trigger fired: every live grant that names it, with that
    /// reference, is revoked. Unknown trigger names are refused, so a typo
    /// cannot silently revoke nothing.
    /// `openExtensions`: requests still open to extend any grant; those of the
    /// grants revoked close with them.
    public static func fire(_ trigger: RevocationTrigger, grants: [Grant], by actor: Principal, policy: Policy,
                            openExtensions: [RequestRecord] = [], at: Date) throws(Refusal) -> [EventDraft] {
        if let unknown = policy.unknownTrigger(trigger.name) {
            throw Refusal(.notEligible, "\(unknown.message); \(unknown.hint)")
        }
        return grants.filter { $0.state.mayHoldAccess && $0.terms.revocationTriggers.contains(trigger) }.flatMap {
            [EventDraft(requestID: $0.requestID, actor: actor, at: at,
                        body: .grantRevoked(.init(rationale: "revocation trigger \(trigger.name) fired for \(trigger.ref)", trigger: trigger)))]
                + closeExtensions(openExtensions, of: $0.requestID, because: "was revoked by the trigger \(trigger.name)",
                                  policy: policy, at: at)
        }
    }

    // MARK: Extensions

    /// The request an extension files: the original's terms, for `by` more,
    /// linked to it. Refused when the grant is not live (or past its expiry
    /// at `at`, though no sweep has ended it yet) or already at the policy's
    /// maximum total; at approval the extension is capped again.
    /// Its requester stays the original's (whoever asks, the requester or the
    /// subject's owner, submits it): separation of duties keeps both from
    /// approving a longer term of the same access, and a manager step asks
    /// the requester's manager, as for the original.
    public static func extensionRequest(of record: RequestRecord, grant: Grant, by span: TimeSpan, askedBy requester: String,
                                        purpose: String?, policy: Policy, at: Date) throws(Refusal) -> ScannedRequest {
        guard grant.state.isLive else {
            throw Refusal(.notActive, "the grant of \(record.id) is \(grant.state.rawValue); only a live grant can be extended")
        }
        if let expiresAt = grant.expiresAt, expiresAt <= at {
            throw Refusal(.notActive, "the grant of \(record.id) reached its expiry at \(Timestamp.format(expiresAt)) (no sweep has ended it yet); only a live grant can be extended: ask for the access again")
        }
        guard requester == record.requester || requester == record.request.subject.owner else {
            throw Refusal(.notRequester, "only the requester (\(record.requester)) or the subject's owner (\(record.request.subject.owner)) may ask to extend \(record.id)")
        }
        guard let total = policy.maxTotal(for: record.request) else {
            throw Refusal(.overLimit, "\(record.request.system) is not in the policy's catalogue; it cannot be extended")
        }
        guard grant.duration.seconds + span.seconds <= total.seconds else {
            let room = total.seconds - grant.duration.seconds
            throw Refusal(.overLimit, "\(record.id) has \(grant.duration) of the policy's maximum total of \(total) for \(record.request.system); " + (room > 0 ? "at most \(TimeSpan(seconds: room)) more can be asked" : "it cannot be extended"))
        }
        var request = record.request
        request.requester = record.requester
        request.duration = span
        request.start = nil
        request.end = nil
        request.extends = record.id
        // The original's purpose, where it leaves room for what the extension adds.
        let inherited = "extend \(record.id) by \(span): \(record.request.purpose)"
        request.purpose = purpose ?? (inherited.unicodeScalars.count <= Limits.purposeLength
                                      ? inherited : "extend \(record.id) by \(span), for the purpose \(record.id) states")
        return try Lifecycle.scanned(request)
    }

    // MARK: Break-glass

    /// The requester of a pending break-glass request activates it alone, where
    /// the policy allows them and nobody answered within its waiting time.
    public static func selfActivate(_ record: RequestRecord, by actor: Principal, rationale: String, policy: Policy,
                                    at: Date) throws(Refusal) -> [EventDraft] {
        if let original = record.request.extends {
            throw Refusal(.notEligible, "\(record.id) asks to extend \(original), and an extension is never self-activated")
        }
        guard record.request.breakGlass else {
            throw Refusal(.notEligible, "\(record.id) is not a break-glass request: only an emergency can be self-activated")
        }
        guard record.state == .pending else {
            throw Refusal(.alreadyDecided, "\(record.id) is \(record.state.rawValue); only a pending request can be self-activated")
        }
        if let timedOut = timedOut(record, policy: policy, at: at) { throw Refusal(.alreadyDecided, timedOut) }
        guard actor.name == record.requester else {
            throw Refusal(.notRequester, "only the requester (\(record.requester)) may self-activate \(record.id)")
        }
        if let problem = selfActivationSubjectProblem(record) { throw Refusal(.notEligible, problem) }
        let (allowed, why) = policy.maySelfActivate(actor.name, at: at)
        guard allowed, let wait = policy.breakGlass?.selfActivation?.after else { throw Refusal(.notEligible, why) }
        let from = record.submittedAt.addingTimeInterval(TimeInterval(wait.seconds))
        guard at >= from else {
            let left = TimeSpan(seconds: max(60, Int(from.timeIntervalSince(at).rounded(.up) / 60) * 60))
            throw Refusal(.tooEarly, "\(record.id) may be self-activated only after \(wait) without an answer; wait about \(left) more, or ask the on-call approver")
        }
        if let problem = checkRationale(rationale, policy: policy) { throw Refusal(.rationaleTooShort, problem) }
        return approve(record, by: [actor.name], actor: actor, reason: "self-activated by \(actor.name): \(stored(rationale))",
                       policy: policy, original: nil, selfActivated: true, at: at)
    }

    /// Alone, the requester opens access for nobody but themselves: a
    /// person's emergency access for someone else needs an approver. Why
    /// `record` cannot be self-activated for its subject; nil when it can.
    static func selfActivationSubjectProblem(_ record: RequestRecord) -> String? {
        let subject = record.request.subject
        guard subject.kind.isHuman, subject.name != record.requester else { return nil }
        return "\(record.id) is emergency access for \(subject.name), not for its requester \(record.requester): access for another person is never self-activated; it needs an approver"
    }

    /// Completes a grant's post-incident review.
    /// `extensionApprovers`: who approved the grant's extensions, who judged
    /// the emergency's length as its approvers judged its start.
    public static func reviewIncident(_ grant: Grant, by actor: Principal, rationale: String, policy: Policy,
                                      extensionApprovers: [String] = [], at: Date) throws(Refusal) -> [EventDraft] {
        if let refusal = incidentReviewRefusal(grant, by: actor.name, policy: policy, extensionApprovers: extensionApprovers, at: at) {
            throw refusal
        }
        if let problem = checkRationale(rationale, policy: policy) { throw Refusal(.rationaleTooShort, problem) }
        return [EventDraft(requestID: grant.requestID, actor: actor, at: at,
                           body: .incidentReviewCompleted(.init(rationale: stored(rationale))))]
    }

    /// Why `person` may not complete the grant's post-incident review at
    /// `at`, whatever their rationale; nil when they may. The review judges
    /// the whole emergency, so it waits until the access has ended (expired,
    /// or revoked): a review completed while the access lasts would leave
    /// what was done after it, and any extension, unreviewed.
    public static func incidentReviewRefusal(_ grant: Grant, by person: String, policy: Policy,
                                             extensionApprovers: [String], at: Date) -> Refusal? {
        guard let review = grant.incidentReview else {
            return Refusal(.notEligible, "\(grant.requestID) has no post-incident review")
        }
        guard !review.isCompleted else {
            return Refusal(.alreadyDecided, "the post-incident review of \(grant.requestID) was completed by \(review.completedBy ?? "someone")")
        }
        let (allowed, why) = policy.mayReviewIncident(person, reviewers: review.reviewers, terms: grant.terms,
                                                     approvers: grant.approvers + extensionApprovers, at: at)
        guard allowed else { return Refusal(.notEligible, why) }
        let now: String
        switch grant.state {
        case .expired, .revoked: return nil
        case .active:
            if let expiresAt = grant.expiresAt, expiresAt <= at {
                now = "reached its expiry at \(Timestamp.format(expiresAt)), but no sweep has ended it yet (`signoff expire`)"
            } else {
                now = "is active" + (grant.expiresAt.map { " until \(Timestamp.format($0))" } ?? "")
            }
        case .awaitingProvisioning: now = "awaits provisioning"
        case .failed: now = "was reported failed, which does not prove it absent, and lasts until it expires"
        }
        return Refusal(.tooEarly, """
            the emergency access of \(grant.requestID) \(now): its post-incident review judges the whole emergency, \
            so it is completed once the access has ended; revoke the grant to end it now
            """)
    }

    // MARK: Provisioning reports

    /// Provisioning reports the latest hand-off done or failed. `action`:
    /// the action of the document the report is about, where provisioning
    /// names it: a report on a document a later hand-off replaced (a grant
    /// carried out after its revocation was handed off) is refused as stale,
    /// never recorded as the later action's outcome.
    ///
    /// `document`: the SHA-256 (lowercase hex) of the document file the
    /// report is about, where provisioning names it; the report is then
    /// refused as stale unless it is `handedOff`, the digest of the latest
    /// document handed off for the grant (an extension hands off a new
    /// `grant` document, which a late report on the first must not confirm).
    public static func provisioningReport(_ grant: Grant, succeeded: Bool, note: String?, action: HandOffAction? = nil,
                                          document: String? = nil, handedOff: HandedOffDocument = .nothing,
                                          by actor: Principal, at: Date) throws(Refusal) -> [EventDraft] {
        if let action, action != grant.provisioningAction {
            // A grant's document comes first: a later one replaced it. A removal never replaced is one never asked for.
            guard action == .grant else {
                throw Refusal(.notActive, "no \(action.rawValue) of \(grant.requestID) has been handed off: its latest hand-off asks provisioning to \(grant.provisioningAction.rawValue)")
            }
            throw Refusal(.staleVersion, "the latest hand-off of \(grant.requestID) asks provisioning to \(grant.provisioningAction.rawValue); this report is about grant, which that hand-off replaced: report on the latest document")
        }
        if let document {
            try checkReportedDocument(document, grant: grant, handedOff: handedOff)
        }
        // Confirmed is final for the latest hand-off: a later report about it,
        // success or failure, would rewrite what provisioning already said.
        switch grant.provisioning {
        case .done:
            throw Refusal(.alreadyDecided, succeeded
                ? "provisioning already confirmed \(grant.provisioningAction.rawValue) for \(grant.requestID)"
                : """
                  provisioning already confirmed \(grant.provisioningAction.rawValue) for \(grant.requestID), so a failure \
                  of that hand-off cannot be recorded after it; if the access is gone or wrong now, run signoff reconcile \
                  to record what the platform shows, or revoke the grant
                  """)
        case .pending, .handedOff, .failed:
            break
        }
        let body: EventBody = succeeded
            ? .grantProvisioned(.init(action: grant.provisioningAction, note: note))
            : .grantProvisioningFailed(.init(action: grant.provisioningAction, reason: note ?? "no reason given"))
        return [EventDraft(requestID: grant.requestID, actor: actor, at: at, body: body)]
    }

    /// Refuses a report naming `document` unless it is the latest document
    /// handed off for `grant` (`handedOff`, from its chained events).
    static func checkReportedDocument(_ document: String, grant: Grant, handedOff: HandedOffDocument) throws(Refusal) {
        let id = grant.requestID, action = grant.provisioningAction.rawValue
        // Shown only when it has the digest's shape: anything else is never the
        // text of a document's digest, and is not repeated.
        let named = GrantDocument.isDigest(document) ? "document \(document)" : "that document"
        switch handedOff {
        case let .document(latest):
            guard latest != document else { return }
            // What the chain recorded is shown only as a digest: an event appended by hand could say anything.
            let shown = GrantDocument.isDigest(latest) ? "document \(latest)" : "a document whose recorded digest is malformed"
            throw Refusal(.staleVersion, """
                this report is about \(named), which is not the latest document handed off for \(id) \
                (\(shown), to \(action)): report on the latest document
                """)
        case .noDocument:
            throw Refusal(.staleVersion, """
                the latest hand-off of \(id) (to \(action)) recorded no document (a hand-off command is given it \
                on stdin, and its hand-off records none), so no report can name one: report without --document
                """)
        case .nothing:
            throw Refusal(.staleVersion, """
                nothing has been handed off for \(id) since its latest action (to \(action)), so this report \
                about \(named) is about a document that action replaced: report on the document handed off next
                """)
        }
    }
}

/// What a grant last handed off to provisioning for its latest action, as
/// its chained events say: what a report naming a document is held to.
public enum HandedOffDocument: Sendable, Hashable {
    /// Nothing since the grant's latest action (issued, extended, revoked, expired).
    case nothing
    /// Handed off, or its outcome recorded, with no document named: a
    /// hand-off command's record (it is given the document on stdin).
    case noDocument
    /// The SHA-256 (lowercase hex) of the document last written to the outbox.
    case document(String)

    /// Folds one grant's events, in order: each action of the grant starts
    /// afresh, each outbox hand-off names its document.
    public static func latest(in bodies: some Sequence<EventBody>) -> HandedOffDocument {
        var latest = HandedOffDocument.nothing
        for body in bodies {
            switch body {
            case .grantIssued, .grantExtended, .grantRevoked, .grantExpired:
                latest = .nothing
            case let .grantHandedOff(handedOff):
                latest = .document(handedOff.document)
            case .grantProvisioned, .grantProvisioningFailed:
                if case .nothing = latest { latest = .noDocument }
            case .policyApplied, .requestSubmitted, .requestRouted, .reviewRecorded, .reviewRefused, .actionRefused,
                 .requestDecided, .requestWithdrawn, .incidentReviewCompleted, .handOffConfigured, .storeCreated,
                 .settingsChanged, .schemaMigrated, .reconciliationRun, .findingOpened, .findingResolved, .findingExcepted,
                 .findingRemovalRequested, .removalHandedOff, .removalHandOffFailed, .requestRevised, .ticketLinked,
                 .intakeRefused, .writeBackConfigured:
                continue  // no hand-off of the grant
            }
        }
        return latest
    }
}
