import Foundation
import SignoffCore
import SignoffStore

/// The sweep, shared by `signoff expire` and the benchmark.
public enum Sweep {
    /// What one sweep recorded, by request ID.
    public struct Outcome: Sendable, Equatable {
        public var expired: [String] = []
        public var timedOut: [String] = []
    }

    /// Expires the grants due at `now`, then times out the requests older than
    /// the policy's pending timeout, appending each event as it is decided:
    /// a sweep over a hundred thousand grants keeps no list of their events.
    public static func run(_ tx: WriteTransaction, policy: Policy, actor: Principal, at now: Date) throws -> Outcome {
        var outcome = Outcome()
        try tx.forEachGrantDue(at: now) { status in
            guard let event = Lifecycle.expire(status, by: actor, at: now) else { return }
            try tx.append(event)
            outcome.expired.append(status.requestID)
        }
        if let timeout = policy.pendingTimeout {
            let cutoff = now.addingTimeInterval(-TimeInterval(timeout.seconds))
            for record in try tx.openRecords(submittedBy: cutoff) {
                guard let event = Lifecycle.timeOut(record, policy: policy, by: actor, at: now) else { continue }
                try tx.append(event)
                outcome.timedOut.append(record.id)
            }
        }
        return outcome
    }
}
