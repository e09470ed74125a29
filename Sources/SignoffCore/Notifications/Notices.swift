import Foundation

/// What a notification announces.
public enum NoticeKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// A request (re-)routed to people who may decide it now.
    case routed
    /// A break-glass request: a page to the on-call and its approvers.
    case breakGlass = "break_glass"
    case reminder
    case escalation
    case decided
    case withdrawn
    case timedOut = "timed_out"
    case expiryWarning = "expiry_warning"
    case expired
    case revoked
    case incidentReviewDue = "incident_review_due"
    case incidentReviewOverdue = "incident_review_overdue"
    case provisioningFailed = "provisioning_failed"
    /// A refused self-approval or a refused action by someone not allowed.
    case refused

    /// A few words for a subject line or a Slack header.
    public var title: String {
        switch self {
        case .routed: "needs your decision"
        case .breakGlass: "BREAK-GLASS needs a decision now"
        case .reminder: "still waits for your decision"
        case .escalation: "ESCALATED: waits too long for a decision"
        case .decided: "decided"
        case .withdrawn: "withdrawn"
        case .timedOut: "timed out without a decision"
        case .expiryWarning: "access expires soon"
        case .expired: "access expired"
        case .revoked: "access revoked"
        case .incidentReviewDue: "post-incident review due"
        case .incidentReviewOverdue: "post-incident review OVERDUE"
        case .provisioningFailed: "provisioning failed"
        case .refused: "refused attempt"
        }
    }
}

/// One person (or one named channel) who must hear of one thing.
public struct Notice: Sendable, Hashable {
    public var kind: NoticeKind
    public var requestID: String
    /// The person it is for; nil for a notice to a named channel.
    public var recipient: String?
    /// The named channel, for a notice that is not to a person.
    public var channel: String?
    /// Why this person hears of it, e.g. `owner of payments-db`.
    public var why: String
    /// Unique for this notice to this recipient: the outbox's dedupe key
    /// (with the destination appended), so planning twice sends once.
    public var key: String
    /// Pages: never batched into a digest, sent before anything else.
    public var urgent: Bool
    /// Details of a refused attempt, for `refused` notices.
    public var refusal: RefusalDetail?
    /// Which reminder or escalation this is (1, 2, ...).
    public var round: Int?

    public init(kind: NoticeKind, requestID: String, recipient: String?, channel: String?, why: String, key: String,
                urgent: Bool, refusal: RefusalDetail? = nil, round: Int? = nil) {
        self.kind = kind
        self.requestID = requestID
        self.recipient = recipient
        self.channel = channel
        self.why = why
        self.key = key
        self.urgent = urgent
        self.refusal = refusal
        self.round = round
    }

    public struct RefusalDetail: Sendable, Hashable, Codable {
        public var actor: String
        public var authentication: String
        /// `approve`, `deny`, `revoke`, `self_activate`, `review_incident`.
        public var attempted: String
        public var reason: RefusalReason
        public var message: String
    }
}

/// Who must hear of what, as pure functions of the policy, the records and
/// the time: the same computation `policy explain` makes for who may decide
/// (groups, owners, managers, rotations at that moment, delegations), never
/// the requester, the submitter or a human subject.
public struct NoticePlanner: Sendable {
    public let policy: Policy
    public let settings: NotificationPolicy
    private let rememberedCandidates = Memo<DecidersQuestion<String>, [Candidate]>()
    private let rememberedDeciders = Memo<DecidersQuestion<[RoutedStep]>, [(name: String, why: String)]>()

    /// Nil when the policy has no `notifications:` section.
    public init?(policy: Policy) {
        guard let settings = policy.notifications else { return nil }
        self.policy = policy
        self.settings = settings
    }

    // MARK: Who may decide now

