import Foundation
import SignoffApp
import SignoffCore
import SignoffStore

// What the commands that write print with --json: each names the requests it
// touched, the events it recorded (sequence, kind, hash: pointers into the
// evidence) and the hand-offs that followed.

enum ResultJSON {
    /// `events`: `{"sequence", "kind", "hash"}` of each event recorded.
    static func events(_ events: [RecordedEvent], _ json: inout JSONOutput) {
        json.key("events")
        json.beginArray()
        for event in events {
            json.beginObject()
            json.field("sequence", Int(event.sequence))
            json.field("kind", event.draft.body.kind)
            json.field("hash", event.hash)
            json.endObject()
        }
        json.endArray()
    }

    /// `hand_offs` after the commit, and `hand_off_problem` when none could be attempted.
    static func handOffs(_ deliveries: [HandOff.Delivery], problem: String?, _ json: inout JSONOutput) {
        json.key("hand_offs")
        deliveryList(deliveries, &json)
        json.field("hand_off_problem", problem)
    }

    static func deliveryList(_ deliveries: [HandOff.Delivery], _ json: inout JSONOutput) {
        json.beginArray()
        for delivery in deliveries {
            json.beginObject()
            json.field("request_id", delivery.requestID)
            json.field("action", delivery.action.rawValue)
            json.field("failed", delivery.failed)
            json.field("outcome", delivery.outcome)
            json.endObject()
        }
        json.endArray()
    }
}

/// `signoff submit` and `signoff extend` (`signoff.submission/1`): each request
/// as filed and routed. A dry run lists what would have been filed, writes
/// nothing, and its IDs are the ones the next submission would take.
struct SubmissionJSON: JSONDocument {
    static let schema: StaticString = "signoff.submission/1"
    var records: [RequestRecord]
    var dryRun: Bool
    var events: [RecordedEvent]
    var handOffs: [HandOff.Delivery]
    var handOffProblem: String?

    init<T>(records: [RequestRecord], dryRun: Bool, result: CommandResult<T>) {
        self.records = records
        self.dryRun = dryRun
        events = result.events
        handOffs = result.handOffs
        handOffProblem = result.handOffProblem
    }

    func members(_ json: inout JSONOutput) {
        json.field("dry_run", dryRun)
        json.key("requests")
        json.beginArray()
        for record in records { RequestSummaryJSON(summary: RequestSummary(record)).write(&json) }
        json.endArray()
        ResultJSON.events(events, &json)
        ResultJSON.handOffs(handOffs, problem: handOffProblem, &json)
    }
}

/// A write on one request (`signoff.action-result/1`): approve, deny,
/// withdraw, revoke, self-activate, review-incident, provisioned,
/// provisioning-failed. The request and its grant as they are after it.
struct ActionResultJSON: JSONDocument {
    static let schema: StaticString = "signoff.action-result/1"
    var operation: SignoffApp.Operation
    var id: String
    var record: RequestRecord?
    var grant: ReconciledGrant?
    var events: [RecordedEvent]
    var handOffs: [HandOff.Delivery]
    var handOffProblem: String?
    /// What the command took otherwise than its rows say (`CommandResult.warnings`).
    var warnings: [String]
    var now: Date

    func members(_ json: inout JSONOutput) {
        json.field("operation", operation.rawValue)
        json.field("id", id)
        json.field("state", record?.state.rawValue)
        json.field("version", record?.version)
        json.key("grant")
        if let grant { GrantStatusJSON(grant: grant.grant, reconciliation: grant.reconciliation, now: now).write(&json) } else { json.null() }
        ResultJSON.events(events, &json)
        ResultJSON.handOffs(handOffs, problem: handOffProblem, &json)
        json.field("warnings", warnings)
    }
}

extension ActionResultJSON {
    /// The result of `operation` on request `id`, with the request and its
    /// grant read back after the commit.
    init<T>(_ operation: SignoffApp.Operation, id: String, result: CommandResult<T>, commands: Commands) throws {
        let store = commands.store
        let record = try storeCall { try store.record(id) }
        let grant = try storeCall { try store.reconciledGrant(record?.request.extends ?? id) }
        self.init(operation: operation, id: id, record: record, grant: grant, events: result.events,
                  handOffs: result.handOffs, handOffProblem: result.handOffProblem, warnings: result.warnings,
                  now: commands.clock.now())
    }
}

