import Foundation
import SignoffCore

/// Everything that can happen to the console: input, time, and backend results.
public enum Message: Sendable {
    case key(Key)
    /// A key that arrived together with other input, already waiting when
    /// the key before it was handled (the rest of a paste, keys held back by
    /// a slow link): handled as `.key`, except that it never submits or
    /// confirms a decision, which takes a key pressed on its own.
    case keyWithOthers(Key)
    /// Pasted text (`TerminalEvent.paste`).
    case paste(String)
    case resize(Size)
    /// Time passed; the console polls the store's change token.
    case tick(Date)
    case changeToken(Int64)
    case changeTokenFailed(String)
    case snapshotLoaded(ConsoleSnapshot)
    /// One page of a snapshot; the lists grow as pages arrive.
    case snapshotPageLoaded(ConsoleSnapshotPage)
    case snapshotFailed(String)
    case detailLoaded(ConsoleDetail)
    case detailFailed(id: String, message: String)
    case decisionResult(id: String, verdict: Verdict, outcome: DecisionOutcome)
    case grantActionResult(id: String, action: GrantAction, outcome: DecisionOutcome)
    /// The backend waits for the approver outside the console (a security
    /// key's touch to sign the decision): the status line says so meanwhile.
    case waiting(String)
}

/// Work for the loop to do with the backend, as data, so `update` stays pure and
/// tests can see exactly what would have been done.
public enum Effect: Sendable, Hashable {
    /// Reads the snapshot from the start (the loop reads it page by page).
    case loadSnapshot
    /// Reads the next page of the snapshot being loaded.
    case loadSnapshotPage(after: Int64)
    case loadDetail(id: String)
    /// Records a review; `shownVersion` is the version the approver was shown.
    case decide(id: String, verdict: Verdict, rationale: String, shownVersion: Int)
    /// Revokes a grant or completes its post-incident review.
    case grantAction(id: String, action: GrantAction, rationale: String)
    case pollChanges
    case quit
}
