import Foundation

/// What `audit verify` asks of every review, approval and grant in a chain,
/// whoever wrote it. The store's own commands never record these wrongly, but
/// anyone who can write the store (every person mapped to a role of a
/// PostgreSQL store, through its append function; every member of a shared
/// store file's group) can append a well-chained event with any content in
/// their own name, which no hash and no signature of theirs can refuse. This
/// names the ones that give access no command gives:
///
/// - a review by someone separated from the request (its requester, its
///   submitter, the person who would receive the access), or by no person, or
///   of a version the request is not at, or of a decided request;
/// - an approval not backed by anything: "approved by" people without an
///   approval of the current version, or separated from the request; a rule's
///   approval of a request its route did not approve automatically; a
///   self-activation that is not the requester's own break-glass request;
/// - a grant that no approval immediately before it issued, or whose terms,
///   approvers or length are not what was approved; an extension that extends
///   another grant, or by more than was asked.
///
/// Not checked here (a replay of each decision under the policy in force
/// would): that the approvals satisfied every step's quorum and eligibility,
/// and that the routes are the policy's.
public struct DecisionCheck: Sendable {
    /// An approval, until the grant event that follows it in the same command.
    private struct Approval: Sendable {
        var by: [String]
        var selfActivated: Bool
        var terms: GrantTerms
        var duration: TimeSpan
        var extends: String?
    }
    private var approvals: [String: Approval] = [:]

    public init() {}

    /// Whether `check` needs the request `event` concerns as it stood before it.
    public static func needsRecord(_ body: EventBody) -> Bool {
        switch body {
        case .reviewRecorded: return true
        case let .requestDecided(decided): return decided.state == .approved
        case .policyApplied, .requestSubmitted, .requestRouted, .reviewRefused, .actionRefused, .requestWithdrawn,
             .grantIssued, .grantHandedOff, .grantProvisioned, .grantProvisioningFailed, .grantExpired, .grantRevoked,
             .grantExtended, .incidentReviewCompleted, .storeCreated, .settingsChanged, .schemaMigrated, .handOffConfigured,
             .reconciliationRun, .findingOpened, .findingResolved, .findingExcepted, .findingRemovalRequested,
             .removalHandedOff, .removalHandOffFailed, .requestRevised, .ticketLinked, .intakeRefused, .writeBackConfigured:
            return false
        }
    }

    /// Why no signoff command records `event`; nil when it may have.
    /// `record`: the request it concerns as it stood before it, where
    /// `needsRecord` (nil when the chain never submitted it).
    public mutating func problem(_ event: EventDraft, record: RequestRecord?) -> String? {
        switch event.body {
        case let .reviewRecorded(review):
            guard let record else { return "a review of a request no event submitted" }
            return Self.reviewProblem(review, by: event.actor, record: record)
        case let .requestDecided(decided):
            guard decided.state == .approved, let id = event.requestID else { return nil }
            guard let record else { return "an approval of a request no event submitted" }
            // Whatever is wrong with it, the grant after it is judged against it.
            approvals[id] = Approval(by: decided.by, selfActivated: decided.selfActivated == true,
                                     terms: GrantTerms(record: record), duration: record.request.duration,
                                     extends: record.request.extends)
            return Self.approvalProblem(decided, by: event.actor, record: record)
        case let .grantIssued(issued):
            guard let id = event.requestID else { return nil }
            guard let approval = approvals.removeValue(forKey: id), approval.extends == nil else {
                return "a grant that no approval of \(id) issued"
            }
            return Self.grantProblem(issued, approval: approval)
        case let .grantExtended(extended):
            guard let approval = approvals.removeValue(forKey: extended.extensionID) else {
                return "an extension by \(extended.extensionID), which no approval of it made"
            }
            if approval.extends != event.requestID {
                return "\(extended.extensionID) asked to extend \(approval.extends ?? "no grant"), not \(event.requestID ?? "this one")"
            }
            if extended.by > approval.duration {
                return "extends by \(extended.by), more than the \(approval.duration) \(extended.extensionID) asked for"
            }
            return nil
        case .policyApplied, .requestSubmitted, .requestRouted, .reviewRefused, .actionRefused, .requestWithdrawn,
             .grantHandedOff, .grantProvisioned, .grantProvisioningFailed, .grantExpired, .grantRevoked,
             .incidentReviewCompleted, .storeCreated, .settingsChanged, .schemaMigrated, .handOffConfigured,
             .reconciliationRun, .findingOpened, .findingResolved, .findingExcepted, .findingRemovalRequested,
             .removalHandedOff, .removalHandOffFailed, .requestRevised, .ticketLinked, .intakeRefused, .writeBackConfigured:
            return nil
        }
    }

