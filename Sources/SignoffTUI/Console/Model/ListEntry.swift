/// What one line of a list is. Lists stay `[Int32]` so 100,000 requests cost
/// one small array: a request is its row index (never negative); grants,
/// reviews, findings and section headings are packed into the negative numbers.
enum ListEntry: Sendable, Hashable {
    case request(Int)
    /// A grant, by index into the model's grants.
    case grant(Int)
    /// A grant's open post-incident review, by index into the model's grants.
    case review(Int)
    /// A section heading; never selected.
    case heading(ListSection)
    /// The column titles of a grant section, under its heading, where requests
    /// come first and the pane's header names request columns; never selected.
    case columns(ListSection)
    /// A reconciliation finding, by index into the model's findings.
    case finding(Int)

    init(_ raw: Int32) {
        guard raw < 0 else {
            self = .request(Int(raw))
            return
        }
        let code = Int(-1 - raw)
        let index = code / 5
        switch code % 5 {
        case 0: self = .grant(index)
        case 1: self = .review(index)
        case 2: self = .heading(ListSection(rawValue: index) ?? .activeGrants)
        case 3: self = .columns(ListSection(rawValue: index) ?? .activeGrants)
        default: self = .finding(index)
        }
    }

    var raw: Int32 {
        switch self {
        case let .request(index): Int32(index)
        case let .grant(index): Int32(-1 - index * 5)
        case let .review(index): Int32(-1 - (index * 5 + 1))
        case let .heading(section): Int32(-1 - (section.rawValue * 5 + 2))
        case let .columns(section): Int32(-1 - (section.rawValue * 5 + 3))
        case let .finding(index): Int32(-1 - (index * 5 + 4))
        }
    }

    /// A line that is not an item (a heading or column titles): never selected or counted.
    static func isHeading(_ raw: Int32) -> Bool { raw < 0 && ((-1 - Int(raw)) % 5 == 2 || (-1 - Int(raw)) % 5 == 3) }
    /// A section's heading proper, where the next section begins.
    static func startsSection(_ raw: Int32) -> Bool { raw < 0 && (-1 - Int(raw)) % 5 == 2 }
}

/// The parts of the grant lists, in the order they are shown.
enum ListSection: Int, CaseIterable, Sendable, Hashable {
    // Expiring
    case activeGrants
    case awaitingProvisioning
    case endedUnconfirmed
    // Break-glass
    case pendingBreakGlass
    case activeBreakGlass
    case incidentReviews
    // Drift
    case myFindings
    case otherFindings
    case exceptedFindings

    var title: String {
        switch self {
        case .activeGrants: "Active grants, soonest end first"
        case .awaitingProvisioning: "Approved, awaiting provisioning"
        case .endedUnconfirmed: "Ended or failed, removal not confirmed"
        case .pendingBreakGlass: "Pending emergency requests"
        case .activeBreakGlass: "Active emergency grants"
        case .incidentReviews: "Post-incident reviews due"
        case .myFindings: "Findings on my systems and my people"
        case .otherFindings: "Other findings"
        case .exceptedFindings: "Excepted, reported again when the exception ends"
        }
    }
}
