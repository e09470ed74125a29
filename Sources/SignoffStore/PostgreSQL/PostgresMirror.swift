import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import GRDB
import SignoffCore

/// A PostgreSQL store as one client works with it.
///
/// The server holds the store: its chain of events (appended only through
/// `signoff.append_event`, which stamps who acted), its settings, the role
/// mappings and the shared outbox. Each client folds the events into query
/// tables of its own, an SQLite file in its cache directory that is only a
/// copy: the same fold, schema and queries as an SQLite store, so every
/// command and the console read and decide through one code path whichever
/// store they use. The copy follows the server:
///
/// - On opening, and whenever the console looks for changes, the events the
///   copy lacks are fetched and folded; each must come out with the hash the
///   server holds, and the copy's last event must still be the server's (else
///   the copy is thrown away and folded again from the first event).
/// - A command runs under the server's append lock (`signoff.begin_write`):
///   the copy catches up, the command reads and decides against it exactly as
///   on SQLite, and the events it appends go to the server, which checks the
///   chain, the actor and the hash again. The server's COMMIT is the decision;
///   the copy commits after it. A command that fails leaves both unchanged.
final class PostgresRemote: @unchecked Sendable {
    let connection: PostgresConnection
    let session: PostgresSetup.Session
    /// The store as people see it: the connection without its password.
    let shownAs: String
    /// libpq connections are used from one thread at a time.
    private let lock = NSLock()

    /// Hand-off leases (session advisory locks) this client holds now: while
    /// any is, a broken connection is not made again (`serverChanged`).
    var leasesHeld = 0

    init(connection: PostgresConnection, session: PostgresSetup.Session) {
        self.connection = connection
        self.session = session
        self.shownAs = connection.shownAs
    }

    func locked<T>(_ body: () throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        return try StoreError.mapping(store: shownAs, body)
    }

    /// Who holds the store's append lock (`PostgresSchema.appendLock`): the
    /// role and server process of the session, and what it is doing where
    /// this role may see it; nil when nobody does.
    func appendLockHolder() throws -> String? {
        let result = try connection.query("""
            SELECT a.usename, a.pid, a.state, to_char(a.xact_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
            FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'relation' AND l.granted AND l.mode = 'ExclusiveLock'
              AND l.relation = 'signoff.append_lock'::regclass
              AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
            LIMIT 1
            """)
        guard result.rowCount == 1 else { return nil }
        let row = result.row(0)
        var doing: [String] = ["server process \(row.integer(1).map(String.init) ?? "?")"]
        if let state = row.text(2) { doing.append(state) }
        if let since = row.text(3) { doing.append("in a transaction since \(since)") }
        return "PostgreSQL role \(row.text(0) ?? "?") (\(doing.joined(separator: ", ")))"
    }

    /// Whom this session records: the person its role is mapped to, identified
    /// by PostgreSQL; nil for a role that may only read.
    var actor: Principal? { session.person.map { Principal(name: $0, authentication: .postgresqlRole) } }

    /// What a fold keeps, by version: raised when the rules of folding change,
    /// so that no client goes on reading a copy folded under older ones. 2:
    /// what would give access that signoff never records is folded into
    /// nothing (`WriteTransaction.accessProblem`). 3: so is what would hide
    /// access (a post-incident review, reconciliation, an exception or
    /// removal of a finding) that signoff never records. 4: so is an
    /// approval by the steps that no review or route right before it makes.
    static let foldRules = 4

    /// Where this client keeps its fold of the store: one file per server,
    /// database, role and `rules`, under `$XDG_CACHE_HOME/signoff` (else `~/.cache/signoff`).
    static func foldPath(identity: String, rules: Int = foldRules,
                         environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let keyed = rules == 1 ? identity : identity + "\nfold rules \(rules)"
        let key = SHA256.hash(data: Data(keyed.utf8)).prefix(16).map { String(format: "%02x", $0) }.joined()
        let cache: String
        if let directory = environment["XDG_CACHE_HOME"], !directory.isEmpty {
            cache = directory
        } else {
            let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
            cache = (home as NSString).appendingPathComponent(".cache")
        }
        return (cache as NSString).appendingPathComponent("signoff/postgresql/\(key).sqlite")
    }

    /// This client's fold of the store under the current rules, the folds
    /// of older rules removed: a copy is only ever made again from the server.
    static func currentFoldPath(identity: String) -> String {
        for rules in 1..<foldRules { StoreFile.remove(foldPath(identity: identity, rules: rules)) }
        return foldPath(identity: identity)
    }
}

