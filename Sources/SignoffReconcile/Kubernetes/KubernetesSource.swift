import Foundation
import SignoffCore

/// Kubernetes RBAC: RoleBindings and ClusterRoleBindings, with the Roles and
/// ClusterRoles (to judge what they allow) and ServiceAccounts (to notice
/// bindings to accounts that do not exist) when the export holds them. JSON
/// (`kubectl get … -o json`) or YAML, lists or single objects. A cluster does
/// not name itself in an export: the command line does (`--instance`), and
/// says which namespaces the export holds. A service account is named
/// `NAMESPACE:NAME`, as `kubectl create rolebinding --serviceaccount` writes it.
enum KubernetesSource {
    struct Binding {
        var clusterWide: Bool
        var name: String
        var namespace: String?
        var sourceID: String
        var roleIsCluster: Bool
        var roleName: String
        var subjects: [(kind: String, name: String, namespace: String?, cursor: JSONCursor)]
        var cursor: JSONCursor
    }

    /// What the built-in user-facing roles allow, when the export does not define them.
    static let builtInLevels: [ExactName: AccessLevel] = [ExactName("cluster-admin"): .admin, ExactName("admin"): .admin,
                                                          ExactName("edit"): .write, ExactName("view"): .read]

    static func read(_ files: [ExportFile], options: ReadOptions, policy: Policy) throws(SourceError) -> ObservationSink {
        var bindings: [Binding] = []
        // By exact name: Kubernetes compares names byte for byte.
        var clusterRoleLevels: [ExactName: AccessLevel?] = [:]
        var roleLevels: [ExactName: AccessLevel?] = [:]
        var serviceAccounts: Set<ExactName>?
        /// Whether a ClusterRoleBinding came in a List (`kubectl get clusterrolebindings`):
        /// one object alone, or a manifest's, does not say the cluster has no others.
        var clusterRoleBindingsListed = false
        for file in files {
            var documents: [JSONCursor] = []
            if file.firstCharacter == "{" || file.firstCharacter == "[" {
                documents = [JSONCursor(try JSONParser.parse(file.utf8, file: file.name), file: file.name)]
            } else {
                documents = try YAMLExport.documents(file).map { JSONCursor($0, file: file.name) }
            }
            for document in documents where !document.isNull {
                let (objectsOfDocument, isList) = try objects(in: document)
                for object in objectsOfDocument {
                    let fields = try object.object()
                    let kindCursor = try fields.required("kind", hint: "every Kubernetes object names its kind")
                    let kind = try kindCursor.string()
                    let apiVersion = try fields.required("apiVersion", hint: "every Kubernetes object names its apiVersion").string()
                    switch kind {
                    case "RoleBinding", "ClusterRoleBinding", "Role", "ClusterRole":
                        guard apiVersion.hasPrefix("rbac.authorization.k8s.io/") else {
                            throw try fields.required("apiVersion").error("is \(apiVersion), not rbac.authorization.k8s.io/v1", hint: "a \(kind) is an RBAC object")
                        }
                    case "ServiceAccount", "Namespace":
                        break
                    default:
                        throw kindCursor.error("is \(kind), not an RBAC object",
                                               hint: "export with kubectl get rolebindings,clusterrolebindings -A -o json (roles, clusterroles and serviceaccounts may be added)")
                    }
                    let metadata = try fields.required("metadata").object()
                    let name = try metadata.required("name").name()
                    switch kind {
                    case "RoleBinding", "ClusterRoleBinding":
                        bindings.append(try binding(fields, metadata: metadata, name: name, clusterWide: kind == "ClusterRoleBinding", cursor: object))
                        if kind == "ClusterRoleBinding", isList { clusterRoleBindingsListed = true }
                    case "Role":
                        let namespace = try metadata.required("namespace", hint: "a Role lives in a namespace").name()
                        let key = ExactName("\(namespace)/\(name)")
                        guard roleLevels[key] == nil else {
                            throw try metadata.required("name").error("defines Role \(namespace)/\(name) a second time: the export is ambiguous",
                                                                      hint: "each role is one object; export the cluster again")
                        }
                        roleLevels[key] = .some(try level(fields))
                    case "ClusterRole":
                        guard clusterRoleLevels[ExactName(name)] == nil else {
                            throw try metadata.required("name").error("defines ClusterRole \(name) a second time: the export is ambiguous",
                                                                      hint: "each cluster role is one object; export the cluster again")
                        }
                        clusterRoleLevels[ExactName(name)] = .some(try level(fields))
                    case "ServiceAccount":
                        let namespace = try metadata.required("namespace", hint: "a ServiceAccount lives in a namespace").name()
                        serviceAccounts = serviceAccounts ?? []
                        serviceAccounts?.insert(ExactName("\(namespace)/\(name)"))
                    default:
                        break
                    }
                }
            }
        }

        let hasRoleBindings = bindings.contains { !$0.clusterWide }
        if options.allNamespaces, !options.namespaces.isEmpty {
            throw SourceError(file: files[0].name, position: nil, field: "", message: "cannot hold every namespace and only some",
                              hint: "give --all-namespaces or --namespace NAME, not both")
        }
        if hasRoleBindings, !options.allNamespaces, options.namespaces.isEmpty {
            throw SourceError(file: files[0].name, position: bindings.first { !$0.clusterWide }?.cursor.value.position, field: "",
                              message: "holds RoleBindings, but nothing says which namespaces it holds",
                              hint: "say --all-namespaces for an export made with kubectl -A, or --namespace NAME for each namespace it holds; a namespace it does not hold must not read as removed")
        }
        if !options.namespaces.isEmpty {
            let allowed = Set(options.namespaces.map(ExactName.init))
            if let stray = bindings.first(where: { !$0.clusterWide && !allowed.contains(ExactName($0.namespace ?? "")) }) {
                throw stray.cursor.error("is in namespace \(stray.namespace ?? ""), which --namespace does not name",
                                         hint: "name every namespace the export holds, or use --all-namespaces")
            }
        }
        let target = try ExportReader.target(.kubernetes, found: nil, options: options, policy: policy, file: files[0].name)
        let scopes = ScopeCoverage(every: options.allNamespaces && hasRoleBindings, instanceWide: clusterRoleBindingsListed,
                                   places: hasRoleBindings || !options.namespaces.isEmpty ? Set(options.namespaces) : [])
        var sink = ObservationSink(target: target, observedAt: options.now, grantTypes: ["cluster_role", "role"], of: PlatformKind.kubernetes.grantTypes,
                                   scopes: scopes)
        for binding in bindings {
            let type = binding.roleIsCluster ? "cluster_role" : "role"
            // A role the export defines is judged by its rules (even none); a built-in one it omits by its known level.
            let level: AccessLevel? = binding.roleIsCluster
                ? clusterRoleLevels[ExactName(binding.roleName)] ?? builtInLevels[ExactName(binding.roleName)]
                : roleLevels[ExactName("\(binding.namespace ?? "")/\(binding.roleName)")] ?? nil
            let bindingText = binding.clusterWide ? "ClusterRoleBinding \(binding.name)" : "RoleBinding \(binding.namespace ?? "")/\(binding.name)"
            let text = "\(bindingText) → \(binding.roleIsCluster ? "ClusterRole" : "Role") \(binding.roleName)"
            for subject in binding.subjects {
                let observed: ObservedSubject
                // Kubernetes keeps the `system:` prefix for its own users; any
                // other user name comes from an authenticator (an OIDC claim,
                // a certificate's CN), so no ignore pattern hides it: one meant
                // for kube-system's service accounts (`kube-system:*`) must
                // not hide a user named `kube-system:mallory`.
                var ignorable = true
                switch subject.kind {
                case "ServiceAccount":
                    let namespace = subject.namespace ?? binding.namespace ?? ""
                    let missing = serviceAccounts.map { !$0.contains(ExactName("\(namespace)/\(subject.name)")) } ?? false
                    observed = ObservedSubject(kind: .identity(.serviceAccount), name: "\(namespace):\(subject.name)", missing: missing)
                case "Group":
                    observed = ObservedSubject(kind: .group, name: subject.name)
                default:
                    // A service account authenticates as the user system:serviceaccount:NS:NAME: a
                    // User binding of that name is that service account's access, and is judged as such.
                    if let account = serviceAccountUser(subject.name) {
                        let missing = serviceAccounts.map { !$0.contains(ExactName("\(account.namespace)/\(account.name)")) } ?? false
                        observed = ObservedSubject(kind: .identity(.serviceAccount), name: "\(account.namespace):\(account.name)",
                                                   missing: missing)
                    } else {
                        // Any other user is not one of the cluster's service accounts, whatever its name.
                        observed = ObservedSubject(kind: .user, name: subject.name)
                        ignorable = subject.name.hasPrefix("system:")
                    }
                }
                sink.add(observed, type: type, names: [binding.roleName], text: text,
                         scope: binding.clusterWide ? .everywhere : .within("namespace:\(binding.namespace ?? "")"),
                         access: level, sourceID: binding.sourceID, ignorable: ignorable)
            }
        }
        return sink
    }

