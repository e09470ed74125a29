#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLibpq
import Foundation

/// One connection to a PostgreSQL server through libpq, the server's own C
/// client. libpq brings every authentication the server offers (SCRAM,
/// client certificates, Kerberos/GSSAPI, LDAP and RADIUS through the server),
/// TLS with `sslmode`, `~/.pgpass`, `PGSERVICE` and the `PG*` variables, and
/// LISTEN/NOTIFY; signoff adds none of its own. Synchronous, like the store.
///
/// Not thread-safe: one thread at a time (the store keeps a pool).
final class PostgresConnection {
    private let handle: OpaquePointer
    /// Prepared statements by their SQL text.
    private var prepared: [String: String] = [:]
    /// The connection as given, shown without its password in messages.
    let shownAs: String

    /// Connects with a `postgresql://` URL or a `keyword=value` string; an empty
    /// string takes everything from the `PG*` variables and the service file.
    init(_ connection: String, shownAs: String? = nil) throws {
        self.shownAs = shownAs ?? StoreLocation.redacted(connection)
        // The keyword form keeps fallback_application_name alongside either syntax.
        // connect_timeout first, so that the connection's own (in `connection`) overrides it: connecting
        // again to a server that went away gives up after 10 seconds, not a TCP timeout's minutes.
        let keywords = ["connect_timeout", "dbname", "fallback_application_name", "client_encoding"]
        let values = ["10", connection, "signoff", "UTF8"]
        var cKeywords = keywords.map { strdup($0) } + [nil]
        var cValues = values.map { strdup($0) } + [nil]
        defer {
            cKeywords.forEach { free($0) }
            cValues.forEach { free($0) }
        }
        let handle: OpaquePointer? = cKeywords.withUnsafeMutableBufferPointer { keys in
            cValues.withUnsafeMutableBufferPointer { vals in
                keys.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: keys.count) { k in
                    vals.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: vals.count) { v in
                        PQconnectdbParams(k, v, 1)
                    }
                }
            }
        }
        guard let handle else { throw PostgresError(connecting: self.shownAs, message: "out of memory", user: nil) }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(handle))
            let user = PQuser(handle).map { String(cString: $0) }
            PQfinish(handle)
            throw PostgresError(connecting: self.shownAs, message: message, user: user)
        }
        self.handle = handle
        // Notices (e.g. "relation already exists, skipping") are not for the user's terminal.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
    }

    deinit { PQfinish(handle) }

    /// Whether the connection still works; a broken one is not put back in the pool.
    var isHealthy: Bool { PQstatus(handle) == CONNECTION_OK }

    /// Connects again, with the same parameters, after the connection broke
    /// (a server restarted, a failover); whether that worked. What the old
    /// session held is gone with it: its transaction, its locks, its LISTENs
    /// and prepared statements (forgotten here too).
    func reconnect() -> Bool {
        PQreset(handle)
        prepared = [:]
        return isHealthy
    }

    /// Whether a transaction block is open (or failed and not yet rolled back).
    var isInTransaction: Bool {
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE
    }

    /// The role this session authenticated as.
    var user: String { PQuser(handle).map { String(cString: $0) } ?? "" }

    /// The server, port, database and role of this session, as one text:
    /// what tells one store from another for this client.
    func identity() throws -> String {
        let row = try query("SELECT current_database(), session_user, coalesce(inet_server_addr()::text, ''), current_setting('port')").row(0)
        let host = PQhost(handle).map { String(cString: $0) } ?? ""
        return [host, row.text(3) ?? "", row.text(0) ?? "", row.text(1) ?? "", row.text(2) ?? ""].joined(separator: "\u{0}")
    }

    /// Whether TLS protects this connection.
    var usesTLS: Bool { PQsslInUse(handle) == 1 }

    /// Runs SQL without parameters; several statements may be separated by `;`.
    func execute(_ sql: String) throws {
        let result = PostgresResult(PQexec(handle, sql))
        try check(result, sql: sql)
    }

    /// Runs one statement with parameters, prepared once per connection.
    @discardableResult
    func query(_ sql: String, _ parameters: [PostgresValue] = []) throws -> PostgresResult {
        let name = try statementName(sql, parameters)
        let result = parameters.withCParameters { values, lengths, formats in
            PostgresResult(PQexecPrepared(handle, name, Int32(parameters.count), values, lengths, formats, 0))
        }
        try check(result, sql: sql)
        return result
    }

    /// One statement of a pipeline: SQL with its parameters.
    struct Statement {
        var sql: String
        var parameters: [PostgresValue]
        init(_ sql: String, _ parameters: [PostgresValue] = []) {
            self.sql = sql
            self.parameters = parameters
        }
    }

    /// Runs `statements` in order in one round trip (libpq's pipeline mode),
    /// each exactly as `query` would run it, and returns their results.
    /// Statements after one that fails do not run; its error is thrown, as
    /// `query` would have thrown it. Statements with parameters are prepared
    /// first (once per connection); the rest run unnamed (BEGIN, COMMIT).
    @discardableResult
    func pipeline(_ statements: [Statement]) throws -> [PostgresResult] {
        if statements.isEmpty { return [] }
        let names = try statements.map { $0.parameters.isEmpty ? nil : try statementName($0.sql, $0.parameters) }
        guard PQenterPipelineMode(handle) == 1 else { throw lost(String(cString: PQerrorMessage(handle))) }
        defer { PQexitPipelineMode(handle) }
        for (statement, name) in zip(statements, names) {
            let sent: Int32
            if let name {
                sent = statement.parameters.withCParameters { values, lengths, formats in
                    PQsendQueryPrepared(handle, name, Int32(statement.parameters.count), values, lengths, formats, 0)
                }
            } else {
                sent = PQsendQueryParams(handle, statement.sql, 0, nil, nil, nil, nil, 0)
            }
            guard sent == 1 else { throw lost(String(cString: PQerrorMessage(handle))) }
        }
        guard PQpipelineSync(handle) == 1 else { throw lost(String(cString: PQerrorMessage(handle))) }
        // Each statement's result is followed by a null; the sync's ends the pipeline.
        var results: [PostgresResult] = []
        var failure: Error?
        for statement in statements {
            guard let pointer = PQgetResult(handle) else { throw failure ?? lost(String(cString: PQerrorMessage(handle))) }
            let result = PostgresResult(pointer)
            while let extra = PQgetResult(handle) { PQclear(extra) }
            if result.status != PGRES_PIPELINE_ABORTED, failure == nil {
                do { try check(result, sql: statement.sql) } catch { failure = error }
            }
            results.append(result)
        }
        guard let sync = PQgetResult(handle) else { throw failure ?? lost(String(cString: PQerrorMessage(handle))) }
        let synced = PQresultStatus(sync) == PGRES_PIPELINE_SYNC
        PQclear(sync)
        guard synced else { throw failure ?? lost("the server did not end the pipeline") }
        if let failure { throw failure }
        return results
    }

    private func statementName(_ sql: String, _ parameters: [PostgresValue]) throws -> String {
        if let name = prepared[sql] { return name }
        let name = "signoff_\(prepared.count + 1)"
        let types = parameters.map(\.type)
        let result = PostgresResult(PQprepare(handle, name, sql, Int32(types.count), types))
        try check(result, sql: sql)
        prepared[sql] = name
        return name
    }

    /// Runs `body` in a transaction: COMMIT when it returns, ROLLBACK when it
    /// throws. A COMMIT that fails is reported as the error it is (the
    /// transaction did not commit).
    func transaction<T>(_ begin: String = "BEGIN", _ body: () throws -> T) throws -> T {
        try execute(begin)
        let value: T
        do {
            value = try body()
        } catch {
            if isHealthy { try? execute("ROLLBACK") }
            throw error
        }
        try execute("COMMIT")
        return value
    }

    // MARK: LISTEN/NOTIFY

    /// Starts listening on `channel` (a plain identifier).
    func listen(_ channel: String) throws { try execute("LISTEN \(channel)") }

    /// Waits until a notification arrives or `timeout` passes; returns the
    /// channels that were notified (empty after a timeout).
    func waitForNotifications(timeout: TimeInterval) throws -> [String] {
        var channels = try drainNotifications()
        if !channels.isEmpty { return channels }
        let socket = PQsocket(handle)
        guard socket >= 0 else { throw lost("waiting for notifications") }
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(max(0, min(timeout, 3600)) * 1000)
        let ready = poll(&descriptor, 1, milliseconds)
        if ready < 0 && errno != EINTR { throw lost("waiting for notifications") }
        if ready > 0 {
            guard PQconsumeInput(handle) == 1 else { throw lost("waiting for notifications") }
            channels = try drainNotifications()
        }
        return channels
    }

    private func drainNotifications() throws -> [String] {
        guard PQconsumeInput(handle) == 1 else { throw lost("reading notifications") }
        var channels: [String] = []
        while let notify = PQnotifies(handle) {
            channels.append(String(cString: notify.pointee.relname))
            PQfreemem(notify)
        }
        return channels
    }

    // MARK: Errors

    private func check(_ result: PostgresResult, sql: String) throws {
        switch result.status {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY, PGRES_SINGLE_TUPLE, PGRES_PIPELINE_SYNC:
            return
        default:
            if result.pointer == nil || !isHealthy {
                throw lost(String(cString: PQerrorMessage(handle)))
            }
            throw PostgresError(result: result, role: user)
        }
    }

    func lost(_ detail: String) -> PostgresError {
        PostgresError(kind: .connectionLost, sqlState: nil,
                      message: detail.trimmingCharacters(in: .whitespacesAndNewlines), detail: nil, hint: nil,
                      server: shownAs, role: user)
    }
}

