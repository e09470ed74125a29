import Foundation
import SignoffCore

/// What one person may do with grants under one policy, asked before they
/// type a rationale: the console offers an action only to someone allowed to
/// take it and says why not otherwise. The write transaction decides again
/// (and records a refusal), so this only ever spares a person a wasted panel.
struct GrantPermissions: Sendable {
    let policy: Policy
    let person: String
    let storeCreator: String?
    let at: Date
    let responsibility: Responsibility

    init(policy: Policy, person: String, storeCreator: String?, at: Date) {
        self.policy = policy
        self.person = person
        self.storeCreator = storeCreator
        self.at = at
        responsibility = Responsibility(policy: policy, person: person)
    }

    /// `extensionApprovers`: who approved the grant's extensions
    /// (`Lifecycle.extensionApprovers`), who may revoke it too.
    func revokeRefusal(_ grant: Grant, extensionApprovers: [String]) -> String? {
        Lifecycle.revokePermission(grant, by: person, policy: policy, extensionApprovers: extensionApprovers,
                                   storeCreator: storeCreator, at: at)?.message
    }

    /// `extensionApprovers`: who approved the grant's extensions
    /// (`Lifecycle.extensionApprovers`), who may not judge its emergency either.
    func reviewRefusal(_ grant: Grant, extensionApprovers: [String]) -> String? {
        guard let review = grant.incidentReview, !review.isCompleted else { return nil }
        return Lifecycle.incidentReviewRefusal(grant, by: person, policy: policy, extensionApprovers: extensionApprovers, at: at)?.message
    }
}
