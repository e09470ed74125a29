import Foundation
import Testing
@testable import SignoffCore

/// An import builds a request's fields directly (`RequestFields`) instead of
/// writing a request file and reading it back; the rules must not differ. Each
/// case gives the same fields both ways, as a request file in JSON and as
/// `RequestFields`, and the two must give the same request, or the same error
/// at the same field with the same message and hint.
@Suite("Request fields built by an import")
struct RequestFieldsTests {
    static let base: [(String, String)] = [
        ("subject.kind", "service_account"), ("subject.name", "svc-ledger-etl"), ("subject.owner", "alice"),
        ("system", "payments-db"), ("environment", "production"), ("entitlement", "read_replica"), ("access", "read"),
        ("purpose", "Nightly reconciliation reads the ledger tables"), ("duration", "8h"),
    ]

    /// name, then what changes: a field set (`nil` removes it).
    static let cases: [(String, [(String, String?)])] = [
        ("valid", []),
        ("valid, with the window", [("duration", nil), ("start", "2026-12-01T08:00:00Z"), ("end", "2026-12-01T12:00:00Z")]),
        ("valid, with a start and a duration", [("start", "2026-12-01T08:00:00Z")]),
        ("valid, human subject owning itself", [("subject.kind", "human"), ("subject.name", "bob"), ("subject.owner", nil)]),
        ("a control character", [("subject.name", "svc\u{1B}[31m")]),
        ("a line break in a one-line field", [("entitlement", "read\nwrite")]),
        ("blank purpose", [("purpose", "   ")]),
        ("too long", [("entitlement", String(repeating: "e", count: Limits.fieldLength + 1))]),
        ("purpose too long", [("purpose", String(repeating: "p", count: Limits.purposeLength + 1))]),
        ("not a duration", [("duration", "2 fortnights")]),
        ("longer than a year", [("duration", "400d")]),
        ("duration and end", [("start", "2026-12-01T08:00:00Z"), ("end", "2026-12-01T12:00:00Z")]),
        ("end before start", [("duration", nil), ("start", "2026-12-01T08:00:00Z"), ("end", "2026-12-01T07:00:00Z")]),
        ("end without start", [("duration", nil), ("end", "2026-12-01T07:00:00Z")]),
        ("no duration", [("duration", nil)]),
        ("unknown kind", [("subject.kind", "robot")]),
        ("unknown access", [("access", "root")]),
        ("missing environment", [("environment", nil)]),
        ("missing owner", [("subject.owner", nil)]),
        ("unknown field", [("colour", "blue")]),
        ("unknown subject field", [("subject.colour", "blue")]),
        ("break-glass without incident", [("break_glass", "true")]),
        ("break_glass not a flag", [("break_glass", "yes")]),
        ("not a date", [("duration", nil), ("start", "tomorrow"), ("end", "2026-12-01T12:00:00Z")]),
        ("not a finding", [("finding", "F-1")]),
    ]

    static func fields(_ changes: [(String, String?)]) -> [(String, String)] {
        var fields = base
        for (name, value) in changes {
            fields.removeAll { $0.0 == name }
            if let value { fields.append((name, value)) }
        }
        return fields
    }

    /// The same fields as a request file (JSON is YAML), nested as a request file nests them.
    static func file(_ fields: [(String, String)], labels: [(String, String)], ticket: String) throws -> String {
        var top: [String: Any] = [:]
        var subject: [String: Any] = [:]
        for (name, value) in fields {
            if name.hasPrefix("subject.") { subject[String(name.dropFirst(8))] = value } else { top[name] = value }
        }
        top["subject"] = subject
        if !labels.isEmpty { top["labels"] = Dictionary(uniqueKeysWithValues: labels) }
        top["ticket"] = ticket
        top["revocation_triggers"] = [["trigger": "ticket_closed", "ref": ticket]]
        return String(decoding: try JSONSerialization.data(withJSONObject: top, options: [.sortedKeys]), as: UTF8.self)
    }

    static func scanned(_ text: String) throws -> ScannedText { try SecretScan.scanned(text, field: "").get() }

