import Foundation
import SignoffCore
import SignoffStore

/// The JSON shape of a request for scripts: flat, named fields, stable keys.
struct RecordJSON: Encodable {
    struct Route: Encodable {
        var kind: String
        var rule: String?
        var steps: [Step]?
        var denials: [DenyMatch]?
        var reason: String?
    }
    struct Step: Encodable {
        var name: String
        var approvers: String
        var required: Int
        var approvedBy: [String]
        var missing: Int
        enum CodingKeys: String, CodingKey { case name, approvers, required, approvedBy = "approved_by", missing }
    }
    struct ReviewJSON: Encodable {
        var reviewer: String
        var identifiedBy: String
        var verdict: String
        var rationale: String
        var at: Date
        var requestVersion: Int
        var policyVersion: String
        enum CodingKeys: String, CodingKey {
            case reviewer, verdict, rationale, at
            case identifiedBy = "identified_by", requestVersion = "request_version", policyVersion = "policy_version"
        }
    }
    struct DecisionJSON: Encodable {
        var state: String
        var at: Date
        var by: [String]
        var reason: String
        var policyVersion: String?
        var selfActivated: Bool
        enum CodingKeys: String, CodingKey {
            case state, at, by, reason, policyVersion = "policy_version", selfActivated = "self_activated"
        }
    }
    struct EventJSON: Encodable {
        var sequence: Int64
        var at: Date
        var actor: String
        var identifiedBy: String
        var kind: String
        var summary: String
        var hash: String
        enum CodingKeys: String, CodingKey { case sequence, at, actor, kind, summary, hash, identifiedBy = "identified_by" }
    }

    var id: String
    var state: String
    var version: Int
    var request: AccessRequest
    var submittedBy: String
    var submittedByIdentifiedBy: String
    var submittedAt: Date
    var policyVersion: String?
    var route: Route?
    var reviews: [ReviewJSON]
    var decision: DecisionJSON?
    var timeline: [EventJSON]?
    var grant: GrantJSON?
    /// Who was notified of what and when (the outbox's messages about it).
    var notifications: [NotificationJSON]?

    enum CodingKeys: String, CodingKey {
        case id, state, version, request, route, reviews, decision, timeline, grant, notifications
        case submittedBy = "submitted_by", submittedByIdentifiedBy = "submitted_by_identified_by"
        case submittedAt = "submitted_at", policyVersion = "policy_version"
    }

    init(_ record: RequestRecord, policy: Policy?, events: [RecordedEvent]?, grant: Grant? = nil, now: Date) {
        self.grant = grant.map { GrantJSON($0, now: now) }
        id = record.id
        state = record.state.rawValue
        version = record.version
        request = record.request
        submittedBy = record.submittedBy.name
        submittedByIdentifiedBy = record.submittedBy.authentication.rawValue
        submittedAt = record.submittedAt
        policyVersion = record.policyVersion
        switch record.route {
        case let .steps(rule, steps)?:
            let progress = policy.map { Lifecycle.progress(record, policy: $0) } ?? steps.map { StepStatus(step: $0, approvedBy: []) }
            route = Route(kind: "steps", rule: rule, steps: progress.map {
                Step(name: $0.step.name, approvers: $0.step.approvers, required: $0.step.required, approvedBy: $0.approvedBy, missing: $0.missing)
            })
        case let .denied(matches)?:
            route = Route(kind: "denied", denials: matches)
        case let .autoApproved(rule)?:
            route = Route(kind: "auto_approved", rule: rule)
        case let .unroutable(reason)?:
            route = Route(kind: "unroutable", reason: reason)
        case nil:
            route = nil
        }
        reviews = record.reviews.map {
            ReviewJSON(reviewer: $0.reviewer.name, identifiedBy: $0.reviewer.authentication.rawValue, verdict: $0.verdict.rawValue,
                       rationale: $0.rationale, at: $0.at, requestVersion: $0.requestVersion, policyVersion: $0.policyVersion)
        }
        decision = record.decision.map {
            DecisionJSON(state: $0.state.rawValue, at: $0.at, by: $0.by, reason: $0.reason, policyVersion: $0.policyVersion,
                         selfActivated: $0.isSelfActivated)
        }
        timeline = events?.map {
            EventJSON(sequence: $0.sequence, at: $0.draft.at, actor: $0.draft.actor.name,
                      identifiedBy: $0.draft.actor.authentication.rawValue, kind: $0.draft.body.kind,
                      summary: $0.draft.body.summary, hash: $0.hash)
        }
    }
}
