import Foundation

/// Where a grant is: the access an approved request allows (DESIGN.md, Lifecycle).
/// The request keeps its decision (`approved`); the grant carries what followed.
public enum GrantState: String, Codable, Sendable, Hashable, CaseIterable {
    /// Approved; the policy starts the clock when provisioning confirms.
    case awaitingProvisioning = "awaiting_provisioning"
    /// In effect until `expiresAt`.
    case active
    /// Ended on time by the sweep.
    case expired
    /// Ended early, by a person or a revocation trigger.
    case revoked
    /// Provisioning reported that the access could not be granted.
    case failed

    /// Still granting (or about to grant) access.
    public var isLive: Bool { self == .active || self == .awaitingProvisioning }
    /// Live, or reported failed: a failure report does not prove the access
    /// absent (a grant provisioned once whose later hand-off failed still
    /// holds it; anyone who can write the store can report one), so such a
    /// grant can still be revoked, by a person or a trigger, and its removal
    /// is handed off, as the sweep expires it.
    public var mayHoldAccess: Bool { isLive || self == .failed }
}

/// What provisioning is asked to do with a grant.
public enum HandOffAction: String, Codable, Sendable, Hashable, CaseIterable {
    case grant, revoke, expire
}

/// Where the latest hand-off to provisioning stands.
public enum ProvisioningState: String, Codable, Sendable, Hashable, CaseIterable {
    /// Not yet handed to provisioning (nothing configured, or delivery failed).
    case pending
    /// Written to the outbox; provisioning has not reported back yet.
    case handedOff = "handed_off"
    /// Provisioning reported the action done.
    case done
    /// Provisioning (or the hand-off itself) failed; the reason says why.
    case failed
}

/// Exactly what was granted: copied from the request at approval, so the
/// grant document never depends on re-reading anything.
public struct GrantTerms: Sendable, Hashable, Codable {
    public var requester: String
    public var subject: Subject
    public var system: String
    public var environment: String
    public var entitlement: String
    public var scope: String?
    public var access: AccessLevel
    public var revocationTriggers: [RevocationTrigger]
    public var ticket: String?
    public var incident: String?
    public var breakGlass: Bool

    enum CodingKeys: String, CodingKey {
        case requester, subject, system, environment, entitlement, scope, access, ticket, incident
        case revocationTriggers = "revocation_triggers"
        case breakGlass = "break_glass"
    }

    public init(record: RequestRecord) {
        let request = record.request
        requester = record.requester
        subject = request.subject
        system = request.system
        environment = request.environment
        entitlement = request.entitlement
        scope = request.scope
        access = request.access
        revocationTriggers = request.revocationTriggers
        ticket = request.ticket
        incident = request.incident
        breakGlass = request.breakGlass
    }

    public init(requester: String, subject: Subject, system: String, environment: String, entitlement: String,
                scope: String?, access: AccessLevel, revocationTriggers: [RevocationTrigger], ticket: String?,
                incident: String?, breakGlass: Bool) {
        self.requester = requester; self.subject = subject; self.system = system; self.environment = environment
        self.entitlement = entitlement; self.scope = scope; self.access = access
        self.revocationTriggers = revocationTriggers; self.ticket = ticket; self.incident = incident
        self.breakGlass = breakGlass
    }
}

/// The review a break-glass grant leaves behind.
public struct IncidentReview: Sendable, Hashable, Codable {
    /// An approver expression (`group:security-reviewers`).
    public var reviewers: String
    public var dueAt: Date
    public var completedAt: Date?
    public var completedBy: String?
    public var rationale: String?

    public init(reviewers: String, dueAt: Date, completedAt: Date? = nil, completedBy: String? = nil, rationale: String? = nil) {
        self.reviewers = reviewers; self.dueAt = dueAt; self.completedAt = completedAt
        self.completedBy = completedBy; self.rationale = rationale
    }

    public var isCompleted: Bool { completedAt != nil }
    public func isOverdue(at now: Date) -> Bool { !isCompleted && now > dueAt }
}

