import Foundation
import SignoffCore
import Testing
@testable import SignoffTUI

/// A terminal that replays scripted events and keeps every frame.
final class FakeDevice: TerminalDevice {
    var size: Size
    var events: [TerminalEvent?]
    var frames: [Grid] = []
    /// How long the loop was willing to wait, for each event it asked for.
    var timeouts: [Int] = []

    init(size: Size, events: [TerminalEvent?]) {
        self.size = size
        self.events = events
    }

    func next(timeoutMilliseconds: Int) -> TerminalEvent? {
        timeouts.append(timeoutMilliseconds)
        if let event = waiting() { return event }   // a paste comes before what is typed after it
        delivered += 1
        return events.isEmpty ? nil : events.removeFirst()
    }
    private var delivered = 0

    /// Events already waiting when the loop looks without waiting (a
    /// paste), once `pasteAfter` scripted events were delivered.
    var pasted: [TerminalEvent] = []
    var pasteAfter = 0
    func waiting() -> TerminalEvent? { pasted.isEmpty || delivered < pasteAfter ? nil : pasted.removeFirst() }

    func draw(_ grid: Grid) { frames.append(grid) }
}

/// A clock the test moves by hand.
final class FakeClock: @unchecked Sendable {
    var now = ConsoleFixtures.epoch
    func advance(_ seconds: TimeInterval) { now = now.addingTimeInterval(seconds) }
}

@Suite struct LoopTests {
    func keys(_ text: String) -> [TerminalEvent?] { text.map { .key(.character($0)) } }

    /// A loop over `backend` on a 100×30 scripted terminal, with a clock the test moves.
    func makeLoop(_ backend: InMemoryConsoleBackend, events: [TerminalEvent?]) -> (ConsoleLoop, FakeDevice, FakeClock) {
        let device = FakeDevice(size: Size(width: 100, height: 30), events: events)
        let clock = FakeClock()
        let loop = ConsoleLoop(model: ConsoleModel(size: device.size), backend: backend, device: device,
                               glyphs: .unicode, clock: { clock.now })
        return (loop, device, clock)
    }

    @Test func approvingThroughTheLoopRecordsOnceAndRedraws() {
        let backend = InMemoryConsoleBackend(snapshot: Sample.snapshot())
        // The idle turn (nil) before quitting lets the deferred reload run.
        let events: [TerminalEvent?] = keys("ja") + keys("checked OPS-42") + [.key(.control("s")), nil, .key(.character("q"))]
        let (loop, device, _) = makeLoop(backend, events: events)
        loop.run()
        #expect(loop.finished)
        #expect(backend.decisions.count == 1)
        #expect(backend.decisions.first?.id == "REQ-000001")
        #expect(backend.decisions.first?.shownVersion == 1)
        #expect(loop.model.count(of: .myQueue) == 3)
        // The first frame, one per event but the last (quit), and the "recording" frame drawn before the write.
        #expect(device.frames.count == events.count + 1)
        #expect(device.frames.last!.lines.joined().contains("recorded"))
    }

    /// A paste arrives as keys already waiting: they are handled before the
    /// next frame (a few frames for thousands of keys, not one each), in order,
    /// and the rationale keeps what the policy allows.
    @Test func aPasteIsHandledBeforeTheNextFrame() {
        let backend = InMemoryConsoleBackend(snapshot: Sample.snapshot())
        let (loop, device, _) = makeLoop(backend, events: keys("ja") + [.key(.character("c")), .key(.control("s")), nil, .key(.character("q"))])
        device.pasteAfter = 3
        device.pasted = "hecked OPS-42 with the owner".map { .key(.character($0)) }
            + Array(repeating: .key(.character(".")), count: Limits.rationaleLength)
        loop.run()
        #expect(backend.decisions.count == 1)
        #expect(backend.decisions.first?.rationale.hasPrefix("checked OPS-42 with the owner...") == true)
        #expect(backend.decisions.first?.rationale.unicodeScalars.count == Limits.rationaleLength)
        #expect(device.frames.count < 20, "\(device.frames.count) frames")
    }

