import Crypto
import Foundation

/// A finding owned by sending its access to provisioning for removal: who
/// asked, why, and where the hand-off stands. The finding stays open until a
/// later run no longer shows the access; a removal request never resolves it.
public struct FindingRemoval: Sendable, Hashable {
    public var by: String
    public var at: Date
    public var rationale: String
    /// The `finding_removal_requested` event.
    public var sequence: Int64
    /// Where the removal document stands: `pending` (nothing configured, or
    /// not yet delivered), `handed_off`, or `failed` (and why, in `outcome`).
    public var handOff: ProvisioningState
    /// How it was handed off, or why that failed.
    public var outcome: String?

    public init(by: String, at: Date, rationale: String, sequence: Int64, handOff: ProvisioningState, outcome: String?) {
        self.by = by; self.at = at; self.rationale = rationale; self.sequence = sequence; self.handOff = handOff
        self.outcome = outcome
    }
}

extension EventBody {
    /// Exactly what provisioning is asked to remove: the identity, where, the
    /// platform's grant (as the catalogue maps it and as the export showed
    /// it), the place, and the export records it was seen in.
    public struct RemovalTerms: Codable, Sendable, Hashable {
        public var kind: FindingKind
        public var system: String
        public var environment: String
        /// The account, cluster, database or organization, where the catalogue names it.
        public var instance: String?
        public var subjectKind: String
        public var subject: String
        public var owner: String?
        public var entitlement: String?
        /// The platform's grant type (`cluster_role`, `role`, `policy`...).
        public var grantType: String?
        /// The platform object the catalogue maps the entitlement to (`edit`, `readonly_ledger`).
        public var platformObject: String?
        /// The platform's own words for the grant, as the export showed it.
        public var native: String?
        /// Empty for no narrower scope, `*` for the whole instance, or a place.
        public var scope: String
        public var access: AccessLevel?
        /// The export's identifiers of the records that show the access.
        public var sourceIDs: [String]
        /// The grant the access goes beyond or outlived, if any.
        public var requestID: String?
        enum CodingKeys: String, CodingKey {
            case kind, system, environment, instance, subject, owner, entitlement, native, scope, access
            case subjectKind = "subject_kind", grantType = "grant_type", platformObject = "platform_object"
            case sourceIDs = "source_ids", requestID = "request_id"
        }

        public init(kind: FindingKind, system: String, environment: String, instance: String?, subjectKind: String, subject: String,
                    owner: String?, entitlement: String?, grantType: String?, platformObject: String?, native: String?,
                    scope: String, access: AccessLevel?, sourceIDs: [String], requestID: String?) {
            self.kind = kind; self.system = system; self.environment = environment; self.instance = instance
            self.subjectKind = subjectKind; self.subject = subject; self.owner = owner; self.entitlement = entitlement
            self.grantType = grantType; self.platformObject = platformObject; self.native = native; self.scope = scope
            self.access = access; self.sourceIDs = sourceIDs; self.requestID = requestID
        }
    }

    /// An open access finding sent to provisioning for removal, with the
    /// reason and exactly what to remove. The event's actor is who asked.
    public struct FindingRemovalRequested: Codable, Sendable, Hashable {
        public var findingID: String
        public var rationale: String
        public var terms: RemovalTerms
        enum CodingKeys: String, CodingKey { case rationale, terms, findingID = "finding_id" }
        public init(findingID: String, rationale: String, terms: RemovalTerms) {
            self.findingID = findingID; self.rationale = rationale; self.terms = terms
        }
    }

    /// The removal document delivered: to the outbox, or to the hand-off command that exited 0.
    public struct RemovalHandedOff: Codable, Sendable, Hashable {
        public var findingID: String
        public var via: String
        /// SHA-256 of the document's bytes.
        public var document: String
        enum CodingKeys: String, CodingKey { case via, document, findingID = "finding_id" }
        public init(findingID: String, via: String, document: String) {
            self.findingID = findingID; self.via = via; self.document = document
        }
    }

    /// The removal document could not be delivered; `signoff handoff retry` tries again.
    public struct RemovalHandOffFailed: Codable, Sendable, Hashable {
        public var findingID: String
        public var reason: String
        enum CodingKeys: String, CodingKey { case reason, findingID = "finding_id" }
        public init(findingID: String, reason: String) { self.findingID = findingID; self.reason = reason }
    }
}

extension Reconciliation {
    /// Why `finding` cannot be sent for removal, or nil when it can: only
    /// open findings about access the platform shows, once.
    public static func removalRefusal(_ finding: StoredFinding) -> String? {
        guard finding.open else {
            return "finding \(finding.id) was resolved\(finding.resolvedAt.map { " \(UTCTime.text($0))" } ?? ""): the access it showed is gone, so there is nothing to remove"
        }
        guard finding.kind.showsAccess else {
            return "finding \(finding.id) is \(finding.kind.label): it shows no access to remove; only unapproved, wider-than-approved and not-removed access can be sent for removal"
        }
        if let removal = finding.removal {
            return "the removal of finding \(finding.id) was already requested by \(removal.by) at \(UTCTime.text(removal.at)) (hand-off \(removal.handOff.rawValue)); `signoff handoff retry` delivers it again if it failed"
        }
        return nil
    }

