/// Makes untrusted text safe to put on a terminal. Request fields come from
/// strangers: a raw ESC could move the cursor, rewrite the screen or the title,
/// and a bidirectional override could make `prod` read as `dorp`. Nothing that
/// controls a terminal or hides text ever passes through; each such character
/// becomes a visible placeholder so the approver sees that something was there.
public enum DisplaySafe {
    /// Placeholder style: Unicode control pictures where the terminal can show
    /// them, or an ASCII `\x1B`-style escape otherwise.
    public enum Style: Sendable { case unicode, ascii }

    /// True when `scalar` must never reach a terminal as itself.
    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        switch v {
        case 0x00...0x1F, 0x7F, 0x80...0x9F: return true          // C0, DEL, C1 (incl. CSI 0x9B)
        case 0x200B...0x200F: return true                          // zero-width space/joiners, LRM/RLM
        case 0x202A...0x202E: return true                          // bidi embeddings and overrides
        case 0x2060...0x2064, 0x2066...0x206F: return true         // word joiner, invisible operators, bidi isolates
        case 0xFEFF: return true                                   // zero-width no-break space / BOM
        case 0xFFF9...0xFFFB: return true                          // interlinear annotations
        case 0x061C: return true                                   // Arabic letter mark
        case 0xE0000...0xE007F: return true                        // tag characters
        default: return false
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

    static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
