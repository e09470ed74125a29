import Foundation
import GRDB
import SignoffCore

/// Which adapter delivers an outbox message.
public enum OutboxChannel: String, Sendable, Hashable, CaseIterable {
    /// A notification to a person or a named channel (email, webhook, Slack, PagerDuty, a command).
    case notification
    /// A comment or transition written back to a Jira ticket.
    case jira
}

/// Where an outbox message is in its delivery.
public enum OutboxState: String, Sendable, Hashable, CaseIterable {
    /// Not yet delivered: waiting for its next attempt (or leased to a deliverer now).
    case pending
    case delivered
    /// Given up: too many attempts, or an answer that no retry can change.
    case failed
}

/// A message an adapter must send because of something the store recorded.
///
/// Enqueued with `WriteTransaction.enqueue` in the same transaction as the
/// event that causes it, so the event and its messages commit together or not
/// at all; delivered after the commit by whoever claims it.
public struct OutboxMessage: Sendable, Hashable {
    public var channel: OutboxChannel
    /// Unique per channel: enqueueing a message whose key is already there
    /// does nothing, so a command or a sweep that runs twice sends once.
    public var dedupeKey: String
    /// The request it is about, if any (`signoff show` lists its messages).
    public var requestID: String?
    /// Who or what it is for, in words: a person, a ticket, a named channel.
    public var recipient: String?
    /// Where it goes, without secrets: `email dave@example.com`, `slack team-slack`.
    public var destination: String
    /// Messages with the same batch key that are due together may be
    /// delivered as one (a digest); nil: always alone.
    public var batchKey: String?
    /// What the adapter reads to deliver it, usually JSON.
    public var payload: String
    /// Not delivered before this time (a digest's period end); nil: at once.
    public var notBefore: Date?

    public init(channel: OutboxChannel, dedupeKey: String, requestID: String? = nil, recipient: String? = nil,
                destination: String, batchKey: String? = nil, payload: String, notBefore: Date? = nil) {
        self.channel = channel
        self.dedupeKey = dedupeKey
        self.requestID = requestID
        self.recipient = recipient
        self.destination = destination
        self.batchKey = batchKey
        self.payload = payload
        self.notBefore = notBefore
    }
}

/// One outbox row as stored: the message and its delivery so far.
public struct OutboxItem: Sendable, Hashable {
    public var id: Int64
    public var message: OutboxMessage
    /// The event whose transaction enqueued it; nil for messages that time
    /// causes (reminders, expiry warnings).
    public var causeSequence: Int64?
    public var createdAt: Date
    public var state: OutboxState
    /// Claims so far, including one in progress.
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastAttemptAt: Date?
    public var lastError: String?
    public var deliveredAt: Date?
    /// The deliverer holding it and until when; nil when nobody does.
    public var leaseOwner: String?
    public var leaseUntil: Date?
    /// Who last added or changed it (its delivery): on a PostgreSQL store
    /// the person of the session's role, stamped by the server; on a file
    /// the person the command acted as. nil for rows older than the column,
    /// or an authentication this signoff does not know.
    public var changedBy: Principal?
    /// Who added it: the person whose command enqueued it (on a PostgreSQL
    /// store, the person of the session's role, stamped by the server). nil
    /// for rows older than the column.
    public var createdBy: String?
}

/// How often and how patiently a channel's messages are retried.
public struct OutboxRetry: Sendable, Hashable {
    /// Attempts before a message is given up as failed.
    public var maxAttempts: Int
    /// Wait after the first failed attempt; each later one doubles it...
    public var firstDelay: TimeInterval
    /// ...up to this.
    public var maxDelay: TimeInterval

    public init(maxAttempts: Int = 8, firstDelay: TimeInterval = 30, maxDelay: TimeInterval = 3600) {
        self.maxAttempts = max(1, maxAttempts)
        self.firstDelay = max(0, firstDelay)
        self.maxDelay = max(firstDelay, maxDelay)
    }

