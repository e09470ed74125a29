/// The top line: every list with its number key and count. The current one is
/// bracketed as well as highlighted, so it shows without colour.
enum TabBar {
    static func draw(_ model: ConsoleModel, width: Int, glyphs: Glyphs, into grid: inout Grid) {
        grid.fill(x: 0, y: 0, width: width, height: 1, role: .header)
        for style in 0..<3 {
            let spans = spansFor(model, style: style, glyphs: glyphs)
            if spans.reduce(0, { $0 + CharacterWidth.of($1.text) }) <= width || style == 2 {
                grid.draw(StyledLine(spans), x: 0, y: 0, width: width)
                return
            }
        }
    }

    /// Style 0: full titles; 1: short titles; 2: numbers and counts only.
    private static func spansFor(_ model: ConsoleModel, style: Int, glyphs: Glyphs) -> [Span] {
        var spans: [Span] = []
        for tab in ConsoleTab.allCases {
            let current = tab == model.tab
            let name = style == 0 ? " \(tab.title)" : style == 1 ? " \(tab.shortTitle)" : ""
            var count = "\(model.count(of: tab))"
            // Grants still loading: the count is not whole yet.
            if tab.listsGrants, !model.grantsLoaded { count += glyphs.ellipsis }
            if current, !model.filter.isEmpty { count = "\(model.visibleCount)/\(count)" }
            let label = style == 2 ? "\(tab.rawValue):\(count)" : "\(tab.rawValue)\(name) \(count)"
            let text = current ? "[\(label)]" : " \(label) "
            var role: Role = current ? .title : .header
            if tab == .breakGlass, model.count(of: .breakGlass) > 0, !current { role = .breakGlass }
            spans.append(Span(text, role))
            spans.append(Span(style == 2 ? "" : " ", .header))
        }
        return spans
    }
}
