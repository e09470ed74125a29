import Foundation
import SignoffCore

/// The request list of the current tab: a box, a column header and only the
/// visible rows, so drawing costs the same for 10 requests or 100,000.
enum ListPane {
    /// Pointer, flag and state glyph before the columns.
    static let gutter = 4

    static func draw(_ model: ConsoleModel, in rect: Rect, focused: Bool, glyphs: Glyphs, into grid: inout Grid) {
        let total = model.count(of: model.tab)
        var title = [Span(model.tab.title, .title),
                     Span(" \(glyphs.separator) \(total) \(glyphs.separator) sort: \(model.sortOrder.label(in: model.tab))", .dim)]
        if !model.filter.isEmpty {
            title.append(Span(" \(glyphs.separator) filter ", .dim))
            title.append(Span(TextLayout.fit(model.filter, width: 16, glyphs: glyphs),
                              model.visible.isEmpty ? .failedSearch : .match))
            title.append(Span(" \(model.visibleCount) match\(model.visibleCount == 1 ? "" : "es")", .dim))
        }
        if model.tab == .expiring, model.onlyResponsible {
            title.append(Span(" \(glyphs.separator) ", .dim))
            title.append(Span("my people and systems", .match))
        }
        grid.box(rect, title: title, glyphs: glyphs, borderRole: focused ? .border : .dim)
        let inner = rect.inner
        guard inner.width > 0, inner.height > 0 else { return }

        let columnWidth = max(1, inner.width - gutter)
        let columns = ListColumn.layout(ListColumn.columns(for: model.tab), width: columnWidth)
        let grantColumns = ListColumn.layout(GrantColumn.all, width: columnWidth)
        let findingColumns = ListColumn.layout(FindingColumn.all, width: columnWidth)
        // The header names the columns of the first lines: requests, unless the list starts with grants or findings.
        let grantsFirst = model.tab == .expiring || (model.tab == .breakGlass && model.openBreakGlassCount == 0)
        let titles: [(String, Int)] = model.tab == .drift ? findingColumns.map { ($0.0.title, $0.1) }
            : grantsFirst ? grantColumns.map { ($0.0.title, $0.1) } : columns.map { ($0.0.title, $0.1) }
        drawTitles(titles, x: inner.x + gutter, y: inner.y, glyphs: glyphs, into: &grid)

        let rowsHeight = inner.height - 1
        guard rowsHeight > 0 else { return }
        if model.visible.isEmpty {
            let text: String
            if model.loadError != nil, !model.loaded {
                text = "requests could not be loaded (r retries)"
            } else if !model.loaded {
                text = "loading requests\(glyphs.ellipsis)"
            } else if model.tab.listsGrants, !model.grantsLoaded {
                text = "loading grants\(glyphs.ellipsis)"
            } else if !model.filter.isEmpty {
                text = "no request matches the filter (Esc clears it)"
            } else if model.tab == .expiring, model.onlyResponsible {
                text = "no grant of your people or systems needs attention (m shows all)"
            } else {
                text = model.tab.emptyText
            }
            let fitted = TextLayout.truncate(text, width: inner.width - 2, ellipsis: glyphs.ellipsis)
            let offset = max(0, (inner.width - CharacterWidth.of(fitted)) / 2)
            grid.write(fitted, x: inner.x + offset, y: inner.y + 1 + rowsHeight / 2 - (rowsHeight > 1 ? 1 : 0),
                       maxWidth: inner.width, role: .placeholder)
            return
        }

        let needle = model.filter.lowercased()
        let selection = model.selection
        let first = max(0, min(selection.top, model.visible.count - 1))
        let last = min(model.visible.count, first + rowsHeight)
        for index in first..<last {
            let y = inner.y + 1 + index - first
            let selected = index == selection.index
            switch ListEntry(model.visible[index]) {
            case let .request(row):
                drawRow(model.rows[row], columns: columns, x: inner.x, y: y, width: inner.width, selected: selected,
                        focused: focused, needle: needle, model: model, glyphs: glyphs, into: &grid)
            case let .grant(grant):
                drawGrant(model.grants[grant], review: false, columns: grantColumns, x: inner.x, y: y, width: inner.width,
                          selected: selected, focused: focused, needle: needle, model: model, glyphs: glyphs, into: &grid)
            case let .review(grant):
                drawGrant(model.grants[grant], review: true, columns: grantColumns, x: inner.x, y: y, width: inner.width,
                          selected: selected, focused: focused, needle: needle, model: model, glyphs: glyphs, into: &grid)
            case let .finding(finding):
                drawFinding(model.findings[finding], columns: findingColumns, x: inner.x, y: y, width: inner.width,
                            selected: selected, focused: focused, needle: needle, model: model, glyphs: glyphs, into: &grid)
            case let .heading(section):
                drawHeading(section, count: model.count(in: section), x: inner.x, y: y, width: inner.width,
                            glyphs: glyphs, into: &grid)
            case .columns:
                drawTitles(grantColumns.map { ($0.0.title, $0.1) }, x: inner.x + gutter, y: y, glyphs: glyphs, into: &grid)
            }
        }
        var ordinal = selection.index + 1
        if model.tab.hasSections {
            ordinal = model.visible.prefix(selection.index + 1).reduce(0) { $0 + (ListEntry.isHeading($1) ? 0 : 1) }
        }
        grid.boxFooter(rect, text: " \(ordinal) of \(model.visibleCount) ", role: .dim)
    }

