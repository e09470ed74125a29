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
                            production: ProductionEnvironments, now: Date) -> [StyledLine] {
        let request = draft.request
        let verb: String
        switch draft.action {
        case .decide(.approve): verb = "APPROVE"
        case .decide(.deny): verb = "DENY"
        case .grant(.revoke): verb = "REVOKE access of"
        case .grant(.completeIncidentReview): verb = "REVIEWED: emergency access of"
        }
        let verbRole = title(draft).1
        func line(_ terms: [Term]) -> StyledLine { sharing(terms, width: width, glyphs: glyphs) }
        var lines = [
            line([Term("\(verb) ", role: verbRole), Term(request.subject.kind.label + " "), Term(value: request.subject.name)]),
        ]
        if !request.purpose.isEmpty { lines += labelled("purpose ", request.purpose, width: width, glyphs: glyphs) }
        if let requester = request.requester { lines.append(line([Term("requested by "), Term(value: requester)])) }
        let environmentRole: Role = production.contains(request.environment) ? .riskHigh : .value
        lines += [
            line([Term("entitlement "), Term(value: request.entitlement)]),
            line([Term("on "), Term(value: request.system), Term(" / ", role: .dim), Term(value: request.environment, role: environmentRole)]),
            line([Term("scope "), Term(value: request.scope ?? glyphs.none), Term(" \(glyphs.separator) access "),
                  Term(value: request.access.rawValue, role: request.access == .admin ? .riskHigh : .value),
                  Term(" \(glyphs.separator) for "), Term(value: request.duration.description)]),
        ]
        if draft.grant == nil {
            // When the access may be used, where the request names it: "for 8h" alone reads as from now.
            var window: [Term] = []
            if let start = request.start { window += [Term("from "), Term(value: TimeText.absolute(start))] }
            if let end = request.end { window += [Term(window.isEmpty ? "until " : " until "), Term(value: TimeText.absolute(end))] }
            if !window.isEmpty { lines.append(line(window)) }
            // Whose the identity is, what the request answers to, and what ends the access early.
            var terms = [Term("owner "), Term(value: request.subject.owner)]
            if let ticket = request.ticket { terms += [Term(" \(glyphs.separator) ticket "), Term(value: ticket)] }
            if let incident = request.incident { terms += [Term(" \(glyphs.separator) incident "), Term(value: incident, role: .breakGlass)] }
            lines.append(line(terms))
            if !request.revocationTriggers.isEmpty {
                let triggers = request.revocationTriggers.map { "\($0.name) \($0.ref)" }.joined(separator: ", ")
                lines += labelled("revoked when ", triggers, width: width, glyphs: glyphs)
            }
        }
        if let extending = draft.extending { lines += labelled("EXTENSION ", extending, width: width, glyphs: glyphs) }
        if let step = draft.step { lines += labelled("step ", step, width: width, glyphs: glyphs) }
        if let grant = draft.grant {
            var terms = [Term("now "), Term(value: grant.timeLeftText(at: now))]
            if let review = grant.incidentReview, draft.grantAction == .completeIncidentReview {
                terms += [Term(" \(glyphs.separator) review by "), Term(value: review.reviewers),
                          Term(review.isOverdue(at: now) ? " OVERDUE \(TimeSpan.ago(review.dueAt, now))"
                                                         : " due in \(TimeSpan.between(now, review.dueAt))",
                               role: review.isOverdue(at: now) ? .error : .pending)]
            }
            lines.append(line(terms))
        }
        // A grant's length was settled at approval; only a decision weighs it against the maximum.
        let cues = RiskCue.cues(for: request, maximumDuration: draft.grant == nil ? maximumDuration : nil, production: production)
        if draft.grant?.selfActivated == true {
            lines.append(StyledLine("\(glyphs.breakGlass) SELF-ACTIVATED: nobody approved this access", .breakGlass))
        }
        if !cues.isEmpty {
            // As many cues to a line as fit the panel: one past its edge would be cut where nobody sees it.
            var spans: [Span] = [], used = 0
            for cue in cues {
                let glyph = cue.role == .breakGlass ? glyphs.breakGlass : glyphs.risk
                let text = "\(glyph) \(cue.text)"
                let cells = CharacterWidth.of(text)
                if used > 0, used + cells > width {
                    lines.append(StyledLine(spans))
                    spans = []
                    used = 0
                }
                spans += StyledLine.fitting([Span(text + "  ", cue.role)], width: width - used)
                used += cells + 2
            }
            lines.append(StyledLine(spans))
        }
        return lines
    }

    /// One piece of a restatement line: a label of signoff's own, shown
    /// whole, or an untrusted value, made display-safe and fitted.
    struct Term {
        var text: String
        var role: Role
        var isValue: Bool
        init(_ label: String, role: Role = .label) { text = label; self.role = role; isValue = false }
        init(value: String, role: Role = .value) { text = value; self.role = role; isValue = true }
    }

    /// `terms` on one line of `width`, every one of them visible: the labels
    /// whole, and the values sharing the room left, each cut (with an
    /// ellipsis in its middle, so that its end shows) only as far as it
    /// must be. A long value never pushes the terms after it off the line.
    static func sharing(_ terms: [Term], width: Int, glyphs: Glyphs) -> StyledLine {
        let safe = terms.map { $0.isValue ? DisplaySafeText.line($0.text, style: glyphs.textStyle) : $0.text }
        let labels = terms.indices.filter { !terms[$0].isValue }.reduce(0) { $0 + CharacterWidth.of(safe[$1]) }
        var room = max(0, width - labels)
        // Shortest values first: each takes what it needs, up to a fair share of what is left.
        var widths = Array(repeating: 0, count: terms.count)
        var waiting = terms.indices.filter { terms[$0].isValue }.sorted { CharacterWidth.of(safe[$0]) < CharacterWidth.of(safe[$1]) }
        while let index = waiting.first {
            let share = room / waiting.count
            widths[index] = min(CharacterWidth.of(safe[index]), max(share, 1))
            room = max(0, room - widths[index])
            waiting.removeFirst()
        }
        return StyledLine(terms.indices.map { index in
            guard terms[index].isValue else { return Span(safe[index], terms[index].role) }
            // Cut in the middle: names that share a start differ at their end.
            return Span(TextLayout.truncateMiddle(safe[index], width: widths[index], ellipsis: glyphs.ellipsis), terms[index].role)
        })
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

    /// The decision panel in `body`: its frame, the restatement and notices
    /// it shows above the rationale, and `shortBy`, how many rows more the
    /// terminal needs to show the whole restatement. Nothing is submitted
    /// while any of it is off screen (`KeyMap.submitBlocker`): a decision is
    /// made on exactly what the panel restates, as the confirmation's is.
    struct Layout {
        var rect: Rect
        var restatement: [StyledLine]
        var notices: [StyledLine]
        var shortBy: Int
        /// Below the restatement and notices: the rationale's counter, at least one editor line, the hint.
        static let tailHeight = 3

        init(_ draft: DecisionDraft, body: Rect, model: ConsoleModel, glyphs: Glyphs) {
            let width = max(0, min(body.width, 90) - 2)
            restatement = DecisionPanel.restatement(draft, width: width, glyphs: glyphs,
                                                    maximumDuration: model.details[draft.id]?.maximumDuration,
                                                    production: model.production, now: model.now)
            var notices: [StyledLine] = []
            if draft.changedUnderneath {
                notices.append(StyledLine("\(glyphs.breakGlass) \(draft.id) changed since you opened this; submitting will be refused. Esc, then look again.", .warning))
            }
            if let why = draft.noLongerEligible {
                notices.append(StyledLine("\(glyphs.denied) You may no longer decide \(draft.id): "
                                          + DisplaySafe.text(why, style: glyphs.textStyle) + ". Esc.", .error))
            }
            if let written = draft.rationaleWrittenFor {
                notices.append(StyledLine("\(glyphs.risk) This rationale was written for version \(written); \(draft.id) is version "
                                          + "\(draft.shownVersion) now. Read what changed, then edit it to submit.", .warning))
            }
            if let problem = draft.problem {
                notices.append(StyledLine("\(glyphs.denied) " + DisplaySafe.text(problem, style: glyphs.textStyle), .error))
            }
            self.notices = notices.flatMap { wrapLine($0, width: max(1, width)) }
            let needed = restatement.count + self.notices.count + Self.tailHeight + 2
            shortBy = max(0, needed - body.height)
            rect = frame(in: body, preferredHeight: max(22, needed))
        }

        init(_ draft: DecisionDraft, model: ConsoleModel) {
            self.init(draft, body: ConsoleLayout(size: model.size, focus: model.focus).body, model: model, glyphs: model.glyphs)
        }
    }

    static func draw(_ draft: DecisionDraft, submitting: Bool, model: ConsoleModel, body: Rect, glyphs: Glyphs,
                     into grid: inout Grid) {
        let layout = Layout(draft, body: body, model: model, glyphs: glyphs)
        let rect = layout.rect
        grid.fill(x: rect.x, y: rect.y, width: rect.width, height: rect.height, role: .normal)
        let (verb, verbRole) = title(draft)
        grid.box(rect, title: [Span("\(verb) \(TextLayout.fit(draft.id, width: 24, glyphs: glyphs))", verbRole)],
                 glyphs: glyphs)
        let inner = rect.inner
        guard inner.width > 0, inner.height > 0 else { return }

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
        var restatement = layout.restatement
        let room = max(0, inner.height - layout.notices.count - Layout.tailHeight)
        if layout.shortBy > 0 {
            // Never cut silently: the last row left says what is not shown, and that nothing is recorded so.
            let hidden = restatement.count - room + 1
            restatement = Array(restatement.prefix(max(0, room - 1)))
            if room > 0 {
                // The numbers first: at the smallest size only they fit.
                let short = "\(glyphs.risk) \(hidden) line\(hidden == 1 ? "" : "s") hidden "
                    + "(\(layout.shortBy) row\(layout.shortBy == 1 ? "" : "s") short)"
                let whole = short + ": make the terminal taller to record it"
                restatement.append(StyledLine(CharacterWidth.of(whole) <= inner.width ? whole : short, .error))
            }
        }
        var lines = restatement + layout.notices + [counter]
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
                               maximumDuration: model.details[draft.id]?.maximumDuration, production: model.production, now: model.now)
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
        grid.box(rect, title: [Span("\(glyphs.breakGlass) Confirm \(draft.confirmationReason(production: model.production)) approval", .riskHigh)],
                 glyphs: glyphs, borderRole: .riskHigh)
        let inner = rect.inner
        guard inner.width > 0, inner.height > 0 else { return }
        let tail: [StyledLine]
        var head = confirmation.head
        if draft.changedUnderneath {
            // Nothing is confirmed against terms that moved on: no prompt at all.
            tail = wrapLine(StyledLine("\(glyphs.breakGlass) \(draft.id) changed since you opened this; it cannot be "
                                       + "confirmed. Esc, then look again.", .error), width: inner.width)
                + [StyledLine(Footer.hints(model, context: .confirm))]
        } else if confirmation.shortBy > 0 {
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
