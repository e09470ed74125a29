import Foundation

extension Policy {
    /// `explain` for a recorded request, whose candidates never include who
    /// may not decide it: its editors and, for an extension, who asked for
    /// the `original` (`Lifecycle.excluded`).
    /// Its route is explained as `Lifecycle.route` makes it, as of its
    /// submission (whether its requester could raise a break-glass request
    /// is judged when they raised it); who may approve, as of `at`.
    public func explain(_ record: RequestRecord, original: Grant?, at: Date) -> PolicyExplanation {
        explain(record.request, submittedBy: record.submittedBy.name, editors: Lifecycle.excluded(record, original: original),
                at: at, routedAt: record.submittedAt)
    }

    /// The full reasoning behind `route`, with every candidate approver per step.
    /// Built-in checks (catalogue, maximum duration, break-glass incident) appear
    /// as deny rules under their reserved names. `routedAt`: the moment the
    /// route is judged at (a recorded request's submission), else `at`.
    public func explain(_ request: AccessRequest, submittedBy: String, editors: [String] = [], at: Date,
                        routedAt: Date? = nil) -> PolicyExplanation {
        let routedAt = routedAt ?? at
        let facts = RequestFacts(request, submittedBy: submittedBy)
        var builtIn: [DenyMatch] = []
        _ = catalogue.denials(for: request, into: &builtIn)

        var denyTraces: [RuleTrace] = []
        let catalogueReasons = builtIn.filter { $0.rule == "catalogue" }.map(\.reason)
        denyTraces.append(RuleTrace(rule: "catalogue", matched: !catalogueReasons.isEmpty,
                                    detail: catalogueReasons.isEmpty
                                        ? "\(request.system) offers \(request.entitlement) in \(request.environment)"
                                        : catalogueReasons.joined(separator: "; ")))
        if let durationDenial = builtIn.first(where: { $0.rule == "max-duration" }) {
            denyTraces.append(RuleTrace(rule: "max-duration", matched: true, detail: durationDenial.reason))
        } else if let index = catalogue.index[request.system] {
            let limit = TimeSpan(seconds: catalogue.entries[index].limitByKind[request.subject.kind.ordinal])
            denyTraces.append(RuleTrace(rule: "max-duration", matched: false, detail: "requested \(request.duration) is within the \(limit) limit"))
        }
        if request.breakGlass {
            var breakGlassMatches: [DenyMatch] = []
            breakGlassDenials(facts, at: routedAt, into: &breakGlassMatches)
            // A check that lets the request through says what it found, as a deny rule that does not match does.
            let raiser = facts.requester
            let checks = [
                ("break-glass-not-allowed", "\(raiser) may raise one: \(mayRaiseBreakGlass(raiser, at: routedAt).1)"),
                ("break-glass-max-duration", breakGlass.map { "requested \(request.duration) is within the \($0.maxDuration) break-glass limit" }
                    ?? "no break-glass limit applies"),
                ("break-glass-incident", breakGlass?.incidentRequired == false ? "the policy requires no incident" : "the request names its incident"),
            ]
            for (name, passed) in checks {
                let match = breakGlassMatches.first { $0.rule == name }
                denyTraces.append(RuleTrace(rule: name, matched: match != nil, detail: match?.reason ?? passed))
            }
        }
        for rule in denyRules {
            let (matched, detail) = rule.condition.trace(facts)
            denyTraces.append(RuleTrace(rule: rule.name, matched: matched, detail: detail))
        }

        var routeTraces: [RuleTrace] = []
        for rule in routeRules {
            let (matched, detail) = rule.condition.trace(facts)
            routeTraces.append(RuleTrace(rule: rule.name, matched: matched, detail: detail))
            if matched { break }
        }

        let outcome = route(request, submittedBy: submittedBy, at: routedAt)
        var steps: [StepExplanation] = []
        if case let .steps(_, routed) = outcome {
            steps = routed.map { StepExplanation(step: $0, candidates: candidates(for: $0, request: request, submittedBy: submittedBy,
                                                                                       editors: editors, at: at)) }
        }
        return PolicyExplanation(policyVersion: version, denyRules: denyTraces, routeRules: routeTraces, outcome: outcome, steps: steps)
    }
}
