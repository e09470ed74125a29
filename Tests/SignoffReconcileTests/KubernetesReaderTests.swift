import Foundation
import SignoffCore
import Testing
@testable import SignoffReconcile

@Suite struct KubernetesReaderTests {
    @Test func clusterRoleBindingsOfTheBootstrapPolicyAreKubernetesOwn() throws {
        let run = try Fixtures.read(.kubernetes, ["kubernetes/k8s-bootstrap-cluster-role-bindings.yaml"], instance: "prod-eu1")
        // Kubernetes' own users and service accounts (kube-system:kube-dns…) are ignored; its groups never
        // are: a group's members are whoever the cluster says, and system:masters holds cluster-admin.
        #expect(run.ignored == 5)
        #expect(run.observed.observations.allSatisfy { $0.subject.kind == .group })
        #expect(Set(run.observed.observations.map(\.subject.name))
            == ["system:masters", "system:authenticated", "system:unauthenticated"])
        #expect(run.held(by: "system:masters") == ["cluster_admin@*:admin"])
        let target = try #require(run.observed.coverage.targets.first)
        #expect(target.system == "k8s-prod" && target.environment == "production")
        // Only ClusterRoleBindings: cluster-wide access is covered, no namespace is.
        #expect(target.scopes == ScopeCoverage(every: false, instanceWide: true))
        #expect(target.scopes.text == "instance-wide only")
    }

    /// A ClusterRoleBinding alone (`kubectl get clusterrolebinding NAME`), or
    /// a manifest's, does not say the cluster has no others: its access is
    /// read, and no cluster-wide finding resolves by its absence.
    @Test func aClusterRoleBindingNotInAListCoversNothingClusterWide() throws {
        let lone = try Fixtures.export("one.yaml", """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: deployers}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
            subjects: [{kind: ServiceAccount, name: ci, namespace: payments}]
            """)
        let run = try ExportReader.read(.kubernetes, files: [lone], options: ReadOptions(instance: "prod-eu1", now: Fixtures.now),
                                        policy: Fixtures.policy)
        #expect(run.held(by: "payments:ci") == ["cluster_admin@*:admin"])
        #expect(run.observed.coverage.targets.first?.scopes == ScopeCoverage(every: false, instanceWide: false))
        #expect(run.observed.coverage.targets.first?.scopes.text == "no place in full")
    }

    @Test func withoutTheIgnoreListTheBootstrapBindingsAreAccess() throws {
        let policy = try Policy.parse(source: Fixtures.policySource.replacingOccurrences(of: "ignore: [\"system:*\", \"kube-system:*\"]", with: "ignore: []"),
                                      file: "policy.yaml")
        let run = try Fixtures.read(.kubernetes, ["kubernetes/k8s-bootstrap-cluster-role-bindings.yaml"], instance: "prod-eu1", policy: policy)
        #expect(run.held(by: "system:masters") == ["cluster_admin@*:admin"])
        let dns = try #require(run.observed.observations.first { $0.native.name == "system:kube-dns" })
        #expect(dns.subject == ObservedSubject(kind: .identity(.serviceAccount), name: "kube-system:kube-dns"))
        #expect(dns.native.text == "ClusterRoleBinding system:kube-dns → ClusterRole system:kube-dns")
        #expect(dns.access == nil)
        // system:node binds nobody.
        #expect(!run.observed.observations.contains { $0.native.name == "system:node" })
    }

    @Test func namespacedBindingsNeedToSayWhichNamespacesTheyHold() throws {
        let file = try Fixtures.file("kubernetes/k8s-bootstrap-namespace-role-bindings.yaml")
        let unsaid = try #require(Fixtures.failure(.kubernetes, [file], instance: "prod-eu1"))
        #expect(unsaid.message.contains("nothing says which namespaces"))
        #expect(unsaid.hint?.contains("--all-namespaces") == true)
        let partial = try #require(Fixtures.failure(.kubernetes, [file], instance: "prod-eu1", namespaces: ["kube-system"]))
        #expect(partial.message.contains("namespace kube-public, which --namespace does not name"))
        #expect(partial.position?.line == 3)
        let run = try Fixtures.read(.kubernetes, ["kubernetes/k8s-bootstrap-namespace-role-bindings.yaml"], instance: "prod-eu1",
                                    namespaces: ["kube-system", "kube-public"])
        #expect(run.observed.coverage.targets.first?.scopes == ScopeCoverage(every: false, instanceWide: false, places: ["kube-system", "kube-public"]))
        let all = try Fixtures.read(.kubernetes, ["kubernetes/k8s-bootstrap-namespace-role-bindings.yaml"], instance: "prod-eu1", allNamespaces: true)
        #expect(all.observed.coverage.targets.first?.scopes == ScopeCoverage(every: true, instanceWide: false))
        let nameless = try #require(Fixtures.failure(.kubernetes, [file], allNamespaces: true))
        #expect(nameless.message.contains("does not say which cluster"))
    }

    @Test func rolesDefinedInTheExportSayHowMuchTheyAllow() throws {
        let run = try Fixtures.read(.kubernetes, ["kubernetes/rbac-tool-multiple-role-bindings.yaml"], instance: "prod-eu1", allNamespaces: true)
        #expect(run.held(by: "policyrules:the-test-user") == [
            "-more-rules@namespace:policyrules:read", "secret_reader@namespace:policyrules:read",
        ])
        // A binding to a role that allows impersonation is administration, whatever it is called.
        let impersonator = try Fixtures.read(.kubernetes, ["kubernetes/rbac-tool-rolebinding-to-clusterrole-impersonator.yaml"],
                                             instance: "prod-eu1", allNamespaces: true)
        #expect(impersonator.held(by: "test-impersonator-user") == ["impersonation@namespace:test:admin"])
        // A User: a person or whatever signs in as one, never one of the cluster's service accounts.
        #expect(impersonator.observed.observations.first?.subject.kind == .user)
    }

    @Test func aBindingToAServiceAccountTheExportDoesNotHoldIsMissing() throws {
        // Without ServiceAccounts in the export nothing can be said; with them, example-user is not there.
        let without = try Fixtures.read(.kubernetes, ["kubernetes/rbac-tool-rolebindings-missing-service-account.yaml"],
                                        instance: "prod-eu1", allNamespaces: true)
        #expect(without.observed.observations.count == 2)
        #expect(without.observed.observations.allSatisfy { !$0.subject.missing && $0.subject.name == "mynamespace:example-user" })
        let fixture = try String(contentsOf: Fixtures.directory.appendingPathComponent("kubernetes/rbac-tool-rolebindings-missing-service-account.yaml"), encoding: .utf8)
        let accounts = try Fixtures.export("with-accounts.yaml", fixture + """

            ---
            apiVersion: v1
            kind: ServiceAccount
            metadata: {name: other-user, namespace: mynamespace}
            """)
        let run = try ExportReader.read(.kubernetes, files: [accounts],
                                        options: ReadOptions(instance: "prod-eu1", allNamespaces: true, now: Fixtures.now), policy: Fixtures.policy)
        #expect(run.observed.observations.count == 2)
        #expect(run.observed.observations.allSatisfy { $0.subject.missing })
    }

    @Test func kubectlJSONListsRead() throws {
        let json = try Fixtures.export("bindings.json", """
            {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": [
              {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
               "metadata": {"name": "ci-edit", "uid": "6f1c"},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
               "subjects": [{"kind": "ServiceAccount", "name": "ci", "namespace": "payments"}]},
              {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
               "metadata": {"name": "ci-view", "namespace": "payments", "uid": "7a2d"},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
               "subjects": [{"kind": "ServiceAccount", "name": "ci", "namespace": "payments"}]}
            ]}
            """)
        let run = try ExportReader.read(.kubernetes, files: [json], options: ReadOptions(instance: "prod-eu1", allNamespaces: true, now: Fixtures.now),
                                        policy: Fixtures.policy)
        #expect(run.held(by: "payments:ci") == ["namespace_editor@*:write", "namespace_viewer@namespace:payments:read"])
        #expect(run.observed.observations.map(\.sourceID).sorted() == ["6f1c", "7a2d"])
        #expect(run.observed.coverage.targets.first?.scopes == .all)
    }

    @Test func refusesPagesAndObjectsThatAreNotRBAC() throws {
        let page = try #require(Fixtures.failure(.kubernetes, [try Fixtures.export("page.json", """
            {"apiVersion": "v1", "kind": "RoleBindingList", "metadata": {"continue": "eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ"}, "items": []}
            """)], instance: "prod-eu1", allNamespaces: true))
        #expect(page.message.contains("one page of a longer list") && page.field == "$.metadata.continue")
        let pod = try #require(Fixtures.failure(.kubernetes, [try Fixtures.export("pods.yaml", """
            apiVersion: v1
            kind: List
            items:
            - apiVersion: v1
              kind: Pod
              metadata: {name: web}
            """)], instance: "prod-eu1", allNamespaces: true))
        #expect(pod.message.contains("is Pod, not an RBAC object") && pod.position?.line == 5 && pod.field == "$.items[0].kind")
        let csv = try #require(Fixtures.failure(.kubernetes, [try Fixtures.file("aws/credential-report.csv")], instance: "prod-eu1"))
        #expect(csv.message.contains("not a Kubernetes object"))
        let aws = try #require(Fixtures.failure(.kubernetes, [try Fixtures.file("aws/list-access-keys.json")], instance: "prod-eu1"))
        #expect(aws.message.contains("is missing") && aws.field == "$.kind")
        // A few lines of nested aliases would expand to billions of values: no anchor is read at all.
        var laughs = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 { laughs += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]\n" }
        let alias = try #require(Fixtures.failure(.kubernetes, [try Fixtures.export("laughs.yaml", laughs)], instance: "prod-eu1"))
        #expect(alias.message.contains("sets a YAML anchor") && alias.position?.line == 1, "\(alias)")
    }
}
