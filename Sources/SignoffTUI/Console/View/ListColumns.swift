import Foundation
import SignoffCore

/// One column of a request list. Fixed columns keep their width; flexible ones
/// share what is left by weight. When a terminal is too narrow for all of them,
/// the columns with the lowest priority are dropped first.
/// What column layout needs to know about a column.
protocol ColumnSizing {
    var title: String { get }
    var minimum: Int { get }
    /// Zero for a fixed-width column.
    var flex: Int { get }
    var priority: Int { get }
}

struct ListColumn: Sendable, ColumnSizing {
    let title: String
    let minimum: Int
    /// Zero for a fixed-width column.
    let flex: Int
    let priority: Int
    let trusted: Bool
    let cell: @Sendable (ConsoleRow, Date, Glyphs, ProductionEnvironments) -> (String, Role)

    init(_ title: String, minimum: Int, flex: Int = 0, priority: Int, trusted: Bool = false,
         cell: @escaping @Sendable (ConsoleRow, Date, Glyphs, ProductionEnvironments) -> (String, Role)) {
        self.title = title
        self.minimum = minimum
        self.flex = flex
        self.priority = priority
        self.trusted = trusted
        self.cell = cell
    }

    static let id = ListColumn("ID", minimum: 10, priority: 9) { row, _, _, _ in (row.id, .normal) }
    static let subject = ListColumn("Subject", minimum: 8, flex: 3, priority: 10) { row, _, _, _ in
        (row.subjectName, row.subjectKind.isHuman ? .normal : .riskMedium)
    }
    static let kind = ListColumn("Kind", minimum: 9, priority: 2, trusted: true) { row, _, _, _ in
        (row.subjectKind.label, row.subjectKind.isHuman ? .dim : .riskMedium)
    }
    static let system = ListColumn("System/env", minimum: 8, flex: 2, priority: 6) { row, _, _, production in
        ("\(row.system)/\(row.environment)", production.contains(row.environment) ? .riskHigh : .normal)
    }
    static let entitlement = ListColumn("Entitlement", minimum: 8, flex: 3, priority: 8) { row, _, _, _ in
        (row.entitlement, .normal)
    }
    static let access = ListColumn("Access", minimum: 6, priority: 7, trusted: true) { row, _, _, _ in
        (row.access.rawValue, row.access == .admin ? .riskHigh : .normal)
    }
    static let duration = ListColumn("For", minimum: 6, priority: 4, trusted: true) { row, _, _, _ in
        (row.duration.description, .normal)
    }
    static let age = ListColumn("Age", minimum: 4, priority: 5, trusted: true) { row, now, _, _ in
        (TimeText.age(of: row.submittedAt, now: now), .dim)
    }
    static let approvals = ListColumn("Appr", minimum: 5, priority: 3, trusted: true) { row, _, _, _ in
        ("\(row.approvals)/\(row.approvalsNeeded)", row.approvals >= row.approvalsNeeded && row.approvalsNeeded > 0 ? .approved : .pending)
    }
    static let routedTo = ListColumn("Routed to", minimum: 10, flex: 3, priority: 4) { row, _, _, _ in
        (row.routedTo, .dim)
    }
    /// The state in words: its glyph is already in the row's gutter.
    static let state = ListColumn("State", minimum: 9, priority: 9, trusted: true) { row, _, glyphs, _ in
        let state = glyphs.state(row.state)
        return (state.word, state.role)
    }
    static let decided = ListColumn("Decided", minimum: 7, priority: 5, trusted: true) { row, now, _, _ in
        (row.decidedAt.map { TimeText.age(of: $0, now: now) + " ago" } ?? "", .dim)
    }

    static let decidedBy = ListColumn("By", minimum: 8, flex: 2, priority: 4) { row, _, _, _ in
        (row.decidedBy.joined(separator: ", "), .dim)
    }

    static func columns(for tab: ConsoleTab) -> [ListColumn] {
        switch tab {
        case .myQueue, .breakGlass:
            [id, subject, kind, system, entitlement, access, duration, age, approvals]
        case .allPending:
            [id, subject, system, entitlement, access, duration, age, approvals, routedTo]
        case .expiring:
            // Grants have their own columns (`GrantColumn`); nothing lists requests here.
            [id, subject, system, entitlement, access]
        case .history:
            [state, id, subject, system, entitlement, decided, decidedBy]
        case .drift:
            // Findings have their own columns (`FindingColumn`); nothing lists requests here.
            [id, subject, system, entitlement, access]
        }
    }

    /// Columns that fit `width` with their widths, in display order.
    static func layout<Column: ColumnSizing>(_ columns: [Column], width: Int) -> [(Column, Int)] {
        var kept = columns
        func needed(_ set: [Column]) -> Int { set.reduce(0) { $0 + $1.minimum } + max(0, set.count - 1) }
        while needed(kept) > width, kept.count > 1 {
            let lowest = kept.indices.min { kept[$0].priority < kept[$1].priority }!
            kept.remove(at: lowest)
        }
        var spare = max(0, width - needed(kept))
        let weights = kept.reduce(0) { $0 + $1.flex }
        var widths = kept.map(\.minimum)
        if weights > 0 {
            let share = spare
            for index in kept.indices where kept[index].flex > 0 {
                let extra = share * kept[index].flex / weights
                widths[index] += extra
                spare -= extra
            }
            // Rounding leftovers go to the first flexible column.
            if let first = kept.firstIndex(where: { $0.flex > 0 }) { widths[first] += spare }
        }
        widths[widths.count - 1] = min(widths[widths.count - 1], max(1, width - (needed(kept) - kept[kept.count - 1].minimum)))
        return Array(zip(kept, widths))
    }
}
