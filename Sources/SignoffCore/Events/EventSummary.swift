extension EventBody {
    /// One line of words for a timeline, e.g. `approved (v2): matches the ticket`.
    /// Contains untrusted text (rationales): make it display-safe before showing it.
    public var summary: String {
        switch self {
        case let .policyApplied(p): "policy \(p.version.prefix(12)) applied from \(p.file)"
        case .requestSubmitted: "submitted"
        case let .requestRouted(r): "routed (v\(r.version), \(r.cause)): \(r.outcome.summary)"
        case let .reviewRecorded(r): "\(r.verdict == .approve ? "approved" : "denied") (v\(r.requestVersion)): \(r.rationale)"
        case let .reviewRefused(r): "review refused (\(r.reason.rawValue)): \(r.message)"
        case let .requestDecided(d): "decided \(d.state.rawValue): \(d.reason)"
        case let .requestWithdrawn(w): "withdrawn" + (w.rationale.map { ": \($0)" } ?? "")
        }
    }
}
