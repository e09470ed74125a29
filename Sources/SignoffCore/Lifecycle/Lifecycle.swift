import Foundation

/// A command that policy or the rules refuse; callers record the refusal
/// where the rules say so and exit with a distinct code.
public struct Refusal: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: RefusalReason
    public var message: String
    public init(_ reason: RefusalReason, _ message: String) {
        self.reason = reason
        self.message = message
    }
    public var description: String { message }
}

/// What a review attempt produced: the events to append, and whether it counted.
public struct ReviewResult: Sendable {
    public enum Outcome: Sendable, Hashable {
        case recorded(RequestState)
        case refused(Refusal)
    }
    public var events: [EventDraft]
    public var outcome: Outcome
}

/// The request lifecycle as pure decisions: given the current record, the
/// policy and the time, which events happen. The store only writes them down.
public enum Lifecycle {
    // MARK: Submission and routing

    /// Who may submit: the requester themselves, or an intake agent the policy
    /// names submitting on someone's behalf. Returns the request with its
    /// requester filled in (and that name scanned too: every other field
    /// already was, as `ScannedRequest` says).
    public static func authorizeSubmission(_ scanned: ScannedRequest, by submitter: Principal,
                                           policy: Policy) throws(Refusal) -> ScannedRequest {
        var scanned = scanned
        if scanned.request.requester == nil {
            do throws(SecretScan.Finding) {
                scanned = try scanned.requested(by: submitter.name)
            } catch {
                throw secretRefusal(error)
            }
        }
        let request = scanned.request
        let requester = request.requester ?? submitter.name
        if !ExactName.same(requester, submitter.name) && !policy.isIntakeAgent(submitter.name) {
            throw Refusal(.notRequester, "\(submitter.name) may not submit on behalf of \(requester): only the intake agents the policy names may")
        }
        if !policy.knowsPerson(requester) {
            if ExactName.same(requester, submitter.name), policy.isIntakeAgent(submitter.name) {
                throw Refusal(.notEligible, "\(requester) is an intake agent, which submits for people: name the person asking in the request's requester field")
            }
            throw Refusal(.notEligible, "\(requester) is not in the policy directory, so cannot request access")
        }
        for trigger in request.revocationTriggers {
            if let unknown = policy.unknownTrigger(trigger.name) { throw Refusal(.notEligible, "\(unknown.message); \(unknown.hint)") }
        }
        return scanned
    }

    /// Scans a request made in signoff (an extension) whole, refusing one
    /// holding what looks like a credential.
    public static func scanned(_ request: AccessRequest) throws(Refusal) -> ScannedRequest {
        do throws(SecretScan.Finding) {
            return try ScannedRequest(scanning: request)
        } catch {
            throw secretRefusal(error)
        }
    }

    /// The refusal of a request holding what looks like a credential, naming
    /// the field and where in it, never the value: once stored, a secret is in
    /// every copy of the evidence for ever.
    static func secretRefusal(_ finding: SecretScan.Finding) -> Refusal {
        Refusal(.containsSecret, "\(finding); a credential must never be part of a request: remove it, and rotate the credential")
    }

    /// The events of a new request: submitted, routed, and decided where the
    /// policy decides on its own (denial or automatic approval). Only a
    /// scanned request is ever submitted.
    /// `original` is the grant an extension request extends (nil for any other request).
    public static func submit(_ scanned: ScannedRequest, id: String, by submitter: Principal,
                              policy: Policy, original: Grant?, at: Date) -> [EventDraft] {
        let request = scanned.request
        let submitted = EventDraft(requestID: id, actor: submitter, at: at, body: .requestSubmitted(.init(request: request)))
        let record = RequestRecord(id: id, request: request, submittedBy: submitter, submittedAt: at)
        return [submitted] + route(record, policy: policy, original: original, at: at, cause: "submitted")
    }

