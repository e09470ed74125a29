import Foundation
import Testing

/// `signoff import jira` against a Jira site on loopback: polling with
/// pagination, rate limits and errors; one ticket, one request; refusals with
/// comments; decisions, revocation and refusals written back through the
/// outbox as comments and transitions chosen by target status.
@Suite(.serialized) struct JiraIntakeTests {
    static func mapping(url: String, credentials: String) -> String {
        """
        jira:
          deployment: cloud
          url: \(url)
          jql: project = ACC
          credentials: \(credentials)
        request:
          subject.kind: {field: Identity type, values: {Service account: service_account}}
          subject.name: {field: Service account}
          subject.owner: reporter
          system: {field: System, values: {Payments DB: payments-db}}
          environment: {field: Environment tier, values: {Prod: production, Staging: staging}}
          entitlement: {field: Entitlement, values: {Read replica: read_replica, Schema migration: schema_migrate}}
          access: {value: read}
          purpose: description
          duration: {field: Hours needed, unit: hours}
        write_back:
          transitions: {routed: Waiting for approval, approved: Approved, refused: Needs information, revoked: Done}
        """
    }

    final class Site {
        let jira: FakeJira
        let store: TestStore
        let mapping: String
        let credentials: String

        init() throws {
            jira = try FakeJira()
            store = try TestStore(policy: nil)
            credentials = try store.file("jira-credentials", "email: \(jira.email)\napi_token: \(jira.token)\n")
            chmod(credentials, 0o600)
            mapping = try store.file("jira.yaml", JiraIntakeTests.mapping(url: jira.url, credentials: credentials))
            let policy = try store.file("policy.yaml", JiraTestPolicy.source)
            let applied = try store.run(["policy", "apply", policy])
            guard applied.status == 0 else { throw HarnessError("policy apply: \(applied.output)") }
        }

        @discardableResult
        func importTickets(_ extra: [String] = [], json: Bool = false) throws -> Signoff.Result {
            try store.run(["import", "jira", "--mapping", mapping, "--url", jira.url] + extra + (json ? ["--json"] : []),
                          as: "jira-importer")
        }

