import Foundation
import SignoffCore
import SignoffStore

/// Hands approved (and ended) grants to provisioning, after the decision is
/// committed: never inside a store transaction, so a slow or failing
/// provisioning system never holds the store or undoes a decision.
///
/// - outbox: the grant document is written atomically as
///   `<outbox>/<request>-<action>-<event>.json`; provisioning reports back
///   with `signoff provisioned` / `provisioning-failed`.
/// - command: `/bin/sh -c <command>` receives the document on stdin; exit 0
///   records the action done, anything else (a failure, a timeout, a missing
///   command) records it failed with the reason. The grant is never lost: it
///   stays recorded and `signoff handoff retry` delivers it again.
///
/// A grant whose history holds a decision signoff's lifecycle does not record
/// (`Store.grantHistoryProblems`: written into the store by hand) is not
/// handed off to be given: its hand-off is recorded failed, with the reason.
public struct HandOff: Sendable {
    public let store: Store
    public let actor: Principal
    /// The commands this account set itself: the only ones it runs.
    public let trust: CommandTrust

    public init(store: Store, actor: Principal, trust: CommandTrust = .forAccount()) {
        self.store = store
        self.actor = actor
        self.trust = trust
    }

    /// What one delivery did, for the command's output.
    public struct Delivery: Sendable, Hashable {
        public var requestID: String
        public var action: HandOffAction
        public var outcome: String
        public var failed: Bool
    }

    /// How a hand-off refused for a disputed history begins.
    static let notHandedOff = "not handed off: signoff records no such decision"

    /// The grants these events issued, ended or extended: what to hand off next.
    public static func grantsToDeliver(_ events: [EventDraft]) -> [String] {
        var ids: [String] = []
        for event in events {
            if let id = grantToDeliver(event), !ids.contains(id) { ids.append(id) }
        }
        return ids
    }

    /// The grant this event issued, ended or extended, if any.
    public static func grantToDeliver(_ event: EventDraft) -> String? {
        switch event.body {
        case .grantIssued, .grantExpired, .grantRevoked, .grantExtended:
            return event.requestID
        case .policyApplied, .requestSubmitted, .requestRouted, .reviewRecorded, .reviewRefused, .requestDecided,
             .requestWithdrawn, .grantHandedOff, .grantProvisioned, .grantProvisioningFailed, .actionRefused,
             .incidentReviewCompleted, .handOffConfigured, .storeCreated, .settingsChanged, .schemaMigrated, .reconciliationRun, .findingOpened, .findingResolved, .findingExcepted, .findingRemovalRequested, .removalHandedOff, .removalHandOffFailed,
             .requestRevised, .ticketLinked, .intakeRefused, .writeBackConfigured:
            return nil
        }
    }

    /// Delivers every grant among `ids` whose latest action is not yet handed
    /// off (and, with `retry`, those whose hand-off failed). Nothing configured:
    /// nothing happens, and the grants stay visibly pending.
    ///
    /// A hand-off command runs with the rights of the process that delivers,
    /// so only processes of the identity that set it run it: anyone who can
    /// write the store could otherwise make every approver run a command of
    /// their choosing. Others leave the grants pending (and say so) for that
    /// identity's `signoff handoff retry`, e.g. from its crontab. Because the
    /// store's record of who set it can itself be forged by anyone who writes
    /// the file, the command must also be in this account's own `trust` file.
    ///
    /// Each grant is handed off under its hand-off lease (`Store.withHandOffLease`):
    /// whether it is still due is read again once the lease is held, so of two
    /// processes that both saw it pending (an approval delivering after its
    /// commit, and the retry timer), one runs the command or writes the
    /// outbox and records the outcome, and the other finds it recorded and
    /// leaves it (saying so, with `explicit`: IDs a person named). A process
    /// that cannot have the lease within `leaseWait` leaves the grant pending
    /// and says so; nothing runs without it.
    @discardableResult
    public func deliver(_ ids: some Sequence<String>, retry: Bool = false, explicit: Bool = false,
                        now: () -> Date = Date.init) throws -> [Delivery] {
        let configuration = try store.handOff()
        guard configuration.isConfigured else { return [] }
        let refusal = refusal(configuration)
        var deliveries: [Delivery] = []
        for id in ids {
            guard let seen = try store.grant(id) else { continue }
            let action = seen.provisioningAction
            guard Self.isDue(seen.provisioning, retry: retry) else {
                if explicit {
                    deliveries.append(Delivery(requestID: id, action: action, outcome: Self.notAgain(seen.status), failed: false))
                }
                continue
            }
            if let refusal {
                deliveries.append(Delivery(requestID: id, action: action, outcome: "left pending: " + refusal, failed: false))
                continue
            }
            let leased = try store.withHandOffLease(.grant(requestID: id), waitingAtMost: Self.leaseWait(configuration)) {
                try deliverLeased(id, seen: seen.status, explicit: explicit, now: now)
            }
            switch leased {
            case let .held(delivery):
                if let delivery { deliveries.append(delivery) }
            case let .busy(holder):
                deliveries.append(Delivery(requestID: id, action: action, outcome: Self.leftPending(holder), failed: false))
            }
        }
        return deliveries
    }

