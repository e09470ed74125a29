import Foundation
import SignoffCore
import Testing
@testable import SignoffTUI

/// Key paths through `update`, checked by the effects it asks for and the state
/// the approver would see. Nothing here touches a backend or a terminal.
@Suite struct UpdateTests {
    func selectedID(_ model: ConsoleModel) -> String? { model.selectedRow?.id }

    // MARK: Deciding

    @Test func approveWithRationaleSendsTheShownVersion() {
        var model = Sample.model()
        press(&model, .character("j"))                       // REQ-000001, not risky to confirm
        #expect(selectedID(model) == "REQ-000001")
        #expect(press(&model, .character("a")).isEmpty)      // opening records nothing
        type(&model, "checked OPS-42")
        let effects = press(&model, .control("s"))
        #expect(effects == [.decide(id: "REQ-000001", verdict: .approve, rationale: "checked OPS-42", shownVersion: 1)])
        guard case .submitting = model.mode else { Issue.record("not submitting: \(model.mode)"); return }
        let after = feed(&model, .decisionResult(id: "REQ-000001", verdict: .approve, outcome: .recorded(state: .approved)))
        #expect(after == [.loadSnapshot])
        #expect(model.mode == .browse)
        #expect(model.message?.text.contains("recorded") == true)
        #expect(model.drafts.isEmpty)
    }

    /// Production is what the policy in force says it is, besides what names
    /// say: admin access to an environment the policy declares production
    /// asks for the typed confirmation like `production` itself does.
    @Test func adminApprovalsOnADeclaredProductionEnvironmentAreConfirmed() {
        let rows = [Sample.row("REQ-000001", environment: "live", entitlement: "db:admin", access: .admin)]
        for declared in [false, true] {
            var snapshot = Sample.snapshot(rows: rows)
            if declared { snapshot.production = ProductionEnvironments(declared: ["live"]) }
            var model = ConsoleModel(size: Size(width: 100, height: 30), glyphs: .unicode, now: now)
            feed(&model, .snapshotLoaded(snapshot))
            #expect(selectedID(model) == "REQ-000001")
            press(&model, .character("a"))
            type(&model, "checked OPS-42")
            let effects = press(&model, .control("s"))
            if declared {
                #expect(effects.isEmpty)
                guard case let .confirm(draft, _) = model.mode else { Issue.record("not confirming: \(model.mode)"); continue }
                #expect(draft.confirmationReason(production: model.production) == "PRODUCTION ADMIN")
                #expect(view(model, size: model.size, glyphs: .unicode).lines.joined().contains("Confirm PRODUCTION ADMIN approval"))
            } else {
                #expect(effects == [.decide(id: "REQ-000001", verdict: .approve, rationale: "checked OPS-42", shownVersion: 1)])
            }
        }
        // A name that says production needs no declaration.
        let named = ProductionEnvironments()
        #expect(named.contains("production") && named.contains("PROD-eu") && named.contains("prd") && !named.contains("live"))
    }

    /// The next request after a decision opens at its top (its risk cues),
    /// not where the decided one's detail was scrolled to.
    @Test func theNextRequestAfterADecisionOpensAtItsTop() {
        var model = Sample.model(size: Size(width: 140, height: 24))
        press(&model, .character("j"))
        #expect(selectedID(model) == "REQ-000001")
        press(&model, .enter, .character("G"), .character("h"))
        #expect(model.detailScroll > 0)
        press(&model, .character("a"))
        type(&model, "checked OPS-42")
        press(&model, .control("s"))
        feed(&model, .decisionResult(id: "REQ-000001", verdict: .approve, outcome: .recorded(state: .approved)))
        var rows = Sample.rows
        rows[0].state = .approved
        rows[0].mineNow = false
        feed(&model, .snapshotLoaded(Sample.snapshot(rows: rows, token: 2)))
        #expect(selectedID(model) == "REQ-000005")
        #expect(model.detailScroll == 0)
        let lines = view(model, size: model.size, glyphs: .unicode).lines
        #expect(lines.contains { $0.contains("Risk") }, "\(lines.joined(separator: "\n"))")
    }

    /// The policy section leads with what the approver needs (may I decide,
    /// for which step, what is missing); the rules that did not match are
    /// folded after it until `e` shows them.
    @Test func thePolicySectionLeadsWithWhatTheApproverNeeds() throws {
        var model = Sample.model(size: Size(width: 140, height: 40))
        press(&model, .character("j"))
        var text = model.detailLines().map(\.plainText)
        let policy = try #require(text.firstIndex { $0.contains("Policy") })
        let you = try #require(text.firstIndex { $0.hasPrefix("You") && $0.contains("you may decide") })
        let step = try #require(text.firstIndex { $0.hasPrefix("Step 1") })
        let folded = try #require(text.firstIndex { $0.hasPrefix("Not matched") })
        #expect(policy < you && you < step && step < folded)
        func words(_ lines: ArraySlice<String>) -> String {
            lines.joined(separator: " ").split(separator: " ").joined(separator: " ")
        }
        #expect(words(text[you..<step]).contains("your approval counts for step 1"))
        #expect(words(text[step..<folded]).contains("needs 1 more · ★ yours"))
        #expect(!text.contains { $0.contains("no-contractor-admin") })
        press(&model, .character("e"))
        text = model.detailLines().map(\.plainText)
        #expect(text.contains { $0.contains("not matched no-contractor-admin") })
        #expect(!text.contains { $0.hasPrefix("Not matched") })
    }

