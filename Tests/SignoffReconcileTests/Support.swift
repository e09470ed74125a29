import Foundation
import SignoffCore
@testable import SignoffReconcile

/// The identity fixtures (Tests/Fixtures/identity, see SOURCES.md there) and a
/// policy whose catalogue maps each of them to a system.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/identity")

    static func file(_ path: String) throws -> ExportFile {
        try ExportFile(path: directory.appendingPathComponent(path).path, name: path)
    }

    static func bytes(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(path)))
    }

    /// An export made of `text`, named `name`.
    static func export(_ name: String, _ text: String) throws -> ExportFile {
        try ExportFile(name: name, bytes: Array(text.utf8))
    }

    /// A moment after every fixture was made (the AWS ones are dated 2026-12-01).
    static let now = date("2026-12-02T09:00:00Z")

    static func date(_ text: String) -> Date {
        ExportTime.parse(text)!
    }

    static let policySource = """
    policy: reconcile-test
    directory:
      people:
        alice: {manager: carol}
        bob: {manager: carol}
        carol: {}
        dave: {manager: carol}
        erin: {manager: dave}
        uma: {manager: carol}
      groups:
        platform: [alice, uma]
        dba: [dave, erin]
    catalogue:
      aws-payments:
        owners: [carol]
        environments: [staging, production]
        entitlements: [ledger_read, deploy, read_only, rds_admin, admin]
        max_duration: 90d
        platform:
          aws: {production: "123456789012", staging: "200611803367"}
          entitlements:
            ledger_read: {policy: "arn:aws:iam::*:policy/ledger-read-replica", access: read}
            deploy: {policy: "arn:aws:iam::*:policy/payments-deploy", access: write}
            read_only: {policy: ReadOnlyAccess, access: read}
            rds_admin: {group: dba, access: admin}
            admin: {policy: "arn:aws:iam::aws:policy/AdministratorAccess", access: admin}
      k8s-prod:
        owners: [group:platform]
        environments: [staging, production]
        entitlements: [namespace_viewer, namespace_editor, cluster_admin, secret_reader, impersonation]
        max_duration: 14d
        platform:
          kubernetes: {production: prod-eu1, staging: staging-eu1}
          ignore: ["system:*", "kube-system:*"]
          entitlements:
            namespace_viewer: {cluster_role: view}
            namespace_editor: {cluster_role: edit}
            cluster_admin: {cluster_role: cluster-admin}
            secret_reader: {role: some-rules}
            impersonation: {cluster_role: impersonator-role}
      payments-db:
        owners: [dave, group:dba]
        environments: [staging, production]
        entitlements: [read_replica, schema_migrate, superuser]
        max_duration: 30d
        platform:
          postgresql: {production: payments, staging: payments_staging}
          ignore: [postgres]
          entitlements:
            read_replica: {role: readonly_ledger}
            schema_migrate: {schema_privilege: CREATE}
            superuser: {attribute: superuser}
      github-org:
        owners: [uma, alice]
        environments: [production]
        entitlements: [repo_read, org_members]
        max_duration: 180d
        platform:
          github: {production: acme}
          entitlements:
            repo_read: {permission: repository/contents}
            org_members: {permission: organization/members}
      billing-api:
        owners: [bob]
        environments: [staging, production]
        entitlements: [api_read, api_write]
        max_duration: 30d
    reconciliation:
      removal_grace: 24h
      credentials: {max_age: 90d, max_unused: 45d}
    route:
      - name: anything
        when: {environment: staging}
        steps:
          - {approvers: owners, count: 1}

    """

    static let policy: Policy = try! Policy.parse(source: policySource, file: "policy.yaml")

    static func read(_ source: ReconcileSource, _ paths: [String], instance: String? = nil, allNamespaces: Bool = false,
                     namespaces: [String] = [], covers: [String] = [], now: Date = Fixtures.now,
                     policy: Policy = Fixtures.policy) throws -> ExportRun {
        try ExportReader.read(source, files: paths.map { try file($0) },
                              options: ReadOptions(instance: instance, namespaces: namespaces, allNamespaces: allNamespaces,
                                                   covers: covers, now: now), policy: policy)
    }

    /// The error a read throws, or nil when it reads.
    static func failure(_ source: ReconcileSource, _ files: [ExportFile], instance: String? = nil, allNamespaces: Bool = false,
                        namespaces: [String] = [], covers: [String] = []) -> SourceError? {
        do {
            _ = try ExportReader.read(source, files: files, options: ReadOptions(instance: instance, namespaces: namespaces,
                                                                                 allNamespaces: allNamespaces, covers: covers, now: now),
                                      policy: policy)
            return nil
        } catch {
            return error
        }
    }
}

extension ExportRun {
    /// The observations of one subject, as `entitlement-or-native-name@scope:level` strings, sorted.
    func held(by subject: String) -> [String] {
        observed.observations.filter { $0.subject.name == subject }.map { observation in
            "\(observation.entitlement ?? "-\(observation.native.name)")@\(observation.scope.text):\(observation.access?.rawValue ?? "?")"
        }.sorted()
    }
}

/// A grant for the comparison tests: an approved request's terms and where it stands.
func grant(_ id: String, system: String, environment: String = "production", subject: String,
           kind: IdentityKind = .serviceAccount, owner: String = "alice", entitlement: String, scope: String? = nil,
           access: AccessLevel = .read, state: GrantState = .active, provisioning: ProvisioningState = .done,
           approvedAt: Date = Fixtures.date("2026-11-01T09:00:00Z"), endedAt: Date? = nil, expiresAt: Date? = nil) -> Grant {
    let terms = GrantTerms(requester: owner, subject: Subject(kind: kind, name: subject, owner: kind == .human ? subject : owner),
                           system: system, environment: environment, entitlement: entitlement, scope: scope, access: access,
                           revocationTriggers: [], ticket: nil, incident: nil, breakGlass: false)
    let action: HandOffAction = state == .revoked ? .revoke : state == .expired ? .expire : .grant
    return Grant(requestID: id, terms: terms, state: state, approvedAt: approvedAt, approvers: ["dave"], policyVersion: "v1",
                 duration: .days(60), startsAt: approvedAt, expiresAt: expiresAt ?? approvedAt.addingTimeInterval(60 * 86_400), selfActivated: false,
                 provisioningAction: action, provisioning: provisioning, endedAt: endedAt, endedBy: endedAt == nil ? nil : "dave",
                 endReason: endedAt == nil ? nil : state.rawValue)
}
