/// The rule for names that people read and compare: directory people,
/// groups, rotations, accounts and intake agents, catalogue systems,
/// environments and entitlements, and the people a request names.
///
/// A name is compared byte for byte (`ExactName`), so a character nobody can
/// see would make two names that read the same different people or systems
/// (`dave` and `dave\u{200B}`, `frank` and `fr\u{AD}ank`). Such a name is
/// refused where it is written, never stored and shown as a placeholder.
public enum PlainName {
    /// The first scalar a name may not hold.
    public struct Problem: Sendable, Hashable {
        public var scalar: Unicode.Scalar
        /// 0-based position among the name's scalars.
        public var offset: Int

        /// `holds U+200B at character 5, which cannot be seen`.
        public var message: String {
            "holds \(StorableText.name(scalar)) at character \(offset + 1), \(reason)"
        }

        public var reason: String {
            let v = scalar.value
            if v < 0x20 || (0x7F...0x9F).contains(v) { return "a control character" }
            if (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) || v == 0x200E || v == 0x200F || v == 0x061C {
                return "a bidirectional control, which can make the name read as another"
            }
            if scalar.properties.generalCategory == .spaceSeparator { return "a space that is not U+0020, which reads as one" }
            if scalar.properties.generalCategory == .privateUse { return "a private-use character, which looks like whatever a font makes it" }
            if scalar.properties.generalCategory == .unassigned { return "a code point Unicode has not assigned" }
            return "an invisible or formatting character, which cannot be seen"
        }
    }

    public static let hint = "write the name with visible characters only, exactly as everyone else spells it"

    /// Whether a name may not hold `scalar`: control characters, line and
    /// paragraph breaks, bidirectional controls, everything `DisplaySafe`
    /// replaces (Default_Ignorable code points among them), other format
    /// characters (general category Cf), spaces other than U+0020,
    /// private-use and unassigned code points, and noncharacters.
    public static func isRefused(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v >= 0x21 && v < 0x7F { return false }   // printable ASCII, the common case
        if v == 0x20 { return false }
        if DisplaySafe.isUnsafe(scalar) { return true }
        if StorableText.reason(for: scalar, shape: .line) != nil { return true }
        switch scalar.properties.generalCategory {
        case .format, .control, .spaceSeparator, .lineSeparator, .paragraphSeparator, .surrogate, .unassigned, .privateUse:
            return true
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .nonspacingMark,
             .spacingMark, .enclosingMark, .decimalNumber, .letterNumber, .otherNumber, .connectorPunctuation,
             .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation, .finalPunctuation,
             .otherPunctuation, .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            return false
        @unknown default:
            return true
        }
    }

    public static func problem(in name: String) -> Problem? {
        var offset = 0
        for scalar in name.unicodeScalars {
            if isRefused(scalar) { return Problem(scalar: scalar, offset: offset) }
            offset += 1
        }
        return nil
    }

    /// Refuses `name` at `node` when it holds a character a name may not;
    /// `what` says what the name is, e.g. `a person's name`.
    static func check(_ name: String, at node: some RequestInput, what: String) throws(SourceError) {
        guard let problem = problem(in: name) else { return }
        throw node.error("\(what) \(problem.message)", hint: hint)
    }
}
