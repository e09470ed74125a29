/// What a cell means, not what colour it is. Themes map roles to colours and
/// attributes; the view code only ever names roles.
public enum Role: String, CaseIterable, Sendable, Hashable {
    case normal
    case dim
    case title
    case header
    case border
    case selection
    case selectionUnfocused = "selection_unfocused"
    case statusBar = "status_bar"
    case footer
    case footerKey = "footer_key"
    case label
    case value
    case pending
    case approved
    case denied
    case blocked
    case breakGlass = "break_glass"
    case riskHigh = "risk_high"
    case riskMedium = "risk_medium"
    case match
    case failedSearch = "failed_search"
    case error
    case warning
    case success
    case input
    case placeholder
    case asserted
}
