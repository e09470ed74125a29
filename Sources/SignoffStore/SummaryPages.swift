import Foundation
import GRDB

/// One page of summaries in submission order, and where the next page starts.
public struct SummaryPage: Sendable {
    public var summaries: [RequestSummary]
    /// Pass to `summaryPage(after:limit:)` for the next page; nil once the last
    /// page has been read.
    public var next: Int64?
}

extension Store {
    /// Up to `limit` summaries submitted after the position `after` (from the
    /// start when nil), in submission order. Pages continue by submission
    /// position, not by offset, so requests submitted between two pages are
    /// neither skipped nor read twice. Reads the covering index alone.
    public func summaryPage(after: Int64?, limit: Int) throws -> SummaryPage {
        let limit = max(1, limit)
        return try read { db in
            var summaries: [RequestSummary] = []
            let last = try Self.readSummaries(
                db, sql: Self.summarySelect + " WHERE submitted_sequence > ? ORDER BY submitted_sequence LIMIT ?",
                arguments: [after ?? Int64.min, limit]) { summaries.append($0) }
            return SummaryPage(summaries: summaries, next: summaries.count < limit ? nil : last)
        }
    }

    /// How many requests the store holds, from the smallest index.
    public func requestCount() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM requests") ?? 0 }
    }
}
