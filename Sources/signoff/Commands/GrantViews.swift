import ArgumentParser
import Foundation
import SignoffApp
import SignoffCore
import SignoffStore

/// A grant for scripts.
struct GrantJSON: Encodable {
    var id: String
    var state: String
    var requester: String
    var subject: Subject
    var system: String
    var environment: String
    var entitlement: String
    var scope: String?
    var access: String
    var approvedAt: Date
    var approvers: [String]
    var startsAt: Date?
    var expiresAt: Date?
    var duration: String
    var timeLeft: String
    var breakGlass: Bool
    var selfActivated: Bool
    var provisioning: String
    var provisioningAction: String
    var provisioningReason: String?
    var endedAt: Date?
    var endedBy: String?
    var endReason: String?
    var extensions: [String]
    var incidentReviewDue: Date?
    var incidentReviewCompletedBy: String?
    var flags: [String]

    enum CodingKeys: String, CodingKey {
        case id, state, requester, subject, system, environment, entitlement, scope, access, approvers, duration, flags
        case extensions, provisioning
        case approvedAt = "approved_at", startsAt = "starts_at", expiresAt = "expires_at", timeLeft = "time_left"
        case breakGlass = "break_glass", selfActivated = "self_activated", provisioningAction = "provisioning_action"
        case provisioningReason = "provisioning_reason", endedAt = "ended_at", endedBy = "ended_by", endReason = "end_reason"
        case incidentReviewDue = "incident_review_due", incidentReviewCompletedBy = "incident_review_completed_by"
    }

    init(_ grant: Grant, now: Date) {
        let terms = grant.terms
        id = grant.requestID; state = grant.state.rawValue; requester = terms.requester; subject = terms.subject
        system = terms.system; environment = terms.environment; entitlement = terms.entitlement; scope = terms.scope
        access = terms.access.rawValue; approvedAt = grant.approvedAt; approvers = grant.approvers
        startsAt = grant.startsAt; expiresAt = grant.expiresAt; duration = grant.duration.description
        timeLeft = grant.timeLeftText(at: now); breakGlass = terms.breakGlass; selfActivated = grant.selfActivated
        provisioning = grant.provisioning.rawValue; provisioningAction = grant.provisioningAction.rawValue
        provisioningReason = grant.provisioningReason; endedAt = grant.endedAt; endedBy = grant.endedBy
        endReason = grant.endReason; extensions = grant.extensions
        incidentReviewDue = grant.incidentReview?.dueAt; incidentReviewCompletedBy = grant.incidentReview?.completedBy
        flags = grant.flags(at: now).map { $0.label(at: now) }
    }
}

/// Grants as aligned columns: ID, state, time left, subject, where, what, for whom, flags.
func grantTable(_ grants: [Grant], now: Date) -> [String] {
    var table = TextTable([
        .init(title: "ID"), .init(title: "STATE"), .init(title: "TIME LEFT"), .init(title: "SUBJECT", maximum: 40),
        .init(title: "SYSTEM/ENV", maximum: 32), .init(title: "ENTITLEMENT", maximum: 28), .init(title: "ACCESS"),
        .init(title: "REQUESTER", maximum: 20), .init(title: "FLAGS"),
    ])
    for grant in grants {
        let terms = grant.terms
        table.add([
            grant.requestID, grant.state.rawValue, grant.timeLeftText(at: now),
            terms.subject.kind.rawValue + ":" + Terminal.safe(terms.subject.name),
            Terminal.safe(terms.system) + "/" + Terminal.safe(terms.environment), Terminal.safe(terms.entitlement),
            terms.access.rawValue, Terminal.safe(terms.requester),
            Terminal.safe(grant.flags(at: now).map { $0.label(at: now) }.joined(separator: ", ")),
        ])
    }
    return table.lines()
}