    /// The people who may decide one of the request's open steps at `date`,
    /// each once with why, in step order; those who already reviewed this
    /// version are left out. `original`: for an extension, the grant it
    /// extends, with its `authors`, who decide nothing of it.
    public func deciders(of record: RequestRecord, original: Grant?, at date: Date) -> [(name: String, why: String)] {
        guard record.state == .pending, case let .steps(_, steps) = record.route else { return [] }
        // Before anyone reviewed this version, who may decide depends only on
        // the steps and the request's facts: worked out once for all alike.
        guard record.reviews.contains(where: { $0.requestVersion == record.version }) else {
            let question = DecidersQuestion(steps, record, original: original, at: date)
            if let known = rememberedDeciders.value(for: question) { return known }
            let deciders = deciders(of: record, steps: steps, original: original, at: date)
            rememberedDeciders.remember(deciders, for: question)
            return deciders
        }
        return deciders(of: record, steps: steps, original: original, at: date)
    }

    private func deciders(of record: RequestRecord, steps: [RoutedStep], original: Grant?,
                          at date: Date) -> [(name: String, why: String)] {
        let reviewed = Set(record.reviews.filter { $0.requestVersion == record.version }.map(\.reviewer.name))
        let status = record.reviews.isEmpty ? nil : Lifecycle.progress(record, policy: policy, original: original)
        var result: [(name: String, why: String)] = []
        var seen = reviewed
        for (index, step) in steps.enumerated() where status?[index].isSatisfied != true {
            for candidate in candidates(for: step, record: record, original: original, at: date)
            where candidate.eligible && seen.insert(candidate.name).inserted {
                result.append((candidate.name, candidate.reason))
            }
        }
        return result
    }

    /// `Policy.candidates` for one step of one request at one moment,
    /// remembered by this planner: planning for many requests at once (every
    /// open request's reminders, a day of routing) meets the same step,
    /// people, system and moment again and again.
    func candidates(for step: RoutedStep, record: RequestRecord, original: Grant?, at date: Date) -> [Candidate] {
        let question = DecidersQuestion(step.approvers, record, original: original, at: date)
        if let known = rememberedCandidates.value(for: question) { return known }
        let candidates = policy.candidates(for: step, request: record.request, submittedBy: record.submittedBy.name,
                                           editors: question.excluded, at: date)
        rememberedCandidates.remember(candidates, for: question)
        return candidates
    }

    // MARK: Notices an event causes

    /// The notices `event` causes, given the request's record and grant as
    /// they stand after the transaction that appended it, and for an
    /// extension the grant it extends (`original`, with its `authors`).
    public func notices(for event: RecordedEvent, record: RequestRecord?, grant: Grant?, original: Grant?) -> [Notice] {
        let at = event.draft.at
        guard let id = event.draft.requestID, let record else { return [] }
        var notices: [Notice] = []
        switch event.draft.body {
        case let .requestRouted(routed):
            guard record.state == .pending, record.version == routed.version else { return [] }
            if record.request.breakGlass {
                notices += page(record, original: original, at: at)
            } else {
                for (name, why) in deciders(of: record, original: original, at: at) {
                    notices.append(notice(.routed, id, to: name, why: why, key: "routed:\(id):v\(routed.version)"))
                }
            }
        case let .requestDecided(decided):
            let kind: NoticeKind
            switch decided.state {
            case .timedOut: kind = .timedOut
            case .approved, .denied: kind = .decided
            case .withdrawn: kind = .withdrawn
            case .pending, .blocked: return []
            }
            notices += requesterAndSubmitter(record, kind, key: "\(kind.rawValue):\(id)")
        case .requestWithdrawn:
            notices += requesterAndSubmitter(record, .withdrawn, key: "withdrawn:\(id)")
        case .grantIssued:
            guard let review = grant?.incidentReview, !review.isCompleted, let grant else { return [] }
            // Issued now, so not extended yet.
            for (name, why) in incidentReviewers(grant, reviewers: review.reviewers, extensionApprovers: [], at: at) {
                notices.append(notice(.incidentReviewDue, id, to: name, why: why, key: "incident-review-due:\(id)"))
            }
        case .grantExpired:
            notices += accessHolders(record, .expired, key: "expired:\(id)")
        case .grantRevoked:
            notices += accessHolders(record, .revoked, key: "revoked:\(id)")
        case .grantProvisioningFailed:
            for name in policy.ownersOf(system: record.request.system) where !excluded(name, record, original) {
                notices.append(notice(.provisioningFailed, id, to: name, why: "owner of \(record.request.system)",
                                      key: "provisioning-failed:\(id):\(event.sequence)"))
            }
        case let .reviewRefused(refused):
            guard Self.concernsSecurity(refused.reason) else { return [] }
            notices += security(record, event, attempted: refused.verdict?.rawValue ?? "review", refused.reason, refused.message)
        case let .actionRefused(refused):
            guard Self.concernsSecurity(refused.reason) else { return [] }
            notices += security(record, event, attempted: refused.action.rawValue, refused.reason, refused.message)
        case .policyApplied, .requestSubmitted, .reviewRecorded, .grantHandedOff, .grantProvisioned, .grantExtended,
             .incidentReviewCompleted, .handOffConfigured, .storeCreated, .settingsChanged, .schemaMigrated, .reconciliationRun, .findingOpened, .findingResolved, .findingExcepted, .findingRemovalRequested, .removalHandedOff, .removalHandOffFailed,
             .requestRevised, .ticketLinked, .intakeRefused, .writeBackConfigured:
            return []
        }
        return notices + broadcast(notices)
    }

