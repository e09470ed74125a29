import Foundation
import SignoffCore
import SignoffStore

/// What one notification outbox message holds: the document and where it goes.
public struct NotificationEnvelope: Sendable, Hashable, Codable {
    public var document: NotificationDocument
    public var destination: NotificationChannel

    public init(document: NotificationDocument, destination: NotificationChannel) {
        self.document = document
        self.destination = destination
    }

    public func encoded() -> String { NoticeText.json(self) }

    public static func decode(_ text: String) throws -> NotificationEnvelope {
        try JSONDecoder().decode(NotificationEnvelope.self, from: Data(text.utf8))
    }
}

/// A stored envelope as a generic webhook sends it: where it goes, its
/// document's id, and the document's bytes exactly as stored, without
/// decoding the document (only the small destination object and the id are
/// decoded). `NotificationEnvelope.encoded()` writes sorted keys with the
/// document's own encoder, so these are the bytes `NotificationDocument.encoded()` gives.
struct StoredNotification {
    var destination: NotificationChannel
    var id: String
    var document: Substring

    init(_ text: String) throws {
        guard let destination = Self.member("destination", of: text[...]), let document = Self.member("document", of: text[...]),
              let id = Self.member("id", of: text[document]) else {
            throw DeliveryProblem("the stored message is not a notification envelope")
        }
        let decoder = JSONDecoder()
        self.destination = try decoder.decode(NotificationChannel.self, from: Data(text[destination].utf8))
        guard let only = try decoder.decode([String].self, from: Data(("[" + text[id] + "]").utf8)).first else {
            throw DeliveryProblem("the stored document has no id")
        }
        self.id = only
        self.document = text[document]
    }

    /// Where the value of the top-level member `name` of the JSON object `text` lies.
    static func member(_ name: String, of text: Substring) -> Range<String.Index>? {
        let bytes = text.utf8
        var index = bytes.startIndex
        func skipSpace() {
            while index < bytes.endIndex, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index = bytes.index(after: index) }
        }
        /// Past one string (at its opening quote); false if it never closes.
        func skipString() -> Bool {
            index = bytes.index(after: index)
            while index < bytes.endIndex {
                switch bytes[index] {
                case UInt8(ascii: "\\"):
                    index = bytes.index(after: index)
                    guard index < bytes.endIndex else { return false }
                case UInt8(ascii: "\""):
                    index = bytes.index(after: index)
                    return true
                default: break
                }
                index = bytes.index(after: index)
            }
            return false
        }
        /// Past one value: a string, an object or array (brackets counted outside strings), or a literal.
        func skipValue() -> Bool {
            guard index < bytes.endIndex else { return false }
            switch bytes[index] {
            case UInt8(ascii: "\""):
                return skipString()
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var depth = 0
                while index < bytes.endIndex {
                    switch bytes[index] {
                    case UInt8(ascii: "\""):
                        guard skipString() else { return false }
                        continue
                    case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        depth -= 1
                        if depth == 0 { index = bytes.index(after: index); return true }
                    default: break
                    }
                    index = bytes.index(after: index)
                }
                return false
            default:
                while index < bytes.endIndex, ![UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D]
                    .contains(bytes[index]) { index = bytes.index(after: index) }
                return true
            }
        }
        skipSpace()
        guard index < bytes.endIndex, bytes[index] == UInt8(ascii: "{") else { return nil }
        index = bytes.index(after: index)
        while true {
            skipSpace()
            guard index < bytes.endIndex, bytes[index] == UInt8(ascii: "\"") else { return nil }
            let keyStart = bytes.index(after: index)
            guard skipString() else { return nil }
            let key = text.utf8[keyStart..<bytes.index(before: index)]
            skipSpace()
            guard index < bytes.endIndex, bytes[index] == UInt8(ascii: ":") else { return nil }
            index = bytes.index(after: index)
            skipSpace()
            let start = index
            guard skipValue() else { return nil }
            if key.elementsEqual(name.utf8) { return start..<index }
            skipSpace()
            guard index < bytes.endIndex, bytes[index] == UInt8(ascii: ",") else { return nil }
            index = bytes.index(after: index)
        }
    }
}