    /// Keys that come in behind others at once (a paste without its markers,
    /// or with an end marker of its own inside) never submit: the Ctrl-s in
    /// the burst is held back and said so; pressed on its own, it submits.
    @Test func aSubmitThatCameInWithOtherInputSubmitsNothing() {
        let backend = InMemoryConsoleBackend(snapshot: Sample.snapshot())
        let (loop, device, _) = makeLoop(backend, events: keys("ja") + [.key(.character("c")), nil, .key(.control("s")), .key(.character("q"))])
        device.pasteAfter = 3
        device.pasted = "hecked OPS-42 with the owner".map { .key(.character($0)) } + [.key(.control("s"))]
        loop.run()
        #expect(backend.decisions.count == 1, "only the Ctrl-s pressed on its own submits")
        #expect(backend.decisions.first?.rationale == "checked OPS-42 with the owner")
        #expect(device.frames.contains { $0.lines.joined().contains("came in at once with other input") })
    }

    /// While a decision waits for a security key's touch, the console says
    /// so on a frame drawn at once, before the decision returns.
    @Test func aDecisionWaitingForATouchSaysSoAtOnce() {
        let backend = InMemoryConsoleBackend(snapshot: Sample.snapshot())
        let events: [TerminalEvent?] = keys("ja") + keys("checked OPS-42") + [.key(.control("s")), .key(.character("q"))]
        let (loop, device, _) = makeLoop(backend, events: events)
        var framesBefore = 0
        backend.whileDeciding = { [unowned loop] in
            framesBefore = device.frames.count
            loop.waiting("touch your security key to sign (sk-ssh-ed25519@openssh.com SHA256:abc)")
        }
        loop.run()
        #expect(backend.decisions.count == 1)
        #expect(device.frames.count > framesBefore)
        #expect(device.frames[framesBefore].lines.joined().contains("touch your security key to sign"))
        #expect(device.frames.last!.lines.joined().contains("recorded"), "the outcome replaces the notice")
    }

    @Test func aHangupEndsTheLoopAndDecidesNothing() {
        let backend = InMemoryConsoleBackend(snapshot: Sample.snapshot())
        // A draft is open when the terminal goes away: nothing is submitted.
        let events: [TerminalEvent?] = keys("ja") + keys("checked OPS-42") + [.hangup, .key(.control("s"))]
        let (loop, device, _) = makeLoop(backend, events: events)
        loop.run()
        #expect(loop.finished)
        #expect(backend.decisions.isEmpty)
        #expect(device.events.count == 1, "the loop stopped reading at the hang-up")
    }

    @Test func otherApproversDecisionsAppearWithoutAKeyPress() {
        let backend = InMemoryConsoleBackend(snapshot: Sample.snapshot())
        let (loop, device, clock) = makeLoop(backend, events: [])
        loop.start()
        #expect(loop.model.count(of: .myQueue) == 4)
        // Someone else approves REQ-000001 in another process.
        _ = backend.decide(id: "REQ-000001", verdict: .approve, rationale: "other approver", shownVersion: 1)
        clock.advance(0.1)
        loop.step()                                       // too soon to poll
        #expect(loop.model.count(of: .myQueue) == 4)
        clock.advance(0.2)
        loop.step()                                       // idle timeout: polls, the reload is deferred
        #expect(loop.model.count(of: .myQueue) == 4)
        #expect(loop.hasDeferredWork)
        loop.step()                                       // no key waiting: reloads
        #expect(loop.model.count(of: .myQueue) == 3)
        #expect(device.frames.last!.lines.joined().contains("3 mine"))
    }

    @Test func conflictThroughTheLoopReloads() {
        let backend = InMemoryConsoleBackend(snapshot: Sample.snapshot())
        let (loop, _, _) = makeLoop(backend, events: [])
        loop.start()
        loop.send(.key(.character("j")))
        loop.send(.key(.character("a")))
        for character in "checked OPS-42" { loop.send(.key(.character(character))) }
        // Meanwhile the request is re-routed: version 2.
        backend.current.rows[0].version = 2
        backend.token += 1
        loop.send(.key(.control("s")))
        #expect(backend.decisions.isEmpty)
        #expect(loop.model.message?.text.contains("NOT recorded") == true)
        #expect(loop.model.rows.first { $0.id == "REQ-000001" }?.version == 2)
    }