/// A value bound to a parameter, with the PostgreSQL type it is sent as.
enum PostgresValue: Sendable, Hashable {
    case null
    case text(String)
    case integer(Int64)
    case boolean(Bool)

    init(_ text: String?) { self = text.map(PostgresValue.text) ?? .null }
    init(_ number: Int64?) { self = number.map(PostgresValue.integer) ?? .null }
    init(_ number: Int?) { self = number.map { .integer(Int64($0)) } ?? .null }

    /// The type OID: int8, text, bool, or unknown for NULL.
    var type: Oid {
        switch self {
        case .null: 0
        case .text: 25
        case .integer: 20
        case .boolean: 16
        }
    }

    /// The text form the server parses, nil for NULL.
    var textForm: String? {
        switch self {
        case .null: nil
        case let .text(text): text
        case let .integer(number): String(number)
        case let .boolean(value): value ? "t" : "f"
        }
    }
}

extension Array where Element == PostgresValue {
    /// The values as NUL-terminated C strings, alive for the duration of `body`.
    func withCParameters<T>(_ body: (UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?,
                                     UnsafePointer<Int32>?) -> T) -> T {
        if isEmpty { return body(nil, nil, nil) }
        // One buffer for every value, back to back, each ending in NUL.
        var arena: [CChar] = []
        var offsets: [Int?] = []
        for value in self {
            guard var text = value.textForm else { offsets.append(nil); continue }
            offsets.append(arena.count)
            text.withUTF8 { bytes in arena.append(contentsOf: UnsafeRawBufferPointer(bytes).bindMemory(to: CChar.self)) }
            arena.append(0)
        }
        return arena.withUnsafeBufferPointer { buffer in
            let pointers: [UnsafePointer<CChar>?] = offsets.map { offset in offset.map { buffer.baseAddress! + $0 } }
            return pointers.withUnsafeBufferPointer { body($0.baseAddress, nil, nil) }
        }
    }
}

