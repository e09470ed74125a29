import Foundation

/// The policy's `break_glass:` section: who may raise an emergency request, how
/// long it may last, who reviews it afterwards, and whether its requester may
/// activate it alone when nobody answers. Without the section, every
/// break-glass request is denied.
public struct BreakGlassPolicy: Sendable, Hashable {
    /// Approver expressions naming who may raise one (`group:sre`, `rotation:sre-oncall`).
    public var raisedBy: [String]
    public var maxDuration: TimeSpan
    public var incidentRequired: Bool
    /// Who completes the post-incident review (an approver expression).
    public var reviewers: String
    public var reviewWithin: TimeSpan
    public var selfActivation: SelfActivation?

    public struct SelfActivation: Sendable, Hashable {
        /// Approver expressions naming who may self-activate.
        public var allowed: [String]
        /// How long a request must wait unanswered first.
        public var after: TimeSpan
    }

    static let knownFields = ["raised_by", "max_duration", "incident_required", "post_incident_review", "self_activation"]

    static func parse(_ node: LocatedNode, directory: Directory) throws(SourceError) -> BreakGlassPolicy {
        let fields = try node.mapping()
        try fields.rejectUnknown(knownFields)
        let raisedBy = try expressions(fields.required("raised_by", hint: "name who may raise one, e.g. [group:sre]"), directory)
        let maxDuration = try span(fields.required("max_duration", hint: "emergencies are short, e.g. 4h"))
        let incidentRequired = try fields.optional("incident_required")?.bool() ?? true
        let reviewNode = try fields.required("post_incident_review",
                                             hint: "every emergency is reviewed afterwards: {reviewers: group:security, within: 72h}")
        let review = try reviewNode.mapping()
        try review.rejectUnknown(["reviewers", "within"])
        let reviewersNode = try review.required("reviewers", hint: "one of \(ApproverExpression.forms)")
        let reviewers = try expressions(reviewersNode, directory)
        guard reviewers.count == 1 else { throw reviewersNode.error("names one approver expression", hint: "make a group of the reviewers") }
        let within = try span(review.required("within", hint: "e.g. 72h"))
        var selfActivation: SelfActivation?
        if let activationNode = fields.optional("self_activation") {
            let activation = try activationNode.mapping()
            try activation.rejectUnknown(["allowed", "after"])
            selfActivation = SelfActivation(
                allowed: try expressions(activation.required("allowed", hint: "who may activate alone, e.g. [group:sre]"), directory),
                after: try span(activation.required("after", hint: "how long nobody answered first, e.g. 15m")))
        }
        return BreakGlassPolicy(raisedBy: raisedBy, maxDuration: maxDuration, incidentRequired: incidentRequired,
                                reviewers: reviewers[0], reviewWithin: within, selfActivation: selfActivation)
    }

    private static func span(_ node: LocatedNode) throws(SourceError) -> TimeSpan {
        guard let span = TimeSpan(parsing: try node.string()) else { throw node.error("is not a duration", hint: TimeSpan.syntaxHint) }
        return span
    }

    /// Group, rotation and person expressions, checked against the directory.
    static func expressions(_ node: LocatedNode, _ directory: Directory) throws(SourceError) -> [String] {
        var result: [String] = []
        for item in try node.listOrSingle() {
            let text = try item.nonEmptyString()
            try directory.checkNamed(text, item, what: "a group, rotation or person", forms: "group:NAME, rotation:NAME or person:NAME")
            result.append(text)
        }
        guard !result.isEmpty else { throw node.error("names nobody", hint: "write group:NAME, rotation:NAME or person:NAME") }
        return result
    }
}

extension Directory {
    /// Checks a `group:`, `rotation:` or `person:` expression against the
    /// directory (break-glass lists, role members): a typo is an error, never
    /// a list that silently names nobody.
    func checkNamed(_ text: String, _ node: LocatedNode, what: String, forms: String) throws(SourceError) {
        switch ApproverExpression.source(text) {
        case let .group(name)?:
            guard groups[name] != nil else { throw node.error("unknown group \"\(name)\"", hint: groupHint(for: name)) }
        case let .rotation(name)?:
            guard rotations[name] != nil else { throw node.error("unknown rotation \"\(name)\"", hint: rotationHint(for: name)) }
        case let .person(name)?:
            guard people[name] != nil else { throw node.error("unknown person \"\(name)\"", hint: personHint(for: name)) }
        case .some(.owners), .some(.manager), .some(.subjectOwnerManager), .none:
            throw node.error("\"\(text)\" is not \(what)", hint: "write \(forms)")
        }
    }
}

