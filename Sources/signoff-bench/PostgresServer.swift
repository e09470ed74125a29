import CLibpq
import Foundation

/// The PostgreSQL server the benchmark measures on (`--store postgresql`):
/// libpq alone, for what the store does not do itself: creating and dropping
/// the benchmark's own database, and PostgreSQL's own commit rate (the floor).
/// The store talks to the same server through the same library.
final class PostgresServer: @unchecked Sendable {
    private let handle: OpaquePointer
    private var prepared: Set<String> = []

    /// `connection`: a URL or `keyword=value` text; empty takes the `PG*` variables.
    init(_ connection: String) throws {
        let keywords = ["dbname", "fallback_application_name", "client_encoding"]
        let values = [connection, "signoff-bench", "UTF8"]
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
        guard let handle, PQstatus(handle) == CONNECTION_OK else {
            let message = handle.map { String(cString: PQerrorMessage($0)) } ?? "out of memory"
            if let handle { PQfinish(handle) }
            throw BenchError("cannot connect to PostgreSQL: \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        self.handle = handle
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
    }

    deinit { PQfinish(handle) }

    /// Runs SQL without parameters; returns the first column of each row.
    @discardableResult
    func execute(_ sql: String) throws -> [String?] {
        let result = PQexec(handle, sql)
        defer { PQclear(result) }
        try check(result, sql)
        return (0..<PQntuples(result)).map { row in
            PQgetisnull(result, row, 0) == 1 ? nil : String(cString: PQgetvalue(result, row, 0))
        }
    }

    /// Every column of every row, as text.
    func rows(_ sql: String) throws -> [[String?]] {
        let result = PQexec(handle, sql)
        defer { PQclear(result) }
        try check(result, sql)
        return (0..<PQntuples(result)).map { row in
            (0..<PQnfields(result)).map { column in
                PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
            }
        }
    }

    /// Runs a prepared statement (prepared on first use) with text parameters,
    /// as the store's own client does.
    func run(_ name: String, _ sql: String, _ parameters: [String?]) throws {
        if !prepared.contains(name) {
            let result = PQprepare(handle, name, sql, Int32(parameters.count), nil)
            defer { PQclear(result) }
            try check(result, sql)
            prepared.insert(name)
        }
        var copies = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { copies.forEach { free($0) } }
        let result = copies.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) {
                PQexecPrepared(handle, name, Int32(parameters.count), $0, nil, nil, 0)
            }
        }
        defer { PQclear(result) }
        try check(result, sql)
    }

    private func check(_ result: OpaquePointer?, _ sql: String) throws {
        let status = result.map(PQresultStatus) ?? PGRES_FATAL_ERROR
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let message = String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines)
            throw BenchError("PostgreSQL refused \(sql.prefix(60)): \(message)")
        }
    }

    /// The connection text `base` pointed at database `name` instead.
    static func connection(_ base: String, database name: String) -> String {
        if base.contains("://"), var url = URLComponents(string: base) {
            url.path = "/" + name
            return url.string ?? base
        }
        // In a keyword=value string the last value of a keyword wins.
        return base.isEmpty ? "dbname=\(name)" : "\(base) dbname=\(name)"
    }
}
