/// The lists an approver switches between with Tab or 1-6.
public enum ConsoleTab: Int, CaseIterable, Sendable, Hashable {
    /// Requests I may decide now: break-glass first, then oldest.
    case myQueue = 1
    /// Every open request, with whom it is routed to and its approvals so far.
    case allPending
    /// Open break-glass requests, active emergency grants and post-incident reviews.
    case breakGlass
    /// Grants: active by time left, then awaiting provisioning, then ended
    /// ones provisioning has not confirmed removing.
    case expiring
    /// Decided requests.
    case history
    /// Open reconciliation findings: on my systems and of my people first,
    /// then the rest, then those under an exception.
    case drift

    public var title: String {
        switch self {
        case .myQueue: "My queue"
        case .allPending: "All pending"
        case .breakGlass: "Break-glass"
        case .expiring: "Expiring"
        case .history: "History"
        case .drift: "Drift"
        }
    }

    /// For narrow terminals.
    public var shortTitle: String {
        switch self {
        case .myQueue: "Mine"
        case .allPending: "All"
        case .breakGlass: "BG"
        case .expiring: "Exp"
        case .history: "Hist"
        case .drift: "Drift"
        }
    }

    /// What an empty list says, so empty never looks like broken.
    public var emptyText: String {
        switch self {
        case .myQueue: "nothing waits for you"
        case .allPending: "no open requests"
        case .breakGlass: "no break-glass requests, emergency grants or reviews due"
        case .expiring: "no live grants, and every ended one is removed"
        case .history: "nothing decided yet"
        case .drift: "no open findings: reconciliation saw nothing that differs"
        }
    }

    func contains(_ row: ConsoleRow) -> Bool {
        switch self {
        case .myQueue: row.state == .pending && row.mineNow
        case .allPending: row.state.isOpen
        case .breakGlass: row.breakGlass && row.state.isOpen
        case .expiring: false
        case .history: !row.state.isOpen
        case .drift: false
        }
    }

    /// Lists made of sections (grants, reviews) rather than requests alone.
    var hasSections: Bool { self == .breakGlass || self == .expiring || self == .drift }
    /// The tabs that list grants (in their sections).
    var listsGrants: Bool { self == .breakGlass || self == .expiring }

    var next: ConsoleTab { ConsoleTab(rawValue: rawValue % ConsoleTab.allCases.count + 1)! }
    var previous: ConsoleTab {
        ConsoleTab(rawValue: (rawValue + ConsoleTab.allCases.count - 2) % ConsoleTab.allCases.count + 1)!
    }
}

/// Orders `s` cycles through. `.natural` is each tab's own order.
public enum SortOrder: Int, CaseIterable, Sendable, Hashable {
    case natural, oldest, newest, system, requester

    public func label(in tab: ConsoleTab) -> String {
        switch self {
        case .natural:
            switch tab {
            case .myQueue, .allPending, .breakGlass: "priority"
            case .expiring: "time left"
            case .history: "recently decided"
            case .drift: "mine first"
            }
        case .oldest: "oldest"
        case .newest: "newest"
        case .system: "system"
        case .requester: "requester"
        }
    }

    var next: SortOrder { SortOrder(rawValue: (rawValue + 1) % SortOrder.allCases.count)! }
}