    private static func isPerson(_ actor: Principal) -> Bool {
        switch actor.authentication {
        case .osAccount, .asserted, .postgresqlRole: return true
        case .policy, .system: return false
        }
    }

    private static func reviewProblem(_ review: EventBody.ReviewRecorded, by actor: Principal, record: RequestRecord) -> String? {
        guard isPerson(actor) else { return "a review by \(actor.name), who is not a person" }
        if let reason = Lifecycle.separationOfDuties(record, reviewer: actor.name) { return "a review signoff refuses: \(reason)" }
        if !record.state.isOpen { return "a review of \(record.id), which was already \(record.state.rawValue)" }
        if review.requestVersion != record.version {
            return "a review of version \(review.requestVersion) of \(record.id), which was at version \(record.version)"
        }
        return nil
    }

    private static func approvalProblem(_ decided: EventBody.RequestDecided, by actor: Principal, record: RequestRecord) -> String? {
        if !record.state.isOpen { return "approves \(record.id), which was already \(record.state.rawValue)" }
        if decided.selfActivated == true {
            guard isPerson(actor), decided.by == [actor.name], actor.name == record.requester else {
                return "a self-activation by \(decided.by.joined(separator: ", ")) of \(record.id), which \(record.requester) requested"
            }
            guard record.request.breakGlass, record.request.extends == nil else {
                return "a self-activation of \(record.id), which is not a break-glass request"
            }
            return nil
        }
        if actor.authentication == .policy {
            let rule = actor.name.hasPrefix("policy:") ? String(actor.name.dropFirst("policy:".count)) : actor.name
            guard decided.by == [actor.name], record.route == .autoApproved(rule: rule) else {
                return "an approval by rule \(rule), but the route of \(record.id) is \(record.route?.summary ?? "none")"
            }
            return nil
        }
        guard !decided.by.isEmpty else { return "an approval by nobody" }
        let approvals = Set(record.currentApprovals.map(\.reviewer.name))
        for name in decided.by {
            if let reason = Lifecycle.separationOfDuties(record, reviewer: name) { return "an approval signoff refuses: \(reason)" }
            if !approvals.contains(name) {
                return "approved by \(name), who has no approval of version \(record.version) of \(record.id)"
            }
        }
        return nil
    }

    private static func grantProblem(_ issued: EventBody.GrantIssued, approval: Approval) -> String? {
        if issued.terms != approval.terms { return "a grant whose terms are not those of the request approved" }
        if issued.approvers != approval.by {
            return "a grant whose approvers (\(issued.approvers.joined(separator: ", "))) are not the approval's (\(approval.by.joined(separator: ", ")))"
        }
        if issued.selfActivated != approval.selfActivated { return "a grant that says it was self-activated when its approval does not, or the reverse" }
        if issued.duration > approval.duration {
            return "a grant for \(issued.duration), longer than the \(approval.duration) requested"
        }
        if let starts = issued.startsAt, let expires = issued.expiresAt,
           expires.timeIntervalSince(starts) > TimeInterval(issued.duration.seconds) + 0.001 {
            return "a grant that expires later than its \(issued.duration) after it starts"
        }
        return nil
    }
}
