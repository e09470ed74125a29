import Foundation
import SignoffCore

/// A top-level JSON document: an object whose first key names its schema and
/// version (`signoff.request/1`). Within a version, changes are additive only;
/// `schemas/` holds the JSON Schema of every document (README, "JSON output").
protocol JSONDocument {
    /// `signoff.<document>/<version>`.
    static var schema: StaticString { get }
    /// Writes the document's members after `schema`.
    func members(_ json: inout JSONOutput)
}

extension JSONDocument {
    /// The whole object, `schema` first.
    func write(_ json: inout JSONOutput) {
        json.beginObject()
        json.key("schema"); json.string(Self.schema.description)
        members(&json)
        json.endObject()
    }

    /// Prints the document on stdout, indented: the one JSON value of a command.
    func print() throws {
        var json = JSONOutput(pretty: true)
        write(&json)
        json.newline()
        try StandardOutput.write(json.bytes)
    }
}

/// How a list command prints: text for people, one JSON document, or JSON lines.
enum ListFormat {
    case text
    /// `{"schema": "signoff.<thing>-list/1", "items": [...]}`, one item per line.
    case json
    /// One item object per line, each naming its own schema.
    case jsonLines

    init(json: Bool, jsonLines: Bool) throws {
        if json && jsonLines { throw CommandFailure.badOption("--jsonl", "give --json or --jsonl, not both") }
        self = json ? .json : jsonLines ? .jsonLines : .text
    }
}

/// Writes a list as it is read: items go out in chunks of about 64 KB (the
/// first at once), so memory stays flat and a reader sees the first item
/// without waiting for the last. Only complete items are ever written: when
/// the read fails midway, JSON lines end after the last whole line and a JSON
/// document stays unterminated (it does not parse), while the error goes to
/// stderr with a non-zero exit.
struct JSONListWriter<Item: JSONDocument> {
    let listSchema: StaticString
    let lines: Bool
    private var json = JSONOutput(capacity: 80 * 1024)
    private var count = 0

    init(listSchema: StaticString, lines: Bool) {
        self.listSchema = listSchema
        self.lines = lines
    }

    mutating func append(_ item: Item) throws {
        if !lines {
            if count == 0 { header() } else { json.separator(",\n") }
        }
        item.write(&json)
        if lines { json.newline() }
        count += 1
        if count == 1 || json.bytes.count >= 64 * 1024 {
            try StandardOutput.write(json.bytes)
            json.removeAll()
        }
    }

    /// `{"schema":"signoff.<thing>-list/1","items":[` and a line feed.
    private mutating func header() {
        json.separator("{\"schema\":")
        json.string(listSchema.description)
        json.separator(",\"items\":[\n")
    }

    /// Closes the document (JSON) and writes what is left.
    mutating func finish() throws {
        if !lines {
            if count == 0 { header() }
            json.separator("\n]}\n")
        }
        try StandardOutput.write(json.bytes)
        json.removeAll()
    }
}

/// stdout as bytes, written with write(2) in whole buffers; text lines of
/// long lists are collected here too rather than written one by one.
enum StandardOutput {
    nonisolated(unsafe) private static var pending: [UInt8] = []

    static func write(_ bytes: [UInt8]) throws {
        try flush()
        try bytes.withUnsafeBytes(writeAll)
    }

    /// A text line into the buffer, written once 64 KB have gathered (or at `flush`).
    static func line(_ text: String) throws {
        pending.append(contentsOf: text.utf8)
        pending.append(0x0A)
        if pending.count >= 64 * 1024 { try flush() }
    }

    static func flush() throws {
        guard !pending.isEmpty else { return }
        defer { pending.removeAll(keepingCapacity: true) }
        try pending.withUnsafeBytes(writeAll)
    }

    private static func writeAll(_ raw: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < raw.count {
            let written = Foundation.write(STDOUT_FILENO, raw.baseAddress! + offset, raw.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw CommandFailure(.internalError, "cannot write the output: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }
}
