import Foundation
import GRDB
import SignoffCore
import Testing
@testable import SignoffStore

/// The chain and the triggers: what someone with the file and the sqlite3 tool
/// can and cannot do unnoticed.
@Suite struct EvidenceTests {
    /// Five requests, each submitted, routed, reviewed, decided and granted: events 1...26.
    func populatedStore(_ directory: TemporaryDirectory) throws -> Store {
        let store = try Store.create(at: directory.file(), settings: StoreSettings())
        try store.write { try $0.append(Sample.policy()) }
        for _ in 1...5 {
            let id = try store.submitRouted()
            try store.write { transaction in
                try transaction.append(Sample.review(id))
                try transaction.append(Sample.decide(id))
                try transaction.append(Sample.grant(id))
            }
        }
        return store
    }

    @Test func intactStoreVerifies() throws {
        let directory = TemporaryDirectory()
        let store = try populatedStore(directory)
        let report = try store.verify()
        #expect(report.isIntact)
        #expect(report.eventCount == 26)
        #expect(report.requestCount == 5)
        #expect(report.firstBadEvent == nil)
        #expect(report.projectionMismatches.isEmpty)
    }

    /// An anchor holds while the history up to it is what it was, and names
    /// the event once that history was rewritten.
    @Test func anchorsHoldUntilHistoryIsRewritten() throws {
        let directory = TemporaryDirectory()
        let store = try populatedStore(directory)
        let head = try #require(try store.chainHead())
        #expect(head.sequence == 26)
        let stored = try sqlite3(directory.file(), "SELECT hash FROM events WHERE sequence = 10;").output
        let earlier = ChainAnchor(sequence: 10, hash: stored.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(try store.verify(anchors: [head, earlier]).isIntact)
        #expect(ChainAnchor(parsing: head.description) == head)
        for bad in ["26", "0:\(head.hash)", "26:\(head.hash.uppercased())", "26:abc", "x:\(head.hash)", "26:\(head.hash):1"] {
            #expect(ChainAnchor(parsing: bad) == nil, "\(bad)")
        }

        let forged = String(repeating: "0", count: 63) + "1"
        #expect(try sqlite3(directory.file(), "DROP TRIGGER events_refuse_update; UPDATE events SET hash = '\(forged)' WHERE sequence = 10;").status == 0)
        let report = try store.verify(anchors: [earlier, head])
        #expect(report.brokenAnchors == ["event 10 has hash \(forged), not the anchor's \(earlier.hash): the history up to it was rewritten"])
        #expect(!report.isIntact)
    }

    @Test func hashesFollowTheDocumentedCanonicalForm() throws {
        let directory = TemporaryDirectory()
        let store = try Store.create(at: directory.file(), settings: StoreSettings())
        let first = try store.write { try $0.append(Sample.policy()) }
        // Recompute by hand from the stored columns, independently of the store.
        let row = try sqlite3(directory.file(), "SELECT prev_hash, hash FROM events WHERE sequence = 1;").output
        #expect(row == String(repeating: "0", count: 64) + "|" + first.hash + "\n")
        var chain = EventChain()
        let payload = Sample.policy().body.encodedPayload()
        let expected = chain.hash(prevHash: EventChain.genesis, sequence: 1, at: Sample.start.storeMilliseconds,
                                  actor: "alice", authentication: "os_account", kind: "policy_applied",
                                  requestID: nil, payload: payload)
        #expect(first.hash == expected)
        // A NULL request ID and an empty one must not hash alike.
        let empty = chain.hash(prevHash: EventChain.genesis, sequence: 1, at: Sample.start.storeMilliseconds,
                               actor: "alice", authentication: "os_account", kind: "policy_applied",
                               requestID: "", payload: payload)
        #expect(empty != expected)
        // Moving a byte from one field to its neighbour changes the hash.
        let shifted = chain.hash(prevHash: EventChain.genesis, sequence: 1, at: Sample.start.storeMilliseconds,
                                 actor: "alic", authentication: "eos_account", kind: "policy_applied",
                                 requestID: nil, payload: payload)
        #expect(shifted != expected)
    }

    @Test func updateAndDeleteOfEventsAreRefused() throws {
        let directory = TemporaryDirectory()
        let store = try populatedStore(directory)
        let update = try sqlite3(store.path, "UPDATE events SET actor = 'mallory' WHERE sequence = 5;")
        #expect(update.status != 0)
        #expect(update.output.contains("append-only"))
        let delete = try sqlite3(store.path, "DELETE FROM events WHERE sequence = 5;")
        #expect(delete.status != 0)
        #expect(delete.output.contains("append-only"))
        // Through GRDB, in-process, as well.
        #expect(throws: (any Error).self) {
            try store.pool.write { try $0.execute(sql: "DELETE FROM events") }
        }
        #expect(try store.verify().isIntact)
    }

