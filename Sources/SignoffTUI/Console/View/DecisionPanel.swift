import Foundation
import SignoffCore

/// The decision panel and its confirmation screen. Both restate exactly what is
/// being decided, from the copy taken when the panel opened.
enum DecisionPanel {
    static func frame(in body: Rect, preferredHeight: Int) -> Rect {
        let width = min(body.width, 90)
        let height = min(body.height, preferredHeight)
        return Rect(x: body.x + (body.width - width) / 2, y: body.y + (body.height - height) / 2,
                    width: width, height: height)
    }

    /// What is being decided, one fact per line, most important first.
    /// The panel's title words and role.
    static func title(_ draft: DecisionDraft) -> (String, Role) {
        switch draft.action {
        case .decide(.approve): ("Approve", .approved)
        case .decide(.deny): ("Deny", .denied)
        case .grant(.revoke): ("Revoke the grant of", .denied)
        case .grant(.completeIncidentReview): ("Complete the post-incident review of", .approved)
        }
    }

    static func restatement(_ draft: DecisionDraft, width: Int, glyphs: Glyphs, maximumDuration: TimeSpan?,
                            now: Date) -> [StyledLine] {
        let request = draft.request
        func safe(_ raw: String) -> String { TextLayout.fit(raw, width: width, glyphs: glyphs) }
        let verb: String
        switch draft.action {
        case .decide(.approve): verb = "APPROVE"
        case .decide(.deny): verb = "DENY"
        case .grant(.revoke): verb = "REVOKE access of"
        case .grant(.completeIncidentReview): verb = "REVIEWED: emergency access of"
        }
        let verbRole = title(draft).1
        var lines = [
            StyledLine([Span("\(verb) ", verbRole), Span(request.subject.kind.label + " ", .label),
                        Span(safe(request.subject.name), .value)]),
        ]
        if !request.purpose.isEmpty { lines += labelled("purpose ", request.purpose, width: width, glyphs: glyphs) }
        if let requester = request.requester {
            lines.append(StyledLine([Span("requested by ", .label), Span(safe(requester), .value)]))
        }
        lines += [
            StyledLine([Span("entitlement ", .label), Span(safe(request.entitlement), .value)]),
            StyledLine([Span("on ", .label), Span(safe(request.system), .value), Span(" / ", .dim),
                        Span(safe(request.environment), RiskCue.isProduction(request.environment) ? .riskHigh : .value)]),
            StyledLine([Span("scope ", .label), Span(request.scope.map(safe) ?? glyphs.none, .value),
                        Span(" \(glyphs.separator) access ", .label),
                        Span(request.access.rawValue, request.access == .admin ? .riskHigh : .value),
                        Span(" \(glyphs.separator) for ", .label), Span(request.duration.description, .value)]),
        ]
        if draft.grant == nil {
            // Whose the identity is, what the request answers to, and what ends the access early.
            var spans = [Span("owner ", .label), Span(safe(request.subject.owner), .value)]
            if let ticket = request.ticket { spans += [Span(" \(glyphs.separator) ticket ", .label), Span(safe(ticket), .value)] }
            if let incident = request.incident { spans += [Span(" \(glyphs.separator) incident ", .label), Span(safe(incident), .breakGlass)] }
            lines.append(StyledLine(spans))
            if !request.revocationTriggers.isEmpty {
                let triggers = request.revocationTriggers.map { "\($0.name) \($0.ref)" }.joined(separator: ", ")
                lines += labelled("revoked when ", triggers, width: width, glyphs: glyphs)
            }
        }
        if let step = draft.step { lines += labelled("step ", step, width: width, glyphs: glyphs) }
        if let grant = draft.grant {
            var spans = [Span("now ", .label), Span(grant.timeLeftText(at: now), .value)]
            if let review = grant.incidentReview, draft.grantAction == .completeIncidentReview {
                spans += [Span(" \(glyphs.separator) review by ", .label), Span(safe(review.reviewers), .value),
                          Span(review.isOverdue(at: now) ? " OVERDUE \(TimeSpan.ago(review.dueAt, now))"
                                                         : " due in \(TimeSpan.between(now, review.dueAt))",
                               review.isOverdue(at: now) ? .error : .pending)]
            }
            lines.append(StyledLine(spans))
        }
        // A grant's length was settled at approval; only a decision weighs it against the maximum.
        let cues = RiskCue.cues(for: request, maximumDuration: draft.grant == nil ? maximumDuration : nil)
        if draft.grant?.selfActivated == true {
            lines.append(StyledLine("\(glyphs.breakGlass) SELF-ACTIVATED: nobody approved this access", .breakGlass))
        }
        if !cues.isEmpty {
            var spans: [Span] = []
            for cue in cues {
                let glyph = cue.role == .breakGlass ? glyphs.breakGlass : glyphs.risk
                spans.append(Span("\(glyph) \(cue.text)  ", cue.role))
            }
            lines.append(StyledLine(spans))
        }
        return lines
    }

