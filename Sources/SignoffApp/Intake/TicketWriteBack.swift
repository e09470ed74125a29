import Foundation
import SignoffCore
import SignoffJira
import SignoffStore

/// What a ticket hears of its request, enqueued in the outbox (channel
/// `jira`) in the transaction of the event that causes it: the comment as the
/// exact body Jira will receive, and the status to move the ticket to, as the
/// site's write-back settings say. A process holding the site's credentials
/// delivers them later (`JiraDelivery`); nothing here waits for Jira, and a
/// failed delivery never changes what was decided.
public enum TicketWriteBack {
    /// The moment an event is for its ticket, if it is one a ticket hears of.
    static func moment(of body: EventBody) -> JiraMapping.Moment? {
        switch body {
        case let .requestRouted(routed):
            switch routed.outcome {
            case .steps, .unroutable: return .routed
            case .denied, .autoApproved: return nil // the decision follows in the same transaction
            }
        case let .requestDecided(decided):
            switch decided.state {
            case .denied: return .denied
            case .timedOut: return .timedOut
            case .approved, .pending, .blocked, .withdrawn: return nil // approved: the grant_issued event carries it
            }
        case .requestWithdrawn: return .withdrawn
        case .grantIssued: return .approved
        case .grantRevoked: return .revoked
        case .grantExpired: return .expired
        case .grantProvisioningFailed: return .failed
        case .grantExtended: return .extended
        case let .intakeRefused(refused): return refused.isClosing ? nil : .refused // a closed ticket hears nothing more
        case .policyApplied, .requestSubmitted, .reviewRecorded, .reviewRefused, .actionRefused, .grantHandedOff,
             .grantProvisioned, .incidentReviewCompleted, .handOffConfigured, .storeCreated, .settingsChanged,
             .schemaMigrated, .requestRevised, .ticketLinked, .writeBackConfigured, .reconciliationRun, .findingOpened,
             .findingResolved, .findingExcepted, .findingRemovalRequested, .removalHandedOff, .removalHandOffFailed:
            return nil
        }
    }

    /// Enqueues what `event` means for its request's ticket, if the request
    /// came from one and the ticket's site has write-back settings. Returns
    /// how many messages were added. `policy`: the one routing is shown under
    /// (taken only when a comment is written: most events write none).
    /// `routes`: route comments already rendered in this transaction.
    @discardableResult
    public static func enqueue(after event: RecordedEvent, in store: WriteTransaction, policy: @autoclosure () -> Policy?,
                               at now: Date, routes: RouteComments? = nil) throws -> Int {
        let draft = event.draft
        guard let moment = moment(of: draft.body), try store.writesBackToAnySite() else { return 0 }
        let ticket: TicketRef
        if case let .intakeRefused(refused) = draft.body {
            ticket = refused.ticket
        } else {
            // The link first: an indexed lookup that ends here for every request no ticket made
            // (a sweep over 100,000 grants would otherwise read and decode each record).
            guard let id = draft.requestID, let linked = try store.ticket(ofRequest: id),
                  try store.record(id)?.request.ticket != nil else { return 0 }
            ticket = linked
        }
        guard let settings = try store.writeBack(source: ticket.source, site: ticket.site) else { return 0 }
        var added = 0
        let deployment: JiraMapping.Deployment = settings.format == "wiki" ? .server : .cloud
        if settings.comments, let body = try commentBody(for: draft, in: store, policy: policy(), deployment: deployment, routes: routes) {
            let payload = JiraDelivery.Payload(kind: .comment, issue: ticket.issueID, key: ticket.key, site: ticket.site,
                                               api: deployment.apiVersion, status: nil, body: String(decoding: body, as: UTF8.self))
            if try store.enqueue(payload.message(moment: moment, sequence: event.sequence, requestID: draft.requestID),
                                 cause: event.sequence, at: now) { added += 1 }
        }
        if let status = settings.transitions[moment.rawValue] {
            let payload = JiraDelivery.Payload(kind: .transition, issue: ticket.issueID, key: ticket.key, site: ticket.site,
                                               api: settings.format == "wiki" ? 2 : 3, status: status, body: nil)
            if try store.enqueue(payload.message(moment: moment, sequence: event.sequence, requestID: draft.requestID),
                                 cause: event.sequence, at: now) { added += 1 }
        }
        return added
    }

