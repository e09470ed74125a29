import Foundation
import SignoffCore
import Testing
@testable import SignoffStore

/// The durable outbox: written with the event that causes it, claimed under a
/// lease, retried with backoff, never lost and never held by two deliverers.
@Suite struct OutboxTests {
    static let t0 = Sample.start
    static let retry = OutboxRetry(maxAttempts: 3, firstDelay: 30, maxDelay: 600)

    static func message(_ key: String, channel: OutboxChannel = .notification, request: String? = nil,
                        batch: String? = nil, notBefore: Date? = nil) -> OutboxMessage {
        OutboxMessage(channel: channel, dedupeKey: key, requestID: request, recipient: "dave",
                      destination: "email dave@example.com", batchKey: batch, payload: #"{"kind":"routed"}"#,
                      notBefore: notBefore)
    }

    /// One per test (each test gets its own instance of the suite).
    let directory = TemporaryDirectory()

    func newStore() throws -> (TemporaryDirectory, Store) {
        (directory, try Store.create(at: directory.file(), settings: Sample.settings))
    }

    @Test func aMessageCommitsWithItsEventOrNotAtAllAndItsKeyCountsOnce() throws {
        let (_, store) = try newStore()
        let id = try store.write { tx -> String in
            let id = try tx.nextRequestID()
            let submitted = try tx.append(Sample.submit(id))
            #expect(try tx.enqueue(Self.message("routed:\(id):dave", request: id), cause: submitted.sequence, at: Self.t0))
            return id
        }
        // The same key again, from a second run of the same command: nothing new.
        let again = try store.write { try $0.enqueue(Self.message("routed:\(id):dave", request: id), at: Self.t0) }
        #expect(!again)
        // The same key on another channel is another message.
        #expect(try store.write { try $0.enqueue(Self.message("routed:\(id):dave", channel: .jira), at: Self.t0) })
        // A command that fails after enqueueing leaves neither its events nor its messages.
        struct Failed: Error {}
        #expect(throws: Failed.self) {
            try store.write { tx in
                let other = try tx.nextRequestID()
                try tx.append(Sample.submit(other))
                try tx.enqueue(Self.message("routed:\(other):dave", request: other), at: Self.t0)
                throw Failed()
            }
        }
        let items = try store.outboxItems(nil)
        #expect(items.map(\.message.dedupeKey) == ["routed:\(id):dave", "routed:\(id):dave"])
        #expect(items.map(\.message.channel) == [.notification, .jira])
        let first = items[0]
        #expect(first.causeSequence == 2, "after the store_created event")
        #expect(first.state == .pending && first.attempts == 0)
        #expect(first.message.requestID == id && first.message.recipient == "dave")
        #expect(try store.outboxItems(.notification, requestID: id).count == 1)
        #expect(try store.verify().isIntact, "the outbox is not part of the chain")
    }

    /// Each add and each change of a delivery names the person the
    /// transaction acts as; a transaction that names nobody leaves it empty.
    @Test func everyChangeOfAMessageNamesWhoMadeIt() throws {
        let (_, store) = try newStore()
        let alice = Principal(name: "alice", authentication: .osAccount)
        let erin = Principal(name: "erin", authentication: .asserted)
        func by(_ actor: Principal?, _ body: (WriteTransaction) throws -> Void) throws {
            try store.write { tx in tx.outboxActor = actor; try body(tx) }
        }
        func changedBy() throws -> [Principal?] { try store.outboxItems(.notification).map(\.changedBy) }
        try by(alice) { tx in
            try tx.enqueue(Self.message("one"), at: Self.t0)
            try tx.enqueue(Self.message("two"), at: Self.t0)
        }
        #expect(try changedBy() == [alice, alice])
        try by(erin) { tx in
            let claimed = try tx.claimOutbox(.notification, owner: "erin", limit: 1, lease: 60, retry: Self.retry, at: Self.t0)
            #expect(claimed.map(\.changedBy) == [erin])
            try tx.completeOutbox([(claimed[0].id, .failed("HTTP 400", permanent: true))], owner: "erin", retry: Self.retry, at: Self.t0)
        }
        #expect(try changedBy() == [erin, alice])
        try by(alice) { tx in
            let requeued = try tx.requeueOutbox(.notification, at: Self.t0)
            #expect(requeued == 1)
        }
        try by(nil) { tx in
            let claimed = try tx.claimOutbox(.notification, owner: "x", limit: 10, lease: 60, retry: Self.retry, at: Self.t0)
            try tx.completeOutbox(claimed.map { ($0.id, .delivered) }, owner: "x", retry: Self.retry, at: Self.t0)
        }
        #expect(try changedBy() == [nil, nil])
    }

    @Test func failuresBackOffThenGiveUpAndPermanentOnesGiveUpAtOnce() throws {
        let (_, store) = try newStore()
        try store.write { tx in
            for key in ["a", "b", "c"] { try tx.enqueue(Self.message(key), at: Self.t0) }
        }
        let claimed = try store.claimOutbox(.notification, owner: "one", limit: 2, lease: 60, retry: Self.retry, at: Self.t0)
        #expect(claimed.map(\.message.dedupeKey) == ["a", "b"])
        #expect(claimed.allSatisfy { $0.attempts == 1 && $0.leaseOwner == "one" })
        // Another deliverer gets only what the first did not take.
        let rest = try store.claimOutbox(.notification, owner: "two", limit: 10, lease: 60, retry: Self.retry, at: Self.t0)
        #expect(rest.map(\.message.dedupeKey) == ["c"])

        try store.completeOutbox([(claimed[0].id, .failed("HTTP 503", permanent: false)),
                                  (claimed[1].id, .failed("HTTP 400: bad request", permanent: true)),
                                  (rest[0].id, .failed("HTTP 500", permanent: true))], owner: "one", retry: Self.retry, at: Self.t0)
        var items = try store.outboxItems(.notification)
        #expect(items.map(\.state) == [.pending, .failed, .pending],
                "c was claimed by two: one's failure report about it does not count")
        #expect(items[0].lastError == "HTTP 503" && items[0].nextAttemptAt == Self.t0.addingTimeInterval(30))
        #expect(items[1].lastError == "HTTP 400: bad request")
        try store.completeOutbox([(rest[0].id, .delivered)], owner: "two", retry: Self.retry, at: Self.t0)
        #expect(try store.outboxItems(.notification)[2].state == .delivered)

        // Not before its backoff, then with a doubled wait, then given up after three attempts.
        #expect(try store.claimOutbox(.notification, owner: "one", limit: 10, lease: 60, retry: Self.retry,
                                      at: Self.t0.addingTimeInterval(29)).isEmpty)
        var now = Self.t0.addingTimeInterval(30)
        var second = try store.claimOutbox(.notification, owner: "one", limit: 10, lease: 60, retry: Self.retry, at: now)
        #expect(second.map(\.attempts) == [2])
        try store.completeOutbox([(second[0].id, .failed("timed out", permanent: false))], owner: "one", retry: Self.retry, at: now)
        #expect(try store.outboxItems(.notification)[0].nextAttemptAt == now.addingTimeInterval(60))
        now = now.addingTimeInterval(60)
        second = try store.claimOutbox(.notification, owner: "one", limit: 10, lease: 60, retry: Self.retry, at: now)
        try store.completeOutbox([(second[0].id, .failed("refused", permanent: false))], owner: "one", retry: Self.retry, at: now)
        items = try store.outboxItems(.notification)
        #expect(items[0].state == .failed && items[0].attempts == 3 && items[0].lastError == "refused")
        let counts = try store.outboxCounts(.notification)
        #expect(counts.failed == 2 && counts.delivered == 1 && counts.pending == 0)

        // Requeued by hand, it starts again.
        #expect(try store.requeueOutbox(.notification, ids: [items[0].id], at: now) == 1)
        #expect(try store.claimOutbox(.notification, owner: "one", limit: 10, lease: 60, retry: Self.retry, at: now)
            .map(\.attempts) == [1])
    }

    @Test func leftPendingDoesNotCountAsAnAttempt() throws {
        let (_, store) = try newStore()
        try store.write { try $0.enqueue(Self.message("cmd"), at: Self.t0) }
        let claimed = try store.claimOutbox(.notification, owner: "other-account", limit: 1, lease: 60, retry: Self.retry, at: Self.t0)
        try store.completeOutbox([(claimed[0].id, .leftPending("not trusted here"))], owner: "other-account",
                                 retry: Self.retry, at: Self.t0)
        let item = try #require(try store.outboxItems(.notification).first)
        #expect(item.state == .pending && item.attempts == 0 && item.lastError == "not trusted here")
        #expect(item.nextAttemptAt == Self.t0.addingTimeInterval(30) && item.leaseOwner == nil)
    }

    /// Releasing a destination's waiting messages (after `notify trust`)
    /// makes those left pending due at once, and leaves a digest waiting for
    /// its period, and other destinations, alone.
    @Test func releasingADestinationTakesOnlyWhatWasLeftPending() throws {
        let (_, store) = try newStore()
        let end = Self.t0.addingTimeInterval(3600)
        try store.write { tx in
            try tx.enqueue(Self.message("left"), at: Self.t0)
            try tx.enqueue(Self.message("digest", batch: "d", notBefore: end), at: Self.t0)
        }
        let claimed = try store.claimOutbox(.notification, owner: "other-account", limit: 1, lease: 60, retry: Self.retry, at: Self.t0)
        #expect(claimed.map(\.message.dedupeKey) == ["left"])
        try store.completeOutbox([(claimed[0].id, .leftPending("not trusted here"))], owner: "other-account",
                                 retry: Self.retry, at: Self.t0)
        let released = try store.write { try $0.releaseOutbox(.notification, destination: "email dave@example.com", at: Self.t0) }
        #expect(released == 1)
        let items = try store.outboxItems(.notification)
        #expect(items.map(\.nextAttemptAt) == [Self.t0, end])
        #expect(items.map(\.lastError) == [nil, nil])
        #expect(try store.write { try $0.releaseOutbox(.notification, destination: "email erin@example.com", at: Self.t0) } == 0)
    }

    @Test func aDigestIsClaimedWholeAndNotBeforeItsPeriodEnds() throws {
        let (_, store) = try newStore()
        let end = Self.t0.addingTimeInterval(3600)
        try store.write { tx in
            try tx.enqueue(Self.message("d1", batch: "digest dave", notBefore: end), at: Self.t0)
            try tx.enqueue(Self.message("urgent"), at: Self.t0)
            try tx.enqueue(Self.message("d2", batch: "digest dave", notBefore: end), at: Self.t0)
        }
        let now = try store.claimOutbox(.notification, owner: "a", limit: 10, lease: 60, retry: Self.retry, at: Self.t0)
        #expect(now.map(\.message.dedupeKey) == ["urgent"])
        #expect(try store.nextOutboxAttempt(.notification) == Self.t0.addingTimeInterval(60),
                "the urgent one's lease ends first")
        try store.completeOutbox([(now[0].id, .delivered)], owner: "a", retry: Self.retry, at: Self.t0)
        let later = try store.claimOutbox(.notification, owner: "a", limit: 1, lease: 60, retry: Self.retry, at: end)
        #expect(later.map(\.message.dedupeKey) == ["d1", "d2"], "a limit never splits a digest")
    }

    /// A deliverer killed between its claim and its report: the claim was
    /// committed, the report never comes. Its messages wait for the lease, then
    /// another deliverer takes them; once the attempts are used up that way,
    /// the message is given up rather than tried once more.
    @Test func aDelivererKilledAfterClaimingLosesNothing() throws {
        let (directory, store) = try newStore()
        try store.write { tx in
            try tx.enqueue(Self.message("once"), at: Self.t0)
            try tx.enqueue(Self.message("last-try"), at: Self.t0)
        }
        let dead = try Store.open(at: directory.file())
        let held = try dead.claimOutbox(.notification, owner: "killed", limit: 10, lease: 60, retry: Self.retry, at: Self.t0)
        #expect(held.count == 2)
        // Its lease holds the messages against everyone else until it ends.
        #expect(try store.claimOutbox(.notification, owner: "next", limit: 10, lease: 60, retry: Self.retry,
                                      at: Self.t0.addingTimeInterval(59)).isEmpty)
        // Pretend "last-try" had used up its attempts before.
        _ = try sqlite3(directory.file(), "UPDATE outbox SET attempts = 3 WHERE dedupe_key = 'last-try'")
        let after = Self.t0.addingTimeInterval(60)
        let taken = try store.claimOutbox(.notification, owner: "next", limit: 10, lease: 60, retry: Self.retry, at: after)
        #expect(taken.map(\.message.dedupeKey) == ["once"])
        #expect(taken[0].attempts == 2, "the killed attempt counts")
        try store.completeOutbox([(taken[0].id, .delivered)], owner: "next", retry: Self.retry, at: after)
        // The killed deliverer's report, if it ever came, changes nothing.
        try dead.completeOutbox([(held[0].id, .failed("late", permanent: true))], owner: "killed", retry: Self.retry, at: after)
        let items = try store.outboxItems(.notification)
        #expect(items.map(\.state) == [.delivered, .failed])
        #expect(items[1].lastError?.contains("stopped before reporting") == true)
        #expect(items[0].deliveredAt == after)
    }

    @Test func twoDeliverersAtOnceDeliverEachMessageExactlyOnce() throws {
        let (directory, store) = try newStore()
        let total = 400
        try store.write { tx in
            for index in 0..<total { try tx.enqueue(Self.message("m\(index)"), at: Self.t0) }
        }
        let deliverers = try (0..<2).map { _ in try Store.open(at: directory.file()) }
        let log = DeliveryLog()
        DispatchQueue.concurrentPerform(iterations: deliverers.count) { index in
            let owner = "deliverer-\(index)"
            do {
                while true {
                    let batch = try deliverers[index].claimOutbox(.notification, owner: owner, limit: 7, lease: 300,
                                                                  retry: Self.retry, at: Self.t0)
                    if batch.isEmpty { break }
                    log.add(batch.map(\.message.dedupeKey))
                    try deliverers[index].completeOutbox(batch.map { ($0.id, .delivered) }, owner: owner,
                                                         retry: Self.retry, at: Self.t0)
                }
            } catch {
                log.fail(error)
            }
        }
        #expect(log.errors.isEmpty, "\(log.errors)")
        #expect(log.keys.count == total, "nothing sent twice")
        #expect(Set(log.keys) == Set((0..<total).map { "m\($0)" }), "nothing lost")
        #expect(try store.outboxCounts(.notification).delivered == total)
    }

    @Test func whatAMessageSaysCannotBeRewrittenOrDeleted() throws {
        let (directory, store) = try newStore()
        try store.write { try $0.enqueue(Self.message("fixed"), at: Self.t0) }
        let rewrite = try sqlite3(directory.file(), "UPDATE outbox SET payload = 'forged'")
        #expect(rewrite.status != 0 && rewrite.output.contains("only its delivery changes"), "\(rewrite.output)")
        let recipient = try sqlite3(directory.file(), "UPDATE outbox SET recipient = 'mallory'")
        #expect(recipient.status != 0)
        let delete = try sqlite3(directory.file(), "DELETE FROM outbox")
        #expect(delete.status != 0 && delete.output.contains("DELETE is refused"), "\(delete.output)")
        #expect(try store.outboxItems(nil).map(\.message.payload) == [#"{"kind":"routed"}"#])
    }
}

private final class DeliveryLog: @unchecked Sendable {
    private let lock = NSLock()
    private var delivered: [String] = []
    private var failures: [any Error] = []
    func add(_ keys: [String]) { lock.withLock { delivered += keys } }
    func fail(_ error: any Error) { lock.withLock { failures.append(error) } }
    var keys: [String] { lock.withLock { delivered } }
    var errors: [any Error] { lock.withLock { failures } }
}
