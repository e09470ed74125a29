import ArgumentParser
import Foundation
import SignoffApp
import SignoffCore
import SignoffStore

struct Notify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Deliver notifications, and see what is undelivered or failed.",
        discussion: """
        Notifications are written to the store's outbox in the same transaction as the event that causes them
        and delivered afterwards by `signoff notify run` (from cron or a systemd timer), or continuously by
        `signoff notify run --follow`.
        """,
        subcommands: [NotifyRun.self, NotifyStatus.self, NotifyRetry.self, NotifyTrust.self])
}

struct NotifyRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Plan what time brings (reminders, escalations, expiry warnings, overdue reviews) and deliver what is due.",
        discussion: """
        Failed deliveries are retried with backoff (30s, doubling to 1h) and given up after the policy's
        notifications.attempts (default 8), recorded as failed. Several runs at once never deliver one message twice:
        each claims messages under a lease. A run killed mid-delivery leaves its messages to the next run once the lease
        ends; a message it had already sent is then sent again with the same Idempotency-Key (dedup_key for PagerDuty,
        Message-ID for mail), so the receiver can drop the repeat.
        """)
    @OptionGroup var options: StoreOptions
    @Flag(help: "Keep running: deliver new notifications within a second, and what time brings every minute.")
    var follow = false
    @Option(help: ArgumentHelp("The sendmail-compatible program mail goes through (called with -t -oi).", valueName: "path"))
    var sendmail = "/usr/sbin/sendmail"
    @Option(help: ArgumentHelp("Seconds to wait for a webhook's answer.", valueName: "seconds"))
    var timeout = 10
    @Flag(help: "Print nothing unless something failed.") var quiet = false
    @Flag(help: "Print the result as JSON.") var json = false

    struct Output: Encodable {
        var schema = "signoff.notify-run/1"
        var planned: Int
        var delivered: Int
        var retrying: Int
        var gaveUp: Int
        var leftPending: Int
        var problems: [String]
        enum CodingKeys: String, CodingKey {
            case schema, planned, delivered, retrying, problems
            case gaveUp = "gave_up", leftPending = "left_pending"
        }
    }

    func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be at least 1 second") }
    }

    func run() throws {
        // The one clock; with SIGNOFF_NOW it starts there and runs on, so --follow's time passes.
        let commands = try options.commands(clockRuns: true)
        let store = commands.store
        let delivery = NotificationDelivery(commands: commands, sendmail: sendmail, httpTimeout: TimeInterval(timeout))
        var lastPlanning: Date?
        repeat {
            let moment = commands.clock.now()
            var planned = 0
            if lastPlanning.map({ moment.timeIntervalSince($0) >= 60 }) ?? true {
                planned = try storeCall { try NotificationQueue.enqueueDue(commands: commands) }
                lastPlanning = moment
            }
            let policy = try commands.currentPolicy()
            let report = try storeCall { try delivery.run(retry: NotificationDelivery.retry(for: policy)) }
            print(report, planned: planned)
            if follow {
                let next = (try? store.nextOutboxAttempt(.notification)).flatMap { $0 }
                let wait = next.map { min(1, max(0.05, $0.timeIntervalSince(commands.clock.now()))) } ?? 1
                Thread.sleep(forTimeInterval: wait)
            }
        } while follow
    }

    func print(_ report: NotificationDelivery.Report, planned: Int) {
        if json {
            try? Terminal.json(Output(planned: planned, delivered: report.delivered, retrying: report.retrying,
                                      gaveUp: report.gaveUp, leftPending: report.leftPending, problems: report.problems))
            return
        }
        for problem in report.problems { Terminal.error(Terminal.safe(problem)) }
        let quietNow = quiet || (follow && report.delivered + report.retrying + report.gaveUp + report.leftPending + planned == 0)
        guard !quietNow else { return }
        var line = "delivered \(report.delivered) notification(s)"
        if report.retrying > 0 { line += ", \(report.retrying) failed and will be retried" }
        if report.gaveUp > 0 { line += ", \(report.gaveUp) given up" }
        if report.leftPending > 0 { line += ", \(report.leftPending) left for another account" }
        if planned > 0 { line += "; \(planned) new from reminders, escalations and warnings" }
        Terminal.line(line)
    }
}

/// One outbox message for people and scripts.
struct NotificationJSON: Encodable {
    var id: Int64
    var key: String
    var kind: String
    var requestID: String?
    var recipient: String?
    var destination: String
    var state: String
    var attempts: Int
    var createdAt: Date
    var nextAttemptAt: Date?
    var lastAttemptAt: Date?
    var deliveredAt: Date?
    var lastError: String?

