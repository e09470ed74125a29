import Crypto
import Foundation
import GRDB
import SignoffCore
import SignoffStore

/// `signoff audit verify` and `signoff audit export` over a store of
/// 1,000,000 events (the full run only; `--quick` uses 20,000), as whole
/// processes: what someone auditing the store waits for.
enum AuditBenchmarks {
    static func run(quick: Bool) throws -> [Figure] {
        try Processes.requireSignoff()
        let sqlite3 = try Processes.sqlite3()
        let target = quick ? 20_000 : 1_000_000
        let policy = try Workload.policy()
        let (store, directory) = try StoreBenchmarks.newStore("audit", policy: policy)
        defer { try? FileManager.default.removeItem(at: directory) }
        let events = try fill(store, policy: policy, events: target)
        let signoff = Processes.signoff
        let label = events.formatted()

        // The verify and its floor in turns, the median of three each, so the
        // machine's changing load falls on both alike.
        let verifyCommand = ["audit", "verify", "--store", store.path]
        let (verify, read) = try verifyAndFloor(signoff: signoff, sqlite3: sqlite3, arguments: verifyCommand, store: store.path)
        let hashing = try sha256Seconds(store: store.path)
        // The export and sqlite3 writing the same events as JSON, in turns, medians of three.
        var exportSeconds: [Double] = [], sqlSeconds: [Double] = []
        for _ in 0..<(quick ? 1 : 3) {
            let export = try Processes.run(signoff, ["audit", "export", "--format", "jsonl", "--store", store.path])
            guard export.status == 0 else { throw BenchError("audit export exited \(export.status)") }
            exportSeconds.append(export.seconds)
            sqlSeconds.append(try Processes.run(sqlite3, ["-json", store.path, "SELECT * FROM events ORDER BY sequence"]).seconds)
        }
        let verifyPeak = try Processes.peakBytes(signoff, verifyCommand)
        let exportPeak = try Processes.peakBytes(signoff, ["audit", "export", "--format", "jsonl", "--store", store.path])
        let report = try store.verify()
        let verifyRate = Double(events) / verify.seconds
        let floorRate = Double(events) / (read.seconds + hashing)
        let exportRate = Double(events) / Measure.percentile(exportSeconds, 0.5)
        return [
            Figure(name: "audit verify, \(label) events", value: Measure.format(verifyRate, "events/s") + String(format: " (%.0f%%)", 100 * verifyRate / floorRate),
                   budget: "≥ 300,000/s", met: quick ? nil : verifyRate >= 300_000),
            Figure(name: "  floor: sqlite3 read + SHA-256 of the chain", value: Measure.format(floorRate, "events/s"),
                   budget: "(floor)", met: nil),
            Figure(name: "  sqlite3 reading sequence, payload, hash", value: String(format: "%.2f s", read.seconds), budget: "(floor, part)", met: nil),
            Figure(name: "  SHA-256 over each event's chained bytes", value: String(format: "%.2f s", hashing), budget: "(floor, part)", met: nil),
            Figure(name: "  audit verify itself", value: String(format: "%.2f s", verify.seconds), budget: "", met: nil),
            Figure(name: "  the same pass in-process", value: Measure.format(Double(events) / Measure.seconds(report.duration), "events/s"),
                   budget: "", met: nil),
            Figure(name: "  peak memory", value: String(format: "%.0f MB", Double(verifyPeak) / 1_048_576), budget: "", met: nil),
            Figure(name: "audit export --format jsonl, \(label) events, median of \(exportSeconds.count)",
                   value: Measure.format(exportRate, "events/s"), budget: "≥ 300,000/s", met: quick ? nil : exportRate >= 300_000),
            Figure(name: "  sqlite3 -json, every event, median", value: Measure.format(Double(events) / Measure.percentile(sqlSeconds, 0.5), "events/s"),
                   budget: "(floor)", met: nil),
            Figure(name: "  peak memory", value: String(format: "%.0f MB", Double(exportPeak) / 1_048_576), budget: "", met: nil),
        ]
    }

    /// Bulk submissions of varied requests (routed, some decided by the
    /// policy and granted) until the store holds at least `events` events.
    static func fill(_ store: Store, policy: Policy, events: Int) throws -> Int {
        let now = Date()
        var total = try store.changeToken()
        let batch = Workload.requests(20_000, policy: policy)
        while total < events {
            try store.write { tx in
                for request in batch {
                    let id = try tx.nextRequestID()
                    let submitter = Principal(name: request.requester ?? "alice", authentication: .asserted)
                    for event in Lifecycle.submit(try ScannedRequest(scanning: request), id: id, by: submitter, policy: policy, original: nil, at: now) {
                        try tx.append(event)
                    }
                }
            }
            total = try store.changeToken()
        }
        return Int(total)
    }

    /// `audit verify` and `sqlite3` reading what its chain check must read
    /// (each event's sequence, payload and hash, to /dev/null), in turns,
    /// the median of three of each.
    static func verifyAndFloor(signoff: String, sqlite3: String, arguments: [String],
                               store: String) throws -> (verify: Processes.Run, read: Processes.Run) {
        let runs = try Processes.medians(rounds: 3, [
            { try Processes.run(signoff, arguments) },
            { try Processes.run(sqlite3, [store, "SELECT sequence, payload, hash FROM events ORDER BY sequence"]) },
        ])
        return (runs[0], runs[1])
    }

    /// Seconds SHA-256 takes over every event's chained bytes (the previous
    /// hash and the canonical fields, `EventChain`), and nothing else: the
    /// least any chain check can cost. SHA-256's work depends only on the
    /// length, so each event's exact length, read from the store, is hashed
    /// from one buffer.
    static func sha256Seconds(store: String) throws -> Double {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: store, configuration: configuration)
        let sizes = try queue.read { db in
            try Int.fetchAll(db, sql: """
                SELECT 64 + 16 + 12 + length(CAST(actor AS BLOB)) + length(CAST(authentication AS BLOB))
                    + length(CAST(kind AS BLOB)) + 1 + ifnull(4 + length(CAST(request_id AS BLOB)), 0)
                    + 4 + length(CAST(payload AS BLOB))
                    + ifnull(8 + length(CAST(signature AS BLOB)) + length(CAST(statement AS BLOB)), 0)
                FROM events ORDER BY sequence
                """)
        }
        try queue.close()
        let buffer = [UInt8](repeating: 0x61, count: sizes.max() ?? 0)
        var sink: UInt8 = 0
        let seconds = buffer.withUnsafeBytes { bytes in
            Measure.time {
                for size in sizes {
                    let digest = SHA256.hash(data: UnsafeRawBufferPointer(rebasing: bytes[0..<size]))
                    digest.withUnsafeBytes { sink ^= $0[0] }
                }
            }
        }
        if sink == 42 { print("") }
        return seconds
    }
}
