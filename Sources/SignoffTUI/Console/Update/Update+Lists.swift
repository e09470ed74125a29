import Foundation
import SignoffCore

/// Loading, sorting, filtering and moving through the lists.
extension ConsoleModel {
    /// At most this many details stay cached; the selected one always does.
    static let detailCacheLimit = 512

    mutating func load(_ snapshot: ConsoleSnapshot) {
        identity = snapshot.identity
        storePath = snapshot.storePath
        policyVersion = snapshot.policyVersion
        minimumRationale = snapshot.minimumRationale
        changeToken = snapshot.changeToken
        loaded = true
        loadError = nil
        rows = snapshot.rows
        search = SearchIndex(rows: rows)
        sortKeys = SortKeys(rows: rows)
        rowByID = Dictionary(rows.enumerated().map { ($0.element.id, Int32($0.offset)) },
                             uniquingKeysWith: { first, _ in first })
        var members: [ConsoleTab: [Int32]] = [:]
        for tab in ConsoleTab.allCases { members[tab] = [] }
        for (index, row) in rows.enumerated() {
            for tab in ConsoleTab.allCases where tab.contains(row) { members[tab]!.append(Int32(index)) }
        }
        tabRows = members
        for tab in ConsoleTab.allCases { sortTab(tab) }
        // The store changed: cached details may be stale.
        details = [:]
        detailErrors = [:]
        applyFilter(incremental: false)
        noticeChangeUnderneath()
    }

    /// A draft whose request moved on is flagged; submitting it would be refused
    /// as stale, and the approver should look again first.
    mutating func noticeChangeUnderneath() {
        guard case var .decision(draft) = mode, let index = rowByID[draft.id] else { return }
        let row = rows[Int(index)]
        if row.version != draft.shownVersion || !row.state.isOpen {
            draft.changedUnderneath = true
            mode = .decision(draft)
        }
    }

    mutating func sortTab(_ tab: ConsoleTab) {
        guard var indices = tabRows[tab] else { return }
        let keys = sortKeys
        let rows = self.rows
        // Comparators read the flat key arrays; string orders fall back to the rows.
        switch sortOrders[tab] ?? .natural {
        case .natural:
            switch tab {
            case .myQueue, .allPending, .breakGlass:
                indices.sort { a, b in
                    let x = Int(a), y = Int(b)
                    if keys.breakGlass[x] != keys.breakGlass[y] { return keys.breakGlass[x] }
                    if keys.submitted[x] != keys.submitted[y] { return keys.submitted[x] < keys.submitted[y] }
                    return a < b
                }
            case .expiring:
                indices.sort { a, b in
                    let x = keys.expires[Int(a)], y = keys.expires[Int(b)]
                    return x != y ? x < y : a < b
                }
            case .history:
                indices.sort { a, b in
                    let x = keys.decided[Int(a)], y = keys.decided[Int(b)]
                    return x != y ? x > y : a < b
                }
            }
        case .oldest:
            indices.sort { a, b in
                let x = keys.submitted[Int(a)], y = keys.submitted[Int(b)]
                return x != y ? x < y : a < b
            }
        case .newest:
            indices.sort { a, b in
                let x = keys.submitted[Int(a)], y = keys.submitted[Int(b)]
                return x != y ? x > y : a < b
            }
        case .system:
            indices.sort { a, b in
                let x = Int(a), y = Int(b)
                if rows[x].system != rows[y].system { return rows[x].system < rows[y].system }
                if rows[x].environment != rows[y].environment { return rows[x].environment < rows[y].environment }
                return a < b
            }
        case .requester:
            indices.sort { a, b in
                let x = Int(a), y = Int(b)
                return rows[x].requester != rows[y].requester ? rows[x].requester < rows[y].requester : a < b
            }
        }
        tabRows[tab] = indices
    }

    mutating func setFilter(_ text: String) {
        filter = text
        applyFilter(incremental: true)
    }

    /// Recomputes `visible` for the current tab and filter. While typing, a
    /// longer filter only narrows, so only the current matches are rescanned.
    mutating func applyFilter(incremental: Bool) {
        let base = tabRows[tab] ?? []
        if filter.isEmpty {
            visible = base
        } else if incremental, !visibleFilter.isEmpty, filter.hasPrefix(visibleFilter) {
            visible = search.filter(visible, query: filter)
        } else {
            visible = search.filter(base, query: filter)
        }
        visibleFilter = filter
        restoreSelection()
    }

