/// One group of eligible approvers and how many distinct approvals it needs.
public struct RoutedStep: Sendable, Hashable, Codable {
    /// Shown to people, e.g. `owners of payments-db`.
    public var name: String
    /// The policy's approver expression the step was built from, e.g. `owners`,
    /// `group:dba`, `rotation:sre-oncall`, `manager`, `person:alice`.
    public var approvers: String
    public var required: Int

    public init(name: String, approvers: String, required: Int) {
        self.name = name
        self.approvers = approvers
        self.required = required
    }
}

/// A deny rule that matched, with the reason the policy gives.
public struct DenyMatch: Sendable, Hashable, Codable {
    public var rule: String
    public var reason: String

    public init(rule: String, reason: String) {
        self.rule = rule
        self.reason = reason
    }
}

/// The policy's answer for a request.
public enum RouteOutcome: Sendable, Hashable, Codable {
    /// Approval steps from the first matching route rule; all must be satisfied.
    case steps(rule: String, steps: [RoutedStep])
    /// Every matching deny rule; any one denies.
    case denied([DenyMatch])
    /// A route rule that approves without people; recorded as approved by that rule.
    case autoApproved(rule: String)
    /// No route rule matched: blocked, never approved by default.
    case unroutable(reason: String)

    /// How many approvals its steps ask for in all; 0 for a route without
    /// steps. Never negative, and saturating: a route read from the store may
    /// ask for any number.
    public var approvalsNeeded: Int {
        guard case let .steps(_, steps) = self else { return 0 }
        return steps.reduce(0) { sum, step in
            let (total, overflow) = sum.addingReportingOverflow(max(0, step.required))
            return overflow ? Int.max : total
        }
    }

    public var summary: String {
        switch self {
        case let .steps(rule, steps):
            "rule \(rule): " + steps.map { "\($0.required) of \($0.name)" }.joined(separator: ", then ")
        case let .denied(matches):
            "denied by policy: " + matches.map { "\($0.rule) (\($0.reason))" }.joined(separator: "; ")
        case let .autoApproved(rule):
            "approved automatically by rule \(rule)"
        case let .unroutable(reason):
            "blocked: \(reason)"
        }
    }
}

/// Whether one person may decide one step, and why, in words for the approver.
public struct Candidate: Sendable, Hashable, Codable {
    public var name: String
    public var eligible: Bool
    public var reason: String

    public init(name: String, eligible: Bool, reason: String) {
        self.name = name
        self.eligible = eligible
        self.reason = reason
    }
}