    /// The panel restates the purpose (two lines at most, made safe), the
    /// requester, and what the decision does to the route.
    @Test func theDecisionPanelRestatesPurposeRequesterAndStep() throws {
        var model = Sample.model(size: Size(width: 140, height: 40))
        press(&model, .character("j"), .character("j"), .character("d"))
        guard case let .decision(draft) = model.mode else { Issue.record("panel not open"); return }
        #expect(draft.id == "REQ-000005")
        let lines = DecisionPanel.restatement(draft, width: 60, glyphs: .unicode, maximumDuration: nil, production: ProductionEnvironments(), now: now).map(\.plainText)
        let purpose = lines.filter { $0.hasPrefix("purpose ") || $0.hasPrefix("        ") }
        #expect(purpose.count == 2 && purpose[1].hasSuffix("…"), "\(lines)")
        #expect(purpose[0].contains("drop ␛[2J"), "made display-safe: \(purpose[0])")
        #expect(!lines.joined().unicodeScalars.contains { $0.value == 0x1B })
        #expect(lines.contains { $0.hasPrefix("requested by ") && $0.contains("␛[31mmallory") })
        let all = lines.joined(separator: " ").split(separator: " ").joined(separator: " ")
        #expect(all.contains("step 1 (owners of payments-db), 0 of 1 so far: a denial denies the whole request"), "\(lines)")
    }

    /// A request for a window of time says when, not only how long: "for
    /// 8h" alone reads as from now.
    @Test func theDecisionPanelRestatesTheRequestsWindow() throws {
        var model = Sample.model(size: Size(width: 140, height: 40))
        press(&model, .character("j"), .character("a"))
        guard case var .decision(draft) = model.mode else { Issue.record("panel not open"); return }
        func lines() -> [String] {
            DecisionPanel.restatement(draft, width: 60, glyphs: .unicode, maximumDuration: nil, production: ProductionEnvironments(),
                                      now: now).map(\.plainText)
        }
        #expect(!lines().contains { $0.hasPrefix("from ") || $0.hasPrefix("until ") })
        draft.request.start = Date(timeIntervalSince1970: 1_797_757_200)
        draft.request.end = Date(timeIntervalSince1970: 1_797_786_000)
        #expect(lines().contains("from 2026-12-20 09:00Z until 2026-12-20 17:00Z"), "\(lines())")
        draft.request.start = nil
        #expect(lines().contains("until 2026-12-20 17:00Z"), "\(lines())")
    }

