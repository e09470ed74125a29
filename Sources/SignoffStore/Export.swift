import Foundation
import GRDB
import SignoffCore
#if canImport(GRDBSQLite)
import GRDBSQLite
#elseif canImport(SQLite3)
import SQLite3
#endif

/// How `export` writes the evidence.
public enum ExportFormat: String, Sendable, CaseIterable {
    /// One JSON object per line.
    case jsonl
    /// RFC 4180: a header line, fields quoted when they hold a comma or quote.
    /// For reading, not for recomputing hashes: characters a terminal or a
    /// spreadsheet could act on are written as `\u` escapes and formula-like
    /// fields start with `'` (see `csvField`).
    case csv
}

extension Store {
    /// The evidence chain: every event with its sequence, time, actor, how the
    /// actor was identified, kind, payload, previous hash and hash, in sequence
    /// order, read in one snapshot and written as it is read.
    ///
    /// JSON lines are `signoff.event/1` objects whose `payload` is the stored
    /// payload as a JSON object: its canonical text (sorted keys, no spaces,
    /// see `EventChain`) is what the hash covers, and re-serialising the object
    /// that way gives the same bytes. CSV puts the payload text in a cell.
    ///
    /// With `requestID`, only that request's events plus the `policy_applied`
    /// events of the policy versions they name. `emit` receives one complete
    /// record at a time, ending in a line feed (a CSV record may hold quoted
    /// line breaks inside it); what it throws ends the export unchanged. A
    /// payload that is not JSON (the file was edited) ends a JSON export with
    /// `UndecodableEvent`.
    public func export(format: ExportFormat, requestID: String? = nil,
                       to emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        try read { db in
            var line = JSONOutput(capacity: 4096)
            func write(_ event: EventColumns) throws {
                switch format {
                case .jsonl:
                    // JSON carries only UTF-8: such bytes would come out as U+FFFD, and
                    // the hash could no longer be recomputed from the export.
                    if let column = event.columnNotUTF8 {
                        throw UndecodableEvent(sequence: event.sequence,
                                               detail: "its \(column) is not UTF-8, which a JSON export cannot carry exactly")
                    }
                    line.removeAll()
                    guard Self.writeJSONLine(event, to: &line) else {
                        throw UndecodableEvent(sequence: event.sequence, detail: "its payload is not JSON")
                    }
                    try line.bytes.withUnsafeBytes(emit)
                case .csv:
                    var record = Self.csvLine(event)
                    try record.withUTF8 { try emit(UnsafeRawBufferPointer($0)) }
                }
            }
            if format == .csv {
                try Array("sequence,at,at_ms,actor,authentication,kind,request_id,payload,prev_hash,hash,signature,statement\r\n".utf8)
                    .withUnsafeBytes(emit)
            }
            guard let requestID else {
                let query = FastStatement(try db.makeStatement(sql: EventColumns.select + " ORDER BY sequence"), db)
                try query.forEachRow { try write(EventColumns(statement: $0)) }
                return
            }
            var versions = Set<String>()
            var found = false
            var own = FastStatement(try db.makeStatement(sql: EventColumns.select + " WHERE request_id = ? ORDER BY sequence"), db)
            own.bind(requestID)
            try own.forEachRow { row in
                found = true
                let event = EventColumns(statement: row)
                // The policy a signed statement names: its keys are what the signature is checked against.
                if let version = event.signedPolicyVersion { versions.insert(version) }
                switch try event.draft().body {
                case let .requestRouted(routed): versions.insert(routed.policyVersion)
                case let .reviewRecorded(review): versions.insert(review.policyVersion)
                case let .requestDecided(decided): if let version = decided.policyVersion { versions.insert(version) }
                case .policyApplied, .requestSubmitted, .reviewRefused, .actionRefused, .requestWithdrawn, .grantIssued,
                     .grantHandedOff, .grantProvisioned, .grantProvisioningFailed, .grantExpired, .grantRevoked, .grantExtended,
                     .incidentReviewCompleted, .handOffConfigured, .storeCreated, .settingsChanged, .schemaMigrated, .reconciliationRun, .findingOpened, .findingResolved, .findingExcepted, .findingRemovalRequested, .removalHandedOff, .removalHandOffFailed,
                     .requestRevised, .ticketLinked, .intakeRefused, .writeBackConfigured:
                    break
                }
            }
            if !found { throw StoreError.unknownRequest(requestID) }
            let marks = versions.map { _ in "?" }.joined(separator: ", ")
            var query = FastStatement(try db.makeStatement(sql: EventColumns.select + """
                 WHERE request_id = ? OR sequence IN (SELECT sequence FROM policies WHERE version IN (\(marks)))
                 ORDER BY sequence
                """), db)
            query.bind(requestID)
            for version in versions.sorted() { query.bind(version) }
            try query.forEachRow { try write(EventColumns(statement: $0)) }
        }
    }

