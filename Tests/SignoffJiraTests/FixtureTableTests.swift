import Foundation
import SignoffCore
import SignoffJira
import Testing

/// Every fixture file, read as `signoff import jira` reads it, under a mapping
/// written for that site: what each ticket becomes. The rows cover the traps
/// the payloads show: custom field ids that differ per site (and names
/// resolved through editmeta), ADF descriptions next to plain ones, Cloud users
/// known only by account ID next to Server users known by login, numbers
/// written as `13.0`, tickets already resolved, events that carry no issue.
@Suite struct FixtureTableTests {
    enum Expect: Sendable {
        /// One ticket that becomes a request with these fields (flattened, see `flatten`).
        case request(String, [String: String])
        /// One ticket refused for these request fields, with these problem kinds.
        case refused(String, [String: TicketProblem.Kind])
        /// One ticket that is closed (resolved or in a done status), with its problems if it would be refused.
        case closed(String, refusedFor: [String])
        case deleted(String)
        case ignored(String)
        /// Not something import reads; the error says this.
        case notInput(String)
        /// A transitions answer: target status → the transition id that leads there.
        case transitions([String: String])
        /// Field metadata: name → id.
        case fieldNames([String: String])
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var file: String
        var mapping: String
        var expect: Expect
        /// Field metadata to resolve names with.
        var metadata: String?
        var testDescription: String { file + (metadata.map { " with \($0)" } ?? "") }
    }

    /// mmtest.atlassian.net (Cloud): custom fields by id, options by value, a user picker for the owner.
    static let mmtest = """
    jira:
      deployment: cloud
      time_zone: America/Los_Angeles
    request:
      subject.kind: {field: customfield_10074, values: {A: service_account, B: api_key}}
      subject.name: customfield_10077
      subject.owner: customfield_10080
      system: {field: customfield_10073, values: {"1": payments-db, "2": vault}}
      environment: {field: customfield_10076, values: {"1": production, "2": staging}}
      entitlement: {field: customfield_10078, values: {some value: read_replica}}
      access: {value: read}
      purpose: description
      duration: {field: customfield_10072, unit: hours}
      notes: summary
      labels:
        link: customfield_10079
    """

    /// some-instance-test (Cloud, and its Server twin): components and labels as the choices.
    static func someInstance(_ deployment: String) -> String {
        """
        jira:
          deployment: \(deployment)
        request:
          subject.kind: {value: human}
          subject.name: reporter
          system: {field: components, values: {COMP-1: payments-db}}
          environment: {value: staging}
          entitlement: {field: labels, values: {test-label: read_replica}}
          access: {value: read}
          purpose: description
          duration: {value: 8h}
        """
    }

    /// improvingflow.atlassian.net: the reporter known by email, a number written `13.0`.
    static let improvingflow = """
    request:
      subject.kind: {value: service_account}
      subject.name: {value: svc-reporting}
      subject.owner: reporter
      system: {value: vault}
      environment: {value: production}
      entitlement: {field: customfield_10021, values: {Impediment: secret_read}}
      access: {value: read}
      purpose: summary
      duration: {field: customfield_10036, unit: days}
    """

    /// caspertestaccount (ECS-3): fields by the names people see, resolved through editmeta.
    static let byName = """
    request:
      subject.kind: {value: service_account}
      subject.name: {field: Rank}
      subject.owner: {field: Reporter}
      system: {value: payments-db}
      environment: {value: production}
      entitlement: {field: Flagged, values: {Impediment: superuser}}
      access: {value: admin}
      purpose: {field: Description}
      duration: {value: 4h}
    """

    /// The jira-cli issues: a reporter with a display name only, so the requester is a constant.
    static let jiraCLI = """
    request:
      requester: {value: alice}
      subject.kind: {value: service_account}
      subject.name: summary
      subject.owner: {value: alice}
      system: {value: payments-db}
      environment: {value: staging}
      entitlement: {field: priority, values: {Medium: read_replica}}
      access: {value: read}
      purpose: description
      duration: {value: 2h}
    """

    static let jiraCLIRequest: [String: String] = [
        "requester": "alice", "subject.kind": "service_account", "subject.name": "Bug summary", "subject.owner": "alice",
        "system": "payments-db", "environment": "staging", "entitlement": "read_replica", "access": "read",
        "purpose": "Test description", "duration": "2h", "ticket": "TEST-1", "triggers": "ticket_closed:TEST-1",
    ]

