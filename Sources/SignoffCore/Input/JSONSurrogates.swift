import Foundation

/// JSON writes a character beyond U+FFFF as two escapes, a surrogate pair
/// (`"\ud83d\ude00"`: Python's `json.dumps` and JavaScript's `JSON.stringify`
/// of a lone pair, among others), which YAML's double-quoted strings do not
/// take: libyaml refuses each half as an invalid code point. JSON text is
/// read by the YAML reader, so before it is, each well-formed pair in a JSON
/// document is written as the one escape YAML has for it (`\U0001F600`).
/// Only in text that is JSON, where a string is exactly what lies between
/// two unescaped double quotes; a half without its other half is left as it
/// is, for the reader to refuse.
///
/// Every position the reader reports stays where it is in the file: the new
/// escape is two characters shorter than the pair, so two spaces follow the
/// string's closing quote for each pair in it, where JSON and YAML both
/// allow whitespace. A string's own problems are reported at its opening
/// quote, before any escape.
enum JSONSurrogates {
    static func joined(_ text: String) -> String {
        // Looked at without a copy; only a file holding a pair, and small
        // enough to be read twice, is: a larger one is refused as before.
        guard text.utf8.count <= maximumBytes, mayHavePairs(text) else { return text }
        let bytes = Array(text.utf8)
        guard isJSON(bytes) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0, inString = false, padding = 0
        while index < bytes.count {
            let byte = bytes[index]
            if !inString {
                inString = byte == UInt8(ascii: "\"")
                out.append(byte)
                index += 1
            } else if byte == UInt8(ascii: "\\") {
                if let scalar = pair(at: index, in: bytes) {
                    out.append(contentsOf: Array("\\U".utf8) + Array(DisplaySafe.hex(scalar, digits: 8).utf8))
                    padding += 2
                    index += 12
                } else {
                    // Any other escape, taken whole: `\\` and `\"` end nothing.
                    out.append(contentsOf: bytes[index..<min(index + 2, bytes.count)])
                    index += 2
                }
            } else {
                out.append(byte)
                index += 1
                if byte == UInt8(ascii: "\"") {
                    inString = false
                    out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padding))
                    padding = 0
                }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The largest text read for pairs: a request file, a policy or a mapping is far smaller.
    static let maximumBytes = 64 << 20

    /// Whether a pair's escapes (`\ud8`…`\udb`, then `\udc`…`\udf`) appear at all: the cheap test first.
    private static func mayHavePairs(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            guard bytes.count >= 12 else { return false }
            for index in 0..<(bytes.count - 11) where bytes[index] == UInt8(ascii: "\\") && bytes[index + 1] == UInt8(ascii: "u")
                && (bytes[index + 2] | 0x20) == UInt8(ascii: "d") && Array("89abAB".utf8).contains(bytes[index + 3])
                && bytes[index + 6] == UInt8(ascii: "\\") {
                return true
            }
            return false
        }
    }

    /// Whether the text is one JSON value, as JSON's own reader takes it.
    private static func isJSON(_ bytes: [UInt8]) -> Bool {
        guard let first = bytes.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }),
              first == UInt8(ascii: "{") || first == UInt8(ascii: "[") else { return false }
        return (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
    }

    /// The code point of the pair `\uD8xx\uDCxx` starting at `index`, if one does.
    private static func pair(at index: Int, in bytes: [UInt8]) -> UInt32? {
        guard index + 12 <= bytes.count, bytes[index + 1] == UInt8(ascii: "u"), bytes[index + 6] == UInt8(ascii: "\\"),
              bytes[index + 7] == UInt8(ascii: "u"), let high = hex(bytes[(index + 2)..<(index + 6)]),
              let low = hex(bytes[(index + 8)..<(index + 12)]),
              (0xD800...0xDBFF).contains(high), (0xDC00...0xDFFF).contains(low) else { return nil }
        return 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
    }

    private static func hex(_ digits: ArraySlice<UInt8>) -> UInt32? {
        var value: UInt32 = 0
        for digit in digits {
            guard let nibble = Character(UnicodeScalar(digit)).hexDigitValue else { return nil }
            value = value << 4 | UInt32(nibble)
        }
        return value
    }
}
