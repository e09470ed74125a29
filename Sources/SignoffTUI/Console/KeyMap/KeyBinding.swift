/// Where a key press goes. Text contexts (filter, decision, confirm) insert
/// printable characters; only non-printable keys are bound there.
public enum BindingContext: String, CaseIterable, Sendable, Hashable {
    case list, detail, filter, decision, confirm, help, messages
    case quitPrompt = "quit"

    public var title: String {
        switch self {
        case .list: "List"
        case .detail: "Detail"
        case .filter: "Filter"
        case .decision: "Decision panel"
        case .confirm: "Confirmation"
        case .help: "Help"
        case .messages: "Messages"
        case .quitPrompt: "Quit prompt"
        }
    }

    var takesText: Bool { self == .filter || self == .decision || self == .confirm }
}

/// What a binding does; `update` performs it.
public enum Action: String, CaseIterable, Sendable, Hashable {
    case moveDown, moveUp, pageDown, pageUp, halfPageDown, halfPageUp, top, bottom
    case nextTab, previousTab, showMyQueue, showAllPending, showBreakGlass, showExpiring, showHistory, showDrift
    case openDetail, back
    case approve, deny
    case revoke, completeReview, toggleResponsible, toggleRules
    case startFilter, clearFilter, nextMatch, previousMatch, cycleSort, refresh
    case acceptFilter, cancelFilter, deleteBackward
    case submitDecision, cancelDecision
    case confirmDecision, cancelConfirmation
    case help, showMessages, closeOverlay
    case quit, confirmQuit, cancelQuit
}

/// One row of the key table: the dispatcher, the help screen and the footer
/// hints are all read from it, so they cannot drift apart.
public struct KeyBinding: Sendable {
    public let keys: [Key]
    public let action: Action
    /// A full sentence fragment for the help screen.
    public let description: String
    /// A word or two for the footer; nil keeps it out of the footer.
    public let hint: String?
    public let contexts: [BindingContext]
    /// Records something or throws work away; dropped in read-only mode.
    public let dangerous: Bool
    /// Why the action cannot run in this state, or nil when it can.
    public let disabledReason: @Sendable (ConsoleModel) -> String?
    /// Whether the footer offers the hint in this state: actions on grants are
    /// offered only in the lists that hold grants, request decisions only elsewhere.
    public let offered: @Sendable (ConsoleModel) -> Bool

    public init(_ keys: [Key], _ action: Action, _ description: String, hint: String? = nil,
                in contexts: [BindingContext], dangerous: Bool = false,
                disabledWhen disabledReason: @escaping @Sendable (ConsoleModel) -> String? = { _ in nil },
                offeredWhen offered: @escaping @Sendable (ConsoleModel) -> Bool = { _ in true }) {
        self.keys = keys
        self.action = action
        self.description = description
        self.hint = hint
        self.contexts = contexts
        self.dangerous = dangerous
        self.disabledReason = disabledReason
        self.offered = offered
    }

    /// The keys as people write them, e.g. `j/Down`; keys that read alike
    /// (Alt-Enter in its two codes) are named once.
    public var keyLabel: String {
        var labels: [String] = []
        for key in keys.map(KeyBinding.label) where !labels.contains(key) { labels.append(key) }
        return labels.joined(separator: "/")
    }

    public static func label(_ key: Key) -> String {
        switch key {
        case let .character(c): c == " " ? "Space" : String(c)
        case let .control(c): "Ctrl-\(c)"
        case let .alt(c): c == "\n" || c == "\r" ? "Alt-Enter" : "Alt-\(c)"
        case .enter: "Enter"
        case .escape: "Esc"
        case .tab: "Tab"
        case .backTab: "Shift-Tab"
        case .backspace: "Backspace"
        case .delete: "Delete"
        case .up: "Up"
        case .down: "Down"
        case .left: "Left"
        case .right: "Right"
        case .home: "Home"
        case .end: "End"
        case .pageUp: "PgUp"
        case .pageDown: "PgDn"
        case let .function(n): "F\(n)"
        }
    }
}
