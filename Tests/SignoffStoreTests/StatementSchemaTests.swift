import Crypto
import Foundation
import GRDB
import SignoffCore
import Testing
@testable import SignoffStore

/// dave's key made by `ssh-keygen`; statements signed with `ssh-keygen -Y sign`.
final class OpenSSHKey {
    let directory = TemporaryDirectory()
    let path: String
    let line: String

    init() throws {
        path = directory.file("dave")
        try Self.keygen(["-q", "-t", "ed25519", "-N", "", "-C", "dave@old", "-f", path])
        line = try String(contentsOfFile: path + ".pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func sign(_ statement: String) throws -> EventSignature {
        let file = directory.file("statement-\(UUID().uuidString)")
        try Data(statement.utf8).write(to: URL(fileURLWithPath: file))
        try Self.keygen(["-Y", "sign", "-q", "-f", path, "-n", "signoff", file])
        return EventSignature(armored: try String(contentsOfFile: file + ".sig", encoding: .utf8), statement: statement)
    }

    static func keygen(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-keygen")
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw StoreError.invalidEvent("ssh-keygen \(arguments) failed") }
    }
}

/// A store whose signed submissions were made over `signoff.statement/1`,
/// before its statements named the request ID and version, or over /2,
/// before they named the store: accepted for what each covered, only where
/// the chain puts them before it adopted the next schema.
@Suite struct StatementSchemaTests {
    let key: OpenSSHKey
    let directory = TemporaryDirectory()
    let store: Store
    let policy: Policy
    let dave = Principal(name: "dave", authentication: .osAccount)
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    /// The submissions, as recorded (over /2).
    private(set) var requests: [String] = []

    init() throws {
        key = try OpenSSHKey()
        store = try Store.create(at: directory.file(), settings: StoreSettings(),
                                 creator: Principal(name: "alice", authentication: .osAccount))
        let source = SignedStore.policy(dave: [], erin: []).replacingOccurrences(of: "dave: {}", with: "dave: {keys: [\"\(key.line)\"]}")
        policy = try Policy.parse(source: source, file: "policy.yaml")
        let alice = Principal(name: "alice", authentication: .osAccount)
        try store.write { [policy, start] tx in
            try tx.append(contentsOf: Lifecycle.apply(policy, previousVersion: nil, by: alice, openRecords: [], originals: [:], at: start))
        }
        for minute in 1...2 { requests.append(try submit(at: start.addingTimeInterval(Double(minute) * 60))) }
    }

    func request() -> AccessRequest {
        AccessRequest(requester: "dave", subject: Subject(kind: .serviceAccount, name: "svc-ledger", owner: "dave"),
                      system: "payments-db", environment: "production", entitlement: "read_replica", access: .read,
                      purpose: "nightly reconciliation of the ledger", duration: .hours(8))
    }

    /// dave submits; the store asks for his signature over /2, made with ssh-keygen.
    func submit(at: Date, signature: EventSignature? = nil) throws -> String {
        var offered: [EventSignature] = []
        for _ in 0..<2 {
            do {
                return try store.write { [policy, dave] tx in
                    tx.offer(offered)
                    let id = try tx.nextRequestID()
                    var events = Lifecycle.submit(try ScannedRequest(scanning: request()), id: id, by: dave, policy: policy, original: nil, at: at)
                    if let signature { events[0].signature = signature }
                    try tx.append(contentsOf: events)
                    return id
                }
            } catch let StoreError.signaturesNeeded(needs) {
                offered = try needs.map { try key.sign($0.statement.text) }
            }
        }
        throw StoreError.invalidEvent("still unsigned")
    }