    static let rows: [Row] = [
        Row(file: "webhooks/mattermost-webhook-cloud-issue-created-many-fields.json", mapping: mmtest,
            expect: .request("KT-22", [
                "requester": "alice", "subject.kind": "service_account", "subject.name": "dwdwd", "subject.owner": "alice",
                "system": "payments-db", "environment": "production", "entitlement": "read_replica", "access": "read",
                "purpose": "The good description", "duration": "23h", "notes": "Lots of fields selected",
                "labels.link": "https://google.com", "ticket": "KT-22", "triggers": "ticket_closed:KT-22",
            ])),
        // The same site's next ticket lacks most mapped fields: refused, every missing one named.
        Row(file: "webhooks/mattermost-webhook-cloud-issue-updated-custom-field.json", mapping: mmtest,
            expect: .refused("TES-14", ["subject.kind": .missing, "subject.name": .missing, "system": .missing,
                                        "environment": .missing, "entitlement": .missing])),
        Row(file: "webhooks/mattermost-webhook-issue-updated-reopened.json", mapping: someInstance("cloud"),
            expect: .request("TES-41", [
                "requester": "bob", "subject.kind": "human", "subject.name": "bob", "subject.owner": "bob",
                "system": "payments-db", "environment": "staging", "entitlement": "read_replica", "access": "read",
                "purpose": "Unit test description, not that long, a little longer now", "duration": "8h",
                "ticket": "TES-41", "triggers": "ticket_closed:TES-41",
            ])),
        // Server: the reporter is `admin` by login (no account ID); resolved, so closed.
        Row(file: "webhooks/mattermost-webhook-server-issue-updated-resolved.json", mapping: someInstance("server"),
            expect: .closed("TES-4", refusedFor: ["system", "entitlement", "purpose"])),
        // The same Server payload read as Cloud: a login is not an account ID.
        Row(file: "webhooks/mattermost-webhook-server-issue-updated-resolved.json", mapping: someInstance("cloud"),
            expect: .closed("TES-4", refusedFor: ["requester", "subject.name", "system", "entitlement", "purpose"])),
        Row(file: "webhooks/mattermost-webhook-issue-deleted.json", mapping: someInstance("cloud"), expect: .deleted("IDT-19")),
        Row(file: "webhooks/mattermost-webhook-cloud-comment-created.json", mapping: someInstance("cloud"),
            expect: .ignored("comment_created")),
        Row(file: "rest-v2/jirametrics-issue-SP-15-with-changelog.json", mapping: improvingflow,
            expect: .request("SP-15", [
                "requester": "carol", "subject.kind": "service_account", "subject.name": "svc-reporting",
                "subject.owner": "carol", "system": "vault", "environment": "production", "entitlement": "secret_read",
                "access": "read", "purpose": "CLONE - Report of people checked in at an event", "duration": "13d",
                "ticket": "SP-15", "triggers": "ticket_closed:SP-15",
            ])),
        Row(file: "rest-v2/mantis-issue-ECS-3-cloud-2025.json", mapping: byName,
            expect: .refused("ECS-3", ["entitlement": .missing]), metadata: "rest-v2/mantis-editmeta-ECS-3.json"),
        Row(file: "rest-v2/mantis-editmeta-ECS-3.json", mapping: byName,
            expect: .fieldNames(["Flagged": "customfield_10021", "Rank": "customfield_10019", "Team": "customfield_10001",
                                 "Summary": "summary"])),
        // An agile search page in the startAt/total shape; the only issue is Done.
        Row(file: "rest-v2/atlassian-python-api-agile-search-results.json", mapping: someInstance("cloud"),
            expect: .closed("BAR-111", refusedFor: ["requester", "subject.name", "system", "entitlement"])),
        Row(file: "rest-v2/go-jira-transitions.json", mapping: byName,
            expect: .transitions(["Closed": "711", "In Progress": "2"])),
        Row(file: "rest-v3/demisto-transitions.json", mapping: byName,
            expect: .transitions(["Selected for Development": "21", "Backlog": "11"])),
        Row(file: "rest-v3/jira-cli-issue-adf.json", mapping: jiraCLI, expect: .request("TEST-1", jiraCLIRequest)),
        Row(file: "rest-v3/jira-cli-issue-plain-description.json", mapping: jiraCLI, expect: .request("TEST-1", jiraCLIRequest)),
        Row(file: "rest-v3/demisto-add-comment-response-adf.json", mapping: jiraCLI,
            expect: .notInput("is not a Jira issue, search result or webhook")),
    ]

