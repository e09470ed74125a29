import Crypto
import Foundation
import GRDB
import SignoffCore

/// A signature problem `audit verify` found on one event.
public struct SignatureProblem: Sendable, Hashable, CustomStringConvertible {
    public var sequence: Int64
    public var requestID: String?
    public var actor: String
    public var kind: String
    public var finding: SignatureFinding

    public var description: String {
        "event \(sequence) (\(kind)" + (requestID.map { " of \($0)" } ?? "") + " by \(actor)): \(finding)"
    }
}

/// `audit verify`'s check of every signature, and of every decision that
/// needed one, against the policy versions in the chain: the policy in force
/// just before each event (its keys, its rules) and the request as it stood.
///
/// The statement, key and rule checks run in the fold, in order; the
/// signatures' mathematics (independent of each other once those are known)
/// runs on every core meanwhile, in batches handed over as they fill, so the
/// fold never waits for them. The problems come out sorted by event, in the
/// order a one-core pass would find them, whatever the cores' timing.
///
/// A class: the pass asks it about every event (`concerns`), and a struct
/// held by the pass would be copied, with everything it holds, for each.
final class SignatureAudit {
    private(set) var problems: [SignatureProblem] = []
    private(set) var signedCount = 0
    /// Signed events whose signature holds over a `signoff.statement/1`
    /// statement, made before the chain adopted /2.
    private(set) var schema1Count = 0
    /// Signed events whose signature holds over a `signoff.statement/2`
    /// statement, made before the chain adopted /3.
    private(set) var schema2Count = 0
    /// Which older statements still count: each until the chain records
    /// the migration that adopted the schema after it, or carries a
    /// signature over that schema, whichever comes first. After that a
    /// statement of it is a downgrade.
    private var older = DecisionStatement.OlderStatements.accepted
    /// What the chain's /3 statements name it by: its first event's
    /// chained hash, learnt when that event is folded (`Store.identity`).
    var store = ""
    /// What `required_for` can judge of each finding, as opened.
    private var findings: [String: FindingFacts] = [:]
    private var inForce: Policy? {
        didSet { mayRequireSignatures = inForce?.mayRequireSignatures == true }
    }
    /// Whether the policy in force may require a signature of any decision.
    private var mayRequireSignatures = false
    /// Each signed statement's digest and the event that first carried it.
    private var statements: [SHA256Digest: Int64] = [:]
    private var pending: [Job] = []
    /// Small enough that the last batch finishes soon after the fold does.
    private static let batch = 256
    private let verifier = ParallelVerifier()

    /// About how many signed events there may be (a hint): room for their
    /// statements is made once the chain shows it is signed throughout.
    private let expected: Int

    init(expected: Int = 0) {
        self.expected = min(max(expected, 0), 1 << 20)
    }

    struct Job: Sendable {
        var problem: SignatureProblem
        var signature: SSHSignature
        var statement: [UInt8]
    }

    /// Whether `fold` has anything to do with `draft`: a signed event, a
    /// decision the policy in force may require a signature for, or a policy
    /// (whose keys and rules the events after it are checked against).
    func concerns(_ draft: EventDraft) -> Bool {
        if draft.signature != nil { return true }
        if case .policyApplied = draft.body { return true }
        // Where the chain adopted a statement schema.
        if case .storeCreated = draft.body { return true }
        if case .schemaMigrated = draft.body { return true }
        // Where a finding is, for the rules that may cover its exception.
        if case .findingOpened = draft.body { return true }
        return mayRequireSignatures && SignedAction.of(draft.body) != nil
    }

