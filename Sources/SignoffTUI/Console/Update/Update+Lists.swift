import Foundation
import SignoffCore

/// Loading, sorting, filtering and moving through the lists.
extension ConsoleModel {
    /// At most this many details stay cached; the selected one always does.
    static let detailCacheLimit = 512

    mutating func load(_ snapshot: ConsoleSnapshot) {
        // The open request being read, to say so if a decision made elsewhere takes it out of this list.
        let reading = mode == .browse ? selectedRow.flatMap { $0.state.isOpen ? $0.id : nil } : nil
        defer { if let reading { noticeDecidedElsewhere(reading) } }
        identity = snapshot.identity
        storePath = snapshot.storePath
        policyVersion = snapshot.policyVersion
        notificationsFailing = snapshot.notificationsFailing
        notificationsDueAt = snapshot.notificationsDueAt
        judgeAgainAt = snapshot.judgeAgainAt
        eventsNotFolded = snapshot.eventsNotFolded
        minimumRationale = snapshot.minimumRationale
        production = snapshot.production
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
        setFindings(snapshot.findings)
        setGrants(snapshot.grants, loaded: snapshot.grantsLoaded)
        // The store changed: cached details may be stale.
        details = [:]
        detailErrors = [:]
        applyFilter(incremental: false)
        noticeChangeUnderneath()
    }

    /// Grants that arrive after the first page of the first load.
    mutating func loadGrants(_ arriving: [ConsoleGrantRow]) {
        setGrants(arriving, loaded: true)
        applyFilter(incremental: false)
        noticeChangeUnderneath()
    }

    private mutating func setGrants(_ arriving: [ConsoleGrantRow], loaded: Bool) {
        grants = arriving
        grantsLoaded = loaded
        grantSearch = SearchIndex(grants: grants)
        grantByID = Dictionary(grants.enumerated().map { ($0.element.id, Int32($0.offset)) },
                               uniquingKeysWith: { first, _ in first })
        buildGrantEntries()
    }

    private mutating func setFindings(_ arriving: [ConsoleFindingRow]) {
        findings = arriving
        findingSearch = SearchIndex(findings: findings)
        findingByID = Dictionary(findings.enumerated().map { ($0.element.id, Int32($0.offset)) },
                                 uniquingKeysWith: { first, _ in first })
    }

    /// A draft whose request moved on is flagged; submitting it would be refused
    /// as stale, and the approver should look again first.
    mutating func noticeChangeUnderneath() {
        guard var draft = openDraft else { return }
        if let action = draft.grantAction {
            let grant = grantByID[draft.id].map { grants[Int($0)] }
            let stillPossible = action == .revoke ? grant?.grant.state.mayHoldAccess == true : grant?.reviewOpen == true
            if !stillPossible {
                draft.changedUnderneath = true
                replaceOpenDraft(draft)
            }
            return
        }
        guard let index = rowByID[draft.id] else { return }
        let row = rows[Int(index)]
        if row.version != draft.shownVersion || !row.state.isOpen {
            draft.changedUnderneath = true
            replaceOpenDraft(draft)
        }
    }

    /// Says that request `id`, open and selected before a reload, was decided
    /// meanwhile (and by whom), where the reload moved the selection off it:
    /// the pane now shows another request, and that must not go unnoticed.
    private mutating func noticeDecidedElsewhere(_ id: String) {
        guard selectedRequestID != id, let index = rowByID[id] else { return }
        let row = rows[Int(index)]
        // Decided here (this approver's own decision, or one it took part in), it is no news.
        guard !row.state.isOpen, !row.decidedBy.contains(identity?.name ?? "") else { return }
        let by = row.decidedBy.isEmpty ? "" : " by \(row.decidedBy.joined(separator: ", "))"
        message = StatusMessage("\(glyphs.risk) \(id) was \(row.state.rawValue)\(by) meanwhile and left this list; "
                                + "the detail shows \(selectedRequestID ?? "nothing") now", role: .warning)
    }

