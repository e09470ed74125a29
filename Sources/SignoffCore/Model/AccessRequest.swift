import Foundation

/// The identity that will hold the access.
public struct Subject: Sendable, Hashable, Codable {
    public var kind: IdentityKind
    public var name: String
    /// The accountable person; for a human subject, defaults to the subject.
    public var owner: String

    public init(kind: IdentityKind, name: String, owner: String) {
        self.kind = kind
        self.name = name
        self.owner = owner
    }
}

/// A named event that ends the grant early, e.g. `ticket_closed` with the ticket.
public struct RevocationTrigger: Sendable, Hashable, Codable {
    public var name: String
    public var ref: String

    public init(name: String, ref: String) {
        self.name = name
        self.ref = ref
    }
}

/// What someone asks for, exactly as submitted. Every field is untrusted text
/// from a stranger; it is validated for shape, never rewritten.
public struct AccessRequest: Sendable, Hashable, Codable {
    /// Who asks. Nil in a file means "the identity that submits".
    public var requester: String?
    public var subject: Subject
    public var system: String
    public var environment: String
    public var entitlement: String
    public var scope: String?
    public var access: AccessLevel
    public var purpose: String
    /// Requested length of access; when `start`/`end` are given it is their difference.
    public var duration: TimeSpan
    public var start: Date?
    public var end: Date?
    public var revocationTriggers: [RevocationTrigger]
    public var ticket: String?
    public var breakGlass: Bool
    public var incident: String?
    public var labels: [String: String]
    /// Free text; only ever additional to the structured fields.
    public var notes: String?
    /// For an extension (`signoff extend`): the request whose grant it extends.
    /// Set by signoff, never read from a request file.
    public var extends: String?
    /// The reconciliation finding whose access this request asks to approve
    /// (`signoff drift request`): the finding shows the request, and resolves
    /// as any does once a run sees the access approved.
    public var finding: String?

    public init(requester: String? = nil, subject: Subject, system: String, environment: String,
                entitlement: String, scope: String? = nil, access: AccessLevel, purpose: String,
                duration: TimeSpan, start: Date? = nil, end: Date? = nil,
                revocationTriggers: [RevocationTrigger] = [], ticket: String? = nil,
                breakGlass: Bool = false, incident: String? = nil, labels: [String: String] = [:],
                notes: String? = nil, extends: String? = nil, finding: String? = nil) {
        self.requester = requester
        self.subject = subject
        self.system = system
        self.environment = environment
        self.entitlement = entitlement
        self.scope = scope
        self.access = access
        self.purpose = purpose
        self.duration = duration
        self.start = start
        self.end = end
        self.revocationTriggers = revocationTriggers
        self.ticket = ticket
        self.breakGlass = breakGlass
        self.incident = incident
        self.labels = labels
        self.notes = notes
        self.extends = extends
        self.finding = finding
    }

    enum CodingKeys: String, CodingKey {
        case requester, subject, system, environment, entitlement, scope, access, purpose, duration
        case start, end, ticket, incident, labels, notes, extends, finding
        case revocationTriggers = "revocation_triggers"
        case breakGlass = "break_glass"
    }
}

extension AccessRequest {
    /// The request with the end of the window a start and a duration ask
    /// for, as a request file gives it (`RequestFile`): one stored before
    /// that was so holds a start and a duration without an end.
    public var withWindowEnd: AccessRequest {
        guard let start, end == nil else { return self }
        var request = self
        request.end = start.addingTimeInterval(TimeInterval(duration.seconds))
        return request
    }

    /// Whether `other` asks for what this does: a window told by its end and
    /// one told by its start and duration alike, so an unchanged ticket is
    /// never taken for a revision of a request stored before windows held their end.
    public func asksTheSame(as other: AccessRequest) -> Bool {
        self == other || withWindowEnd == other.withWindowEnd
    }
}
