import ArgumentParser
import Foundation
import SignoffApp
import SignoffCore
import SignoffStore

struct Notify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify",
        abstract: "Deliver notifications, and see what is undelivered or failed.",
        discussion: """
        Notifications are written to the store's outbox in the same transaction as the event that causes them \
        and delivered afterwards by `signoff notify run` (from cron or a systemd timer), or continuously by \
        `signoff notify run --follow`.
        """,
        subcommands: [NotifyRun.self, NotifyStatus.self, NotifyRetry.self, NotifyTrust.self])
}

struct NotifyRun: ParsableCommand, JSONReporting {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Plan what time brings (reminders, escalations, expiry warnings, overdue reviews) and deliver what is due.",
        discussion: """
        Failed deliveries are retried with backoff (30s, doubling to 1h) and given up after the policy's \
        notifications.attempts (default 8), recorded as failed; a run that gave one up exits 12 (not with --follow). Several runs at once never deliver one message twice: \
        each claims messages under a lease. A run killed mid-delivery leaves its messages to the next run once the lease \
        ends; a message it had already sent is then sent again with the same Idempotency-Key (dedup_key for PagerDuty, \
        Message-ID for mail), so the receiver can drop the repeat.
        """)
    @OptionGroup var options: StoreOptions
    @Flag(help: "Keep running: deliver new notifications within a second, and what time brings every minute.")
    var follow = false
    @Option(help: ArgumentHelp("The sendmail-compatible program mail goes through (called with -t -oi; default /usr/sbin/sendmail).",
                               valueName: "path"))
    var sendmail: String?
    @Option(help: ArgumentHelp("Seconds to wait for a webhook's answer.", valueName: "seconds"))
    var timeout = 10
    @Flag(help: "Print nothing unless something failed.") var quiet = false
    @Flag(help: "Print the result as JSON (signoff.notify-run/1); with --follow, one line per round.") var json = false
    var printsJSON: Bool { json }

    func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be at least 1 second") }
        var directory: ObjCBool = false
        if let sendmail, !FileManager.default.fileExists(atPath: sendmail, isDirectory: &directory) || directory.boolValue
            || !FileManager.default.isExecutableFile(atPath: sendmail) {
            throw ValidationError("--sendmail \(Terminal.quoted(sendmail)): no program that can be run at that path")
        }
    }

    func run() throws {
        // The one clock; with SIGNOFF_NOW it starts there and runs on, so --follow's time passes.
        let commands = try options.commands(clockRuns: true)
        let store = commands.store
        let delivery = NotificationDelivery(commands: commands, sendmail: sendmail ?? "/usr/sbin/sendmail", httpTimeout: TimeInterval(timeout))
        var lastPlanning: Date?
        repeat {
            let moment = commands.clock.now()
            var due = DueNotifications()
            if lastPlanning.map({ moment.timeIntervalSince($0) >= 60 }) ?? true {
                due = try storeCall { try NotificationQueue.enqueueDue(commands: commands) }
                lastPlanning = moment
            }
            let policy = try commands.currentPolicy()
            let report = try storeCall { try delivery.run(retry: NotificationDelivery.retry(for: policy)) }
            try print(report, due: due)
            // Everything else was delivered and recorded; a timer or cron job
            // tells by the exit code that somebody was not told.
            if !follow, report.gaveUp > 0 {
                try StandardOutput.flush()
                Foundation.exit(Outcome.notificationsGivenUp.rawValue)
            }
            if follow {
                let next = (try? store.nextOutboxAttempt(.notification)).flatMap { $0 }
                let wait = next.map { min(1, max(0.05, $0.timeIntervalSince(commands.clock.now()))) } ?? 1
                Thread.sleep(forTimeInterval: wait)
            }
        } while follow
    }

    func print(_ report: NotificationDelivery.Report, due: DueNotifications) throws {
        if due.restored > 0 {
            // Never quiet: only a client that left them out, or a hand in the store, makes this.
            Terminal.error("""
                \(due.restored) notification(s) that events of the last hour cause were missing from the outbox, \
                and were added now: \(Terminal.safe(due.restoredRequests.joined(separator: ", "))); the command that \
                recorded those events did not add them, which signoff never does: see who recorded them with signoff show
                """)
        }
        let planned = due.planned
        if json {
            let document = NotifyRunJSON(due: due, report: report)
            guard follow else { return try document.print() }
            // Following, each round is one line: a stream of JSON lines.
            var line = JSONOutput()
            document.write(&line)
            line.newline()
            return try StandardOutput.write(line.bytes)
        }
        for problem in report.problems { Terminal.error(Terminal.safe(problem.line)) }
        let quietNow = quiet || (follow && report.delivered + report.retrying + report.gaveUp + report.leftPending + planned + due.restored == 0)
        guard !quietNow else { return }
        var line = "delivered \(report.delivered) notification(s)"
        if report.retrying > 0 { line += ", \(report.retrying) failed and will be retried" }
        if report.gaveUp > 0 { line += ", \(report.gaveUp) given up" }
        if report.leftPending > 0 { line += ", \(report.leftPending) left for another account" }
        if planned > 0 { line += "; \(planned) new from reminders, escalations and warnings" }
        if due.restored > 0 { line += "; \(due.restored) missing from recent events" }
        Terminal.line(line)
    }
}

