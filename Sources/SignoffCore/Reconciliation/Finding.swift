import Crypto
import Foundation

/// A kind of difference between the grants and what a platform shows.
public enum FindingKind: String, CaseIterable, Sendable, Hashable, Codable {
    /// Access present with no live approved grant: standing or unapproved access.
    case unapproved
    /// A live grant provisioning reported done, whose access is not there.
    case notProvisioned = "not_provisioned"
    /// A grant that ended, whose access is still there past the policy's grace period.
    case notRemoved = "not_removed"
    /// Access present, but more than approved: a higher level, a wider place,
    /// or more than the subject's grants cover.
    case wider
    /// An identity with access and no owner in the directory, or an owner who has left.
    case orphaned
    /// A credential older than the rotation limit, or unused longer than allowed.
    case staleCredential = "stale_credential"

    /// Whether the finding is about access the platform shows: what a
    /// request can ask to approve, or provisioning can remove. The others are
    /// about access that is missing, an identity's owner, or a credential's age.
    public var showsAccess: Bool {
        switch self {
        case .unapproved, .wider, .notRemoved: true
        case .notProvisioned, .orphaned, .staleCredential: false
        }
    }

    /// Words for people and list columns.
    public var label: String {
        switch self {
        case .unapproved: "unapproved access"
        case .notProvisioned: "not provisioned"
        case .notRemoved: "not removed"
        case .wider: "wider than approved"
        case .orphaned: "orphaned"
        case .staleCredential: "stale credential"
        }
    }
}

/// One record of an export behind a finding.
public struct FindingEvidence: Sendable, Hashable {
    public var sourceID: String
    /// The platform's own words: `RoleBinding payments/ci → ClusterRole edit`.
    public var text: String
    public var observedAt: Date

    public init(sourceID: String, text: String, observedAt: Date) {
        self.sourceID = sourceID; self.text = text; self.observedAt = observedAt
    }
}

/// A difference reconciliation found, with an identity that stays the same
/// from run to run while the difference lasts, so it can be seen first, seen
/// again, excepted and resolved.
public struct Finding: Sendable, Hashable {
    /// `F-` and 16 hexadecimal digits of the SHA-256 of `key`.
    public var id: String
    public var kind: FindingKind
    public var system: String
    public var environment: String
    public var subject: ObservedSubject
    /// The catalogue entitlement concerned; nil for access the catalogue does not map.
    public var entitlement: String?
    /// The platform's grant concerned, for access findings.
    public var native: NativeGrant?
    public var scope: ObservedScope
    public var access: AccessLevel?
    /// The grant the finding is about, or the one the access goes beyond.
    public var requestID: String?
    public var credentialID: String?
    /// One sentence: what differs, against what was approved.
    public var summary: String
    public var evidence: [FindingEvidence]

    public init(kind: FindingKind, key: String, system: String, environment: String, subject: ObservedSubject,
                entitlement: String?, native: NativeGrant?, scope: ObservedScope, access: AccessLevel?,
                requestID: String?, credentialID: String?, summary: String, evidence: [FindingEvidence]) {
        self.id = Self.id(key: key)
        self.kind = kind; self.system = system; self.environment = environment; self.subject = subject
        self.entitlement = entitlement; self.native = native; self.scope = scope; self.access = access
        self.requestID = requestID; self.credentialID = credentialID; self.summary = summary; self.evidence = evidence
    }

    /// The stable identity of a finding key: what must stay the same for two
    /// runs to show the same difference, NUL-separated.
    public static func id(key: String) -> String {
        let digest = SHA256.hash(data: Data(key.utf8))
        var text = "F-"
        for byte in digest.prefix(8) {
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 0x0F)])
        }
        return text
    }

    private static let hexDigits: [Character] = Array("0123456789abcdef")

    /// Whether `text` could be a finding ID, to tell it apart from a request ID.
    public static func isID(_ text: String) -> Bool {
        text.count == 18 && text.hasPrefix("F-") && text.dropFirst(2).allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }
}

/// What reconciliation learned about a grant it could see: whether its access
/// was there. A grant is done when reconciliation has seen it carried out.
public struct GrantSighting: Sendable, Hashable {
    public var requestID: String
    public var present: Bool
    /// Whether the grant was live (its access is meant to be there).
    public var live: Bool

    public init(requestID: String, present: Bool, live: Bool) {
        self.requestID = requestID; self.present = present; self.live = live
    }
}
