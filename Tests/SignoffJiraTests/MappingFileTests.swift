import Foundation
import SignoffCore
import SignoffJira
import Testing

/// The mapping file is validated like the policy: every problem, with
/// `file:line:column`, the field, and what would be valid.
@Suite struct MappingFileTests {
    static let valid = """
    jira:
      deployment: server
      url: https://jira.example.com
      jql: project = ACCESS AND status = "Waiting for approval"
      credentials: secrets/jira
      time_zone: Europe/Berlin
      field_metadata: fields.json
    request:
      subject.kind: {field: Identity type, values: {Service account: service_account, Person: human}}
      subject.name: customfield_10071
      subject.owner: Owner
      system: {field: components, values: {Payments DB: payments-db}}
      environment: {field: customfield_10073, values: {Prod: production}}
      entitlement: {value: read_replica}
      access: {field: Access, values: {Read: read, Write: write}}
      purpose: description
      duration: {field: Hours, unit: hours}
      labels:
        team: Team
    write_back:
      comments: true
      transitions: {approved: Approved, denied: Declined, refused: Needs information}
    closed_statuses: [Closed, Cancelled]
    """

    @Test func readsEverySection() throws {
        let mapping = try JiraMapping.parse(source: Self.valid, file: "/etc/signoff/jira.yaml")
        #expect(mapping.deployment == .server)
        #expect(mapping.deployment.apiVersion == 2)
        #expect(mapping.url == "https://jira.example.com")
        #expect(mapping.credentialsPath == "/etc/signoff/secrets/jira")
        #expect(mapping.fieldMetadataPaths == ["/etc/signoff/fields.json"])
        #expect(mapping.timeZone.identifier == "Europe/Berlin")
        #expect(mapping.rule(for: .field(.subjectKind))?.source == .fieldName("Identity type"))
        #expect(mapping.rule(for: .field(.subjectName))?.source == .fieldID("customfield_10071"))
        #expect(mapping.rule(for: .field(.system))?.source == .fieldID("components"))
        #expect(mapping.rule(for: .field(.entitlement))?.source == .constant("read_replica"))
        #expect(mapping.rule(for: .field(.duration))?.unit == .hours)
        #expect(mapping.rule(for: .label("team"))?.source == .fieldName("Team"))
        #expect(mapping.writeBack.transitions[.refused] == "Needs information")
        #expect(mapping.closedStatuses == ["Closed", "Cancelled"])
    }

    @Test(arguments: [
        ("jira: {deployment: onprem}\nrequest: {}", "m.yaml:1:20: jira.deployment: \"onprem\" is not a deployment"),
        ("jira: {url: ftp://x}\nrequest: {}", "m.yaml:1:13: jira.url: is not a site address"),
        ("jira: {time_zone: Mars/Olympus}\nrequest: {}", "jira.time_zone: \"Mars/Olympus\" is not a time zone"),
        ("jira: {jq: x}\nrequest: {}", "m.yaml:1:8: jira.jq: unknown field (did you mean \"jql\"?"),
        ("request:\n  sytem: components", "m.yaml:2:10: request.sytem: is not a request field a mapping fills (did you mean \"system\"?"),
        ("request:\n  approver: x", "m.yaml:2:13: request.approver: is not a request field a mapping fills (valid: requester, subject.kind, subject.name, subject.owner, system, environment, entitlement, scope, access, purpose, duration, start, end, break_glass, incident, notes, labels)"),
        ("request:\n  ticket: key", "the ticket is always the issue key"),
        ("request:\n  access: {field: A, values: {R: rd}}", "m.yaml:2:34: request.access.values.R: \"rd\" is not an access level"),
        ("request:\n  subject.kind: {value: robot}", "\"robot\" is not an identity kind"),
        ("request:\n  duration: {value: 8 hours}", "\"8 hours\" is not a duration"),
        ("request:\n  system: {field: x, value: y}", "give field or value, not both"),
        ("request:\n  system: {}", "needs field: or value:"),
        ("request:\n  purpose: {field: description, unit: hours}", "unit: applies to duration only"),
        ("request:\n  system: {value: x, values: {a: b}}", "values: applies to a Jira field"),
        ("request:\n  system: x", "m.yaml:2:3: request.subject.kind: is required but missing"),
        ("request:\n  duration: 8h\n  end: End", "cannot be mapped together with duration"),
        ("write_back: {transitions: {aproved: Approved}}\nrequest: {}", "did you mean \"approved\"?"),
        ("write_back: {comments: sometimes}\nrequest: {}", "expected true or false"),
        ("", "is empty"),
        ("jira: {}", "request: is required but missing"),
    ])
    func errors(source: String, message: String) {
        do {
            _ = try JiraMapping.parse(source: source, file: "m.yaml")
            Issue.record("accepted: \(source)")
        } catch {
            #expect(error.description.contains(message), "\(error.description)")
        }
    }

    /// Every problem is reported at once, in file order.
    @Test func reportsEveryProblem() {
        let source = """
        jira: {deployment: cloudy}
        request:
          access: {value: superuser}
          sytem: x
        """
        do {
            _ = try JiraMapping.parse(source: source, file: "m.yaml")
            Issue.record("accepted")
        } catch {
            let lines = error.errors.map(\.description)
            #expect(lines.count >= 4, "\(lines)")
            #expect(lines.first?.hasPrefix("m.yaml:1:") == true)
            #expect(lines.contains { $0.contains("\"superuser\" is not an access level") })
            #expect(lines.contains { $0.contains("request.sytem") })
            #expect(lines.contains { $0.contains("request.entitlement: is required") })
        }
    }

