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
    /// Whether I may deny it: when I may decide, and when I am eligible for a
    /// step my approval would not count for (`Lifecycle.Standing.mayDeny`).
    public var mayDeny: Bool
    /// Why I may decide (the policy's words), when I may.
    public var whyMay: String?
    /// The step my approval would count for (an index into `progress`), when I may decide.
    public var myStep: Int?
    /// The longest duration the policy allows for this entitlement, when it says.
    public var maximumDuration: TimeSpan?
    public var timeline: [TimelineEntry]
    /// Decisions in its grant's history that signoff does not record (written
    /// into the store by hand), as `audit verify` names them; empty normally.
    public var disputed: [String]
    /// For an extension: the grant it extends, as it stands, and what an
    /// approval now would do to it (`Lifecycle.extensionOutcome`); nil for
    /// any other request, or with no policy to judge by.
    public var extending: Extending?

    public struct Extending: Sendable, Hashable {
        public var grant: Grant?
        public var outcome: Lifecycle.ExtensionOutcome
        public init(grant: Grant?, outcome: Lifecycle.ExtensionOutcome) {
            self.grant = grant
            self.outcome = outcome
        }
    }

    public init(record: RequestRecord, explanation: PolicyExplanation?, progress: [StepStatus], mayDecide: Bool,
                whyNot: String?, whyMay: String? = nil, myStep: Int? = nil, maximumDuration: TimeSpan? = nil,
                timeline: [TimelineEntry], disputed: [String] = [],
                extending: Extending? = nil, mayDeny: Bool? = nil) {
        self.extending = extending
        self.mayDeny = mayDeny ?? mayDecide
        self.record = record
        self.explanation = explanation
        self.progress = progress
        self.mayDecide = mayDecide
        self.whyNot = whyNot
        self.whyMay = whyMay
        self.myStep = myStep
        self.maximumDuration = maximumDuration
        self.timeline = timeline
        self.disputed = disputed
    }
}

extension ConsoleDetail {
    /// Why I may not give `verdict` now; nil when I may. A denial by anyone
    /// eligible for a step counts, even where an approval of theirs would not.
    func blocker(_ verdict: Verdict) -> String? {
        let may: Bool
        switch verdict {
        case .approve: may = mayDecide
        case .deny: may = mayDecide || mayDeny
        }
        return may ? nil : whyNot ?? "you are not an eligible approver of \(record.id)"
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

    /// One line for an event, in the same words as the command line's timeline.
    public init(event: RecordedEvent) {
        self.init(at: event.draft.at, actor: event.draft.actor, summary: event.draft.body.summary)
    }
}
