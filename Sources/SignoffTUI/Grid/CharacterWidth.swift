/// Terminal column width of a grapheme, from tables this project controls (East
/// Asian Width and emoji presentation) rather than the locale, so the same text
/// renders the same way everywhere and snapshots are deterministic.
public enum CharacterWidth {
    /// Columns of a grapheme: the sum of its cells' (`forEachCell`). A
    /// terminal cell holds one spacing character and the nonspacing marks
    /// after it, so a grapheme of several spacing characters (a Devanagari
    /// syllable with a spacing vowel sign, a flag, an emoji with a skin tone,
    /// anything after a prepended mark) takes a cell for each.
    public static func of(_ character: Character) -> Int {
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return 0 }
        if first.value < 0x7F, scalars.count == 1 { return first.value < 0x20 ? 0 : 1 }
        // The common case: one cell, a character and perhaps its marks.
        if scalars.dropFirst().allSatisfy(isMark) { return width(of: scalars[...]) }
        var total = 0
        forEachCell(of: character) { _, width in total += width }
        return total
    }

    /// Columns used by a whole string.
    public static func of(_ text: String) -> Int {
        // Printable ASCII, the common case, is one column a byte.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text.utf8.count }
        var total = 0
        for character in text { total += of(character) }
        return total
    }

    /// Calls `body` with each cell's worth of a grapheme and its width: a
    /// scalar that is not a nonspacing or enclosing mark starts a cell, and
    /// the marks after it go with it (a variation selector is one: U+FE0F
    /// makes its cell wide). A cell of width 0 starts with a mark or a
    /// format character and belongs with the cell before it. Nothing of the
    /// grapheme is left out, so no character can hide the ones after it.
    public static func forEachCell(of character: Character, _ body: (Substring.UnicodeScalarView, Int) -> Void) {
        let scalars = character.unicodeScalars
        var start = scalars.startIndex
        var index = scalars.index(after: start)
        func emit(_ end: Substring.UnicodeScalarView.Index) {
            let cell = scalars[start..<end]
            body(cell, width(of: cell))
            start = end
        }
        while index < scalars.endIndex {
            if !isMark(scalars[index]) { emit(index) }
            index = scalars.index(after: index)
        }
        emit(scalars.endIndex)
    }

    /// Columns of one cell's scalars: its first scalar's, or two where an
    /// emoji presentation selector follows it.
    static func width(of cell: Substring.UnicodeScalarView) -> Int {
        guard let first = cell.first else { return 0 }
        if first.value < 0x7F { return first.value < 0x20 ? 0 : 1 }
        if isZeroWidth(first) { return 0 }
        if cell.contains(where: { $0.value == 0xFE0F }) { return 2 }
        return isWide(first) ? 2 : 1
    }

    /// Nonspacing and enclosing marks: drawn in the cell of the character before them.
    static func isMark(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x300 { return false }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark: return true
        default: return false
        }
    }

    static func isZeroWidth(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return true
        default: return false
        }
    }

    static func isWide(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        switch v {
        case 0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC, 0x23F0, 0x23F3,
             0x25FD...0x25FE, 0x2614...0x2615, 0x2648...0x2653, 0x267F, 0x2693, 0x26A1, 0x26AA...0x26AB,
             0x26BD...0x26BE, 0x26C4...0x26C5, 0x26CE, 0x26D4, 0x26EA, 0x26F2...0x26F3, 0x26F5, 0x26FA,
             0x26FD, 0x2705, 0x270A...0x270B, 0x2728, 0x274C, 0x274E, 0x2753...0x2755, 0x2757,
             0x2795...0x2797, 0x27B0, 0x27BF, 0x2B1B...0x2B1C, 0x2B50, 0x2B55,
             0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
             0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F,
             0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x16FE0...0x16FE4, 0x17000...0x18AFF, 0x1B000...0x1B2FF,
             0x1F004, 0x1F0CF, 0x1F18E, 0x1F191...0x1F19A, 0x1F200...0x1F251, 0x1F300...0x1F320,
             0x1F32D...0x1F335, 0x1F337...0x1F37C, 0x1F37E...0x1F393, 0x1F3A0...0x1F3CA,
             0x1F3CF...0x1F3D3, 0x1F3E0...0x1F3F0, 0x1F3F4, 0x1F3F8...0x1F43E, 0x1F440,
             0x1F442...0x1F4FC, 0x1F4FF...0x1F53D, 0x1F54B...0x1F54E, 0x1F550...0x1F567, 0x1F57A,
             0x1F595...0x1F596, 0x1F5A4, 0x1F5FB...0x1F64F, 0x1F680...0x1F6C5, 0x1F6CC, 0x1F6D0...0x1F6D2,
             0x1F6D5...0x1F6D7, 0x1F6DC...0x1F6DF, 0x1F6EB...0x1F6EC, 0x1F6F4...0x1F6FC, 0x1F7E0...0x1F7EB,
             0x1F7F0, 0x1F90C...0x1F93A, 0x1F93C...0x1F945, 0x1F947...0x1F9FF, 0x1FA70...0x1FAFF,
             0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }
}