/// A query's result, freed when the last reference goes.
final class PostgresResult {
    let pointer: OpaquePointer?

    init(_ pointer: OpaquePointer?) { self.pointer = pointer }
    deinit { PQclear(pointer) }

    var status: ExecStatusType { pointer.map(PQresultStatus) ?? PGRES_FATAL_ERROR }
    var rowCount: Int { pointer.map { Int(PQntuples($0)) } ?? 0 }
    var columnCount: Int { pointer.map { Int(PQnfields($0)) } ?? 0 }

    /// Rows changed by an INSERT, UPDATE or DELETE.
    var affectedRows: Int { pointer.flatMap { Int(String(cString: PQcmdTuples($0))) } ?? 0 }

    func row(_ index: Int) -> PostgresRow { PostgresRow(result: self, row: index) }
    var rows: [PostgresRow] { (0..<rowCount).map(row) }

    func field(_ code: Character) -> String? {
        guard let pointer, let ascii = code.asciiValue, let value = PQresultErrorField(pointer, Int32(ascii)) else {
            return nil
        }
        return String(cString: value)
    }
}

/// One row of a result, read by column position. Values arrive as text.
struct PostgresRow: ColumnReader {
    let result: PostgresResult
    let row: Int

    func isNull(_ index: Int) -> Bool { PQgetisnull(result.pointer, Int32(row), Int32(index)) == 1 }

