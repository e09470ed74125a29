import Foundation
import Synchronization
import GRDB
import SignoffCore
#if canImport(GRDBSQLite)
import GRDBSQLite
#elseif canImport(SQLite3)
import SQLite3
#endif

/// The only door to the database: an append-only, hash-chained event log and
/// the query tables folded from it, in one SQLite file in WAL mode.
///
/// Each command is one `write`: an IMMEDIATE transaction, so concurrent writers
/// (other processes, other `Store` instances) queue behind each other, and
/// every command sees the state the previous one committed. A writer that
/// finds the store locked waits and tries again, with backoff, until
/// `writeDeadline`: contention waits, only a stuck store fails. Reads run in a
/// snapshot and never wait for a writer. Do not call a `Store` method from
/// inside a `write` body; use the `WriteTransaction` it receives.
public final class Store: Sendable {
    /// Whether a store was opened to change it or only to read it.
    public enum Access: Sendable, Hashable {
        /// Migrates the schema if needed; may write.
        case write
        /// Never writes, migrates or changes a file's mode: works for an account
        /// that may only read the files (see `openForReading`).
        case read
    }

    /// The database file; the -wal and -shm files sit next to it.
    public let path: String
    /// What names this store in an account's trusted hand-offs and
    /// notification commands, wherever the command runs: the file, or for a
    /// PostgreSQL store this account's fold of it (one per server, port,
    /// database and role; `path` is then the connection as shown, which may
    /// be relative to nothing).
    public var trustedAs: String { remote == nil ? path : pool.path }
    public let settings: StoreSettings
    public let access: Access
    /// How long `write` keeps trying for the write lock (`defaultWriteDeadline`).
    public let writeDeadline: TimeInterval
    let pool: DatabasePool
    /// A private copy read instead of the store (see `openForReading`); removed with this value.
    private let copy: String?
    /// For a PostgreSQL store, the server; `path` is then this client's fold
    /// of its events (see `PostgresRemote`).
    let remote: PostgresRemote?
    /// Told once per write that finds the store's lock held, before it waits on (`observeLockWaits`).
    private let lockWaitObserver = Mutex<(@Sendable (_ holder: String?) -> Void)?>(nil)
    /// The `settings` row as a write last read it, and the settings the events set then (`settingsNow`).
    private let settingsSeen = Mutex<(row: StoreSettings, chained: StoreSettings)?>(nil)

    /// The settings a write of a store file goes by, as of its transaction:
    /// chained from the events (`StoreSettings.chained`) again whenever the
    /// `settings` row reads otherwise than at the last write, so that a
    /// change another process made since this one opened the store (trust
    /// of asserted identities turned off) holds here at once, and an edited
    /// row is not believed. Before the store's first event, its own `settings`.
    func settingsNow(_ db: Database) throws -> StoreSettings {
        // None yet: the store is being created, with `settings`.
        guard let row = try StoreSettings.fetch(db) else { return settings }
        if let seen = settingsSeen.withLock({ $0 }), seen.row == row { return seen.chained }
        let chained = try StoreSettings.chained(db) ?? row
        settingsSeen.withLock { $0 = (row, chained) }
        return chained
    }

    /// How long SQLite itself waits on a lock before it reports the store
    /// busy, on every connection: the writer waits this long before the
    /// retry loop in `write` takes over (and may say who holds it); a reader,
    /// or a process opening the store, waits this long for the lock another
    /// process holds while it checkpoints the log as its last connection
    /// closes, which a slow disk can make take seconds. Within the write
    /// deadline, so `SIGNOFF_LOCK_TIMEOUT` bounds every wait.
    public static var busyTimeout: TimeInterval { min(defaultWriteDeadline, 10) }

    /// How long a write keeps trying for the write lock before it gives up
    /// with `StoreError.busy`: long enough for many writers and bulk
    /// submissions queued at once. `SIGNOFF_LOCK_TIMEOUT` (seconds) overrides it.
    public static var defaultWriteDeadline: TimeInterval {
        lockTimeoutSetting().seconds ?? 120
    }