    /// How long a delivery waits for another process's hand-off of the same
    /// document: long enough for its command to finish (and the outcome it
    /// records to be read), never past the store's own bound on waiting.
    static func leaseWait(_ configuration: HandOffConfiguration) -> TimeInterval {
        min(TimeInterval(configuration.timeoutSeconds) + 5, Store.defaultWriteDeadline)
    }

    static func isDue(_ state: ProvisioningState, retry: Bool) -> Bool {
        switch state {
        case .pending: true
        case .failed: retry
        case .handedOff, .done: false
        }
    }

    /// Whether the hand-off read under the lease is the one this process saw
    /// due: nobody recorded an outcome for it, and no decision replaced it.
    static func sameHandOff(_ seen: GrantStatus, _ current: GrantStatus) -> Bool {
        seen.provisioningAction == current.provisioningAction && seen.provisioning == current.provisioning
            && seen.provisioningAt == current.provisioningAt && seen.provisioningReason == current.provisioningReason
    }

    static func leftPending(_ holder: String?) -> String {
        "left pending: another process is handing it off" + (holder.map { " (\($0))" } ?? "")
            + "; `signoff handoff retry` delivers it if that one does not"
    }

    static func notAgain(_ status: GrantStatus) -> String {
        notAgain(status.provisioningAction.rawValue, status.provisioning, reason: status.provisioningReason)
    }

    /// Why a hand-off asked for by name was not run again: `what` (its action) already stands at `state`.
    static func notAgain(_ what: String, _ state: ProvisioningState, reason: String?) -> String {
        let words: String
        switch state {
        case .pending: words = "pending"
        case .handedOff: words = "handed off"
        case .done: words = "confirmed done"
        case .failed: words = "failed" + (reason.map { " (\($0))" } ?? "")
        }
        return "not handed off again: its \(what) is already \(words)"
    }

