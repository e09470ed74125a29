import Foundation
import SignoffCore
import SignoffSigning
import SignoffStore

/// One operation that writes the store, as the command line and the console
/// both ask for it. An operation only *decides* (reading the store through
/// the transaction and asking `Lifecycle` and `Policy`) and appends through
/// `CommandTransaction.append`; `Commands.run` does everything around it,
/// the same way for every operation and both front ends.
public protocol StoreCommand {
    associatedtype Output
    /// What is asked for: `Permissions.check` and refusals name it.
    var operation: Operation { get }
    /// Whether nothing can be decided without a policy in force (every
    /// operation but applying the first policy and configuring the hand-off).
    var needsPolicy: Bool { get }
    /// Whether the result lists the events recorded (a sweep lists none: it may record 100,000).
    var keepsEvents: Bool { get }
    /// A dry run: decided in full inside the transaction, then rolled back.
    var rollsBack: Bool { get }
    /// The role permission the operation needs (`Permissions.check`); nil when
    /// who may do it is decided per request.
    var permission: RolePermission? { get }
    /// The request a refused attempt concerns, for its `action_refused` event.
    var subject: String? { get }
    /// Input the policy alone shows to be wrong (a name it does not know),
    /// judged before the permission check, so a typo is bad input whoever
    /// makes it. Throw `CommandError.badInput`; nothing is written.
    func validate(against policy: Policy?) throws(CommandError)
    /// Decides and records. Throw `CommandError` to stop with nothing written,
    /// or the `RecordedRefusal` from `tx.refusal(_:recording:)` to commit a
    /// refusal's evidence and then fail with it.
    func decide(_ tx: CommandTransaction) throws -> Output
}

extension StoreCommand {
    public var needsPolicy: Bool { true }
    public var keepsEvents: Bool { true }
    public var rollsBack: Bool { false }
    public var permission: RolePermission? { nil }
    public var subject: String? { nil }
    public func validate(against policy: Policy?) throws(CommandError) {}
}

/// What a command did, for each front end to render.
public struct CommandResult<Output> {
    /// What the operation decided, in its own words (a state, new IDs, ...).
    public var output: Output
    /// The events committed, in order (none for a dry run or a sweep).
    public var events: [RecordedEvent]
    /// The hand-offs made after the commit, when they ran in this call.
    public var handOffs: [HandOff.Delivery]
    /// Why the hand-off could not even be attempted, when it could not (the
    /// decision stands; `signoff handoff retry` delivers later).
    public var handOffProblem: String?
    /// The time the command acted at.
    public var at: Date
    /// What the command found wrong but acted through, for the user to see:
    /// a grant whose rows differ from its events, taken away as the events
    /// give it (`WriteTransaction.grantAsRecorded`).
    public var warnings: [String] = []
}

/// The command layer: the one place where an operation on the store is
/// carried out, for the command line and the console alike. One instance per
/// acting identity and store; it keeps the parsed policy per version.
///
/// `run` does, for every operation, in this order:
/// 1. reads the time from the one clock, opens one IMMEDIATE write transaction,
///    reads the policy in force (parsed once per version; none: `noPolicy`);
/// 2. **seam (a)** `Permissions.check`: may this identity ask for this at all;
/// 3. the operation decides through `Lifecycle`/`Policy` and records its
///    events through **seam (b)** `CommandTransaction.append`;
/// 4. commits (or rolls back a dry run, or everything on an error);
/// 5. **seam (c)** `afterCommit`: what follows a committed decision and must
///    never hold the store or undo it (the provisioning hand-off today;
///    delivering notifications from the outbox later);
/// 6. returns the result, or throws the `CommandError` each front end renders.
public final class Commands: @unchecked Sendable {
    public let store: Store
    /// Who acts, and how that was established.
    public let actor: Principal
    public let clock: CommandClock
    /// When hand-offs run: in the call (the command line reports them) or
    /// in the background (the console must not freeze on a slow command).
    public let handOffs: HandOffTiming
    /// The hand-off commands this account trusts.
    public let trust: CommandTrust