    /// One `signoff.event/1` line; false when the payload is not JSON.
    static func writeJSONLine(_ event: EventColumns, to line: inout JSONOutput) -> Bool {
        line.beginObject()
        line.key("schema"); line.string("signoff.event/1")
        line.key("sequence"); line.int(event.sequence)
        line.key("at"); line.time(milliseconds: event.at)
        line.key("at_ms"); line.int(event.at)
        line.key("actor"); line.string(utf8: event.actor)
        line.key("authentication"); line.string(utf8: event.authentication)
        line.key("kind"); line.string(utf8: event.kind)
        line.key("request_id")
        if let id = event.requestID { line.string(utf8: id) } else { line.null() }
        line.key("payload")
        guard line.embed(json: event.payload) else { return false }
        line.key("prev_hash"); line.string(utf8: event.prevHash)
        line.key("hash"); line.string(utf8: event.hash)
        line.key("signature")
        if let signature = event.signature { line.string(utf8: signature) } else { line.null() }
        line.key("statement")
        if let statement = event.statement { line.string(utf8: statement) } else { line.null() }
        line.endObject()
        line.newline()
        return true
    }

    static func csvLine(_ event: EventColumns) -> String {
        func text(_ bytes: UnsafeRawBufferPointer?) -> String { bytes.map { String(decoding: $0, as: UTF8.self) } ?? "" }
        let fields = ["\(event.sequence)", iso8601(milliseconds: event.at), "\(event.at)", text(event.actor),
                      text(event.authentication), text(event.kind), text(event.requestID), text(event.payload),
                      text(event.prevHash), text(event.hash), text(event.signature), text(event.statement)]
        return fields.map(csvField).joined(separator: ",") + "\r\n"
    }

    /// One CSV field, neutralised for the people and spreadsheets that read it:
    /// every character `DisplaySafe` keeps off a terminal (controls, C1, bidi,
    /// zero-width and other invisible characters) is written as a JSON `\u`
    /// escape (inside the payload, JSON that reads back as the same value), and
    /// a field that starts like a formula (`=`, `+`, `-`, `@`) gets a leading
    /// `'`. The JSON lines export carries every value exactly.
    static func csvField(_ value: String) -> String {
        var value = DisplaySafe.escapingAboveASCII(value)
        if value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            var escaped = ""
            for scalar in value.unicodeScalars {
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    escaped += "\\u" + DisplaySafe.hex(scalar.value, digits: 4).lowercased()
                } else {
                    escaped.unicodeScalars.append(scalar)
                }
            }
            value = escaped
        }
        if let first = value.unicodeScalars.first, "=+-@".unicodeScalars.contains(first) { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// UTC with milliseconds, e.g. `2025-03-01T09:30:00.125Z`.
    static func iso8601(milliseconds: Int64) -> String { UTCTime.text(milliseconds: milliseconds) }
}

/// An `events` row's columns in `select` order, as bytes: from a stepped
/// statement without copying, valid until the next step.
struct EventColumns {
    static let select = """
        SELECT sequence, at, actor, authentication, kind, request_id, payload, prev_hash, hash, signature, statement
        FROM events
        """

    var sequence: Int64
    var at: Int64
    var actor: UnsafeRawBufferPointer
    var authentication: UnsafeRawBufferPointer
    var kind: UnsafeRawBufferPointer
    var requestID: UnsafeRawBufferPointer?
    var payload: UnsafeRawBufferPointer
    var prevHash: UnsafeRawBufferPointer
    var hash: UnsafeRawBufferPointer
    /// The armored SSHSIG and the statement it signs; nil for an unsigned event.
    var signature: UnsafeRawBufferPointer?
    var statement: UnsafeRawBufferPointer?

