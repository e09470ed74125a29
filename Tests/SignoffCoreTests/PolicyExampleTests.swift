import Foundation
import Testing
@testable import SignoffCore

struct ExampleCase: Sendable, CustomTestStringConvertible {
    var label: String
    var request: AccessRequest
    var submittedBy: String = "alice"
    var outcome: String
    var testDescription: String { label }
}

/// The shipped example policy parses, checks clean and routes realistic requests.
@Suite("Example policy")
struct PolicyExampleTests {
    static func example() throws -> Policy {
        let source = try String(contentsOf: Fixture.examplePath, encoding: .utf8)
        return try Policy.parse(source: source, file: "examples/policy.yaml")
    }

    static func request(_ system: String, _ environment: String, _ entitlement: String, _ access: AccessLevel,
                        kind: IdentityKind = .serviceAccount, name: String = "svc-reconcile", owner: String = "victor",
                        requester: String = "henry", duration: TimeSpan = .days(1),
                        _ edit: (inout AccessRequest) -> Void = { _ in }) -> AccessRequest {
        var request = AccessRequest(requester: requester, subject: Subject(kind: kind, name: name, owner: owner),
                                    system: system, environment: environment, entitlement: entitlement, access: access,
                                    purpose: "monthly reconciliation", duration: duration,
                                    revocationTriggers: [RevocationTrigger(name: "ticket_closed", ref: "OPS-1")], ticket: "OPS-1")
        edit(&request)
        return request
    }

    static let cases: [ExampleCase] = [
        ExampleCase(label: "staging read is automatic", request: request("payments-db", "staging", "read_replica", .read),
                    outcome: "approved automatically by rule staging-read"),
        ExampleCase(label: "payments superuser needs two owners and security",
                    request: request("payments-db", "production", "superuser", .admin),
                    outcome: "rule payments-db-superuser: 2 of owners of payments-db, then 1 of group security, not the subject's owner"),
        ExampleCase(label: "AI agent admin in production is denied",
                    request: request("k8s-prod", "production", "cluster_admin", .admin, kind: .aiAgent, name: "deploy-bot", duration: .hours(2)),
                    outcome: "denied by policy: no-ai-admin-in-prod (AI agents never get admin in production)"),
        ExampleCase(label: "break glass longer than 4h is denied, with every reason",
                    request: request("k8s-prod", "production", "cluster_admin", .admin, kind: .human, name: "bob", owner: "bob",
                                     requester: "bob", duration: .hours(6)) { $0.breakGlass = true; $0.incident = "INC-9" },
                    outcome: "denied by policy: break-glass-max-duration (break-glass access lasts at most 4h; 6h was requested)"),
        ExampleCase(label: "break glass goes to the on-call engineer",
                    request: request("k8s-prod", "production", "cluster_admin", .admin, kind: .human, name: "bob", owner: "bob",
                                     requester: "bob", duration: .hours(2)) { $0.breakGlass = true; $0.incident = "INC-9"; $0.ticket = nil },
                    outcome: "rule break-glass: 1 of on call for sre-oncall"),
        ExampleCase(label: "production write without a ticket is denied",
                    request: request("billing-api", "production", "api_write", .write) { $0.ticket = nil },
                    outcome: "denied by policy: prod-write-needs-ticket (production write or admin access needs a ticket)"),
        ExampleCase(label: "payments team's own service",
                    request: request("billing-api", "production", "api_write", .write),
                    outcome: "rule payments-team-own-services: 1 of owners of billing-api"),
        ExampleCase(label: "warehouse PII scope by pattern",
                    request: request("data-warehouse", "production", "analyst", .read) { $0.scope = "pii.customers" },
                    outcome: "rule warehouse-pii: 1 of owners of data-warehouse, then 1 of group security"),
        ExampleCase(label: "contractor in production", request: request("github-org", "production", "repo_read", .read) { $0.labels = ["employment": "contractor"] },
                    outcome: "denied by policy: no-contractor-prod (contractors work in staging only)"),
        ExampleCase(label: "api key for too long: built-in and rule",
                    request: request("github-org", "staging", "repo_read", .read, kind: .apiKey, duration: .days(200)),
                    outcome: "denied by policy: max-duration (requested 200d is over the 180d limit for github-org); no-long-lived-api-keys (API keys are rotated at least monthly)"),
        ExampleCase(label: "ordinary production read", request: request("vault", "production", "secret_read", .read),
                    outcome: "rule vault-production: 2 of group security-reviewers, not the subject's owner"),
    ]

    @Test(arguments: cases)
    func routes(_ test: ExampleCase) throws {
        let policy = try Self.example()
        #expect(policy.route(test.request, submittedBy: test.submittedBy, at: Fixture.now).summary == test.outcome)
    }

    @Test func parsesAndChecksClean() throws {
        let policy = try Self.example()
        #expect(policy.name == "acme-prod-access")
        #expect(policy.people.count >= 15)
        #expect(policy.systems.count >= 6)
        #expect(policy.denyRules.count + policy.routeRules.count >= 23)
        #expect(policy.check().isEmpty, "\(policy.check())")
        #expect(policy.isIntakeAgent("jira-importer"))
    }
}
