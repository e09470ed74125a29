/// The detail box: the selected request's (or finding's) lines from `DetailContent`, scrolled.
enum DetailPane {
    static func draw(_ model: ConsoleModel, in rect: Rect, focused: Bool, glyphs: Glyphs, into grid: inout Grid) {
        var title = [Span("Detail", focused ? .title : .dim)]
        if let finding = model.selectedFinding {
            title.append(Span(" \(glyphs.separator) finding " + TextLayout.fit(finding.id, width: 24, glyphs: glyphs), .dim))
        } else if let id = model.selectedRequestID {
            let kind = model.selectedGrant.map { $0.asReview ? "review of " : "grant of " } ?? ""
            title.append(Span(" \(glyphs.separator) " + kind + TextLayout.fit(id, width: 24, glyphs: glyphs), .dim))
        }
        grid.box(rect, title: title, glyphs: glyphs, borderRole: focused ? .border : .dim)
        let inner = rect.inner
        guard inner.width > 0, inner.height > 0 else { return }
        guard model.selectedRequestID != nil || model.selectedFinding != nil else {
            grid.write(TextLayout.truncate("no request selected", width: inner.width, ellipsis: glyphs.ellipsis),
                       x: inner.x, y: inner.y, maxWidth: inner.width, role: .placeholder)
            return
        }
        let lines = DetailContent.lines(model, width: inner.width)
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
