import SignoffCore

/// The console's one key table (lazygit/k9s style).
public enum KeyMap {
    static let browsing: [BindingContext] = [.list, .detail]
    static let overlays: [BindingContext] = [.help, .messages]

    public static let bindings: [KeyBinding] = [
        // Moving
        KeyBinding([.character("j"), .down], .moveDown, "move down (scroll in detail)", in: browsing),
        KeyBinding([.character("k"), .up], .moveUp, "move up (scroll in detail)", in: browsing),
        KeyBinding([.pageDown], .pageDown, "page down", in: browsing),
        KeyBinding([.pageUp], .pageUp, "page up", in: browsing),
        KeyBinding([.control("d")], .halfPageDown, "half a page down", in: browsing),
        KeyBinding([.control("u")], .halfPageUp, "half a page up", in: browsing),
        KeyBinding([.character("g"), .home], .top, "first request (top of detail)", in: browsing),
        KeyBinding([.character("G"), .end], .bottom, "last request (end of detail)", in: browsing),
        KeyBinding([.enter, .character("l"), .right], .openDetail, "focus the detail to scroll it", hint: "detail",
                   in: [.list], disabledWhen: { $0.selectedRequestID == nil && $0.selectedFinding == nil ? "nothing selected" : nil }),
        KeyBinding([.character("h"), .left, .escape], .back, "back to the list", hint: "back", in: [.detail]),
        // Tabs
        KeyBinding([.tab], .nextTab, "next list", in: browsing),
        KeyBinding([.backTab], .previousTab, "previous list", in: browsing),
        KeyBinding([.character("1")], .showMyQueue, "My queue: requests you may decide now", in: browsing),
        KeyBinding([.character("2")], .showAllPending, "All pending: every open request", in: browsing),
        KeyBinding([.character("3")], .showBreakGlass,
                   "Break-glass: emergency requests, emergency grants, reviews due", in: browsing),
        KeyBinding([.character("4")], .showExpiring,
                   "Expiring: grants by time left, problems flagged", in: browsing),
        KeyBinding([.character("5")], .showHistory, "History: decided requests", in: browsing),
        KeyBinding([.character("6")], .showDrift,
                   "Drift: what reconciliation found, on your systems and people first, with the evidence", in: browsing),
        // Deciding
        KeyBinding([.character("a")], .approve, "approve: opens the decision panel (nothing is recorded yet)",
                   hint: "approve", in: browsing, dangerous: true, disabledWhen: { decideBlocker($0, .approve) },
                   offeredWhen: { $0.tab != .expiring && $0.tab != .drift }),
        KeyBinding([.character("d")], .deny, "deny: opens the decision panel (nothing is recorded yet)",
                   hint: "deny", in: browsing, dangerous: true, disabledWhen: { decideBlocker($0, .deny) },
                   offeredWhen: { $0.tab != .expiring && $0.tab != .drift }),
        // Grants
        KeyBinding([.character("R")], .revoke, "revoke the selected grant: opens a rationale panel",
                   hint: "revoke", in: browsing, dangerous: true, disabledWhen: { revokeBlocker($0) },
                   offeredWhen: { $0.tab.listsGrants }),
        KeyBinding([.character("c")], .completeReview,
                   "complete the selected post-incident review", hint: "review",
                   in: browsing, dangerous: true, disabledWhen: { reviewBlocker($0) },
                   offeredWhen: { $0.tab == .breakGlass }),
        KeyBinding([.character("m")], .toggleResponsible,
                   "Expiring: only my people and my systems, or all", hint: "mine/all", in: browsing,
                   disabledWhen: { $0.tab == .expiring ? nil : "only the Expiring list (4) filters by your people and systems" },
                   offeredWhen: { $0.tab == .expiring }),
        KeyBinding([.character("e")], .toggleRules, "policy: show or fold the rules that did not match", in: browsing,
                   disabledWhen: { $0.selectedRequestID == nil ? "nothing selected" : nil }),
        // Finding
        KeyBinding([.character("/")], .startFilter, "filter across all fields as you type", hint: "filter", in: browsing),
        KeyBinding([.character("n")], .nextMatch, "next match (next matching line in detail)", in: browsing,
                   disabledWhen: { $0.filter.isEmpty ? "no filter: press / first" : nil }),
        KeyBinding([.character("N")], .previousMatch, "previous match", in: browsing,
                   disabledWhen: { $0.filter.isEmpty ? "no filter: press / first" : nil }),
        KeyBinding([.character("s")], .cycleSort, "cycle sort order", hint: "sort", in: [.list],
                   disabledWhen: { $0.tab == .expiring ? "Expiring is ordered by time left, section by section"
                                   : $0.tab == .drift ? "Drift is ordered yours first, then by kind, section by section" : nil },
                   offeredWhen: { $0.tab != .expiring && $0.tab != .drift }),
        KeyBinding([.escape], .clearFilter, "clear the filter", in: [.list],
                   disabledWhen: { $0.filter.isEmpty ? "no filter to clear" : nil }),
        KeyBinding([.character("r"), .control("r")], .refresh, "reload from the store", in: browsing),
        KeyBinding([.character("?")], .help, "this help", hint: "help", in: browsing),
        KeyBinding([.character("M")], .showMessages,
                   "messages: the recent ones in full, newest first (a refusal too long for the status line)",
                   in: browsing),
        KeyBinding([.character("q"), .control("c")], .quit, "quit (asks first if a rationale draft would be lost)",
                   hint: "quit", in: browsing),
        // Filter input
        KeyBinding([.enter], .acceptFilter, "keep the filter and go back to the list", hint: "keep", in: [.filter]),
        KeyBinding([.escape, .control("c")], .cancelFilter, "clear the filter", hint: "clear", in: [.filter]),
        KeyBinding([.backspace, .delete], .deleteBackward, "delete a character", in: [.filter, .decision, .confirm]),
        // Decision panel
        KeyBinding([.control("s"), .alt("\n"), .alt("\r")], .submitDecision,
                   "submit the decision (Enter types a new line)", hint: "submit", in: [.decision], dangerous: true,
                   disabledWhen: { submitBlocker($0) }),
        KeyBinding([.escape, .control("c")], .cancelDecision, "close the panel; nothing is recorded, the draft is kept",
                   hint: "cancel", in: [.decision]),
        // Confirmation
        KeyBinding([.enter], .confirmDecision, "record the decision once you typed yes", hint: "record",
                   in: [.confirm], dangerous: true, disabledWhen: { confirmBlocker($0) }),
        KeyBinding([.escape, .control("c")], .cancelConfirmation, "back to the rationale; nothing is recorded", hint: "back",
                   in: [.confirm]),
        // Help
        KeyBinding([.character("j"), .down], .moveDown, "scroll down", in: overlays),
        KeyBinding([.character("k"), .up], .moveUp, "scroll up", in: overlays),
        KeyBinding([.pageDown, .control("d"), .character(" ")], .pageDown, "a page down", in: overlays),
        KeyBinding([.pageUp, .control("u")], .pageUp, "a page up", in: overlays),
        KeyBinding([.character("g"), .home], .top, "the top", in: overlays),
        KeyBinding([.character("G"), .end], .bottom, "the end", in: overlays),
        KeyBinding([.character("?"), .escape, .character("q")], .closeOverlay, "close help", hint: "close", in: [.help]),
        KeyBinding([.character("M"), .escape, .character("q")], .closeOverlay, "close the messages", hint: "close",
                   in: [.messages]),
        // Quit prompt
        KeyBinding([.character("y")], .confirmQuit, "discard drafts and quit", hint: "quit", in: [.quitPrompt],
                   dangerous: false),
        KeyBinding([.character("n"), .escape], .cancelQuit, "stay", hint: "stay", in: [.quitPrompt]),
    ]