extension Store {
    /// Opens a PostgreSQL store: checks the schema and who this session is,
    /// and brings this client's fold up to the server's last event.
    /// `recordingMigrations`: false to only read it, which never changes a
    /// store (as on SQLite): the migrations the chain does not record yet
    /// are recorded by the next command that records anything.
    static func openShared(_ location: StoreLocation, connection text: String, recordingMigrations: Bool = true) throws -> Store {
        let remote = try StoreError.mapping(store: location.description) { () throws -> PostgresRemote in
            let connection = try PostgresConnection(text)
            let remote = PostgresRemote(connection: connection, session: try PostgresSetup.open(connection))
            // Every append notifies: the console and `signoff wait` learn of
            // changes from the server instead of asking it again and again.
            try connection.listen("signoff")
            return remote
        }
        let path = PostgresRemote.currentFoldPath(identity: try remote.locked { try remote.connection.identity() })
        let store = try { () throws -> Store in
            do {
                let store = try openFold(path, remote: remote)
                try store.catchUp()
                return store
            } catch FoldMismatch.stale {
                // The server's chain is not the one this copy folded (the store was
                // created again, or copied): fold it again from its first event.
                StoreFile.remove(path)
                let store = try openFold(path, remote: remote)
                try store.catchUp()
                return store
            }
        }()
        if recordingMigrations { try store.recordMigrations(remote) }
        return store
    }

    /// A store created by an older signoff, opened by this one in a session
    /// that may record (its role is mapped to a person): the migrations of
    /// this signoff's schema that the chain does not record yet are
    /// recorded in a `schema_migrated` event, as an SQLite store's first
    /// open by a newer signoff records them. Among them may be one from
    /// which the store accepts only a newer statement schema
    /// (`Schema.statementMarkers`): the chain adopts it there.
    private func recordMigrations(_ remote: PostgresRemote) throws {
        guard let actor = remote.actor else { return }
        let all = Schema.migrator.migrations
        func unrecorded(_ recorded: String?) -> [String] {
            guard let recorded, let index = all.firstIndex(of: recorded) else { return [] }
            return Array(all[(index + 1)...])
        }
        // Read from the fold first: most opens find nothing to record, and take no lock for it.
        let recorded = try read { db in try String.fetchOne(db, sql: "SELECT schema FROM settings WHERE id = 1") }
        guard !unrecorded(recorded).isEmpty else { return }
        try write { tx in
            // As the server's chain stands under the append lock: another session may have recorded them.
            let migrations = unrecorded(try tx.recordedSchema())
            guard !migrations.isEmpty else { return }
            try tx.append(EventDraft(requestID: nil, actor: actor, at: Date(), body: .schemaMigrated(.init(migrations: migrations))))
        }
    }

    /// `signoff init` on PostgreSQL: the schema, the creating role mapped to
    /// `person`, and the store's first event, `store_created`, recorded by that
    /// person, all in one transaction of the server.
    static func createShared(_ location: StoreLocation, connection text: String, settings: StoreSettings,
                             person: String?) throws {
        try StoreError.mapping(store: location.description) {
            let connection = try PostgresConnection(text)
            try PostgresSetup.create(connection, settings: settings, person: person) {
                let remote = PostgresRemote(connection: connection, session: try PostgresSetup.readSession(connection))
                let path = PostgresRemote.currentFoldPath(identity: try connection.identity())
                StoreFile.remove(path)
                let store = try openFold(path, remote: remote)
                try store.write { tx in
                    try tx.append(EventDraft(
                        requestID: nil, actor: remote.actor ?? Principal(name: connection.user, authentication: .postgresqlRole),
                        at: settings.createdAt,
                        body: .storeCreated(.init(trustAssertedIdentities: settings.trustAssertedIdentities, shareGroup: nil,
                                                  migrations: Schema.migrator.migrations))))
                }
            }
        }
    }

    /// The fold file at `path`, created (0600, in a 0700 directory) when missing.
    private static func openFold(_ path: String, remote: PostgresRemote, shownAs: String? = nil) throws -> Store {
        try StoreError.mapping(path: path) {
            if !StoreFile.exists(path) { try createFold(path) }
            let pool = try openPool(path, busyTimeout: busyTimeout)
            // The server's COMMIT is what makes a decision durable; the fold
            // is a copy, checked against the server's chain whenever it is
            // opened. A power cut may take its last transactions (never its
            // consistency: WAL with NORMAL), and the next open folds them
            // again: so the copy does not wait for the disk a second time.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
            let isFold = try pool.read { db in
                try Int32.fetchOne(db, sql: "PRAGMA application_id") == Schema.applicationID
            }
            if !isFold {
                throw StoreError.notAStore(path: path)
            } else if try pool.read({ try Schema.migrator.appliedIdentifiers($0) }) != Set(Schema.migrator.migrations) {
                // Folded by another version of signoff: fold again with this one.
                try pool.close()
                StoreFile.remove(path)
                return try openFold(path, remote: remote, shownAs: shownAs)
            }
            try pool.writeWithoutTransaction { db in
                try createChangeLog(db)
                try db.execute(sql: Self.createNotFolded)
            }
            // Named as the server is in messages; the fold is only a copy.
            return Store(path: shownAs ?? remote.shownAs, settings: remote.session.settings, access: .write, pool: pool, remote: remote)
        }
    }

