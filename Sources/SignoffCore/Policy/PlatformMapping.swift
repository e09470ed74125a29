import Foundation

/// An identity platform whose exports `signoff reconcile` reads.
public enum PlatformKind: String, CaseIterable, Sendable, Hashable, Codable {
    case aws
    case kubernetes
    case postgresql
    case github

    /// What one instance of the platform is, in words: the thing each environment names.
    public var instanceNoun: String {
        switch self {
        case .aws: "account"
        case .kubernetes: "cluster"
        case .postgresql: "database"
        case .github: "organization"
        }
    }

    /// The platform's own grants an entitlement can be mapped to, as the
    /// catalogue writes them (`{cluster_role: edit}`).
    public var grantTypes: [String] {
        switch self {
        case .aws: ["policy", "group", "inline_policy"]
        case .kubernetes: ["cluster_role", "role"]
        case .postgresql: ["role", "attribute", "schema_privilege", "table_privilege"]
        case .github: ["permission"]
        }
    }
}

/// How one catalogue entitlement looks on its platform: one grant of the
/// platform's own (`cluster_role: edit`, `role: ledger_ro`, `policy:
/// ReadOnlyAccess`), and optionally the access level it amounts to.
public struct EntitlementMapping: Sendable, Hashable {
    /// One of the platform's `grantTypes`.
    public var type: String
    /// The role, policy, attribute, privilege or permission, as the platform names it.
    public var name: String
    /// What the grant amounts to when the export cannot tell (e.g. an AWS policy).
    public var access: AccessLevel?

    public init(type: String, name: String, access: AccessLevel? = nil) {
        self.type = type; self.name = name; self.access = access
    }

    /// `cluster_role edit`, for messages.
    public var text: String { "\(type) \(name)" }
}

/// A system's `platform:` section in the catalogue: which platform holds its
/// access, which instance of it each environment is, how each entitlement
/// looks there, and which of the platform's own identities to leave alone.
///
/// ```yaml
/// platform:
///   kubernetes: {production: prod-eu1, staging: staging-eu1}
///   ignore: ["system:kube-*"]
///   entitlements:
///     namespace_editor: {cluster_role: edit}
/// ```
public struct PlatformMapping: Sendable {
    public var kind: PlatformKind
    /// Environment → instance (account, cluster, database, organization).
    public var instances: [String: String]
    /// Names (globs) of users and service accounts the platform manages itself, e.g. `system:kube-*`; never groups.
    public var ignore: [String]
    /// Entitlement → how it looks on the platform. Entitlements not listed are
    /// invisible to reconciliation (`policy check` says so).
    public var entitlements: [String: EntitlementMapping]
    var ignorePatterns: [GlobPattern]
    var position: SourcePosition?

    /// Whether `subject` is one of the platform's own identities the policy
    /// leaves alone. Never a group: its members are whoever the platform says
    /// (Kubernetes' `system:authenticated` is everyone), so a pattern meant for
    /// the platform's own users must not hide access given to all of them.
    public func ignores(_ subject: ObservedSubject) -> Bool {
        switch subject.kind {
        case .group: return false
        case .identity, .user, .unknown: return ignorePatterns.contains { $0.matches(subject.name) }
        }
    }

    /// Kubernetes' built-in groups: an ignore pattern that covers one of them
    /// reads as hiding its bindings, which it never does (`policy check` says so).
    public static let kubernetesBuiltInGroups = ["system:authenticated", "system:unauthenticated", "system:masters",
                                                 "system:serviceaccounts", "system:nodes", "system:bootstrappers"]

    /// The entitlement a platform grant amounts to, if the catalogue maps one
    /// to it. Where one grant is several entitlements by level (a token's
    /// `contents` read or write), the narrowest that holds `access`, else the widest.
    public func entitlement(type: String, name: String, access: AccessLevel? = nil) -> String? {
        guard let candidates = reverse[MappingKey(type: type, name: name)] else { return nil }
        guard candidates.count > 1 else { return candidates.first }
        let ranked = candidates.sorted { (entitlements[$0]?.access ?? .admin) < (entitlements[$1]?.access ?? .admin) }
        if let access, let holding = ranked.first(where: { (entitlements[$0]?.access ?? .admin) >= access }) { return holding }
        return ranked.last
    }

    /// A platform grant by exact name: a role named with a canonically
    /// equivalent spelling (`\u{212A}afka` for `Kafka`) is another role.
    struct MappingKey: Hashable {
        var type: String
        var name: String

        static func == (a: MappingKey, b: MappingKey) -> Bool {
            ExactName.same(a.type, b.type) && ExactName.same(a.name, b.name)
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(ExactName(type))
            hasher.combine(ExactName(name))
        }
    }
    var reverse: [MappingKey: [String]] = [:]

    public static let postgresAttributes = ["superuser", "createrole", "createdb", "replication", "bypassrls"]
    public static let postgresSchemaPrivileges = ["CREATE", "USAGE"]
    public static let postgresTablePrivileges = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"]

