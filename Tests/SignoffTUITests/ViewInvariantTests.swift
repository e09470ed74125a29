import Foundation
import SignoffCore
import Testing
@testable import SignoffTUI

/// Every screen, at every size, with every glyph set, for every sample request
/// (CJK, emoji, combining marks, escapes, bidi overrides, zero-width, 2,000
/// characters): lines exactly fill the width, borders stay in their columns,
/// and no cell holds a character that could drive the terminal.
@Suite struct ViewInvariantTests {
    static let sizes = [Size(width: 40, height: 12), Size(width: 100, height: 30), Size(width: 200, height: 60),
                        Size(width: 119, height: 23), Size(width: 120, height: 40)]
    static let screens: [[Key]] = [
        [], [.enter], [.character("a")], [.character("d")], [.character("?")], [.character("/"), .character("e")],
        [.enter, .character("G")],
    ]

    @Test(arguments: sizes, [Glyphs.unicode, Glyphs.ascii])
    func everyRequestOnEveryScreenIsWellFormed(size: Size, glyphs: Glyphs) {
        for (tab, count) in [("2", 6), ("5", 2)] {
            for index in 0..<count {
                for keys in Self.screens {
                    var model = Sample.model(size: size, glyphs: glyphs)
                    press(&model, .character(Character(tab)))
                    for _ in 0..<index { press(&model, .character("j")) }
                    for key in keys { press(&model, key) }
                    let grid = view(model, size: size, glyphs: glyphs)
                    expectWellFormed(grid)
                    checkBorders(grid, model: model, glyphs: glyphs)
                }
            }
        }
    }

    /// In browse mode the boxes' vertical borders sit exactly where the layout puts them.
    func checkBorders(_ grid: Grid, model: ConsoleModel, glyphs: Glyphs) {
        guard case .browse = model.mode else { return }
        let layout = ConsoleLayout(size: grid.size, focus: model.focus)
        var expected = Set<Int>()
        for rect in [layout.list, layout.detail].compactMap({ $0 }) {
            expected.insert(rect.x)
            expected.insert(rect.x + rect.width - 1)
        }
        #expect(borderColumns(grid, glyphs: glyphs).isSubset(of: expected))
        for rect in [layout.list, layout.detail].compactMap({ $0 }) {
            for y in (rect.y + 1)..<(rect.y + rect.height - 1) {
                #expect(grid[rect.x + rect.width - 1, y].text == glyphs.vertical, "right border broken at row \(y)")
            }
        }
    }

    @Test func tooSmallSaysSoAtAnySize() {
        for width in [1, 10, 39, 80] {
            for height in [1, 5, 11] {
                let size = Size(width: width, height: height)
                let grid = view(Sample.model(size: size), size: size, glyphs: .unicode)
                expectWellFormed(grid)
                let text = grid.lines.joined(separator: " ")
                #expect(text.contains("too") || width < 4, "\(width)x\(height): \(text)")
            }
        }
    }

    @Test func asciiGlyphsDrawOnlyASCIIOutsideRequestText() {
        let size = Size(width: 100, height: 30)
        var model = Sample.model(size: size, glyphs: .ascii)
        press(&model, .character("2"))
        let grid = view(model, size: size, glyphs: .ascii)
        // Row 3 onwards holds request text (CJK is the request's own); chrome rows are pure ASCII.
        for y in [0, 1, 2, size.height - 2, size.height - 1] {
            let ascii = grid.lines[y].unicodeScalars.allSatisfy { $0.isASCII }
            #expect(ascii, "row \(y): \(grid.lines[y])")
        }
    }

    @Test func statusLineFlagsAnAssertedIdentity() {
        let size = Size(width: 100, height: 30)
        let model = Sample.model(size: size, identity: Principal(name: "alice", authentication: .asserted))
        let grid = view(model, size: size, glyphs: .unicode)
        #expect(grid.lines[28].contains("ASSERTED identity"))
        #expect(grid.roleMap.split(separator: "\n")[28].contains("@"))
    }