struct Grants: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List grants by time left: live ones, and ended or failed ones provisioning has not confirmed.",
        discussion: "Example: signoff grants --mine --expiring-within 24h")
    @OptionGroup var options: StoreOptions
    @Flag(help: "Only my people (me and my reports) and my systems (those I own).") var mine = false
    @Flag(help: "Every grant, ended ones included.") var all = false
    @Option(help: "Only live grants ending within this time, e.g. 24h.") var expiringWithin: String?
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let commands = try options.commands(reading: true)
        let now = commands.clock.now()
        var grants = try storeCall { try commands.store.grants(all ? .all : .attention) }
        if mine {
            let responsibility = Responsibility(policy: try commands.requirePolicy(), person: commands.actor.name)
            grants = grants.filter { responsibility.covers($0.terms) }
        }
        if let expiringWithin {
            guard let span = TimeSpan(parsing: expiringWithin) else {
                throw CommandFailure.badInput("--expiring-within \(expiringWithin): \(TimeSpan.syntaxHint)")
            }
            let horizon = now.addingTimeInterval(TimeInterval(span.seconds))
            grants = grants.filter { $0.state == .active && ($0.expiresAt.map { $0 <= horizon } ?? false) }
        }
        if json { return try Terminal.json(grants.map { GrantJSON($0, now: now) }) }
        if grants.isEmpty { return Terminal.line("no grants match") }
        for line in grantTable(grants, now: now) { Terminal.line(line) }
    }
}

struct IncidentReviews: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "incident-reviews",
        abstract: "List post-incident reviews of break-glass grants: overdue first, then due, then (with --all) completed.")
    @OptionGroup var options: StoreOptions
    @Flag(help: "Include completed reviews.") var all = false
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let commands = try options.commands(reading: true)
        let now = commands.clock.now()
        let grants = try storeCall { try commands.store.grants(.incidentReviews) }
            .filter { all || !($0.incidentReview?.isCompleted ?? true) }
            .sorted { ($0.incidentReview?.dueAt ?? now) < ($1.incidentReview?.dueAt ?? now) }
        if json { return try Terminal.json(grants.map { GrantJSON($0, now: now) }) }
        if grants.isEmpty { return Terminal.line("no post-incident reviews \(all ? "" : "open")") }
        for grant in grants {
            guard let review = grant.incidentReview else { continue }
            let status: String
            if let completed = review.completedAt {
                status = "completed \(Timestamp.format(completed)) by \(Terminal.safe(review.completedBy ?? "?"))"
            } else if review.isOverdue(at: now) {
                status = "OVERDUE by \(TimeSpan.between(review.dueAt, now)) (due \(Timestamp.format(review.dueAt)))"
            } else {
                status = "due in \(TimeSpan.between(now, review.dueAt))"
            }
            Terminal.line("\(grant.requestID)  \(status)  reviewers: \(review.reviewers)  incident: \(Terminal.safe(grant.terms.incident ?? "-"))"
                          + (grant.selfActivated ? "  SELF-ACTIVATED" : "") + "  " + Terminal.safe(grant.terms.requester)
                          + " on " + Terminal.safe(grant.terms.system) + "/" + Terminal.safe(grant.terms.environment))
        }
    }
}

