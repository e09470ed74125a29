import Foundation

/// Why a review was refused; recorded as evidence and mapped to exit codes.
public enum RefusalReason: String, Codable, Sendable, Hashable {
    case selfApproval = "self_approval"
    case notEligible = "not_eligible"
    case alreadyReviewed = "already_reviewed"
    case alreadyDecided = "already_decided"
    case staleVersion = "stale_version"
    case rationaleTooShort = "rationale_too_short"
    case notRequester = "not_requester"
    /// The grant is not in a state that allows this (ended, not yet approved).
    case notActive = "not_active"
    /// The policy's limits refuse it (maximum total, break-glass rules).
    case overLimit = "over_limit"
    /// Too early: e.g. self-activation before the policy's waiting time.
    case tooEarly = "too_early"
    /// A request field holds what looks like a credential (`SecretScan`).
    case containsSecret = "contains_secret"
    /// The policy requires the decision to be signed, and no valid signature
    /// with a key it lists for the person could be made.
    case signatureRequired = "signature_required"

    /// Conflicts are races or stale views: reload and look again. The rest are rules.
    public var isConflict: Bool { self == .alreadyDecided || self == .staleVersion }
}

/// A grant action a person can attempt, and the rules can refuse.
public enum AttemptedAction: String, Codable, Sendable, Hashable, CaseIterable {
    case revoke
    case selfActivate = "self_activate"
    case reviewIncident = "review_incident"
    case submit
    /// An open request replaced by a new version from its source (an import
    /// of a changed ticket).
    case revise
    case withdraw
    case extend
    case fireTrigger = "fire_trigger"
    case reportProvisioning = "report_provisioning"
    case applyPolicy = "apply_policy"
    case configureHandOff = "configure_hand_off"
    case changeSettings = "change_settings"
    case reconcile
    case exceptFinding = "except_finding"
    case requestRemoval = "request_removal"
}

/// The kinds of fact the store holds, by the name stored in the `kind`
/// column. Every reader switches over this enum with no catch-all case, so a
/// kind added here must be handled everywhere before signoff builds.
public enum EventKind: String, CaseIterable, Sendable {
    case policyApplied = "policy_applied"
    case requestSubmitted = "request_submitted"
    case requestRouted = "request_routed"
    case reviewRecorded = "review_recorded"
    case reviewRefused = "review_refused"
    case actionRefused = "action_refused"
    case requestDecided = "request_decided"
    case requestWithdrawn = "request_withdrawn"
    case grantIssued = "grant_issued"
    case grantHandedOff = "grant_handed_off"
    case grantProvisioned = "grant_provisioned"
    case grantProvisioningFailed = "grant_provisioning_failed"
    case grantExpired = "grant_expired"
    case grantRevoked = "grant_revoked"
    case grantExtended = "grant_extended"
    case incidentReviewCompleted = "incident_review_completed"
    case handOffConfigured = "hand_off_configured"
    case storeCreated = "store_created"
    case settingsChanged = "settings_changed"
    case schemaMigrated = "schema_migrated"
    case reconciliationRun = "reconciliation_run"
    case findingOpened = "finding_opened"
    case findingResolved = "finding_resolved"
    case findingExcepted = "finding_excepted"
    case findingRemovalRequested = "finding_removal_requested"
    case removalHandedOff = "removal_handed_off"
    case removalHandOffFailed = "removal_hand_off_failed"
    case requestRevised = "request_revised"
    case ticketLinked = "ticket_linked"
    case intakeRefused = "intake_refused"
    case writeBackConfigured = "write_back_configured"
}

