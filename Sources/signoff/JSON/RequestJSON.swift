import Foundation
import SignoffCore
import SignoffStore

/// A request as lists show it (`signoff.request-summary/1`): every field a
/// script filters or acts on, read from the store's summary columns.
struct RequestSummaryJSON: JSONDocument {
    static let schema: StaticString = "signoff.request-summary/1"
    var summary: RequestSummary

    func members(_ json: inout JSONOutput) {
        RequestJSON.summaryMembers(summary, progress: nil, &json)
    }
}

/// One request in full (`signoff.request/1`, `signoff show --json`): the
/// summary's members, then every other field, the route with each step's
/// approvals, the reviews, the decision, the grant, whether the viewer may
/// decide it, the timeline of its events and who was notified of it.
struct RequestJSON: JSONDocument {
    static let schema: StaticString = "signoff.request/1"
    var record: RequestRecord
    /// The policy in force, for each step's approvals and the viewer; nil when none parses.
    var policy: Policy?
    var events: [RecordedEvent]
    var grant: ReconciledGrant?
    /// The outbox's notifications about it.
    var notifications: [OutboxItem] = []
    /// What `Store.grantHistoryProblems` names in its grant's history.
    var disputed: [String] = []
    var viewer: String
    /// The grant it extends, with who asked for it: they may not decide it.
    var original: Grant? = nil
    var now: Date

    func members(_ json: inout JSONOutput) {
        let request = record.request
        let progress = policy.map { Lifecycle.progress(record, policy: $0, original: original) }
        Self.summaryMembers(RequestSummary(record), progress: progress, &json)
        json.field("submitted_by_authentication", record.submittedBy.authentication.rawValue)
        json.field("start", time: request.start)
        json.field("end", time: request.end)
        json.key("revocation_triggers"); Self.triggers(request.revocationTriggers, &json)
        json.key("labels")
        json.beginObject()
        for name in request.labels.keys.sorted() {
            json.key(name)
            json.string(request.labels[name] ?? "")
        }
        json.endObject()
        json.field("notes", request.notes)
        json.field("finding", request.finding)
        json.field("policy_version", record.policyVersion)
        json.key("reviews")
        json.beginArray()
        for review in record.reviews {
            json.beginObject()
            json.field("reviewer", review.reviewer.name)
            json.field("authentication", review.reviewer.authentication.rawValue)
            json.field("verdict", review.verdict.rawValue)
            json.field("rationale", review.rationale)
            json.field("at", time: review.at)
            json.field("request_version", review.requestVersion)
            json.field("policy_version", review.policyVersion)
            json.endObject()
        }
        json.endArray()
        json.key("decision")
        if let decision = record.decision {
            json.beginObject()
            json.field("state", decision.state.rawValue)
            json.field("at", time: decision.at)
            json.field("by", decision.by)
            json.field("reason", decision.reason)
            json.field("policy_version", decision.policyVersion)
            json.field("self_activated", decision.isSelfActivated)
            json.endObject()
        } else {
            json.null()
        }
        json.key("grant")
        if let grant { GrantStatusJSON(grant: grant.grant, reconciliation: grant.reconciliation, now: now).write(&json) } else { json.null() }
        json.field("disputed", disputed)
        json.key("viewer")
        if let policy {
            let standing = Lifecycle.standing(record, person: viewer, policy: policy, at: now, original: original)
            json.beginObject()
            json.field("name", viewer)
            json.field("may_decide", standing.mayDecide)
            json.field("may_deny", standing.mayDeny)
            json.field("reason", standing.reason)
            json.endObject()
        } else {
            json.null()
        }
        json.key("timeline")
        json.beginArray()
        for event in events {
            json.beginObject()
            json.field("sequence", Int(event.sequence))
            json.field("at", time: event.draft.at)
            json.field("actor", event.draft.actor.name)
            json.field("authentication", event.draft.actor.authentication.rawValue)
            json.field("kind", event.draft.body.kind)
            json.field("summary", event.draft.body.summary)
            json.field("hash", event.hash)
            json.key("signature")
            if let signature = event.draft.signature { Self.signature(signature, &json) } else { json.null() }
            json.endObject()
        }
        json.endArray()
        json.key("notifications")
        json.beginArray()
        for item in notifications { NotificationDeliveryJSON(item: item).write(&json) }
        json.endArray()
    }