    static func built(_ fields: [(String, String)], labels: [(String, String)], ticket: String) throws -> RequestFields {
        var built = RequestFields(file: "ACC-1")
        for (name, value) in fields { built.set(name, try scanned(value)) }
        for (name, value) in labels { built.label(try scanned(name), try scanned(value)) }
        built.set("ticket", try scanned(ticket))
        built.trigger(try scanned("ticket_closed"), ref: try scanned(ticket))
        return built
    }

    static func outcome(_ read: () throws(SourceError) -> ScannedRequest) -> Result<AccessRequest, SourceError> {
        do throws(SourceError) { return .success(try read().request) } catch { return .failure(error) }
    }

    @Test(arguments: cases.indices)
    func theSameRulesAndMessagesAsARequestFile(_ index: Int) throws {
        let (name, changes) = Self.cases[index]
        let fields = Self.fields(changes)
        let labelCases: [(labels: [(String, String)], valid: Bool)] = [
            ([], true), ([("team", "ledger")], true), ([(String(repeating: "l", count: 65), "x")], false), ([("team", " ")], false),
        ]
        for (labels, labelsValid) in labelCases {
            let valid = name.hasPrefix("valid") && labelsValid
            let file = try Self.file(fields, labels: labels, ticket: "ACC-1")
            let documents = try YAMLSource.documents(text: file, file: "ACC-1")
            let fromFile = Self.outcome { () throws(SourceError) in try RequestFile.request(from: documents[0], policy: nil) }
            let built = try Self.built(fields, labels: labels, ticket: "ACC-1")
            let fromFields = Self.outcome { () throws(SourceError) in try RequestFile.request(from: built, policy: nil) }
            switch (fromFile, fromFields) {
            case let (.success(a), .success(b)):
                #expect(a == b, "\(name)")
                #expect(valid, "\(name), labels \(labels.count) was accepted")
            case let (.failure(a), .failure(b)):
                #expect(!valid, "\(name), labels \(labels.count) was refused: \(a)")
                #expect(b.file == "ACC-1" && b.position == nil)
                #expect(a.field == b.field && a.message == b.message && a.hint == b.hint, "\(name), labels \(labels.count)\nfile:   \(a)\nfields: \(b)")
            case let (a, b):
                Issue.record("\(name): the request file gave \(a), the fields \(b)")
            }
        }
    }

    /// A start and a duration are a window, as a start and an end are: the
    /// request holds its end, so a late approval grants only what is left.
    @Test func aStartAndADurationAreStoredAsAWindow() throws {
        let file = try Self.file(Self.fields([("start", "2026-12-01T08:00:00Z")]), labels: [], ticket: "ACC-1")
        let request = try RequestFile.request(from: try YAMLSource.documents(text: file, file: "ACC-1")[0], policy: nil).request
        #expect(request.start == Timestamp.parse("2026-12-01T08:00:00Z"))
        #expect(request.end == Timestamp.parse("2026-12-01T16:00:00Z") && request.duration == .hours(8))
        // One stored before windows held their end asks for the same: an unchanged ticket is no revision of it.
        var older = request
        older.end = nil
        #expect(older != request && older.asksTheSame(as: request) && request.asksTheSame(as: older))
        var later = older
        later.duration = .hours(9)
        #expect(!later.asksTheSame(as: request))
    }

    /// Every text of a request built from fields was scanned as it was made, so
    /// no credential can be in it; a request file is scanned whole and its
    /// finding points at the field.
    @Test func aCredentialCannotBeAFieldAndIsFoundInAFile() throws {
        let key = "AKIA" + "Z7Q2R9W4K8M3T6P1"
        guard case .failure = SecretScan.scanned("use \(key)", field: "purpose") else {
            Issue.record("a credential became ScannedText"); return
        }
        let file = try Self.file(Self.fields([("purpose", "use \(key)")]), labels: [], ticket: "ACC-1")
        let fromFile = Self.outcome { () throws(SourceError) in
            try RequestFile.request(from: try YAMLSource.documents(text: file, file: "r")[0], policy: nil)
        }
        guard case let .failure(error) = fromFile else { Issue.record("the file's credential was accepted"); return }
        #expect(error.field == "purpose" && error.message.contains("look like an AWS access key") && !error.description.contains(key))
    }
}
