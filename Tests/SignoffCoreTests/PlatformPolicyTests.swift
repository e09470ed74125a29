import Foundation
import SignoffCore
import Testing

/// The catalogue's `platform:` sections and the `reconciliation:` section:
/// how each entitlement looks on its platform, validated with positions.
@Suite struct PlatformPolicyTests {
    static let base = """
    policy: platforms
    directory:
      people: {alice: {}, dave: {}}
    catalogue:
      k8s-prod:
        owners: [alice, dave]
        environments: [staging, production]
        entitlements: [namespace_viewer, namespace_editor, cluster_admin]
        max_duration: 14d
        platform:
          kubernetes: {production: prod-eu1, staging: staging-eu1}
          ignore: ["system:*"]
          entitlements:
            namespace_viewer: {cluster_role: view}
            namespace_editor: {cluster_role: edit}
            cluster_admin: {cluster_role: cluster-admin}
      payments-db:
        owners: [alice, dave]
        environments: [production]
        entitlements: [read_replica, superuser]
        max_duration: 30d
        platform:
          postgresql: {production: payments}
          entitlements:
            read_replica: {role: ledger_ro}
            superuser: {attribute: SUPERUSER}
      github-org:
        owners: [alice, dave]
        environments: [production]
        entitlements: [repo_read, repo_write]
        max_duration: 30d
        platform:
          github: {production: acme}
          entitlements:
            repo_read: {permission: repository/contents, access: read}
            repo_write: {permission: repository/contents, access: write}
    route:
      - name: all
        when: {environment: production}
        steps:
          - {approvers: owners, count: 1}

    """

    @Test func mappingsAreReadAndLookedUp() throws {
        let policy = try Policy.parse(source: Self.base, file: "policy.yaml")
        let target = try #require(policy.target(.kubernetes, instance: "prod-eu1"))
        #expect(target.system == "k8s-prod" && target.environment == "production")
        #expect(target.mapping.entitlement(type: "cluster_role", name: "edit") == "namespace_editor")
        #expect(target.mapping.entitlement(type: "role", name: "edit") == nil)
        #expect(target.mapping.ignores(ObservedSubject(kind: .unknown, name: "system:kube-scheduler")))
        #expect(!target.mapping.ignores(ObservedSubject(kind: .identity(.serviceAccount), name: "payments:ci")))
        // Never a group: system:masters' members hold whatever it is bound to.
        #expect(!target.mapping.ignores(ObservedSubject(kind: .group, name: "system:masters")))
        #expect(policy.target(.kubernetes, instance: "payments") == nil)
        #expect(policy.target(.postgresql, instance: "payments")?.mapping.entitlements["superuser"]?.name == "superuser")
        // One permission, two levels: the narrowest entitlement that holds what was seen, else the widest.
        let github = try #require(policy.platform(of: "github-org"))
        #expect(github.entitlement(type: "permission", name: "repository/contents", access: .read) == "repo_read")
        #expect(github.entitlement(type: "permission", name: "repository/contents", access: .write) == "repo_write")
        #expect(github.entitlement(type: "permission", name: "repository/contents", access: .admin) == "repo_write")
        #expect(policy.instances(of: .kubernetes) == ["staging-eu1 (k8s-prod staging)", "prod-eu1 (k8s-prod production)"])
        #expect(policy.reconciliation == .defaults)
        // The policy names no roles: that warning is the roles section's, not the catalogue's; "system:*"
        // reads as covering Kubernetes' built-in groups, which ignore never hides: policy check says so.
        let findings = policy.check().filter { $0.field != "roles" }
        #expect(findings.map(\.field) == ["catalogue.k8s-prod.platform.ignore"], "\(findings)")
    }

    struct Mistake: CustomTestStringConvertible, Sendable {
        var replace: String
        var with: String
        var line: Int
        var message: String
        var testDescription: String { message }
    }