    /// The wait before the next attempt after `attempts` failed ones.
    public func delay(afterAttempts attempts: Int) -> TimeInterval {
        let doublings = Double(min(max(attempts, 1), 41) - 1)
        return min(maxDelay, firstDelay * pow(2, doublings))
    }
}

/// What one delivery attempt came to, reported by the deliverer that claimed it.
public enum OutboxOutcome: Sendable, Hashable {
    /// Delivered; the message is done.
    case delivered
    /// This attempt failed. `permanent`: no retry can change it (e.g. an HTTP
    /// 400), so it is given up at once; otherwise it is retried with backoff
    /// until `OutboxRetry.maxAttempts`.
    case failed(String, permanent: Bool)
    /// Not this process's to deliver (e.g. a command this account does not
    /// trust): released without counting the attempt, looked at again after
    /// the retry's first delay, `reason` kept as its last error.
    case leftPending(String)
}

/// What the outbox holds for one channel, for `notify status` and the console.
public struct OutboxCounts: Sendable, Hashable {
    public var pending = 0
    public var delivered = 0
    public var failed = 0
    /// Pending messages whose last attempt failed: delivery is in trouble now.
    public var retrying = 0
    /// Pending messages due for longer than `NotificationTiming.overdueAfter`
    /// that nobody holds: nobody is delivering them (no `notify run` is running).
    public var overdue = 0
    public var oldestPendingAt: Date?
    public init() {}
}

extension WriteTransaction {
    /// Adds `message` to the outbox in this transaction, unless its dedupe key
    /// is already there for its channel. Returns whether it was added.
    /// `cause`: the sequence of the event that causes it, when there is one.
    @discardableResult
    public func enqueue(_ message: OutboxMessage, cause: Int64? = nil, at now: Date) throws -> Bool {
        checkOpen()
        return try OutboxRows.insert(message, cause: cause, at: now, by: outboxActor, db)
    }
}

extension WriteTransaction {
    /// `Store.claimOutbox` in this transaction (for the command layer).
    public func claimOutbox(_ channel: OutboxChannel, owner: String, limit: Int, lease: TimeInterval,
                            retry: OutboxRetry, at now: Date) throws -> [OutboxItem] {
        checkOpen()
        return try OutboxRows.claim(channel, owner: owner, limit: limit, lease: lease, retry: retry, at: now, by: outboxActor, db)
    }

    /// `Store.completeOutbox` in this transaction.
    public func completeOutbox(_ outcomes: [(id: Int64, outcome: OutboxOutcome)], owner: String,
                               retry: OutboxRetry, at now: Date) throws {
        checkOpen()
        for (id, outcome) in outcomes {
            try OutboxRows.complete(id, outcome, owner: owner, retry: retry, at: now, by: outboxActor, db)
        }
    }

    /// Makes the pending messages of `channel` to `destination` that wait for
    /// a later attempt after one was made (not a digest waiting for its
    /// period to end) due at `now`, forgetting why the last one was left (a
    /// deliverer that could not run them may now). Returns how many.
    public func releaseOutbox(_ channel: OutboxChannel, destination: String, at now: Date) throws -> Int {
        checkOpen()
        return try OutboxRows.release(channel, destination: destination, at: now, by: outboxActor, db)
    }

    /// The states of the messages of `channel` numbered `ids` (nil: a state
    /// this version does not know); a number that names none is left out.
    public func outboxStates(_ channel: OutboxChannel, ids: [Int64]) throws -> [Int64: OutboxState?] {
        checkOpen()
        var states: [Int64: OutboxState?] = [:]
        let statement = try db.cachedStatement(sql: "SELECT state FROM outbox WHERE channel = ? AND id = ?")
        for id in Set(ids) {
            if let state = try String.fetchOne(statement, arguments: [channel.rawValue, id]) { states[id] = OutboxState(rawValue: state) }
        }
        return states
    }

    /// `Store.requeueOutbox` in this transaction.
    public func requeueOutbox(_ channel: OutboxChannel, ids: [Int64]? = nil, at now: Date) throws -> Int {
        checkOpen()
        return try OutboxRows.requeue(channel, ids: ids, at: now, by: outboxActor, db)
    }
}

