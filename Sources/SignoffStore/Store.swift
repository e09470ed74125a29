import Foundation
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
/// (other processes, other `Store` instances) queue behind the busy timeout and
/// every command sees the state the previous one committed. Reads run in a
/// snapshot and never wait for a writer. Do not call a `Store` method from
/// inside a `write` body; use the `WriteTransaction` it receives.
public final class Store: Sendable {
    /// The database file; the -wal and -shm files sit next to it.
    public let path: String
    public let settings: StoreSettings
    let pool: DatabasePool

    /// How long a writer waits for another process's transaction before `StoreError.busy`.
    public static let busyTimeout: TimeInterval = 5

    private init(path: String, settings: StoreSettings, pool: DatabasePool) {
        self.path = path
        self.settings = settings
        self.pool = pool
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
        case let .sqlite(path): try create(at: path, settings: settings)
        case .postgresql: throw StoreError.unavailable(location.description)
        }
    }

    /// Opens the store at `location`.
    public static func open(_ location: StoreLocation) throws -> Store {
        switch location {
        case let .sqlite(path): try open(at: path)
        case .postgresql: throw StoreError.unavailable(location.description)
        }
    }

    /// Creates a new store; refuses if anything exists at `path`. Files are
    /// 0600, or 0660 and owned by `settings.shareGroup` when that is set.
    public static func create(at path: String, settings: StoreSettings) throws -> Store {
        let group = try settings.shareGroup.map(StoreFile.groupID(named:))
        if StoreFile.exists(path) { throw StoreError.alreadyExists(path: path) }
        try StoreFile.makeParentDirectories(of: path)
        try StoreFile.createEmpty(at: path, group: group)
        do {
            let pool = try StoreError.mapping(path: path) { () throws -> DatabasePool in
                let pool = try openPool(path, busyTimeout: busyTimeout)
                try Schema.migrator.migrate(pool)
                try pool.write { db in
                    try db.execute(sql: "PRAGMA application_id = \(Schema.applicationID)")
                    try settings.insert(db)
                }
                return pool
            }
            try StoreFile.applyAccess(to: path, group: group)
            return Store(path: path, settings: settings, pool: pool)
        } catch {
            StoreFile.remove(path)
            throw error
        }
    }

    /// Opens an existing store and applies any migrations it lacks. Refuses a
    /// missing file (with the hint to create it), a file that is not a signoff
    /// store, and a store written by a newer signoff.
    public static func open(at path: String) throws -> Store {
        try open(at: path, busyTimeout: busyTimeout)
    }

    static func open(at path: String, busyTimeout: TimeInterval) throws -> Store {
        guard StoreFile.exists(path) else { throw StoreError.missing(path: path) }
        return try StoreError.mapping(path: path) {
            let pool = try openPool(path, busyTimeout: busyTimeout)
            let settings = try pool.read { db -> StoreSettings? in
                guard try Int32.fetchOne(db, sql: "PRAGMA application_id") == Schema.applicationID else { return nil }
                let unknown = try Schema.migrator.appliedIdentifiers(db).subtracting(Schema.migrator.migrations)
                if !unknown.isEmpty { throw StoreError.schemaTooNew(path: path, unknownMigrations: unknown.sorted()) }
                return try StoreSettings.fetch(db)
            }
            guard let settings else { throw StoreError.notAStore(path: path) }
            try Schema.migrator.migrate(pool)
            if let shareGroup = settings.shareGroup, let group = try? StoreFile.groupID(named: shareGroup) {
                // Best effort: files this account created since are handed to the group.
                try? StoreFile.applyAccess(to: path, group: group)
            }
            return Store(path: path, settings: settings, pool: pool)
        }
    }

    private static func openPool(_ path: String, busyTimeout: TimeInterval) throws -> DatabasePool {
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

    /// Runs one command as one IMMEDIATE transaction. Everything `body` appends
    /// commits together when it returns, or not at all when it throws; its own
    /// errors come back unchanged.
    @discardableResult
    public func write<T>(_ body: (WriteTransaction) throws -> T) throws -> T {
        try StoreError.mapping(path: path) {
            try pool.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    let transaction = WriteTransaction(db: db, settings: settings)
                    defer { transaction.isOpen = false }
                    result = try body(transaction)
                    try transaction.finish()
                    return .commit
                }
                return result!
            }
        }
    }

    /// Appends events in one transaction, e.g. a bulk submission.
    @discardableResult
    public func appendBatch(_ drafts: some Sequence<EventDraft>) throws -> [RecordedEvent] {
        try write { try $0.append(contentsOf: drafts) }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try StoreError.mapping(path: path) { try pool.read(body) }
    }

    // MARK: Reads, each in its own snapshot

    public func record(_ id: String) throws -> RequestRecord? {
        try read { db in
            guard let data = try Data.fetchOne(db.cachedStatement(sql: "SELECT record FROM requests WHERE id = ?"),
                                               arguments: [id])
            else { return nil }
            return try EventCoding.readRecord(data)
        }
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
        try read { db in
            try StoredEvent.fetchAll(db, sql: StoredEvent.select + " WHERE request_id = ? ORDER BY sequence",
                                     arguments: [requestID]).map { try $0.recorded() }
        }
    }

    public func currentPolicy() throws -> StoredPolicy? {
        try read { try StoredPolicy.fetchLatest($0) }
    }

    /// Changes whenever anyone appends an event: the highest sequence number
    /// (0 for an empty store). Cheap enough to poll several times a second.
    public func changeToken() throws -> Int64 {
        try read { db in
            try Int64.fetchOne(db.cachedStatement(sql: "SELECT coalesce(max(sequence), 0) FROM events")) ?? 0
        }
    }
}

/// One `events` row as stored, before decoding its payload.
struct StoredEvent {
    static let select = """
        SELECT sequence, at, actor, authentication, kind, request_id, payload, prev_hash, hash FROM events
        """
    var sequence: Int64
    var at: Int64
    var actor: String
    var authentication: String
    var kind: String
    var requestID: String?
    var payload: String
    var prevHash: String
    var hash: String

    init(row: Row) {
        sequence = row[0]; at = row[1]; actor = row[2]; authentication = row[3]; kind = row[4]
        requestID = row[5]; payload = row[6]; prevHash = row[7]; hash = row[8]
    }

    static func fetchAll(_ db: Database, sql: String, arguments: StatementArguments = []) throws -> [StoredEvent] {
        try Row.fetchAll(db, sql: sql, arguments: arguments).map(StoredEvent.init(row:))
    }

    func draft() throws -> EventDraft {
        guard let authentication = Authentication(rawValue: authentication) else {
            throw UndecodableEvent(sequence: sequence, detail: "unknown authentication \"\(self.authentication)\"")
        }
        let body: EventBody
        do {
            body = try EventBody.read(kind: kind, payload: Data(payload.utf8))
        } catch {
            throw UndecodableEvent(sequence: sequence, detail: "\(error)")
        }
        return EventDraft(requestID: requestID, actor: Principal(name: actor, authentication: authentication),
                          at: Date(storeMilliseconds: at), body: body)
    }

    func recorded() throws -> RecordedEvent {
        RecordedEvent(sequence: sequence, draft: try draft(), hash: hash)
    }
}

/// A stored event whose columns no longer decode into an `EventBody`.
public struct UndecodableEvent: Error, Sendable, Hashable, CustomStringConvertible {
    public var sequence: Int64
    public var detail: String
    public var description: String { "event \(sequence) cannot be read: \(detail)" }
}
