import Foundation
import SignoffApp
import SignoffCore
import SignoffJira
import SignoffStore

/// Importing Jira tickets from pages of search results, as `signoff import
/// jira` does it: each page parsed, every ticket mapped under the policy, and
/// the page imported in one transaction through the command layer (submitted,
/// linked, routed, its write-back enqueued), the next page read and mapped on
/// a second thread meanwhile. Next to it, in the same run: the
/// same pages merely parsed, the same pages parsed and mapped, the import's
/// store work alone (the tickets mapped beforehand: what the import cannot
/// beat with its mapping on the other core), and the store's own bulk
/// submission of the same requests.
enum JiraBenchmark {
    static let pageSize = 100
    static let people = (0..<40).map { "person\($0)" }

    static let policySource = """
    policy: jira-bench
    directory:
      people:
    \(people.map { "    \($0): {jira: \"557058:\($0)-0000-4000-8000-00000000000\($0.count % 10)\"}" }.joined(separator: "\n"))
      intake_agents: [jira-importer]
      groups:
        dba: [person0, person1, person2]
    catalogue:
      payments-db:
        owners: [group:dba]
        environments: [staging, production]
        entitlements: [read_replica, schema_migrate]
        max_duration: 30d
      ledger-api:
        owners: [person3]
        environments: [staging, production]
        entitlements: [reader, writer]
        max_duration: 7d
    route:
      - name: owners
        when: {any: [{system: payments-db}, {system: ledger-api}]}
        steps:
          - {approvers: owners, count: 1}
    """

    static let mappingSource = """
    jira:
      deployment: cloud
      url: https://acme.atlassian.net
    request:
      subject.kind: {field: customfield_10101, values: {Service account: service_account, API key: api_key}}
      subject.name: customfield_10102
      subject.owner: reporter
      system: {field: components, values: {Payments DB: payments-db, Ledger API: ledger-api}}
      environment: {field: customfield_10104, values: {Prod: production, Staging: staging}}
      entitlement: {field: customfield_10105, values: {Read replica: read_replica, Schema migration: schema_migrate, Reader: reader, Writer: writer}}
      access: {field: customfield_10107, values: {Read: read, Write: write}}
      purpose: description
      duration: {field: customfield_10106, unit: hours}
      notes: summary
    write_back:
      transitions: {routed: Waiting for approval, approved: Approved}
    """

    /// One realistic Cloud issue: the fields Jira sends with `fields=*all`,
    /// users with avatars, an ADF description of a few paragraphs.
    static func issue(_ index: Int) -> String {
        let person = people[index % people.count]
        let account = "557058:\(person)-0000-4000-8000-00000000000\(person.count % 10)"
        let payments = index % 3 != 0
        let user = """
            {"self": "https://acme.atlassian.net/rest/api/3/user?accountId=\(account)", "accountId": "\(account)",
             "emailAddress": "\(person)@acme.example", "avatarUrls": {"48x48": "https://avatar.example/\(person)/48",
             "24x24": "https://avatar.example/\(person)/24", "16x16": "https://avatar.example/\(person)/16",
             "32x32": "https://avatar.example/\(person)/32"}, "displayName": "Person \(index % people.count)",
             "active": true, "timeZone": "Europe/Berlin", "accountType": "atlassian"}
            """
        let paragraphs = (0..<4).map { p in
            #"{"type": "paragraph", "content": [{"type": "text", "text": "The monthly close job \#(index) reads ledger batch \#(p) and writes nothing; it runs at night and needs the replica only."}]}"#
        }.joined(separator: ", ")
        return """
            {"expand": "renderedFields,names,schema,operations,editmeta,changelog", "id": "\(20000 + index)",
             "self": "https://acme.atlassian.net/rest/api/3/issue/\(20000 + index)", "key": "ACC-\(index + 1)",
             "fields": {"statuscategorychangedate": "2026-11-20T09:31:20.944+0100",
              "issuetype": {"self": "https://acme.atlassian.net/rest/api/3/issuetype/10005", "id": "10005", "description": "An access request", "name": "Access request", "subtask": false, "hierarchyLevel": 0},
              "project": {"self": "https://acme.atlassian.net/rest/api/3/project/10000", "id": "10000", "key": "ACC", "name": "Access", "projectTypeKey": "service_desk", "simplified": false},
              "components": [{"self": "https://acme.atlassian.net/rest/api/3/component/1\(index % 2)", "id": "1\(index % 2)", "name": "\(payments ? "Payments DB" : "Ledger API")"}],
              "customfield_10101": {"self": "https://acme.atlassian.net/rest/api/3/customFieldOption/1", "value": "\(index % 4 == 0 ? "API key" : "Service account")", "id": "1"},
              "customfield_10102": "svc-close-\(index % 500)",
              "customfield_10104": {"self": "https://acme.atlassian.net/rest/api/3/customFieldOption/3", "value": "\(index % 2 == 0 ? "Prod" : "Staging")", "id": "3"},
              "customfield_10105": {"self": "https://acme.atlassian.net/rest/api/3/customFieldOption/4", "value": "\(payments ? "Read replica" : "Reader")", "id": "4"},
              "customfield_10106": \(1 + index % 8),
              "customfield_10107": {"self": "https://acme.atlassian.net/rest/api/3/customFieldOption/7", "value": "Read", "id": "7"},
              "customfield_10019": "0|i0000f:", "customfield_10021": null, "customfield_10001": null, "timespent": null,
              "resolution": null, "resolutiondate": null, "workratio": -1, "lastViewed": null, "labels": ["access", "monthly-close"],
              "watches": {"self": "https://acme.atlassian.net/rest/api/3/issue/ACC-\(index + 1)/watchers", "watchCount": 1, "isWatching": true},
              "priority": {"self": "https://acme.atlassian.net/rest/api/3/priority/3", "iconUrl": "https://acme.atlassian.net/images/icons/priorities/medium.svg", "name": "Medium", "id": "3"},
              "reporter": \(user), "creator": \(user), "assignee": null,
              "status": {"self": "https://acme.atlassian.net/rest/api/3/status/10001", "description": "", "name": "Waiting for triage", "id": "10001",
                         "statusCategory": {"self": "https://acme.atlassian.net/rest/api/3/statuscategory/2", "id": 2, "key": "new", "colorName": "blue-gray", "name": "To Do"}},
              "created": "2026-11-20T09:31:20.488+0100", "updated": "2026-11-20T09:41:51.371+0100",
              "summary": "Replica access for the monthly close, batch \(index)",
              "description": {"type": "doc", "version": 1, "content": [\(paragraphs)]},
              "comment": {"comments": [], "maxResults": 0, "total": 0, "startAt": 0},
              "attachment": [], "issuelinks": [], "subtasks": [], "fixVersions": [], "versions": []}}
            """
    }

