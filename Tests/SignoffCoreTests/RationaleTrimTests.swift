import Foundation
import SignoffCore
import Testing

/// A rationale is stored without the blanks around it, exactly as
/// Foundation's `.whitespacesAndNewlines` trims on Linux, though without
/// Foundation: every scalar of that set, and no other (checked once over
/// the whole of Unicode), is trimmed.
@Suite struct RationaleTrimTests {
    /// Blanks of every kind the set names, and characters it does not.
    static let blanks: [Unicode.Scalar] = ["\t", "\n", "\u{0B}", "\u{0C}", "\r", " ", "\u{85}", "\u{A0}", "\u{1680}",
                                           "\u{2000}", "\u{200A}", "\u{200B}", "\u{2028}", "\u{2029}", "\u{202F}", "\u{205F}", "\u{3000}"]
    static let others: [Unicode.Scalar] = ["a", "Z", "\u{0}", "\u{1F}", "\u{7F}", "\u{180E}", "\u{200C}", "\u{FEFF}", "\u{301}", "é", "\u{1F600}",
                                           "\u{E000}", "-"]

    @Test func matchesFoundationOnChosenText() {
        for text in ["", " ", "\n\n", "ok", " ok ", "\tcheck ticket OPS-1\n", "ok\r\n", "\u{2028}text\u{3000}",
                     " \u{301}accent", "inner  spaces stay", "\u{200C}zero width non-joiner stays\u{200C}", "\u{85}next line\u{85}",
                     "a\u{A0}", "\u{1F600} \u{1F600}"] {
            #expect(Lifecycle.stored(text) == text.trimmingCharacters(in: .whitespacesAndNewlines), "\(text.debugDescription)")
        }
    }

    @Test func matchesFoundationOnGeneratedText() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Self.blanks + Self.others
        for _ in 0..<5_000 {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...8, using: &generator) {
                scalars.append(alphabet.randomElement(using: &generator)!)
            }
            let text = String(scalars)
            #expect(Lifecycle.stored(text) == text.trimmingCharacters(in: .whitespacesAndNewlines), "\(text.debugDescription)")
        }
    }

    @Test func trimsTheSameScalarsAsFoundationAcrossUnicode() {
        var differ: [String] = []
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let text = "x\(String(scalar))"
            if Lifecycle.stored(text) != text.trimmingCharacters(in: .whitespacesAndNewlines) { differ.append(String(value, radix: 16)) }
        }
        #expect(differ.isEmpty, "U+\(differ.prefix(20).joined(separator: " U+"))")
    }

    @Test func everyBlankIsTrimmedAndNoOtherScalar() {
        for blank in Self.blanks {
            #expect(Lifecycle.stored("\(blank)x\(blank)") == "x", "U+\(String(blank.value, radix: 16))")
        }
        for other in Self.others {
            #expect(Lifecycle.stored(" \(other) ") == "\(other)", "U+\(String(other.value, radix: 16))")
        }
    }
}