    /// What to remove, from the finding, the `finding_opened` event that
    /// shows the access, and the catalogue's mapping of its entitlement.
    public static func removalTerms(_ finding: StoredFinding, opened: EventBody.FindingOpened, policy: Policy) -> EventBody.RemovalTerms {
        let platform = policy.platform(of: finding.system)
        let mapping = finding.entitlement.flatMap { platform?.entitlements[$0] }
        return EventBody.RemovalTerms(
            kind: finding.kind, system: finding.system, environment: finding.environment,
            instance: platform?.instances[finding.environment], subjectKind: finding.subjectKind, subject: finding.subject,
            owner: finding.owner, entitlement: finding.entitlement, grantType: opened.grantType ?? mapping?.type,
            platformObject: mapping?.name, native: opened.native, scope: finding.scope, access: opened.access,
            sourceIDs: opened.evidence.map(\.sourceID), requestID: finding.requestID)
    }

    /// Sends the open finding to provisioning for removal: the event to
    /// record, or the refusal (a short rationale). Who may do this at all is
    /// the policy's `request_removal` role action, checked before this.
    public static func requestRemoval(_ finding: StoredFinding, terms: EventBody.RemovalTerms, rationale: String, by actor: Principal,
                                      policy: Policy, at now: Date) throws(Refusal) -> EventDraft {
        if let problem = Lifecycle.checkRationale(rationale, policy: policy) { throw Refusal(.rationaleTooShort, problem) }
        return EventDraft(requestID: nil, actor: actor, at: now,
                          body: .findingRemovalRequested(.init(findingID: finding.id, rationale: Lifecycle.stored(rationale), terms: terms)))
    }
}

/// What provisioning receives to remove access (`signoff.removal/1`), one
/// document per removal request, through the same hand-off as grant
/// documents (outbox folder or hand-off command).
public struct RemovalDocument: Sendable, Hashable {
    public static let schemaName = "signoff.removal/1"

    public var findingID: String
    public var requestedBy: String
    public var requestedAt: Date
    public var rationale: String
    public var terms: EventBody.RemovalTerms

    public init(findingID: String, requestedBy: String, requestedAt: Date, rationale: String, terms: EventBody.RemovalTerms) {
        self.findingID = findingID; self.requestedBy = requestedBy; self.requestedAt = requestedAt; self.rationale = rationale
        self.terms = terms
    }

    /// Indented JSON with a final newline: the bytes handed off.
    public func encoded() -> Data {
        var json = JSONOutput(pretty: true, capacity: 1024)
        json.beginObject()
        json.field("schema", Self.schemaName)
        json.field("action", "remove")
        json.field("finding_id", findingID)
        json.field("kind", terms.kind.rawValue)
        json.field("requested_by", requestedBy)
        json.field("requested_at", time: requestedAt)
        json.field("rationale", rationale)
        json.key("subject")
        json.beginObject()
        json.field("kind", terms.subjectKind)
        json.field("name", terms.subject)
        json.field("owner", terms.owner)
        json.endObject()
        json.field("system", terms.system)
        json.field("environment", terms.environment)
        json.field("instance", terms.instance)
        json.field("entitlement", terms.entitlement)
        json.key("platform")
        json.beginObject()
        json.field("type", terms.grantType)
        json.field("object", terms.platformObject)
        json.field("as_exported", terms.native)
        json.endObject()
        json.field("scope", terms.scope)
        json.field("access", terms.access?.rawValue)
        json.field("source_ids", terms.sourceIDs)
        json.field("request_id", terms.requestID)
        json.endObject()
        json.newline()
        return Data(json.bytes)
    }
}

/// The canonical bytes of the removal events, keys in sorted order.
extension CanonicalJSON.Writer {
    mutating func write(_ p: EventBody.FindingRemovalRequested) {
        beginObject()
        key("finding_id"); string(p.findingID)
        key("rationale"); string(p.rationale)
        key("terms")
        let t = p.terms
        beginObject()
        field("access", t.access?.rawValue)
        field("entitlement", t.entitlement)
        key("environment"); string(t.environment)
        field("grant_type", t.grantType)
        field("instance", t.instance)
        key("kind"); string(t.kind.rawValue)
        field("native", t.native)
        field("owner", t.owner)
        field("platform_object", t.platformObject)
        field("request_id", t.requestID)
        key("scope"); string(t.scope)
        key("source_ids"); strings(t.sourceIDs)
        key("subject"); string(t.subject)
        key("subject_kind"); string(t.subjectKind)
        key("system"); string(t.system)
        endObject()
        endObject()
    }
}

extension CanonicalJSON.Shapes {
    static func findingRemovalRequested(_ o: Object) throws -> EventBody.FindingRemovalRequested {
        try o.only(["finding_id", "rationale", "terms"])
        let t = try Object(o.required("terms"))
        try t.only(["access", "environment", "entitlement", "grant_type", "instance", "kind", "native", "owner", "platform_object",
                    "request_id", "scope", "source_ids", "subject", "subject_kind", "system"])
        let access: AccessLevel? = try t.optionalString("access").map {
            guard let level = AccessLevel(rawValue: $0) else { throw CanonicalJSON.Mismatch() }
            return level
        }
        let terms = EventBody.RemovalTerms(
            kind: try t.raw("kind"), system: try t.string("system"), environment: try t.string("environment"),
            instance: try t.optionalString("instance"), subjectKind: try t.string("subject_kind"), subject: try t.string("subject"),
            owner: try t.optionalString("owner"), entitlement: try t.optionalString("entitlement"),
            grantType: try t.optionalString("grant_type"), platformObject: try t.optionalString("platform_object"),
            native: try t.optionalString("native"), scope: try t.string("scope"), access: access,
            sourceIDs: try t.array("source_ids").map(string), requestID: try t.optionalString("request_id"))
        return .init(findingID: try o.string("finding_id"), rationale: try o.string("rationale"), terms: terms)
    }
}
