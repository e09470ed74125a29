/// A run of display-safe text with one role.
public struct Span: Sendable, Hashable {
    public var text: String
    public var role: Role
    public init(_ text: String, _ role: Role = .normal) {
        self.text = text
        self.role = role
    }
}

/// One line of spans, drawn left to right and clipped to its box.
public struct StyledLine: Sendable, Hashable {
    public var spans: [Span]
    public init(_ spans: [Span]) { self.spans = spans }
    public init(_ text: String, _ role: Role = .normal) { self.spans = [Span(text, role)] }

    public var plainText: String { spans.map(\.text).joined() }
}

extension Grid {
    /// Draws `line` at (x, y) without passing `width` columns.
    mutating func draw(_ line: StyledLine, x: Int, y: Int, width: Int) {
        var column = x
        for span in line.spans {
            let room = x + width - column
            guard room > 0 else { return }
            column += write(span.text, x: column, y: y, maxWidth: room, role: span.role)
        }
    }

    /// A one-cell border with a title in the top edge.
    mutating func box(_ rect: Rect, title: [Span], glyphs: Glyphs, borderRole: Role = .border) {
        guard rect.width >= 2, rect.height >= 2 else { return }
        let right = rect.x + rect.width - 1
        let bottom = rect.y + rect.height - 1
        let horizontal = String(repeating: glyphs.horizontal, count: rect.width - 2)
        write(glyphs.topLeft + horizontal + glyphs.topRight, x: rect.x, y: rect.y, maxWidth: rect.width, role: borderRole)
        write(glyphs.bottomLeft + horizontal + glyphs.bottomRight, x: rect.x, y: bottom, maxWidth: rect.width, role: borderRole)
        for y in (rect.y + 1)..<bottom {
            write(glyphs.vertical, x: rect.x, y: y, maxWidth: 1, role: borderRole)
            write(glyphs.vertical, x: right, y: y, maxWidth: 1, role: borderRole)
        }
        if rect.width > 6, !title.isEmpty {
            var spans = [Span(" ", borderRole)] + title + [Span(" ", borderRole)]
            spans = StyledLine.fitting(spans, width: rect.width - 4, ellipsis: glyphs.ellipsis)
            draw(StyledLine(spans), x: rect.x + 2, y: rect.y, width: rect.width - 4)
        }
    }

    /// Text in the bottom edge of a box, right-aligned (scroll position).
    mutating func boxFooter(_ rect: Rect, text: String, role: Role) {
        let width = CharacterWidth.of(text)
        guard rect.width > width + 4, rect.height >= 2 else { return }
        write(text, x: rect.x + rect.width - 2 - width, y: rect.y + rect.height - 1, maxWidth: width, role: role)
    }
}

extension StyledLine {
    /// Spans cut so their total width is at most `width`, the one cut
    /// ending with `ellipsis` (a box title that says it goes on).
    static func fitting(_ spans: [Span], width: Int, ellipsis: String = "") -> [Span] {
        var result: [Span] = []
        var used = 0
        for span in spans {
            let w = CharacterWidth.of(span.text)
            if used + w <= width {
                result.append(span)
                used += w
            } else {
                let rest = TextLayout.truncate(span.text, width: width - used, ellipsis: ellipsis)
                if !rest.isEmpty { result.append(Span(rest, span.role)) }
                break
            }
        }
        return result
    }
}