/// What changes over a grant's life. Everything else in `Grant` is fixed when
/// it is issued, so the grant events after `grant_issued` fold into this alone
/// (see `GrantProjection`), and the store keeps it in a narrow row of its own:
/// the expiry sweep reads and rewrites only this.
public struct GrantStatus: Sendable, Hashable {
    public var requestID: String
    public var state: GrantState
    /// Approved length, extensions included.
    public var duration: TimeSpan
    /// Nil while awaiting provisioning, unless the request asked for a later
    /// start: then the earliest start, which provisioning cannot bring forward.
    public var startsAt: Date?
    public var expiresAt: Date?
    /// Where the clock starts at provisioning and the request asked for a
    /// window: its end, which the clock never runs past (moved by extensions
    /// approved before provisioning). Nil otherwise.
    public var endsBy: Date?
    public var provisioningAction: HandOffAction
    public var provisioning: ProvisioningState
    public var provisioningReason: String?
    public var provisioningAt: Date?
    public var endedAt: Date?
    public var endedBy: String?
    public var endReason: String?
    /// Approved extension requests, in order.
    public var extensions: [String]
    /// When the post-incident review is due; nil when the grant needs none.
    public var reviewDueAt: Date?
    public var reviewCompletedAt: Date?
    public var reviewCompletedBy: String?
    public var reviewRationale: String?

    public init(requestID: String, state: GrantState, duration: TimeSpan, startsAt: Date?, expiresAt: Date?,
                provisioningAction: HandOffAction = .grant, provisioning: ProvisioningState = .pending,
                provisioningReason: String? = nil, provisioningAt: Date? = nil, endedAt: Date? = nil,
                endedBy: String? = nil, endReason: String? = nil, extensions: [String] = [],
                reviewDueAt: Date? = nil, reviewCompletedAt: Date? = nil, reviewCompletedBy: String? = nil,
                reviewRationale: String? = nil, endsBy: Date? = nil) {
        self.requestID = requestID; self.state = state; self.duration = duration
        self.startsAt = startsAt; self.expiresAt = expiresAt; self.endsBy = endsBy
        self.provisioningAction = provisioningAction; self.provisioning = provisioning
        self.provisioningReason = provisioningReason; self.provisioningAt = provisioningAt
        self.endedAt = endedAt; self.endedBy = endedBy; self.endReason = endReason
        self.extensions = extensions; self.reviewDueAt = reviewDueAt; self.reviewCompletedAt = reviewCompletedAt
        self.reviewCompletedBy = reviewCompletedBy; self.reviewRationale = reviewRationale
    }

    /// Whether the grant needs someone: it is live or failed, provisioning has
    /// not confirmed its latest action, or its post-incident review is open.
    /// The store's `grant_status_live` index holds exactly these.
    public var needsAttention: Bool {
        state == .active || state == .awaitingProvisioning || state == .failed || provisioning != .done
            || (reviewDueAt != nil && reviewCompletedAt == nil)
    }
}

/// The access an approved request allows. It is the fold of the grant events of
/// that request and nothing else (see `GrantProjection`): what was granted,
/// fixed at issue, and its `status`, which the later events change.
public struct Grant: Sendable, Hashable {
    public var terms: GrantTerms
    public var approvedAt: Date
    /// Who approved (people), or `policy:<rule>`.
    public var approvers: [String]
    public var policyVersion: String
    public var selfActivated: Bool
    /// Who must complete the post-incident review (an approver expression); nil when none is needed.
    public var reviewers: String?
    public var status: GrantStatus
    /// Who, besides its requester, asked for this access
    /// (`RequestRecord.authors`). Not part of what was granted, and not
    /// stored with it: a store reads it from the request's record where an
    /// extension of the grant is judged (`Lifecycle.separationOfDuties`);
    /// empty elsewhere.
    public var authors: [String] = []

    /// This grant with its `authors` read from `record`, its request's
    /// record: to judge an extension of it. Unchanged without one.
    public func withAuthors(from record: RequestRecord?) -> Grant {
        guard let record else { return self }
        var grant = self
        grant.authors = record.authors
        return grant
    }

