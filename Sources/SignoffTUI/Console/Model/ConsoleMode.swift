/// What has the keyboard. Overlays stack on the lists; each names its binding context.
public indirect enum ConsoleMode: Sendable, Hashable {
    case browse
    /// Typing a filter after `/`; the list narrows with every key.
    case filter
    /// Help or the message log over the lists, scrolled `scroll` lines down.
    case overlay(Overlay, scroll: Int)
    case decision(DecisionDraft)
    /// An approval that needs a typed `yes` before it is sent.
    case confirm(DecisionDraft, typed: String)
    /// Sent to the backend; waiting for the outcome.
    case submitting(DecisionDraft)
    /// Asked before quitting would discard rationale drafts; returns to `previous` on no.
    case quitPrompt(previous: ConsoleMode)
}

/// A read-only page over the lists.
public enum Overlay: Sendable, Hashable {
    /// Every key and the glyph legend.
    case help
    /// The recent status messages in full, newest first: a refusal longer
    /// than the status line is read here.
    case messages
}

/// Which pane scrolls when browsing.
public enum ConsoleFocus: Sendable, Hashable {
    case list, detail
}

/// A one-shot line in the footer, cleared by the next key or resize.
public struct StatusMessage: Sendable, Hashable {
    public var text: String
    public var role: Role
    public init(_ text: String, role: Role) {
        self.text = text
        self.role = role
    }
}

/// Selection and scroll of one tab, kept when switching away and back.
struct ListPosition: Sendable, Hashable {
    var selected = 0
    var top = 0
    /// The selected request, to find it again after a reload reorders rows.
    var selectedID: String?
}
