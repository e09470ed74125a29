import Foundation
import Testing

/// The real binary in a real terminal (tmux), as an approver uses it.
@Suite("Console in tmux", .serialized)
struct ConsoleTests {
    func console(_ store: TestStore, as person: String = "dave", width: Int = 160, height: Int = 40,
                 environment: [String: String] = [:]) throws -> TmuxSession {
        try TmuxSession(command: [Signoff.binary.path, "--store", store.path, "--as", person],
                        width: width, height: height, environment: store.environment().merging(environment) { $1 })
    }

    /// A store with one pending request (alice's), and dave's console showing it.
    func consoleOnOneRequest() throws -> (TestStore, String, TmuxSession) {
        let store = try TestStore()
        let id = try store.submit(etlRequest, as: "alice")
        let tmux = try console(store)
        try tmux.waitFor("Detail · \(id)")
        return (store, id, tmux)
    }

    /// `id` becomes approved, its review recording exactly `rationale`.
    func expectApproved(_ store: TestStore, _ id: String, rationale: String,
                        sourceLocation: SourceLocation = #_sourceLocation) throws {
        try waitUntil { try store.show(id)["state"] as? String == "approved" }
        let reviews = try store.show(id)["reviews"] as? [[String: Any]]
        #expect(reviews?.first?["rationale"] as? String == rationale, sourceLocation: sourceLocation)
    }

    func quit(_ tmux: TmuxSession) throws {
        try tmux.send("q")
        try waitUntil { tmux.paneDead }
    }

    @Test func moveThenApproveWithARationaleFromTheQueue() throws {
        let store = try TestStore()
        let first = try store.submit(etlRequest, as: "alice")
        let id = try store.submit(etlRequest.replacingOccurrences(of: "svc-ledger-etl", with: "svc-ledger-audit"), as: "alice")
        let tmux = try console(store)
        try tmux.waitFor("My queue 2")
        try tmux.send("j")
        try tmux.waitFor("Detail · \(id)")
        try tmux.send("a")
        let panel = try tmux.waitFor("Ctrl-s submit")
        #expect(panel.contains("APPROVE service account svc-ledger-audit"))
        // Too short: Ctrl-s does nothing but say why.
        try tmux.type("ok")
        try tmux.send("C-s")
        try tmux.waitFor("more character")
        #expect(try store.show(id)["state"] as? String == "pending")
        try tmux.type(" - read replica only, matches OPS-1234")
        try tmux.send("C-s")
        try waitUntil { try store.show(id)["state"] as? String == "approved" }
        let reviews = try store.show(id)["reviews"] as? [[String: Any]]
        #expect(reviews?.first?["rationale"] as? String == "ok - read replica only, matches OPS-1234")
        #expect(reviews?.first?["reviewer"] as? String == "dave")
        #expect(try store.show(first)["state"] as? String == "pending", "the wrong request was decided")
        try tmux.waitFor("My queue 1")
        try tmux.send("q")
        try waitUntil { tmux.paneDead }
    }

    /// A decision that waits for the store's lock says so at once, naming
    /// who holds it, instead of freezing the console unexplained; once the
    /// lock is free the decision is recorded as typed.
    @Test func aDecisionWaitingForTheStoresLockSaysWhoHoldsIt() throws {
        let (store, id, tmux) = try consoleOnOneRequest()
        try tmux.send("a")
        try tmux.waitFor("Ctrl-s submit")
        try tmux.type("read replica only, matches OPS-1234")
        let release = try store.holdWriteLock()
        var released = false
        defer { if !released { release() } }
        try tmux.send("C-s")
        let screen = try tmux.waitFor("the store is locked: waiting up to")
        #expect(screen.contains(TestBackend.current == .postgresql ? "held by PostgreSQL role" : "held by process"), "\(screen)")
        // Read from another account: on PostgreSQL this one's fold of the store waits with the console.
        let shown = try store.run(["show", id, "--json"], account: "auditor")
        #expect((try Signoff.json(shown) as? [String: Any])?["state"] as? String == "pending", "\(shown.output)")
        release()
        released = true
        try expectApproved(store, id, rationale: "read replica only, matches OPS-1234")
        try quit(tmux)
    }

