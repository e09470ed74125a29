import Foundation
import GRDB
import SignoffCore
import SignoffStore

/// Durable reviews against SQLite's own rate, bulk submission, and audit verify.
enum StoreBenchmarks {
    static let approver = Principal(name: "dave", authentication: .asserted)
    static let requester = Principal(name: "alice", authentication: .asserted)

    static func newStore(_ name: String, policy: Policy) throws -> (Store, URL) {
        let directory = try Measure.scratchDirectory(name)
        return (try newStore(at: directory.appendingPathComponent("store.sqlite").path, policy: policy), directory)
    }

    /// A store that trusts asserted identities, with `policy` applied.
    static func newStore(at path: String, policy: Policy) throws -> Store {
        let store = try Store.create(at: path, settings: StoreSettings(trustAssertedIdentities: true))
        try applyFirst(policy, to: store)
        return store
    }

    /// Applies a new store's first policy as its creator, the one account `audit verify` accepts it from.
    static func applyFirst(_ policy: Policy, to store: Store) throws {
        guard let creator = try store.creator() else { throw BenchError("the new store records no creator") }
        try store.write { tx in
            for event in Lifecycle.apply(policy, previousVersion: nil, by: creator, openRecords: [], originals: [:], at: Date()) {
                try tx.append(event)
            }
        }
    }

