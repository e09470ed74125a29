import Foundation
import SignoffCore

/// A snapshot being received page by page.
struct SnapshotPaging: Sendable {
    /// Identity, policy and change token of the snapshot; for a reload, also
    /// the rows received so far (the lists keep the previous snapshot meanwhile).
    var header: ConsoleSnapshot
    /// The position of the page expected next.
    var next: Int64
    /// True when the pages go straight into the lists (the first load).
    var shown: Bool
    var total: Int
    /// True when a reload replaces lists that never became whole (the store
    /// changed during the first load): progress stays on the status line.
    var completesFirstLoad = false
}

/// Receiving a snapshot in pages. The first load shows every page as it
/// arrives, without moving the selected request on screen; a reload gathers its
/// pages and replaces the lists once it is whole, so counts never dip.
extension ConsoleModel {
    mutating func receive(_ page: ConsoleSnapshotPage) -> [Effect] {
        if page.after == nil {
            // A new load starts; whatever load was under way is abandoned.
            let partial = paging.map { $0.shown || $0.completesFirstLoad } ?? false
            paging = nil
            if loaded {
                guard let next = page.next else {
                    load(page.snapshot)
                    return detailEffects()
                }
                paging = SnapshotPaging(header: page.snapshot, next: next, shown: false, total: page.total,
                                        completesFirstLoad: partial)
                return [.loadSnapshotPage(after: next)]
            }
            load(page.snapshot)
            guard let next = page.next else { return detailEffects() }
            reserve(page.total)
            var header = page.snapshot
            header.rows = []
            paging = SnapshotPaging(header: header, next: next, shown: true, total: page.total)
            return [.loadSnapshotPage(after: next)] + detailEffects()
        }
        // A page of an abandoned load, or out of order: not ours.
        guard var paging, paging.next == page.after else { return [] }
        if paging.shown {
            append(page.snapshot.rows)
        } else {
            paging.header.rows += page.snapshot.rows
        }
        // Grants left out of the first page come with a later one, and may
        // need judging again sooner than the first page said.
        if page.snapshot.grantsLoaded, !paging.header.grantsLoaded {
            paging.header.grants = page.snapshot.grants
            paging.header.grantsLoaded = true
            paging.header.judgeAgainAt = page.snapshot.judgeAgainAt
            if paging.shown {
                loadGrants(page.snapshot.grants)
                judgeAgainAt = page.snapshot.judgeAgainAt
            }
        }
        guard let next = page.next else {
            self.paging = nil
            if !paging.shown { load(paging.header) }
            return detailEffects()
        }
        paging.next = next
        self.paging = paging
        return [.loadSnapshotPage(after: next)] + detailEffects()
    }

    /// Makes room for the whole snapshot at once, so growing page by page
    /// neither copies the rows again and again nor leaves spare capacity.
    mutating func reserve(_ total: Int) {
        guard total > rows.count else { return }
        rows.reserveCapacity(total)
        search.reserve(rows: total)
        sortKeys.reserve(total)
        rowByID.reserveCapacity(total)
    }

    /// Adds rows to the lists, keeping the selected request selected and on
    /// the same screen line when rows that sort before it arrive.
    mutating func append(_ newRows: [ConsoleRow]) {
        guard !newRows.isEmpty else { return }
        let base = rows.count
        rows.append(contentsOf: newRows)
        search.append(newRows)
        sortKeys.append(newRows)
        var grown: Set<ConsoleTab> = []
        for (offset, row) in newRows.enumerated() {
            let index = Int32(base + offset)
            if rowByID[row.id] == nil { rowByID[row.id] = index }
            for tab in ConsoleTab.allCases where tab.contains(row) {
                tabRows[tab, default: []].append(index)
                grown.insert(tab)
            }
        }
        for tab in ConsoleTab.allCases where grown.contains(tab) { sortTab(tab) }
        let before = position
        applyFilter(incremental: false)
        if before.selectedID != nil, position.selectedID == before.selectedID, position.selected != before.selected {
            var position = self.position
            position.top = max(0, before.top + position.selected - before.selected)
            self.position = position
            keepSelectionVisible()
        }
    }

    /// Whether a detail load for `id` is still worth doing: the request (or
    /// its grant) is selected, or an open decision panel is on it, and its
    /// detail is neither cached nor failed.
    public func wantsDetail(_ id: String) -> Bool {
        guard selectedRequestID == id || decidingID == id else { return false }
        return details[id] == nil && detailErrors[id] == nil
    }

    /// Whether `key` acts on the selected request's detail (approve, deny), so
    /// a pending detail load must be done before the key is handled.
    public func keyNeedsDetail(_ key: Key) -> Bool {
        guard let binding = KeyMap.binding(for: key, in: context, readOnly: readOnly) else { return false }
        return binding.action == .approve || binding.action == .deny
    }
}
