import Foundation
import SignoffCore
import Testing
@testable import SignoffReconcile

/// The catalogue's `ignore:` names the platform's own identities. It never
/// hides a group (whose members may be everyone), nor a service account
/// bound under its user name.
@Suite struct KubernetesIgnoreTests {
    static let bindings = """
    {"apiVersion": "v1", "kind": "List", "items": [
      {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "everyone-admin"},
       "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
       "subjects": [{"kind": "Group", "name": "system:authenticated"},
                    {"kind": "User", "name": "system:serviceaccount:payments:ci"},
                    {"kind": "User", "name": "system:serviceaccount:kube-system:kube-proxy"},
                    {"kind": "User", "name": "system:kube-scheduler"}]}]}
    """

    @Test func groupsAndServiceAccountsNamedAsUsersAreNeverIgnoredAsTheCatalogueUsers() throws {
        // The repro: with ignore ["system:*", "kube-system:*"], both bindings read as "2 ignored".
        let run = try ExportReader.read(.kubernetes, files: [try Fixtures.export("bindings.json", Self.bindings)],
                                        options: ReadOptions(instance: "prod-eu1", now: Fixtures.now), policy: Fixtures.policy)
        #expect(run.held(by: "system:authenticated") == ["cluster_admin@*:admin"])
        // system:serviceaccount:payments:ci is the service account payments:ci, and is judged as one.
        #expect(run.held(by: "payments:ci") == ["cluster_admin@*:admin"])
        let ci = try #require(run.observed.observations.first { $0.subject.name == "payments:ci" })
        #expect(ci.subject.kind == .identity(.serviceAccount))
        // kube-system's own service account, and Kubernetes' own user, are still left alone.
        #expect(run.ignored == 2)
        #expect(run.observed.observations.count == 2)
        let result = Reconciliation.compare(grants: [], observed: run.observed, policy: Fixtures.policy, at: Fixtures.now)
        #expect(Set(result.findings.filter { $0.kind == .unapproved }.map(\.subject.name)) == ["system:authenticated", "payments:ci"])
    }

