import Foundation

extension Date {
    /// Milliseconds since 1970, rounded: the unit every time is stored,
    /// chained and printed in. A date made from any stored integer (or added
    /// to from any stored duration) converts without trapping: one beyond
    /// Int64's range saturates at its end (a stored Int64.max reads back as
    /// a date that rounds to 2^63, and converts back to Int64.max), where
    /// `Int64(_:)` would stop every command that reads it.
    public var epochMilliseconds: Int64 { epochMilliseconds(.toNearestOrAwayFromZero) }

    /// The same, rounded by `rule`.
    public func epochMilliseconds(_ rule: FloatingPointRoundingRule) -> Int64 {
        let milliseconds = (timeIntervalSince1970 * 1000).rounded(rule)
        // 2^63 is the first Double beyond Int64 (Int64.max rounds up to it).
        if milliseconds.isNaN { return 0 }
        guard milliseconds < 0x1p63 else { return .max }
        guard milliseconds >= -0x1p63 else { return .min }
        return Int64(milliseconds)
    }
}