    enum CodingKeys: String, CodingKey {
        case id, key, kind, recipient, destination, state, attempts
        case requestID = "request_id", createdAt = "created_at", nextAttemptAt = "next_attempt_at"
        case lastAttemptAt = "last_attempt_at", deliveredAt = "delivered_at", lastError = "last_error"
    }

    init(_ item: OutboxItem) {
        id = item.id
        key = item.message.dedupeKey
        kind = (try? NotificationEnvelope.decode(item.message.payload))?.document.kind.rawValue ?? "unknown"
        requestID = item.message.requestID
        recipient = item.message.recipient
        destination = item.message.destination
        state = item.state.rawValue
        attempts = item.attempts
        createdAt = item.createdAt
        nextAttemptAt = item.state == .pending ? item.nextAttemptAt : nil
        lastAttemptAt = item.lastAttemptAt
        deliveredAt = item.deliveredAt
        lastError = item.lastError
    }

    /// One line: when, state, kind, to whom, where.
    var text: String {
        let when = Timestamp.format(deliveredAt ?? createdAt)
        var line = "\(when)  \(state.padding(toLength: 9, withPad: " ", startingAt: 0)) \(kind) to \(Terminal.safe(recipient ?? "?")) by \(Terminal.safe(destination))"
        if state != "delivered", attempts > 0 { line += " (\(attempts) attempt\(attempts == 1 ? "" : "s"))" }
        if state != "delivered", let lastError { line += ": \(Terminal.safe(lastError))" }
        return line
    }
}

struct NotifyStatus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "List undelivered and failed notifications, with counts.",
        discussion: "Exit 0 even when some failed; the JSON's failed count says so.")
    @OptionGroup var options: StoreOptions
    @Flag(help: "List delivered ones too.") var all = false
    @Flag(help: "Print JSON.") var json = false

    struct Output: Encodable {
        var schema = "signoff.notify-status/1"
        var pending: Int
        var retrying: Int
        var delivered: Int
        var failed: Int
        var oldestPendingAt: Date?
        var items: [NotificationJSON]
        enum CodingKeys: String, CodingKey {
            case schema, pending, retrying, delivered, failed, items, oldestPendingAt = "oldest_pending_at"
        }
    }

    func run() throws {
        let store = try options.commands().store
        let (counts, items) = try storeCall {
            (try store.outboxCounts(.notification),
             try store.outboxItems(.notification, states: all ? Set(OutboxState.allCases) : [.pending, .failed]))
        }
        let rows = items.map(NotificationJSON.init)
        if json {
            try Terminal.json(Output(pending: counts.pending, retrying: counts.retrying, delivered: counts.delivered,
                                     failed: counts.failed, oldestPendingAt: counts.oldestPendingAt, items: rows))
            return
        }
        Terminal.line("notifications: \(counts.pending) undelivered (\(counts.retrying) retrying), \(counts.failed) failed, \(counts.delivered) delivered")
        for row in rows { Terminal.line("  #\(row.id) \(row.requestID ?? "-")  " + row.text) }
        if counts.failed > 0 { Terminal.line("retry failed ones with `signoff notify retry`") }
    }
}

struct NotifyRetry: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Make failed notifications pending again (all, or those numbered), for the next `notify run`.")
    @OptionGroup var options: StoreOptions
    @Argument(help: "Notification numbers as `notify status` lists them (#12 → 12).") var ids: [Int64] = []

    func run() throws {
        let commands = try options.commands()
        let count = try storeCall { try commands.run(Commands.RetryNotifications(ids: ids.isEmpty ? nil : ids)).output }
        Terminal.line("\(count) failed notification(s) will be tried again by the next `signoff notify run`")
    }
}

struct NotifyTrust: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trust",
        abstract: "Let this account run a command channel of the policy in force, for this store.",
        discussion: """
        A notification command runs with the rights of the account that delivers. Anyone who can write the store could
        put a command in the policy, so a command runs only in accounts that trusted it here (the same trust file as
        hand-off commands, with its own entries); others leave its notifications pending.
        """)
    @OptionGroup var options: StoreOptions
    @Argument(help: "The channel's name under notifications.channels.") var channel: String

    func run() throws {
        let commands = try options.commands()
        let policy = try commands.requirePolicy()
        guard let named = policy.notifications?.channels[channel] else {
            throw CommandFailure.badInput("the policy in force has no channel \(Terminal.safe(channel)) under notifications.channels")
        }
        guard named.kind == .command else {
            throw CommandFailure.badInput("\(Terminal.safe(channel)) is a \(named.kind.rawValue) channel; only command channels need trust")
        }
        do {
            try commands.trust.trust(named.target, store: commands.store.path, purpose: "notify")
        } catch {
            throw CommandFailure(.internalError, "\(error)")
        }
        Terminal.line("this account now runs \(Terminal.safe(named.target)) for notifications of this store (channel \(Terminal.safe(channel)))")
    }
}