    @Test func everyFixtureFileHasARow() throws {
        let covered = Set(Self.rows.map(\.file))
        for file in try Fixtures.all() {
            #expect(covered.contains(file), "no row reads \(file): add one saying what it becomes")
        }
    }

    @Test(arguments: rows) func fixture(_ row: Row) throws {
        var catalog = FieldCatalog()
        if let metadata = row.metadata { catalog.read(try Fixtures.value(metadata)) }
        var mapper = try Mapper(row.mapping, catalog: catalog)
        switch row.expect {
        case let .request(key, fields):
            let tickets = try mapper.map(row.file)
            let ticket = try #require(tickets.first)
            #expect(tickets.count == 1)
            #expect(ticket.key == key)
            #expect(!ticket.isClosed)
            let request = try #require(ticket.request, "refused: \(ticket.problems.map(\.description))")
            #expect(Self.flatten(request) == fields)
        case let .refused(key, expected):
            let ticket = try #require(try mapper.map(row.file).first)
            #expect(ticket.key == key)
            #expect(!ticket.isClosed)
            #expect(Dictionary(ticket.problems.map { ($0.field, $0.kind) }, uniquingKeysWith: { first, _ in first }) == expected,
                    "\(ticket.problems.map(\.description))")
        case let .closed(key, refusedFor):
            let ticket = try #require(try mapper.map(row.file).first)
            #expect(ticket.key == key)
            #expect(ticket.isClosed)
            #expect(Set(ticket.problems.map(\.field)) == Set(refusedFor), "\(ticket.problems.map(\.description))")
        case let .deleted(key):
            var intake = JiraIntake(mapper: mapper.mapper)
            let items = try intake.read(try Fixtures.data(row.file), file: row.file)
            guard case let .deleted(deletedKey, _, at)? = items.first else { Issue.record("not deleted: \(items)"); return }
            #expect(deletedKey == key)
            // Deleted at the webhook's time, which is after the issue's last `updated`.
            #expect(at == Date(timeIntervalSince1970: 1_562_177_136.176), "\(String(describing: at))")
        case let .ignored(event):
            var intake = JiraIntake(mapper: mapper.mapper)
            let items = try intake.read(try Fixtures.data(row.file), file: row.file)
            guard case let .ignored(_, reason)? = items.first else { Issue.record("not ignored: \(items)"); return }
            #expect(reason.contains(event))
        case let .notInput(message):
            var intake = JiraIntake(mapper: mapper.mapper)
            #expect(throws: SourceErrors.self) { try intake.read(try Fixtures.data(row.file), file: row.file) }
            do { _ = try intake.read(try Fixtures.data(row.file), file: row.file) } catch {
                #expect("\(error)".contains(message), "\(error)")
                #expect("\(error)".contains("\(row.file):1:1"), "\(error)")
            }
        case let .transitions(expected):
            let transitions = try #require(try Fixtures.value(row.file)["transitions"]).elements.compactMap(JiraTransition.init)
            for (status, id) in expected {
                #expect(JiraTransition.leading(to: status, in: transitions)?.id == id, "to \(status)")
            }
            // Never by the transition's own name: "Close Issue" leads to In Progress here, not to Closed.
            #expect(JiraTransition.leading(to: "Close Issue", in: transitions) == nil)
        case let .fieldNames(expected):
            var catalog = FieldCatalog()
            catalog.read(try Fixtures.value(row.file))
            for (name, id) in expected { #expect(catalog.ids(named: name) == [id], "\(name)") }
        }
    }

    /// A request's fields as flat text, for a table a reader can scan.
    static func flatten(_ request: AccessRequest) -> [String: String] {
        var fields: [String: String] = [
            "subject.kind": request.subject.kind.rawValue, "subject.name": request.subject.name,
            "subject.owner": request.subject.owner, "system": request.system, "environment": request.environment,
            "entitlement": request.entitlement, "access": request.access.rawValue, "purpose": request.purpose,
            "duration": request.duration.description,
        ]
        fields["requester"] = request.requester
        fields["scope"] = request.scope
        fields["notes"] = request.notes
        fields["ticket"] = request.ticket
        fields["incident"] = request.incident
        fields["start"] = request.start.map(Timestamp.format)
        fields["end"] = request.end.map(Timestamp.format)
        if request.breakGlass { fields["break_glass"] = "true" }
        for (key, value) in request.labels { fields["labels.\(key)"] = value }
        if !request.revocationTriggers.isEmpty {
            fields["triggers"] = request.revocationTriggers.map { "\($0.name):\($0.ref)" }.joined(separator: ",")
        }
        return fields
    }

