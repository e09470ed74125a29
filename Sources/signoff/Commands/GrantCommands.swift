import ArgumentParser
import Foundation
import SignoffApp
import SignoffCore
import SignoffStore

/// One grant command: decide inside one write transaction from what the store
/// holds then, append the events, and after the commit hand the grants whose
/// provisioning changed to provisioning. A refusal `recordingRefusal` reports
/// is recorded as its `action_refused` event and nothing else; other failures
/// change nothing.
func grantCommand(_ options: StoreOptions,
                  _ decide: (WriteTransaction, Policy, Principal, Date) throws -> [EventDraft]) throws -> [RecordedEvent] {
    var refused: Refusal?
    let recorded = try grantTransaction(options, handingOff: { HandOff.grantsToDeliver($0.map(\.draft)) }) {
        tx, policy, actor, now in
        do {
            return try tx.append(contentsOf: try decide(tx, policy, actor, now))
        } catch let refusal as RecordedRefusal {
            refused = refusal.refusal
            return [try tx.append(refusal.event)]
        }
    }
    if let refused { throw CommandFailure.refused(refused) }
    return recorded
}

/// The transaction under every grant command: `body` decides and appends its
/// own events under the policy in force; after the commit, the grants
/// `handingOff` names in its result go to provisioning.
func grantTransaction<T>(_ options: StoreOptions, handingOff: (T) -> [String],
                         _ body: (WriteTransaction, Policy, Principal, Date) throws -> T) throws -> T {
    let store = try options.open()
    let actor = try options.actor(in: store)
    let now = try options.now(in: store)
    let result = try storeCall {
        try store.write { tx in try body(tx, try requirePolicy(try tx.currentPolicy()), actor, now) }
    }
    try handOff(handingOff(result), store: store, actor: actor)
    return result
}

/// A refused grant action on its way out of `decide`: `grantCommand` records
/// its event, commits, and then fails with the refusal.
struct RecordedRefusal: Error {
    var refusal: Refusal
    var event: EventDraft
}

/// Runs a grant action's rules; a refusal becomes evidence (`action_refused`)
/// before it becomes the command's failure.
func recordingRefusal(_ action: AttemptedAction, of id: String, by actor: Principal, at now: Date,
                      _ body: () throws(Refusal) -> [EventDraft]) throws -> [EventDraft] {
    do throws(Refusal) { return try body() } catch {
        throw RecordedRefusal(refusal: error, event: Lifecycle.refused(action, error, requestID: id, by: actor, at: now))
    }
}

/// Hands these grants to provisioning (when a hand-off is configured) and says what happened.
func handOff(_ ids: [String], store: Store, actor: Principal) throws {
    guard !ids.isEmpty else { return }
    let deliveries = try storeCall { try HandOff(store: store, actor: actor).deliver(ids) }
    for delivery in deliveries {
        // On stderr, so --json output stays one document.
        let line = "\(delivery.requestID): \(delivery.action.rawValue) \(Terminal.safe(delivery.outcome))"
        Terminal.error((delivery.failed ? "hand-off failed, recorded: " : "hand-off: ") + line)
    }
}

/// The request `id` as of the transaction, or a clear error.
func requireRecord(_ tx: WriteTransaction, _ id: String) throws -> RequestRecord {
    guard let record = try tx.record(id) else { throw CommandFailure.badInput("there is no request \(id)") }
    return record
}

/// The grant of `id` as of the transaction, or a clear error.
func requireGrant(_ tx: WriteTransaction, _ id: String) throws -> Grant {
    if let grant = try tx.grant(id) { return grant }
    let record = try requireRecord(tx, id)
    if let original = record.request.extends {
        throw CommandFailure.badInput("\(id) extends \(original); its grant is \(original)'s")
    }
    throw CommandFailure(.refused, "\(id) has no grant: it is \(record.state.rawValue)")
}

/// A Core refusal as the command's failure.
func refusing<T>(_ body: () throws(Refusal) -> T) throws -> T {
    do throws(Refusal) { return try body() } catch { throw CommandFailure.refused(error) }
}