struct HandOffSettings: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "handoff",
        abstract: "Show or set where approved grants go: an outbox folder, or a command that reads each grant document on stdin.",
        discussion: """
        Examples:
          signoff handoff                                   show the current setting
          signoff handoff --outbox /var/spool/signoff       write each grant document there
          signoff handoff --command "/usr/local/bin/provision" --timeout 60
          signoff handoff --off
          signoff handoff retry                             deliver every pending or failed hand-off again
        Every change is an event in the store, made only by whoever the policy lets configure the hand-off.
        A command runs, and an outbox is written, only in processes of the identity that set it (with
        their rights): other approvers' decisions leave their grants pending, and that identity's
        `signoff handoff retry` (for example from its crontab) delivers them. Setting a target also lists
        it, for this store and with the event that set it, in this account's own
        $XDG_CONFIG_HOME/signoff/trusted-hand-offs (else ~/.config/...), replacing the one before: a
        target not listed there, or replaced since by anyone, is never used, whatever the store says. An outbox must be a folder of this account's that others cannot write.
        """,
        subcommands: [Configure.self, Retry.self], defaultSubcommand: Configure.self)

    struct Configure: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set", abstract: "Show or change the hand-off.")
        @OptionGroup var options: StoreOptions
        @Option(help: "An existing folder that receives one JSON document per action.") var outbox: String?
        @Option(help: "A shell command that receives the document on stdin; exit 0 means done. Runs only as you.") var command: String?
        @Option(help: "Seconds the command may run (default 30).") var timeout: Int?
        @Flag(help: "Hand off nowhere (grants wait, visibly not provisioned).") var off = false

        func run() throws {
            let changes = [outbox != nil, command != nil, off].filter { $0 }.count
            guard changes <= 1 else { throw CommandFailure.badInput("give one of --outbox, --command, --off") }
            let commands = try options.commands(reading: changes == 0)
            let store = commands.store
            if changes == 0 {
                if timeout != nil { throw CommandFailure.badInput("--timeout goes with --command") }
                let current = try storeCall { try store.handOff() }
                if let command = current.command {
                    Terminal.line("hand-off: command \(Terminal.safe(command)) (timeout \(current.timeoutSeconds)s)")
                } else if let outbox = current.outbox {
                    Terminal.line("hand-off: outbox \(Terminal.safe(outbox))")
                } else {
                    Terminal.line("hand-off: none; approved grants wait as not provisioned")
                }
                if let at = current.configuredAt, let by = current.configuredBy {
                    Terminal.line("set \(Timestamp.format(at)) by \(by)")
                }
                if current.command != nil || current.outbox != nil {
                    let refusal = HandOff(store: store, actor: commands.actor, trust: commands.trust).refusal(current)
                    let verb = current.command != nil ? "runs" : "is written"
                    Terminal.line(refusal.map { "not used here: " + Terminal.safe($0) } ?? "\(verb) here, as this account")
                }
                return
            }
            if let timeout, !(1...3600).contains(timeout) { throw CommandFailure.badInput("--timeout must be 1 to 3600 seconds") }
            if timeout != nil && command == nil { throw CommandFailure.badInput("--timeout goes with --command") }
            var absolute: String?
            if let outbox {
                try storable(outbox, .line, from: "--outbox")
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: outbox, isDirectory: &isDirectory), isDirectory.boolValue else {
                    throw CommandFailure.badInput("--outbox \(outbox): not an existing folder; create it first")
                }
                let folder = URL(fileURLWithPath: outbox).resolvingSymlinksInPath().path
                // Written as this account: only its own folder, that nobody else may write.
                if let problem = CommandTrust.outboxProblem(folder) { throw CommandFailure.badInput("--outbox: \(problem)") }
                absolute = folder
            }
            if let command, command.trimmingCharacters(in: .whitespaces).isEmpty || command.unicodeScalars.contains(where: DisplaySafe.isUnsafe) {
                throw CommandFailure.badInput("--command needs a plain, non-empty command line")
            }
            let configured = try commands.run(Commands.ConfigureHandOff(outbox: absolute, command: command, timeoutSeconds: timeout))
            // This account's own record of the target it set here, by the event
            // just recorded, replacing (so retiring) the one before: the store
            // alone is not believed (see CommandTrust).
            do {
                let event = configured.output
                if let command {
                    try commands.trust.trust(.command(command), store: store.path, event: event)
                } else if let absolute {
                    try commands.trust.trust(.outbox(absolute), store: store.path, event: event)
                } else {
                    try commands.trust.retire(store: store.path)
                }
            } catch {
                throw CommandFailure(.refused, "the hand-off is set in the store, but this account's trust file could not be written, so nothing is handed off here until it is: \(error)")
            }
            Terminal.line(off ? "hand-off turned off" : "hand-off set to \(command.map { "command \(Terminal.safe($0))" } ?? "outbox \(Terminal.safe(absolute ?? ""))")")
        }
    }

    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deliver pending and failed hand-offs again (all, or the IDs given).",
            discussion: "Prints nothing when nothing was waiting (for cron); --verbose says so.")
        @OptionGroup var options: StoreOptions
        @Argument(help: "Request IDs; default every grant whose hand-off is pending or failed.", completion: RequestIDCompletion.kind) var ids: [String] = []
        @Flag(name: .shortAndLong, help: "Say when nothing was waiting to be delivered.") var verbose = false

        func run() throws {
            let deliveries = try options.commands().retryHandOffs(ids)
            if deliveries.isEmpty {
                if verbose { Terminal.line("nothing was waiting to be handed off") }
                return
            }
            for delivery in deliveries {
                Terminal.line("\(delivery.requestID): \(delivery.action.rawValue) \(delivery.failed ? "FAILED: " : "")\(Terminal.safe(delivery.outcome))")
            }
            // Nothing is left pending here: a command this process may not run was refused above.
            Terminal.line("\(deliveries.count) hand-off(s) attempted, \(deliveries.filter(\.failed).count) failed")
            if deliveries.contains(where: \.failed) { throw CommandFailure(.refused, "some hand-offs failed; each failure is recorded") }
        }
    }
}

