import Foundation
import SignoffCore

/// The whole console state, one value. `update` changes it, `view` draws it.
/// Lists are index arrays into `rows`, never copies: 100,000 requests cost one
/// array of rows plus a few arrays of 32-bit indices.
public struct ConsoleModel: Sendable {
    public var size: Size
    /// The glyph set the view draws with; update uses it to measure the detail.
    public var glyphs: Glyphs
    /// The time the view measures ages against; advanced by ticks.
    public var now: Date
    /// Drops every dangerous binding (approve, deny), like k9s's read-only mode.
    public var readOnly: Bool

    public internal(set) var identity: Principal?
    public internal(set) var storePath = ""
    public internal(set) var policyVersion: String?
    public internal(set) var notificationsFailing = 0
    public internal(set) var notificationsDueAt: Date?
    /// When the loaded snapshot's judgements by the clock are due again (`ConsoleSnapshot.judgeAgainAt`).
    public internal(set) var judgeAgainAt: Date?
    public internal(set) var eventsNotFolded = 0
    public internal(set) var minimumRationale = 0
    /// The environments the policy in force treats as production.
    public internal(set) var production = ProductionEnvironments()
    public internal(set) var changeToken: Int64?
    public internal(set) var loaded = false
    /// The last load failure, shown until a load succeeds.
    public internal(set) var loadError: String?

    /// A snapshot arriving in pages; nil when no load is under way.
    var paging: SnapshotPaging?

    public internal(set) var rows: [ConsoleRow] = []
    var search = SearchIndex()
    var sortKeys = SortKeys()
    /// Row index by request ID, to find selections again after a reload.
    var rowByID: [String: Int32] = [:]
    /// Each tab's rows in its current sort order, before filtering.
    var tabRows: [ConsoleTab: [Int32]] = [:]
    /// The current tab's rows after filtering; what the list shows.
    public internal(set) var visible: [Int32] = []
    /// The filter `visible` was computed with, to narrow incrementally while typing.
    var visibleFilter = ""
    /// Entries of `visible` that can be selected (section headings are not).
    public internal(set) var visibleCount = 0

    /// Grants that need someone, from the snapshot; the Expiring and
    /// Break-glass lists index into them.
    public internal(set) var grants: [ConsoleGrantRow] = []
    /// False while the first load's grants are still on their way: the
    /// Expiring and Break-glass lists say so instead of "nothing to show".
    public internal(set) var grantsLoaded = true
    var grantSearch = SearchIndex()
    var grantByID: [String: Int32] = [:]
    /// Each tab's grant sections (headings, grants, reviews) in order, before filtering.
    var grantEntries: [ConsoleTab: [Int32]] = [:]
    /// Selectable entries in `grantEntries`, per tab.
    var grantCounts: [ConsoleTab: Int] = [:]
    /// Open reconciliation findings, from the snapshot; the Drift list indexes into them.
    public internal(set) var findings: [ConsoleFindingRow] = []
    var findingSearch = SearchIndex()
    var findingByID: [String: Int32] = [:]
    /// The Expiring list shows only grants of my people and my systems.
    public internal(set) var onlyResponsible = false

    public internal(set) var tab: ConsoleTab = .myQueue
    public internal(set) var sortOrders: [ConsoleTab: SortOrder] = [:]
    var positions: [ConsoleTab: ListPosition] = [:]
    public internal(set) var filter = ""
    public internal(set) var mode: ConsoleMode = .browse
    public internal(set) var focus: ConsoleFocus = .list
    public internal(set) var detailScroll = 0
    /// The detail's policy section lists the rules that did not match too (`e`).
    public internal(set) var showsEveryRule = false

    /// Details loaded so far, by request ID; dropped when the store changes.
    public internal(set) var details: [String: ConsoleDetail] = [:]
    public internal(set) var detailErrors: [String: String] = [:]
    /// Rationale drafts kept when a decision panel is closed without submitting.
    public internal(set) var drafts: [String: String] = [:]
    /// The request version each kept decision draft was written against.
    var draftVersions: [String: Int] = [:]
    /// The status line's one-shot message; each new one is also kept in `messageLog`.
    public internal(set) var message: StatusMessage? {
        didSet {
            // The same message again (a key held or pasted past a limit) is logged once.
            guard let message, message != oldValue, message != messageLog.last else { return }
            messageLog.append(message)
            if messageLog.count > Self.messageLogLimit { messageLog.removeFirst(messageLog.count - Self.messageLogLimit) }
        }
    }
    /// The recent messages, oldest first, for the message log (`M`).
    public internal(set) var messageLog: [StatusMessage] = []
    static let messageLogLimit = 50