    /// The body of the comment for one moment. A route comment's route is
    /// rendered once per transaction for all requests routed alike (`routes`).
    static func commentBody(for draft: EventDraft, in store: WriteTransaction, policy: Policy?,
                            deployment: JiraMapping.Deployment, routes: RouteComments?) throws -> Data? {
        if let routes, case let .requestRouted(routed) = draft.body {
            guard let id = draft.requestID, let record = try store.record(id) else { return nil }
            let eligible = eligibleNames(routed, record, original: try store.originalGrant(of: record), policy: policy, at: draft.at)
            let route = routes.rendered(TicketComments.RouteKey(routed, eligible: eligible), for: deployment) {
                TicketComments.route(routed, eligible: eligible)
            }
            return TicketComments.routedFrame(record.id, routed).requestBody(inserting: route, at: TicketComments.routeIndex)
        }
        return try comment(for: draft, in: store, policy: policy)?.requestBody(for: deployment)
    }

    /// Who may decide each step of a route now, by the policy it is shown
    /// under; for an extension, never who asked for the `original`.
    static func eligibleNames(_ routed: EventBody.RequestRouted, _ record: RequestRecord, original: Grant?, policy: Policy?,
                              at date: Date) -> [[String]] {
        guard case let .steps(_, steps) = routed.outcome, let policy else { return [] }
        return steps.map { step in
            policy.candidates(for: step, request: record.request, submittedBy: record.submittedBy.name,
                              editors: Lifecycle.excluded(record, original: original), at: date)
                .filter(\.eligible).map(\.name)
        }
    }

    /// Route comments rendered in one transaction, by what they show: the
    /// tickets of a page routed alike hear the same route, written out once.
    public final class RouteComments {
        private struct Key: Hashable {
            var route: TicketComments.RouteKey
            var deployment: JiraMapping.Deployment
        }
        private var rendered: [Key: JiraComment.RenderedBlocks] = [:]
        /// Enough for the routes of any page; a transaction re-routing a whole store renders the rest each time.
        static let capacity = 1_000

        public init() {}

        func rendered(_ route: TicketComments.RouteKey, for deployment: JiraMapping.Deployment,
                      _ blocks: () -> [JiraComment.Block]) -> JiraComment.RenderedBlocks {
            let key = Key(route: route, deployment: deployment)
            if let found = rendered[key] { return found }
            let made = JiraComment.RenderedBlocks(blocks(), for: deployment)
            if rendered.count < Self.capacity { rendered[key] = made }
            return made
        }
    }

    /// The comment for one moment, from the event and the request as of this transaction.
    static func comment(for draft: EventDraft, in store: WriteTransaction, policy: Policy?) throws -> JiraComment? {
        let id = draft.requestID ?? ""
        switch draft.body {
        case let .intakeRefused(refused):
            return TicketComments.refusal(refused.problems, keeping: draft.requestID)
        case let .requestRouted(routed):
            guard let record = try store.record(id) else { return nil }
            let eligible = eligibleNames(routed, record, original: try store.originalGrant(of: record), policy: policy, at: draft.at)
            return TicketComments.routed(record, routed, eligible: eligible)
        case let .grantIssued(issued):
            guard let record = try store.record(id) else { return nil }
            return TicketComments.approved(record, issued)
        case let .requestDecided(decided):
            guard let record = try store.record(id) else { return nil }
            return TicketComments.decided(record, decided)
        case let .requestWithdrawn(withdrawn):
            return TicketComments.withdrawn(id, by: draft.actor.name, rationale: withdrawn.rationale)
        case let .grantRevoked(revoked):
            return TicketComments.revoked(id, by: draft.actor.name, revoked)
        case let .grantExpired(expired):
            return TicketComments.expired(id, expired)
        case let .grantProvisioningFailed(failed):
            return TicketComments.provisioningFailed(id, failed)
        case let .grantExtended(extended):
            return TicketComments.extended(id, extended)
        case .policyApplied, .requestSubmitted, .reviewRecorded, .reviewRefused, .actionRefused, .grantHandedOff,
             .grantProvisioned, .incidentReviewCompleted, .handOffConfigured, .storeCreated, .settingsChanged,
             .schemaMigrated, .requestRevised, .ticketLinked, .writeBackConfigured, .reconciliationRun, .findingOpened,
             .findingResolved, .findingExcepted, .findingRemovalRequested, .removalHandedOff, .removalHandOffFailed:
            return nil
        }
    }
}
