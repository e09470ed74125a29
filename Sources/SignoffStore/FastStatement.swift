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
/// more than SQLite's own work on them. Values are bound by position. Text and
/// blobs are first copied into one buffer owned here and bound from it with
/// `SQLITE_STATIC` only for the step, so SQLite neither allocates nor copies
/// each value; the bindings are cleared before that buffer goes away.
struct FastStatement {
    /// Held so the statement outlives every step, however it was made.
    let statement: Statement
    let handle: OpaquePointer
    let connection: OpaquePointer?
    private var index: Int32 = 0
    private var buffers = Buffers()

    /// Where the text and blob values wait for the step. A statement run for
    /// every row of a long write (the event insert, a grant's write-back)
    /// keeps one between runs: `init(_:_:reusing:)` takes it, `giveBack(to:)`
    /// returns it, so its memory is allocated once rather than per row.
    struct Buffers {
        /// Every text and blob value, back to back.
        fileprivate var arena: [UInt8] = []
        /// Parameter, offset into `arena`, length, and whether it is a blob.
        fileprivate var pending: [(index: Int32, offset: Int, count: Int, isBlob: Bool)] = []
    }

    init(_ statement: Statement, _ db: Database) {
        self.statement = statement
        handle = statement.sqliteStatement
        connection = db.sqliteConnection
        sqlite3_reset(handle)
    }

    /// The same, with `buffers` (left empty here until `giveBack(to:)`).
    init(_ statement: Statement, _ db: Database, reusing buffers: inout Buffers) {
        self.init(statement, db)
        swap(&self.buffers, &buffers)
        self.buffers.arena.removeAll(keepingCapacity: true)
        self.buffers.pending.removeAll(keepingCapacity: true)
    }

    /// Hands the buffers back for the next run; call once the step is done.
    mutating func giveBack(to buffers: inout Buffers) {
        swap(&self.buffers, &buffers)
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    private static let staticValue = unsafeBitCast(0, to: sqlite3_destructor_type.self)

    private mutating func defer_(_ raw: UnsafeRawBufferPointer, isBlob: Bool) {
        if buffers.arena.capacity == 0 { buffers.arena.reserveCapacity(2048); buffers.pending.reserveCapacity(32) }
        buffers.pending.append((index, buffers.arena.count, raw.count, isBlob))
        buffers.arena.append(contentsOf: raw)
    }

    mutating func bind(_ value: String) {
        index += 1
        var value = value
        value.withUTF8 { defer_(UnsafeRawBufferPointer($0), isBlob: false) }
    }

    mutating func bind(_ value: String?) {
        if let value { bind(value) } else { bindNull() }
    }

    /// UTF-8 bytes bound as TEXT.
    mutating func bindText(_ bytes: [UInt8]) {
        index += 1
        bytes.withUnsafeBytes { defer_($0, isBlob: false) }
    }

    mutating func bindBlob(_ bytes: [UInt8]) {
        index += 1
        bytes.withUnsafeBytes { defer_($0, isBlob: true) }
    }

    mutating func bindBlob(_ data: Data) {
        index += 1
        data.withUnsafeBytes { defer_($0, isBlob: true) }
    }

    /// Binds the deferred text and blobs from the arena, runs `step`, then
    /// resets and clears the bindings while the arena is still alive.
    private func stepping<T>(_ step: () throws -> T) rethrows -> T {
        try buffers.arena.withUnsafeBytes { raw in
            defer {
                sqlite3_reset(handle)
                if !buffers.pending.isEmpty { sqlite3_clear_bindings(handle) }
            }
            for value in buffers.pending {
                // A NULL pointer would bind SQL NULL, so empty values get a real one.
                if value.count == 0 {
                    if value.isBlob {
                        sqlite3_bind_zeroblob(handle, value.index, 0)
                    } else {
                        sqlite3_bind_text(handle, value.index, "", 0, Self.transient)
                    }
                    continue
                }
                let base = raw.baseAddress! + value.offset
                if value.isBlob {
                    sqlite3_bind_blob(handle, value.index, base, Int32(value.count), Self.staticValue)
                } else {
                    sqlite3_bind_text(handle, value.index, base.assumingMemoryBound(to: CChar.self),
                                      Int32(value.count), Self.staticValue)
                }
            }
            return try step()
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

    mutating func bind(_ value: DatabaseValue) {
        switch value.storage {
        case .null: bindNull()
        case let .int64(number): bind(number)
        case let .double(number): index += 1; sqlite3_bind_double(handle, index, number)
        case let .string(text): bind(text)
        case let .blob(data): bindBlob(data)
        }
    }

    /// Runs a statement that returns no rows.
    func execute() throws {
        try stepping {
            let code = sqlite3_step(handle)
            guard code == SQLITE_DONE || code == SQLITE_ROW else { throw error(code) }
        }
    }

    /// Runs a query and hands each row to `body`, which reads its columns from
    /// the statement (e.g. `DatabaseValue(sqliteStatement:index:)`) before the next step.
    func forEachRow(_ body: (OpaquePointer) throws -> Void) throws {
        try forEachRowWhile { try body($0); return true }
    }

    /// As `forEachRow`, stopping after the first row for which `body` says false.
    func forEachRowWhile(_ body: (OpaquePointer) throws -> Bool) throws {
        try stepping {
            while true {
                let code = sqlite3_step(handle)
                if code == SQLITE_DONE { return }
                guard code == SQLITE_ROW else { throw error(code) }
                guard try body(handle) else { return }
            }
        }
    }

    /// Whether a query returns at least one row.
    func hasRow() throws -> Bool {
        try stepping {
            let code = sqlite3_step(handle)
            if code == SQLITE_ROW { return true }
            guard code == SQLITE_DONE else { throw error(code) }
            return false
        }
    }

    private func error(_ code: Int32) -> DatabaseError {
        // The extended code names the constraint (UNIQUE, FOREIGN KEY, ...), as GRDB reports it.
        let extended = connection.map { sqlite3_extended_errcode($0) } ?? code
        return DatabaseError(resultCode: ResultCode(rawValue: extended),
                             message: connection.map { String(cString: sqlite3_errmsg($0)) },
                             sql: sqlite3_sql(handle).map { String(cString: $0) })
    }
}

/// A row's columns by position, however they are held: the same decoding
/// reads a GRDB row's values and, without copying them first, the current row
/// of a statement.
protocol ColumnReader {
    /// The column's text; nil when it is NULL or not text.
    func text(_ index: Int) -> String?
    /// The column's integer; nil when it is NULL or not a whole number.
    func integer(_ index: Int) -> Int64?
}

extension Array: ColumnReader where Element == DatabaseValue {
    func text(_ index: Int) -> String? { String.fromDatabaseValue(self[index]) }
    func integer(_ index: Int) -> Int64? { Int64.fromDatabaseValue(self[index]) }
}

/// The current row of a stepped statement, read through the C API.
struct StatementColumns: ColumnReader {
    let statement: OpaquePointer

    func text(_ index: Int) -> String? {
        let column = Int32(index)
        guard sqlite3_column_type(statement, column) == SQLITE_TEXT, let bytes = sqlite3_column_text(statement, column) else {
            return nil
        }
        let count = Int(sqlite3_column_bytes(statement, column))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    /// The column's bytes in place (a text's UTF-8, a blob's bytes; empty
    /// when NULL or empty), valid only inside `body`.
    func withBytes<T>(_ index: Int, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        let column = Int32(index)
        guard let bytes = sqlite3_column_blob(statement, column) else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return try body(UnsafeRawBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(statement, column))))
    }

    func integer(_ index: Int) -> Int64? {
        let column = Int32(index)
        switch sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER: return sqlite3_column_int64(statement, column)
        case SQLITE_FLOAT: return Int64(exactly: sqlite3_column_double(statement, column))
        default: return nil
        }
    }

    /// The column as GRDB would read it: exactly what is stored, of whatever type.
    func value(_ index: Int) -> DatabaseValue {
        DatabaseValue(sqliteStatement: statement, index: Int32(index))
    }
}

/// A stored row's values as the row types hold them, read leniently: a value
/// of the wrong type (the file was edited by hand) reads as empty or zero, so
/// the comparison that follows reports it rather than the read failing.
struct StoredValues<Columns: BlobReader> {
    let row: Columns
    init(_ row: Columns) { self.row = row }

