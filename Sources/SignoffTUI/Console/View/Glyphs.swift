import SignoffCore

/// The characters the console draws with. The app picks `.unicode` when the
/// locale can show it and `.ascii` otherwise; every glyph travels with a word
/// somewhere on screen, so no state depends on one character rendering.
public struct Glyphs: Sendable, Hashable {
    /// How unsafe characters in request fields are shown.
    public var textStyle: DisplaySafe.Style
    public var horizontal: String
    public var vertical: String
    public var topLeft: String
    public var topRight: String
    public var bottomLeft: String
    public var bottomRight: String
    public var ellipsis: String
    public var pointer: String
    public var pending: String
    public var blocked: String
    public var approved: String
    public var denied: String
    public var withdrawn: String
    public var timedOut: String
    public var breakGlass: String
    public var risk: String
    /// A grant that needs someone: not provisioned, not removed, failed.
    public var attention: String
    public var eligible: String
    public var notEligible: String
    public var mine: String
    /// Shown for an empty optional field, so "none" is visibly different from a blank.
    public var none: String
    public var separator: String
    public var arrow: String
    public var scrollMore: String
    /// Where typing goes in an input field.
    public var cursor: String

    public static let unicode = Glyphs(
        textStyle: .unicode, horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└",
        bottomRight: "┘", ellipsis: "…", pointer: "▶", pending: "●", blocked: "■", approved: "✔", denied: "✘",
        withdrawn: "↩", timedOut: "◷", breakGlass: "⚠", risk: "▲", attention: "◆", eligible: "✔", notEligible: "✘", mine: "★",
        none: "—", separator: "·", arrow: "→", scrollMore: "↓", cursor: "▏")

    public static let ascii = Glyphs(
        textStyle: .ascii, horizontal: "-", vertical: "|", topLeft: "+", topRight: "+", bottomLeft: "+",
        bottomRight: "+", ellipsis: "~", pointer: ">", pending: "*", blocked: "#", approved: "+", denied: "x",
        withdrawn: "<", timedOut: "@", breakGlass: "!", risk: "^", attention: "%", eligible: "+", notEligible: "x", mine: "m",
        none: "-", separator: "/", arrow: "->", scrollMore: "v", cursor: "_")

    /// Glyph, word and role for a request state: status is never colour alone.
    public func state(_ state: RequestState) -> (glyph: String, word: String, role: Role) {
        switch state {
        case .pending: (pending, "pending", .pending)
        case .blocked: (blocked, "blocked", .blocked)
        case .approved: (approved, "approved", .approved)
        case .denied: (denied, "denied", .denied)
        case .withdrawn: (withdrawn, "withdrawn", .dim)
        case .timedOut: (timedOut, "timed out", .dim)
        }
    }

    /// Glyph, word and role for a grant state.
    public func grant(_ state: GrantState) -> (glyph: String, word: String, role: Role) {
        switch state {
        case .awaitingProvisioning: (pending, "awaiting provisioning", .pending)
        case .active: (approved, "active", .approved)
        case .expired: (timedOut, "expired", .dim)
        case .revoked: (withdrawn, "revoked", .dim)
        case .failed: (denied, "provisioning failed", .denied)
        }
    }
}
