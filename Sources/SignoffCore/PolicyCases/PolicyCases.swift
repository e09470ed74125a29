import Foundation

/// A policy's own tests: requests with the outcome the author expects. Run by
/// `signoff policy test` and in CI, so a policy change that reroutes
/// production access is caught before it is applied.
public struct PolicyCase: Sendable {
    public enum Expectation: Sendable, Hashable {
        /// Steps as `approvers` expression and count, optionally from a named rule.
        case steps(rule: String?, [Expected])
        /// Denied, naming every rule that must match (built-in reasons are named by text).
        case denied([String])
        case autoApproved(rule: String?)
        case unroutable
    }

    public struct Expected: Sendable, Hashable, CustomStringConvertible {
        public var approvers: String
        public var count: Int
        public var description: String { "\(count) of \(approvers)" }
    }

    public var name: String
    public var position: SourcePosition?
    public var request: AccessRequest
    public var submittedBy: String
    public var at: Date
    public var expectation: Expectation
}

public struct PolicyCaseFailure: Sendable, CustomStringConvertible {
    public var caseName: String
    public var position: SourcePosition?
    public var expected: String
    public var actual: String
    public var description: String {
        "\(position.map { "\($0): " } ?? "")case \"\(caseName)\"\n    expected: \(expected)\n    actual:   \(actual)"
    }
}

public enum PolicyCases {
    static let caseFields = ["name", "request", "submitted_by", "at", "expect"]
    static let expectFields = ["steps", "rule", "denied", "approved", "unroutable"]

    public static func parse(text: String, file: String, policy: Policy) throws(SourceErrors) -> [PolicyCase] {
        let documents: [LocatedNode]
        do { documents = try YAMLSource.documents(text: text, file: file) } catch { throw SourceErrors([error]) }
        guard documents.count == 1, let document = documents.first else {
            throw SourceErrors([SourceError(file: file, position: nil, field: "", message: "must be one YAML document with a cases: list")])
        }
        var cases: [PolicyCase] = []
        var errors: [SourceError] = []
        do throws(SourceError) {
            let root = try document.mapping()
            try root.rejectUnknown(["cases"])
            let list = try root.required("cases")
            // `cases:` with nothing after it is no list: the same as an empty one.
            let items = list.notText?.hasPrefix("null") == true ? [] : try list.list()
            // A file that tests nothing must not pass as if it tested the policy.
            if items.isEmpty { throw list.error("holds no case", hint: "add at least one case, each with name, request and expect") }
            for item in items {
                do { cases.append(try parseCase(item, policy: policy)) } catch { errors.append(error) }
            }
        } catch {
            errors.append(error)
        }
        if !errors.isEmpty { throw SourceErrors(errors) }
        return cases
    }

    static func parseCase(_ node: LocatedNode, policy: Policy) throws(SourceError) -> PolicyCase {
        let map = try node.mapping()
        try map.rejectUnknown(caseFields)
        let name = try map.required("name").nonEmptyString()
        let at = try map.optional("at").map { node throws(SourceError) in try RequestFile.date(node) } ?? Date()
        let request = try RequestFile.request(from: try map.required("request"), policy: policy, now: at).request
        let submittedBy = try map.optional("submitted_by")?.nonEmptyString() ?? request.requester
        guard let submittedBy else {
            throw map.owner.error("needs request.requester or submitted_by", hint: "say who asks")
        }
        var filled = request
        filled.requester = request.requester ?? submittedBy
        let expectNode = try map.required("expect", hint: "steps:, denied:, approved: automatically, or unroutable: true")
        let expect = try expectNode.mapping()
        try expect.rejectUnknown(expectFields)
        let rule = try expect.optional("rule")?.nonEmptyString()
        let expectation: PolicyCase.Expectation
        if let steps = expect.optional("steps") {
            var expected: [PolicyCase.Expected] = []
            for step in try steps.list() {
                let stepMap = try step.mapping()
                try stepMap.rejectUnknown(["approvers", "count", "exclude"])
                var approvers = try stepMap.required("approvers").nonEmptyString()
                if let exclude = stepMap.optional("exclude") {
                    for excluded in try exclude.stringList() { approvers += " except \(excluded)" }
                }
                expected.append(.init(approvers: approvers, count: try stepMap.optional("count")?.int() ?? 1))
            }
            expectation = .steps(rule: rule, expected)
        } else if let denied = expect.optional("denied") {
            expectation = .denied(try denied.stringList())
        } else if let approved = expect.optional("approved") {
            guard try approved.string() == "automatically" else { throw approved.error("write approved: automatically") }
            expectation = .autoApproved(rule: rule)
        } else if let unroutable = expect.optional("unroutable") {
            guard try unroutable.bool() else { throw unroutable.error("write unroutable: true") }
            expectation = .unroutable
        } else {
            throw expectNode.error("says nothing to expect", hint: "give steps:, denied:, approved: automatically, or unroutable: true")
        }
        return PolicyCase(name: name, position: node.position, request: filled, submittedBy: submittedBy, at: at, expectation: expectation)
    }

