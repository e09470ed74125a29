import Foundation
import GRDB
#if canImport(GRDBSQLite)
import GRDBSQLite
#elseif canImport(SQLite3)
import SQLite3
#endif
import SignoffCore
import SignoffStore

/// What SQLite alone takes to write what a command wrote: the rows it left,
/// copied with `INSERT ... SELECT` into a store of the same schema, in one
/// durable transaction, with no routing, hashing, encoding or Swift in the
/// loop. No implementation on this schema and disk can be faster, so the
/// figure tells how much of a budget the storage itself leaves.
enum SQLiteFloor {
    /// A connection as the store's own writer has it: synchronous=FULL, the same cache.
    /// In WAL mode like the store (a `VACUUM INTO` copy starts in rollback mode).
    static func open(_ path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL; PRAGMA cache_size = -65536")
        }
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = WAL") }
        return queue
    }

    /// Seconds to copy every row of `source` (a store) into a new, empty store.
    static func copyAllRows(of source: String, in directory: URL) throws -> Double {
        let path = directory.appendingPathComponent("floor.sqlite").path
        _ = try Store.create(at: path, settings: StoreSettings(trustAssertedIdentities: true))
        let queue = try open(path)
        defer { try? queue.close() }
        // Parents before children; settings, migrations and the first event
        // (`store_created`) are the new store's own.
        let tables = ["policies", "counters", "requests", "reviews", "grants", "grant_status", "hand_off"]
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "ATTACH DATABASE ? AS source", arguments: [source])
        }
        return try Measure.time {
            try queue.inTransaction(.immediate) { db in
                try db.execute(sql: "INSERT INTO main.events SELECT * FROM source.events WHERE sequence > (SELECT max(sequence) FROM main.events)")
                for table in tables {
                    try db.execute(sql: "INSERT INTO main.\(table) SELECT * FROM source.\(table)")
                }
                return .commit
            }
        }
    }

    /// A copy of a store as it is now, to replay a command's writes on later.
    static func snapshot(of source: String, to path: String) throws {
        let queue = try open(source)
        defer { try? queue.close() }
        try queue.writeWithoutTransaction { db in try db.execute(sql: "VACUUM INTO ?", arguments: [path]) }
    }

    /// Seconds to apply what each review wrote to `after` onto `before` (a
    /// snapshot taken just ahead of them), one durable transaction per
    /// request in the order they were reviewed, as `signoff approve` commits
    /// them: its new events, its request row, its review rows, its grant.
    /// Called in turns with the reviews, each time with the ones since;
    /// `checkCounts` on the last, once every review has been replayed.
    static func replayReviews(before: String, after: String, ids: [String], checkCounts: Bool) throws -> Double {
        let queue = try open(before)
        defer { try? queue.close() }
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "ATTACH DATABASE ? AS after", arguments: [after])
        }
        let (base, columns) = try queue.read { db in
            (try Int64.fetchOne(db, sql: "SELECT max(sequence) FROM main.events") ?? 0,
             try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info('requests') WHERE name <> 'id'"))
        }
        let newEvents = "SELECT sequence FROM after.events WHERE request_id = ?1 AND sequence > ?2"
        let list = columns.joined(separator: ", ")
        // Each statement with whether it also takes ?2, the snapshot's last sequence.
        let statements = [
            ("INSERT INTO main.events SELECT * FROM after.events WHERE sequence IN (\(newEvents))", true),
            ("UPDATE main.requests SET (\(list)) = (SELECT \(list) FROM after.requests WHERE id = ?1) WHERE id = ?1", false),
            ("INSERT INTO main.reviews SELECT * FROM after.reviews WHERE sequence IN (\(newEvents))", true),
            ("INSERT INTO main.grants SELECT * FROM after.grants WHERE request_id = ?1", false),
            ("INSERT INTO main.grant_status SELECT * FROM after.grant_status WHERE request_id = ?1", false),
        ]
        let seconds = try Measure.time {
            for id in ids {
                try queue.inTransaction(.immediate) { db in
                    for (sql, takesBase) in statements {
                        try db.cachedStatement(sql: sql).execute(arguments: takesBase ? [id, base] : [id])
                    }
                    return .commit
                }
            }
        }
        if checkCounts { try queue.read { db in
            for table in ["events", "reviews", "grants", "grant_status"] {
                let main = try Int.fetchOne(db, sql: "SELECT count(*) FROM main.\(table)")
                let copied = try Int.fetchOne(db, sql: "SELECT count(*) FROM after.\(table)")
                guard main == copied else { throw BenchError("the review replay left \(table) at \(main ?? 0) rows, not \(copied ?? 0)") }
            }
        } }
        return seconds
    }

    /// Seconds to apply what a sweep wrote to `after` onto `before` (a snapshot
    /// taken just ahead of it): its new events, and the status rows it changed,
    /// in one durable transaction.
    static func replaySweep(before: String, after: String) throws -> Double {
        let queue = try open(before)
        defer { try? queue.close() }
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "ATTACH DATABASE ? AS after", arguments: [after])
        }
        let columns = try queue.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info('grant_status') WHERE name <> 'request_id'")
        }
        return try Measure.time {
            try queue.inTransaction(.immediate) { db in
                try db.execute(sql: """
                    INSERT INTO main.events SELECT * FROM after.events
                    WHERE sequence > (SELECT max(sequence) FROM main.events)
                    """)
                try db.execute(sql: """
                    UPDATE main.grant_status SET (\(columns.joined(separator: ", "))) =
                        (\(columns.map { "changed.\($0)" }.joined(separator: ", ")))
                    FROM after.grant_status AS changed
                    WHERE changed.request_id = grant_status.request_id AND changed.last_sequence <> grant_status.last_sequence
                    """)
                return .commit
            }
        }
    }

    /// The same rows as `replaySweep`, written the way a command decides them:
    /// one prepared INSERT per event and one prepared UPDATE per status row
    /// (setting the columns that changed), values read beforehand, in one
    /// durable transaction.
    static func replaySweepRowByRow(before: String, after: String) throws -> (wall: Double, processor: Double) {
        let queue = try open(before)
        defer { try? queue.close() }
        let (events, updates) = try queue.writeWithoutTransaction { db -> ([[DatabaseValue]], [(columns: [String], values: [DatabaseValue])]) in
            try db.execute(sql: "ATTACH DATABASE ? AS after", arguments: [after])
            defer { try? db.execute(sql: "DETACH DATABASE after") }
            let events = try Row.fetchAll(db, sql: """
                SELECT * FROM after.events WHERE sequence > (SELECT max(sequence) FROM main.events) ORDER BY sequence
                """).map { Array($0.databaseValues) }
            let columns = try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info('grant_status') WHERE name <> 'request_id'")
            let pairs = try Row.fetchAll(db, sql: """
                SELECT \(columns.map { "old.\($0)" }.joined(separator: ", ")), \(columns.map { "new.\($0)" }.joined(separator: ", ")), new.request_id
                FROM after.grant_status AS new JOIN main.grant_status AS old USING (request_id)
                WHERE new.last_sequence <> old.last_sequence
                """)
            let updates = pairs.map { row -> (columns: [String], values: [DatabaseValue]) in
                let changed = columns.indices.filter { row[$0] as DatabaseValue != row[columns.count + $0] as DatabaseValue }
                return (changed.map { columns[$0] }, changed.map { row[columns.count + $0] } + [row[2 * columns.count]])
            }
            return (events, updates)
        }
        return try Measure.wallAndProcessorTime {
            try queue.inTransaction(.immediate) { db in
                let insert = try db.makeStatement(sql: "INSERT INTO events VALUES (\(Array(repeating: "?", count: events.first?.count ?? 0).joined(separator: ", ")))")
                for values in events { try run(insert, values) }
                var statements: [[String]: Statement] = [:]
                for (columns, values) in updates {
                    let update = try statements[columns] ?? db.makeStatement(sql: """
                        UPDATE grant_status SET \(columns.map { "\($0) = ?" }.joined(separator: ", ")) WHERE request_id = ?
                        """)
                    statements[columns] = update
                    try run(update, values)
                }
                return .commit
            }
        }
    }

    /// Seconds to write what an import wrote to `after` onto `before` (a
    /// snapshot taken just ahead of it), row by row through prepared
    /// statements, one durable transaction per page as the import commits
    /// them: each page's events (`pages`: their sequence ranges), the request
    /// rows they submitted, the ticket rows they linked, the outbox messages
    /// they caused, the sites they configured, and the request counter. Every
    /// table is then compared with `after`, so no row the import wrote is left out.
    static func replayImport(before: String, after: String, pages: [ClosedRange<Int64>]) throws -> Double {
        let queue = try open(before)
        defer { try? queue.close() }
        // Table, the column that places a row in a page, and the rows of each page, read beforehand.
        let placed = [("events", "sequence"), ("requests", "submitted_sequence"), ("tickets", "sequence"),
                      ("outbox", "cause_sequence"), ("ticket_sites", "sequence")]
        let (rows, counter, counts) = try queue.writeWithoutTransaction { db -> ([[(String, [[DatabaseValue]])]], [DatabaseValue], [String: Int]) in
            try db.execute(sql: "ATTACH DATABASE ? AS after", arguments: [after])
            defer { try? db.execute(sql: "DETACH DATABASE after") }
            let rows = try pages.map { range in
                try placed.map { table, column in
                    (table, try Row.fetchAll(db, sql: "SELECT * FROM after.\(table) WHERE \(column) BETWEEN ? AND ? ORDER BY \(column)",
                                             arguments: [range.lowerBound, range.upperBound]).map { Array($0.databaseValues) })
                }
            }
            let counter = try Row.fetchOne(db, sql: "SELECT * FROM after.counters WHERE name = 'request_number'").map { Array($0.databaseValues) } ?? []
            var counts: [String: Int] = [:]
            for table in try String.fetchAll(db, sql: "SELECT name FROM after.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'") {
                counts[table] = try Int.fetchOne(db, sql: "SELECT count(*) FROM after.\(table)")
            }
            return (rows, counter, counts)
        }
        let seconds = try Measure.time {
            var statements: [String: Statement] = [:]
            for page in rows {
                try queue.inTransaction(.immediate) { db in
                    for (table, values) in page {
                        guard let width = values.first?.count else { continue }
                        let insert = try statements[table] ?? db.makeStatement(
                            sql: "INSERT INTO \(table) VALUES (\(Array(repeating: "?", count: width).joined(separator: ", ")))")
                        statements[table] = insert
                        for row in values { try run(insert, row) }
                    }
                    if !counter.isEmpty {
                        let update = try statements["counters"] ?? db.makeStatement(sql: "INSERT OR REPLACE INTO counters VALUES (?, ?)")
                        statements["counters"] = update
                        try run(update, counter)
                    }
                    return .commit
                }
            }
        }
        try queue.read { db in
            for (table, expected) in counts {
                let written = try Int.fetchOne(db, sql: "SELECT count(*) FROM main.\(table)") ?? 0
                guard written == expected else {
                    throw BenchError("the import replay left \(table) at \(written) rows, not \(expected): the floor must write every row the import wrote")
                }
            }
        }
        return seconds
    }

    /// Binds and steps a prepared statement through SQLite's C API, so the
    /// row-by-row floor is SQLite's cost, not a wrapper's.
    static func run(_ statement: Statement, _ values: [DatabaseValue]) throws {
        let handle = statement.sqliteStatement
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            switch value.storage {
            case .null: sqlite3_bind_null(handle, index)
            case let .int64(number): sqlite3_bind_int64(handle, index, number)
            case let .double(number): sqlite3_bind_double(handle, index, number)
            case let .string(text): sqlite3_bind_text(handle, index, text, -1, transient)
            case let .blob(data): _ = data.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), transient) }
            }
        }
        let status = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard status == SQLITE_DONE else { throw BenchError("SQLite error \(status) replaying a row") }
    }
}
