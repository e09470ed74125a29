import Foundation
import SignoffCore

/// One column of a finding line in the Drift list. Every value but the kind
/// and the times comes from an export: made display-safe and fitted.
struct FindingColumn: Sendable, ColumnSizing {
    let title: String
    let minimum: Int
    let flex: Int
    let priority: Int
    let cell: @Sendable (_ finding: ConsoleFindingRow, _ now: Date, _ glyphs: Glyphs, _ width: Int,
                          _ production: ProductionEnvironments) -> Span

    init(_ title: String, minimum: Int, flex: Int = 0, priority: Int,
         cell: @escaping @Sendable (ConsoleFindingRow, Date, Glyphs, Int, ProductionEnvironments) -> Span) {
        self.title = title
        self.minimum = minimum
        self.flex = flex
        self.priority = priority
        self.cell = cell
    }

    static func text(_ raw: String, _ role: Role, glyphs: Glyphs, width: Int) -> Span {
        Span(TextLayout.fit(raw, width: width, glyphs: glyphs), role)
    }

    static let kind = FindingColumn("Kind", minimum: 12, priority: 10) { finding, _, glyphs, width, _ in
        Span(TextLayout.truncate(finding.kind.label, width: width, ellipsis: glyphs.ellipsis), role(of: finding.kind))
    }
    static let seen = FindingColumn("Since", minimum: 8, priority: 6) { finding, now, glyphs, width, _ in
        Span(TextLayout.truncate(TimeSpan.ago(finding.firstSeenAt, now), width: width, ellipsis: glyphs.ellipsis), .dim)
    }
    static let subject = FindingColumn("Subject", minimum: 8, flex: 2, priority: 9) { finding, _, glyphs, width, _ in
        text(finding.subject, finding.owner == nil ? .riskHigh : .normal, glyphs: glyphs, width: width)
    }
    static let system = FindingColumn("System/env", minimum: 8, flex: 2, priority: 7) { finding, _, glyphs, width, production in
        text("\(finding.system)/\(finding.environment)", production.contains(finding.environment) ? .riskHigh : .normal,
             glyphs: glyphs, width: width)
    }
    static let summary = FindingColumn("What differs", minimum: 16, flex: 5, priority: 8) { finding, now, glyphs, width, _ in
        if let exception = finding.exception, exception.inForce(at: now) {
            return text("excepted until \(TimeText.absolute(exception.until)): \(finding.summary)", .dim, glyphs: glyphs, width: width)
        }
        return text(finding.summary, .normal, glyphs: glyphs, width: width)
    }
    static let id = FindingColumn("ID", minimum: 18, priority: 3) { finding, _, glyphs, width, _ in
        text(finding.id, .dim, glyphs: glyphs, width: width)
    }

    static let all: [FindingColumn] = [kind, subject, system, summary, seen, id]

    /// Access nobody approved and access wider than approved are the worst.
    static func role(of kind: FindingKind) -> Role {
        switch kind {
        case .unapproved, .wider: .error
        case .notRemoved, .orphaned: .warning
        case .notProvisioned, .staleCredential: .pending
        }
    }
}