    /// Column titles, each fitted to its column.
    static func drawTitles(_ titles: [(String, Int)], x start: Int, y: Int, glyphs: Glyphs, into grid: inout Grid) {
        var x = start
        for (text, width) in titles {
            grid.write(TextLayout.truncate(text, width: width, ellipsis: glyphs.ellipsis), x: x, y: y, maxWidth: width,
                       role: .header)
            x += width + 1
        }
    }

    /// `── Active emergency grants · 2 ─────`
    static func drawHeading(_ section: ListSection, count: Int, x: Int, y: Int, width: Int, glyphs: Glyphs,
                            into grid: inout Grid) {
        let text = "\(glyphs.horizontal)\(glyphs.horizontal) \(section.title) \(glyphs.separator) \(count) "
        let rule = String(repeating: glyphs.horizontal, count: max(0, width - CharacterWidth.of(text)))
        grid.write(TextLayout.truncate(text + rule, width: width, ellipsis: ""), x: x, y: y, maxWidth: width, role: .header)
    }

    /// A grant (or its review): pointer, break-glass or warning mark and state
    /// glyph in the gutter, then its columns.
    static func drawGrant(_ row: ConsoleGrantRow, review: Bool, columns: [(GrantColumn, Int)], x: Int, y: Int, width: Int,
                          selected: Bool, focused: Bool, needle: String, model: ConsoleModel, glyphs: Glyphs,
                          into grid: inout Grid) {
        let state = glyphs.grant(row.grant.state)
        let flags = row.grant.flags(at: model.now)
        grid.write(selected ? glyphs.pointer : " ", x: x, y: y, maxWidth: 1, role: .normal)
        // One cell for two marks: in the break-glass tab every grant is one, so a warning wins there.
        let warning = flags.contains(where: \.isWarning)
        if row.terms.breakGlass, !(warning && model.tab == .breakGlass) {
            grid.write(glyphs.breakGlass, x: x + 1, y: y, maxWidth: 1, role: .breakGlass)
        } else if warning {
            grid.write(glyphs.attention, x: x + 1, y: y, maxWidth: 1, role: .warning)
        }
        grid.write(state.glyph, x: x + 2, y: y, maxWidth: 1, role: state.role)
        var column = x + gutter
        for (spec, columnWidth) in columns {
            let room = min(columnWidth, x + width - column)
            guard room > 0 else { break }
            let line = StyledLine(spec.cell(row, review, model.now, glyphs, columnWidth, model.production))
            grid.draw(line, x: column, y: y, width: room)
            if !needle.isEmpty, !selected, let (start, length) = matchColumns(of: needle, in: line.plainText) {
                grid.paint(x: column + start, y: y, width: max(0, min(length, room - start)), role: .match)
            }
            column += columnWidth + 1
        }
        if selected {
            grid.paint(x: x, y: y, width: width, role: focused ? .selection : .selectionUnfocused)
        }
    }