    @Test func resizeEventsReachTheView() {
        let backend = InMemoryConsoleBackend(snapshot: Sample.snapshot())
        let device = FakeDevice(size: Size(width: 100, height: 30), events: [.resize(Size(width: 40, height: 12))])
        let loop = ConsoleLoop(model: ConsoleModel(size: device.size), backend: backend, device: device, glyphs: .ascii)
        loop.start()
        loop.step()
        #expect(device.frames.last?.size == Size(width: 40, height: 12))
    }

    @Test func aFailingBackendIsShownNotFatal() {
        final class Broken: ConsoleBackend {
            func snapshot() throws -> ConsoleSnapshot { throw ConsoleError("database is locked") }
            func detail(id: String) throws -> ConsoleDetail { throw ConsoleError("no") }
            func decide(id: String, verdict: Verdict, rationale: String, shownVersion: Int) -> DecisionOutcome { .failed(message: "no") }
            func revoke(id: String, rationale: String) -> DecisionOutcome { .failed(message: "no") }
            func completeIncidentReview(id: String, rationale: String) -> DecisionOutcome { .failed(message: "no") }
            func changeToken() throws -> Int64 { 0 }
        }
        let device = FakeDevice(size: Size(width: 100, height: 30), events: [])
        let loop = ConsoleLoop(model: ConsoleModel(size: device.size), backend: Broken(), device: device, glyphs: .unicode)
        loop.start()
        let text = device.frames.last!.lines.joined()
        #expect(text.contains("database is locked"))
        #expect(text.contains("could not be loaded"))
    }
}

@Suite struct TextLayoutTests {
    /// Styled detail lines break at spaces, move a word that does not fit to
    /// the next line, and cut a word only when it is longer than a whole line.
    @Test(arguments: [
        ("hello world", 8, true, "hello", "world"),
        ("hello world", 5, true, "hello", "world"),
        ("hello world", 20, false, "hello world", ""),
        ("due 2026-09-21 11:13Z", 12, true, "due", "2026-09-21 11:13Z"),
        ("extraordinary", 5, false, "", "extraordinary"),
        ("extraordinary", 5, true, "extra", "ordinary"),
        (" leading", 3, true, " le", "ading"),
    ])
    func splitAtWord(_ text: String, _ width: Int, _ lineIsEmpty: Bool, _ head: String, _ tail: String) {
        let (h, t) = TextLayout.splitAtWord(Substring(text), width: width, lineIsEmpty: lineIsEmpty)
        #expect(h == head && String(t) == tail)
    }

    @Test(arguments: [
        ("hello", 10, "hello"),
        ("hello world", 8, "hello w…"),
        ("数据同步", 5, "数据…"),
        ("数据同步", 4, "数…"),
        ("数据同步", 8, "数据同步"),
        ("e\u{301}cole", 3, "e\u{301}c…"),
        ("abc", 0, ""),
    ])
    func truncate(text: String, width: Int, expected: String) {
        let result = TextLayout.truncate(text, width: width, ellipsis: "…")
        #expect(result == expected)
        #expect(CharacterWidth.of(result) <= width)
    }

    @Test func fitSanitisesAndCutsLongHostileValues() {
        let raw = "\u{1B}[31m" + String(repeating: "A", count: 2000)
        let fitted = TextLayout.fit(raw, width: 12, glyphs: .ascii)
        #expect(fitted == "\\x1B[31mAAA~")
        #expect(!fitted.unicodeScalars.contains(where: DisplaySafe.isUnsafe))
    }

    @Test func wrapBreaksAtSpacesAndInsideLongWords() {
        #expect(TextLayout.wrap("one two three", width: 7) == ["one two", "three"])
        #expect(TextLayout.wrap("abcdefghij", width: 4) == ["abcd", "efgh", "ij"])
        #expect(TextLayout.wrap("a\nb", width: 4) == ["a", "b"])
        #expect(TextLayout.wrap("字字字", width: 3) == ["字", "字", "字"])
        for line in TextLayout.wrap(String(repeating: "字a ", count: 300), width: 7) {
            #expect(CharacterWidth.of(line) <= 7)
        }
    }