    /// The service account a user name is (`system:serviceaccount:NS:NAME`), if it is one.
    static func serviceAccountUser(_ name: String) -> (namespace: String, name: String)? {
        let prefix = "system:serviceaccount:"
        guard name.utf8.starts(with: prefix.utf8) else { return nil }
        let rest = name.utf8.dropFirst(prefix.utf8.count)
        guard let colon = rest.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        let namespace = String(decoding: rest[..<colon], as: UTF8.self)
        let account = String(decoding: rest[rest.index(after: colon)...], as: UTF8.self)
        guard !namespace.isEmpty, !account.isEmpty, !account.utf8.contains(UInt8(ascii: ":")) else { return nil }
        return (namespace, account)
    }

    /// The objects of a document: a List's items (refused when it is one page of
    /// a longer list), or the document itself; and whether it was a List.
    static func objects(in document: JSONCursor) throws(SourceError) -> (objects: [JSONCursor], isList: Bool) {
        guard case .object = document.value.kind else {
            throw document.error("is not a Kubernetes object or List: it is \(document.value.kindName)", hint: ReconcileSource.kubernetes.files)
        }
        let fields = try document.object()
        guard let kind = try fields.present("kind")?.string(), kind == "List" || kind.hasSuffix("List") else { return ([document], false) }
        if let metadata = try fields.present("metadata")?.object(), let next = metadata.present("continue"), try !next.string().isEmpty {
            throw next.error("is set: this is one page of a longer list",
                             hint: "export with kubectl get, which reads every page, or merge the pages into one list")
        }
        return (try fields.required("items", hint: "a \(kind) holds items").arrayOrNull(), true)
    }

