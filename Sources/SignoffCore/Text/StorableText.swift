/// Text signoff refuses at the door, because the store or a terminal could not
/// carry it faithfully. Everything else is stored exactly as given and shown
/// through `DisplaySafe`.
///
/// Refused everywhere:
/// - U+0000 (NUL): C strings, SQLite's text bindings and most tools end the
///   text there, so what was stored would not read back as what was decided;
/// - the other control characters (U+0001–U+001F, U+007F, U+0080–U+009F):
///   they are commands to a terminal (ESC, CSI, BEL, ...), never text;
/// - noncharacters (U+FDD0–U+FDEF and U+xFFFE, U+xFFFF on every plane):
///   Unicode reserves them for a program's own use, not for interchange.
///
/// A one-line field (names, systems, references, labels) also refuses line
/// and paragraph breaks: tab, line feed, carriage return, U+2028 and U+2029.
/// Free text (purpose, notes, rationales, reasons) keeps tab, line feed and
/// carriage return.
///
/// Invisible and bidirectional formatting characters are stored (they are
/// real text in right-to-left scripts and emoji) and shown as placeholders.
public enum StorableText {
    public enum Shape: Sendable { case line, multiline }

    /// The first scalar `text` may not hold: where it is (scalar offset) and why.
    public struct Problem: Sendable, Hashable {
        public var scalar: Unicode.Scalar
        /// 0-based position among the text's scalars.
        public var offset: Int
        public var reason: String

        /// `holds U+001B (a control character) at character 4`.
        public var message: String {
            "holds \(StorableText.name(scalar)) at character \(offset + 1), \(reason)"
        }
    }

    public static let hint = "remove it: signoff stores text exactly, and cannot store or show this character faithfully"

    public static func problem(in text: String, shape: Shape) -> Problem? {
        var offset = 0
        for scalar in text.unicodeScalars {
            let v = scalar.value
            // Printable ASCII: the common case, decided with two comparisons.
            if v >= 0x20 && v < 0x7F { offset += 1; continue }
            if let reason = reason(for: scalar, shape: shape) {
                return Problem(scalar: scalar, offset: offset, reason: reason)
            }
            offset += 1
        }
        return nil
    }

    public static func isStorable(_ text: String, shape: Shape) -> Bool { problem(in: text, shape: shape) == nil }

    static func reason(for scalar: Unicode.Scalar, shape: Shape) -> String? {
        let v = scalar.value
        switch v {
        case 0x00:
            return "which cannot be stored exactly (it would end the text there)"
        case 0x09, 0x0A, 0x0D:
            switch shape {
            case .multiline: return nil
            case .line: return "a line break or tab in a one-line field"
            }
        case 0x01...0x1F, 0x7F...0x9F:
            return "a control character (a command to the terminal, not text)"
        case 0x2028, 0x2029:
            switch shape {
            case .multiline: return "a line separator terminals do not show as one; use a line feed"
            case .line: return "a line break in a one-line field"
            }
        case 0xFDD0...0xFDEF:
            return "a noncharacter (reserved, never text)"
        case _ where v & 0xFFFE == 0xFFFE:
            return "a noncharacter (reserved, never text)"
        default:
            return nil
        }
    }

    /// `U+001B`, with the common names of what people meet: `U+0000 (NUL)`.
    public static func name(_ scalar: Unicode.Scalar) -> String {
        let code = "U+" + DisplaySafe.hex(scalar.value, digits: 4)
        let names: [UInt32: String] = [0x00: "NUL", 0x07: "BEL", 0x08: "BS", 0x09: "TAB", 0x0A: "LF", 0x0D: "CR",
                                       0x1B: "ESC", 0x7F: "DEL", 0x9B: "CSI", 0x9D: "OSC", 0x2028: "LINE SEPARATOR",
                                       0x2029: "PARAGRAPH SEPARATOR"]
        return names[scalar.value].map { "\(code) (\($0))" } ?? code
    }

    /// Line and column (1-based, in scalars) of the scalar at `offset` in `text`,
    /// for text read from a plain file (a rationale file).
    public static func position(of offset: Int, in text: String) -> SourcePosition {
        var line = 1, column = 1, index = 0
        for scalar in text.unicodeScalars {
            if index == offset { break }
            if scalar == "\n" { line += 1; column = 1 } else { column += 1 }
            index += 1
        }
        return SourcePosition(line: line, column: column)
    }

    /// Checks text read whole from a file or an option (`--rationale-file`,
    /// `--note`): the error names the file (or option), line and column.
    public static func check(_ text: String, shape: Shape, source: String, field: String) throws(SourceError) {
        guard let problem = problem(in: text, shape: shape) else { return }
        throw SourceError(file: source, position: position(of: problem.offset, in: text), field: field,
                          message: problem.message, hint: hint)
    }
}
