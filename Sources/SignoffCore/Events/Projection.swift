import Foundation

/// Folds events into request records. The store's query tables are this fold
/// written down; `audit verify` recomputes it and compares.
public enum Projection {
    /// Applies one event to the record it concerns. Returns nil for events that
    /// concern no request (policy changes). A submission creates the record.
    public static func apply(_ event: EventDraft, to record: RequestRecord?) -> RequestRecord? {
        guard var record else {
            if case let .requestSubmitted(submitted) = event.body, let id = event.requestID {
                return RequestRecord(id: id, request: submitted.request, submittedBy: event.actor, submittedAt: event.at)
            }
            return nil
        }
        apply(event, into: &record)
        return record
    }

    /// `apply` to an existing record, changed in place rather than copied: the
    /// same fold, for callers that keep records in a collection.
    public static func apply(_ event: EventDraft, into record: inout RequestRecord) {
        switch event.body {
        case .policyApplied:
            return
        case let .requestSubmitted(submitted):
            guard let id = event.requestID else { return }
            record = RequestRecord(id: id, request: submitted.request, submittedBy: event.actor, submittedAt: event.at)
        case let .requestRouted(routed):
            record.version = routed.version
            record.route = routed.outcome
            record.policyVersion = routed.policyVersion
            switch routed.outcome {
            case .steps: record.state = .pending
            case .unroutable: record.state = .blocked
            case .denied, .autoApproved: break // a request_decided event follows
            }
        case let .reviewRecorded(review):
            record.reviews.append(Review(reviewer: event.actor, verdict: review.verdict, rationale: review.rationale,
                                         at: event.at, requestVersion: review.requestVersion, policyVersion: review.policyVersion))
        case .reviewRefused:
            return
        case let .requestDecided(decided):
            record.state = decided.state
            record.decision = Decision(state: decided.state, at: event.at, by: decided.by,
                                       policyVersion: decided.policyVersion, reason: decided.reason)
        case let .requestWithdrawn(withdrawn):
            record.state = .withdrawn
            record.decision = Decision(state: .withdrawn, at: event.at, by: [event.actor.name],
                                       policyVersion: record.policyVersion, reason: withdrawn.rationale ?? "withdrawn by the requester")
        }
    }
}