struct Wait: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Wait until a request is decided, for pipelines and agents.",
        discussion: """
        Exit codes: 0 approved (the grant is printed), 7 decided otherwise (denied, withdrawn, timed out),
        8 still undecided when --timeout passed; plus the usual 2 and 5 for bad input and store errors.
        """)
    @OptionGroup var options: StoreOptions
    @Argument(help: "The request ID.", completion: RequestIDCompletion.kind) var id: String
    @Option(help: "How long to wait, e.g. 30m, or seconds such as 45s (default 1h).") var timeout: String = "1h"
    @Flag(help: "Print the result as JSON.") var json = false

    struct Output: Encodable {
        var id: String
        var state: String
        var decided: Bool
        var reason: String?
        var grant: GrantJSON?
    }

    func run() throws {
        let seconds = timeout.hasSuffix("s") ? Int(timeout.dropLast()).flatMap { $0 > 0 ? $0 : nil } : TimeSpan(parsing: timeout)?.seconds
        guard let seconds else { throw CommandFailure.badInput("--timeout \(timeout): \(TimeSpan.syntaxHint), or seconds such as 45s") }
        let span = TimeSpan(seconds: seconds)
        let commands = try options.commands(reading: true)
        let store = commands.store
        let deadline = Date().addingTimeInterval(TimeInterval(seconds))
        var token: Int64?
        while true {
            let current = try storeCall { try store.changeToken() }
            if current != token {
                token = current
                guard let record = try storeCall({ try store.record(id) }) else { throw CommandError.noSuchRequest(id) }
                if !record.state.isOpen { return try finish(record, commands: commands) }
            }
            if Date() >= deadline {
                if json { try Terminal.json(Output(id: id, state: "pending", decided: false, reason: "still undecided after \(span)", grant: nil)) }
                throw CommandFailure(.stillPending, "\(id) is still undecided after \(span)")
            }
            usleep(200_000)
        }
    }

    private func finish(_ record: RequestRecord, commands: Commands) throws {
        let now = commands.clock.now()
        let grantID = record.request.extends ?? record.id
        let grant = record.state == .approved ? try storeCall { try commands.store.grant(grantID) } : nil
        let reason = record.decision?.reason
        if json {
            try Terminal.json(Output(id: id, state: record.state.rawValue, decided: true, reason: reason,
                                     grant: grant.map { GrantJSON($0, now: now) }))
        } else {
            Terminal.line("\(id) \(record.state.rawValue)" + (reason.map { ": " + Terminal.safe($0) } ?? ""))
            if let grant { for line in grantTable([grant], now: now) { Terminal.line(line) } }
        }
        if record.state != .approved { throw CommandFailure(.notApproved, "\(id) was not approved: it is \(record.state.rawValue)") }
    }
}
