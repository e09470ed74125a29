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
/// signatures' mathematics is batched and spread over every core.
struct SignatureAudit {
    private(set) var problems: [SignatureProblem] = []
    private(set) var signedCount = 0
    private var policy: Policy?
    /// Each signed statement's digest and the event that first carried it.
    private var statements: [SHA256Digest: Int64] = [:]
    private var pending: [Job] = []
    private static let batch = 4096

    private struct Job {
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
            if pending.count >= Self.batch { verifyPending() }
        }
    }

    /// Verifies what is still pending; call once the fold is done.
    mutating func finish() {
        verifyPending()
        problems.sort { $0.sequence < $1.sequence }
    }

    /// The batch's signatures, verified on every core at once.
    private mutating func verifyPending() {
        guard !pending.isEmpty else { return }
        let jobs = pending
        pending.removeAll(keepingCapacity: true)
        // Each worker writes only its own slots.
        nonisolated(unsafe) let results = UnsafeMutableBufferPointer<SignatureFinding?>.allocate(capacity: jobs.count)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let chunk = (jobs.count + workers - 1) / workers
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let start = worker * chunk
            let end = min(jobs.count, start + chunk)
            guard start < end else { return }
            for index in start..<end {
                results[index] = SignatureInspection.verify(jobs[index].signature, statement: jobs[index].statement)
            }
        }
        for index in jobs.indices {
            guard let finding = results[index] else { continue }
            var problem = jobs[index].problem
            problem.finding = finding
            problems.append(problem)
        }
    }

    private func problem(_ draft: EventDraft, _ sequence: Int64, _ finding: SignatureFinding) -> SignatureProblem {
        SignatureProblem(sequence: sequence, requestID: draft.requestID, actor: draft.actor.name,
                         kind: draft.body.kind, finding: finding)
    }

    private mutating func report(_ draft: EventDraft, _ sequence: Int64, _ finding: SignatureFinding) {
        problems.append(problem(draft, sequence, finding))
    }
}
