import Foundation
import SignoffCore
import SignoffStore

/// One command's write transaction as the command sees it: who acts, when,
/// under which policy, the store as of this transaction, and the one way to
/// record events (`append`). Valid only inside `Commands.run`.
public final class CommandTransaction {
    /// The store as of this transaction, for reads. Commands append only
    /// through `append`, never through `store.append`.
    public let store: WriteTransaction
    public let actor: Principal
    /// The time the command acts at, from the one clock.
    public let now: Date
    /// The policy in force, parsed (nil only for operations that run without one).
    public let policyInForce: Policy?
    /// Who created the store: holds what no role of the policy grants.
    public let storeCreator: Principal?

    /// Whether recorded events are kept for the result (a sweep of a hundred
    /// thousand grants keeps none).
    let keepsEvents: Bool
    private(set) var recorded: [RecordedEvent] = []
    /// Grants whose provisioning the recorded events changed, in the order
    /// they were first changed, for the hand-off after the commit.
    var grantsToHandOff: [String] {
        var seen = Set<String>(minimumCapacity: grantsChanged.count)
        return grantsChanged.filter { seen.insert($0).inserted }
    }
    /// The same, once for each event that changed one (a sweep changes a
    /// hundred thousand, each once: no set is kept for them per event).
    private var grantsChanged: [String] = []
    /// Findings whose removal the recorded events requested, for the hand-off after the commit.
    private(set) var removalsToHandOff: [String] = []
    /// The policy whose `notifications:` section says who hears of what is
    /// recorded here, and under which routes are shown to tickets: the one in
    /// force, or the one this command applies.
    private var notifying: Policy? {
        didSet { notifies = notifying?.notifications != nil }
    }
    /// Whether `notifying` says who hears of anything: asked for every event,
    /// without copying the policy each time.
    private var notifies: Bool
    /// Outbox messages this command enqueued, for the delivery after the commit.
    private(set) var notificationsQueued = 0
    /// Messages this command enqueued for tickets (`TicketWriteBack`).
    private(set) var ticketUpdatesQueued = 0
    /// Route comments rendered for tickets in this command, by route.
    private let routeComments = TicketWriteBack.RouteComments()

    init(store: WriteTransaction, actor: Principal, now: Date, policy: Policy?, storeCreator: Principal?, keepsEvents: Bool) {
        self.store = store
        self.storeCreator = storeCreator
        self.actor = actor
        store.outboxActor = actor
        self.now = now
        self.policyInForce = policy
        self.keepsEvents = keepsEvents
        self.notifying = policy
        self.notifies = policy?.notifications != nil
    }

    /// The policy in force; operations that decide cannot go on without one.
    public func policy() throws(CommandError) -> Policy {
        guard let policyInForce else { throw .noPolicy }
        return policyInForce
    }

    /// The request `id` as of this transaction, or `noSuchRequest`.
    public func record(_ id: String) throws -> RequestRecord {
        guard let record = try store.record(id) else { throw CommandError.noSuchRequest(id) }
        return record
    }

    /// The grant of request `id` as of this transaction, or why there is
    /// none. `asRecorded`: as its events give it where its rows differ
    /// (`WriteTransaction.grantAsRecorded`), for what takes access away;
    /// otherwise rows that differ from the events are refused. `action`: the
    /// grant action attempted, whose refusal for a request without a grant is
    /// kept as evidence like any other.
    public func grant(_ id: String, asRecorded: Bool = false, attempting action: AttemptedAction? = nil) throws -> Grant {
        if let grant = try asRecorded ? store.grantAsRecorded(id) : store.grant(id) { return grant }
        let record = try record(id)
        if let original = record.request.extends {
            throw CommandError.badInput("\(id) extends \(original); its grant is \(original)'s: use \(original)")
        }
        let why = Refusal(.notActive, "\(id) has no grant: it is \(record.state.rawValue)")
        if let action { throw try refusal(why, recording: [Lifecycle.refused(action, why, requestID: id, by: actor, at: now)]) }
        throw CommandError.refused(why, recorded: false)
    }

    /// **Seam (b): every event a command records goes through here**, inside
    /// the command's transaction. This is the place to check what must hold
    /// for an event to be recorded at all (a decision's signature) and to
    /// enqueue what it causes in the same transaction (outbox messages), so
    /// that an event and its consequences commit together or not at all.
    /// It appends to the hash chain, notes the grants to hand off, and
    /// enqueues the notifications the event causes (`NotificationQueue`).
    @discardableResult
    public func append(_ draft: EventDraft) throws -> RecordedEvent {
        let event = try store.append(draft)
        if keepsEvents { recorded.append(event) }
        if let id = HandOff.grantToDeliver(draft) { grantsChanged.append(id) }
        if case let .findingRemovalRequested(requested) = draft.body { removalsToHandOff.append(requested.findingID) }
        if case let .policyApplied(applied) = draft.body {
            // Requests re-routed by a new policy are announced, and shown to their tickets, as it says.
            notifying = try? applied.parsed()
        }
        if notifies, let notifying {
            notificationsQueued += try NotificationQueue.enqueue(for: [event], in: store, policy: notifying, at: now)
        }
        ticketUpdatesQueued += try TicketWriteBack.enqueue(after: event, in: store, policy: notifying, at: now, routes: routeComments)
        return event
    }

    public func append(_ drafts: some Sequence<EventDraft>) throws {
        for draft in drafts { try append(draft) }
    }

    /// A refusal the rules make that is kept as evidence: its event is
    /// recorded and commits; the command then fails with it. Throw the result.
    public func refusal(_ refusal: Refusal, recording events: [EventDraft]) throws -> RecordedRefusal {
        try append(events)
        return RecordedRefusal(refusal: refusal)
    }

    /// Runs a grant action's rules; a refusal becomes evidence
    /// (`action_refused`) before it becomes the command's failure.
    public func refusingAsEvidence<T>(_ action: AttemptedAction, of id: String?,
                                      _ decide: () throws(Refusal) -> T) throws -> T {
        do throws(Refusal) {
            return try decide()
        } catch {
            throw try refusal(error, recording: [Lifecycle.refused(action, error, requestID: id, by: actor, at: now)])
        }
    }
}

/// A refusal whose evidence was appended: `Commands.run` commits it, then fails.
public struct RecordedRefusal: Error {
    public var refusal: Refusal
}