    /// Refusals the security contact hears of: someone trying what they may
    /// not. Races, stale views and short rationales are ordinary.
    static func concernsSecurity(_ reason: RefusalReason) -> Bool {
        switch reason {
        case .selfApproval, .notEligible, .notRequester, .containsSecret, .signatureRequired: true
        case .alreadyReviewed, .alreadyDecided, .staleVersion, .rationaleTooShort, .notActive, .overLimit, .tooEarly: false
        }
    }

    // MARK: Notices time brings

    /// Reminders and escalations due for an open request at `date`: only the
    /// latest round of each, so a deliverer that was stopped for a day sends
    /// one reminder, not twenty-four.
    public func reminders(for record: RequestRecord, original: Grant?, at date: Date) -> [Notice] {
        guard record.state == .pending else { return [] }
        let waited = date.timeIntervalSince(record.submittedAt)
        let id = record.id
        var notices: [Notice] = []
        if let after = settings.reminderAfter, let every = settings.reminderEvery, let round = Self.round(waited, after, every) {
            for (name, why) in deciders(of: record, original: original, at: date) {
                var reminder = notice(.reminder, id, to: name, why: why, key: "reminder:\(id):\(round)", urgent: record.request.breakGlass)
                reminder.round = round
                notices.append(reminder)
            }
        }
        if let after = settings.escalationAfter, let every = settings.escalationEvery, let round = Self.round(waited, after, every) {
            for (name, why) in escalationTargets(record, original: original, at: date) {
                var escalation = notice(.escalation, id, to: name, why: why, key: "escalation:\(id):\(round)", urgent: true)
                escalation.round = round
                notices.append(escalation)
            }
        }
        return notices + broadcast(notices)
    }

    /// Which round of a repeating notice is due after waiting `waited` seconds; nil before the first.
    static func round(_ waited: TimeInterval, _ after: TimeSpan, _ every: TimeSpan) -> Int? {
        guard waited >= TimeInterval(after.seconds) else { return nil }
        return Int((waited - TimeInterval(after.seconds)) / TimeInterval(max(1, every.seconds))) + 1
    }

    /// The warning before a live grant expires, once per expiry time (an
    /// extension moves the expiry, and warns again).
    public func expiryWarnings(for grant: Grant, record: RequestRecord, at date: Date) -> [Notice] {
        guard let warning = settings.expiryWarning, grant.state == .active, let expiresAt = grant.expiresAt,
              expiresAt > date, expiresAt.timeIntervalSince(date) <= TimeInterval(warning.seconds) else { return [] }
        let notices = accessHolders(record, .expiryWarning,
                                    key: "expiry-warning:\(grant.requestID):\(expiresAt.epochMilliseconds(.towardZero))")
        return notices + broadcast(notices)
    }

