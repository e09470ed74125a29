import Foundation
import SignoffCore
import SignoffStore

extension Commands {
    /// The sweep (`signoff expire`, for cron or a timer): expires the grants
    /// due now and times out the requests older than the policy's pending
    /// timeout. Idempotent: a second sweep, or two at once, change nothing the
    /// first did not.
    public struct Sweep: StoreCommand {
        public init() {}
        public var operation: Operation { .sweep }
        /// A sweep over a hundred thousand grants keeps no list of their events.
        public var keepsEvents: Bool { false }

        /// What one sweep recorded, by request ID.
        public struct Outcome: Sendable, Equatable {
            public var expired: [String] = []
            public var timedOut: [String] = []
            /// Extension requests closed because their grant expired.
            public var closed: [String] = []
            /// Due grants whose rows cannot be read (changed outside signoff):
            /// passed over, so that they hold up no other grant's end.
            public var unreadable: [String] = []
            public var isEmpty: Bool { expired.isEmpty && timedOut.isEmpty && closed.isEmpty && unreadable.isEmpty }
        }

        /// Appends each event as it is decided, keeping only the IDs.
        public func decide(_ tx: CommandTransaction) throws -> Outcome {
            let policy = try tx.policy()
            var outcome = Outcome()
            let now = tx.now, actor = tx.actor
            // Read once: open extensions are few, and a sweep may expire 100,000 grants.
            var openExtensions: [RequestRecord]?
            outcome.unreadable = try tx.store.forEachGrantDue(at: now) { status in
                if openExtensions == nil { openExtensions = try tx.store.openExtensions() }
                let events = Lifecycle.expire(status, openExtensions: openExtensions ?? [], policy: policy, by: actor, at: now)
                guard !events.isEmpty else { return }
                for event in events {
                    try tx.append(event)
                    if case .requestDecided = event.body, let id = event.requestID { outcome.closed.append(id) }
                }
                outcome.expired.append(status.requestID)
            }
            if let timeout = policy.pendingTimeout {
                let cutoff = now.addingTimeInterval(-TimeInterval(timeout.seconds))
                for record in try tx.store.openRecords(submittedBy: cutoff) {
                    guard let event = Lifecycle.timeOut(record, policy: policy, by: actor, at: now) else { continue }
                    try tx.append(event)
                    outcome.timedOut.append(record.id)
                }
            }
            return outcome
        }
    }

    /// Delivers pending (and failed) hand-offs again, grant documents then
    /// removal documents: all of them, or those of the request and finding
    /// IDs given (a grant's only when request IDs are given, or none at all;
    /// likewise a removal's). Refused, with nothing delivered, when no
    /// hand-off is configured, its target may not be used in this process,
    /// or an ID names nothing.
    public func retryHandOffs(requests: [String], findings: [String])
        throws(CommandError) -> (grants: [HandOff.Delivery], removals: [HandOff.RemovalDelivery]) {
        let handOff = try usableHandOff()
        do {
            for id in requests where try store.record(id) == nil { throw CommandError.noSuchRequest(id) }
            for id in findings where try store.finding(id) == nil {
                throw CommandError.badInput("there is no finding \(id); `signoff drift --all` lists the findings there are")
            }
            let all = requests.isEmpty && findings.isEmpty
            var grants: [HandOff.Delivery] = []
            if all || !requests.isEmpty {
                let targets = all
                    ? try store.grants(.attention).filter { $0.provisioning == .pending || $0.provisioning == .failed }.map(\.requestID)
                    : requests
                grants = try handOff.deliver(targets, retry: true, explicit: !all, now: clock.now)
            }
            var removals: [HandOff.RemovalDelivery] = []
            if all || !findings.isEmpty {
                let targets = all
                    ? try store.findings().filter { $0.removal.map { $0.handOff == .pending || $0.handOff == .failed } ?? false }.map(\.id)
                    : findings
                removals = try handOff.deliverRemovals(targets, retry: true, explicit: !all, now: clock.now)
            }
            return (grants, removals)
        } catch {
            throw CommandError.from(error)
        }
    }

    /// The hand-off this process may deliver through, for a retry: refused,
    /// with nothing delivered, when none is configured or its target may not
    /// be used here (another identity's command, an untrusted target).
    private func usableHandOff() throws(CommandError) -> HandOff {
        do throws(Refusal) {
            try Permissions.check(.init(operation: .retryHandOff, permission: nil, actor: actor, storeCreator: nil, at: clock.now()),
                                  policy: nil)
        } catch {
            throw .refused(error, recorded: false)
        }
        let configuration: HandOffConfiguration
        do { configuration = try store.handOff() } catch { throw CommandError.from(error) }
        guard configuration.isConfigured else {
            throw .refused(Refusal(.notActive, "no hand-off is configured; set one with `signoff handoff set --outbox DIR` or `--command CMD`"), recorded: false)
        }
        let handOff = HandOff(store: store, actor: actor, trust: trust)
        if let refusal = handOff.refusal(configuration) {
            throw .refused(Refusal(.notEligible, "nothing was delivered: \(refusal)"), recorded: false)
        }
        return handOff
    }
}