    // The status, read and written in place: `grant.state`, `grant.expiresAt`, ...
    public var state: GrantState { get { status.state } set { status.state = newValue } }
    public var duration: TimeSpan { get { status.duration } set { status.duration = newValue } }
    public var startsAt: Date? { get { status.startsAt } set { status.startsAt = newValue } }
    public var expiresAt: Date? { get { status.expiresAt } set { status.expiresAt = newValue } }
    public var provisioningAction: HandOffAction { get { status.provisioningAction } set { status.provisioningAction = newValue } }
    public var provisioning: ProvisioningState { get { status.provisioning } set { status.provisioning = newValue } }
    public var provisioningReason: String? { get { status.provisioningReason } set { status.provisioningReason = newValue } }
    public var provisioningAt: Date? { get { status.provisioningAt } set { status.provisioningAt = newValue } }
    public var endedAt: Date? { get { status.endedAt } set { status.endedAt = newValue } }
    public var endedBy: String? { get { status.endedBy } set { status.endedBy = newValue } }
    public var endReason: String? { get { status.endReason } set { status.endReason = newValue } }
    public var extensions: [String] { get { status.extensions } set { status.extensions = newValue } }

    public init(requestID: String, terms: GrantTerms, state: GrantState, approvedAt: Date, approvers: [String],
                policyVersion: String, duration: TimeSpan, startsAt: Date?, expiresAt: Date?, selfActivated: Bool,
                provisioningAction: HandOffAction = .grant, provisioning: ProvisioningState = .pending,
                provisioningReason: String? = nil, provisioningAt: Date? = nil, endedAt: Date? = nil,
                endedBy: String? = nil, endReason: String? = nil, extensions: [String] = [],
                incidentReview: IncidentReview? = nil, endsBy: Date? = nil) {
        self.terms = terms; self.approvedAt = approvedAt; self.approvers = approvers
        self.policyVersion = policyVersion; self.selfActivated = selfActivated
        self.reviewers = incidentReview?.reviewers
        status = GrantStatus(requestID: requestID, state: state, duration: duration, startsAt: startsAt,
                             expiresAt: expiresAt, provisioningAction: provisioningAction, provisioning: provisioning,
                             provisioningReason: provisioningReason, provisioningAt: provisioningAt, endedAt: endedAt,
                             endedBy: endedBy, endReason: endReason, extensions: extensions,
                             reviewDueAt: incidentReview?.dueAt, reviewCompletedAt: incidentReview?.completedAt,
                             reviewCompletedBy: incidentReview?.completedBy, reviewRationale: incidentReview?.rationale,
                             endsBy: endsBy)
    }

    public init(terms: GrantTerms, approvedAt: Date, approvers: [String], policyVersion: String, selfActivated: Bool,
                reviewers: String?, status: GrantStatus) {
        self.terms = terms; self.approvedAt = approvedAt; self.approvers = approvers
        self.policyVersion = policyVersion; self.selfActivated = selfActivated; self.reviewers = reviewers
        self.status = status
    }

    public var requestID: String { get { status.requestID } set { status.requestID = newValue } }

    /// `items` in expiry order: soonest expiry first, grants without one after
    /// them, then oldest approval first. Sorts on extracted keys: comparing
    /// grants themselves copies their many strings at every comparison, ten
    /// times slower on 100,000 grants.
    @inlinable
    public static func inExpiryOrder<Item>(_ items: [Item], grant: (Item) -> Grant) -> [Item] {
        let keys = items.map { item -> (Double, Double) in
            let grant = grant(item)
            return (grant.expiresAt?.timeIntervalSinceReferenceDate ?? .infinity, grant.approvedAt.timeIntervalSinceReferenceDate)
        }
        let order = items.indices.sorted { a, b in
            if keys[a] != keys[b] { return keys[a] < keys[b] }
            return grant(items[a]).requestID < grant(items[b]).requestID
        }
        return order.map { items[$0] }
    }

    /// The post-incident review, when the grant needs one.
    public var incidentReview: IncidentReview? {
        get {
            guard let reviewers, let dueAt = status.reviewDueAt else { return nil }
            return IncidentReview(reviewers: reviewers, dueAt: dueAt, completedAt: status.reviewCompletedAt,
                                  completedBy: status.reviewCompletedBy, rationale: status.reviewRationale)
        }
        set {
            reviewers = newValue?.reviewers
            status.reviewDueAt = newValue?.dueAt
            status.reviewCompletedAt = newValue?.completedAt
            status.reviewCompletedBy = newValue?.completedBy
            status.reviewRationale = newValue?.rationale
        }
    }

    /// Time left at `now`, nil when the clock has not started or the grant ended.
    public func remaining(at now: Date) -> TimeInterval? {
        guard state == .active, let expiresAt else { return nil }
        return expiresAt.timeIntervalSince(now)
    }

