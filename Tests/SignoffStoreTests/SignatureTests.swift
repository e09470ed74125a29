import Crypto
import Foundation
import GRDB
@testable import SignoffCore
import Testing
@testable import SignoffStore

/// An Ed25519 key held here, signing statements as an agent would.
struct TestKey {
    /// Nil for the identity point: a key of small order, whose signatures
    /// anyone can make (R = [s]B for any s), as `ofSmallOrder` gives.
    let privateKey: Curve25519.Signing.PrivateKey?
    let comment: String

    init(_ comment: String) {
        privateKey = Curve25519.Signing.PrivateKey()
        self.comment = comment
    }

    private init(smallOrder comment: String) {
        privateKey = nil
        self.comment = comment
    }

    static func ofSmallOrder(_ comment: String) -> TestKey { TestKey(smallOrder: comment) }

    var publicKey: SSHPublicKey {
        var blob = SSHWireWriter()
        blob.string("ssh-ed25519")
        blob.string(privateKey.map { Array($0.publicKey.rawRepresentation) } ?? [1] + [UInt8](repeating: 0, count: 31))
        return try! SSHPublicKey(blob: blob.bytes, comment: comment)
    }

    var line: String { publicKey.openSSHText + " " + comment }

    func sign(_ statement: String) -> EventSignature {
        let data = SSHSignature.signedData(message: Array(statement.utf8))
        let raw: [UInt8]
        if let privateKey {
            raw = Array(try! privateKey.signature(for: data))
        } else {
            var random = SystemRandomNumberGenerator()
            let s = Scalar25519.reduce((0..<4).map { _ in random.next() })
            raw = Ed25519Batch.multiScalarProduct([(.base, s)]).extended.encoded + s.littleEndianBytes
        }
        var signature = SSHWireWriter()
        signature.string("ssh-ed25519")
        signature.string(raw)
        let sshsig = SSHSignature(publicKey: publicKey, namespace: "signoff", hashAlgorithm: .sha512,
                                  signature: signature.bytes)
        return EventSignature(armored: sshsig.armored, statement: statement)
    }
}

/// A store whose policy lists keys, and the people who hold them.
final class SignedStore {
    let directory = TemporaryDirectory()
    let store: Store
    let dave = TestKey("dave@laptop"), erin = TestKey("erin@laptop"), mallory = TestKey("mallory")
    let alice = Principal(name: "alice", authentication: .osAccount)
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    private(set) var policy: Policy
    var keys: [String: TestKey] { ["dave": dave, "erin": erin] }

    /// dave and erin own payments-db; each has a key unless told otherwise.
    init(daveHasKey: Bool = true, erinHasKey: Bool = true, signatures: String = "") throws {
        // alice creates the store, so may apply its first policy; the policy makes her and erin its administrators.
        store = try Store.create(at: directory.file(), settings: StoreSettings(),
                                 creator: Principal(name: "alice", authentication: .osAccount))
        let source = Self.policy(dave: daveHasKey ? [dave] : [], erin: erinHasKey ? [erin] : [], signatures: signatures)
        policy = try Policy.parse(source: source, file: "policy.yaml")
        try record { try $0.append(contentsOf: Lifecycle.apply(self.policy, previousVersion: nil, by: self.alice, openRecords: [],
                                                               originals: [:], at: self.start)) }
    }

    static func policy(dave: [TestKey], erin: [TestKey], signatures: String = "", extra: String = "") -> String {
        func keys(_ list: [TestKey]) -> String {
            list.isEmpty ? "{}" : "{keys: [" + list.map { "\"\($0.line)\"" }.joined(separator: ", ") + "]}"
        }
        return """
            policy: signed
            directory:
              people:
                alice: {}
                dave: \(keys(dave))
                erin: \(keys(erin))
            catalogue:
              payments-db:
                owners: [dave, erin]
                environments: [production, staging]
                entitlements: [read_replica]
                max_duration: 30d
            route:
              - name: owners
                when: {system: payments-db}
                steps: [{approvers: owners, count: 1}]
            roles:
              administrators:
                members: [person:alice, person:erin]
                may: [apply_policy]
            \(signatures)\(extra)
            """
    }

