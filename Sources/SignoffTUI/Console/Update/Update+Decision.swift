import Foundation
import SignoffCore

/// Opening, writing, confirming and submitting a decision. Nothing reaches the
/// store without a rationale of the policy's minimum length and, for the
/// riskiest approvals, a typed confirmation; no single key records anything.
extension ConsoleModel {
    mutating func openDecision(_ verdict: Verdict) -> [Effect] {
        guard let row = selectedRow, let detail = details[row.id] else { return [] }
        var draft = DecisionDraft(id: row.id, verdict: verdict, shownVersion: detail.record.version,
                                  request: detail.record.request,
                                  rationale: drafts[DecisionDraft.key(id: row.id, verdict: verdict)] ?? "")
        draft.request.requester = detail.record.requester
        draft.step = Self.stepText(detail, verdict: verdict)
        draft.approvalsSeen = Self.approvalCount(detail)
        draft.extending = detail.extending.flatMap { Self.extensionText($0, request: detail.record.request, now: now, glyphs: glyphs) }
            .map { verdict == .deny ? "the grant of \(detail.record.request.extends ?? "") stays as it is" : $0.effect }
        if !draft.rationale.isEmpty, let written = draftVersions[draft.draftKey], written != draft.shownVersion {
            draft.rationaleWrittenFor = written
            message = StatusMessage("\(glyphs.risk) the rationale kept for \(row.id) was written for version \(written); "
                                    + "it is version \(draft.shownVersion) now: read it again against what changed", role: .warning)
        }
        mode = .decision(draft)
        return []
    }

    /// An extension in words: `sentence` for the detail (the grant it
    /// extends as it stands, then what an approval now does), `effect` for
    /// the panel (what approving does), and whether an approval is denied.
    static func extensionText(_ extending: ConsoleDetail.Extending, request: AccessRequest, now: Date,
                              glyphs: Glyphs) -> (sentence: String, effect: String, denied: Bool)? {
        guard let id = request.extends else { return nil }
        let grant = extending.grant.map { "\(id) (\($0.state.rawValue), \($0.timeLeftText(at: now)))" } ?? id
        switch extending.outcome {
        case let .extends(by, expiresAt, total):
            let inAll = extending.grant.map { " \(glyphs.separator) \(TimeSpan(seconds: $0.duration.seconds + by.seconds)) in all" } ?? ""
            let capped = by < request.duration ? " (not the \(request.duration) asked: the policy allows \(total) in all)" : ""
            let until = expiresAt.map { ", to \(TimeText.absolute($0))" } ?? ""
            return ("the grant of \(grant); approving adds \(by)\(until)\(inAll)\(capped)",
                    "adds \(by) to the grant of \(id)\(until)\(inAll)\(capped)", false)
        case let .denied(why):
            return ("the grant of \(grant); an approval now is denied: \(why)", "DENIED instead: \(why)", true)
        }
    }

    /// What this decision does to the route, for the panel: which step an
    /// approval counts for and whether it completes the request; a denial
    /// by an eligible approver denies it whole.
    /// The approvals the request's steps hold, all steps together.
    static func approvalCount(_ detail: ConsoleDetail) -> Int {
        detail.progress.reduce(0) { $0 + $1.approvedBy.count }
    }

    static func stepText(_ detail: ConsoleDetail, verdict: Verdict) -> String? {
        guard let index = detail.myStep, index < detail.progress.count else { return nil }
        let status = detail.progress[index]
        let of = detail.progress.count == 1 ? "" : " of \(detail.progress.count)"
        let step = "\(index + 1)\(of) (\(status.step.name)), \(status.approvedBy.count) of \(status.step.required) so far"
        switch verdict {
        case .approve:
            let others = detail.progress.enumerated().filter { $0.offset != index }.reduce(0) { $0 + $1.element.missing }
            let after = status.missing - 1
            return step + ": " + (after > 0 ? "it then needs \(after) more"
                : others > 0 ? "other steps still need \(others) approval\(others == 1 ? "" : "s")"
                : "this approval completes the request")
        case .deny:
            return step + ": a denial denies the whole request"
        }
    }

    /// Revoking a grant or completing its review opens the same panel: the
    /// grant restated, a rationale of the policy's minimum, then submit.
    mutating func openGrantAction(_ action: GrantAction) -> [Effect] {
        guard let (row, _) = selectedGrant else { return [] }
        var draft = DecisionDraft(grant: row.grant, action: action)
        draft.rationale = drafts[draft.draftKey] ?? ""
        if let purpose = details[row.id]?.record.request.purpose { draft.request.purpose = purpose }
        mode = .decision(draft)
        return []
    }