    static let mistakes: [Mistake] = [
        Mistake(replace: "kubernetes: {production: prod-eu1, staging: staging-eu1}", with: "kubernetes: {production: prod-eu1, qa: qa-eu1}",
                line: 11, message: "unknown field"),
        Mistake(replace: "kubernetes: {production: prod-eu1, staging: staging-eu1}", with: "k8s: {production: prod-eu1}",
                line: 11, message: "unknown field"),
        Mistake(replace: "      ignore: [\"system:*\"]\n", with: "      aws: {production: \"1\"}\n", line: 11, message: "names 2 platforms"),
        Mistake(replace: "kubernetes: {production: prod-eu1, staging: staging-eu1}", with: "kubernetes: {production: prod-eu1, staging: prod-eu1}",
                line: 11, message: "cluster prod-eu1 is also k8s-prod's production environment"),
        Mistake(replace: "namespace_viewer: {cluster_role: view}", with: "namespace_owner: {cluster_role: view}",
                line: 14, message: "unknown field"),
        Mistake(replace: "namespace_viewer: {cluster_role: view}", with: "namespace_viewer: {policy: view}",
                line: 14, message: "unknown field"),
        Mistake(replace: "namespace_viewer: {cluster_role: view}", with: "namespace_viewer: {cluster_role: edit}",
                line: 15, message: "cluster_role edit is already namespace_viewer"),
        Mistake(replace: "superuser: {attribute: SUPERUSER}", with: "superuser: {attribute: god}",
                line: 26, message: "\"god\" is not a role attribute"),
        Mistake(replace: "repo_read: {permission: repository/contents, access: read}", with: "repo_read: {permission: contents}",
                line: 35, message: "\"contents\" is not a token permission"),
        Mistake(replace: "repo_read: {permission: repository/contents, access: read}", with: "repo_read: {permission: repository/contents, access: most}",
                line: 35, message: "\"most\" is not an access level"),
        Mistake(replace: "github: {production: acme}\n      entitlements:\n        repo_read: {permission: repository/contents, access: read}\n        repo_write: {permission: repository/contents, access: write}",
                with: "kubernetes: {production: prod-eu1}", line: 33, message: "kubernetes cluster prod-eu1 is already k8s-prod production"),
    ]

    @Test(arguments: mistakes)
    func mistakesAreRefusedWithTheirPosition(_ mistake: Mistake) throws {
        #expect(Self.base.contains(mistake.replace))
        let source = Self.base.replacingOccurrences(of: mistake.replace, with: mistake.with)
        do {
            _ = try Policy.parse(source: source, file: "policy.yaml")
            Issue.record("accepted: \(mistake.with)")
        } catch {
            let found = try #require(error.errors.first)
            #expect(found.message.contains(mistake.message), "\(error)")
            #expect(found.position?.line == mistake.line, "\(error)")
        }
    }

    @Test func theReconciliationSectionSetsItsLimits() throws {
        let policy = try Policy.parse(source: Self.base + """
            reconciliation:
              removal_grace: 2h
              credentials: {max_age: 30d, max_unused: 2w}
              exceptions: {max_duration: 14d}

            """, file: "policy.yaml")
        #expect(policy.reconciliation == ReconciliationPolicy(removalGrace: .hours(2), maxCredentialAge: .days(30),
                                                             maxCredentialUnused: .days(14), maxExceptionDuration: .days(14)))
        do {
            _ = try Policy.parse(source: Self.base + "reconciliation:\n  removal_grace: soon\n  credential: {}\n", file: "policy.yaml")
            Issue.record("accepted a bad reconciliation section")
        } catch {
            #expect(error.errors.map(\.description) == ["policy.yaml:44:3: reconciliation.credential: unknown field (did you mean \"credentials\"? valid fields: removal_grace, credentials, exceptions)"])
        }
    }

    @Test func policyCheckSaysWhatReconciliationCannotSee() throws {
        let source = Self.base
            .replacingOccurrences(of: "cluster_admin: {cluster_role: cluster-admin}", with: "")
            .replacingOccurrences(of: "kubernetes: {production: prod-eu1, staging: staging-eu1}", with: "kubernetes: {production: prod-eu1}")
        let findings = try Policy.parse(source: source, file: "policy.yaml").check().filter { $0.field != "roles" }
        #expect(findings.map(\.description) == [
            "11:7: warning: catalogue.k8s-prod.platform.entitlements: k8s-prod maps no kubernetes grant to cluster_admin: reconciliation can neither confirm nor miss those grants, and sees their access as unapproved",
            "11:7: warning: catalogue.k8s-prod.platform.ignore: ignore pattern \"system:*\" also matches Kubernetes' built-in groups (system:authenticated, system:unauthenticated, system:masters, system:serviceaccounts, system:nodes, system:bootstrappers): ignore applies to users and service accounts only, so bindings to groups are always compared (a role bound to system:authenticated is given to everyone)",
            "11:7: warning: catalogue.k8s-prod.platform: k8s-prod names no cluster for staging: grants there are never reconciled",
        ])
    }

    @Test func theExamplePolicyMapsEveryEntitlement() throws {
        let policy = try Policy.parse(source: String(contentsOf: Fixture.examplePath, encoding: .utf8), file: "examples/policy.yaml")
        for kind in PlatformKind.allCases { #expect(!policy.instances(of: kind).isEmpty, "\(kind)") }
        #expect(policy.target(.aws, instance: "123456789012")?.system == "aws-payments")
        #expect(policy.target(.postgresql, instance: "payments")?.mapping.entitlement(type: "role", name: "readonly_ledger") == "read_replica")
    }
}
