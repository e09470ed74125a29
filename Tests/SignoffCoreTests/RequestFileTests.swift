import Testing
@testable import SignoffCore

private let valid = """
subject:
  kind: service_account
  name: svc-ledger-etl
  owner: alice
system: payments-db
environment: production
entitlement: read_replica
access: read
purpose: Nightly reconciliation reads the ledger tables
duration: 8h
"""

@Suite("Request files")
struct RequestFileTests {
    @Test func parsesAValidRequestExactlyAsGiven() throws {
        let text = valid.replacingOccurrences(of: "purpose: Nightly reconciliation reads the ledger tables", with: "purpose: \"  Nightly reconciliation reads the ledger tables\"")
        let entries = try RequestFile.parse(text: text, file: "r.yaml", policy: nil)
        #expect(entries.count == 1)
        let request = entries[0].request
        #expect(request.subject == Subject(kind: .serviceAccount, name: "svc-ledger-etl", owner: "alice"))
        #expect(request.duration == .hours(8))
        #expect(request.purpose == "  Nightly reconciliation reads the ledger tables")
        #expect(request.requester == nil)
    }

    @Test func readsJSONListsAndSeveralDocuments() throws {
        let json = """
        [{"subject": {"kind": "ai_agent", "name": "triage-bot", "owner": "bob"}, "system": "k8s", "environment": "staging",
          "entitlement": "view", "access": "read", "purpose": "read pod logs", "duration": "1h"},
         {"subject": {"kind": "human", "name": "bob"}, "system": "k8s", "environment": "staging",
          "entitlement": "edit", "access": "write", "purpose": "deploy fix", "duration": "30m"}]
        """
        let entries = try RequestFile.parse(text: json, file: "r.json", policy: nil)
        #expect(entries.map(\.request.subject.kind) == [.aiAgent, .human])
        #expect(entries[1].request.subject.owner == "bob")
        let twoDocs = try RequestFile.parse(text: valid + "\n---\n" + valid, file: "r.yaml", policy: nil)
        #expect(twoDocs.count == 2)
        let wrapped = try RequestFile.parse(text: "requests:\n" + ("- " + valid.replacingOccurrences(of: "\n", with: "\n  ")), file: "r.yaml", policy: nil)
        #expect(wrapped.count == 1)
    }

    struct BadCase: Sendable, CustomStringConvertible {
        var name: String
        var from: String
        var to: String
        var line: Int?
        var field: String
        var message: String
        var description: String { name }
    }