    /// Checks `draft` (the stored `event`), with `record` the request before it.
    func fold(_ draft: EventDraft, event: EventColumns, record: RequestRecord?) {
        defer {
            if case let .policyApplied(applied) = draft.body {
                let next = ParsedPolicies.shared.policy(version: applied.version, source: applied.source, file: applied.file)
                if next == nil, mayRequireSignatures {
                    report(draft, event.sequence, .unverifiable("the policy it applies does not parse, so nothing under it can be checked against its keys and rules"))
                }
                inForce = next
            }
        }
        older.adopt(recordedIn: draft.body, sequence: event.sequence)
        var findingFacts: FindingFacts?
        if case let .findingOpened(opened) = draft.body {
            findings[opened.findingID] = FindingFacts(opened)
            if draft.signature == nil { return }
        }
        if case let .findingExcepted(excepted) = draft.body { findingFacts = findings[excepted.findingID] }
        if case let .findingRemovalRequested(requested) = draft.body { findingFacts = FindingFacts(requested.terms) }
        guard draft.signature != nil || mayRequireSignatures else { return }
        let payload = Array(event.payload)
        let facts = SignatureInspection.RequestFacts(draft, record: record)
        let context = DecisionStatement.Context(policyVersion: inForce?.version, request: facts.state, store: store,
                                                older: older)
        switch SignatureInspection.inspect(draft, payload: payload, context: context, policy: inForce, request: facts.request,
                                           submittedBy: facts.submittedBy, finding: findingFacts) {
        case .unsigned:
            return
        case let .finding(finding):
            if draft.signature != nil { signedCount += 1 }
            report(draft, event.sequence, finding)
        case let .verify(signature, statement, schema):
            signedCount += 1
            switch schema {
            case .v1: schema1Count += 1
            case .v2: schema2Count += 1
            case .v3: break
            }
            older.adopt(signedOver: schema, sequence: event.sequence)
            let digest = SHA256.hash(data: statement)
            if let first = statements[digest] {
                report(draft, event.sequence, .reused(fromSequence: first))
                return
            }
            if statements.count == 1024, expected > statements.count { statements.reserveCapacity(expected) }
            statements[digest] = event.sequence
            pending.append(Job(problem: problem(draft, event.sequence, .invalid(.invalid)), signature: signature,
                               statement: statement))
            if pending.count >= Self.batch {
                verifier.submit(pending)
                pending.removeAll(keepingCapacity: true)
            }
        }
    }

    /// Waits for every signature's mathematics; call once the fold is done.
    func finish() {
        verifier.submit(pending)
        pending.removeAll()
        problems += verifier.wait()
        // Stable: one event's problems stay in the order they were found.
        problems = problems.enumerated().sorted { a, b in
            a.element.sequence != b.element.sequence ? a.element.sequence < b.element.sequence : a.offset < b.offset
        }.map(\.element)
    }

    private func problem(_ draft: EventDraft, _ sequence: Int64, _ finding: SignatureFinding) -> SignatureProblem {
        SignatureProblem(sequence: sequence, requestID: draft.requestID, actor: draft.actor.name,
                         kind: draft.body.kind, finding: finding)
    }

    private func report(_ draft: EventDraft, _ sequence: Int64, _ finding: SignatureFinding) {
        problems.append(problem(draft, sequence, finding))
    }
}

/// Where a chain adopted each statement schema after /1, read from its
/// events: where the store was created with or migrated to a marker
/// migration, and the first event signed over each newer schema. A PostgreSQL
/// store's fold and a grant's hand-off follow `audit verify` with it
/// (`SignatureAudit`, which learns the same places as it folds).
struct StatementAdoptions {
    private var places: [(sequence: Int64, adopt: (inout DecisionStatement.OlderStatements) -> Void)] = []