/// What `NotificationQueue.enqueueDue` added.
public struct DueNotifications: Sendable, Hashable {
    /// Messages that time brought (reminders, escalations, warnings).
    public var planned = 0
    /// Messages that recent events cause but were missing from the
    /// outbox, and the requests they are about: the command that recorded
    /// those events did not add them, which signoff never does.
    public var restored = 0
    public var restoredRequests: [String] = []
    public init() {}
}

/// Puts notifications into the outbox: in the transaction of the events that
/// cause them (`enqueue(for:)`), or for what time brings (`enqueueDue`).
/// Nothing here sends anything; `NotificationDelivery` does, after the commit.
public enum NotificationQueue {
    /// Enqueues the notices `events` cause, in `tx`, the transaction that
    /// appended them: they commit together or not at all. Records and grants
    /// are read as they stand at the end of the command, so a request routed
    /// and decided in one command announces only its decision.
    @discardableResult
    public static func enqueue(for events: [RecordedEvent], in tx: WriteTransaction, policy: Policy, at now: Date) throws -> Int {
        guard let planner = NoticePlanner(policy: policy), !events.isEmpty else { return 0 }
        var added = 0
        for event in events {
            guard let id = event.draft.requestID else { continue }
            let record = try tx.record(id)
            let grant = try tx.grant(id)
            let original = try record.flatMap { try tx.originalGrant(of: $0) }
            let notices = planner.notices(for: event, record: record, grant: grant, original: original)
            guard let record else { continue }
            added += try enqueue(notices, record: record, grant: grant, planner: planner, cause: event.sequence, in: tx, at: now)
        }
        return added
    }

    /// How far back `enqueueDue` looks for events whose notices are missing.
    public static let restoreWindow: TimeInterval = 3600

    /// The event kinds that cause notices (`NoticePlanner.notices(for:)`).
    static let noticeKinds: Set<EventKind> = [.requestRouted, .requestDecided, .requestWithdrawn, .grantIssued, .grantExpired,
                                              .grantRevoked, .grantProvisioningFailed, .reviewRefused, .actionRefused]

    /// The notices time brings at `now` (reminders, escalations, expiry
    /// warnings, overdue post-incident reviews), planned from one snapshot and
    /// enqueued in one transaction. Dedupe keys make a second run at the same
    /// moment, or two runs at once, enqueue nothing twice.
    ///
    /// It also plans again the notices of the events of the last hour
    /// (`restoreWindow`) recorded under the policy in force and by this
    /// version's schema, and adds those
    /// missing: every command adds what its events cause in their
    /// transaction, so nothing is missing unless a client left it out (or a
    /// row was removed by hand), and one that did cannot keep a page or a
    /// security notice from going out. Planned from the records as they stand
    /// now, so a request decided since is no longer announced as waiting.
    @discardableResult
    public static func enqueueDue(commands: Commands) throws -> DueNotifications {
        let store = commands.store, now = commands.clock.now()
        guard let stored = try store.currentPolicy(), let policy = try commands.currentPolicy(),
              let planner = NoticePlanner(policy: policy) else { return DueNotifications() }
        var planned: [Commands.EnqueueNotices.Planned] = []
        let settings = planner.settings
        if settings.reminderAfter != nil || settings.escalationAfter != nil {
            for record in try store.records(.open) {
                let original = try store.originalGrant(of: record)
                for notice in planner.reminders(for: record, original: original, at: now) {
                    planned.append(.init(notice: notice, record: record, grant: nil, cause: nil))
                }
            }
        }
        for grant in try store.grants(.attention) {
            // Who approved its extensions (in their records) only where a review is overdue.
            let overdue = grant.incidentReview.map { !$0.isCompleted && $0.dueAt <= now } == true
            var notices = !overdue ? [] : planner.overdueIncidentReview(
                for: grant, extensionApprovers: try Lifecycle.extensionApprovers(of: grant) { try store.record($0) }, at: now)
            guard settings.expiryWarning != nil || !notices.isEmpty, let record = try store.record(grant.requestID) else { continue }
            notices += planner.expiryWarnings(for: grant, record: record, at: now)
            for notice in notices { planned.append(.init(notice: notice, record: record, grant: grant, cause: nil)) }
        }
        // Not across a schema migration: an older signoff planned those (without this one's changes to who hears what).
        for event in try store.recentEvents(of: noticeKinds, after: stored.sequence, stoppingAt: [.schemaMigrated],
                                            since: now.addingTimeInterval(-restoreWindow)) {
            guard let id = event.draft.requestID, let record = try store.record(id) else { continue }
            let grant = try store.grant(id)
            let original = try store.originalGrant(of: record)
            for notice in planner.notices(for: event, record: record, grant: grant, original: original) {
                planned.append(.init(notice: notice, record: record, grant: grant, cause: event.sequence))
            }
        }
        guard !planned.isEmpty else { return DueNotifications() }
        return try commands.run(Commands.EnqueueNotices(planned: planned, planner: planner)).output
    }