    public enum HandOffTiming: Sendable {
        case inline
        case background
    }

    private let lock = NSLock()
    /// Background hand-offs run here, one after another.
    private let handOffQueue = DispatchQueue(label: "signoff hand-off")
    /// Background notification deliveries, one run at a time; never waited for.
    private let notificationQueue = DispatchQueue(label: "signoff notifications")
    private var deliveryQueued = false

    /// How this identity signs the decisions the policy requires signed: its
    /// ssh-agent or the key file its signing configuration names; nil when
    /// nothing can sign (then such a decision is refused).
    public let signing: Signing

    /// How the command layer gets the signatures the store asks for.
    public struct Signing: Sendable {
        /// The agent and key file, or why the person's signing configuration cannot be used.
        public var signer: Result<DecisionSigner, SigningError>
        /// Told which security key waits for a touch, just before the wait.
        public var touch: DecisionSigner.TouchPrompt?

        public init(signer: Result<DecisionSigner, SigningError>, touch: DecisionSigner.TouchPrompt? = nil) {
            self.signer = signer
            self.touch = touch
        }

        /// Nothing to sign with: no agent, no key file.
        public static let none = Signing(signer: .success(DecisionSigner(agent: nil, configuration: SigningConfiguration())))

        /// The person's `SSH_AUTH_SOCK` agent and signing configuration in
        /// `environment`. `mayPrompt`: a key file's passphrase may be asked
        /// for on the terminal (not while a full-screen console owns it).
        public static func fromEnvironment(_ environment: [String: String], mayPrompt: Bool = true,
                                           touch: DecisionSigner.TouchPrompt? = nil) -> Signing {
            Signing(signer: Result { () throws(SigningError) in
                var signer = try DecisionSigner.fromEnvironment(environment)
                signer.mayPrompt = mayPrompt
                return signer
            }, touch: touch)
        }
    }

    public init(store: Store, actor: Principal, clock: CommandClock = .system, handOffs: HandOffTiming = .inline,
                trust: CommandTrust = .forAccount(), signing: Signing = .none) {
        self.store = store
        self.actor = actor
        self.clock = clock
        self.handOffs = handOffs
        self.trust = trust
        self.signing = signing
    }

    /// Opens the store at `location` for the identity this process acts as: the
    /// operating-system account, or `asserted` (`--as`) where the store was
    /// created to trust asserted identities; and the clock `environment` asks
    /// for (`SIGNOFF_NOW`, in such a store only). `clockRuns`: see `CommandClock.runs`.
    /// `access: .read` opens the store only to read it (`Store.openForReading`):
    /// for the commands that only read, which then never write the store.
    public static func open(_ location: StoreLocation, asserted: String?, environment: [String: String], access: Store.Access = .write,
                            handOffs: HandOffTiming = .inline, clockRuns: Bool = false,
                            mayPrompt: Bool = true, touch: DecisionSigner.TouchPrompt? = nil) throws(CommandError) -> Commands {
        let store: Store
        do {
            switch access {
            case .write: store = try Store.open(location)
            case .read: store = try Store.openForReading(location)
            }
        } catch {
            throw .store("\(error)")
        }
        let actor = try Identity.actor(asserted: asserted, in: store, reading: access == .read)
        let clock = try CommandClock.resolve(environment: environment, store: store, runs: clockRuns)
        return Commands(store: store, actor: actor, clock: clock, handOffs: handOffs,
                        trust: .forAccount(environment: environment),
                        signing: .fromEnvironment(environment, mayPrompt: mayPrompt, touch: touch))
    }

    // MARK: Running an operation

