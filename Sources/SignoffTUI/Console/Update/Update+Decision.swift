import Foundation
import SignoffCore

/// Opening, writing, confirming and submitting a decision. Nothing reaches the
/// store without a rationale of the policy's minimum length and, for the
/// riskiest approvals, a typed confirmation; no single key records anything.
extension ConsoleModel {
    mutating func openDecision(_ verdict: Verdict) -> [Effect] {
        guard let row = selectedRow, let detail = details[row.id] else { return [] }
        let draft = DecisionDraft(id: row.id, verdict: verdict, shownVersion: detail.record.version,
                                  request: detail.record.request, rationale: drafts[row.id] ?? "")
        mode = .decision(draft)
        return []
    }

    mutating func cancelDecision() {
        guard case let .decision(draft) = mode else { return }
        if draft.rationale.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            drafts[draft.id] = nil
            message = StatusMessage("nothing recorded", role: .normal)
        } else {
            drafts[draft.id] = draft.rationale
            message = StatusMessage("nothing recorded; the rationale draft is kept for \(draft.id)", role: .normal)
        }
        mode = .browse
    }

    mutating func submitDecision() -> [Effect] {
        guard case let .decision(draft) = mode else { return [] }
        if draft.needsConfirmation {
            mode = .confirm(draft, typed: "")
            return []
        }
        return send(draft)
    }

    mutating func confirmDecision() -> [Effect] {
        guard case let .confirm(draft, _) = mode else { return [] }
        return send(draft)
    }

    private mutating func send(_ draft: DecisionDraft) -> [Effect] {
        mode = .submitting(draft)
        return [.decide(id: draft.id, verdict: draft.verdict, rationale: draft.rationale,
                        shownVersion: draft.shownVersion)]
    }

    mutating func receive(_ outcome: DecisionOutcome, id: String, verdict: Verdict) -> [Effect] {
        var draft: DecisionDraft?
        if case let .submitting(submitted) = mode, submitted.id == id { draft = submitted }
        let verb = verdict == .approve ? "approval" : "denial"
        switch outcome {
        case let .recorded(state):
            drafts[id] = nil
            if draft != nil { mode = .browse }
            let role: Role = state == .approved ? .approved : state == .denied ? .denied : .success
            let glyph = glyphs.state(state).glyph
            message = StatusMessage("\(glyph) \(verb) of \(id) recorded; request is now \(glyphs.state(state).word)",
                                    role: role)
            return [.loadSnapshot]
        case let .refused(reason, text) where reason.isConflict:
            if let draft {
                drafts[id] = draft.rationale
                mode = .browse
            }
            message = StatusMessage("\(glyphs.denied) \(verb) of \(id) NOT recorded: \(text). Reloaded; look again (draft kept)",
                                    role: .error)
            return [.loadSnapshot]
        case let .refused(reason, text):
            if var draft {
                draft.problem = "refused (\(reason.rawValue.replacingOccurrences(of: "_", with: " "))): \(text)"
                mode = .decision(draft)
            }
            message = StatusMessage("\(glyphs.denied) \(verb) of \(id) refused: \(text)", role: .error)
            return []
        case let .failed(text):
            if var draft {
                draft.problem = "not recorded: \(text)"
                mode = .decision(draft)
            }
            message = StatusMessage("\(glyphs.denied) \(verb) of \(id) NOT recorded: \(text)", role: .error)
            return []
        }
    }
}
