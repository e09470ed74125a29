import ArgumentParser
import Foundation
import SignoffApp
import SignoffCore
import SignoffStore

/// Says what the hand-off after a command did, on stderr so --json output
/// stays one document.
func reportHandOffs<T>(_ result: CommandResult<T>) {
    for delivery in result.handOffs {
        let line = "\(delivery.requestID): \(delivery.action.rawValue) \(Terminal.safe(delivery.outcome))"
        Terminal.error((delivery.failed ? "hand-off failed, recorded: " : "hand-off: ") + line)
    }
    if let problem = result.handOffProblem { Terminal.error(problem) }
}

struct Expire: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Expire grants past their expiry and time out stale pending requests (for cron or a timer).",
        discussion: """
        Idempotent: a second run, or two runs at once, change nothing the first did not. Each expiry and
        timeout is an event; expired grants are handed to provisioning to be removed, and requests still
        open to extend them are closed. Prints nothing when nothing was due (so a cron line mails only
        when something happened); --verbose says so, and names every request.
        """)
    @OptionGroup var options: StoreOptions
    @Flag(name: .shortAndLong, help: "Say when nothing was due, and name each expired grant, timed-out and closed request.")
    var verbose = false
    @Flag(help: "Print the result as JSON.") var json = false

    struct Output: Encodable {
        var expired: [String]
        var timedOut: [String]
        var closed: [String]
        enum CodingKeys: String, CodingKey { case expired, timedOut = "timed_out", closed = "closed_extensions" }
    }

    func run() throws {
        let result = try options.commands().run(Commands.Sweep())
        reportHandOffs(result)
        let outcome = result.output
        if json { return try Terminal.json(Output(expired: outcome.expired, timedOut: outcome.timedOut, closed: outcome.closed)) }
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

struct Revoke: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "End a grant early, with a rationale.",
        discussion: "The requester, an approver of the request or of an extension of it, the subject's owner and the system's owners may revoke.")
    @OptionGroup var options: StoreOptions
    @Argument(help: "The request ID whose grant ends.", completion: RequestIDCompletion.kind) var id: String
    @OptionGroup var rationale: RationaleOptions

    func run() throws {
        let why = try rationale.value(required: true) ?? ""
        reportHandOffs(try options.commands().run(Commands.Revoke(id: id, rationale: why)))
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
        let trigger = RevocationTrigger(name: try storable(name, .line, from: "the trigger name"), ref: try storable(ref, .line, from: "--ref"))
        let result = try options.commands().run(Commands.FireTrigger(trigger))
        reportHandOffs(result)
        let revoked = result.output
        Terminal.line("\(Terminal.safe(name)) \(Terminal.safe(ref)): revoked \(revoked.count) grant(s)\(revoked.isEmpty ? "" : ": " + revoked.joined(separator: ", "))")
    }
}

struct Extend: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask to extend a live grant: files a new request, routed and approved like any other.",
        discussion: "The grant is extended only when that request is approved, never past the policy's maximum total.")
    @OptionGroup var options: StoreOptions
    @Argument(help: "The request whose grant to extend.", completion: RequestIDCompletion.kind) var id: String
    @Option(help: "How much longer, e.g. 8h or 7d.") var by: String
    @Option(help: "Why the extension is needed (default: the original purpose).") var purpose: String?
    @Flag(help: "Print the result as JSON.") var json = false

    func run() throws {
        guard let span = TimeSpan(parsing: by) else { throw CommandFailure.badInput("--by \(by): \(TimeSpan.syntaxHint)") }
        if let purpose { try storable(purpose, .multiline, from: "--purpose") }
        let result = try options.commands().run(Commands.Extend(id: id, by: span, purpose: purpose))
        reportHandOffs(result)
        let record = result.output
        if json {
            try Terminal.json(SubmitResult(id: record.id, state: record.state.rawValue, route: record.route?.summary ?? ""))
        } else {
            Terminal.line("\(record.id) asks to extend \(id) by \(span); it is \(record.state.rawValue)")
            if let route = record.route { Terminal.line("  \(Terminal.safe(route.summary))") }
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
    @Argument(help: "Your pending break-glass request.", completion: RequestIDCompletion.kind) var id: String
    @OptionGroup var rationale: RationaleOptions

    func run() throws {
        let why = try rationale.value(required: true) ?? ""
        let result = try options.commands().run(Commands.SelfActivate(id: id, rationale: why))
        reportHandOffs(result)
        let grant = result.output
        Terminal.line("\(id) SELF-ACTIVATED" + (grant?.expiresAt.map { " until \(Timestamp.format($0))" } ?? "")
                      + (grant?.incidentReview.map { "; post-incident review by \($0.reviewers) due \(Timestamp.format($0.dueAt))" } ?? ""))
    }
}

struct ReviewIncident: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review-incident",
        abstract: "Complete the post-incident review of a break-glass grant.")
    @OptionGroup var options: StoreOptions
    @Argument(help: "The break-glass request.", completion: RequestIDCompletion.kind) var id: String
    @OptionGroup var rationale: RationaleOptions

    func run() throws {
        let why = try rationale.value(required: true) ?? ""
        reportHandOffs(try options.commands().run(Commands.ReviewIncident(id: id, rationale: why)))
        Terminal.line("post-incident review of \(id) completed")
    }
}

struct Provisioned: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record that provisioning carried out the latest action of a grant (grant, revoke or expire).")
    @OptionGroup var options: StoreOptions
    @Argument(help: "The request ID.", completion: RequestIDCompletion.kind) var id: String
    @Option(help: "A note from provisioning, e.g. the change ID.") var note: String?

    func run() throws {
        if let note { try storable(note, .multiline, from: "--note") }
        try options.commands().run(Commands.ReportProvisioning(id: id, succeeded: true, note: note))
        Terminal.line("\(id): provisioning confirmed")
    }
}

struct ProvisioningFailed: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "provisioning-failed",
        abstract: "Record that provisioning could not carry out the latest action of a grant.")
    @OptionGroup var options: StoreOptions
    @Argument(help: "The request ID.", completion: RequestIDCompletion.kind) var id: String
    @Option(help: "What went wrong.") var reason: String

    func run() throws {
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw CommandFailure.badInput("--reason needs words") }
        try storable(reason, .multiline, from: "--reason")
        try options.commands().run(Commands.ReportProvisioning(id: id, succeeded: false, note: reason))
        Terminal.line("\(id): provisioning failure recorded")
    }
}
