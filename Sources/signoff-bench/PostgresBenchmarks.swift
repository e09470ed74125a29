import Foundation
import SignoffCore
import SignoffStore

/// The store on PostgreSQL (`--store postgresql[:CONNECTION]`), in a database
/// of its own that it creates and drops: durable reviews against the server's
/// own single-row durable commit rate, alone and eight at once, and the
/// console over 100,000 requests, first open (the client folds every event)
/// and again (its fold is warm).
enum PostgresBenchmarks {
    /// A connection of this benchmark's database; the store's fold files go
    /// to a scratch cache directory, never to the user's own.
    struct Database {
        let name: String
        let connection: String
        let administrator: PostgresServer
    }

    static func run(connection base: String, quick: Bool) throws -> [Figure] {
        let scratch = try Measure.scratchDirectory("postgresql")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let administrator = try PostgresServer(base)
        let fsync = try administrator.execute("SHOW fsync").first ?? nil
        let durable = fsync == "on"
        var figures: [Figure] = []
        // SIGNOFF_BENCH_POSTGRESQL=reviews|console: only those (to profile one).
        let part = ProcessInfo.processInfo.environment["SIGNOFF_BENCH_POSTGRESQL"]
        if !durable {
            figures.append(Figure(name: "PostgreSQL server's fsync", value: "off: no commit is durable", budget: "(-o fsync=on)", met: nil))
        }
        if part == nil || part == "reviews" {
            figures += try withDatabase(base, administrator) { database in
                try reviews(database, scratch: scratch, durable: durable, quick: quick)
            }
        }
        if part == nil || part == "console" {
            try withDatabase(base, administrator) { database in
                try console(database, scratch: scratch, quick: quick)
            }
        }
        return figures
    }

    /// A fresh database for `body`, dropped afterwards with the store's group role.
    static func withDatabase<T>(_ base: String, _ administrator: PostgresServer, _ body: (Database) throws -> T) throws -> T {
        let name = "signoff_bench_" + UUID().uuidString.prefix(8).lowercased()
        try administrator.execute("CREATE DATABASE \(name) TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'")
        defer {
            _ = try? administrator.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            _ = try? administrator.execute("DROP ROLE IF EXISTS signoff_\(name)")
        }
        let connection = PostgresServer.connection(base, database: name)
        return try body(Database(name: name, connection: connection, administrator: try PostgresServer(connection)))
    }

    /// A store in `database` trusting asserted identities (one role records
    /// alice's submissions and dave's approvals), with the example policy.
    static func newStore(_ database: Database, cache: URL) throws -> Store {
        setenv("XDG_CACHE_HOME", cache.path, 1)
        let store = try Store.create(.postgresql(connection: database.connection), settings: StoreSettings(trustAssertedIdentities: true))
        try StoreBenchmarks.applyFirst(try Workload.policy(), to: store)
        return store
    }

    /// `count` requests that route to one approval by dave, in one command.
    static func submit(_ store: Store, count: Int, policy: Policy) throws -> [String] {
        var ids: [String] = []
        try store.write { tx in
            for request in Workload.ownerReadRequests(count) {
                let id = try tx.nextRequestID()
                ids.append(id)
                for event in Lifecycle.submit(try ScannedRequest(scanning: request), id: id, by: StoreBenchmarks.requester,
                                              policy: policy, original: nil, at: Date()) { try tx.append(event) }
            }
        }
        return ids
    }

    /// Exactly what `signoff approve` does: one command, under the server's append lock.
    static func approve(_ id: String, in store: Store, policy: Policy) throws {
        let outcome = try store.write { tx -> ReviewResult.Outcome in
            guard let record = try tx.record(id) else { throw BenchError("lost \(id)") }
            let result = Lifecycle.review(record, verdict: .approve, rationale: "Read replica only, matches the ticket",
                                          shownVersion: record.version, by: StoreBenchmarks.approver, policy: policy, original: nil, at: Date(), countingOnly: true)
            for event in result.events { try tx.append(event) }
            return result.outcome
        }
        guard outcome == .recorded(.approved) else { throw BenchError("review of \(id) was \(outcome)") }
    }

    static func lastSequence(_ database: Database) throws -> Int64 {
        Int64((try database.administrator.execute("SELECT coalesce(max(sequence), 0) FROM signoff.events").first ?? nil) ?? "0") ?? 0
    }