    /// Routing (or re-routing after a policy change) of an open request. The
    /// request version changes only when the route changes, so approvals made
    /// against an unchanged route keep counting.
    public static func route(_ record: RequestRecord, policy: Policy, original: Grant?, at: Date, cause: String) -> [EventDraft] {
        // Whether its requester could raise a break-glass request is judged
        // when they raised it: a later policy change asks again under the
        // new rules, not at a moment the rotation has since turned.
        let outcome = policy.route(record.request, submittedBy: record.submittedBy.name, at: record.submittedAt)
        let version = outcome == record.route ? max(record.version, 1) : record.version + 1
        let routed = EventDraft(requestID: record.id, actor: .signoff, at: at,
                                body: .requestRouted(.init(version: version, policyVersion: policy.version, outcome: outcome, cause: cause)))
        return [routed] + decision(of: outcome, record, policy: policy, original: original, at: at)
    }

    /// What a route decides on its own, right after it: a denial by the
    /// rules that matched, or an automatic approval (for an extension whose
    /// grant has ended, a denial); for a route with steps, the approval its
    /// approvals already make when it keeps them (the same route again).
    /// `record`: the request as it stood before the route.
    public static func decision(of outcome: RouteOutcome, _ record: RequestRecord, policy: Policy, original: Grant?,
                                at: Date) -> [EventDraft] {
        switch outcome {
        case let .denied(matches):
            return [EventDraft(
                requestID: record.id, actor: .policyRule(matches.map(\.rule).joined(separator: ",")), at: at,
                body: .requestDecided(.init(state: .denied, by: matches.map { "policy:\($0.rule)" },
                                            policyVersion: policy.version,
                                            reason: matches.map(\.reason).joined(separator: "; "))))]
        case let .autoApproved(rule):
            return approve(record, by: ["policy:\(rule)"], actor: .policyRule(rule),
                           reason: "approved automatically by rule \(rule)", policy: policy, original: original, at: at)
        case .steps:
            // A route that keeps the version keeps its approvals (a policy
            // change): under this policy they may satisfy every step now, and
            // nobody is left to decide it.
            guard outcome == record.route, record.state == .pending, !record.currentApprovals.isEmpty,
                  timedOut(record, policy: policy, at: at) == nil else { return [] }
            let status = progress(record, policy: policy, original: original)
            guard !status.isEmpty, status.allSatisfy(\.isSatisfied) else { return [] }
            return approve(record, by: status.flatMap(\.approvedBy), actor: .signoff,
                           reason: "every step satisfied under policy \(policy.version.prefix(12))", policy: policy,
                           original: original, at: at)
        case .unroutable:
            return []
        }
    }

    // MARK: Reviews

