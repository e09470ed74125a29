import Foundation

/// The values the lists sort by, pulled out of the rows once at load into flat
/// arrays, so sorting 100,000 rows compares numbers instead of copying rows.
/// Ties break by position in the snapshot, which the backend gives in ID order.
struct SortKeys: Sendable {
    var breakGlass: [Bool] = []
    var submitted: [Double] = []
    /// Decision time; -infinity when undecided, so undecided rows sort last in history.
    var decided: [Double] = []

    init() {}

    init(rows: [ConsoleRow]) {
        append(rows)
    }

    /// Room for `count` rows in all.
    mutating func reserve(_ count: Int) {
        breakGlass.reserveCapacity(count)
        submitted.reserveCapacity(count)
        decided.reserveCapacity(count)
    }

    /// The keys of further rows, after those already taken.
    mutating func append(_ rows: [ConsoleRow]) {
        if submitted.capacity < submitted.count + rows.count { reserve(submitted.count + rows.count) }
        for row in rows {
            breakGlass.append(row.breakGlass)
            submitted.append(row.submittedAt.timeIntervalSinceReferenceDate)
            decided.append(row.decidedAt?.timeIntervalSinceReferenceDate ?? -.infinity)
        }
    }
}
