/// Fitting untrusted text into columns: truncation with an ellipsis for lists,
/// wrapping for the detail. Widths come from `CharacterWidth`, so wide and
/// combining characters never push a border out of line.
public enum TextLayout {
    /// A grapheme may carry any number of combining marks; a terminal stacks them
    /// over neighbouring rows. Keep a few, which is all real text needs.
    static let maximumScalarsPerCharacter = 8

    /// Untrusted `raw` made display-safe and fitted into `width` columns, with
    /// `ellipsis` when anything was cut. Only a prefix of long values is examined,
    /// so a 2,000-character field costs no more than a short one.
    public static func fit(_ raw: String, width: Int, glyphs: Glyphs) -> String {
        guard width > 0 else { return "" }
        // Unsafe scalars only grow when sanitised and every remaining character
        // is at least one column, except zero-width ones, hence the margin.
        let budget = width + 8
        var prefix = Substring(raw)
        var cut = false
        if raw.utf8.count > budget {
            let end = raw.index(raw.startIndex, offsetBy: budget, limitedBy: raw.endIndex) ?? raw.endIndex
            prefix = raw[..<end]
            cut = end != raw.endIndex
        }
        let safe = DisplaySafeText.line(String(prefix), style: glyphs.textStyle)
        return truncate(safe, width: width, ellipsis: glyphs.ellipsis, forceEllipsis: cut)
    }

    /// `text` (already safe) cut to `width` columns, ending with `ellipsis` when cut.
    public static func truncate(_ text: String, width: Int, ellipsis: String, forceEllipsis: Bool = false) -> String {
        guard width > 0 else { return "" }
        if !forceEllipsis, CharacterWidth.of(text) <= width { return tame(text) }
        let ellipsisWidth = CharacterWidth.of(ellipsis)
        if ellipsisWidth > width { return String(repeating: ".", count: width) }
        let room = width - ellipsisWidth
        var result = ""
        var used = 0
        for character in text {
            let w = CharacterWidth.of(character)
            if used + w > room { break }
            result.append(tame(character))
            used += w
        }
        return result + ellipsis
    }

    /// `text` (already safe) cut to `width` columns in its middle, its start
    /// and its end kept on either side of `ellipsis`: for names, which may
    /// differ only at their end (`svc-ledger-etl` and `svc-ledger-etl-admin`).
    public static func truncateMiddle(_ text: String, width: Int, ellipsis: String) -> String {
        guard width > 0 else { return "" }
        if CharacterWidth.of(text) <= width { return tame(text) }
        let room = width - CharacterWidth.of(ellipsis)
        guard room >= 2 else { return truncate(text, width: width, ellipsis: ellipsis) }
        var head = "", used = 0
        for character in text {
            let w = CharacterWidth.of(character)
            if used + w > (room + 1) / 2 { break }
            head.append(tame(character))
            used += w
        }
        var tail: [Character] = []
        for character in text.reversed() {
            let w = CharacterWidth.of(character)
            if used + w > room { break }
            tail.append(tame(character))
            used += w
        }
        return head + ellipsis + String(tail.reversed())
    }

    /// Lines of at most `width` columns: breaks at spaces where it can, inside
    /// words where it must, and at every newline in `text` (already safe).
    public static func wrap(_ text: String, width: Int) -> [String] {
        guard width > 0 else { return [] }
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            wrapParagraph(paragraph, width: width, into: &lines)
        }
        return lines.isEmpty ? [""] : lines
    }

    private static func wrapParagraph(_ paragraph: Substring, width: Int, into lines: inout [String]) {
        var line = ""
        var lineWidth = 0
        var word = ""
        var wordWidth = 0

        func flushWord() {
            guard !word.isEmpty else { return }
            if lineWidth > 0, lineWidth + 1 + wordWidth > width {
                lines.append(line)
                line = ""
                lineWidth = 0
            }
            if lineWidth > 0 {
                line.append(" ")
                lineWidth += 1
            }
            // A word longer than the line is broken by columns.
            for character in word {
                let w = CharacterWidth.of(character)
                if lineWidth + w > width, lineWidth > 0 {
                    lines.append(line)
                    line = ""
                    lineWidth = 0
                }
                line.append(character)
                lineWidth += w
            }
            word = ""
            wordWidth = 0
        }

        for character in paragraph {
            if character == " " {
                flushWord()
            } else {
                word.append(tame(character))
                wordWidth += CharacterWidth.of(character)
            }
        }
        flushWord()
        lines.append(line)
    }

    static func tame(_ character: Character) -> Character {
        let scalars = character.unicodeScalars
        guard scalars.count > maximumScalarsPerCharacter else { return character }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars.prefix(maximumScalarsPerCharacter))
        return Character(String(view))
    }

    static func tame(_ text: String) -> String {
        // ASCII has no combining marks to pile up.
        guard !text.utf8.allSatisfy({ $0 < 0x80 }), text.unicodeScalars.count > text.count * 2 else { return text }
        var result = ""
        for character in text { result.append(tame(character)) }
        return result
    }

    /// The longest prefix of `text` that fits `width` columns, and the rest.
    public static func split(_ text: Substring, width: Int) -> (String, Substring) {
        var used = 0
        var index = text.startIndex
        while index < text.endIndex {
            let w = CharacterWidth.of(text[index])
            if used + w > width { break }
            used += w
            index = text.index(after: index)
        }
        return (String(text[..<index]), text[index...])
    }

    /// Like `split`, but a line ends at a space where it can: the head stops
    /// before the last space that fits (the space itself is dropped), and a
    /// word that does not fit moves whole to the next line (an empty head)
    /// unless the line is still empty, where it is broken by columns.
    public static func splitAtWord(_ text: Substring, width: Int, lineIsEmpty: Bool) -> (String, Substring) {
        let (head, tail) = split(text, width: width)
        guard let next = tail.first else { return (head, tail) }
        if next == " " { return (head, tail.dropFirst()) }
        if let space = head.lastIndex(of: " "), space != head.startIndex {
            let kept = head[..<space]
            return (String(kept), text[text.index(text.startIndex, offsetBy: kept.count + 1)...])
        }
        return lineIsEmpty ? (head, tail) : ("", text)
    }

    /// Pads or cuts (already safe) `text` to exactly `width` columns.
    public static func pad(_ text: String, width: Int) -> String {
        let w = CharacterWidth.of(text)
        if w >= width { return truncate(text, width: width, ellipsis: "") }
        return text + String(repeating: " ", count: width - w)
    }
}
