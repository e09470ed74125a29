import Foundation
import SignoffCore
import Testing
@testable import SignoffTUI

/// The Drift list: findings on my systems and my people first, then the
/// others, then those under an exception; each with the evidence behind it,
/// and nothing from an export reaching the terminal raw.
@Suite struct DriftListTests {
    func lines(_ model: ConsoleModel) -> [String] {
        model.visible.map { raw in
            switch ListEntry(raw) {
            case let .finding(index): model.findings[index].id
            case let .heading(section): "## " + section.title
            case let .request(index): model.rows[index].id
            case let .grant(index), let .review(index): model.grants[index].id
            case .columns: "(columns)"
            }
        }
    }

    @Test func mineFirstThenOthersThenExcepted() {
        var model = Sample.grantModel(size: Size(width: 160, height: 30))
        press(&model, .character("6"))
        #expect(model.tab == .drift)
        #expect(lines(model) == [
            "## Findings on my systems and my people", "F-1a2b3c4d5e6f7081",
            "## Other findings", "F-9e8d7c6b5a403122",
            "## Excepted, reported again when the exception ends", "F-0f1e2d3c4b5a6978",
        ])
        #expect(model.count(of: .drift) == 3)
        #expect(model.selectedFinding?.id == "F-1a2b3c4d5e6f7081", "the heading is never selected")
        // Deciding and revoking are not offered here.
        press(&model, .character("a"))
        #expect(model.mode == .browse)
    }

    @Test func theDetailShowsTheEvidenceAndTheException() {
        var model = Sample.grantModel(size: Size(width: 160, height: 30))
        press(&model, .character("6"))
        var detail = DetailContent.lines(model, width: 90).map(\.plainText)
        #expect(detail.contains { $0.hasPrefix("Finding") && $0.contains("unapproved access") }, "\(detail)")
        #expect(detail.contains { $0.contains("svc-rogue is a member of ledger_ro") })
        #expect(detail.contains { $0.contains("source: pg:ledger_ro:svc-rogue") })
        #expect(detail.contains { $0.hasPrefix("Yours") && $0.contains("on one of your systems") })
        press(&model, .character("G"))
        detail = DetailContent.lines(model, width: 90).map(\.plainText)
        #expect(detail.contains { $0.hasPrefix("Exception") && $0.contains("by sam") }, "\(detail)")
        #expect(detail.contains { $0.contains("why: Search cluster migration") })
    }

    @Test func hostileNamesAreShownSafelyAndTheFilterFindsFindings() {
        var model = Sample.grantModel(size: Size(width: 160, height: 30))
        press(&model, .character("6"), .character("j"))
        let grid = view(model, size: model.size, glyphs: .ascii)
        expectWellFormed(grid)
        #expect(!grid.lines.joined().unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 })
        let detail = DetailContent.lines(model, width: 90).map(\.plainText)
        #expect(detail.contains { $0.hasPrefix("Owner") && $0.contains("nobody answers for it") })
        press(&model, .character("/"))
        type(&model, "orphaned")
        #expect(lines(model) == ["## Other findings", "F-9e8d7c6b5a403122"])
    }

    @Test func anExceptionThatEndedIsReportedAgain() {
        var model = Sample.grantModel(size: Size(width: 160, height: 30))
        var findings = ConsoleFixtures.findings(now: now)
        findings[2].exception?.until = now.addingTimeInterval(-60)
        feed(&model, .snapshotLoaded(Sample.snapshot(grants: Sample.grants, findings: findings)))
        press(&model, .character("6"))
        #expect(!lines(model).contains("## Excepted, reported again when the exception ends"))
        #expect(lines(model).suffix(3) == ["## Other findings", "F-0f1e2d3c4b5a6978", "F-9e8d7c6b5a403122"])
    }
}