    /// Runs `command`. When the store answers that its decisions must be
    /// signed, the actor signs each statement (`Signing`) and the command runs
    /// again at the same time with the signatures offered, so that it records
    /// exactly what was signed; the store checks each before recording it.
    /// A decision that cannot be signed is refused, and only the refusal is
    /// recorded.
    @discardableResult
    public func run<C: StoreCommand>(_ command: C) throws(CommandError) -> CommandResult<C.Output> {
        let now = clock.now()
        var offered: [EventSignature] = []
        // Twice at most: what was signed changed between the two runs only if
        // someone else decided in between, and then the actor signs what is new.
        for _ in 0..<3 {
            let needs: [SignatureNeed]
            do {
                return try attempt(command, now: now, offered: offered)
            } catch let error as SignaturesNeeded {
                needs = error.needs
            } catch let error as CommandError {
                throw error
            } catch {
                throw CommandError.from(error)
            }
            do throws(Unsigned) {
                offered += try sign(needs)
            } catch {
                throw try recordSigningRefusal(command, error.refusal, need: error.need, now: now)
            }
        }
        throw .store("the decision's statement kept changing while it was being signed (others are deciding the same request); look again and retry")
    }

    /// Each statement signed with one of the keys the policy accepts for it.
    private func sign(_ needs: [SignatureNeed]) throws(Unsigned) -> [EventSignature] {
        let signer: DecisionSigner
        switch signing.signer {
        case let .success(found): signer = found
        case let .failure(problem): throw Unsigned(need: needs[0], problem)
        }
        var signatures: [EventSignature] = []
        for need in needs {
            do {
                let signature = try signer.sign(need.statement.bytes, allowed: need.requirement.keys, touch: signing.touch)
                signatures.append(EventSignature(armored: signature.armored, statement: need.statement.text))
            } catch {
                throw Unsigned(need: need, error)
            }
        }
        return signatures
    }

    /// A statement that could not be signed: the refusal, and the decision it
    /// concerns, whose action and request the recorded refusal names.
    private struct Unsigned: Error {
        var need: SignatureNeed
        var refusal: Refusal

        init(need: SignatureNeed, _ problem: SigningError) {
            self.need = need
            refusal = Refusal(.signatureRequired, "\(need.actor)'s \(need.statement.action.rawValue) must be signed (\(need.requirement.reason)), "
                              + "and it could not be: \(problem); nothing but this refusal was recorded")
        }
    }

    /// A decision the policy requires signed that could not be: its refusal
    /// is evidence, recorded in a transaction of its own; nothing else is.
    private func recordSigningRefusal<C: StoreCommand>(_ command: C, _ refusal: Refusal, need: SignatureNeed,
                                                        now: Date) throws(CommandError) -> CommandError {
        let requestID = need.requestID ?? command.subject
        let recorded: Bool
        do {
            recorded = try store.write { write in
                let subject = try requestID.flatMap { try write.record($0) }
                let event: EventDraft
                switch command.operation {
                case .approve, .deny:
                    guard let record = subject else { return false }
                    let verdict: Verdict = command.operation == .approve ? .approve : .deny
                    event = EventDraft(requestID: record.id, actor: actor, at: now,
                                       body: .reviewRefused(.init(verdict: verdict, reason: refusal.reason, message: refusal.message,
                                                                  shownVersion: nil, currentVersion: record.version)))
                case .submit, .withdraw, .revoke, .fireTrigger, .extend, .selfActivate, .reviewIncident, .reportProvisioned,
                     .reportProvisioningFailed, .applyPolicy, .configureHandOff, .changeSettings, .retryHandOff, .sweep,
                     .deliverNotifications, .retryNotifications, .reconcile, .exceptFinding, .requestRemoval,
                     .importTickets, .deliverTicketUpdates:
                    // What the unsigned statement decides: an import's revision is a revision.
                    guard let attempted = need.statement.action.attempted ?? command.operation.attempted else { return false }
                    event = Lifecycle.refused(attempted, refusal, requestID: subject?.id, by: actor, at: now)
                }
                let policy = try policy(in: write, required: false)
                let tx = CommandTransaction(store: write, actor: actor, now: now, policy: policy, storeCreator: try storeCreator(),
                                            keepsEvents: false)
                try tx.append(event)
                return true
            }
        } catch {
            throw CommandError.from(error)
        }
        return .refused(refusal, recorded: recorded)
    }

    /// The store's answer that decisions need signatures: carried out of the transaction to `run`.
    private struct SignaturesNeeded: Error {
        var needs: [SignatureNeed]
    }

