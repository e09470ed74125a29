import Foundation
import SignoffCore

/// One column of a grant line in the Expiring and Break-glass lists. A cell is
/// spans, so one cell can carry several flags, each in its own role; the
/// column fits them to its width itself.
struct GrantColumn: Sendable, ColumnSizing {
    let title: String
    let minimum: Int
    let flex: Int
    let priority: Int
    /// The cell of a grant, or of its post-incident review when `review` is true.
    let cell: @Sendable (_ grant: ConsoleGrantRow, _ review: Bool, _ now: Date, _ glyphs: Glyphs, _ width: Int,
                          _ production: ProductionEnvironments) -> [Span]

    init(_ title: String, minimum: Int, flex: Int = 0, priority: Int,
         cell: @escaping @Sendable (ConsoleGrantRow, Bool, Date, Glyphs, Int, ProductionEnvironments) -> [Span]) {
        self.title = title
        self.minimum = minimum
        self.flex = flex
        self.priority = priority
        self.cell = cell
    }

    /// An untrusted value, made display-safe and fitted.
    static func text(_ raw: String, _ role: Role, glyphs: Glyphs, width: Int) -> [Span] {
        [Span(TextLayout.fit(raw, width: width, glyphs: glyphs), role)]
    }

    /// The first of a cell's wordings that fits: a column of 14 never cuts a
    /// word off, and an ended grant always says how it ended; the detail pane
    /// says it all (`Grant.timeLeftText`).
    static let when = GrantColumn("Left / due", minimum: 14, priority: 10) { row, review, now, glyphs, width, _ in
        let forms: [String]
        let role: Role
        if review, let due = row.grant.incidentReview {
            forms = due.isOverdue(at: now)
                ? ["OVERDUE \(TimeSpan.ago(due.dueAt, now))", "OVERDUE \(TimeSpan.between(due.dueAt, now))", "OVERDUE"]
                : ["due in \(TimeSpan.between(now, due.dueAt))"]
            role = due.isOverdue(at: now) ? .error : .pending
        } else {
            forms = timeLeftForms(row.grant, at: now)
            switch row.grant.state {
            case .active: role = (row.grant.remaining(at: now) ?? 0) < 86_400 ? .warning : .normal
            case .awaitingProvisioning: role = .pending
            case .expired, .revoked: role = .dim
            case .failed: role = .denied
            }
        }
        let text = forms.first { CharacterWidth.of($0) <= width } ?? forms[forms.count - 1]
        return [Span(TextLayout.truncate(text, width: width, ellipsis: glyphs.ellipsis), role)]
    }

    /// What `Grant.timeLeftText` says, from the longest wording to the shortest.
    static func timeLeftForms(_ grant: Grant, at now: Date) -> [String] {
        switch grant.state {
        case .awaitingProvisioning: return ["starts at provisioning", "awaiting prov."]
        case .failed: return ["reported not granted", "not granted"]
        case .expired:
            let ended = grant.expiresAt ?? grant.endedAt ?? now
            return ["expired \(TimeSpan.ago(ended, now))", "expired \(TimeSpan.between(ended, now))", "expired"]
        case .revoked:
            let ended = grant.endedAt ?? now
            return ["revoked \(TimeSpan.ago(ended, now))", "revoked \(TimeSpan.between(ended, now))", "revoked"]
        case .active:
            guard let expiresAt = grant.expiresAt else { return ["active"] }
            if expiresAt <= now { return ["due to expire"] }
            if let startsAt = grant.startsAt, startsAt > now { return ["starts in \(TimeSpan.between(now, startsAt))"] }
            return ["\(TimeSpan.between(now, expiresAt)) left"]
        }
    }

