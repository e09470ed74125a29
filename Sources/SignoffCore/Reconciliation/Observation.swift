import Foundation

/// What kind of identity a platform shows. Platforms say less than a request
/// does: a Kubernetes user may be a person or a certificate, an IAM role is
/// whatever assumes it. A group is not an identity but holds access for its members.
public enum ObservedKind: Sendable, Hashable {
    case identity(IdentityKind)
    case group
    /// An account the platform shows as a user, not one of its own service
    /// accounts: a person, or whatever signs in under a user's name (a
    /// certificate's common name, a claim of an identity provider). A
    /// Kubernetes User named `payments:ci` is not the service account
    /// `payments:ci`, whatever its name says.
    case user
    case unknown

    /// `service_account`, `group`, `user`, `unknown`: the stored and printed form.
    public var name: String {
        switch self {
        case let .identity(kind): kind.rawValue
        case .group: "group"
        case .user: "user"
        case .unknown: "unknown"
        }
    }

    /// Unknown names are refused (nil), never taken for a kind.
    public init?(name: String) {
        if name == "group" {
            self = .group
        } else if name == "user" {
            self = .user
        } else if name == "unknown" {
            self = .unknown
        } else if let kind = IdentityKind(rawValue: name) {
            self = .identity(kind)
        } else {
            return nil
        }
    }

    /// Whether an identity of this observed kind may be one a grant for a
    /// subject of `kind` names: a person the platform shows is a person's
    /// grant, and a non-human identity a non-human's (a Kubernetes service
    /// account may be asked for as a workload identity, a token as an OAuth
    /// client); an unknown one may be either; a user may be anything but a
    /// service account, or a workload identity (which is one); a group is
    /// never an identity, so no grant approves what a group holds for its
    /// members (a group named `alice` is not alice).
    public func mayBe(_ kind: IdentityKind) -> Bool {
        switch self {
        case let .identity(shown): shown.isHuman == kind.isHuman
        case .group: false
        case .user:
            switch kind {
            case .serviceAccount, .workloadIdentity: false
            case .human, .apiKey, .oauthClient, .certificate, .aiAgent, .bot: true
            }
        case .unknown: true
        }
    }

    /// Words for people: `service account`, `group`, `user`, `identity`.
    public var label: String {
        switch self {
        case let .identity(kind): kind.label
        case .group: "group"
        case .user: "user"
        case .unknown: "identity"
        }
    }
}

/// The identity holding observed access, as the platform names it.
public struct ObservedSubject: Sendable, Hashable {
    public var kind: ObservedKind
    public var name: String
    /// The accountable person where the platform records one (an `owner` tag,
    /// a token's owner); nil when it does not.
    public var owner: String?
    /// True when the platform shows access bound to an identity that does not
    /// exist (a Kubernetes binding to a deleted service account): whoever
    /// creates it under that name inherits the access.
    public var missing: Bool

    public init(kind: ObservedKind, name: String, owner: String? = nil, missing: Bool = false) {
        self.kind = kind; self.name = name; self.owner = owner; self.missing = missing
    }
}

/// Where observed access applies.
public enum ObservedScope: Sendable, Hashable {
    /// The grant itself decides its reach (a role membership, a policy attachment).
    case unscoped
    /// Everywhere on the instance: a ClusterRoleBinding, every repository.
    case everywhere
    /// One place, named as the platform names it: `namespace:payments`,
    /// `schema:ledger`, `table:ledger.entries`.
    case within(String)

    public var text: String {
        switch self {
        case .unscoped: ""
        case .everywhere: "*"
        case let .within(place): place
        }
    }

    /// Any other text names the one place it is within.
    public init(text: String) {
        self = text.isEmpty ? .unscoped : text == "*" ? .everywhere : .within(text)
    }

    /// Words for people: `cluster-wide`, `in namespace:payments`.
    public var phrase: String {
        switch self {
        case .unscoped: "with no narrower scope"
        case .everywhere: "everywhere on the instance"
        case let .within(place): "in \(place)"
        }
    }
}

/// A platform's own grant that was observed: what the export shows, in the
/// platform's words, before (or without) the catalogue naming it.
public struct NativeGrant: Sendable, Hashable {
    /// One of the platform's grant types (`cluster_role`, `policy`, `table_privilege`...), as the catalogue maps them.
    public var type: String
    /// The role, policy, privilege or permission.
    public var name: String
    /// What a finding about this grant is keyed by when the catalogue does not
    /// map it: stable across runs (e.g. `policy arn:aws:iam::1:policy/x`).
    public var key: String
    /// How the export shows it, for people: `RoleBinding payments/ci-edit → ClusterRole edit`.
    public var text: String

    public init(type: String, name: String, key: String? = nil, text: String) {
        self.type = type; self.name = name; self.key = key ?? "\(type) \(name)"; self.text = text
    }
}

/// One piece of access an identity platform shows: who holds what, where, how
/// much, according to which record of the export.
public struct Observation: Sendable, Hashable {
    public var system: String
    public var environment: String
    public var subject: ObservedSubject
    /// The catalogue entitlement this access is, when the catalogue maps it;
    /// nil for access the catalogue does not know (which no grant can approve).
    public var entitlement: String?
    public var native: NativeGrant
    public var scope: ObservedScope
    /// How much it allows, when the export (or the catalogue's mapping) says.
    public var access: AccessLevel?
    /// The export's own identifier of the record (binding, policy attachment, token).
    public var sourceID: String
    public var observedAt: Date

    public init(system: String, environment: String, subject: ObservedSubject, entitlement: String?, native: NativeGrant,
                scope: ObservedScope, access: AccessLevel?, sourceID: String, observedAt: Date) {
        self.system = system; self.environment = environment; self.subject = subject; self.entitlement = entitlement
        self.native = native; self.scope = scope; self.access = access; self.sourceID = sourceID; self.observedAt = observedAt
    }
}

/// When a credential was last used, as far as the platform knows.
public enum CredentialUse: Sendable, Hashable {
    case at(Date)
    case never
    /// The platform does not say (AWS `no_information`).
    case unknown
}

/// A credential an identity platform shows (an access key, a password, a
/// token), with the dates that make it stale.
public struct CredentialObservation: Sendable, Hashable {
    public var system: String
    public var environment: String
    public var subject: ObservedSubject
    /// Stable within the instance: `access key AKIA…`, `access_key_1`, `token 25381`.
    public var credentialID: String
    /// When it was created or last rotated.
    public var rotatedAt: Date?
    public var lastUsed: CredentialUse
    public var sourceID: String
    public var observedAt: Date

    public init(system: String, environment: String, subject: ObservedSubject, credentialID: String, rotatedAt: Date?,
                lastUsed: CredentialUse, sourceID: String, observedAt: Date) {
        self.system = system; self.environment = environment; self.subject = subject; self.credentialID = credentialID
        self.rotatedAt = rotatedAt; self.lastUsed = lastUsed; self.sourceID = sourceID; self.observedAt = observedAt
    }
}
