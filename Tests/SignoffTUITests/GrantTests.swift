import Foundation
import SignoffCore
import Testing
@testable import SignoffTUI

/// The grant lists (Expiring, Break-glass) and the actions on grants, through
/// `update` and the loop, as an approver or a manager would notice them.
@Suite struct GrantListTests {
    /// The IDs and headings of the visible list, in order.
    func lines(_ model: ConsoleModel) -> [String] {
        model.visible.map { raw in
            switch ListEntry(raw) {
            case let .request(index): model.rows[index].id
            case let .grant(index): model.grants[index].id
            case let .review(index): "review " + model.grants[index].id
            case let .heading(section): "## " + section.title
            case .columns: "(columns)"
            case let .finding(index): model.findings[index].id
            }
        }
    }

    @Test func expiringIsActiveBySoonestEndThenAwaitingThenUnremoved() {
        var model = Sample.grantModel()
        press(&model, .character("4"))
        #expect(lines(model) == [
            "## Active grants, soonest end first", "REQ-900005", "REQ-900001", "REQ-900006", "REQ-900002",
            "## Approved, awaiting provisioning", "REQ-900003",
            "## Ended or failed, removal not confirmed", "REQ-900004",
        ])
        #expect(model.count(of: .expiring) == 6)
        // The heading is never selected: the first grant is.
        #expect(model.selectedGrant?.row.id == "REQ-900005")
        press(&model, .character("j"), .character("j"), .character("j"), .character("j"))
        #expect(model.selectedGrant?.row.id == "REQ-900003", "moving down skips the heading")
        press(&model, .character("k"))
        #expect(model.selectedGrant?.row.id == "REQ-900002", "moving up skips it too")
    }

    /// Ended grants are in the order of the time the list shows for them
    /// (an expiry, not the sweep that recorded it later), IDs in number order.
    @Test func endedGrantsAreInTheOrderOfTheTimeShown() {
        let base = ConsoleFixtures.grants(now: now)[3].grant
        func ended(_ id: String, expiredHoursAgo: Double, sweptHoursAgo: Double) -> ConsoleGrantRow {
            var grant = base
            grant.requestID = id
            grant.expiresAt = now.addingTimeInterval(-expiredHoursAgo * 3600)
            grant.endedAt = now.addingTimeInterval(-sweptHoursAgo * 3600)
            return ConsoleGrantRow(grant: grant, responsible: true)
        }
        // REQ-20 expired first, but a late sweep recorded it last; REQ-9 and REQ-10 tie.
        let rows = [ended("REQ-10", expiredHoursAgo: 5, sweptHoursAgo: 5), ended("REQ-20", expiredHoursAgo: 30, sweptHoursAgo: 1),
                    ended("REQ-9", expiredHoursAgo: 5, sweptHoursAgo: 5)]
        var model = ConsoleModel(size: Size(width: 120, height: 30), glyphs: .unicode, now: now)
        feed(&model, .snapshotLoaded(Sample.snapshot(grants: rows)))
        press(&model, .character("4"))
        #expect(lines(model) == ["## Ended or failed, removal not confirmed", "REQ-20", "REQ-9", "REQ-10"])
    }

    @Test func mineKeepsMyPeopleAndMySystemsOnly() {
        var model = Sample.grantModel()
        press(&model, .character("4"), .character("m"))
        #expect(lines(model) == ["## Active grants, soonest end first", "REQ-900001",
                                 "## Ended or failed, removal not confirmed", "REQ-900004"])
        #expect(model.count(of: .expiring) == 2)
        #expect(model.count(of: .breakGlass) == 3, "Break-glass always shows everything")
        press(&model, .character("m"))
        #expect(model.count(of: .expiring) == 6)
        // Elsewhere the key says where it works instead of doing nothing.
        press(&model, .character("1"), .character("m"))
        #expect(model.message?.text.contains("only the Expiring list") == true)
    }

    @Test func breakGlassShowsRequestsEmergencyGrantsAndReviews() {
        var model = Sample.grantModel()
        press(&model, .character("3"))
        #expect(lines(model) == [
            "## Pending emergency requests", "REQ-000003",
            // The pane's header names request columns: the grants name theirs.
            "## Active emergency grants", "(columns)", "REQ-900005",
            "## Post-incident reviews due", "review REQ-900005",
        ])
        #expect(model.openBreakGlassCount == 1)
        #expect(model.count(in: .activeBreakGlass) == 1)
        // Filtering keeps a heading only while its section shows something.
        press(&model, .character("/"))
        type(&model, "mallory")
        #expect(lines(model) == ["## Active emergency grants", "(columns)", "REQ-900005",
                                 "## Post-incident reviews due", "review REQ-900005"])
        #expect(model.visibleCount == 2)
        type(&model, "-no-such-grant")
        #expect(lines(model).isEmpty, "no heading or column line is left without an item")
        // Without emergency requests the header names grant columns: no line of its own.
        var grantsOnly = Sample.grantModel()
        feed(&grantsOnly, .snapshotLoaded(Sample.snapshot(rows: Sample.rows.filter { !$0.breakGlass }, grants: Sample.grants)))
        press(&grantsOnly, .character("3"))
        #expect(lines(grantsOnly).first == "## Active emergency grants")
        #expect(!lines(grantsOnly).contains("(columns)"))
    }

    @Test func revokeOpensAPanelAndSendsOnlyWithARationale() {
        var model = Sample.grantModel()
        press(&model, .character("4"), .character("j"))
        #expect(model.selectedGrant?.row.id == "REQ-900001")
        #expect(press(&model, .character("R")).isEmpty, "opening records nothing")
        guard case let .decision(draft) = model.mode else { Issue.record("no panel: \(model.mode)"); return }
        #expect(draft.action == .grant(.revoke))
        type(&model, "short")
        #expect(press(&model, .control("s")).isEmpty)
        #expect(model.message?.text.contains("needs 5 more characters") == true)
        type(&model, " lived")
        #expect(press(&model, .control("s")) == [.grantAction(id: "REQ-900001", action: .revoke, rationale: "short lived")])
    }

    @Test func refusalsShowLikeDecisionRefusals() {
        var model = Sample.grantModel()
        press(&model, .character("4"), .character("R"))
        type(&model, "incident is over now")
        press(&model, .control("s"))
        // The store's own minimum is longer than the console knew: editing fixes it.
        let short = feed(&model, .grantActionResult(id: "REQ-900005", action: .revoke,
                                                    outcome: .refused(reason: .rationaleTooShort, message: "needs 30 characters")))
        #expect(short.isEmpty)
        #expect(model.message?.text == "✘ revocation of REQ-900005 refused: needs 30 characters")
        #expect(model.message?.role == .error)
        guard case let .decision(draft) = model.mode else { Issue.record("the panel closed"); return }
        #expect(draft.problem == "refused (rationale too short): needs 30 characters")
        #expect(draft.rationale == "incident is over now", "the rationale survives a refusal")
        type(&model, ", no more access needed")
        press(&model, .control("s"))
        let recorded = feed(&model, .grantActionResult(id: "REQ-900005", action: .revoke, outcome: .recorded(state: .approved)))
        #expect(recorded == [.loadSnapshot], "the list reloads after")
        #expect(model.mode == .browse)
        #expect(model.message?.role == .success)
    }

    /// A rule no edit can satisfy closes the panel and drops the draft, so
    /// quitting does not ask about it; the reason stays in the status line.
    @Test func aRuleRefusalClosesThePanelAndDropsTheDraft() {
        var model = Sample.grantModel()
        press(&model, .character("4"), .character("R"))
        type(&model, "incident is over now")
        press(&model, .control("s"))
        let refused = feed(&model, .grantActionResult(id: "REQ-900005", action: .revoke,
                                                      outcome: .refused(reason: .notEligible, message: "alice may not revoke REQ-900005")))
        #expect(refused.isEmpty)
        #expect(model.mode == .browse)
        #expect(model.message?.text == "✘ revocation of REQ-900005 refused: alice may not revoke REQ-900005")
        #expect(model.drafts.isEmpty)
        #expect(press(&model, .character("q")).contains(.quit), "no draft to ask about")
    }

    @Test func grantKeysExplainWhereTheyWork() {
        var model = Sample.grantModel()
        press(&model, .character("R"))
        #expect(model.mode == .browse)
        #expect(model.message?.text.contains("select a grant") == true)
        press(&model, .character("4"), .character("G"))               // REQ-900004, expired
        press(&model, .character("R"))
        #expect(model.message?.text.contains("already expired; nothing to revoke") == true)
        press(&model, .character("a"))
        #expect(model.message?.text.contains("is a grant") == true)
        press(&model, .character("c"))
        #expect(model.message?.text.contains("select a post-incident review") == true)
    }

    @Test func completingAReviewFromBreakGlass() {
        var model = Sample.grantModel()
        press(&model, .character("3"), .character("G"), .character("c"))
        guard case let .decision(draft) = model.mode else { Issue.record("no panel: \(model.mode)"); return }
        #expect(draft.action == .grant(.completeIncidentReview))
        type(&model, "bridge notes in INC-9")
        #expect(press(&model, .control("s")) == [.grantAction(id: "REQ-900005", action: .completeIncidentReview,
                                                              rationale: "bridge notes in INC-9")])
    }

    @Test func aClosedPanelKeepsItsDraftPerAction() {
        var model = Sample.grantModel()
        press(&model, .character("3"), .character("G"), .character("c"))
        type(&model, "reviewed the bridge")
        press(&model, .escape, .character("R"))
        guard case let .decision(draft) = model.mode else { Issue.record("no panel"); return }
        #expect(draft.rationale.isEmpty, "a review draft must not turn up in a revocation")
        press(&model, .escape, .character("c"))
        guard case let .decision(again) = model.mode else { Issue.record("no panel"); return }
        #expect(again.rationale == "reviewed the bridge")
    }

    @Test func selfActivationIsUnmistakable() {
        var model = Sample.grantModel()
        press(&model, .character("3"), .character("G"))
        let text = DetailContent.lines(model, width: 60).map(\.plainText)
        #expect(text.contains { $0.hasPrefix("Decision") && $0.contains("SELF-ACTIVATED") },
                "the request's decision says it was self-activated")
        #expect(text.contains { $0.contains("SELF-ACTIVATED by the requester") })
        let grid = view(model, size: model.size, glyphs: .ascii)
        expectWellFormed(grid)
        #expect(grid.lines.contains { $0.contains("OVERDUE 3h ago") })
    }

    /// Grants reconciliation has not seen carried out are marked in the
    /// Expiring list (and found by the filter); the detail names the run.
    @Test func expiringMarksGrantsReconciliationHasNotConfirmed() {
        var model = Sample.grantModel(size: Size(width: 200, height: 30))
        press(&model, .character("4"))
        let lines = view(model, size: model.size, glyphs: .unicode).lines
        func line(_ id: String) -> String { lines.first { $0.contains(id) && !$0.contains("Detail") } ?? "" }
        #expect(line("REQ-900002").contains("unreconciled"), "\(line("REQ-900002"))")
        #expect(!line("REQ-900001").contains("unreconciled") && !line("REQ-900001").contains("NOT SEEN"), "seen: no mark")
        func flags(_ id: String) -> String {
            guard let row = model.grants.first(where: { $0.id == id }) else { return "" }
            return StyledLine(GrantColumn.flags.cell(row, false, model.now, .unicode, 200, model.production)).plainText
        }
        #expect(flags("REQ-900005").hasSuffix("access NOT SEEN"), "\(flags("REQ-900005"))")
        #expect(flags("REQ-900004") == "not removed (5h ago), access STILL PRESENT")
        #expect(flags("REQ-900003").hasSuffix("unreconciled"))
        #expect(flags("REQ-900001").isEmpty)
        var detail = DetailContent.lines(model, width: 80).map(\.plainText)
        #expect(detail.contains { $0.hasPrefix("Reconciled") && $0.contains("access not seen by run 40") }, "\(detail)")
        press(&model, .character("j"))
        detail = DetailContent.lines(model, width: 80).map(\.plainText)
        #expect(detail.contains { $0.hasPrefix("Reconciled") && $0.contains("access seen by run 40") }, "\(detail)")
        press(&model, .character("/"))
        type(&model, "unreconciled")
        #expect(self.lines(model).filter { $0.hasPrefix("REQ-") }.sorted() == ["REQ-900002", "REQ-900003", "REQ-900006"])
    }

    /// A grant whose history holds decisions signoff does not record is
    /// marked DISPUTED first in the grant lists (not only in its detail), and
    /// the filter finds it by that word.
    @Test func aDisputedGrantIsMarkedFirstInTheList() throws {
        var grants = Sample.grants
        let index = try #require(grants.firstIndex { $0.id == "REQ-900004" })
        grants[index].disputed = ["event 12: review_recorded by mallory\u{1B}[2J: the requester approves their own request"]
        var model = ConsoleModel(size: Size(width: 200, height: 30), glyphs: .unicode, now: now)
        feed(&model, .snapshotLoaded(Sample.snapshot(grants: grants)))
        press(&model, .character("4"))
        for glyphs in [Glyphs.unicode, .ascii] {
            let flags = StyledLine(GrantColumn.flags.cell(grants[index], false, model.now, glyphs, 200, model.production))
            #expect(flags.plainText.hasPrefix("\(glyphs.denied) DISPUTED, not removed"), "\(flags.plainText)")
            #expect(flags.spans.first?.role == .error)
        }
        #expect(!StyledLine(GrantColumn.flags.cell(grants[0], false, model.now, .unicode, 200, model.production)).plainText.contains("DISPUTED"))
        let lines = view(model, size: model.size, glyphs: .unicode).lines
        #expect(lines.contains { $0.contains("REQ-900004") && $0.contains("✘ DISPUTED") }, "\(lines)")
        #expect(!lines.joined().unicodeScalars.contains { $0 == "\u{1B}" }, "no escape reaches the terminal")
        press(&model, .character("/"))
        type(&model, "disputed")
        #expect(self.lines(model).filter { $0.hasPrefix("REQ-") } == ["REQ-900004"])
    }

    /// The "Left / due" column (14 wide) takes the first wording that fits,
    /// never a word cut off.
    @Test(arguments: [(3_600.0 * 76, "revoked 3d4h"), (3_600.0 * 292, "revoked 12d4h"), (1_800.0, "revoked 30m"),
                      (300.0, "revoked 5m ago"), (10.0, "revoked")])
    func theTimeLeftColumnSaysWhatFits(_ ago: TimeInterval, _ expected: String) {
        var row = Sample.grants[0]
        row.grant.state = .revoked
        row.grant.endedAt = now.addingTimeInterval(-ago)
        let cell = GrantColumn.when.cell(row, false, now, .unicode, 14, ProductionEnvironments())
        #expect(cell.map(\.text).joined() == expected)
        row.grant.state = .awaitingProvisioning
        #expect(GrantColumn.when.cell(row, false, now, .unicode, 14, ProductionEnvironments()).map(\.text).joined() == "awaiting prov.")
        #expect(GrantColumn.when.cell(row, false, now, .unicode, 30, ProductionEnvironments()).map(\.text).joined() == "starts at provisioning")
    }

    @Test func timeLeftFollowsTheModelsClock() {
        var model = Sample.grantModel()
        press(&model, .character("4"), .character("j"))
        #expect(view(model, size: model.size, glyphs: .unicode).lines.contains { $0.contains("2h30m left") })
        _ = update(&model, .tick(now.addingTimeInterval(3 * 3600)))
        #expect(view(model, size: model.size, glyphs: .unicode).lines.contains { $0.contains("due to expire") })
    }

    @Test func revokingThroughTheLoopFlagsTheGrantAsNotRemoved() {
        let backend = InMemoryConsoleBackend(snapshot: Sample.snapshot(grants: Sample.grants))
        let device = FakeDevice(size: Size(width: 120, height: 30), events: [])
        let clock = FakeClock()
        let loop = ConsoleLoop(model: ConsoleModel(size: device.size, now: now), backend: backend, device: device,
                               glyphs: .unicode, clock: { clock.now })
        loop.start()
        for key in "4jR" { loop.send(.key(.character(key))) }
        for key in "access no longer needed" { loop.send(.key(.character(key))) }
        loop.send(.key(.control("s")))
        loop.step()
        #expect(backend.grantActions.map(\.id) == ["REQ-900001"])
        #expect(loop.model.grants.first { $0.id == "REQ-900001" }?.grant.state == .revoked)
        let lines = view(loop.model, size: device.size, glyphs: .unicode).lines
        #expect(lines.contains { $0.contains("REQ-900001") && $0.contains("not removed") })
    }

    /// The request part of a grant's and a review's detail loads through the
    /// loop: it used to wait for a request row to be selected, for ever.
    @Test func theLoopLoadsTheRequestOfTheSelectedGrantAndReview() {
        let backend = InMemoryConsoleBackend(snapshot: Sample.snapshot(grants: Sample.grants))
        let device = FakeDevice(size: Size(width: 120, height: 40), events: [])
        let loop = ConsoleLoop(model: ConsoleModel(size: device.size, now: now), backend: backend, device: device,
                               glyphs: .unicode, clock: { now })
        loop.start()
        for key in "4j" { loop.send(.key(.character(key))) }
        let grant = loop.model.selectedGrant?.row.id
        #expect(grant == "REQ-900001")
        #expect(loop.model.details[grant ?? ""] != nil, "the grant's request was loaded")
        var lines = view(loop.model, size: device.size, glyphs: .unicode).lines
        #expect(lines.contains { $0.contains("scheduled maintenance") }, "its purpose is shown")
        #expect(!lines.contains { $0.contains("loading details") })
        // A post-incident review in Break-glass: its emergency request's purpose.
        for key in "3G" { loop.send(.key(.character(key))) }
        #expect(loop.model.selectedGrant?.asReview == true)
        lines = view(loop.model, size: device.size, glyphs: .unicode).lines
        #expect(lines.contains { $0.contains("restore the cluster during the incident") }, "\(lines.joined(separator: "\n"))")
    }
}