    /// The binding a key triggers in a context; in read-only mode dangerous ones are gone.
    public static func binding(for key: Key, in context: BindingContext, readOnly: Bool = false) -> KeyBinding? {
        bindings.first { binding in
            binding.contexts.contains(context) && binding.keys.contains(key) && !(readOnly && binding.dangerous)
        }
    }

    /// Bindings of a context, in table order, as the help and footer list them.
    public static func bindings(in context: BindingContext, readOnly: Bool = false) -> [KeyBinding] {
        bindings.filter { $0.contexts.contains(context) && !(readOnly && $0.dangerous) }
    }

    // MARK: Why an action cannot run

    static func decideBlocker(_ model: ConsoleModel, _ verdict: Verdict) -> String? {
        if let (grant, _) = model.selectedGrant { return "\(grant.id) is a grant; only requests are approved or denied" }
        guard let row = model.selectedRow else { return "no request selected" }
        guard row.state.isOpen else { return "\(row.id) is already \(row.state.rawValue)" }
        if row.state == .blocked { return "\(row.id) is blocked: no policy rule routes it" }
        if model.detailErrors[row.id] != nil, model.details[row.id] == nil { return "details of \(row.id) failed to load" }
        guard let detail = model.details[row.id] else { return "details of \(row.id) are still loading" }
        return detail.blocker(verdict)
    }

