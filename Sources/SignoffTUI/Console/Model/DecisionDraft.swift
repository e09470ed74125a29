import Foundation
import SignoffCore

/// What a grant's rationale panel records.
public enum GrantAction: String, Sendable, Hashable {
    /// End the grant early.
    case revoke
    /// Complete its post-incident review.
    case completeIncidentReview

    /// The noun for status lines: "revocation of REQ-000001 recorded".
    var noun: String { self == .revoke ? "revocation" : "post-incident review" }
}

/// What a rationale panel records: a decision on a request, or an action on a grant.
public enum DraftAction: Sendable, Hashable {
    case decide(Verdict)
    case grant(GrantAction)
}

/// A decision being written: what is decided, against which version, and the
/// rationale so far. It copies the request the approver was shown, so a reload
/// underneath can never change what the panel restates or the version it sends.
/// Grant actions (revoke, complete a review) use the same panel and editing;
/// they copy the grant instead.
public struct DecisionDraft: Sendable, Hashable {
    public var id: String
    public var action: DraftAction
    /// The request version shown when the panel opened; sent with the review.
    public var shownVersion: Int
    public var request: AccessRequest
    /// The grant acted on, as shown when the panel opened; nil for decisions.
    public var grant: Grant?
    public var rationale: String
    /// Which step an approval counts for and what it still needs, in words,
    /// from the detail shown when the panel opened; nil when not known.
    public var step: String?
    /// The approvals the request's steps held when `step` was last worked
    /// out: whether a new `step` came from another decision or from the
    /// clock (a rotation's turn, a delegation's end); nil when not known.
    public var approvalsSeen: Int?
    /// For an extension, what this decision does to the grant it extends, in
    /// words, from the detail shown when the panel opened; nil otherwise.
    public var extending: String?
    /// The request version a kept rationale was written for, when that is
    /// not the version now decided: nothing is submitted until the rationale
    /// is edited (read again against what changed); nil otherwise.
    public var rationaleWrittenFor: Int?
    /// Why the approver may no longer decide this request, when a reload
    /// says so (the policy changed, a delegation ended): nothing is submitted.
    public var noLongerEligible: String?
    /// A refusal or failure from the last submission, shown in the panel.
    public var problem: String?
    /// Set when a reload showed a newer version than the one being decided.
    public var changedUnderneath: Bool

    public init(id: String, verdict: Verdict, shownVersion: Int, request: AccessRequest, rationale: String = "") {
        self.id = id
        self.action = .decide(verdict)
        self.shownVersion = shownVersion
        self.request = request
        self.grant = nil
        self.rationale = rationale
        self.step = nil
        self.extending = nil
        self.rationaleWrittenFor = nil
        self.noLongerEligible = nil
        self.problem = nil
        self.changedUnderneath = false
    }

    public init(grant: Grant, action: GrantAction, rationale: String = "") {
        let terms = grant.terms
        self.id = grant.requestID
        self.action = .grant(action)
        self.shownVersion = 0
        self.request = AccessRequest(requester: terms.requester, subject: terms.subject, system: terms.system,
                                     environment: terms.environment, entitlement: terms.entitlement, scope: terms.scope,
                                     access: terms.access, purpose: "", duration: grant.duration,
                                     revocationTriggers: terms.revocationTriggers, ticket: terms.ticket,
                                     breakGlass: terms.breakGlass, incident: terms.incident)
        self.grant = grant
        self.rationale = rationale
        self.step = nil
        self.extending = nil
        self.rationaleWrittenFor = nil
        self.noLongerEligible = nil
        self.problem = nil
        self.changedUnderneath = false
    }

    /// The verdict of a decision; nil for grant actions.
    public var verdict: Verdict? {
        if case let .decide(verdict) = action { return verdict }
        return nil
    }

    public var grantAction: GrantAction? {
        if case let .grant(action) = action { return action }
        return nil
    }

    /// Where a closed panel's rationale is kept: one draft per request and action,
    /// so a denial's draft never turns up in an approval of the same request,
    /// nor a revocation's in a review of the same grant.
    var draftKey: String {
        switch action {
        case let .decide(verdict): DecisionDraft.key(id: id, verdict: verdict)
        case let .grant(action): DecisionDraft.key(id: id, action: action)
        }
    }

    static func key(id: String, action: GrantAction) -> String { "\(action.rawValue) \(id)" }
    static func key(id: String, verdict: Verdict) -> String { "\(verdict.rawValue) \(id)" }

    /// Characters that count toward the policy's minimum, as the store counts them.
    public var rationaleLength: Int { Lifecycle.rationaleLength(rationale) }

    /// Approving these needs a second, typed confirmation: break-glass, and
    /// admin access to an environment the policy in force treats as production.
    public func needsConfirmation(production: ProductionEnvironments) -> Bool {
        verdict == .approve && (request.breakGlass || isProductionAdmin(production))
    }

    private func isProductionAdmin(_ production: ProductionEnvironments) -> Bool {
        production.contains(request.environment) && request.access == .admin
    }

    /// Words for the confirmation screen's title.
    public func confirmationReason(production: ProductionEnvironments) -> String {
        var reasons: [String] = []
        if isProductionAdmin(production) { reasons.append("PRODUCTION ADMIN") }
        if request.breakGlass { reasons.append("BREAK-GLASS") }
        return reasons.joined(separator: " + ")
    }
}