    /// One message per destination of each notice: the person's channels (a
    /// PagerDuty channel only for urgent notices), or the named channel.
    /// Non-urgent notices to a person wait for their digest when the policy
    /// batches them. Returns how many were new.
    @discardableResult
    static func enqueue(_ notices: [Notice], record: RequestRecord, grant: Grant?, planner: NoticePlanner, cause: Int64?,
                        in tx: WriteTransaction, at now: Date) throws -> Int {
        var added = 0
        for notice in notices {
            let document = NotificationDocument(notice: notice, record: record, grant: grant, production: planner.policy.production, now: now)
            let destinations: [NotificationChannel]
            if let name = notice.channel {
                destinations = planner.settings.channels[name].map { [$0] } ?? []
            } else if let person = notice.recipient {
                destinations = planner.policy.channels(of: person).filter { $0.kind != .pagerduty || notice.urgent }
            } else {
                destinations = []
            }
            for destination in destinations {
                let digest = planner.settings.digest.flatMap { period -> (String, Date)? in
                    guard !notice.urgent, let person = notice.recipient, destination.kind != .pagerduty else { return nil }
                    let seconds = Double(period.seconds)
                    let end = Date(timeIntervalSince1970: ((now.timeIntervalSince1970 / seconds).rounded(.down) + 1) * seconds)
                    return ("digest:\(person):\(destination.kind.rawValue):\(destination.name):\(destination.target)", end)
                }
                let message = OutboxMessage(
                    channel: .notification, dedupeKey: "\(notice.key):\(destination.kind.rawValue):\(destination.name)",
                    requestID: record.id, recipient: notice.recipient ?? "channel \(notice.channel ?? "")",
                    destination: destination.destination, batchKey: digest?.0,
                    payload: NotificationEnvelope(document: document, destination: destination).encoded(),
                    notBefore: digest?.1)
                if try tx.enqueue(message, cause: cause, at: now) { added += 1 }
            }
        }
        return added
    }
}

extension Commands {
    /// Enqueues notices planned from a snapshot (what time brings, and what
    /// recent events cause), each at most once by its dedupe key. Outbox
    /// bookkeeping of `notify run`.
    public struct EnqueueNotices: StoreCommand {
        struct Planned {
            var notice: Notice
            var record: RequestRecord
            var grant: Grant?
            /// The event that causes it; nil for what time brings.
            var cause: Int64?
        }
        var planned: [Planned]
        var planner: NoticePlanner
        public var operation: Operation { .deliverNotifications }
        /// What `notify run` plans it delivers: refused up front to anyone who may not.
        public var permission: RolePermission? { RolePermission(.deliverNotifications) }
        public var needsPolicy: Bool { false }
        public func decide(_ tx: CommandTransaction) throws -> DueNotifications {
            var added = DueNotifications()
            for item in planned {
                let count = try NotificationQueue.enqueue([item.notice], record: item.record, grant: item.grant, planner: planner,
                                                          cause: item.cause, in: tx.store, at: tx.now)
                guard count > 0 else { continue }
                if item.cause == nil {
                    added.planned += count
                } else {
                    added.restored += count
                    if !added.restoredRequests.contains(item.record.id) { added.restoredRequests.append(item.record.id) }
                }
            }
            return added
        }
    }
}