    /// A signed event's signature: the key that made it, whether it holds
    /// over its statement (the mathematics; whose key it was under the policy
    /// in force is `audit verify`'s to say), and the statement.
    static func signature(_ signature: EventSignature, _ json: inout JSONOutput) {
        let key = signature.key
        json.beginObject()
        json.field("key_type", key?.algorithm.rawValue)
        json.field("fingerprint", key?.fingerprint)
        json.field("holds", signature.holds)
        json.field("statement", signature.statement)
        json.endObject()
    }

    /// The members a request summary and a full request share, in that
    /// order: one writer, so the two cannot drift apart. With `progress`, each
    /// step also says who approved it.
    static func summaryMembers(_ summary: RequestSummary, progress: [StepStatus]?, _ json: inout JSONOutput) {
        json.field("id", summary.id)
        json.field("state", summary.state.rawValue)
        json.field("version", summary.version)
        json.field("requester", summary.requester)
        json.field("submitted_by", summary.submittedBy)
        json.key("subject")
        json.beginObject()
        json.field("kind", summary.subjectKind.rawValue)
        json.field("name", summary.subjectName)
        json.field("owner", summary.subjectOwner)
        json.endObject()
        json.field("system", summary.system)
        json.field("environment", summary.environment)
        json.field("entitlement", summary.entitlement)
        json.field("scope", summary.scope)
        json.field("access", summary.access.rawValue)
        duration(summary.duration, &json)
        json.field("break_glass", summary.breakGlass)
        json.field("incident", summary.incident)
        json.field("ticket", summary.ticket)
        json.field("purpose", summary.purpose)
        json.field("extends", summary.extends)
        json.field("submitted_at", time: summary.submittedAt)
        json.field("decided_at", time: summary.decidedAt)
        json.key("route"); route(summary.route, progress: progress, &json)
        json.field("approvals", summary.approvals)
        json.field("approvals_needed", summary.approvalsNeeded)
    }

    /// `duration_seconds` and its human form `duration_text` (`8h`, `1d12h`).
    static func duration(_ span: TimeSpan, _ json: inout JSONOutput) {
        json.field("duration_seconds", span.seconds)
        json.field("duration_text", span.description)
    }

    /// A route as data: its kind, the rule, the steps (who, how many, and
    /// with `progress` who approved so far), the deny rules that matched, or
    /// why nothing routed it. Null before routing.
    static func route(_ route: RouteOutcome?, progress: [StepStatus]?, _ json: inout JSONOutput) {
        guard let route else { return json.null() }
        json.beginObject()
        var rule: String?
        var steps: [RoutedStep] = []
        var denials: [DenyMatch] = []
        var reason: String?
        let kind: String
        switch route {
        case let .steps(name, routed): kind = "steps"; rule = name; steps = routed
        case let .denied(matches): kind = "denied"; denials = matches
        case let .autoApproved(name): kind = "auto_approved"; rule = name
        case let .unroutable(why): kind = "unroutable"; reason = why
        }
        json.field("kind", kind)
        json.field("rule", rule)
        json.key("steps")
        json.beginArray()
        for (index, step) in steps.enumerated() {
            json.beginObject()
            json.field("name", step.name)
            json.field("approvers", step.approvers)
            json.field("count", step.required)
            if let progress, index < progress.count {
                json.field("approvals", progress[index].approvedBy.count)
                json.field("approved_by", progress[index].approvedBy)
                json.field("missing", progress[index].missing)
            }
            json.endObject()
        }
        json.endArray()
        json.key("denials")
        json.beginArray()
        for denial in denials {
            json.beginObject()
            json.field("rule", denial.rule)
            json.field("reason", denial.reason)
            json.endObject()
        }
        json.endArray()
        json.field("reason", reason)
        json.endObject()
    }

    /// Revocation triggers as a request file writes them: `{"trigger", "ref"}`.
    static func triggers(_ triggers: [RevocationTrigger], _ json: inout JSONOutput) {
        json.beginArray()
        for trigger in triggers {
            json.beginObject()
            json.field("trigger", trigger.name)
            json.field("ref", trigger.ref)
            json.endObject()
        }
        json.endArray()
    }
}
