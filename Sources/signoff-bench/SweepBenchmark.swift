import Foundation
import SignoffApp
import SignoffCore
import SignoffStore
import SignoffTUI

/// `signoff expire` over a store of active grants: exactly what the command
/// does (one immediate transaction: find what is due, decide with
/// `Lifecycle.expire`, append the events, commit durably), without the
/// hand-off, which happens after the commit and depends on provisioning.
enum SweepBenchmark {
    static let sweeper = Principal(name: "ops", authentication: .asserted)

    /// When the sweep's grants were approved; they are all due 9 hours later.
    static let approvedAt = Date(timeIntervalSince1970: 1_800_000_000)

    /// `count` staging reads, each approved automatically with a grant of
    /// its own: every one due once its duration has passed.
    static func fill(_ store: Store, policy: Policy, count: Int) throws {
        try store.write { tx in
            for (index, request) in Workload.ownerReadRequests(count).enumerated() {
                var staging = request
                staging.environment = "staging"
                let id = try tx.nextRequestID()
                let at = approvedAt.addingTimeInterval(Double(index) / 1000)
                for event in Lifecycle.submit(try ScannedRequest(scanning: staging), id: id, by: StoreBenchmarks.requester, policy: policy, original: nil, at: at) {
                    try tx.append(event)
                }
            }
        }
        let active = try store.activeGrantCount()
        guard active == count else { throw BenchError("expected \(count) active grants, found \(active)") }
    }