    /// SQLite's own WAL + synchronous=FULL single-row commit rate on this disk:
    /// the ceiling any durable decision can reach.
    static func sqliteCommitRate(count: Int) throws -> Double {
        let directory = try Measure.scratchDirectory("sqlite")
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        let queue = try DatabaseQueue(path: directory.appendingPathComponent("raw.sqlite").path, configuration: configuration)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        }
        let body = String(repeating: "x", count: 300)
        let seconds = try Measure.time {
            for _ in 0..<count {
                try queue.inTransaction(.immediate) { db in
                    try db.execute(sql: "INSERT INTO t (body) VALUES (?)", arguments: [body])
                    return .commit
                }
            }
        }
        return Double(count) / seconds
    }

    /// Reviews per second, SQLite's own rate writing exactly what they wrote,
    /// and the pages each approval wrote to the log.
    static func durableReviewRate(count: Int, policy: Policy) throws -> (rate: Double, floor: Double, pages: Double) {
        let (store, directory) = try newStore("reviews", policy: policy)
        defer { try? FileManager.default.removeItem(at: directory) }
        var ids: [String] = []
        try store.write { tx in
            for request in Workload.ownerReadRequests(count) {
                let id = try tx.nextRequestID()
                ids.append(id)
                for event in Lifecycle.submit(try ScannedRequest(scanning: request), id: id, by: requester, policy: policy, original: nil, at: Date()) { try tx.append(event) }
            }
        }
        let before = directory.appendingPathComponent("before-reviews.sqlite").path
        try SQLiteFloor.snapshot(of: store.path, to: before)
        let pagesBefore = store.pagesWritten()
        // In turns, a tenth at a time: the reviews, then SQLite alone writing
        // what they wrote, so a disk whose fsync rate drifts by half within a
        // minute moves both sides alike.
        var seconds = 0.0, floor = 0.0
        let turn = max(1, count / 10)
        for start in stride(from: 0, to: ids.count, by: turn) {
            let chunk = Array(ids[start..<min(start + turn, ids.count)])
            seconds += try reviews(chunk)
            floor += try SQLiteFloor.replayReviews(before: before, after: store.path, ids: chunk,
                                                   checkCounts: start + turn >= ids.count)
        }
        let pages = Double(store.pagesWritten() - pagesBefore) / Double(count)
        return (Double(count) / seconds, Double(count) / floor, pages)

        func reviews(_ ids: [String]) throws -> Double {
            try Measure.time {
                for id in ids {
                    // Exactly what `signoff approve` does: one immediate transaction.
                    let outcome = try store.write { tx -> ReviewResult.Outcome in
                        guard let record = try tx.record(id) else { throw BenchError("lost \(id)") }
                        let result = Lifecycle.review(record, verdict: .approve, rationale: "Read replica only, matches the ticket",
                                                      shownVersion: record.version, by: approver, policy: policy, original: nil, at: Date(), countingOnly: true)
                        for event in result.events { try tx.append(event) }
                        return result.outcome
                    }
                    guard outcome == .recorded(.approved) else { throw BenchError("review of \(id) was \(outcome)") }
                }
            }
        }
    }

    /// Submission of already-parsed requests in one transaction, routing included.
    static func bulkSubmit(count: Int, policy: Policy) throws -> (rate: Double, store: Store, directory: URL) {
        let (store, directory) = try newStore("bulk", policy: policy)
        let requests = Workload.requests(count, policy: policy)
        let now = Date()
        let seconds = try Measure.time {
            try store.write { tx in
                for request in requests {
                    let id = try tx.nextRequestID()
                    let submitter = Principal(name: request.requester ?? "alice", authentication: .asserted)
                    for event in Lifecycle.submit(try ScannedRequest(scanning: request), id: id, by: submitter, policy: policy, original: nil, at: now) { try tx.append(event) }
                }
            }
        }
        return (Double(count) / seconds, store, directory)
    }

    static func run(quick: Bool) throws -> [Figure] {
        let policy = try Workload.policy()
        var figures: [Figure] = []

        let reviews = quick ? 200 : 2000
        let raw = try sqliteCommitRate(count: reviews)
        let (durable, reviewFloor, pages) = try durableReviewRate(count: reviews, policy: policy)
        let share = durable / reviewFloor
        figures.append(Figure(name: "durable reviews (one fsync'd review each)", value: Measure.format(durable, "reviews/s")
                                + String(format: " (%.0f%%)", share * 100),
                              budget: "≥ 90% of the floor", met: quick ? nil : share >= 0.9))
        figures.append(Figure(name: "  SQLite alone writing what each review wrote", value: Measure.format(reviewFloor, "reviews/s"),
                              budget: "(floor)", met: nil))
        figures.append(Figure(name: "  pages written per approval", value: String(format: "%.1f", pages), budget: "(keep from growing)", met: nil))
        figures.append(Figure(name: "  SQLite WAL/FULL single-insert commits", value: Measure.format(raw, "commits/s")
                                + String(format: " (reviews %.0f%%)", durable / raw * 100), budget: "(reference)", met: nil))

        let bulkCount = quick ? 5000 : 100_000
        // Three rounds in turns, medians compared (one in a quick run): each is
        // one durable transaction of a few seconds, which the disk alone moved
        // from 39% to 50% of its floor in runs of the same build.
        var rates: [Double] = [], floors: [Double] = []
        var kept: (store: Store, directory: URL)?
        for _ in 0..<(quick ? 1 : 3) {
            let (rate, store, directory) = try bulkSubmit(count: bulkCount, policy: policy)
            let previous = kept
            kept = (store, directory)
            if let previous { try? FileManager.default.removeItem(at: previous.directory) }
            rates.append(rate)
            floors.append(Double(bulkCount) / (try SQLiteFloor.copyAllRows(of: store.path, in: directory)))
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(at: directory.appendingPathComponent("floor.sqlite" + suffix)) }
        }
        guard let (store, directory) = kept else { throw BenchError("no bulk submission ran") }
        defer { try? FileManager.default.removeItem(at: directory) }
        let bulkRate = Measure.percentile(rates, 0.5), floor = Measure.percentile(floors, 0.5)
        figures.append(Figure(name: "bulk submit, \(bulkCount.formatted()) routed" + (rates.count > 1 ? " (median of \(rates.count))" : ""), value: Measure.format(bulkRate, "requests/s")
                                + String(format: " (%.0f%%)", bulkRate / floor * 100),
                              budget: "≥ 50% of the floor", met: quick ? nil : bulkRate >= 0.5 * floor))
        figures.append(Figure(name: "  SQLite alone writing those rows", value: Measure.format(floor, "requests/s"),
                              budget: "(floor)", met: nil))
        if rates.count > 1 {
            figures.append(Figure(name: "  each round, submit / floor", value: zip(rates, floors).map { String(format: "%.0f%%", $0 / $1 * 100) }
                                    .joined(separator: " "), budget: "", met: nil))
        }

        let report = try store.verify()
        guard report.isIntact else { throw BenchError("the benchmark store does not verify") }
        let fullRate = Double(report.eventCount) / Measure.seconds(report.duration)
        figures.append(Figure(name: "audit verify in-process (\(report.eventCount.formatted()) events)", value: Measure.format(fullRate, "events/s"),
                              budget: "", met: nil))
        return figures + (try ReadBenchmarks.run(store: store.path, count: bulkCount, quick: quick))
    }
}