    static let badCases: [BadCase] = [
        .init(name: "unknown field", from: "access: read", to: "access: read\ncolour: blue", line: 9, field: "colour", message: "unknown field"),
        .init(name: "typo gets a suggestion", from: "purpose:", to: "purpse:", line: 9, field: "purpse", message: "did you mean \"purpose\""),
        .init(name: "missing entitlement", from: "entitlement: read_replica\n", to: "", line: 1, field: "entitlement", message: "is required but missing"),
        .init(name: "bad kind", from: "kind: service_account", to: "kind: robot", line: 2, field: "subject.kind", message: "\"robot\" is not an identity kind"),
        .init(name: "bad access", from: "access: read", to: "access: root", line: 8, field: "access", message: "read, write or admin"),
        .init(name: "zero duration", from: "duration: 8h", to: "duration: 0h", line: 10, field: "duration", message: "\"0h\" is not a duration"),
        .init(name: "negative duration", from: "duration: 8h", to: "duration: -8h", line: 10, field: "duration", message: "is not a duration"),
        .init(name: "unparsable duration", from: "duration: 8h", to: "duration: soon", line: 10, field: "duration", message: "is not a duration"),
        .init(name: "bare number duration", from: "duration: 8h", to: "duration: 8", line: 10, field: "duration", message: "is not a duration"),
        .init(name: "empty purpose", from: "purpose: Nightly reconciliation reads the ledger tables", to: "purpose: \"   \"", line: 9, field: "purpose", message: "must not be empty"),
        .init(name: "wrong type", from: "system: payments-db", to: "system: [a, b]", line: 5, field: "system", message: "expected text, found a list"),
        .init(name: "owner missing for non-human", from: "  owner: alice\n", to: "", line: 2, field: "subject", message: "owner is required"),
        .init(name: "break glass needs incident", from: "access: read", to: "access: read\nbreak_glass: true", line: 9, field: "break_glass", message: "needs an incident"),
        .init(name: "overlong value", from: "system: payments-db", to: "system: " + String(repeating: "x", count: 600), line: 5, field: "system", message: "at most 512"),
        .init(name: "duplicate field", from: "access: read", to: "access: read\naccess: write", line: nil, field: "access", message: "twice"),
        .init(name: "end before start", from: "duration: 8h", to: "start: 2026-11-21T10:00:00Z\nend: 2026-11-21T09:00:00Z", line: 11, field: "end", message: "minute after start"),
        .init(name: "time without zone", from: "duration: 8h", to: "start: 2026-11-21T10:00:00\nduration: 8h", line: 10, field: "start", message: "has no zone"),
        .init(name: "not yaml", from: "access: read", to: "access: [read", line: nil, field: "", message: "is not valid YAML"),
        // A null is no value, never the word: a ticket or incident of "null" would pass rules that ask for one.
        .init(name: "null ticket", from: "duration: 8h", to: "duration: 8h\nticket: null", line: 11, field: "ticket", message: "expected text, found null"),
        .init(name: "tilde incident", from: "access: read", to: "access: read\nbreak_glass: true\nincident: ~", line: 10, field: "incident", message: "found null"),
        .init(name: "empty scope", from: "access: read", to: "access: read\nscope:", line: 9, field: "scope", message: "found null"),
        // A tag is not a type signoff reads: refused, not ignored.
        .init(name: "tagged access", from: "access: read", to: "access: !!int read", line: 8, field: "access", message: "a value tagged tag:yaml.org,2002:int"),
        .init(name: "binary purpose", from: "purpose: Nightly reconciliation reads the ledger tables", to: "purpose: !!binary TmlnaHRseSByZWFkcw==", line: 9, field: "purpose", message: "tagged tag:yaml.org,2002:binary"),
    ]