    /// One grant's hand-off, under its lease: read again, still due as
    /// `seen`, handed off, and recorded. Nil when there is nothing to say.
    private func deliverLeased(_ id: String, seen: GrantStatus, explicit: Bool, now: () -> Date) throws -> Delivery? {
        // Set, replaced or turned off while this process waited: what is in force now decides.
        let configuration = try store.handOff()
        guard let (grant, replayed, problems) = try store.checkedGrant(id) else { return nil }
        let action = grant.provisioningAction
        guard Self.sameHandOff(seen, grant.status) else {
            // Another process handed it off (or a decision replaced it) while this one waited.
            return explicit ? Delivery(requestID: id, action: action, outcome: Self.notAgain(grant.status), failed: false) : nil
        }
        if let refusal = refusal(configuration) {
            return Delivery(requestID: id, action: action, outcome: "left pending: " + refusal, failed: false)
        }
        // What provisioning is told is the grant as the chain holds it,
        // whatever its rows were edited to say: a removal reaches the access
        // that was granted, not the account an edited row names.
        let document = GrantDocument(grant: replayed ?? grant, action: action).encoded()
        let body: EventBody
        // Access is given only for decisions signoff records, on rows it
        // wrote: otherwise the refusal is recorded (and notified) as a
        // failed hand-off. Taking access away is never held up.
        let disputed = action == .grant ? problems.first : nil
        if let disputed {
            // Recorded once: a retry every minute must not add an event every minute.
            if grant.provisioning == .failed, let reason = grant.provisioningReason, reason.hasPrefix(Self.notHandedOff) {
                return Delivery(requestID: id, action: action, outcome: reason, failed: true)
            }
            body = .grantProvisioningFailed(.init(action: action, reason: "\(Self.notHandedOff) (\(disputed)); `signoff audit verify` names what was appended by hand"))
        } else if let command = configuration.command {
            let result = HandOffCommand.run(command, input: document, timeout: configuration.timeoutSeconds,
                                            environment: ["SIGNOFF_REQUEST_ID": id, "SIGNOFF_ACTION": action.rawValue])
            body = result.succeeded
                ? .grantProvisioned(.init(action: action, note: "hand-off command exited 0"))
                : .grantProvisioningFailed(.init(action: action, reason: result.problem))
        } else if let outbox = configuration.outbox {
            do {
                let name = try Outbox.write(document, to: outbox, name: "\(id)-\(action.rawValue)-\(now().epochMilliseconds).json")
                body = .grantHandedOff(.init(action: action, via: "outbox \(name)", document: GrantDocument.digest(document)))
            } catch {
                body = .grantProvisioningFailed(.init(action: action, reason: "could not write to the outbox \(outbox): \(error)"))
            }
        } else {
            return nil
        }
        let recorded = try store.write { tx -> GrantStatus? in
            tx.outboxActor = actor
            // Recorded only if no decision replaced this action meanwhile
            // (no other hand-off records while the lease is held).
            guard let current = try tx.grant(id, asStored: true) else { return nil }
            guard current.provisioningAction == action, current.provisioning == grant.provisioning else { return current.status }
            let recorded = try tx.append(EventDraft(requestID: id, actor: actor, at: now(), body: body))
            if let stored = try tx.currentPolicy(), let policy = try? stored.parsed() {
                try NotificationQueue.enqueue(for: [recorded], in: tx, policy: policy, at: recorded.draft.at)
            }
            // A failed hand-off is news for the request's ticket, like any reported failure.
            try TicketWriteBack.enqueue(after: recorded, in: tx, policy: nil, at: recorded.draft.at)
            return nil
        }
        var delivery: Delivery
        switch body {
        case let .grantProvisioningFailed(failure):
            delivery = Delivery(requestID: id, action: action, outcome: failure.reason, failed: true)
        case let .grantHandedOff(handedOff):
            delivery = Delivery(requestID: id, action: action, outcome: "handed off to \(handedOff.via)", failed: false)
        case .grantProvisioned:
            delivery = Delivery(requestID: id, action: action, outcome: "provisioned by the hand-off command", failed: false)
        case .policyApplied, .requestSubmitted, .requestRouted, .reviewRecorded, .reviewRefused, .actionRefused,
             .requestDecided, .requestWithdrawn, .grantIssued, .grantExpired, .grantRevoked, .grantExtended,
             .incidentReviewCompleted, .handOffConfigured, .storeCreated, .settingsChanged, .schemaMigrated, .reconciliationRun, .findingOpened, .findingResolved, .findingExcepted, .findingRemovalRequested, .removalHandedOff, .removalHandOffFailed,
             .requestRevised, .ticketLinked, .intakeRefused, .writeBackConfigured:
            return nil  // a delivery records only the three above
        }
        if let replaced = recorded {
            // Never silently: this document reached provisioning; a decision since (a revocation) has its own hand-off.
            delivery.outcome += "; not recorded: the grant changed meanwhile (its \(replaced.provisioningAction.rawValue) is now \(replaced.provisioning.rawValue)), and a later hand-off stands for it"
        }
        return delivery
    }
}

extension HandOff {
    /// What one delivery of a removal document did.
    public struct RemovalDelivery: Sendable, Hashable {
        public var findingID: String
        public var outcome: String
        public var failed: Bool
    }