    /// The draft of the decision panel or the confirmation open now.
    var openDraft: DecisionDraft? {
        switch mode {
        case let .decision(draft), let .confirm(draft, _): return draft
        case .browse, .filter, .overlay, .submitting, .quitPrompt: return nil
        }
    }

    /// Puts `draft` in place of the open one. A confirmation whose terms or
    /// route changed is typed again: its `yes` was given to what it said before.
    mutating func replaceOpenDraft(_ draft: DecisionDraft) {
        switch mode {
        case .decision: mode = .decision(draft)
        case .confirm: mode = .confirm(draft, typed: "")
        case .browse, .filter, .overlay, .submitting, .quitPrompt: break
        }
    }

    /// A fresh detail of the request a panel is open on: what the panel says
    /// an approval does to the route follows the approvals recorded
    /// meanwhile (another approver's may leave this one completing the
    /// request, where it said more were needed), and says that it changed.
    mutating func refreshOpenDraft(_ detail: ConsoleDetail) {
        guard var draft = openDraft, draft.id == detail.record.id, let verdict = draft.verdict else { return }
        if detail.record.version != draft.shownVersion || !detail.record.state.isOpen {
            guard !draft.changedUnderneath else { return }
            draft.changedUnderneath = true
            replaceOpenDraft(draft)
            return
        }
        // Eligibility follows the policy and the clock, not only the request's version.
        let ineligible = detail.blocker(verdict)
        if ineligible != draft.noLongerEligible {
            draft.noLongerEligible = ineligible
            replaceOpenDraft(draft)
            if ineligible != nil { return }
        }
        let step = Self.stepText(detail, verdict: verdict)
        guard step != draft.step else { return }
        // Approvals unchanged: the clock moved who counts for which step.
        let approvals = Self.approvalCount(detail)
        let recorded = draft.approvalsSeen.map { $0 != approvals } ?? true
        draft.step = step
        draft.approvalsSeen = approvals
        replaceOpenDraft(draft)
        let why = recorded ? "another decision on \(draft.id) was recorded meanwhile"
                           : "what you may approve of \(draft.id) changed with the clock (a rotation turned or a delegation ended)"
        message = StatusMessage("\(glyphs.risk) \(why): read again what yours does" + (step.map { " (step \($0))" } ?? ""), role: .warning)
    }