    /// Every case that does not get its expected outcome, with the difference.
    public static func run(_ cases: [PolicyCase], policy: Policy) -> [PolicyCaseFailure] {
        cases.compactMap { testCase in
            let expected = describe(testCase.expectation)
            // A case submit would refuse outright has no route: it fails, saying why.
            if let refusal = submissionRefusal(testCase, policy: policy) {
                return PolicyCaseFailure(caseName: testCase.name, position: testCase.position, expected: expected,
                                         actual: "refused at submission: \(refusal)")
            }
            let outcome = policy.route(testCase.request, submittedBy: testCase.submittedBy, at: testCase.at)
            let actual = describe(outcome)
            return matches(testCase.expectation, outcome) ? nil
                : PolicyCaseFailure(caseName: testCase.name, position: testCase.position, expected: expected, actual: actual)
        }
    }

    /// Why submit would refuse the case's request from its submitter before routing it; nil when it would not.
    static func submissionRefusal(_ testCase: PolicyCase, policy: Policy) -> String? {
        do {
            let scanned = try ScannedRequest(scanning: testCase.request)
            _ = try Lifecycle.authorizeSubmission(scanned, by: Principal(name: testCase.submittedBy, authentication: .asserted),
                                                  policy: policy)
            return nil
        } catch let refusal as Refusal {
            return refusal.message
        } catch {
            return "\(error)"
        }
    }

    static func matches(_ expectation: PolicyCase.Expectation, _ outcome: RouteOutcome) -> Bool {
        switch (expectation, outcome) {
        case let (.steps(rule, expected), .steps(actualRule, steps)):
            return (rule == nil || rule == actualRule)
                && expected == steps.map { PolicyCase.Expected(approvers: $0.approvers, count: $0.required) }
        case let (.denied(rules), .denied(matches)):
            return Set(rules) == Set(matches.map(\.rule))
        case let (.autoApproved(rule), .autoApproved(actualRule)):
            return rule == nil || rule == actualRule
        case (.unroutable, .unroutable):
            return true
        // Every other pairing, listed: a new outcome or expectation must be placed here by hand.
        case (.steps, .denied), (.steps, .autoApproved), (.steps, .unroutable),
             (.denied, .steps), (.denied, .autoApproved), (.denied, .unroutable),
             (.autoApproved, .steps), (.autoApproved, .denied), (.autoApproved, .unroutable),
             (.unroutable, .steps), (.unroutable, .denied), (.unroutable, .autoApproved):
            return false
        }
    }

    static func describe(_ expectation: PolicyCase.Expectation) -> String {
        switch expectation {
        case let .steps(rule, steps): "steps \(steps.map(\.description).joined(separator: ", "))\(rule.map { " from rule \($0)" } ?? "")"
        case let .denied(rules): "denied by \(rules.sorted().joined(separator: ", "))"
        case let .autoApproved(rule): "approved automatically\(rule.map { " by rule \($0)" } ?? "")"
        case .unroutable: "unroutable"
        }
    }

    static func describe(_ outcome: RouteOutcome) -> String {
        switch outcome {
        case let .steps(rule, steps): "steps \(steps.map { "\($0.required) of \($0.approvers)" }.joined(separator: ", ")) from rule \(rule)"
        case let .denied(matches): "denied by \(matches.map(\.rule).sorted().joined(separator: ", ")) (\(matches.map(\.reason).joined(separator: "; ")))"
        case let .autoApproved(rule): "approved automatically by rule \(rule)"
        case let .unroutable(reason): "unroutable: \(reason)"
        }
    }
}
