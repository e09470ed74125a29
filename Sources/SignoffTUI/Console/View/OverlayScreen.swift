import SignoffCore

/// The log of recent status messages, newest first, each in full.
enum MessageLog {
    static func lines(_ model: ConsoleModel, width: Int, glyphs: Glyphs) -> [StyledLine] {
        guard !model.messageLog.isEmpty else { return [StyledLine("no messages yet", .placeholder)] }
        var lines: [StyledLine] = []
        for message in model.messageLog.reversed() {
            // Messages quote request fields: safe, as everything on screen.
            let text = DisplaySafe.text(message.text, style: glyphs.textStyle, keepNewlines: true)
            lines += TextLayout.wrap(text, width: max(1, width)).map { StyledLine($0, message.role) }
            lines.append(StyledLine(""))
        }
        return lines
    }
}

/// A scrolling page over the lists: help or the message log.
enum OverlayScreen {
    static func lines(_ overlay: Overlay, _ model: ConsoleModel, width: Int, glyphs: Glyphs) -> [StyledLine] {
        switch overlay {
        case .help: HelpScreen.lines(model, width: width, glyphs: glyphs)
        case .messages: MessageLog.lines(model, width: width, glyphs: glyphs)
        }
    }

    /// The lines the box shows at once.
    static func visibleRows(_ size: Size) -> Int { max(1, ConsoleLayout(size: size, focus: .list).body.height - 2) }

    /// How far the overlay can scroll at this size.
    static func maximumScroll(_ overlay: Overlay, _ model: ConsoleModel) -> Int {
        let inner = max(1, model.size.width - 2)
        return max(0, lines(overlay, model, width: inner, glyphs: model.glyphs).count - visibleRows(model.size))
    }

    static func draw(_ overlay: Overlay, _ model: ConsoleModel, scroll: Int, body: Rect, glyphs: Glyphs,
                     into grid: inout Grid) {
        grid.fill(x: body.x, y: body.y, width: body.width, height: body.height, role: .normal)
        let title: String, closes: String
        switch overlay {
        case .help: (title, closes) = ("Keys", "? or Esc closes")
        case .messages: (title, closes) = ("Messages, newest first", "M or Esc closes")
        }
        grid.box(body, title: [Span(title, .title),
                               Span(" \(glyphs.separator) j/k, PgUp/PgDn, g/G scroll; \(closes)", .dim)],
                 glyphs: glyphs)
        let inner = body.inner
        let all = lines(overlay, model, width: inner.width, glyphs: glyphs)
        let top = max(0, min(scroll, all.count - inner.height))
        for (offset, line) in all.dropFirst(top).prefix(inner.height).enumerated() {
            grid.draw(line, x: inner.x, y: inner.y + offset, width: inner.width)
        }
        if top + inner.height < all.count { grid.boxFooter(body, text: " \(glyphs.scrollMore) more ", role: .dim) }
    }
}