    /// Delivers the removal document of every finding among `ids` whose
    /// removal is requested and not yet handed off (with `retry`, also those
    /// that failed), through the same outbox or command, under the same
    /// rules, as grant documents. Each outcome is an event. Nothing
    /// configured, or a hand-off this process may not use: nothing happens,
    /// and the removals stay visibly pending. Each is handed off under its
    /// hand-off lease, as `deliver` hands off grants.
    @discardableResult
    public func deliverRemovals(_ ids: some Sequence<String>, retry: Bool = false, explicit: Bool = false,
                                now: () -> Date = Date.init) throws -> [RemovalDelivery] {
        let configuration = try store.handOff()
        guard configuration.isConfigured else { return [] }
        let refusal = refusal(configuration)
        var deliveries: [RemovalDelivery] = []
        for id in ids {
            guard let finding = try store.finding(id), let removal = finding.removal else { continue }
            guard Self.isDue(removal.handOff, retry: retry) else {
                if explicit { deliveries.append(RemovalDelivery(findingID: id, outcome: Self.notAgain(removal), failed: false)) }
                continue
            }
            if let refusal {
                deliveries.append(RemovalDelivery(findingID: id, outcome: "left pending: " + refusal, failed: false))
                continue
            }
            let leased = try store.withHandOffLease(.removal(findingID: id), waitingAtMost: Self.leaseWait(configuration)) {
                try deliverRemovalLeased(id, seen: removal, explicit: explicit, now: now)
            }
            switch leased {
            case let .held(delivery):
                if let delivery { deliveries.append(delivery) }
            case let .busy(holder):
                deliveries.append(RemovalDelivery(findingID: id, outcome: Self.leftPending(holder), failed: false))
            }
        }
        return deliveries
    }

    static func notAgain(_ removal: FindingRemoval) -> String {
        notAgain("removal", removal.handOff, reason: removal.outcome)
    }

    /// One removal's hand-off, under its lease: read again, still due as
    /// `seen`, handed off, and recorded. Nil when there is nothing to say.
    private func deliverRemovalLeased(_ id: String, seen: FindingRemoval, explicit: Bool, now: () -> Date) throws -> RemovalDelivery? {
        let configuration = try store.handOff()
        guard let removal = try store.finding(id)?.removal else { return nil }
        guard removal == seen else {
            // Another process handed it off while this one waited.
            return explicit ? RemovalDelivery(findingID: id, outcome: Self.notAgain(removal), failed: false) : nil
        }
        if let refusal = refusal(configuration) {
            return RemovalDelivery(findingID: id, outcome: "left pending: " + refusal, failed: false)
        }
        let (event, requested) = try removalRequest(removal, of: id)
        let document = RemovalDocument(findingID: id, requestedBy: event.actor.name, requestedAt: event.at,
                                       rationale: requested.rationale, terms: requested.terms).encoded()
        let body: EventBody
        if let command = configuration.command {
            let result = HandOffCommand.run(command, input: document, timeout: configuration.timeoutSeconds,
                                            environment: ["SIGNOFF_FINDING_ID": id, "SIGNOFF_ACTION": "remove"])
            body = result.succeeded
                ? .removalHandedOff(.init(findingID: id, via: "hand-off command (exit 0)", document: GrantDocument.digest(document)))
                : .removalHandOffFailed(.init(findingID: id, reason: result.problem))
        } else if let outbox = configuration.outbox {
            do {
                let name = try Outbox.write(document, to: outbox, name: "\(id)-remove-\(now().epochMilliseconds).json")
                body = .removalHandedOff(.init(findingID: id, via: "outbox \(name)", document: GrantDocument.digest(document)))
            } catch {
                body = .removalHandOffFailed(.init(findingID: id, reason: "could not write to the outbox \(outbox): \(error)"))
            }
        } else {
            return nil
        }
        let recorded = try store.write { tx -> Bool in
            // Recorded only if this removal is still the one requested, and still due.
            guard let current = try tx.finding(id)?.removal, current.sequence == removal.sequence,
                  current.handOff == removal.handOff else { return false }
            try tx.append(EventDraft(requestID: nil, actor: actor, at: now(), body: body))
            return true
        }
        var delivery: RemovalDelivery
        switch body {
        case let .removalHandedOff(handedOff):
            delivery = RemovalDelivery(findingID: id, outcome: "handed off to \(handedOff.via)", failed: false)
        case let .removalHandOffFailed(failure):
            delivery = RemovalDelivery(findingID: id, outcome: failure.reason, failed: true)
        case .policyApplied, .requestSubmitted, .requestRouted, .reviewRecorded, .reviewRefused, .actionRefused,
             .requestDecided, .requestWithdrawn, .grantIssued, .grantHandedOff, .grantProvisioned, .grantProvisioningFailed,
             .grantExpired, .grantRevoked, .grantExtended, .incidentReviewCompleted, .handOffConfigured, .storeCreated,
             .settingsChanged, .schemaMigrated, .reconciliationRun, .findingOpened, .findingResolved, .findingExcepted,
             .findingRemovalRequested, .requestRevised, .ticketLinked, .intakeRefused, .writeBackConfigured:
            return nil  // a removal's delivery records only the two above
        }
        if !recorded {
            delivery.outcome += "; not recorded: the finding's removal changed meanwhile"
        }
        return delivery
    }

