import Foundation
import GRDB
import SignoffCore
import Testing
@testable import SignoffStore

/// The store's own settings, schema and counters are evidence too; text that
/// cannot be stored exactly never gets in; contention waits; readers never write.
@Suite struct StoreEvidenceTests {
    func populated(_ directory: TemporaryDirectory, settings: StoreSettings = Sample.settings) throws -> Store {
        let store = try Store.create(at: directory.file(), settings: settings)
        try store.write { try $0.append(Sample.policy()) }
        for _ in 1...2 { _ = try store.submitRouted() }
        return store
    }

    /// Appends as a signoff that believed the store trusted asserted
    /// identities did (one that went by an edited `settings` row).
    func appendBelievingTrust(_ store: Store, _ draft: EventDraft) throws {
        try store.pool.write { db in
            let transaction = WriteTransaction(db: db, settings: StoreSettings(trustAssertedIdentities: true), isCopy: false)
            try transaction.append(draft)
            try transaction.finish()
        }
    }

    @Test func creationIsTheFirstEventAndRecordsWhoAndWhat() throws {
        let directory = TemporaryDirectory()
        let store = try populated(directory, settings: StoreSettings(trustAssertedIdentities: true))
        let creator = try #require(try store.creator())
        #expect(creator.authentication == .osAccount)
        let first = try sqlite3(store.path, "SELECT sequence, kind, payload FROM events WHERE sequence = 1;").output
        #expect(first.hasPrefix("1|store_created|{\"migrations\":[\"1 events\""), "\(first)")
        #expect(first.contains("\"trust_asserted_identities\":true"))
        #expect(try store.verify().isIntact)
    }

    /// A PostgreSQL store created by an older signoff records the schema of
    /// its creation; a newer client's local copy has every migration it
    /// knows. The copy's schema is held to this signoff's, a file's to its events.
    @Test func aLocalCopyIsHeldToThisSignoffsSchemaAFileToItsEvents() throws {
        let directory = TemporaryDirectory()
        let store = try Store.create(at: directory.file(), settings: Sample.settings)
        let known = Schema.migrator.migrations
        func schemaProblems(isCopy: Bool) throws -> [String] {
            var facts = StoreFacts()
            facts.created = true
            facts.migrations = Array(known.dropLast())
            facts.isCopy = isCopy
            var found: [VerifyReport.ProjectionMismatch] = []
            try store.read { try facts.compare(with: $0, into: &found) }
            return found.filter { $0.table == "schema" }.map(\.problem)
        }
        #expect(try schemaProblems(isCopy: true) == [])
        #expect(try schemaProblems(isCopy: false).isEmpty == false, "a file whose events record fewer migrations than it has")
    }