extension Policy {
    /// Whether one of `expressions` (group, rotation, person) names `person` at `date`.
    func names(_ person: String, anyOf expressions: [String], at date: Date) -> (Bool, String) {
        var reasons: [String] = []
        for text in expressions {
            guard let source = ApproverExpression.source(text) else { continue }
            switch source {
            case let .group(name):
                if directory.expandedGroups[name]?.contains(person) == true { return (true, "member of \(name)") }
                reasons.append("not in group \(name)")
            case let .rotation(name):
                guard let rotation = directory.rotations[name] else { continue }
                if rotation.onCall(at: date) == person { return (true, "on call for \(name) now") }
                reasons.append("not on call for \(name) now")
            case let .person(name):
                if name == person { return (true, "named by the policy") }
                reasons.append("not \(name)")
            case .owners, .manager, .subjectOwnerManager:
                continue  // refused when the policy was read
            }
        }
        return (false, reasons.joined(separator: ", "))
    }

    /// Whether `person` may raise a break-glass request now, and why not.
    public func mayRaiseBreakGlass(_ person: String, at date: Date) -> (Bool, String) {
        guard let breakGlass else { return (false, "this policy allows no break-glass requests (it has no break_glass section)") }
        let (named, why) = names(person, anyOf: breakGlass.raisedBy, at: date)
        return named ? (true, why) : (false, "\(person) may not raise a break-glass request: \(why)")
    }

    /// Whether `person` may activate their own break-glass request alone, and why not.
    public func maySelfActivate(_ person: String, at date: Date) -> (Bool, String) {
        guard let activation = breakGlass?.selfActivation else {
            return (false, "this policy allows no self-activation of break-glass requests")
        }
        let (named, why) = names(person, anyOf: activation.allowed, at: date)
        return named ? (true, why) : (false, "\(person) may not self-activate: \(why)")
    }

    /// Whether `person` may complete a grant's post-incident review. The
    /// requester, the submitter and a human subject never review their own
    /// emergency, nor does anyone who approved it.
    public func mayReviewIncident(_ person: String, reviewers: String, terms: GrantTerms, approvers: [String],
                                  at date: Date) -> (Bool, String) {
        if person == terms.requester { return (false, "\(person) requested the access and may not review the incident") }
        // The review judges the emergency decision too: not by whoever made it.
        if approvers.contains(person) { return (false, "\(person) approved the access and may not review the incident") }
        if terms.subject.kind.isHuman, person == terms.subject.name {
            return (false, "\(person) held the access and may not review the incident")
        }
        let step = RoutedStep(name: "post-incident review", approvers: reviewers, required: 1)
        var request = AccessRequest(requester: terms.requester, subject: terms.subject, system: terms.system,
                                    environment: terms.environment, entitlement: terms.entitlement, access: terms.access,
                                    purpose: "", duration: TimeSpan(seconds: 0))
        request.breakGlass = true
        let candidate = eligibility(of: person, for: step, request: request, submittedBy: terms.requester, at: date)
        return (candidate.eligible, candidate.eligible ? candidate.reason
                : "\(person) may not review this incident: its reviewers, set when the grant was issued, are \(reviewers) (\(candidate.reason))")
    }

    /// The longest a grant of this request may last in total, extensions
    /// included: the system's `max_total`, else what one approval may grant.
    /// Nil when the system is not in the catalogue: nothing may be extended then.
    public func maxTotal(for request: AccessRequest) -> TimeSpan? {
        guard let index = catalogue.index[request.system], let single = maxDuration(for: request) else { return nil }
        var limit = catalogue.entries[index].maxTotal.map { max($0, single) } ?? single
        if request.breakGlass, let breakGlass { limit = min(limit, breakGlass.maxDuration) }
        return limit
    }

    /// The longest one approval may grant for this request under this policy.
    public func maxDuration(for request: AccessRequest) -> TimeSpan? {
        guard let index = catalogue.index[request.system] else { return nil }
        var limit = TimeSpan(seconds: catalogue.entries[index].limitByKind[request.subject.kind.ordinal])
        if request.breakGlass, let breakGlass { limit = min(limit, breakGlass.maxDuration) }
        return limit
    }
}
