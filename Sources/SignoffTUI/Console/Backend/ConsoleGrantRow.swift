import Foundation
import SignoffCore

/// One grant as the Expiring and Break-glass lists show it. It keeps the grant
/// as Core folds it, so flags and time left are Core's words (the same as
/// `signoff grants`) and are computed at draw time from the model's clock.
/// Only grants that need someone are loaded (live ones, ends provisioning has
/// not confirmed, failures, open reviews): far fewer than requests.
public struct ConsoleGrantRow: Sendable, Hashable {
    public var grant: Grant
    /// Whether the grant concerns my people or my systems (`Responsibility.covers`),
    /// for the manager's filter of the Expiring list.
    public var responsible: Bool
    /// Why I may not revoke this grant (the policy's rules and roles), said
    /// before a rationale is typed; nil when I may.
    public var revokeRefusal: String?
    /// Why I may not complete its post-incident review; nil when I may.
    public var reviewRefusal: String?
    /// What reconciliation last saw of the grant; nil when no run has covered it.
    public var reconciliation: GrantReconciliation?
    /// What is wrong in the grant's history (decisions signoff does not
    /// record, appended to the store by hand), as "event N: problem"; empty
    /// when nothing is (`Store.grantHistoryProblems`).
    public var disputed: [String]

    public init(grant: Grant, responsible: Bool, revokeRefusal: String? = nil, reviewRefusal: String? = nil,
                reconciliation: GrantReconciliation? = nil, disputed: [String] = []) {
        self.grant = grant
        self.responsible = responsible
        self.revokeRefusal = revokeRefusal
        self.reviewRefusal = reviewRefusal
        self.reconciliation = reconciliation
        self.disputed = disputed
    }

    /// Whether reconciliation has seen the grant carried out.
    public var confirmation: GrantConfirmation { GrantConfirmation(grant, reconciliation) }

    /// The request the grant belongs to; a grant has no ID of its own.
    public var id: String { grant.requestID }
    public var terms: GrantTerms { grant.terms }

    /// A post-incident review is waiting for someone.
    public var reviewOpen: Bool { grant.incidentReview.map { !$0.isCompleted } ?? false }

    /// Ended or failed, and provisioning has not confirmed the removal (or the failure needs a person).
    var endedUnconfirmed: Bool { !grant.state.isLive && grant.provisioning != .done }

    /// Every field the filter searches, like `ConsoleRow.forEachSearchField`.
    func forEachSearchField(_ body: (String) -> Void) {
        body(id)
        if !disputed.isEmpty { body(GrantColumn.disputedText) }
        body(grant.state.rawValue.replacingOccurrences(of: "_", with: " "))
        body(terms.subject.kind.label)
        body(terms.subject.name)
        body(terms.subject.owner)
        body(terms.requester)
        body(terms.system)
        body(terms.environment)
        body(terms.entitlement)
        body(terms.access.rawValue)
        if let scope = terms.scope { body(scope) }
        if let ticket = terms.ticket { body(ticket) }
        if let incident = terms.incident { body(incident) }
        if terms.breakGlass { body("break-glass") }
        if grant.selfActivated { body("self-activated") }
        for approver in grant.approvers { body(approver) }
        if let review = grant.incidentReview { body(review.reviewers) }
        body("provisioning \(grant.provisioning.rawValue.replacingOccurrences(of: "_", with: " "))")
        if let words = GrantColumn.reconciliationText(confirmation) { body(words) }
    }
}