    /// The `finding_removal_requested` event a removal of finding `id` names:
    /// what to remove, who asked, when and why, exactly as recorded (never
    /// the findings row, which no hash covers), and for that finding only.
    private func removalRequest(_ removal: FindingRemoval, of id: String) throws
        -> (event: EventDraft, requested: EventBody.FindingRemovalRequested) {
        guard let event = try store.event(removal.sequence), case let .findingRemovalRequested(requested) = event.body,
              requested.findingID == id else {
            throw StoreError.invalidEvent("the removal of \(id) names event \(removal.sequence), which did not request it; run `signoff audit verify`")
        }
        return (event, requested)
    }

    /// Why this process must not hand off to the configured target; nil when
    /// it may (or when nothing is configured). A command runs, and an outbox
    /// is written, only in processes of the identity that set it, only when
    /// its account's trust file lists that target for this store as set by
    /// the event in force (so not replaced since, by anyone), and an outbox
    /// only when it is that account's own folder that nobody else may write.
    public func refusal(_ configuration: HandOffConfiguration) -> String? {
        let target: HandOffTarget
        if let command = configuration.command {
            target = .command(command)
        } else if let outbox = configuration.outbox {
            target = .outbox(outbox)
        } else {
            return nil
        }
        let what = configuration.command != nil ? "hand-off command" : "outbox"
        if let owner = configuration.configuredBy, owner != actor {
            return "the \(what) set by \(owner) is used only by \(owner) (`signoff handoff retry` as \(owner) delivers)"
        }
        guard let event = configuration.event else {
            return "the \(what) in the store names no hand_off_configured event, so it is not used; run `signoff audit verify`"
        }
        if let distrust = trust.refusal(of: target, store: store.trustedAs, event: event) {
            return """
                the \(what) in the store is not used by this account: \(distrust). \
                Check it with `signoff handoff`; if it is right, set it again as this account with `signoff handoff`
                """
        }
        switch target {
        case let .outbox(folder):
            if let problem = CommandTrust.outboxProblem(folder) { return "the outbox is not used: \(problem)" }
        case let .command(command):
            if let problem = CommandTrust.commandProblem(command) { return "the hand-off command is not run: \(problem)" }
        }
        return nil
    }
}

enum Outbox {
    /// Writes `data` under a temporary name, syncs it, then renames it into
    /// place: provisioning never sees half a document. Returns the final path.
    static func write(_ data: Data, to directory: String, name: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw OutboxError("it is not a directory")
        }
        let final = (directory as NSString).appendingPathComponent(name)
        let temporary = (directory as NSString).appendingPathComponent(".\(name).partial")
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw OutboxError(String(cString: strerror(errno))) }
        var written = 0
        let ok = data.withUnsafeBytes { buffer -> Bool in
            while written < buffer.count {
                let n = Foundation.write(fd, buffer.baseAddress! + written, buffer.count - written)
                if n < 0 { if errno == EINTR { continue }; return false }
                written += n
            }
            return fsync(fd) == 0
        }
        let problem = ok ? nil : String(cString: strerror(errno))
        close(fd)
        guard ok, rename(temporary, final) == 0 else {
            let reason = problem ?? String(cString: strerror(errno))
            unlink(temporary)
            throw OutboxError(reason)
        }
        return final
    }
}

struct OutboxError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
