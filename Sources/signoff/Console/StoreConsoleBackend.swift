import Foundation
import SignoffCore
import SignoffStore
import SignoffTUI

/// The console's view of the real store. Every decision goes through the same
/// lifecycle code and the same single write transaction as `signoff approve`.
final class StoreConsoleBackend: ConsoleBackend {
    let store: Store
    let identity: Principal
    private var policy: Policy?
    private var policyVersion: String?

    init(store: Store, identity: Principal) {
        self.store = store
        self.identity = identity
    }

    /// The policy in force, parsed once per version.
    private func currentPolicy() throws -> Policy? {
        guard let stored = try store.currentPolicy() else {
            policy = nil
            policyVersion = nil
            return nil
        }
        if stored.version != policyVersion {
            policy = try Policy.parse(source: stored.source, file: stored.file)
            policyVersion = stored.version
        }
        return policy
    }

    func snapshot() throws -> ConsoleSnapshot {
        let token = try store.changeToken()
        let policy = try currentPolicy()
        let records = try store.records(.all)
        let now = Date()
        let rows = records.map { row(for: $0, policy: policy, now: now) }
        return ConsoleSnapshot(identity: identity, storePath: store.path, policyVersion: policy?.version,
                               minimumRationale: policy?.minimumRationale ?? 20, changeToken: token, rows: rows)
    }

    func row(for record: RequestRecord, policy: Policy?, now: Date) -> ConsoleRow {
        let request = record.request
        var routedTo = record.route?.summary ?? "not routed"
        var approvals = 0
        var needed = 0
        var mine = false
        if case let .steps(_, steps)? = record.route {
            routedTo = steps.map(\.name).joined(separator: ", then ")
            needed = steps.reduce(0) { $0 + $1.required }
            if let policy {
                approvals = Lifecycle.progress(record, policy: policy).reduce(0) { $0 + $1.approvedBy.count }
                mine = record.state == .pending && Lifecycle.canDecide(record, person: identity.name, policy: policy, at: now).0
            }
        }
        let expires = record.state == .approved ? record.decision.map { $0.at.addingTimeInterval(TimeInterval(request.duration.seconds)) } : nil
        var extra = request.labels.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        extra += request.revocationTriggers.map { " \($0.name) \($0.ref)" }.joined()
        if let notes = request.notes { extra += " " + notes }
        return ConsoleRow(
            id: record.id, state: record.state, version: record.version, subjectKind: request.subject.kind,
            subjectName: request.subject.name, owner: request.subject.owner, system: request.system,
            environment: request.environment, entitlement: request.entitlement, scope: request.scope,
            access: request.access, duration: request.duration, purpose: request.purpose, ticket: request.ticket,
            requester: record.requester, submittedAt: record.submittedAt, breakGlass: request.breakGlass,
            incident: request.incident, mineNow: mine, routedTo: routedTo, approvals: approvals,
            approvalsNeeded: needed, decidedAt: record.decision?.at, decidedBy: record.decision?.by ?? [],
            expiresAt: expires, extraSearchText: extra)
    }

    func detail(id: String) throws -> ConsoleDetail {
        guard let record = try store.record(id) else { throw ConsoleError("there is no request \(id)") }
        let events = try store.events(requestID: id)
        let policy = try currentPolicy()
        let now = Date()
        let explanation = policy?.explain(record.request, submittedBy: record.submittedBy.name, at: now)
        let progress = policy.map { Lifecycle.progress(record, policy: $0) } ?? []
        let decide = policy.map { Lifecycle.canDecide(record, person: identity.name, policy: $0, at: now) } ?? (false, "no policy is in force")
        return ConsoleDetail(record: record, explanation: explanation, progress: progress, mayDecide: decide.0,
                             whyNot: decide.0 ? nil : decide.1, maximumDuration: nil,
                             timeline: events.map(TimelineEntry.init(event:)))
    }

    func decide(id: String, verdict: Verdict, rationale: String, shownVersion: Int) -> DecisionOutcome {
        do {
            let result: Result<ReviewResult, CommandFailure> = try store.write { tx in
                guard let stored = try tx.currentPolicy() else {
                    return .failure(CommandFailure(.refused, "no policy is in force; nothing can be decided"))
                }
                let policy = try Policy.parse(source: stored.source, file: stored.file)
                guard let record = try tx.record(id) else {
                    return .failure(CommandFailure(.badInput, "there is no request \(id)"))
                }
                if record.state.isOpen, let problem = Lifecycle.checkRationale(rationale, policy: policy) {
                    return .failure(CommandFailure(.badInput, problem))
                }
                let result = Lifecycle.review(record, verdict: verdict, rationale: rationale, shownVersion: shownVersion,
                                              by: identity, policy: policy, at: Date())
                for event in result.events { try tx.append(event) }
                return .success(result)
            }
            switch result {
            case let .success(review):
                switch review.outcome {
                case let .recorded(state): return .recorded(state: state)
                case let .refused(refusal): return .refused(reason: refusal.reason, message: refusal.message)
                }
            case let .failure(failure):
                return .failed(message: failure.message)
            }
        } catch {
            return .failed(message: "nothing was recorded: \(error)")
        }
    }

    func changeToken() throws -> Int64 { try store.changeToken() }
}
