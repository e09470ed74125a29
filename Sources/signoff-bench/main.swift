import Foundation
import SignoffStore

// signoff-bench: the performance budget of DESIGN.md, measured. Build and run
// in release: swift build -c release --product signoff-bench && .build/release/signoff-bench
// --quick runs every measurement on small inputs (a smoke test, not figures).

let arguments = CommandLine.arguments.dropFirst()
let quick = arguments.contains("--quick")
let only = arguments.firstIndex(of: "--only").flatMap { arguments.index(after: $0) < arguments.endIndex ? arguments[arguments.index(after: $0)] : nil }

// A process's peak memory, measured from a small process: a child spawned by
// this (large) benchmark process starts as a copy of it, and Linux keeps that
// copy's high-water mark across exec, so the child's own figure is lost.
if let index = arguments.firstIndex(of: "--peak-of") {
    let rest = Array(arguments[index...].dropFirst())
    guard rest.count >= 2, let run = try? Processes.run(rest[1], Array(rest.dropFirst(2))),
          (try? String(run.peakBytes).write(toFile: rest[0], atomically: true, encoding: .utf8)) != nil else { exit(1) }
    exit(run.status == 0 ? 0 : 1)
}

#if DEBUG
print("warning: a debug build; figures mean nothing. Use swift build -c release.")
#endif

if let index = arguments.firstIndex(of: "--console-child") {
    let rest = Array(arguments[index...].dropFirst())
    do {
        let figures = try ConsoleBenchmarks.measure(path: rest[0], count: Int(rest[1]) ?? 0, quick: quick)
        figures.forEach { $0.print() }
        exit(figures.contains { $0.met == false } ? 3 : 0)
    } catch {
        print("console: failed: \(error)")
        exit(1)
    }
}

// One of the approvers `--store postgresql` runs at once (see PostgresBenchmarks).
if let index = arguments.firstIndex(of: "--postgresql-approver") {
    let rest = Array(arguments[index...].dropFirst())
    do {
        guard rest.count >= 2 else { throw BenchError("usage: signoff-bench --postgresql-approver CONNECTION IDS-FILE") }
        try PostgresBenchmarks.approver(connection: rest[0], idsFile: rest[1])
        exit(0)
    } catch {
        print("approver: failed: \(error)")
        exit(1)
    }
}

// The PostgreSQL server of `--store`: `postgresql` (the PG* variables, as
// libpq reads them), or a URL or connection string. Without it, and without
// `--only postgresql`, the PostgreSQL benchmarks are skipped.
let postgresql: String? = {
    guard let index = arguments.firstIndex(of: "--store") else { return only == "postgresql" ? "" : nil }
    let next = arguments.index(after: index)
    guard next < arguments.endIndex else { print("--store takes postgresql, or a PostgreSQL URL or connection string"); exit(2) }
    let value = arguments[next]
    if value == "postgresql" || value == "postgres" { return "" }
    guard case let .postgresql(connection)? = try? StoreLocation(parsing: value) else {
        print("--store takes postgresql, or a PostgreSQL URL or connection string, not \(value)")
        exit(2)
    }
    return connection
}()

/// `FLAG PATH N`: makes one of the benches' stores at PATH, for profiling
/// commands on (e.g. under perf or valgrind), prints what `make` says of it,
/// and exits.
func makeStoreOption(_ flag: String, count noun: String, _ make: (_ path: String, _ count: Int) throws -> String) {
    guard let index = arguments.firstIndex(of: flag) else { return }
    let rest = Array(arguments[index...].dropFirst())
    do {
        guard let path = rest.first, let count = rest.dropFirst().first.flatMap({ Int($0) }) else {
            throw BenchError("usage: signoff-bench \(flag) PATH \(noun)")
        }
        print(try make(path, count))
        exit(0)
    } catch {
        print("\(flag.dropFirst(2)): failed: \(error)")
        exit(1)
    }
}

// Varied requests until the store holds at least EVENTS events.
makeStoreOption("--make-store", count: "EVENTS") { path, events in
    let policy = try Workload.policy()
    let store = try StoreBenchmarks.newStore(at: path, policy: policy)
    return "\(try AuditBenchmarks.fill(store, policy: policy, events: events)) events in \(path)"
}
// COUNT signed submissions, as the signatures bench verifies, for `signoff audit verify`.
makeStoreOption("--make-signed-store", count: "COUNT") { path, count in
    "\(try SignatureBenchmarks.makeStore(at: path, count: count)) signed submissions in \(path)"
}
// COUNT active grants, as the sweep bench expires, for `signoff expire` on a
// copy (`SIGNOFF_NOW` 9 hours after 2027-01-15T08:00:00Z, when they were
// approved, makes every one due).
makeStoreOption("--make-sweep-store", count: "COUNT") { path, count in
    let policy = try Workload.policy()
    try SweepBenchmark.fill(try StoreBenchmarks.newStore(at: path, policy: policy), policy: policy, count: count)
    return "\(count) active grants in \(path), approved at 2027-01-15T08:00:00Z"
}

let postgresSuite: (Bool) throws -> [Figure] = { quick in
    guard let postgresql else {
        return [Figure(name: "PostgreSQL store", value: "skipped: no server", budget: "(--store postgresql)", met: nil)]
    }
    return try PostgresBenchmarks.run(connection: postgresql, quick: quick)
}

let suites: [(String, (Bool) throws -> [Figure])] = [
    ("routing", RoutingBenchmark.run),
    ("store", StoreBenchmarks.run),
    ("sweep", SweepBenchmark.run),
    ("audit", AuditBenchmarks.run),
    ("signatures", SignatureBenchmarks.run),
    ("console", ConsoleBenchmarks.run),
    ("notify", NotificationBenchmarks.run),
    ("reconcile", ReconcileBenchmark.run),
    ("jira", JiraBenchmark.run),
    ("postgresql", postgresSuite),
]

var missed = 0
for (name, run) in suites where only == nil || only == name {
    do {
        for figure in try run(quick) {
            figure.print()
            if figure.met == false { missed += 1 }
        }
    } catch {
        print("\(name): failed: \(error)")
        exit(1)
    }
}

print(quick ? "quick run: figures are from small inputs" : "\(missed + missedInChild) figure(s) over budget")
