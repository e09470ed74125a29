import Crypto
import Foundation

/// What a person's signature on an event says they did. Only events a person
/// decides carry one; what follows from them (routing, grants, expiry) and
/// refusals are never signed.
public enum SignedAction: String, Sendable, Hashable, CaseIterable {
    case approve
    case deny
    case revoke
    /// A revocation trigger fired by whoever the policy lets fire it.
    case fireTrigger = "fire_trigger"
    case withdraw
    case submit
    /// An open request replaced by a new version from its source (a changed
    /// ticket), by whoever submitted it: usually an intake identity.
    case revise
    case extend
    case selfActivate = "self_activate"
    case reviewIncident = "review_incident"
    case reportProvisioning = "report_provisioning"
    /// A reconciliation finding accepted as an exception (`signoff drift except`).
    case exceptFinding = "except_finding"
    /// An open finding's access sent to provisioning for removal (`signoff drift remove`).
    case requestRemoval = "request_removal"
    case applyPolicy = "apply_policy"
    case configureHandOff = "configure_hand_off"
    case changeSettings = "change_settings"

    /// The action an event records, or nil for events nobody signs.
    public static func of(_ body: EventBody) -> SignedAction? {
        switch body {
        case let .reviewRecorded(review):
            switch review.verdict {
            case .approve: return .approve
            case .deny: return .deny
            }
        case let .requestSubmitted(submitted): return submitted.request.extends == nil ? .submit : .extend
        case .requestWithdrawn: return .withdraw
        case .requestRevised: return .revise
        case let .grantRevoked(revoked): return revoked.trigger == nil ? .revoke : .fireTrigger
        case let .requestDecided(decided): return decided.selfActivated == true ? .selfActivate : nil
        case .incidentReviewCompleted: return .reviewIncident
        case .grantProvisioned, .grantProvisioningFailed: return .reportProvisioning
        case .findingExcepted: return .exceptFinding
        case .findingRemovalRequested: return .requestRemoval
        case .policyApplied: return .applyPolicy
        case .handOffConfigured: return .configureHandOff
        case .settingsChanged: return .changeSettings
        case .storeCreated, .schemaMigrated, .reconciliationRun, .findingOpened, .findingResolved, .removalHandedOff, .removalHandOffFailed, .ticketLinked, .intakeRefused, .writeBackConfigured, .requestRouted, .reviewRefused, .actionRefused, .grantIssued, .grantHandedOff, .grantExpired,
             .grantExtended:
            return nil
        }
    }

    /// Changes the store's own configuration rather than one request.
    public var isAdministrative: Bool {
        switch self {
        case .applyPolicy, .configureHandOff, .changeSettings: true
        case .approve, .deny, .revoke, .fireTrigger, .withdraw, .submit, .revise, .extend, .selfActivate, .reviewIncident,
             .reportProvisioning, .exceptFinding, .requestRemoval: false
        }
    }
}

/// The canonical statement of one decision: the bytes a person signs.
///
/// A JSON object with sorted keys and no spaces, in the same canonical form as
/// event payloads (`CanonicalJSON`): every value is taken from the event and
/// the evidence chain before it, so anyone holding the export can rebuild the
/// statement and see that the signature covers exactly what was recorded.
///
/// | key | value |
/// | --- | --- |
/// | `schema` | `signoff.statement/2` (see `Schema` for /1) |
/// | `action` | a `SignedAction`: `approve`, `deny`, `revoke`, … |
/// | `kind` | the event kind, e.g. `review_recorded` |
/// | `actor` | who decided |
/// | `at` | when, integer milliseconds since 1970 (the event's time) |
/// | `policy_version` | the policy in force when it was decided (absent before the first) |
/// | `request_id`, `request_version` | the request and the version its decider saw (for a submission: the ID the store gives it, and 1, the version it creates; for a revision, the version it replaces) |
/// | `request_sha256` | SHA-256 of the request's `request_submitted` payload: the content as submitted and shown |
/// | `extends` | for an extension, the request whose grant it extends |
/// | `finding_id`, `until` | for an exception, the finding accepted and until when (integer milliseconds); for a removal request, the finding whose access is to be removed (what exactly, the payload's `terms`, is bound by `payload_sha256`) |
/// | `rationale` | the decider's words, where the event records them (a revision's cause) |
/// | `new_policy_version` | for `apply_policy`, the version applied |
/// | `payload_sha256` | SHA-256 of the event's exact payload, binding every other detail |
public struct DecisionStatement: Sendable, Hashable, CustomStringConvertible {
    /// The forms of statement signoff has had people sign, by the name each
    /// carries in its `schema` key.
    public enum Schema: String, Sendable, Hashable, CaseIterable {
        /// Until a store adopted /2. Its submission statement named neither
        /// the request ID nor the version the submission creates (only the
        /// content), so its signature does not bind a submission to the
        /// request it made; every other action's statement is /2's.
        case v1 = "signoff.statement/1"
        /// Every statement signoff asks for now.
        case v2 = "signoff.statement/2"