    /// An empty fold with the store's schema, made under another name and
    /// linked into place only when whole: processes that open the same
    /// store at once each see no file or a complete one.
    ///
    /// Whole includes its journal mode: the fold is put in place already in
    /// WAL mode, as every open (`openPool`) wants it. A file in place in
    /// SQLite's default rollback mode would be switched to WAL by whichever
    /// process opened it first; a second process opening it meanwhile (two
    /// commands of one account started at once) then asks for the write lock
    /// the first holds while it switches, and SQLite answers that upgrade
    /// with SQLITE_BUSY at once, without waiting (it could deadlock): the
    /// command stopped with `StoreError.busy` although nobody was stuck.
    /// Switched here, before the link, while no one else can see the file
    /// (its content already in the file itself, the empty log removed when
    /// the queue closes), every opener finds WAL mode and changes nothing.
    static func createFold(_ path: String) throws {
        try StoreFile.makeParentDirectories(of: path)
        let draft = path + ".\(getpid()).\(UInt32.random(in: 0 ... .max)).new"
        defer { StoreFile.remove(draft) }
        try StoreFile.createEmpty(at: draft, group: nil)
        let queue = try DatabaseQueue(path: draft)
        try Schema.migrate(queue)
        try queue.write { db in try db.execute(sql: "PRAGMA application_id = \(Schema.applicationID)") }
        let mode = try queue.writeWithoutTransaction { db in try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL") }
        guard mode == "wal" else {
            throw StoreError.fileAccess(path: path, detail: "SQLite would not keep the new copy in WAL mode (it stayed \(mode ?? "unknown"))")
        }
        try queue.close()
        if link(draft, path) != 0, errno != EEXIST {
            throw StoreError.fileAccess(path: path, detail: String(cString: strerror(errno)))
        }
    }

    /// Whether someone appended since this client last looked: a
    /// notification arrived within `timeout` (or had already). Where the
    /// connection broke (the server restarted), it is made again here, and
    /// only here: between commands, as the console and `signoff wait` look
    /// for changes, never within a command's transaction or while a hand-off
    /// lease is held, which went with the old session. Whatever was notified
    /// meanwhile was missed, so the answer is then yes.
    func serverChanged(within timeout: TimeInterval) throws -> Bool {
        guard let remote else { return false }
        return try remote.locked {
            if !remote.connection.isHealthy, remote.leasesHeld == 0 {
                guard remote.connection.reconnect() else { throw remote.connection.lost("connecting again") }
                try remote.connection.listen("signoff")
                return true
            }
            return try !remote.connection.waitForNotifications(timeout: timeout).isEmpty
        }
    }

    /// The last event this fold holds.
    func changeTokenOfFold() throws -> Int64 {
        try read { db in try Int64.fetchOne(db, sql: "SELECT coalesce(max(sequence), 0) FROM events") ?? 0 }
    }

    /// Folds the events (and outbox changes) the server has and this copy lacks.
    func catchUp() throws {
        guard let remote else { return }
        let folded = try remote.locked {
            try immediateTransaction { db -> Int in
                let connection = remote.connection
                if connection.isInTransaction {
                    return try fold(db, remote)
                } else {
                    // BEGIN goes with the fold's first reads, in one round trip.
                    do {
                        let folded = try fold(db, remote, after: ["BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"])
                        try connection.execute("COMMIT")
                        return folded
                    } catch {
                        if connection.isHealthy, connection.isInTransaction { try? connection.execute("ROLLBACK") }
                        throw error
                    }
                }
            }
        }
        if folded >= Self.foldCheckpoint {
            // A large fold (the first open) leaves a write-ahead log as large
            // as the file; the next process to open the fold would read all
            // of it again to rebuild its index. Copied into the file and cut
            // to nothing now, it costs this open once instead of every open.
            // The pages that fold wrote stay in the connection's cache (up to
            // its 64 MB) for nothing, and the memory the fold freed stays in
            // the process: both go back before the store is used.
            try? pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
                db.releaseMemory()
            }
            Self.returnFreedMemory()
        }
    }

