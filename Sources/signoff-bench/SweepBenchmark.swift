import Foundation
import SignoffApp
import SignoffCore
import SignoffStore

/// `signoff expire` over a store of active grants: exactly what the command
/// does (one immediate transaction: find what is due, decide with
/// `Lifecycle.expire`, append the events, commit durably), without the
/// hand-off, which happens after the commit and depends on provisioning.
enum SweepBenchmark {
    static let sweeper = Principal(name: "ops", authentication: .asserted)

    static func run(quick: Bool) throws -> [Figure] {
        let count = quick ? 2_000 : 100_000
        let policy = try Workload.policy()
        let (store, directory) = try StoreBenchmarks.newStore("sweep", policy: policy)
        defer { try? FileManager.default.removeItem(at: directory) }
        let approvedAt = Date(timeIntervalSince1970: 1_800_000_000)
        // Staging reads are approved automatically: each submission issues a grant.
        try store.write { tx in
            for (index, request) in Workload.ownerReadRequests(count).enumerated() {
                var staging = request
                staging.environment = "staging"
                let id = try tx.nextRequestID()
                let at = approvedAt.addingTimeInterval(Double(index) / 1000)
                for event in Lifecycle.submit(staging, id: id, by: StoreBenchmarks.requester, policy: policy, original: nil, at: at) {
                    try tx.append(event)
                }
            }
        }
        let active = try store.activeGrantCount()
        guard active == count else { throw BenchError("expected \(count) active grants, found \(active)") }

        func sweep(at now: Date) throws -> (Double, Int) {
            var expired = 0
            let seconds = try Measure.time {
                expired = try store.write { tx in
                    try Sweep.run(tx, policy: policy, actor: sweeper, at: now).expired.count
                }
            }
            return (seconds, expired)
        }
        var idle: [Double] = []
        for _ in 0..<5 {
            let (seconds, expired) = try sweep(at: approvedAt.addingTimeInterval(3600))
            guard expired == 0 else { throw BenchError("an early sweep expired \(expired) grants") }
            idle.append(seconds)
        }
        // The console over these live grants: its first page (all the first
        // frame waits for) leaves them out; a later page reads them all; a
        // reload after one change (provisioning confirms a grant, which stays
        // active and due) reads what changed and sorts again.
        let console = StoreConsoleBackend(store: store, identity: Principal(name: "dave", authentication: .asserted))
        var next: Int64?
        let firstPage = try Measure.time { next = try console.snapshotPage(after: nil, limit: 200).next }
        var grantsLoaded = 0
        let firstLoad = try Measure.time {
            while let after = next {
                let page = try console.snapshotPage(after: after, limit: 1000)
                if page.snapshot.grantsLoaded { grantsLoaded = page.snapshot.grants.count }
                next = page.next
            }
        }
        guard grantsLoaded == count else { throw BenchError("the console's first load brought \(grantsLoaded) grants") }
        try store.write { tx in
            guard let grant = try tx.grant("REQ-1") else { throw BenchError("no grant REQ-1") }
            for event in try Lifecycle.provisioningReport(grant, succeeded: true, note: nil, by: sweeper, at: approvedAt) {
                try tx.append(event)
            }
        }
        let reload = try Measure.time { _ = try console.snapshotPage(after: nil, limit: 200) }
        guard try console.snapshotPage(after: nil, limit: 200).snapshot.grants.count == count else {
            throw BenchError("the console lost a grant")
        }

        // Two copies of the store as it is now: the floors replay the sweep's writes onto them.
        let before = directory.appendingPathComponent("before.sqlite").path
        let beforeRows = directory.appendingPathComponent("before-rows.sqlite").path
        try SQLiteFloor.snapshot(of: store.path, to: before)
        try SQLiteFloor.snapshot(of: store.path, to: beforeRows)
        let (seconds, expired) = try sweep(at: approvedAt.addingTimeInterval(9 * 3600))
        guard expired == count else { throw BenchError("the sweep expired \(expired) of \(count) grants") }
        let floor = try SQLiteFloor.replaySweep(before: before, after: store.path)
        let rowFloor = try SQLiteFloor.replaySweepRowByRow(before: beforeRows, after: store.path)
        let idleWorst = idle.max() ?? 0
        return [
            Figure(name: "expiry sweep, \(count.formatted()) grants due", value: Measure.format(seconds * 1000, "ms"),
                   budget: "≤ 1,000 ms", met: quick ? nil : seconds <= 1.0),
            Figure(name: "  SQLite alone writing what it wrote", value: Measure.format(floor * 1000, "ms"),
                   budget: "(reference)", met: nil),
            Figure(name: "  the same, one statement per row", value: Measure.format(rowFloor * 1000, "ms"),
                   budget: "(reference)", met: nil),
            Figure(name: "expiry sweep, nothing due (worst of 5)", value: Measure.format(idleWorst * 1000, "ms"),
                   budget: "≤ 20 ms", met: quick ? nil : idleWorst <= 0.020),
            Figure(name: "console first page, \(count.formatted()) live grants", value: Measure.format(firstPage * 1000, "ms"),
                   budget: "", met: nil),
            Figure(name: "  then its grants, after the first frame", value: Measure.format(firstLoad * 1000, "ms"),
                   budget: "", met: nil),
            Figure(name: "  console reload after one grant changed", value: Measure.format(reload * 1000, "ms"),
                   budget: "", met: nil),
        ]
    }
}
