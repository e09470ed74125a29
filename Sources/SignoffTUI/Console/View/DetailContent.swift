import Foundation
import SignoffCore

/// The detail of one request as lines: every structured field, risk cues, the
/// policy's explanation and the timeline. Built for a width, so long values
/// wrap inside the box instead of running past it.
enum DetailContent {
    /// The detail of whatever is selected: a request, or a grant followed by its request.
    static func lines(_ model: ConsoleModel, width: Int) -> [StyledLine] {
        if let finding = model.selectedFinding {
            return findingLines(finding, width: width, glyphs: model.glyphs, now: model.now)
        }
        if let (grant, asReview) = model.selectedGrant {
            var lines = grantLines(grant, asReview: asReview, width: width, glyphs: model.glyphs, now: model.now)
            var builder = Builder(width: width, glyphs: model.glyphs)
            builder.heading("Request")
            lines += builder.lines
            if let row = model.requestRow(of: grant) {
                lines += Self.lines(row: row, detail: model.details[row.id], error: model.detailErrors[row.id],
                                    width: width, glyphs: model.glyphs, production: model.production, now: model.now,
                                    everyRule: model.showsEveryRule)
            } else if let detail = model.details[grant.id] {
                lines += Self.lines(row: ConsoleRow(record: detail.record, mineNow: false), detail: detail, error: nil,
                                    width: width, glyphs: model.glyphs, production: model.production, now: model.now,
                                    everyRule: model.showsEveryRule)
            } else if let error = model.detailErrors[grant.id] {
                lines.append(StyledLine("\(model.glyphs.denied) details failed to load: "
                                        + "\(DisplaySafe.text(error, style: model.glyphs.textStyle)) (r reloads)", .error))
            } else {
                lines.append(StyledLine("loading details\(model.glyphs.ellipsis)", .placeholder))
            }
            return lines
        }
        guard let row = model.selectedRow else { return [] }
        return lines(row: row, detail: model.details[row.id], error: model.detailErrors[row.id], width: width,
                     glyphs: model.glyphs, production: model.production, now: model.now, everyRule: model.showsEveryRule)
    }