struct Expire: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Expire grants past their expiry and time out stale pending requests (for cron or a timer).",
        discussion: """
        Idempotent: a second run, or two runs at once, change nothing the first did not. Each expiry and
        timeout is an event; expired grants are handed to provisioning to be removed.
        """)
    @OptionGroup var options: StoreOptions
    @Flag(help: "Print each expired grant and timed-out request.") var verbose = false
    @Flag(help: "Print the result as JSON.") var json = false

    struct Output: Encodable {
        var expired: [String]
        var timedOut: [String]
        enum CodingKeys: String, CodingKey { case expired, timedOut = "timed_out" }
    }

    func run() throws {
        let outcome = try grantTransaction(options, handingOff: \.expired) { tx, policy, actor, now in
            try Sweep.run(tx, policy: policy, actor: actor, at: now)
        }
        let (expired, timedOut) = (outcome.expired, outcome.timedOut)
        if json { return try Terminal.json(Output(expired: expired, timedOut: timedOut)) }
        Terminal.line("expired \(expired.count) grant(s), timed out \(timedOut.count) pending request(s)")
        if verbose {
            for id in expired { Terminal.line("expired \(id)") }
            for id in timedOut { Terminal.line("timed out \(id)") }
        }
    }
}

struct Revoke: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "End a grant early, with a rationale.",
        discussion: "The requester, an approver of the request or of an extension of it, the subject's owner and the system's owners may revoke.")
    @OptionGroup var options: StoreOptions
    @Argument(help: "The request ID whose grant ends.") var id: String
    @OptionGroup var rationale: RationaleOptions

    func run() throws {
        let why = try rationale.value(required: true) ?? ""
        _ = try grantCommand(options) { tx, policy, actor, now in
            let grant = try requireGrant(tx, id)
            let extensionApprovers = try tx.extensionApprovers(of: grant)
            return try recordingRefusal(.revoke, of: id, by: actor, at: now) { () throws(Refusal) in
                try Lifecycle.revoke(grant, by: actor, rationale: why, policy: policy,
                                     extensionApprovers: extensionApprovers, at: now)
            }
        }
        Terminal.line("\(id) revoked")
    }
}

struct Trigger: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trigger",
        abstract: "Fire a revocation trigger: revoke every live grant that names it with this reference.",
        discussion: "Example: signoff trigger ticket_closed --ref OPS-1234")
    @OptionGroup var options: StoreOptions
    @Argument(help: "The trigger's name, e.g. ticket_closed, owner_departed, incident_resolved.") var name: String
    @Option(help: "The reference the grant named, e.g. the ticket.") var ref: String

    func run() throws {
        let trigger = RevocationTrigger(name: name, ref: ref)
        let events = try grantCommand(options) { tx, policy, actor, now in
            let grants = try tx.liveGrants(naming: trigger)
            return try refusing { () throws(Refusal) in try Lifecycle.fire(trigger, grants: grants, by: actor, policy: policy, at: now) }
        }
        let revoked = events.compactMap(\.draft.requestID)
        Terminal.line("\(Terminal.safe(name)) \(Terminal.safe(ref)): revoked \(revoked.count) grant(s)\(revoked.isEmpty ? "" : ": " + revoked.joined(separator: ", "))")
    }
}

