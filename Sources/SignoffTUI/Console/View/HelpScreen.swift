/// Every binding, by context, generated from the key table; plus the glyph legend.
/// The key column is as wide as the longest key label needs (up to half the
/// width; a longer label gets a line of its own), and descriptions wrap under
/// their column instead of being cut.
enum HelpScreen {
    static func lines(_ model: ConsoleModel, width: Int, glyphs: Glyphs) -> [StyledLine] {
        let contexts = BindingContext.allCases.map { ($0, KeyMap.bindings(in: $0, readOnly: model.readOnly)) }
        let widest = contexts.flatMap(\.1).map { CharacterWidth.of($0.keyLabel) }.max() ?? 0
        let keyWidth = max(4, min(widest + 4, width / 2))
        var builder = DetailContent.Builder(width: width, glyphs: glyphs, labelWidth: keyWidth)
        builder.labelRole = .footerKey
        for (context, bindings) in contexts {
            builder.lines.append(StyledLine(context.title, .header))
            for binding in bindings {
                var spans = [Span(binding.description, .normal)]
                if binding.dangerous { spans.append(Span(" \(glyphs.risk) careful", .riskMedium)) }
                if context == model.helpContext, let reason = binding.disabledReason(model) {
                    spans.append(Span(" (unavailable: \(reason))", .dim))
                }
                let label = "  " + binding.keyLabel
                if CharacterWidth.of(label) >= keyWidth {
                    builder.lines.append(StyledLine(TextLayout.truncate(label, width: width, ellipsis: glyphs.ellipsis), .footerKey))
                    builder.styled("", spans)
                } else {
                    builder.styled(label, spans)
                }
            }
            builder.lines.append(StyledLine(""))
        }
        builder.lines.append(StyledLine("Legend", .header))
        // One meaning per glyph; a grant's state shares its request's glyph for the like state.
        let legend: [(String, String, Role)] = [
            (glyphs.pending, "pending; a grant awaiting provisioning", .pending),
            (glyphs.blocked, "blocked: no rule routes it", .blocked),
            (glyphs.approved, "approved; a grant that is active", .approved),
            (glyphs.denied, "denied; a grant whose provisioning failed", .denied),
            (glyphs.withdrawn, "withdrawn; a grant that was revoked", .dim),
            (glyphs.timedOut, "timed out; a grant that expired", .dim),
            (glyphs.breakGlass, "break-glass", .breakGlass),
            (glyphs.mine, "yours to decide now", .success),
            (glyphs.risk, "risk: production, admin, non-human, long duration", .riskHigh),
            (glyphs.attention, "a grant needs someone: not provisioned, not removed, failed", .warning),
            (glyphs.pointer, "selected", .normal),
        ]
        var legendBuilder = DetailContent.Builder(width: width, glyphs: glyphs, labelWidth: 5)
        for (glyph, meaning, role) in legend {
            legendBuilder.labelRole = role
            legendBuilder.styled("  " + glyph, [Span(meaning, .normal)])
        }
        return builder.lines + legendBuilder.lines
    }

}

extension ConsoleModel {
    /// The context help was opened from, whose unavailable actions it explains.
    var helpContext: BindingContext { focus == .list ? .list : .detail }
}
