import Foundation

/// The evidence a reconciliation run leaves: the run itself (what it read,
/// what it covered, what it counted, which grants it saw and which open
/// findings it saw again), each finding it opened, and each it resolved.
extension EventBody {
    /// One file a run compared: exactly which bytes.
    public struct ReconciledFile: Codable, Sendable, Hashable {
        public var name: String
        public var sha256: String
        public var bytes: Int
        public init(name: String, sha256: String, bytes: Int) { self.name = name; self.sha256 = sha256; self.bytes = bytes }
    }

    /// One system and environment a run covered, and how much of it.
    public struct ReconciledTarget: Codable, Sendable, Hashable {
        public var system: String
        public var environment: String
        public var instance: String?
        /// The platform grant types the run shows in full, sorted; nil: every kind.
        public var grantTypes: [String]?
        /// `all`, or the places shown (`payments, billing and instance-wide`).
        public var scopes: String
        /// Credentials shown: `none`, `all` or `some`.
        public var credentials: String
        /// When the platform was read, where the export says (nil: when the run read it). A later
        /// run may resolve what this one saw only with an export read no earlier.
        public var observedAt: Date?
        enum CodingKeys: String, CodingKey {
            case system, environment, instance, scopes, credentials, grantTypes = "grant_types", observedAt = "observed_at"
        }

        public init(system: String, environment: String, instance: String?, grantTypes: [String]?, scopes: String, credentials: String,
                    observedAt: Date? = nil) {
            self.system = system; self.environment = environment; self.instance = instance
            self.grantTypes = grantTypes; self.scopes = scopes; self.credentials = credentials; self.observedAt = observedAt
        }

        public init(_ target: Coverage.Target) {
            let credentials = switch target.credentials {
            case .none: "none"
            case .all: "all"
            case .subjects: "some"
            }
            self.init(system: target.system, environment: target.environment, instance: target.instance,
                      grantTypes: target.grantTypes.map { $0.sorted() }, scopes: target.scopes.text, credentials: credentials,
                      observedAt: target.observedAt)
        }
    }

    public struct ReconciliationCounts: Codable, Sendable, Hashable {
        /// Access records and credentials the export showed (ignored identities left out).
        public var observations: Int
        public var credentials: Int
        /// Records of the identities the catalogue's `ignore:` leaves alone.
        public var ignored: Int
        /// Observations a live grant approves as they are.
        public var matched: Int
        /// Ended grants' access still inside the removal grace period.
        public var awaitingRemoval: Int
        /// Findings the run shows; of them, `opened` new and `seenAgain` already open.
        public var findings: Int
        public var opened: Int
        public var seenAgain: Int
        /// Open findings the run covered and no longer shows.
        public var resolved: Int
        enum CodingKeys: String, CodingKey {
            case observations, credentials, ignored, matched, findings, opened, resolved
            case awaitingRemoval = "awaiting_removal", seenAgain = "seen_again"
        }
        public init(observations: Int, credentials: Int, ignored: Int, matched: Int, awaitingRemoval: Int, findings: Int,
                    opened: Int, seenAgain: Int, resolved: Int) {
            self.observations = observations; self.credentials = credentials; self.ignored = ignored; self.matched = matched
            self.awaitingRemoval = awaitingRemoval; self.findings = findings; self.opened = opened; self.seenAgain = seenAgain
            self.resolved = resolved
        }
    }

    /// A reconciliation run: what it read and covered, and what it saw of
    /// the grants and of the findings already open.
    public struct ReconciliationRun: Codable, Sendable, Hashable {
        /// The reader: `aws`, `kubernetes`, `postgresql`, `github`, `generic`.
        public var source: String
        public var files: [ReconciledFile]
        public var covered: [ReconciledTarget]
        public var counts: ReconciliationCounts
        /// Grants the run covered whose access it saw, and those whose access it did not.
        public var grantsPresent: [String]
        public var grantsAbsent: [String]
        /// Findings already open that this run shows again.
        public var findingsSeen: [String]
        enum CodingKeys: String, CodingKey {
            case source, files, covered, counts
            case grantsPresent = "grants_present", grantsAbsent = "grants_absent", findingsSeen = "findings_seen"
        }
        public init(source: String, files: [ReconciledFile], covered: [ReconciledTarget], counts: ReconciliationCounts,
                    grantsPresent: [String], grantsAbsent: [String], findingsSeen: [String]) {
            self.source = source; self.files = files; self.covered = covered; self.counts = counts
            self.grantsPresent = grantsPresent; self.grantsAbsent = grantsAbsent; self.findingsSeen = findingsSeen
        }
    }

    /// One record of an export behind a finding.
    public struct FindingRecord: Codable, Sendable, Hashable {
        public var sourceID: String
        public var text: String
        public var observedAt: Date
        enum CodingKeys: String, CodingKey { case text, sourceID = "source_id", observedAt = "observed_at" }
        public init(sourceID: String, text: String, observedAt: Date) {
            self.sourceID = sourceID; self.text = text; self.observedAt = observedAt
        }
    }

