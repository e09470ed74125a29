import Foundation
import SignoffCore

/// `signoff policy explain --json` (`signoff.explanation/1`): every rule the
/// policy evaluated and whether it matched, the outcome as a route, and each
/// step's candidates with whether they are eligible and why.
struct ExplanationJSON: JSONDocument {
    static let schema: StaticString = "signoff.explanation/1"
    var explanation: PolicyExplanation
    /// The stored request explained; nil for a request file.
    var record: RequestRecord?
    /// Each step's approvals so far (a stored request).
    var progress: [StepStatus]?
    /// Whether the viewer may decide (a stored, pending request).
    var viewer: (name: String, standing: Lifecycle.Standing)?

    func members(_ json: inout JSONOutput) {
        json.field("request_id", record?.id)
        json.field("state", record?.state.rawValue)
        json.field("version", record?.version)
        json.field("policy_version", explanation.policyVersion)
        json.key("deny_rules"); Self.traces(explanation.denyRules, &json)
        json.key("route_rules"); Self.traces(explanation.routeRules, &json)
        json.key("outcome"); RequestJSON.route(explanation.outcome, progress: progress, &json)
        json.key("steps")
        json.beginArray()
        for (index, step) in explanation.steps.enumerated() {
            let approved = progress.flatMap { index < $0.count ? $0[index].approvedBy : nil } ?? []
            json.beginObject()
            json.field("name", step.step.name)
            json.field("approvers", step.step.approvers)
            json.field("count", step.step.required)
            json.key("candidates")
            json.beginArray()
            for candidate in step.candidates {
                json.beginObject()
                json.field("name", candidate.name)
                json.field("eligible", candidate.eligible)
                json.field("approved", approved.contains(candidate.name))
                json.field("reason", candidate.reason)
                json.endObject()
            }
            json.endArray()
            json.endObject()
        }
        json.endArray()
        json.key("viewer")
        if let viewer {
            json.beginObject()
            json.field("name", viewer.name)
            json.field("may_decide", viewer.standing.mayDecide)
            json.field("may_deny", viewer.standing.mayDeny)
            json.field("reason", viewer.standing.reason)
            json.endObject()
        } else {
            json.null()
        }
    }

    static func traces(_ traces: [RuleTrace], _ json: inout JSONOutput) {
        json.beginArray()
        for trace in traces {
            json.beginObject()
            json.field("rule", trace.rule)
            json.field("matched", trace.matched)
            json.field("detail", trace.detail)
            json.endObject()
        }
        json.endArray()
    }
}

/// `signoff policy check --json` (`signoff.policy-check/1`).
struct PolicyCheckJSON: JSONDocument {
    static let schema: StaticString = "signoff.policy-check/1"
    var file: String
    var version: String
    var findings: [PolicyFinding]

    func members(_ json: inout JSONOutput) {
        let errors = findings.filter { $0.severity == .error }.count
        json.field("file", file)
        json.field("policy_version", version)
        json.field("errors", errors)
        json.field("warnings", findings.count - errors)
        json.key("findings")
        json.beginArray()
        for finding in findings {
            json.beginObject()
            json.field("severity", finding.severity.rawValue)
            json.field("line", finding.position?.line)
            json.field("column", finding.position?.column)
            json.field("field", finding.field.isEmpty ? nil : finding.field)
            json.field("message", finding.message)
            json.endObject()
        }
        json.endArray()
    }
}

/// `signoff policy test --json` (`signoff.policy-test/1`): every failing case
/// with what it expected and what the policy did.
struct PolicyTestJSON: JSONDocument {
    static let schema: StaticString = "signoff.policy-test/1"
    var policyVersion: String
    var file: String
    var cases: Int
    var failures: [PolicyCaseFailure]

    func members(_ json: inout JSONOutput) {
        json.field("policy_version", policyVersion)
        json.field("file", file)
        json.field("cases", cases)
        json.field("passed", cases - failures.count)
        json.field("failed", failures.count)
        json.key("failures")
        json.beginArray()
        for failure in failures {
            json.beginObject()
            json.field("case", failure.caseName)
            json.field("line", failure.position?.line)
            json.field("column", failure.position?.column)
            json.field("expected", failure.expected)
            json.field("actual", failure.actual)
            json.endObject()
        }
        json.endArray()
    }
}

/// `signoff policy apply --json` (`signoff.policy-applied/1`).
struct PolicyAppliedJSON: JSONDocument {
    static let schema: StaticString = "signoff.policy-applied/1"
    var version: String
    var file: String
    var changed: Bool
    var rerouted: Int
    var events: [RecordedEvent]

    func members(_ json: inout JSONOutput) {
        json.field("policy_version", version)
        json.field("file", file)
        json.field("changed", changed)
        json.field("rerouted", rerouted)
        ResultJSON.events(events, &json)
    }
}

extension PolicyFinding {
    /// The finding as a problem in `file`, for the error document.
    func sourceError(file: String) -> SourceError {
        SourceError(file: file, position: position, field: field, message: message)
    }
}
