import Foundation
import SignoffCore
import Testing
@testable import SignoffReconcile

/// `Reconciliation.compare` over the fixtures, one table per kind of finding,
/// with the clock injected (grace periods, rotation and disuse limits).
@Suite struct ComparisonTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var grants: [Grant]
        var now: Date = Fixtures.now
        /// `kind subject entitlement-or-native request`, for the kind under test.
        var expected: [String]
        var testDescription: String { name }
    }

    static func findings(_ run: ExportRun, _ grants: [Grant], now: Date, kind: FindingKind) -> [String] {
        Reconciliation.compare(grants: grants, observed: run.observed, policy: Fixtures.policy, at: now).findings
            .filter { $0.kind == kind }
            .map { "\($0.kind.rawValue) \($0.subject.name) \($0.entitlement ?? $0.native?.name ?? $0.credentialID ?? "-") \($0.requestID ?? "-")" }
    }

    static let postgres = try! Fixtures.read(.postgresql, ["postgresql/pg15-grants-export.json"])
    /// When the PostgreSQL export was made.
    static let exported = Fixtures.date("2026-12-01T18:35:10Z")

    // MARK: 1. Access with no live approved grant

    static let unapprovedCases: [Case] = [
        Case(name: "nothing approved: every login role's access", grants: [], expected: [
            "unapproved alice read_replica -", "unapproved breakglass_admin superuser -", "unapproved dave createrole -",
            "unapproved old_contractor SELECT -", "unapproved svc_ledger_etl read_replica -",
            "unapproved svc_migrator DELETE -", "unapproved svc_migrator USAGE -", "unapproved svc_migrator schema_migrate -",
        ]),
        Case(name: "approved read replicas are not findings", grants: [
            grant("REQ-1", system: "payments-db", subject: "svc_ledger_etl", entitlement: "read_replica"),
            grant("REQ-2", system: "payments-db", subject: "alice", kind: .human, entitlement: "read_replica"),
        ], expected: [
            "unapproved breakglass_admin superuser -", "unapproved dave createrole -", "unapproved old_contractor SELECT -",
            "unapproved svc_migrator DELETE -", "unapproved svc_migrator USAGE -", "unapproved svc_migrator schema_migrate -",
        ]),
        Case(name: "a grant in another environment approves nothing here", grants: [
            grant("REQ-3", system: "payments-db", environment: "staging", subject: "svc_ledger_etl", entitlement: "read_replica"),
        ], expected: [
            "unapproved alice read_replica -", "unapproved breakglass_admin superuser -", "unapproved dave createrole -",
            "unapproved old_contractor SELECT -", "unapproved svc_ledger_etl read_replica -",
            "unapproved svc_migrator DELETE -", "unapproved svc_migrator USAGE -", "unapproved svc_migrator schema_migrate -",
        ]),
        // A decision made after the export cannot have approved what it showed.
        Case(name: "approved after the export: what it showed was approved by nothing", grants: [
            grant("REQ-1", system: "payments-db", subject: "svc_ledger_etl", entitlement: "read_replica", approvedAt: exported.addingTimeInterval(60)),
            grant("REQ-2", system: "payments-db", subject: "alice", kind: .human, entitlement: "read_replica"),
        ], expected: [
            "unapproved breakglass_admin superuser -", "unapproved dave createrole -", "unapproved old_contractor SELECT -",
            "unapproved svc_ledger_etl read_replica -",
            "unapproved svc_migrator DELETE -", "unapproved svc_migrator USAGE -", "unapproved svc_migrator schema_migrate -",
        ]),
    ]

    @Test(arguments: unapprovedCases)
    func unapproved(_ test: Case) {
        #expect(Self.findings(Self.postgres, test.grants, now: test.now, kind: .unapproved) == test.expected)
    }

    @Test func accessSeenBeforeItsGrantSaysSo() {
        let later = grant("REQ-1", system: "payments-db", subject: "svc_ledger_etl", entitlement: "read_replica",
                          approvedAt: Self.exported.addingTimeInterval(60))
        let result = Reconciliation.compare(grants: [later], observed: Self.postgres.observed, policy: Fixtures.policy, at: Fixtures.now)
        let finding = result.findings.first { $0.subject.name == "svc_ledger_etl" }
        #expect(finding?.kind == .unapproved)
        #expect(finding?.summary.contains("when the platform was read (2026-12-01T18:35:10.000Z), before any grant approved it: REQ-1 was approved later, at 2026-12-01T18:36:10.000Z") == true, "\(finding?.summary ?? "")")
        // Nor is the grant in the export's sight: it neither shows nor misses it.
        #expect(result.sightings.isEmpty)
        #expect(result.matched == 0)
    }

    // MARK: 2. A live grant provisioning confirmed, whose access is not there

    static let notProvisionedCases: [Case] = [
        Case(name: "confirmed but absent", grants: [grant("REQ-4", system: "payments-db", subject: "svc_reporting", entitlement: "read_replica")],
             expected: ["not_provisioned svc_reporting read_replica REQ-4"]),
        Case(name: "not yet confirmed: no finding", grants: [
            grant("REQ-4", system: "payments-db", subject: "svc_reporting", entitlement: "read_replica", provisioning: .handedOff),
        ], expected: []),
        Case(name: "ended: nothing to provision", grants: [
            grant("REQ-4", system: "payments-db", subject: "svc_reporting", entitlement: "read_replica", state: .revoked,
                  endedAt: Fixtures.date("2026-11-20T00:00:00Z")),
        ], expected: []),
        Case(name: "another environment is not in the export", grants: [
            grant("REQ-4", system: "payments-db", environment: "staging", subject: "svc_reporting", entitlement: "read_replica"),
        ], expected: []),
        Case(name: "present", grants: [grant("REQ-1", system: "payments-db", subject: "svc_ledger_etl", entitlement: "read_replica")],
             expected: []),
        Case(name: "approved after the export: the export cannot show it", grants: [
            grant("REQ-4", system: "payments-db", subject: "svc_reporting", entitlement: "read_replica", approvedAt: exported.addingTimeInterval(60)),
        ], expected: []),
    ]

    @Test(arguments: notProvisionedCases)
    func notProvisioned(_ test: Case) {
        #expect(Self.findings(Self.postgres, test.grants, now: test.now, kind: .notProvisioned) == test.expected)
    }

    @Test func partialDataIsNeverTakenAsRemoval() throws {
        // pg_roles and table grants only: memberships are not in the run, so a role grant is neither seen nor missed.
        let run = try Fixtures.read(.postgresql, ["postgresql/pg15-pg_roles.csv", "postgresql/pg15-role_table_grants.csv"], instance: "payments")
        let grants = [
            grant("REQ-4", system: "payments-db", subject: "svc_reporting", entitlement: "read_replica"),
            grant("REQ-5", system: "payments-db", subject: "breakglass_admin", entitlement: "superuser", access: .admin),
            grant("REQ-6", system: "payments-db", subject: "svc_gone", entitlement: "superuser", access: .admin, state: .revoked,
                  endedAt: Fixtures.date("2026-11-01T00:00:00Z")),
        ]
        let result = Reconciliation.compare(grants: grants, observed: run.observed, policy: Fixtures.policy, at: Fixtures.now)
        #expect(result.findings.filter { $0.kind == .notProvisioned }.isEmpty)
        #expect(result.sightings == [GrantSighting(requestID: "REQ-5", present: true, live: true), GrantSighting(requestID: "REQ-6", present: false, live: false)])
        // Kubernetes: an export of one namespace says nothing about grants in others, nor about cluster-wide ones.
        let k8s = try Fixtures.read(.kubernetes, ["kubernetes/rbac-tool-multiple-role-bindings.yaml"], instance: "prod-eu1", namespaces: ["policyrules"])
        let k8sGrants = [
            grant("REQ-7", system: "k8s-prod", subject: "payments:ci", entitlement: "namespace_viewer", scope: "namespace:payments"),
            grant("REQ-8", system: "k8s-prod", subject: "payments:ci", entitlement: "cluster_admin", access: .admin),
            grant("REQ-9", system: "k8s-prod", subject: "policyrules:ci", entitlement: "namespace_viewer", scope: "policyrules"),
        ]
        let k8sResult = Reconciliation.compare(grants: k8sGrants, observed: k8s.observed, policy: Fixtures.policy, at: Fixtures.now)
        #expect(k8sResult.sightings == [GrantSighting(requestID: "REQ-9", present: false, live: true)])
        #expect(k8sResult.findings.filter { $0.kind == .notProvisioned }.map(\.requestID) == ["REQ-9"])
    }

    // MARK: 3. Ended, and still there past the grace period

    static let notRemovedCases: [Case] = [
        Case(name: "revoked an hour before the export: within the 24h grace", grants: [
            grant("REQ-5", system: "payments-db", subject: "breakglass_admin", entitlement: "superuser", access: .admin, state: .revoked,
                  endedAt: exported.addingTimeInterval(-3600)),
        ], expected: []),
        Case(name: "revoked two days before the export", grants: [
            grant("REQ-5", system: "payments-db", subject: "breakglass_admin", entitlement: "superuser", access: .admin, state: .revoked,
                  endedAt: exported.addingTimeInterval(-2 * 86_400)),
        ], expected: ["not_removed breakglass_admin superuser REQ-5"]),
        Case(name: "the grace is measured to the export, not to now", grants: [
            grant("REQ-5", system: "payments-db", subject: "breakglass_admin", entitlement: "superuser", access: .admin, state: .expired,
                  endedAt: exported.addingTimeInterval(-3600)),
        ], now: exported.addingTimeInterval(30 * 86_400), expected: []),
        // The sweep has not ended it yet: past its expiry, its access is not what it approved.
        Case(name: "active, but expired two days before the export", grants: [
            grant("REQ-5", system: "payments-db", subject: "breakglass_admin", entitlement: "superuser", access: .admin,
                  expiresAt: exported.addingTimeInterval(-2 * 86_400)),
        ], expected: ["not_removed breakglass_admin superuser REQ-5"]),
        Case(name: "active, and expired an hour before the export: within the grace", grants: [
            grant("REQ-5", system: "payments-db", subject: "breakglass_admin", entitlement: "superuser", access: .admin,
                  expiresAt: exported.addingTimeInterval(-3600)),
        ], expected: []),
        Case(name: "expired long ago, and a live grant approves it again", grants: [
            grant("REQ-5", system: "payments-db", subject: "breakglass_admin", entitlement: "superuser", access: .admin, state: .expired,
                  endedAt: Fixtures.date("2026-10-01T00:00:00Z")),
            grant("REQ-6", system: "payments-db", subject: "breakglass_admin", entitlement: "superuser", access: .admin),
        ], expected: []),
    ]

    @Test(arguments: notRemovedCases)
    func notRemoved(_ test: Case) {
        #expect(Self.findings(Self.postgres, test.grants, now: test.now, kind: .notRemoved) == test.expected)
        #expect(Self.findings(Self.postgres, test.grants, now: test.now, kind: .unapproved).allSatisfy { !$0.contains("breakglass_admin") })
    }

    @Test func accessWithinTheGraceIsCountedAsAwaitingRemoval() {
        let grants = [grant("REQ-5", system: "payments-db", subject: "breakglass_admin", entitlement: "superuser", access: .admin,
                            state: .revoked, endedAt: Self.exported.addingTimeInterval(-3600))]
        let result = Reconciliation.compare(grants: grants, observed: Self.postgres.observed, policy: Fixtures.policy, at: Fixtures.now)
        #expect(result.awaitingRemoval == 1)
        #expect(result.sightings.first { $0.requestID == "REQ-5" }?.present == true)
    }

    // MARK: 4. More than approved

    static let k8sJSON = """
        {"apiVersion": "v1", "kind": "List", "items": [
          {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "ci-edit"},
           "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
           "subjects": [{"kind": "ServiceAccount", "name": "ci", "namespace": "payments"}]},
          {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "ci-view", "namespace": "billing"},
           "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
           "subjects": [{"kind": "ServiceAccount", "name": "ci", "namespace": "payments"}]}
        ]}
        """

    @Test func widerThanApproved() throws {
        // Admin where read was approved: the impersonator role allows impersonation.
        let impersonator = try Fixtures.read(.kubernetes, ["kubernetes/rbac-tool-rolebinding-to-clusterrole-impersonator.yaml"],
                                             instance: "prod-eu1", allNamespaces: true)
        let asRead = [grant("REQ-10", system: "k8s-prod", subject: "test-impersonator-user", kind: .human, owner: "test-impersonator-user",
                            entitlement: "impersonation", scope: "namespace:test")]
        let wider = Reconciliation.compare(grants: asRead, observed: impersonator.observed, policy: Fixtures.policy, at: Fixtures.now)
            .findings.filter { $0.kind == .wider }
        #expect(wider.map(\.summary) == ["test-impersonator-user holds impersonation (admin) as RoleBinding test/impersonator → ClusterRole impersonator-role: admin where read was approved (REQ-10)"])
        #expect(wider.first?.requestID == "REQ-10")
        let asAdmin = [grant("REQ-10", system: "k8s-prod", subject: "test-impersonator-user", kind: .human, owner: "test-impersonator-user",
                             entitlement: "impersonation", scope: "test", access: .admin)]
        #expect(Self.findings(impersonator, asAdmin, now: Fixtures.now, kind: .wider).isEmpty)

        // Cluster-wide where a namespace was approved; another namespace beyond any grant.
        let run = try ExportReader.read(.kubernetes, files: [try Fixtures.export("ci.json", Self.k8sJSON)],
                                        options: ReadOptions(instance: "prod-eu1", allNamespaces: true, now: Fixtures.now), policy: Fixtures.policy)
        let ci = "payments:ci"
        let grants = [grant("REQ-11", system: "k8s-prod", subject: ci, entitlement: "namespace_editor", scope: "namespace:payments", access: .write)]
        let found = Reconciliation.compare(grants: grants, observed: run.observed, policy: Fixtures.policy, at: Fixtures.now).findings
        #expect(found.map(\.summary).sorted() == [
            "\(ci) holds namespace_editor (write) as ClusterRoleBinding ci-edit → ClusterRole edit: everywhere on the instance where namespace:payments was approved (REQ-11)",
            "\(ci) holds namespace_viewer (read) as RoleBinding billing/ci-view → ClusterRole view in namespace:billing, beyond what was approved (REQ-11 namespace_editor)",
        ])
        #expect(found.allSatisfy { $0.kind == .wider })

        // AWS: the approved policy, whose document allows iam:PassRole on * (administration, more than the
        // write it is mapped and approved as), and an inline s3:* on * besides.
        let aws = try Fixtures.read(.aws, ["aws/account-authorization-details.json"])
        let deploy = [grant("REQ-12", system: "aws-payments", subject: "ci-deployer", owner: "bob", entitlement: "deploy", access: .write)]
        #expect(Self.findings(aws, deploy, now: Fixtures.now, kind: .wider) == ["wider ci-deployer deploy REQ-12", "wider ci-deployer inline-wildcard-s3 REQ-12"])
        let adminDeploy = [grant("REQ-12", system: "aws-payments", subject: "ci-deployer", owner: "bob", entitlement: "deploy", access: .admin)]
        #expect(Self.findings(aws, adminDeploy, now: Fixtures.now, kind: .wider) == ["wider ci-deployer inline-wildcard-s3 REQ-12"])
        #expect(Self.findings(aws, deploy, now: Fixtures.now, kind: .unapproved).allSatisfy { !$0.contains("ci-deployer") })
        // PostgreSQL: CREATE on the schema is administration, where write was approved.
        let migrate = [grant("REQ-13", system: "payments-db", subject: "svc_migrator", entitlement: "schema_migrate", scope: "schema:ledger",
                             access: .write)]
        #expect(Self.findings(Self.postgres, migrate, now: Fixtures.now, kind: .wider) == [
            "wider svc_migrator DELETE REQ-13", "wider svc_migrator USAGE REQ-13", "wider svc_migrator schema_migrate REQ-13",
        ])
    }

    // MARK: 5. Nobody answers for it

    @Test func orphanedIdentities() throws {
        let aws = try Fixtures.read(.aws, ["aws/account-authorization-details.json"])
        func orphans(_ grants: [Grant]) -> [String] {
            Reconciliation.compare(grants: grants, observed: aws.observed, policy: Fixtures.policy, at: Fixtures.now).findings
                .filter { $0.kind == .orphaned }.map { "\($0.subject.name): \($0.summary)" }
        }
        #expect(orphans([]) == [
            "breakglass-admin: identity breakglass-admin has access and no owner: no grant and nothing on the platform names one",
            "gha-payments-deploy: identity gha-payments-deploy has access and no owner: no grant and nothing on the platform names one",
            "old-contractor: old-contractor is a person with access who is not in the directory: they may have left",
        ])
        // A grant names the owner; one who has left is no owner.
        let owned = orphans([
            grant("REQ-14", system: "aws-payments", subject: "gha-payments-deploy", kind: .workloadIdentity, owner: "carol", entitlement: "deploy"),
            grant("REQ-15", system: "aws-payments", subject: "breakglass-admin", kind: .workloadIdentity, owner: "zed", entitlement: "admin"),
        ])
        #expect(owned == [
            "breakglass-admin: breakglass-admin is owned by zed (REQ-15), who is not in the directory: they may have left",
            "old-contractor: old-contractor is a person with access who is not in the directory: they may have left",
        ])
        // A binding to a service account that does not exist is access waiting for whoever creates it.
        let fixture = try String(contentsOf: Fixtures.directory.appendingPathComponent("kubernetes/rbac-tool-rolebindings-missing-service-account.yaml"), encoding: .utf8)
        let k8s = try ExportReader.read(.kubernetes, files: [try Fixtures.export("k.yaml", fixture + "\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: other, namespace: mynamespace}\n")],
                                        options: ReadOptions(instance: "prod-eu1", allNamespaces: true, now: Fixtures.now), policy: Fixtures.policy)
        let missing = Reconciliation.compare(grants: [], observed: k8s.observed, policy: Fixtures.policy, at: Fixtures.now).findings
            .filter { $0.kind == .orphaned }
        #expect(missing.map(\.summary) == ["access is bound to service account mynamespace:example-user, which does not exist: whoever creates it gets the access"])
        #expect(missing.first?.evidence.count == 2)
    }

    // MARK: 6. Old or idle credentials

    static let credentialCases: [Case] = [
        Case(name: "18 days after the report: nothing is stale", grants: [], now: Fixtures.date("2026-12-20T00:00:00Z"), expected: []),
        Case(name: "50 days: keys never used are stale, passwords of unknown use are not", grants: [],
             now: Fixtures.date("2027-01-20T00:00:00Z"), expected: [
                 "stale_credential ci-deployer access key AKIARZPUZDIKJWB4VULR -",
                 "stale_credential old-contractor access key AKIARZPUZDIKEWHUIJD3 -",
                 "stale_credential svc-ledger-etl access key AKIARZPUZDIKPL7TI3TB -",
             ]),
        Case(name: "104 days: past the 90-day rotation too", grants: [], now: Fixtures.date("2027-03-15T00:00:00Z"), expected: [
            "stale_credential alice password -", "stale_credential ci-deployer access key AKIARZPUZDIKJWB4VULR -",
            "stale_credential dave password -", "stale_credential erin password -",
            "stale_credential old-contractor access key AKIARZPUZDIKEWHUIJD3 -",
            "stale_credential svc-ledger-etl access key AKIARZPUZDIKPL7TI3TB -",
        ]),
    ]

    @Test(arguments: credentialCases)
    func staleCredentials(_ test: Case) throws {
        let run = try Fixtures.read(.aws, ["aws/account-authorization-details.json", "aws/credential-report.csv", "aws/list-access-keys.json"],
                                    now: test.now)
        #expect(Self.findings(run, test.grants, now: test.now, kind: .staleCredential) == test.expected)
    }

    @Test func staleCredentialSaysWhy() throws {
        let now = Fixtures.date("2027-03-15T00:00:00Z")
        let run = try Fixtures.read(.aws, ["aws/credential-report.csv"], now: now)
        let finding = try #require(Reconciliation.compare(grants: [], observed: run.observed, policy: Fixtures.policy, at: now).findings
            .first { $0.subject.name == "ci-deployer" })
        #expect(finding.summary == "access_key_1 of ci-deployer: last rotated 2026-12-01T18:38:00.000Z, 103d5h before it was seen (the policy rotates within 90d); never used in the 103d5h since 2026-12-01T18:38:00.000Z (the policy allows 45d unused)")
        let github = try Fixtures.read(.github, ["github/go-github-org-fine-grained-pats.json"], instance: "acme")
        let token = Reconciliation.compare(grants: [], observed: github.observed, policy: Fixtures.policy, at: Fixtures.now).findings
            .filter { $0.kind == .staleCredential }
        #expect(token.map(\.credentialID) == ["token 25381"])
        #expect(token.first?.subject.owner == "octocat")
    }

    // MARK: Identity

    /// Access that grows is another finding: the one an exception covers
    /// (read) is not the one the widened role shows (admin).
    @Test func accessThatGrowsIsAnotherFinding() throws {
        func finding(_ access: String) throws -> Finding {
            let line = #"{"system": "billing-api", "environment": "production", "subject_kind": "service_account", "subject_name": "svc-refunds", "subject_owner": "bob", "entitlement": "api_write", "access": "\#(access)", "source_id": "key-1", "observed_at": "2026-12-01T10:00:00Z"}"#
            let run = try ExportReader.read(.generic, files: [try Fixtures.export("o.jsonl", line)],
                                            options: ReadOptions(covers: ["billing-api/production"], now: Fixtures.now), policy: Fixtures.policy)
            let found = Reconciliation.compare(grants: [], observed: run.observed, policy: Fixtures.policy, at: Fixtures.now).findings
            return try #require(found.first { $0.kind == .unapproved }, "\(found)")
        }
        let read = try finding("read"), admin = try finding("admin")
        #expect(read.id != admin.id)
        #expect(read.id == (try finding("read")).id)
    }

    @Test func findingsKeepTheirIdentityFromRunToRun() throws {
        let first = Reconciliation.compare(grants: [], observed: Self.postgres.observed, policy: Fixtures.policy, at: Fixtures.now)
        let later = try Fixtures.read(.postgresql, ["postgresql/pg15-grants-export.json"], now: Fixtures.now.addingTimeInterval(86_400))
        let second = Reconciliation.compare(grants: [], observed: later.observed, policy: Fixtures.policy,
                                            at: Fixtures.now.addingTimeInterval(86_400))
        #expect(first.findings.map(\.id) == second.findings.map(\.id))
        #expect(Set(first.findings.map(\.id)).count == first.findings.count)
        #expect(first.findings.allSatisfy { Finding.isID($0.id) })
        // Three privileges on one table are one finding with three records behind it.
        let table = try #require(first.findings.first { $0.subject.name == "svc_migrator" && $0.native?.type == "table_privilege" })
        #expect(table.evidence.map(\.text) == ["DELETE on table ledger.entries", "INSERT on table ledger.entries", "UPDATE on table ledger.entries"])
    }
}
