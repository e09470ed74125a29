import Foundation
import GRDB
import SignoffCore
import Testing
@testable import SignoffStore

/// Whoever can write a store can write any integer into it. A number signoff
/// later counts with (a version it adds one to, a length it adds to a time, a
/// time it converts back to milliseconds) must then give a clear refusal or
/// a saturated value, never a trap that stops every command reading it.
@Suite struct StoredNumberTests {
    func store(_ directory: TemporaryDirectory) throws -> Store {
        let store = try Store.create(at: directory.file(), settings: StoreSettings())
        try store.write { try $0.append(Sample.policy()) }
        return store
    }

    /// A request's version is one more at each re-routing: a stored Int.max
    /// would trap there (the next `policy apply`, and `audit verify`'s replay).
    @Test func aVersionBeyondWhatSignoffStoresIsRefusedWhereverItIsRead() throws {
        let directory = TemporaryDirectory()
        let store = try store(directory)
        let id = try store.write { transaction in
            let id = try transaction.nextRequestID()
            try transaction.append(Sample.submit(id))
            try transaction.append(Sample.route(id, version: Int.max))
            return id
        }
        // The query table's record, as the next command reads it.
        let error = try #require(throws: (any Error).self) { try store.record(id) }
        #expect("\(error)".contains("its version is 9223372036854775807, outside what signoff stores"), "\(error)")
        #expect(throws: (any Error).self) { try store.write { _ = try $0.openRecords() } }
        // The event itself, by either reader.
        #expect(throws: UndecodableEvent.self) { try store.events(requestID: id) }
        let payload = Sample.route(id, version: Int.max).body.encodedPayload()
        #expect(throws: StoredBounds.OutOfBounds.self) { try EventBody.read(kind: "request_routed", payload: payload) }
        let spaced = Data(String(decoding: payload, as: UTF8.self).replacingOccurrences(of: ":", with: ": ").utf8)
        #expect(throws: StoredBounds.OutOfBounds.self) { try EventBody.read(kind: "request_routed", payload: spaced) }
        // `audit verify` names it and goes on.
        let report = try store.verify()
        #expect(!report.isIntact)
    }

    @Test func aStepAskingForMoreApprovalsThanAStoreHoldsIsRefused() throws {
        let step = #"{"outcome":{"steps":{"rule":"owners","steps":[{"approvers":"owners","name":"owners of payments-db","required":REQ}]}},"#
            + #""cause":"submitted","policy_version":"v1","version":1}"#
        for (required, holds) in [("1", true), ("2147483647", true), ("2147483648", false), ("-1", false)] {
            let payload = Data(step.replacingOccurrences(of: "REQ", with: required).utf8)
            let read = Result { try EventBody.read(kind: "request_routed", payload: payload) }
            if holds {
                #expect((try? read.get()) != nil, "required \(required)")
            } else {
                #expect(throws: StoredBounds.OutOfBounds.self, "required \(required)") { try read.get() }
            }
        }
    }

