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

    /// Only what a reader sees meets the policy's minimum: a rationale of
    /// characters a terminal shows as nothing looks empty, and is refused as
    /// an empty one is.
    @Test func onlyVisibleCharactersMeetTheMinimum() throws {
        let policy = try Policy.parse(source: """
            policy: rationale
            settings: {minimum_rationale: 20}
            catalogue: {db: {owners: [bob], environments: [production], entitlements: [read], max_duration: 1d}}
            route: [{name: owners, steps: [{approvers: owners}]}]
            directory: {people: {bob: {}}}
            """, file: "policy.yaml")
        for invisible in ["\u{2060}", "\u{AD}", "\u{180E}", "\u{3164}", "\u{FFA0}", "\u{2800}", "\u{200B}", "\u{FEFF}", "\u{E0041}"] {
            let problem = Lifecycle.checkRationale(String(repeating: invisible, count: 25), policy: policy)
            #expect(problem?.contains("(it has 0)") == true, "U+\(String(invisible.unicodeScalars.first!.value, radix: 16)): \(problem ?? "accepted")")
        }
        // Padded to 25 scalars with invisible ones, 19 visible characters (spaces between words count) are still too few.
        let padded = "checked the ticket" + String(repeating: "\u{2060}", count: 6) + "."
        #expect(Lifecycle.checkRationale(padded, policy: policy)?.contains("(it has 19)") == true)
        #expect(Lifecycle.checkRationale("checked the ticket OPS-42", policy: policy) == nil)
        #expect(Lifecycle.checkRationale("Zugriff geprüft, Ticket OK", policy: policy) == nil)
        #expect(Lifecycle.checkRationale("\u{1F600}" + String(repeating: "é", count: 19), policy: policy) == nil)
    }
}
