import Foundation
import SignoffCore

/// Where an export comes from; each has its own reader.
public enum ReconcileSource: String, CaseIterable, Sendable {
    case aws
    case kubernetes
    case postgresql
    case github
    /// The documented observation format (JSONL or CSV) for every other platform.
    case generic

    public var platform: PlatformKind? {
        switch self {
        case .aws: .aws
        case .kubernetes: .kubernetes
        case .postgresql: .postgresql
        case .github: .github
        case .generic: nil
        }
    }

    /// What the files of this source are, for help and errors.
    public var files: String {
        switch self {
        case .aws: "get-account-authorization-details JSON, the credential report CSV, list-access-keys JSON"
        case .kubernetes: "kubectl get rolebindings,clusterrolebindings -A -o json (or -o yaml), or YAML manifests"
        case .postgresql: "the export query's JSON, or psql --csv output of pg_roles, memberships and grants"
        case .github: "the organization's fine-grained personal access token listing (JSON)"
        case .generic: "observations as JSON lines or CSV"
        }
    }
}

/// What the person running the reconciliation says about the export where the
/// files cannot: which instance it is, which namespaces it holds, what it covers.
public struct ReadOptions: Sendable {
    /// The account, cluster, database or organization, where the export does not name it.
    public var instance: String?
    /// Kubernetes: the export holds only these namespaces.
    public var namespaces: [String]
    /// Kubernetes: the export holds every namespace (`kubectl -A`).
    public var allNamespaces: Bool
    /// Generic: the `SYSTEM/ENVIRONMENT` pairs the observations cover in full.
    public var covers: [String]
    /// When the run happens: the observation time of exports that carry none.
    public var now: Date

    public init(instance: String? = nil, namespaces: [String] = [], allNamespaces: Bool = false, covers: [String] = [],
                now: Date) {
        self.instance = instance; self.namespaces = namespaces; self.allNamespaces = allNamespaces
        self.covers = covers; self.now = now
    }
}

/// One file of a run, as evidence: which bytes were compared.
public struct ExportDigest: Sendable, Hashable {
    public var name: String
    public var sha256: String
    public var bytes: Int
}

/// Everything a run read from its files.
public struct ExportRun: Sendable {
    public var source: ReconcileSource
    public var files: [ExportDigest]
    public var observed: ObservedState
    /// Observations of identities the catalogue's `ignore:` leaves alone.
    public var ignored: Int
}

/// Reads exports into observations. Readers never decide anything about
/// grants: they say what the platform shows, in the catalogue's terms, and
/// what the export covered; `Reconciliation.compare` decides.
public enum ExportReader {
    public static func read(_ source: ReconcileSource, files: [ExportFile], options: ReadOptions,
                            policy: Policy) throws(SourceError) -> ExportRun {
        guard !files.isEmpty else {
            throw SourceError(file: "", position: nil, field: "", message: "no export files were given", hint: source.files)
        }
        let sink: ObservationSink
        switch source {
        case .aws: sink = try AWSSource.read(files, options: options, policy: policy)
        case .kubernetes: sink = try KubernetesSource.read(files, options: options, policy: policy)
        case .postgresql: sink = try PostgresSource.read(files, options: options, policy: policy)
        case .github: sink = try GitHubSource.read(files, options: options, policy: policy)
        case .generic:
            return try GenericSource.read(files, options: options, policy: policy)
        }
        return ExportRun(source: source, files: files.map(\.digest), observed: sink.state, ignored: sink.ignored)
    }

    /// The catalogue's system and environment for an instance: named by the
    /// export (`found`), by the command line, or both (and then the same).
    static func target(_ kind: PlatformKind, found: (name: String, file: String)?, options: ReadOptions, policy: Policy,
                       file: String) throws(SourceError) -> PlatformTarget {
        let noun = kind.instanceNoun
        if let found, let given = options.instance, !ExactName.same(found.name, given) {
            throw SourceError(file: found.file, position: nil, field: "",
                              message: "is an export of \(kind.rawValue) \(noun) \(found.name), not \(given) as the command line says",
                              hint: "check that you are reconciling the export you meant to")
        }
        guard let name = found?.name ?? options.instance else {
            throw SourceError(file: file, position: nil, field: "", message: "does not say which \(noun) it shows",
                              hint: "name the \(noun) with --instance NAME; the catalogue knows: \(known(kind, policy))")
        }
        guard let target = policy.target(kind, instance: name) else {
            throw SourceError(file: found?.file ?? file, position: nil, field: "",
                              message: "shows \(kind.rawValue) \(noun) \(name), which no system in the catalogue is",
                              hint: "add `platform: {\(kind.rawValue): {ENVIRONMENT: \(name)}}` to the system's catalogue entry; the catalogue knows: \(known(kind, policy))")
        }
        return target
    }