    /// A submission's statement over /1 written by hand: `naming` the request
    /// ID and version (as /1 did for a while) or, as it first was, only its content.
    func schema1Statement(_ row: ForgedRow, naming: Bool) -> String {
        let hash = DecisionStatement.hex(SHA256.hash(data: Data(row.payload.utf8)))
        let request = naming ? #""request_id":"\#(row.requestID ?? "")","request_sha256":"\#(hash)","request_version":1,"#
            : #""request_sha256":"\#(hash)","#
        return #"{"action":"submit","actor":"dave","at":\#(row.at),"kind":"request_submitted","payload_sha256":"\#(hash)","policy_version":"\#(policy.version)","#
            + request + #""schema":"signoff.statement/1"}"#
    }

    static let marker = Schema.statementSchema2

    /// The migrations a store made before /2 lacks: that one and every later one.
    static let fromMarker = Array(Schema.migrator.migrations.drop { $0 != marker })

    /// The store as one made before /2 would be: created without the
    /// migration (nor any later one), its submissions signed over /1 by
    /// hand, then `arrange`d.
    func rewrite(_ arrange: (inout [ForgedRow], _ migrated: ForgedRow) throws -> Void) throws {
        try forge(directory.file()) { rows in
            for migration in Self.fromMarker {
                #expect(rows[0].payload.contains(#","\#(migration)""#))
                rows[0].payload = rows[0].payload.replacingOccurrences(of: #","\#(migration)""#, with: "")
            }
            var naming = false
            for index in rows.indices where rows[index].kind == "request_submitted" {
                let statement = schema1Statement(rows[index], naming: naming)
                rows[index].statement = statement
                rows[index].signature = try key.sign(statement).armored
                naming.toggle()
            }
            let payload = String(decoding: EventBody.schemaMigrated(.init(migrations: Self.fromMarker)).encodedPayloadBytes(),
                                 as: UTF8.self)
            let migrated = ForgedRow(at: rows.last!.at, actor: "alice", authentication: "os_account", kind: "schema_migrated",
                                     requestID: nil, payload: payload, signature: nil, statement: nil)
            try arrange(&rows, migrated)
        }
    }

    func submissionSequences() throws -> [Int64] {
        try store.read { db in
            try Int64.fetchAll(db, sql: "SELECT sequence FROM events WHERE kind = 'request_submitted' ORDER BY sequence")
        }
    }

    @Test func schema1SubmissionsBeforeTheStoreAdoptedSchema2Verify() throws {
        // Upgraded after both: the migration is recorded after them.
        try rewrite { rows, migrated in rows.append(migrated) }
        let report = try store.verify()
        #expect(report.isIntact, "\(report.signatureProblems) \(report.projectionMismatches)")
        #expect(report.signedEventCount == 2 && report.schema1SignedEventCount == 2)
        // The statements really are /1's two forms, signed by OpenSSH.
        let statements = try requests.map { try #require(try store.events(requestID: $0).first?.draft.signature?.statement) }
        #expect(statements.allSatisfy { $0.hasSuffix(#""schema":"signoff.statement/1"}"#) })
        #expect(!statements[0].contains("request_id") && statements[1].contains(#""request_id":"\#(requests[1])""#))
    }

    @Test func aSchema1StatementAfterTheMigrationIsADowngrade() throws {
        // The second submission moved after the migration: its /1 signature
        // would escape what /2 covers (the request ID), so it is named.
        try rewrite { rows, migrated in
            let second = rows.lastIndex { $0.kind == "request_submitted" }!
            rows.insert(migrated, at: second)
        }
        let second = try submissionSequences()[1]
        let problems = try store.verify().signatureProblems
        #expect(problems.map(\.sequence) == [second], "\(problems)")
        #expect(problems.first?.finding.code == "different_content")
        #expect(problems.first?.description.contains(
            "signed over signoff.statement/1, but the chain signs signoff.statement/2 since event \(second - 1) (schema_migrated: \(Self.marker))") == true,
                "\(problems)")
    }

