import SignoffCore

/// Everything the console needs from the store, and nothing more. The app
/// implements it over the real store; tests use an in-memory fake. Calls are
/// synchronous and made from the console loop between frames.
public protocol ConsoleBackend: AnyObject {
    /// Every request as a lightweight row, with who I am and the policy in force.
    /// Called at start and whenever `changeToken()` moves.
    func snapshot() throws -> ConsoleSnapshot
    /// The full record of one request, loaded lazily for the selected row.
    func detail(id: String) throws -> ConsoleDetail
    /// Records my review against the version I was shown. Never throws: every
    /// failure is an outcome the approver must see.
    func decide(id: String, verdict: Verdict, rationale: String, shownVersion: Int) -> DecisionOutcome
    /// A number that changes whenever anything in the store changes (another
    /// approver's decision, a new submission). Polled about every 250 ms.
    func changeToken() throws -> Int64
}

/// What happened to a submitted decision.
public enum DecisionOutcome: Sendable, Hashable {
    /// The review is stored; `state` is the request's state afterwards (still
    /// pending when more approvals are needed).
    case recorded(state: RequestState)
    /// The store refused the review. Conflicts (`reason.isConflict`: decided by
    /// someone else meanwhile, or the request changed since it was shown) make
    /// the console reload; other reasons are rules the approver must read.
    case refused(reason: RefusalReason, message: String)
    /// The store could not be written; nothing was recorded.
    case failed(message: String)
}

/// A backend call that failed, in words for the status line.
public struct ConsoleError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
