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
        case .reviewRefused, .actionRefused, .grantIssued, .grantHandedOff, .grantProvisioned, .grantProvisioningFailed, .grantExpired,
             .grantRevoked, .grantExtended, .incidentReviewCompleted, .handOffConfigured, .storeCreated, .settingsChanged,
             .schemaMigrated, .reconciliationRun, .findingOpened, .findingResolved, .findingExcepted, .findingRemovalRequested, .removalHandedOff, .removalHandOffFailed,
             .intakeRefused, .writeBackConfigured:
            // Grants are their own fold (`GrantProjection`); the request keeps its decision.
            return
        case let .ticketLinked(linked):
            if let editor = linked.editedBy, editor != record.requester, record.editors?.contains(editor) != true {
                record.editors = (record.editors ?? []) + [editor]
            }
        case let .requestDecided(decided):
            record.state = decided.state
            record.decision = Decision(state: decided.state, at: event.at, by: decided.by,
                                       policyVersion: decided.policyVersion, reason: decided.reason,
                                       selfActivated: decided.selfActivated)
        case let .requestRevised(revised):
            // The route and the new version come with the `request_routed`
            // event that follows; until then nobody can decide it (a revision
            // appended by hand without one must not leave the old route and
            // version to approve the new terms).
            record.request = revised.request
            record.route = nil
        case let .requestWithdrawn(withdrawn):
            record.state = .withdrawn
            record.decision = Decision(state: .withdrawn, at: event.at, by: [event.actor.name],
                                       policyVersion: record.policyVersion, reason: withdrawn.rationale ?? "withdrawn by the requester")
        }
    }

    /// What is wrong with a request's stored record (`stored`) against the
    /// record its own events (`history`, in order) give, for a reader; nil
    /// when they agree. A row edited outside signoff would otherwise be shown
    /// to an approver, and decided on, as if it were the request the chain holds.
    public static func rowProblem(_ stored: RequestRecord, history: [RecordedEvent]) -> String? {
        guard let replayed = history.reduce(nil, { apply($1.draft, to: $0) }) else { return "no event submits it" }
        guard replayed != stored else { return nil }
        let what = replayed.request != stored.request ? "the request (what its approvers are shown)"
            : replayed.version != stored.version ? "its version" : replayed.state != stored.state ? "its state" : "its record"
        return "\(what) differs from what its events record"
    }
}

/// Folds grant events into grants, as `Projection` folds request events into
/// records. A grant exists from its `grant_issued` event on.
public enum GrantProjection {
    /// Whether the event changes a grant (and so the `grants` table).
    public static func concernsGrant(_ body: EventBody) -> Bool {
        switch body {
        case .grantIssued, .grantHandedOff, .grantProvisioned, .grantProvisioningFailed, .grantExpired, .grantRevoked,
             .grantExtended, .incidentReviewCompleted:
            true
        case .policyApplied, .requestSubmitted, .requestRouted, .reviewRecorded, .reviewRefused, .actionRefused,
             .requestDecided, .requestWithdrawn, .handOffConfigured, .storeCreated, .settingsChanged, .schemaMigrated, .reconciliationRun, .findingOpened, .findingResolved, .findingExcepted, .findingRemovalRequested, .removalHandedOff, .removalHandOffFailed,
             .requestRevised, .ticketLinked, .intakeRefused, .writeBackConfigured:
            false
        }
    }

    public static func apply(_ event: EventDraft, to grant: Grant?) -> Grant? {
        if case let .grantIssued(issued) = event.body, let id = event.requestID {
            return Grant(requestID: id, terms: issued.terms,
                         state: issued.expiresAt == nil ? .awaitingProvisioning : .active,
                         approvedAt: event.at, approvers: issued.approvers, policyVersion: issued.policyVersion,
                         duration: issued.duration, startsAt: issued.startsAt, expiresAt: issued.expiresAt,
                         selfActivated: issued.selfActivated,
                         incidentReview: issued.incidentReview.map { IncidentReview(reviewers: $0.reviewers, dueAt: $0.dueAt) },
                         endsBy: issued.endsBy)
        }
        guard var grant else { return nil }
        apply(event, into: &grant.status)
        return grant
    }