    /// Records what `body` appends; when the store asks for signatures, the
    /// people sign with their keys (or `signer`) and it is recorded again.
    @discardableResult
    func record<T>(signer: TestKey? = nil, _ body: @escaping (WriteTransaction) throws -> T) throws -> T {
        var offered: [EventSignature] = []
        for _ in 0..<3 {
            do {
                return try store.write { tx in
                    tx.offer(offered)
                    return try body(tx)
                }
            } catch let StoreError.signaturesNeeded(needs) {
                for need in needs {
                    let key = try #require(signer ?? keys[need.actor], "nobody holds \(need.actor)'s key")
                    offered.append(key.sign(need.statement.text))
                }
            }
        }
        throw StoreError.invalidEvent("still unsigned after three attempts")
    }

    /// What `record` asks the store to do, without signing: the error it answers with.
    func refusal(_ body: @escaping (WriteTransaction) throws -> Void) -> StoreError? {
        do {
            try store.write(body)
            return nil
        } catch {
            return error as? StoreError
        }
    }

    func request(_ environment: String = "production", requester: String = "alice") -> AccessRequest {
        AccessRequest(requester: requester, subject: Subject(kind: .serviceAccount, name: "svc-ledger", owner: requester),
                      system: "payments-db", environment: environment, entitlement: "read_replica", access: .read,
                      purpose: "nightly reconciliation of the ledger", duration: .hours(8))
    }

    func submission(_ environment: String = "production", by name: String = "alice", at: Date? = nil)
        -> (WriteTransaction) throws -> String {
        { tx in
            let id = try tx.nextRequestID()
            try tx.append(contentsOf: Lifecycle.submit(try ScannedRequest(scanning: self.request(environment, requester: name)), id: id,
                                                       by: Principal(name: name, authentication: .osAccount),
                                                       policy: self.policy, original: nil, at: at ?? self.start))
            return id
        }
    }

    func submit(_ environment: String = "production", by name: String = "alice", at: Date? = nil) throws -> String {
        try record(submission(environment, by: name, at: at))
    }