    // MARK: Traps beyond the table

    /// The mapping names fields as people see them; without the site's metadata
    /// the name means nothing, and the import stops before reading any ticket.
    @Test func aFieldNameWithoutMetadataStopsTheImportAtTheMappingLine() throws {
        var mapper = try Mapper(Self.byName)
        #expect(throws: MappingConfigurationError.self) { try mapper.map("rest-v2/mantis-issue-ECS-3-cloud-2025.json") }
        do { _ = try mapper.map("rest-v2/mantis-issue-ECS-3-cloud-2025.json") } catch let error as MappingConfigurationError {
            #expect(error.error.position?.line == 3, "\(error)")
            #expect(error.description.contains("no Jira field is named \"Rank\""), "\(error)")
        }
    }

    /// Every date spelling the fixtures hold, read at the instant it names.
    @Test(arguments: [
        ("webhooks/mattermost-webhook-cloud-issue-created-many-fields.json", "customfield_10070", "2019-08-29T19:40:00Z"), // -0700, no colon
        ("webhooks/mattermost-webhook-cloud-issue-created-many-fields.json", "customfield_10034", "2019-08-28T02:43:24Z"), // no zone: the site's (Los Angeles)
        ("webhooks/mattermost-webhook-cloud-issue-created-many-fields.json", "customfield_10069", "2019-08-12T07:00:00Z"), // a date: midnight there
        ("webhooks/mattermost-webhook-cloud-issue-updated-custom-field.json", "customfield_10034", "2019-07-30T22:06:22Z"), // Java's Date.toString in UTC
        ("webhooks/mattermost-webhook-server-issue-updated-resolved.json", "resolutiondate", "2019-08-12T23:23:01Z"), // +0800
        ("rest-v2/jirametrics-issue-SP-15-with-changelog.json", "created", "2022-04-24T16:41:53Z"), // +0000
    ])
    func dates(file: String, field: String, expected: String) throws {
        let issue = try Fixtures.value(file)
        let value = try #require((issue["issue"] ?? issue)["fields"]?[field])
        let zone = try #require(TimeZone(identifier: "America/Los_Angeles"))
        let date = try #require(JiraDate.parse(value, zone: zone))
        #expect(Timestamp.format(date) == expected)
    }

