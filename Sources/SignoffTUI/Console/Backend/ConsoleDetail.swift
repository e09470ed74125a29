import Foundation
import SignoffCore

/// Everything about one request that the detail pane and the decision panel show.
public struct ConsoleDetail: Sendable, Hashable {
    public var record: RequestRecord
    /// The policy's reasoning, with every candidate per step; nil when no policy applies.
    public var explanation: PolicyExplanation?
    public var progress: [StepStatus]
    /// Whether I may approve or deny now, and if not, why in words.
    public var mayDecide: Bool
    public var whyNot: String?
    /// The longest duration the policy allows for this entitlement, when it says.
    public var maximumDuration: TimeSpan?
    public var timeline: [TimelineEntry]

    public init(record: RequestRecord, explanation: PolicyExplanation?, progress: [StepStatus], mayDecide: Bool,
                whyNot: String?, maximumDuration: TimeSpan? = nil, timeline: [TimelineEntry]) {
        self.record = record
        self.explanation = explanation
        self.progress = progress
        self.mayDecide = mayDecide
        self.whyNot = whyNot
        self.maximumDuration = maximumDuration
        self.timeline = timeline
    }
}

/// One line of a request's history, made from one stored event.
public struct TimelineEntry: Sendable, Hashable {
    public var at: Date
    public var actor: Principal
    public var summary: String

    public init(at: Date, actor: Principal, summary: String) {
        self.at = at
        self.actor = actor
        self.summary = summary
    }

    /// Words for an event, e.g. `approved (v2): looked at the ticket`.
    public init(event: RecordedEvent) {
        let draft = event.draft
        let summary: String
        switch draft.body {
        case let .policyApplied(applied):
            summary = "policy \(applied.version.prefix(8)) applied"
        case .requestSubmitted:
            summary = "submitted"
        case let .requestRouted(routed):
            summary = "routed (v\(routed.version), \(routed.cause)): \(routed.outcome.summary)"
        case let .reviewRecorded(review):
            let verb = review.verdict == .approve ? "approved" : "denied"
            summary = "\(verb) (v\(review.requestVersion)): \(review.rationale)"
        case let .reviewRefused(refused):
            summary = "review refused (\(refused.reason.rawValue)): \(refused.message)"
        case let .requestDecided(decided):
            summary = "decided \(decided.state.rawValue): \(decided.reason)"
        case let .requestWithdrawn(withdrawn):
            summary = "withdrawn" + (withdrawn.rationale.map { ": \($0)" } ?? "")
        }
        self.init(at: draft.at, actor: draft.actor, summary: summary)
    }
}