    private static func known(_ kind: PlatformKind, _ policy: Policy) -> String {
        let names = policy.instances(of: kind)
        return names.isEmpty ? "none" : names.joined(separator: ", ")
    }

    /// A time an export states, refused when it is later than the run: exports come from the past.
    static func exportTime(_ date: Date, options: ReadOptions, error: (String) -> SourceError) throws(SourceError) -> Date {
        guard date <= options.now.addingTimeInterval(300) else {
            throw error("is later than now (\(UTCTime.text(options.now))): an export cannot come from the future")
        }
        return date
    }
}

extension ExportFile {
    var digest: ExportDigest { ExportDigest(name: name, sha256: sha256, bytes: bytes.count) }
}

/// One platform run's observations for its target, in the catalogue's terms.
struct ObservationSink {
    let target: PlatformTarget
    var observedAt: Date
    var observations: [Observation] = []
    var credentials: [CredentialObservation] = []
    var ignored = 0
    var coverage: Coverage.Target

    /// `grantTypes`: the platform's grant types the export shows in full,
    /// of `platformGrantTypes`, every kind the platform has.
    init(target: PlatformTarget, observedAt: Date, grantTypes: Set<String>, of platformGrantTypes: [String],
         scopes: ScopeCoverage = .all, credentials: CredentialCoverage = .none, ownersAttested: Bool = false) {
        self.target = target
        self.observedAt = observedAt
        coverage = Coverage.Target(system: target.system, environment: target.environment, instance: target.instance,
                                   grantTypes: grantTypes, scopes: scopes, credentials: credentials,
                                   observedAt: observedAt, ownersAttested: ownersAttested)
        coverage.everyGrantType = grantTypes.isSuperset(of: platformGrantTypes)
    }

    var state: ObservedState {
        ObservedState(observations: observations, credentials: credentials, coverage: Coverage(targets: [coverage]))
    }

    /// Records a platform grant, named as the catalogue maps it (by any of `names`).
    /// The level is what the export shows (`computed`), else the mapping's; where
    /// `computedForMapped` is false (AWS: a mapped policy is exactly what was
    /// approved, and its actions have no reliable level) it is the mapping's alone.
    ///
    /// `names` are what the catalogue may map it by; `nativeName` (else the
    /// first of them) is what people read. `ignorable`: whether the
    /// catalogue's `ignore:` may hide it (a reader says no for a name the
    /// platform does not keep for its own identities).
    mutating func add(_ subject: ObservedSubject, type: String, names: [String], nativeName: String? = nil, key: String? = nil,
                      text: String, scope: ObservedScope, access computed: AccessLevel?, sourceID: String,
                      computedForMapped: Bool = true, ignorable: Bool = true) {
        guard !(ignorable && target.mapping.ignores(subject)) else {
            ignored += 1
            return
        }
        let mapping = target.mapping
        let entitlement = names.lazy.compactMap { mapping.entitlement(type: type, name: $0, access: computed) }.first
        var access = computed
        if let entitlement {
            let mapped = mapping.entitlements[entitlement]?.access
            // Where the mapping's level stands (AWS), what the grant's own content
            // shows still counts when it is more: a policy mapped as read that
            // allows `"Action": "*"` is admin, and wider than a read grant.
            access = computedForMapped ? computed ?? mapped : [mapped, computed].compactMap { $0 }.max()
        }
        observations.append(Observation(
            system: target.system, environment: target.environment, subject: subject, entitlement: entitlement,
            native: NativeGrant(type: type, name: nativeName ?? names[0], key: key, text: text), scope: scope, access: access,
            sourceID: sourceID, observedAt: observedAt))
    }

    mutating func add(credential subject: ObservedSubject, id: String, rotatedAt: Date?, lastUsed: CredentialUse, sourceID: String) {
        guard !target.mapping.ignores(subject) else {
            ignored += 1
            return
        }
        credentials.append(CredentialObservation(
            system: target.system, environment: target.environment, subject: subject, credentialID: id,
            rotatedAt: rotatedAt, lastUsed: lastUsed, sourceID: sourceID, observedAt: observedAt))
    }
}