    /// An issue key that cannot be a ticket reference (a control character
    /// in it) is refused as the key's problem, not as the trigger signoff
    /// makes from it.
    @Test func aKeyThatCannotBeATicketIsBlamedOnTheKey() throws {
        var mapper = try Mapper(Self.jiraCLI)
        let original = String(decoding: try Fixtures.data("rest-v3/jira-cli-issue-adf.json"), as: UTF8.self)
        #expect(try mapper.mapJSON(original).request != nil)
        let hostile = original.replacingOccurrences(of: #""key": "TEST-1""#, with: #""key": "TEST\u001b[31m-1""#)
        #expect(hostile != original)
        let problems = try mapper.mapJSON(hostile).problems
        #expect(problems.count == 1 && problems.first?.field == "ticket" && problems.first?.jiraField == "key", "\(problems)")
    }

    /// A mapped ticket carries when the issue last changed (its `updated`):
    /// what keeps a webhook delivered late from rolling its request back.
    @Test func aMappedTicketCarriesWhenItLastChanged() throws {
        var mapper = try Mapper(Self.someInstance("cloud"))
        let ticket = try #require(try mapper.map("webhooks/mattermost-webhook-issue-updated-reopened.json").first)
        let updated = try #require(ticket.updated)
        #expect(updated.epochMilliseconds(.towardZero) == 1_550_287_026_501) // 2019-02-15T19:17:06.501-0800
    }

    /// A webhook names who made its change (`user`): a person of the
    /// directory there is the ticket's editor; REST issues say nobody.
    @Test func aWebhookNamesWhoChangedTheTicket() throws {
        let file = "webhooks/mattermost-webhook-issue-updated-reopened.json"
        var mapper = try Mapper(Self.someInstance("cloud"))
        #expect(try mapper.map(file).first?.editor == "bob")
        let webhook = try #require(try JSONSerialization.jsonObject(with: try Fixtures.data(file)) as? [String: Any])
        let issue = String(decoding: try JSONSerialization.data(withJSONObject: try #require(webhook["issue"])), as: UTF8.self)
        // The same change made by dave (his Cloud account id); and the issue as REST gives it.
        let dave = #"{"accountId": "712020:95f28275-1a43-4b1d-a411-4142f5ab13df", "displayName": "Dave"}"#
        #expect(try mapper.mapJSON(#"{"webhookEvent": "jira:issue_updated", "user": "# + dave + #", "issue": "# + issue + "}").editor == "dave")
        #expect(try mapper.mapJSON(issue).editor == nil)
    }

    /// Webhook timestamps are epoch milliseconds, as a number here and as text elsewhere.
    @Test func epochMilliseconds() throws {
        let webhook = try Fixtures.value("webhooks/mattermost-webhook-issue-deleted.json")
        let utc = TimeZone(identifier: "UTC")!
        let timestamp = try #require(webhook["timestamp"])
        let date = try #require(JiraDate.parse(timestamp, zone: utc))
        #expect(Timestamp.format(date) == "2019-07-03T18:05:36Z")
        #expect(JiraDate.parse("1562177136176", zone: utc) == date)
    }

    /// A deletion's webhook time outside the years 1970–9999 is no time at
    /// all: the deletion is judged as one without Jira's clock, never
    /// dated to a time that would make every later change stale.
    @Test(arguments: ["-1", "253402300800000", "9223372036854775807"])
    func aDeletionAtNoRealTimeHasNoTime(timestamp: String) throws {
        let text = String(decoding: try Fixtures.data("webhooks/mattermost-webhook-issue-deleted.json"), as: UTF8.self)
        let altered = text.replacingOccurrences(of: "\"timestamp\": 1562177136176", with: "\"timestamp\": \(timestamp)")
        #expect(altered != text)
        guard case let .deleted(issue, at) = try JiraPayload.read(try JSONDocument(text: altered).values[0]) else {
            Issue.record("not a deletion"); return
        }
        #expect(issue.key == "IDT-19")
        #expect(at == nil, "\(String(describing: at))")
    }

    /// A webhook whose issue names no key is refused as that, at the issue,
    /// not as a webhook without an issue.
    @Test func aWebhookIssueWithoutAKeyIsNamed() throws {
        let text = #"{"webhookEvent": "jira:issue_updated", "issue": {"id": "10001", "fields": {}}}"#
        let value = try JSONDocument(text: text).values[0]
        do throws(JiraInputError) {
            _ = try JiraPayload.read(value)
            Issue.record("read an issue without a key")
        } catch {
            #expect(error.message.contains("whose issue has no key ($.issue.key)"), "\(error)")
            #expect(error.offset == text.range(of: #"{"id""#)?.lowerBound.utf16Offset(in: text), "\(error)")
        }
        let none = #"{"webhookEvent": "jira:issue_deleted"}"#
        #expect(throws: JiraInputError.self) { try JiraPayload.read(try JSONDocument(text: none).values[0]) }
    }

    /// A page of search results says where it stands, in both of Jira's schemes.
    @Test func searchPages() throws {
        let agile = try JiraPayload.read(try Fixtures.value("rest-v2/atlassian-python-api-agile-search-results.json"))
        guard case let .issues(issues, .search, page?) = agile else { Issue.record("not a search page"); return }
        #expect(issues.map(\.key) == ["BAR-111"])
        #expect(page.startAt == 0 && page.total == 1 && page.isLast)

        let cloud = try JSONDocument(text: #"{"issues": [{"id": "1", "key": "A-1", "fields": {}}], "nextPageToken": "t2", "isLast": false}"#)
        guard case let .issues(_, .search, cloudPage?) = try JiraPayload.read(cloud.values[0]) else { Issue.record("not a page"); return }
        #expect(cloudPage.nextPageToken == "t2" && !cloudPage.isLast)
        // The last Cloud page leaves the token out altogether.
        let last = try JSONDocument(text: #"{"issues": []}"#)
        guard case let .issues(_, _, lastPage?) = try JiraPayload.read(last.values[0]) else { Issue.record("not a page"); return }
        #expect(lastPage.isLast)
    }

    /// Whoever changes a Cloud ticket is the webhook's `user`, not its reporter: the requester is the reporter.
    @Test func theRequesterIsTheReporterNotWhoeverTriggeredTheWebhook() throws {
        var mapper = try Mapper(Self.someInstance("cloud"))
        let ticket = try #require(try mapper.map("webhooks/mattermost-webhook-issue-updated-reopened.json").first)
        #expect(ticket.request?.requester == "bob")
    }
}
