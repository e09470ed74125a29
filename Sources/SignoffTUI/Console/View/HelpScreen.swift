/// Every binding, by context, generated from the key table; plus the glyph legend.
enum HelpScreen {
    static func lines(_ model: ConsoleModel, width: Int, glyphs: Glyphs) -> [StyledLine] {
        var lines: [StyledLine] = []
        let keyWidth = min(24, max(8, width / 3))
        for context in BindingContext.allCases {
            lines.append(StyledLine(context.title, .header))
            for binding in KeyMap.bindings(in: context, readOnly: model.readOnly) {
                var spans = [Span(TextLayout.pad("  " + binding.keyLabel, width: keyWidth), .footerKey),
                             Span(binding.description, .normal)]
                if binding.dangerous { spans.append(Span(" \(glyphs.risk) careful", .riskMedium)) }
                if context == model.helpContext, let reason = binding.disabledReason(model) {
                    spans.append(Span(" (unavailable: \(reason))", .dim))
                }
                lines.append(StyledLine(spans))
            }
            lines.append(StyledLine(""))
        }
        lines.append(StyledLine("Legend", .header))
        let legend: [(String, String, Role)] = [
            (glyphs.pending, "pending", .pending), (glyphs.blocked, "blocked: no rule routes it", .blocked),
            (glyphs.approved, "approved", .approved), (glyphs.denied, "denied", .denied),
            (glyphs.withdrawn, "withdrawn", .dim), (glyphs.timedOut, "timed out", .dim),
            (glyphs.breakGlass, "break-glass", .breakGlass), (glyphs.mine, "yours to decide now", .success),
            (glyphs.risk, "risk: production, admin, non-human, long duration", .riskHigh),
            (glyphs.risk, "grant needs someone: not provisioned, not removed, failed", .warning),
            (glyphs.pointer, "selected request", .normal),
        ]
        for (glyph, meaning, role) in legend {
            lines.append(StyledLine([Span("  " + glyph, role), Span("  " + meaning, .normal)]))
        }
        return lines
    }

    static func draw(_ model: ConsoleModel, scroll: Int, body: Rect, glyphs: Glyphs, into grid: inout Grid) {
        grid.fill(x: body.x, y: body.y, width: body.width, height: body.height, role: .normal)
        grid.box(body, title: [Span("Keys", .title), Span(" \(glyphs.separator) j/k scroll, ? or Esc closes", .dim)],
                 glyphs: glyphs)
        let inner = body.inner
        let all = lines(model, width: inner.width, glyphs: glyphs)
        let top = max(0, min(scroll, all.count - inner.height))
        for (offset, line) in all.dropFirst(top).prefix(inner.height).enumerated() {
            grid.draw(line, x: inner.x, y: inner.y + offset, width: inner.width)
        }
        if top + inner.height < all.count { grid.boxFooter(body, text: " \(glyphs.scrollMore) more ", role: .dim) }
    }
}

extension ConsoleModel {
    /// The context help was opened from, whose unavailable actions it explains.
    var helpContext: BindingContext { focus == .list ? .list : .detail }
}