extension Store {
    /// Leases up to `limit` due messages of `channel` to `owner` until
    /// `now + lease`, counting an attempt for each, in one IMMEDIATE
    /// transaction: two deliverers never hold the same message at once.
    /// Messages that share a batch key with a claimed one and are due come
    /// along, so a digest is never split.
    ///
    /// A deliverer that dies (kill -9) after claiming leaves its messages
    /// leased until the lease ends; then another claims them again. A message
    /// it had already sent by then is sent a second time: delivery is at
    /// least once, and every message carries its dedupe key so a receiver can
    /// drop the repeat. A message whose attempts are used up when its lease
    /// ends is given up as failed rather than claimed again.
    public func claimOutbox(_ channel: OutboxChannel, owner: String, limit: Int, lease: TimeInterval,
                            retry: OutboxRetry, at now: Date) throws -> [OutboxItem] {
        try writeOutbox { db in
            try OutboxRows.claim(channel, owner: owner, limit: limit, lease: lease, retry: retry, at: now, by: nil, db)
        }
    }

    /// Records what the attempts of messages `owner` claimed came to, in one
    /// transaction. A delivery is recorded even when the lease was lost
    /// meanwhile (it happened); a failure only while `owner` still holds it.
    public func completeOutbox(_ outcomes: [(id: Int64, outcome: OutboxOutcome)], owner: String,
                               retry: OutboxRetry, at now: Date) throws {
        guard !outcomes.isEmpty else { return }
        try writeOutbox { db in
            for (id, outcome) in outcomes {
                try OutboxRows.complete(id, outcome, owner: owner, retry: retry, at: now, by: nil, db)
            }
        }
    }

    /// Makes failed messages (all of `channel`'s, or those named) pending
    /// again with a fresh count of attempts. Returns how many.
    @discardableResult
    public func requeueOutbox(_ channel: OutboxChannel, ids: [Int64]? = nil, at now: Date) throws -> Int {
        try writeOutbox { db in try OutboxRows.requeue(channel, ids: ids, at: now, by: nil, db) }
    }

    /// Messages of `channel` (every channel when nil) in the given states,
    /// about `requestID` when given, oldest first.
    public func outboxItems(_ channel: OutboxChannel?, states: Set<OutboxState> = Set(OutboxState.allCases),
                            requestID: String? = nil, limit: Int? = nil) throws -> [OutboxItem] {
        try read { db in try OutboxRows.fetch(channel, states: states, requestID: requestID, limit: limit, db) }
    }

    /// What the outbox holds for `channel`; overdue as of `now`.
    public func outboxCounts(_ channel: OutboxChannel, at now: Date = Date()) throws -> OutboxCounts {
        try read { db in try OutboxRows.counts(channel, at: now, db) }
    }

    /// The earliest time a pending message of `channel` is due (or its lease
    /// ends); nil when nothing is pending. `notify run --follow` sleeps until then.
    public func nextOutboxAttempt(_ channel: OutboxChannel) throws -> Date? {
        try read { db in try OutboxRows.nextAttempt(channel, db) }
    }

    /// One IMMEDIATE transaction that writes no event: the outbox's own
    /// bookkeeping (leases, outcomes) is not evidence and is not chained.
    private func writeOutbox<T>(_ body: (Database) throws -> T) throws -> T {
        // Through `write`: the same IMMEDIATE transaction, and the same patient
        // retries against a deadline when other writers hold the store.
        try write { tx in try body(tx.db) }
    }
}

/// The `outbox` table's SQL, in one place.
enum OutboxRows {
    static let columns = """
        id, channel, dedupe_key, request_id, recipient, destination, batch_key, payload, cause_sequence, created_at,
        state, attempts, next_attempt_at, last_attempt_at, last_error, delivered_at, lease_owner, lease_until,
        changed_by, changed_how, created_by
        """