/// `signoff trigger` (`signoff.trigger-result/1`): the grants it revoked.
struct TriggerResultJSON: JSONDocument {
    static let schema: StaticString = "signoff.trigger-result/1"
    var trigger: RevocationTrigger
    var revoked: [String]
    var events: [RecordedEvent]
    var handOffs: [HandOff.Delivery]
    var handOffProblem: String?
    /// Grants taken as their events give them, their rows differing (`CommandResult.warnings`).
    var warnings: [String]

    func members(_ json: inout JSONOutput) {
        json.field("trigger", trigger.name)
        json.field("ref", trigger.ref)
        json.field("revoked", revoked)
        ResultJSON.events(events, &json)
        ResultJSON.handOffs(handOffs, problem: handOffProblem, &json)
        json.field("warnings", warnings)
    }
}

/// `signoff expire` (`signoff.sweep-result/1`): what the sweep expired and timed out.
struct SweepResultJSON: JSONDocument {
    static let schema: StaticString = "signoff.sweep-result/1"
    var expired: [String]
    var timedOut: [String]
    /// Extension requests closed because their grant expired.
    var closed: [String]
    /// Due grants whose rows cannot be read: not expired.
    var unreadable: [String]
    var handOffs: [HandOff.Delivery]
    var handOffProblem: String?

    func members(_ json: inout JSONOutput) {
        json.field("expired", expired)
        json.field("timed_out", timedOut)
        json.field("closed_extensions", closed)
        json.field("unreadable", unreadable)
        ResultJSON.handOffs(handOffs, problem: handOffProblem, &json)
    }
}

/// `signoff wait` (`signoff.wait-result/1`): decided or not, and the grant when approved.
struct WaitResultJSON: JSONDocument {
    static let schema: StaticString = "signoff.wait-result/1"
    var id: String
    var state: RequestState
    var decided: Bool
    /// The decision's reason, in the decider's words.
    var reason: String?
    var timeoutSeconds: Int
    var grant: ReconciledGrant?
    var now: Date

    func members(_ json: inout JSONOutput) {
        json.field("id", id)
        json.field("state", state.rawValue)
        json.field("decided", decided)
        json.field("approved", state == .approved)
        json.field("reason", reason)
        json.field("timeout_seconds", timeoutSeconds)
        json.key("grant")
        if let grant { GrantStatusJSON(grant: grant.grant, reconciliation: grant.reconciliation, now: now).write(&json) } else { json.null() }
    }
}

/// `signoff handoff` (`signoff.hand-off/1`): where grant documents go now.
struct HandOffJSON: JSONDocument {
    static let schema: StaticString = "signoff.hand-off/1"
    var configuration: HandOffConfiguration
    /// Why the configured target (command or outbox) is not used by this
    /// account; nil when it is or none is set.
    var refusal: String?

    func members(_ json: inout JSONOutput) {
        let target = configuration.command != nil ? "command" : configuration.outbox != nil ? "outbox" : "none"
        json.field("target", target)
        json.field("outbox", configuration.outbox)
        json.field("command", configuration.command)
        json.field("timeout_seconds", configuration.command == nil ? nil : configuration.timeoutSeconds)
        json.field("configured_at", time: configuration.configuredAt)
        json.field("configured_by", configuration.configuredBy?.name)
        json.field("configured_by_authentication", configuration.configuredBy?.authentication.rawValue)
        json.key("runs_here")
        if configuration.command != nil { json.bool(refusal == nil) } else { json.null() }
        json.key("used_here")
        if configuration.command != nil || configuration.outbox != nil { json.bool(refusal == nil) } else { json.null() }
        json.field("refusal", refusal)
    }
}

/// `signoff handoff retry` (`signoff.hand-off-retry/1`).
struct HandOffRetryJSON: JSONDocument {
    static let schema: StaticString = "signoff.hand-off-retry/1"
    var deliveries: [HandOff.Delivery]
    var removals: [HandOff.RemovalDelivery] = []

    func members(_ json: inout JSONOutput) {
        json.field("attempted", deliveries.count + removals.count)
        json.field("failed", deliveries.filter(\.failed).count + removals.filter(\.failed).count)
        json.key("deliveries")
        ResultJSON.deliveryList(deliveries, &json)
        json.key("removals")
        json.beginArray()
        for removal in removals {
            json.beginObject()
            json.field("finding_id", removal.findingID)
            json.field("outcome", removal.outcome)
            json.field("failed", removal.failed)
            json.endObject()
        }
        json.endArray()
    }
}
