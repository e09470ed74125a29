import SignoffCore

/// The bottom line: the filter being typed, a one-shot message, or the key
/// hints of the current context, read from the key table. Unavailable actions
/// are shown dim rather than hidden, so the approver learns they exist.
enum Footer {
    static func draw(_ model: ConsoleModel, y: Int, width: Int, glyphs: Glyphs, into grid: inout Grid) {
        grid.fill(x: 0, y: y, width: width, height: 1, role: .footer)
        if case .filter = model.mode {
            var spans = [Span("/", .footerKey), Span(DisplaySafe.text(model.filter, style: glyphs.textStyle), .input),
                         Span("_", .input)]
            let matches = " \(model.visibleCount) match\(model.visibleCount == 1 ? "" : "es")  "
            spans.append(Span(matches, model.visible.isEmpty ? .failedSearch : .footer))
            spans += hints(model, context: .filter)
            grid.draw(StyledLine(StyledLine.fitting(spans, width: width)), x: 0, y: y, width: width)
            return
        }
        if let message = model.message {
            // Messages quote refusals, which quote request fields.
            let text = " " + DisplaySafe.text(message.text, style: glyphs.textStyle)
            if CharacterWidth.of(text) <= width {
                grid.write(text, x: 0, y: y, maxWidth: width, role: message.role)
            } else {
                // Too long for one line: the rest is in the message log.
                let more = " M reads it all "
                let cut = TextLayout.truncate(text, width: max(0, width - CharacterWidth.of(more)), ellipsis: glyphs.ellipsis)
                grid.draw(StyledLine([Span(cut, message.role), Span(more, .footerKey)]), x: 0, y: y, width: width)
            }
            return
        }
        let spans = [Span(" ", .footer)] + hints(model, context: model.context)
        grid.draw(StyledLine(StyledLine.fitting(spans, width: width)), x: 0, y: y, width: width)
    }

    static func hints(_ model: ConsoleModel, context: BindingContext) -> [Span] {
        var spans: [Span] = []
        for binding in KeyMap.bindings(in: context, readOnly: model.readOnly) {
            guard let hint = binding.hint, let key = binding.keys.first, binding.offered(model) else { continue }
            let disabled = binding.disabledReason(model) != nil
            spans.append(Span(KeyBinding.label(key), disabled ? .dim : .footerKey))
            spans.append(Span(" \(hint)  ", disabled ? .dim : .footer))
        }
        return spans
    }
}