    /// Hands the heap the process freed back to the system (glibc's
    /// `malloc_trim`, which Swift's Glibc module does not export).
    private static func returnFreedMemory() {
        #if canImport(Glibc)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
        let trim = unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
        _ = trim(0)
        #endif
    }

    /// Events folded at once past which the fold's log is checkpointed and truncated.
    static let foldCheckpoint = 10_000

    /// One command against the server, under its append lock (see `PostgresRemote`).
    /// The lock is waited for until `writeDeadline`, as an SQLite store's
    /// write lock is: a session that holds it and is stuck (a client paused
    /// in its transaction) holds up every writer for that long, not for ever;
    /// then the command stops with `StoreError.busy`, naming the session that
    /// holds it, and nothing is written. The deadline is one for the whole
    /// command: the fold's own write lock and the server's share it.
    func sharedWrite<T>(_ remote: PostgresRemote, _ body: (WriteTransaction) throws -> T) throws -> T {
        let deadline = Date().addingTimeInterval(writeDeadline)
        // The first attempt waits for the server's lock briefly when someone
        // is to be told of the wait (`observeLockWaits`), then the command
        // starts again and waits out the deadline.
        var report = lockWaitReport
        return try remote.locked {
            while true {
                let serverWait = report == nil ? deadline : min(deadline, Date().addingTimeInterval(Self.firstLockWait))
                do {
                    return try sharedTransaction(remote, until: deadline, serverWaitUntil: serverWait, reporting: report, body)
                } catch let error as PostgresError where error.sqlState == PostgresError.lockNotAvailable {
                    let holder = try? remote.appendLockHolder()
                    guard let told = report, serverWait < deadline else {
                        throw StoreError.busy(path: remote.shownAs, holder: holder)
                    }
                    report = nil
                    told(holder)
                }
            }
        }
    }

    private func sharedTransaction<T>(_ remote: PostgresRemote, until deadline: Date, serverWaitUntil serverWait: Date,
                                      reporting report: (@Sendable (_ holder: String?) -> Void)?,
                                      _ body: (WriteTransaction) throws -> T) throws -> T {
        try immediateTransaction(until: deadline, reporting: report) { db in
            let connection = remote.connection
            let outer = connection.isInTransaction
            do {
                // The lock and the fold's reads in one round trip, waiting
                // for the lock only as long as the deadline leaves (a first,
                // short wait only for the lock: what follows it in the
                // command may wait until the deadline).
                func wait(until date: Date) -> String {
                    "SET LOCAL lock_timeout = \(max(1, Int((date.timeIntervalSinceNow * 1000).rounded(.up))))"
                }
                var opening = (outer ? [] : ["BEGIN"]) + [wait(until: serverWait), "SELECT * FROM signoff.begin_write()"]
                if serverWait < deadline { opening.append(wait(until: deadline)) }
                try fold(db, remote, after: opening)
                let start = try Int64.fetchOne(db.cachedStatement(sql: "SELECT coalesce(max(sequence), 0) FROM events")) ?? 0
                let transaction = WriteTransaction(db: db, settings: settings, isCopy: true)
                defer { transaction.isOpen = false }
                let result = try body(transaction)
                try transaction.finish()
                // The events, the outbox and the COMMIT in one round trip.
                try send(db, remote, after: start, commit: !outer)
                return result
            } catch {
                if !outer, connection.isHealthy { try? connection.execute("ROLLBACK") }
                throw error
            }
        }
    }