    @Test func combiningPilesAreCapped() {
        let zalgo = "e" + String(repeating: "\u{301}", count: 500)
        let result = TextLayout.truncate(zalgo + "xyz", width: 10, ellipsis: "…")
        #expect(result.unicodeScalars.count <= TextLayout.maximumScalarsPerCharacter + 3)
    }

    @Test func filterOverHundredThousandRowsFindsTheSameAsANaiveScan() {
        let snapshot = ConsoleFixtures.snapshot(count: 100_000)
        let index = SearchIndex(rows: snapshot.rows)
        let all = (0..<Int32(snapshot.rows.count)).map { $0 }
        let found = index.filter(all, query: "LEDGER-API")
        let naive = all.filter { snapshot.rows[Int($0)].searchText.lowercased().contains("ledger-api") }
        #expect(found == naive)
        #expect(!found.isEmpty)
    }

    /// Matches at a row's first and last byte, repeated first bytes, a query
    /// longer than some rows, and text that runs across two rows (which must
    /// not match, though the rows lie side by side in one buffer).
    @Test func filterFindsMatchesAtEveryEdgeAndNoneAcrossRows() {
        let rows = ConsoleFixtures.snapshot(count: 300).rows
        let index = SearchIndex(rows: rows)
        let texts = rows.map { $0.searchText.lowercased() }
        let all = (0..<Int32(rows.count)).map { $0 }
        var queries = ["s", "ss", "-", "e", "zz", String(repeating: "x", count: 400), "\u{1}"]
        for row in [0, 1, 17, 299] {
            let text = texts[row]
            queries += [String(text.prefix(1)), String(text.prefix(9)), String(text.suffix(1)), String(text.suffix(7)),
                        String(text.dropFirst(3).prefix(5)), text]
        }
        for row in 0..<20 {
            let across = String(texts[row].suffix(4)) + "\u{1}" + String(texts[row + 1].prefix(4))
            // Each row's bytes end with a separator: one byte past a row's end is the next row's first.
            let oneByteOver = String(texts[row].suffix(3)) + "\u{1}" + String(texts[row + 1].prefix(1))
            queries += [across, oneByteOver, String(texts[row].suffix(3)) + String(texts[row + 1].prefix(3))]
        }
        for query in queries {
            let naive = all.filter { texts[Int($0)].contains(query) }
            #expect(index.filter(all, query: query) == naive, "query \(query.debugDescription)")
        }
    }
}

/// A backend that counts what the loop asks of it.
class CountingBackend: ConsoleBackend {
    let inner: InMemoryConsoleBackend
    var detailIDs: [String] = []
    var pages: [Int64?] = []

    init(snapshot: ConsoleSnapshot) { inner = InMemoryConsoleBackend(snapshot: snapshot) }

    func snapshot() throws -> ConsoleSnapshot { try inner.snapshot() }
    func snapshotPage(after: Int64?, limit: Int) throws -> ConsoleSnapshotPage {
        pages.append(after)
        return try inner.snapshotPage(after: after, limit: limit)
    }
    func detail(id: String) throws -> ConsoleDetail {
        detailIDs.append(id)
        return try inner.detail(id: id)
    }
    func decide(id: String, verdict: Verdict, rationale: String, shownVersion: Int) -> DecisionOutcome {
        inner.decide(id: id, verdict: verdict, rationale: rationale, shownVersion: shownVersion)
    }
    func revoke(id: String, rationale: String) -> DecisionOutcome { inner.revoke(id: id, rationale: rationale) }
    func completeIncidentReview(id: String, rationale: String) -> DecisionOutcome {
        inner.completeIncidentReview(id: id, rationale: rationale)
    }
    func changeToken() throws -> Int64 { try inner.changeToken() }
}

/// A write that waits (for the store's lock) is waited for behind a frame
/// that says it is recording, drawn before the wait.
@Suite struct RecordingFrameTests {
    final class Watching: CountingBackend {
        var device: FakeDevice?
        var frameWhileDeciding: String?
        override func decide(id: String, verdict: Verdict, rationale: String, shownVersion: Int) -> DecisionOutcome {
            frameWhileDeciding = device?.frames.last?.lines.joined()
            return super.decide(id: id, verdict: verdict, rationale: rationale, shownVersion: shownVersion)
        }
    }

