import Crypto
import Foundation
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
struct SignatureAudit {
    private(set) var problems: [SignatureProblem] = []
    private(set) var signedCount = 0
    private var policy: Policy?
    /// Each signed statement's digest and the event that first carried it.
    private var statements: [SHA256Digest: Int64] = [:]
    private var pending: [Job] = []
    /// Small enough that the last batch finishes soon after the fold does.
    private static let batch = 256
    private let verifier = ParallelVerifier()

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
        return policy?.mayRequireSignatures == true && SignedAction.of(draft.body) != nil
    }

    /// Checks `draft` (the stored `event`), with `record` the request before it.
    mutating func fold(_ draft: EventDraft, event: EventColumns, record: RequestRecord?) {
        defer {
            if case let .policyApplied(applied) = draft.body {
                let next = ParsedPolicies.shared.policy(version: applied.version, source: applied.source, file: applied.file)
                if next == nil, policy?.mayRequireSignatures == true {
                    report(draft, event.sequence, .unverifiable("the policy it applies does not parse, so nothing under it can be checked against its keys and rules"))
                }
                policy = next
            }
        }
        guard draft.signature != nil || policy?.mayRequireSignatures == true else { return }
        let payload = Array(event.payload)
        var request: AccessRequest?, submittedBy: String?
        var state: DecisionStatement.Context.RequestState?
        if case let .requestSubmitted(submitted) = draft.body {
            request = submitted.request
            submittedBy = draft.actor.name
        } else if let record {
            request = record.request
            submittedBy = record.submittedBy.name
            state = .init(record)
        }
        let context = DecisionStatement.Context(policyVersion: policy?.version, request: state)
        switch SignatureInspection.inspect(draft, payload: payload, context: context, policy: policy, request: request,
                                           submittedBy: submittedBy) {
        case .unsigned:
            return
        case let .finding(finding):
            if draft.signature != nil { signedCount += 1 }
            report(draft, event.sequence, finding)
        case let .verify(signature, statement):
            signedCount += 1
            let digest = SHA256.hash(data: statement)
            if let first = statements[digest] {
                report(draft, event.sequence, .reused(fromSequence: first))
                return
            }
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
    mutating func finish() {
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

    private mutating func report(_ draft: EventDraft, _ sequence: Int64, _ finding: SignatureFinding) {
        problems.append(problem(draft, sequence, finding))
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
            for job in jobs {
                if let finding = SignatureInspection.verify(job.signature, statement: job.statement) {
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