    @Test(arguments: [
        ("UPDATE events SET payload = replace(payload, 'ticket OPS-42 checked', 'looks fine') WHERE sequence = 9;",
         Int64(9), "hash does not match"),
        ("UPDATE events SET actor = 'mallory' WHERE sequence = 17;", Int64(17), "hash does not match"),
        ("UPDATE events SET authentication = 'asserted' WHERE sequence = 4;", Int64(4), "hash does not match"),
        ("UPDATE events SET at = at + 1 WHERE sequence = 24;", Int64(24), "hash does not match"),
        ("UPDATE events SET request_id = 'REQ-2' WHERE sequence = 4;", Int64(4), "hash does not match"),
        ("UPDATE events SET hash = replace(hash, substr(hash, 1, 1), 'x') WHERE sequence = 8;", Int64(8), "hash does not match"),
        ("DELETE FROM events WHERE sequence = 13;", Int64(13), "missing"),
        ("DELETE FROM events WHERE sequence IN (2, 3);", Int64(2), "missing"),
    ])
    func tamperingNamesTheFirstBadEvent(sql: String, sequence: Int64, problem: String) throws {
        let directory = TemporaryDirectory()
        let store = try populatedStore(directory)
        let edit = try sqlite3(store.path, """
            DROP TRIGGER events_refuse_update; DROP TRIGGER events_refuse_delete; \(sql)
            """)
        #expect(edit.status == 0, "\(edit.output)")
        let report = try store.verify()
        #expect(!report.isIntact)
        let bad = try #require(report.firstBadEvent)
        #expect(bad.sequence == sequence)
        #expect(bad.problem.contains(problem), "\(bad.problem)")
    }

    @Test func rewritingAnEventAndItsHashBreaksTheNextLink() throws {
        let directory = TemporaryDirectory()
        let store = try populatedStore(directory)
        // Someone who recomputes event 11's hash still cannot make event 12 agree.
        try sqlite3(store.path, "DROP TRIGGER events_refuse_update; UPDATE events SET hash = lower(hex(randomblob(32))) WHERE sequence = 11;")
        let bad = try #require(try store.verify().firstBadEvent)
        #expect(bad.sequence == 11)
        try sqlite3(store.path, """
            UPDATE events SET prev_hash = (SELECT hash FROM events WHERE sequence = 11) WHERE sequence = 12;
            """)
        #expect(try store.verify().firstBadEvent?.sequence == 11)
    }

    @Test func badEventNamesItsRequest() throws {
        let directory = TemporaryDirectory()
        let store = try populatedStore(directory)
        try sqlite3(store.path, "DROP TRIGGER events_refuse_update; UPDATE events SET actor = 'mallory' WHERE sequence = 9;")
        let bad = try #require(try store.verify().firstBadEvent)
        #expect(bad.requestID == "REQ-2")
        #expect(bad.description.contains("event 9 (request REQ-2)"))
    }

    @Test func editedQueryTablesAreReportedByRequest() throws {
        let directory = TemporaryDirectory()
        let store = try populatedStore(directory)
        try sqlite3(store.path, """
            UPDATE requests SET state = 'pending' WHERE id = 'REQ-3';
            UPDATE reviews SET verdict = 'deny' WHERE request_id = 'REQ-4';
            DELETE FROM requests WHERE id = 'REQ-5';
            DELETE FROM reviews WHERE request_id = 'REQ-5';
            """)
        let report = try store.verify()
        #expect(report.firstBadEvent == nil, "the events themselves are intact")
        let mismatched = report.projectionMismatches.map { "\($0.table) \($0.requestID ?? "-")" }
        #expect(mismatched == ["requests REQ-3", "requests REQ-5", "reviews REQ-4", "reviews REQ-5"])
        #expect(report.projectionMismatches[0].problem.contains("state is pending in the query table, approved from the events"))
    }

    @Test func editedRecordBlobIsReported() throws {
        let directory = TemporaryDirectory()
        let store = try populatedStore(directory)
        try sqlite3(store.path, "UPDATE requests SET record = replace(record, 'rotate', 'drop') WHERE id = 'REQ-1';")
        let report = try store.verify()
        #expect(report.projectionMismatches.map(\.requestID) == ["REQ-1"])
    }

    @Test func deletedLastEventIsCaughtByTheQueryTables() throws {
        let directory = TemporaryDirectory()
        let store = try populatedStore(directory)
        try sqlite3(store.path, "DROP TRIGGER events_refuse_delete; DELETE FROM events WHERE sequence = 26;")
        let report = try store.verify()
        #expect(report.firstBadEvent == nil, "a truncated chain is still a valid chain")
        #expect(report.projectionMismatches.map { "\($0.table) \($0.requestID ?? "-")" } == ["grants REQ-5"])
    }
}