    mutating func sortTab(_ tab: ConsoleTab) {
        guard var indices = tabRows[tab] else { return }
        let keys = sortKeys
        let rows = self.rows
        // Comparators read the flat key arrays; string orders fall back to the rows.
        switch sortOrders[tab] ?? .natural {
        case .natural:
            switch tab {
            case .myQueue, .allPending, .breakGlass, .expiring, .drift:
                // Expiring and Drift list no requests: they are sorted with their sections.
                indices.sort { a, b in
                    let x = Int(a), y = Int(b)
                    if keys.breakGlass[x] != keys.breakGlass[y] { return keys.breakGlass[x] }
                    if keys.submitted[x] != keys.submitted[y] { return keys.submitted[x] < keys.submitted[y] }
                    return a < b
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
        if tab.hasSections {
            applySectionFilter(incremental: incremental)
            return
        }
        let base = tabRows[tab] ?? []
        if filter.isEmpty {
            visible = base
        } else if incremental, !visibleFilter.isEmpty, filter.hasPrefix(visibleFilter) {
            visible = search.filter(visible, query: filter)
        } else {
            visible = search.filter(base, query: filter)
        }
        visibleFilter = filter
        visibleCount = visible.count
        restoreSelection()
    }

    /// The same for lists of sections: requests, grants and reviews are
    /// filtered alike, and a heading stays only while its section shows something.
    private mutating func applySectionFilter(incremental: Bool) {
        let base = entries(of: tab)
        var result: [Int32]
        if filter.isEmpty {
            result = base
        } else {
            let candidates = incremental && !visibleFilter.isEmpty && filter.hasPrefix(visibleFilter) ? visible : base
            let grantSearch = self.grantSearch, findingSearch = self.findingSearch
            result = search.filter(candidates, query: filter) { raw, key in
                switch ListEntry(raw) {
                case let .grant(index), let .review(index): grantSearch.contains(row: index, key: key)
                case let .finding(index): findingSearch.contains(row: index, key: key)
                case .heading, .columns, .request: true
                }
            }
            // A section's heading lines stay only while the section shows an item.
            var keep = [Bool](repeating: true, count: result.count)
            var sectionShowsItem = false
            for index in result.indices.reversed() {
                guard ListEntry.isHeading(result[index]) else { sectionShowsItem = true; continue }
                keep[index] = sectionShowsItem
                if ListEntry.startsSection(result[index]) { sectionShowsItem = false }
            }
            result = result.indices.filter { keep[$0] }.map { result[$0] }
        }
        visible = result
        visibleFilter = filter
        visibleCount = result.reduce(0) { $0 + (ListEntry.isHeading($1) ? 0 : 1) }
        restoreSelection()
    }

    /// A tab's entries before filtering: its requests, then its grant sections.
    func entries(of tab: ConsoleTab) -> [Int32] {
        let requests = tabRows[tab] ?? []
        guard tab.hasSections else { return requests }
        guard !requests.isEmpty else { return grantEntries[tab] ?? [] }
        // The pane's header names request columns then: the first grant
        // section names its own under its heading.
        var grantLines = grantEntries[tab] ?? []
        if let first = grantLines.first, case let .heading(section) = ListEntry(first) {
            grantLines.insert(ListEntry.columns(section).raw, at: 1)
        }
        return [ListEntry.heading(.pendingBreakGlass).raw] + requests + grantLines
    }

    /// Sorts the grants into the sections of Expiring and Break-glass. Expiring
    /// honours "my people and my systems"; Break-glass always shows everything.
    mutating func buildGrantEntries() {
        var active: [Int] = [], awaiting: [Int] = [], ended: [Int] = [], emergency: [Int] = [], reviews: [Int] = []
        for (index, row) in grants.enumerated() {
            let grant = row.grant
            if !onlyResponsible || row.responsible {
                switch grant.state {
                case .active: active.append(index)
                case .awaitingProvisioning: awaiting.append(index)
                case .expired, .revoked, .failed: if row.endedUnconfirmed { ended.append(index) }
                }
            }
            if grant.terms.breakGlass, grant.state.isLive { emergency.append(index) }
            if row.reviewOpen { reviews.append(index) }
        }
        let grants = self.grants
        func by(_ key: @escaping (Grant) -> Date?) -> (Int, Int) -> Bool {
            { a, b in
                let x = key(grants[a].grant) ?? .distantFuture, y = key(grants[b].grant) ?? .distantFuture
                // REQ-9 before REQ-10.
                return x != y ? x < y : grants[a].id.compare(grants[b].id, options: .numeric) == .orderedAscending
            }
        }
        active.sort(by: by(\.expiresAt))
        awaiting.sort(by: by(\.approvedAt))
        // By the time the list shows ("expired 2d ago" is its expiry, not the sweep that recorded it).
        ended.sort(by: by { $0.state == .expired ? $0.expiresAt ?? $0.endedAt : $0.endedAt })
        emergency.sort(by: by(\.expiresAt))
        reviews.sort(by: by(\.incidentReview?.dueAt))
        func section(_ section: ListSection, _ members: [Int], _ entry: (Int) -> ListEntry) -> [Int32] {
            members.isEmpty ? [] : [ListEntry.heading(section).raw] + members.map { entry($0).raw }
        }
        grantEntries[.expiring] = section(.activeGrants, active, ListEntry.grant)
            + section(.awaitingProvisioning, awaiting, ListEntry.grant)
            + section(.endedUnconfirmed, ended, ListEntry.grant)
        grantCounts[.expiring] = active.count + awaiting.count + ended.count
        grantEntries[.breakGlass] = section(.activeBreakGlass, emergency, ListEntry.grant)
            + section(.incidentReviews, reviews, ListEntry.review)
        grantCounts[.breakGlass] = emergency.count + reviews.count
        buildFindingEntries()
    }

    /// Sorts the findings into the sections of Drift: reported ones on my
    /// systems and of my people first, then the other reported ones, then
    /// those under an exception in force; each by kind, system and subject.
    mutating func buildFindingEntries() {
        var mine: [Int] = [], others: [Int] = [], excepted: [Int] = []
        for (index, finding) in findings.enumerated() {
            if !finding.isReported(at: now) {
                excepted.append(index)
            } else if finding.responsible {
                mine.append(index)
            } else {
                others.append(index)
            }
        }
        let findings = self.findings
        let kinds = Dictionary(uniqueKeysWithValues: FindingKind.allCases.enumerated().map { ($0.element, $0.offset) })
        func order(_ a: Int, _ b: Int) -> Bool {
            let x = findings[a], y = findings[b]
            return (kinds[x.kind] ?? 0, x.system, x.environment, x.subject, x.id) < (kinds[y.kind] ?? 0, y.system, y.environment, y.subject, y.id)
        }
        mine.sort(by: order)
        others.sort(by: order)
        excepted.sort(by: order)
        func section(_ section: ListSection, _ members: [Int]) -> [Int32] {
            members.isEmpty ? [] : [ListEntry.heading(section).raw] + members.map { ListEntry.finding($0).raw }
        }
        grantEntries[.drift] = section(.myFindings, mine) + section(.otherFindings, others) + section(.exceptedFindings, excepted)
        grantCounts[.drift] = findings.count
    }

    /// How many entries a section shows now, for its heading.
    func count(in section: ListSection) -> Int {
        guard let start = visible.firstIndex(of: ListEntry.heading(section).raw) else { return 0 }
        var count = 0
        for raw in visible[(start + 1)...] {
            if ListEntry.startsSection(raw) { break }
            if !ListEntry.isHeading(raw) { count += 1 }
        }
        return count
    }

    /// A stable name for an entry, to find it again after the list changed.
    func key(of raw: Int32) -> String? {
        switch ListEntry(raw) {
        case let .request(index): rows[index].id
        case let .grant(index): "grant " + grants[index].id
        case let .review(index): "review " + grants[index].id
        case let .finding(index): "finding " + findings[index].id
        case .heading, .columns: nil
        }
    }

    /// The entry a key names now, if it still exists.
    func entry(forKey key: String) -> Int32? {
        if key.hasPrefix("grant ") {
            return grantByID[String(key.dropFirst(6))].map { ListEntry.grant(Int($0)).raw }
        }
        if key.hasPrefix("finding ") {
            return findingByID[String(key.dropFirst(8))].map { ListEntry.finding(Int($0)).raw }
        }
        if key.hasPrefix("review ") {
            return grantByID[String(key.dropFirst(7))].map { ListEntry.review(Int($0)).raw }
        }
        return rowByID[key]
    }

    /// The nearest selectable index to `index`, looking in `direction` first.
    func selectable(near index: Int, direction: Int) -> Int {
        guard !visible.isEmpty else { return 0 }
        let start = max(0, min(index, visible.count - 1))
        guard ListEntry.isHeading(visible[start]) else { return start }
        for step in [direction >= 0 ? 1 : -1, direction >= 0 ? -1 : 1] {
            var candidate = start + step
            while candidate >= 0, candidate < visible.count {
                if !ListEntry.isHeading(visible[candidate]) { return candidate }
                candidate += step
            }
        }
        return start
    }

    /// Finds the selected request again after the list changed, or stays near
    /// where the selection was when it left the list (decided by someone else).
    /// Another entry selected this way (the decided request left the queue)
    /// opens its detail at the top, where its risk cues are.
    mutating func restoreSelection() {
        var position = self.position
        let before = position.selectedID
        if let id = position.selectedID, let entry = entry(forKey: id), let index = visible.firstIndex(of: entry) {
            position.selected = index
        } else {
            position.selected = selectable(near: max(0, min(position.selected, visible.count - 1)), direction: 1)
        }
        position.selectedID = position.selected < visible.count ? key(of: visible[position.selected]) : nil
        if position.selectedID != before { detailScroll = 0 }
        self.position = position
        keepSelectionVisible()
    }

    mutating func keepSelectionVisible() {
        var position = self.position
        let height = ConsoleLayout(size: size, focus: focus).listRows
        // A section's heading lines stay in view above its first entry.
        var wanted = position.selected
        if position.selected < visible.count {
            while wanted > 0, ListEntry.isHeading(visible[wanted - 1]) { wanted -= 1 }
        }
        if wanted < position.top { position.top = wanted }
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
        if case let .overlay(_, scroll) = mode {
            let target = scroll.addingReportingOverflow(delta)
            return scrollOverlay(to: target.overflow ? (delta > 0 ? Int.max : 0) : target.partialValue)
        }
        if focus == .detail {
            detailScroll = max(0, detailScroll + delta)
            clampDetailScroll()
            return []
        }
        let target = position.selected.addingReportingOverflow(delta)
        return move(to: target.overflow ? (delta > 0 ? Int.max : 0) : target.partialValue)
    }

    /// Scrolls the help or the messages, never past their last line.
    mutating func scrollOverlay(to line: Int) -> [Effect] {
        guard case let .overlay(overlay, _) = mode else { return [] }
        mode = .overlay(overlay, scroll: max(0, min(line, OverlayScreen.maximumScroll(overlay, self))))
        return []
    }

    mutating func move(to index: Int) -> [Effect] {
        if case .overlay = mode { return scrollOverlay(to: index) }
        if focus == .detail {
            detailScroll = index == 0 ? 0 : Int.max
            clampDetailScroll()
            return []
        }
        var position = self.position
        let target = selectable(near: max(0, min(index, visible.count - 1)), direction: index - position.selected)
        let changed = target != position.selected
        position.selected = target
        position.selectedID = target < visible.count ? key(of: visible[target]) : nil
        self.position = position
        keepSelectionVisible()
        if changed { detailScroll = 0 }
        return detailEffects()
    }

    /// Loads the selected request's detail unless it is cached or failed,
    /// and that of the request an open decision panel is on, which may no
    /// longer be listed (or selected) after a reload: what the panel says
    /// follows it (`refreshOpenDraft`).
    func detailEffects() -> [Effect] { wantedDetails.map { .loadDetail(id: $0) } }

    /// The requests whose details are wanted and not loaded (`wantsDetail`), the selected one first.
    var wantedDetails: [String] {
        var ids: [String] = []
        for id in [selectedRequestID, decidingID].compactMap(\.self) where !ids.contains(id) && wantsDetail(id) { ids.append(id) }
        return ids
    }

    /// The request an open approval or denial panel is on.
    var decidingID: String? { openDraft.flatMap { $0.verdict != nil ? $0.id : nil } }

    mutating func store(_ detail: ConsoleDetail) {
        if details.count >= ConsoleModel.detailCacheLimit {
            let keep = selectedDetail
            details = [:]
            if let keep { details[keep.record.id] = keep }
        }
        details[detail.record.id] = detail
        detailErrors[detail.record.id] = nil
        clampDetailScroll()
        refreshOpenDraft(detail)
    }

    /// The detail as drawn now; update measures it to clamp scrolling and find matches.
    func detailLines() -> [StyledLine] {
        DetailContent.lines(self, width: ConsoleLayout(size: size, focus: .detail).detailWidth)
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
        var next = position.selected
        repeat {
            next += forward ? 1 : -1
            if next >= count || next < 0 {
                next = (next + count) % count
                message = StatusMessage("search wrapped", role: .dim)
            }
        } while ListEntry.isHeading(visible[next]) && next != position.selected
        return move(to: next)
    }
}