    /// Notifications due for minutes that nobody delivers (no notify run,
    /// and a console that may not) are named on every screen, as a warning,
    /// as soon as time makes them overdue: nothing in the store changes then.
    @Test func statusLineWarnsOfNotificationsNobodyDelivers() {
        let size = Size(width: 160, height: 30)
        var model = ConsoleModel(size: size, now: now)
        var snapshot = Sample.snapshot()
        snapshot.notificationsDueAt = now.addingTimeInterval(-240)
        feed(&model, .snapshotLoaded(snapshot))
        #expect(!view(model, size: size, glyphs: .unicode).lines[28].contains("waiting"))
        feed(&model, .tick(now.addingTimeInterval(120)))
        let line = view(model, size: size, glyphs: .unicode).lines[28]
        #expect(line.contains("notifications waiting 6m: is notify run running?"), "\(line)")
        snapshot.notificationsDueAt = nil
        feed(&model, .snapshotLoaded(snapshot))
        #expect(!view(model, size: size, glyphs: .unicode).lines[28].contains("waiting"))
    }

    /// A shared store's client that kept events it would never record says so
    /// on every screen, as a warning, until they are dealt with.
    @Test func statusLineWarnsOfEventsNotFolded() {
        let size = Size(width: 160, height: 30)
        var model = ConsoleModel(size: size, now: now)
        var snapshot = Sample.snapshot()
        snapshot.eventsNotFolded = 2
        feed(&model, .snapshotLoaded(snapshot))
        let grid = view(model, size: size, glyphs: .unicode)
        let line = grid.lines[28]
        let range = try! #require(line.range(of: "2 events signoff never records: run audit verify"), "\(line)")
        let column = line.distance(from: line.startIndex, to: range.lowerBound)
        let roles = Array(grid.roleMap.split(separator: "\n")[28])
        #expect(roles[column] != roles[0], "drawn as a warning, not as the status bar")
        snapshot.eventsNotFolded = 0
        feed(&model, .snapshotLoaded(snapshot))
        #expect(!view(model, size: size, glyphs: .unicode).lines[28].contains("never records"))
    }

    @Test func emptyExpiringSaysWhy() {
        let size = Size(width: 100, height: 30)
        var model = ConsoleModel(size: size, now: now)
        feed(&model, .snapshotLoaded(Sample.snapshot()))
        press(&model, .character("4"))
        let grid = view(model, size: size, glyphs: .unicode)
        #expect(grid.lines.joined().contains("no live grants, and every ended one is removed"))
    }

    @Test func hundredThousandRowsDrawOnlyTheVisibleOnes() {
        let size = Size(width: 200, height: 60)
        var model = ConsoleModel(size: size, now: now)
        _ = update(&model, .snapshotLoaded(ConsoleFixtures.snapshot(count: 100_000)))
        press(&model, .character("2"), .character("G"))
        let grid = view(model, size: size, glyphs: .unicode)
        expectWellFormed(grid)
        #expect(grid.lines.joined().contains("\(model.count(of: .allPending)) of \(model.count(of: .allPending))"))
    }
}

@Suite struct ListHighlightTests {
    @Test func matchesAreMarkedWhereTheyAre() {
        #expect(ListPane.matchColumns(of: "led", in: "Ledger-api").map { [$0.0, $0.1] } == [0, 3])
        #expect(ListPane.matchColumns(of: "エー", in: "数据同步-エージ…").map { [$0.0, $0.1] } == [9, 4])
        #expect(ListPane.matchColumns(of: "zzz", in: "ledger") == nil)
    }

    @Test func filteredRowsShowTheMatchRole() {
        let size = Size(width: 100, height: 30)
        var model = Sample.model(size: size)
        press(&model, .character("2"), .character("/"))
        type(&model, "etl-night")
        press(&model, .enter)
        let grid = view(model, size: size, glyphs: .unicode)
        let lines = grid.lines
        let roles = grid.roleMap.split(separator: "\n").map(String.init)
        #expect(model.visible.count == 1)
        // The only match is selected (drawn as selection); the title shows the filter as a match.
        #expect(roles[1].contains("M"))
        #expect(lines[1].contains("etl-nigh"))
        press(&model, .escape)
        press(&model, .character("/"))
        type(&model, "payments")
        press(&model, .enter)
        let second = view(model, size: size, glyphs: .unicode).roleMap.split(separator: "\n").map(String.init)
        // Five rows match; the four not selected show "payments" with the match role.
        #expect(second[3...7].filter { $0.contains("MMMMMMMM") }.count == 4)
    }
}

/// A terminal cell holds one spacing character and the nonspacing marks after
/// it: a grapheme of several spacing characters takes a cell for each, so no
/// character can hide the ones after it (ncurses keeps only the first
/// spacing character of a cell).
@Suite struct GridCellTests {
    func cells(_ text: String, width: Int = 20) -> [String] {
        var grid = Grid(size: Size(width: width, height: 1))
        let used = grid.write(text, x: 0, y: 0)
        #expect(used == CharacterWidth.of(text), "what the grid uses is what layout measures")
        return (0..<used).map { grid[$0, 0] }.filter { !$0.isContinuation }.map(\.text)
    }

