import Foundation
import GRDB
import SignoffCore
import Testing
@testable import SignoffStore

/// Several writers on one file, as several approvers' processes would be.
@Suite struct ConcurrencyTests {
    @Test func concurrentWritersFromSeveralStoresLoseNothing() throws {
        let directory = TemporaryDirectory()
        let path = directory.file()
        let first = try Store.create(at: path, settings: Sample.settings)
        try first.write { try $0.append(Sample.policy()) }
        let stores = try [first] + (1..<4).map { _ in try Store.open(at: path) }
        let perWriter = 25
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: stores.count * 2) { index in
            let store = stores[index % stores.count]
            for _ in 0..<perWriter {
                do { try store.submitRouted() } catch { failures.add(error) }
            }
        }
        #expect(failures.all.isEmpty, "\(failures.all)")
        let total = stores.count * 2 * perWriter
        #expect(try first.changeToken() == Int64(2 * total + 2), "every command appended exactly two events")
        let ids = try first.records(.all).map(\.id)
        #expect(ids.count == total)
        #expect(Set(ids) == Set((1...total).map { "REQ-\($0)" }), "IDs are unique and none is skipped")
        let report = try first.verify()
        #expect(report.isIntact)
        #expect(report.eventCount == 2 * total + 2)
    }

    @Test func racingApproversGetExactlyOneDecision() throws {
        let directory = TemporaryDirectory()
        let path = directory.file()
        let setup = try Store.create(at: path, settings: Sample.settings)
        try setup.write { try $0.append(Sample.policy()) }
        let id = try setup.submitRouted()
        let approvers = [Sample.bob, Sample.carol, Principal(name: "dave", authentication: .osAccount),
                         Principal(name: "erin", authentication: .osAccount)]
        let stores = try approvers.map { _ in try Store.open(at: path) }
        let outcomes = Failures()
        DispatchQueue.concurrentPerform(iterations: approvers.count) { index in
            do {
                // What a review command does: re-read inside the transaction, decide there.
                let decided = try stores[index].write { transaction -> Bool in
                    guard let record = try transaction.record(id), record.state.isOpen else { return false }
                    try transaction.append(Sample.review(id, by: approvers[index], version: record.version))
                    try transaction.append(Sample.decide(id, by: [approvers[index].name]))
                    try transaction.append(Sample.grant(id, approvers: [approvers[index].name]))
                    return true
                }
                if decided { outcomes.add(Winner(name: approvers[index].name)) }
            } catch {
                outcomes.add(error)
            }
        }
        #expect(outcomes.all.count == 1)
        let record = try #require(try setup.record(id))
        #expect(record.reviews.count == 1)
        #expect(record.decision?.by == [record.reviews[0].reviewer.name])
        #expect(try setup.events(requestID: id).count == 5)
        #expect(try setup.verify().isIntact)
    }

    /// A new store, and the same store opened again with these waits, while
    /// another thread's write transaction holds the lock: `body` runs with
    /// the lock held, then the holder commits (its policy: event 2).
    private func whileAnotherWriteHoldsTheLock(busyTimeout: TimeInterval, writeDeadline: TimeInterval,
                                               _ body: (_ path: String, _ impatient: Store) throws -> Void) throws {
        let directory = TemporaryDirectory()
        let path = directory.file()
        let holder = try Store.create(at: path, settings: Sample.settings)
        let impatient = try Store.open(at: path, busyTimeout: busyTimeout, writeDeadline: writeDeadline)
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            _ = try? holder.write { transaction in
                try transaction.append(Sample.policy())
                entered.signal()
                release.wait()
            }
            done.signal()
        }
        entered.wait()
        defer {
            release.signal()
            done.wait()
        }
        try body(path, impatient)
    }

    @Test func writerThatWaitsTooLongGetsBusy() throws {
        var impatient: Store?
        try whileAnotherWriteHoldsTheLock(busyTimeout: 0.1, writeDeadline: 0.5) { path, store in
            impatient = store
            do {
                try store.write { try $0.append(Sample.policy("v2")) }
                Issue.record("a write went through while another held the lock")
            } catch let StoreError.busy(busyPath, holder) {
                #expect(busyPath == path)
                #expect(holder == "this process", "the lock's holder is named")
            }
            #expect(try store.changeToken() == 1, "readers never wait for the writer (the store_created event only)")
        }
        let store = try #require(impatient)
        try store.write { try $0.append(Sample.policy("v2")) }
        #expect(try store.changeToken() == 3)
    }

    /// A writer gives up at its deadline. SQLite's own wait for the lock (the
    /// busy timeout, up to 10 s) is cut to what the deadline leaves, so the
    /// attempt that starts near the end does not run a whole wait past it:
    /// here a 2 s wait against a 2.5 s deadline gave up after about 4 s
    /// before, and gives up after 2.5 s now.
    @Test func aWriterGivesUpAtItsDeadlineNotABusyTimeoutAfterIt() throws {
        try whileAnotherWriteHoldsTheLock(busyTimeout: 2, writeDeadline: 2.5) { _, impatient in
            let started = Date()
            #expect(throws: StoreError.self) { try impatient.write { try $0.append(Sample.policy("v2")) } }
            let waited = Date().timeIntervalSince(started)
            #expect(waited >= 2.45, "it gave up before its deadline: \(waited) s")
            #expect(waited < 3.5, "it waited a busy timeout past its deadline: \(waited) s")
        }
    }

    /// Two commands of one account that open a PostgreSQL store at once,
    /// for the first time, share the fold one of them makes. It is put in
    /// place already in WAL mode: opening it, as `openFold` does, needs
    /// nothing the other holds while it reads. (Put in place in rollback
    /// mode, the first open switched it to WAL, which needs the file to
    /// itself: it waited for every reader, and failed at the busy timeout.)
    @Test func aNewFoldOpensWhileAnotherProcessReadsIt() throws {
        try withNewFold(whileAnotherConnectionRuns: "BEGIN DEFERRED; SELECT count(*) FROM events") { path in
            let pool = try Store.openPool(path, busyTimeout: 0.2)
            #expect(try pool.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") } == "wal")
            try pool.writeWithoutTransaction { try $0.execute(sql: "CREATE TABLE IF NOT EXISTS main.fold_probe (x)") }
        }
    }

    /// The flake this guards against: a process that opens a new fold while
    /// another holds its write lock (as the other does while it sets the
    /// fold up) opens it, or waits for the lock up to the busy timeout like
    /// every other wait for it. Before, a fold in rollback mode made SQLite
    /// answer the switch to WAL with SQLITE_BUSY at once, and the command
    /// stopped, "locked by another process", although nobody was stuck.
    @Test func openingANewFoldNeverGivesUpAtOnceOnAnotherProcessesLock() throws {
        try withNewFold(whileAnotherConnectionRuns: "BEGIN IMMEDIATE") { path in
            let started = Date()
            do {
                _ = try Store.openPool(path, busyTimeout: 1)
            } catch let error as DatabaseError {
                #expect(error.resultCode == .SQLITE_BUSY, "\(error)")
                #expect(Date().timeIntervalSince(started) >= 1, "it gave up before its busy timeout: \(error)")
            }
        }
    }

    /// Two processes upgrading one store at once: the other applies a
    /// migration after this one read which migrations the store has and
    /// before it could take the write lock. This one finds the migration
    /// applied and goes on with the next, where GRDB alone failed with
    /// "table a already exists".
    @Test func aMigrationAnotherProcessAppliedMeanwhileIsNotAppliedTwice() throws {
        let directory = TemporaryDirectory()
        let path = directory.file()
        var migrator = DatabaseMigrator()
        migrator.registerMigration("a") { try $0.execute(sql: "CREATE TABLE a (x)") }
        migrator.registerMigration("b") { try $0.execute(sql: "CREATE TABLE b (x)") }
        let upgrade = migrator
        let waiting = DispatchSemaphore(value: 0)
        var configuration = Configuration()
        configuration.busyMode = .callback { _ in
            waiting.signal()
            usleep(1_000)
            return true
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        try pool.writeWithoutTransaction { try $0.execute(sql: "CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)") }
        let other = try DatabaseQueue(path: path)
        let failures = Failures()
        let done = DispatchSemaphore(value: 0)
        try other.inDatabase { db in
            try db.execute(sql: "BEGIN IMMEDIATE")
            DispatchQueue.global().async {
                do { try Schema.migrate(pool, with: upgrade) } catch { failures.add(error) }
                done.signal()
            }
            waiting.wait()  // it has read the store's migrations and waits for the write lock
            try db.execute(sql: "CREATE TABLE a (x); INSERT INTO grdb_migrations VALUES ('a'); COMMIT")
        }
        done.wait()
        #expect(failures.all.isEmpty, "\(failures.all)")
        #expect(try pool.read { try migrator.appliedIdentifiers($0) } == ["a", "b"])
    }

    /// A migration that fails on its own is thrown, not tried for ever.
    @Test func aMigrationThatFailsOnItsOwnIsThrown() throws {
        let directory = TemporaryDirectory()
        var migrator = DatabaseMigrator()
        migrator.registerMigration("a") { try $0.execute(sql: "CREATE TABLE a (x)") }
        migrator.registerMigration("b") { try $0.execute(sql: "INSERT INTO missing VALUES (1)") }
        let pool = try DatabasePool(path: directory.file())
        #expect(throws: DatabaseError.self) { try Schema.migrate(pool, with: migrator) }
        #expect(try pool.read { try migrator.appliedIdentifiers($0) } == ["a"])
    }

    /// A new fold (`Store.createFold`), with another connection inside the
    /// transaction `begin` opens while `body` runs; rolled back afterwards.
    private func withNewFold(whileAnotherConnectionRuns begin: String, _ body: (String) throws -> Void) throws {
        let directory = TemporaryDirectory()
        let path = directory.file("fold.sqlite")
        try Store.createFold(path)
        let other = try DatabaseQueue(path: path)
        try other.inDatabase { db in
            try db.execute(sql: begin)
            defer { try? db.execute(sql: "ROLLBACK") }
            try body(path)
        }
    }
}