    private func attempt<C: StoreCommand>(_ command: C, now: Date, offered: [EventSignature]) throws -> CommandResult<C.Output> {
        let committed: (output: C.Output?, refusal: Refusal?, events: [RecordedEvent], grants: [String], removals: [String], notified: Int,
                        warnings: [String])
        do {
            committed = try store.write { write in
                write.offer(offered)
                let policy = try policy(in: write, required: command.needsPolicy)
                let creator = try storeCreator()
                let tx = CommandTransaction(store: write, actor: actor, now: now, policy: policy, storeCreator: creator,
                                            keepsEvents: command.keepsEvents)
                try command.validate(against: policy)
                do throws(Refusal) {
                    try Permissions.check(.init(operation: command.operation, permission: command.permission, actor: actor,
                                                storeCreator: creator, at: now), policy: policy)
                } catch {
                    // Every refusal is evidence: who tried what, and why not.
                    guard let attempted = command.operation.attempted else { throw CommandError.refused(error, recorded: false) }
                    let subject = try command.subject.flatMap { try write.record($0) == nil ? nil : $0 }
                    try tx.append(Lifecycle.refused(attempted, error, requestID: subject, by: actor, at: now))
                    return (nil, error, tx.recorded, [], [], tx.notificationsQueued, [])
                }
                let output: C.Output?
                var refusal: Refusal?
                do {
                    output = try command.decide(tx)
                } catch let recorded as RecordedRefusal {
                    output = nil
                    refusal = recorded.refusal
                }
                // A dry run records nothing, not even its refusal.
                if command.rollsBack, let refusal { throw CommandError.refused(refusal, recorded: false) }
                if command.rollsBack, let output { throw RolledBack(output: output) }
                let warnings = write.grantRowsDiffering.sorted { $0.key < $1.key }.map { id, problem in
                    "the grant rows of \(id) differ from its events (\(problem)): it was taken as its events give it; `signoff audit verify` names the edit"
                }
                return (output, refusal, tx.recorded, tx.grantsToHandOff, tx.removalsToHandOff, tx.notificationsQueued, warnings)
            }
        } catch let dryRun as RolledBack {
            guard let output = dryRun.output as? C.Output else { throw CommandError.store("a dry run lost its result") }
            return CommandResult(output: output, events: [], handOffs: [], handOffProblem: nil, at: now)
        } catch let StoreError.signaturesNeeded(needs) {
            throw SignaturesNeeded(needs: needs)
        } catch {
            throw CommandError.from(error)
        }
        let (handedOff, problem) = afterCommit(grants: committed.grants, removals: committed.removals, notified: committed.notified)
        if let refusal = committed.refusal { throw CommandError.refused(refusal, recorded: true) }
        guard let output = committed.output else { throw CommandError.store("the command recorded nothing and said nothing") }
        return CommandResult(output: output, events: committed.events, handOffs: handedOff, handOffProblem: problem, at: now,
                             warnings: committed.warnings)
    }

    /// Carries a dry run's result out of the transaction it rolls back: thrown
    /// and caught on one thread, inside `run`, so its value never crosses one.
    private struct RolledBack: Error, @unchecked Sendable {
        var output: Any
    }

    /// Who created the store, read once (it never changes).
    private func storeCreator() throws -> Principal? {
        lock.lock()
        defer { lock.unlock() }
        if let creator { return creator.value }
        let found = try store.creator()
        creator = (found, ())
        return found
    }
    private var creator: (value: Principal?, Void)?

    /// The policy in force as of `tx`, parsed once per version.
    private func policy(in tx: WriteTransaction, required: Bool) throws -> Policy? {
        guard let inForce = try tx.policyInForceParsed() else {
            if required { throw CommandError.noPolicy }
            return nil
        }
        do {
            return try inForce.parsed.get()
        } catch {
            throw Self.unparsable(version: inForce.version, error)
        }
    }

    private static func unparsable(version: String, _ error: SourceErrors) -> CommandError {
        .store("""
            the store's policy \(version.prefix(12)) no longer parses: \(error); nothing is decided under a policy this \
            signoff cannot read: the account that created the store applies a fixed one with `signoff policy apply FILE`
            """)
    }