struct Extend: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask to extend a live grant: files a new request, routed and approved like any other.",
        discussion: "The grant is extended only when that request is approved, never past the policy's maximum total.")
    @OptionGroup var options: StoreOptions
    @Argument(help: "The request whose grant to extend.") var id: String
    @Option(help: "How much longer, e.g. 8h or 7d.") var by: String
    @Option(help: "Why the extension is needed (default: the original purpose).") var purpose: String?
    @Flag(help: "Print the result as JSON.") var json = false

    func run() throws {
        guard let span = TimeSpan(parsing: by) else { throw CommandFailure.badInput("--by \(by): \(TimeSpan.syntaxHint)") }
        var newID = ""
        _ = try grantCommand(options) { tx, policy, actor, now in
            let record = try requireRecord(tx, id)
            let grant = try requireGrant(tx, id)
            let request = try refusing { () throws(Refusal) in
                try Lifecycle.extensionRequest(of: record, grant: grant, by: span, requester: actor.name, purpose: purpose, policy: policy)
            }
            newID = try tx.nextRequestID()
            return Lifecycle.submit(request, id: newID, by: actor, policy: policy, original: grant, at: now)
        }
        let record = try storeCall { try options.open().record(newID) }
        let state = record?.state.rawValue ?? "unknown"
        if json {
            try Terminal.json(SubmitResult(id: newID, state: state, route: record?.route?.summary ?? ""))
        } else {
            Terminal.line("\(newID) asks to extend \(id) by \(span); it is \(state)")
            if let route = record?.route { Terminal.line("  \(Terminal.safe(route.summary))") }
        }
    }

    struct SubmitResult: Encodable { var id: String; var state: String; var route: String }
}

struct SelfActivate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "self-activate",
        abstract: "Activate your own break-glass request when no approver answered in time (where the policy allows it).",
        discussion: "The request is marked self-activated everywhere and its post-incident review is mandatory.")
    @OptionGroup var options: StoreOptions
    @Argument(help: "Your pending break-glass request.") var id: String
    @OptionGroup var rationale: RationaleOptions

    func run() throws {
        let why = try rationale.value(required: true) ?? ""
        _ = try grantCommand(options) { tx, policy, actor, now in
            let record = try requireRecord(tx, id)
            return try recordingRefusal(.selfActivate, of: id, by: actor, at: now) { () throws(Refusal) in
                try Lifecycle.selfActivate(record, by: actor, rationale: why, policy: policy, at: now)
            }
        }
        let grant = try storeCall { try options.open().grant(id) }
        Terminal.line("\(id) SELF-ACTIVATED" + (grant?.expiresAt.map { " until \(Timestamp.format($0))" } ?? "")
                      + (grant?.incidentReview.map { "; post-incident review by \($0.reviewers) due \(Timestamp.format($0.dueAt))" } ?? ""))
    }
}

struct ReviewIncident: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review-incident",
        abstract: "Complete the post-incident review of a break-glass grant.")
    @OptionGroup var options: StoreOptions
    @Argument(help: "The break-glass request.") var id: String
    @OptionGroup var rationale: RationaleOptions

    func run() throws {
        let why = try rationale.value(required: true) ?? ""
        _ = try grantCommand(options) { tx, policy, actor, now in
            let grant = try requireGrant(tx, id)
            return try recordingRefusal(.reviewIncident, of: id, by: actor, at: now) { () throws(Refusal) in
                try Lifecycle.reviewIncident(grant, by: actor, rationale: why, policy: policy, at: now)
            }
        }
        Terminal.line("post-incident review of \(id) completed")
    }
}

struct Provisioned: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record that provisioning carried out the latest action of a grant (grant, revoke or expire).")
    @OptionGroup var options: StoreOptions
    @Argument(help: "The request ID.") var id: String
    @Option(help: "A note from provisioning, e.g. the change ID.") var note: String?

    func run() throws {
        _ = try grantCommand(options) { tx, _, actor, now in
            let grant = try requireGrant(tx, id)
            return try refusing { () throws(Refusal) in try Lifecycle.provisioningReport(grant, succeeded: true, note: note, by: actor, at: now) }
        }
        Terminal.line("\(id): provisioning confirmed")
    }
}

struct ProvisioningFailed: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "provisioning-failed",
        abstract: "Record that provisioning could not carry out the latest action of a grant.")
    @OptionGroup var options: StoreOptions
    @Argument(help: "The request ID.") var id: String
    @Option(help: "What went wrong.") var reason: String

    func run() throws {
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw CommandFailure.badInput("--reason needs words") }
        _ = try grantCommand(options) { tx, _, actor, now in
            let grant = try requireGrant(tx, id)
            return try refusing { () throws(Refusal) in try Lifecycle.provisioningReport(grant, succeeded: false, note: reason, by: actor, at: now) }
        }
        Terminal.line("\(id): provisioning failure recorded")
    }
}