    /// Decides what a review attempt does. Refusals come back as events too:
    /// an attempt to approve one's own request is evidence worth keeping.
    /// `original` is the grant an extension request extends (nil for any other request).
    ///
    /// `countingOnly` (what the commands ask): an approval that would count
    /// for no step (the step has its approvals, or whoever shares the seat
    /// approved) is refused, so it never stands in the way of the denial its
    /// maker may still give. `audit verify` replays without it: such
    /// approvals, recorded by older signoffs, were never decisions.
    public static func review(_ record: RequestRecord, verdict: Verdict, rationale: String, shownVersion: Int,
                              by reviewer: Principal, policy: Policy, original: Grant?, at: Date,
                              countingOnly: Bool = false) -> ReviewResult {
        func refuse(_ reason: RefusalReason, _ message: String) -> ReviewResult {
            let event = EventDraft(requestID: record.id, actor: reviewer, at: at,
                                   body: .reviewRefused(.init(verdict: verdict, reason: reason, message: message,
                                                              shownVersion: shownVersion, currentVersion: record.version)))
            return ReviewResult(events: [event], outcome: .refused(Refusal(reason, message)))
        }
        if !record.state.isOpen {
            return refuse(.alreadyDecided, "\(record.id) is already \(record.state.rawValue)")
        }
        if let originalID = record.request.extends, let ended = endOf(original, extending: originalID, at: at) {
            // Nothing to extend: the extension closes, and the attempt is evidence.
            var result = refuse(.notActive, "\(record.id) asks to extend \(originalID), whose grant \(ended); it cannot be approved or denied, and is closed")
            result.events += closeExtensions([record], of: originalID, because: ended, policy: policy, at: at)
            return result
        }
        if shownVersion > record.version || shownVersion < 1 {
            return refuse(.staleVersion, "\(record.id) has never had version \(shownVersion): it is at version \(record.version); look at it with `signoff show \(record.id)`")
        }
        if shownVersion != record.version {
            return refuse(.staleVersion, "\(record.id) changed since you saw it (you saw version \(shownVersion), it is now version \(record.version)); look at it again with `signoff show \(record.id)`")
        }
        if let reason = separationOfDuties(record, reviewer: reviewer.name, original: original) {
            return refuse(.selfApproval, reason)
        }
        if let timedOut = timedOut(record, policy: policy, at: at) {
            return refuse(.alreadyDecided, timedOut)
        }
        guard case let .steps(_, steps) = record.route else {
            return refuse(.notEligible, "\(record.id) has no approval steps (\(record.route?.summary ?? "not routed")); nobody can review it")
        }
        if record.reviews.contains(where: { $0.reviewer.name == reviewer.name && $0.requestVersion == record.version }) {
            return refuse(.alreadyReviewed, "\(reviewer.name) already reviewed version \(record.version) of \(record.id)")
        }
        let candidates = steps.map { policy.eligibility(of: reviewer.name, for: $0, request: record.request,
                                                        submittedBy: record.submittedBy.name,
                                                        editors: excluded(record, original: original), at: at) }
        guard candidates.contains(where: \.eligible) else {
            var reasons: [String] = []
            for reason in candidates.map(\.reason) where !reasons.contains(reason) { reasons.append(reason) }
            let why = reasons.joined(separator: "; ")
            return refuse(.notEligible, "\(reviewer.name) is not an eligible approver of \(record.id): \(why)")
        }
        if countingOnly, verdict == .approve {
            let standing = standing(record, person: reviewer.name, policy: policy, at: at, original: original)
            if !standing.mayDecide {
                return refuse(.notEligible, "an approval of \(record.id) by \(reviewer.name) would count for no step: \(standing.reason)")
            }
        }

        let recorded = EventDraft(requestID: record.id, actor: reviewer, at: at,
                                  body: .reviewRecorded(.init(verdict: verdict, rationale: stored(rationale),
                                                              requestVersion: record.version, policyVersion: policy.version)))
        var events = [recorded]
        var updated = record
        updated = Projection.apply(recorded, to: updated) ?? updated

        switch verdict {
        case .deny:
            events.append(EventDraft(requestID: record.id, actor: reviewer, at: at,
                                     body: .requestDecided(.init(state: .denied, by: [reviewer.name], policyVersion: policy.version,
                                                                 reason: "denied by \(reviewer.name)"))))
            return ReviewResult(events: events, outcome: .recorded(.denied))
        case .approve:
            let status = progress(updated, policy: policy, original: original)
            guard status.allSatisfy(\.isSatisfied) else {
                return ReviewResult(events: events, outcome: .recorded(.pending))
            }
            let decision = approve(updated, by: status.flatMap(\.approvedBy), actor: reviewer, reason: "every step satisfied",
                                   policy: policy, original: original, at: at)
            events += decision
            var state = RequestState.approved
            if case let .requestDecided(decided)? = decision.first?.body { state = decided.state }
            return ReviewResult(events: events, outcome: .recorded(state))
        }
    }

