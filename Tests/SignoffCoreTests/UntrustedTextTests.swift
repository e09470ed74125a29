import Foundation
import Testing
@testable import SignoffCore

/// A complete request naming every text field, in double-quoted YAML so a
/// test can put any escape (`\0`, `\e`, `\x9b`) into any one of them.
private let everyField: [(field: String, yaml: String)] = [
    ("requester", "requester: \"alice\""),
    ("subject.name", "subject: {kind: service_account, name: \"svc-ledger\", owner: \"alice\"}"),
    ("system", "system: \"payments-db\""),
    ("environment", "environment: \"production\""),
    ("entitlement", "entitlement: \"read_replica\""),
    ("scope", "scope: \"schema:ledger\""),
    ("access", "access: \"read\""),
    ("purpose", "purpose: \"Nightly reconciliation\""),
    ("duration", "duration: \"8h\""),
    ("revocation_triggers[0].ref", "revocation_triggers: [{trigger: \"ticket_closed\", ref: \"OPS-1\"}]"),
    ("ticket", "ticket: \"OPS-1\""),
    ("incident", "incident: \"INC-1\""),
    ("labels.team", "labels: {\"team\": \"payments\"}"),
    ("notes", "notes: \"more words\""),
]

private func request(poisoning field: String, with escape: String) -> String {
    everyField.map { entry in
        guard entry.field == field else { return entry.yaml }
        // Put the escape inside the first quoted value of that line.
        let line = entry.yaml
        if field == "labels.team" { return "labels: {\"team\": \"pay\(escape)ments\"}" }
        if field == "subject.name" { return "subject: {kind: service_account, name: \"svc\(escape)ledger\", owner: \"alice\"}" }
        if field == "revocation_triggers[0].ref" { return "revocation_triggers: [{trigger: \"ticket_closed\", ref: \"OPS\(escape)1\"}]" }
        let quote = line.firstIndex(of: "\"")!
        return String(line[...quote]) + escape + String(line[line.index(after: quote)...])
    }.joined(separator: "\n")
}

@Suite("Untrusted text")
struct UntrustedTextTests {
    @Test func everyFieldParsesWhenClean() throws {
        let entries = try RequestFile.parse(text: everyField.map(\.yaml).joined(separator: "\n"), file: "r.yaml", policy: nil)
        #expect(entries.count == 1)
    }

    /// NUL (the false alarm of issue 11) and the terminal's control characters
    /// are refused in every field, naming the file, line, column and field.
    @Test(arguments: ["\\0", "\\e", "\\x9b", "\\x07", "\\x7f", "\\uFFFE"])
    func unstorableTextIsRefusedInEveryField(escape: String) throws {
        for (field, _) in everyField {
            let text = request(poisoning: field, with: escape)
            do {
                _ = try RequestFile.parse(text: text, file: "r.yaml", policy: nil)
                Issue.record("\(escape) in \(field) was accepted")
            } catch {
                let problem = try #require(error.errors.first)
                #expect(problem.file == "r.yaml")
                #expect(problem.field == field, "\(escape) in \(field): \(problem)")
                let line = everyField.firstIndex { $0.field == field }! + 1
                #expect(problem.position?.line == line, "\(problem)")
                #expect(problem.message.contains("U+"), "\(problem)")
            }
        }
    }

    @Test func lineBreaksOnlyInFreeText() throws {
        for field in ["purpose", "notes"] {
            #expect(throws: Never.self) { try RequestFile.parse(text: request(poisoning: field, with: "line\\nbreak\\ttab\\r"), file: "r", policy: nil) }
        }
        for field in ["ticket", "scope", "subject.name", "labels.team"] {
            #expect(throws: SourceErrors.self, "\(field)") {
                try RequestFile.parse(text: request(poisoning: field, with: "\\n"), file: "r", policy: nil)
            }
        }
        // A field name is text too.
        #expect(throws: SourceErrors.self) {
            try RequestFile.parse(text: everyField.map(\.yaml).joined(separator: "\n").replacingOccurrences(of: "{\"team\"", with: "{\"te\\0am\""),
                                  file: "r", policy: nil)
        }
    }

    @Test func invisibleAndBidiTextIsStoredAndShownAsPlaceholders() throws {
        let entries = try RequestFile.parse(text: request(poisoning: "purpose", with: "\\u202E\\u200B\\u3164"), file: "r", policy: nil)
        #expect(entries[0].request.purpose.unicodeScalars.first?.value == 0x202E)
        #expect(DisplaySafe.text(entries[0].request.purpose).hasPrefix("\u{FFFD}\u{FFFD}\u{FFFD}Nightly"))
    }

    @Test func rationaleFilesNameTheLineAndColumn() {
        do {
            try StorableText.check("first line\nsecond \0 line", shape: .multiline, source: "why.txt", field: "")
            Issue.record("NUL accepted")
        } catch {
            #expect(error.position == SourcePosition(line: 2, column: 8))
            #expect(error.description.hasPrefix("why.txt:2:8: holds U+0000 (NUL) at character 19"))
        }
        #expect(StorableText.isStorable("tab\tand\r\nlines", shape: .multiline))
        #expect(!StorableText.isStorable("a\u{2028}b", shape: .line))
        #expect(!StorableText.isStorable("a\u{10FFFF}", shape: .multiline))
        #expect(StorableText.isStorable("emoji 👩‍💻 and עברית", shape: .line))
    }

    @Test func fillersAndInvisiblesAreShownAsPlaceholders() {
        for scalar: UInt32 in [0x3164, 0x115F, 0x1160, 0xFFA0, 0x00AD, 0x034F, 0x180E, 0x2800, 0x200B, 0x2066, 0xE0041, 0xFE0F, 0x2028] {
            let text = "a" + String(Unicode.Scalar(scalar)!) + "b"
            #expect(DisplaySafe.text(text) == "a\u{FFFD}b", "U+\(String(scalar, radix: 16))")
            let ascii = scalar <= 0xFF ? "\\x" + DisplaySafe.hex(scalar, digits: 2) : "\\u{\(DisplaySafe.hex(scalar, digits: 4))}"
            #expect(DisplaySafe.text(text, style: .ascii) == "a\(ascii)b")
        }
        #expect(DisplaySafe.text("plain ascii, é, 日本") == "plain ascii, é, 日本")
        // Prepended concatenation marks (format characters that are not
        // default-ignorable) join the next character into their grapheme.
        for scalar: UInt32 in [0x0600, 0x0605, 0x06DD, 0x070F, 0x0890, 0x08E2, 0x110BD, 0x110CD] {
            let text = "a" + String(Unicode.Scalar(scalar)!) + "b"
            #expect(DisplaySafe.text(text) == "a\u{FFFD}b", "U+\(String(scalar, radix: 16))")
        }
        #expect(DisplaySafe.escapingAboveASCII("x\u{202E}y\u{E0041}") == "x\\u202ey\\udb40\\udc41")
    }
}

