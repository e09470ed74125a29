import Foundation
import SignoffCore

/// Every operation that writes the store, by name. The permission check, the
/// command line and the console name operations with it; a new operation is a
/// new case, and the compiler then points at every place that must consider it.
public enum Operation: String, Sendable, Hashable, CaseIterable {
    case submit
    case approve
    case deny
    case withdraw
    case revoke
    case fireTrigger = "trigger"
    case extend
    case selfActivate = "self_activate"
    case reviewIncident = "review_incident"
    case reportProvisioned = "provisioned"
    case reportProvisioningFailed = "provisioning_failed"
    case applyPolicy = "policy_apply"
    case configureHandOff = "handoff_set"
    case changeSettings = "settings"
    case retryHandOff = "handoff_retry"
    case sweep = "expire"
    /// Notification delivery's bookkeeping: plan what time brings, claim, record outcomes.
    case deliverNotifications = "notify_run"
    case retryNotifications = "notify_retry"
    /// Recording what an identity platform's export shows against the grants.
    case reconcile
    /// Accepting a reconciliation finding as an exception.
    case exceptFinding = "finding_except"
    /// Sending a reconciliation finding's access to provisioning for removal.
    case requestRemoval = "finding_remove"
    /// Tickets imported as requests by an intake agent (`signoff import jira`).
    case importTickets = "import"
    /// Delivering ticket comments and transitions from the outbox (`signoff import jira`).
    case deliverTicketUpdates = "jira_write_back"
}

/// **Seam (a): who may ask for what.** Every command passes through `check`
/// inside its write transaction, after the policy in force is read and before
/// anything is decided; a refusal here is recorded as an `action_refused`
/// event (who tried, and why not), committed, and the command fails.
///
/// The policy's roles decide the administrative and operational actions
/// (`RoleAction`): applying a policy, setting the hand-off, changing the
/// store's settings, reporting provisioning, firing a revocation trigger,
/// delivering notifications. An
/// action no role grants is held by the account that created the store, and
/// before any policy is in force only that account may administer it (the
/// first policy of a new store is applied by its creator). Who may review,
/// withdraw, revoke, extend or self-activate depends on the request, and is
/// decided (and its refusals recorded) by `Lifecycle`.
public enum Permissions {
    /// What the actor asks for, as far as the check needs it.
    public struct Ask: Sendable {
        public var operation: Operation
        /// The role permission the operation needs, if any (`StoreCommand.permission`).
        public var permission: RolePermission?
        public var actor: Principal
        /// Who created the store (its `store_created` event); nil for a store made before that was recorded.
        public var storeCreator: Principal?
        public var at: Date
    }

    /// Throws the refusal when the actor may not ask for the operation at all
    /// under `policy` (nil: none in force, for the operations that run without one).
    public static func check(_ ask: Ask, policy: Policy?) throws(Refusal) {
        switch ask.operation {
        case .submit, .approve, .deny, .withdraw, .extend, .selfActivate, .reviewIncident, .revoke:
            // Decided per request by `Lifecycle` (requester, eligibility, separation of duties, who may revoke).
            return
        case .retryHandOff, .sweep, .deliverTicketUpdates:
            // Housekeeping: acts only on what is due or pending; any identity that can write the store.
            return
        case .deliverNotifications, .retryNotifications:
            // Changing a notification's delivery can keep it from being sent:
            // the policy's deliverers only (`deliver_notifications`). Not
            // recorded as a refusal: a timer would record one a minute.
            let permission = ask.permission ?? RolePermission(.deliverNotifications)
            if let refusal = permission.refusal(for: ask.actor.name, policy: policy, storeCreator: ask.storeCreator?.name,
                                                at: ask.at) {
                throw refusal
            }
        case .applyPolicy, .configureHandOff, .changeSettings, .fireTrigger, .reportProvisioned, .reportProvisioningFailed, .reconcile,
             .exceptFinding, .requestRemoval:
            guard let permission = ask.permission else {
                throw Refusal(.notEligible, "\(ask.operation.rawValue) names no permission to check; nothing was done")
            }
            if let refusal = permission.refusal(for: ask.actor.name, policy: policy, storeCreator: ask.storeCreator?.name,
                                                at: ask.at) {
                throw refusal
            }
        case .importTickets:
            // An import submits on behalf of each ticket's reporter: only the policy's intake agents may.
            guard let policy, policy.isIntakeAgent(ask.actor.name) else {
                throw Refusal(.notEligible, "\(ask.actor.name) is not an intake agent of the policy, so it may not import tickets on behalf of their reporters; run the import as one (directory.intake_agents)")
            }
        }
    }
}

extension Operation {
    /// How a refused attempt at this operation is named in its `action_refused` event.
    public var attempted: AttemptedAction? {
        switch self {
        case .submit: .submit
        case .withdraw: .withdraw
        case .extend: .extend
        case .revoke: .revoke
        case .fireTrigger: .fireTrigger
        case .selfActivate: .selfActivate
        case .reviewIncident: .reviewIncident
        case .reportProvisioned, .reportProvisioningFailed: .reportProvisioning
        case .applyPolicy: .applyPolicy
        case .configureHandOff: .configureHandOff
        case .changeSettings: .changeSettings
        case .reconcile: .reconcile
        case .exceptFinding: .exceptFinding
        case .requestRemoval: .requestRemoval
        case .importTickets: .submit  // an import submits on behalf of the tickets' reporters
        case .approve, .deny, .retryHandOff, .sweep, .deliverNotifications, .retryNotifications, .deliverTicketUpdates: nil  // reviews are refused as review_refused; housekeeping's refusals are not recorded (a timer would repeat them)
        }
    }
}

extension SignedAction {
    /// How a refused attempt at a signed action is named in its `action_refused`
    /// event; nil for reviews, which are refused as `review_refused`.
    public var attempted: AttemptedAction? {
        switch self {
        case .approve, .deny: nil
        case .revoke: .revoke
        case .fireTrigger: .fireTrigger
        case .withdraw: .withdraw
        case .submit: .submit
        case .revise: .revise
        case .extend: .extend
        case .selfActivate: .selfActivate
        case .reviewIncident: .reviewIncident
        case .reportProvisioning: .reportProvisioning
        case .exceptFinding: .exceptFinding
        case .requestRemoval: .requestRemoval
        case .applyPolicy: .applyPolicy
        case .configureHandOff: .configureHandOff
        case .changeSettings: .changeSettings
        }
    }
}
