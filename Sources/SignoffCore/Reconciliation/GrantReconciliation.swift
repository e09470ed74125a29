import Foundation

/// What reconciliation last saw of a grant: the latest run that covered it,
/// whether that run saw its access, and the last run that did. A grant is
/// done when reconciliation has seen it carried out: access there while it is
/// live, gone once it has ended.
public struct GrantReconciliation: Sendable, Hashable {
    /// Whether the latest run that covered the grant saw its access.
    public var present: Bool
    public var seenAt: Date
    /// The sequence of that run's `reconciliation_run` event.
    public var run: Int64
    /// The last run that saw the access, and when; nil if none ever did.
    public var presentAt: Date?
    public var presentRun: Int64?

    public init(present: Bool, seenAt: Date, run: Int64, presentAt: Date?, presentRun: Int64?) {
        self.present = present; self.seenAt = seenAt; self.run = run; self.presentAt = presentAt; self.presentRun = presentRun
    }
}

/// Whether reconciliation has confirmed a grant: its access seen while it is
/// live, its access gone once it has ended.
public enum GrantConfirmation: String, Sendable, Hashable, CaseIterable {
    /// Live, and the latest run that covered it saw its access.
    case confirmed
    /// Live, and the latest run that covered it did not see its access.
    case notSeen = "not_seen"
    /// Ended, and a run since it ended did not see its access.
    case removed
    /// Ended, and a run since it ended still saw its access.
    case stillPresent = "still_present"
    /// No run has covered it (since it ended, for an ended grant).
    case unchecked

    /// Whether reconciliation has seen the grant carried out.
    public var isConfirmed: Bool {
        switch self {
        case .confirmed, .removed: true
        case .notSeen, .stillPresent, .unchecked: false
        }
    }

    /// Short words for a list column.
    public var label: String {
        switch self {
        case .confirmed: "seen"
        case .notSeen: "NOT SEEN"
        case .removed: "removed"
        case .stillPresent: "STILL PRESENT"
        case .unchecked: "unchecked"
        }
    }

    /// Where `grant` stands, given what reconciliation last saw of it.
    public init(_ grant: Grant, _ seen: GrantReconciliation?) {
        // A run after the grant's expiry judges it ended, whether or not the sweep has ended it yet.
        let expiredBySeen = seen.flatMap { seen in grant.expiresAt.map { $0 <= seen.seenAt } } ?? false
        if grant.state.isLive, !expiredBySeen {
            guard let seen else { self = .unchecked; return }
            self = seen.present ? .confirmed : .notSeen
        } else {
            // A run before the grant ended says nothing about its removal.
            guard let seen, seen.seenAt >= Reconciliation.endTime(grant.status, approvedAt: grant.approvedAt) else {
                self = .unchecked
                return
            }
            self = seen.present ? .stillPresent : .removed
        }
    }
}

extension GrantConfirmation {
    /// One sentence for a grant's detail: what the runs behind this saw,
    /// times written by `time` (RFC 3339 by default, as the CLI writes them).
    public func sentence(_ seen: GrantReconciliation?, time: (Date) -> String = UTCTime.text) -> String {
        guard let seen else { return "no run has covered it" }
        let latest = "run \(seen.run) at \(time(seen.seenAt))"
        switch self {
        case .confirmed: return "access seen by \(latest)"
        case .notSeen:
            return "access not seen by \(latest); "
                + (seen.presentRun.map { run in "last seen by run \(run)" + (seen.presentAt.map { " at \(time($0))" } ?? "") } ?? "never seen")
        case .removed: return "access gone, as \(latest) saw"
        case .stillPresent: return "access STILL PRESENT after the grant ended, seen by \(latest)"
        case .unchecked: return "no run has covered it since it ended (the last was \(latest))"
        }
    }
}