    @Test func theRecordingFrameIsDrawnBeforeTheWrite() {
        let backend = Watching(snapshot: Sample.snapshot())
        let device = FakeDevice(size: Size(width: 100, height: 30), events: [])
        backend.device = device
        let loop = ConsoleLoop(model: ConsoleModel(size: device.size), backend: backend, device: device, glyphs: .unicode)
        loop.start()
        device.events = [.key(.character("j"))]
        loop.step()
        loop.step()
        device.events = [.key(.character("a"))] + "checked OPS-42 owner agreed".map { .key(.character($0)) }
        for _ in 0..<40 { loop.step() }
        device.events = [.key(.control("s"))]
        for _ in 0..<3 { loop.step() }
        #expect(backend.frameWhileDeciding?.contains("recording") == true, "\(backend.frameWhileDeciding ?? "no decision")")
    }
}

@Suite struct DeferredLoadTests {
    @Test func theKeysFrameIsDrawnBeforeTheDetailIsLoaded() {
        let backend = CountingBackend(snapshot: Sample.snapshot())
        let device = FakeDevice(size: Size(width: 100, height: 30), events: [])
        let loop = ConsoleLoop(model: ConsoleModel(size: device.size), backend: backend, device: device, glyphs: .unicode)
        loop.start()
        #expect(backend.detailIDs == ["REQ-000003"])
        device.events = [.key(.character("j"))]
        loop.step()
        let moved = loop.model.selectedRow!.id
        #expect(moved == "REQ-000001")
        #expect(backend.detailIDs == ["REQ-000003"])
        #expect(loop.hasDeferredWork)
        #expect(device.frames.last!.lines.joined().contains("loading details"))
        loop.step()                                       // no key waiting: loads the detail and draws again
        #expect(backend.detailIDs == ["REQ-000003", moved])
        #expect(!loop.hasDeferredWork)
        #expect(!device.frames.last!.lines.joined().contains("loading details"))
    }

    @Test func detailsOfRowsAlreadyLeftAreNeverLoaded() {
        let backend = CountingBackend(snapshot: Sample.snapshot())
        let device = FakeDevice(size: Size(width: 100, height: 30), events: [])
        let loop = ConsoleLoop(model: ConsoleModel(size: device.size), backend: backend, device: device, glyphs: .unicode)
        loop.start()
        let framesBefore = device.frames.count
        device.events = [.key(.character("j")), .key(.character("j")), .key(.character("j"))]
        for _ in 0..<3 { loop.step() }
        #expect(backend.detailIDs.count == 1)
        #expect(device.frames.count == framesBefore + 3)  // one frame per key, none waits for a load
        loop.step()
        #expect(backend.detailIDs.count == 2)
        #expect(backend.detailIDs.last == loop.model.selectedRow?.id)
    }

    @Test func approveWaitsForThePendingDetailInsteadOfRefusing() {
        let backend = CountingBackend(snapshot: Sample.snapshot())
        let device = FakeDevice(size: Size(width: 100, height: 30), events: [])
        let loop = ConsoleLoop(model: ConsoleModel(size: device.size), backend: backend, device: device, glyphs: .unicode)
        loop.start()
        device.events = [.key(.character("j")), .key(.character("a"))]
        loop.step()
        loop.step()
        guard case let .decision(draft) = loop.model.mode else {
            Issue.record("the decision panel did not open: \(loop.model.message?.text ?? "")")
            return
        }
        #expect(draft.id == "REQ-000001")
        #expect(draft.shownVersion == 1)
    }