    static func revokeBlocker(_ model: ConsoleModel) -> String? {
        guard let (row, _) = model.selectedGrant else { return "select a grant (lists 3 and 4) to revoke it" }
        guard row.grant.state.mayHoldAccess else {
            return "the grant of \(row.id) is already \(row.grant.state.rawValue); nothing to revoke"
        }
        return row.revokeRefusal
    }

    static func reviewBlocker(_ model: ConsoleModel) -> String? {
        guard let (row, _) = model.selectedGrant, row.grant.incidentReview != nil else {
            return "select a post-incident review (list 3) to complete it"
        }
        guard row.reviewOpen else { return "the post-incident review of \(row.id) is already completed" }
        return row.reviewRefusal
    }

    static func submitBlocker(_ model: ConsoleModel) -> String? {
        guard case let .decision(draft) = model.mode else { return "already submitting" }
        if let blocker = draftBlocker(draft, model) { return blocker }
        let shortBy = DecisionPanel.Layout(draft, model: model).shortBy
        if shortBy > 0 {
            let rows = "\(shortBy) row\(shortBy == 1 ? "" : "s")"
            return "\(rows) short: not all of what you decide is on screen; make the terminal \(rows) taller"
        }
        if let written = draft.rationaleWrittenFor {
            return "the rationale was written for version \(written) of \(draft.id), not \(draft.shownVersion): read what changed, then edit it"
        }
        let missing = model.minimumRationale - draft.rationaleLength
        return missing > 0 ? "the rationale needs \(missing) more character\(missing == 1 ? "" : "s")" : nil
    }

    /// What stops both a submission and a confirmation: a terminal too small
    /// to draw what is decided, an approver no longer eligible.
    private static func draftBlocker(_ draft: DecisionDraft, _ model: ConsoleModel) -> String? {
        if ConsoleLayout(size: model.size, focus: model.focus).tooSmall {
            let minimum = ConsoleLayout.minimumSize
            return "the terminal is too small to show what you decide: make it at least \(minimum.width) columns by \(minimum.height) rows"
        }
        return draft.noLongerEligible.map { "you may no longer decide \(draft.id): \($0)" }
    }

    static func confirmBlocker(_ model: ConsoleModel) -> String? {
        guard case let .confirm(draft, typed) = model.mode else { return "nothing to confirm" }
        if draft.changedUnderneath { return "\(draft.id) changed since you saw it: Esc, then look again" }
        if let blocker = draftBlocker(draft, model) { return blocker }
        let shortBy = DecisionPanel.Confirmation(draft, model: model).shortBy
        if shortBy > 0 {
            return "not all of what you approve is on screen: make the terminal \(shortBy) row\(shortBy == 1 ? "" : "s") taller"
        }
        return typed.lowercased() == "yes" ? nil : "type yes to confirm"
    }
}