    /// What a grant allows now and what needs someone: state and time left,
    /// Core's flags, provisioning, how it ended, the post-incident review.
    static func grantLines(_ row: ConsoleGrantRow, asReview: Bool, width: Int, glyphs: Glyphs, now: Date) -> [StyledLine] {
        var builder = Builder(width: width, glyphs: glyphs)
        let grant = row.grant
        let state = glyphs.grant(grant.state)
        builder.heading(asReview ? "Post-incident review" : "Grant")
        if grant.selfActivated {
            builder.styled("Break-glass", [Span("\(glyphs.breakGlass) SELF-ACTIVATED by the requester, without an approver",
                                                .breakGlass)])
        } else if grant.terms.breakGlass {
            builder.styled("Break-glass", [Span("\(glyphs.breakGlass) BREAK-GLASS", .breakGlass)])
        }
        builder.styled("Grant", [Span(builder.safe(row.id), .value), Span(" \(glyphs.separator) ", .dim),
                                 Span("\(state.glyph) \(state.word)", state.role),
                                 Span(" \(glyphs.separator) \(grant.timeLeftText(at: now))", .dim)])
        let flags = grant.flags(at: now).filter { if case .breakGlass = $0 { false } else { true } }
        if !flags.isEmpty {
            for (index, flag) in GrantColumn.flagSpans(flags, now: now, glyphs: glyphs).filter({ $0.text != ", " }).enumerated() {
                builder.styled(index == 0 ? "Flags" : "", [flag])
            }
        }
        builder.field("Access", "\(grant.terms.entitlement) on \(grant.terms.system)/\(grant.terms.environment)",
                      prefix: "\(grant.terms.access.rawValue) ")
        builder.field("Subject", grant.terms.subject.name, prefix: grant.terms.subject.kind.label + " ")
        builder.field("Requester", grant.terms.requester)
        builder.styled("Approved", [Span("\(TimeText.absolute(grant.approvedAt)) by ", .dim)]
                       + builder.valueSpans(grant.approvers.joined(separator: ", ")))
        if let startsAt = grant.startsAt {
            let later = grant.expiresAt == nil ? ", or at provisioning if later" : ""
            builder.field("Starts", TimeText.absolute(startsAt) + later, trusted: true)
        }
        if let expiresAt = grant.expiresAt {
            builder.field("Expires", "\(TimeText.absolute(expiresAt)) (\(grant.duration) in all)", trusted: true)
        } else {
            let window = grant.status.endsBy.map { ", by \(TimeText.absolute($0)) at the latest" } ?? ""
            builder.field("Expires", "\(grant.duration) from provisioning\(window)", trusted: true)
        }
        var provisioning = "\(grant.provisioningAction.rawValue): \(grant.provisioning.rawValue.replacingOccurrences(of: "_", with: " "))"
        if let at = grant.provisioningAt { provisioning += " \(TimeText.absolute(at))" }
        builder.field("Provisioning", provisioning, trusted: true,
                      role: grant.provisioning == .failed ? .error : grant.provisioning == .done ? .value : .warning)
        if let note = grant.provisioningReason { builder.field("", note, prefix: "note: ") }
        if let endedAt = grant.endedAt {
            builder.styled("Ended", [Span("\(TimeText.absolute(endedAt)) by ", .dim)] + builder.valueSpans(grant.endedBy))
            if let reason = grant.endReason { builder.field("", reason, prefix: "why: ", block: true) }
        }
        if let review = grant.incidentReview {
            let overdue = review.isOverdue(at: now)
            var spans = [Span("by ", .dim)] + builder.valueSpans(review.reviewers)
            if review.isCompleted {
                spans.append(Span(" \(glyphs.separator) completed", .approved))
            } else {
                spans.append(Span(" \(glyphs.separator) due \(TimeText.absolute(review.dueAt))", overdue ? .error : .pending))
                if overdue { spans.append(Span(" OVERDUE \(TimeSpan.ago(review.dueAt, now))", .error)) }
            }
            builder.styled("Review", spans)
            if review.isCompleted {
                builder.styled("", [Span("by ", .dim)] + builder.valueSpans(review.completedBy))
                if let rationale = review.rationale { builder.field("", rationale, prefix: "why: ", block: true) }
            }
        }
        builder.field("Reconciled", row.confirmation.sentence(row.reconciliation, time: TimeText.absolute), trusted: true,
                      role: GrantColumn.reconciliationRole(row.confirmation))
        builder.field("Yours", row.responsible ? "one of your people or your systems" : "not your people or systems",
                      trusted: true, role: row.responsible ? .success : .dim)
        return builder.lines
    }

