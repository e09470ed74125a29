import Foundation
import SignoffCore

/// A backend over fixture rows, for demos and benchmarks: decisions are applied
/// in memory with the same conflict rules as the store (stale version, already decided).
public final class InMemoryConsoleBackend: ConsoleBackend {
    public var current: ConsoleSnapshot
    public var token: Int64
    public private(set) var decisions: [(id: String, verdict: Verdict, rationale: String, shownVersion: Int)] = []
    /// Runs at the start of each decision, as signing does while it waits for a security key's touch.
    public var whileDeciding: (() -> Void)?

    public init(snapshot: ConsoleSnapshot) {
        self.current = snapshot
        self.token = snapshot.changeToken
    }

    public func snapshot() throws -> ConsoleSnapshot {
        var copy = current
        copy.changeToken = token
        return copy
    }

    public private(set) var grantActions: [(id: String, action: GrantAction, rationale: String)] = []

    public func detail(id: String) throws -> ConsoleDetail {
        let grant = current.grants.first { $0.id == id }?.grant
        guard let row = current.rows.first(where: { $0.id == id }) ?? grant.map(ConsoleFixtures.row(for:)) else {
            throw ConsoleError("no request \(id)")
        }
        return ConsoleFixtures.detail(for: row, identity: current.identity, selfActivated: grant?.selfActivated == true)
    }

    /// Revokes in memory with the store's rules in brief: only a live grant,
    /// only its requester, approvers, the subject's owner or someone who
    /// answers for it, and only with the policy's minimum rationale.
    public func revoke(id: String, rationale: String) -> DecisionOutcome {
        perform(id: id, action: .revoke, rationale: rationale) { row in
            guard row.grant.state.mayHoldAccess else {
                return (.notActive, "the grant of \(id) is already \(row.grant.state.rawValue); nothing to revoke")
            }
            let me = current.identity.name
            guard row.responsible || me == row.terms.requester || row.grant.approvers.contains(me)
                    || me == row.terms.subject.owner else {
                return (.notEligible, "\(me) may not revoke \(id): only its requester (\(row.terms.requester)), its approvers, the subject's owner (\(row.terms.subject.owner)) and the owners of \(row.terms.system) may")
            }
            return nil
        } apply: { [me = current.identity.name] row in
            row.grant.state = .revoked
            row.grant.endedAt = ConsoleFixtures.epoch
            row.grant.endedBy = me
            row.grant.endReason = rationale
            row.grant.provisioningAction = .revoke
            row.grant.provisioning = .pending
        }
    }

    public func completeIncidentReview(id: String, rationale: String) -> DecisionOutcome {
        perform(id: id, action: .completeIncidentReview, rationale: rationale) { row in
            guard let review = row.grant.incidentReview else { return (.notEligible, "\(id) has no post-incident review") }
            if review.isCompleted { return (.alreadyDecided, "the post-incident review of \(id) was completed by \(review.completedBy ?? "someone")") }
            if row.terms.requester == current.identity.name { return (.notEligible, "the requester may not review their own emergency access") }
            return nil
        } apply: { [me = current.identity.name] row in
            row.grant.incidentReview?.completedAt = ConsoleFixtures.epoch
            row.grant.incidentReview?.completedBy = me
            row.grant.incidentReview?.rationale = rationale
        }
    }

    private func perform(id: String, action: GrantAction, rationale: String,
                         check: (ConsoleGrantRow) -> (RefusalReason, String)?,
                         apply: (inout ConsoleGrantRow) -> Void) -> DecisionOutcome {
        guard let index = current.grants.firstIndex(where: { $0.id == id }) else { return .failed(message: "\(id) has no grant") }
        if let (reason, message) = check(current.grants[index]) { return .refused(reason: reason, message: message) }
        let length = rationale.trimmingCharacters(in: .whitespacesAndNewlines).count
        guard length >= current.minimumRationale else {
            return .refused(reason: .rationaleTooShort,
                            message: "the rationale has \(length) characters; the policy asks for at least \(current.minimumRationale)")
        }
        var row = current.grants[index]
        apply(&row)
        current.grants[index] = row
        grantActions.append((id, action, rationale))
        token += 1
        return .recorded(state: .approved)
    }

    public func decide(id: String, verdict: Verdict, rationale: String, shownVersion: Int) -> DecisionOutcome {
        whileDeciding?()
        guard let index = current.rows.firstIndex(where: { $0.id == id }) else {
            return .failed(message: "no request \(id)")
        }
        var row = current.rows[index]
        guard row.state.isOpen else {
            return .refused(reason: .alreadyDecided, message: "\(id) is already \(row.state.rawValue)")
        }
        guard row.version == shownVersion else {
            return .refused(reason: .staleVersion, message: "\(id) changed (version \(row.version), you saw \(shownVersion))")
        }
        decisions.append((id, verdict, rationale, shownVersion))
        if verdict == .deny {
            row.state = .denied
        } else {
            row.approvals += 1
            if row.approvals >= row.approvalsNeeded { row.state = .approved }
        }
        row.mineNow = false
        if !row.state.isOpen {
            row.decidedAt = ConsoleFixtures.epoch
            row.decidedBy = [current.identity.name]
        }
        current.rows[index] = row
        token += 1
        return .recorded(state: row.state)
    }

    public func changeToken() throws -> Int64 { token }
}