    /// Why an open request can no longer be decided by the clock, though the
    /// sweep has not recorded it yet: past the policy's pending timeout.
    static func timedOut(_ record: RequestRecord, policy: Policy, at: Date) -> String? {
        guard timeOut(record, policy: policy, by: .signoff, at: at) != nil, let timeout = policy.pendingTimeout else { return nil }
        return "\(record.id) timed out: nobody decided it within the policy's pending timeout of \(timeout) after its submission (`signoff expire` records it); ask again with a new request"
    }

    /// Whom eligibility excludes as it excludes the requester, and a delegate
    /// acting for them: the request's editors and, for an extension, whoever
    /// asked for the access it extends (`original`, with its `authors`). Every
    /// question of who may decide a request passes this as `editors:`.
    public static func excluded(_ record: RequestRecord, original: Grant?) -> [String] {
        (record.editors ?? []) + (original?.authors ?? [])
    }

    /// Why `person` may never decide this request, whatever the policy says.
    /// `original`, for an extension, is the grant it extends: whoever asked
    /// for that access (its `authors`) may not approve a longer term of it,
    /// as its requester, whom the extension keeps, may not.
    public static func separationOfDuties(_ record: RequestRecord, reviewer person: String, original: Grant? = nil) -> String? {
        if let original, original.authors.contains(person) {
            return "\(person) asked for \(original.requestID), whose access \(record.id) extends, and may not review the extension"
        }
        if person == record.requester { return "\(person) requested \(record.id) and may not review it" }
        if person == record.submittedBy.name { return "\(person) submitted \(record.id) and may not review it" }
        if record.request.subject.kind.isHuman && person == record.request.subject.name {
            return "\(person) would receive the access of \(record.id) and may not review it"
        }
        if record.editors?.contains(person) == true {
            return "\(person) changed the terms of \(record.id) in its ticket and may not review it"
        }
        return nil
    }

    /// Each step with the approvals that count for it (`seating`): none by
    /// whom eligibility excludes (`excluded`), so for an extension none by
    /// who asked for the `original`.
    public static func progress(_ record: RequestRecord, policy: Policy, original: Grant?) -> [StepStatus] {
        guard case let .steps(_, steps) = record.route else { return [] }
        return seating(record, steps: steps, policy: policy, original: original).status
    }

    /// Who counts where. Each current approval (one per person, in review
    /// order) fills at most one seat: the approver's own, or that of someone
    /// they act for as a delegate, as the policy stood at the moment of the
    /// review. No seat is filled twice, so a person and the delegates acting
    /// for them count once between them; and an approval counts only for the
    /// steps that name the seat it fills, so a delegate never stands for one
    /// person in one step and another in the next.
    struct Seating {
        var seated: [(approver: String, seat: String)]
        var status: [StepStatus]
    }