        public static let current = Schema.v2
    }

    public static let schema = Schema.current.rawValue
    /// The version a submission creates: its routing, in the same
    /// transaction, always makes a new request version 1.
    public static let submittedVersion = 1

    /// What the chain said just before the event.
    public struct Context: Sendable, Hashable {
        /// The version of the policy in force; nil before any was applied.
        public var policyVersion: String?
        /// The request the event concerns, as it stood; nil for submissions and
        /// for events about no request.
        public var request: RequestState?

        public struct RequestState: Sendable, Hashable {
            public var version: Int
            /// SHA-256 (lowercase hex) of the request's `request_submitted` payload.
            public var submissionSHA256: String
            public init(version: Int, submissionSHA256: String) {
                self.version = version
                self.submissionSHA256 = submissionSHA256
            }

            /// The request as `record` holds it now. Its submission payload is
            /// the request's canonical bytes, as the store wrote them.
            public init(_ record: RequestRecord) {
                let payload = CanonicalJSON.submittedPayload(requestJSON: CanonicalJSON.encode(record.request))
                self.init(version: record.version, submissionSHA256: DecisionStatement.hex(SHA256.hash(data: payload)))
            }
        }

        /// Whether a `signoff.statement/1` signature still counts for the
        /// event: only in a chain before it adopted /2 (`Schema1`).
        public var schema1: Schema1

        /// Where the chain stands on `signoff.statement/1`.
        public enum Schema1: Sendable, Hashable {
            /// The event comes before the chain adopted /2: a /1 signature
            /// counts, for what /1 covers.
            case accepted
            /// The chain adopted /2 before the event (`since` says where): a
            /// /1 signature on it would escape what /2 covers, so it is refused.
            case refused(since: String)

            /// For an event recorded now: signoff asks for /2 only.
            public static let recordedNow = Schema1.refused(since: "this signoff, which signs every new event over signoff.statement/2")
        }

        public init(policyVersion: String?, request: RequestState?, schema1: Schema1 = .recordedNow) {
            self.policyVersion = policyVersion
            self.request = request
            self.schema1 = schema1
        }
    }

    public let action: SignedAction
    public let schema: Schema
    public let bytes: [UInt8]

    public var text: String { String(decoding: bytes, as: UTF8.self) }
    public var description: String { text }

    /// The statement of `draft`, whose stored payload is `payload`, as signoff
    /// asks for it now (`signoff.statement/2`); nil for an event nobody signs.
    public init?(draft: EventDraft, payload: [UInt8], context: Context) {
        self.init(draft: draft, payload: payload, context: context, form: .current)
    }

    /// The `signoff.statement/1` statements `draft` could have been signed
    /// over: for a submission, the original form (its content only) and the
    /// form that named the request ID and version under the same name; for
    /// every other action, /2's statement under /1's name.
    public static func schema1Forms(draft: EventDraft, payload: [UInt8], context: Context) -> [DecisionStatement] {
        if case .requestSubmitted = draft.body {
            return [Form.schema1, .schema1NamingRequest].compactMap {
                DecisionStatement(draft: draft, payload: payload, context: context, form: $0)
            }
        }
        return [DecisionStatement(draft: draft, payload: payload, context: context, form: .schema1NamingRequest)].compactMap { $0 }
    }