    mutating func cancelDecision() {
        guard case let .decision(draft) = mode else { return }
        if draft.rationale.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            drafts[draft.draftKey] = nil
            message = StatusMessage("nothing recorded", role: .normal)
        } else {
            drafts[draft.draftKey] = draft.rationale
            draftVersions[draft.draftKey] = draft.shownVersion
            message = StatusMessage("nothing recorded; the rationale draft is kept for \(draft.id)", role: .normal)
        }
        mode = .browse
    }

    mutating func submitDecision() -> [Effect] {
        guard case let .decision(draft) = mode else { return [] }
        if draft.needsConfirmation(production: production) {
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
        switch draft.action {
        case let .decide(verdict):
            return [.decide(id: draft.id, verdict: verdict, rationale: draft.rationale, shownVersion: draft.shownVersion)]
        case let .grant(action):
            return [.grantAction(id: draft.id, action: action, rationale: draft.rationale)]
        }
    }

    /// The outcome of a revocation or a review, shown exactly as decisions are:
    /// recorded closes the panel and reloads; a refusal keeps it open with the
    /// reason in the panel and the status line.
    mutating func receive(_ outcome: DecisionOutcome, id: String, action: GrantAction) -> [Effect] {
        var draft: DecisionDraft?
        if case let .submitting(submitted) = mode, submitted.id == id, submitted.grantAction == action { draft = submitted }
        let key = draft?.draftKey ?? DecisionDraft.key(id: id, action: action)
        let noun = action.noun
        switch outcome {
        case .recorded:
            drafts[key] = nil
            if draft != nil { mode = .browse }
            let done = action == .revoke ? "revoked; provisioning is asked to remove the access"
                                         : "post-incident review completed"
            message = StatusMessage("\(glyphs.approved) \(id) \(done)", role: .success)
            return [.loadSnapshot]
        case .refused, .failed:
            return receiveUnrecorded(outcome, id: id, noun: noun, draft: draft, key: key)
        }
    }

    mutating func receive(_ outcome: DecisionOutcome, id: String, verdict: Verdict) -> [Effect] {
        var draft: DecisionDraft?
        if case let .submitting(submitted) = mode, submitted.id == id, submitted.verdict == verdict { draft = submitted }
        let verb = verdict == .approve ? "approval" : "denial"
        switch outcome {
        case let .recorded(state):
            // Decided: neither verdict's draft has anything left to decide.
            for verdict in Verdict.allCases { drafts[DecisionDraft.key(id: id, verdict: verdict)] = nil }
            if draft != nil { mode = .browse }
            let role: Role = state == .approved ? .approved : state == .denied ? .denied : .success
            let glyph = glyphs.state(state).glyph
            message = StatusMessage("\(glyph) \(verb) of \(id) recorded; request is now \(glyphs.state(state).word)",
                                    role: role)
            return [.loadSnapshot]
        case .refused, .failed:
            return receiveUnrecorded(outcome, id: id, noun: verb, draft: draft, key: DecisionDraft.key(id: id, verdict: verdict))
        }
    }

    /// What decisions, revocations and reviews share when nothing was recorded:
    /// a conflict reloads and keeps the draft; a short rationale or a failure
    /// keeps the panel open with the reason in it and in the status line. Any
    /// other refusal is a rule no edit can satisfy (not eligible, not allowed
    /// to revoke, grant no longer active): the panel closes, the reason stays
    /// in the status line, and the draft is dropped.
    private mutating func receiveUnrecorded(_ outcome: DecisionOutcome, id: String, noun: String, draft: DecisionDraft?,
                                           key: String) -> [Effect] {
        switch outcome {
        case .recorded:
            return []
        case let .refused(reason, text) where reason.isConflict:
            if let draft {
                drafts[key] = draft.rationale
                draftVersions[key] = draft.shownVersion
                mode = .browse
            }
            message = StatusMessage("\(glyphs.denied) \(noun) of \(id) NOT recorded: \(text). Reloaded; look again (draft kept)",
                                    role: .error)
            return [.loadSnapshot]
        case let .refused(reason, text) where reason == .rationaleTooShort:
            if var draft {
                draft.problem = "refused (\(reason.rawValue.replacingOccurrences(of: "_", with: " "))): \(text)"
                mode = .decision(draft)
            }
            message = StatusMessage("\(glyphs.denied) \(noun) of \(id) refused: \(text)", role: .error)
            return []
        case let .refused(_, text):
            if draft != nil {
                drafts[key] = nil
                mode = .browse
            }
            message = StatusMessage("\(glyphs.denied) \(noun) of \(id) refused: \(text)", role: .error)
            return []
        case let .failed(text):
            if var draft {
                draft.problem = "not recorded: \(text)"
                mode = .decision(draft)
            }
            message = StatusMessage("\(glyphs.denied) \(noun) of \(id) NOT recorded: \(text)", role: .error)
            return []
        }
    }
}