    /// Of the ways to seat the approvals, the one that satisfies the most
    /// approvals the steps ask for; of equals, the one that seats earlier
    /// approvals first, each in the first seat it may fill (so of a person
    /// and their delegate, the first to approve counts). The search is
    /// bounded (`seatingLeaves`); past the bound the best found so far
    /// stands, which can only count fewer approvals, never more.
    static func seating(_ record: RequestRecord, steps: [RoutedStep], policy: Policy, original: Grant?) -> Seating {
        var approvals: [(name: String, at: Date)] = []
        for review in record.currentApprovals where !approvals.contains(where: { $0.name == review.reviewer.name }) {
            approvals.append((review.reviewer.name, review.at))
        }
        let excluded = excluded(record, original: original)
        // For each approval, step by step, the seats it may fill there.
        let seats = approvals.map { approval in
            steps.map { policy.seats(of: approval.name, for: $0, request: record.request,
                                     submittedBy: record.submittedBy.name, editors: excluded, at: approval.at) }
        }
        let choices: [[String]] = seats.map { perStep in
            var ordered: [String] = []
            for seat in perStep.joined() where !ordered.contains(seat) { ordered.append(seat) }
            return ordered
        }
        let index = Dictionary(approvals.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { first, _ in first })
        let wanted = steps.reduce(0) { $0 + max(0, $1.required) }

        func evaluate(_ chosen: [String?]) -> [StepStatus] {
            let people = approvals.indices.filter { chosen[$0] != nil }.map { approvals[$0].name }
            return StepProgress.compute(steps: steps, approvers: people) { step, person in
                guard let approval = index[person], let seat = chosen[approval] else { return false }
                return seats[approval][step].contains(seat)
            }
        }
        func counted(_ status: [StepStatus]) -> Int { status.reduce(0) { $0 + min($1.approvedBy.count, max(0, $1.step.required)) } }

        let contested = choices.indices.map { i in
            choices[(i + 1)...].contains { later in later.contains { choices[i].contains($0) } }
        }
        var chosen = [String?](repeating: nil, count: approvals.count)
        var best: (chosen: [String?], status: [StepStatus], count: Int)?
        var leaves = 0
        func search(_ position: Int) {
            if leaves >= seatingLeaves || best.map({ $0.count >= wanted }) == true { return }
            guard position < approvals.count else {
                leaves += 1
                let status = evaluate(chosen)
                let count = counted(status)
                if best == nil || count > best!.count { best = (chosen, status, count) }
                return
            }
            var seated = false
            for seat in choices[position] where !chosen.contains(seat) {
                chosen[position] = seat
                seated = true
                search(position + 1)
            }
            chosen[position] = nil
            // Leaving an approval out only helps where a later one wants its
            // seat: seating one more never counts fewer.
            if !seated || contested[position] { search(position + 1) }
        }
        search(0)
        let found = best ?? (chosen, evaluate(chosen), 0)
        let seated = approvals.indices.compactMap { i in found.chosen[i].map { (approvals[i].name, $0) } }
        return Seating(seated: seated, status: found.status)
    }

    /// How many ways of seating `seating` tries at most: enough for any
    /// approvals people make, and a bound on what a store's writer can cost.
    static let seatingLeaves = 4_096

    /// Whether `person` could usefully decide the request now, and if not why.
    /// `original`: for an extension, the grant it extends, with its `authors` (`separationOfDuties`).
    public static func canDecide(_ record: RequestRecord, person: String, policy: Policy, at: Date,
                                 original: Grant? = nil) -> (Bool, String) {
        let standing = standing(record, person: person, policy: policy, at: at, original: original)
        return (standing.mayDecide, standing.reason)
    }

    /// Where `person` stands on a request: whether they may decide it now, why
    /// (or why not), and which step their approval would count for.
    public struct Standing: Sendable, Hashable {
        public var mayDecide: Bool
        public var reason: String
        /// The first unsatisfied step they are eligible for (an index into the route's steps).
        public var step: Int?
        /// Whether they may deny it: whoever may decide it, and anyone
        /// eligible for one of its steps whose approval would count for none
        /// (the step already has its approvals, or one who shares their seat
        /// approved): a denial by anyone eligible denies the whole request.
        public var mayDeny: Bool
        public init(mayDecide: Bool, reason: String, step: Int? = nil, mayDeny: Bool? = nil) {
            self.mayDecide = mayDecide
            self.reason = reason
            self.step = step
            self.mayDeny = mayDeny ?? mayDecide
        }

        /// `may decide`, `may deny, not approve` or `may not decide`.
        public var words: String { mayDecide ? "may decide" : mayDeny ? "may deny, not approve" : "may not decide" }

        /// Why they may deny it though they may not approve it.
        static let denialStillCounts = "you may still deny it: a denial by anyone eligible denies the whole request"
    }