    /// Untrusted `raw` under a label, on at most two lines; the detail has the rest.
    static func labelled(_ label: String, _ raw: String, width: Int, glyphs: Glyphs) -> [StyledLine] {
        let indent = CharacterWidth.of(label)
        let room = max(1, width - indent)
        let text = DisplaySafe.text(String(raw.prefix(room * 3)), style: glyphs.textStyle)
        let wrapped = TextLayout.wrap(text, width: room)
        return wrapped.prefix(2).enumerated().map { index, piece in
            let cut = index == 1 && (wrapped.count > 2 || raw.count > room * 3)
            return StyledLine([Span(index == 0 ? label : String(repeating: " ", count: indent), .label),
                               Span(cut ? TextLayout.truncate(piece, width: room, ellipsis: glyphs.ellipsis, forceEllipsis: true)
                                        : piece, .value)])
        }
    }

    static func draw(_ draft: DecisionDraft, submitting: Bool, model: ConsoleModel, body: Rect, glyphs: Glyphs,
                     into grid: inout Grid) {
        let rect = frame(in: body, preferredHeight: 22)
        grid.fill(x: rect.x, y: rect.y, width: rect.width, height: rect.height, role: .normal)
        let (verb, verbRole) = title(draft)
        grid.box(rect, title: [Span("\(verb) \(TextLayout.fit(draft.id, width: 24, glyphs: glyphs))", verbRole)],
                 glyphs: glyphs)
        let inner = rect.inner
        guard inner.width > 0, inner.height > 0 else { return }

        var notices: [StyledLine] = []
        if draft.changedUnderneath {
            notices.append(StyledLine("\(glyphs.breakGlass) \(draft.id) changed since you opened this; submitting will be refused. Esc, then look again.", .warning))
        }
        if let problem = draft.problem {
            notices.append(StyledLine("\(glyphs.denied) " + DisplaySafe.text(problem, style: glyphs.textStyle), .error))
        }
        let length = draft.rationaleLength
        let minimum = model.minimumRationale
        let enough = length >= minimum
        let counter = StyledLine([Span("Rationale ", .label),
                                  Span("\(length)/\(minimum) \(enough ? glyphs.approved : "needs \(minimum - length) more")",
                                       enough ? .success : .warning),
                                  Span(" (Enter = new line)", .dim)])
        let hint: StyledLine = submitting
            ? StyledLine("recording\(glyphs.ellipsis)", .pending)
            : StyledLine(Footer.hints(model, context: .decision))

        // Space: restatement first, then notices, counter, at least one editor line, the hint.
        var restatement = restatement(draft, width: inner.width, glyphs: glyphs,
                                      maximumDuration: model.details[draft.id]?.maximumDuration, now: model.now)
        let fixed = notices.count + 2
        let editorMinimum = 1
        let room = max(0, inner.height - fixed - editorMinimum)
        if restatement.count > room { restatement = Array(restatement.prefix(room)) }
        var lines = restatement + notices.flatMap { wrapLine($0, width: inner.width) } + [counter]
        let editorHeight = max(0, inner.height - lines.count - 1)
        let text = DisplaySafe.text(draft.rationale, style: glyphs.textStyle, keepNewlines: true)
        var editor = TextLayout.wrap(text + (submitting ? "" : glyphs.cursor), width: max(1, inner.width - 2))
        if editor.count > editorHeight { editor = Array(editor.suffix(editorHeight)) }
        while editor.count < editorHeight { editor.append("") }
        lines += editor.map { StyledLine([Span("  ", .dim), Span($0, .input)]) }
        lines.append(hint)
        for (offset, line) in lines.prefix(inner.height).enumerated() {
            grid.draw(line, x: inner.x, y: inner.y + offset, width: inner.width)
        }
    }

