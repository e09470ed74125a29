import Foundation
import SignoffCore

/// The console's one state transition: applies `message` to `model` and returns
/// the work the loop must do. Pure: no backend call, no clock, no terminal.
public func update(_ model: inout ConsoleModel, _ message: Message) -> [Effect] {
    switch message {
    case let .key(key):
        return model.handle(key)
    case let .keyWithOthers(key):
        return model.handle(key, arrivedWithOthers: true)
    case let .paste(text):
        model.paste(text)
        return []
    case let .resize(size):
        // A one-shot message may be about the old size ("make the terminal taller"): a resize clears it, as a key does.
        if size != model.size { model.message = nil }
        model.size = size
        model.keepSelectionVisible()
        model.clampDetailScroll()
        return []
    case let .tick(date):
        model.now = date
        // The clock passed a rotation's turn or a delegation's end: the same
        // store answers differently now (a load under way judges afresh anyway).
        // Once, until the snapshot loaded says when next; a load that fails is tried again in a few seconds.
        if let due = model.judgeAgainAt, date >= due, model.paging == nil {
            model.judgeAgainAt = date.addingTimeInterval(5)
            return [.loadSnapshot]
        }
        return [.pollChanges]
    case let .changeToken(token):
        // A load already reading this state of the store needs no restart.
        return token == model.changeToken || token == model.paging?.header.changeToken ? [] : [.loadSnapshot]
    case let .changeTokenFailed(text):
        model.message = StatusMessage("cannot check the store for changes: \(text)", role: .error)
        return []
    case let .snapshotLoaded(snapshot):
        model.paging = nil
        model.load(snapshot)
        return model.detailEffects()
    case let .snapshotPageLoaded(page):
        return model.receive(page)
    case let .snapshotFailed(text):
        model.paging = nil
        model.loadError = text
        model.message = StatusMessage("cannot load requests: \(text) (r retries)", role: .error)
        return []
    case let .detailLoaded(detail):
        model.store(detail)
        return []
    case let .detailFailed(id, text):
        model.detailErrors[id] = text
        return []
    case let .decisionResult(id, verdict, outcome):
        return model.receive(outcome, id: id, verdict: verdict)
    case let .grantActionResult(id, action, outcome):
        return model.receive(outcome, id: id, action: action)
    case let .waiting(text):
        model.message = StatusMessage(text, role: .warning)
        return []
    }
}

extension ConsoleModel {
    /// `arrivedWithOthers`: the key came in one burst with other input
    /// (`Message.keyWithOthers`), so it may not submit or confirm.
    mutating func handle(_ key: Key, arrivedWithOthers: Bool = false) -> [Effect] {
        message = nil
        let context = self.context
        // A terminal sends Alt-x as Esc then x, as it does Esc pressed just
        // before x: where Alt-x means nothing, it is taken as those two keys.
        if case let .alt(character) = key, KeyMap.binding(for: key, in: context, readOnly: readOnly) == nil {
            let effects = handle(.escape, arrivedWithOthers: arrivedWithOthers)
            let said = message
            let more = handle(character == "\r" || character == "\n" ? .enter : .character(character), arrivedWithOthers: arrivedWithOthers)
            if message == nil { message = said }
            return effects + more
        }
        if let binding = KeyMap.binding(for: key, in: context, readOnly: readOnly) {
            if let reason = binding.disabledReason(self) {
                message = StatusMessage("\(binding.hint ?? binding.keyLabel): \(reason)", role: .warning)
                return []
            }
            if arrivedWithOthers, binding.action == .submitDecision || binding.action == .confirmDecision {
                message = StatusMessage("\(binding.keyLabel) came in at once with other input (a paste?), so nothing was submitted: "
                                        + "read the panel, then press \(binding.keyLabel) again", role: .warning)
                return []
            }
            return perform(binding.action)
        }
        if context.takesText {
            insertText(key)
        }
        return []
    }