    /// Every grant event but `grant_issued` changes the status alone.
    public static func apply(_ event: EventDraft, into grant: inout GrantStatus) {
        switch event.body {
        case let .grantHandedOff(handedOff):
            grant.provisioningAction = handedOff.action
            grant.provisioning = .handedOff
            grant.provisioningReason = nil
            grant.provisioningAt = event.at
        case let .grantProvisioned(provisioned):
            grant.provisioningAction = provisioned.action
            grant.provisioning = .done
            grant.provisioningReason = provisioned.note
            grant.provisioningAt = event.at
            // Where the clock starts at provisioning, it starts now, or at the
            // request's own start when that is still to come.
            if provisioned.action == .grant, grant.state == .awaitingProvisioning || grant.state == .failed {
                if grant.expiresAt == nil {
                    let start = max(grant.startsAt ?? event.at, event.at)
                    grant.startsAt = start
                    grant.expiresAt = start.addingTimeInterval(TimeInterval(grant.duration.seconds))
                    // Never past the end of the window the request asked for; a
                    // confirmation after that end leaves a grant due at once.
                    if let end = grant.endsBy, let expiry = grant.expiresAt, end < expiry {
                        let clipped = max(end, start)
                        grant.expiresAt = clipped
                        grant.duration = TimeSpan(seconds: Int(clipped.timeIntervalSince(start).rounded(.down)))
                    }
                }
                grant.state = .active
            }
        case let .grantProvisioningFailed(failed):
            grant.provisioningAction = failed.action
            grant.provisioning = .failed
            grant.provisioningReason = failed.reason
            grant.provisioningAt = event.at
            // Access that provisioning could not grant is not in effect, whatever the clock says.
            if failed.action == .grant, grant.state.isLive { grant.state = .failed }
        case .grantExpired:
            grant.state = .expired
            grant.endedAt = event.at
            grant.endedBy = event.actor.name
            grant.endReason = "expired"
            grant.provisioningAction = .expire
            grant.provisioning = .pending
            grant.provisioningReason = nil
            grant.provisioningAt = nil
        case let .grantRevoked(revoked):
            grant.state = .revoked
            grant.endedAt = event.at
            grant.endedBy = event.actor.name
            grant.endReason = revoked.trigger.map { "trigger \($0.name) \($0.ref): \(revoked.rationale)" } ?? revoked.rationale
            grant.provisioningAction = .revoke
            grant.provisioning = .pending
            grant.provisioningReason = nil
            grant.provisioningAt = nil
        case let .grantExtended(extended):
            grant.duration = grant.duration.adding(extended.by)
            grant.expiresAt = extended.expiresAt ?? grant.expiresAt
            // Extended before provisioning started its clock: its window is longer too.
            grant.endsBy = grant.endsBy.map { $0.addingTimeInterval(TimeInterval(extended.by.seconds)) }
            grant.extensions.append(extended.extensionID)
            // Provisioning must learn the new expiry: the grant is handed off again.
            grant.provisioningAction = .grant
            grant.provisioning = .pending
            grant.provisioningReason = nil
            grant.provisioningAt = nil
        case let .incidentReviewCompleted(completed):
            guard grant.reviewDueAt != nil else { return }
            grant.reviewCompletedAt = event.at
            grant.reviewCompletedBy = event.actor.name
            grant.reviewRationale = completed.rationale
        case .grantIssued:
            return  // creates the grant: `apply(_:to:)`
        case .policyApplied, .requestSubmitted, .requestRouted, .reviewRecorded, .reviewRefused, .actionRefused,
             .requestDecided, .requestWithdrawn, .handOffConfigured, .storeCreated, .settingsChanged, .schemaMigrated, .reconciliationRun, .findingOpened, .findingResolved, .findingExcepted, .findingRemovalRequested, .removalHandedOff, .removalHandOffFailed,
             .requestRevised, .ticketLinked, .intakeRefused, .writeBackConfigured:
            return
        }
    }
}