    /// What reconciliation found and the evidence behind it: the kind and
    /// what differs, the identity and who answers for it, where, the grant it
    /// concerns, when it was first and last seen, its exception, and each
    /// record of the export. Everything from the export is display-safe.
    static func findingLines(_ finding: ConsoleFindingRow, width: Int, glyphs: Glyphs, now: Date) -> [StyledLine] {
        var builder = Builder(width: width, glyphs: glyphs)
        builder.heading("Finding")
        builder.styled("Finding", [Span(builder.safe(finding.id), .value), Span(" \(glyphs.separator) ", .dim),
                                   Span(finding.kind.label, FindingColumn.role(of: finding.kind))])
        builder.field("What", finding.summary, block: true)
        builder.field("Subject", finding.subject, prefix: finding.subjectKind.replacingOccurrences(of: "_", with: " ") + " ")
        if let owner = finding.owner {
            builder.field("Owner", owner)
        } else {
            builder.field("Owner", "nobody answers for it", trusted: true, role: .error)
        }
        builder.field("Where", "\(finding.system)/\(finding.environment)" + (finding.scope.isEmpty ? "" : " \(finding.scope)"))
        if let entitlement = finding.entitlement { builder.field("Entitlement", entitlement) }
        if let request = finding.requestID { builder.field("Grant", request) }
        if let credential = finding.credentialID { builder.field("Credential", credential) }
        builder.field("First seen", "\(TimeText.absolute(finding.firstSeenAt)) (run \(finding.firstRun))", trusted: true)
        builder.field("Last seen", "\(TimeText.absolute(finding.lastSeenAt)) (run \(finding.lastRun))", trusted: true)
        if let exception = finding.exception {
            let inForce = exception.inForce(at: now)
            builder.styled("Exception", [Span(inForce ? "until \(TimeText.absolute(exception.until))"
                                                      : "ENDED \(TimeSpan.ago(exception.until, now))", inForce ? .pending : .error),
                                         Span(", by ", .dim)] + builder.valueSpans(exception.by))
            builder.field("", exception.rationale, prefix: "why: ", block: true)
        }
        if let request = finding.linkedRequest { builder.field("Requested as", request) }
        if let removal = finding.removal {
            let state = switch removal.handOff {
            case .pending: "removal requested, hand-off pending"
            case .handedOff: "removal requested, handed off"
            case .done: "removal requested, done"
            case .failed: "removal requested, hand-off FAILED"
            }
            builder.styled("Removal", [Span(state, removal.handOff == .failed ? .error : .pending), Span(", by ", .dim)]
                           + builder.valueSpans(removal.by))
            builder.field("", removal.rationale, prefix: "why: ", block: true)
        }
        builder.field("Yours", finding.responsible ? "on one of your systems, or one of your people" : "not your systems or people",
                      trusted: true, role: finding.responsible ? .success : .dim)
        builder.heading("Evidence \(glyphs.separator) \(finding.evidence.count) record\(finding.evidence.count == 1 ? "" : "s")")
        for record in finding.evidence {
            // The time as a value, whole: a label column would cut it.
            builder.field("Observed", TimeText.absolute(record.observedAt), trusted: true, role: .dim)
            builder.field("", record.text)
            builder.field("", record.sourceID, prefix: "source: ", role: .dim)
        }
        return builder.lines
    }

    static func lines(row: ConsoleRow, detail: ConsoleDetail?, error: String?, width: Int, glyphs: Glyphs,
                      production: ProductionEnvironments, now: Date, everyRule: Bool = false) -> [StyledLine] {
        var builder = Builder(width: width, glyphs: glyphs)
        guard let detail else {
            builder.field("Request", row.id)
            builder.field("Subject", "\(row.subjectKind.label) \(row.subjectName)")
            builder.field("Entitlement", row.entitlement)
            if let error {
                // An error may quote what the store holds: made safe like any other value.
                builder.plain("\(glyphs.denied) details failed to load: \(DisplaySafe.text(error, style: glyphs.textStyle)) (r reloads)",
                              role: .error)
            } else {
                builder.plain("loading details\(glyphs.ellipsis)", role: .placeholder)
            }
            return builder.lines
        }
        let record = detail.record
        let request = record.request
        let state = glyphs.state(record.state)

        let cues = RiskCue.cues(for: request, maximumDuration: detail.maximumDuration, production: production)
        for (index, cue) in cues.enumerated() {
            let glyph = cue.role == .breakGlass ? glyphs.breakGlass : glyphs.risk
            builder.styled(index == 0 ? "Risk" : "", [Span("\(glyph) \(cue.text)", cue.role)])
        }
        if !detail.disputed.isEmpty {
            builder.field("DISPUTED", "its rows or history hold what signoff did not write (the store was changed by hand); "
                          + "no access is given or extended on edited rows, and the hand-off provisions no disputed grant", trusted: true, role: .error)
            for problem in detail.disputed { builder.field("", problem, role: .error) }
        }
        builder.styled("Request", [Span(builder.safe(record.id), .value), Span(" \(glyphs.separator) ", .dim),
                                   Span("\(state.glyph) \(state.word)", state.role),
                                   Span(" \(glyphs.separator) version \(record.version)", .dim)])
        if let extending = detail.extending, let text = ConsoleModel.extensionText(extending, request: request, now: now, glyphs: glyphs) {
            builder.field("Extends", text.sentence, role: text.denied ? .error : .warning)
        }
        builder.field("Subject", request.subject.name, prefix: request.subject.kind.label + " ")
        builder.field("Owner", request.subject.owner)
        builder.field("System", request.system)
        builder.field("Environment", request.environment,
                      role: production.contains(request.environment) ? .riskHigh : .value)
        builder.field("Entitlement", request.entitlement)
        builder.field("Scope", request.scope)
        builder.field("Access", request.access.rawValue, role: request.access == .admin ? .riskHigh : .value)
        var duration = request.duration.description
        if let maximum = detail.maximumDuration { duration += " (policy maximum \(maximum))" }
        if let start = request.start { duration += ", from \(TimeText.absolute(start))" }
        if let end = request.end { duration += " until \(TimeText.absolute(end))" }
        builder.field("Duration", duration, trusted: true)
        builder.field("Purpose", request.purpose, block: true)
        builder.field("Triggers", request.revocationTriggers.isEmpty ? nil
                      : request.revocationTriggers.map { "\($0.name) \($0.ref)" }.joined(separator: "; "))
        builder.field("Ticket", request.ticket)
        if request.breakGlass {
            builder.styled("Break-glass", [Span("\(glyphs.breakGlass) BREAK-GLASS", .breakGlass),
                                           Span(" incident ", .dim)] + builder.valueSpans(request.incident))
        } else {
            builder.field("Break-glass", "no", trusted: true)
        }
        builder.field("Labels", request.labels.isEmpty ? nil
                      : request.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))
        builder.field("Notes", request.notes, block: true)
        builder.field("Requester", record.requester)
        let submitter = record.submittedBy
        builder.styled("Submitted", [Span("by ", .dim)] + builder.valueSpans(submitter.name)
                       + [Span(" (\(identified(submitter.authentication)))",
                               submitter.authentication == .asserted ? .asserted : .dim),
                          Span(" \(TimeText.absolute(record.submittedAt)), \(TimeText.age(of: record.submittedAt, now: now)) ago", .dim)])
        if let decision = record.decision {
            let decided = glyphs.state(decision.state)
            var spans = [Span("\(decided.glyph) \(decided.word)", decided.role)]
            if decision.isSelfActivated { spans.append(Span(" \(glyphs.breakGlass) SELF-ACTIVATED", .breakGlass)) }
            spans.append(Span(" \(TimeText.absolute(decision.at)) by ", .dim))
            builder.styled("Decision", spans + builder.valueSpans(decision.by.joined(separator: ", ")))
            builder.field("Reason", decision.reason, block: true)
        }