    /// `SIGNOFF_LOCK_TIMEOUT` as set: its seconds, or nil when it is unset or
    /// empty; and, for a value that is not a number of seconds from 0.001 to
    /// 86,400 (a day), what is wrong with it. The command line refuses to
    /// start with such a value: a deadline mistyped (`30s`, `2m`) would
    /// otherwise be the default of 120 seconds without a word.
    public static func lockTimeoutSetting(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        -> (seconds: TimeInterval?, problem: String?) {
        guard let text = environment["SIGNOFF_LOCK_TIMEOUT"], !text.isEmpty else { return (nil, nil) }
        guard let seconds = TimeInterval(text.trimmingCharacters(in: .whitespaces)), seconds.isFinite,
              seconds >= 0.001, seconds <= 86_400 else {
            return (nil, "SIGNOFF_LOCK_TIMEOUT is \"\(text)\": give how long a write waits for the store's lock as a number of seconds from 0.001 to 86400 (for example 30), or unset it for the default of 120")
        }
        return (seconds, nil)
    }

    init(path: String, settings: StoreSettings, access: Access, pool: DatabasePool, copy: String? = nil,
         writeDeadline: TimeInterval = Store.defaultWriteDeadline, remote: PostgresRemote? = nil) {
        self.path = path
        self.remote = remote
        self.writeDeadline = writeDeadline
        self.settings = settings
        self.access = access
        self.pool = pool
        self.copy = copy
    }

    deinit {
        if let copy {
            try? pool.close()
            StoreFile.removeCopy(copy)
        }
    }

    /// `$SIGNOFF_STORE`, else `$XDG_DATA_HOME/signoff/signoff.sqlite`, else
    /// `~/.local/share/signoff/signoff.sqlite`. `create` makes missing
    /// directories (0700); this only computes the path.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let path = environment["SIGNOFF_STORE"], !path.isEmpty { return path }
        if let data = environment["XDG_DATA_HOME"], !data.isEmpty {
            return (data as NSString).appendingPathComponent("signoff/signoff.sqlite")
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return (home as NSString).appendingPathComponent(".local/share/signoff/signoff.sqlite")
    }

    /// Creates a new store at `location`.
    public static func create(_ location: StoreLocation, settings: StoreSettings) throws -> Store {
        switch location {
        case let .sqlite(path): return try create(at: path, settings: settings)
        case let .postgresql(connection):
            try createShared(location, connection: connection, settings: settings, person: nil)
            return try openShared(location, connection: connection)
        }
    }

    /// Opens the store at `location`.
    public static func open(_ location: StoreLocation) throws -> Store {
        switch location {
        case let .sqlite(path): return try open(at: path)
        case let .postgresql(connection): return try openShared(location, connection: connection)
        }
    }

    /// Opens the store at `location` only to read it (see `openForReading(at:)`).
    public static func openForReading(_ location: StoreLocation) throws -> Store {
        switch location {
        case let .sqlite(path): try openForReading(at: path)
        case let .postgresql(connection): try openShared(location, connection: connection, recordingMigrations: false)
        }
    }

    /// Creates a new store; refuses if anything exists at `path`. Files are
    /// 0600, or 0660 and owned by `settings.shareGroup` when that is set.
    /// Its first event, `store_created`, records `creator` (by default this
    /// process's operating-system account), the settings and the schema.
    public static func create(at path: String, settings: StoreSettings, creator: Principal? = nil) throws -> Store {
        let group = try settings.shareGroup.map(StoreFile.groupID(named:))
        try StoreFile.refuseExisting(path)
        try StoreFile.makeParentDirectories(of: path)
        try StoreFile.createEmpty(at: path, group: group)
        do {
            let pool = try StoreError.mapping(path: path) { () throws -> DatabasePool in
                let pool = try openPool(path, busyTimeout: busyTimeout)
                try Schema.migrate(pool)
                try pool.write { db in try db.execute(sql: "PRAGMA application_id = \(Schema.applicationID)") }
                return pool
            }
            let store = Store(path: path, settings: settings, access: .write, pool: pool)
            try store.write { tx in
                try tx.append(EventDraft(
                    requestID: nil, actor: creator ?? Principal(name: StoreFile.accountName(), authentication: .osAccount),
                    at: settings.createdAt,
                    body: .storeCreated(.init(trustAssertedIdentities: settings.trustAssertedIdentities,
                                              shareGroup: settings.shareGroup, migrations: Schema.migrator.migrations))))
            }
            try StoreFile.applyAccess(to: path, group: group)
            return store
        } catch {
            StoreFile.remove(path)
            throw error
        }
    }

    /// Opens an existing store to change it, applying (and recording as a
    /// `schema_migrated` event) any migrations it lacks. Refuses a missing file
    /// (with the hint to create it), a file that is not a signoff store, and a
    /// store written by a newer signoff.
    public static func open(at path: String) throws -> Store {
        try open(at: path, busyTimeout: busyTimeout)
    }

    static func open(at path: String, busyTimeout: TimeInterval, writeDeadline: TimeInterval = Store.defaultWriteDeadline) throws -> Store {
        guard StoreFile.exists(path) else { throw StoreError.missing(path: path) }
        // Refused before SQLite opens it to write, which would change it.
        guard !StoreFile.isDirectory(path), !plainlyNotAStore(path) else { throw StoreError.notAStore(path: path) }
        return try StoreError.mapping(path: path) {
            let pool = try openPool(path, busyTimeout: busyTimeout)
            guard let applied = try pool.read({ try identify($0, path: path) }) else {
                throw StoreError.notAStore(path: path)
            }
            try Schema.migrate(pool)
            let settings = try pool.read(chainedSettings)
            let store = Store(path: path, settings: settings, access: .write, pool: pool, writeDeadline: writeDeadline)
            // Migrations applied now, or by an earlier run that stopped before
            // recording them: the schema is evidence too.
            let recorded = try pool.read { db in try String.fetchOne(db, sql: "SELECT schema FROM settings WHERE id = 1") }
            let all = Schema.migrator.migrations
            let unrecorded = recorded.flatMap { all.firstIndex(of: $0) }.map { Array(all[($0 + 1)...]) }
                ?? all.filter { !applied.contains($0) }
            if !unrecorded.isEmpty, try pool.read({ try Bool.fetchOne($0, sql: "SELECT 1 FROM events WHERE sequence = 1 AND kind = 'store_created'") }) == true {
                try store.write { tx in
                    guard try tx.recordedSchema() != all.last else { return }
                    try tx.append(EventDraft(requestID: nil, actor: Principal(name: StoreFile.accountName(), authentication: .osAccount),
                                             at: Date(), body: .schemaMigrated(.init(migrations: unrecorded))))
                }
            }
            if let shareGroup = settings.shareGroup, let group = try? StoreFile.groupID(named: shareGroup) {
                // Best effort: files this account created since are handed to the group.
                try? StoreFile.applyAccess(to: path, group: group)
            }
            return store
        }
    }

    /// Opens a store only to read it: no migration, no change of mode, no
    /// write of any kind, for an account that may only read the files (an
    /// auditor). SQLite reads a WAL store read-only when its -wal and -shm
    /// files exist or can be created; otherwise, with no -wal (everything is in
    /// the main file) the file is read as immutable, and with a -wal this
    /// account cannot open, a private copy of the three files is read instead.
    public static func openForReading(at path: String) throws -> Store {
        guard StoreFile.exists(path) else { throw StoreError.missing(path: path) }
        guard !StoreFile.isDirectory(path) else { throw StoreError.notAStore(path: path) }
        guard StoreFile.isReadable(path) else {
            throw StoreError.fileAccess(path: path, detail: "this account may not read it")
        }
        return try StoreError.mapping(path: path) {
            let wal = StoreFile.size(path + "-wal")
            do {
                if wal == nil {
                    // Nothing waits in a log: the main file is the whole store, and
                    // reading it as immutable creates no -wal or -shm beside it.
                    return try readingStore(path, location: StoreFile.immutableURI(path))
                }
                return try readingStore(path, location: path)
            } catch let error as DatabaseError where wal != nil {
                guard [.SQLITE_CANTOPEN, .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_AUTH].contains(error.resultCode.primaryResultCode) else {
                    throw error
                }
                if wal == 0 { return try readingStore(path, location: StoreFile.immutableURI(path)) }
                let copy = try StoreFile.copyForReading(path)
                do {
                    return try readingStore(path, location: copy + "/store.sqlite", copy: copy)
                } catch {
                    StoreFile.removeCopy(copy)
                    throw error
                }
            }
        }
    }

    private static func readingStore(_ path: String, location: String, copy: String? = nil) throws -> Store {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(busyTimeout)
        configuration.label = "signoff store (read-only)"
        let pool = try DatabasePool(path: location, configuration: configuration)
        guard let applied = try pool.read({ try identify($0, path: path) }) else {
            throw StoreError.notAStore(path: path)
        }
        let missing = Schema.migrator.migrations.filter { !applied.contains($0) }
        if !missing.isEmpty { throw StoreError.needsMigration(path: path, migrations: missing) }
        return Store(path: path, settings: try pool.read(chainedSettings), access: .read, pool: pool, copy: copy)
    }

    /// Whether a file is plainly not a signoff store, told before it is
    /// opened to write (which changes a database: SQLite would turn it to
    /// write-ahead logging and leave -wal and -shm files beside it): an
    /// empty file, and a database in rollback-journal mode (whose main file
    /// is then all of it) without signoff's application ID. Signoff makes its
    /// stores in write-ahead-log mode, where the ID may not be in the main
    /// file yet; those, a backup in rollback mode that has the ID, and
    /// anything SQLite cannot read this way are left for the open to tell.
    /// Read through SQLite, read-only: a descriptor of this process's own,
    /// once closed, would drop the locks its connections hold on the file.
    static func plainlyNotAStore(_ path: String) -> Bool {
        guard let size = StoreFile.size(path) else { return false }
        if size == 0 { return true }
        var handle: OpaquePointer?
        defer { sqlite3_close_v2(handle) }
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY, nil) == SQLITE_OK, let handle else { return false }
        func value(_ pragma: String) -> (text: String?, integer: Int64)? {
            var statement: OpaquePointer?
            defer { sqlite3_finalize(statement) }
            guard sqlite3_prepare_v2(handle, "PRAGMA \(pragma)", -1, &statement, nil) == SQLITE_OK,
                  sqlite3_step(statement) == SQLITE_ROW else { return nil }
            return (sqlite3_column_text(statement, 0).map { String(cString: $0) }, sqlite3_column_int64(statement, 0))
        }
        guard let mode = value("journal_mode")?.text, mode.lowercased() != "wal",
              let applicationID = value("application_id")?.integer else { return false }
        return applicationID != Int64(Schema.applicationID)
    }