struct NotifyStatus: ParsableCommand, JSONReporting {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "List undelivered and failed notifications, with counts.",
        discussion: "Exit 0 even when some failed; the JSON's failed count says so.")
    @OptionGroup var options: StoreOptions
    @Flag(help: "List delivered ones too.") var all = false
    @Flag(help: "Print JSON (signoff.notify-status/1).") var json = false
    var printsJSON: Bool { json }

    func run() throws {
        let commands = try options.commands(reading: true)
        let store = commands.store
        let (counts, items) = try storeCall {
            (try store.outboxCounts(.notification, at: commands.clock.now()),
             try store.outboxItems(.notification, states: all ? Set(OutboxState.allCases) : [.pending, .failed]))
        }
        if json { return try NotifyStatusJSON(counts: counts, items: items).print() }
        let rows = items.map(NotificationDeliveryJSON.init)
        Terminal.line("notifications: \(counts.pending) undelivered (\(counts.retrying) retrying), \(counts.failed) failed, \(counts.delivered) delivered")
        if counts.overdue > 0 {
            let minutes = Int(NotificationTiming.overdueAfter / 60)
            Terminal.line("\(counts.overdue) due for over \(minutes) minutes and not taken by anyone: is `signoff notify run` running, as an account the policy lets deliver notifications?")
        }
        for row in rows { Terminal.line("  #\(row.item.id) \(row.item.message.requestID ?? "-")  " + row.text) }
        if counts.failed > 0 { Terminal.line("retry failed ones with `signoff notify retry`") }
    }
}

struct NotifyRetry: ParsableCommand, JSONReporting {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Make failed notifications pending again (all, or those numbered), for the next `notify run`.")
    @OptionGroup var options: StoreOptions
    @Argument(help: "Notification numbers as `notify status` lists them (#12 → 12).") var ids: [Int64] = []
    @Flag(help: "Print the result as JSON (signoff.notify-retry/1).") var json = false
    var printsJSON: Bool { json }

    func run() throws {
        let commands = try options.commands()
        let count = try storeCall { try commands.run(Commands.RetryNotifications(ids: ids.isEmpty ? nil : ids)).output }
        if json { return try NotifyRetryJSON(retried: count).print() }
        Terminal.line("\(count) failed notification(s) will be tried again by the next `signoff notify run`")
    }
}

struct NotifyTrust: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trust",
        abstract: "Let this account use a command channel, or a PagerDuty channel that sends a key file elsewhere, for this store.",
        discussion: """
        A notification command runs with the rights of the account that delivers, and a PagerDuty channel with a \
        routing_key_file and a url other than PagerDuty's sends that file of the account's to that url. Whoever may \
        apply a policy names both, so such a channel is used only in accounts that trusted it here (the same trust \
        file as hand-off commands, with its own entries); others leave its notifications pending.
        """)
    @OptionGroup var options: StoreOptions
    @Argument(help: "The channel's name under notifications.channels.") var channel: String

    func run() throws {
        let commands = try options.commands()
        let policy = try commands.requirePolicy()
        guard let named = policy.notifications?.channels[channel] else {
            throw CommandFailure.badInput("the policy in force has no channel \(Terminal.quoted(channel)) under notifications.channels")
        }
        guard let use = named.trustedUse else {
            throw CommandFailure.badInput("""
                \(Terminal.quoted(channel)) is a \(named.kind.rawValue) channel that needs no trust: only command channels, and \
                PagerDuty channels that send a routing_key_file to a url other than PagerDuty's, do
                """)
        }
        do {
            try commands.trust.trust(use.text, store: commands.store.trustedAs, purpose: use.purpose)
        } catch {
            throw CommandFailure(.internalError, "\(error)")
        }
        Terminal.line(named.kind == .command
            ? "this account now runs \(Terminal.safe(named.target)) for notifications of this store (channel \(Terminal.safe(channel)))"
            : "this account now sends \(Terminal.safe(use.text)) for notifications of this store (channel \(Terminal.safe(channel)))")
        guard commands.mayDeliverNotifications() else {
            return Terminal.warning("""
                \(Terminal.safe(commands.actor.name)) may not deliver notifications under the policy in force, so this \
                account runs no notify run until a role grants it deliver_notifications
                """)
        }
        // Trusted either way: a store this account cannot write leaves them to their next attempt.
        do {
            let waiting = try storeCall { try commands.run(Commands.ReleaseNotifications(destination: named.destination)).output }
            if waiting > 0 { Terminal.line("\(waiting) notification(s) waiting for it will go with the next `signoff notify run`") }
        } catch {
            Terminal.warning("the notifications waiting for it go at their next attempt, not at once: \(error)")
        }
    }
}