    static let id = GrantColumn("ID", minimum: 10, priority: 9) { row, _, _, glyphs, width, _ in
        text(row.id, .normal, glyphs: glyphs, width: width)
    }
    static let subject = GrantColumn("Subject", minimum: 8, flex: 2, priority: 8) { row, _, _, glyphs, width, _ in
        text(row.terms.subject.name, row.terms.subject.kind.isHuman ? .normal : .riskMedium, glyphs: glyphs, width: width)
    }
    static let system = GrantColumn("System/env", minimum: 8, flex: 2, priority: 6) { row, _, _, glyphs, width, production in
        text("\(row.terms.system)/\(row.terms.environment)", production.contains(row.terms.environment) ? .riskHigh : .normal,
             glyphs: glyphs, width: width)
    }
    static let entitlement = GrantColumn("Entitlement", minimum: 8, flex: 2, priority: 3) { row, _, _, glyphs, width, _ in
        text(row.terms.entitlement, row.terms.access == .admin ? .riskHigh : .normal, glyphs: glyphs, width: width)
    }
    static let flags = GrantColumn("Flags", minimum: 16, flex: 4, priority: 9) { row, review, now, glyphs, width, _ in
        var spans = flagSpans(row.grant.flags(at: now).filter { flag in
            // A review line says when it is due in its first column.
            switch flag {
            case .reviewDue, .reviewOverdue: !review
            case .selfActivated, .provisioningFailed, .endedNotRemoved, .notProvisioned, .breakGlass: true
            }
        }, now: now, glyphs: glyphs)
        // Before everything else: none of the rest can be trusted of a grant whose history was forged.
        if !row.disputed.isEmpty {
            spans.insert(contentsOf: [Span("\(glyphs.denied) \(disputedText)", .error)] + (spans.isEmpty ? [] : [Span(", ", .dim)]), at: 0)
        }
        if !review, let words = reconciliationText(row.confirmation) {
            if !spans.isEmpty { spans.append(Span(", ", .dim)) }
            spans.append(Span(words, reconciliationRole(row.confirmation)))
        }
        if review, let reviewers = row.grant.incidentReview?.reviewers {
            if !spans.isEmpty { spans.append(Span(", ", .dim)) }
            spans.append(Span("by " + DisplaySafeText.line(reviewers, style: glyphs.textStyle), .normal))
        }
        return fitted(spans, width: width, glyphs: glyphs)
    }

    /// How a grant whose rows or history hold what signoff did not write is
    /// marked (and searched for); its detail names each.
    static let disputedText = "DISPUTED"

    /// How a grant reconciliation has not confirmed is marked (and searched
    /// for); nil for one it has.
    static func reconciliationText(_ confirmation: GrantConfirmation) -> String? {
        switch confirmation {
        case .confirmed, .removed: nil
        case .unchecked: "unreconciled"
        case .notSeen: "access NOT SEEN"
        case .stillPresent: "access STILL PRESENT"
        }
    }

    static func reconciliationRole(_ confirmation: GrantConfirmation) -> Role {
        switch confirmation {
        case .confirmed, .removed: .success
        case .unchecked: .pending
        case .notSeen: .warning
        case .stillPresent: .error
        }
    }

    static let all: [GrantColumn] = [when, id, subject, system, entitlement, flags]

    /// Core's flags in words, most urgent first; self-activation is unmistakable.
    static func flagSpans(_ flags: [GrantFlag], now: Date, glyphs: Glyphs) -> [Span] {
        func rank(_ flag: GrantFlag) -> Int {
            switch flag {
            case .selfActivated: 0
            case .reviewOverdue: 1
            case .provisioningFailed: 2
            case .endedNotRemoved: 3
            case .notProvisioned: 4
            case .reviewDue: 5
            case .breakGlass: 6
            }
        }
        var spans: [Span] = []
        for flag in flags.sorted(by: { rank($0) < rank($1) }) {
            if !spans.isEmpty { spans.append(Span(", ", .dim)) }
            spans.append(Span(flagText(flag, now: now, glyphs: glyphs), role(of: flag)))
        }
        return spans
    }

    static func flagText(_ flag: GrantFlag, now: Date, glyphs: Glyphs) -> String {
        switch flag {
        case .selfActivated, .breakGlass: "\(glyphs.breakGlass) \(flag.label(at: now))"
        case .reviewOverdue, .provisioningFailed, .endedNotRemoved, .notProvisioned, .reviewDue: flag.label(at: now)
        }
    }

    static func role(of flag: GrantFlag) -> Role {
        switch flag {
        case .breakGlass, .selfActivated: .breakGlass
        case .reviewOverdue, .provisioningFailed: .error
        case .endedNotRemoved, .notProvisioned: .warning
        case .reviewDue: .pending
        }
    }

    /// Spans cut to `width` columns, ending with an ellipsis when anything was cut.
    static func fitted(_ spans: [Span], width: Int, glyphs: Glyphs) -> [Span] {
        let total = spans.reduce(0) { $0 + CharacterWidth.of($1.text) }
        guard total > width else { return spans }
        let room = max(0, width - CharacterWidth.of(glyphs.ellipsis))
        var result = StyledLine.fitting(spans, width: room)
        result.append(Span(glyphs.ellipsis, result.last?.role ?? .dim))
        return result
    }
}
