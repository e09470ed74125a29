import Foundation

/// What one reconciliation run saw in full. Access is reported missing, and a
/// finding resolved, only inside it: an export of one namespace says nothing
/// about the others, and partial data must never read as removal.
public struct Coverage: Sendable, Hashable {
    /// One system and environment the run covered, and how much of it.
    public struct Target: Sendable, Hashable {
        public var system: String
        public var environment: String
        /// The account, cluster, database or organization, where the source has one.
        public var instance: String?
        /// The platform's grant types the run shows in full (`cluster_role`,
        /// `role`...); nil when it shows every kind (the generic format).
        public var grantTypes: Set<String>?
        /// Whether those are every kind of grant the platform has: only
        /// then does an identity the run does not show hold no access
        /// (an AWS credential report alone shows no policies or groups).
        /// Said by the reader, for the run; not recorded.
        public var everyGrantType: Bool
        public var scopes: ScopeCoverage
        public var credentials: CredentialCoverage
        /// When the platform was read, where the export says (nil: when the
        /// run read it). A grant approved later is not in its sight: the
        /// export can show neither its access nor its absence.
        public var observedAt: Date?
        /// Whether the platform itself records who owns each identity, so
        /// that nobody else can create one under that owner (GitHub: a
        /// token's owner is the account that made it; its name is anyone's
        /// choice). An identity is then its name and its owner: a grant
        /// approves it only for the owner the grant names.
        public var ownersAttested: Bool

        public init(system: String, environment: String, instance: String? = nil, grantTypes: Set<String>? = nil,
                    scopes: ScopeCoverage = .all, credentials: CredentialCoverage = .none, observedAt: Date? = nil,
                    ownersAttested: Bool = false) {
            self.system = system; self.environment = environment; self.instance = instance
            self.grantTypes = grantTypes; self.scopes = scopes; self.credentials = credentials; self.observedAt = observedAt
            self.ownersAttested = ownersAttested
            everyGrantType = grantTypes == nil
        }

        /// Whether the run shows every grant of this type in this scope (nil type: the generic format's entitlements).
        public func covers(grantType: String?, scope: String?) -> Bool {
            if let grantTypes {
                guard let grantType, grantTypes.contains(grantType) else { return false }
            }
            return scopes.covers(granted: scope)
        }

        /// Whether the run shows every credential of this subject.
        public func coversCredentials(of subject: String) -> Bool {
            switch credentials {
            case .none: false
            case .all: true
            case let .subjects(names): names.contains { ExactName.same($0, subject) }
            }
        }
    }

    public var targets: [Target]

    public init(targets: [Target]) { self.targets = targets }

    public func target(system: String, environment: String) -> Target? {
        targets.first { ExactName.same($0.system, system) && ExactName.same($0.environment, environment) }
    }
}

/// Which places of an instance a run shows.
public struct ScopeCoverage: Sendable, Hashable {
    /// Every namespace, schema or repository.
    public var every: Bool
    /// Access that reaches the whole instance (ClusterRoleBindings).
    public var instanceWide: Bool
    /// The places shown when not `every`, by name (`payments`).
    public var places: Set<String>

    public init(every: Bool, instanceWide: Bool, places: Set<String> = []) {
        self.every = every; self.instanceWide = instanceWide; self.places = places
    }

    public static let all = ScopeCoverage(every: true, instanceWide: true)

    /// Whether a grant with this scope would be seen wherever it applies. A
    /// grant without a scope may apply anywhere, so only a whole run covers it.
    public func covers(granted scope: String?) -> Bool {
        guard let scope else { return every && instanceWide }
        let place = ScopeText.place(scope)
        return every || places.contains { ExactName.same($0, place) }
    }

    /// `every namespace and instance-wide`, `namespaces payments, billing`.
    public var text: String {
        if every { return instanceWide ? "all" : "every place, not instance-wide" }
        let names = places.sorted().joined(separator: ", ")
        if names.isEmpty { return instanceWide ? "instance-wide only" : "no place in full" }
        return instanceWide ? "\(names) and instance-wide" : names
    }
}

/// Which credentials a run shows.
public enum CredentialCoverage: Sendable, Hashable {
    case none
    case all
    /// The credentials of these subjects only (an access-key listing of some users).
    case subjects(Set<String>)
}

/// How a request's scope and an observed place compare. A scope may be
/// written with the platform's noun (`namespace:payments`, `schema:ledger`)
/// or as the bare name (`payments`).
public enum ScopeText {
    static let nouns: Set<String> = ["namespace", "schema", "table", "repository", "database"]

    /// The place a scope names, without its noun: `namespace:payments` → `payments`.
    public static func place(_ scope: String) -> String {
        guard let colon = scope.firstIndex(of: ":"), nouns.contains(String(scope[..<colon])) else { return scope }
        return String(scope[scope.index(after: colon)...])
    }

    private static func noun(_ scope: String) -> String? {
        guard let colon = scope.firstIndex(of: ":") else { return nil }
        let noun = String(scope[..<colon])
        return nouns.contains(noun) ? noun : nil
    }

    /// Whether access observed in `observed` stays inside what `granted` approved.
    public static func within(_ observed: ObservedScope, granted: String?) -> Bool {
        guard let granted else { return true }
        switch observed {
        case .unscoped: return true
        case .everywhere: return false
        case let .within(place):
            // Places compare by exact bytes, as the platform names them.
            if ExactName.same(place, granted)
                || ExactName.same(Self.place(place), Self.place(granted)) && (noun(granted) == nil || noun(granted) == noun(place)) {
                return true
            }
            // A schema holds its tables.
            if noun(granted) == "schema", noun(place) == "table" {
                return Self.place(place).utf8.starts(with: (Self.place(granted) + ".").utf8)
            }
            return false
        }
    }
}