    init(_ db: Database) throws {
        let markers = try Row.fetchAll(db, sql: """
            SELECT sequence, kind, payload FROM events WHERE kind IN ('store_created', 'schema_migrated') ORDER BY sequence
            """)
        for row in markers {
            let sequence: Int64 = try row.checked(0, "events.sequence")
            let kind: String = try row.checked(1, "events.kind")
            let payload: String = try row.checked(2, "events.payload")
            guard let body = try? EventBody.read(kind: kind, payload: Data(payload.utf8)) else { continue }
            places.append((sequence, { $0.adopt(recordedIn: body, sequence: sequence) }))
        }
        for schema in DecisionStatement.Schema.allCases where schema != .v1 {
            let field = #"%"schema":"\#(schema.rawValue)"%"#
            if let sequence = try Int64.fetchOne(db, sql: "SELECT min(sequence) FROM events WHERE statement LIKE ?", arguments: [field]) {
                places.append((sequence, { $0.adopt(signedOver: schema, sequence: sequence) }))
            }
        }
        // In the chain's order: the first place found is the one named.
        places.sort { $0.sequence < $1.sequence }
    }

    /// Which older statements the chain still accepts on event `sequence`:
    /// what the events before it adopted.
    func before(_ sequence: Int64) -> DecisionStatement.OlderStatements {
        var older = DecisionStatement.OlderStatements.accepted
        for place in places where place.sequence < sequence { place.adopt(&older) }
        return older
    }

    /// Which older statements the chain accepts after its last event.
    var atHead: DecisionStatement.OlderStatements { before(.max) }
}

extension DecisionStatement.OlderStatements {
    /// What event `sequence` of a chain, `body`, adopts: the statement
    /// schemas whose marker migration (`Schema.statementMarkers`) a store
    /// was created with or migrated to. The first reason found is the one
    /// named. `audit verify` and a PostgreSQL store's fold follow the chain
    /// with it alike.
    mutating func adopt(recordedIn body: EventBody, sequence: Int64) {
        var recorded: [String] = []
        var since: (String) -> String = { _ in "" }
        if case let .storeCreated(created) = body {
            recorded = created.migrations
            since = { "its creation (event \(sequence), with migration \($0))" }
        }
        if case let .schemaMigrated(migrated) = body {
            recorded = migrated.migrations
            since = { "event \(sequence) (schema_migrated: \($0))" }
        }
        for marker in Schema.statementMarkers where recorded.contains(marker.migration) {
            adopt(marker.schema, since: since(marker.migration))
        }
    }

    /// What a signature over `schema` on event `sequence` adopts: that
    /// schema, from there on.
    mutating func adopt(signedOver schema: DecisionStatement.Schema, sequence: Int64) {
        switch schema {
        case .v1: return
        case .v2, .v3: adopt(schema, since: "event \(sequence), the first signed over \(schema.rawValue)")
        }
    }
}

/// Verifies batches of signatures on every core while the caller goes on
/// folding the chain. At most a few batches per core are in flight, so
/// memory stays bounded however long the chain; a batch's problems are kept
/// by its number, so `wait` returns them in the order they were submitted.
final class ParallelVerifier: @unchecked Sendable {
    private let queue = DispatchQueue(label: "signoff verify", attributes: .concurrent)
    private let group = DispatchGroup()
    private let slots: DispatchSemaphore
    private let lock = NSLock()
    private var found: [Int: [SignatureProblem]] = [:]
    private var submitted = 0

    init(workers: Int = ProcessInfo.processInfo.activeProcessorCount) {
        slots = DispatchSemaphore(value: max(1, workers) * 2)
    }

    func submit(_ jobs: [SignatureAudit.Job]) {
        guard !jobs.isEmpty else { return }
        let number = submitted
        submitted += 1
        slots.wait()
        queue.async(group: group) { [self] in
            var problems: [SignatureProblem] = []
            let findings = SignatureInspection.verify(jobs.map { ($0.signature, $0.statement) })
            for (job, finding) in zip(jobs, findings) {
                if let finding {
                    var problem = job.problem
                    problem.finding = finding
                    problems.append(problem)
                }
            }
            lock.withLock { if !problems.isEmpty { found[number] = problems } }
            slots.signal()
        }
    }

    /// Every problem found, in the order of the batches.
    func wait() -> [SignatureProblem] {
        group.wait()
        return lock.withLock { found.sorted { $0.key < $1.key }.flatMap(\.value) }
    }
}
