/// How an actor's identity was established. Evidence never hides an asserted identity.
public enum Authentication: String, Codable, Sendable, Hashable {
    /// The operating-system account running signoff.
    case osAccount = "os_account"
    /// Named with `--as` in a store created to trust asserted identities (demos, tests).
    case asserted
    /// The PostgreSQL role the server authenticated, mapped to a person by
    /// the store (`signoff store grant`); stamped by the database.
    case postgresqlRole = "postgresql_role"
    /// A decision made by a policy rule, not by a person.
    case policy
    /// signoff itself (sweeps, re-routing after a policy change).
    case system

    /// Whether the actor is a person (who may review, sign, be refused), not a rule or signoff itself.
    public var isPerson: Bool {
        switch self {
        case .osAccount, .asserted, .postgresqlRole: return true
        case .policy, .system: return false
        }
    }
}

/// Who acted, and how we know.
public struct Principal: Sendable, Hashable, Codable, CustomStringConvertible {
    public var name: String
    public var authentication: Authentication

    public init(name: String, authentication: Authentication) {
        self.name = name
        self.authentication = authentication
    }

    public var description: String {
        authentication == .osAccount ? name : "\(name) (\(authentication.rawValue))"
    }

    public static func policyRule(_ rule: String) -> Principal { Principal(name: "policy:\(rule)", authentication: .policy) }
    public static let signoff = Principal(name: "signoff", authentication: .system)

    /// Whether `name` is one signoff's own actors are recorded under
    /// (`signoff`, `policy:RULE`): nobody acts as them, however identified.
    public static func isReserved(_ name: String) -> Bool { name == signoff.name || name.hasPrefix("policy:") }
}