    /// A post-incident review past its due time, to whoever may complete it
    /// now: not who approved the grant's extensions (`extensionApprovers`).
    public func overdueIncidentReview(for grant: Grant, extensionApprovers: [String], at date: Date) -> [Notice] {
        guard let review = grant.incidentReview, !review.isCompleted, review.dueAt <= date else { return [] }
        let notices = incidentReviewers(grant, reviewers: review.reviewers, extensionApprovers: extensionApprovers, at: date).map {
            notice(.incidentReviewOverdue, grant.requestID, to: $0.name, why: $0.why,
                   key: "incident-review-overdue:\(grant.requestID)", urgent: true)
        }
        return notices + broadcast(notices)
    }

    // MARK: Recipients

    private func notice(_ kind: NoticeKind, _ id: String, to person: String, why: String, key: String,
                        urgent: Bool = false) -> Notice {
        Notice(kind: kind, requestID: id, recipient: person, channel: nil, why: why, key: "\(key):\(person)",
               urgent: urgent || kind == .breakGlass, refusal: nil, round: nil)
    }

    /// Never the requester, the submitter, a human subject, an editor or
    /// (for an extension) who asked for the original: they do not decide, nor hear as deciders.
    private func excluded(_ person: String, _ record: RequestRecord, _ original: Grant?) -> Bool {
        Lifecycle.separationOfDuties(record, reviewer: person, original: original) != nil
    }

    /// A break-glass request: its approvers now, and the on-call of the
    /// rotations the notifications section names, paged at once; and the
    /// break-glass channels, triggered once.
    private func page(_ record: RequestRecord, original: Grant?, at date: Date) -> [Notice] {
        let id = record.id
        var notices: [Notice] = []
        var seen: Set<String> = []
        for (name, why) in deciders(of: record, original: original, at: date) where seen.insert(name).inserted {
            notices.append(notice(.breakGlass, id, to: name, why: why, key: "page:\(id)"))
        }
        for (name, why) in policy.people(namedBy: settings.breakGlassPage, at: date)
        where !excluded(name, record, original) && seen.insert(name).inserted {
            notices.append(notice(.breakGlass, id, to: name, why: why, key: "page:\(id)"))
        }
        for channel in settings.breakGlassChannels {
            notices.append(Notice(kind: .breakGlass, requestID: id, recipient: nil, channel: channel,
                                  why: "break-glass channel", key: "page:\(id):channel:\(channel)", urgent: true,
                                  refusal: nil, round: nil))
        }
        return notices
    }

    private func requesterAndSubmitter(_ record: RequestRecord, _ kind: NoticeKind, key: String) -> [Notice] {
        var notices = [notice(kind, record.id, to: record.requester, why: "requester", key: key)]
        if record.submittedBy.name != record.requester, policy.knowsPerson(record.submittedBy.name) {
            notices.append(notice(kind, record.id, to: record.submittedBy.name, why: "submitted it", key: key))
        }
        return notices
    }

    /// Requester, subject owner and the owner's manager: who holds or answers for the access.
    private func accessHolders(_ record: RequestRecord, _ kind: NoticeKind, key: String) -> [Notice] {
        var people: [(String, String)] = [(record.requester, "requester")]
        let owner = record.request.subject.owner
        people.append((owner, "owner of \(record.request.subject.name)"))
        if let manager = policy.manager(of: owner) { people.append((manager, "manager of \(owner)")) }
        var seen: Set<String> = []
        return people.filter { policy.knowsPerson($0.0) && seen.insert($0.0).inserted }
            .map { notice(kind, record.id, to: $0.0, why: $0.1, key: key) }
    }

