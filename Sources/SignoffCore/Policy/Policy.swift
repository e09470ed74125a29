import Foundation

// The contract every caller relies on. Bodies marked "not built yet" fail closed.


/// One system in the catalogue.
public struct CatalogueSystem: Sendable, Hashable {
    public var name: String
    public var environments: [String]
    public var entitlements: [String]
    public init(name: String, environments: [String], entitlements: [String]) {
        self.name = name
        self.environments = environments
        self.entitlements = entitlements
    }
}

/// How one rule was evaluated for one request, for `explain`.
public struct RuleTrace: Sendable, Hashable, Codable {
    public var rule: String
    public var matched: Bool
    /// Which condition decided it, in words: `environment is production`, `access is read, not admin`.
    public var detail: String
    public init(rule: String, matched: Bool, detail: String) {
        self.rule = rule
        self.matched = matched
        self.detail = detail
    }
}

/// A step with every person the policy considered for it.
public struct StepExplanation: Sendable, Hashable, Codable {
    public var step: RoutedStep
    public var candidates: [Candidate]
    public init(step: RoutedStep, candidates: [Candidate]) {
        self.step = step
        self.candidates = candidates
    }
}

/// The policy's full reasoning for one request.
public struct PolicyExplanation: Sendable, Hashable, Codable {
    public var policyVersion: String
    public var denyRules: [RuleTrace]
    /// Route rules in order, up to and including the first that matched.
    public var routeRules: [RuleTrace]
    public var outcome: RouteOutcome
    public var steps: [StepExplanation]
    public init(policyVersion: String, denyRules: [RuleTrace], routeRules: [RuleTrace], outcome: RouteOutcome, steps: [StepExplanation]) {
        self.policyVersion = policyVersion
        self.denyRules = denyRules
        self.routeRules = routeRules
        self.outcome = outcome
        self.steps = steps
    }
}

/// A likely mistake found by `policy check`.
public struct PolicyFinding: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning }
    public var severity: Severity
    public var position: SourcePosition?
    public var field: String
    public var message: String
    public init(severity: Severity, position: SourcePosition?, field: String, message: String) {
        self.severity = severity
        self.position = position
        self.field = field
        self.message = message
    }
    public var description: String {
        "\(position.map { "\($0): " } ?? "")\(severity.rawValue): \(field.isEmpty ? "" : "\(field): ")\(message)"
    }
}

/// A parsed, validated policy. Immutable; a new file is a new version.
///
/// Contract for every caller: nothing here may ever answer "approved" or
/// "eligible" because something was missing, unknown or unparsable.
public struct Policy: Sendable {
    /// SHA-256 of the source bytes, lowercase hex. Recorded on every routing and review.
    public let version: String
    public let file: String
    public let source: String
    /// Minimum rationale length in characters, after trimming whitespace.
    public let minimumRationale: Int
    /// How long a request may stay pending before the sweep times it out (issue 4).
    public let pendingTimeout: TimeSpan?
    public let systems: [CatalogueSystem]
    /// Every person in the directory, sorted.
    public let people: [String]

    /// Parses and validates; refuses the whole file on any error.
    public static func parse(source: String, file: String) throws(SourceErrors) -> Policy {
        throw SourceErrors([SourceError(file: file, position: nil, field: "", message: "policy engine not built yet")])
    }

    /// Deny rules first (all reported, any denies), then the first matching route rule.
    public func route(_ request: AccessRequest, submittedBy: String, at: Date) -> RouteOutcome {
        .unroutable(reason: "policy engine not built yet")
    }

    /// The full reasoning behind `route`, with every candidate approver per step.
    public func explain(_ request: AccessRequest, submittedBy: String, at: Date) -> PolicyExplanation {
        PolicyExplanation(policyVersion: version, denyRules: [], routeRules: [], outcome: route(request, submittedBy: submittedBy, at: at), steps: [])
    }

    /// Whether `person` may approve or deny `step` of this request now. Checked again
    /// at review time: rotations turn and delegations end.
    public func eligibility(of person: String, for step: RoutedStep, request: AccessRequest, submittedBy: String, at: Date) -> Candidate {
        Candidate(name: person, eligible: false, reason: "policy engine not built yet")
    }

    /// Everyone the step's approver expression names, eligible or not, with reasons.
    public func candidates(for step: RoutedStep, request: AccessRequest, submittedBy: String, at: Date) -> [Candidate] { [] }

    public func knowsPerson(_ name: String) -> Bool { false }

    /// Identities allowed to submit on behalf of someone else (ticket importers, pipelines).
    public func isIntakeAgent(_ name: String) -> Bool { false }

    public func system(named name: String) -> CatalogueSystem? { systems.first { $0.name == name } }

    /// Likely mistakes: shadowed rules, empty or unknown groups, unsatisfiable steps, systems without owners.
    public func check() -> [PolicyFinding] { [] }
}
