import Crypto
import Foundation
import SignoffCore

/// One file of an export, read whole: its name as given, its SHA-256 (the
/// run's evidence names exactly which bytes were compared) and its text,
/// which must be UTF-8 without NUL characters.
public struct ExportFile: Sendable {
    /// The name as the user gave it, for messages and evidence.
    public let name: String
    public let bytes: [UInt8]
    /// Lowercase hexadecimal SHA-256 of `bytes`.
    public let sha256: String
    /// The text without a leading byte-order mark.
    public let text: String

    /// Checks the bytes; invalid UTF-8 and NUL are refused with their line and column.
    public init(name: String, bytes: [UInt8]) throws(SourceError) {
        self.name = name
        self.bytes = bytes
        sha256 = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        var text = try YAMLSource.text(from: Data(bytes), file: name)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        if let nul = text.utf8.firstIndex(of: 0) {
            let before = text.utf8[..<nul]
            let line = before.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
            let column = before.count - (before.lastIndex(of: 0x0A).map { before.distance(from: before.startIndex, to: $0) + 1 } ?? 0) + 1
            throw SourceError(file: name, position: SourcePosition(line: line, column: column), field: "",
                              message: "contains a NUL byte", hint: "an export is text; this file is not one, or was altered")
        }
        self.text = text
    }

    /// Reads a file from disk.
    public init(path: String, name: String? = nil) throws(SourceError) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw SourceError(file: name ?? path, position: nil, field: "", message: "cannot be read: \((error as NSError).localizedDescription)")
        }
        try self.init(name: name ?? path, bytes: [UInt8](data))
    }

    /// The text's bytes, as the JSON parser reads them.
    var utf8: [UInt8] { Array(text.utf8) }

    /// The first character that is not white space: `{` or `[` starts JSON.
    var firstCharacter: Character? { text.first { !$0.isWhitespace } }
}