    func text(_ index: Int) -> String { row.text(index) ?? "" }
    func optionalText(_ index: Int) -> String? { row.text(index) }
    func int(_ index: Int) -> Int64 { row.integer(index) ?? 0 }
    func optionalInt(_ index: Int) -> Int64? { row.integer(index) }
    func blob(_ index: Int) -> Data { row.blob(index) }
}

/// Columns that also give a column's bytes, whatever its type (empty when NULL).
protocol BlobReader: ColumnReader {
    func blob(_ index: Int) -> Data
}

extension StatementColumns: BlobReader {
    func blob(_ index: Int) -> Data {
        let column = Int32(index)
        guard let bytes = sqlite3_column_blob(statement, column) else { return Data() }
        return Data(bytes: bytes, count: Int(sqlite3_column_bytes(statement, column)))
    }
}

/// The current row of a statement copied out of SQLite's buffers into one
/// array, each column's type kept, to be decoded later (on another core):
/// `text` and `integer` give exactly what `StatementColumns` gave while the
/// row was current, and so does `blob` of a text or blob column (of a number
/// it gives the number's text, not always spelt as SQLite spells it).
struct CapturedColumns: BlobReader, Sendable {
    private enum Column: Sendable {
        case null
        case integer(Int64)
        case real(Double)
        case text(Range<Int>)
        case blob(Range<Int>)
    }
    private var bytes: [UInt8] = []
    private var columns: [Column] = []

