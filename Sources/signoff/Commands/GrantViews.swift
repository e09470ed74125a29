import ArgumentParser
import Foundation
import SignoffApp
import SignoffCore
import SignoffStore

/// Grants as aligned columns: ID, state, time left, subject, where, what, for
/// whom, whether reconciliation has seen it carried out, flags.
struct GrantTable {
    let now: Date
    private var table: TextTable

    init(now: Date, write: @escaping (String) throws -> Void) {
        self.now = now
        table = TextTable([
            .init(title: "ID"), .init(title: "STATE"), .init(title: "TIME LEFT"), .init(title: "SUBJECT", maximum: 40),
            .init(title: "SYSTEM/ENV", maximum: 32), .init(title: "ENTITLEMENT", maximum: 28), .init(title: "ACCESS"),
            .init(title: "REQUESTER", maximum: 20), .init(title: "RECONCILED"), .init(title: "FLAGS"),
        ], write: write)
    }

    /// `disputed`: what `audit verify` names in the grant's history; such a
    /// grant is flagged first, since nothing else about it can be trusted.
    mutating func add(_ grant: Grant, _ seen: GrantReconciliation?, disputed: [String] = []) throws {
        let terms = grant.terms
        let flags = (disputed.isEmpty ? [] : ["✗ DISPUTED: `signoff show \(grant.requestID)`"])
            + grant.flags(at: now).map { Terminal.safe($0.label(at: now)) }
        try table.add([
            grant.requestID, grant.state.rawValue, grant.timeLeftText(at: now),
            terms.subject.kind.rawValue + ":" + Terminal.safe(terms.subject.name),
            Terminal.safe(terms.system) + "/" + Terminal.safe(terms.environment), Terminal.safe(terms.entitlement),
            terms.access.rawValue, Terminal.safe(terms.requester), GrantConfirmation(grant, seen).label,
            flags.joined(separator: ", "),
        ])
    }

    mutating func finish() throws { try table.finish() }
}

struct Grants: ParsableCommand, JSONReporting {
    static let configuration = CommandConfiguration(
        commandName: "grants",
        abstract: "List grants by time left: live ones, and ended or failed ones provisioning has not confirmed.",
        discussion: "Example: signoff grants --mine --expiring-within 24h")
    @OptionGroup var options: StoreOptions
    @Flag(help: "Only my people (me and my reports) and my systems (those I own).") var mine = false
    @Flag(help: "Every grant, ended ones included.") var all = false
    @Option(help: "Only active grants ending within this time, e.g. 24h.") var expiringWithin: String?
    @Flag(help: "Only grants reconciliation has not seen carried out (access seen while live, gone once ended).")
    var unconfirmed = false
    @Flag(help: "Print one JSON document (signoff.grant-list/1).") var json = false
    @Flag(help: "Print JSON lines: one signoff.grant-status/1 object per grant.") var jsonl = false

    var printsJSON: Bool { json || jsonl }

    func run() throws {
        let format = try ListFormat(json: json, jsonLines: jsonl)
        let commands = try options.commands(reading: true)
        let now = commands.clock.now()
        var horizon: Date?
        if let expiringWithin {
            guard let span = TimeSpan(parsing: expiringWithin) else {
                throw CommandFailure.badOption("--expiring-within", "--expiring-within \(Terminal.quoted(expiringWithin)): \(TimeSpan.syntaxHint)")
            }
            horizon = now.addingTimeInterval(TimeInterval(span.seconds))
        }
        let policy = mine ? try commands.requirePolicy() : nil
        let responsibility = policy.map { Responsibility(policy: $0, person: commands.actor.name) }
        // Nobody's grants are theirs when the directory does not list them: say why, so it does not read as "none".
        if let policy, !policy.knowsPerson(commands.actor.name) {
            Terminal.warning("\(commands.actor.name) is not a person of the policy's directory, so no people or systems are theirs")
        }
        var writer = JSONListWriter<GrantStatusJSON>(listSchema: "signoff.grant-list/1", lines: format == .jsonLines)
        var table = GrantTable(now: now, write: StandardOutput.line)
        var count = 0
        try storeCall {
            try commands.store.forEachCheckedGrant(all ? .all : .attention, activeExpiringBy: horizon) { grant, seen, disputed in
                if let responsibility, !responsibility.covers(grant.terms) { return }
                if unconfirmed, GrantConfirmation(grant, seen).isConfirmed { return }
                count += 1
                switch format {
                case .text: try table.add(grant, seen, disputed: disputed)
                case .json, .jsonLines: try writer.append(GrantStatusJSON(grant: grant, reconciliation: seen, now: now, disputed: disputed))
                }
            }
        }
        switch format {
        case .text:
            if count == 0 { return Terminal.line("no grants match") }
            try table.finish()
        case .json, .jsonLines: try writer.finish()
        }
    }
}