    public init(size: Size, glyphs: Glyphs = .unicode, now: Date = Date(), readOnly: Bool = false) {
        self.size = size
        self.glyphs = glyphs
        self.now = now
        self.readOnly = readOnly
    }

    // MARK: Derived

    public var sortOrder: SortOrder { sortOrders[tab] ?? .natural }

    /// Requests and grants a tab lists, section headings not counted.
    public func count(of tab: ConsoleTab) -> Int { (tabRows[tab]?.count ?? 0) + (grantCounts[tab] ?? 0) }

    /// Open break-glass requests: the number that must never go unnoticed.
    public var openBreakGlassCount: Int { tabRows[.breakGlass]?.count ?? 0 }

    /// While the first snapshot arrives in pages: the rows read so far and
    /// how many there are in all. Nil once complete, and during reloads of
    /// whole lists, which keep showing the previous snapshot until the new one
    /// is whole.
    public var loadingProgress: (loaded: Int, total: Int)? {
        guard let paging else { return nil }
        if paging.shown { return (rows.count, max(paging.total, rows.count)) }
        guard paging.completesFirstLoad else { return nil }
        return (paging.header.rows.count, max(paging.total, paging.header.rows.count))
    }

    var position: ListPosition {
        get { positions[tab] ?? ListPosition() }
        set { positions[tab] = newValue }
    }

    /// What the selection is on, if the list is not empty.
    var selectedEntry: ListEntry? {
        let selected = position.selected
        guard selected >= 0, selected < visible.count else { return nil }
        return ListEntry(visible[selected])
    }

    /// The selected row's index into `rows`, when a request is selected.
    public var selectedRowIndex: Int? {
        if case let .request(index)? = selectedEntry { return index }
        return nil
    }

    /// The selected request; nil when a grant or review is selected.
    public var selectedRow: ConsoleRow? { selectedRowIndex.map { rows[$0] } }

    /// The selected grant, and whether it was selected as its post-incident review.
    public var selectedGrant: (row: ConsoleGrantRow, asReview: Bool)? {
        switch selectedEntry {
        case let .grant(index)?: (grants[index], false)
        case let .review(index)?: (grants[index], true)
        case .request?, .heading?, .columns?, .finding?, nil: nil
        }
    }

    /// The selected finding, in the Drift list.
    public var selectedFinding: ConsoleFindingRow? {
        if case let .finding(index)? = selectedEntry { return findings[index] }
        return nil
    }

    /// The request whose detail the detail pane shows: the selected one, or the
    /// selected grant's.
    public var selectedRequestID: String? { selectedRow?.id ?? selectedGrant?.row.id }

    public var selectedDetail: ConsoleDetail? { selectedRequestID.flatMap { details[$0] } }

    /// Position of the selection in the visible list, and the first visible line.
    public var selection: (index: Int, top: Int) { (position.selected, position.top) }

    /// The request row of a grant, when the snapshot holds it.
    func requestRow(of grant: ConsoleGrantRow) -> ConsoleRow? {
        rowByID[grant.id].map { rows[Int($0)] }
    }

    /// Whether quitting now would throw away typed rationale.
    public var hasUnsavedRationale: Bool {
        switch mode {
        case let .decision(draft), let .confirm(draft, _), let .submitting(draft):
            if !draft.rationale.isEmpty { return true }
        case let .quitPrompt(previous):
            if case let .decision(draft) = previous, !draft.rationale.isEmpty { return true }
        case .browse, .filter, .overlay:
            break
        }
        return drafts.values.contains { !$0.isEmpty }
    }

    /// The binding context the keyboard is in.
    public var context: BindingContext {
        switch mode {
        case .browse: focus == .list ? .list : .detail
        case .filter: .filter
        case .overlay(.help, _): .help
        case .overlay(.messages, _): .messages
        case .decision, .submitting: .decision
        case .confirm: .confirm
        case .quitPrompt: .quitPrompt
        }
    }
}
