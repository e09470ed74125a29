/// The numbers a stored event or record may hold that signoff counts with.
/// Whoever can write the store can write any integer; one that signoff later
/// adds to (a request version, re-routed) or sums (the approvals a route asks
/// for) is bounded when it is read, by either reader, so that it is refused
/// as unreadable with a clear message rather than trapping in every command
/// that folds it. (Lengths of time are bounded by `TimeSpan` itself; times
/// convert without trapping through `Date.epochMilliseconds`.)
public enum StoredBounds {
    /// A request's version: 0 before its first routing, one more each time
    /// its route changes. PostgreSQL stores it as an `integer`.
    public static let versions = 0...Int(Int32.max)
    /// The approvals one step of a route may ask for.
    public static let approvals = 0...Int(Int32.max)

    public struct OutOfBounds: Error, CustomStringConvertible {
        public var field: String
        public var value: Int
        public var description: String { "its \(field) is \(value), outside what signoff stores" }
    }

    /// Throws `OutOfBounds` for a routing whose version or steps are out of bounds.
    public static func check(_ body: EventBody) throws {
        guard case let .requestRouted(routed) = body else { return }
        try check(routed.version, versions, "version")
        try check(routed.outcome)
    }

    public static func check(_ record: RequestRecord) throws {
        try check(record.version, versions, "version")
        try check(record.route)
    }

    private static func check(_ route: RouteOutcome?) throws {
        guard case let .steps(_, steps)? = route else { return }
        for step in steps { try check(step.required, approvals, "step \"\(step.name)\"'s count of approvals") }
    }

    private static func check(_ value: Int, _ range: ClosedRange<Int>, _ field: String) throws {
        guard range.contains(value) else { throw OutOfBounds(field: field, value: value) }
    }
}