        /// The issue as a file, as a webhook or a saved answer carries it.
        func issueFile(_ key: String) throws -> String {
            let issue = try JSONSerialization.data(withJSONObject: FakeJira.render(try #require(jira.issue(key))))
            return try store.file("\(key).json", String(decoding: issue, as: UTF8.self))
        }

        /// The site's field list as a saved `GET /field` answer.
        func fieldMetadataFile() throws -> String {
            let names = try JSONSerialization.data(withJSONObject: FakeJira.fields.map { ["id": $0.id, "name": $0.name] })
            return try store.file("fields.json", String(decoding: names, as: UTF8.self))
        }

        func deliver() throws -> Signoff.Result {
            try store.run(["import", "jira", "--mapping", mapping, "--deliver-only"], as: "jira-importer")
        }
    }

    @Test func ticketsBecomeRequestsAndDecisionsGoBack() throws {
        let site = try Site()
        let secret = "AKIA" + "Z7Q2R9W4K8M3T6P1"
        site.jira.put(FakeJira.accessRequest(id: "10001", key: "ACC-1"))
        site.jira.put(FakeJira.accessRequest(id: "10002", key: "ACC-2", entitlement: nil))
        site.jira.put(FakeJira.accessRequest(id: "10003", key: "ACC-3", description: "just use \(secret) like last time"))
        site.jira.setHiccups([429, 500])

        // First poll: a rate limit and an outage waited out; three tickets over two pages.
        // Two made no request: the import says so by its exit code, after doing everything else.
        let first = try site.importTickets()
        #expect(first.status == 11, "\(first.output)")
        #expect(first.stdout.contains("ACC-1 → REQ-1 submitted: pending v1"), "\(first.output)")
        #expect(first.stdout.contains("ACC-2 refused"))
        #expect(first.stdout.contains("ACC-3 refused"))
        #expect(site.jira.searchRequests == 4, "429, 500, then two pages")
        #expect(!(first.stdout + first.stderr).contains(secret))

        // The route went back as an ADF comment, and the ticket moved by the transition to the status.
        let routed = try #require(site.jira.commentsOn("ACC-1").first)
        #expect(routed.body["type"] as? String == "doc" && routed.body["version"] as? Int == 1)
        #expect(routed.text.contains("REQ-1"))
        #expect(routed.text.contains("1 approval from owners of payments-db: dave, erin"), "\(routed.text)")
        #expect(site.jira.issue("ACC-1")?.status == "Waiting for approval")
        #expect(site.jira.transitionsMade.contains { $0.issue == "10001" && $0.id == "11" })
        // Refusals: every field to fix; the credential is never repeated, and is asked to be rotated.
        let missing = try #require(site.jira.commentsOn("ACC-2").first)
        #expect(missing.text.contains("Entitlement (customfield_10105) (request field entitlement): is empty; it is required"), "\(missing.text)")
        #expect(site.jira.issue("ACC-2")?.status == "Needs information")
        let leaked = try #require(site.jira.commentsOn("ACC-3").first)
        #expect(leaked.text.contains("look like an AWS access key"))
        #expect(leaked.text.contains("rotate the credential now"))
        #expect(!leaked.text.contains(secret))
        for suffix in ["", "-wal"] {
            let bytes = (try? Data(contentsOf: URL(fileURLWithPath: site.store.path + suffix))) ?? Data()
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "the credential reached store.sqlite\(suffix)")
        }

        // The same tickets again: nothing changes, nothing more is said.
        let commentsBefore = site.jira.comments.count
        let again = try site.importTickets()
        #expect(again.status == 11, "still refused, as before: \(again.output)")
        #expect(again.stdout.contains("ACC-1 → REQ-1 unchanged (pending)"), "\(again.output)")
        #expect(again.stdout.contains("ACC-2 refused (as before: nothing new recorded)"))
        #expect(site.jira.comments.count == commentsBefore)
        // As JSON (signoff.jira-import/1): the same outcomes as values.
        let check = try SchemaCheck(site.store.directory)
        let asJSON = try site.importTickets(json: true)
        check.stdout(asJSON, "signoff.jira-import/1", status: 11)
        let items = (try Signoff.json(asJSON) as? [String: Any])?["items"] as? [[String: Any]] ?? []
        #expect(items.contains { $0["ticket"] as? String == "ACC-1" && $0["outcome"] as? String == "unchanged"
                    && $0["request_id"] as? String == "REQ-1" && $0["state"] as? String == "pending" }, "\(asJSON.output)")
        #expect(items.contains { $0["ticket"] as? String == "ACC-2" && $0["outcome"] as? String == "refused"
                    && $0["recorded"] as? Bool == false && ($0["problems"] as? [Any])?.isEmpty == false }, "\(asJSON.output)")
        try check.validate()

        // Changed while open: version 2, routed again.
        site.jira.change("ACC-1") { $0.fields["customfield_10106"] = 4 }
        let changed = try site.importTickets()
        #expect(changed.stdout.contains("ACC-1 → REQ-1 revised: pending v2"), "\(changed.output)")
        #expect(site.jira.commentsOn("ACC-1").last?.text.contains("version 2") == true)
        // An approval of what dave saw before is refused; of version 2, it decides.
        #expect(try site.store.run(["approve", "REQ-1", "--version", "1", "--rationale", "Read replica for the ledger job, checked"],
                                   as: "dave").status == 4)
        let approved = try site.store.run(["approve", "REQ-1", "--version", "2", "--rationale", "Read replica for the ledger job, checked"],
                                          as: "dave")
        #expect(approved.status == 0, "\(approved.output)")
        // The decision goes back when the importer next delivers.
        let delivered = try site.deliver()
        #expect(delivered.status == 0, "\(delivered.output)")
        let decision = try #require(site.jira.commentsOn("ACC-1").last)
        #expect(decision.text.contains("REQ-1 was approved by dave"), "\(decision.text)")
        #expect(decision.text.contains("Read replica for the ledger job, checked"))
        #expect(site.jira.issue("ACC-1")?.status == "Approved")
        #expect(site.jira.transitionsMade.contains { $0.issue == "10001" && $0.id == "21" })

        // Changed after the decision: refused, and said so.
        site.jira.change("ACC-1") { $0.fields["customfield_10106"] = 40 }
        let late = try site.importTickets()
        #expect(late.stdout.contains("ACC-1 refused; REQ-1 stays as it was"), "\(late.output)")
        #expect(site.jira.commentsOn("ACC-1").last?.text.contains("REQ-1 is already approved") == true)

        // Closed: the grant ends by ticket_closed, fired by the importer, and the ticket hears it.
        site.jira.change("ACC-1") { $0.status = "Done"; $0.statusCategory = "done"; $0.resolution = "Done" }
        let closed = try site.importTickets()
        #expect(closed.stdout.contains("ACC-1 closed: revoked the grants of REQ-1"), "\(closed.output)")
        let shown = try site.store.show("REQ-1")
        #expect((shown["grant"] as? [String: Any])?["state"] as? String == "revoked", "\(shown)")
        #expect(site.jira.commentsOn("ACC-1").last?.text.contains("revoked by the revocation trigger ticket_closed for ACC-1") == true)

        // Every comment is a document Jira takes; nothing left undelivered; the evidence verifies.
        for comment in site.jira.comments { #expect(comment.body["type"] as? String == "doc") }
        let verify = try site.store.run(["audit", "verify"])
        #expect(verify.status == 0, "\(verify.output)")
    }

    @Test func aWebhookBodyOnStdinIsImportedAndAnsweredToo() throws {
        let site = try Site()
        site.jira.put(FakeJira.accessRequest(id: "10009", key: "ACC-9", reporter: "acc-bob"))
        let issue = try JSONSerialization.data(withJSONObject: FakeJira.render(try #require(site.jira.issue("ACC-9"))))
        let body = #"{"webhookEvent": "jira:issue_created", "issue": "# + String(decoding: issue, as: UTF8.self) + "}"
        let result = try site.store.run(["import", "jira", "--mapping", site.mapping, "-"], as: "jira-importer", stdin: body)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.stdout.contains("ACC-9 → REQ-1 submitted: pending v1"))
        #expect(result.stdout.contains("write-back: 2 delivered"), "\(result.output)")
        #expect(site.jira.commentsOn("ACC-9").count == 1)
        #expect(try site.store.show("REQ-1")["submitted_by"] as? String == "jira-importer")
    }

    /// Webhooks arrive late and twice: an older state of the ticket, by
    /// Jira's `updated`, rolls the request back to nothing it no longer says.
    @Test func aWebhookDeliveredLateRollsNothingBack() throws {
        let site = try Site()
        func body(hours: Int, updated: String) throws -> String {
            var issue = FakeJira.render(FakeJira.accessRequest(id: "10009", key: "ACC-9", reporter: "acc-bob", hours: hours))
            var fields = try #require(issue["fields"] as? [String: Any])
            fields["updated"] = updated
            issue["fields"] = fields
            let json = try JSONSerialization.data(withJSONObject: issue)
            return #"{"webhookEvent": "jira:issue_updated", "issue": "# + String(decoding: json, as: UTF8.self) + "}"
        }
        func deliver(_ body: String) throws -> Signoff.Result {
            try site.store.run(["import", "jira", "--mapping", site.mapping, "-"], as: "jira-importer", stdin: body)
        }
        #expect(try deliver(try body(hours: 8, updated: "2026-12-01T09:00:00.000+0000")).stdout.contains("ACC-9 → REQ-1 submitted"))
        let revised = try deliver(try body(hours: 4, updated: "2026-12-01T09:05:00.000+0000"))
        #expect(revised.stdout.contains("ACC-9 → REQ-1 revised: pending v2"), "\(revised.output)")
        let late = try deliver(try body(hours: 8, updated: "2026-12-01T09:00:00.000+0000"))
        #expect(late.status == 0, "\(late.output)")
        #expect(late.stdout.contains("ACC-9 is older (updated 2026-12-01T09:00:00Z) than what was imported of it at 2026-12-01T09:05:00Z: REQ-1 stays as it was"),
                "\(late.output)")
        let shown = try site.store.show("REQ-1")
        #expect(shown["version"] as? Int == 2)
        #expect(shown["duration_seconds"] as? Int == 4 * 3600, "\(shown)")
        let json = try site.store.run(["import", "jira", "--mapping", site.mapping, "--json", "-"], as: "jira-importer",
                                      stdin: try body(hours: 8, updated: "2026-12-01T08:59:59.999+0000"))
        let items = try #require((try Signoff.json(json) as? [String: Any])?["items"] as? [[String: Any]])
        #expect(items.first?["outcome"] as? String == "stale" && items.first?["request_id"] as? String == "REQ-1", "\(json.output)")
        #expect(try site.store.run(["audit", "verify"]).status == 0)
    }

    /// dave, an owner, changes the ticket's terms in Jira: the webhook names
    /// him, and he may not approve what he wrote; erin may.
    @Test func anOwnerWhoEditedTheTicketMayNotApproveIt() throws {
        let site = try Site()
        func body(_ event: String, user: String, hours: Int) throws -> String {
            let issue = try JSONSerialization.data(withJSONObject: FakeJira.render(
                FakeJira.accessRequest(id: "10009", key: "ACC-9", reporter: "acc-bob", hours: hours)))
            return #"{"webhookEvent": "\#(event)", "user": {"accountId": "\#(user)"}, "issue": "# + String(decoding: issue, as: UTF8.self) + "}"
        }
        for (event, user, hours) in [("jira:issue_created", "acc-bob", 8), ("jira:issue_updated", "acc-dave", 4)] {
            let imported = try site.store.run(["import", "jira", "--mapping", site.mapping, "-"], as: "jira-importer",
                                              stdin: try body(event, user: user, hours: hours))
            #expect(imported.status == 0, "\(imported.output)")
        }
        let rationale = "read replica only, matches the ticket"
        let refused = try site.store.run(["approve", "REQ-1", "--version", "2", "--rationale", rationale], as: "dave")
        #expect(refused.status == 3, "\(refused.output)")
        #expect(refused.stderr.contains("dave changed the terms of REQ-1 in its ticket and may not review it"), "\(refused.stderr)")
        let approved = try site.store.run(["approve", "REQ-1", "--version", "2", "--rationale", rationale], as: "erin")
        #expect(approved.status == 0, "\(approved.output)")
        #expect(try site.store.run(["audit", "verify"]).status == 0)
    }

    /// Files are imported one transaction each, in the order given, while the
    /// next is read ahead: a broken file stops the import there, after every
    /// file before it was imported, and nothing after it is.
    @Test func aBrokenFileStopsTheImportThereAndOnlyThere() throws {
        let site = try Site()
        var files: [String] = []
        for number in 1...3 {
            site.jira.put(FakeJira.accessRequest(id: "1000\(number)", key: "ACC-\(number)"))
            files.append(try site.issueFile("ACC-\(number)"))
        }
        let broken = try site.store.file("broken.json", "{\"issues\": [\n  {\"key\": \"ACC-9\",}\n]}")
        let result = try site.store.run(["import", "jira", "--mapping", site.mapping, files[0], files[1], broken, files[2]],
                                        as: "jira-importer")
        #expect(result.status == 2, "\(result.output)")
        #expect(result.stderr.contains("broken.json:2:19: is not valid JSON"), "\(result.stderr)")
        #expect(result.stderr.contains("nothing more was imported"), "\(result.stderr)")
        #expect(try site.store.show("REQ-1")["ticket"] as? String == "ACC-1")
        #expect(try site.store.show("REQ-2")["ticket"] as? String == "ACC-2")
        let third = try site.store.run(["show", "REQ-3"])
        #expect(third.status != 0, "the file after the broken one was not imported: \(third.output)")

        // The same files again, the broken one left out: the first two are unchanged, the third is new.
        let again = try site.store.run(["import", "jira", "--mapping", site.mapping, files[0], files[1], files[2]],
                                       as: "jira-importer")
        #expect(again.status == 0, "\(again.output)")
        #expect(again.stdout.contains("ACC-1 → REQ-1 unchanged"), "\(again.output)")
        #expect(again.stdout.contains("ACC-3 → REQ-3 submitted: pending v1"), "\(again.output)")
    }

    /// A script tells by the exit code alone whether every ticket made a
    /// request: 0 when all did, 11 when any made none (refused now or as
    /// before), with everything else imported, written back and reported.
    @Test func anImportWithRefusedTicketsSaysSoByItsExitCode() throws {
        let site = try Site()
        site.jira.put(FakeJira.accessRequest(id: "10001", key: "ACC-1"))
        let clean = try site.importTickets()
        #expect(clean.status == 0, "\(clean.output)")

        site.jira.put(FakeJira.accessRequest(id: "10002", key: "ACC-2", entitlement: nil))
        site.jira.put(FakeJira.accessRequest(id: "10004", key: "ACC-4"))
        let mixed = try site.importTickets(json: true)
        #expect(mixed.status == 11, "\(mixed.output)")
        #expect(!mixed.stderr.contains("signoff.error/1"), "the report is the answer, not an error: \(mixed.stderr)")
        let items = (try Signoff.json(mixed) as? [String: Any])?["items"] as? [[String: Any]] ?? []
        #expect(Set(items.compactMap { $0["ticket"] as? String }) == ["ACC-1", "ACC-2", "ACC-4"], "\(mixed.output)")
        #expect(items.contains { $0["ticket"] as? String == "ACC-2" && $0["outcome"] as? String == "refused"
                    && $0["recorded"] as? Bool == true }, "\(mixed.output)")
        #expect(items.contains { $0["ticket"] as? String == "ACC-4" && $0["outcome"] as? String == "submitted"
                    && $0["request_id"] as? String == "REQ-2" }, "\(mixed.output)")
        // The good ticket was imported and answered, the refused one commented on, all the same.
        #expect(site.jira.commentsOn("ACC-4").count == 1)
        #expect(site.jira.commentsOn("ACC-2").first?.text.contains("is empty; it is required") == true)

        // Fixed in Jira: every ticket makes a request, and the import exits 0 again.
        site.jira.change("ACC-2") { $0.fields["customfield_10105"] = ["value": "Read replica"] }
        let fixed = try site.importTickets()
        #expect(fixed.status == 0, "\(fixed.output)")
        #expect(fixed.stdout.contains("ACC-2 → REQ-3 submitted"), "\(fixed.output)")
    }

    @Test func wrongCredentialsAndLooseFilesAreRefusedClearly() throws {
        let site = try Site()
        site.jira.put(FakeJira.accessRequest(id: "10001", key: "ACC-1"))
        chmod(site.credentials, 0o644)
        let loose = try site.importTickets()
        #expect(loose.status == 2)
        #expect(loose.stderr.contains("chmod 600"), "\(loose.stderr)")
        #expect(!loose.stderr.contains(site.jira.token))

        chmod(site.credentials, 0o600)
        try Data("email: \(site.jira.email)\napi_token: wrong-token\n".utf8).write(to: URL(fileURLWithPath: site.credentials))
        let refused = try site.importTickets()
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("Jira refused the credentials of \(site.jira.email) (401 Unauthorized)"), "\(refused.stderr)")
        #expect(try site.store.run(["list", "--json"]).stdout.contains("REQ-") == false)
    }

    /// A site given as plain http to another host would carry the credentials
    /// in cleartext: polling and delivering are refused, naming where the
    /// address was given; a file import goes on and its write-back waits.
    @Test func plainHTTPToAnotherHostIsRefusedBeforeCredentialsAreSent() throws {
        let site = try Site()
        site.jira.put(FakeJira.accessRequest(id: "10001", key: "ACC-1"))
        let polled = try site.store.run(["import", "jira", "--mapping", site.mapping, "--url", "http://jira.example.com"],
                                        as: "jira-importer")
        #expect(polled.status == 2, "\(polled.output)")
        #expect(polled.stderr.contains("--url: http://jira.example.com is plain http to another host"), "\(polled.stderr)")
        #expect(polled.stderr.contains("give the site's https:// address"), "\(polled.stderr)")

        let plain = try site.store.file("plain.yaml", JiraIntakeTests.mapping(url: "http://jira.example.com", credentials: site.credentials))
        let delivered = try site.store.run(["import", "jira", "--mapping", plain, "--deliver-only"], as: "jira-importer")
        #expect(delivered.status == 2, "\(delivered.output)")
        #expect(delivered.stderr.contains("plain.yaml: jira.url: http://jira.example.com is plain http to another host"), "\(delivered.stderr)")

        let file = try site.issueFile("ACC-1"), fields = try site.fieldMetadataFile()
        // Field metadata is a file (standard input is the issues'), and one that is not there says what to save.
        for missing in ["-", site.store.directory.appendingPathComponent("no-fields.json").path] {
            let refused = try site.store.run(["import", "jira", "--mapping", plain, "--field-metadata", missing, file], as: "jira-importer")
            #expect(refused.status == 2 && refused.stderr.contains("there is no such file of field metadata"), "\(refused.output)")
            #expect(refused.stderr.contains("save GET /rest/api/3/field"), "\(refused.output)")
        }
        let imported = try site.store.run(["import", "jira", "--mapping", plain, "--field-metadata", fields, file], as: "jira-importer")
        #expect(imported.status == 0, "\(imported.output)")
        #expect(imported.stdout.contains("ACC-1 → REQ-1 submitted"), "\(imported.output)")
        #expect(imported.stderr.contains("write-back waits in the outbox"), "\(imported.stderr)")
    }

    /// With credentials but the site unreachable, a file import needs the
    /// site only for field names nothing else resolves: with the field
    /// metadata given it goes on (and its write-back waits); without, it
    /// stops before anything is written.
    @Test func anUnreachableSiteStopsAFileImportOnlyWhenItNeedsTheSite() throws {
        let site = try Site()
        site.jira.put(FakeJira.accessRequest(id: "10001", key: "ACC-1"))
        let file = try site.issueFile("ACC-1"), fields = try site.fieldMetadataFile()
        let down = try site.store.file("down.yaml", JiraIntakeTests.mapping(url: "http://127.0.0.1:9", credentials: site.credentials))

        let blind = try site.store.run(["import", "jira", "--mapping", down, file], as: "jira-importer")
        #expect(blind.status == 5, "\(blind.output)")
        #expect(blind.stderr.contains("no answer from 127.0.0.1"), "\(blind.stderr)")
        #expect(try site.store.run(["show", "REQ-1"]).status != 0, "nothing was imported: \(blind.output)")

        let imported = try site.store.run(["import", "jira", "--mapping", down, "--field-metadata", fields, file], as: "jira-importer")
        #expect(imported.status == 0, "\(imported.output)")
        #expect(imported.stdout.contains("ACC-1 → REQ-1 submitted"), "\(imported.output)")
        #expect(imported.stderr.contains("the site's field list could not be read"), "\(imported.stderr)")
    }

    @Test func onlyAnIntakeAgentImports() throws {
        let site = try Site()
        site.jira.put(FakeJira.accessRequest(id: "10001", key: "ACC-1"))
        let result = try site.store.run(["import", "jira", "--mapping", site.mapping, "--url", site.jira.url], as: "alice")
        #expect(result.status == 3, "\(result.output)")
        #expect(result.stderr.contains("alice is not an intake agent"))
    }
}