    /// No term of a restatement hides another: a long scope, subject or
    /// ticket is cut with an ellipsis in its middle, and what follows it on its line (the
    /// access, the duration, the environment, the incident) is still shown.
    @Test(arguments: [60, 90])
    func aLongValueNeverPushesTheTermsAfterItOffTheLine(width: Int) throws {
        var model = Sample.model(size: Size(width: 140, height: 40))
        press(&model, .character("j"), .character("a"))
        guard case var .decision(draft) = model.mode else { Issue.record("panel not open"); return }
        draft.request.scope = "schema:ledger " + String(repeating: "x", count: 120)
        draft.request.system = "payments-" + String(repeating: "db", count: 60)
        draft.request.ticket = "OPS-" + String(repeating: "9", count: 100)
        draft.request.incident = "INC-7"
        draft.request.access = .admin
        draft.request.duration = .days(7)
        draft.request.subject.name = "svc-ledger-etl-" + String(repeating: "x", count: 80) + "-admin"
        let lines = DecisionPanel.restatement(draft, width: width, glyphs: .unicode, maximumDuration: nil, production: ProductionEnvironments(), now: now)
        for line in lines { #expect(CharacterWidth.of(line.plainText) <= width, "\(line.plainText)") }
        let text = lines.map(\.plainText)
        // A name is cut in its middle: its start and its end both show.
        #expect(text[0].contains("svc-ledger-etl-") && text[0].contains("…") && text[0].hasSuffix("x-admin"), "\(text[0])")
        let terms = try #require(text.first { $0.hasPrefix("scope ") })
        #expect(terms.contains("schema:") && terms.contains("…") && terms.contains("access admin") && terms.hasSuffix("for \(draft.request.duration)"), "\(terms)")
        let on = try #require(text.first { $0.hasPrefix("on ") })
        #expect(on.contains("…") && on.hasSuffix(" / production"), "\(on)")
        let owner = try #require(text.first { $0.hasPrefix("owner ") })
        #expect(owner.contains("ticket OPS-9") && owner.hasSuffix("incident INC-7"), "\(owner)")
    }

    /// Every risk cue of a decision is shown whole, however narrow the
    /// panel: they are laid out as many to a line as fit, never cut at its edge.
    @Test(arguments: [40, 60, 120])
    func everyRiskCueFitsThePanel(width: Int) throws {
        var model = Sample.model(size: Size(width: 140, height: 40))
        press(&model, .character("j"), .character("a"))
        guard case var .decision(draft) = model.mode else { Issue.record("panel not open"); return }
        draft.request.breakGlass = true
        draft.request.incident = "INC-7"
        draft.request.access = .admin
        draft.request.duration = .days(7)
        let lines = DecisionPanel.restatement(draft, width: width, glyphs: .unicode, maximumDuration: .days(7),
                                              production: ProductionEnvironments(), now: now)
        for line in lines { #expect(CharacterWidth.of(line.plainText) <= width, "\(line.plainText)") }
        let text = lines.map(\.plainText).joined(separator: "\n")
        let cues = RiskCue.cues(for: draft.request, maximumDuration: .days(7), production: ProductionEnvironments())
        #expect(cues.count == 5, "\(cues)")
        for cue in cues { #expect(text.contains(cue.text), "\(cue.text) in \(text)") }
    }

    /// The help scrolls with every movement key, stops at its end, shows
    /// every description whole (wrapped, never cut) and keeps the key column
    /// out of the text, at any width.
    @Test(arguments: [40, 60, 100, 200])
    func theHelpScrollsWithEveryMovementKeyAndCutsNothing(width: Int) throws {
        var model = Sample.model(size: Size(width: width, height: 14))
        press(&model, .character("?"))
        let lines = HelpScreen.lines(model, width: width - 2, glyphs: .unicode).map(\.plainText)
        #expect(lines.allSatisfy { CharacterWidth.of($0) <= width - 2 })
        let text = lines.joined(separator: " ").split(separator: " ").joined(separator: " ")
        for binding in KeyMap.bindings {
            #expect(text.contains(binding.description), "\(binding.description) at \(width)")
        }
        // A key label never runs into its description.
        for line in lines where line.hasPrefix("  ") && !line.hasPrefix("   ") {
            let label = line.dropFirst(2).prefix { $0 != " " }
            #expect(line.dropFirst(2 + label.count).hasPrefix(" ") || line.count == label.count + 2, "\(line)")
        }
        let end = OverlayScreen.maximumScroll(.help, model)
        #expect(end > 0)
        func scroll() -> Int { if case let .overlay(.help, scroll) = model.mode { scroll } else { -1 } }
        press(&model, .pageDown)
        #expect(scroll() == OverlayScreen.visibleRows(model.size) - 1)
        press(&model, .character("G"))
        #expect(scroll() == end)
        press(&model, .character("j"), .control("d"), .end)
        #expect(scroll() == end, "never past the end")
        press(&model, .character("k"))
        #expect(scroll() == end - 1, "one key up from the end moves at once")
        press(&model, .control("u"), .character("g"))
        #expect(scroll() == 0)
        press(&model, .character(" "))
        #expect(scroll() > 0)
        press(&model, .home)
        #expect(scroll() == 0)
    }

    /// Each glyph in the help's legend has one meaning, in both glyph sets.
    @Test(arguments: [Glyphs.unicode, Glyphs.ascii])
    func theLegendGivesEachGlyphOneMeaning(glyphs: Glyphs) {
        let model = Sample.model(size: Size(width: 100, height: 30), glyphs: glyphs)
        let lines = HelpScreen.lines(model, width: 98, glyphs: glyphs).map(\.plainText)
        let legend = lines.drop { $0 != "Legend" }.dropFirst()
        let marks = legend.compactMap { $0.split(separator: " ").first.map(String.init) }
        #expect(marks.count == 11)
        #expect(Set(marks).count == marks.count, "\(marks)")
    }

    /// A refusal longer than the status line says so there, and `M` shows it whole.
    @Test func aRefusalTooLongForTheStatusLineIsReadInFull() {
        var model = Sample.model(size: Size(width: 80, height: 24))
        press(&model, .character("j"), .character("a"))
        type(&model, "checked OPS-42")
        press(&model, .control("s"))
        let reason = "alice is not an eligible approver of REQ-000001: " + String(repeating: "not an owner of payments-db; ", count: 6) + "the end"
        feed(&model, .decisionResult(id: "REQ-000001", verdict: .approve, outcome: .refused(reason: .notEligible, message: reason)))
        let footer = view(model, size: model.size, glyphs: .unicode).lines.last ?? ""
        #expect(footer.hasSuffix(" M reads it all "), "\(footer)")
        press(&model, .character("M"))
        #expect(model.mode == .overlay(.messages, scroll: 0))
        let text = view(model, size: model.size, glyphs: .unicode).lines.joined(separator: " ")
            .split(separator: " ").joined(separator: " ")
        #expect(text.contains("not an owner of payments-db; the end"), "\(text)")
        press(&model, .escape)
        #expect(model.mode == .browse)
    }

    /// History shows each request's state glyph once: in the gutter, with the word in its column.
    @Test func historyShowsTheStateGlyphOnce() {
        var model = Sample.model(size: Size(width: 120, height: 30))
        press(&model, .character("5"))
        let lines = view(model, size: model.size, glyphs: .unicode).lines
        let row = lines.first { $0.contains("REQ-000008") } ?? ""
        #expect(row.contains("denied"))
        #expect(row.filter { $0 == "✘" }.count == 1, "\(row)")
    }

    @Test func denyWithMultiLineRationale() {
        var model = Sample.model()
        press(&model, .character("j"), .character("d"))
        type(&model, "no ticket")
        press(&model, .enter)
        type(&model, "ask again")
        let effects = press(&model, .alt("\n"))
        #expect(effects == [.decide(id: "REQ-000001", verdict: .deny, rationale: "no ticket\nask again", shownVersion: 1)])
    }

    @Test func noSingleKeyRecordsADecision() {
        // Every key, from a fresh list, in every context reachable by one press.
        let keys: [Key] = [.enter, .escape, .tab, .backTab, .control("s"), .alt("\n"), .character("y"),
                           .character("a"), .character("d")]
        for first in keys {
            for second in keys {
                var model = Sample.model()
                let effects = press(&model, first) + press(&model, second)
                #expect(!effects.contains { if case .decide = $0 { true } else { false } }, "\(first) \(second)")
            }
        }
    }

    @Test func rationaleMinimumIsEnforcedAfterTrimming() {
        var model = Sample.model()
        press(&model, .character("j"), .character("a"))
        type(&model, "   short  ")                                  // 5 characters once trimmed, minimum 10
        #expect(press(&model, .control("s")).isEmpty)
        #expect(model.message?.text.contains("needs 5 more characters") == true)
        guard case .decision = model.mode else { Issue.record("panel closed"); return }
        type(&model, "r reason")
        #expect(press(&model, .control("s")).count == 1)
    }

    @Test func backspaceEditsTheRationale() {
        var model = Sample.model()
        press(&model, .character("j"), .character("a"))
        type(&model, "abcd")
        press(&model, .backspace, .backspace)
        guard case let .decision(draft) = model.mode else { Issue.record("panel closed"); return }
        #expect(draft.rationale == "ab")
    }

    /// A paste past the rationale's limit keeps the limit and says so once.
    @Test func aPastePastTheLimitIsCutAndSaidOnce() {
        var model = Sample.model()
        press(&model, .character("j"), .character("a"))
        type(&model, String(repeating: "x", count: Limits.rationaleLength + 50))
        guard case let .decision(draft) = model.mode else { Issue.record("panel closed"); return }
        #expect(draft.rationale.unicodeScalars.count == Limits.rationaleLength)
        #expect(model.messageLog.filter { $0.text.contains("is limited to") }.count == 1, "\(model.messageLog)")
    }

    /// Pasted text is text: its control characters are dropped (a pasted
    /// Ctrl-s submits nothing), line breaks are new lines of the rationale;
    /// where nothing takes text the paste does nothing.
    @Test func aPasteIsTextNeverKeys() {
        var model = Sample.model()
        feed(&model, .paste("ja"))
        #expect(model.mode == .browse && selectedID(model) == Sample.model().selectedRequestID)
        #expect(model.message?.text.contains("the paste did nothing") == true)
        press(&model, .character("a"))
        #expect(feed(&model, .paste("checked\u{13} OPS-42\r\nowner\u{1B} agreed")).isEmpty)
        guard case let .decision(draft) = model.mode else { Issue.record("panel closed: \(model.mode)"); return }
        #expect(draft.rationale == "checked OPS-42\nowner agreed")
        press(&model, .escape, .character("/"))
        feed(&model, .paste("ledger\n"))
        #expect(model.filter == "ledger")
    }

    @Test func cancellingRecordsNothingAndKeepsTheDraft() {
        var model = Sample.model()
        press(&model, .character("j"), .character("a"))
        type(&model, "half written")
        #expect(press(&model, .escape).isEmpty)
        #expect(model.mode == .browse)
        #expect(model.drafts["approve REQ-000001"] == "half written")
        // An approval's draft is the approval's: the denial panel starts empty.
        press(&model, .character("d"))
        guard case let .decision(denial) = model.mode else { Issue.record("panel not open"); return }
        #expect(denial.rationale == "")
        #expect(denial.verdict == .deny)
        press(&model, .escape, .character("a"))
        guard case let .decision(draft) = model.mode else { Issue.record("panel not open"); return }
        #expect(draft.rationale == "half written")
        #expect(draft.verdict == .approve)
    }

    /// Production admin and break-glass approvals need a typed `yes`; denials and ordinary approvals do not.
    @Test func ctrlCInThePanelCancelsInsteadOfQuitting() {
        var model = Sample.model()
        press(&model, .character("j"), .character("a"))
        type(&model, "draft")
        #expect(press(&model, .control("c")).isEmpty)
        #expect(model.mode == .browse)
        #expect(model.drafts["approve REQ-000001"] == "draft")
    }

    @Test(arguments: [
        ("REQ-000003", Verdict.approve, true),   // break-glass, production admin
        ("REQ-000003", Verdict.deny, false),
        ("REQ-000001", Verdict.approve, false),  // production write
    ])
    func confirmationForRiskyApprovals(id: String, verdict: Verdict, confirms: Bool) {
        var model = Sample.model()
        while selectedID(model) != id { press(&model, .character("j")) }
        press(&model, .character(verdict == .approve ? "a" : "d"))
        type(&model, "incident INC-7 bridge")
        let submitted = press(&model, .control("s"))
        if !confirms {
            #expect(submitted.count == 1)
            return
        }
        #expect(submitted.isEmpty)
        guard case .confirm = model.mode else { Issue.record("no confirmation: \(model.mode)"); return }
        #expect(press(&model, .enter).isEmpty)                  // nothing typed yet
        type(&model, "yep")
        #expect(press(&model, .enter).isEmpty)                  // not "yes"
        press(&model, .backspace, .backspace)
        type(&model, "es")
        #expect(press(&model, .enter) == [.decide(id: id, verdict: .approve, rationale: "incident INC-7 bridge", shownVersion: 1)])
    }

    /// A risky approval is confirmed only where all of its restatement is on
    /// screen: a terminal made too small after Ctrl-s takes no `yes` and says
    /// how much taller it must be; enlarged again, the same `yes` records it.
    @Test func aConfirmationIsTakenOnlyWithEverythingOnScreen() {
        var model = Sample.model(size: Size(width: 100, height: 30))   // REQ-000003 selected first
        press(&model, .character("a"))
        type(&model, "incident INC-7 bridge")
        press(&model, .control("s"))
        guard case .confirm = model.mode else { Issue.record("no confirmation: \(model.mode)"); return }
        feed(&model, .resize(Size(width: 40, height: 12)))
        type(&model, "yes")
        #expect(press(&model, .enter).isEmpty)
        #expect(model.message?.text.contains("rows taller") == true, "\(String(describing: model.message))")
        feed(&model, .resize(Size(width: 100, height: 30)))
        #expect(press(&model, .enter) == [.decide(id: "REQ-000003", verdict: .approve, rationale: "incident INC-7 bridge",
                                                  shownVersion: 1)])
    }