    /// A finding: pointer, a mark for one nobody approved, then its columns.
    static func drawFinding(_ finding: ConsoleFindingRow, columns: [(FindingColumn, Int)], x: Int, y: Int, width: Int,
                            selected: Bool, focused: Bool, needle: String, model: ConsoleModel, glyphs: Glyphs,
                            into grid: inout Grid) {
        grid.write(selected ? glyphs.pointer : " ", x: x, y: y, maxWidth: 1, role: .normal)
        if finding.isReported(at: model.now) {
            grid.write(glyphs.attention, x: x + 1, y: y, maxWidth: 1, role: FindingColumn.role(of: finding.kind))
        }
        var column = x + gutter
        for (spec, columnWidth) in columns {
            let room = min(columnWidth, x + width - column)
            guard room > 0 else { break }
            let line = StyledLine([spec.cell(finding, model.now, glyphs, columnWidth, model.production)])
            grid.draw(line, x: column, y: y, width: room)
            if !needle.isEmpty, !selected, let (start, length) = matchColumns(of: needle, in: line.plainText) {
                grid.paint(x: column + start, y: y, width: max(0, min(length, room - start)), role: .match)
            }
            column += columnWidth + 1
        }
        if selected {
            grid.paint(x: x, y: y, width: width, role: focused ? .selection : .selectionUnfocused)
        }
    }

    static func drawRow(_ row: ConsoleRow, columns: [(ListColumn, Int)], x: Int, y: Int, width: Int, selected: Bool,
                        focused: Bool, needle: String, model: ConsoleModel, glyphs: Glyphs, into grid: inout Grid) {
        let state = glyphs.state(row.state)
        grid.write(selected ? glyphs.pointer : " ", x: x, y: y, maxWidth: 1, role: .normal)
        // One cell for two marks: in the break-glass tab every request is one, so "yours" wins there.
        let mine = row.mineNow && row.state == .pending
        if row.breakGlass, !(mine && model.tab == .breakGlass) {
            grid.write(glyphs.breakGlass, x: x + 1, y: y, maxWidth: 1, role: .breakGlass)
        } else if mine {
            grid.write(glyphs.mine, x: x + 1, y: y, maxWidth: 1, role: .success)
        }
        grid.write(state.glyph, x: x + 2, y: y, maxWidth: 1, role: state.role)
        var column = x + gutter
        for (spec, columnWidth) in columns {
            let (raw, role) = spec.cell(row, model.now, glyphs, model.production)
            let text = spec.trusted ? TextLayout.truncate(raw, width: columnWidth, ellipsis: glyphs.ellipsis)
                                    : TextLayout.fit(raw, width: columnWidth, glyphs: glyphs)
            grid.write(text, x: column, y: y, maxWidth: min(columnWidth, x + width - column), role: role)
            if !needle.isEmpty, !selected, let (start, length) = matchColumns(of: needle, in: text) {
                grid.paint(x: column + start, y: y, width: min(length, columnWidth - start), role: .match)
            }
            column += columnWidth + 1
        }
        if selected {
            grid.paint(x: x, y: y, width: width, role: focused ? .selection : .selectionUnfocused)
        }
    }

    /// Columns (offset, width) of the first case-insensitive occurrence of
    /// `needle` in the drawn `text`, so matches show where they are.
    static func matchColumns(of needle: String, in text: String) -> (Int, Int)? {
        let lower = text.lowercased()
        let characters = Array(text)
        let lowered = Array(lower)
        // Lowercasing can change the number of characters; then columns are unknown.
        guard characters.count == lowered.count, let range = lower.range(of: needle) else { return nil }
        let start = lower.distance(from: lower.startIndex, to: range.lowerBound)
        let count = lower.distance(from: range.lowerBound, to: range.upperBound)
        let offset = characters[..<start].reduce(0) { $0 + CharacterWidth.of($1) }
        let length = characters[start..<(start + count)].reduce(0) { $0 + CharacterWidth.of($1) }
        return (offset, length)
    }
}