    /// The value's bytes, valid while the result lives; nil for NULL.
    func bytes(_ index: Int) -> UnsafeRawBufferPointer? {
        guard !isNull(index), let value = PQgetvalue(result.pointer, Int32(row), Int32(index)) else { return nil }
        return UnsafeRawBufferPointer(start: value, count: Int(PQgetlength(result.pointer, Int32(row), Int32(index))))
    }

    func text(_ index: Int) -> String? {
        bytes(index).map { String(decoding: $0, as: UTF8.self) }
    }

    func integer(_ index: Int) -> Int64? {
        guard let bytes = bytes(index), !bytes.isEmpty else { return nil }
        var value: Int64 = 0
        var negative = false
        for (offset, byte) in bytes.enumerated() {
            if offset == 0 && byte == UInt8(ascii: "-") { negative = true; continue }
            guard byte >= 48 && byte <= 57 else { return nil }
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(Int64(byte - 48))
            if overflow1 || overflow2 { return nil }
            value = sum
        }
        return negative ? -value : value
    }

    func boolean(_ index: Int) -> Bool? {
        guard let bytes = bytes(index), bytes.count == 1 else { return nil }
        return bytes[0] == UInt8(ascii: "t")
    }
}

/// What went wrong talking to PostgreSQL, sorted into what a person can act on.
struct PostgresError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A lock was not granted within the session's `lock_timeout`.
    static let lockNotAvailable = "55P03"

    enum Kind: Sendable, Hashable {
        /// No server answered at the address (refused, unknown host, timeout).
        case unreachable
        /// The server refused the role's credentials, or has no rule admitting it.
        case authentication
        /// TLS was required but the server (or the client) would not use it.
        case tls
        /// The database named in the connection does not exist.
        case noDatabase
        /// The role lacks a privilege the statement needs.
        case permission
        /// The connection broke (server restart, network); an open transaction did not commit.
        case connectionLost
        /// Two transactions conflicted; trying again may succeed.
        case conflict
        /// Anything else the server reported.
        case server
    }

    var kind: Kind
    var sqlState: String?
    var message: String
    var detail: String?
    var hint: String?
    /// The connection, without password.
    var server: String
    var role: String?

    init(kind: Kind, sqlState: String?, message: String, detail: String?, hint: String?, server: String, role: String?) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
        self.server = server
        self.role = role
    }

    /// A failed connection, sorted by libpq's message (it has no SQLSTATE).
    init(connecting server: String, message raw: String, user: String?) {
        let message = raw.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: "; ")
        let lower = message.lowercased()
        let kind: Kind
        if lower.contains("ssl") && (lower.contains("required") || lower.contains("not support") || lower.contains("refused")
            || lower.contains("certificate") || lower.contains("handshake")) || lower.contains("no encryption") {
            kind = .tls
        } else if lower.contains("authentication") || lower.contains("password") || lower.contains("pg_hba.conf")
                    || lower.contains("gssapi") || lower.contains("kerberos") || lower.contains("role \"") {
            kind = .authentication
        } else if lower.contains("database \"") && lower.contains("does not exist") {
            kind = .noDatabase
        } else {
            kind = .unreachable
        }
        self.init(kind: kind, sqlState: nil, message: message, detail: nil, hint: nil, server: server, role: user)
    }

    /// A failed statement, sorted by its SQLSTATE.
    init(result: PostgresResult, role: String) {
        let state = result.field("C")
        let kind: Kind
        switch state {
        case "42501": kind = .permission
        case "40001", "40P01", "55P03": kind = .conflict
        case let code? where code.hasPrefix("08") || code.hasPrefix("57P"): kind = .connectionLost
        default: kind = .server
        }
        self.init(kind: kind, sqlState: state, message: result.field("M") ?? "the server reported an error",
                  detail: result.field("D"), hint: result.field("H"), server: "", role: role)
    }

    var description: String {
        var text = message
        if let detail { text += " (\(detail))" }
        if let hint { text += "; \(hint)" }
        return text
    }
}