    /// An extension is shown as one: the detail names the grant it extends
    /// and what approving does to it, and the panel restates that.
    @Test func anExtensionShowsTheGrantItExtendsAndWhatApprovingAdds() throws {
        let store = try TestStore()
        let id = try store.submit(etlRequest, as: "alice")
        #expect(try store.run(["approve", id, "--version", "1", "-r", rationale], as: "dave").status == 0)
        let extended = try store.run(["extend", id, "--by", "8h", "--json"], as: "alice")
        let extensionID = try #require(try Signoff.items(extended).first?["id"] as? String, "\(extended.output)")
        let tmux = try console(store)
        let detail = try tmux.waitFor("Detail · \(extensionID)")
        // The detail pane's lines (right of the list), as one text: the sentence wraps.
        let pane = detail.split(separator: "\n").compactMap { line in line.range(of: "││").map { String(line[$0.upperBound...].dropLast()) } }
            .joined(separator: " ").split(separator: " ").joined(separator: " ")
        #expect(pane.contains("Extends the grant of \(id) (active,") && pane.contains("approving adds 8h, to ")
                && pane.contains("16h in all"), "\(pane)")
        try tmux.send("a")
        let panel = try tmux.waitFor("Ctrl-s submit")
        #expect(panel.contains("EXTENSION adds 8h to the grant of \(id)"), "\(panel)")
        try tmux.send("Escape")
        try quit(tmux)
    }

    /// A denial's draft, kept when its panel is closed, belongs to the
    /// denial: the approval panel of the same request starts empty, so no
    /// key press records the words of a denial as an approval's. Alt-Enter
    /// (ESC then CR) submits, as Ctrl-s does; a control sequence in typed or
    /// pasted text is dropped whole, and a tab kept.
    @Test func aDenialsDraftIsNoApprovalsAndAltEnterSubmits() throws {
        let (store, id, tmux) = try consoleOnOneRequest()
        try tmux.send("d")
        try tmux.waitFor("Ctrl-s submit")
        try tmux.type("DENY: no ticket, scope far too broad")
        try tmux.send("Escape")
        try tmux.waitFor("the rationale draft is kept")
        try tmux.send("a")
        let panel = try tmux.waitFor("Ctrl-s submit")
        #expect(!panel.contains("DENY: no ticket"), "the denial's draft turned up in the approval: \(panel)")
        // Pasted text with a terminal's title sequence in it: the sequence is dropped whole. A tab is kept.
        try tmux.type("read replica only\u{1B}]0;owned\u{07}, matches\tOPS-1234")
        try tmux.send("M-Enter")
        try expectApproved(store, id, rationale: "read replica only, matches\tOPS-1234")
        try quit(tmux)
    }

    /// A paste is text, never keys: a Ctrl-s or Enter inside it submits
    /// nothing, its line breaks are lines of the rationale, and a paste where
    /// nothing takes text does nothing at all. Pasted text that carries a
    /// paste's end marker of its own stays text after it; keys that arrive
    /// at once with others (a paste the terminal does not mark) never submit.
    @Test func aPasteNeverPressesAKey() throws {
        let (store, id, tmux) = try consoleOnOneRequest()
        try tmux.paste("dq")
        try tmux.waitFor("the paste did nothing")
        try tmux.paste("see the wiki\u{1B}[201~aLooks fine to me, approved by paste\u{13}")
        try tmux.waitFor("the paste did nothing")
        try tmux.send("a")
        try tmux.waitFor("Ctrl-s submit")
        try tmux.paste("read replica only\u{13}\nmatches OPS-1234\r")
        try tmux.waitFor("matches OPS-1234")
        try tmux.paste(" per runbook\u{1B}[201~\u{13}yes\r")
        try tmux.waitFor("per runbookyes")
        try tmux.type(" and OPS-99\u{13}")
        try tmux.waitFor("came in at once with other input")
        #expect(try store.show(id)["state"] as? String == "pending", "a pasted Ctrl-s submitted")
        for _ in 0..<15 { try tmux.send("BSpace") }   // "yes", the pasted line break, " and OPS-99"
        try tmux.waitFor("Rationale 47/20")
        try tmux.send("C-s")
        try expectApproved(store, id, rationale: "read replica only\nmatches OPS-1234\n per runbook")
        try quit(tmux)
    }

    /// A paste's start marker with no end (a terminal that does not bracket
    /// pastes passes one through when it is pasted as text): what follows is
    /// taken as the paste only until input pauses; the keys after are keys.
    @Test func aPasteThatNeverEndsEndsWhenInputPauses() throws {
        let (store, _, tmux) = try consoleOnOneRequest()
        defer { withExtendedLifetime(store) {} }  // a PostgreSQL store's database lives as long as it
        try tmux.tmux(["set-buffer", "-b", "signoff-raw", "--", "\u{1B}[200~hello"])
        try tmux.tmux(["paste-buffer", "-d", "-b", "signoff-raw", "-t", tmux.name])
        try tmux.waitFor("the paste did nothing")
        try tmux.send("a")
        try tmux.waitFor("Ctrl-s submit")
        try tmux.send("Escape")
        try quit(tmux)
    }

    /// Stopped from outside (`kill -TSTP`) and resumed with `fg`: the shell
    /// turned bracketed paste off meanwhile, and the console asks for it again,
    /// so a paste is still text, never keys (`d` would open a denial).
    @Test func pastesStayTextAfterAStopAndFg() throws {
        let store = try TestStore()
        _ = try store.submit(etlRequest, as: "alice")
        let shell = try TmuxSession(command: ["/bin/bash", "--norc", "--noprofile", "-i"], width: 160, height: 40,
                                    environment: store.environment())
        try shell.tmux(["send-keys", "-t", shell.name, "-l",
                        "\(TmuxSession.quote(Signoff.binary.path)) --store \(TmuxSession.quote(store.path)) --as dave"])
        try shell.send("Enter")
        try shell.waitFor("My queue 1")
        let bash = try shell.tmux(["display-message", "-p", "-t", shell.name, "#{pane_pid}"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let child = try Signoff.runProgram("/usr/bin/pgrep", ["-P", bash], environment: [:], unsetting: [])
        let pid = try #require(Int32(child.stdout.split(separator: "\n").first.map(String.init) ?? ""), "\(child.output)")
        #expect(kill(pid, SIGTSTP) == 0)
        try shell.waitFor("Stopped")
        try shell.tmux(["send-keys", "-t", shell.name, "-l", "fg"])
        try shell.send("Enter")
        try shell.waitFor("My queue 1")
        try shell.paste("d")
        try shell.waitFor("the paste did nothing")
        try shell.send("q")
    }

    /// A grant whose approval was written into the store by hand is marked
    /// DISPUTED in the grant list and in its detail, with the events signoff
    /// does not record.
    @Test(.needsStoreFile) func aGrantApprovedByHandIsMarkedDisputed() throws {
        let store = try TestStore()
        let id = try store.submit(etlRequest, as: "alice")
        try CommandLineTests.appendSelfApproval(store, id)
        let tmux = try console(store, width: 240)
        try tmux.waitFor("My queue")
        try tmux.send("4")
        try tmux.waitFor("Active grants")
        let detail = try tmux.waitFor("its rows or history hold what signoff did not write")
        #expect(detail.contains("review_recorded by alice"), "\(detail)")
        let listed = detail.split(separator: "\n").filter { $0.contains(id) && $0.contains("✘ DISPUTED") }
        #expect(!listed.isEmpty, "the list marks the grant too: \(detail)")
        try tmux.send("q")
        try waitUntil { tmux.paneDead }
    }

    @Test func denyAfterFilteringAndCancellingLeavesNoTrace() throws {
        let store = try TestStore()
        let first = try store.submit(etlRequest, as: "alice")
        let second = try store.submit(etlRequest.replacingOccurrences(of: "svc-ledger-etl", with: "svc-fraud-scorer"), as: "alice")
        let tmux = try console(store)
        try tmux.waitFor("My queue 2")
        try tmux.send("/")
        try tmux.type("fraud")
        let filtered = try tmux.waitFor("svc-fraud-scorer")
        #expect(!filtered.contains(first + " "), "the filter left \(first) in the list")
        try tmux.send("Enter")
        try tmux.send("d")
        // Type only once the panel is open: keys before it go to the list.
        try tmux.waitFor("Ctrl-s submit")
        try tmux.type("Scoring does not need the ledger")
        try tmux.waitFor("not need the ledger")
        try tmux.send("Escape")
        try waitUntil { try !tmux.screen().contains("Ctrl-s submit") }
        #expect(try store.show(second)["state"] as? String == "pending", "cancelling recorded something")
        try tmux.send("d")
        try tmux.waitFor("Ctrl-s submit")
        try tmux.send("C-s")
        try waitUntil { try store.show(second)["state"] as? String == "denied" }
        #expect(try store.show(first)["state"] as? String == "pending")
        try tmux.send("q")
    }

    @Test func anotherApproversDecisionAppearsWithoutAKeyPress() throws {
        let store = try TestStore()
        let id = try store.submit(etlRequest, as: "alice")
        let tmux = try console(store)
        try tmux.waitFor("My queue 1")
        #expect(try store.run(["approve", id, "--version", "1", "-r", rationale], as: "erin").status == 0)
        try tmux.waitFor("My queue 0", timeout: 3)
        try tmux.send("q")
    }

    /// The engineer coming on call sees the break-glass request waiting for
    /// the rotation as theirs at the turn, though nothing in the store
    /// changed: the console judges its queue again when the clock passes a
    /// rotation's turn. (sre-oncall turns every Monday at 09:00 UTC; alice
    /// hands over to bob on 2026-11-16.)
    @Test func aRotationsTurnMovesABreakGlassRequestIntoTheNextOnCallsQueue() throws {
        let store = try TestStore()
        let id = try store.submit(emergencyRequest, as: "grace", at: "2026-11-16T08:50:00Z")
        let tmux = try console(store, as: "bob", environment: ["SIGNOFF_NOW": "2026-11-16T08:59:57Z"])
        try tmux.waitFor("My queue 0")
        let before = try store.run(["audit", "export"]).stdout
        try tmux.waitFor("My queue 1", timeout: 15)
        try tmux.waitFor("Detail · \(id)")
        #expect(try store.run(["audit", "export"]).stdout == before, "nothing was written: the clock alone moved the request")
        try quit(tmux)
    }

    @Test func resizingRedrawsAndATinyTerminalIsToldSo() throws {
        let store = try TestStore()
        let id = try store.submit(etlRequest, as: "alice")
        let tmux = try console(store, width: 160, height: 40)
        try tmux.waitFor(id)
        try tmux.resize(width: 30, height: 8)
        try tmux.waitFor("too small")
        try tmux.resize(width: 90, height: 24)
        let screen = try tmux.waitFor(id)
        for line in screen.split(separator: "\n") {
            #expect(line.count <= 90)
        }
        try tmux.send("q")
    }

    @Test func noColorMeansNoColourEscapes() throws {
        let store = try TestStore()
        let id = try store.submit(etlRequest, as: "alice")
        let tmux = try console(store, environment: ["NO_COLOR": "1"])
        try tmux.waitFor(id)
        let escaped = try tmux.screen(escapes: true)
        #expect(!escaped.contains("[38;"), "a foreground colour was drawn")
        #expect(escaped.range(of: "\u{1B}\\[[0-9;]*(3[0-7]|9[0-7]|4[0-7])m", options: .regularExpression) == nil,
                "a colour was drawn")
        #expect(escaped.contains("\u{1B}[7m") || escaped.contains("\u{1B}[1m"), "no bold or reverse either: states would be indistinguishable")
        try tmux.send("q")
    }

    @Test(.needsStoreFile) func escapeSequencesInAFieldNeverReachTheTerminal() throws {
        let store = try TestStore()
        // Terminal commands cannot come in through a request (they are refused
        // at the door), but whoever can write the store file can plant them.
        let hostile = etlRequest
            .replacingOccurrences(of: "purpose: Nightly reconciliation reads the ledger tables",
                                  with: "purpose: \"evil\\u202Etxt.exe \\u3164\\u200B\"")
        let id = try store.submit(hostile, as: "alice")
        let planted = try sqlite(store.path, """
            UPDATE requests SET subject_name = 'svc' || char(27) || '[2J' || char(27) || ']2;pwned' || char(7) || char(27) || '[31mred',
                purpose = purpose || char(155) || '2J ' || char(27) || '[5m' WHERE id = '\(id)';
            """)
        #expect(planted.status == 0, "\(planted.stdout)")
        let tmux = try console(store)
        try tmux.waitFor("My queue 1")
        let text = try tmux.waitFor("svc␛[2J")
        #expect(text.contains("My queue"), "the screen was cleared")
        let title = try tmux.tmux(["display-message", "-p", "-t", tmux.name, "#{pane_title}"])
        #expect(!title.contains("pwned"), "a field set the terminal title")
        let escaped = try tmux.screen(escapes: true)
        #expect(!escaped.contains("\u{1B}[5m"), "a field made text blink")
        #expect(!escaped.unicodeScalars.contains { $0.value == 0x202E || $0.value == 0x9B || $0.value == 0x3164 || $0.value == 0x200B })
        try tmux.send("q")
    }

    /// A character that joins the next into its grapheme (a prepended
    /// concatenation mark; a letter with the Prepend property) must not take
    /// that character with it off the screen: the approver sees every
    /// character the store holds, as itself or as a placeholder.
    @Test func aCharacterThatJoinsTheNextHidesNothing() throws {
        let store = try TestStore()
        let hidden = " and WRITES to billing".map { "\\u0600" + String($0) }.joined()
        let request = etlRequest
            .replacingOccurrences(of: "purpose: Nightly reconciliation reads the ledger tables",
                                  with: "purpose: \"Nightly reconciliation reads the ledger tables\(hidden)\"")
            .replacingOccurrences(of: "name: svc-ledger-etl", with: "name: \"svc-ledger-etl\\u0D4E-admin\"")
        _ = try store.submit(request, as: "alice")
        let tmux = try console(store, width: 200, height: 50)
        try tmux.waitFor("My queue 1")
        let screen = try tmux.waitFor("W\u{FFFD}R\u{FFFD}I\u{FFFD}T\u{FFFD}E\u{FFFD}S")
        #expect(screen.contains("\u{0D4E}-admin"), "\(screen)")
        try tmux.send("q")
    }

    @Test func aDumbTerminalGetsAClearErrorNotABlankScreen() throws {
        let store = try TestStore()
        let result = try Signoff.run(["--store", store.path, "--as", "dave"], environment: ["TERM": "dumb"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("signoff list"), "\(result.stderr)")
        #expect(result.stderr.hasPrefix("signoff: the console cannot open"), "said once: \(result.stderr)")
        #expect(!result.stderr.contains("signoff: signoff"))
    }

    @Test func aManagerRevokesAGrantFromExpiringAndSeesItAwaitRemoval() throws {
        let store = try TestStore()
        _ = try store.submit(etlRequest.replacingOccurrences(of: "svc-ledger-etl", with: "svc-ledger-audit"), as: "alice")
        let id = try store.submit(etlRequest, as: "alice")
        #expect(try store.run(["approve", id, "--version", "1", "-r", rationale], as: "erin").status == 0)
        // dave owns payments-db: the grant is his to watch and to revoke.
        let tmux = try console(store, width: 200, height: 40)
        try tmux.waitFor("My queue")
        try tmux.send("4")
        let list = try tmux.waitFor("Active grants")
        #expect(list.contains("Expiring 1"))
        let row = list.split(separator: "\n").first { $0.contains("\(id) ") && $0.contains("payments-db") }
        #expect(row?.contains("7h59m left") == true || row?.contains("8h left") == true, "no time left in \(list)")
        try tmux.send("m")
        try tmux.waitFor("my people and systems")
        #expect(try tmux.screen().contains(id), "dave's own system's grant was filtered out")
        try tmux.send("R")
        let panel = try tmux.waitFor("Ctrl-s submit")
        #expect(panel.contains("REVOKE access of service account svc-ledger-etl"))
        try tmux.type("OPS-1234 closed early, the reconciliation is done")
        try tmux.send("C-s")
        try waitUntil { try (store.show(id)["grant"] as? [String: Any])?["state"] as? String == "revoked" }
        let after = try tmux.waitFor("removal not confirmed")
        let flagged = after.split(separator: "\n").first { $0.contains("\(id) ") && $0.contains("payments-db") }
        #expect(flagged?.contains("revoked") == true && flagged?.contains("not removed") == true,
                "the revoked grant is not flagged in \(after)")
        #expect(try store.show(id)["state"] as? String == "approved", "the request keeps its decision")
        try tmux.send("q")
        try waitUntil { tmux.paneDead }
    }

    /// A system owner opens Drift: the finding on their system comes first,
    /// with the export's record behind it; an exception accepted meanwhile
    /// moves it apart without a key press.
    @Test func anOwnerSeesDriftOnTheirSystemWithItsEvidence() throws {
        let store = try TestStore()
        let id = try store.submit(etlRequest, as: "alice", at: ReconcileTests.t0)
        #expect(try store.run(["approve", id, "--version", "1", "-r", rationale], as: "erin", at: ReconcileTests.t0).status == 0)
        let export = try store.file("export.jsonl", [
            ReconcileTests.line("svc-ledger-etl", id: "pg-1", at: "2026-11-21T04:00:00Z"),
            ReconcileTests.line("svc-rogue", id: "pg-rogue-7", at: "2026-11-21T04:00:00Z"),
        ].joined(separator: "\n") + "\n")
        let run = try store.run(["reconcile", "generic", export, "--covers", "payments-db/production", "--json"], as: "ops",
                                at: "2026-11-21T04:05:00Z")
        #expect(run.status == 9, "\(run.output)")
        let finding = try #require(((try Signoff.json(run) as? [String: Any])?["opened"] as? [[String: Any]])?.first?["id"] as? String)
        // dave owns payments-db.
        let tmux = try console(store, width: 200, height: 45, environment: ["SIGNOFF_NOW": "2026-11-21T05:00:00Z"])
        try tmux.waitFor("My queue")
        try tmux.send("6")
        try tmux.waitFor("Findings on my systems and my people")
        // The heading can be captured before the row under it is drawn: wait for the row.
        var list = ""
        try waitUntil {
            list = try tmux.screen()
            return list.split(separator: "\n").contains { $0.contains("svc-rogue") && $0.contains("unapproved") }
        }
        #expect(list.contains("Drift 1"), "\(list)")
        let row = list.split(separator: "\n").first { $0.contains("svc-rogue") && $0.contains("unapproved") }
        #expect(row?.contains("payments-db") == true, "\(list)")
        let detail = try tmux.waitFor("Evidence")
        #expect(detail.contains(finding) && detail.contains("pg-rogue-7"), "\(detail)")
        #expect(detail.contains("and no grant approves it"), "\(detail)")
        // Accepted as an exception by security, elsewhere: the list follows.
        #expect(try store.run(["drift", "except", finding, "--until", "7d", "-r", "Vendor bridge account, removed with the Q1 migration"],
                              as: "sam", at: "2026-11-21T05:00:00Z").status == 0)
        let moved = try tmux.waitFor("Excepted, reported again when the exception ends")
        #expect(!moved.contains("Findings on my systems and my people"), "\(moved)")
        try tmux.send("q")
        try waitUntil { tmux.paneDead }
    }

    /// The on-call engineer and the manager see the request behind a grant or
    /// a post-incident review (its purpose, ticket, policy, timeline) before
    /// they revoke or review it; and the console keeps the clock SIGNOFF_NOW sets.
    @Test func grantsAndReviewsShowTheirRequestAndTheConsoleKeepsTheMovedClock() throws {
        let store = try TestStore()
        let t0 = "2026-11-21T03:00:00Z"
        let id = try store.submit(etlRequest, as: "alice", at: t0)
        #expect(try store.run(["approve", id, "--version", "1", "-r", rationale], as: "erin", at: t0).status == 0)
        let emergency = try store.submit(emergencyRequest, as: "grace", at: t0)
        #expect(try store.run(["approve", emergency, "--version", "1", "-r", "Pods are down, cordon approved"], as: "bob",
                              at: t0).status == 0)
        let tmux = try console(store, width: 200, height: 45, environment: ["SIGNOFF_NOW": "2026-11-21T05:00:00Z"])
        try tmux.waitFor("My queue")
        try tmux.send("4")
        // The 8h grant approved at 03:00, seen at 05:00 by the console's clock
        // (which runs on from there: a few seconds may have passed).
        try tmux.waitFor("Active grants")
        var list = ""
        try waitUntil {
            list = try tmux.screen()
            return list.split(separator: "\n").contains { $0.contains("\(id) ") }
        }
        let row = list.split(separator: "\n").first { $0.contains("\(id) ") }
        #expect(row?.contains("6h left") == true || row?.contains("5h59m left") == true, "\(list)")
        try tmux.send("j")
        try tmux.waitFor("Nightly reconciliation reads the ledger tables")
        #expect(try !tmux.screen().contains("loading details"))
        try tmux.send("3")
        try tmux.waitFor("Payments pods crash-looping, cordon a node")
        try tmux.send("G")
        let review = try tmux.waitFor("Post-incident review")
        #expect(review.contains("Payments pods crash-looping, cordon a node"), "\(review)")
        #expect(!review.contains("loading details"))
        try tmux.send("q")
        try waitUntil { tmux.paneDead }
    }

    /// Someone who may not revoke a grant is told so before typing a rationale;
    /// the panel never opens, and nothing was attempted.
    @Test func someoneWhoMayNotRevokeIsToldBeforeTyping() throws {
        let store = try TestStore()
        let id = try store.submit(etlRequest, as: "alice")
        #expect(try store.run(["approve", id, "--version", "1", "-r", rationale], as: "erin").status == 0)
        let tmux = try console(store, as: "quinn", width: 200, height: 40)
        try tmux.waitFor("My queue")
        try tmux.send("4")
        try tmux.waitFor(id)
        try tmux.send("R")
        let screen = try tmux.waitFor("may not revoke")
        #expect(!screen.contains("Ctrl-s submit"))
        #expect((try store.show(id)["grant"] as? [String: Any])?["state"] as? String == "active")
        let last = (try store.show(id)["timeline"] as? [[String: Any]])?.last
        #expect(last?["kind"] as? String != "action_refused", "\(last ?? [:])")
        try tmux.send("q")
        try waitUntil { tmux.paneDead }
    }

    /// A slow hand-off command runs after the decision without freezing the
    /// console; its outcome reaches the store, and quitting waits for it.
    @Test func aSlowHandOffDoesNotFreezeTheConsole() throws {
        let store = try TestStore()
        let received = store.directory.appendingPathComponent("received.json").path
        #expect(try store.run(["handoff", "--command", "sleep 4; cat > '\(received)'", "--timeout", "20"], as: "dave").status == 0)
        let id = try store.submit(etlRequest, as: "alice")
        let tmux = try console(store)
        try tmux.waitFor("My queue 1")
        try tmux.send("a")
        try tmux.waitFor("Ctrl-s submit")
        try tmux.type("read replica only, matches OPS-1234")
        let submitted = Date()
        try tmux.send("C-s")
        try tmux.waitFor("My queue 0")
        // The console answers keys while the command still sleeps.
        try tmux.send("?")
        try tmux.waitFor("Keys")
        #expect(Date().timeIntervalSince(submitted) < 3.5, "the console waited for the hand-off command")
        func provisioning() throws -> String? {
            ((try store.show(id)["grant"] as? [String: Any])?["provisioning"] as? [String: Any])?["state"] as? String
        }
        #expect(try provisioning() != "done")
        try waitUntil { try provisioning() == "done" }
        #expect(FileManager.default.fileExists(atPath: received))
        // `?` again, not Esc: Esc followed at once by q reads as Alt-q.
        try tmux.send("?")
        try tmux.waitFor("My queue 0")
        try tmux.send("q")
        try waitUntil { tmux.paneDead }
    }

    /// A terminal that goes away without a hang-up signal (here: a pseudo-terminal
    /// that is not the console's controlling terminal, whose other end closes)
    /// ends the console; it must not spin on reads that fail at once.
    @Test func theConsoleEndsWhenItsTerminalGoesAway() throws {
        let store = try TestStore()
        _ = try store.submit(etlRequest, as: "alice")
        // posix_openpt, unlockpt and ptsname, as Linux implements them. Close-on-exec:
        // a console that inherited the other end would keep its own terminal alive.
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        try #require(master >= 0)
        // TIOCSPTLCK and TIOCGPTN (Linux; Swift does not import these _IOW/_IOR macros).
        let unlockRequest: UInt = 0x4004_5431, numberRequest: UInt = 0x8004_5430
        var unlock: Int32 = 0, number: UInt32 = 0
        #expect(ioctl(master, unlockRequest, &unlock) == 0 && ioctl(master, numberRequest, &number) == 0)
        let slave = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY | O_CLOEXEC)
        try #require(slave >= 0)
        var size = winsize(ws_row: 40, ws_col: 140, ws_xpixel: 0, ws_ypixel: 0)
        #expect(ioctl(slave, UInt(TIOCSWINSZ), &size) == 0)
        let pid = try spawn([Signoff.binary.path, "--store", store.path, "--as", "dave"], terminal: slave,
                            environment: ["TERM=xterm-256color", "LANG=C.UTF-8", "LC_ALL=C.UTF-8", "HOME=\(store.directory.path)"]
                                + ProcessInfo.processInfo.environment.filter { $0.key.hasPrefix("PG") }.map { "\($0.key)=\($0.value)" })
        close(slave)
        defer { kill(pid, SIGKILL); var status: Int32 = 0; waitpid(pid, &status, WNOHANG) }

        // Wait for the first frame, reading what the console writes.
        var screen = ""
        let shown = Date().addingTimeInterval(20)
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !screen.contains("My queue"), Date() < shown {
            var ready = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, 100) > 0 else { continue }
            let count = read(master, &buffer, buffer.count)
            if count > 0 { screen += String(decoding: buffer[..<count], as: UTF8.self) }
        }
        #expect(screen.contains("My queue"), "the console never drew its first frame")

        close(master)
        var status: Int32 = 0
        let gone = Date().addingTimeInterval(10)
        while waitpid(pid, &status, WNOHANG) == 0, Date() < gone { Thread.sleep(forTimeInterval: 0.05) }
        #expect(kill(pid, 0) != 0, "the console was still running 10 s after its terminal went away")
    }

    /// Starts `arguments` with `terminal` as its input, output and error, with
    /// every signal unblocked and at its default (test threads block most).
    func spawn(_ arguments: [String], terminal: Int32, environment: [String]) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for descriptor in Int32(0)...2 { posix_spawn_file_actions_adddup2(&actions, terminal, descriptor) }
        var attributes = defaultSignalsSpawnAttributes()
        defer { posix_spawnattr_destroy(&attributes) }
        var cArguments = arguments.map { strdup($0) } + [nil]
        var cEnvironment = environment.map { strdup($0) } + [nil]
        defer { (cArguments + cEnvironment).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, arguments[0], &actions, &attributes, &cArguments, &cEnvironment)
        guard spawned == 0 else { throw HarnessError("cannot start \(arguments[0]): error \(spawned)") }
        return pid
    }

    @Test func theDemoOpensTheConsoleOnARealisticStore() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("signoff-demo-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("demo.sqlite").path
        let tmux = try TmuxSession(command: [Signoff.binary.path, "demo", "--store", path], width: 200, height: 60)
        // The status line is drawn last: wait for it, not for the tabs.
        let screen = try tmux.waitFor("ASSERTED")
        #expect(screen.contains("All pending"))
        #expect(screen.contains("dave"))
        try tmux.send("2")
        try tmux.waitFor("REQ-")
        try tmux.send("q")
        try waitUntil { tmux.paneDead }
        let verify = try Signoff.run(["audit", "verify", "--store", path])
        #expect(verify.status == 0, "\(verify.output)")
        // The demo's built-in policy is the example policy, byte for byte.
        let source = try sqlite(path, "SELECT source FROM policies;").stdout
        let example = try String(contentsOfFile: Signoff.example("policy.yaml"), encoding: .utf8)
        #expect(source == example + "\n", "the demo policy drifted from examples/policy.yaml")
    }
}

/// Polls until `condition` holds, failing after `timeout` seconds.
func waitUntil(timeout: TimeInterval = 20, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return }
        Thread.sleep(forTimeInterval: 0.1)
    }
    throw HarnessError("condition not met within \(timeout) s")
}