    private func incidentReviewers(_ grant: Grant, reviewers: String, extensionApprovers: [String],
                                   at date: Date) -> [(name: String, why: String)] {
        let step = RoutedStep(name: "post-incident review", approvers: reviewers, required: 1)
        var request = AccessRequest(requester: grant.terms.requester, subject: grant.terms.subject, system: grant.terms.system,
                                    environment: grant.terms.environment, entitlement: grant.terms.entitlement,
                                    access: grant.terms.access, purpose: "", duration: TimeSpan(seconds: 0))
        request.breakGlass = true
        return policy.candidates(for: step, request: request, submittedBy: grant.terms.requester, at: date)
            .filter { candidate in
                candidate.eligible && policy.mayReviewIncident(candidate.name, reviewers: reviewers, terms: grant.terms,
                                                               approvers: grant.approvers + extensionApprovers, at: date).0
            }
            .map { ($0.name, "may complete the post-incident review: \($0.reason)") }
    }

    private func security(_ record: RequestRecord, _ event: RecordedEvent, attempted: String, _ reason: RefusalReason,
                          _ message: String) -> [Notice] {
        let detail = Notice.RefusalDetail(actor: event.draft.actor.name, authentication: event.draft.actor.authentication.rawValue,
                                          attempted: attempted, reason: reason, message: message)
        return policy.people(namedBy: settings.securityContact, at: event.draft.at).filter { $0.name != event.draft.actor.name }.map {
            var refused = notice(.refused, record.id, to: $0.name, why: "security contact (\($0.why))",
                                 key: "refused:\(event.sequence)", urgent: true)
            refused.refusal = detail
            return refused
        }
    }

    /// Whom an escalation goes to: never the requester, submitter or human subject.
    func escalationTargets(_ record: RequestRecord, original: Grant?, at date: Date) -> [(name: String, why: String)] {
        var result: [(name: String, why: String)] = []
        var seen: Set<String> = []
        func add(_ name: String, _ why: String) {
            if !excluded(name, record, original), policy.knowsPerson(name), seen.insert(name).inserted { result.append((name, why)) }
        }
        switch settings.escalationTo {
        case .manager:
            for (decider, _) in deciders(of: record, original: original, at: date) {
                if let manager = policy.manager(of: decider) { add(manager, "manager of \(decider), who has not decided") }
            }
        case .nextInRotation:
            guard case let .steps(_, steps) = record.route else { return [] }
            for step in steps {
                if case let .rotation(name)? = ApproverExpression(text: step.approvers)?.source,
                   let next = policy.nextOnCall(rotation: name, at: date) {
                    add(next, "next on call for \(name)")
                } else {
                    for (decider, _) in deciders(of: record, original: original, at: date) {
                        if let manager = policy.manager(of: decider) { add(manager, "manager of \(decider), who has not decided") }
                    }
                }
            }
        case let .expression(text):
            for (name, why) in policy.people(namedBy: [text], at: date) { add(name, why) }
        }
        return result
    }

    /// One notice per named broadcast channel for each notice kind and
    /// request among `notices`: a team channel hears of each thing once.
    private func broadcast(_ notices: [Notice]) -> [Notice] {
        guard !settings.broadcast.isEmpty else { return [] }
        var result: [Notice] = []
        var seen: Set<String> = []
        for notice in notices where notice.recipient != nil {
            let base = notice.key.split(separator: ":").dropLast().joined(separator: ":")
            guard seen.insert(base).inserted else { continue }
            for channel in settings.broadcast {
                var copy = notice
                copy.recipient = nil
                copy.channel = channel
                copy.why = "broadcast channel"
                copy.key = "\(base):channel:\(channel)"
                result.append(copy)
            }
        }
        return result
    }
}

