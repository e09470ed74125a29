import Foundation
import SignoffCore
import SignoffStore

/// The sweep's decisions, shared by `signoff expire` and the benchmark.
public enum Sweep {
    /// Expiries of grants due at `now`, then timeouts of requests older than the policy's pending timeout.
    public static func events(_ tx: WriteTransaction, policy: Policy, actor: Principal, at now: Date) throws -> [EventDraft] {
        var events = try tx.grantsDue(at: now).compactMap { Lifecycle.expire($0, by: actor, at: now) }
        if let timeout = policy.pendingTimeout {
            let cutoff = now.addingTimeInterval(-TimeInterval(timeout.seconds))
            events += try tx.openRecords(submittedBy: cutoff).compactMap { Lifecycle.timeOut($0, policy: policy, by: actor, at: now) }
        }
        return events
    }
}
