import Crypto
import Foundation
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

        let verify = try Processes.run(signoff, ["audit", "verify", "--store", store.path])
        guard verify.status == 0 else { throw BenchError("audit verify exited \(verify.status)") }
        let export = try Processes.run(signoff, ["audit", "export", "--format", "jsonl", "--store", store.path])
        guard export.status == 0 else { throw BenchError("audit export exited \(export.status)") }
        let sql = try Processes.run(sqlite3, ["-json", store.path, "SELECT * FROM events ORDER BY sequence"])
        let verifyPeak = try Processes.peakBytes(signoff, ["audit", "verify", "--store", store.path])
        let exportPeak = try Processes.peakBytes(signoff, ["audit", "export", "--format", "jsonl", "--store", store.path])
        let report = try store.verify()
        let verifyRate = Double(events) / verify.seconds
        let exportRate = Double(events) / export.seconds
        return [
            Figure(name: "audit verify, \(label) events", value: Measure.format(verifyRate, "events/s"),
                   budget: "≥ 300,000/s", met: quick ? nil : verifyRate >= 300_000),
            Figure(name: "  the same pass in-process", value: Measure.format(Double(events) / Measure.seconds(report.duration), "events/s"),
                   budget: "", met: nil),
            Figure(name: "  SHA-256 alone over the same bytes", value: Measure.format(try sha256Rate(store: store), "events/s"),
                   budget: "(floor)", met: nil),
            Figure(name: "  peak memory", value: String(format: "%.0f MB", Double(verifyPeak) / 1_048_576), budget: "", met: nil),
            Figure(name: "audit export --format jsonl, \(label) events", value: Measure.format(exportRate, "events/s"),
                   budget: "≥ 300,000/s", met: quick ? nil : exportRate >= 300_000),
            Figure(name: "  sqlite3 -json, every event", value: Measure.format(Double(events) / sql.seconds, "events/s"),
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
                    for event in Lifecycle.submit(request, id: id, by: submitter, policy: policy, original: nil, at: now) {
                        try tx.append(event)
                    }
                }
            }
            total = try store.changeToken()
        }
        return Int(total)
    }

    /// SHA-256 of each event's canonical bytes (as the chain hashes them),
    /// with nothing else: the least any chain check can cost.
    static func sha256Rate(store: Store) throws -> Double {
        var sizes: [Int] = []
        try store.export(format: .csv) { sizes.append($0.count) }
        let buffer = [UInt8](repeating: 0x61, count: (sizes.max() ?? 0) + 64)
        var sink: UInt8 = 0
        let seconds = Measure.time {
            for size in sizes.dropFirst() {
                let digest = SHA256.hash(data: buffer[0..<size])
                digest.withUnsafeBytes { sink ^= $0[0] }
            }
        }
        if sink == 42 { print("") }
        return Double(sizes.count - 1) / seconds
    }
}