    static let fields = PlatformKind.allCases.map(\.rawValue) + ["ignore", "entitlements"]

    /// Parses a system's `platform:` section against that system's environments and entitlements.
    static func parse(_ node: LocatedNode, system: CatalogueSystem) throws(SourceError) -> PlatformMapping {
        let fields = try node.mapping()
        try fields.rejectUnknown(Self.fields)
        let kinds = PlatformKind.allCases.filter { fields.optional($0.rawValue) != nil }
        guard kinds.count == 1, let kind = kinds.first else {
            throw node.error(kinds.isEmpty ? "names no platform" : "names \(kinds.count) platforms",
                             hint: "give exactly one of \(PlatformKind.allCases.map(\.rawValue).joined(separator: ", ")), mapping each environment to its \(kinds.first?.instanceNoun ?? "instance"), e.g. {production: prod-eu1}")
        }
        let instancesNode = fields.optional(kind.rawValue)!
        var instances: [String: String] = [:]
        let instanceFields = try instancesNode.mapping()
        try instanceFields.rejectUnknown(system.environments)
        for environment in instanceFields.keys {
            let valueNode = instanceFields.optional(environment)!
            instances[environment] = try valueNode.nonEmptyString()
        }
        guard !instances.isEmpty else {
            throw instancesNode.error("names no \(kind.instanceNoun)", hint: "map each environment to its \(kind.instanceNoun), e.g. {production: NAME}")
        }
        var seenInstances: [String: String] = [:]
        for environment in instanceFields.keys {
            let instance = instances[environment]!
            if let other = seenInstances[instance] {
                throw instanceFields.optional(environment)!.error(
                    "\(kind.instanceNoun) \(instance) is also \(system.name)'s \(other) environment",
                    hint: "each environment is its own \(kind.instanceNoun): an export could not say which one it shows")
            }
            seenInstances[instance] = environment
        }

        var ignore: [String] = []
        if let ignoreNode = fields.optional("ignore") { ignore = try ignoreNode.stringList() }

        var entitlements: [String: EntitlementMapping] = [:]
        var reverse: [MappingKey: [String]] = [:]
        if let entitlementsNode = fields.optional("entitlements") {
            let entries = try entitlementsNode.mapping()
            try entries.rejectUnknown(system.entitlements)
            for entitlement in entries.keys {
                let mappingNode = entries.optional(entitlement)!
                let mapping = try parseEntitlement(mappingNode, kind: kind)
                let key = MappingKey(type: mapping.type, name: mapping.name)
                for other in reverse[key] ?? [] where mapping.access == nil || entitlements[other]?.access == nil
                    || entitlements[other]?.access == mapping.access {
                    throw mappingNode.error("\(mapping.text) is already \(other)",
                                            hint: "one platform grant is one entitlement, unless each gives a different access level, or an export could not say which was granted")
                }
                reverse[key, default: []].append(entitlement)
                entitlements[entitlement] = mapping
            }
        }
        return PlatformMapping(kind: kind, instances: instances, ignore: ignore, entitlements: entitlements,
                               ignorePatterns: ignore.map(GlobPattern.init), position: node.position, reverse: reverse)
    }

    private static func parseEntitlement(_ node: LocatedNode, kind: PlatformKind) throws(SourceError) -> EntitlementMapping {
        let fields = try node.mapping()
        try fields.rejectUnknown(kind.grantTypes + ["access"])
        let types = kind.grantTypes.filter { fields.optional($0) != nil }
        guard types.count == 1, let type = types.first else {
            throw node.error(types.isEmpty ? "names no \(kind.rawValue) grant" : "names \(types.count) grants",
                             hint: "give exactly one of \(kind.grantTypes.joined(separator: ", ")), e.g. {\(kind.grantTypes[0]): NAME}")
        }
        let nameNode = fields.optional(type)!
        var name = try nameNode.nonEmptyString()
        switch (kind, type) {
        case (.postgresql, "attribute"):
            guard postgresAttributes.contains(name.lowercased()) else {
                throw nameNode.error("\"\(name)\" is not a role attribute", hint: "one of \(postgresAttributes.joined(separator: ", "))")
            }
            name = name.lowercased()
        case (.postgresql, "schema_privilege"):
            guard postgresSchemaPrivileges.contains(name.uppercased()) else {
                throw nameNode.error("\"\(name)\" is not a schema privilege", hint: "one of \(postgresSchemaPrivileges.joined(separator: ", "))")
            }
            name = name.uppercased()
        case (.postgresql, "table_privilege"):
            guard postgresTablePrivileges.contains(name.uppercased()) else {
                throw nameNode.error("\"\(name)\" is not a table privilege", hint: "one of \(postgresTablePrivileges.joined(separator: ", "))")
            }
            name = name.uppercased()
        case (.github, "permission"):
            let parts = name.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, ["repository", "organization"].contains(parts[0]), !parts[1].isEmpty else {
                throw nameNode.error("\"\(name)\" is not a token permission",
                                     hint: "write repository/NAME or organization/NAME as the token listing groups them, e.g. repository/contents")
            }
        // The other grant types take any name; a new platform must be placed here.
        case (.aws, _), (.kubernetes, _), (.postgresql, _), (.github, _):
            break
        }
        var access: AccessLevel?
        if let accessNode = fields.optional("access") {
            let text = try accessNode.string()
            guard let level = AccessLevel(rawValue: text) else {
                throw accessNode.error("\"\(text)\" is not an access level", hint: "read, write or admin")
            }
            access = level
        }
        return EntitlementMapping(type: type, name: name, access: access)
    }
}