    @Test func aSchema1StatementAfterASchema2SignatureIsADowngrade() throws {
        // No migration recorded at all, but the first submission is signed
        // over /2: from there on the chain signs /2.
        let recorded = try #require(try store.events(requestID: requests[0]).first?.draft.signature)
        let schema2 = try key.sign(StoreNamingTests.schema2(recorded.statement))
        try rewrite { rows, _ in
            let first = rows.firstIndex { $0.kind == "request_submitted" }!
            rows[first].signature = schema2.armored
            rows[first].statement = schema2.statement
        }
        let sequences = try submissionSequences()
        let problems = try store.verify().signatureProblems
        #expect(problems.map(\.sequence) == [sequences[1]], "\(problems)")
        #expect(problems.first?.description.contains(
            "the chain signs signoff.statement/2 since event \(sequences[0]), the first signed over signoff.statement/2") == true,
                "\(problems)")
    }

    @Test func theStoreRecordsNoSchema1Statement() throws {
        // Offered a /1 signature for a new submission, the store refuses it.
        let at = start.addingTimeInterval(600)
        let draft = Lifecycle.submit(try ScannedRequest(scanning: request()), id: "REQ-3", by: dave, policy: policy, original: nil, at: at)[0]
        let payload = String(decoding: draft.body.encodedPayloadBytes(), as: UTF8.self)
        let statement = schema1Statement(ForgedRow(at: at.storeMilliseconds, actor: "dave", authentication: "os_account",
                                                   kind: "request_submitted", requestID: "REQ-3", payload: payload,
                                                   signature: nil, statement: nil), naming: false)
        let before = try store.verify().eventCount
        let signature = try key.sign(statement)
        let error = #expect(throws: StoreError.self) { _ = try submit(at: at, signature: signature) }
        #expect(error.map { "\($0)" }?.contains(
            "signed over signoff.statement/1, but the chain signs signoff.statement/2 since this signoff") == true,
                "\(String(describing: error))")
        #expect(try store.verify().eventCount == before)
    }

    // MARK: signoff.statement/2, before the store adopted /3

    static let marker3 = Schema.statementSchema3

    /// The migrations a store made before /3 lacks: that one and every later one.
    static let fromMarker3 = Array(Schema.migrator.migrations.drop { $0 != marker3 })

    /// The store as one made before /3 would be: created without its
    /// migration (nor any later one), its submissions signed over /2 by
    /// hand, then `arrange`d; `identity` is what the rewritten store's /3
    /// statements name it by (its first event's new hash).
    func rewriteAsSchema2Store(_ arrange: (inout [ForgedRow], _ migrated: ForgedRow, _ identity: String) throws -> Void) throws {
        try forge(directory.file()) { rows in
            for migration in Self.fromMarker3 {
                #expect(rows[0].payload.contains(#","\#(migration)""#))
                rows[0].payload = rows[0].payload.replacingOccurrences(of: #","\#(migration)""#, with: "")
            }
            var chain = EventChain()
            let identity = chain.hash(prevHash: EventChain.genesis, sequence: 1, at: rows[0].at, actor: rows[0].actor,
                                      authentication: rows[0].authentication, kind: rows[0].kind, requestID: nil,
                                      payload: Array(rows[0].payload.utf8), signature: nil)
            for index in rows.indices where rows[index].kind == "request_submitted" {
                let statement = StoreNamingTests.schema2(try #require(rows[index].statement))
                #expect(statement.hasSuffix(#""schema":"signoff.statement/2"}"#))
                rows[index].statement = statement
                rows[index].signature = try key.sign(statement).armored
            }
            let payload = String(decoding: EventBody.schemaMigrated(.init(migrations: Self.fromMarker3)).encodedPayloadBytes(),
                                 as: UTF8.self)
            let migrated = ForgedRow(at: rows.last!.at, actor: "alice", authentication: "os_account", kind: "schema_migrated",
                                     requestID: nil, payload: payload, signature: nil, statement: nil)
            try arrange(&rows, migrated, identity)
        }
    }

    /// The store's first or last event.
    func event(first: Bool, in store: Store) throws -> (sequence: Int64, body: EventBody) {
        let row = try #require(try store.read { db in
            try Row.fetchOne(db, sql: "SELECT sequence, kind, payload FROM events ORDER BY sequence \(first ? "ASC" : "DESC") LIMIT 1")
        })
        return (row[0], try EventBody.read(kind: row[1], payload: Data((row[2] as String).utf8)))
    }

    @Test func schema2SubmissionsBeforeTheStoreAdoptedSchema3Verify() throws {
        try rewriteAsSchema2Store { rows, migrated, _ in rows.append(migrated) }
        let report = try store.verify()
        #expect(report.isIntact, "\(report.signatureProblems) \(report.projectionMismatches)")
        #expect(report.signedEventCount == 2 && report.schema2SignedEventCount == 2 && report.schema1SignedEventCount == 0)
        let statements = try requests.map { try #require(try store.events(requestID: $0).first?.draft.signature?.statement) }
        #expect(statements.allSatisfy { $0.hasSuffix(#""schema":"signoff.statement/2"}"#) && !$0.contains(#""store""#) })
    }

    @Test func aSchema2StatementAfterTheMigrationIsADowngrade() throws {
        // The second submission moved after the migration: its /2 signature
        // does not name the store, so it is named.
        try rewriteAsSchema2Store { rows, migrated, _ in
            let second = rows.lastIndex { $0.kind == "request_submitted" }!
            rows.insert(migrated, at: second)
        }
        let second = try submissionSequences()[1]
        let problems = try store.verify().signatureProblems
        #expect(problems.map(\.sequence) == [second], "\(problems)")
        #expect(problems.first?.finding.code == "different_content")
        #expect(problems.first?.description.contains(
            "signed over signoff.statement/2, but the chain signs signoff.statement/3 since event \(second - 1) (schema_migrated: \(Self.marker3)); "
            + "a /2 statement counts only before that (a /2 statement does not name its store") == true, "\(problems)")
    }

    @Test func aSchema2StatementAfterASchema3SignatureIsADowngrade() throws {
        // No migration recorded, but the first submission is signed over
        // /3, naming this store: from there on the chain signs /3.
        try rewriteAsSchema2Store { rows, _, identity in
            let first = rows.firstIndex { $0.kind == "request_submitted" }!
            let statement = StoreNamingTests.schema3(try #require(rows[first].statement), store: identity)
            rows[first].statement = statement
            rows[first].signature = try key.sign(statement).armored
        }
        let sequences = try submissionSequences()
        let report = try store.verify()
        #expect(report.signatureProblems.map(\.sequence) == [sequences[1]], "\(report.signatureProblems)")
        #expect(report.signatureProblems.first?.description.contains(
            "the chain signs signoff.statement/3 since event \(sequences[0]), the first signed over signoff.statement/3") == true,
                "\(report.signatureProblems)")
        // The first one holds: it names the store it is in.
        #expect(report.signedEventCount == 2 && report.schema2SignedEventCount == 0)
    }

    @Test func aStoreCreatedNowSignsSchema3FromItsCreation() throws {
        let created = try event(first: true, in: store)
        guard case let .storeCreated(body) = created.body else {
            Issue.record("the first event is \(created.body.kind)")
            return
        }
        #expect(body.migrations.contains(Self.marker3))
        // The second submission's signature downgraded to /2 by a forger who holds dave's key.
        try forge(directory.file()) { rows in
            let second = rows.lastIndex { $0.kind == "request_submitted" }!
            let statement = StoreNamingTests.schema2(try #require(rows[second].statement))
            rows[second].statement = statement
            rows[second].signature = try key.sign(statement).armored
        }
        let second = try submissionSequences()[1]
        let problems = try store.verify().signatureProblems
        #expect(problems.map(\.sequence) == [second], "\(problems)")
        #expect(problems.first?.description.contains(
            "signed over signoff.statement/2, but the chain signs signoff.statement/3 since its creation (event 1, with migration \(Self.marker3))") == true,
                "\(problems)")
    }

    @Test func anOlderStoreMigratedSignsSchema3FromItsSchemaMigratedEvent() throws {
        // A store made before /3, opened by this signoff: the migration is
        // applied and recorded, and the chain signs /3 from that event on.
        try rewriteAsSchema2Store { _, _, _ in }
        for migration in Self.fromMarker3 {
            #expect(try sqlite3(store.path, "DELETE FROM grdb_migrations WHERE identifier = '\(migration)';").status == 0)
        }
        // What the later migrations added, taken away again.
        #expect(Self.fromMarker3 == [Self.marker3, "23 outbox changes name who made them", "24 outbox rows name who added them",
                                   "25 settings events"])
        #expect(try sqlite3(store.path, """
            ALTER TABLE outbox DROP COLUMN changed_by; ALTER TABLE outbox DROP COLUMN changed_how;
            DROP TRIGGER outbox_refuse_new_adder; ALTER TABLE outbox DROP COLUMN created_by; DROP INDEX events_settings;
            """).status == 0)
        let before = try #require(Schema.migrator.migrations.last { !Self.fromMarker3.contains($0) })
        #expect(try sqlite3(store.path, "UPDATE settings SET schema = '\(before)' WHERE id = 1;").status == 0)
        let opened = try Store.open(at: store.path)
        let migrated = try event(first: false, in: opened)
        guard case let .schemaMigrated(body) = migrated.body else {
            Issue.record("the last event is \(migrated.body.kind)")
            return
        }
        #expect(body.migrations == Self.fromMarker3)
        // (Its events are dated in the future: the migration, recorded now, is named as dated back; only signatures are judged here.)
        var report = try opened.verify()
        #expect(report.signatureProblems.isEmpty && report.schema2SignedEventCount == 2, "\(report.signatureProblems)")
        // A submission now is signed over /3, naming the store.
        let third = try submit(at: start.addingTimeInterval(600))
        let statement = try #require(try opened.events(requestID: third).first?.draft.signature?.statement)
        #expect(statement.hasSuffix(#""schema":"signoff.statement/3","store":"\#(try #require(try opened.identity()))"}"#))
        report = try opened.verify()
        #expect(report.signatureProblems.isEmpty && report.signedEventCount == 3 && report.schema2SignedEventCount == 2,
                "\(report.signatureProblems)")
        // The same submission over /2 after the migration is a downgrade.
        try forge(store.path) { rows in
            let last = rows.lastIndex { $0.kind == "request_submitted" }!
            let downgraded = StoreNamingTests.schema2(statement)
            rows[last].statement = downgraded
            rows[last].signature = try key.sign(downgraded).armored
        }
        let problems = try opened.verify().signatureProblems
        #expect(problems.map(\.sequence) == [try submissionSequences()[2]], "\(problems)")
        #expect(problems.first?.description.contains(
            "but the chain signs signoff.statement/3 since event \(migrated.sequence) (schema_migrated: \(Self.marker3))") == true,
                "\(problems)")
    }

    @Test func theStoreRecordsNoSchema2Statement() throws {
        // Offered a /2 signature for a new submission, the store refuses it.
        let at = start.addingTimeInterval(600)
        let draft = Lifecycle.submit(try ScannedRequest(scanning: request()), id: "REQ-3", by: dave, policy: policy, original: nil, at: at)[0]
        let identity = try #require(try store.identity())
        let expected = try #require(DecisionStatement(draft: draft, payload: draft.body.encodedPayloadBytes(),
                                                      context: .init(policyVersion: policy.version, request: nil, store: identity)))
        let before = try store.verify().eventCount
        let signature = try key.sign(StoreNamingTests.schema2(expected.text))
        let error = #expect(throws: StoreError.self) { _ = try submit(at: at, signature: signature) }
        #expect(error.map { "\($0)" }?.contains(
            "signed over signoff.statement/2, but the chain signs signoff.statement/3 since this signoff") == true,
                "\(String(describing: error))")
        #expect(try store.verify().eventCount == before)
    }
}