/// A request whose grant's history holds a decision signoff does not record
/// says so above everything else, in the error role, and the events it
/// names (which quote what whoever wrote the store chose) are display-safe.
@Suite struct DisputedDetailTests {
    @Test func aDisputedHistoryLeadsTheDetailAndIsShownSafely() throws {
        let model = Sample.model()
        let row = try #require(model.selectedRow)
        var detail = Sample.detail(row)
        #expect(!DetailContent.lines(row: row, detail: detail, error: nil, width: 80, glyphs: .unicode, production: model.production, now: model.now)
            .contains { $0.plainText.contains("DISPUTED") }, "an undisputed request says nothing of it")
        detail.disputed = ["event 9: request_decided by mallory\u{1B}[2J: approves \(row.id) before every step was satisfied"]
        let lines = DetailContent.lines(row: row, detail: detail, error: nil, width: 80, glyphs: .unicode, production: model.production, now: model.now)
        let text = lines.map(\.plainText)
        let first = try #require(text.firstIndex { $0.hasPrefix("DISPUTED") }, "\(text)")
        #expect(first < (text.firstIndex { $0.hasPrefix("Request") } ?? 0), "it comes before the request's fields")
        #expect(text.contains { $0.contains("request_decided by mallory") }, "\(text)")
        #expect(!text.joined().unicodeScalars.contains { $0 == "\u{1B}" }, "no escape reaches the terminal")
        #expect(lines[first].spans.contains { $0.role == .error })
    }
}