    /// Nothing is decided on terms off screen: where the decision panel
    /// cannot show the whole restatement, or the terminal is too small to
    /// draw anything, Ctrl-s records nothing and says why; enlarged, the
    /// same draft is submitted. (Found submitting at 40×12, and blind below it.)
    @Test(arguments: [Size(width: 40, height: 12), Size(width: 30, height: 10)])
    func nothingIsSubmittedWithTermsOffScreen(_ size: Size) {
        var model = Sample.model(size: Size(width: 100, height: 30))
        press(&model, .character("j"), .character("a"))              // REQ-000001, no confirmation needed
        type(&model, "checked OPS-42 owner agreed")
        feed(&model, .resize(size))
        #expect(press(&model, .control("s")).isEmpty)
        guard case .decision = model.mode else { Issue.record("left the panel: \(model.mode)"); return }
        let expected = size.height < ConsoleLayout.minimumSize.height ? "too small" : "rows taller"
        #expect(model.message?.text.contains(expected) == true, "\(String(describing: model.message))")
        feed(&model, .resize(Size(width: 100, height: 30)))
        #expect(model.message == nil, "what it said of the old size stays: \(String(describing: model.message))")
        #expect(press(&model, .control("s")).count == 1)
    }

    @Test func escapeFromConfirmationReturnsToTheRationale() {
        var model = Sample.model()                                // REQ-000003 selected first
        press(&model, .character("a"))
        type(&model, "incident INC-7 bridge")
        press(&model, .control("s"), .escape)
        guard case let .decision(draft) = model.mode else { Issue.record("not back in panel"); return }
        #expect(draft.rationale == "incident INC-7 bridge")
    }