    /// Whether provisioning still owes a confirmation for the latest action.
    public var awaitsProvisioning: Bool { provisioning != .done }
}

/// What about a grant needs someone's attention, for lists and the console.
public enum GrantFlag: Sendable, Hashable {
    case breakGlass
    case selfActivated
    /// Approved, but provisioning has not confirmed it; how long since approval.
    case notProvisioned(since: Date)
    /// Provisioning reported a failure for the latest action.
    case provisioningFailed(action: HandOffAction, reason: String)
    /// Ended (expired or revoked) but provisioning has not confirmed removal.
    case endedNotRemoved(since: Date)
    case reviewDue(Date)
    case reviewOverdue(Date)

    /// Short words for a list column.
    public func label(at now: Date) -> String {
        switch self {
        case .breakGlass: "BREAK-GLASS"
        case .selfActivated: "SELF-ACTIVATED"
        case let .notProvisioned(since): "not provisioned (\(TimeSpan.ago(since, now)))"
        case let .provisioningFailed(action, _): "\(action.rawValue) FAILED"
        case let .endedNotRemoved(since): "not removed (\(TimeSpan.ago(since, now)))"
        case let .reviewDue(at): "review due in \(TimeSpan.between(now, at))"
        case let .reviewOverdue(at): "REVIEW OVERDUE \(TimeSpan.ago(at, now))"
        }
    }

    public var isWarning: Bool {
        switch self {
        case .breakGlass, .selfActivated, .reviewDue: false
        case .notProvisioned, .provisioningFailed, .endedNotRemoved, .reviewOverdue: true
        }
    }
}

extension Grant {
    public func flags(at now: Date) -> [GrantFlag] {
        var flags: [GrantFlag] = []
        if terms.breakGlass { flags.append(.breakGlass) }
        if selfActivated { flags.append(.selfActivated) }
        switch provisioning {
        case .failed:
            flags.append(.provisioningFailed(action: provisioningAction, reason: provisioningReason ?? ""))
        case .pending, .handedOff:
            if provisioningAction == .grant, state.isLive {
                flags.append(.notProvisioned(since: approvedAt))
            } else if !state.isLive, let endedAt {
                flags.append(.endedNotRemoved(since: endedAt))
            }
        case .done:
            break
        }
        if let review = incidentReview, !review.isCompleted {
            flags.append(review.isOverdue(at: now) ? .reviewOverdue(review.dueAt) : .reviewDue(review.dueAt))
        }
        return flags
    }

    /// `5h12m left`, `expired 2d ago`, `starts at provisioning`, `revoked`.
    public func timeLeftText(at now: Date) -> String {
        switch state {
        case .awaitingProvisioning:
            if let startsAt, startsAt > now { return "starts at provisioning, in \(TimeSpan.between(now, startsAt)) at the earliest" }
            return "starts at provisioning"
        case .failed: return "reported not granted (revoke to be sure it holds no access)"
        case .expired: return "expired " + TimeSpan.ago(expiresAt ?? endedAt ?? now, now)
        case .revoked: return "revoked " + TimeSpan.ago(endedAt ?? now, now)
        case .active:
            guard let expiresAt else { return "active" }
            if expiresAt <= now { return "due to expire (expired \(TimeSpan.ago(expiresAt, now)))" }
            if let startsAt, startsAt > now { return "starts in \(TimeSpan.between(now, startsAt))" }
            return "\(TimeSpan.between(now, expiresAt)) left"
        }
    }
}

extension TimeSpan {
    /// The time from `from` to `to`, to the minute, at most two units: `5h12m`, `3d4h`, `under 1m`.
    public static func between(_ from: Date, _ to: Date) -> String {
        let seconds = Int(to.timeIntervalSince(from))
        guard seconds >= 60 else { return "under 1m" }
        var rest = seconds / 60 * 60
        var parts: [String] = []
        for (unit, size) in units.dropFirst() where rest >= size && parts.count < 2 {
            parts.append("\(rest / size)\(unit)")
            rest %= size
        }
        return parts.joined()
    }

    /// `3h ago`-style text for a past moment.
    public static func ago(_ past: Date, _ now: Date) -> String {
        let text = between(past, now)
        return text == "under 1m" ? "just now" : text + " ago"
    }
}