    /// Pages of the current Cloud search endpoint, `pageSize` issues each.
    static func pages(_ count: Int) -> [Data] {
        stride(from: 0, to: count, by: pageSize).map { start in
            let issues = (start..<min(count, start + pageSize)).map(issue).joined(separator: ",\n")
            let token = start + pageSize < count ? #""nextPageToken": "page-\#(start + pageSize)", "isLast": false"# : #""isLast": true"#
            return Data(#"{"issues": [\#(issues)], \#(token)}"#.utf8)
        }
    }

    static func run(quick: Bool) throws -> [Figure] {
        let count = quick ? 1_000 : 10_000
        let policy = try Policy.parse(source: policySource, file: "policy.yaml")
        let mapping = try JiraMapping.parse(source: mappingSource, file: "jira.yaml")
        let pages = pages(count)
        let bytes = pages.reduce(0) { $0 + $1.count }

        // Floor 1: the pages merely parsed, every issue's key read.
        var keys = 0
        let parseSeconds = try Measure.time {
            for page in pages {
                let document = try JSONDocument(page)
                keys += document.values[0]["issues"]?.elements.filter { $0["key"] != nil }.count ?? 0
            }
        }
        guard keys == count else { throw BenchError("parsed \(keys) issues of \(count)") }

        // Floor 2: parsed and mapped under the policy, no store.
        var mapped: [IntakeTicket] = []
        let mapSeconds = try Measure.time {
            var intake = JiraIntake(mapper: TicketMapper(mapping: mapping, policy: policy, catalog: FieldCatalog()))
            for page in pages {
                mapped += try intake.read(page, file: "page").compactMap { IntakeTicket($0, site: "acme.atlassian.net") }
            }
        }
        let requests = mapped.compactMap { ticket -> ScannedRequest? in
            if case let .request(request) = ticket.content { return request }
            return nil
        }
        guard requests.count == count else { throw BenchError("mapped \(requests.count) requests of \(count)") }

        // The import itself: one transaction per page through the command layer.
        let directory = try Measure.scratchDirectory("jira")
        defer { try? FileManager.default.removeItem(at: directory) }
        // The importer creates the store, so it may apply the first policy.
        let importerIdentity = Principal(name: "jira-importer", authentication: .asserted)
        let storePath = directory.appendingPathComponent("store.sqlite").path
        let store = try Store.create(at: storePath, settings: StoreSettings(trustAssertedIdentities: true), creator: importerIdentity)
        let importer = Commands(store: store, actor: importerIdentity)
        try importer.run(Commands.ApplyPolicy(policy))
        let before = directory.appendingPathComponent("before-import.sqlite").path
        try SQLiteFloor.snapshot(of: storePath, to: before)
        let writeBack = (source: "jira", site: "acme.atlassian.net", settings: mapping.writeBackSettings)
        var submitted = 0
        var pageEvents: [ClosedRange<Int64>] = []
        let importSeconds = try Measure.time {
            // As `signoff import jira` does it: the next page read and mapped on a second thread.
            let intake = JiraIntake(mapper: TicketMapper(mapping: mapping, policy: policy, catalog: FieldCatalog()))
            try ReadAhead.run({ handOver in
                var intake = intake
                for page in pages { try handOver(try intake.read(page, file: "page")) }
            }, each: { items in
                let tickets = items.compactMap { IntakeTicket($0, site: "acme.atlassian.net") }
                let result = try importer.run(Commands.ImportTickets(tickets, writeBack: writeBack))
                for ticket in result.output {
                    if case .submitted = ticket.outcome { submitted += 1 }
                }
                if let first = result.events.first, let last = result.events.last { pageEvents.append(first.sequence...last.sequence) }
            })
        }
        guard submitted == count else { throw BenchError("imported \(submitted) of \(count)") }
        let queued = try store.outboxCounts(.jira).pending

        // Floor 3: SQLite alone writing the rows the import wrote (events,
        // requests, tickets, outbox, the site, the counter), one durable
        // transaction per page.
        let floorSeconds = try SQLiteFloor.replayImport(before: before, after: storePath, pages: pageEvents)

        // The import's store work alone: the same tickets, mapped beforehand,
        // imported page by page into a store like the first. With the mapping
        // on the other core the import can go no faster than this.
        let storeOnly = try Store.create(at: directory.appendingPathComponent("store-only.sqlite").path,
                                         settings: StoreSettings(trustAssertedIdentities: true), creator: importerIdentity)
        let storeOnlyImporter = Commands(store: storeOnly, actor: importerIdentity)
        try storeOnlyImporter.run(Commands.ApplyPolicy(policy))
        var storedAlone = 0
        let storeOnlySeconds = try Measure.time {
            for start in stride(from: 0, to: mapped.count, by: pageSize) {
                let page = Array(mapped[start..<min(mapped.count, start + pageSize)])
                for ticket in try storeOnlyImporter.run(Commands.ImportTickets(page, writeBack: writeBack)).output {
                    if case .submitted = ticket.outcome { storedAlone += 1 }
                }
            }
        }
        guard storedAlone == count else { throw BenchError("imported \(storedAlone) of \(count) mapped beforehand") }

        // The store's own bulk submission of the same requests, in one transaction.
        let bulkStore = try Store.create(at: directory.appendingPathComponent("bulk.sqlite").path,
                                         settings: StoreSettings(trustAssertedIdentities: true), creator: importerIdentity)
        try Commands(store: bulkStore, actor: importerIdentity).run(Commands.ApplyPolicy(policy))
        let submitter = importerIdentity
        let bulkSeconds = try Measure.time {
            try bulkStore.write { tx in
                for request in requests {
                    let id = try tx.nextRequestID()
                    for event in Lifecycle.submit(request, id: id, by: submitter, policy: policy, original: nil, at: Date()) {
                        try tx.append(event)
                    }
                }
            }
        }

        let rate = Double(count) / importSeconds
        return [
            Figure(name: "jira import, \(count.formatted()) issues from search pages", value: Measure.format(rate, "issues/s"),
                   budget: "≥ 5,000/s", met: rate >= 5_000),
            Figure(name: "  SQLite alone, the same rows, per page", value: Measure.format(Double(count) / floorSeconds, "issues/s"),
                   budget: "(floor)", met: nil),
            Figure(name: "  the import against that floor", value: String(format: "%.1f× its time", importSeconds / floorSeconds),
                   budget: "(ratio)", met: nil),
            Figure(name: "  its store work alone (mapped beforehand)", value: Measure.format(Double(count) / storeOnlySeconds, "issues/s"),
                   budget: "(bound)", met: nil),
            Figure(name: "  the same pages parsed (\(bytes / 1_000_000) MB)", value: Measure.format(Double(count) / parseSeconds, "issues/s"),
                   budget: "(floor)", met: nil),
            Figure(name: "  parsed and mapped under the policy", value: Measure.format(Double(count) / mapSeconds, "issues/s"),
                   budget: "(floor)", met: nil),
            Figure(name: "  the store's bulk submit of the same requests", value: Measure.format(Double(count) / bulkSeconds, "requests/s"),
                   budget: "(floor)", met: nil),
            Figure(name: "  write-back messages queued", value: "\(queued.formatted())", budget: "(2 per issue)", met: queued == 2 * count),
        ]
    }
}
