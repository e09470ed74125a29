import Foundation
import SignoffCore
import Testing
@testable import SignoffReconcile

/// Exports come from whoever can write the files: cut off, of the wrong kind,
/// not UTF-8, with control characters in names. Each is refused with where
/// and why, or (names) kept exactly and shown safely.
@Suite struct HostileExportTests {
    @Test func truncatedJSONIsRefusedWithItsPath() throws {
        let bytes = try Fixtures.bytes("aws/account-authorization-details.json")
        let cut = try ExportFile(name: "cut.json", bytes: Array(bytes.prefix(2000)))
        let error = try #require(Fixtures.failure(.aws, [cut]))
        #expect(error.message.contains("the file is truncated"))
        #expect(error.field.hasPrefix("$.UserDetailList["))
        #expect(error.position?.line ?? 0 > 50)
        // Cut between two values: the open list and object are what is missing.
        let json = try #require(Fixtures.failure(.kubernetes, [try Fixtures.export("cut.json", "{\"kind\": \"List\", \"items\": [")],
                                                 instance: "prod-eu1", allNamespaces: true))
        #expect(json.message.contains("truncated") && json.field == "$.items[0]")
    }

    @Test func truncatedCSVIsRefusedWithItsLine() throws {
        let text = try String(contentsOf: Fixtures.directory.appendingPathComponent("aws/credential-report.csv"), encoding: .utf8)
        let cut = try Fixtures.export("cut.csv", String(text.prefix(text.count - 200)))
        let error = try #require(Fixtures.failure(.aws, [cut]))
        #expect(error.message.contains("fields where the header has 22 (the file may be truncated)"))
        #expect(error.position?.line == 7)
        let quoted = try #require(Fixtures.failure(.aws, [try Fixtures.export("quote.csv", text + "\"eve,arn")]))
        #expect(quoted.message.contains("ends inside a quoted field that starts at line 8"))
    }

    @Test func wrongColumnsAreNamed() throws {
        let text = try String(contentsOf: Fixtures.directory.appendingPathComponent("aws/credential-report.csv"), encoding: .utf8)
            .replacingOccurrences(of: "password_last_used,", with: "password_last_used_at,")
        let error = try #require(Fixtures.failure(.aws, [try Fixtures.export("report.csv", text)]))
        #expect(error.message == "is not an IAM credential report: it has no column password_last_used")
        #expect(error.position == SourcePosition(line: 1, column: 1))
        let values = try String(contentsOf: Fixtures.directory.appendingPathComponent("aws/credential-report.csv"), encoding: .utf8)
            .replacingOccurrences(of: "alice,arn:aws:iam::123456789012:user/alice,2026-12-01T18:38:00+00:00,true",
                                  with: "alice,arn:aws:iam::123456789012:user/alice,2026-12-01T18:38:00+00:00,maybe")
        let value = try #require(Fixtures.failure(.aws, [try Fixtures.export("report.csv", values)]))
        #expect(value.message == "\"maybe\" is not true or false" && value.field == "password_enabled")
        #expect(value.position?.line == 2)
    }

    @Test func invalidUTF8AndNULAreRefusedWhereTheyAre() throws {
        var bytes = Array("{\"UserDetailList\": [{\"UserName\": \"al".utf8)
        bytes += [0xFF, 0xFE]
        bytes += Array("ice\"}]}".utf8)
        do {
            _ = try ExportFile(name: "bad.json", bytes: bytes)
            Issue.record("invalid UTF-8 was accepted")
        } catch {
            #expect(error.message.contains("is not valid UTF-8"))
            #expect(error.position == SourcePosition(line: 1, column: 37))
        }
        do {
            _ = try ExportFile(name: "nul.csv", bytes: Array("user,arn\nal".utf8) + [0] + Array("ice,x\n".utf8))
            Issue.record("a NUL byte was accepted")
        } catch {
            #expect(error.message.contains("NUL") && error.position == SourcePosition(line: 2, column: 3))
        }
        let escaped = try #require(Fixtures.failure(.github, [try Fixtures.export("nul.json", "[{\"id\": 1, \"owner\": {\"login\": \"a\\u0000b\"}}]")],
                                                    instance: "acme"))
        #expect(escaped.message.contains("NUL"))
    }

    @Test func escapeSequencesInNamesAreKeptExactlyAndNeverShownRaw() throws {
        let hostile = "svc-\u{1B}[2J\u{1B}]0;pwned\u{07}-\u{202E}nimda"
        let text = try String(contentsOf: Fixtures.directory.appendingPathComponent("aws/account-authorization-details.json"), encoding: .utf8)
            .replacingOccurrences(of: "\"UserName\": \"ci-deployer\"", with: "\"UserName\": \"svc-\\u001b[2J\\u001b]0;pwned\\u0007-\\u202enimda\"")
        let run = try ExportReader.read(.aws, files: [try Fixtures.export("hostile.json", text)],
                                        options: ReadOptions(now: Fixtures.now), policy: Fixtures.policy)
        let observation = try #require(run.observed.observations.first { $0.subject.name == hostile })
        #expect(observation.subject.name.unicodeScalars.contains("\u{1B}"))
        let result = Reconciliation.compare(grants: [], observed: run.observed, policy: Fixtures.policy, at: Fixtures.now)
        let finding = try #require(result.findings.first { $0.subject.name == hostile })
        let shown = DisplaySafe.text(finding.summary)
        #expect(!shown.unicodeScalars.contains { DisplaySafe.isUnsafe($0) })
        #expect(shown.contains("␛[2J"))
        // An error quoting a hostile value is made safe the same way where it is printed.
        let error = try #require(Fixtures.failure(.generic, [try Fixtures.export("o.jsonl", """
            {"system": "billing-\\u001b[31mapi", "environment": "production", "subject_kind": "unknown", "subject_name": "x", "entitlement": "api_read", "source_id": "1", "observed_at": "2026-12-01T10:00:00Z"}
            """)], covers: ["billing-api/production"]))
        #expect(error.description.contains("\u{1B}") && !DisplaySafe.text(error.description).contains("\u{1B}"))
    }

    @Test func structuralAttacksAreRefused() throws {
        let duplicate = try #require(Fixtures.failure(.github, [try Fixtures.export("dup.json", "[{\"id\": 1, \"id\": 2}]")], instance: "acme"))
        #expect(duplicate.message.contains("appears twice") && duplicate.field == "$[0].id")
        let deep = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        let nested = try #require(Fixtures.failure(.github, [try Fixtures.export("deep.json", deep)], instance: "acme"))
        #expect(nested.message.contains("nests deeper than"))
        let long = String(repeating: "a", count: 5000)
        let huge = try #require(Fixtures.failure(.generic, [try Fixtures.export("long.jsonl", """
            {"system": "billing-api", "environment": "production", "subject_kind": "unknown", "subject_name": "\(long)", "entitlement": "api_read", "source_id": "1", "observed_at": "2026-12-01T10:00:00Z"}
            """)], covers: ["billing-api/production"]))
        #expect(huge.message.contains("5000 characters long"))
        let garbage = try #require(Fixtures.failure(.github, [try Fixtures.export("garbage.json", "[1, 2,, 3]")], instance: "acme"))
        #expect(garbage.message.contains("unexpected ','") && garbage.position == SourcePosition(line: 1, column: 7))
    }

    @Test func exportTimesAreParsedStrictly() {
        #expect(ExportTime.parse("2026-12-01T18:38:00+00:00") == Date(timeIntervalSince1970: 1_796_150_280))
        #expect(ExportTime.parse("2026-12-01 18:38:00+00") == Date(timeIntervalSince1970: 1_796_150_280))
        #expect(ExportTime.parse("2026-12-01T19:38:00+01:00") == Date(timeIntervalSince1970: 1_796_150_280))
        #expect(ExportTime.parse("2026-12-01T18:38:00.5Z") == Date(timeIntervalSince1970: 1_796_150_280.5))
        #expect(ExportTime.parse("2026-12-01T18:38:00") == nil)
        #expect(ExportTime.parse("2026-02-30T00:00:00Z") == nil)
        #expect(ExportTime.parse("2026-12-01T18:38:00Zjunk") == nil)
    }
}