    /// A finding a run showed that was not open: new, or back after it was resolved.
    public struct FindingOpened: Codable, Sendable, Hashable {
        public var findingID: String
        public var kind: FindingKind
        /// The sequence of the run's `reconciliation_run` event.
        public var run: Int
        public var system: String
        public var environment: String
        /// The identity: its kind as observed (`service_account`, `group`, `unknown`...), name and owner.
        public var subjectKind: String
        public var subject: String
        public var owner: String?
        public var entitlement: String?
        /// The platform's grant type (`cluster_role`, `role`, `policy`...), where the finding concerns one.
        public var grantType: String?
        /// The platform's own words for the grant (`RoleBinding payments/ci → ClusterRole edit`).
        public var native: String?
        /// Where it applies: empty for no narrower scope, `*` for the whole instance, or a place.
        public var scope: String
        public var access: AccessLevel?
        public var requestID: String?
        public var credentialID: String?
        public var summary: String
        public var evidence: [FindingRecord]
        enum CodingKeys: String, CodingKey {
            case kind, run, system, environment, subject, owner, entitlement, native, scope, access, summary, evidence
            case findingID = "finding_id", subjectKind = "subject_kind", grantType = "grant_type"
            case requestID = "request_id", credentialID = "credential_id"
        }
        public init(findingID: String, kind: FindingKind, run: Int, system: String, environment: String, subjectKind: String,
                    subject: String, owner: String?, entitlement: String?, grantType: String?, native: String?, scope: String,
                    access: AccessLevel?, requestID: String?, credentialID: String?, summary: String, evidence: [FindingRecord]) {
            self.findingID = findingID; self.kind = kind; self.run = run; self.system = system; self.environment = environment
            self.subjectKind = subjectKind; self.subject = subject; self.owner = owner; self.entitlement = entitlement
            self.grantType = grantType; self.native = native; self.scope = scope; self.access = access
            self.requestID = requestID; self.credentialID = credentialID; self.summary = summary; self.evidence = evidence
        }

        /// A finding as a run records it; `grantType` from the catalogue where the platform's record has none.
        public init(_ finding: Finding, run: Int, grantType: String?) {
            self.init(findingID: finding.id, kind: finding.kind, run: run, system: finding.system, environment: finding.environment,
                      subjectKind: finding.subject.kind.name, subject: finding.subject.name, owner: finding.subject.owner,
                      entitlement: finding.entitlement, grantType: finding.native?.type ?? grantType, native: finding.native?.text,
                      scope: finding.scope.text, access: finding.access, requestID: finding.requestID,
                      credentialID: finding.credentialID, summary: finding.summary,
                      evidence: finding.evidence.map { FindingRecord(sourceID: $0.sourceID, text: $0.text, observedAt: $0.observedAt) })
        }
    }

    /// A finding accepted as an exception until `until`, with the reason: it
    /// is not reported as open while the exception lasts, and is reported
    /// again when it ends. The event's actor is who accepted it.
    public struct FindingExcepted: Codable, Sendable, Hashable {
        public var findingID: String
        public var rationale: String
        public var until: Date
        enum CodingKeys: String, CodingKey { case rationale, until, findingID = "finding_id" }
        public init(findingID: String, rationale: String, until: Date) {
            self.findingID = findingID; self.rationale = rationale; self.until = until
        }
    }

    /// An open finding that a later run covered and no longer showed.
    public struct FindingResolved: Codable, Sendable, Hashable {
        public var findingID: String
        /// The sequence of the run that no longer showed it.
        public var run: Int
        enum CodingKeys: String, CodingKey { case run, findingID = "finding_id" }
        public init(findingID: String, run: Int) { self.findingID = findingID; self.run = run }
    }
}

extension Coverage {
    /// Whether a run with this coverage, not showing a finding, shows that it
    /// is gone: only when the run showed in full the place the finding is
    /// about, and the kinds of grant it is about. An export of one namespace
    /// resolves nothing in another; a credential report alone resolves no
    /// identity without an owner (it may still hold a policy or a group).
    public func showsAbsence(of kind: FindingKind, system: String, environment: String, subject: String, grantType: String?,
                             scope: ObservedScope) -> Bool {
        guard let target = target(system: system, environment: environment) else { return false }
        switch kind {
        case .unapproved, .wider, .notRemoved, .notProvisioned:
            if let types = target.grantTypes {
                guard let grantType, types.contains(grantType) else { return false }
            }
            switch scope {
            case .unscoped: return target.scopes.every
            case .everywhere: return target.scopes.instanceWide
            case let .within(place): return target.scopes.covers(granted: place)
            }
        case .orphaned:
            // An identity is gone only from a run that shows every kind of grant it could still hold, everywhere.
            return target.everyGrantType && target.scopes.every && target.scopes.instanceWide
        case .staleCredential:
            return target.coversCredentials(of: subject)
        }
    }
}
