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
/// | `schema` | `signoff.statement/3` (see `Schema` for /1 and /2) |
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
/// | `store` | the store it was decided in: the chained hash (lowercase hex) of the store's first event, its `store_created`; the same in a store's copies made by `signoff store copy`, which keep every hash, and different in every other store |
public struct DecisionStatement: Sendable, Hashable, CustomStringConvertible {
    /// The forms of statement signoff has had people sign, by the name each
    /// carries in its `schema` key. Each older one counts only for events
    /// the chain places before it adopted the one after it (`OlderStatements`).
    public enum Schema: String, Sendable, Hashable, CaseIterable {
        /// Until a store adopted /2. Its submission statement named neither
        /// the request ID nor the version the submission creates (only the
        /// content), so its signature does not bind a submission to the
        /// request it made; every other action's statement is /2's.
        case v1 = "signoff.statement/1"
        /// Until a store adopted /3: /3's statement without the `store` key,
        /// so its signature does not bind a decision to the store it was
        /// made in (the same statement holds in a store crafted to match).
        case v2 = "signoff.statement/2"
        /// Every statement signoff asks for now.
        case v3 = "signoff.statement/3"

        public static let current = Schema.v3

        /// The schema whose adoption ends this one's acceptance; nil for the current one.
        public var successor: Schema? {
            switch self {
            case .v1: .v2
            case .v2: .v3
            case .v3: nil
            }
        }

        /// The name in short, as messages use it: `/1`.
        public var short: String { String(rawValue.drop { $0 != "/" }) }

        /// What a signature over this schema does not cover that the next
        /// one does; nil for the current one.
        public var gap: String? {
            switch self {
            case .v1: "a /1 submission's signature does not cover its request ID and version"
            case .v2: "a /2 statement does not name its store, so its signature would hold in another store made to match"
            case .v3: nil
            }
        }
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

        /// The store the event is recorded in: the chained hash (lowercase
        /// hex) of its first event. Named by /3 statements only.
        public var store: String

        /// Which older statements still count for the event (`OlderStatements`).
        public var older: OlderStatements

        public init(policyVersion: String?, request: RequestState?, store: String, older: OlderStatements = .recordedNow) {
            self.policyVersion = policyVersion
            self.request = request
            self.store = store
            self.older = older
        }
    }

    /// Where a chain stands on the statements older than `Schema.current`:
    /// each counts, for what it covers, only on events the chain places
    /// before it adopted the schema after it (recorded the migration that
    /// adopted it, or carried a signature over it, whichever came first).
    /// After that an older statement would escape what the newer one
    /// covers: a downgrade, refused.
    public struct OlderStatements: Sendable, Hashable {
        /// Where the chain adopted each schema after /1 it has adopted: the
        /// first place found, in words.
        public private(set) var adopted: [Schema: String]

        public init() { adopted = [:] }

        /// Every older statement counts: the event comes before the chain adopted /2.
        public static let accepted = OlderStatements()

        /// For an event recorded now: signoff asks for the current schema only.
        public static let recordedNow: OlderStatements = {
            var older = OlderStatements()
            older.adopt(.current, since: "this signoff, which signs every new event over \(Schema.current.rawValue)")
            return older
        }()

        /// From `since` on, the chain signs `schema`, and so every schema
        /// before it too: those it had not adopted yet are adopted at the
        /// same place. A schema adopted earlier keeps its first place.
        public mutating func adopt(_ schema: Schema, since: String) {
            guard let through = Schema.allCases.firstIndex(of: schema) else { return }
            // /1 is where every chain starts: never adopted, only refused.
            for candidate in Schema.allCases[...through].dropFirst() where adopted[candidate] == nil {
                adopted[candidate] = since
            }
        }

        /// Why a signature over `schema` no longer counts: the schema the
        /// chain adopted after it, and since where; nil while it counts.
        public func refusal(of schema: Schema) -> (adopted: Schema, since: String)? {
            guard let successor = schema.successor, let since = adopted[successor] else { return nil }
            return (successor, since)
        }
    }

    public let action: SignedAction
    public let schema: Schema
    public let bytes: [UInt8]

    /// Whether a signed `statement` names the current schema. Canonical JSON
    /// escapes every quote inside a string, so this key and value appear
    /// unescaped only as a statement's own `schema`; text that holds them
    /// otherwise is judged as if recorded now, the strictest way.
    public static func namesCurrentSchema(_ statement: String) -> Bool {
        statement.contains(currentSchemaField)
    }

    private static let currentSchemaField = #""schema":"\#(Schema.current.rawValue)""#

    public var text: String { String(decoding: bytes, as: UTF8.self) }
    public var description: String { text }

    /// The statement of `draft`, whose stored payload is `payload`, as signoff
    /// asks for it now (`signoff.statement/3`); nil for an event nobody signs.
    public init?(draft: EventDraft, payload: [UInt8], context: Context) {
        self.init(draft: draft, payload: payload, context: context, form: .current)
    }

    /// The statements of older schemas `draft` could have been signed over,
    /// newest first: /2's (the current statement without `store`); then, as
    /// /1, for a submission the original form (its content only) and the
    /// form that named the request ID and version under the same name, and
    /// for every other action /2's statement under /1's name.
    public static func olderForms(draft: EventDraft, payload: [UInt8], context: Context) -> [DecisionStatement] {
        let forms: [Form]
        if case .requestSubmitted = draft.body {
            forms = [.schema2, .schema1, .schema1NamingRequest]
        } else {
            forms = [.schema2, .schema1NamingRequest]
        }
        return forms.compactMap { DecisionStatement(draft: draft, payload: payload, context: context, form: $0) }
    }

    /// How a statement is written: the current form, or an older one.
    enum Form {
        case current
        /// /2: the current statement without the store it was made in.
        case schema2
        /// /1 as first written: a submission names no request ID or version.
        case schema1
        /// /1 once submissions named their request ID and version (as /2 does).
        case schema1NamingRequest

        var schema: Schema {
            switch self {
            case .current: .current
            case .schema2: .v2
            case .schema1, .schema1NamingRequest: .v1
            }
        }

        /// Whether the statement names its store.
        var namesStore: Bool {
            switch self {
            case .current: true
            case .schema2, .schema1, .schema1NamingRequest: false
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
            case .current, .schema2, .schema1NamingRequest:
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
        if form.namesStore { writer.key("store"); writer.string(context.store) }
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