        policy(detail, everyRule: everyRule, into: &builder)

        builder.heading("Timeline")
        if detail.timeline.isEmpty { builder.plain("no events", role: .placeholder) }
        for entry in detail.timeline {
            let actor = entry.actor.authentication == .asserted ? "\(entry.actor.name) (asserted)" : entry.actor.name
            builder.wrapped(TimeText.absolute(entry.at) + " ", "\(actor): \(entry.summary)", role: .normal)
        }
        return builder.lines
    }

    private static func identified(_ authentication: Authentication) -> String {
        switch authentication {
        case .osAccount: "operating-system account"
        case .postgresqlRole: "PostgreSQL role"
        case .asserted: "ASSERTED identity"
        case .policy: "policy"
        case .system: "signoff"
        }
    }

    /// What the approver needs first: whether they may decide and for which
    /// step, what each step still needs and from whom, the rule that routed
    /// it; the rules that did not match come last, folded unless `everyRule`.
    private static func policy(_ detail: ConsoleDetail, everyRule: Bool, into builder: inout Builder) {
        let glyphs = builder.glyphs
        builder.heading("Policy")
        mine(detail, into: &builder)
        guard let explanation = detail.explanation else {
            builder.field("Route", detail.record.route?.summary ?? "not routed yet")
            return
        }
        builder.field("Outcome", explanation.outcome.summary, block: true)
        for (index, step) in explanation.steps.enumerated() {
            let progress = detail.progress.first { $0.step == step.step }
            let approved = progress?.approvedBy ?? []
            let missing = progress?.missing ?? step.step.required
            var spans = builder.valueSpans(step.step.name)
                + [Span(" \(glyphs.separator) \(approved.count) of \(step.step.required) approvals",
                        missing == 0 ? .approved : .pending)]
            if missing > 0 { spans.append(Span(", needs \(missing) more", .pending)) }
            if detail.myStep == index { spans.append(Span(" \(glyphs.separator) \(glyphs.mine) yours", .success)) }
            builder.styled("Step \(index + 1)", spans)
            if !approved.isEmpty { builder.field("", approved.joined(separator: ", "), prefix: "approved by ") }
            for candidate in step.candidates {
                let mark = candidate.eligible ? glyphs.eligible : glyphs.notEligible
                builder.wrapped("  \(mark) ", "\(candidate.name): \(candidate.eligible ? "eligible" : "not eligible"), \(candidate.reason)",
                                role: candidate.eligible ? .normal : .dim, indent: builder.labelWidth)
            }
        }
        func trace(_ label: String, _ trace: RuleTrace, deny: Bool) {
            let mark = trace.matched ? (deny ? "\(glyphs.denied) matched " : "\(glyphs.approved) matched ")
                                     : (deny ? "\(glyphs.separator) not matched " : "\(glyphs.separator) skipped ")
            builder.styled(label, [Span(mark, trace.matched ? (deny ? .denied : .approved) : .dim)]
                           + builder.valueSpans("\(trace.rule): \(trace.detail)"))
        }
        for rule in explanation.denyRules where rule.matched { trace("Deny rule", rule, deny: true) }
        for rule in explanation.routeRules where rule.matched { trace("Route rule", rule, deny: false) }
        builder.field("Version", String(explanation.policyVersion.prefix(12)))
        let denies = explanation.denyRules.filter { !$0.matched }
        let routes = explanation.routeRules.filter { !$0.matched }
        guard !denies.isEmpty || !routes.isEmpty else { return }
        if everyRule {
            for rule in denies { trace("Deny rule", rule, deny: true) }
            for rule in routes { trace("Route rule", rule, deny: false) }
        } else {
            let counted = [(denies.count, "deny rule"), (routes.count, "route rule")].filter { $0.0 > 0 }
                .map { "\($0.0) \($0.1)\($0.0 == 1 ? "" : "s")" }.joined(separator: ", ")
            builder.styled("Not matched", [Span("\(counted) \(glyphs.separator) ", .dim), Span("e", .footerKey),
                                           Span(" shows them", .dim)])
        }
    }

    private static func mine(_ detail: ConsoleDetail, into builder: inout Builder) {
        let glyphs = builder.glyphs
        if detail.mayDecide {
            var spans = [Span("\(glyphs.mine) you may decide this request now", .success)]
            if let index = detail.myStep, index < detail.progress.count {
                spans.append(Span(" \(glyphs.separator) your approval counts for step \(index + 1)", .success))
            }
            builder.styled("You", spans)
            if let why = detail.whyMay { builder.field("", why, prefix: "because: ", role: .normal) }
        } else if detail.mayDeny {
            builder.styled("You", [Span("\(glyphs.notEligible) you may deny this request, not approve it: ", .normal)]
                           + builder.valueSpans(detail.whyNot ?? "your approval would count for no step"))
        } else {
            builder.styled("You", [Span("\(glyphs.notEligible) you may not decide: ", .dim)]
                           + builder.valueSpans(detail.whyNot ?? "not an eligible approver"))
        }
    }

    /// Accumulates label/value lines at one width.
    struct Builder {
        let width: Int
        let glyphs: Glyphs
        let labelWidth: Int
        /// How labels are drawn (the help screen draws keys as keys).
        var labelRole: Role = .label
        var lines: [StyledLine] = []

        init(width: Int, glyphs: Glyphs) {
            self.init(width: width, glyphs: glyphs, labelWidth: width >= 36 ? 13 : max(0, min(13, width / 3)))
        }

        init(width: Int, glyphs: Glyphs, labelWidth: Int) {
            self.width = width
            self.glyphs = glyphs
            self.labelWidth = labelWidth
        }

        var valueWidth: Int { max(1, width - labelWidth) }

        func safe(_ raw: String) -> String { DisplaySafe.text(raw, style: glyphs.textStyle) }

        /// Spans for an untrusted value on a line that already has other spans.
        func valueSpans(_ raw: String?) -> [Span] {
            guard let raw, !raw.isEmpty else { return [Span(glyphs.none, .placeholder)] }
            return [Span(safe(raw), .value)]
        }

        func label(_ text: String) -> Span {
            Span(TextLayout.pad(TextLayout.truncate(text, width: max(0, labelWidth - 1), ellipsis: glyphs.ellipsis), width: labelWidth), labelRole)
        }

        mutating func heading(_ title: String) {
            let rule = String(repeating: glyphs.horizontal, count: 2)
            let tail = String(repeating: glyphs.horizontal, count: max(0, width - CharacterWidth.of(title) - 4))
            lines.append(StyledLine([Span("\(rule) \(title) \(tail)", .header)]))
        }

        mutating func plain(_ text: String, role: Role) {
            for line in TextLayout.wrap(text, width: width) { lines.append(StyledLine(line, role)) }
        }

        /// A labelled untrusted value, wrapped under its label; `block` keeps its newlines.
        mutating func field(_ name: String, _ raw: String?, prefix: String = "", block: Bool = false,
                            trusted: Bool = false, role: Role = .value) {
            guard let raw, !raw.isEmpty else {
                lines.append(StyledLine([label(name), Span(glyphs.none, .placeholder)]))
                return
            }
            let text = trusted ? raw : DisplaySafe.text(raw, style: glyphs.textStyle, keepNewlines: block)
            let wrapped = TextLayout.wrap(prefix + text, width: valueWidth)
            for (index, line) in wrapped.enumerated() {
                lines.append(StyledLine([index == 0 ? label(name) : label(""), Span(line, role)]))
            }
        }

        /// A labelled line of spans that wraps as plain text when too wide.
        mutating func styled(_ name: String, _ spans: [Span]) {
            let total = spans.reduce(0) { $0 + CharacterWidth.of($1.text) }
            if total <= valueWidth {
                lines.append(StyledLine([label(name)] + spans))
                return
            }
            // Too wide for one line: break the text at spaces where possible (by
            // columns where a word is longer than a line), as one text: where two
            // spans meet without a space, they meet within a word. Each piece keeps
            // its span's role, found by UTF-8 offset.
            let text = spans.map(\.text).joined()
            var ends: [Int] = [], offset = 0
            for span in spans {
                offset += span.text.utf8.count
                ends.append(offset)
            }
            func pieces(_ range: Range<Int>) -> [Span] {
                var result: [Span] = [], start = 0
                for (index, span) in spans.enumerated() {
                    defer { start = ends[index] }
                    let from = max(range.lowerBound, start), to = min(range.upperBound, ends[index])
                    guard from < to else { continue }
                    let bytes = Array(span.text.utf8)[(from - start)..<(to - start)]
                    result.append(Span(String(decoding: bytes, as: UTF8.self), span.role))
                }
                return result
            }
            var rest = Substring(text), first = true
            while !rest.isEmpty {
                // A continuation line does not start with the space it broke at.
                if !first, rest.first == " " {
                    rest = rest.drop { $0 == " " }
                    continue
                }
                var (head, tail) = TextLayout.splitAtWord(rest, width: valueWidth, lineIsEmpty: true)
                // Not even one character fits: take one and let the grid clip it.
                if head.isEmpty { (head, tail) = (String(rest.prefix(1)), rest.dropFirst()) }
                let from = text.utf8.distance(from: text.startIndex, to: rest.startIndex)
                lines.append(StyledLine([label(first ? name : "")] + pieces(from..<(from + head.utf8.count))))
                rest = tail
                first = false
            }
        }

        /// A prefix followed by untrusted text wrapped with a hanging indent.
        mutating func wrapped(_ prefix: String, _ raw: String, role: Role, indent: Int = 0) {
            let safeText = safe(raw)
            let hang = indent + CharacterWidth.of(prefix)
            let pieces = TextLayout.wrap(safeText, width: max(1, width - hang))
            for (index, piece) in pieces.enumerated() {
                let lead = index == 0 ? String(repeating: " ", count: indent) + prefix : String(repeating: " ", count: hang)
                lines.append(StyledLine([Span(lead, .dim), Span(piece, role)]))
            }
        }
    }
}