    /// A quoted `null` is the word, and a `!!str` tag is text.
    /// JSON writers escape a character beyond U+FFFF as a surrogate pair
    /// (Python's `json.dumps` does by default), which YAML's reader refuses
    /// half by half: read as the character, with every position reported
    /// where it is in the file. A half alone, or a pair in a YAML file, is
    /// still refused; an escaped backslash before `ud83d` is text.
    @Test func readsJSONSurrogatePairsAsTheCharacter() throws {
        func json(purpose: String, access: String = "read") -> String {
            #"{"subject": {"kind": "bot", "name": "b", "owner": "bob"}, "system": "k8s", "environment": "staging", "#
                + #""entitlement": "view", "purpose": "\#(purpose)", "access": "\#(access)", "duration": "1h"}"#
        }
        let read = try RequestFile.parse(text: json(purpose: #"logs \ud83d\ude00 and \uD83D\uDC4D\ud83d\ude00"#), file: "r.json", policy: nil)
        #expect(read.first?.request.purpose == "logs \u{1F600} and \u{1F44D}\u{1F600}")
        // A BMP character's escape is YAML's too (Korean, here): nothing to join.
        #expect(try RequestFile.parse(text: json(purpose: #"\ud55c\uad6d reads"#), file: "r.json", policy: nil).first?.request.purpose
                == "\u{D55C}\u{AD6D} reads")
        let escaped = try RequestFile.parse(text: json(purpose: #"C:\\ud83d\\ude00"#), file: "r.json", policy: nil)
        #expect(escaped.first?.request.purpose == #"C:\ud83d\ude00"#)

        let late = json(purpose: #"\ud83d\ude00\ud83d\ude00"#, access: "sudo")
        do {
            _ = try RequestFile.parse(text: late, file: "r.json", policy: nil)
            Issue.record("accepted access: sudo")
        } catch {
            let column = try #require(late.range(of: #""sudo""#)).lowerBound.utf16Offset(in: late) + 1
            #expect(error.errors.first?.field == "access")
            #expect(error.errors.first?.position == SourcePosition(line: 1, column: column), "\(error)")
        }
        for (text, file) in [(json(purpose: #"half \ud83d alone"#), "r.json"), ("purpose: \"\\ud83d\\ude00\"\n", "r.yaml")] {
            #expect(throws: SourceErrors.self) { try RequestFile.parse(text: text, file: file, policy: nil) }
        }
    }

    /// A key given twice is named where it is given again, with its whole
    /// path and the line of the first: the first is the one its writer
    /// more often meant to keep.
    @Test func aDuplicateKeyIsNamedWhereItIsGivenAgain() throws {
        let yaml = valid.replacingOccurrences(of: "  owner: alice", with: "  owner: alice\n  name: other")
        let json = """
            [{"subject": {"kind": "bot", "name": "a"}, "system": "k8s"},
             {"subject": {"kind": "bot", "name": "a", "kind": "human"}, "system": "k8s"}]
            """
        for (text, file, position, path, first) in [(yaml, "r.yaml", SourcePosition(line: 5, column: 3), "subject.name", 3),
                                                    (json, "r.json", SourcePosition(line: 2, column: 43), "[1].subject.kind", 2)] {
            do {
                _ = try RequestFile.parse(text: text, file: file, policy: nil)
                Issue.record("accepted a duplicate \(path)")
            } catch {
                let found = try #require(error.errors.first)
                #expect(found.position == position && found.field == path, "\(found)")
                #expect(found.message == "appears twice (first at line \(first))", "\(found)")
            }
        }
    }

    /// Who is unknown is named for the part they play: a human subject not
    /// in the directory as the subject (its owner, left out, is the subject),
    /// an intake agent that named nobody as the person asking as an agent.
    @Test func anUnknownPersonIsNamedForThePartTheyPlay() throws {
        let policy = try Fixture.policy("route:\n  - {name: r, steps: [{approvers: owners}]}\n")
        let human = valid.replacingOccurrences(of: "  kind: service_account\n  name: svc-ledger-etl\n  owner: alice",
                                               with: "  kind: human\n  name: zed")
        do {
            _ = try RequestFile.parse(text: human, file: "r.yaml", policy: policy)
            Issue.record("accepted a human subject nobody knows")
        } catch {
            let found = try #require(error.errors.first)
            #expect(found.field == "subject.name" && found.hint?.contains("the human subject must be a person") == true, "\(found)")
        }
        let scanned = try #require(try RequestFile.parse(text: valid, file: "r.yaml", policy: policy).first).scanned
        do throws(Refusal) {
            _ = try Lifecycle.authorizeSubmission(scanned, by: Principal(name: "jira-importer", authentication: .osAccount), policy: policy)
            Issue.record("an intake agent requested access for itself")
        } catch {
            #expect(error.message.contains("jira-importer is an intake agent, which submits for people: name the person asking"),
                    "\(error.message)")
        }
    }

    @Test func quotedNullAndStrTagsAreText() throws {
        let text = valid.replacingOccurrences(of: "duration: 8h", with: "duration: !!str 8h\nticket: \"null\"")
        let request = try #require(try RequestFile.parse(text: text, file: "r.yaml", policy: nil).first).request
        #expect(request.ticket == "null")
        #expect(request.duration == .hours(8))
        // JSON's null is YAML's.
        #expect(throws: SourceErrors.self) {
            try RequestFile.parse(text: #"{"subject": {"kind": "human", "name": "bob"}, "system": "k8s", "environment": "staging", "entitlement": "view", "access": "read", "purpose": "read pod logs", "duration": "1h", "ticket": null}"#, file: "r.json", policy: nil)
        }
    }

    @Test(arguments: badCases)
    func refusesBadInputWithPositionAndField(_ bad: BadCase) throws {
        let text = valid.replacingOccurrences(of: bad.from, with: bad.to)
        #expect(text != valid, "case does not change the input")
        do {
            _ = try RequestFile.parse(text: text, file: "bad.yaml", policy: nil)
            Issue.record("accepted \(bad.name)")
        } catch {
            let first = try #require(error.errors.first)
            #expect(first.file == "bad.yaml")
            if let line = bad.line { #expect(first.position?.line == line, "\(first)") }
            #expect(first.field == bad.field, "\(first)")
            #expect(first.description.contains(bad.message), "\(first)")
        }
    }

    @Test func oneBadRequestRejectsTheWholeFile() {
        let text = valid + "\n---\n" + valid.replacingOccurrences(of: "access: read", with: "access: sudo")
        #expect(throws: SourceErrors.self) { try RequestFile.parse(text: text, file: "r.yaml", policy: nil) }
    }

    /// A raw control character the YAML reader refuses is named by its line,
    /// column and code point, not by a byte offset; so is a file nested
    /// deeper than the reader takes, in words of the input, not of its API.
    /// A tab where YAML wants indentation is named as a tab, not only as
    /// "a character that cannot start any token"; a window of start and
    /// end longer than a year is named at its end.
    @Test func aTabAndALongWindowAreNamedForWhatTheyAre() throws {
        for text in [valid.replacingOccurrences(of: "  name: svc", with: "\tname: svc"),
                     valid.replacingOccurrences(of: "\n", with: "\r\n").replacingOccurrences(of: "  name: svc", with: "\tname: svc")] {
            do {
                _ = try YAMLSource.documents(text: text, file: "r.yaml")
                Issue.record("accepted a tab")
            } catch {
                #expect(error.hint?.contains("never tabs") == true && error.position?.line == 3, "\(error)")
            }
        }
        let window = valid.replacingOccurrences(of: "duration: 8h", with: "start: 2027-01-01T00:00:00Z\nend: 2028-06-01T00:00:00Z")
        do {
            _ = try RequestFile.parse(text: window, file: "r.yaml", policy: nil)
            Issue.record("accepted a window of 17 months")
        } catch {
            let found = try #require(error.errors.first)
            #expect(found.field == "end" && found.position?.line == 11 && found.message.contains("longer than a year"), "\(found)")
        }
    }

    @Test func aRawControlCharacterIsNamedWithItsPosition() throws {
        let text = valid.replacingOccurrences(of: "purpose: Nightly", with: "purpose: Nightly \u{1B}[31m")
        do {
            _ = try YAMLSource.documents(text: text, file: "r.yaml")
            Issue.record("accepted a raw ESC")
        } catch {
            #expect(error.position == SourcePosition(line: 9, column: 18), "\(error)")
            #expect(error.message.contains("(U+001B)") && !error.message.contains("byte"), "\(error.message)")
        }
        do {
            _ = try YAMLSource.documents(text: String(repeating: "[", count: 100_000), file: "deep.yaml")
            Issue.record("accepted a file nested 100,000 deep")
        } catch {
            #expect(error.message.contains("nested too deeply") && !error.message.contains("yaml_set"), "\(error.message)")
        }
    }

    @Test func invalidUTF8IsNamedWithItsPosition() {
        var bytes = Array("system: ok\nname: ".utf8)
        bytes += [0xC3, 0x28]
        do {
            _ = try YAMLSource.text(from: .init(bytes), file: "r.yaml")
            Issue.record("accepted invalid UTF-8")
        } catch {
            #expect(error.position == SourcePosition(line: 2, column: 7))
            #expect(error.message.contains("UTF-8"))
        }
    }
}

@Suite("Durations")
struct TimeSpanTests {
    @Test(arguments: [("30m", 1800), ("8h", 28_800), ("1d12h", 129_600), ("2w", 1_209_600), ("1h30m", 5400)])
    func parses(_ text: String, _ seconds: Int) {
        #expect(TimeSpan(parsing: text)?.seconds == seconds)
        #expect(TimeSpan(parsing: text)?.description == text)
    }

    @Test(arguments: ["", "0m", "8", "h", "30m1h", "1.5h", "-1h", "8 h", "1y", "9999999h"])
    func refuses(_ text: String) {
        #expect(TimeSpan(parsing: text) == nil)
    }
}

@Suite("Display-safe text")
struct DisplaySafeTests {
    @Test(arguments: [
        ("\u{1B}[31mred", "␛[31mred", "\\x1B[31mred"),
        ("a\u{9B}2Jb", "a\u{FFFD}2Jb", "a\\x9B2Jb"),
        ("evil\u{202E}txt.exe", "evil\u{FFFD}txt.exe", "evil\\u{202E}txt.exe"),
        ("zero\u{200B}width", "zero\u{FFFD}width", "zero\\u{200B}width"),
        ("bell\u{07}\u{7F}", "bell␇␡", "bell\\x07\\x7F"),
        ("plain 日本 ✓", "plain 日本 ✓", "plain 日本 ✓"),
    ])
    func replacesEverythingThatControlsATerminal(_ input: String, _ unicode: String, _ ascii: String) {
        #expect(DisplaySafe.text(input, style: .unicode) == unicode)
        #expect(DisplaySafe.text(input, style: .ascii) == ascii)
        #expect(!DisplaySafe.text(input).unicodeScalars.contains(where: DisplaySafe.isUnsafe))
    }

    @Test func keepsNewlinesOnlyWhenAsked() {
        #expect(DisplaySafe.text("a\nb") == "a␊b")
        #expect(DisplaySafe.text("a\nb\u{1B}", keepNewlines: true) == "a\nb␛")
    }
}

@Suite("Step progress")
struct StepProgressTests {
    let owners = RoutedStep(name: "owners", approvers: "owners", required: 1)
    let security = RoutedStep(name: "security", approvers: "group:security", required: 1)

    @Test func onePersonCountsOnceAcrossSteps() {
        let status = StepProgress.compute(steps: [owners, security], approvers: ["dave"]) { _, _ in true }
        #expect(status.filter(\.isSatisfied).count == 1)
    }

    @Test func findsTheAssignmentAGreedyPassWouldMiss() {
        // dave can do either step, sam only owners: dave must be spent on security.
        let status = StepProgress.compute(steps: [owners, security], approvers: ["dave", "sam"]) { index, person in
            person == "dave" || index == 0
        }
        #expect(status.allSatisfy { $0.isSatisfied })
        #expect(status[1].approvedBy == ["dave"])
    }

    @Test func duplicatesAndIneligiblePeopleDoNotCount() {
        let two = RoutedStep(name: "owners", approvers: "owners", required: 2)
        let status = StepProgress.compute(steps: [two], approvers: ["dave", "dave", "mallory"]) { _, person in person != "mallory" }
        #expect(status[0].approvedBy == ["dave"])
        #expect(status[0].missing == 1)
    }

    /// A route read from the store may ask for any number of approvals: no
    /// count traps or allocates a slot per approval asked for.
    @Test func anyRequiredCountAStoredRouteHolds() {
        let huge = RoutedStep(name: "huge", approvers: "owners", required: .max)
        let negative = RoutedStep(name: "negative", approvers: "owners", required: .min)
        let status = StepProgress.compute(steps: [huge, negative, owners], approvers: ["dave", "sam", "ann"]) { _, _ in true }
        #expect(status.map(\.approvedBy.count).reduce(0, +) == 3)
        #expect(status[0].missing >= Int.max - 3 && !status[0].isSatisfied)
        #expect(status[1].approvedBy.isEmpty && status[1].missing == 0 && status[1].isSatisfied)
        #expect(RouteOutcome.steps(rule: "r", steps: [huge, huge, owners]).approvalsNeeded == .max)
        #expect(RouteOutcome.steps(rule: "r", steps: [negative, owners, security]).approvalsNeeded == 2)
        #expect(RouteOutcome.autoApproved(rule: "r").approvalsNeeded == 0)
    }
}