    /// The store's applied migrations; nil when the file is not a signoff
    /// store (no signoff application ID, or no settings row).
    private static func identify(_ db: Database, path: String) throws -> Set<String>? {
        guard try Int32.fetchOne(db, sql: "PRAGMA application_id") == Schema.applicationID else { return nil }
        let applied = try Schema.migrator.appliedIdentifiers(db)
        let unknown = applied.subtracting(Schema.migrator.migrations)
        if !unknown.isEmpty { throw StoreError.schemaTooNew(path: path, unknownMigrations: unknown.sorted()) }
        guard try StoreSettings.fetch(db) != nil else { return nil }
        return applied
    }

    /// The settings a store's commands go by, read once its schema is this signoff's (`StoreSettings.chained`).
    private static func chainedSettings(_ db: Database) throws -> StoreSettings {
        guard let settings = try StoreSettings.chained(db) else { throw StoreError.unreadableRow("the store has no settings row") }
        return settings
    }

    static func openPool(_ path: String, busyTimeout: TimeInterval) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.foreignKeysEnabled = true
        configuration.label = "signoff store"
        configuration.prepareDatabase { db in
            // Keep -wal and -shm between sessions so they keep the mode and group
            // given at creation instead of being re-created by whoever opens next.
            var persist: Int32 = 1
            _ = sqlite3_file_control(db.sqliteConnection, "main", SQLITE_FCNTL_PERSIST_WAL, &persist)
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        // GRDB sets NORMAL for WAL; a recorded decision must survive a power cut.
        // A bulk submission touches every index page of `requests`; a 64 MB
        // cache keeps one big transaction from spilling and re-reading pages.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL; PRAGMA cache_size = -65536")
        }
        return pool
    }

    /// Has `observer` told, once per write, when the write finds the store's
    /// lock held by another process or session, with who holds it as far as
    /// the system says (nil when it does not), after a first wait of about
    /// `firstLockWait` and before it waits on until its deadline. The console
    /// says so while its decision waits, instead of freezing unexplained.
    /// Called on the writing thread; nil stops it.
    public func observeLockWaits(_ observer: (@Sendable (_ holder: String?) -> Void)?) {
        lockWaitObserver.withLock { $0 = observer }
    }

    /// How long a write waits for the lock before an observer hears of it.
    static let firstLockWait: TimeInterval = 0.3

    var lockWaitReport: (@Sendable (_ holder: String?) -> Void)? { lockWaitObserver.withLock { $0 } }

    /// Runs one command as one IMMEDIATE transaction. Everything `body` appends
    /// commits together when it returns, or not at all when it throws; its own
    /// errors come back unchanged. While another process holds the write lock
    /// it waits and tries again, with growing, jittered pauses, until
    /// `writeDeadline`; then `StoreError.busy` names the holder when it can.
    /// `body` may run more than once: it must decide from what the transaction
    /// reads, as every command does.
    @discardableResult
    public func write<T>(_ body: (WriteTransaction) throws -> T) throws -> T {
        if let remote { return try sharedWrite(remote, body) }
        return try immediateTransaction(reporting: lockWaitReport) { db in
            let transaction = WriteTransaction(db: db, settings: try settingsNow(db), isCopy: false, readers: pool)
            defer { transaction.isOpen = false }
            let result = try body(transaction)
            try transaction.finish()
            return result
        }
    }

    /// One IMMEDIATE transaction on the writer, committed when `body` returns:
    /// `write`'s, and the outbox's bookkeeping. Waits for the write lock with
    /// backoff until `deadline` (by default `writeDeadline` from now; see
    /// `write`). SQLite's own wait on each attempt is cut to what is left of
    /// it, so the last attempt ends at the deadline, not a whole busy
    /// timeout after it. `report`, when given, hears of the first wait after
    /// a short one (`observeLockWaits`).
    func immediateTransaction<T>(until deadline: Date? = nil, reporting report: (@Sendable (_ holder: String?) -> Void)? = nil,
                                 _ body: (Database) throws -> T) throws -> T {
        guard access == .write else { throw StoreError.readOnly(path: path) }
        let deadline = deadline ?? Date().addingTimeInterval(writeDeadline)
        var configuredWait: TimeInterval = 0
        if case let .timeout(seconds) = pool.configuration.busyMode { configuredWait = seconds }
        var pause: TimeInterval = 0.005
        // The first attempt waits briefly when someone is to be told of the wait.
        var report = report
        while true {
            do {
                return try StoreError.mapping(path: path) {
                    try pool.writeWithoutTransaction { db in
                        let left = deadline.timeIntervalSinceNow
                        let wait = report == nil ? configuredWait : min(configuredWait, Self.firstLockWait)
                        Self.setBusyTimeout(db, max(0.001, min(wait, left)))
                        defer { Self.setBusyTimeout(db, configuredWait) }
                        var result: T?
                        try db.inTransaction(.immediate) {
                            result = try body(db)
                            return .commit
                        }
                        return result!
                    }
                }
            } catch StoreError.busy(_, _) {
                guard Date() < deadline else {
                    throw StoreError.busy(path: path, holder: LockHolder.describe(store: path))
                }
                if let told = report {
                    report = nil
                    told(LockHolder.describe(store: path))
                }
                Thread.sleep(forTimeInterval: pause * Double.random(in: 0.5...1.5))
                pause = min(pause * 2, 0.25)
            }
        }
    }

    private static func setBusyTimeout(_ db: Database, _ seconds: TimeInterval) {
        sqlite3_busy_timeout(db.sqliteConnection, Int32(min((seconds * 1000).rounded(.up), Double(Int32.max))))
    }

    /// Appends events in one transaction, e.g. a bulk submission.
    @discardableResult
    public func appendBatch(_ drafts: some Sequence<EventDraft>) throws -> [RecordedEvent] {
        try write { try $0.append(contentsOf: drafts) }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try StoreError.mapping(path: path) { try pool.read(body) }
    }

    /// Gives the store's files the mode and group of `shareGroup` (0660 and
    /// that group, or 0600), for the files this account owns: after a
    /// settings change.
    public func applyFileAccess(shareGroup: String?) throws {
        guard remote == nil else { return }  // a PostgreSQL store has no files to share
        try StoreFile.applyAccess(to: path, group: try shareGroup.map(StoreFile.groupID(named:)))
    }

    /// Who created the store: the actor of its `store_created` event (nil for
    /// a store made before stores recorded it).
    public func creator() throws -> Principal? {
        try read { try Self.creator($0) }
    }

    static func creator(_ db: Database) throws -> Principal? {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT actor, authentication FROM events WHERE sequence = 1 AND kind = 'store_created'
            """) else { return nil }
        return Principal(name: try row.checked(0, "events.actor"),
                         authentication: Authentication(rawValue: try row.checked(1, "events.authentication")) ?? .system)
    }

    /// What `signoff.statement/3` names the store by: the chained hash of
    /// its first event (its `store_created`). Stable for the store's life,
    /// kept by `store copy` (which keeps every hash), and different in every
    /// other store. nil for a store with no event yet.
    public func identity() throws -> String? {
        try read { try Self.identity($0) }
    }

    static func identity(_ db: Database) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT hash FROM events WHERE sequence = 1"))
    }

    // MARK: Reads, each in its own snapshot

    public func record(_ id: String) throws -> RequestRecord? {
        try read { try Self.record($0, id) }
    }

    /// A request's record and its events in order, read in one snapshot, so
    /// that the one can be checked against the other (`disputes(of:history:)`)
    /// without a decision made between the two reads looking like an edit.
    public func recordWithHistory(_ id: String) throws -> (record: RequestRecord, history: [RecordedEvent])? {
        try read { db in try Self.record(db, id).map { ($0, try Self.events(db, requestID: id, isCopy: remote != nil)) } }
    }

    private static func record(_ db: Database, _ id: String) throws -> RequestRecord? {
        guard let data = try Data.fetchOne(db.cachedStatement(sql: "SELECT record FROM requests WHERE id = ?"), arguments: [id])
        else { return nil }
        return try EventCoding.readRecord(data)
    }

    public func records(_ filter: RequestFilter) throws -> [RequestRecord] {
        let (clause, arguments) = filter.sql
        return try read { db in
            let blobs = try Data.fetchCursor(db, sql: "SELECT record FROM requests" + clause,
                                             arguments: StatementArguments(arguments))
            var records: [RequestRecord] = []
            while let blob = try blobs.next() {
                records.append(try EventCoding.readRecord(blob))
            }
            return records
        }
    }

    /// The request's events in order: the evidence behind its record.
    public func events(requestID: String) throws -> [RecordedEvent] {
        try read { try Self.events($0, requestID: requestID, isCopy: remote != nil) }
    }

    /// The events about a request of `kinds` recorded after event `after`
    /// and after the latest event of `stoppingAt`, at or after `since`, in
    /// order: read back from the newest, so the cost follows how many are
    /// that recent, not the store's size. The clock of a store can step
    /// back, so an older event ends the reading only after a thousand more
    /// in a row. On a copy of a PostgreSQL store, without those it kept unfolded.
    public func recentEvents(of kinds: Set<EventKind>, after: Int64, stoppingAt: Set<EventKind>,
                             since: Date) throws -> [RecordedEvent] {
        let wanted = Set(kinds.map { Array($0.rawValue.utf8) })
        let stops = Set(stoppingAt.map { Array($0.rawValue.utf8) })
        let cut = since.storeMilliseconds
        return try read { db in
            let sql = EventColumns.select + " WHERE sequence > ?"
                + (remote != nil ? " AND sequence NOT IN (SELECT sequence FROM \(Self.notFoldedTable))" : "")
                + " ORDER BY sequence DESC"
            var query = FastStatement(try db.cachedStatement(sql: sql), db)
            query.bind(after)
            var events: [RecordedEvent] = []
            var olderInARow = 0
            try query.forEachRowWhile { row in
                let columns = EventColumns(statement: row)
                let kind = Array(columns.kind)
                if stops.contains(kind) { return false }
                guard columns.at >= cut else {
                    olderInARow += 1
                    return olderInARow < 1000
                }
                olderInARow = 0
                if columns.requestID != nil, wanted.contains(kind) {
                    events.append(RecordedEvent(sequence: columns.sequence, draft: try columns.draft(),
                                                hash: String(decoding: columns.hash, as: UTF8.self)))
                }
                return true
            }
            return events.reversed()
        }
    }

    /// The request's events in order, as folded. On a copy of a PostgreSQL
    /// store (`isCopy`), without those the copy kept unfolded (`notFolded`):
    /// they decide nothing, so no history replayed to check a row counts
    /// them, and one that cannot be read stops no reader of its request.
    static func events(_ db: Database, requestID: String, isCopy: Bool) throws -> [RecordedEvent] {
        let sql = EventColumns.select + " WHERE request_id = ?"
            + (isCopy ? " AND sequence NOT IN (SELECT sequence FROM \(notFoldedTable))" : "") + " ORDER BY sequence"
        var query = FastStatement(try db.cachedStatement(sql: sql), db)
        query.bind(requestID)
        var events: [RecordedEvent] = []
        try query.forEachRow { row in
            let columns = EventColumns(statement: row)
            events.append(RecordedEvent(sequence: columns.sequence, draft: try columns.draft(),
                                        hash: String(decoding: columns.hash, as: UTF8.self)))
        }
        return events
    }

    /// The events naming `requestID` that a copy of a PostgreSQL store kept
    /// without folding them (appended by hand through the store's function,
    /// of a kind signoff knows but as signoff never records it), one line
    /// each, in order: what a reader of the request is told. Empty for a file.
    static func notFolded(_ db: Database, requestID: String, isCopy: Bool) throws -> [String] {
        guard isCopy else { return [] }
        return try Row.fetchAll(db.cachedStatement(sql: """
            SELECT n.sequence, n.kind, n.reason FROM \(notFoldedTable) n JOIN events e ON e.sequence = n.sequence
            WHERE e.request_id = ? ORDER BY n.sequence
            """), arguments: [requestID]).map { row in
            let sequence: Int64 = try row.checked(0, "\(notFoldedTable).sequence")
            let kind: String = try row.checked(1, "\(notFoldedTable).kind")
            let reason: String = try row.checked(2, "\(notFoldedTable).reason")
            return "event \(sequence) (\(kind)) was appended by hand and decides nothing: signoff folded it into nothing (\(reason))"
        }
    }

    public func currentPolicy() throws -> StoredPolicy? {
        try read { try StoredPolicy.fetchLatest($0, isCopy: remote != nil) }
    }

    /// Pages this store's writer has written to the log since it was opened:
    /// what a commit costs beyond its fsync, for the benchmark's pages per
    /// approval (SQLite's `SQLITE_DBSTATUS_CACHE_WRITE`).
    public func pagesWritten() -> Int {
        pool.writeWithoutTransaction { db in
            var current: Int32 = 0, highest: Int32 = 0
            sqlite3_db_status(db.sqliteConnection, SQLITE_DBSTATUS_CACHE_WRITE, &current, &highest, 0)
            return Int(current)
        }
    }

    /// Changes whenever anyone appends an event: the highest sequence number
    /// (0 for an empty store). Cheap enough to poll several times a second.
    public func changeToken() throws -> Int64 {
        if try serverChanged(within: 0) { try catchUp() }
        return try read { db in
            try Int64.fetchOne(db.cachedStatement(sql: "SELECT coalesce(max(sequence), 0) FROM events")) ?? 0
        }
    }
}

extension Store {
    /// Waits until someone may have appended an event, at most `timeout`, and
    /// returns `changeToken()`. SQLite cannot tell, so this sleeps a fifth of
    /// a second at most and looks; a PostgreSQL store is woken by the
    /// server's notification the moment another client commits.
    public func changeToken(waitingAtMost timeout: TimeInterval) throws -> Int64 {
        if remote != nil {
            if try serverChanged(within: max(0, timeout)) { try catchUp() }
        } else {
            Thread.sleep(forTimeInterval: min(max(0, timeout), 0.2))
        }
        return try changeToken()
    }
}

/// A stored event whose columns no longer decode into an `EventBody`.
public struct UndecodableEvent: Error, Sendable, Hashable, CustomStringConvertible {
    public var sequence: Int64
    public var detail: String
    public var description: String { "event \(sequence) cannot be read: \(detail)" }
}
