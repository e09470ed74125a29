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
    case retryHandOff = "handoff_retry"
    case sweep = "expire"
    /// Notification delivery's bookkeeping: plan what time brings, claim, record outcomes.
    case deliverNotifications = "notify_run"
    case retryNotifications = "notify_retry"
}

/// **Seam (a): who may ask for what.** Every command passes through `check`
/// inside its write transaction, after the policy in force is read and before
/// anything is decided; a refusal here stops the command before `Lifecycle` is
/// asked.
///
/// Today the rules about *who* live where they are decided (in `Lifecycle`:
/// only eligible approvers review, only the requester withdraws, only the
/// people a grant concerns revoke it, only named intake agents submit for
/// others) and the identity itself is settled when the command is opened
/// (`--as` only in a store that trusts it). Policy roles (administrators,
/// provisioners, trigger sources, revokers) belong here: one case per
/// operation, so every operation is considered when a role is added.
public enum Permissions {
    /// Throws the refusal when `actor` may not ask for `operation` at all
    /// under `policy` (nil: none in force, for the operations that run without one).
    public static func check(_ operation: Operation, by actor: Principal, policy: Policy?) throws(Refusal) {
        switch operation {
        case .submit, .approve, .deny, .withdraw, .extend, .selfActivate, .reviewIncident:
            // Decided per request by `Lifecycle` (requester, eligibility, separation of duties).
            return
        case .revoke, .fireTrigger:
            // Who may revoke a grant is `Lifecycle.revoke`'s; triggers: any identity today.
            return
        case .reportProvisioned, .reportProvisioningFailed:
            // Any identity today; the policy's provisioners later.
            return
        case .applyPolicy, .configureHandOff:
            // Any identity that can write the store today; the policy's administrators later.
            return
        case .retryHandOff, .sweep, .deliverNotifications, .retryNotifications:
            // Housekeeping: acts only on what is due or pending; any identity.
            return
        }
    }
}