    /// How a statement is written: the current form, or one of /1's.
    enum Form {
        case current
        /// /1 as first written: a submission names no request ID or version.
        case schema1
        /// /1 once submissions named their request ID and version (as /2 does).
        case schema1NamingRequest

        var schema: Schema {
            switch self {
            case .current: .current
            case .schema1, .schema1NamingRequest: .v1
            }
        }
    }

    init?(draft: EventDraft, payload: [UInt8], context: Context, form: Form) {
        guard let action = SignedAction.of(draft.body) else { return nil }
        var rationale: String?
        var newPolicyVersion: String?
        var extends: String?
        var findingID: String?
        var until: Date?
        switch draft.body {
        case let .reviewRecorded(review): rationale = review.rationale
        case let .requestSubmitted(submitted): extends = submitted.request.extends
        case let .requestWithdrawn(withdrawn): rationale = withdrawn.rationale
        case let .requestRevised(revised): rationale = revised.cause
        case let .grantRevoked(revoked): rationale = revoked.rationale
        case let .requestDecided(decided): rationale = decided.reason
        case let .incidentReviewCompleted(review): rationale = review.rationale
        case let .grantProvisioned(report): rationale = report.note
        case let .grantProvisioningFailed(report): rationale = report.reason
        case let .policyApplied(applied): newPolicyVersion = applied.version
        case let .findingExcepted(excepted):
            rationale = excepted.rationale
            findingID = excepted.findingID
            until = excepted.until
        case let .findingRemovalRequested(requested):
            rationale = requested.rationale
            findingID = requested.findingID
        case .handOffConfigured, .settingsChanged, .storeCreated, .schemaMigrated, .reconciliationRun, .findingOpened, .findingResolved, .removalHandedOff, .removalHandOffFailed, .ticketLinked, .intakeRefused, .writeBackConfigured, .requestRouted, .reviewRefused, .actionRefused, .grantIssued, .grantHandedOff,
             .grantExpired, .grantExtended:
            break
        }
        // Written as hex straight into the statement: no string is made of it.
        let payloadHash = SHA256.hash(data: payload)
        var requestVersion = context.request?.version
        var requestID = draft.requestID
        var requestHash = context.request.map { RequestHash.text($0.submissionSHA256) }
        if case .requestSubmitted = draft.body {
            switch form {
            case .current, .schema1NamingRequest:
                // The request it creates: the ID the store gives it (allocated
                // before it is signed), its first version, and as content the
                // payload itself. Without the ID, the same signed content could
                // be recorded again as another request.
                requestVersion = Self.submittedVersion
                requestHash = .payload
            case .schema1:
                requestVersion = nil
                requestID = nil
                requestHash = .payload
            }
        }

        var writer = CanonicalJSON.Writer(capacity: 512 + payload.count / 4)
        writer.beginObject()
        writer.key("action"); writer.string(action.rawValue)
        writer.key("actor"); writer.string(draft.actor.name)
        writer.key("at"); writer.date(draft.at)
        if let extends { writer.key("extends"); writer.string(extends) }
        if let findingID { writer.key("finding_id"); writer.string(findingID) }
        writer.key("kind"); writer.string(draft.body.kind)
        if let newPolicyVersion { writer.key("new_policy_version"); writer.string(newPolicyVersion) }
        writer.key("payload_sha256"); writer.hex(payloadHash)
        if let version = context.policyVersion { writer.key("policy_version"); writer.string(version) }
        if let rationale { writer.key("rationale"); writer.string(rationale) }
        if let requestID { writer.key("request_id"); writer.string(requestID) }
        switch requestHash {
        case let .text(hash)?: writer.key("request_sha256"); writer.string(hash)
        case .payload?: writer.key("request_sha256"); writer.hex(payloadHash)
        case nil: break
        }
        if let requestVersion { writer.key("request_version"); writer.int(requestVersion) }
        writer.key("schema"); writer.string(form.schema.rawValue)
        if let until { writer.key("until"); writer.date(until) }
        writer.endObject()
        self.action = action
        self.schema = form.schema
        self.bytes = writer.bytes
    }

    /// Where a statement's `request_sha256` comes from: the request as it
    /// stood, or (for a submission) the event's own payload.
    private enum RequestHash {
        case text(String)
        case payload
    }

    /// Lowercase hex of a digest.
    public static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
