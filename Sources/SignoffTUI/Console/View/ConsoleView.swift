import SignoffCore

/// Draws the whole console for `model` at `size`. Pure: the same model, size
/// and glyphs always give the same grid, which is what the snapshot tests read.
public func view(_ model: ConsoleModel, size: Size, glyphs: Glyphs) -> Grid {
    var grid = Grid(size: size)
    let layout = ConsoleLayout(size: size, focus: model.focus)
    if layout.tooSmall {
        drawTooSmall(size: size, glyphs: glyphs, into: &grid)
        return grid
    }
    TabBar.draw(model, width: size.width, glyphs: glyphs, into: &grid)
    if let list = layout.list {
        ListPane.draw(model, in: list, focused: model.focus == .list, glyphs: glyphs, into: &grid)
    }
    if let detail = layout.detail {
        DetailPane.draw(model, in: detail, focused: model.focus == .detail, glyphs: glyphs, into: &grid)
    }
    switch model.mode {
    case .browse, .filter:
        break
    case let .overlay(overlay, scroll):
        OverlayScreen.draw(overlay, model, scroll: scroll, body: layout.body, glyphs: glyphs, into: &grid)
    case let .decision(draft):
        DecisionPanel.draw(draft, submitting: false, model: model, body: layout.body, glyphs: glyphs, into: &grid)
    case let .submitting(draft):
        DecisionPanel.draw(draft, submitting: true, model: model, body: layout.body, glyphs: glyphs, into: &grid)
    case let .confirm(draft, typed):
        DecisionPanel.drawConfirmation(draft, typed: typed, body: layout.body, model: model, glyphs: glyphs, into: &grid)
    case .quitPrompt:
        drawQuitPrompt(model, body: layout.body, glyphs: glyphs, into: &grid)
    }
    StatusLine.draw(model, y: layout.statusY, width: size.width, glyphs: glyphs, into: &grid)
    Footer.draw(model, y: layout.footerY, width: size.width, glyphs: glyphs, into: &grid)
    return grid
}

private func drawTooSmall(size: Size, glyphs: Glyphs, into grid: inout Grid) {
    let minimum = ConsoleLayout.minimumSize
    let times = glyphs.textStyle == .ascii ? "x" : "×"
    let text = "terminal too small (need \(minimum.width)\(times)\(minimum.height), have \(size.width)\(times)\(size.height))"
    var lines = TextLayout.wrap(text, width: max(1, size.width))
    if lines.count > size.height { lines = TextLayout.wrap("too small", width: max(1, size.width)) }
    let top = max(0, (size.height - lines.count) / 2)
    for (offset, line) in lines.prefix(size.height).enumerated() {
        let x = max(0, (size.width - CharacterWidth.of(line)) / 2)
        grid.write(line, x: x, y: top + offset, maxWidth: size.width, role: .warning)
    }
}

private func drawQuitPrompt(_ model: ConsoleModel, body: Rect, glyphs: Glyphs, into grid: inout Grid) {
    let rect = DecisionPanel.frame(in: body, preferredHeight: 6)
    let rect2 = Rect(x: rect.x + max(0, (rect.width - 60) / 2), y: rect.y, width: min(rect.width, 60), height: rect.height)
    grid.fill(x: rect2.x, y: rect2.y, width: rect2.width, height: rect2.height, role: .normal)
    grid.box(rect2, title: [Span("Quit?", .warning)], glyphs: glyphs, borderRole: .warning)
    let inner = rect2.inner
    let lines = TextLayout.wrap("A rationale draft has not been submitted. Quitting discards it.", width: max(1, inner.width))
        .map { StyledLine($0, .normal) } + [StyledLine(Footer.hints(model, context: .quitPrompt))]
    for (offset, line) in lines.suffix(inner.height).enumerated() {
        grid.draw(line, x: inner.x, y: inner.y + offset, width: inner.width)
    }
}
