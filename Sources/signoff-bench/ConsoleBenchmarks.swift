import Foundation
import SignoffApp
import SignoffCore
import SignoffStore
import SignoffTUI

/// The console over a real store of 100,000 pending requests at 200×60:
/// start to first frame, key to frame, filter as you type, resident memory.
/// The terminal is a scripted device that records when each frame is handed
/// over; the ncurses blit of a small change adds about 0.2 ms on top
/// (measured in tmux, see BENCHMARKS.md).
/// Figures over budget in the measuring child process (it prints its own lines).
nonisolated(unsafe) var missedInChild = 0

enum ConsoleBenchmarks {
    final class ScriptedDevice: TerminalDevice {
        let size: Size
        var keys: [Key] = []
        var keyTime: ContinuousClock.Instant?
        var latencies: [Double] = []
        var frames = 0
        var firstFrame: ContinuousClock.Instant?

        init(size: Size) { self.size = size }

        func next(timeoutMilliseconds: Int) -> TerminalEvent? {
            guard !keys.isEmpty else { return nil }
            keyTime = Measure.clock.now
            return .key(keys.removeFirst())
        }

        func draw(_ grid: Grid) {
            let now = Measure.clock.now
            frames += 1
            if firstFrame == nil { firstFrame = now }
            if let keyTime {
                latencies.append(Measure.seconds(now - keyTime))
                self.keyTime = nil
            }
        }
    }

    /// Seeds a store, then measures the console in a fresh process of its own,
    /// so start-up is a cold start and resident memory is the console's alone.
    static func run(quick: Bool) throws -> [Figure] {
        let count = quick ? 5_000 : 100_000
        let policy = try Workload.policy()
        let (seeded, directory) = try StoreBenchmarks.newStore("console", policy: policy)
        defer { try? FileManager.default.removeItem(at: directory) }
        let requester = Principal(name: "alice", authentication: .asserted)
        try seeded.write { tx in
            for request in Workload.ownerReadRequests(count) {
                let id = try tx.nextRequestID()
                for event in Lifecycle.submit(try ScannedRequest(scanning: request), id: id, by: requester, policy: policy, original: nil, at: Date()) { try tx.append(event) }
            }
        }
        try measureInChild(location: seeded.path, count: count, quick: quick)
        return []
    }