extension Policy {
    /// The people named by group, rotation (on call at `date`) and person
    /// expressions, once each, with why; each followed by whoever they
    /// delegated to at `date` (who stands in for them, as in a route: a page
    /// or a security notice must reach someone who is there).
    public func people(namedBy expressions: [String], at date: Date) -> [(name: String, why: String)] {
        var result: [(name: String, why: String)] = []
        var seen: Set<String> = []
        func add(_ person: String, _ why: String) {
            if seen.insert(person).inserted { result.append((person, why)) }
            for delegation in directory.delegates(of: person, at: date) where seen.insert(delegation.to).inserted {
                result.append((delegation.to, "delegate of \(person) until \(delegation.until.policyText)"))
            }
        }
        for text in expressions {
            switch ApproverExpression.source(text) {
            case let .group(name)?:
                for person in (directory.expandedGroups[name] ?? []).sorted() { add(person, "member of \(name)") }
            case let .rotation(name)?:
                if let person = directory.rotations[name]?.onCall(at: date) { add(person, "on call for \(name) now") }
            case let .person(name)?:
                add(name, "named by the policy")
            case .owners?, .manager?, .subjectOwnerManager?, nil:
                continue
            }
        }
        return result
    }

    /// Whoever is on call for `rotation` after the one on call at `date`.
    public func nextOnCall(rotation name: String, at date: Date) -> String? {
        guard let rotation = directory.rotations[name], rotation.onCall(at: date) != nil else { return nil }
        return rotation.onCall(at: date.addingTimeInterval(TimeInterval(rotation.every.seconds)))
    }

    public func manager(of person: String) -> String? { directory.people[person]?.manager }

    /// The people who own `system`, directly or through a group.
    public func ownersOf(system: String) -> [String] {
        guard let index = catalogue.index[system] else { return [] }
        return directory.people(in: catalogue.entries[index].owners)
    }

    /// Where notifications reach `person`: their email, their webhook, then
    /// the named channels they list.
    public func channels(of person: String) -> [NotificationChannel] {
        guard let entry = directory.people[person] else { return [] }
        var result: [NotificationChannel] = []
        if let email = entry.email { result.append(NotificationChannel(name: "email", kind: .email, target: email)) }
        if let webhook = entry.webhook { result.append(NotificationChannel(name: "webhook", kind: .webhook, target: webhook)) }
        for name in entry.channels {
            if let channel = notifications?.channels[name] { result.append(channel) }
        }
        return result
    }
}

/// Answers about who may decide, worked out once per distinct question.
/// `Policy.candidates` reads a step only through its approver expression and
/// a request only through the facts in `DecidersQuestion` (the system for owners;
/// requester, submitter, a human subject and the subject's owner for managers
/// and exclusions), and rotations and delegations through the moment, which
/// is part of the question.
final class Memo<Key: Hashable, Value>: @unchecked Sendable {
    /// Forgotten all at once past this many: a bound, not a policy.
    static var capacity: Int { 4096 }
    private let lock = NSLock()
    private var known: [Key: Value] = [:]

    func value(for key: Key) -> Value? {
        lock.withLock { known[key] }
    }

    func remember(_ value: Value, for key: Key) {
        lock.withLock {
            if known.count >= Self.capacity { known.removeAll(keepingCapacity: true) }
            known[key] = value
        }
    }
}

/// One question about who may decide: the steps (or one approver
/// expression) and every fact of the request `Policy.candidates` reads.
struct DecidersQuestion<Steps: Hashable>: Hashable {
    /// The approver expression, or the steps, asked about.
    var steps: Steps
    var system: String
    var requester: String
    var submittedBy: String
    /// The subject's name when it is a person (nobody decides their own access).
    var humanSubject: String?
    var subjectOwner: String
    /// Who changed its terms in its ticket and, for an extension, who asked
    /// for the original (`Lifecycle.excluded`): they decide nothing of it.
    var excluded: [String]
    var at: Date

    init(_ steps: Steps, _ record: RequestRecord, original: Grant?, at: Date) {
        let request = record.request
        self.steps = steps
        system = request.system
        submittedBy = record.submittedBy.name
        requester = request.requester ?? submittedBy
        humanSubject = request.subject.kind.isHuman ? request.subject.name : nil
        subjectOwner = request.subject.owner
        excluded = Lifecycle.excluded(record, original: original)
        self.at = at
    }
}