    /// The outbox rows a command adds or changes, noted by temporary
    /// triggers of the fold's writer connection for `send`. Made once, when
    /// the fold is opened: schema statements on every command would make
    /// SQLite, and GRDB's cache of prepared statements, start over each time.
    private static func createChangeLog(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TEMP TABLE IF NOT EXISTS changed_outbox (id INTEGER NOT NULL);
            CREATE TEMP TRIGGER IF NOT EXISTS outbox_added AFTER INSERT ON main.outbox
            BEGIN INSERT INTO changed_outbox VALUES (new.id); END;
            CREATE TEMP TRIGGER IF NOT EXISTS outbox_changed AFTER UPDATE ON main.outbox
            BEGIN INSERT INTO changed_outbox VALUES (new.id); END;
            """)
    }

    /// The copy's own record of the events it kept without folding them
    /// (`appendUnfolded`), so that every command can say how many there are.
    /// Only a copy has it: `audit verify` leaves it out of a copy's schema,
    /// and `store copy` drops it from the file it makes.
    static let notFoldedTable = "fold_events_not_folded"
    private static let createNotFolded = """
        CREATE TABLE IF NOT EXISTS main.\(notFoldedTable) (
            sequence INTEGER PRIMARY KEY, kind TEXT NOT NULL, reason TEXT NOT NULL)
        """

    /// How many events of this store the copy keeps without folding them:
    /// each is one signoff would never record, and `audit verify` names it. 0 for a file.
    public func eventsNotFolded() throws -> Int {
        guard remote != nil else { return 0 }
        return try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM \(Self.notFoldedTable)") ?? 0 }
    }

    /// Rows the fold reads from the server at a time.
    static let foldPage = 2_000
    static let eventsPage = """
        SELECT sequence, at, actor, authentication, kind, request_id, payload, hash, signature, statement
        FROM signoff.events WHERE sequence > $1 ORDER BY sequence LIMIT \(foldPage)
        """
    static let outboxPage = """
        SELECT \(OutboxRows.columns), revision FROM signoff.outbox WHERE revision > $1 ORDER BY revision LIMIT \(foldPage)
        """

    /// The server's events after this copy's last one, folded here; then the
    /// outbox rows that changed since this copy last looked. `opening`
    /// (BEGIN, the append lock) goes first, in the same round trip as the
    /// check of this copy's last event and the first page of each.
    @discardableResult
    private func fold(_ db: Database, _ remote: PostgresRemote, after opening: [String] = []) throws -> Int {
        let connection = remote.connection
        var from: Int64 = 0
        var statements = opening.map { PostgresConnection.Statement($0) }
        let head = try Row.fetchOne(db.cachedStatement(sql: "SELECT sequence, hash FROM events ORDER BY sequence DESC LIMIT 1"))
        if let head {
            from = head[0]
            statements.append(.init("SELECT hash FROM signoff.events WHERE sequence = $1", [.integer(from)]))
        }
        // The fold's user_version holds the last outbox revision it took in.
        let seen = try Int64.fetchOne(db.cachedStatement(sql: "PRAGMA user_version")) ?? 0
        statements.append(.init(Self.eventsPage, [.integer(from)]))
        statements.append(.init(Self.outboxPage, [.integer(seen)]))
        var results = try connection.pipeline(statements).dropFirst(opening.count)
        if let head {
            let hash: String = head[1]
            let server = results.removeFirst()
            guard server.rowCount == 1, server.row(0).text(0) == hash else { throw FoldMismatch.stale }
        }
        let firstEvents = results.removeFirst(), firstOutbox = results.removeFirst()
        let transaction = WriteTransaction(db: db, settings: settings, isCopy: true)
        transaction.folding = true
        defer { transaction.isOpen = false }
        var requestNumber: Int64 = 0
        var folded = 0
        // Who created the store, as the copy's first event says; a fold from
        // the chain's start learns it from the first event it folds.
        var decisions = try Store.creator(db).map { DecisionCheck(storeCreator: $0.name) } ?? DecisionCheck()
        try Self.forEachRow(firstEvents, connection, Self.eventsPage, key: 0) { row in
            folded += 1
            let sequence = row.integer(0) ?? 0
            let kind = row.text(4) ?? ""
            let payload = row.text(6) ?? ""
            // A kind this schema does not know: a newer signoff's (the table refuses them otherwise).
            guard EventKind(rawValue: kind) != nil, let authenticationText = row.text(3),
                  let authentication = Authentication(rawValue: authenticationText) else {
                throw StoreError.database(path: remote.shownAs, detail: """
                    event \(sequence) (\(DisplaySafe.text(kind))) cannot be read by this signoff: it was written by a newer \
                    one, or not by signoff; run signoff audit verify with the newest signoff
                    """)
            }
            let signature = row.text(8).flatMap { armored in row.text(9).map { EventSignature(armored: armored, statement: $0) } }
            let at = row.integer(1) ?? 0
            var reason = "its payload cannot be read as \(kind)"
            let body = try? EventBody.read(kind: kind, payload: Data(payload.utf8))
            // Read, but not written as signoff writes it (other spacing, key
            // order or escapes): folding it would chain other bytes than the
            // store holds, so it is kept as it is and folded into nothing.
            if let body, !payload.utf8.elementsEqual(body.encodedPayloadBytes()) {
                reason = "its payload is not in the canonical form signoff writes"
            } else if let body {
                let draft = EventDraft(requestID: row.text(5), actor: Principal(name: row.text(2) ?? "", authentication: authentication),
                                       at: Date(storeMilliseconds: at), body: body, signature: signature)
                let before = transaction.headSequence
                do {
                    if let problem = try transaction.accessProblem(draft, &decisions) {
                        throw StoreError.invalidEvent(problem)
                    }
                    let recorded = try transaction.append(draft)
                    if case .requestSubmitted = body, let id = draft.requestID, id.hasPrefix("REQ-"), let number = Int64(id.dropFirst(4)) {
                        requestNumber = max(requestNumber, number)
                    }
                    try Self.check(recorded.sequence == sequence && recorded.hash == row.text(7), sequence, remote)
                    if folded % Self.foldPage == 0 { try transaction.shed() }
                    return
                } catch let error as StoreError where error.refusesTheEvent && transaction.headSequence == before {
                    // Refused for what it is, before anything of it was written: kept below, folded into nothing.
                    reason = error.description
                }
            }
            // An event signoff never records, appended by hand through the
            // store's function: it decides nothing, and no client stops at it.
            let hash = try transaction.appendUnfolded(sequence: sequence, at: at, actor: row.text(2) ?? "",
                                                      authentication: authenticationText, kind: kind, requestID: row.text(5),
                                                      payload: Array(payload.utf8), signature: signature)
            try Self.check(hash == row.text(7), sequence, remote)
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO \(Self.notFoldedTable) (sequence, kind, reason) VALUES (?, ?, ?)")
                .execute(arguments: [sequence, kind, reason])
        }
        try transaction.finish()
        if requestNumber > 0 {
            // The next request number, as the submitting client counted it.
            try db.execute(sql: """
                INSERT INTO counters (name, value) VALUES ('request_number', ?)
                ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)
                """, arguments: [requestNumber])
        }
        var latest = seen
        let upsert = try db.cachedStatement(sql: """
            INSERT INTO outbox (\(OutboxRows.columns))
            VALUES (\(OutboxRows.serverColumns.map { _ in "?" }.joined(separator: ", ")))
            ON CONFLICT (id) DO UPDATE SET state = excluded.state, attempts = excluded.attempts,
                next_attempt_at = excluded.next_attempt_at, last_attempt_at = excluded.last_attempt_at,
                last_error = excluded.last_error, delivered_at = excluded.delivered_at,
                lease_owner = excluded.lease_owner, lease_until = excluded.lease_until,
                changed_by = excluded.changed_by, changed_how = excluded.changed_how
            """)
        let revision = OutboxRows.serverColumns.count
        try Self.forEachRow(firstOutbox, connection, Self.outboxPage, key: revision) { row in
            let values: [DatabaseValue] = OutboxRows.serverColumns.map { row.value($0.index, $0.type) }
            try upsert.execute(arguments: StatementArguments(values))
            latest = row.integer(revision) ?? latest
        }
        if latest != seen { try db.execute(sql: "PRAGMA user_version = \(latest)") }
        // Those rows are the server's already: only what a command changes after this is sent.
        try db.cachedStatement(sql: "DELETE FROM temp.changed_outbox").execute()
        return folded
    }

    /// Stops the fold unless event `sequence` chained here into the hash the store holds for it.
    private static func check(_ sameHash: Bool, _ sequence: Int64, _ remote: PostgresRemote) throws {
        guard !sameHash else { return }
        throw StoreError.database(path: remote.shownAs, detail: """
            event \(sequence) does not fold into the hash the store holds for it: the store was changed outside \
            signoff, or by another version; run signoff audit verify
            """)
    }

    /// Calls `body` for each row of `first` (a page of `sql`, whose one
    /// parameter is the key to continue after, column `key` of a row) and of
    /// the pages that follow it, fetched while a page comes back full.
    private static func forEachRow(_ first: PostgresResult, _ connection: PostgresConnection, _ sql: String, key: Int,
                                   _ body: (PostgresRow) throws -> Void) throws {
        var page = first
        while true {
            let count = page.rowCount
            for index in 0..<count { try body(page.row(index)) }
            guard count == foldPage, let last = page.row(count - 1).integer(key) else { return }
            page = try connection.query(sql, [.integer(last)])
        }
    }

    /// Sends what this command appended after event `start` to the server:
    /// its events, the administrators of a policy it applied, and the outbox
    /// rows it added or changed; then, when `commit`, COMMIT. Pipelined: a
    /// few round trips for a command however many events it appends, each
    /// statement checked by the server as if sent alone, and nothing after
    /// a refused one runs (the COMMIT included).
    private func send(_ db: Database, _ remote: PostgresRemote, after start: Int64, commit: Bool) throws {
        let connection = remote.connection
        var statements: [PostgresConnection.Statement] = []
        let events = try Row.fetchCursor(db.cachedStatement(sql: EventColumns.select + " WHERE sequence > ? ORDER BY sequence"),
                                         arguments: [start])
        while let event = try events.next() {
            statements.append(.init("SELECT signoff.append_event($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                                    Self.serverValues(event)))
            if event[4] as String == EventKind.policyApplied.rawValue, let stored = try StoredPolicy.fetchLatest(db, isCopy: true) {
                statements += try Self.policyStatements(stored, creator: try Store.creator(db)?.name)
            }
            if statements.count >= Self.pipelineLength {
                try connection.pipeline(statements)
                statements = []
            }
        }
        statements += try Self.outboxStatements(db, where: "id IN (SELECT id FROM temp.changed_outbox)")
        if commit { statements.append(.init("COMMIT")) }
        // Short pipelines: libpq's buffers, and the server's, stay small.
        for chunk in stride(from: 0, to: statements.count, by: Self.pipelineLength) {
            try connection.pipeline(Array(statements[chunk..<min(chunk + Self.pipelineLength, statements.count)]))
        }
    }

    static let pipelineLength = 500

    /// A policy this transaction applied; the people it makes
    /// administrators, whom the server lets record store-wide changes; and
    /// those it lets deliver notifications, whom the server lets change the
    /// delivery of notifications others added.
    private static func sendPolicy(_ stored: StoredPolicy, creator: String?, _ connection: PostgresConnection) throws {
        for statement in try policyStatements(stored, creator: creator) {
            try connection.query(statement.sql, statement.parameters)
        }
    }

    private static func policyStatements(_ stored: StoredPolicy, creator: String?) throws -> [PostgresConnection.Statement] {
        let policy = try stored.parsed()
        let deliverers = policy.identities(allowedTo: RolePermission(.deliverNotifications), storeCreator: creator)
        let administrators = policy.people.filter { person in
            RoleAction.administration.contains { action in
                policy.may(person, RolePermission(action), storeCreator: nil, at: stored.appliedAt).allowed
            }
        }
        return [.init("""
            SELECT signoff.put_policy($1, $2, $3, $4, $5, $6, $7, $8, ARRAY(SELECT jsonb_array_elements_text($9::jsonb)))
            """, [.integer(stored.sequence), .text(stored.version), PostgresValue(stored.previousVersion), .text(stored.file),
                  .text(stored.source), .integer(stored.appliedAt.storeMilliseconds), .text(stored.appliedBy.name),
                  .text(stored.appliedBy.authentication.rawValue),
                  .text(String(decoding: try JSONEncoder().encode(administrators), as: UTF8.self))]),
                .init("SELECT signoff.put_deliverers($1, ARRAY(SELECT jsonb_array_elements_text($2::jsonb)))",
                      [.integer(stored.sequence), .text(String(decoding: try JSONEncoder().encode(deliverers), as: UTF8.self))])]
    }

    /// Every outbox row of a file being copied into a new store, as it
    /// stands: who added it and who last changed it included (the store's
    /// administrator may, only into a store being filled by a copy).
    private static func copyOutbox(_ db: Database, _ connection: PostgresConnection) throws {
        for statement in try outboxStatements(db, where: "1", copying: true) {
            try connection.query(statement.sql, statement.parameters)
        }
    }

    /// Outbox rows of this copy that match `condition` (SQL), for the server:
    /// through `put_outbox`, which stamps who added or changed them, or,
    /// `copying` a store, through `copy_outbox`, which keeps what they say.
    private static func outboxStatements(_ db: Database, where condition: String,
                                         copying: Bool = false) throws -> [PostgresConnection.Statement] {
        var statements: [PostgresConnection.Statement] = []
        let rows = try Row.fetchCursor(db.cachedStatement(sql: "SELECT \(OutboxRows.columns) FROM outbox WHERE \(condition) ORDER BY id"))
        let sent = copying ? OutboxRows.serverColumns[...] : OutboxRows.serverColumns.prefix(OutboxRows.sentColumns)
        while let row = try rows.next() {
            let values = sent.map { column -> PostgresValue in
                switch column.type {
                case .text: PostgresValue(row[column.index] as String?)
                case .integer: PostgresValue(row[column.index] as Int64?)
                }
            }
            statements.append(.init("""
                SELECT signoff.\(copying ? "copy_outbox" : "put_outbox")($1::bigint, $2::text, $3::text, $4::text, $5::text,
                    $6::text, $7::text, $8::text, $9::bigint, $10::bigint, $11::text, $12::integer, $13::bigint, $14::bigint,
                    $15::text, $16::bigint, $17::text, $18::bigint\(copying ? ", $19::text, $20::text, $21::text" : ""))
                """, values))
        }
        return statements
    }

    /// An `events` row (`EventColumns.select`) as the server's functions take it.
    private static func serverValues(_ event: Row) -> [PostgresValue] {
        [.integer(event[0]), .integer(event[1]), .text(event[2]), .text(event[3]), .text(event[4]),
         PostgresValue(event[5] as String?), .text(event[6]), .text(event[7]), .text(event[8]),
         PostgresValue(event[9] as String?), PostgresValue(event[10] as String?)]
    }

    /// `signoff store copy`: every event of the store at `source`, with its
    /// hash unchanged, into a new store at `target`: an SQLite file into a
    /// PostgreSQL database (created as `signoff init` would, with its
    /// creator acting as `person`), or a PostgreSQL store into a new SQLite
    /// file. Every event is checked on the way (the server checks each hash;
    /// a file is folded event by event as `audit verify` would). A file is
    /// copied only when it passes its own `audit verify`, run in the snapshot
    /// the copy reads, before any server is reached: the server takes its
    /// settings and the policies' administrators from it, and those are
    /// read from what the events say (the policies from the chained
    /// `policy_applied` events themselves). Nothing is left at `target` when
    /// it fails. Returns the events copied.
    public static func copy(from source: StoreLocation, to target: StoreLocation, person: String?) throws -> Int64 {
        switch (source, target) {
        case let (.sqlite(path), .postgresql(connection)):
            let from = try openForReading(at: path)
            return try from.readVerified(refusing: "nothing was copied") { db in
                // As the events say: verify held the settings table to them, in this snapshot.
                guard let settings = try StoreSettings.fetch(db) else { throw StoreError.notAStore(path: path) }
                let policies = try StoredPolicy.appliedFromEvents(db, isCopy: false)
                return try StoreError.mapping(store: target.description) {
                    let server = try PostgresConnection(connection)
                    var copied: Int64 = 0
                    try PostgresSetup.create(server, settings: settings, person: person) {
                        let events = try Row.fetchCursor(db, sql: EventColumns.select + " ORDER BY sequence")
                        while let event = try events.next() {
                            try server.query("SELECT signoff.copy_event($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                                             serverValues(event))
                            copied += 1
                        }
                        try copyOutbox(db, server)
                        let creator = try Store.creator(db)?.name
                        for policy in policies { try sendPolicy(policy, creator: creator, server) }
                    }
                    return copied
                }
            }
        case let (.postgresql(connection), .sqlite(path)):
            try StoreFile.refuseExisting(path)
            let remote = try StoreError.mapping(store: source.description) { () throws -> PostgresRemote in
                let server = try PostgresConnection(connection)
                return PostgresRemote(connection: server, session: try PostgresSetup.open(server))
            }
            // Folded beside `path` and put there whole once closed: a copy
            // stopped part way leaves nothing at `path`.
            let partial = StoreFile.partial(of: path)
            StoreFile.remove(partial)
            do {
                let store = try openFold(partial, remote: remote, shownAs: path)
                try store.catchUp()
                let head = try store.changeTokenOfFold()
                try store.pool.writeWithoutTransaction { db in
                    // A file is no copy: its own `audit verify` names what was not folded.
                    try db.execute(sql: "DROP TABLE \(Self.notFoldedTable)")
                    // Everything in the file itself, so it moves alone.
                    let checkpoint = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
                    guard checkpoint?[0] as Int? == 0 else {
                        throw StoreError.fileAccess(path: path, detail: "the copy's log could not be written into it; try again")
                    }
                }
                try store.pool.close()
                try StoreFile.applyAccess(to: partial, group: nil)
                try StoreFile.placeNew(partial, at: path)
                return head
            } catch {
                StoreFile.remove(partial)
                throw error
            }
        case (.sqlite, .sqlite), (.postgresql, .postgresql):
            throw StoreError.invalidEvent("""
                store copy moves a store between a file and PostgreSQL; to copy a file, use sqlite3's .backup, \
                and a PostgreSQL store, pg_dump
                """)
        }
    }
}

/// The copy's last event is not the server's: fold the store again.
enum FoldMismatch: Error { case stale }

extension OutboxRows {
    enum ColumnType { case text, integer }
    /// `columns`, in order, with their types.
    static let serverColumns: [(index: Int, type: ColumnType)] = [
        .integer, .text, .text, .text, .text, .text, .text, .text, .integer, .integer,
        .text, .integer, .integer, .integer, .text, .integer, .text, .integer, .text, .text, .text,
    ].enumerated().map { ($0.offset, $0.element) }
    /// The first `sentColumns` of them are what `put_outbox` takes: the
    /// server stamps `changed_by`, `changed_how` and `created_by` itself.
    static let sentColumns = 18
}

extension PostgresRow {
    /// Column `index` as SQLite takes it.
    func value(_ index: Int, _ type: OutboxRows.ColumnType) -> DatabaseValue {
        switch type {
        case .text: text(index).databaseValue
        case .integer: integer(index).databaseValue
        }
    }
}
