import Foundation
import GRDB
import SignoffCore
import Testing
@testable import SignoffStore

/// The chain and the triggers: what someone with the file and the sqlite3 tool
/// can and cannot do unnoticed.
@Suite struct EvidenceTests {
    /// The store_created event, then five requests, each submitted, routed, reviewed, decided and granted: events 1...27.
    func populatedStore(_ directory: TemporaryDirectory) throws -> Store {
        let store = try Store.create(at: directory.file(), settings: Sample.settings)
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
        #expect(report.eventCount == 27)
        #expect(report.requestCount == 5)
        #expect(report.firstBadEvent == nil)
        #expect(report.projectionMismatches.isEmpty)
    }

    /// An event dated back before earlier ones is a time chosen, not read
    /// from a clock (the time delegations, rotations and keys are judged
    /// at): verify names it, beyond a clock's corrections, in a store that
    /// does not let its users assert the time.
    @Test func anEventDatedBackIsNamed() throws {
        func named(trusting: Bool, back: TimeInterval) throws -> [String] {
            let directory = TemporaryDirectory()
            let store = try Store.create(at: directory.file(), settings: StoreSettings(trustAssertedIdentities: trusting,
                                                                                      createdAt: Sample.start))
            try store.write { try $0.append(Sample.policy()) }
            let later = Sample.start.addingTimeInterval(3 * 3600)
            let id = try store.write { transaction in
                let id = try transaction.nextRequestID()
                try transaction.append(Sample.submit(id, at: later))
                try transaction.append(Sample.route(id, at: later))
                return id
            }
            try store.write { try $0.append(Sample.review(id, at: later.addingTimeInterval(-back))) }
            return try store.verify().projectionMismatches.map(\.problem)
        }
        let backDated = try named(trusting: false, back: 3600)
        #expect(backDated.count == 1 && backDated[0].contains("review_recorded by bob is dated") && backDated[0].contains("60 minutes before event 3"),
                "\(backDated)")
        #expect(try named(trusting: false, back: 300) == [], "a clock corrected by minutes")
        #expect(try named(trusting: true, back: 3600) == [], "a store whose users assert the time")
    }

    /// An anchor holds while the history up to it is what it was, and names
    /// the event once that history was rewritten.
    @Test func anchorsHoldUntilHistoryIsRewritten() throws {
        let directory = TemporaryDirectory()
        let store = try populatedStore(directory)
        let head = try #require(try store.chainHead())
        #expect(head.sequence == 27)
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
        let store = try Store.create(at: directory.file(), settings: Sample.settings)
        let first = try store.write { try $0.append(Sample.policy()) }
        // Recompute by hand from the stored columns, independently of the store.
        let created = try sqlite3(directory.file(), "SELECT prev_hash, kind, hash FROM events WHERE sequence = 1;").output
        #expect(created.hasPrefix(String(repeating: "0", count: 64) + "|store_created|"), "the chain starts at the store's creation")
        let genesis = String(created.split(separator: "|")[2].dropLast())
        let row = try sqlite3(directory.file(), "SELECT prev_hash, hash FROM events WHERE sequence = 2;").output
        #expect(row == genesis + "|" + first.hash + "\n")
        var chain = EventChain()
        let payload = Sample.policy().body.encodedPayload()
        let expected = chain.hash(prevHash: genesis, sequence: 2, at: Sample.start.storeMilliseconds,
                                  actor: Sample.creator.name, authentication: "os_account", kind: "policy_applied",
                                  requestID: nil, payload: payload)
        #expect(first.hash == expected)
        // A NULL request ID and an empty one must not hash alike.
        let empty = chain.hash(prevHash: genesis, sequence: 2, at: Sample.start.storeMilliseconds,
                               actor: Sample.creator.name, authentication: "os_account", kind: "policy_applied",
                               requestID: "", payload: payload)
        #expect(empty != expected)
        // Moving a byte from one field to its neighbour changes the hash.
        let shifted = chain.hash(prevHash: genesis, sequence: 2, at: Sample.start.storeMilliseconds,
                                 actor: String(Sample.creator.name.dropLast()),
                                 authentication: String(Sample.creator.name.suffix(1)) + "os_account", kind: "policy_applied",
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
        ("UPDATE events SET payload = replace(payload, 'ticket OPS-42 checked', 'looks fine') WHERE sequence = 10;",
         Int64(10), "hash does not match"),
        ("UPDATE events SET actor = 'mallory' WHERE sequence = 18;", Int64(18), "hash does not match"),
        ("UPDATE events SET authentication = 'asserted' WHERE sequence = 5;", Int64(5), "hash does not match"),
        ("UPDATE events SET at = at + 1 WHERE sequence = 25;", Int64(25), "hash does not match"),
        ("UPDATE events SET request_id = 'REQ-2' WHERE sequence = 5;", Int64(5), "hash does not match"),
        ("UPDATE events SET hash = replace(hash, substr(hash, 1, 1), 'x') WHERE sequence = 9;", Int64(9), "hash does not match"),
        // The hash covers a signature and its statement only together: either alone is named.
        ("UPDATE events SET statement = '{\"action\":\"approve\"}' WHERE sequence = 10;", Int64(10), "a statement but no signature"),
        ("UPDATE events SET signature = '-----BEGIN SSH SIGNATURE-----' WHERE sequence = 12;", Int64(12), "a signature but no statement"),
        ("DELETE FROM events WHERE sequence = 14;", Int64(14), "missing"),
        ("DELETE FROM events WHERE sequence IN (3, 4);", Int64(3), "missing"),
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

    /// A column holding bytes that are not UTF-8, hashed as stored: the JSON
    /// export could only write U+FFFD for them, and the chain could not be
    /// recomputed from it. Verify names the event; the export refuses it.
    @Test func textThatIsNotUTF8IsNamedAndNotExported() throws {
        let directory = TemporaryDirectory()
        let store = try populatedStore(directory)
        let row = try #require(try store.pool.read { db in
            try Row.fetchOne(db, sql: """
                SELECT at, actor, authentication, kind, request_id, CAST(payload AS BLOB), prev_hash FROM events WHERE sequence = 27
                """)
        })
        var payload = [UInt8](row[5] as Data)
        let approver = try #require(payload.indices.first { Array(payload[$0...].prefix(5)) == Array("\"bob\"".utf8) })
        payload[approver + 1] = 0xFF
        var chain = EventChain()
        let hash = chain.hash(prevHash: row[6], sequence: 27, at: row[0], actor: row[1], authentication: row[2], kind: row[3],
                              requestID: row[4], payload: payload)
        let hex = payload.map { String(format: "%02X", $0) }.joined()
        let edit = try sqlite3(store.path, """
            DROP TRIGGER events_refuse_update; UPDATE events SET payload = CAST(X'\(hex)' AS TEXT), hash = '\(hash)' WHERE sequence = 27;
            """)
        #expect(edit.status == 0, "\(edit.output)")
        let bad = try #require(try store.verify().firstBadEvent)
        #expect(bad.sequence == 27 && bad.problem.contains("payload is not UTF-8"), "\(bad)")
        var exported = 0
        #expect(throws: UndecodableEvent.self) {
            try store.export(format: .jsonl) { _ in exported += 1 }
        }
        #expect(exported == 26, "every event before it is written")
    }

    @Test func rewritingAnEventAndItsHashBreaksTheNextLink() throws {
        let directory = TemporaryDirectory()
        let store = try populatedStore(directory)
        // Someone who recomputes event 12's hash still cannot make event 13 agree.
        try sqlite3(store.path, "DROP TRIGGER events_refuse_update; UPDATE events SET hash = lower(hex(randomblob(32))) WHERE sequence = 12;")
        let bad = try #require(try store.verify().firstBadEvent)
        #expect(bad.sequence == 12)
        try sqlite3(store.path, """
            UPDATE events SET prev_hash = (SELECT hash FROM events WHERE sequence = 12) WHERE sequence = 13;
            """)
        #expect(try store.verify().firstBadEvent?.sequence == 12)
    }

    /// An event renumbered far past the end is named as the gap it leaves,
    /// not as billions of deleted events.
    @Test func aRenumberedEventIsNamedAsTheGapItLeaves() throws {
        let directory = TemporaryDirectory()
        let store = try populatedStore(directory)
        try sqlite3(store.path, "DROP TRIGGER events_refuse_update; UPDATE events SET sequence = 9223372036854775807 WHERE sequence = 27;")
        let bad = try #require(try store.verify().firstBadEvent)
        #expect(bad.sequence == 27)
        #expect(bad.problem == "missing: event 27 is not there, and the next one stored is numbered 9223372036854775807 (events were deleted, or one was renumbered)")
    }

    /// A broken link says what the stored hashes show: an event written in
    /// twice, two events swapped, or the event before it changed or gone.
    @Test func aBrokenLinkSaysWhatTheHashesShow() throws {
        for (edit, sequence, problem) in [
            // Event 16 written in twice, every later event renumbered up by one.
            ("UPDATE events SET sequence = -sequence - 1 WHERE sequence > 16; UPDATE events SET sequence = -sequence WHERE sequence < 0; "
             + "INSERT INTO events SELECT 17, at, actor, authentication, kind, request_id, payload, prev_hash, hash, signature, statement FROM events WHERE sequence = 16;",
             Int64(17), "it has the hash of event 16 too, so one of them is a copy: an event was written into the chain twice"),
            ("UPDATE events SET sequence = -16 WHERE sequence = 16; UPDATE events SET sequence = 16 WHERE sequence = 17; UPDATE events SET sequence = 17 WHERE sequence = -16;",
             16, "it follows event 17 in the chain: events were reordered or renumbered"),
            ("DROP TRIGGER events_refuse_delete; DELETE FROM events WHERE sequence = 16; UPDATE events SET sequence = sequence - 1 WHERE sequence > 16;",
             16, "no stored event has the hash it follows: the event before it was changed, or removed"),
            // Only the column changed: the event's own hash still follows event 15's.
            ("UPDATE events SET prev_hash = (SELECT hash FROM events WHERE sequence = 3) WHERE sequence = 16;",
             16, "its own hash was made over that hash, so its prev_hash column alone was changed"),
        ] {
            let directory = TemporaryDirectory()
            let store = try populatedStore(directory)
            let result = try sqlite3(store.path, "DROP TRIGGER events_refuse_update; " + edit)
            #expect(result.status == 0, "\(result.output)")
            let bad = try #require(try store.verify().firstBadEvent)
            #expect(bad.sequence == sequence, "\(bad)")
            #expect(bad.problem == "prev_hash does not match the hash of event \(sequence - 1): " + problem, "\(bad)")
        }
    }

    @Test func badEventNamesItsRequest() throws {
        let directory = TemporaryDirectory()
        let store = try populatedStore(directory)
        try sqlite3(store.path, "DROP TRIGGER events_refuse_update; UPDATE events SET actor = 'mallory' WHERE sequence = 10;")
        let bad = try #require(try store.verify().firstBadEvent)
        #expect(bad.requestID == "REQ-2")
        #expect(bad.description.contains("event 10 (request REQ-2)"))
    }

    /// The policy in force is read from a query table no hash covers: held
    /// to its `policy_applied` event, an edited one decides nothing, and the
    /// hand-off's replay reads the policies from the events themselves.
    @Test func aPolicyEditedIntoItsTableDecidesNothing() throws {
        // A row moved off its event leaves the history without a policy: the hand-off refuses it.
        for (edit, historyHolds) in [("UPDATE policies SET source = replace(source, 'max_duration: 30d', 'max_duration: 300d')", true),
                                     ("UPDATE policies SET version = 'f' || substr(version, 2)", true),
                                     ("UPDATE policies SET sequence = sequence + 1", false)] {
            let directory = TemporaryDirectory()
            let store = try populatedStore(directory)
            #expect(try store.write { try $0.policyInForceParsed() } != nil)
            _ = try sqlite3(store.path, edit)
            #expect(throws: StoreError.self, "\(edit)") { try store.write { try $0.policyInForceParsed() } }
            #expect(throws: StoreError.self, "what the console and explain read: \(edit)") { try store.currentPolicy() }
            #expect(try store.grantHistoryProblems("REQ-1").isEmpty == historyHolds, "\(edit)")
        }
    }

    /// The policy in force is the one the last `policy_applied` event
    /// applied: deleting the newer policy's row from the query table does
    /// not bring back the one before it, nor does deleting every row leave
    /// the store without one.
    @Test func aPolicyDeletedFromItsTableBringsNoOlderOneBack() throws {
        for edit in ["DELETE FROM policies WHERE sequence = (SELECT max(sequence) FROM policies)", "DELETE FROM policies"] {
            let directory = TemporaryDirectory()
            let store = try populatedStore(directory)
            let tightened = Sample.policySource + "\n# tightened\n"
            let version = try Policy.parse(source: tightened, file: "policy.yaml").version
            try store.write { tx in
                try tx.append(EventDraft(requestID: nil, actor: Sample.creator, at: Sample.start, body: .policyApplied(.init(
                    version: version, previousVersion: Sample.policyVersion, file: "policy.yaml", source: tightened))))
            }
            #expect(try store.write { try $0.policyInForceParsed() }?.version == version)
            _ = try sqlite3(store.path, edit)
            #expect(throws: StoreError.self, "\(edit)") { try store.write { try $0.policyInForceParsed() } }
            #expect(throws: StoreError.self, "what the console and explain read: \(edit)") { try store.currentPolicy() }
        }
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

    /// Verify copies each request row out of SQLite and decodes it later, on
    /// another core: a column of another type than signoff writes (a number
    /// for the record, text for a time or a count, a blob for a name)
    /// reads there exactly as it did from the statement, and is named.
    @Test func columnsOfTheWrongTypeAreNamedAfterTheRowIsCopied() throws {
        let directory = TemporaryDirectory()
        let store = try populatedStore(directory)
        try sqlite3(store.path, """
            UPDATE requests SET record = 42 WHERE id = 'REQ-1';
            UPDATE requests SET submitted_at = '2026-12-01' WHERE id = 'REQ-2';
            UPDATE requests SET subject_name = CAST(subject_name AS BLOB) WHERE id = 'REQ-3';
            UPDATE requests SET version = 'one' WHERE id = 'REQ-4';
            """)
        let report = try store.verify()
        #expect(report.firstBadEvent == nil)
        let named = report.projectionMismatches.map { "\($0.table) \($0.requestID ?? "-"): \($0.problem)" }
        #expect(named.map { String($0.prefix(while: { $0 != ":" })) } == ["requests REQ-1", "requests REQ-2", "requests REQ-3", "requests REQ-4"],
                "\(named)")
        #expect(named[0].contains("record"), "\(named)")
        #expect(named[1].contains("submitted_at"), "\(named)")
        #expect(named[2].contains("subject_name"), "\(named)")
        #expect(named[3].contains("version"), "\(named)")

        // The copy reads as the statement did, column by column.
        let rows = try store.read { db in
            var statement = FastStatement(try db.makeStatement(sql: "SELECT \(RequestRow.columns) FROM requests ORDER BY id"), db)
            var pairs: [(RequestRow, RequestRow)] = []
            try statement.forEachRow {
                let columns = StatementColumns(statement: $0)
                pairs.append((RequestRow(columns), RequestRow(CapturedColumns(columns, count: RequestRow.columnCount))))
            }
            return pairs
        }
        #expect(rows.count >= 5)
        for (read, copied) in rows { #expect(read == copied) }
    }

    /// Verify reads the query tables alongside the events and forgets each
    /// request once compared: a row no event explains, a row whose last event
    /// is set too early, and a review row no event records are each named.
    @Test func rowsTheEventsDoNotExplainAreNamed() throws {
        let directory = TemporaryDirectory()
        let store = try populatedStore(directory)
        try sqlite3(store.path, """
            CREATE TEMP TABLE copy AS SELECT * FROM requests WHERE id = 'REQ-1';
            UPDATE copy SET id = 'REQ-99', submitted_sequence = 999;
            INSERT INTO requests SELECT * FROM copy;
            UPDATE requests SET last_sequence = submitted_sequence + 1 WHERE id = 'REQ-2';
            CREATE TEMP TABLE review AS SELECT * FROM reviews WHERE request_id = 'REQ-3';
            UPDATE review SET sequence = 998;
            INSERT INTO reviews SELECT * FROM review;
            UPDATE grant_status SET last_sequence = last_sequence + 1 WHERE request_id = 'REQ-4';
            """)
        let report = try store.verify()
        #expect(report.firstBadEvent == nil)
        let named = report.projectionMismatches.map { "\($0.table) \($0.requestID ?? "-"): \($0.problem)" }
        #expect(named.contains { $0.hasPrefix("requests REQ-2: state is") }, "\(named)")
        #expect(named.contains { $0.hasPrefix("requests REQ-2: event ") && $0.hasSuffix(" changes the request after the query table's last_sequence") },
                "\(named)")
        #expect(named.contains("requests REQ-99: in the query table, but no event submits it"), "\(named)")
        #expect(named.contains("reviews REQ-3: in the query table, but no review_recorded event has this sequence"), "\(named)")
        #expect(named.contains { $0.hasPrefix("grants REQ-4: last_sequence is") }, "\(named)")
        #expect(report.projectionMismatches.count == 5, "\(named)")
    }

    /// Verify reads the `requests` rows in the table's own order, which is
    /// the order signoff submits them in; rows stored in another order (a
    /// table rebuilt by hand) are read again by submission, and named exactly
    /// as they are in order.
    @Test func rowsStoredOutOfSubmissionOrderAreVerifiedTheSame() throws {
        let directory = TemporaryDirectory()
        let store = try populatedStore(directory)
        let reverse = """
            CREATE TEMP TABLE copy AS SELECT * FROM requests;
            DELETE FROM requests;
            INSERT INTO requests SELECT * FROM copy ORDER BY submitted_sequence DESC;
            DROP TABLE copy;
            """
        try sqlite3(store.path, reverse)
        #expect(try store.verify().isIntact)
        try sqlite3(store.path, """
            UPDATE requests SET last_sequence = submitted_sequence + 1 WHERE id = 'REQ-2';
            UPDATE requests SET state = 'approved' WHERE id = 'REQ-3';
            UPDATE requests SET submitted_sequence = 'x' WHERE id = 'REQ-5';
            """)
        let outOfOrder = try store.verify().projectionMismatches
        try sqlite3(store.path, reverse.replacingOccurrences(of: "DESC", with: "ASC"))
        let inOrder = try store.verify().projectionMismatches
        #expect(outOfOrder == inOrder)
        #expect(inOrder.count >= 4, "\(inOrder)")
        // Rebuilt without a rowid: read by submission, the rebuilt schema named.
        try sqlite3(store.path, """
            CREATE TEMP TABLE copy AS SELECT * FROM requests;
            DROP TABLE requests;
            CREATE TABLE requests (id TEXT PRIMARY KEY NOT NULL, state, system, environment, requester, subject_kind,
                subject_name, break_glass, submitted_at, submitted_sequence, decided_at, version, policy_version,
                last_sequence, record, submitted_by, subject_owner, entitlement, scope, access, duration_seconds, incident,
                ticket, purpose, approvals, approvals_needed, route, extends, decided_by) WITHOUT ROWID;
            INSERT INTO requests SELECT * FROM copy;
            """)
        let rebuilt = try store.verify().projectionMismatches
        #expect(rebuilt.contains { $0.table == "schema" }, "\(rebuilt)")
        #expect(Set(inOrder).isSubset(of: Set(rebuilt)), "\(rebuilt)")
    }

    /// A submission's payload with a member its reader passes over, chained
    /// again by a forger, and a row whose record carries the same member:
    /// the record is named, not taken as holding only what the events set.
    @Test func aRecordSplicedFromAnInexactPayloadIsNamed() throws {
        let directory = TemporaryDirectory()
        let store = try populatedStore(directory)
        let extra = #","state":"approved""#
        try forge(store.path) { rows in
            let index = try #require(rows.firstIndex { $0.kind == "request_submitted" && $0.requestID == "REQ-1" })
            #expect(rows[index].payload.hasPrefix(#"{"request":"#) && rows[index].payload.hasSuffix("}"))
            rows[index].payload = String(rows[index].payload.dropLast()) + extra + "}"
        }
        try sqlite3(store.path, """
            UPDATE requests SET record = CAST(replace(CAST(record AS TEXT), ',"reviews":', '\(extra),"reviews":') AS BLOB)
            WHERE id = 'REQ-1';
            """)
        let report = try store.verify()
        #expect(report.firstBadEvent == nil)
        #expect(report.projectionMismatches.map(\.requestID).contains("REQ-1"), "\(report.projectionMismatches)")
    }

    /// A column edited to what reads as the same value (another type, the
    /// same text in another Unicode normalization, text cut at a NUL for
    /// GRDB) is named: a filter compares the stored bytes, not the value.
    @Test func aColumnStoredOtherwiseIsNamedThoughItReadsTheSame() throws {
        let directory = TemporaryDirectory()
        let store = try populatedStore(directory)
        #expect(try store.verify().isIntact)
        let grant = try #require(try DatabaseQueue(path: store.path).read {
            try String.fetchOne($0, sql: "SELECT request_id FROM grant_status LIMIT 1")
        })
        try sqlite3(store.path, """
            UPDATE requests SET break_glass = 'yes' WHERE id = 'REQ-1' AND break_glass = 0;
            UPDATE grant_status SET state = state || char(0) || 'x' WHERE request_id = '\(grant)';
            """)
        let named = try store.verify().projectionMismatches.map { "\($0.table) \($0.requestID ?? "-"): \($0.problem)" }
        #expect(named.contains("requests REQ-1: \(VerifyPass.storedOtherwise("break_glass"))"), "\(named)")
        #expect(named.contains("grants \(grant): \(VerifyPass.storedOtherwise("state"))"), "\(named)")
    }

    @Test func editedRecordBlobIsReported() throws {
        let directory = TemporaryDirectory()
        let store = try populatedStore(directory)
        try sqlite3(store.path, "UPDATE requests SET record = replace(record, 'rotate', 'drop') WHERE id = 'REQ-1';")
        let report = try store.verify()
        #expect(report.projectionMismatches.map(\.requestID) == ["REQ-1"])
    }

    /// A row edited behind signoff's back is not decided on: what an approver
    /// was shown must be the request its events record. The review is
    /// refused, naming the request, and nothing is written.
    @Test func noDecisionIsMadeOnAnEditedRow() throws {
        let directory = TemporaryDirectory()
        let store = try Store.create(at: directory.file(), settings: Sample.settings)
        try store.write { try $0.append(Sample.policy()) }
        let id = try store.submitRouted()
        let untouched = try store.submitRouted()
        try sqlite3(store.path, "UPDATE requests SET record = replace(record, 'rotate', 'drop') WHERE id = '\(id)';")
        let head = try store.changeToken()
        do {
            try store.write { try $0.append(Sample.review(id)) }
            Issue.record("a review was recorded on an edited row")
        } catch let StoreError.unreadableRow(detail) {
            #expect(detail.hasPrefix("the stored row of \(id) is not what signoff wrote: the request (what its approvers are shown) differs"),
                    "\(detail)")
            #expect(detail.contains("signoff audit verify"))
        }
        #expect(try store.changeToken() == head)
        let (record, history) = try #require(try store.recordWithHistory(id))
        #expect(try store.disputes(of: record, history: history)
                == ["the request's row: the request (what its approvers are shown) differs from what its events record"])
        let (intact, itsHistory) = try #require(try store.recordWithHistory(untouched))
        #expect(try store.disputes(of: intact, history: itsHistory).isEmpty)
        // Only the edited request is refused.
        try store.write { try $0.append(Sample.review(untouched)) }
        #expect(try store.changeToken() == head + 1)
    }

    /// The same for a grant: its rows, edited, are refused to a command
    /// that would decide on them, and named where grants are listed.
    @Test func noGrantIsReadForADecisionFromEditedRows() throws {
        let directory = TemporaryDirectory()
        let store = try populatedStore(directory)
        try sqlite3(store.path, """
            UPDATE grant_status SET expires_at = expires_at + 2592000000 WHERE request_id = 'REQ-2';
            UPDATE grants SET entitlement = 'admin' WHERE request_id = 'REQ-3';
            """)
        for (id, column) in [("REQ-2", "expires_at"), ("REQ-3", "entitlement")] {
            do {
                _ = try store.write { try $0.grant(id) }
                Issue.record("\(id)'s edited grant was read for a decision")
            } catch let StoreError.unreadableRow(detail) {
                #expect(detail.hasPrefix("the stored row of \(id) is not what signoff wrote: its grant differs from what its events record (\(column) is "),
                        "\(detail)")
            }
            #expect(try store.grantHistoryProblems(id).first?.hasPrefix("the grant's rows: \(column) is ") == true)
            // Taking access away is never held up: it reads the rows as they stand.
            #expect(try store.write { try $0.grant(id, asStored: true) } != nil)
        }
        #expect(try store.write { try $0.grant("REQ-4") } != nil)
        #expect(try store.grantHistoryProblems(["REQ-1", "REQ-4", "REQ-5"]).isEmpty)
    }

    @Test func deletedLastEventIsCaughtByTheQueryTables() throws {
        let directory = TemporaryDirectory()
        let store = try populatedStore(directory)
        try sqlite3(store.path, "DROP TRIGGER events_refuse_delete; DELETE FROM events WHERE sequence = 27;")
        let report = try store.verify()
        #expect(report.firstBadEvent == nil, "a truncated chain is still a valid chain")
        #expect(report.projectionMismatches.map { "\($0.table) \($0.requestID ?? "-")" } == ["grants REQ-5", "schema -"],
                "the cut is seen in the grants, and the dropped trigger in the schema")
    }
}
