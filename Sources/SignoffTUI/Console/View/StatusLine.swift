import SignoffCore

/// Who I am (flagging an asserted identity), where the store is, which policy
/// is in force, and the counts that matter.
enum StatusLine {
    static func draw(_ model: ConsoleModel, y: Int, width: Int, glyphs: Glyphs, into grid: inout Grid) {
        grid.fill(x: 0, y: y, width: width, height: 1, role: .statusBar)
        var spans: [Span] = []
        if let identity = model.identity {
            spans.append(Span(" " + DisplaySafe.text(identity.name, style: glyphs.textStyle), .statusBar))
            if identity.authentication == .asserted {
                spans.append(Span(" \(glyphs.breakGlass) ASSERTED identity", .asserted))
            }
        } else {
            spans.append(Span(" identity unknown", .statusBar))
        }
        let separator = Span(" \(glyphs.vertical) ", .statusBar)
        spans.append(separator)
        let policy = model.policyVersion.map { "policy \($0.prefix(8))" } ?? "no policy"
        spans.append(Span(policy, model.policyVersion == nil ? .warning : .statusBar))
        spans.append(separator)
        let counts = "\(model.count(of: .myQueue)) mine \(glyphs.separator) \(model.count(of: .allPending)) open"
            + " \(glyphs.separator) \(model.openBreakGlassCount) break-glass"
        spans.append(Span(counts, .statusBar))
        let overdue = model.grants.reduce(0) { $0 + ($1.grant.incidentReview?.isOverdue(at: model.now) == true ? 1 : 0) }
        if overdue > 0 {
            spans.append(Span(" \(glyphs.separator) ", .statusBar))
            spans.append(Span("\(glyphs.breakGlass) \(overdue) review\(overdue == 1 ? "" : "s") overdue", .warning))
        }
        if model.notificationsFailing > 0 {
            spans.append(Span(" \(glyphs.separator) ", .statusBar))
            let count = model.notificationsFailing
            spans.append(Span("\(glyphs.breakGlass) \(count) notification\(count == 1 ? "" : "s") failing", .warning))
        }
        if let due = model.notificationsDueAt, model.now.timeIntervalSince(due) >= NotificationTiming.overdueAfter {
            spans.append(Span(" \(glyphs.separator) ", .statusBar))
            spans.append(Span("\(glyphs.breakGlass) notifications waiting \(TimeText.age(of: due, now: model.now)): is notify run running?",
                              .warning))
        }
        if model.eventsNotFolded > 0 {
            spans.append(Span(" \(glyphs.separator) ", .statusBar))
            let count = model.eventsNotFolded
            spans.append(Span("\(glyphs.breakGlass) \(count) event\(count == 1 ? "" : "s") signoff never records: run audit verify",
                              .warning))
        }
        if let progress = model.loadingProgress {
            spans.append(separator)
            spans.append(Span("loading \(grouped(progress.loaded)) of \(grouped(progress.total))\(glyphs.ellipsis)", .statusBar))
        }
        let used = spans.reduce(0) { $0 + CharacterWidth.of($1.text) }
        // The store path takes what is left, cut with an ellipsis.
        let room = width - used - 3 - 7
        if room >= 8, !model.storePath.isEmpty {
            spans.append(separator)
            spans.append(Span("store " + TextLayout.fit(model.storePath, width: room, glyphs: glyphs), .statusBar))
        }
        grid.draw(StyledLine(StyledLine.fitting(spans, width: width)), x: 0, y: y, width: width)
    }

    /// `40000` as `40,000`, the same in every locale.
    static func grouped(_ number: Int) -> String {
        let digits = String(number.magnitude)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return number < 0 ? "-" + result : result
    }
}