struct IncidentReviews: ParsableCommand, JSONReporting {
    static let configuration = CommandConfiguration(
        commandName: "incident-reviews",
        abstract: "List post-incident reviews of break-glass grants by when they are due: overdue first, then due, then (with --all) completed.")
    @OptionGroup var options: StoreOptions
    @Flag(help: "Include completed reviews.") var all = false
    @Flag(help: "Print one JSON document (signoff.incident-review-list/1).") var json = false
    @Flag(help: "Print JSON lines: one signoff.incident-review/1 object per review.") var jsonl = false

    var printsJSON: Bool { json || jsonl }

    func run() throws {
        let format = try ListFormat(json: json, jsonLines: jsonl)
        let commands = try options.commands(reading: true)
        let now = commands.clock.now()
        var writer = JSONListWriter<IncidentReviewJSON>(listSchema: "signoff.incident-review-list/1", lines: format == .jsonLines)
        var count = 0
        try storeCall {
            try commands.store.forEachCheckedGrant(.incidentReviews(includingCompleted: all)) { grant, seen, disputed in
                guard let review = grant.incidentReview else { return }
                count += 1
                switch format {
                case .text: try StandardOutput.line(Self.line(grant, review, disputed: disputed, now: now))
                case .json, .jsonLines:
                    try writer.append(IncidentReviewJSON(grant: grant, reconciliation: seen, review: review, now: now, disputed: disputed))
                }
            }
        }
        switch format {
        case .text: if count == 0 { Terminal.line("no post-incident reviews \(all ? "" : "open")") }
        case .json, .jsonLines: try writer.finish()
        }
    }

    /// `disputed`: what `audit verify` names in the grant's history; such a grant says so first.
    static func line(_ grant: Grant, _ review: IncidentReview, disputed: [String], now: Date) -> String {
        var status: String
        if let completed = review.completedAt {
            status = "completed \(Timestamp.format(completed)) by \(Terminal.safe(review.completedBy ?? "?"))"
        } else if review.isOverdue(at: now) {
            status = "OVERDUE by \(TimeSpan.between(review.dueAt, now)) (due \(Timestamp.format(review.dueAt)))"
        } else {
            status = "due in \(TimeSpan.between(now, review.dueAt))"
        }
        // Completed once the access has ended (`Lifecycle.incidentReviewRefusal`).
        if !review.isCompleted, grant.state.mayHoldAccess {
            status += "  ACCESS LIVE (\(grant.state.rawValue)): review once it has ended"
        }
        return "\(grant.requestID)  " + (disputed.isEmpty ? "" : "✗ DISPUTED: `signoff show \(grant.requestID)`  ") + "\(status)  reviewers: \(review.reviewers)  incident: \(Terminal.safe(grant.terms.incident ?? "-"))"
            + (grant.selfActivated ? "  SELF-ACTIVATED" : "") + "  " + Terminal.safe(grant.terms.requester)
            + " on " + Terminal.safe(grant.terms.system) + "/" + Terminal.safe(grant.terms.environment)
    }
}