@Suite("Times")
struct TimestampTests {
    @Test func readsStrictISO8601WithAZone() throws {
        #expect(Timestamp.parse("2026-11-21T09:30:00Z")?.timeIntervalSince1970 == 1_795_253_400)
        #expect(Timestamp.parse("2026-11-21T10:30:00+01:00")?.timeIntervalSince1970 == 1_795_253_400)
        #expect(Timestamp.parse("2026-11-21T09:30:00.250Z")?.timeIntervalSince1970 == 1_795_253_400.25)
        #expect(Timestamp.parse("1970-01-01T00:00:00Z")?.timeIntervalSince1970 == 0)
        #expect(Timestamp.parse("9999-12-31T23:59:59Z") != nil)
        #expect(Timestamp.parse("2024-02-29T00:00:00Z") != nil)
    }

    /// Up to nine digits of a second are read (as other tools write them),
    /// kept to the millisecond, the store's precision; ten are refused.
    @Test func readsAFractionToTheMillisecond() throws {
        for text in ["2026-11-21T09:30:00.2509Z", "2026-11-21T09:30:00.250999Z", "2026-11-21T09:30:00.250999999Z"] {
            #expect(Timestamp.parse(text)?.timeIntervalSince1970 == 1_795_253_400.25, "\(text)")
        }
        #expect(Timestamp.parse("2026-11-21T09:30:00.5Z")?.timeIntervalSince1970 == 1_795_253_400.5)
        #expect(Timestamp.parse("2026-11-21T09:30:00.2509999999Z") == nil)
        #expect(Timestamp.parse("2026-11-21T09:30:00.Z") == nil)
    }

    @Test(arguments: ["0000-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "1970-01-01T00:30:00+01:00",
                      "10000-01-01T00:00:00Z", "1000000000-01-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z",
                      "2026-11-21T24:00:00Z", "2026-11-21T09:30:00", "2026-11-21", "2026-11-21T09:30Z", " 2026-11-21T09:30:00Z"])
    func refusesWhatItWouldMisread(text: String) {
        #expect(Timestamp.parse(text) == nil, "\(text)")
    }

    @Test func namesTheYearOutsideTheRange() {
        guard case let .failure(error) = Timestamp.read("0000-01-01T00:00:00Z") else { Issue.record("accepted"); return }
        #expect(error.description == "\"0000-01-01T00:00:00Z\" names the year 0, outside 1970–9999")
    }

    @Test func refusesAWindowThatHasEnded() throws {
        let base = everyField.map(\.yaml).joined(separator: "\n").replacingOccurrences(of: "duration: \"8h\"", with: "")
        let now = Timestamp.parse("2026-06-01T00:00:00Z")!
        let past = base + "\nstart: 2026-05-01T00:00:00Z\nend: 2026-05-02T00:00:00Z"
        #expect(throws: SourceErrors.self) { try RequestFile.parse(text: past, file: "r", policy: nil, now: now) }
        do {
            _ = try RequestFile.parse(text: base + "\nstart: 2026-05-31T20:00:00Z\nduration: 4h", file: "r", policy: nil, now: now)
            Issue.record("a window ending exactly now was accepted")
        } catch {
            #expect(error.errors[0].field == "duration")
            #expect(error.errors[0].message.contains("in the past"))
        }
        #expect(throws: Never.self) {
            try RequestFile.parse(text: base + "\nstart: 2026-05-31T20:00:00Z\nduration: 8h", file: "r", policy: nil, now: now)
        }
        #expect(throws: SourceErrors.self) {
            try RequestFile.parse(text: base + "\nstart: 0000-05-31T20:00:00Z\nduration: 8h", file: "r", policy: nil)
        }
    }

    /// A window must end within the years a time may name: one that runs past
    /// 9999 would be shown (and stored) as a time no reader can write back.
    @Test func refusesAWindowEndingAfterTheLastYear() throws {
        let base = everyField.map(\.yaml).joined(separator: "\n").replacingOccurrences(of: "duration: \"8h\"", with: "")
        do {
            _ = try RequestFile.parse(text: base + "\nstart: 9999-12-31T23:00:00Z\nduration: 8h", file: "r", policy: nil)
            Issue.record("a window ending in the year 10000 was accepted")
        } catch {
            #expect(error.errors[0].field == "duration" && error.errors[0].message.contains("after the year 9999"), "\(error)")
        }
        #expect(throws: Never.self) {
            try RequestFile.parse(text: base + "\nstart: 9999-12-31T15:00:00Z\nduration: 8h", file: "r", policy: nil)
        }
    }
}
