import Foundation
import SignoffApp
import SignoffCore
import SignoffStore

/// One notification in the outbox and where its delivery stands
/// (`signoff.notification-delivery/1`): `notify status` lists them, `show`
/// lists a request's.
struct NotificationDeliveryJSON: JSONDocument {
    static let schema: StaticString = "signoff.notification-delivery/1"
    var item: OutboxItem

    /// What the notice is about (`routed`, `reminder`, ...), from its document;
    /// `unknown` when the stored payload does not read as one.
    var kind: String {
        (try? NotificationEnvelope.decode(item.message.payload))?.document.kind.rawValue ?? "unknown"
    }

    func members(_ json: inout JSONOutput) {
        json.field("id", Int(item.id))
        json.field("key", item.message.dedupeKey)
        json.field("kind", kind)
        json.field("request_id", item.message.requestID)
        json.field("recipient", item.message.recipient)
        json.field("destination", item.message.destination)
        json.field("state", item.state.rawValue)
        json.field("attempts", item.attempts)
        json.field("created_at", time: item.createdAt)
        json.field("next_attempt_at", time: item.state == .pending ? item.nextAttemptAt : nil)
        json.field("last_attempt_at", time: item.lastAttemptAt)
        json.field("delivered_at", time: item.deliveredAt)
        json.field("last_error", item.lastError)
        json.field("changed_by", item.changedBy?.name)
        json.field("changed_by_authentication", item.changedBy?.authentication.rawValue)
        json.field("added_by", item.createdBy)
    }

    /// One line: when, state, kind, to whom, where.
    var text: String {
        let when = Timestamp.format(item.deliveredAt ?? item.createdAt)
        let state = item.state.rawValue
        var line = "\(when)  \(state.padding(toLength: 9, withPad: " ", startingAt: 0)) \(kind) to \(Terminal.safe(item.message.recipient ?? "?")) by \(Terminal.safe(item.message.destination))"
        if item.state != .delivered, item.attempts > 0 { line += " (\(item.attempts) attempt\(item.attempts == 1 ? "" : "s"))" }
        if item.state != .delivered, let lastError = item.lastError { line += ": \(Terminal.safe(lastError))" }
        if item.state != .pending, let by = item.changedBy { line += " (recorded by \(Terminal.safe(by.name)))" }
        return line
    }
}

/// `signoff notify status --json` (`signoff.notify-status/1`): the counts and
/// the notifications listed.
struct NotifyStatusJSON: JSONDocument {
    static let schema: StaticString = "signoff.notify-status/1"
    var counts: OutboxCounts
    var items: [OutboxItem]

    func members(_ json: inout JSONOutput) {
        json.field("pending", counts.pending)
        json.field("retrying", counts.retrying)
        json.field("overdue", counts.overdue)
        json.field("delivered", counts.delivered)
        json.field("failed", counts.failed)
        json.field("oldest_pending_at", time: counts.oldestPendingAt)
        json.key("items")
        json.beginArray()
        for item in items { NotificationDeliveryJSON(item: item).write(&json) }
        json.endArray()
    }
}

/// `signoff notify run --json` (`signoff.notify-run/1`): one document per
/// round (with `--follow`, one line per round, as JSON lines).
struct NotifyRunJSON: JSONDocument {
    static let schema: StaticString = "signoff.notify-run/1"
    var due: DueNotifications
    var report: NotificationDelivery.Report

    func members(_ json: inout JSONOutput) {
        json.field("planned", due.planned)
        json.field("restored", due.restored)
        json.field("restored_requests", due.restoredRequests)
        json.field("delivered", report.delivered)
        json.field("retrying", report.retrying)
        json.field("gave_up", report.gaveUp)
        json.field("left_pending", report.leftPending)
        json.key("problems")
        json.beginArray()
        for problem in report.problems {
            json.beginObject()
            json.field("destination", problem.destination)
            json.field("outcome", problem.outcome.rawValue)
            json.field("reason", problem.reason)
            json.field("notices", problem.notices)
            json.endObject()
        }
        json.endArray()
    }
}

/// `signoff notify retry --json` (`signoff.notify-retry/1`).
struct NotifyRetryJSON: JSONDocument {
    static let schema: StaticString = "signoff.notify-retry/1"
    var retried: Int

    func members(_ json: inout JSONOutput) {
        json.field("retried", retried)
    }
}