    /// Runs `measure` in a child process on the store at `location` (a path
    /// or a PostgreSQL connection), which prints its figures.
    static func measureInChild(location: String, count: Int, quick: Bool, environment: [String: String] = [:]) throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        child.arguments = ["--console-child", location, "\(count)"] + (quick ? ["--quick"] : [])
        child.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        fflush(nil)
        try child.run()
        child.waitUntilExit()
        guard child.terminationStatus == 0 || child.terminationStatus == 3 else { throw BenchError("the console measurement failed") }
        if child.terminationStatus == 3 { missedInChild += 1 }
    }

    /// The measuring half, in its own process: prints its figures. On
    /// PostgreSQL (`SIGNOFF_BENCH_CONSOLE`): `cold`, the first open, which
    /// folds every event into an empty cache; `warm`, opening again.
    static func measure(path: String, count: Int, quick: Bool) throws -> [Figure] {
        let baseline = Measure.residentBytes()
        let location = try StoreLocation(parsing: path)
        let phase = ProcessInfo.processInfo.environment["SIGNOFF_BENCH_CONSOLE"]
        if ProcessInfo.processInfo.environment["SIGNOFF_BENCH_PARTS"] != nil {
            let store = try Store.open(location)
            let backend = StoreConsoleBackend(store: store, identity: Principal(name: "dave", authentication: .asserted))
            print("parts: summaries", try Measure.time { _ = try store.summaries(.all) })
            print("parts: reviewed", try Measure.time { _ = try store.reviewedAtCurrentVersion(by: "dave") })
            var snapshot: ConsoleSnapshot?
            print("parts: snapshot", try Measure.time { snapshot = try backend.snapshot() })
            var model = ConsoleModel(size: Size(width: 200, height: 60), glyphs: .unicode, now: Date())
            print("parts: model load", Measure.time { _ = update(&model, .snapshotLoaded(snapshot!)) })
            print("parts: view", Measure.time { _ = view(model, size: Size(width: 200, height: 60), glyphs: .unicode) })
        }
        // Start: open the store, read every request, draw the first frame.
        let size = Size(width: 200, height: 60)
        let device = ScriptedDevice(size: size)
        let started = Measure.clock.now
        let store = try Store.open(location)
        let openSeconds = Measure.seconds(Measure.clock.now - started)
        let backend = StoreConsoleBackend(store: store, identity: Principal(name: "dave", authentication: .asserted))
        let loop = ConsoleLoop(model: ConsoleModel(size: size, glyphs: .unicode, now: Date()), backend: backend,
                               device: device, glyphs: .unicode, pollInterval: 3600)
        loop.start()
        guard let first = device.firstFrame else { throw BenchError("no first frame") }
        let startSeconds = Measure.seconds(first - started)
        guard loop.model.rows.count == count else { throw BenchError("the console shows \(loop.model.rows.count) of \(count) requests") }

        // Moving through the queue: each key loads that request's detail too.
        device.keys = Array(repeating: Key.character("j"), count: quick ? 200 : 1000)
            + Array(repeating: Key.pageDown, count: 50) + [Key.character("G"), Key.character("g")]
        while !device.keys.isEmpty { loop.step() }
        let moves = device.latencies
        device.latencies = []

        // Filtering as you type, one character at a time.
        device.keys = [Key.character("/")] + "svc-etl-4242".map { Key.character($0) }
        while !device.keys.isEmpty { loop.step() }
        let filterKeys = Array(device.latencies.dropFirst())
        let resident = Measure.residentBytes(), peak = Measure.residentBytes(peak: true)

        let p99 = Measure.percentile(moves, 0.99) * 1000
        let filterWorst = (filterKeys.max() ?? 0) * 1000
        let filterMedian = Measure.percentile(filterKeys, 0.5) * 1000
        let label = count.formatted()
        let start: Figure
        switch phase {
        case "cold"?:
            let events = try store.changeToken()
            start = Figure(name: "PostgreSQL console first open (\(label) pending)", value: String(format: "%.0f ms", startSeconds * 1000)
                            + " (folds \(events.formatted()) events)", budget: "(reported)", met: nil)
        case "warm"?:
            start = Figure(name: "PostgreSQL console start, warm (\(label) pending)", value: String(format: "%.0f ms", startSeconds * 1000),
                           budget: "≤ 250 ms", met: startSeconds <= 0.25)
        default:
            start = Figure(name: "console start to first frame (\(label) pending)", value: String(format: "%.0f ms", startSeconds * 1000),
                           budget: "≤ 250 ms", met: startSeconds <= 0.25)
        }
        let rest = [
            Figure(name: "console key to frame, p99 (200×60)", value: String(format: "%.2f ms", p99), budget: "≤ 2 ms", met: p99 <= 2),
            Figure(name: "console key to frame, median", value: String(format: "%.2f ms", Measure.percentile(moves, 0.5) * 1000), budget: "", met: nil),
            Figure(name: "console filter keystroke, worst of \(filterKeys.count)", value: String(format: "%.1f ms", filterWorst), budget: "≤ 20 ms", met: filterWorst <= 20),
            Figure(name: "console filter keystroke, median", value: String(format: "%.1f ms", filterMedian), budget: "", met: nil),
            Figure(name: "resident memory with \(label) requests", value: "\(resident / 1_048_576) MB",
                   budget: "≤ 150 MB", met: resident <= 150 * 1_048_576),
            Figure(name: "  of which the process had before opening", value: "\(baseline / 1_048_576) MB", budget: "", met: nil),
        ] + (phase == "cold" ? [
            // The first open folds every event before the console holds its requests: its peak, for the record.
            Figure(name: "  peak while opening and running", value: "\(peak / 1_048_576) MB", budget: "(reported)", met: nil),
        ] : [])
        let opening = Figure(name: "  of which opening the store", value: String(format: "%.0f ms", openSeconds * 1000), budget: "", met: nil)
        return [start, opening] + rest.map { figure in
            var figure = figure
            if let phase { figure.name = "  \(phase): " + figure.name.replacingOccurrences(of: "console ", with: "") }
            return figure
        }
    }
}