    public static func standing(_ record: RequestRecord, person: String, policy: Policy, at: Date,
                                original: Grant? = nil) -> Standing {
        guard record.state == .pending else { return Standing(mayDecide: false, reason: "request is \(record.state.rawValue)") }
        if let reason = separationOfDuties(record, reviewer: person, original: original) { return Standing(mayDecide: false, reason: reason) }
        if let timedOut = timedOut(record, policy: policy, at: at) { return Standing(mayDecide: false, reason: timedOut) }
        if record.reviews.contains(where: { $0.reviewer.name == person && $0.requestVersion == record.version }) {
            return Standing(mayDecide: false, reason: "you already reviewed this version")
        }
        guard case let .steps(_, steps) = record.route else { return Standing(mayDecide: false, reason: "no approval steps") }
        let seating = seating(record, steps: steps, policy: policy, original: original)
        var mine: [String] = []
        for step in steps {
            for seat in policy.seats(of: person, for: step, request: record.request, submittedBy: record.submittedBy.name,
                                     editors: excluded(record, original: original), at: at)
            where !mine.contains(seat) { mine.append(seat) }
        }
        let taken = mine.map { seat in seating.seated.first { $0.seat == seat } }
        if !mine.isEmpty, let first = taken.first ?? nil, taken.allSatisfy({ $0 != nil }) {
            let seat = first.seat
            let whose = seat == person ? "\(first.approver), who acts for you as delegate,"
                : first.approver == seat ? "\(seat), for whom you act as delegate,"
                : "\(first.approver), who also acts for \(seat),"
            return Standing(mayDecide: false, reason: "\(whose) already approved this version: you count as one; \(Standing.denialStillCounts)",
                            mayDeny: true)
        }
        let status = seating.status
        var reasons: [String] = []
        var eligible = false
        for (index, step) in steps.enumerated() {
            let candidate = policy.eligibility(of: person, for: step, request: record.request,
                                               submittedBy: record.submittedBy.name, editors: excluded(record, original: original), at: at)
            if candidate.eligible && !status[index].isSatisfied {
                return Standing(mayDecide: true, reason: candidate.reason, step: index)
            }
            eligible = eligible || candidate.eligible
            let reason = candidate.eligible ? "\(step.name) already has its approvals" : candidate.reason
            if !reasons.contains(reason) { reasons.append(reason) }
        }
        // As `review` judges a denial: anyone eligible for a step.
        if eligible { reasons.append(Standing.denialStillCounts) }
        return Standing(mayDecide: false, reason: reasons.joined(separator: "; "), mayDeny: eligible)
    }

    // MARK: Revision

    /// An open request whose source changed (the ticket it was imported from):
    /// the new request replaces it and is routed again as a new version. Every
    /// approval was given to a version the approver saw, so none counts for
    /// the new one, even where the route is the same. Only whoever submitted
    /// it may revise it; the new request passes the same checks as a
    /// submission. Nothing changes (no events) when it is the same request.
    public static func revise(_ record: RequestRecord, to scanned: ScannedRequest, by actor: Principal, policy: Policy,
                              original: Grant? = nil, cause: String, at: Date) throws(Refusal) -> [EventDraft] {
        guard record.state.isOpen else {
            throw Refusal(.alreadyDecided, "\(record.id) is already \(record.state.rawValue); a decided request never changes, so the change was not applied")
        }
        guard actor.name == record.submittedBy.name else {
            throw Refusal(.notRequester, "only \(record.submittedBy.name), who submitted \(record.id), may revise it")
        }
        guard scanned.request.extends == record.request.extends else {
            throw Refusal(.notEligible, "a revision cannot change which grant \(record.id) extends")
        }
        let revised = try authorizeSubmission(scanned, by: actor, policy: policy).request
        guard !revised.asksTheSame(as: record.request) else { return [] }
        let event = EventDraft(requestID: record.id, actor: actor, at: at,
                               body: .requestRevised(.init(request: revised, cause: cause)))
        var updated = record
        updated.request = revised
        updated.route = nil // always a new version: approvers must see what they decide
        return [event] + route(updated, policy: policy, original: original, at: at, cause: cause)
    }

    // MARK: Withdrawal and policy changes