    mutating func perform(_ action: Action) -> [Effect] {
        switch action {
        case .moveDown: return move(by: 1)
        case .moveUp: return move(by: -1)
        case .pageDown: return move(by: pageSize)
        case .pageUp: return move(by: -pageSize)
        case .halfPageDown: return move(by: max(1, pageSize / 2))
        case .halfPageUp: return move(by: -max(1, pageSize / 2))
        case .top: return move(to: 0)
        case .bottom: return move(to: Int.max)
        case .nextTab: return show(tab.next)
        case .previousTab: return show(tab.previous)
        case .showMyQueue: return show(.myQueue)
        case .showAllPending: return show(.allPending)
        case .showBreakGlass: return show(.breakGlass)
        case .showExpiring: return show(.expiring)
        case .showHistory: return show(.history)
        case .showDrift: return show(.drift)
        case .openDetail:
            focus = .detail
            return detailEffects()
        case .back:
            focus = .list
            return []
        case .approve: return openDecision(.approve)
        case .deny: return openDecision(.deny)
        case .revoke: return openGrantAction(.revoke)
        case .completeReview: return openGrantAction(.completeIncidentReview)
        case .toggleResponsible:
            onlyResponsible.toggle()
            buildGrantEntries()
            applyFilter(incremental: false)
            message = StatusMessage(onlyResponsible ? "showing grants of your people and your systems (m shows all)"
                                                    : "showing every grant (m shows only your people and systems)",
                                    role: .normal)
            return detailEffects()
        case .toggleRules:
            showsEveryRule.toggle()
            clampDetailScroll()
            message = StatusMessage(showsEveryRule ? "showing every policy rule (e folds those that did not match)"
                                                   : "policy rules that did not match are folded (e shows them)", role: .normal)
            return []
        case .startFilter:
            mode = .filter
            focus = .list
            return []
        case .clearFilter, .cancelFilter:
            mode = .browse
            setFilter("")
            return detailEffects()
        case .acceptFilter:
            mode = .browse
            return []
        case .deleteBackward:
            deleteBackward()
            return detailEffects()
        case .nextMatch: return jumpToMatch(forward: true)
        case .previousMatch: return jumpToMatch(forward: false)
        case .cycleSort:
            sortOrders[tab] = sortOrder.next
            sortTab(tab)
            applyFilter(incremental: false)
            message = StatusMessage("sorted by \(sortOrder.label(in: tab))", role: .normal)
            return detailEffects()
        case .refresh:
            detailErrors = [:]
            return [.loadSnapshot]
        case .submitDecision: return submitDecision()
        case .cancelDecision:
            cancelDecision()
            return []
        case .confirmDecision: return confirmDecision()
        case .cancelConfirmation:
            if case let .confirm(draft, _) = mode { mode = .decision(draft) }
            return []
        case .help:
            mode = .overlay(.help, scroll: 0)
            return []
        case .showMessages:
            mode = .overlay(.messages, scroll: 0)
            return []
        case .closeOverlay:
            mode = .browse
            return []
        case .quit:
            if hasUnsavedRationale {
                mode = .quitPrompt(previous: mode)
                return []
            }
            return [.quit]
        case .confirmQuit:
            return [.quit]
        case .cancelQuit:
            if case let .quitPrompt(previous) = mode { mode = previous }
            return []
        }
    }

    /// Pasted text goes where typed text goes, as text: a line break is a new
    /// line of the rationale (elsewhere nothing), a tab a tab, and control
    /// characters are dropped, so a paste never presses a key. Where nothing
    /// takes text, the paste is refused as a whole.
    mutating func paste(_ text: String) {
        message = nil
        guard context.takesText else {
            message = StatusMessage("the paste did nothing: nothing here takes text (a or d opens a decision, / a filter)", role: .warning)
            return
        }
        if case .filter = mode {
            // One search for the whole paste, not one per character; a filter is one line.
            let line = text.filter { $0.unicodeScalars.allSatisfy { $0.value >= 0x20 && !(0x7F...0x9F).contains($0.value) } }
            setFilter(String((filter + line).prefix(Limits.fieldLength)))
            return
        }
        for character in text {
            switch character {
            case "\r\n", "\r", "\n": insertText(.enter)
            case "\t": insertText(.tab)
            default:
                guard character.unicodeScalars.allSatisfy({ $0.value >= 0x20 && !(0x7F...0x9F).contains($0.value) }) else { continue }
                insertText(.character(character))
            }
        }
    }

    /// Printable keys in text contexts.
    mutating func insertText(_ key: Key) {
        let text: Character
        switch key {
        case let .character(c): text = c
        case .enter where context == .decision: text = "\n"
        // A rationale keeps tabs, as the command line's do (shown as ␉).
        case .tab where context == .decision: text = "\t"
        default: return
        }
        switch mode {
        case .filter:
            guard filter.count < Limits.fieldLength else { return }
            setFilter(filter + String(text))
        case var .decision(draft):
            // Counted as the store counts it (scalars), and cheaply: a paste arrives a key at a time.
            guard draft.rationale.unicodeScalars.count < Limits.rationaleLength else {
                message = StatusMessage("the rationale is limited to \(Limits.rationaleLength) characters", role: .warning)
                return
            }
            draft.rationale.append(text)
            draft.problem = nil
            draft.rationaleWrittenFor = nil
            mode = .decision(draft)
        case let .confirm(draft, typed):
            guard typed.count < 8 else { return }
            mode = .confirm(draft, typed: typed + String(text))
        case .browse, .overlay, .submitting, .quitPrompt:
            return
        }
    }

    mutating func deleteBackward() {
        switch mode {
        case .filter:
            guard !filter.isEmpty else { return }
            setFilter(String(filter.dropLast()))
        case var .decision(draft):
            guard !draft.rationale.isEmpty else { return }
            draft.rationale.removeLast()
            draft.rationaleWrittenFor = nil
            mode = .decision(draft)
        case let .confirm(draft, typed):
            mode = .confirm(draft, typed: String(typed.dropLast()))
        case .browse, .overlay, .submitting, .quitPrompt:
            return
        }
    }

    /// How far PgUp/PgDn move in the focused pane (or the help).
    var pageSize: Int {
        if case .overlay = mode { return max(1, OverlayScreen.visibleRows(size) - 1) }
        let layout = ConsoleLayout(size: size, focus: focus)
        return max(1, focus == .list ? layout.listRows : layout.detailRows - 1)
    }
}
