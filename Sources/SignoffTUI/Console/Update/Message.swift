import Foundation
import SignoffCore

/// Everything that can happen to the console: input, time, and backend results.
public enum Message: Sendable {
    case key(Key)
    case resize(Size)
    /// Time passed; the console polls the store's change token.
    case tick(Date)
    case changeToken(Int64)
    case changeTokenFailed(String)
    case snapshotLoaded(ConsoleSnapshot)
    case snapshotFailed(String)
    case detailLoaded(ConsoleDetail)
    case detailFailed(id: String, message: String)
    case decisionResult(id: String, verdict: Verdict, outcome: DecisionOutcome)
}

/// Work for the loop to do with the backend, as data, so `update` stays pure and
/// tests can see exactly what would have been done.
public enum Effect: Sendable, Hashable {
    case loadSnapshot
    case loadDetail(id: String)
    /// Records a review; `shownVersion` is the version the approver was shown.
    case decide(id: String, verdict: Verdict, rationale: String, shownVersion: Int)
    case pollChanges
    case quit
}