struct HandOffSettings: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "handoff",
        abstract: "Show or set where approved grants go: an outbox folder, or a command that reads each grant document on stdin.",
        discussion: """
        Examples:
          signoff handoff                              show the current setting
          signoff handoff --outbox /var/spool/signoff  write each grant document there
          signoff handoff --command "/usr/local/bin/provision" --timeout 60
          signoff handoff --off
          signoff handoff retry                        deliver every pending or failed
                                                       hand-off again

        Every change is an event in the store, made only by whoever the policy lets configure the hand-off. \
        A command runs, and an outbox is written, only in processes of the identity that set it (with \
        their rights): other approvers' decisions leave their grants pending, and that identity's \
        `signoff handoff retry` (for example from its crontab) delivers them. Setting a target also lists \
        it, for this store and with the event that set it, in this account's own \
        $XDG_CONFIG_HOME/signoff/trusted-hand-offs (else ~/.config/...), replacing the one before: a \
        target not listed there, or replaced since by anyone, is never used, whatever the store says. An outbox must be a folder of this account's that others cannot write.
        """,
        subcommands: [Configure.self, Retry.self], defaultSubcommand: Configure.self)

    struct Configure: ParsableCommand, JSONReporting {
        static let configuration = CommandConfiguration(commandName: "set", abstract: "Show or change the hand-off.")
        @OptionGroup var options: StoreOptions
        @Option(help: "An existing folder that receives one JSON document per action.") var outbox: String?
        @Option(help: "A shell command that receives the document on stdin; exit 0 means done. Runs only as you.") var command: String?
        @Option(help: "Seconds the command may run (default 30).") var timeout: Int?
        @Flag(help: "Hand off nowhere (grants wait, visibly not provisioned).") var off = false
        @Flag(help: "Print the hand-off as JSON (signoff.hand-off/1), after any change.") var json = false
        var printsJSON: Bool { json }

        /// The hand-off now, and why its target is not used here (if it is not).
        private func current(_ commands: Commands) throws -> (HandOffConfiguration, String?) {
            let current = try storeCall { try commands.store.handOff() }
            let refusal = current.command == nil && current.outbox == nil ? nil
                : HandOff(store: commands.store, actor: commands.actor, trust: commands.trust).refusal(current)
            return (current, refusal)
        }

        func run() throws {
            let changes = [outbox != nil, command != nil, off].filter { $0 }.count
            guard changes <= 1 else { throw CommandFailure.badInput("give one of --outbox, --command, --off") }
            let commands = try options.commands(reading: changes == 0)
            let store = commands.store
            if changes == 0 {
                if timeout != nil { throw CommandFailure.badInput("--timeout goes with --command") }
                let (current, refusal) = try self.current(commands)
                if json { return try HandOffJSON(configuration: current, refusal: refusal).print() }
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
            if let command, let problem = CommandTrust.commandProblem(command) { throw CommandFailure.badInput("--command: \(problem)") }
            let configured = try commands.run(Commands.ConfigureHandOff(outbox: absolute, command: command, timeoutSeconds: timeout))
            // This account's own record of the target it set here, by the event
            // just recorded, replacing (so retiring) the one before: the store
            // alone is not believed (see CommandTrust).
            do {
                let event = configured.output
                if let command {
                    try commands.trust.trust(.command(command), store: store.trustedAs, event: event)
                } else if let absolute {
                    try commands.trust.trust(.outbox(absolute), store: store.trustedAs, event: event)
                } else {
                    try commands.trust.retire(store: store.trustedAs)
                }
            } catch {
                throw CommandFailure(.refused, "the hand-off is set in the store, but this account's trust file could not be written, so nothing is handed off here until it is: \(error)")
            }
            if json {
                let (current, refusal) = try self.current(commands)
                return try HandOffJSON(configuration: current, refusal: refusal).print()
            }
            Terminal.line(off ? "hand-off turned off" : "hand-off set to \(command.map { "command \(Terminal.safe($0))" } ?? "outbox \(Terminal.safe(absolute ?? ""))")")
        }
    }

    struct Retry: ParsableCommand, JSONReporting {
        static let configuration = CommandConfiguration(
            commandName: "retry",
            abstract: "Deliver pending and failed hand-offs again (all, or the IDs given).",
            discussion: "Prints nothing when nothing was waiting (for cron); --verbose says so.")
        @OptionGroup var options: StoreOptions
        @Argument(help: "Request IDs (or finding IDs, for removals); default every grant and removal whose hand-off is pending or failed.",
                  completion: RequestIDCompletion.kind) var ids: [String] = []
        @Flag(name: .shortAndLong, help: "Say when nothing was waiting to be delivered.") var verbose = false
        @Flag(help: "Print the deliveries as JSON (signoff.hand-off-retry/1).") var json = false
        var printsJSON: Bool { json }

        func run() throws {
            let commands = try options.commands()
            let findings = ids.filter(SignoffCore.Finding.isID)
            let requests = ids.filter { !SignoffCore.Finding.isID($0) }
            let (deliveries, removals) = try commands.retryHandOffs(requests: requests, findings: findings)
            let failed = CommandFailure(.refused, "some hand-offs failed; each failure is recorded")
            let anyFailed = deliveries.contains(where: \.failed) || removals.contains(where: \.failed)
            if json {
                try HandOffRetryJSON(deliveries: deliveries, removals: removals).print()
                if anyFailed { throw failed }
                return
            }
            if deliveries.isEmpty && removals.isEmpty {
                if verbose { Terminal.line("nothing was waiting to be handed off") }
                return
            }
            for delivery in deliveries {
                Terminal.line("\(delivery.requestID): \(delivery.action.rawValue) \(delivery.failed ? "FAILED: " : "")\(Terminal.safe(delivery.outcome))")
            }
            for removal in removals {
                Terminal.line("\(removal.findingID): remove \(removal.failed ? "FAILED: " : "")\(Terminal.safe(removal.outcome))")
            }
            // Nothing is left pending here: a hand-off this process may not use is refused.
            Terminal.line("\(deliveries.count + removals.count) hand-off(s) attempted, \(deliveries.filter(\.failed).count + removals.filter(\.failed).count) failed")
            if anyFailed { throw failed }
        }
    }
}

