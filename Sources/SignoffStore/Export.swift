#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import GRDB
import SignoffCore

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
    /// order. The payload is the exact stored text, so anyone can recompute the
    /// hashes (see `EventChain` for the canonical bytes).
    ///
    /// With `requestID`, only that request's events plus the `policy_applied`
    /// events of the policy versions they name. `emit` receives one complete
    /// record at a time, ending in a line feed (a CSV record may hold quoted
    /// line breaks inside it).
    public func export(format: ExportFormat, requestID: String? = nil, to emit: (String) -> Void) throws {
        try read { db in
            if format == .csv {
                emit("sequence,at,at_ms,actor,authentication,kind,request_id,payload,prev_hash,hash\r\n")
            }
            func write(_ event: StoredEvent) {
                emit(format == .csv ? Self.csvLine(event) : Self.jsonLine(event))
            }
            guard let requestID else {
                let rows = try Row.fetchCursor(db, sql: StoredEvent.select + " ORDER BY sequence")
                while let row = try rows.next() { write(StoredEvent(row: row)) }
                return
            }
            let events = try StoredEvent.fetchAll(db, sql: StoredEvent.select + " WHERE request_id = ? ORDER BY sequence",
                                                  arguments: [requestID])
            if events.isEmpty { throw StoreError.unknownRequest(requestID) }
            var versions = Set<String>()
            for event in events {
                switch try event.draft().body {
                case let .requestRouted(routed): versions.insert(routed.policyVersion)
                case let .reviewRecorded(review): versions.insert(review.policyVersion)
                case let .requestDecided(decided): if let version = decided.policyVersion { versions.insert(version) }
                case .policyApplied, .requestSubmitted, .reviewRefused, .actionRefused, .requestWithdrawn, .grantIssued,
                     .grantHandedOff, .grantProvisioned, .grantProvisioningFailed, .grantExpired, .grantRevoked, .grantExtended,
                     .incidentReviewCompleted, .handOffConfigured, .storeCreated, .settingsChanged, .schemaMigrated, .reconciliationRun, .findingOpened, .findingResolved:
                    break
                }
            }
            var policyEvents: [StoredEvent] = []
            if !versions.isEmpty {
                let marks = versions.map { _ in "?" }.joined(separator: ", ")
                policyEvents = try StoredEvent.fetchAll(db, sql: StoredEvent.select + """
                     WHERE sequence IN (SELECT sequence FROM policies WHERE version IN (\(marks))) ORDER BY sequence
                    """, arguments: StatementArguments(Array(versions)))
            }
            for event in (events + policyEvents).sorted(by: { $0.sequence < $1.sequence }) { write(event) }
        }
    }

    static func jsonLine(_ event: StoredEvent) -> String {
        var line = "{\"sequence\":\(event.sequence),\"at\":"
        appendJSONString(iso8601(milliseconds: event.at), to: &line)
        line += ",\"at_ms\":\(event.at),\"actor\":"
        appendJSONString(event.actor, to: &line)
        line += ",\"authentication\":"
        appendJSONString(event.authentication, to: &line)
        line += ",\"kind\":"
        appendJSONString(event.kind, to: &line)
        line += ",\"request_id\":"
        if let id = event.requestID { appendJSONString(id, to: &line) } else { line += "null" }
        line += ",\"payload\":"
        appendJSONString(event.payload, to: &line)
        line += ",\"prev_hash\":"
        appendJSONString(event.prevHash, to: &line)
        line += ",\"hash\":"
        appendJSONString(event.hash, to: &line)
        line += "}\n"
        return line
    }

    static func csvLine(_ event: StoredEvent) -> String {
        let fields = ["\(event.sequence)", iso8601(milliseconds: event.at), "\(event.at)", event.actor,
                      event.authentication, event.kind, event.requestID ?? "", event.payload, event.prevHash, event.hash]
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

    static func appendJSONString(_ value: String, to output: inout String) {
        output += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }

    /// UTC with milliseconds, e.g. `2025-03-01T09:30:00.125Z`.
    static func iso8601(milliseconds: Int64) -> String { UTCTime.text(milliseconds: milliseconds) }
}