    static func reviews(_ database: Database, scratch: URL, durable: Bool, quick: Bool) throws -> [Figure] {
        let policy = try Workload.policy()
        let store = try newStore(database, cache: scratch.appendingPathComponent("cache-reviews"))
        let count = quick ? 200 : 2000
        let ids = try submit(store, count: count, policy: policy)
        let floor = try CommitFloor(database)

        // Reviews and the floor in turns, half and half, so the machine's
        // changing load falls on both alike. The floor writes the rows the
        // reviews appended, one per transaction.
        var reviewSeconds = 0.0, floorSeconds = 0.0, floorCommits = 0, eventsAppended: Int64 = 0
        for half in [ids.prefix(count / 2), ids.suffix(count - count / 2)] {
            let before = try lastSequence(database)
            reviewSeconds += try Measure.time { for id in half { try approve(id, in: store, policy: policy) } }
            let rows = try floor.rows(after: before)
            eventsAppended += Int64(rows.count)
            floorSeconds += try floor.commit(rows.prefix(half.count), writers: 1)
            floorCommits += half.count
        }
        let rate = Double(count) / reviewSeconds
        let floorRate = Double(floorCommits) / floorSeconds
        var figures = [
            Figure(name: "PostgreSQL durable reviews (one command each)", value: Measure.format(rate, "reviews/s")
                    + String(format: " (%.0f%%)", rate / floorRate * 100),
                   budget: "≥ 80% of the floor", met: quick || !durable ? nil : rate >= 0.8 * floorRate),
            Figure(name: "  PostgreSQL single-row durable commits", value: Measure.format(floorRate, "commits/s"), budget: "(floor)", met: nil),
            Figure(name: "  events appended per review", value: String(format: "%.1f", Double(eventsAppended) / Double(count)), budget: "", met: nil),
        ]

        // Eight approvers at once, each its own process with its own fold,
        // approving requests of its own; against eight writers at once.
        let approvers = 8
        let perApprover = quick ? 25 : 250
        let more = try submit(store, count: approvers * perApprover, policy: policy)
        let before = try lastSequence(database)
        let concurrent = try concurrentApprovals(database, scratch: scratch,
                                                 ids: (0..<approvers).map { Array(more[($0 * perApprover)..<(($0 + 1) * perApprover)]) })
        let rows = try floor.rows(after: before)
        let writers = try floor.commit(rows.prefix(approvers * perApprover), writers: approvers)
        let serialised = try floor.commit(rows.prefix(approvers * perApprover), writers: approvers, underOneLock: true)
        let concurrentRate = Double(approvers * perApprover) / concurrent
        let writersRate = Double(approvers * perApprover) / writers
        let serialisedRate = Double(approvers * perApprover) / serialised
        figures += [
            Figure(name: "PostgreSQL durable reviews, \(approvers) approvers at once", value: Measure.format(concurrentRate, "reviews/s")
                    + String(format: " (%.0f%%)", concurrentRate / writersRate * 100), budget: "(against the floor)", met: nil),
            Figure(name: "  single-row durable commits, \(approvers) writers", value: Measure.format(writersRate, "commits/s"), budget: "(floor)", met: nil),
            Figure(name: "  the same, each commit under one lock", value: Measure.format(serialisedRate, "commits/s")
                    + String(format: " (reviews %.0f%%)", concurrentRate / serialisedRate * 100), budget: "(a linear chain's)", met: nil),
        ]
        return figures
    }

    /// Seconds from the first approver's start to the last one's end: each
    /// approver a process of its own (`--postgresql-approver`) that opens the
    /// store (folding it) before the clock starts.
    static func concurrentApprovals(_ database: Database, scratch: URL, ids: [[String]]) throws -> Double {
        var children: [(Process, Pipe, Pipe)] = []
        defer { for (child, _, _) in children where child.isRunning { child.terminate() } }
        for (index, share) in ids.enumerated() {
            let file = scratch.appendingPathComponent("approver-\(index).ids")
            try share.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
            let child = Process()
            child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
            child.arguments = ["--postgresql-approver", database.connection, file.path]
            var environment = ProcessInfo.processInfo.environment
            environment["XDG_CACHE_HOME"] = scratch.appendingPathComponent("cache-approver-\(index)").path
            child.environment = environment
            let input = Pipe(), output = Pipe()
            child.standardInput = input
            child.standardOutput = output
            try child.run()
            children.append((child, input, output))
        }
        for (_, _, output) in children {
            guard try line(from: output.fileHandleForReading) == "ready" else { throw BenchError("an approver failed to open the store") }
        }
        for (_, input, _) in children { input.fileHandleForWriting.write(Data("go\n".utf8)) }
        var starts: [UInt64] = [], ends: [UInt64] = []
        for (child, _, output) in children {
            let words = try line(from: output.fileHandleForReading).split(separator: " ")
            child.waitUntilExit()
            guard child.terminationStatus == 0, words.count == 3, words[0] == "done",
                  let start = UInt64(words[1]), let end = UInt64(words[2]) else {
                throw BenchError("an approver failed (\(words.joined(separator: " ")))")
            }
            starts.append(start)
            ends.append(end)
        }
        return Double(ends.max()! - starts.min()!) / 1e9
    }