    @Test func theFirstFrameShowsTheFirstPageAndTheRestArrivesInPlace() {
        let snapshot = ConsoleFixtures.snapshot(count: 500)
        var whole = ConsoleModel(size: Size(width: 120, height: 30))
        _ = update(&whole, .snapshotLoaded(snapshot))
        let backend = CountingBackend(snapshot: snapshot)
        // A key is already waiting when the first frame is drawn: start stops loading.
        let device = FakeDevice(size: Size(width: 120, height: 30), events: [.key(.character("j"))])
        let loop = ConsoleLoop(model: ConsoleModel(size: device.size), backend: backend, device: device, glyphs: .unicode,
                               firstPageSize: 100, pageSize: 150)
        loop.start()
        #expect(device.frames.count == 1)
        #expect(loop.model.rows.count == 100)
        #expect(loop.model.loadingProgress?.loaded == 100)
        #expect(loop.model.loadingProgress?.total == 500)
        #expect(device.frames[0].lines.joined().contains("loading 100 of 500"))
        loop.step()                                       // the key first
        let selected = loop.model.selectedRow?.id
        #expect(selected != nil)
        let line = loop.model.selection.index - loop.model.selection.top
        while loop.hasDeferredWork { loop.step() }
        #expect(backend.pages == [nil, 100, 250, 400])
        #expect(loop.model.rows.count == 500)
        #expect(loop.model.loadingProgress == nil)
        #expect(!device.frames.last!.lines.joined().contains("loading"))
        for tab in ConsoleTab.allCases { #expect(loop.model.count(of: tab) == whole.count(of: tab)) }
        // The selected request stayed selected, on the same line of the screen.
        #expect(loop.model.selectedRow?.id == selected)
        #expect(loop.model.selection.index - loop.model.selection.top == line)
    }

    /// While the backend reads the grants in the background it sends empty
    /// pages marked `waiting`; between them the loop waits for a key (briefly,
    /// so the grants are not held up) instead of asking again at once, and a
    /// key typed meanwhile is answered before the next page.
    @Test func whileTheBackendReadsInTheBackgroundTheLoopWaitsForKeysBetweenPages() {
        final class SlowGrants: CountingBackend {
            /// Pages still to be sent before the grants are there.
            var waitingPages = 2
            init() { super.init(snapshot: Sample.snapshot(grants: Sample.grants)) }
            override func snapshotPage(after: Int64?, limit: Int) throws -> ConsoleSnapshotPage {
                pages.append(after)
                var snapshot = try inner.snapshot()
                if after == nil || waitingPages > 0 {
                    if after != nil { snapshot.rows = [] }
                    snapshot.grants = []
                    snapshot.grantsLoaded = false
                    if after != nil { waitingPages -= 1 }
                    return ConsoleSnapshotPage(snapshot: snapshot, after: after, next: .max, total: snapshot.rows.count, waiting: true)
                }
                snapshot.rows = []
                return ConsoleSnapshotPage(snapshot: snapshot, after: after, next: nil, total: 0)
            }
        }
        let backend = SlowGrants()
        let device = FakeDevice(size: Size(width: 120, height: 30), events: [])
        let loop = ConsoleLoop(model: ConsoleModel(size: device.size), backend: backend, device: device, glyphs: .unicode)
        device.events = [nil, .key(.character("j"))]
        let wait = ConsoleLoop.backgroundWaitMilliseconds
        loop.start()
        // The selected detail first, at once; then a wait for a key before the next page, and the key came.
        #expect(device.timeouts == [0, wait])
        #expect(backend.pages == [nil], "the key that came during the wait goes before another page")
        #expect(!loop.model.grantsLoaded)
        loop.step()
        #expect(loop.model.selection.index == 1)
        while loop.hasDeferredWork { loop.step() }
        // The new row's detail at once, then a wait before each page until the grants came.
        #expect(device.timeouts == [0, wait, 0, wait, wait, wait])
        #expect(backend.pages == [nil, .max, .max, .max])
        #expect(loop.model.grantsLoaded && loop.model.grants.count == Sample.grants.count)
        loop.step()
        #expect(device.timeouts.last == 250, "with everything there, the loop waits the poll interval")
    }

    /// The first load may send its grants after its first page: meanwhile the
    /// grant lists say they are loading, never that nothing needs attention.
    @Test func grantsThatFollowTheFirstPageAreShownLoadingUntilTheyCome() {
        var model = ConsoleModel(size: Size(width: 120, height: 30), now: now)
        var first = Sample.snapshot(grants: [])
        first.grantsLoaded = false
        #expect(update(&model, .snapshotPageLoaded(ConsoleSnapshotPage(snapshot: first, after: nil, next: .max, total: 8)))
                .contains(.loadSnapshotPage(after: .max)))
        _ = update(&model, .key(.character("4")))
        var screen = view(model, size: model.size, glyphs: .unicode).lines.joined(separator: "\n")
        #expect(screen.contains("loading grants…"), "\(screen)")
        #expect(screen.contains("4 Expiring 0…"), "\(screen)")
        #expect(!screen.contains(ConsoleTab.expiring.emptyText))

        var last = Sample.snapshot(rows: [], grants: Sample.grants)
        last.grantsLoaded = true
        // The grants may need judging again sooner than the first page said.
        last.judgeAgainAt = now.addingTimeInterval(7)
        _ = update(&model, .snapshotPageLoaded(ConsoleSnapshotPage(snapshot: last, after: .max, next: nil, total: 8)))
        #expect(model.grantsLoaded && model.grants.count == Sample.grants.count)
        #expect(model.judgeAgainAt == now.addingTimeInterval(7))
        #expect(model.rows.count == Sample.rows.count, "the requests stay")
        screen = view(model, size: model.size, glyphs: .unicode).lines.joined(separator: "\n")
        #expect(!screen.contains("loading grants"))
        #expect(model.selectedGrant != nil)
    }

