import Dispatch
import Foundation
import GRDB
#if canImport(GRDBSQLite)
import GRDBSQLite
#elseif canImport(SQLite3)
import SQLite3
#endif

/// Copies the write-ahead log back into the database file after commits, on a
/// thread and a connection of its own, instead of inside them.
///
/// SQLite's automatic checkpoint runs inside the COMMIT that brings the log to
/// 1,000 pages: that command waits while pages are copied and the database
/// file is fsync'd, although its own changes were durable once the log was
/// fsync'd (synchronous=FULL). The store's connections replace it with a
/// commit hook that reports the log's size; past `threshold` new pages a
/// PASSIVE checkpoint runs here. PASSIVE neither waits for nor blocks readers
/// and writers, so commits go on while it copies.
///
/// A crash or exit during a checkpoint loses nothing: the log stays valid until
/// the copy is complete. Short-lived processes call `Store.settle()` before they
/// exit, so the log does not grow from one command to the next.
final class Checkpointer: @unchecked Sendable {
    /// New log pages between checkpoints: SQLite's own `wal_autocheckpoint` default.
    static let threshold: Int32 = 1000

    /// Every live checkpointer, so a process can wait for all of them before it exits.
    private static let all = Registry()

    private let path: String
    private let queue = DispatchQueue(label: "signoff store checkpoint", qos: .utility)
    private let lock = NSLock()
    /// Guarded by `lock`: a checkpoint is queued and has not started.
    private var isQueued = false
    /// Guarded by `lock`: the log's size when the last checkpoint was queued. A
    /// log that was not restarted (commits went on during the copy) stays large;
    /// the next checkpoint waits for `threshold` more pages, as SQLite's would.
    private var queuedAt: Int32 = 0
    /// Used on `queue` only.
    private var connection: OpaquePointer?

    init(path: String) {
        self.path = path
        Self.all.add(self)
    }

    deinit {
        if let connection { sqlite3_close_v2(connection) }
    }

    /// Installs the commit hook on one of the store's connections. It replaces
    /// SQLite's automatic checkpoint, which is itself such a hook.
    func attach(to db: Database) {
        sqlite3_wal_hook(db.sqliteConnection, { context, _, _, pages in
            if let context { Unmanaged<Checkpointer>.fromOpaque(context).takeUnretainedValue().committed(logPages: pages) }
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Called by SQLite right after a commit, on the committing thread.
    private func committed(logPages: Int32) {
        guard logPages >= Self.threshold else { return }
        lock.lock()
        if logPages < queuedAt { queuedAt = 0 } // the log was restarted since
        let start = !isQueued && logPages - queuedAt >= Self.threshold
        if start {
            isQueued = true
            queuedAt = logPages
        }
        lock.unlock()
        guard start else { return }
        queue.async { [self] in
            lock.lock()
            isQueued = false
            lock.unlock()
            checkpoint()
        }
    }

    /// Returns once no checkpoint is queued or running.
    func wait() {
        queue.sync {}
    }

    /// Waits for the checkpoints of every store this process opened.
    static func waitForAll() {
        for checkpointer in all.live() { checkpointer.wait() }
    }

    /// Best effort: a busy or failed checkpoint is tried again after a later
    /// commit, and the last connection to close a store checkpoints anyway.
    private func checkpoint() {
        if connection == nil {
            var handle: OpaquePointer?
            guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK else {
                sqlite3_close_v2(handle)
                return
            }
            // As the store's own connections: keep -wal and -shm (and their mode) on close.
            var persist: Int32 = 1
            _ = sqlite3_file_control(handle, "main", SQLITE_FCNTL_PERSIST_WAL, &persist)
            sqlite3_busy_timeout(handle, 1000)
            sqlite3_exec(handle, "PRAGMA synchronous = FULL", nil, nil, nil)
            connection = handle
        }
        _ = sqlite3_wal_checkpoint_v2(connection, "main", SQLITE_CHECKPOINT_PASSIVE, nil, nil)
    }

    /// Weak references to the live checkpointers.
    private final class Registry: @unchecked Sendable {
        private let lock = NSLock()
        private var entries: [Weak] = []

        struct Weak { weak var value: Checkpointer? }

        func add(_ checkpointer: Checkpointer) {
            lock.lock()
            defer { lock.unlock() }
            entries.removeAll { $0.value == nil }
            entries.append(Weak(value: checkpointer))
        }

        func live() -> [Checkpointer] {
            lock.lock()
            defer { lock.unlock() }
            return entries.compactMap(\.value)
        }
    }
}