    private static func line(from handle: FileHandle) throws -> String {
        var bytes: [UInt8] = []
        while true {
            let data = handle.readData(ofLength: 1)
            guard let byte = data.first else { break }
            if byte == UInt8(ascii: "\n") { break }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The approver's half, in its own process: prints `ready` once the store
    /// is open, approves its requests when told `go`, and prints when it
    /// started and ended (CLOCK_MONOTONIC, comparable between processes).
    static func approver(connection: String, idsFile: String) throws {
        let ids = try String(contentsOfFile: idsFile, encoding: .utf8).split(separator: "\n").map(String.init)
        let policy = try Workload.policy()
        let store = try Store.open(.postgresql(connection: connection))
        print("ready")
        fflush(nil)
        guard readLine() == "go" else { throw BenchError("not told to go") }
        let start = monotonicNanoseconds()
        for id in ids { try approve(id, in: store, policy: policy) }
        print("done \(start) \(monotonicNanoseconds())")
        fflush(nil)
    }

    static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    /// The console over `count` pending requests on PostgreSQL, measured as
    /// on a file (see `ConsoleBenchmarks`): first with an empty cache, so
    /// opening folds every event, then again over the fold that left.
    static func console(_ database: Database, scratch: URL, quick: Bool) throws {
        let count = quick ? 5_000 : 100_000
        let policy = try Workload.policy()
        let store = try newStore(database, cache: scratch.appendingPathComponent("cache-seed"))
        _ = try submit(store, count: count, policy: policy)
        let cache = scratch.appendingPathComponent("cache-console")
        for phase in ["cold", "warm"] {
            try ConsoleBenchmarks.measureInChild(location: database.connection, count: count, quick: quick,
                                                 environment: ["XDG_CACHE_HOME": cache.path, "SIGNOFF_BENCH_CONSOLE": phase])
        }
    }
}

/// PostgreSQL's own single-row durable commit: the rows a command appended,
/// one `INSERT` per transaction (synchronous_commit on) into a table of the
/// events' own columns and indexes, through libpq like the store.
struct CommitFloor {
    let database: PostgresBenchmarks.Database
    static let columns = "at, actor, authentication, kind, request_id, payload, prev_hash, hash, signature, statement"

    init(_ database: PostgresBenchmarks.Database) throws {
        self.database = database
        try database.administrator.execute("""
            CREATE TABLE public.floor_rows (LIKE signoff.events INCLUDING ALL);
            CREATE SEQUENCE public.floor_sequence;
            CREATE FUNCTION public.floor_append_locked(bigint, bigint, text, text, text, text, text, text, text, text, text)
            RETURNS void LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_advisory_xact_lock(7);
                INSERT INTO public.floor_rows VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11);
            END $$;
            """)
    }

    /// The events after `sequence`, as text columns (sequence excluded).
    func rows(after sequence: Int64) throws -> [[String?]] {
        try database.administrator.rows("SELECT \(Self.columns) FROM signoff.events WHERE sequence > \(sequence) ORDER BY sequence")
    }

    /// Seconds for `writers` connections at once to commit `rows`, one
    /// transaction each, shared out in turn; `underOneLock`: each transaction
    /// takes one advisory lock first, as a chain that stays linear must.
    func commit(_ rows: ArraySlice<[String?]>, writers: Int, underOneLock: Bool = false) throws -> Double {
        let connections = try (0..<writers).map { _ in try PostgresServer(database.connection) }
        for connection in connections { try connection.execute("SET synchronous_commit = on") }
        let base = Int64((try database.administrator.execute("SELECT nextval('public.floor_sequence') * 100000000").first ?? nil) ?? "0") ?? 0
        let sql = underOneLock
            ? "SELECT public.floor_append_locked($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
            : "INSERT INTO public.floor_rows VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        let rows = Array(rows)
        let failures = Failures()
        let ready = DispatchGroup(), done = DispatchGroup()
        let go = DispatchSemaphore(value: 0)
        var threads: [Thread] = []
        for (index, connection) in connections.enumerated() {
            ready.enter()
            done.enter()
            let thread = Thread {
                ready.leave()
                go.wait()
                do {
                    for row in stride(from: index, to: rows.count, by: writers) {
                        try connection.run(underOneLock ? "locked" : "insert", sql, [String(base + Int64(row))] + rows[row])
                    }
                } catch {
                    failures.add(error)
                }
                done.leave()
            }
            thread.stackSize = 1 << 20
            threads.append(thread)
            thread.start()
        }
        ready.wait()
        let seconds = Measure.time {
            for _ in connections { go.signal() }
            done.wait()
        }
        if let error = failures.first { throw error }
        return seconds
    }

    final class Failures: @unchecked Sendable {
        private let lock = NSLock()
        private var errors: [Error] = []
        func add(_ error: Error) { lock.lock(); errors.append(error); lock.unlock() }
        var first: Error? { lock.lock(); defer { lock.unlock() }; return errors.first }
    }
}
