import Foundation
import SignoffCore

/// A decision being written: what is decided, against which version, and the
/// rationale so far. It copies the request the approver was shown, so a reload
/// underneath can never change what the panel restates or the version it sends.
public struct DecisionDraft: Sendable, Hashable {
    public var id: String
    public var verdict: Verdict
    /// The request version shown when the panel opened; sent with the review.
    public var shownVersion: Int
    public var request: AccessRequest
    public var rationale: String
    /// A refusal or failure from the last submission, shown in the panel.
    public var problem: String?
    /// Set when a reload showed a newer version than the one being decided.
    public var changedUnderneath: Bool

    public init(id: String, verdict: Verdict, shownVersion: Int, request: AccessRequest, rationale: String = "") {
        self.id = id
        self.verdict = verdict
        self.shownVersion = shownVersion
        self.request = request
        self.rationale = rationale
        self.problem = nil
        self.changedUnderneath = false
    }

    /// Characters that count toward the policy's minimum.
    public var rationaleLength: Int {
        rationale.trimmingCharacters(in: .whitespacesAndNewlines).count
    }

    /// Approving these needs a second, typed confirmation.
    public var needsConfirmation: Bool {
        verdict == .approve && (request.breakGlass || (RiskCue.isProduction(request.environment) && request.access == .admin))
    }

    /// Words for the confirmation screen's title.
    public var confirmationReason: String {
        var reasons: [String] = []
        if RiskCue.isProduction(request.environment) && request.access == .admin { reasons.append("PRODUCTION ADMIN") }
        if request.breakGlass { reasons.append("BREAK-GLASS") }
        return reasons.joined(separator: " + ")
    }
}
