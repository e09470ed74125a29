import ArgumentParser
import Foundation
import SignoffApp
import SignoffCore
import SignoffStore

/// Says what the hand-off after a command did, on stderr so --json output
/// stays one document.
func reportHandOffs<T>(_ result: CommandResult<T>) {
    for warning in result.warnings { Terminal.warning(warning) }
    for delivery in result.handOffs {
        let line = "\(delivery.requestID): \(delivery.action.rawValue) \(Terminal.safe(delivery.outcome))"
        Terminal.error((delivery.failed ? "hand-off failed, recorded: " : "hand-off: ") + line)
    }
    if let problem = result.handOffProblem { Terminal.error(problem) }
}

struct Expire: ParsableCommand, JSONReporting {
    static let configuration = CommandConfiguration(
        commandName: "expire",
        abstract: "Expire grants past their expiry and time out stale pending requests (for cron or a timer).",
        discussion: """
        Idempotent: a second run, or two runs at once, change nothing the first did not. Each expiry and \
        timeout is an event; expired grants are handed to provisioning to be removed, and requests still \
        open to extend them are closed. Prints nothing when nothing was due (so a cron line mails only \
        when something happened); --verbose says so, and names every request.
        """)
    @OptionGroup var options: StoreOptions
    @Flag(name: .shortAndLong, help: "Say when nothing was due, and name each expired grant, timed-out and closed request.")
    var verbose = false
    @Flag(help: "Print the result as JSON (signoff.sweep-result/1).") var json = false
    var printsJSON: Bool { json }

    func run() throws {
        let result = try options.commands().run(Commands.Sweep())
        let outcome = result.output
        // What was due and could not be read: said last (in JSON, as `unreadable`), and the exit says the evidence was altered.
        defer {
            if !outcome.unreadable.isEmpty {
                if !json {
                    Terminal.error("""
                        the grant rows of \(outcome.unreadable.joined(separator: ", ")) cannot be read (changed outside \
                        signoff), so they were not expired; every other due grant was. Run `signoff audit verify`
                        """)
                }
                Foundation.exit(Outcome.verificationFailed.rawValue)
            }
        }
        if json {
            return try SweepResultJSON(expired: outcome.expired, timedOut: outcome.timedOut, closed: outcome.closed,
                                       unreadable: outcome.unreadable,
                                       handOffs: result.handOffs, handOffProblem: result.handOffProblem).print()
        }
        reportHandOffs(result)
        if outcome.isEmpty {
            if verbose { Terminal.line("nothing was due at \(Timestamp.format(result.at))") }
            return
        }
        var parts = ["expired \(outcome.expired.count) grant(s)", "timed out \(outcome.timedOut.count) pending request(s)"]
        if !outcome.closed.isEmpty { parts.append("closed \(outcome.closed.count) extension request(s) of expired grants") }
        Terminal.line(parts.joined(separator: ", "))
        if verbose {
            for id in outcome.expired { Terminal.line("expired \(id)") }
            for id in outcome.timedOut { Terminal.line("timed out \(id)") }
            for id in outcome.closed { Terminal.line("closed \(id)") }
        }
    }
}

/// What the commands that act on one grant share: the request, and whether
/// to print the result as JSON.
protocol GrantAction: ParsableCommand, JSONReporting {
    var options: StoreOptions { get }
    var id: String { get }
    var json: Bool { get }
}

extension GrantAction {
    var printsJSON: Bool { json }

    /// Runs `command`; prints its `signoff.action-result/1` with --json,
    /// otherwise the hand-offs and `text(output)`. A failure over the
    /// rationale names the option it came from (`RationaleOptions.naming`).
    func perform<C: SignoffApp.StoreCommand>(_ command: C, rationale: RationaleOptions? = nil, _ text: (C.Output) -> String) throws {
        let commands = try options.commands()
        let run = { try commands.run(command) }
        let result = try rationale?.naming(run) ?? run()
        if json { return try ActionResultJSON(command.operation, id: id, result: result, commands: commands).print() }
        reportHandOffs(result)
        Terminal.line(text(result.output))
    }
}