    /// `changed_by, changed_how` bound as the next two parameters.
    private static func bind(_ actor: Principal?, _ statement: inout FastStatement) {
        statement.bind(actor?.name); statement.bind(actor?.authentication.rawValue)
    }

    /// `changed_by, changed_how` as two arguments.
    private static func changer(_ actor: Principal?) -> [DatabaseValueConvertible?] {
        [actor?.name, actor?.authentication.rawValue]
    }

    static func insert(_ message: OutboxMessage, cause: Int64?, at now: Date, by actor: Principal?, _ db: Database) throws -> Bool {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO outbox (channel, dedupe_key, request_id, recipient, destination, batch_key, payload,
                cause_sequence, created_at, state, attempts, next_attempt_at, changed_by, changed_how, created_by)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?)
            ON CONFLICT (channel, dedupe_key) DO NOTHING
            """)
        let created = now.storeMilliseconds
        // Bound through the C API: a ticket's import enqueues two messages, and
        // GRDB's argument arrays cost more than SQLite's insert of them.
        var insert = FastStatement(statement, db)
        insert.bind(message.channel.rawValue); insert.bind(message.dedupeKey); insert.bind(message.requestID)
        insert.bind(message.recipient); insert.bind(message.destination); insert.bind(message.batchKey)
        insert.bind(message.payload); insert.bind(cause); insert.bind(created)
        insert.bind(max(created, message.notBefore?.storeMilliseconds ?? created))
        bind(actor, &insert)
        insert.bind(actor?.name)
        try insert.execute()
        return db.changesCount > 0
    }

    static func claim(_ channel: OutboxChannel, owner: String, limit: Int, lease: TimeInterval, retry: OutboxRetry,
                      at now: Date, by actor: Principal?, _ db: Database) throws -> [OutboxItem] {
        let by = changer(actor)
        let nowMS = now.storeMilliseconds
        // Leases that ended with their attempts used up: the deliverer died on
        // the last one. Given up, not tried once more.
        try db.cachedStatement(sql: """
            UPDATE outbox SET state = 'failed', lease_owner = NULL, lease_until = NULL,
                last_error = coalesce(last_error || '; ', '') || 'the deliverer stopped before reporting its last attempt',
                changed_by = ?, changed_how = ?
            WHERE channel = ? AND state = 'pending' AND lease_until IS NOT NULL AND lease_until <= ? AND attempts >= ?
            """).execute(arguments: StatementArguments(by + [channel.rawValue, nowMS, retry.maxAttempts]))
        let due = """
            channel = ? AND state = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
            """
        let dueArguments: [DatabaseValueConvertible?] = [channel.rawValue, nowMS, nowMS]
        var items = try fetchItems(db, "SELECT \(columns) FROM outbox WHERE \(due) ORDER BY next_attempt_at, id LIMIT ?",
                                   dueArguments + [max(1, limit)])
        // The rest of each digest that is due now.
        let batches = Set(items.compactMap(\.message.batchKey))
        if !batches.isEmpty {
            let taken = Set(items.map(\.id))
            for batch in batches.sorted() {
                items += try fetchItems(db, "SELECT \(columns) FROM outbox WHERE \(due) AND batch_key = ? ORDER BY id",
                                        dueArguments + [batch]).filter { !taken.contains($0.id) }
            }
        }
        let until = Date(storeMilliseconds: nowMS + Int64((lease * 1000).rounded()))
        let update = try db.cachedStatement(sql: """
            UPDATE outbox SET lease_owner = ?, lease_until = ?, attempts = attempts + 1, last_attempt_at = ?,
                changed_by = ?, changed_how = ?
            WHERE id = ?
            """)
        for index in items.indices {
            try update.execute(arguments: StatementArguments([owner, until.storeMilliseconds, nowMS] + by + [items[index].id]))
            items[index].changedBy = actor
            items[index].leaseOwner = owner
            items[index].leaseUntil = until
            items[index].attempts += 1
            items[index].lastAttemptAt = Date(storeMilliseconds: nowMS)
        }
        return items
    }

    static func complete(_ id: Int64, _ outcome: OutboxOutcome, owner: String, retry: OutboxRetry, at now: Date,
                         by actor: Principal?, _ db: Database) throws {
        let nowMS = now.storeMilliseconds
        let by = changer(actor)
        switch outcome {
        case .delivered:
            try db.cachedStatement(sql: """
                UPDATE outbox SET state = 'delivered', delivered_at = ?, lease_owner = NULL, lease_until = NULL,
                    changed_by = ?, changed_how = ?
                WHERE id = ? AND state = 'pending'
                """).execute(arguments: StatementArguments([nowMS] + by + [id]))
        case let .failed(error, permanent):
            guard let attempts = try Int.fetchOne(db.cachedStatement(sql: """
                SELECT attempts FROM outbox WHERE id = ? AND state = 'pending' AND lease_owner = ?
                """), arguments: [id, owner]) else { return }
            let givingUp = permanent || attempts >= retry.maxAttempts
            let next = nowMS + Int64((retry.delay(afterAttempts: attempts) * 1000).rounded())
            try db.cachedStatement(sql: """
                UPDATE outbox SET state = ?, last_error = ?, next_attempt_at = ?, lease_owner = NULL, lease_until = NULL,
                    changed_by = ?, changed_how = ?
                WHERE id = ?
                """).execute(arguments: StatementArguments([givingUp ? OutboxState.failed.rawValue : OutboxState.pending.rawValue,
                                                            error, givingUp ? nowMS : next] + by + [id]))
        case let .leftPending(reason):
            let next = nowMS + Int64((retry.firstDelay * 1000).rounded())
            try db.cachedStatement(sql: """
                UPDATE outbox SET attempts = max(0, attempts - 1), last_error = ?, next_attempt_at = ?,
                    lease_owner = NULL, lease_until = NULL, changed_by = ?, changed_how = ?
                WHERE id = ? AND state = 'pending' AND lease_owner = ?
                """).execute(arguments: StatementArguments([reason, next] + by + [id, owner]))
        }
    }

    static func requeue(_ channel: OutboxChannel, ids: [Int64]?, at now: Date, by actor: Principal?, _ db: Database) throws -> Int {
        var sql = """
            UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ?, lease_owner = NULL, lease_until = NULL,
                changed_by = ?, changed_how = ?
            WHERE channel = ? AND state = 'failed'
            """
        var arguments: [DatabaseValueConvertible?] = [now.storeMilliseconds] + changer(actor) + [channel.rawValue]
        if let ids {
            guard !ids.isEmpty else { return 0 }
            sql += " AND id IN (\(ids.map { _ in "?" }.joined(separator: ", ")))"
            arguments += ids.map { $0 as DatabaseValueConvertible? }
        }
        try db.execute(sql: sql, arguments: StatementArguments(arguments))
        return db.changesCount
    }

    static func release(_ channel: OutboxChannel, destination: String, at now: Date, by actor: Principal?,
                        _ db: Database) throws -> Int {
        let nowMS = now.storeMilliseconds
        try db.cachedStatement(sql: """
            UPDATE outbox SET next_attempt_at = ?, last_error = NULL, changed_by = ?, changed_how = ?
            WHERE channel = ? AND destination = ? AND state = 'pending' AND next_attempt_at > ? AND last_error IS NOT NULL
              AND (lease_until IS NULL OR lease_until <= ?)
            """).execute(arguments: StatementArguments([nowMS] + changer(actor) + [channel.rawValue, destination, nowMS, nowMS]))
        return db.changesCount
    }

    static func fetch(_ channel: OutboxChannel?, states: Set<OutboxState>, requestID: String?, limit: Int?,
                      _ db: Database) throws -> [OutboxItem] {
        var conditions: [String] = []
        var arguments: [DatabaseValueConvertible?] = []
        if let channel { conditions.append("channel = ?"); arguments.append(channel.rawValue) }
        if states.count < OutboxState.allCases.count {
            let sorted = states.map(\.rawValue).sorted()
            conditions.append("state IN (\(sorted.map { _ in "?" }.joined(separator: ", ")))")
            arguments += sorted.map { $0 as DatabaseValueConvertible? }
        }
        if let requestID { conditions.append("request_id = ?"); arguments.append(requestID) }
        var sql = "SELECT \(columns) FROM outbox"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY id"
        if let limit { sql += " LIMIT \(max(0, limit))" }
        return try fetchItems(db, sql, arguments)
    }

    static func counts(_ channel: OutboxChannel, at now: Date, _ db: Database) throws -> OutboxCounts {
        var counts = OutboxCounts()
        let overdue = now.addingTimeInterval(-NotificationTiming.overdueAfter).storeMilliseconds
        for row in try Row.fetchAll(db, sql: """
            SELECT state, count(*), sum(last_error IS NOT NULL), min(created_at),
                sum(next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?))
            FROM outbox WHERE channel = ? GROUP BY state
            """, arguments: [overdue, now.storeMilliseconds, channel.rawValue]) {
            let count: Int = row[1]
            switch OutboxState(rawValue: row[0]) {
            case .pending?:
                counts.pending = count
                counts.retrying = row[2] ?? 0
                counts.oldestPendingAt = (row[3] as Int64?).map(Date.init(storeMilliseconds:))
                counts.overdue = row[4] ?? 0
            case .delivered?: counts.delivered = count
            case .failed?: counts.failed = count
            case nil: continue
            }
        }
        return counts
    }

    static func nextAttempt(_ channel: OutboxChannel, _ db: Database) throws -> Date? {
        let ms = try Int64.fetchOne(db, sql: """
            SELECT min(max(next_attempt_at, coalesce(lease_until, 0))) FROM outbox WHERE channel = ? AND state = 'pending'
            """, arguments: [channel.rawValue])
        return ms.map(Date.init(storeMilliseconds:))
    }

    private static func fetchItems(_ db: Database, _ sql: String, _ arguments: [DatabaseValueConvertible?]) throws -> [OutboxItem] {
        try Row.fetchAll(db.cachedStatement(sql: sql), arguments: StatementArguments(arguments)).compactMap { try item($0) }
    }

    /// `columns` one by one, as a refusal names them.
    private static let columnNames = columns.split(separator: ",").map { "outbox." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }

    /// A row as an item; nil for a channel or state this version does not know.
    private static func item(_ row: Row) throws -> OutboxItem? {
        func c<Value: DatabaseValueConvertible>(_ index: Int) throws -> Value { try row.checked(index, columnNames[index]) }
        func date(_ index: Int) throws -> Date? { (try c(index) as Int64?).map(Date.init(storeMilliseconds:)) }
        guard let channel = OutboxChannel(rawValue: try c(1)), let state = OutboxState(rawValue: try c(10)) else { return nil }
        let message = OutboxMessage(channel: channel, dedupeKey: try c(2), requestID: try c(3), recipient: try c(4),
                                    destination: try c(5), batchKey: try c(6), payload: try c(7))
        return OutboxItem(id: try c(0), message: message, causeSequence: try c(8), createdAt: Date(storeMilliseconds: try c(9)),
                          state: state, attempts: try c(11), nextAttemptAt: Date(storeMilliseconds: try c(12)),
                          lastAttemptAt: try date(13), lastError: try c(14), deliveredAt: try date(15), leaseOwner: try c(16),
                          leaseUntil: try date(17), changedBy: try changedBy(row), createdBy: try c(20))
    }

    /// Who last changed the row: nil when the columns are empty or name an
    /// authentication this signoff does not know.
    private static func changedBy(_ row: Row) throws -> Principal? {
        guard let name = try row.checked(18, columnNames[18]) as String?,
              let how = try row.checked(19, columnNames[19]) as String?,
              let authentication = Authentication(rawValue: how) else { return nil }
        return Principal(name: name, authentication: authentication)
    }
}