    @Test func aReloadInPagesKeepsTheOldListsUntilItIsWhole() {
        var model = ConsoleModel(size: Size(width: 100, height: 30))
        let first = ConsoleFixtures.snapshot(count: 300)
        _ = update(&model, .snapshotLoaded(first))
        let before = model.count(of: .allPending)
        var next = first
        next.changeToken += 1
        next.rows = Array(first.rows.prefix(200))
        var page = next
        page.rows = Array(next.rows[0..<120])
        #expect(update(&model, .snapshotPageLoaded(ConsoleSnapshotPage(snapshot: page, after: nil, next: 120, total: 200)))
                == [.loadSnapshotPage(after: 120)])
        #expect(model.count(of: .allPending) == before)
        #expect(model.loadingProgress == nil)
        // The store moves on while the reload is read; the poll does not restart it.
        #expect(update(&model, .changeToken(next.changeToken)) == [])
        // A page of another load is ignored.
        page.rows = []
        #expect(update(&model, .snapshotPageLoaded(ConsoleSnapshotPage(snapshot: page, after: 7, next: nil, total: 200))) == [])
        page.rows = Array(next.rows[120...])
        _ = update(&model, .snapshotPageLoaded(ConsoleSnapshotPage(snapshot: page, after: 120, next: nil, total: 200)))
        #expect(model.rows.count == 200)
        #expect(model.changeToken == next.changeToken)
    }

    @Test func aChangeDuringTheFirstLoadKeepsShowingProgress() {
        var model = ConsoleModel(size: Size(width: 100, height: 30))
        let snapshot = ConsoleFixtures.snapshot(count: 300)
        var page = snapshot
        page.rows = Array(snapshot.rows[0..<100])
        _ = update(&model, .snapshotPageLoaded(ConsoleSnapshotPage(snapshot: page, after: nil, next: 100, total: 300)))
        #expect(model.loadingProgress?.loaded == 100)
        // Someone decides meanwhile: the load starts over, in the background.
        #expect(update(&model, .changeToken(snapshot.changeToken + 1)) == [.loadSnapshot])
        page.changeToken += 1
        page.rows = Array(snapshot.rows[0..<50])
        _ = update(&model, .snapshotPageLoaded(ConsoleSnapshotPage(snapshot: page, after: nil, next: 50, total: 300)))
        #expect(model.rows.count == 100)
        #expect(model.loadingProgress?.loaded == 50)
        #expect(model.loadingProgress?.total == 300)
        page.rows = Array(snapshot.rows[50...])
        _ = update(&model, .snapshotPageLoaded(ConsoleSnapshotPage(snapshot: page, after: 50, next: nil, total: 300)))
        #expect(model.rows.count == 300)
        #expect(model.loadingProgress == nil)
    }

    @Test func loadingProgressIsGroupedTheSameEverywhere() {
        #expect(StatusLine.grouped(0) == "0")
        #expect(StatusLine.grouped(999) == "999")
        #expect(StatusLine.grouped(40_000) == "40,000")
        #expect(StatusLine.grouped(1_234_567) == "1,234,567")
    }
}