    /// A stored policy, parsed once per version: the console's lists and every
    /// decision share the parse.
    public func parsed(_ stored: StoredPolicy) throws(CommandError) -> Policy {
        do {
            return try stored.parsed()
        } catch {
            throw Self.unparsable(version: stored.version, error)
        }
    }

    /// The policy in force now, parsed; nil when none was applied.
    public func currentPolicy() throws(CommandError) -> Policy? {
        let stored: StoredPolicy?
        do { stored = try store.currentPolicy() } catch { throw .store("\(error)") }
        return try stored.map(parsed)
    }

    // MARK: After the commit

    /// **Seam (c): what follows a committed decision.** Runs after the
    /// transaction committed, never inside it, so a slow or failing peer
    /// never holds the store or undoes a decision; each step records its own
    /// outcome. Today: the grants whose provisioning changed go to the
    /// provisioning hand-off (now, or in the background for the console).
    /// The console also starts delivering the notifications the decision
    /// queued, in the background; the command line leaves them to
    /// `signoff notify run` (a timer, or `--follow`), so it never waits on one.
    func afterCommit(grants: [String], removals: [String] = [], notified: Int) -> ([HandOff.Delivery], String?) {
        if notified > 0, case .background = handOffs { deliverNotificationsInBackground() }
        let handOff = HandOff(store: store, actor: actor, trust: trust)
        if !removals.isEmpty {
            // A removal document is delivered like a grant document; if it cannot be, it stays pending for `signoff handoff retry`.
            switch handOffs {
            case .inline: _ = try? handOff.deliverRemovals(removals, now: clock.now)
            case .background:
                let clock = self.clock
                handOffQueue.async { _ = try? handOff.deliverRemovals(removals, now: clock.now) }
            }
        }
        guard !grants.isEmpty else { return ([], nil) }
        switch handOffs {
        case .inline:
            do {
                return (try handOff.deliver(grants, now: clock.now), nil)
            } catch {
                return ([], "the hand-off of \(grants.joined(separator: ", ")) could not be attempted (\(error)); `signoff handoff retry` delivers it")
            }
        case .background:
            let clock = self.clock
            handOffQueue.async { _ = try? handOff.deliver(grants, now: clock.now) }
            return ([], nil)
        }
    }

    /// Starts one delivery run of what is due, unless one is already waiting
    /// to start: a dead webhook costs that queue its timeout, never a frame.
    func deliverNotificationsInBackground() {
        let start = lock.withLock { () -> Bool in
            if deliveryQueued { return false }
            deliveryQueued = true
            return true
        }
        guard start else { return }
        let delivery = NotificationDelivery(commands: self)
        notificationQueue.async { [self] in
            lock.withLock { deliveryQueued = false }
            // Only the policy's deliverers change a notification's delivery;
            // anyone else's decisions wait for `notify run`.
            guard mayDeliverNotifications() else { return }
            let policy = try? currentPolicy()
            _ = try? delivery.run(retry: NotificationDelivery.retry(for: policy))
        }
    }

    /// Whether the policy in force lets this identity deliver notifications
    /// (`deliver_notifications`; without a role that grants it, the account
    /// that created the store).
    public func mayDeliverNotifications() -> Bool {
        guard let policy = try? currentPolicy() else { return false }
        let creator = (try? storeCreator()) ?? nil
        return RolePermission(.deliverNotifications).refusal(for: actor.name, policy: policy, storeCreator: creator?.name,
                                                             at: clock.now()) == nil
    }

    /// Waits for background hand-offs still running, e.g. before the console
    /// exits: a document not yet delivered would otherwise wait for `signoff handoff retry`.
    public func finishHandOffs() {
        handOffQueue.sync {}
    }
}

extension Commands {
    /// The policy in force, for commands that read by it (`list --routed-to-me`,
    /// `grants --mine`, `policy explain`); none is `noPolicy`.
    public func requirePolicy() throws(CommandError) -> Policy {
        guard let policy = try currentPolicy() else { throw .noPolicy }
        return policy
    }
}
