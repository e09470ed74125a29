import Foundation
import GRDB
import SignoffCore
import SignoffStore

/// What SQLite alone takes to write what a command wrote: the rows it left,
/// copied with `INSERT ... SELECT` into a store of the same schema, in one
/// durable transaction, with no routing, hashing, encoding or Swift in the
/// loop. No implementation on this schema and disk can be faster, so the
/// figure tells how much of a budget the storage itself leaves.
enum SQLiteFloor {
    /// A connection as the store's own writer has it: synchronous=FULL, the same cache.
    static func open(_ path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL; PRAGMA cache_size = -65536")
        }
        return try DatabaseQueue(path: path, configuration: configuration)
    }

    /// Seconds to copy every row of `source` (a store) into a new, empty store.
    static func copyAllRows(of source: String, in directory: URL) throws -> Double {
        let path = directory.appendingPathComponent("floor.sqlite").path
        _ = try Store.create(at: path, settings: StoreSettings(trustAssertedIdentities: true))
        let queue = try open(path)
        defer { try? queue.close() }
        // Parents before children; settings and migrations are the new store's own.
        let tables = ["events", "policies", "counters", "requests", "reviews", "grants", "grant_status", "hand_off"]
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "ATTACH DATABASE ? AS source", arguments: [source])
        }
        return try Measure.time {
            try queue.inTransaction(.immediate) { db in
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
}