    /// The confirmation of a risky approval: its restatement, whole, in a
    /// panel of `body`. Nothing that high is confirmed against terms the
    /// approver could not see: where the whole restatement does not fit,
    /// `shortBy` says how many rows more the terminal needs, and no `yes`
    /// is taken (`KeyMap.confirmBlocker`).
    struct Confirmation {
        var rect: Rect
        var head: [StyledLine]
        var shortBy: Int
        static let tailHeight = 3

        init(_ draft: DecisionDraft, body: Rect, model: ConsoleModel, glyphs: Glyphs) {
            let width = min(body.width, 90)
            head = restatement(draft, width: max(0, width - 2), glyphs: glyphs,
                               maximumDuration: model.details[draft.id]?.maximumDuration, now: model.now)
            let needed = head.count + Self.tailHeight + 2
            shortBy = max(0, needed - body.height)
            rect = frame(in: body, preferredHeight: needed)
        }

        init(_ draft: DecisionDraft, model: ConsoleModel) {
            self.init(draft, body: ConsoleLayout(size: model.size, focus: model.focus).body, model: model, glyphs: model.glyphs)
        }
    }

    static func drawConfirmation(_ draft: DecisionDraft, typed: String, body: Rect, model: ConsoleModel,
                                 glyphs: Glyphs, into grid: inout Grid) {
        let confirmation = Confirmation(draft, body: body, model: model, glyphs: glyphs)
        let rect = confirmation.rect
        grid.fill(x: rect.x, y: rect.y, width: rect.width, height: rect.height, role: .normal)
        grid.box(rect, title: [Span("\(glyphs.breakGlass) Confirm \(draft.confirmationReason) approval", .riskHigh)],
                 glyphs: glyphs, borderRole: .riskHigh)
        let inner = rect.inner
        guard inner.width > 0, inner.height > 0 else { return }
        let tail: [StyledLine]
        var head = confirmation.head
        if confirmation.shortBy > 0 {
            // Room for the warning: it replaces the prompt, and as much of the restatement as it needs.
            let warning = wrapLine(StyledLine("\(glyphs.risk) Not all of what you approve fits: make the terminal "
                                              + "\(confirmation.shortBy) row\(confirmation.shortBy == 1 ? "" : "s") taller "
                                              + "(or wider) to confirm it, or Esc.", .error), width: inner.width)
            tail = warning + [StyledLine(Footer.hints(model, context: .confirm))]
        } else {
            tail = [
                StyledLine("Type yes, then Enter, to record it.", .warning),
                StyledLine([Span("> ", .label), Span(DisplaySafe.text(typed, style: glyphs.textStyle) + glyphs.cursor, .input)]),
                StyledLine(Footer.hints(model, context: .confirm)),
            ]
        }
        head = Array(head.prefix(max(0, inner.height - tail.count)))
        for (offset, line) in (head + tail).prefix(inner.height).enumerated() {
            grid.draw(line, x: inner.x, y: inner.y + offset, width: inner.width)
        }
    }

    private static func wrapLine(_ line: StyledLine, width: Int) -> [StyledLine] {
        let role = line.spans.first?.role ?? .normal
        return TextLayout.wrap(line.plainText, width: width).map { StyledLine($0, role) }
    }
}
