import Foundation

/// Folds events into request records. The store's query tables are this fold
/// written down; `audit verify` recomputes it and compares.
public enum Projection {
    /// Applies one event to the record it concerns. Returns nil for events that
    /// concern no request (policy changes). A submission creates the record.
    public static func apply(_ event: EventDraft, to record: RequestRecord?) -> RequestRecord? {
        switch event.body {
        case .policyApplied:
            return record
        case let .requestSubmitted(submitted):
            guard let id = event.requestID else { return record }
            return RequestRecord(id: id, request: submitted.request, submittedBy: event.actor, submittedAt: event.at)
        case let .requestRouted(routed):
            guard var record else { return nil }
            record.version = routed.version
            record.route = routed.outcome
            record.policyVersion = routed.policyVersion
            switch routed.outcome {
            case .steps: record.state = .pending
            case .unroutable: record.state = .blocked
            case .denied, .autoApproved: break // a request_decided event follows
            }
            return record
        case let .reviewRecorded(review):
            guard var record else { return nil }
            record.reviews.append(Review(reviewer: event.actor, verdict: review.verdict, rationale: review.rationale,
                                         at: event.at, requestVersion: review.requestVersion, policyVersion: review.policyVersion))
            return record
        case .reviewRefused:
            return record
        case let .requestDecided(decided):
            guard var record else { return nil }
            record.state = decided.state
            record.decision = Decision(state: decided.state, at: event.at, by: decided.by,
                                       policyVersion: decided.policyVersion, reason: decided.reason)
            return record
        case let .requestWithdrawn(withdrawn):
            guard var record else { return nil }
            record.state = .withdrawn
            record.decision = Decision(state: .withdrawn, at: event.at, by: [event.actor.name],
                                       policyVersion: record.policyVersion, reason: withdrawn.rationale ?? "withdrawn by the requester")
            return record
        }
    }
}