    /// Values the mapping puts in requests must be ones the policy knows.
    @Test func checkedAgainstThePolicy() throws {
        let source = """
        request:
          subject.kind: {value: service_account}
          subject.name: customfield_1
          subject.owner: {value: mallory}
          system: {field: components, values: {DB: payments-dbb}}
          environment: {value: prod}
          entitlement: {value: read_replica}
          access: {value: read}
          purpose: description
          duration: {value: 8h}
        """
        let mapping = try JiraMapping.parse(source: source, file: "m.yaml")
        let problems = mapping.check(against: try TestPolicy.policy()).map(\.description)
        #expect(problems.count == 3, "\(problems)")
        #expect(problems.contains { $0.hasPrefix("m.yaml:4:18: request.subject.owner: \"mallory\" is not known") })
        #expect(problems.contains { $0.hasPrefix("m.yaml:5:11: request.system: \"payments-dbb\"") && $0.contains("known systems: payments-db, vault") })
        #expect(problems.contains { $0.contains("request.environment: \"prod\"") })
    }

    /// `jira:` identities in the directory: one account, one person.
    @Test func directoryJiraIdentities() throws {
        let policy = try TestPolicy.policy()
        #expect(policy.person(withJiraIdentity: "5cedcb4355a88a0fc86388ba") == "alice")
        #expect(policy.person(withJiraIdentity: "mbowler@GARGOYLESOFTWARE.com") == "carol")
        #expect(policy.person(withJiraIdentity: "nobody") == nil)
        let twice = TestPolicy.source.replacingOccurrences(of: "frank: {}", with: "frank: {jira: [admin]}")
        #expect(throws: SourceErrors.self) { try Policy.parse(source: twice, file: "p.yaml") }
        do { _ = try Policy.parse(source: twice, file: "p.yaml") } catch {
            #expect(error.description.contains("\"admin\" is already erin's Jira identity"), "\(error)")
        }
    }

    /// A service account's read replica, the requester and duration as given.
    static func serviceAccountMapping(requester: String, duration: String) -> String {
        """
        request:
          requester: \(requester)
          subject.kind: {value: service_account}
          subject.name: {value: svc-reporting}
          subject.owner: {value: alice}
          system: {value: payments-db}
          environment: {value: production}
          entitlement: {value: read_replica}
          access: {value: read}
          purpose: summary
          duration: \(duration)
        """
    }

    /// The requester taken from a field: a ticket filed by another person of
    /// the directory is refused (that reporter is recorded nowhere, so could
    /// approve it); one filed by the requester, or from an account signoff
    /// does not know, makes the request.
    @Test func aTicketFiledByOnePersonForAnotherIsRefused() throws {
        var mapper = try Mapper("jira: {deployment: cloud}\n" + Self.serviceAccountMapping(requester: "customfield_2", duration: "{value: 8h}"))
        func mapped(reporter: String) throws -> MappedTicket {
            try mapper.mapJSON(#"{"key": "OPS-1", "id": "10001", "fields": {"summary": "nightly ledger reconciliation", "reporter": \#(reporter), "customfield_2": {"accountId": "5cedcb4355a88a0fc86388ba"}}}"#)
        }
        let byBob = try mapped(reporter: #"{"accountId": "5c5f880629be9642ba529340"}"#)
        guard case let .refused(problems) = byBob.outcome else {
            Issue.record("a ticket bob filed for alice was mapped: \(byBob.outcome)")
            return
        }
        #expect(problems.map(\.field) == ["requester"] && problems.map(\.kind) == [.invalid], "\(problems)")
        #expect(problems.first?.message.contains("reporter is bob") == true, "\(problems)")
        for reporter in [#"{"accountId": "5cedcb4355a88a0fc86388ba"}"#, #"{"accountId": "557058:0000-service-desk"}"#, "null"] {
            let ticket = try mapped(reporter: reporter)
            #expect(ticket.request?.requester == "alice", "reporter \(reporter): \(ticket.outcome)")
        }
    }

    /// A number of hours Jira carries as text is checked before it becomes
    /// an integer: `inf`, `1e300` and their kin are refused with the field,
    /// not trapped on.
    @Test func aDurationNumberBeyondAnyIntegerIsRefused() throws {
        var mapper = try Mapper(Self.serviceAccountMapping(requester: "{value: alice}", duration: "{field: customfield_1, unit: hours}"))
        func mapped(_ hours: String) throws -> MappedTicket {
            try mapper.mapJSON(#"{"key": "OPS-1", "id": "10001", "fields": {"summary": "nightly ledger reconciliation", "customfield_1": "\#(hours)"}}"#)
        }
        for hours in ["inf", "infinity", "1e300", "9223372036854775807", "nan"] {
            let ticket = try mapped(hours)
            guard case let .refused(problems) = ticket.outcome else {
                Issue.record("\(hours) hours was mapped")
                continue
            }
            #expect(problems.map(\.field) == ["duration"], "\(problems)")
        }
        let eight = try mapped("8")
        #expect(eight.request?.duration == .hours(8), "\(eight.outcome)")
    }
}
