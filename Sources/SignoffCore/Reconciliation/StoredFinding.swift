import Foundation

/// A finding as the store holds it: what differs, since when, whether it
/// still does, and who owns it (an exception, a request for the access).
/// The command line, the JSON documents and the console's Drift view all
/// show this one type.
public struct StoredFinding: Sendable, Hashable {
    public var id: String
    public var kind: FindingKind
    public var system: String
    public var environment: String
    /// The identity as the platform shows it: its kind (`service_account`, `group`, `unknown`...), name and owner.
    public var subjectKind: String
    public var subject: String
    public var owner: String?
    public var entitlement: String?
    /// The platform's grant type concerned (`cluster_role`, `policy`...), where there is one.
    public var grantType: String?
    public var scope: String
    /// The grant it concerns, or the one the access goes beyond.
    public var requestID: String?
    public var credentialID: String?
    public var summary: String
    public var open: Bool
    public var firstSeenAt: Date
    public var firstRun: Int64
    public var lastSeenAt: Date
    public var lastRun: Int64
    public var resolvedAt: Date?
    public var resolvedRun: Int64?
    /// The `finding_opened` event that holds the records behind it.
    public var openedSequence: Int64
    /// The latest exception it was accepted as, in force or ended.
    public var exception: FindingException?
    /// The latest request submitted for the access it shows (`finding:` in
    /// the request); the finding resolves when that access is granted and a
    /// later run sees it approved.
    public var linkedRequest: String?
    /// The removal it was sent to provisioning for, and where that stands.
    public var removal: FindingRemoval?

    public init(id: String, kind: FindingKind, system: String, environment: String, subjectKind: String, subject: String,
                owner: String?, entitlement: String?, grantType: String?, scope: String, requestID: String?,
                credentialID: String?, summary: String, open: Bool, firstSeenAt: Date, firstRun: Int64, lastSeenAt: Date,
                lastRun: Int64, resolvedAt: Date?, resolvedRun: Int64?, openedSequence: Int64, exception: FindingException?,
                linkedRequest: String? = nil, removal: FindingRemoval? = nil) {
        self.id = id; self.kind = kind; self.system = system; self.environment = environment
        self.subjectKind = subjectKind; self.subject = subject; self.owner = owner; self.entitlement = entitlement
        self.grantType = grantType; self.scope = scope; self.requestID = requestID; self.credentialID = credentialID
        self.summary = summary; self.open = open; self.firstSeenAt = firstSeenAt; self.firstRun = firstRun
        self.lastSeenAt = lastSeenAt; self.lastRun = lastRun; self.resolvedAt = resolvedAt; self.resolvedRun = resolvedRun
        self.openedSequence = openedSequence; self.exception = exception; self.linkedRequest = linkedRequest
        self.removal = removal
    }

    /// Whether it is open and not under an exception in force at `now`: what is reported.
    public func isReported(at now: Date) -> Bool { open && !(exception?.inForce(at: now) ?? false) }
}
