import Foundation
import GRDB
#if canImport(GRDBSQLite)
import GRDBSQLite
#elseif canImport(SQLite3)
import SQLite3
#endif

/// Binds and runs one of GRDB's cached statements through the SQLite C API.
///
/// The append path runs a handful of statements per event; GRDB's
/// `StatementArguments` (an array of existentials, validated per call) cost
/// more than SQLite's own work on them. Values are bound by position and
/// copied by SQLite (`SQLITE_TRANSIENT`), so nothing here outlives the call.
struct FastStatement {
    let handle: OpaquePointer
    let connection: OpaquePointer?
    private var index: Int32 = 0

    init(_ statement: Statement, _ db: Database) {
        handle = statement.sqliteStatement
        connection = db.sqliteConnection
        sqlite3_reset(handle)
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    mutating func bind(_ value: String) {
        index += 1
        var value = value
        value.withUTF8 { bindText(UnsafeRawBufferPointer($0)) }
    }

    mutating func bind(_ value: String?) {
        if let value { bind(value) } else { bindNull() }
    }

    /// UTF-8 bytes bound as TEXT.
    mutating func bindText(_ bytes: [UInt8]) {
        index += 1
        bytes.withUnsafeBytes { bindText($0) }
    }

    /// A NULL pointer would bind SQL NULL, so empty text gets a real one.
    private func bindText(_ raw: UnsafeRawBufferPointer) {
        if let base = raw.baseAddress, raw.count > 0 {
            sqlite3_bind_text(handle, index, base.assumingMemoryBound(to: CChar.self), Int32(raw.count), Self.transient)
        } else {
            sqlite3_bind_text(handle, index, "", 0, Self.transient)
        }
    }

    mutating func bindBlob(_ bytes: [UInt8]) {
        index += 1
        bytes.withUnsafeBytes { raw in
            _ = sqlite3_bind_blob(handle, index, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!,
                                  Int32(raw.count), Self.transient)
        }
    }

    mutating func bindBlob(_ data: Data) {
        index += 1
        data.withUnsafeBytes { raw in
            _ = sqlite3_bind_blob(handle, index, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!,
                                  Int32(raw.count), Self.transient)
        }
    }

    mutating func bind(_ value: Int64) {
        index += 1
        sqlite3_bind_int64(handle, index, value)
    }

    mutating func bind(_ value: Int) { bind(Int64(value)) }
    mutating func bind(_ value: Bool) { bind(Int64(value ? 1 : 0)) }

    mutating func bind(_ value: Int64?) {
        if let value { bind(value) } else { bindNull() }
    }

    mutating func bindNull() {
        index += 1
        sqlite3_bind_null(handle, index)
    }

    /// Runs a statement that returns no rows.
    func execute() throws {
        let code = sqlite3_step(handle)
        defer { sqlite3_reset(handle) }
        guard code == SQLITE_DONE || code == SQLITE_ROW else { throw error(code) }
    }

    /// Whether a query returns at least one row.
    func hasRow() throws -> Bool {
        let code = sqlite3_step(handle)
        defer { sqlite3_reset(handle) }
        if code == SQLITE_ROW { return true }
        guard code == SQLITE_DONE else { throw error(code) }
        return false
    }

    private func error(_ code: Int32) -> DatabaseError {
        // The extended code names the constraint (UNIQUE, FOREIGN KEY, ...), as GRDB reports it.
        let extended = connection.map { sqlite3_extended_errcode($0) } ?? code
        return DatabaseError(resultCode: ResultCode(rawValue: extended),
                             message: connection.map { String(cString: sqlite3_errmsg($0)) },
                             sql: sqlite3_sql(handle).map { String(cString: $0) })
    }
}