/// One immutable fact. A request's state is the fold of its events.
///
/// `indirect`: each payload lives in a box of its own, so an event is a few
/// words and copying one retains a box instead of every string and list of
/// its payload (a submission's request alone holds about twenty). Events are
/// copied often as they pass from reading to folding to checking; `audit
/// verify` copies each several times.
public indirect enum EventBody: Sendable, Hashable {
    case policyApplied(PolicyApplied)
    case requestSubmitted(RequestSubmitted)
    case requestRouted(RequestRouted)
    case reviewRecorded(ReviewRecorded)
    case reviewRefused(ReviewRefused)
    case actionRefused(ActionRefused)
    case requestDecided(RequestDecided)
    case requestWithdrawn(RequestWithdrawn)
    case grantIssued(GrantIssued)
    case grantHandedOff(GrantHandedOff)
    case grantProvisioned(GrantProvisioned)
    case grantProvisioningFailed(GrantProvisioningFailed)
    case grantExpired(GrantExpired)
    case grantRevoked(GrantRevoked)
    case grantExtended(GrantExtended)
    case incidentReviewCompleted(IncidentReviewCompleted)
    case handOffConfigured(HandOffConfigured)
    case storeCreated(StoreCreated)
    case settingsChanged(SettingsChanged)
    case schemaMigrated(SchemaMigrated)
    case reconciliationRun(ReconciliationRun)
    case findingOpened(FindingOpened)
    case findingResolved(FindingResolved)
    case findingExcepted(FindingExcepted)
    case findingRemovalRequested(FindingRemovalRequested)
    case removalHandedOff(RemovalHandedOff)
    case removalHandOffFailed(RemovalHandOffFailed)
    case requestRevised(RequestRevised)
    case ticketLinked(TicketLinked)
    case intakeRefused(IntakeRefused)
    case writeBackConfigured(WriteBackConfigured)

    public struct PolicyApplied: Codable, Sendable, Hashable {
        public var version: String
        public var previousVersion: String?
        public var file: String
        public var source: String
        enum CodingKeys: String, CodingKey { case version, file, source, previousVersion = "previous_version" }
        public init(version: String, previousVersion: String?, file: String, source: String) {
            self.version = version; self.previousVersion = previousVersion; self.file = file; self.source = source
        }
    }
    public struct RequestSubmitted: Codable, Sendable, Hashable {
        public var request: AccessRequest
        public init(request: AccessRequest) { self.request = request }
    }
    public struct RequestRouted: Codable, Sendable, Hashable {
        /// The request version this routing creates.
        public var version: Int
        public var policyVersion: String
        public var outcome: RouteOutcome
        /// `submitted`, or `policy <version> applied` for re-routing.
        public var cause: String
        enum CodingKeys: String, CodingKey { case version, outcome, cause, policyVersion = "policy_version" }
        public init(version: Int, policyVersion: String, outcome: RouteOutcome, cause: String) {
            self.version = version; self.policyVersion = policyVersion; self.outcome = outcome; self.cause = cause
        }
    }
    public struct ReviewRecorded: Codable, Sendable, Hashable {
        public var verdict: Verdict
        public var rationale: String
        public var requestVersion: Int
        public var policyVersion: String
        enum CodingKeys: String, CodingKey {
            case verdict, rationale, requestVersion = "request_version", policyVersion = "policy_version"
        }
        public init(verdict: Verdict, rationale: String, requestVersion: Int, policyVersion: String) {
            self.verdict = verdict; self.rationale = rationale; self.requestVersion = requestVersion; self.policyVersion = policyVersion
        }
    }
    public struct ReviewRefused: Codable, Sendable, Hashable {
        public var verdict: Verdict?
        public var reason: RefusalReason
        public var message: String
        public var shownVersion: Int?
        public var currentVersion: Int
        enum CodingKeys: String, CodingKey {
            case verdict, reason, message, shownVersion = "shown_version", currentVersion = "current_version"
        }
        public init(verdict: Verdict?, reason: RefusalReason, message: String, shownVersion: Int?, currentVersion: Int) {
            self.verdict = verdict; self.reason = reason; self.message = message; self.shownVersion = shownVersion; self.currentVersion = currentVersion
        }
    }
    /// A refused attempt at a grant action: evidence, as a refused review is.
    public struct ActionRefused: Codable, Sendable, Hashable {
        public var action: AttemptedAction
        public var reason: RefusalReason
        public var message: String
        public init(action: AttemptedAction, reason: RefusalReason, message: String) {
            self.action = action; self.reason = reason; self.message = message
        }
    }
    public struct RequestDecided: Codable, Sendable, Hashable {
        public var state: RequestState
        public var by: [String]
        public var policyVersion: String?
        public var reason: String
        /// True only for a break-glass request its requester activated.
        public var selfActivated: Bool?
        enum CodingKeys: String, CodingKey {
            case state, by, reason, policyVersion = "policy_version", selfActivated = "self_activated"
        }
        public init(state: RequestState, by: [String], policyVersion: String?, reason: String, selfActivated: Bool? = nil) {
            self.state = state; self.by = by; self.policyVersion = policyVersion; self.reason = reason
            self.selfActivated = selfActivated
        }
    }
    public struct RequestWithdrawn: Codable, Sendable, Hashable {
        public var rationale: String?
        public init(rationale: String?) { self.rationale = rationale }
    }

    /// An approved request becomes a grant: exactly what, from when, until when.
    public struct GrantIssued: Codable, Sendable, Hashable {
        public var terms: GrantTerms
        public var approvers: [String]
        public var policyVersion: String
        public var duration: TimeSpan
        /// Nil when the clock starts at provisioning.
        public var startsAt: Date?
        public var expiresAt: Date?
        /// Where the clock starts at provisioning: the end of the window the
        /// request asked for, which the clock never runs past. Nil otherwise
        /// (a grant whose clock started at approval has its expiry already).
        public var endsBy: Date?
        public var selfActivated: Bool
        public var incidentReview: IncidentReviewDue?
        enum CodingKeys: String, CodingKey {
            case terms, approvers, duration
            case policyVersion = "policy_version", startsAt = "starts_at", expiresAt = "expires_at", endsBy = "ends_by"
            case selfActivated = "self_activated", incidentReview = "incident_review"
        }
        public init(terms: GrantTerms, approvers: [String], policyVersion: String, duration: TimeSpan, startsAt: Date?,
                    expiresAt: Date?, endsBy: Date? = nil, selfActivated: Bool, incidentReview: IncidentReviewDue?) {
            self.terms = terms; self.approvers = approvers; self.policyVersion = policyVersion; self.duration = duration
            self.startsAt = startsAt; self.expiresAt = expiresAt; self.endsBy = endsBy; self.selfActivated = selfActivated
            self.incidentReview = incidentReview
        }
    }
    public struct IncidentReviewDue: Codable, Sendable, Hashable {
        public var reviewers: String
        public var dueAt: Date
        enum CodingKeys: String, CodingKey { case reviewers, dueAt = "due_at" }
        public init(reviewers: String, dueAt: Date) { self.reviewers = reviewers; self.dueAt = dueAt }
    }
    /// The grant document was delivered to provisioning's outbox.
    public struct GrantHandedOff: Codable, Sendable, Hashable {
        public var action: HandOffAction
        /// `outbox <path>`.
        public var via: String
        /// SHA-256 of the document's bytes.
        public var document: String
        public init(action: HandOffAction, via: String, document: String) {
            self.action = action; self.via = via; self.document = document
        }
    }
    public struct GrantProvisioned: Codable, Sendable, Hashable {
        public var action: HandOffAction
        public var note: String?
        public init(action: HandOffAction, note: String?) { self.action = action; self.note = note }
    }
    public struct GrantProvisioningFailed: Codable, Sendable, Hashable {
        public var action: HandOffAction
        public var reason: String
        public init(action: HandOffAction, reason: String) { self.action = action; self.reason = reason }
    }
    public struct GrantExpired: Codable, Sendable, Hashable {
        public var expiresAt: Date
        enum CodingKeys: String, CodingKey { case expiresAt = "expires_at" }
        public init(expiresAt: Date) { self.expiresAt = expiresAt }
    }
    public struct GrantRevoked: Codable, Sendable, Hashable {
        public var rationale: String
        /// Set when a revocation trigger fired, rather than a person deciding.
        public var trigger: RevocationTrigger?
        public init(rationale: String, trigger: RevocationTrigger?) { self.rationale = rationale; self.trigger = trigger }
    }
    public struct GrantExtended: Codable, Sendable, Hashable {
        /// The approved extension request.
        public var extensionID: String
        /// What the grant was extended by (may be less than asked: the policy's maximum total).
        public var by: TimeSpan
        public var expiresAt: Date?
        enum CodingKeys: String, CodingKey { case by, extensionID = "extension_id", expiresAt = "expires_at" }
        public init(extensionID: String, by: TimeSpan, expiresAt: Date?) {
            self.extensionID = extensionID; self.by = by; self.expiresAt = expiresAt
        }
    }
    public struct IncidentReviewCompleted: Codable, Sendable, Hashable {
        public var rationale: String
        public init(rationale: String) { self.rationale = rationale }
    }
    /// Where grant documents go. Both nil: nowhere (grants wait as pending).
    public struct HandOffConfigured: Codable, Sendable, Hashable {
        public var outbox: String?
        public var command: String?
        public var timeoutSeconds: Int?
        enum CodingKeys: String, CodingKey { case outbox, command, timeoutSeconds = "timeout_seconds" }
        public init(outbox: String?, command: String?, timeoutSeconds: Int?) {
            self.outbox = outbox; self.command = command; self.timeoutSeconds = timeoutSeconds
        }
    }

    /// The first event of every store: who created it (the event's actor),
    /// with which settings, at which schema. Settings are evidence like
    /// decisions: `audit verify` holds the settings table, the schema and
    /// every asserted identity to what the events say.
    public struct StoreCreated: Codable, Sendable, Hashable {
        public var trustAssertedIdentities: Bool
        public var shareGroup: String?
        /// The schema migrations the store was created with, in order.
        public var migrations: [String]
        enum CodingKeys: String, CodingKey {
            case migrations, trustAssertedIdentities = "trust_asserted_identities", shareGroup = "share_group"
        }
        public init(trustAssertedIdentities: Bool, shareGroup: String?, migrations: [String]) {
            self.trustAssertedIdentities = trustAssertedIdentities; self.shareGroup = shareGroup; self.migrations = migrations
        }
    }
    /// The store's settings from now on (all of them, not a difference).
    public struct SettingsChanged: Codable, Sendable, Hashable {
        public var trustAssertedIdentities: Bool
        public var shareGroup: String?
        enum CodingKeys: String, CodingKey {
            case trustAssertedIdentities = "trust_asserted_identities", shareGroup = "share_group"
        }
        public init(trustAssertedIdentities: Bool, shareGroup: String?) {
            self.trustAssertedIdentities = trustAssertedIdentities; self.shareGroup = shareGroup
        }
    }
    /// Schema migrations a newer signoff applied to the store, in order.
    public struct SchemaMigrated: Codable, Sendable, Hashable {
        public var migrations: [String]
        public init(migrations: [String]) { self.migrations = migrations }
    }

    /// An open request whose source (its ticket) changed: the request is
    /// replaced, and a `request_routed` event with a new version follows, so
    /// no approval of the version approvers saw before counts.
    public struct RequestRevised: Codable, Sendable, Hashable {
        public var request: AccessRequest
        /// Why, in words: `ticket ACC-12 changed`.
        public var cause: String
        public init(request: AccessRequest, cause: String) { self.request = request; self.cause = cause }
    }
    /// The ticket the request comes from: one ticket, one request.
    public struct TicketLinked: Codable, Sendable, Hashable {
        public var ticket: TicketRef
        /// When the ticket last changed, by its source's own clock (Jira's
        /// `updated`), where the source said: a ticket older than that is
        /// never imported over it.
        public var updated: Date?
        /// The person of the directory who made the change the ticket was
        /// imported for (a webhook's `user`), where the source said and it is
        /// not the requester: they shaped the terms, so they may not decide them.
        public var editedBy: String?
        public init(ticket: TicketRef, updated: Date? = nil, editedBy: String? = nil) {
            self.ticket = ticket; self.updated = updated; self.editedBy = editedBy
        }
        enum CodingKeys: String, CodingKey { case ticket, updated, editedBy = "edited_by" }
    }
    /// A ticket that made no request (or no change of its request), and why,
    /// field by field. Of a secret, only where it is: never the value.
    public struct IntakeRefused: Codable, Sendable, Hashable {
        public var ticket: TicketRef
        public var problems: [IntakeProblem]
        /// SHA-256 of the problems: the same refusal again records nothing new.
        public var fingerprint: String
        /// As `TicketLinked.updated`: the refused ticket's time by its source's clock.
        public var updated: Date?
        public init(ticket: TicketRef, problems: [IntakeProblem], fingerprint: String, updated: Date? = nil) {
            self.ticket = ticket; self.problems = problems; self.fingerprint = fingerprint; self.updated = updated
        }
        /// Records only that the ticket was closed or deleted (and when).
        public var isClosing: Bool { !problems.isEmpty && problems.allSatisfy { $0.kind == IntakeProblem.closedKind } }
    }
    /// How a site's tickets hear what happens to their requests, from now on.
    public struct WriteBackConfigured: Codable, Sendable, Hashable {
        public var source: String
        public var site: String
        public var settings: TicketWriteBackSettings
        public init(source: String, site: String, settings: TicketWriteBackSettings) {
            self.source = source; self.site = site; self.settings = settings
        }
    }

    /// Stable name stored in the `kind` column.
    public var kind: String { eventKind.rawValue }

    /// Which kind of fact this is.
    public var eventKind: EventKind {
        switch self {
        case .policyApplied: .policyApplied
        case .requestSubmitted: .requestSubmitted
        case .requestRouted: .requestRouted
        case .reviewRecorded: .reviewRecorded
        case .reviewRefused: .reviewRefused
        case .actionRefused: .actionRefused
        case .requestDecided: .requestDecided
        case .requestWithdrawn: .requestWithdrawn
        case .grantIssued: .grantIssued
        case .grantHandedOff: .grantHandedOff
        case .grantProvisioned: .grantProvisioned
        case .grantProvisioningFailed: .grantProvisioningFailed
        case .grantExpired: .grantExpired
        case .grantRevoked: .grantRevoked
        case .grantExtended: .grantExtended
        case .incidentReviewCompleted: .incidentReviewCompleted
        case .handOffConfigured: .handOffConfigured
        case .storeCreated: .storeCreated
        case .settingsChanged: .settingsChanged
        case .schemaMigrated: .schemaMigrated
        case .reconciliationRun: .reconciliationRun
        case .findingOpened: .findingOpened
        case .findingResolved: .findingResolved
        case .findingExcepted: .findingExcepted
        case .findingRemovalRequested: .findingRemovalRequested
        case .removalHandedOff: .removalHandedOff
        case .removalHandOffFailed: .removalHandOffFailed
        case .requestRevised: .requestRevised
        case .ticketLinked: .ticketLinked
        case .intakeRefused: .intakeRefused
        case .writeBackConfigured: .writeBackConfigured
        }
    }

    /// Canonical JSON: sorted keys, so the same fact always has the same bytes
    /// (see `CanonicalJSON`; identical to `EventCoding.encoder`'s output).
    public func encodedPayload() -> Data {
        Data(CanonicalJSON.encode(self))
    }

    /// `encodedPayload()` as a byte array, without the copy into `Data`.
    public func encodedPayloadBytes() -> [UInt8] {
        CanonicalJSON.encode(self)
    }

    /// `decode`, through `CanonicalJSON`'s reader when the payload has the
    /// canonical shape; anything else goes to `decode`, the reference.
    /// Either way, a number signoff counts with must be within `StoredBounds`.
    public static func read(kind: String, payload: Data) throws -> EventBody {
        try payload.withUnsafeBytes { try read(kind: kind, payload: $0) }
    }

    /// `read`, from bytes that are not copied unless the reference must read them.
    public static func read(kind: String, payload: UnsafeRawBufferPointer) throws -> EventBody {
        var exact = false
        return try read(kind: kind, payload: payload, exact: &exact)
    }

    /// `read`, setting `exact` when the payload is in the writer's exact
    /// shape (`CanonicalJSON.decodeBody(kind:payload:exact:)`).
    public static func read(kind: String, payload: UnsafeRawBufferPointer, exact: inout Bool) throws -> EventBody {
        let body = try CanonicalJSON.decodeBody(kind: kind, payload: payload, exact: &exact)
            ?? decode(kind: kind, payload: Data(payload))
        try StoredBounds.check(body)
        return body
    }

    public static func decode(kind: String, payload: Data) throws -> EventBody {
        let decoder = EventCoding.decoder
        guard let tag = EventKind(rawValue: kind) else { throw UnknownEventKind(kind: kind) }
        switch tag {
        case .policyApplied: return .policyApplied(try decoder.decode(PolicyApplied.self, from: payload))
        case .requestSubmitted: return .requestSubmitted(try decoder.decode(RequestSubmitted.self, from: payload))
        case .requestRouted: return .requestRouted(try decoder.decode(RequestRouted.self, from: payload))
        case .reviewRecorded: return .reviewRecorded(try decoder.decode(ReviewRecorded.self, from: payload))
        case .reviewRefused: return .reviewRefused(try decoder.decode(ReviewRefused.self, from: payload))
        case .actionRefused: return .actionRefused(try decoder.decode(ActionRefused.self, from: payload))
        case .requestDecided: return .requestDecided(try decoder.decode(RequestDecided.self, from: payload))
        case .requestWithdrawn: return .requestWithdrawn(try decoder.decode(RequestWithdrawn.self, from: payload))
        case .grantIssued: return .grantIssued(try decoder.decode(GrantIssued.self, from: payload))
        case .grantHandedOff: return .grantHandedOff(try decoder.decode(GrantHandedOff.self, from: payload))
        case .grantProvisioned: return .grantProvisioned(try decoder.decode(GrantProvisioned.self, from: payload))
        case .grantProvisioningFailed:
            return .grantProvisioningFailed(try decoder.decode(GrantProvisioningFailed.self, from: payload))
        case .grantExpired: return .grantExpired(try decoder.decode(GrantExpired.self, from: payload))
        case .grantRevoked: return .grantRevoked(try decoder.decode(GrantRevoked.self, from: payload))
        case .grantExtended: return .grantExtended(try decoder.decode(GrantExtended.self, from: payload))
        case .incidentReviewCompleted:
            return .incidentReviewCompleted(try decoder.decode(IncidentReviewCompleted.self, from: payload))
        case .handOffConfigured: return .handOffConfigured(try decoder.decode(HandOffConfigured.self, from: payload))
        case .storeCreated: return .storeCreated(try decoder.decode(StoreCreated.self, from: payload))
        case .settingsChanged: return .settingsChanged(try decoder.decode(SettingsChanged.self, from: payload))
        case .schemaMigrated: return .schemaMigrated(try decoder.decode(SchemaMigrated.self, from: payload))
        case .reconciliationRun: return .reconciliationRun(try decoder.decode(ReconciliationRun.self, from: payload))
        case .findingOpened: return .findingOpened(try decoder.decode(FindingOpened.self, from: payload))
        case .findingResolved: return .findingResolved(try decoder.decode(FindingResolved.self, from: payload))
        case .findingExcepted: return .findingExcepted(try decoder.decode(FindingExcepted.self, from: payload))
        case .findingRemovalRequested:
            return .findingRemovalRequested(try decoder.decode(FindingRemovalRequested.self, from: payload))
        case .removalHandedOff: return .removalHandedOff(try decoder.decode(RemovalHandedOff.self, from: payload))
        case .removalHandOffFailed: return .removalHandOffFailed(try decoder.decode(RemovalHandOffFailed.self, from: payload))
        case .requestRevised: return .requestRevised(try decoder.decode(RequestRevised.self, from: payload))
        case .ticketLinked: return .ticketLinked(try decoder.decode(TicketLinked.self, from: payload))
        case .intakeRefused: return .intakeRefused(try decoder.decode(IntakeRefused.self, from: payload))
        case .writeBackConfigured: return .writeBackConfigured(try decoder.decode(WriteBackConfigured.self, from: payload))
        }
    }
}