    public static func withdraw(_ record: RequestRecord, by actor: Principal, rationale: String?,
                                at: Date) throws(Refusal) -> [EventDraft] {
        guard record.state.isOpen else {
            throw Refusal(.alreadyDecided, "\(record.id) is already \(record.state.rawValue); it cannot be withdrawn")
        }
        guard actor.name == record.requester || actor.name == record.submittedBy.name else {
            throw Refusal(.notRequester, "only the requester (\(record.requester)) may withdraw \(record.id)")
        }
        let why = rationale.map(stored).flatMap { $0.isEmpty ? nil : $0 }
        return [EventDraft(requestID: record.id, actor: actor, at: at, body: .requestWithdrawn(.init(rationale: why)))]
    }

    /// Applying a policy: the policy event, then every open request routed again
    /// under it, so nothing pending is decided under a policy no longer in force.
    /// `originals` holds the grants that open extension requests extend, by request ID.
    public static func apply(_ policy: Policy, previousVersion: String?, by actor: Principal,
                             openRecords: [RequestRecord], originals: [String: Grant], at: Date) -> [EventDraft] {
        var events = [EventDraft(requestID: nil, actor: actor, at: at,
                                 body: .policyApplied(.init(version: policy.version, previousVersion: previousVersion,
                                                            file: policy.file, source: policy.source)))]
        for record in openRecords {
            events += route(record, policy: policy, original: record.request.extends.flatMap { originals[$0] }, at: at,
                            cause: "policy \(policy.version.prefix(12)) applied")
        }
        return events
    }

    /// A rationale as it is recorded: without the whitespace and line breaks
    /// around it (a file's last newline, the console's trailing Enter), which
    /// nobody meant and which would show as a visible placeholder.
    /// Trims exactly what Foundation's `.whitespacesAndNewlines` trims on
    /// Linux (tab and the line breaks, the Unicode spaces, U+0085, U+200B,
    /// and the line and paragraph separators), scalar by scalar, without
    /// bridging through `NSString` on every decision.
    public static func stored(_ rationale: String) -> String {
        let scalars = rationale.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isBlank($0) }),
              let last = scalars.lastIndex(where: { !isBlank($0) }) else { return "" }
        if first == scalars.startIndex, scalars.index(after: last) == scalars.endIndex { return rationale }
        return String(scalars[first...last])
    }

    /// What counts towards the policy's minimum: the characters a reader
    /// sees of the rationale as stored, each with a scalar that is not shown
    /// as nothing; a blank between words (a space, a tab, a new line) is one.
    public static func rationaleLength(_ rationale: String) -> Int {
        func seen(_ scalar: Unicode.Scalar) -> Bool {
            !DisplaySafe.isUnsafe(scalar) || isBlank(scalar) && !scalar.properties.isDefaultIgnorableCodePoint
        }
        var count = 0
        for character in stored(rationale) where character.unicodeScalars.contains(where: seen) {
            count += 1
        }
        return count
    }

    private static func isBlank(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return (0x09...0x0D).contains(value) || value == 0x20 || value == 0x85 || value == 0xA0 || value == 0x1680
            || (0x2000...0x200B).contains(value) || value == 0x2028 || value == 0x2029 || value == 0x202F || value == 0x205F
            || value == 0x3000
    }

    /// The rationale rule every decision must meet.
    /// Only characters a reader sees count towards the minimum, once the
    /// blanks around the rationale are trimmed: what a terminal shows as
    /// nothing (zero-width characters, soft hyphens, fillers) would otherwise
    /// meet it with a rationale that looks empty.
    public static func checkRationale(_ rationale: String, policy: Policy) -> String? {
        let visible = rationaleLength(rationale)
        if visible < policy.minimumRationale {
            return "the rationale must be at least \(policy.minimumRationale) visible characters (it has \(visible)); say why this access is right or wrong"
        }
        if rationale.unicodeScalars.count > Limits.rationaleLength {
            return "the rationale is longer than \(Limits.rationaleLength) characters"
        }
        return nil
    }
}