    /// A user name outside Kubernetes' own `system:` prefix comes from an
    /// authenticator: a pattern meant for kube-system's service accounts
    /// never hides a user named like one.
    @Test func aUserNamedLikeAnIgnoredServiceAccountIsNotIgnored() throws {
        let export = Self.bindings.replacingOccurrences(of: #"{"kind": "User", "name": "system:kube-scheduler"}"#,
                                                        with: #"{"kind": "User", "name": "system:kube-scheduler"}, {"kind": "User", "name": "kube-system:mallory"}"#)
        let run = try ExportReader.read(.kubernetes, files: [try Fixtures.export("bindings.json", export)],
                                        options: ReadOptions(instance: "prod-eu1", now: Fixtures.now), policy: Fixtures.policy)
        #expect(run.held(by: "kube-system:mallory") == ["cluster_admin@*:admin"])
        #expect(run.ignored == 2)
    }

    /// A group is never the identity a grant of its name is for: a binding to
    /// the group `alice` is access no grant of alice's approved, and it leaves
    /// her grant unseen.
    @Test func aGroupNamedAsAPersonIsNotTheirGrant() throws {
        let export = #"""
        {"apiVersion": "v1", "kind": "List", "items": [
          {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "contractors-edit", "namespace": "payments"},
           "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
           "subjects": [{"kind": "Group", "name": "alice"}]}]}
        """#
        let run = try ExportReader.read(.kubernetes, files: [try Fixtures.export("group.json", export)],
                                        options: ReadOptions(instance: "prod-eu1", namespaces: ["payments"], now: Fixtures.now), policy: Fixtures.policy)
        let alices = grant("REQ-1", system: "k8s-prod", subject: "alice", kind: .human, entitlement: "namespace_editor",
                           scope: "namespace:payments", access: .write)
        let result = Reconciliation.compare(grants: [alices], observed: run.observed, policy: Fixtures.policy, at: Fixtures.now)
        #expect(result.findings.map { "\($0.kind.rawValue) \($0.subject.kind.name) \($0.subject.name) \($0.requestID ?? "-")" }
                == ["unapproved group alice -", "not_provisioned human alice REQ-1"], "\(result.findings)")
        #expect(result.matched == 0)
        // A shown kind is a person or not, as the grant's; an unknown one may be either.
        #expect(!ObservedKind.identity(.serviceAccount).mayBe(.human) && !ObservedKind.identity(.human).mayBe(.serviceAccount))
        #expect(ObservedKind.identity(.serviceAccount).mayBe(.workloadIdentity) && ObservedKind.identity(.apiKey).mayBe(.oauthClient))
        #expect(ObservedKind.unknown.mayBe(.human) && ObservedKind.unknown.mayBe(.serviceAccount) && !ObservedKind.group.mayBe(.serviceAccount))
    }

    /// A user is never one of the cluster's service accounts: a User named
    /// `payments:ci` (a certificate's common name, say) holds access no grant
    /// of the service account `payments:ci` approved, nor of it as a workload
    /// identity, and that grant stays unseen; a person's grant of the same
    /// name is the user's.
    @Test func aUserNamedLikeAServiceAccountIsNotItsGrant() throws {
        let export = #"""
        {"apiVersion": "v1", "kind": "List", "items": [
          {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "ci-edit", "namespace": "payments"},
           "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
           "subjects": [{"kind": "User", "name": "payments:ci"}]}]}
        """#
        let run = try ExportReader.read(.kubernetes, files: [try Fixtures.export("user.json", export)],
                                        options: ReadOptions(instance: "prod-eu1", namespaces: ["payments"], now: Fixtures.now), policy: Fixtures.policy)
        #expect(run.observed.observations.map(\.subject.kind) == [.user])
        for kind in [IdentityKind.serviceAccount, .workloadIdentity] {
            let accounts = grant("REQ-1", system: "k8s-prod", subject: "payments:ci", kind: kind, entitlement: "namespace_editor",
                                 scope: "namespace:payments", access: .write)
            let result = Reconciliation.compare(grants: [accounts], observed: run.observed, policy: Fixtures.policy, at: Fixtures.now)
            #expect(result.findings.map { "\($0.kind.rawValue) \($0.subject.kind.name) \($0.subject.name) \($0.requestID ?? "-")" }
                    == ["unapproved user payments:ci -", "not_provisioned \(kind.rawValue) payments:ci REQ-1"], "\(result.findings)")
            #expect(result.matched == 0)
        }
        for kind in [IdentityKind.human, .certificate] {
            let own = grant("REQ-2", system: "k8s-prod", subject: "payments:ci", kind: kind, entitlement: "namespace_editor",
                            scope: "namespace:payments", access: .write)
            let result = Reconciliation.compare(grants: [own], observed: run.observed, policy: Fixtures.policy, at: Fixtures.now)
            #expect(result.matched == 1, "\(kind): \(result.findings)")
        }
        // Every kind is decided: a user may be anything but a service account, or a workload identity.
        #expect(IdentityKind.allCases.filter { !ObservedKind.user.mayBe($0) } == [.serviceAccount, .workloadIdentity])
        #expect(ObservedKind(name: "user") == .user && ObservedKind.user.name == "user")
    }

    @Test func serviceAccountUserNamesAreReadExactly() {
        #expect(KubernetesSource.serviceAccountUser("system:serviceaccount:payments:ci").map { "\($0.namespace)/\($0.name)" } == "payments/ci")
        #expect(KubernetesSource.serviceAccountUser("system:serviceaccount:payments") == nil)
        #expect(KubernetesSource.serviceAccountUser("system:serviceaccount::ci") == nil)
        #expect(KubernetesSource.serviceAccountUser("system:serviceaccount:a:b:c") == nil)
        #expect(KubernetesSource.serviceAccountUser("system:serviceaccounts:payments") == nil)
    }

    @Test func policyCheckWarnsWhenAnIgnorePatternCoversBuiltInGroups() {
        let warnings = Fixtures.policy.check().filter { $0.field == "catalogue.k8s-prod.platform.ignore" }
        #expect(warnings.count == 1)
        #expect(warnings.first?.severity == .warning)
        #expect(warnings.first?.message.contains("\"system:*\" also matches Kubernetes' built-in groups (system:authenticated") == true)
        // A pattern for kube-system's service accounts covers no group: no warning for it.
        #expect(warnings.allSatisfy { !$0.message.contains("kube-system:*") })
    }
}