    @Test func conflictReloadsAndNothingIsRecordedAgainstTheOldVersion() {
        var model = Sample.model()
        press(&model, .character("j"), .character("a"))
        type(&model, "checked OPS-42")
        press(&model, .control("s"))
        let effects = feed(&model, .decisionResult(id: "REQ-000001", verdict: .approve,
                                                   outcome: .refused(reason: .staleVersion, message: "REQ-000001 changed")))
        #expect(effects == [.loadSnapshot])
        #expect(model.mode == .browse)
        #expect(model.message?.role == .error)
        #expect(model.message?.text.contains("NOT recorded") == true)
        #expect(model.drafts["approve REQ-000001"] == "checked OPS-42")
        // The reload shows version 2; a new panel sends version 2, never 1.
        var rows = Sample.rows
        rows[0].version = 2
        feed(&model, .snapshotLoaded(Sample.snapshot(rows: rows, token: 2)))
        #expect(selectedID(model) == "REQ-000001")
        press(&model, .character("a"))
        #expect(model.message?.text.contains("was written for version 1; it is version 2 now") == true, "\(model.message?.text ?? "")")
        // Kept, but not submitted as it is: it was written for what version 1 said.
        #expect(press(&model, .control("s")).isEmpty)
        #expect(model.message?.text.contains("written for version 1 of REQ-000001, not 2: read what changed, then edit it") == true,
                "\(model.message?.text ?? "")")
        type(&model, ", still read only")
        #expect(press(&model, .control("s")) == [.decide(id: "REQ-000001", verdict: .approve, rationale: "checked OPS-42, still read only",
                                                          shownVersion: 2)])
    }

    /// Eligibility can end with the request unchanged (a policy applied, a
    /// delegation over): the open panel follows its request's fresh detail,
    /// even once the request has left the list, and records nothing.
    @Test func aPanelWhoseApproverIsNoLongerEligibleSubmitsNothing() {
        var model = Sample.model()
        press(&model, .character("j"), .character("a"))
        type(&model, "checked OPS-42 owner agreed")
        guard let id = model.openDraft?.id, let row = model.selectedRow else { Issue.record("no panel"); return }
        var detail = Sample.detail(row)
        detail.mayDecide = false
        detail.whyNot = "dave is not an eligible approver under policy 2"
        feed(&model, .detailLoaded(detail))
        #expect(press(&model, .control("s")).isEmpty)
        #expect(model.message?.text.contains("you may no longer decide \(id): dave is not an eligible approver") == true,
                "\(model.message?.text ?? "")")
        // A reload that no longer lists it still asks for its detail.
        model.details = [:]
        #expect(model.detailEffects().contains(.loadDetail(id: id)))
    }

    /// A request being read that someone else decides leaves the queue on the
    /// next reload: the console says so, and by whom, rather than silently
    /// showing another request in its place.
    @Test func aRequestDecidedElsewhereWhileReadIsNamed() throws {
        var model = Sample.model()
        press(&model, .character("j"))
        #expect(selectedID(model) == "REQ-000001")
        var rows = Sample.rows
        let index = try #require(rows.firstIndex { $0.id == "REQ-000001" })
        rows[index].state = .denied
        rows[index].decidedBy = ["erin"]
        feed(&model, .snapshotLoaded(Sample.snapshot(rows: rows, token: 2)))
        #expect(selectedID(model) != "REQ-000001")
        #expect(model.message?.text.contains("REQ-000001 was denied by erin meanwhile and left this list") == true,
                "\(model.message?.text ?? "")")
    }

    @Test func aReloadUnderAnOpenPanelIsFlaggedAndKeepsTheShownVersion() {
        var model = Sample.model()
        press(&model, .character("j"), .character("a"))
        var rows = Sample.rows
        rows[0].version = 3
        feed(&model, .snapshotLoaded(Sample.snapshot(rows: rows, token: 2)))
        guard case let .decision(draft) = model.mode else { Issue.record("panel closed"); return }
        #expect(draft.changedUnderneath)
        #expect(draft.shownVersion == 1)
    }

    /// The clock alone can change which step an approval counts for (a
    /// rotation turned): the panel restates it without claiming that someone
    /// decided meanwhile.
    @Test func aStepMovedByTheClockIsNotCalledAnotherDecision() {
        var model = Sample.model()
        press(&model, .character("a"))
        guard case let .decision(before) = model.mode, let row = model.rows.first(where: { $0.id == before.id }) else {
            Issue.record("no panel"); return
        }
        var detail = Sample.detail(row)
        detail.progress.append(StepStatus(step: RoutedStep(name: "on-call SRE", approvers: "rotation:sre-oncall", required: 1),
                                          approvedBy: []))
        detail.myStep = detail.progress.count - 1
        _ = update(&model, .detailLoaded(detail))
        guard case let .decision(after) = model.mode else { Issue.record("panel closed"); return }
        #expect(after.step != before.step && after.step?.contains("on-call SRE") == true, "\(after.step ?? "")")
        #expect(model.message?.text.contains("changed with the clock") == true, "\(model.message?.text ?? "")")
        #expect(model.message?.text.contains("another decision") == false)
    }

    /// Another approver's approval changes neither the version nor the
    /// state, but it changes what this approval does: the panel says so
    /// anew. A confirmation typed for what it said before is typed again,
    /// and one whose request moved on takes no yes at all.
    @Test func anApprovalRecordedMeanwhileRestatesWhatThisOneDoes() {
        var rows = Sample.rows
        rows[0].approvals = 0
        rows[0].approvalsNeeded = 2
        var model = ConsoleModel(size: Size(width: 100, height: 30), glyphs: .unicode, now: now)
        feed(&model, .snapshotLoaded(Sample.snapshot(rows: rows)))
        press(&model, .character("j"), .character("a"))
        guard case let .decision(before) = model.mode else { Issue.record("no panel"); return }
        #expect(before.step?.hasSuffix("it then needs 1 more") == true, "\(before.step ?? "")")
        rows[0].approvals = 1
        feed(&model, .snapshotLoaded(Sample.snapshot(rows: rows, token: 2)))
        guard case let .decision(after) = model.mode else { Issue.record("panel closed"); return }
        #expect(after.step?.hasSuffix("this approval completes the request") == true, "\(after.step ?? "")")
        #expect(!after.changedUnderneath && after.shownVersion == before.shownVersion)
        #expect(model.message?.text.contains("another decision on \(after.id) was recorded meanwhile") == true)

        // The same in a confirmation: its yes is dropped; a new version blocks it.
        var confirming = after
        confirming.request.access = .admin
        confirming.request.environment = "production"
        model.mode = .confirm(confirming, typed: "yes")
        rows[0].approvals = 0
        feed(&model, .snapshotLoaded(Sample.snapshot(rows: rows, token: 3)))
        guard case let .confirm(_, typed) = model.mode else { Issue.record("confirmation closed"); return }
        #expect(typed.isEmpty, "a yes given to what the panel said before")
        model.mode = .confirm(confirming, typed: "yes")
        rows[0].version += 1
        feed(&model, .snapshotLoaded(Sample.snapshot(rows: rows, token: 4)))
        guard case let .confirm(changed, _) = model.mode else { Issue.record("confirmation closed"); return }
        #expect(changed.changedUnderneath)
        #expect(KeyMap.confirmBlocker(model)?.contains("changed since you saw it") == true)
        #expect(press(&model, .character("y"), .character("e"), .character("s"), .enter).isEmpty)
    }

    @Test func aRuleRefusalClosesThePanelWithTheReasonInTheStatusLine() {
        var model = Sample.model()
        press(&model, .character("j"), .character("a"))
        type(&model, "checked OPS-42")
        press(&model, .control("s"))
        let effects = feed(&model, .decisionResult(id: "REQ-000001", verdict: .approve,
                                                   outcome: .refused(reason: .notEligible, message: "rotation moved on")))
        #expect(effects.isEmpty)
        #expect(model.mode == .browse)
        #expect(model.message?.text.contains("rotation moved on") == true)
        #expect(model.drafts["approve REQ-000001"] == nil)
    }

    /// Someone eligible for a step their approval would not count for (it has
    /// its approvals) may deny, as the command line records it, and not approve.
    @Test func aDenialOpensWhereOnlyADenialWouldCount() {
        var model = Sample.model()
        press(&model, .character("j"))
        guard let row = model.selectedRow else { Issue.record("no row"); return }
        var detail = Sample.detail(row)
        detail.mayDecide = false
        detail.mayDeny = true
        detail.whyNot = "owners of payments-db already has its approvals; you may still deny it"
        feed(&model, .detailLoaded(detail))
        #expect(press(&model, .character("a")).isEmpty)
        #expect(model.mode == .browse && model.message?.text.contains("already has its approvals") == true, "\(model.message?.text ?? "")")
        press(&model, .character("d"))
        #expect(model.openDraft?.verdict == .deny, "\(model.mode)")
        let you = DetailContent.lines(model, width: 120).map(\.plainText).first { $0.hasPrefix("You") }
        #expect(you?.contains("you may deny this request, not approve it") == true, "\(you ?? "")")
    }

    @Test func cannotDecideWithoutEligibility() {
        var model = Sample.model()
        press(&model, .character("2"))
        while selectedID(model) != "REQ-000004" { press(&model, .character("j")) }
        #expect(press(&model, .character("a")).isEmpty)
        #expect(model.mode == .browse)
        #expect(model.message?.text.contains("not an eligible approver") == true)
    }

    @Test func readOnlyDropsDecisionKeys() {
        var model = Sample.model()
        model.readOnly = true
        press(&model, .character("j"), .character("a"))
        #expect(model.mode == .browse)
    }

    // MARK: Finding

    @Test func filterNarrowsAsYouTypeAndEscClears() {
        var model = Sample.model()
        press(&model, .character("2"), .character("/"))
        type(&model, "LEDGER-api")
        #expect(model.visible.count == 1)
        #expect(selectedID(model) == "REQ-000004")
        press(&model, .backspace, .backspace, .backspace, .backspace)   // "ledger"
        #expect(model.visible.count == 6)                               // scope "schema ledger"
        press(&model, .enter)
        #expect(model.mode == .browse)
        #expect(model.filter == "LEDGER")
        press(&model, .escape)
        #expect(model.filter.isEmpty)
        #expect(model.visible.count == 6)
    }

    /// Esc pressed just before another key reaches the console as Alt and
    /// that key: where that Alt key means nothing, it is both keys.
    @Test func escapeThenAKeyIsBothKeys() {
        var model = Sample.model()
        press(&model, .character("2"), .character("/"))
        type(&model, "ledger")
        press(&model, .enter)
        #expect(model.filter == "ledger")
        press(&model, .alt("5"))
        #expect(model.filter.isEmpty)
        #expect(model.tab == .history)
        // In the panel: the draft is kept, as Esc keeps it, and the key acts after it.
        press(&model, .character("1"), .character("a"))
        type(&model, "half written")
        press(&model, .alt("d"))
        guard case let .decision(draft) = model.mode else { Issue.record("not in the denial panel: \(model.mode)"); return }
        #expect(draft.verdict == .deny && draft.rationale.isEmpty)
        #expect(model.drafts.values.contains("half written"))
    }

    @Test func filterFindsCJKAndHistory() {
        var model = Sample.model()
        press(&model, .character("2"), .character("/"))
        type(&model, "エージ")
        #expect(model.visible.count == 1)
        press(&model, .escape, .character("5"), .character("/"))
        type(&model, "ci-runner")
        #expect(model.visible.map { model.rows[Int($0)].id } == ["REQ-000008"])
    }

    @Test func nextAndPreviousMatchWrap() {
        var model = Sample.model()
        press(&model, .character("2"))
        #expect(press(&model, .character("n")).isEmpty)
        #expect(model.message?.text.contains("press / first") == true)
        press(&model, .character("/"))
        type(&model, "payments")
        press(&model, .enter)
        let matches = model.visible.count
        #expect(matches == 5)
        press(&model, .character("N"))
        #expect(model.selection.index == matches - 1)
        #expect(model.message?.text == "search wrapped")
        press(&model, .character("n"))
        #expect(model.selection.index == 0)
    }

    @Test func nextMatchInDetailScrollsToTheLine() {
        var model = Sample.model(size: Size(width: 100, height: 30))
        press(&model, .character("/"))
        type(&model, "timeline")
        press(&model, .enter, .escape)                 // keep? no: Esc clears; set again below
        press(&model, .character("/"))
        type(&model, "ops-42")
        press(&model, .enter, .enter)                  // focus detail
        #expect(model.focus == .detail)
        press(&model, .character("n"))
        let line = model.detailLines()[model.detailScroll].plainText.lowercased()
        #expect(line.contains("ops-42"))
    }

    @Test func sortCycles() {
        var model = Sample.model()
        press(&model, .character("2"))
        #expect(selectedID(model) == "REQ-000003")     // break-glass first
        let orders = (0..<5).map { _ -> String in
            press(&model, .character("s"))
            return model.sortOrder.label(in: .allPending)
        }
        #expect(orders == ["oldest", "newest", "system", "requester", "priority"])
        press(&model, .character("s"), .character("s"), .character("g"))   // newest
        #expect(selectedID(model) == "REQ-000003")
        press(&model, .character("G"))
        #expect(selectedID(model) == "REQ-000001")
    }

    // MARK: Moving and switching

    @Test func tabsAndNumberKeysSwitchLists() {
        var model = Sample.model()
        #expect(model.tab == .myQueue)
        press(&model, .tab)
        #expect(model.tab == .allPending)
        press(&model, .backTab, .backTab)
        #expect(model.tab == .drift)
        for (key, tab) in [("1", ConsoleTab.myQueue), ("2", .allPending), ("3", .breakGlass), ("4", .expiring), ("5", .history),
                           ("6", .drift)] {
            press(&model, .character(Character(key)))
            #expect(model.tab == tab)
        }
        // Expiring lists grants, and the sample has none.
        #expect([ConsoleTab.myQueue, .allPending, .breakGlass, .expiring, .history].map(model.count(of:)) == [4, 6, 1, 0, 2])
    }

    @Test func myQueueIsBreakGlassFirstThenOldest() {
        let model = Sample.model()
        #expect(model.visible.map { model.rows[Int($0)].id } == ["REQ-000003", "REQ-000001", "REQ-000005", "REQ-000002"])
    }

    @Test func movementKeys() {
        var model = ConsoleModel(size: Size(width: 100, height: 30), now: now)
        feed(&model, .snapshotLoaded(ConsoleFixtures.snapshot(count: 500)))
        press(&model, .character("2"))
        let page = ConsoleLayout(size: model.size, focus: .list).listRows
        press(&model, .character("j"), .down)
        #expect(model.selection.index == 2)
        press(&model, .character("k"))
        #expect(model.selection.index == 1)
        press(&model, .pageDown)
        #expect(model.selection.index == 1 + page)
        press(&model, .pageUp)
        #expect(model.selection.index == 1)
        press(&model, .control("d"))
        #expect(model.selection.index == 1 + page / 2)
        press(&model, .control("u"))
        #expect(model.selection.index == 1)
        press(&model, .end)
        #expect(model.selection.index == model.visible.count - 1)
        #expect(model.selection.top == model.visible.count - page)
        press(&model, .home)
        #expect(model.selection == (0, 0) ? true : false)
        press(&model, .up)
        #expect(model.selection.index == 0)
    }

    @Test func detailFocusScrollsAndComesBack() {
        var model = Sample.model(size: Size(width: 100, height: 30))
        press(&model, .character("l"))
        #expect(model.focus == .detail)
        press(&model, .character("j"), .character("j"))
        #expect(model.detailScroll == 2)
        press(&model, .character("G"))
        let maximum = model.detailScroll
        press(&model, .character("j"))
        #expect(model.detailScroll == maximum)
        press(&model, .character("h"))
        #expect(model.focus == .list)
        press(&model, .enter, .escape)
        #expect(model.focus == .list)
    }

    @Test func detailIsLoadedLazilyAndCached() {
        var model = ConsoleModel(size: Size(width: 100, height: 30), now: now)
        let first = update(&model, .snapshotLoaded(Sample.snapshot()))
        #expect(first == [.loadDetail(id: "REQ-000003")])
        #expect(update(&model, .key(.character("j"))) == [.loadDetail(id: "REQ-000001")])
        _ = update(&model, .detailLoaded(Sample.detail(model.selectedRow!)))
        _ = update(&model, .key(.character("k")))
        #expect(update(&model, .key(.character("j"))).isEmpty)      // cached
    }

    @Test func helpOpensAndCloses() {
        var model = Sample.model()
        press(&model, .character("?"))
        #expect(model.mode == .overlay(.help, scroll: 0))
        press(&model, .character("j"))
        #expect(model.mode == .overlay(.help, scroll: 1))
        press(&model, .escape)
        #expect(model.mode == .browse)
    }

    // MARK: Quitting and polling

    @Test func quitWithoutDraftQuits() {
        var model = Sample.model()
        #expect(press(&model, .character("q")) == [.quit])
    }

    @Test func quitWithADraftAsksFirst() {
        var model = Sample.model()
        press(&model, .character("j"), .character("a"))
        type(&model, "draft")
        press(&model, .escape)
        #expect(press(&model, .character("q")).isEmpty)
        guard case .quitPrompt = model.mode else { Issue.record("no prompt"); return }
        press(&model, .character("n"))
        #expect(model.mode == .browse)
        press(&model, .character("q"))
        #expect(press(&model, .character("y")) == [.quit])
    }

    @Test func qInsideThePanelIsText() {
        var model = Sample.model()
        press(&model, .character("j"), .character("a"))
        #expect(press(&model, .character("q")).isEmpty)
        guard case let .decision(draft) = model.mode else { Issue.record("panel closed"); return }
        #expect(draft.rationale == "q")
    }

    @Test func tickPollsAndAChangedTokenReloads() {
        var model = Sample.model()
        let later = now.addingTimeInterval(1)
        #expect(update(&model, .tick(later)) == [.pollChanges])
        #expect(model.now == later)
        #expect(update(&model, .changeToken(1)).isEmpty)
        #expect(update(&model, .changeToken(2)) == [.loadSnapshot])
    }

    /// A snapshot judged by the clock (whose queue a request is in at a
    /// rotation's turn) is loaded again once its time comes, though the
    /// store did not change; a load under way is not started over.
    @Test func aSnapshotIsJudgedAgainWhenItsTimeComes() {
        var model = Sample.model()
        var snapshot = Sample.snapshot(token: 1)
        let due = now.addingTimeInterval(30)
        snapshot.judgeAgainAt = due
        feed(&model, .snapshotLoaded(snapshot))
        #expect(model.judgeAgainAt == due)
        #expect(update(&model, .tick(due.addingTimeInterval(-1))) == [.pollChanges])
        #expect(update(&model, .tick(due)) == [.loadSnapshot])
        #expect(update(&model, .tick(due.addingTimeInterval(1))) == [.pollChanges], "once, until the next snapshot says when")
        // A load that fails is tried again a few seconds later.
        _ = update(&model, .snapshotFailed("the store is locked"))
        #expect(update(&model, .tick(due.addingTimeInterval(5))) == [.loadSnapshot])
        feed(&model, .snapshotLoaded(Sample.snapshot(token: 1)))
        #expect(model.judgeAgainAt == nil)
        #expect(update(&model, .tick(due.addingTimeInterval(3600))) == [.pollChanges], "nothing in it depends on the clock")
    }

    @Test func anotherApproversDecisionMovesTheRowOutOfMyQueue() {
        var model = Sample.model()
        press(&model, .character("j"), .character("j"))            // REQ-000005
        var rows = Sample.rows
        rows[4].state = .approved
        rows[4].mineNow = false
        feed(&model, .snapshotLoaded(Sample.snapshot(rows: rows, token: 2)))
        #expect(model.count(of: .myQueue) == 3)
        #expect(selectedID(model) == "REQ-000002")                 // the next one takes its place
    }

    @Test func resizeKeepsTheSelectionVisible() {
        var model = ConsoleModel(size: Size(width: 200, height: 60), now: now)
        feed(&model, .snapshotLoaded(ConsoleFixtures.snapshot(count: 500)))
        press(&model, .character("2"))
        for _ in 0..<40 { press(&model, .character("j")) }
        feed(&model, .resize(Size(width: 40, height: 12)))
        let rows = ConsoleLayout(size: model.size, focus: .list).listRows
        #expect(model.selection.index - model.selection.top < rows)
    }
}
