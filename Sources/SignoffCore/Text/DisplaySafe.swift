/// Makes untrusted text safe to put on a terminal. Request fields come from
/// strangers: a raw ESC could move the cursor, rewrite the screen or the title,
/// and a bidirectional override could make `prod` read as `dorp`. Nothing that
/// controls a terminal or hides text ever passes through; each such character
/// becomes a visible placeholder so the approver sees that something was there.
public enum DisplaySafe {
    /// Placeholder style: Unicode control pictures where the terminal can show
    /// them, or an ASCII `\x1B`-style escape otherwise.
    public enum Style: Sendable { case unicode, ascii }

    /// True when `scalar` must never reach a terminal as itself: control
    /// characters (C0, DEL, C1), bidirectional controls, line and paragraph
    /// separators, interlinear annotations, and everything Unicode marks
    /// Default_Ignorable (zero-width characters, joiners, variation selectors,
    /// tag characters, and the invisible Hangul fillers U+115F, U+1160, U+3164,
    /// U+FFA0), every other format character (general category Cf), plus the
    /// blank Braille pattern U+2800, which renders as nothing.
    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v >= 0x20 && v < 0x7F { return false }           // printable ASCII, the common case
        switch v {
        case 0x00...0x1F, 0x7F...0x9F: return true          // C0, DEL, C1 (incl. CSI 0x9B)
        case 0x202A...0x202E, 0x2066...0x2069: return true  // bidi embeddings, overrides, isolates
        case 0x200E, 0x200F, 0x061C: return true            // LRM, RLM, Arabic letter mark
        case 0x2028, 0x2029: return true                    // line and paragraph separators
        case 0xFFF9...0xFFFB: return true                   // interlinear annotations
        case 0x2800: return true                            // braille pattern blank
        default:
            // Format characters too: those not default-ignorable (the Arabic
            // number signs U+0600–0605 and other prepended concatenation
            // marks) join the next character into their grapheme, where a
            // terminal cell cannot show it.
            return scalar.properties.isDefaultIgnorableCodePoint || scalar.properties.generalCategory == .format
        }
    }

    /// The visible stand-in for an unsafe scalar.
    public static func placeholder(for scalar: Unicode.Scalar, style: Style) -> String {
        let v = scalar.value
        switch style {
        case .unicode:
            if v <= 0x1F, let picture = Unicode.Scalar(0x2400 + v) { return String(picture) } // ␛ ␀ ␊ ...
            if v == 0x7F { return "\u{2421}" }                                             // ␡
            return "\u{FFFD}"                                                             // �
        case .ascii:
            return v <= 0xFF ? "\\x" + hex(v, digits: 2) : "\\u{" + hex(v, digits: 4) + "}"
        }
    }

    /// `text` with every unsafe scalar replaced. With `keepNewlines`, line feeds
    /// survive (for wrapped multi-line fields); everything else is replaced.
    public static func text(_ text: String, style: Style = .unicode, keepNewlines: Bool = false) -> String {
        guard text.unicodeScalars.contains(where: isUnsafe) else { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            if keepNewlines && scalar == "\n" {
                result.unicodeScalars.append(scalar)
            } else if isUnsafe(scalar) {
                result += placeholder(for: scalar, style: style)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// Text inside a JSON string (or JSON text) with every unsafe scalar above
    /// ASCII written as a `\u009b`-style escape (UTF-16, so surrogate pairs
    /// above U+FFFF). JSON encoders leave C1 controls and bidi overrides raw;
    /// escaped, the value is the same for any JSON reader and nothing reaches a
    /// terminal that could act on it. The CSV export writes them the same way.
    public static func escapingAboveASCII(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value > 0x7E && isUnsafe($0) }) else { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            if scalar.value > 0x7E && isUnsafe(scalar) {
                for unit in String(scalar).utf16 { result += "\\u" + hex(UInt32(unit), digits: 4).lowercased() }
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    public static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
