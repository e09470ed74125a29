/// The detail box: the selected request's lines from `DetailContent`, scrolled.
enum DetailPane {
    static func draw(_ model: ConsoleModel, in rect: Rect, focused: Bool, glyphs: Glyphs, into grid: inout Grid) {
        let row = model.selectedRow
        var title = [Span("Detail", focused ? .title : .dim)]
        if let row { title.append(Span(" \(glyphs.separator) " + TextLayout.fit(row.id, width: 24, glyphs: glyphs), .dim)) }
        grid.box(rect, title: title, glyphs: glyphs, borderRole: focused ? .border : .dim)
        let inner = rect.inner
        guard inner.width > 0, inner.height > 0 else { return }
        guard let row else {
            grid.write(TextLayout.truncate("no request selected", width: inner.width, ellipsis: glyphs.ellipsis),
                       x: inner.x, y: inner.y, maxWidth: inner.width, role: .placeholder)
            return
        }
        let lines = DetailContent.lines(row: row, detail: model.details[row.id], error: model.detailErrors[row.id],
                                        width: inner.width, glyphs: glyphs, now: model.now)
        let top = max(0, min(model.detailScroll, lines.count - inner.height))
        let needle = model.filter.isEmpty ? nil : model.filter.lowercased()
        for (offset, line) in lines.dropFirst(top).prefix(inner.height).enumerated() {
            grid.draw(line, x: inner.x, y: inner.y + offset, width: inner.width)
            if let needle, line.plainText.lowercased().contains(needle) {
                grid.write(glyphs.pointer, x: rect.x, y: inner.y + offset, maxWidth: 1, role: .match)
            }
        }
        if lines.count > inner.height {
            let shown = min(lines.count, top + inner.height)
            grid.boxFooter(rect, text: " \(shown)/\(lines.count) lines ", role: .dim)
        }
    }
}