    /// A length of time is never negative, and never longer than any policy
    /// could grant: one beyond that is refused by the fast reader, the
    /// reference reader and the grant row reader alike.
    @Test func aLengthOutsideWhatAStoreHoldsIsRefused() throws {
        for seconds in [-1, 1_000_000_000_001, Int.max] {
            let json = #"{"seconds":\#(seconds)}"#
            #expect(throws: DecodingError.self) { try EventCoding.decoder.decode(TimeSpan.self, from: Data(json.utf8)) }
            let submitted = Sample.submit("REQ-1").body.encodedPayload()
            let text = String(decoding: submitted, as: UTF8.self)
            let hostile = text.replacingOccurrences(of: #""duration":{"seconds":28800}"#, with: #""duration":\#(json)"#)
            #expect(hostile != text)
            #expect(throws: (any Error).self) { try EventBody.read(kind: "request_submitted", payload: Data(hostile.utf8)) }
        }
        #expect(try EventCoding.decoder.decode(TimeSpan.self, from: Data(#"{"seconds":1000000000000}"#.utf8)).seconds == 1_000_000_000_000)
        #expect(TimeSpan(seconds: .max).adding(TimeSpan(seconds: 1)).seconds == .max)
        #expect(TimeSpan(seconds: 60).adding(.hours(1)) == TimeSpan(seconds: 3660))
    }

    /// A time at the end of Int64's milliseconds reads back as a Date that
    /// rounds to 2^63; converting it again saturates instead of trapping, so a
    /// grant whose expiry was written so can be listed, shown and verified.
    @Test func timesAtTheEndsOfTheRangeConvertWithoutTrapping() throws {
        #expect(Date(timeIntervalSince1970: Double(Int64.max) / 1000).epochMilliseconds == .max)
        #expect(Date(timeIntervalSince1970: 1e300).epochMilliseconds == .max)
        #expect(Date(timeIntervalSince1970: -1e300).epochMilliseconds == .min)
        #expect(Date(timeIntervalSince1970: .nan).epochMilliseconds == 0)
        #expect(Date(timeIntervalSince1970: 1_700_000_000.1234).epochMilliseconds == 1_700_000_000_123)
        #expect(Date(timeIntervalSince1970: -0.0015).epochMilliseconds == -2)
        #expect(Date(timeIntervalSince1970: 1.9999).epochMilliseconds(.towardZero) == 1999)

        let directory = TemporaryDirectory()
        let store = try store(directory)
        let id = try store.submitRouted()
        try store.write { transaction in
            try transaction.append(Sample.decide(id))
            try transaction.append(Sample.grant(id))
        }
        try forge(directory.file()) { rows in
            let index = try #require(rows.firstIndex { $0.kind == "grant_issued" })
            rows[index].payload = rows[index].payload.replacing(#/"expires_at":[0-9]+/#, with: #""expires_at":9223372036854775807"#)
            #expect(rows[index].payload.contains("9223372036854775807"))
        }
        let reopened = try Store.open(at: directory.file())
        let report = try reopened.verify()
        #expect(report.firstBadEvent == nil)
        #expect(!report.isIntact, "the grant row no longer matches its event")
        _ = try reopened.grant(id)
        _ = try reopened.grants(.all)
    }

    /// A nesting no signoff payload has is refused by the reference reader
    /// after the fast reader gives up at its depth, not followed down the stack.
    @Test func deeplyNestedPayloadsAreRefusedWithoutExhaustingTheStack() throws {
        let deep = String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000)
        #expect(throws: (any Error).self) { try EventBody.read(kind: "request_submitted", payload: Data(deep.utf8)) }
        #expect(throws: (any Error).self) { try EventCoding.readRecord(Data(deep.utf8)) }
        // Where the nesting is shallow enough to read, it still is.
        #expect((try? EventBody.read(kind: "request_submitted", payload: Sample.submit("REQ-1").body.encodedPayload())) != nil)
    }

    /// The settings row is read by every command as the store opens: a column
    /// holding what signoff never writes there is refused with its name.
    @Test func aSettingsColumnOfTheWrongTypeIsNamedNotTrappedOn() throws {
        let directory = TemporaryDirectory()
        _ = try store(directory)
        let queue = try DatabaseQueue(path: directory.file())
        try queue.writeWithoutTransaction { db in
            let triggers = try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'settings'")
            for trigger in triggers { try db.execute(sql: "DROP TRIGGER \(trigger["name"] as String)") }
            try db.execute(sql: "UPDATE settings SET created_at = 'yesterday\u{1B}[2J' WHERE id = 1")
        }
        let error = try #require(throws: (any Error).self) { try Store.open(at: directory.file()) }
        let text = "\(error)"
        #expect(text.contains("settings.created_at holds"), "\(text)")
        #expect(!text.contains("\u{1B}"))
    }

    /// A last event numbered at the end of Int64's range (set by hand) ends
    /// the chain with a refusal: nothing is written, nothing traps.
    @Test func aChainNumberedToTheEndRefusesTheNextEvent() throws {
        let directory = TemporaryDirectory()
        let store = try store(directory)
        let queue = try DatabaseQueue(path: directory.file())
        try queue.writeWithoutTransaction { db in
            let triggers = try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'")
            for trigger in triggers { try db.execute(sql: "DROP TRIGGER \(trigger["name"] as String)") }
            try db.execute(sql: "UPDATE events SET sequence = 9223372036854775807 WHERE sequence = (SELECT max(sequence) FROM events)")
        }
        let error = try #require(throws: StoreError.self) { try store.submitRouted() }
        #expect("\(error)".contains("nothing can follow it"), "\(error)")
        #expect(try queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM events WHERE kind = 'request_submitted'") } == 0)
    }

    @Test func aRetryAfterAnyNumberOfAttemptsWaitsWithinItsBounds() {
        let retry = OutboxRetry(maxAttempts: 8, firstDelay: 30, maxDelay: 3600)
        #expect(retry.delay(afterAttempts: .min) == 30)
        #expect(retry.delay(afterAttempts: 1) == 30)
        #expect(retry.delay(afterAttempts: 2) == 60)
        #expect(retry.delay(afterAttempts: .max) == 3600)
    }

    /// The outbox is read by `notify` and the hand-off: a row whose count of
    /// attempts is text is named with its column, not trapped on.
    @Test func anOutboxRowOfTheWrongTypeIsNamedNotTrappedOn() throws {
        let directory = TemporaryDirectory()
        let store = try store(directory)
        #expect(try store.write { try $0.enqueue(OutboxTests.message("routed:REQ-1:dave"), at: Sample.start) })
        let queue = try DatabaseQueue(path: directory.file())
        try queue.write { try $0.execute(sql: "UPDATE outbox SET attempts = 'many\u{1B}]52;' ") }
        let error = try #require(throws: StoreError.self) { try store.outboxItems(nil) }
        #expect("\(error)".contains("outbox.attempts holds"), "\(error)")
        #expect(!"\(error)".contains("\u{1B}"))
    }

    /// `audit verify` reads the rows it checks whatever stands in them: a
    /// counter that is not a number is a mismatch it names, not a trap.
    @Test func verifyNamesACounterThatIsNotANumber() throws {
        let directory = TemporaryDirectory()
        let store = try store(directory)
        try store.submitRouted()
        let queue = try DatabaseQueue(path: directory.file())
        try queue.writeWithoutTransaction { db in
            let triggers = try Row.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'counters'")
            for trigger in triggers { try db.execute(sql: "DROP TRIGGER \(trigger["name"] as String)") }
            try db.execute(sql: "UPDATE counters SET value = 'one'")
        }
        let report = try store.verify()
        #expect(report.projectionMismatches.contains { $0.table == "counters" && $0.problem.contains("request_number is missing") },
                "\(report.projectionMismatches)")
    }
}