    /// The events of `name` reviewing `id`, signed with `key` over the statement the store will expect.
    func review(_ id: String, by name: String, verdict: Verdict = .approve, rationale: String = "read replica only, fine for 8h",
                at: Date? = nil, signedWith key: TestKey? = nil) -> (WriteTransaction) throws -> Void {
        { tx in
            let record = try #require(try tx.record(id))
            var events = Lifecycle.review(record, verdict: verdict, rationale: rationale, shownVersion: record.version,
                                          by: Principal(name: name, authentication: .osAccount), policy: self.policy,
                                          original: nil, at: at ?? self.start.addingTimeInterval(60)).events
            if let key {
                let context = DecisionStatement.Context(policyVersion: self.policy.version, request: .init(record),
                                                        store: try #require(try Store.identity(tx.db)))
                let draft = events[0]
                let statement = try #require(DecisionStatement(draft: draft, payload: draft.body.encodedPayloadBytes(), context: context))
                events[0].signature = key.sign(statement.text)
            }
            try tx.append(contentsOf: events)
        }
    }

    func apply(_ source: String, by name: String, signer: TestKey? = nil, at: Date) throws {
        let next = try Policy.parse(source: source, file: "policy.yaml")
        let previous = policy.version
        try record(signer: signer) { tx in
            try tx.append(contentsOf: Lifecycle.apply(next, previousVersion: previous, by: Principal(name: name, authentication: .osAccount),
                                                      openRecords: try tx.openRecords(), originals: [:], at: at))
        }
        policy = next
    }

    func eventCount() throws -> Int { try store.verify().eventCount }

    func signatureProblems() throws -> [SignatureProblem] { try store.verify().signatureProblems }

    func sequence(of kind: String, request: String? = nil) throws -> Int64 {
        let queue = try DatabaseQueue(path: directory.file())
        return try queue.read { db in
            try Int64.fetchOne(db, sql: "SELECT max(sequence) FROM events WHERE kind = ? AND (? IS NULL OR request_id = ?)",
                               arguments: [kind, request, request]) ?? 0
        }
    }
}

/// One `events` row as whoever can write the file sees it.
struct ForgedRow {
    var at: Int64
    var actor: String
    var authentication: String
    var kind: String
    var requestID: String?
    var payload: String
    var signature: String?
    var statement: String?
}

/// Rewrites the events with `change`, then numbers and chains them again and
/// puts the append-only triggers back: what a careful forger with the file does.
func forge(_ path: String, _ change: (inout [ForgedRow]) throws -> Void) throws {
    let queue = try DatabaseQueue(path: path)
    try queue.writeWithoutTransaction { db in
        let triggers = try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'")
        var rows = try Row.fetchAll(db, sql: """
            SELECT at, actor, authentication, kind, request_id, payload, signature, statement FROM events ORDER BY sequence
            """).map {
            ForgedRow(at: $0[0], actor: $0[1], authentication: $0[2], kind: $0[3], requestID: $0[4], payload: $0[5],
                      signature: $0[6], statement: $0[7])
        }
        try change(&rows)
        for trigger in triggers { try db.execute(sql: "DROP TRIGGER \(trigger["name"] as String)") }
        try db.execute(sql: "DELETE FROM events")
        var chain = EventChain()
        var previous = EventChain.genesis
        for (index, row) in rows.enumerated() {
            let sequence = Int64(index + 1)
            let hash = chain.hash(prevHash: previous, sequence: sequence, at: row.at, actor: row.actor,
                                  authentication: row.authentication, kind: row.kind, requestID: row.requestID,
                                  payload: Array(row.payload.utf8),
                                  signature: row.signature.map { EventSignature(armored: $0, statement: row.statement ?? "") })
            try db.execute(sql: """
                INSERT INTO events (sequence, at, actor, authentication, kind, request_id, payload, prev_hash, hash, signature, statement)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [sequence, row.at, row.actor, row.authentication, row.kind, row.requestID, row.payload,
                                 previous, hash, row.signature, row.statement])
            previous = hash
        }
        for trigger in triggers { try db.execute(sql: trigger["sql"] as String) }
    }
}

@Suite struct SignatureStoreTests {
    func needs(_ error: StoreError?) -> [SignatureNeed] {
        if case let .signaturesNeeded(needs)? = error { return needs }
        Issue.record("expected signaturesNeeded, got \(String(describing: error))")
        return []
    }

    @Test func aDecisionIsRecordedOnlyWithTheDecidersSignature() throws {
        let lab = try SignedStore()
        let id = try lab.submit()
        let before = try lab.eventCount()
        // Unsigned, nothing is written; the store says what must be signed, by whom, with which keys.
        let list = needs(lab.refusal(lab.review(id, by: "dave")))
        let need = try #require(list.first)
        #expect(list.count == 1)
        #expect(need.actor == "dave" && need.requestID == id)
        #expect(need.statement.action == .approve)
        #expect(need.requirement.keys == [lab.dave.publicKey])
        #expect(need.requirement.reason == "dave has SSH keys listed in the policy, so their decisions are signed")
        #expect(need.statement.text.contains(#""rationale":"read replica only, fine for 8h""#))
        #expect(try lab.eventCount() == before)

        try lab.record(lab.review(id, by: "dave"))
        let review = try #require(try lab.store.events(requestID: id).first { $0.draft.body.kind == "review_recorded" })
        #expect(review.draft.signature?.statement == need.statement.text)
        let report = try lab.store.verify()
        #expect(report.isIntact, "\(report.signatureProblems) \(report.projectionMismatches)")
        #expect(report.signedEventCount == 1)
        var exported = ""
        try lab.store.export(format: .jsonl, requestID: id) { exported += String(decoding: $0, as: UTF8.self) }
        let line = try #require(exported.split(separator: "\n").first { $0.contains("review_recorded") })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect((object["signature"] as? String)?.hasPrefix("-----BEGIN SSH SIGNATURE-----\n") == true)
        #expect(object["statement"] as? String == need.statement.text)
    }

    /// Whatever a caller attaches, the store records only a signature that holds.
    @Test func theStoreRefusesSignaturesThatDoNotHold() throws {
        let lab = try SignedStore()
        let id = try lab.submit()
        let statement = try #require(needs(lab.refusal(lab.review(id, by: "dave"))).first?.statement.text)
        let before = try lab.eventCount()
        let cases: [(TestKey, String)] = [
            (lab.erin, "a key the policy in force did not list for dave (it was erin's)"),
            (lab.mallory, "a key the policy in force did not list for dave"),
        ]
        for (key, says) in cases {
            let error = lab.refusal(lab.review(id, by: "dave", signedWith: key))
            #expect(error?.description.contains(says) == true, "\(String(describing: error))")
            #expect(try lab.eventCount() == before)
        }
        // A signature over other content, or one altered, does not hold; one offered for
        // other content is not this decision's, so it is still unsigned.
        let other = statement.replacingOccurrences(of: "fine for 8h", with: "fine for 9h")
        var forged = lab.dave.sign(other)
        forged.statement = statement
        var altered = lab.dave.sign(statement)
        let lines = altered.armored.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        altered.armored = ([lines[0], String(lines[1].reversed())] + lines[2...]).joined(separator: "\n")
        for signature in [forged, altered] {
            let error = lab.refusal { tx in
                tx.offer([signature])
                try lab.review(id, by: "dave")(tx)
            }
            #expect(error?.description.contains("the signature is not valid") == true, "\(String(describing: error))")
        }
        let unmatched = lab.refusal { tx in
            tx.offer([lab.dave.sign(other)])
            try lab.review(id, by: "dave")(tx)
        }
        #expect(unmatched?.description.contains("dave's approve must be signed") == true, "\(String(describing: unmatched))")
        #expect(try lab.eventCount() == before)
    }

    // MARK: Forgeries by whoever can write the store
    //
    // Each is made the careful way: the events rewritten, then numbered and
    // chained again with the triggers put back, so the hash chain holds; only
    // the signatures (and where the forger did not bother, the query tables)
    // show it, and `audit verify` names the event.

    @Test func anApprovalRechainedAsAnotherPersonIsNamed() throws {
        let lab = try SignedStore()
        let id = try lab.submit()
        try lab.record(lab.review(id, by: "dave"))
        let sequence = try lab.sequence(of: "review_recorded")
        try forge(lab.directory.file()) { rows in rows[Int(sequence) - 1].actor = "erin" }
        let renamed = try lab.signatureProblems()
        #expect(renamed.map(\.sequence) == [sequence])
        #expect(renamed.first?.description.contains("signed over different content: the signed statement and the event differ in actor") == true,
                "\(renamed)")
        try forge(lab.directory.file()) { rows in
            rows[Int(sequence) - 1].signature = nil
            rows[Int(sequence) - 1].statement = nil
        }
        #expect(try lab.signatureProblems().map(\.description) == [
            "event \(sequence) (review_recorded of \(id) by erin): unsigned, but a signature was required: erin has SSH keys listed in the policy, so their decisions are signed",
        ])
    }

    /// What `audit verify` names of a signature is named where a grant is
    /// read and handed off too: provisioning never carries out an approval
    /// whose signature was stripped or does not hold.
    @Test func aGrantWhoseApprovalLostItsSignatureIsDisputedBeforeItIsHandedOff() throws {
        let lab = try SignedStore()
        let id = try lab.submit()
        try lab.record(lab.review(id, by: "dave"))
        let index = Int(try lab.sequence(of: "review_recorded")) - 1
        #expect(try lab.store.checkedGrant(id)?.problems == [])
        // A signature that does not hold (one character of it changed).
        try forge(lab.directory.file()) { rows in
            var armored = Array(rows[index].signature ?? "")
            let at = armored.count / 2
            armored[at] = armored[at] == "A" ? "B" : "A"
            rows[index].signature = String(armored)
        }
        let broken = try Store.open(at: lab.directory.file())
        #expect(try broken.checkedGrant(id)?.problems.contains { $0.contains("review_recorded by dave") } == true)
        // Stripped: the rules alone name it, in lists too.
        try forge(lab.directory.file()) { rows in
            rows[index].signature = nil
            rows[index].statement = nil
        }
        let stripped = try Store.open(at: lab.directory.file())
        let problems = try #require(try stripped.checkedGrant(id)?.problems)
        #expect(problems.contains { $0.contains("unsigned, but a signature was required") }, "\(problems)")
        #expect(try stripped.grantHistoryProblems([id])[id]?.contains { $0.contains("unsigned, but a signature was required") } == true)
    }

    @Test func aRationaleRewrittenAndRechainedIsNamed() throws {
        let lab = try SignedStore()
        let id = try lab.submit()
        try lab.record(lab.review(id, by: "dave"))
        let index = Int(try lab.sequence(of: "review_recorded")) - 1
        let (said, says) = ("read replica only, fine for 8h", "admin is fine, whatever they need")
        try forge(lab.directory.file()) { rows in
            rows[index].payload = rows[index].payload.replacingOccurrences(of: said, with: says)
        }
        let problems = try lab.signatureProblems()
        #expect(problems.map(\.sequence) == [Int64(index + 1)])
        #expect(problems.first?.description.contains("differ in payload_sha256, rationale") == true, "\(problems)")
        // The statement rewritten to match: the signature then covers neither.
        try forge(lab.directory.file()) { rows in
            let payloadHash = DecisionStatement.hex(SHA256.hash(data: Data(rows[index].payload.utf8)))
            rows[index].statement = rows[index].statement?.replacingOccurrences(of: said, with: says)
                .replacingOccurrences(of: #""payload_sha256":"[0-9a-f]+""#, with: "\"payload_sha256\":\"\(payloadHash)\"",
                                      options: .regularExpression)
        }
        #expect(try lab.signatureProblems().first?.description.contains(
            "the signature is not valid: the signature does not match the signed statement and the key") == true)
    }

    @Test func aSignatureMovedToAnotherEventIsNamed() throws {
        let lab = try SignedStore()
        let first = try lab.submit()
        let second = try lab.submit(at: lab.start.addingTimeInterval(1))
        try lab.record(lab.review(first, by: "dave"))
        let signed = Int(try lab.sequence(of: "review_recorded", request: first)) - 1
        // dave's signed approval of the first request, copied onto an approval of the second.
        try forge(lab.directory.file()) { rows in
            var moved = rows[signed]
            moved.requestID = second
            rows.append(moved)
        }
        let problems = try lab.signatureProblems()
        #expect(problems.map(\.requestID) == [second])
        #expect(problems.first?.description.contains("differ in request_id") == true, "\(problems)")

        // A signed submission names the ID it was given: moved onto another
        // submission of the same content, it is named for its request_id.
        let replay = try SignedStore()
        let original = try replay.submit(by: "erin")
        let submitted = Int(try replay.sequence(of: "request_submitted", request: original)) - 1
        try forge(replay.directory.file()) { rows in
            var again = rows[submitted]
            again.requestID = "REQ-99"
            rows.append(again)
        }
        let replayed = try replay.signatureProblems()
        #expect(replayed.map(\.requestID) == ["REQ-99"])
        #expect(replayed.first?.description.contains("signed over different content: the signed statement and the event differ in request_id") == true,
                "\(replayed)")

        // The same signed approval recorded again, word for word, is a replay.
        let twice = try SignedStore()
        let once = try twice.submit()
        try twice.record(twice.review(once, by: "dave"))
        let reviewRow = Int(try twice.sequence(of: "review_recorded", request: once)) - 1
        try forge(twice.directory.file()) { rows in rows.append(rows[reviewRow]) }
        let again = try twice.signatureProblems()
        #expect(again.first?.description.contains("signed with the signature and statement of event \(reviewRow + 1): a signature moved from another event") == true,
                "\(again)")
    }

    /// The signatures' mathematics runs on every core, batch by batch, while
    /// the chain is folded: the problems still come out in the chain's
    /// order, every one of them, the same in every pass.
    @Test func invalidSignaturesAmongManyAreNamedInChainOrder() throws {
        let lab = try SignedStore()
        let count = 600
        try lab.record { tx in
            for _ in 0..<count { _ = try lab.submission(by: "erin")(tx) }
        }
        // Every 97th signed submission carries the signature of the one before
        // it: its own statement, another statement's mathematics.
        var corrupted: [String] = []
        try forge(lab.directory.file()) { rows in
            let signed = rows.indices.filter { rows[$0].signature != nil }
            for (n, index) in signed.enumerated() where n > 0 && n % 97 == 0 {
                rows[index].signature = rows[signed[n - 1]].signature
                corrupted.append(rows[index].requestID ?? "")
            }
        }
        #expect(corrupted.count == 6)
        let report = try lab.store.verify()
        #expect(report.signedEventCount == count)
        #expect(report.signatureProblems.map(\.requestID) == corrupted)
        #expect(report.signatureProblems.allSatisfy { $0.finding == .invalid(.invalid) }, "\(report.signatureProblems)")
        #expect(try lab.signatureProblems() == report.signatureProblems)
    }

    @Test func aKeyRemovedFromTheDirectoryAndThenUsedIsNamed() throws {
        let lab = try SignedStore()
        let id = try lab.submit()
        try lab.record(lab.review(id, by: "dave"))
        let approval = Int(try lab.sequence(of: "review_recorded")) - 1
        let pending = try lab.submit(at: lab.start.addingTimeInterval(100))
        // dave's key is removed (erin, who has a key, signs the change).
        try lab.apply(SignedStore.policy(dave: [], erin: [lab.erin]), by: "erin", at: lab.start.addingTimeInterval(200))
        // The store refuses a decision signed with it now...
        let refused = lab.refusal(lab.review(pending, by: "dave", at: lab.start.addingTimeInterval(300), signedWith: lab.dave))
        #expect(refused?.description.contains("a key the policy in force did not list for dave") == true,
                "\(String(describing: refused))")
        // ...and a forger holding it writes one in after the removal, signed for that place in the chain.
        let version = lab.policy.version
        try forge(lab.directory.file()) { rows in
            var late = rows[approval]
            late.requestID = pending
            late.at += 300_000
            let statement = try #require(late.statement)
                .replacingOccurrences(of: #""policy_version":"[0-9a-f]+""#, with: "\"policy_version\":\"\(version)\"",
                                      options: .regularExpression)
                .replacingOccurrences(of: #""at":[0-9]+"#, with: "\"at\":\(late.at)", options: .regularExpression)
                .replacingOccurrences(of: "\"\(id)\"", with: "\"\(pending)\"")
            late.statement = statement
            late.signature = lab.dave.sign(statement).armored
            rows.append(late)
        }
        let problems = try lab.signatureProblems()
        #expect(problems.contains { $0.requestID == pending && $0.description.contains("a key the policy in force did not list for dave") },
                "\(problems)")
        // The approval made while the key was listed still holds.
        #expect(!problems.contains { $0.sequence == Int64(approval + 1) })
    }

    @Test func aKeyAddedAfterTheDecisionDoesNotMakeItValid() throws {
        let lab = try SignedStore()
        let id = try lab.submit()
        try lab.record(lab.review(id, by: "dave"))
        let approval = Int(try lab.sequence(of: "review_recorded")) - 1
        // mallory signs dave's approval over with her own key, then gets it listed as dave's.
        try forge(lab.directory.file()) { rows in
            rows[approval].signature = lab.mallory.sign(try #require(rows[approval].statement)).armored
        }
        try lab.apply(SignedStore.policy(dave: [lab.dave, lab.mallory], erin: [lab.erin]), by: "erin",
                      at: lab.start.addingTimeInterval(3600))
        let problems = try lab.signatureProblems()
        #expect(problems.map(\.sequence) == [Int64(approval + 1)])
        #expect(problems.first?.description.contains(
            "signed by ssh-ed25519 \(lab.mallory.publicKey.fingerprint), a key the policy in force did not list for dave") == true,
                "\(problems)")
    }

    /// Administrative actions are signed once any key is listed: switching the
    /// rules that the signatures enforce needs a key too.
    @Test func policyChangesAreSignedOnceKeysAreListed() throws {
        let lab = try SignedStore()
        let next = SignedStore.policy(dave: [lab.dave], erin: [lab.erin], extra: "# v2\n")
        let parsed = try Policy.parse(source: next, file: "policy.yaml")
        let list = needs(lab.refusal { tx in
            try tx.append(contentsOf: Lifecycle.apply(parsed, previousVersion: lab.policy.version, by: lab.alice,
                                                      openRecords: [], originals: [:], at: lab.start))
        })
        #expect(list.first?.statement.action == .applyPolicy)
        #expect(list.first?.requirement.keys == [], "alice has no key: she cannot change the policy any more")
        #expect(list.first?.requirement.reason.contains("the policy in force lists SSH keys") == true)
        try lab.apply(next, by: "erin", at: lab.start.addingTimeInterval(10))
        #expect(try lab.store.verify().isIntact)
        #expect(try lab.store.verifiedAppliedPolicies().last?.version == lab.policy.version)
        let applied = Int(try lab.sequence(of: "policy_applied")) - 1
        try forge(lab.directory.file()) { rows in
            rows[applied].signature = nil
            rows[applied].statement = nil
        }
        #expect(try lab.signatureProblems().first?.description.contains(
            "unsigned, but a signature was required: the policy in force lists SSH keys") == true)
        // Whoever wrote that policy into the chain lends its keys no name in `audit allowed-signers`.
        #expect(throws: StoreError.self) { try lab.store.verifiedAppliedPolicies() }
    }

    /// signoff and its rules record only routes, decisions and the grants
    /// approvals issue: a policy change written into the chain as theirs (or
    /// as the system under a person's name), which would need neither a role
    /// nor a signature, is named, and no signoff process records one.
    @Test func aPolicyChangeRecordedAsTheSystemIsNamed() throws {
        let lab = try SignedStore()
        let next = SignedStore.policy(dave: [lab.dave], erin: [lab.erin], extra: "# v2\n")
        try lab.apply(next, by: "erin", at: lab.start.addingTimeInterval(10))
        let applied = Int(try lab.sequence(of: "policy_applied"))
        for (actor, expected) in [("signoff", "policy_applied is recorded for a person or account, and this one names signoff (system)"),
                                  ("erin", "recorded as the system under the name erin: only signoff itself acts as the system")] {
            try forge(lab.directory.file()) { rows in
                rows[applied - 1].actor = actor
                rows[applied - 1].authentication = "system"
                rows[applied - 1].signature = nil
                rows[applied - 1].statement = nil
            }
            let report = try lab.store.verify()
            #expect(!report.isIntact)
            let named = report.projectionMismatches.filter { $0.table == "events" && $0.sequence == Int64(applied) }.map(\.problem)
            #expect(named.contains { $0.contains(expected) }, "\(report.problems)")
        }
        let refused = lab.refusal { tx in
            try tx.append(EventDraft(requestID: nil, actor: .signoff, at: lab.start.addingTimeInterval(20),
                                     body: .settingsChanged(.init(trustAssertedIdentities: false, shareGroup: nil))))
        }
        guard case let .invalidEvent(message)? = refused else { Issue.record("not refused: \(String(describing: refused))"); return }
        #expect(message.contains("settings_changed is recorded for a person or account"), "\(message)")
    }

    @Test func theSignaturesSectionDecidesWhatMustBeSigned() throws {
        // always: even alice, who has no key, cannot submit unsigned.
        let always = try SignedStore(signatures: "signatures: {required: always}\n")
        let submission = try #require(needs(always.refusal { tx in _ = try always.submission()(tx) }).first)
        #expect(submission.requirement.keys.isEmpty)
        #expect(submission.requirement.reason == "the policy requires every submit to be signed")
        // required_for: production decisions need one whoever decides; erin has no key.
        let scoped = try SignedStore(erinHasKey: false,
                                     signatures: "signatures: {required_for: [{environment: production}], actions: [approve, deny]}\n")
        let production = try scoped.submit("production")
        let staging = try scoped.submit("staging")
        let need = try #require(needs(scoped.refusal(scoped.review(production, by: "erin"))).first)
        #expect(need.requirement.reason.contains("signatures.required_for[0]"), "\(need.requirement.reason)")
        try scoped.record(scoped.review(staging, by: "erin"))
        // actions: only approvals and denials; hardware keys only: dave's software key does not count.
        let hardware = try SignedStore(signatures: "signatures: {hardware_keys_only: true, actions: [approve, deny]}\n")
        let id = try hardware.submit(by: "erin")
        let refused = hardware.refusal(hardware.review(id, by: "dave", signedWith: hardware.dave))
        #expect(refused?.description.contains("a software key; the policy accepts only security keys") == true,
                "\(String(describing: refused))")
        #expect(try #require(needs(hardware.refusal(hardware.review(id, by: "dave"))).first).requirement.keys.isEmpty)
    }

    @Test func policyCheckNamesBadKeysWithTheirPositions() throws {
        let source = SignedStore.policy(dave: [], erin: []).replacingOccurrences(
            of: "dave: {}", with: "dave: {keys: [\"ssh-rsa AAAAB3NzaC1yc2E dave\"]}")
        let error = try #require(throws: SourceErrors.self) { try Policy.parse(source: source, file: "policy.yaml") }
        #expect(error.description.contains("policy.yaml:5:19: directory.people.dave.keys[0]: \"ssh-rsa\" is not a key type signoff accepts"),
                "\(error)")
        let key = TestKey("shared")
        let twice = SignedStore.policy(dave: [key], erin: [key])
        let shared = try #require(throws: SourceErrors.self) { try Policy.parse(source: twice, file: "policy.yaml") }
        #expect(shared.description.contains("is already listed for dave"), "\(shared)")
    }

    /// A policy stored before `policy check` refused keys that prove
    /// nothing may still list one. A decision signed with it is refused when
    /// recorded (the signature holds, but anyone could have made it), and
    /// `audit verify` names one a forger put into the chain.
    @Test func aSignatureByAKeyOfSmallOrderIsRefusedAndNamed() throws {
        let lab = try SignedStore()
        let weak = TestKey.ofSmallOrder("dave@weak")
        #expect(weak.publicKey.weakness != nil)
        try lab.apply(SignedStore.policy(dave: [lab.dave, weak], erin: [lab.erin]), by: "erin", at: lab.start.addingTimeInterval(10))
        let id = try lab.submit()
        let before = try lab.eventCount()
        let error = lab.refusal(lab.review(id, by: "dave", signedWith: weak))
        #expect(error?.description.contains("has small order: anyone can make signatures it verifies") == true,
                "\(String(describing: error))")
        #expect(try lab.eventCount() == before)

        try lab.record(lab.review(id, by: "dave"))
        #expect(try lab.store.verify().isIntact)
        let reviewed = Int(try lab.sequence(of: "review_recorded", request: id)) - 1
        try forge(lab.directory.file()) { rows in
            rows[reviewed].signature = weak.sign(try #require(rows[reviewed].statement)).armored
        }
        let problems = try lab.signatureProblems()
        #expect(problems.map(\.finding.code) == ["weak_key"], "\(problems)")
        #expect(problems.first?.description.contains("which the policy in force lists but which has small order") == true,
                "\(problems)")
        // Nor does `audit allowed-signers` vouch for it.
        let signers = AllowedSigners.file([.init(appliedAt: lab.start, policy: lab.policy)])
        #expect(signers.contains(lab.dave.publicKey.openSSHText) && !signers.contains(weak.publicKey.openSSHText), "\(signers)")
        #expect(signers.contains("# left out: dave's key \(weak.publicKey.fingerprint), which has small order"), "\(signers)")
    }

    /// A key that verifies signatures anyone can make (small order: here the
    /// identity, y = 1) or none (y = 2 is no point's) is an error of `policy
    /// check`, which `policy apply` refuses; a key `ssh-keygen` made is not.
    @Test func policyCheckRefusesKeysThatProveNothing() throws {
        func line(_ point: [UInt8]) -> String {
            var writer = SSHWireWriter()
            writer.string("ssh-ed25519")
            writer.string(point)
            return "ssh-ed25519 " + Data(writer.bytes).base64EncodedString() + " weak"
        }
        let zeros = [UInt8](repeating: 0, count: 31)
        for (point, weakness) in [([UInt8(1)] + zeros, "has small order: anyone can make signatures it verifies"),
                                  ([UInt8(2)] + zeros, "is not a point of the curve: no signature verifies with it")] {
            let source = SignedStore.policy(dave: [], erin: [TestKey("erin")]).replacingOccurrences(
                of: "dave: {}", with: "dave: {keys: [\"\(line(point))\"]}")
            let findings = try Policy.parse(source: source, file: "policy.yaml").check().filter { $0.field.hasSuffix(".keys") }
            #expect(findings.count == 1 && findings.first?.severity == .error, "\(findings)")
            #expect(findings.first?.field == "directory.people.dave.keys", "\(findings)")
            #expect(findings.first?.message.contains(weakness) == true, "\(findings)")
        }
    }
}