public struct UnknownEventKind: Error, CustomStringConvertible {
    public var kind: String
    public var description: String { "unknown event kind \"\(kind)\"" }
}

/// An event before the store gives it a sequence number and a place in the chain.
public struct EventDraft: Sendable, Hashable {
    public var requestID: String?
    public var actor: Principal
    public var at: Date
    public var body: EventBody
    /// The actor's SSH signature over the event's statement, when they signed it.
    public var signature: EventSignature?

    public init(requestID: String?, actor: Principal, at: Date, body: EventBody, signature: EventSignature? = nil) {
        self.requestID = requestID
        self.actor = actor
        self.at = at
        self.body = body
        self.signature = signature
    }
}

/// An event as stored: numbered and chained.
public struct RecordedEvent: Sendable, Hashable {
    public var sequence: Int64
    public var draft: EventDraft
    public var hash: String

    public init(sequence: Int64, draft: EventDraft, hash: String) {
        self.sequence = sequence
        self.draft = draft
        self.hash = hash
    }
}

public enum EventCoding {
    /// Milliseconds since 1970 as integers: exact, and the same on every platform.
    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.epochMilliseconds)
        }
        return encoder
    }

    public static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            return Date(timeIntervalSince1970: Double(try container.decode(Int64.self)) / 1000)
        }
        return decoder
    }

    /// A stored record, through `CanonicalJSON`'s reader when it has the
    /// canonical shape; anything else goes to `decoder`, the reference.
    public static func readRecord(_ data: Data) throws -> RequestRecord {
        try data.withUnsafeBytes { try readRecord($0) }
    }

    /// The same, from bytes in place (a stored row's, as the database holds them).
    public static func readRecord(_ bytes: UnsafeRawBufferPointer) throws -> RequestRecord {
        let record = try CanonicalJSON.decodeRecord(bytes) ?? decoder.decode(RequestRecord.self, from: Data(bytes))
        try StoredBounds.check(record)
        return record
    }

    /// Truncates to the millisecond precision events are stored with, so a value
    /// read back equals the value written.
    public static func storedPrecision(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000)
    }
}