struct Wait: ParsableCommand, JSONReporting {
    static let configuration = CommandConfiguration(
        commandName: "wait",
        abstract: "Wait until a request is decided, for pipelines and agents.",
        discussion: """
        Exit codes: 0 approved (the grant is printed), 7 decided otherwise (denied, withdrawn, timed out), \
        8 still undecided when --timeout passed; plus the usual 2 and 5 for bad input and store errors. \
        With --json the result (signoff.wait-result/1) is printed in every one of those three cases.
        """)
    @OptionGroup var options: StoreOptions
    @Argument(help: "The request ID.", completion: RequestIDCompletion.kind) var id: String
    @Option(help: "How long to wait, e.g. 30m, or seconds such as 45s (default 1h).") var timeout: String = "1h"
    @Flag(help: "Print the result as JSON (signoff.wait-result/1).") var json = false
    var printsJSON: Bool { json }

    func run() throws {
        let seconds = timeout.hasSuffix("s") ? Int(timeout.dropLast()).flatMap { $0 > 0 ? $0 : nil } : TimeSpan(parsing: timeout)?.seconds
        guard let seconds else {
            throw CommandFailure.badOption("--timeout", "--timeout \(Terminal.quoted(timeout)): \(TimeSpan.syntaxHint), or seconds such as 45s")
        }
        let span = TimeSpan(seconds: seconds)
        let commands = try options.commands(reading: true)
        let store = commands.store
        let deadline = Date().addingTimeInterval(TimeInterval(seconds))
        var token: Int64?
        var warnedOfLoss = false
        while true {
            let current: Int64
            do {
                current = try token == nil ? store.changeToken() : store.changeToken(waitingAtMost: deadline.timeIntervalSinceNow)
            } catch let StoreError.connectionLost(store: _, detail: detail) where Date() < deadline {
                // The server restarted, or the network failed over: nothing is written here, so look again (the
                // store connects again) until the deadline, reading the request afresh.
                if !warnedOfLoss {
                    Terminal.warning("the connection to the store broke (\(detail)); waiting on, connecting again")
                    warnedOfLoss = true
                }
                Thread.sleep(forTimeInterval: min(1, max(0, deadline.timeIntervalSinceNow)))
                token = nil
                continue
            } catch {
                throw CommandFailure(.storeError, "\(error)")
            }
            if current != token {
                token = current
                guard let record = try storeCall({ try store.record(id) }) else { throw CommandFailure(CommandError.noSuchRequest(id)) }
                if !record.state.isOpen { return try finish(record, commands: commands, timeout: seconds) }
            }
            if Date() >= deadline {
                let record = try storeCall { try store.record(id) }
                if json {
                    try WaitResultJSON(id: id, state: record?.state ?? .pending, decided: false, reason: nil,
                                       timeoutSeconds: seconds, grant: nil, now: commands.clock.now()).print()
                }
                throw CommandFailure(.stillPending, "\(id) is still undecided after \(span)")
            }
        }
    }

    private func finish(_ record: RequestRecord, commands: Commands, timeout: Int) throws {
        let now = commands.clock.now()
        let grantID = record.request.extends ?? record.id
        let grant = record.state == .approved ? try storeCall { try commands.store.reconciledGrant(grantID) } : nil
        let reason = record.decision?.reason
        if json {
            try WaitResultJSON(id: id, state: record.state, decided: true, reason: reason, timeoutSeconds: timeout,
                               grant: grant, now: now).print()
        } else {
            Terminal.line("\(id) \(record.state.rawValue)" + (reason.map { ": " + Terminal.safe($0) } ?? ""))
            if let grant {
                var table = GrantTable(now: now) { Terminal.line($0) }
                try table.add(grant.grant, grant.reconciliation)
                try table.finish()
            }
        }
        if record.state != .approved { throw CommandFailure(.notApproved, "\(id) was not approved: it is \(record.state.rawValue)") }
    }
}