    static func run(quick: Bool) throws -> [Figure] {
        let count = quick ? 2_000 : 100_000
        let policy = try Workload.policy()
        let (store, directory) = try StoreBenchmarks.newStore("sweep", policy: policy)
        defer { try? FileManager.default.removeItem(at: directory) }
        try fill(store, policy: policy, count: count)

        func sweep(_ store: Store, at now: Date) throws -> (Double, Int) {
            var expired = 0
            let seconds = try Measure.time {
                expired = try Commands(store: store, actor: sweeper, clock: .fixed(now)).run(Commands.Sweep()).output.expired.count
            }
            return (seconds, expired)
        }
        var idle: [Double] = []
        for _ in 0..<5 {
            let (seconds, expired) = try sweep(store, at: approvedAt.addingTimeInterval(3600))
            guard expired == 0 else { throw BenchError("an early sweep expired \(expired) grants") }
            idle.append(seconds)
        }
        // The console over these live grants, through the real loop: its first
        // frame needs only the first page of requests; the grants are read in
        // the background while the other pages come in and `j` is typed every
        // 30 ms (key repeat), each key timed from when it was typed.
        let console = StoreConsoleBackend(store: store, identity: Principal(name: "dave", authentication: .asserted))
        let typist = Typist(size: Size(width: 200, height: 60), interval: 0.030)
        let loop = ConsoleLoop(model: ConsoleModel(size: typist.size, glyphs: .unicode, now: Date()), backend: console,
                               device: typist, glyphs: .unicode, pollInterval: 3600)
        let opened = Measure.clock.now
        typist.start = opened
        loop.start()
        guard let firstFrame = typist.firstFrame else { throw BenchError("no first frame") }
        while !loop.model.grantsLoaded || loop.hasDeferredWork { loop.step() }
        let grantsArrived = Measure.clock.now
        let typedWhileLoading = typist.latencies
        guard loop.model.grants.count == count else { throw BenchError("the console's first load brought \(loop.model.grants.count) grants") }
        // A load shorter than the key repeat interval (a quick run's small store) has no key to time.
        func latency(_ value: Double?) -> String {
            value.map { String(format: "%.2f ms", $0 * 1000) } ?? "none: loaded before the first key"
        }
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

        // The store as it is now; each round sweeps a copy of it, then the
        // floors replay that sweep's writes onto two more copies. Rounds taken
        // in turns, medians compared: one durable transaction of a second or
        // so each, whose time the disk alone moves by a third between runs.
        let pristine = directory.appendingPathComponent("pristine.sqlite").path
        try SQLiteFloor.snapshot(of: store.path, to: pristine)
        var sweeps: [Double] = [], rowFloors: [Double] = [], floors: [Double] = []
        var sweepCPU: [Double] = [], rowFloorCPU: [Double] = []
        for round in 0..<(quick ? 1 : 3) {
            var copies: [String] = []
            // Each round's copies go when it ends: three at a time on the disk, not nine.
            defer {
                for path in copies { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
            }
            func copy(_ name: String) throws -> String {
                let path = directory.appendingPathComponent("\(name)-\(round).sqlite").path
                try FileManager.default.copyItem(atPath: pristine, toPath: path)
                copies.append(path)
                return path
            }
            let sweptStore = try Store.open(at: try copy("swept"))
            var expired = 0
            let swept = try Measure.wallAndProcessorTime {
                expired = try Commands(store: sweptStore, actor: sweeper, clock: .fixed(approvedAt.addingTimeInterval(9 * 3600)))
                    .run(Commands.Sweep()).output.expired.count
            }
            guard expired == count else { throw BenchError("the sweep expired \(expired) of \(count) grants") }
            sweeps.append(swept.wall)
            sweepCPU.append(swept.processor)
            let rowFloor = try SQLiteFloor.replaySweepRowByRow(before: try copy("rows"), after: sweptStore.path)
            rowFloors.append(rowFloor.wall)
            rowFloorCPU.append(rowFloor.processor)
            floors.append(try SQLiteFloor.replaySweep(before: try copy("set"), after: sweptStore.path))
        }
        let seconds = Measure.percentile(sweeps, 0.5), rowFloor = Measure.percentile(rowFloors, 0.5)
        let floor = Measure.percentile(floors, 0.5)
        let idleWorst = idle.max() ?? 0
        let ratio = seconds / rowFloor
        return [
            Figure(name: "expiry sweep, \(count.formatted()) grants due (median of \(sweeps.count))", value: Measure.format(seconds * 1000, "ms")
                     + String(format: " (%.2f×)", ratio),
                   budget: "≤ 1.25× the floor", met: quick ? nil : ratio <= 1.25),
            Figure(name: "  SQLite alone, one statement per row", value: Measure.format(rowFloor * 1000, "ms"),
                   budget: "(floor)", met: nil),
            Figure(name: "  SQLite alone, set-based", value: Measure.format(floor * 1000, "ms"),
                   budget: "(reference)", met: nil),
            Figure(name: "  CPU: the sweep, against the row floor", value: Measure.format(Measure.percentile(sweepCPU, 0.5) * 1000, "ms")
                     + " / " + Measure.format(Measure.percentile(rowFloorCPU, 0.5) * 1000, "ms"),
                   budget: "", met: nil),
            Figure(name: "expiry sweep, nothing due (worst of 5)", value: Measure.format(idleWorst * 1000, "ms"),
                   budget: "≤ 20 ms", met: quick ? nil : idleWorst <= 0.020),
            Figure(name: "console start, \(count.formatted()) live grants", value: Measure.format(Measure.seconds(firstFrame - opened) * 1000, "ms"),
                   budget: "", met: nil),
            Figure(name: "  then its grants, after the first frame", value: Measure.format(Measure.seconds(grantsArrived - firstFrame) * 1000, "ms"),
                   budget: "", met: nil),
            Figure(name: "  key to frame meanwhile, median", value: latency(typedWhileLoading.isEmpty ? nil : Measure.percentile(typedWhileLoading, 0.5)),
                   budget: "", met: nil),
            Figure(name: "  key to frame meanwhile, worst of \(typedWhileLoading.count)", value: latency(typedWhileLoading.max()),
                   budget: "", met: nil),
            Figure(name: "  console reload after one grant changed", value: Measure.format(reload * 1000, "ms"),
                   budget: "", met: nil),
        ]
    }
}

/// A terminal whose user holds a key down: `j` every `interval` from `start`.
/// It waits as a terminal does, up to the timeout the loop gives, and times
/// each key from when it was typed, so a key typed while the loop was busy
/// counts the wait.
final class Typist: TerminalDevice {
    let size: Size
    let interval: Double
    var start = Measure.clock.now
    private var typed = 0
    private var keyTime: ContinuousClock.Instant?
    private(set) var latencies: [Double] = []
    private(set) var firstFrame: ContinuousClock.Instant?

    init(size: Size, interval: Double) {
        self.size = size
        self.interval = interval
    }

    func next(timeoutMilliseconds: Int) -> TerminalEvent? {
        let due = start + .milliseconds(Int64((Double(typed + 1) * interval * 1000).rounded()))
        let deadline = Measure.clock.now + .milliseconds(timeoutMilliseconds)
        guard due <= deadline else {
            if timeoutMilliseconds > 0 { Thread.sleep(forTimeInterval: Measure.seconds(deadline - Measure.clock.now)) }
            return nil
        }
        let wait = Measure.seconds(due - Measure.clock.now)
        if wait > 0 { Thread.sleep(forTimeInterval: wait) }
        typed += 1
        keyTime = due
        return .key(.character("j"))
    }

    func draw(_ grid: Grid) {
        let now = Measure.clock.now
        if firstFrame == nil { firstFrame = now }
        if let keyTime {
            latencies.append(Measure.seconds(now - keyTime))
            self.keyTime = nil
        }
    }
}