struct Revoke: GrantAction {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "End a grant early, with a rationale.",
        discussion: "The requester, an approver of the request or of an extension of it, the subject's owner and the system's owners may revoke.")
    @OptionGroup var options: StoreOptions
    @Argument(help: "The request ID whose grant ends.", completion: RequestIDCompletion.kind) var id: String
    @OptionGroup var rationale: RationaleOptions
    @Flag(help: "Print the result as JSON (signoff.action-result/1).") var json = false

    func run() throws {
        let why = try rationale.value(required: true) ?? ""
        try perform(Commands.Revoke(id: id, rationale: why), rationale: rationale) { _ in "\(id) revoked" }
    }
}

struct Trigger: ParsableCommand, JSONReporting {
    static let configuration = CommandConfiguration(
        commandName: "trigger",
        abstract: "Fire a revocation trigger: revoke every grant that names it with this reference (live, or reported failed).",
        discussion: "Example: signoff trigger ticket_closed --ref OPS-1234")
    @OptionGroup var options: StoreOptions
    @Argument(help: "The trigger's name, e.g. ticket_closed, owner_departed, incident_resolved.") var name: String
    @Option(help: "The reference the grant named, e.g. the ticket.") var ref: String
    @Flag(help: "Print the result as JSON (signoff.trigger-result/1).") var json = false
    var printsJSON: Bool { json }

    func run() throws {
        // Held to a request file's trigger: a reference with words and no space around them.
        guard !ref.allSatisfy(\.isWhitespace), ref.first?.isWhitespace == false, ref.last?.isWhitespace == false else {
            throw CommandFailure.badOption("--ref", "--ref \(Terminal.quoted(ref)): give the reference as the grants name it, e.g. the ticket, with no space around it")
        }
        let trigger = RevocationTrigger(name: try storable(name, .line, from: "the trigger name", maxLength: Limits.fieldLength),
                                        ref: try storable(ref, .line, from: "--ref", maxLength: Limits.fieldLength))
        let result = try options.commands().run(Commands.FireTrigger(trigger))
        let revoked = result.output
        if json {
            return try TriggerResultJSON(trigger: trigger, revoked: revoked, events: result.events, handOffs: result.handOffs,
                                         handOffProblem: result.handOffProblem, warnings: result.warnings).print()
        }
        reportHandOffs(result)
        Terminal.line("\(Terminal.safe(name)) \(Terminal.safe(ref)): revoked \(revoked.count) grant(s)\(revoked.isEmpty ? "" : ": " + revoked.joined(separator: ", "))")
    }
}

struct Extend: ParsableCommand, JSONReporting {
    static let configuration = CommandConfiguration(
        commandName: "extend",
        abstract: "Ask to extend a live grant: files a new request, routed and approved like any other.",
        discussion: "The grant is extended only when that request is approved, never past the policy's maximum total.")
    @OptionGroup var options: StoreOptions
    @Argument(help: "The request whose grant to extend.", completion: RequestIDCompletion.kind) var id: String
    @Option(help: "How much longer, e.g. 8h or 7d.") var by: String
    @Option(help: "Why the extension is needed (default: the original purpose).") var purpose: String?
    @Flag(help: "Print the new request as JSON (signoff.submission/1).") var json = false
    var printsJSON: Bool { json }

    func run() throws {
        guard let span = TimeSpan(parsing: by) else { throw CommandFailure.badOption("--by", "--by \(Terminal.quoted(by)): \(TimeSpan.syntaxHint)") }
        if let purpose {
            // Held to a request file's purpose: words, and at most as many.
            guard !purpose.allSatisfy(\.isWhitespace) else {
                throw CommandFailure.badOption("--purpose", "--purpose needs words: say why the access is needed for longer, or leave it out to keep the original purpose")
            }
            try storable(purpose, .multiline, from: "--purpose", maxLength: Limits.purposeLength)
        }
        let result = try options.commands().run(Commands.Extend(id: id, by: span, purpose: purpose))
        let record = result.output
        if json { return try SubmissionJSON(records: [record], dryRun: false, result: result).print() }
        reportHandOffs(result)
        Terminal.line("\(record.id) asks to extend \(id) by \(span); it is \(record.state.rawValue)")
        if let route = record.route { Terminal.line("  \(Terminal.safe(route.summary))") }
    }
}

struct SelfActivate: GrantAction {
    static let configuration = CommandConfiguration(
        commandName: "self-activate",
        abstract: "Activate your own break-glass request when no approver answered in time (where the policy allows it).",
        discussion: "The request is marked self-activated everywhere and its post-incident review is mandatory.")
    @OptionGroup var options: StoreOptions
    @Argument(help: "Your pending break-glass request.", completion: RequestIDCompletion.kind) var id: String
    @OptionGroup var rationale: RationaleOptions
    @Flag(help: "Print the result as JSON (signoff.action-result/1).") var json = false