    init(statement: OpaquePointer) {
        func bytes(_ column: Int32) -> UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(start: sqlite3_column_text(statement, column),
                                   count: Int(sqlite3_column_bytes(statement, column)))
        }
        sequence = sqlite3_column_int64(statement, 0)
        at = sqlite3_column_int64(statement, 1)
        actor = bytes(2); authentication = bytes(3); kind = bytes(4)
        requestID = sqlite3_column_type(statement, 5) == SQLITE_NULL ? nil : bytes(5)
        payload = bytes(6); prevHash = bytes(7); hash = bytes(8)
        signature = sqlite3_column_type(statement, 9) == SQLITE_NULL ? nil : bytes(9)
        self.statement = sqlite3_column_type(statement, 10) == SQLITE_NULL ? nil : bytes(10)
    }

    /// The first text column whose bytes are not UTF-8 (a store edited by
    /// hand: signoff writes only UTF-8); nil when every one is.
    var columnNotUTF8: String? {
        Self.firstNotUTF8(actor: actor, authentication: authentication, kind: kind, requestID: requestID,
                          payload: payload, signature: signature, statement: statement)
    }

    static func firstNotUTF8(actor: UnsafeRawBufferPointer, authentication: UnsafeRawBufferPointer,
                             kind: UnsafeRawBufferPointer, requestID: UnsafeRawBufferPointer?,
                             payload: UnsafeRawBufferPointer, signature: UnsafeRawBufferPointer?,
                             statement: UnsafeRawBufferPointer?) -> String? {
        if !isUTF8(payload) { return "payload" }
        if !isUTF8(actor) { return "actor" }
        if !isUTF8(authentication) { return "authentication" }
        if !isUTF8(kind) { return "kind" }
        if let requestID, !isUTF8(requestID) { return "request_id" }
        if let signature, !isUTF8(signature) { return "signature" }
        if let statement, !isUTF8(statement) { return "statement" }
        return nil
    }

    /// Whether `bytes` are well-formed UTF-8: ASCII eight bytes at a time,
    /// and from the first byte that is not, the standard library's check.
    static func isUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let count = bytes.count
        var index = 0
        while index + 8 <= count,
              bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
            index += 8
        }
        while index < count, bytes[index] < 0x80 { index += 1 }
        guard index < count else { return true }
        return String(validating: UnsafeRawBufferPointer(rebasing: bytes[index...]), as: UTF8.self) != nil
    }

    /// The `policy_version` a signed event's statement names, if it names one.
    var signedPolicyVersion: String? {
        guard let statement,
              let fields = try? JSONSerialization.jsonObject(with: Data(statement)) as? [String: Any] else { return nil }
        return fields["policy_version"] as? String
    }

    /// The event as appended, decoded from the columns; `UndecodableEvent` when they do not decode.
    func draft() throws -> EventDraft {
        var exact = false
        return try draft(exact: &exact)
    }

    /// `draft`, setting `exact` when the payload is in the writer's exact shape (`EventBody.read(kind:payload:exact:)`).
    func draft(exact: inout Bool) throws -> EventDraft {
        func text(_ bytes: UnsafeRawBufferPointer) -> String { String(decoding: bytes, as: UTF8.self) }
        guard let authentication = Authentication(rawValue: text(authentication)) else {
            throw UndecodableEvent(sequence: sequence, detail: "unknown authentication \"\(text(authentication))\"")
        }
        let body: EventBody
        do {
            body = try EventBody.read(kind: text(kind), payload: payload, exact: &exact)
        } catch {
            throw UndecodableEvent(sequence: sequence, detail: "\(error)")
        }
        return EventDraft(requestID: requestID.map(text), actor: Principal(name: text(actor), authentication: authentication),
                          at: Date(storeMilliseconds: at), body: body,
                          signature: signature.map { EventSignature(armored: text($0), statement: statement.map(text) ?? "") })
    }
}