    /// Issue 11: flip trust of asserted identities in the `settings` row.
    /// The store goes by its events, not the row: `--as` stays refused, and
    /// `audit verify` names the row.
    @Test func trustFlippedInTheSettingsRowIsNotBelieved() throws {
        let directory = TemporaryDirectory()
        let store = try populated(directory)
        try sqlite3(store.path, "UPDATE settings SET trust_asserted_identities = 1, share_group = 'everyone';")
        let flipped = try Store.open(at: store.path)
        #expect(!flipped.settings.trustAssertedIdentities)
        #expect(flipped.settings.shareGroup == nil)
        #expect(throws: StoreError.self) {
            try flipped.write { try $0.append(Sample.review("REQ-1", by: Principal(name: "dave", authentication: .asserted))) }
        }
        #expect(try flipped.verify().projectionMismatches.map(\.problem)
            == ["trust_asserted_identities is 1; the events say 0", "share_group is everyone; the events say NULL"])
        #expect(try !Store.openForReading(at: store.path).settings.trustAssertedIdentities)
    }

    /// An asserted identity recorded by a signoff that believed a flipped
    /// row (as signoff did before it went by the events): the table looks
    /// right again afterwards; the asserted event does not.
    @Test func assertedIdentityRecordedWhileTrustWasFlippedIsCaught() throws {
        let directory = TemporaryDirectory()
        let store = try populated(directory)
        let anchor = try #require(try store.chainHead())
        try appendBelievingTrust(store, Sample.review("REQ-1", by: Principal(name: "dave", authentication: .asserted)))
        let report = try Store.open(at: store.path).verify(anchors: [anchor])
        #expect(report.brokenAnchors.isEmpty, "appending keeps the anchor: the chain alone cannot tell")
        #expect(!report.isIntact)
        #expect(report.projectionMismatches.contains {
            $0.table == "events" && $0.problem.contains("dave is an asserted identity") && $0.sequence == anchor.sequence + 1
        }, "\(report.projectionMismatches)")
    }

    /// The same event in a grant's history is named there too, as the
    /// hand-off and `grants` judge it; an asserted identity recorded while
    /// the store trusted them is not.
    @Test func assertedIdentityInAGrantsHistoryIsNamedWhereTheStoreDidNotTrustIt() throws {
        let directory = TemporaryDirectory()
        let store = try populated(directory, settings: StoreSettings(trustAssertedIdentities: true))
        let ops = Principal(name: "ops", authentication: .asserted)
        try store.write { transaction in
            try transaction.append(Sample.review("REQ-1"))
            try transaction.append(Sample.decide("REQ-1"))
            try transaction.append(Sample.grant("REQ-1"))
            try transaction.append(EventDraft(requestID: "REQ-1", actor: ops, at: Sample.start,
                                              body: .grantProvisioned(.init(action: .grant, note: "done while trusted"))))
        }
        #expect(try store.grantHistoryProblems("REQ-1").isEmpty)
        let off = try store.write { transaction in
            try transaction.append(EventDraft(requestID: nil, actor: Sample.creator, at: Sample.start,
                                              body: .settingsChanged(.init(trustAssertedIdentities: false, shareGroup: nil))))
        }
        try appendBelievingTrust(store, EventDraft(requestID: "REQ-1", actor: ops, at: Sample.start,
                                                   body: .grantProvisioned(.init(action: .grant, note: "done by a forged ops"))))
        #expect(try Store.open(at: store.path).grantHistoryProblems("REQ-1")
            == ["event \(off.sequence + 1): ops is an asserted identity (--as), but the store's settings did not trust asserted identities then"])
    }

    /// Editing the events that set the settings (here the first, to trust
    /// asserted identities) breaks their hashes: the store then trusts no
    /// asserted identity and shares with no group.
    @Test func settingsEventsThatDoNotHoldTheirHashesTrustNothing() throws {
        let directory = TemporaryDirectory()
        let store = try populated(directory, settings: StoreSettings(trustAssertedIdentities: false, shareGroup: nil))
        try sqlite3(store.path, """
            DROP TRIGGER events_refuse_update;
            UPDATE events SET payload = replace(payload, '"trust_asserted_identities":false', '"trust_asserted_identities":true') WHERE sequence = 1;
            UPDATE settings SET trust_asserted_identities = 1;
            """)
        #expect(try sqlite3(store.path, "SELECT payload FROM events WHERE sequence = 1;").output.contains("\"trust_asserted_identities\":true"))
        #expect(try !Store.open(at: store.path).settings.trustAssertedIdentities)
    }

    /// A `settings_changed` event that turns trust on, chained correctly (by
    /// a signoff believing an edited row, or by hand): not believed, and named.
    @Test func aSettingsEventTurningTrustOnIsNotBelieved() throws {
        let directory = TemporaryDirectory()
        let store = try populated(directory)
        try appendBelievingTrust(store, EventDraft(requestID: nil, actor: Sample.creator, at: Sample.start,
                                                   body: .settingsChanged(.init(trustAssertedIdentities: true, shareGroup: nil))))
        let reopened = try Store.open(at: store.path)
        #expect(!reopened.settings.trustAssertedIdentities)
        #expect(try reopened.verify().projectionMismatches.contains { $0.problem.hasPrefix("a settings change that turns trust of asserted identities on") })
    }

    @Test(arguments: [
        ("UPDATE settings SET share_group = 'everyone';", "settings", "share_group is everyone; the events say NULL"),
        ("UPDATE settings SET created_at = 0;", "settings", "created_at is 0"),
        ("DROP TRIGGER events_refuse_update;", "schema", "trigger events_refuse_update is missing"),
        ("DROP TRIGGER events_refuse_delete; CREATE TRIGGER events_refuse_delete BEFORE DELETE ON events WHEN 0 BEGIN SELECT 1; END;",
         "schema", "trigger events_refuse_delete is not as the schema defines it"),
        ("CREATE TRIGGER sneaky AFTER INSERT ON events BEGIN SELECT 1; END;", "schema", "trigger sneaky is not part of the schema"),
        ("DROP INDEX requests_by_state;", "schema", "index requests_by_state is missing"),
        ("UPDATE counters SET value = 1000 WHERE name = 'request_number';", "counters", "request_number is 1000; the events say 2"),
        ("DELETE FROM counters;", "counters", "request_number is missing; the events say 2"),
        ("INSERT INTO counters VALUES ('other', 1);", "counters", "other is 1; the events say it does not exist"),
        ("DELETE FROM grdb_migrations WHERE identifier = '9 settings are evidence';", "schema", "grdb_migrations lists"),
    ])
    func editsOfTheStoreItselfAreNamed(sql: String, table: String, problem: String) throws {
        let directory = TemporaryDirectory()
        let store = try populated(directory)
        #expect(try store.verify().isIntact)
        let edit = try sqlite3(store.path, sql)
        #expect(edit.status == 0, "\(edit.output)")
        let report = try store.verify()
        #expect(report.firstBadEvent == nil, "the events themselves are intact")
        #expect(report.projectionMismatches.contains { $0.table == table && $0.problem.hasPrefix(problem) },
                "\(report.projectionMismatches)")
    }

    @Test func settingsChangeThroughEventsAndVerify() throws {
        let directory = TemporaryDirectory()
        let store = try populated(directory, settings: StoreSettings(trustAssertedIdentities: true))
        // Never turned on again: the store refuses the event itself.
        let off = EventDraft(requestID: nil, actor: Sample.creator, at: Sample.start,
                             body: .settingsChanged(.init(trustAssertedIdentities: false, shareGroup: nil)))
        try store.write { tx in
            try tx.append(off)
            // In force from the event on, in the same transaction.
            #expect(throws: StoreError.self) {
                try tx.append(Sample.review("REQ-1", by: Principal(name: "dave", authentication: .asserted)))
            }
        }
        #expect(throws: StoreError.self) {
            try store.write {
                try $0.append(EventDraft(requestID: nil, actor: Sample.creator, at: Sample.start,
                                         body: .settingsChanged(.init(trustAssertedIdentities: true, shareGroup: nil))))
            }
        }
        #expect(try !Store.open(at: store.path).settings.trustAssertedIdentities)
        #expect(try store.verify().isIntact)
    }

    /// A NUL in any text of any event is refused before anything is written,
    /// so no column ever reads back cut short (issue 11, finding 1).
    @Test func nulIsRefusedInEveryEventText() throws {
        let directory = TemporaryDirectory()
        let store = try populated(directory)
        let head = try store.changeToken()
        let poisoned: [(String, EventDraft)] = [
            ("purpose", Sample.submit("REQ-9", Sample.request(purpose: "rotate\0keys"))),
            ("notes", Sample.submit("REQ-9", Sample.request(notes: "a\0b"))),
            ("requester", Sample.submit("REQ-9", Sample.request(requester: "al\0ice"))),
            ("request id", Sample.submit("REQ-\0", Sample.request())),
            ("rationale", Sample.review("REQ-1", rationale: "fine\0")),
            ("actor", Sample.review("REQ-1", by: Principal(name: "bo\0b", authentication: .osAccount))),
            ("policy source", EventDraft(requestID: nil, actor: Sample.alice, at: Sample.start,
                                         body: .policyApplied(.init(version: "v", previousVersion: nil, file: "p", source: "x\0")))),
            ("hand-off command", EventDraft(requestID: nil, actor: Sample.alice, at: Sample.start,
                                            body: .handOffConfigured(.init(outbox: nil, command: "cat\0", timeoutSeconds: nil)))),
        ]
        for (what, draft) in poisoned {
            do {
                try store.write { try $0.append(draft) }
                Issue.record("a NUL in the \(what) was stored")
            } catch let StoreError.unstorableText(detail) {
                #expect(detail.contains("NUL"), "\(what): \(detail)")
            }
        }
        // A backslash and zeros are text, not a NUL.
        try store.write { try $0.append(Sample.review("REQ-1", rationale: #"path C:\u0000 and \\u0000"#)) }
        #expect(try store.changeToken() == head + 1)
        #expect(try store.verify().isIntact)
        #expect(WriteTransaction.holdsEscapedNUL(Array(#"{"a":"\u0000"}"#.utf8)))
        #expect(!WriteTransaction.holdsEscapedNUL(Array(#"{"a":"\\u0000"}"#.utf8)))
        for (json, holds) in [(#"\\\u0000"#, true), (#"\n\t\"\u0000"#, true), (#"\u0000"#, true), (#"\u000"#, false),
                              (#"x\"#, false), (#"\\"#, false), (#"\u0001\\u0000"#, false), ("", false), (#"\\\\u0000"#, false)] {
            #expect(WriteTransaction.holdsEscapedNUL(Array(json.utf8)) == holds, "\(json)")
        }
    }

    /// Sixteen writers at once, each a separate store connection, some with
    /// bulk batches: all succeed, none is told the store is busy.
    @Test func sixteenConcurrentWritersAllSucceed() throws {
        let directory = TemporaryDirectory()
        let path = directory.file()
        let first = try Store.create(at: path, settings: Sample.settings)
        try first.write { try $0.append(Sample.policy()) }
        let stores = try (0..<16).map { _ in try Store.open(at: path) }
        let failures = Messages()
        DispatchQueue.concurrentPerform(iterations: 16) { index in
            do {
                if index % 4 == 0 {
                    // A bulk submission: 300 requests in one transaction.
                    try stores[index].write { tx in
                        for _ in 0..<300 {
                            let id = try tx.nextRequestID()
                            try tx.append(Sample.submit(id))
                            try tx.append(Sample.route(id))
                        }
                    }
                } else {
                    for _ in 0..<20 { try stores[index].submitRouted() }
                }
            } catch {
                failures.add("\(error)")
            }
        }
        #expect(failures.all.isEmpty, "\(failures.all)")
        let expected = 4 * 300 + 12 * 20
        #expect(try first.records(.all).count == expected)
        #expect(try first.verify().isIntact)
    }

    /// An auditor's open never writes: not the file, not its mode, no -wal or -shm.
    @Test func readingNeverWritesTheStore() throws {
        let directory = TemporaryDirectory()
        let store = try populated(directory)
        let path = store.path
        try store.pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        try store.pool.close()
        for file in [path + "-wal", path + "-shm"] { unlink(file) }
        chmod(path, 0o400)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let reader = try Store.openForReading(at: path)
        #expect(reader.access == .read)
        #expect(try reader.verify().isIntact)
        var lines = 0
        try reader.export(format: .jsonl) { _ in lines += 1 }
        #expect(lines == 6)
        #expect(throws: StoreError.readOnly(path: path)) { try reader.write { _ in } }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
        #expect(!FileManager.default.fileExists(atPath: path + "-shm"))
        var info = stat()
        stat(path, &info)
        #expect(info.st_mode & 0o777 == 0o400)
    }

    @Test func readingAStoreThatNeedsMigrationSaysSoAndChangesNothing() throws {
        let directory = TemporaryDirectory()
        let store = try populated(directory)
        try sqlite3(store.path, "DELETE FROM grdb_migrations WHERE identifier = '9 settings are evidence';")
        #expect(throws: StoreError.needsMigration(path: store.path, migrations: ["9 settings are evidence"])) {
            try Store.openForReading(at: store.path)
        }
    }
}

/// Messages collected from concurrent work.
final class Messages: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []
    func add(_ message: String) { lock.withLock { messages.append(message) } }
    var all: [String] { lock.withLock { messages } }
}
