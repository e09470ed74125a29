import Foundation
import SignoffCore

/// A grant and where it stands (`signoff.grant-status/1`): what was granted,
/// its times, provisioning, how it ended, its post-incident review and flags.
/// `signoff grants` lists these; `show`, `wait` and the write commands embed
/// one. Each is read with what reconciliation last saw of the grant.
struct GrantStatusJSON: JSONDocument {
    static let schema: StaticString = "signoff.grant-status/1"
    var grant: Grant
    /// What reconciliation last saw of the grant; nil when no run has covered it.
    var reconciliation: GrantReconciliation?
    var now: Date
    /// What `audit verify` names in the grant's history, where the caller
    /// replayed it (`signoff grants`): empty when nothing; nil leaves it out.
    var disputed: [String]? = nil

    func members(_ json: inout JSONOutput) {
        let terms = grant.terms
        json.field("request_id", grant.requestID)
        json.field("state", grant.state.rawValue)
        json.accessFields(terms)
        json.field("ticket", terms.ticket)
        json.field("incident", terms.incident)
        json.field("break_glass", terms.breakGlass)
        json.field("self_activated", grant.selfActivated)
        json.key("revocation_triggers"); RequestJSON.triggers(terms.revocationTriggers, &json)
        json.field("approved_at", time: grant.approvedAt)
        json.field("approvers", grant.approvers)
        json.field("policy_version", grant.policyVersion)
        RequestJSON.duration(grant.duration, &json)
        json.field("starts_at", time: grant.startsAt)
        json.field("expires_at", time: grant.expiresAt)
        json.field("ends_by", time: grant.status.endsBy)
        json.field("remaining_seconds", grant.remaining(at: now).map { Int($0.rounded(.down)) })
        json.field("time_left_text", grant.timeLeftText(at: now))
        json.key("provisioning")
        json.beginObject()
        json.field("action", grant.provisioningAction.rawValue)
        json.field("state", grant.provisioning.rawValue)
        json.field("reason", grant.provisioningReason)
        json.field("at", time: grant.provisioningAt)
        json.endObject()
        json.field("ended_at", time: grant.endedAt)
        json.field("ended_by", grant.endedBy)
        json.field("end_reason", grant.endReason)
        json.field("extensions", grant.extensions)
        json.key("incident_review")
        if let review = grant.incidentReview {
            json.beginObject()
            json.field("reviewers", review.reviewers)
            json.field("due_at", time: review.dueAt)
            json.field("completed_at", time: review.completedAt)
            json.field("completed_by", review.completedBy)
            json.field("rationale", review.rationale)
            json.field("overdue", review.isOverdue(at: now))
            json.endObject()
        } else {
            json.null()
        }
        json.key("flags")
        json.beginArray()
        for flag in grant.flags(at: now) { Self.write(flag, now: now, &json) }
        json.endArray()
        Self.write(reconciliation, of: grant, &json)
        if let disputed { json.field("disputed", disputed) }
    }

    /// `reconciliation`: whether a run has seen the grant carried out (its
    /// access there while live, gone once ended), and the runs behind that.
    static func write(_ seen: GrantReconciliation?, of grant: Grant, _ json: inout JSONOutput) {
        let confirmation = GrantConfirmation(grant, seen)
        json.key("reconciliation")
        json.beginObject()
        json.field("status", confirmation.rawValue)
        json.field("confirmed", confirmation.isConfirmed)
        json.key("present")
        if let present = seen?.present { json.bool(present) } else { json.null() }
        json.field("last_run", seen.map { Int($0.run) })
        json.field("last_run_at", time: seen?.seenAt)
        json.field("last_present_run", seen?.presentRun.map { Int($0) })
        json.field("last_present_at", time: seen?.presentAt)
        json.endObject()
    }

    /// A flag as data: its kind, the moment it refers to, and for a failed
    /// provisioning the action and reason; `text` is the list's words for it.
    static func write(_ flag: GrantFlag, now: Date, _ json: inout JSONOutput) {
        let kind: String
        var at: Date?
        var action: HandOffAction?
        var reason: String?
        switch flag {
        case .breakGlass: kind = "break_glass"
        case .selfActivated: kind = "self_activated"
        case let .notProvisioned(since): kind = "not_provisioned"; at = since
        case let .provisioningFailed(failed, why): kind = "provisioning_failed"; action = failed; reason = why
        case let .endedNotRemoved(since): kind = "ended_not_removed"; at = since
        case let .reviewDue(due): kind = "review_due"; at = due
        case let .reviewOverdue(due): kind = "review_overdue"; at = due
        }
        json.beginObject()
        json.field("kind", kind)
        json.field("at", time: at)
        json.field("action", action?.rawValue)
        json.field("reason", reason)
        json.field("warning", flag.isWarning)
        json.field("text", flag.label(at: now))
        json.endObject()
    }
}

/// A post-incident review of a break-glass grant (`signoff.incident-review/1`).
struct IncidentReviewJSON: JSONDocument {
    static let schema: StaticString = "signoff.incident-review/1"
    var grant: Grant
    var reconciliation: GrantReconciliation?
    var review: IncidentReview
    var now: Date
    /// As `GrantStatusJSON.disputed`, for its grant.
    var disputed: [String]? = nil

    func members(_ json: inout JSONOutput) {
        json.field("request_id", grant.requestID)
        json.field("status", review.isCompleted ? "completed" : review.isOverdue(at: now) ? "overdue" : "due")
        json.field("reviewers", review.reviewers)
        json.field("due_at", time: review.dueAt)
        json.field("due_in_seconds", Int(review.dueAt.timeIntervalSince(now).rounded(.down)))
        json.field("completed_at", time: review.completedAt)
        json.field("completed_by", review.completedBy)
        json.field("rationale", review.rationale)
        json.key("grant")
        GrantStatusJSON(grant: grant, reconciliation: reconciliation, now: now, disputed: disputed).write(&json)
    }
}
