import Foundation
import Testing

/// `signoff import jira` through the built binary.
@Suite struct JiraImportTests {
    static let fixtures = Signoff.packageRoot.appendingPathComponent("Tests/Fixtures/jira")

    static func fixture(_ name: String) throws -> String {
        let path = fixtures.appendingPathComponent(name).path
        guard FileManager.default.fileExists(atPath: path) else {
            Issue.record("the Jira fixtures are missing: expected \(path) (Tests/Fixtures/jira in the repository)")
            throw HarnessError("missing fixture \(name)")
        }
        return path
    }

    /// The mmtest site of the fixtures: custom fields by id.
    static let mapping = """
    jira:
      deployment: cloud
      time_zone: America/Los_Angeles
    request:
      subject.kind: {field: customfield_10074, values: {A: service_account, B: api_key}}
      subject.name: customfield_10077
      subject.owner: customfield_10080
      system: {field: customfield_10073, values: {"1": payments-db}}
      environment: {field: customfield_10076, values: {"1": production, "2": staging}}
      entitlement: {field: customfield_10078, values: {some value: read_replica}}
      access: {value: read}
      purpose: description
      duration: {field: customfield_10072, unit: hours}
    write_back:
      transitions: {approved: Approved}
    """

    /// The fixtures' webhook for KT-22 as `event`, changed by `edit` (its issue, and the issue's fields).
    static func webhook(_ event: String = "jira:issue_created", _ edit: (inout [String: Any], inout [String: Any]) -> Void) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: try fixture("webhooks/mattermost-webhook-cloud-issue-created-many-fields.json")))
        var body = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var issue = try #require(body["issue"] as? [String: Any])
        var fields = try #require(issue["fields"] as? [String: Any])
        edit(&issue, &fields)
        issue["fields"] = fields
        body["issue"] = issue
        body["webhookEvent"] = event
        return String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
    }

    final class Workspace {
        let store: TestStore
        let mapping: String
        let policy: String
        init(policy source: String = JiraTestPolicy.source) throws {
            store = try TestStore(policy: nil)
            policy = try store.file("policy.yaml", source)
            mapping = try store.file("mapping.yaml", JiraImportTests.mapping)
            let applied = try store.run(["policy", "apply", policy])  // the first policy: by the account that created the store
            guard applied.status == 0 else { throw HarnessError("policy apply: \(applied.output)") }
        }

        func check(_ inputs: [String], json: Bool = false, stdin: String? = nil) throws -> Signoff.Result {
            try store.run(["import", "jira", "--check", "--mapping", mapping] + (json ? ["--json"] : []) + inputs, stdin: stdin)
        }

        /// Imports files as the intake agent, for the fixtures' site (write-back waits: there are no credentials).
        func importFiles(_ inputs: [String], json: Bool = false) throws -> Signoff.Result {
            let site = try store.file("site.yaml", JiraImportTests.mapping.replacingOccurrences(
                of: "  deployment: cloud\n", with: "  deployment: cloud\n  url: https://mmtest.atlassian.net\n  credentials: absent\n"))
            return try store.run(["import", "jira", "--mapping", site] + (json ? ["--json"] : []) + inputs, as: "jira-importer")
        }

        /// Every event of the store, as `audit export` writes them.
        func events() throws -> String {
            let export = try store.run(["audit", "export"])
            guard export.status == 0 else { throw HarnessError("audit export: \(export.output)") }
            return export.stdout
        }
    }

    /// A closed or deleted ticket's key goes into the withdrawal, the
    /// revocation and the comment: it is held to what an open ticket's key is
    /// (storable, one line, not too long), and one that is not stops the import
    /// at that file and line, with nothing recorded and nothing quoted raw.
    @Test func aClosedOrDeletedTicketWithAnUnusableKeyIsRefusedAndNothingIsRecorded() throws {
        let workspace = try Workspace()
        let opened = try workspace.importFiles([try Self.fixture("webhooks/mattermost-webhook-cloud-issue-created-many-fields.json")])
        #expect(opened.status == 0, "\(opened.output)")
        #expect(opened.stdout.contains("KT-22 → REQ-1 submitted: pending v1"), "\(opened.output)")
        let before = try workspace.events()

        let hostile = "KT-\u{1B}[31mRED\u{1B}[0m\u{202E}XX"
        let long = String(repeating: "K", count: 1_000_000)
        let inputs: [(name: String, body: String, problem: String)] = [
            ("deleted-escape.json", try Self.webhook("jira:issue_deleted") { issue, _ in issue["key"] = hostile },
             "key: holds U+001B (ESC) at character 4, a control character"),
            ("closed-escape.json", try Self.webhook { issue, fields in
                issue["key"] = hostile; fields["resolution"] = ["name": "Done"] },
             "key: holds U+001B (ESC) at character 4, a control character"),
            ("deleted-long.json", try Self.webhook("jira:issue_deleted") { issue, _ in issue["key"] = long },
             "key: is 1000000 characters long (at most 512 are allowed"),
            ("closed-long.json", try Self.webhook { issue, fields in
                issue["key"] = long; fields["status"] = ["name": "Done", "statusCategory": ["key": "done"]] },
             "key: is 1000000 characters long (at most 512 are allowed"),
        ]
        for input in inputs {
            let file = try workspace.store.file(input.name, input.body)
            for result in [try workspace.importFiles([file]), try workspace.check([file])] {
                #expect(result.status == 2, "\(input.name): \(result.output.prefix(2000))")
                #expect(result.stderr.contains("\(input.name):1:"), "\(input.name): \(result.stderr.prefix(2000))")
                #expect(result.stderr.contains(input.problem), "\(input.name): \(result.stderr.prefix(2000))")
                #expect(!result.output.contains(long), "\(input.name): the key was quoted")
                for scalar in result.output.unicodeScalars where scalar != "\n" {
                    #expect(!(scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || (0x202A...0x202E).contains(scalar.value)),
                            "\(input.name): raw U+\(String(scalar.value, radix: 16)) reached the terminal")
                }
            }
        }
        // Nothing was withdrawn, revoked or recorded.
        #expect(try workspace.events() == before)
        #expect(try workspace.store.show("REQ-1")["state"] as? String == "pending")
    }

    @Test func checkReportsWhatEachTicketWouldBecome() throws {
        let workspace = try Workspace()
        let result = try workspace.check([
            try Self.fixture("webhooks/mattermost-webhook-cloud-issue-created-many-fields.json"),
            try Self.fixture("webhooks/mattermost-webhook-cloud-issue-updated-custom-field.json"),
            try Self.fixture("webhooks/mattermost-webhook-server-issue-updated-resolved.json"),
            try Self.fixture("webhooks/mattermost-webhook-issue-deleted.json"),
            try Self.fixture("webhooks/mattermost-webhook-cloud-comment-created.json"),
        ])
        #expect(result.status == 10, "\(result.output)")  // TES-14 would be refused
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "KT-22 [To Do] would be submitted: alice asks for read access, read_replica on payments-db production, for service account dwdwd (owner alice), 23h")
        #expect(lines.contains("TES-14 [To Do] refused; the ticket would get this comment:"))
        #expect(result.stdout.contains("customfield_10074 (request field subject.kind): is empty; it is required"))
        #expect(lines.contains { $0.hasPrefix("TES-4 [Resolved] closed: nothing would be submitted") })
        #expect(lines.contains("IDT-19 deleted: grants naming ticket_closed IDT-19 would end"))
        #expect(lines.contains { $0.contains("ignored: a comment_created webhook") })
        #expect(lines.last == "5 item(s): 1 would be submitted, 1 refused, 1 closed, 1 deleted, 1 ignored; nothing was submitted (--check)")
        // Nothing was written.
        let list = try workspace.store.run(["list", "--json"])
        #expect(list.stdout.contains("[]") || !list.stdout.contains("REQ-"), "\(list.output)")
    }

    @Test func checkAsJSON() throws {
        let workspace = try Workspace()
        let result = try workspace.check([try Self.fixture("webhooks/mattermost-webhook-cloud-issue-created-many-fields.json"),
                                          try Self.fixture("webhooks/mattermost-webhook-cloud-issue-updated-custom-field.json")],
                                         json: true)
        #expect(result.status == 10, "\(result.output)")
        let document = try #require(try Signoff.json(result) as? [String: Any])
        #expect(document["schema"] as? String == "signoff.jira-check/1")
        let items = try #require(document["items"] as? [[String: Any]])
        #expect(items.map { $0["outcome"] as? String } == ["request", "refused"])
        let request = try #require(items[0]["request"] as? [String: Any])
        #expect(request["duration_seconds"] as? Int == 82_800)
        #expect(request["duration_text"] as? String == "23h")
        #expect(request["ticket"] as? String == "KT-22")
        #expect((request["revocation_triggers"] as? [[String: Any]])?.first?["trigger"] as? String == "ticket_closed")
        let problems = try #require(items[1]["problems"] as? [[String: Any]])
        #expect(Set(problems.compactMap { $0["field"] as? String }) == ["subject.kind", "subject.name", "system", "environment", "entitlement"])
        #expect(problems.allSatisfy { $0["kind"] as? String == "missing" })

        // Every outcome, validated against schemas/jira-check.schema.json.
        let check = try SchemaCheck(workspace.store.directory)
        let every = try workspace.check([
            try Self.fixture("webhooks/mattermost-webhook-cloud-issue-created-many-fields.json"),
            try Self.fixture("webhooks/mattermost-webhook-cloud-issue-updated-custom-field.json"),
            try Self.fixture("webhooks/mattermost-webhook-server-issue-updated-resolved.json"),
            try Self.fixture("webhooks/mattermost-webhook-issue-deleted.json"),
            try Self.fixture("webhooks/mattermost-webhook-cloud-comment-created.json"),
        ], json: true)
        check.stdout(every, "signoff.jira-check/1", status: 10)
        let outcomes = ((try Signoff.json(every) as? [String: Any])?["items"] as? [[String: Any]])?.compactMap { $0["outcome"] as? String }
        #expect(outcomes == ["request", "refused", "closed", "deleted", "ignored"])
        try check.validate()
    }

    /// `--check` exits 0 when every ticket would import (closed, deleted and
    /// ignored inputs refuse nothing) and 10 when any would be refused, in
    /// words and in JSON, with the whole report printed either way.
    @Test func checkExitsTenWhenATicketWouldBeRefused() throws {
        let workspace = try Workspace()
        let importable = try Self.fixture("webhooks/mattermost-webhook-cloud-issue-created-many-fields.json")
        let refused = try Self.fixture("webhooks/mattermost-webhook-cloud-issue-updated-custom-field.json")
        let others = [try Self.fixture("webhooks/mattermost-webhook-server-issue-updated-resolved.json"),
                      try Self.fixture("webhooks/mattermost-webhook-issue-deleted.json"),
                      try Self.fixture("webhooks/mattermost-webhook-cloud-comment-created.json")]
        for json in [false, true] {
            let clean = try workspace.check([importable] + others, json: json)
            #expect(clean.status == 0, "\(clean.output)")
            #expect(clean.stderr.isEmpty, "\(clean.stderr)")

            let mixed = try workspace.check([importable, refused] + others, json: json)
            #expect(mixed.status == 10, "\(mixed.output)")
            #expect(mixed.stderr.isEmpty, "the report is the answer, not an error: \(mixed.stderr)")
            if json {
                let items = (try Signoff.json(mixed) as? [String: Any])?["items"] as? [[String: Any]]
                #expect(items?.compactMap { $0["outcome"] as? String } == ["request", "refused", "closed", "deleted", "ignored"])
            } else {
                #expect(mixed.stdout.contains("TES-14 [To Do] refused; the ticket would get this comment:"))
                #expect(mixed.stdout.hasSuffix("5 item(s): 1 would be submitted, 1 refused, 1 closed, 1 deleted, 1 ignored; nothing was submitted (--check)\n"))
            }
        }
        // Only the refused ticket, from stdin: still 10.
        let alone = try workspace.check(["-"], stdin: try String(contentsOfFile: refused, encoding: .utf8))
        #expect(alone.status == 10, "\(alone.output)")
    }

    /// An importer that may not fire ticket_closed stops at the closed ticket:
    /// the refusal names the ticket and its file, and says nothing of the file
    /// was imported (the file's one transaction stands whole or not at all).
    @Test func aClosedTicketTheImporterMayNotEndIsRefusedByTicketAndFile() throws {
        let withoutRole = try #require(JiraTestPolicy.source.components(separatedBy: "roles:").first)
        let workspace = try Workspace(policy: withoutRole)
        let opened = try workspace.importFiles([try Self.fixture("webhooks/mattermost-webhook-cloud-issue-created-many-fields.json")])
        #expect(opened.status == 0, "\(opened.output)")
        let before = try workspace.events()
        let closed = try workspace.store.file("closed.json", try Self.webhook("jira:issue_updated") { _, fields in
            fields["resolution"] = ["name": "Done"] })
        let result = try workspace.importFiles([closed])
        #expect(result.status == 3, "\(result.output)")
        #expect(result.stderr.contains("ticket KT-22 was closed (To Do), and ending its grants was refused"), "\(result.stderr)")
        #expect(result.stderr.contains("closed.json: "), "\(result.stderr)")
        #expect(result.stderr.contains("nothing of \(closed) was imported"), "\(result.stderr)")
        #expect(try workspace.events() == before)
        #expect(try workspace.store.show("REQ-1")["state"] as? String == "pending")
    }

    @Test func badInputNamesFileLineAndColumn() throws {
        let workspace = try Workspace()
        let broken = try workspace.store.file("broken.json", "{\"issues\": [\n  {\"key\": \"A-1\",}\n]}")
        let result = try workspace.check([broken])
        #expect(result.status == 2)
        #expect(result.stderr.contains("broken.json:2:17: is not valid JSON: expected a field name"), "\(result.stderr)")

        let badMapping = try workspace.store.file("bad.yaml", "request:\n  sytem: components\n")
        let mapped = try workspace.store.run(["import", "jira", "--check", "--mapping", badMapping, broken])
        #expect(mapped.status == 2)
        #expect(mapped.stderr.contains("bad.yaml:2:10: request.sytem: is not a request field a mapping fills"), "\(mapped.stderr)")

        let noCheck = try workspace.store.run(["import", "jira", "--mapping", workspace.mapping, broken])
        #expect(noCheck.status == 2)
    }

    /// Escape sequences, bidi controls, invalid UTF-8, ADF nested thousands deep,
    /// a huge description and a pasted credential: each ticket gets a clear
    /// refusal (or its text is shown safely), nothing reaches the terminal raw,
    /// and the credential is never repeated.
    @Test func hostileTicketsGiveClearRefusalsAndNeverReachTheTerminalRaw() throws {
        let workspace = try Workspace()
        let key = "AKIA" + String(repeating: "Z7Q2", count: 4)
        func ticket(_ key: String, name: String = #""svc-etl""#, system: String = "1", description: String) -> String {
            #"{"webhookEvent": "jira:issue_created", "issue": {"id": "1", "key": "\#(key)", "fields": {"status": {"name": "To Do", "statusCategory": {"key": "new"}}, "reporter": {"accountId": "5cedcb4355a88a0fc86388ba"}, "customfield_10074": {"value": "A"}, "customfield_10077": \#(name), "customfield_10080": {"accountId": "5cedcb4355a88a0fc86388ba"}, "customfield_10073": {"value": "\#(system)"}, "customfield_10076": {"value": "1"}, "customfield_10078": "some value", "customfield_10072": 8, "description": \#(description)}}}"#
        }
        let depth = 3_000
        let deep = #"{"type": "doc", "version": 1, "content": ["# + String(repeating: #"{"type": "blockquote", "content": ["#, count: depth)
            + #"{"type": "text", "text": "x"}"# + String(repeating: "]}", count: depth) + "]}"
        var lines = [
            ticket("H-1", name: #""svc\u001b]0;pwned\u0007\u001b[2J""#, description: #""fine""#),
            ticket("H-7", name: #""svc\u200b-etl""#, description: #""deploy \u202eevil\u202c now""#),
            ticket("H-2", system: #"\u001b[31mprod\u009b"#, description: #""fine""#),
            ticket("H-4", description: deep),
            ticket("H-5", description: "\"" + String(repeating: "long text ", count: 500_000) + "\""),
            ticket("H-6", description: "\"please use \(key) for the job\""),
        ]
        lines.insert(ticket("H-3", description: "\"bad \u{1}BYTES\""), at: 2)
        var data = Data(lines.joined(separator: "\n").utf8)
        // H-3: an invalid UTF-8 byte inside its description.
        let marker = Data("\u{1}BYTES".utf8)
        let range = try #require(data.range(of: marker))
        data.replaceSubrange(range, with: Data([0xFF, 0xFE]) + Data("BYTES".utf8))
        let input = workspace.store.directory.appendingPathComponent("hostile.jsonl")
        try data.write(to: input)

        let result = try workspace.check([input.path])
        #expect(result.status == 10, "\(result.output)")
        let output = result.stdout + result.stderr
        for scalar in output.unicodeScalars where scalar != "\n" {
            #expect(!(scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || (0x202A...0x202E).contains(scalar.value)),
                    "raw U+\(String(scalar.value, radix: 16)) reached the terminal")
        }
        #expect(!output.contains(key), "the credential was repeated")
        // Terminal commands are never text: refused at the door, named by code point.
        #expect(output.contains("H-1 [To Do] refused"), "\(output)")
        #expect(output.contains("holds U+001B (ESC) at character 4, a control character"), "\(output)")
        // Bidi and invisible characters are text (stored), shown as placeholders.
        #expect(output.contains("H-7 [To Do] would be submitted"), "\(output)")
        #expect(output.contains("H-2 [To Do] refused"))
        #expect(output.contains("is not one of the values the mapping knows"))
        #expect(output.contains("H-3 [To Do] refused"))
        #expect(output.contains("description (request field purpose): is not readable text: it is not valid UTF-8"), "\(output)")
        #expect(output.contains("nested more than 100 levels deep"))
        #expect(output.contains("(request field purpose): is 5000000 characters long"), "\(output.prefix(3000))")
        #expect(output.contains("H-6 [To Do] refused"))
        #expect(output.contains("characters 12–31 look like an AWS access key"))
        #expect(output.contains("rotate the credential now"))

        let json = try workspace.check([input.path], json: true)
        #expect(json.status == 10)
        #expect(!json.stdout.contains(key))
        // JSON keeps exact values, escaped: the escape sequence is there as \u001b, never raw.
        #expect(json.stdout.lowercased().contains(#"deploy \u202eevil\u202c now"#), "\(json.stdout.prefix(2000))")
        #expect(!json.stdout.unicodeScalars.contains("\u{202E}"))
    }
}