    func run() throws {
        let why = try rationale.value(required: true) ?? ""
        try perform(Commands.SelfActivate(id: id, rationale: why), rationale: rationale) { (grant: Grant?) -> String in
            let until = grant?.expiresAt.map { " until \(Timestamp.format($0))" } ?? ""
            let review = grant?.incidentReview.map { "; post-incident review by \($0.reviewers) due \(Timestamp.format($0.dueAt))" } ?? ""
            return "\(id) SELF-ACTIVATED" + until + review
        }
    }
}

struct ReviewIncident: GrantAction {
    static let configuration = CommandConfiguration(
        commandName: "review-incident",
        abstract: "Complete the post-incident review of a break-glass grant.")
    @OptionGroup var options: StoreOptions
    @Argument(help: "The break-glass request.", completion: RequestIDCompletion.kind) var id: String
    @OptionGroup var rationale: RationaleOptions
    @Flag(help: "Print the result as JSON (signoff.action-result/1).") var json = false

    func run() throws {
        let why = try rationale.value(required: true) ?? ""
        try perform(Commands.ReviewIncident(id: id, rationale: why), rationale: rationale) { _ in "post-incident review of \(id) completed" }
    }
}

struct Provisioned: GrantAction {
    static let configuration = CommandConfiguration(
        commandName: "provisioned",
        abstract: "Record that provisioning carried out the latest action of a grant (grant, revoke or expire).")
    @OptionGroup var options: StoreOptions
    @Argument(help: "The request ID.", completion: RequestIDCompletion.kind) var id: String
    @Option(help: "A note from provisioning, e.g. the change ID.") var note: String?
    @OptionGroup var action: ReportedAction
    @Flag(help: "Print the result as JSON (signoff.action-result/1).") var json = false

    func run() throws {
        if let note { try storable(note, .multiline, from: "--note", maxLength: Limits.notesLength) }
        try perform(Commands.ReportProvisioning(id: id, succeeded: true, note: note, action: try action.value(), document: try action.documentDigest())) { _ in
            "\(id): provisioning confirmed"
        }
    }
}

struct ProvisioningFailed: GrantAction {
    static let configuration = CommandConfiguration(
        commandName: "provisioning-failed",
        abstract: "Record that provisioning could not carry out the latest action of a grant.")
    @OptionGroup var options: StoreOptions
    @Argument(help: "The request ID.", completion: RequestIDCompletion.kind) var id: String
    @Option(help: "What went wrong.") var reason: String
    @OptionGroup var action: ReportedAction
    @Flag(help: "Print the result as JSON (signoff.action-result/1).") var json = false

    func run() throws {
        guard !reason.allSatisfy(\.isWhitespace) else { throw CommandFailure.badOption("--reason", "--reason needs words") }
        try storable(reason, .multiline, from: "--reason", maxLength: Limits.notesLength)
        try perform(Commands.ReportProvisioning(id: id, succeeded: false, note: reason, action: try action.value(), document: try action.documentDigest())) { _ in
            "\(id): provisioning failure recorded"
        }
    }
}

/// Which hand-off a provisioning report is about: the document's `action`.
struct ReportedAction: ParsableArguments {
    @Option(help: ArgumentHelp("The action of the hand-off document reported on (grant, revoke or expire; its \"action\"): refused as stale when a later hand-off replaced it.", valueName: "action"))
    var action: String?

    func value() throws -> HandOffAction? {
        guard let action else { return nil }
        guard let known = HandOffAction(rawValue: action) else {
            throw CommandFailure.badOption("--action", "--action \(Terminal.quoted(action)): give grant, revoke or expire, the document's \"action\"")
        }
        return known
    }

    @Option(help: ArgumentHelp("The SHA-256 of the hand-off document file reported on (64 lowercase hex digits, as sha256sum prints): refused as stale unless it is the latest document handed off for the grant. Provisioning should pass it.", valueName: "sha256"))
    var document: String?

    func documentDigest() throws -> String? {
        guard let document else { return nil }
        guard GrantDocument.isDigest(document) else {
            throw CommandFailure.badOption("--document", "--document \(Terminal.quoted(document)): give the SHA-256 of the document file, 64 lowercase hex digits as sha256sum prints them")
        }
        return document
    }
}
