import SignoffCore

/// Everything the console needs from the store, and nothing more. The app
/// implements it over the real store; tests use an in-memory fake. Calls are
/// synchronous and made from the console loop between frames.
public protocol ConsoleBackend: AnyObject {
    /// Every request as a lightweight row, with who I am and the policy in force.
    /// Called at start and whenever `changeToken()` moves.
    func snapshot() throws -> ConsoleSnapshot
    /// The same rows in pages, so the first frame need not wait for all of
    /// them: up to `limit` rows after the position `after` (from the start when
    /// nil). The first page's header (identity, policy, change token) holds for
    /// the pages that follow it.
    func snapshotPage(after: Int64?, limit: Int) throws -> ConsoleSnapshotPage
    /// The full record of one request, loaded lazily for the selected row.
    func detail(id: String) throws -> ConsoleDetail
    /// Records my review against the version I was shown. Never throws: every
    /// failure is an outcome the approver must see.
    func decide(id: String, verdict: Verdict, rationale: String, shownVersion: Int) -> DecisionOutcome
    /// Ends the grant of request `id` early (`Lifecycle.revoke`), then hands it
    /// to provisioning for removal. Never throws, like `decide`.
    func revoke(id: String, rationale: String) -> DecisionOutcome
    /// Completes the post-incident review of the grant of `id` (`Lifecycle.reviewIncident`).
    func completeIncidentReview(id: String, rationale: String) -> DecisionOutcome
    /// A number that changes whenever anything in the store changes (another
    /// approver's decision, a new submission). Polled about every 250 ms.
    func changeToken() throws -> Int64
}

/// What happened to a submitted decision.
public enum DecisionOutcome: Sendable, Hashable {
    /// The review is stored; `state` is the request's state afterwards (still
    /// pending when more approvals are needed; unchanged by grant actions).
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

/// One page of a snapshot as the backend delivers it.
public struct ConsoleSnapshotPage: Sendable {
    /// The page's rows, with the header of the snapshot they belong to.
    public var snapshot: ConsoleSnapshot
    /// The position this page was asked for; nil for the first page.
    public var after: Int64?
    /// Where the next page starts; nil when this is the last page.
    public var next: Int64?
    /// How many rows the whole snapshot holds, as far as the backend knew at
    /// the first page; for "loading 40,000 of 100,000".
    public var total: Int
    /// Something the snapshot needs is still being read in the background, so
    /// the next page (usually empty) may not have it yet: the loop waits a
    /// little for a key before asking, rather than asking again at once, and a
    /// key typed meanwhile is answered at once.
    public var waiting: Bool

    public init(snapshot: ConsoleSnapshot, after: Int64?, next: Int64?, total: Int, waiting: Bool = false) {
        self.snapshot = snapshot
        self.after = after
        self.next = next
        self.total = total
        self.waiting = waiting
    }
}

extension ConsoleBackend {
    /// Pages cut from one whole snapshot, for backends that hold every row
    /// anyway; positions are row offsets.
    public func snapshotPage(after: Int64?, limit: Int) throws -> ConsoleSnapshotPage {
        var whole = try snapshot()
        let rows = whole.rows
        let start = Int(min(max(after ?? 0, 0), Int64(rows.count)))
        let end = min(rows.count, start + max(1, limit))
        whole.rows = Array(rows[start..<end])
        return ConsoleSnapshotPage(snapshot: whole, after: after, next: end < rows.count ? Int64(end) : nil,
                                   total: rows.count)
    }
}