    @Test func everySpacingCharacterOfAGraphemeHasItsOwnCell() {
        // A prepended mark's grapheme runs on to the next character: the mark
        // (a format character, which views show as a placeholder) is left
        // out, and what followed it is not.
        #expect(cells("ab\u{0600}c\u{0600}d") == ["a", "b", "c", "d"])
        // A letter with the Prepend property (U+0D4E) and what follows it.
        #expect(cells("x\u{0D4E}-admin") == ["x", "\u{0D4E}", "-", "a", "d", "m", "i", "n"])
        // A spacing vowel sign, a flag and a skin tone.
        #expect(cells("\u{0915}\u{093F}") == ["\u{0915}", "\u{093F}"])
        #expect(cells("a\u{0903}b") == ["a", "\u{0903}", "b"])
        #expect(cells("\u{1F1FA}\u{1F1F8}") == ["\u{1F1FA}", "\u{1F1F8}"])
        #expect(cells("\u{1F44D}\u{1F3FD}") == ["\u{1F44D}", "\u{1F3FD}"])
        // Nonspacing marks stay with their character; an emoji selector keeps it wide.
        #expect(cells("e\u{0301}x") == ["e\u{0301}", "x"])
        #expect(cells("\u{2764}\u{FE0F}!") == ["\u{2764}\u{FE0F}", "!"])
        #expect(CharacterWidth.of("\u{2764}\u{FE0F}") == 2)
    }

    @Test func aGraphemeCutAtTheEdgeLeavesNoHalf() {
        var grid = Grid(size: Size(width: 3, height: 1))
        #expect(grid.write("a\u{1F44D}\u{1F3FD}", x: 0, y: 0) == 3)
        #expect(grid.lines == ["a\u{1F44D}"])
    }
}

/// Text cut to fit says so: a box title and a detail label end with the
/// ellipsis where they were cut, and the evidence time of a finding is a
/// value shown whole, never a label cut short.
@Suite struct CutTextTests {
    @Test func aBoxTitleCutShort() {
        var grid = Grid(size: Size(width: 16, height: 3))
        grid.box(Rect(x: 0, y: 0, width: 16, height: 3), title: [Span("Approve REQ-123456789", .title)], glyphs: .ascii)
        #expect(grid.lines[0] == "+- Approve RE~-+", "\(grid.lines)")
        var whole = Grid(size: Size(width: 16, height: 3))
        whole.box(Rect(x: 0, y: 0, width: 16, height: 3), title: [Span("Approve", .title)], glyphs: .ascii)
        #expect(whole.lines[0] == "+- Approve ----+", "\(whole.lines)")
    }

    @Test func theEvidenceTimeIsShownWhole() {
        var model = Sample.grantModel(size: Size(width: 160, height: 30))
        press(&model, .character("6"))
        let detail = DetailContent.lines(model, width: 90).map(\.plainText)
        #expect(detail.contains { $0.hasPrefix("Observed") && $0.contains("2026-") && $0.contains(":") }, "\(detail)")
    }

    /// A labelled line of spans too wide for the pane wraps at spaces, as one
    /// text: where two spans meet without a space, they meet within a word,
    /// so no continuation starts with ", needs 1 more". Each piece keeps its role.
    @Test(arguments: 20...34)
    func styledSpansWrapAtSpacesNotWhereTwoSpansMeet(width: Int) {
        var builder = DetailContent.Builder(width: width, glyphs: .unicode, labelWidth: 8)
        let spans = [Span("owners of payments-db: 0 of 1 approvals", .pending), Span(", needs 1 more", .warning)]
        builder.styled("Step 1", spans)
        let values = builder.lines.map { String($0.plainText.dropFirst(8)) }
        #expect(values.count > 1)
        #expect(!values.contains { $0.hasPrefix(",") || $0.hasPrefix(" ") }, "\(values)")
        #expect(values.joined(separator: " ") == spans.map(\.text).joined(), "\(values)")
        #expect(builder.lines.allSatisfy { CharacterWidth.of($0.plainText) <= width }, "\(values)")
        let roles = builder.lines.flatMap { $0.spans.dropFirst() }
        #expect(roles.filter { $0.role == .warning }.map(\.text).joined(separator: " ") == ", needs 1 more", "\(roles)")
    }
}