    static func binding(_ fields: JSONObject, metadata: JSONObject, name: String, clusterWide: Bool,
                        cursor: JSONCursor) throws(SourceError) -> Binding {
        var namespace: String?
        if !clusterWide { namespace = try metadata.required("namespace", hint: "a RoleBinding lives in a namespace").name() }
        let roleRef = try fields.required("roleRef", hint: "a binding names its role").object()
        let roleKindCursor = try roleRef.required("kind")
        let roleKind = try roleKindCursor.string()
        guard roleKind == "ClusterRole" || roleKind == "Role" && !clusterWide else {
            throw roleKindCursor.error("is \(roleKind), which a \(clusterWide ? "ClusterRoleBinding" : "RoleBinding") cannot bind",
                                       hint: clusterWide ? "ClusterRole" : "Role or ClusterRole")
        }
        var subjects: [(kind: String, name: String, namespace: String?, cursor: JSONCursor)] = []
        for subject in try fields.present("subjects")?.array() ?? [] {
            let subjectFields = try subject.object()
            let kindCursor = try subjectFields.required("kind")
            let kind = try kindCursor.string()
            guard ["User", "Group", "ServiceAccount"].contains(kind) else {
                throw kindCursor.error("is \(kind), not User, Group or ServiceAccount")
            }
            var subjectNamespace = try subjectFields.present("namespace")?.string()
            if subjectNamespace?.isEmpty == true { subjectNamespace = nil }
            if kind == "ServiceAccount", subjectNamespace == nil, clusterWide {
                throw subject.error("is a ServiceAccount without a namespace", hint: "a ClusterRoleBinding names the namespace of each service account")
            }
            subjects.append((kind, try subjectFields.required("name").name(), subjectNamespace, subject))
        }
        let uid = try metadata.present("uid")?.string()
        let sourceID = uid ?? (clusterWide ? "ClusterRoleBinding \(name)" : "RoleBinding \(namespace ?? "")/\(name)")
        return Binding(clusterWide: clusterWide, name: name, namespace: namespace, sourceID: sourceID,
                       roleIsCluster: roleKind == "ClusterRole", roleName: try roleRef.required("name").name(),
                       subjects: subjects, cursor: cursor)
    }

    /// What a role's rules allow: only reading verbs is read; changing things is
    /// write; any verb, or escalate, bind or impersonate (which grant more), is admin.
    static func level(_ fields: JSONObject) throws(SourceError) -> AccessLevel? {
        var level: AccessLevel?
        for rule in try fields.present("rules")?.array() ?? [] {
            let ruleFields = try rule.object()
            var verbs: Set<String> = []
            for verb in try ruleFields.present("verbs")?.array() ?? [] { verbs.insert(try verb.string().lowercased()) }
            var resources: Set<String> = []
            for resource in try ruleFields.present("resources")?.array() ?? [] { resources.insert(try resource.string()) }
            let ruleLevel: AccessLevel
            if verbs.contains("*") || !verbs.isDisjoint(with: ["escalate", "bind", "impersonate"]) {
                ruleLevel = .admin
            } else if verbs.isSubset(of: ["get", "list", "watch"]) {
                ruleLevel = .read
            } else {
                ruleLevel = resources.contains("*") ? .admin : .write
            }
            if verbs.isEmpty { continue }
            level = max(level ?? ruleLevel, ruleLevel)
        }
        return level
    }
}
