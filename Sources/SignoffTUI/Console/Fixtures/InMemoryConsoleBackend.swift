import Foundation
import SignoffCore

/// A backend over fixture rows, for demos and benchmarks: decisions are applied
/// in memory with the same conflict rules as the store (stale version, already decided).
public final class InMemoryConsoleBackend: ConsoleBackend {
    public var current: ConsoleSnapshot
    public var token: Int64
    public private(set) var decisions: [(id: String, verdict: Verdict, rationale: String, shownVersion: Int)] = []

    public init(snapshot: ConsoleSnapshot) {
        self.current = snapshot
        self.token = snapshot.changeToken
    }

    public func snapshot() throws -> ConsoleSnapshot {
        var copy = current
        copy.changeToken = token
        return copy
    }

    public func detail(id: String) throws -> ConsoleDetail {
        guard let row = current.rows.first(where: { $0.id == id }) else { throw ConsoleError("no request \(id)") }
        return ConsoleFixtures.detail(for: row, identity: current.identity)
    }

    public func decide(id: String, verdict: Verdict, rationale: String, shownVersion: Int) -> DecisionOutcome {
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