private struct Winner: Error { var name: String }

/// Collects errors from concurrent writers.
private final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [any Error] = []
    func add(_ error: any Error) { lock.withLock { errors.append(error) } }
    var all: [any Error] { lock.withLock { errors } }
    /// A store held by another process: the writer gives up only after its
    /// deadline, and the busy error names that process and its command.
    @Test func aStuckStoreNamesTheProcessThatHoldsIt() throws {
        let directory = TemporaryDirectory()
        let path = directory.file()
        _ = try Store.create(at: path, settings: Sample.settings)
        let impatient = try Store.open(at: path, busyTimeout: 0.1, writeDeadline: 0.5)
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = ["sqlite3", path]
        let input = Pipe()
        holder.standardInput = input
        holder.standardOutput = FileHandle.nullDevice
        holder.standardError = FileHandle.nullDevice
        try holder.run()
        defer {
            try? input.fileHandleForWriting.close()
            holder.waitUntilExit()
        }
        input.fileHandleForWriting.write(Data("BEGIN IMMEDIATE;\n".utf8))
        let deadline = Date().addingTimeInterval(30)
        while LockHolder.describe(store: path) == nil && Date() < deadline { usleep(20_000) }
        let started = Date()
        do {
            try impatient.write { try $0.append(Sample.policy()) }
            Issue.record("a write went through while sqlite3 held the lock")
        } catch let StoreError.busy(busyPath, named) {
            #expect(busyPath == path)
            #expect(named?.contains("process \(holder.processIdentifier) (sqlite3 \(path))") == true, "\(named ?? "nobody")")
            #expect(Date().timeIntervalSince(started) >= 0.5, "it gave up before its deadline")
        }
    }
}