    /// Copies the first `count` columns: their bytes into one array of
    /// exactly their size, allocated once (a `requests` row holds two dozen).
    init(_ row: StatementColumns, count: Int) {
        columns.reserveCapacity(count)
        var size = 0
        for index in 0..<count {
            let column = Int32(index)
            switch sqlite3_column_type(row.statement, column) {
            case SQLITE_INTEGER: columns.append(.integer(sqlite3_column_int64(row.statement, column)))
            case SQLITE_FLOAT: columns.append(.real(sqlite3_column_double(row.statement, column)))
            case SQLITE_TEXT:
                // As UTF-8, as `text` read it, whatever the database's encoding.
                _ = sqlite3_column_text(row.statement, column)
                let length = Int(sqlite3_column_bytes(row.statement, column))
                columns.append(.text(size..<(size + length)))
                size += length
            case SQLITE_BLOB:
                _ = sqlite3_column_blob(row.statement, column)
                let length = Int(sqlite3_column_bytes(row.statement, column))
                columns.append(.blob(size..<(size + length)))
                size += length
            default: columns.append(.null)
            }
        }
        // Asked for again in the same form, SQLite gives the same bytes without converting them.
        bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            for (index, column) in columns.enumerated() {
                let source: UnsafeRawPointer?, range: Range<Int>
                switch column {
                case let .text(text): source = sqlite3_column_text(row.statement, Int32(index)).map(UnsafeRawPointer.init); range = text
                case let .blob(blob): source = sqlite3_column_blob(row.statement, Int32(index)); range = blob
                case .null, .integer, .real: continue
                }
                if let source, !range.isEmpty {
                    UnsafeMutableRawPointer(buffer.baseAddress! + range.lowerBound).copyMemory(from: source, byteCount: range.count)
                }
            }
            initialized = size
        }
    }

    func text(_ index: Int) -> String? {
        guard case let .text(range) = columns[index] else { return nil }
        return String(decoding: bytes[range], as: UTF8.self)
    }

    func integer(_ index: Int) -> Int64? {
        switch columns[index] {
        case let .integer(value): return value
        case let .real(value): return Int64(exactly: value)
        case .null, .text, .blob: return nil
        }
    }

    /// Whether column `index` is text whose bytes are exactly `value`'s
    /// UTF-8 (for nil: whether it is NULL), without making a string of it.
    /// Stricter than comparing `text(index)`: equal bytes are equal strings,
    /// not always the other way round.
    func text(_ index: Int, is value: String?) -> Bool {
        guard let value else {
            if case .null = columns[index] { return true }
            return false
        }
        return value.utf8.withContiguousStorageIfAvailable { text(index, isBytes: UnsafeRawBufferPointer($0)) }
            ?? (text(index)?.utf8.elementsEqual(value.utf8) ?? false)
    }

    /// Whether column `index` is the integer `value` (for nil: NULL).
    func integer(_ index: Int, is value: Int64?) -> Bool {
        switch columns[index] {
        case let .integer(stored): return stored == value
        case .null: return value == nil
        case .real, .text, .blob: return false
        }
    }

    /// Whether column `index` is text or a blob of exactly these bytes.
    func bytes(_ index: Int, are value: UnsafeRawBufferPointer) -> Bool {
        switch columns[index] {
        case let .text(range), let .blob(range): return bytes(range, are: value)
        case .null, .integer, .real: return false
        }
    }

    /// Whether the columns hold exactly `values` (`firstNotHolding`).
    func hold(_ values: [DatabaseValue]) -> Bool { firstNotHolding(values) == nil }

    /// The first column that does not hold exactly its value of `values`, of
    /// its type (a string as its UTF-8 bytes; a blob's bytes may be stored
    /// as text): stricter than comparing GRDB's values, which take an
    /// integer for its real, and text for its canonical equivalent or up to
    /// a NUL. Nil when every one does.
    func firstNotHolding(_ values: [DatabaseValue]) -> Int? {
        for (index, value) in values.enumerated() {
            guard index < columns.count else { return index }
            let same: Bool
            switch (value.storage, columns[index]) {
            case (.null, .null): same = true
            case let (.int64(expected), .integer(stored)): same = expected == stored
            case let (.double(expected), .real(stored)): same = expected == stored
            case let (.string(expected), .text): same = text(index, is: expected)
            case let (.blob(expected), .blob), let (.blob(expected), .text): same = expected.withUnsafeBytes { bytes(index, are: $0) }
            case (.null, _), (.int64, _), (.double, _), (.string, _), (.blob, _): same = false
            }
            if !same { return index }
        }
        return nil
    }

    /// Whether column `index` is text of exactly these bytes.
    func text(_ index: Int, isBytes value: UnsafeRawBufferPointer) -> Bool {
        guard case let .text(range) = columns[index] else { return false }
        return bytes(range, are: value)
    }

    private func bytes(_ range: Range<Int>, are value: UnsafeRawBufferPointer) -> Bool {
        guard range.count == value.count else { return false }
        guard !range.isEmpty else { return true }
        return bytes.withUnsafeBytes { memcmp($0.baseAddress! + range.lowerBound, value.baseAddress!, range.count) == 0 }
    }

    func blob(_ index: Int) -> Data {
        switch columns[index] {
        case let .text(range), let .blob(range): return Data(bytes[range])
        // A number's text (never a record's bytes, which a blob column holds).
        case let .integer(value): return Data(String(value).utf8)
        case let .real(value): return Data(String(value).utf8)
        case .null: return Data()
        }
    }
}