extension Catalogue {
    /// One instance of a platform belongs to one system and environment, so
    /// an export says unambiguously whose access it shows.
    static func checkPlatformInstances(_ catalogue: Catalogue, file: String, errors: inout [SourceError]) {
        var owners: [String: String] = [:]
        for entry in catalogue.entries {
            guard let platform = entry.platform else { continue }
            for environment in entry.system.environments {
                guard let instance = platform.instances[environment] else { continue }
                let key = "\(platform.kind.rawValue)\u{0}\(instance)"
                if let other = owners[key] {
                    errors.append(SourceError(file: file, position: platform.position, field: "catalogue.\(entry.system.name).platform",
                                              message: "\(platform.kind.rawValue) \(platform.kind.instanceNoun) \(instance) is already \(other)",
                                              hint: "one \(platform.kind.instanceNoun) is one system's environment; name the systems it holds as entitlements of one system"))
                } else {
                    owners[key] = "\(entry.system.name) \(environment)"
                }
            }
        }
    }
}

/// Where one platform instance's access belongs: the system and environment
/// it is, and how the catalogue maps its grants.
public struct PlatformTarget: Sendable {
    public var system: String
    public var environment: String
    public var instance: String
    public var mapping: PlatformMapping
}

extension Policy {
    /// The system's `platform:` section, if it has one.
    public func platform(of system: String) -> PlatformMapping? {
        catalogue.index[system].flatMap { catalogue.entries[$0].platform }
    }

    /// The system and environment an instance of a platform is, if the catalogue names it.
    public func target(_ kind: PlatformKind, instance: String) -> PlatformTarget? {
        for entry in catalogue.entries {
            guard let platform = entry.platform, platform.kind == kind else { continue }
            for (environment, name) in platform.instances where ExactName.same(name, instance) {
                return PlatformTarget(system: entry.system.name, environment: environment, instance: name, mapping: platform)
            }
        }
        return nil
    }

    /// Every instance of a platform the catalogue names, as `NAME (system environment)`, for hints.
    public func instances(of kind: PlatformKind) -> [String] {
        catalogue.entries.flatMap { entry -> [String] in
            guard let platform = entry.platform, platform.kind == kind else { return [] }
            return entry.system.environments.compactMap { environment in
                platform.instances[environment].map { "\($0) (\(entry.system.name) \(environment))" }
            }
        }
    }
}

extension Policy {
    /// `policy check`: what a system's `platform:` section leaves unseen. A grant
    /// of an unmapped entitlement, or in an environment with no instance, is
    /// never confirmed nor missed by reconciliation.
    func checkPlatforms(_ findings: inout [PolicyFinding]) {
        for entry in catalogue.entries {
            guard let platform = entry.platform else { continue }
            let field = "catalogue.\(entry.system.name).platform"
            let unmapped = entry.system.entitlements.filter { platform.entitlements[$0] == nil }
            if !unmapped.isEmpty {
                findings.append(PolicyFinding(severity: .warning, position: platform.position, field: field + ".entitlements",
                                              message: "\(entry.system.name) maps no \(platform.kind.rawValue) grant to \(unmapped.joined(separator: ", ")): reconciliation can neither confirm nor miss those grants, and sees their access as unapproved"))
            }
            switch platform.kind {
            case .kubernetes:
                for (pattern, text) in zip(platform.ignorePatterns, platform.ignore) {
                    let groups = PlatformMapping.kubernetesBuiltInGroups.filter { pattern.matches($0) }
                    guard !groups.isEmpty else { continue }
                    findings.append(PolicyFinding(severity: .warning, position: platform.position, field: field + ".ignore",
                                                  message: "ignore pattern \"\(text)\" also matches Kubernetes' built-in groups (\(groups.joined(separator: ", "))): ignore applies to users and service accounts only, so bindings to groups are always compared (a role bound to system:authenticated is given to everyone)"))
                }
            case .aws, .postgresql, .github:
                break
            }
            let uncovered = entry.system.environments.filter { platform.instances[$0] == nil }
            if !uncovered.isEmpty {
                findings.append(PolicyFinding(severity: .warning, position: platform.position, field: field,
                                              message: "\(entry.system.name) names no \(platform.kind.instanceNoun) for \(uncovered.joined(separator: ", ")): grants there are never reconciled"))
            }
        }
    }
}