    /// Finds the selected request again after the list changed, or stays near
    /// where the selection was when it left the list (decided by someone else).
    mutating func restoreSelection() {
        var position = self.position
        if let id = position.selectedID, let row = rowByID[id], let index = visible.firstIndex(of: row) {
            position.selected = index
        } else {
            position.selected = max(0, min(position.selected, visible.count - 1))
        }
        position.selectedID = position.selected < visible.count ? rows[Int(visible[position.selected])].id : nil
        self.position = position
        keepSelectionVisible()
    }

    mutating func keepSelectionVisible() {
        var position = self.position
        let height = ConsoleLayout(size: size, focus: focus).listRows
        if position.selected < position.top { position.top = position.selected }
        if position.selected >= position.top + height { position.top = position.selected - height + 1 }
        position.top = max(0, min(position.top, max(0, visible.count - height)))
        self.position = position
    }

    mutating func show(_ newTab: ConsoleTab) -> [Effect] {
        guard newTab != tab else { return [] }
        tab = newTab
        detailScroll = 0
        applyFilter(incremental: false)
        return detailEffects()
    }

    mutating func move(by delta: Int) -> [Effect] {
        if case let .help(scroll) = mode {
            mode = .help(scroll: max(0, scroll + delta))
            return []
        }
        if focus == .detail {
            detailScroll = max(0, detailScroll + delta)
            clampDetailScroll()
            return []
        }
        let target = position.selected.addingReportingOverflow(delta)
        return move(to: target.overflow ? (delta > 0 ? Int.max : 0) : target.partialValue)
    }

    mutating func move(to index: Int) -> [Effect] {
        if focus == .detail {
            detailScroll = index == 0 ? 0 : Int.max
            clampDetailScroll()
            return []
        }
        var position = self.position
        let target = max(0, min(index, visible.count - 1))
        let changed = target != position.selected
        position.selected = target
        position.selectedID = target < visible.count ? rows[Int(visible[target])].id : nil
        self.position = position
        keepSelectionVisible()
        if changed { detailScroll = 0 }
        return detailEffects()
    }

    /// Loads the selected request's detail unless it is cached or failed.
    func detailEffects() -> [Effect] {
        guard let row = selectedRow, details[row.id] == nil, detailErrors[row.id] == nil else { return [] }
        return [.loadDetail(id: row.id)]
    }

    mutating func store(_ detail: ConsoleDetail) {
        if details.count >= ConsoleModel.detailCacheLimit {
            let keep = selectedRow.flatMap { details[$0.id] }
            details = [:]
            if let keep { details[keep.record.id] = keep }
        }
        details[detail.record.id] = detail
        detailErrors[detail.record.id] = nil
        clampDetailScroll()
    }

    /// The detail as drawn now; update measures it to clamp scrolling and find matches.
    func detailLines() -> [StyledLine] {
        guard let row = selectedRow else { return [] }
        let width = ConsoleLayout(size: size, focus: .detail).detailWidth
        return DetailContent.lines(row: row, detail: details[row.id], error: detailErrors[row.id],
                                   width: width, glyphs: glyphs, now: now)
    }

    mutating func clampDetailScroll() {
        guard detailScroll > 0 else { return }
        let layout = ConsoleLayout(size: size, focus: .detail)
        detailScroll = min(detailScroll, max(0, detailLines().count - layout.detailRows))
    }

    /// `n`/`N`: the next matching line in the detail, or the next matching
    /// request in the list, wrapping around at the ends.
    mutating func jumpToMatch(forward: Bool) -> [Effect] {
        let needle = filter.lowercased()
        if focus == .detail {
            let lines = detailLines().map { $0.plainText.lowercased() }
            guard !lines.isEmpty else { return [] }
            for step in 1...lines.count {
                let index = forward ? (detailScroll + step) % lines.count
                                    : (detailScroll - step + lines.count * 2) % lines.count
                if lines[index].contains(needle) {
                    if forward ? index <= detailScroll : index >= detailScroll {
                        message = StatusMessage("search wrapped", role: .dim)
                    }
                    detailScroll = index
                    clampDetailScroll()
                    return []
                }
            }
            message = StatusMessage("no match for \"\(DisplaySafe.text(filter, style: glyphs.textStyle))\" in this request", role: .failedSearch)
            return []
        }
        guard !visible.isEmpty else {
            message = StatusMessage("no match in \(tab.title)", role: .failedSearch)
            return []
        }
        let count = visible.count
        var next = position.selected + (forward ? 1 : -1)
        if next >= count || next < 0 {
            next = (next + count) % count
            message = StatusMessage("search wrapped", role: .dim)
        }
        return move(to: next)
    }
}
