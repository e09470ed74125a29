import Foundation
import SignoffCore
import Testing

/// A string in canonical JSON is escaped byte by byte as the reference below
/// does, wherever in the string (and in its eight-byte words) the bytes to
/// escape fall: the writer skips whole words that need none. The reader skips
/// whole words too, and reads back exactly what was written.
@Suite struct CanonicalStringTests {
    /// The rule, written plainly: `"` and `\` and the control characters escaped, every other byte as it is.
    static func reference(_ text: String) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += Array(#"\""#.utf8)
            case UInt8(ascii: "\\"): out += Array(#"\\"#.utf8)
            case 0x08: out += Array(#"\b"#.utf8)
            case 0x09: out += Array(#"\t"#.utf8)
            case 0x0A: out += Array(#"\n"#.utf8)
            case 0x0C: out += Array(#"\f"#.utf8)
            case 0x0D: out += Array(#"\r"#.utf8)
            case 0..<0x20: out += Array(String(format: "\\u%04x", byte).utf8)
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
        return out
    }

    static func written(_ text: String) -> [UInt8] {
        var writer = CanonicalJSON.Writer()
        writer.string(text)
        return writer.bytes
    }

    /// The text read back from what the writer wrote, through the fast reader.
    static func readBack(_ text: String) -> String? {
        CanonicalJSON.decodeStrings("[" + String(decoding: written(text), as: UTF8.self) + "]")?.first
    }

    @Test func oneByteToEscapeAtEveryPlaceOfLongText() {
        let specials: [Character] = ["\"", "\\", "\u{0}", "\u{8}", "\t", "\n", "\u{C}", "\r", "\u{1B}", "\u{1F}"]
        for special in specials {
            for length in [1, 7, 8, 9, 15, 16, 17, 40, 64] {
                for place in 0..<length {
                    var characters = Array(repeating: Character("a"), count: length)
                    characters[place] = special
                    let text = String(characters)
                    #expect(Self.written(text) == Self.reference(text), "\(text.debugDescription)")
                    #expect(Self.readBack(text) == text, "\(text.debugDescription)")
                }
            }
        }
    }

    /// What is not canonical is refused wherever it falls: a raw control
    /// character or an unescaped quote inside the string.
    @Test func theReaderRefusesARawControlCharacterOrQuoteAtEveryPlace() {
        for special: UInt8 in [0x00, 0x01, 0x09, 0x0A, 0x1F, UInt8(ascii: "\"")] {
            for length in [1, 7, 8, 9, 15, 16, 17, 40] {
                for place in 0..<length {
                    var bytes = Array("[\"".utf8) + Array(repeating: UInt8(ascii: "a"), count: length) + Array("\"]".utf8)
                    bytes[2 + place] = special
                    let text = String(decoding: bytes, as: UTF8.self)
                    #expect(CanonicalJSON.decodeStrings(text) == nil, "\(text.debugDescription)")
                }
            }
        }
    }

    @Test func bytesNextToTheEscapedOnesAreLeftAlone() {
        // Each just beside a byte that needs an escape, or sharing its low bits: none of them does.
        for text in [" !#$%&'()*+,-./", "\u{7F}\u{80}\u{FF}", "[]^_`{|}~", "é ü ß ж 中 😀", "!\u{21}\u{23}\u{5B}\u{5D}\u{A2}\u{DC}",
                     String(repeating: "\u{A2}", count: 17), String(repeating: "😀", count: 9), ""] {
            #expect(Self.written(text) == Self.reference(text), "\(text.debugDescription)")
            #expect(Self.readBack(text) == text, "\(text.debugDescription)")
        }
    }

    @Test func randomTextMatchesTheRule() {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [Unicode.Scalar] = ["a", "Z", "0", " ", "!", "#", "\"", "\\", "\u{0}", "\u{1}", "\u{8}", "\t", "\n", "\u{B}", "\u{C}", "\r",
                                          "\u{1F}", "\u{20}", "\u{21}", "\u{5B}", "\u{5D}", "\u{7F}", "\u{80}", "é", "\u{2028}", "😀"]
        for _ in 0..<5_000 {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...40, using: &generator) {
                // Mostly plain letters, as real fields are, so whole words are skipped too.
                scalars.append(Bool.random(using: &generator) ? "x" : alphabet.randomElement(using: &generator)!)
            }
            let text = String(scalars)
            #expect(Self.written(text) == Self.reference(text), "\(text.debugDescription)")
            #expect(Self.readBack(text) == text, "\(text.debugDescription)")
        }
    }
}
