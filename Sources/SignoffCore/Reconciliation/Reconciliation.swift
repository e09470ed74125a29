import Foundation

/// Everything one reconciliation run read: the access and credentials the
/// platform shows, and what the run covered.
public struct ObservedState: Sendable {
    public var observations: [Observation]
    public var credentials: [CredentialObservation]
    public var coverage: Coverage

    public init(observations: [Observation], credentials: [CredentialObservation], coverage: Coverage) {
        self.observations = observations; self.credentials = credentials; self.coverage = coverage
    }
}

/// What a comparison found and saw.
public struct ReconciliationResult: Sendable {
    /// In a stable order: by kind, system, environment, subject, what is held, then ID.
    public var findings: [Finding]
    /// Every grant the run covered, and whether its access was there.
    public var sightings: [GrantSighting]
    /// Observations a live grant approves as they are.
    public var matched: Int
    /// Observations of ended grants still inside the policy's grace period.
    public var awaitingRemoval: Int
}

/// The comparison of grants with what an identity platform shows. Pure: the
/// same grants, observations, policy and time give the same findings.
public enum Reconciliation {
    /// One identity on one system and environment, compared by exact bytes
    /// (`ExactName`): names a platform keeps apart are never one identity here.
    struct SubjectKey: Hashable {
        var system: String
        var environment: String
        var subject: String
        /// The identity's owner, where the platform attests it (`Coverage.Target.ownersAttested`); nil elsewhere.
        var owner: String?
        /// A group the platform shows: never the identity a grant of the same
        /// name is for (`ObservedKind.mayBe`), so never keyed with one.
        var isGroup = false

        static func == (a: SubjectKey, b: SubjectKey) -> Bool {
            ExactName.same(a.subject, b.subject) && ExactName.same(a.system, b.system)
                && ExactName.same(a.environment, b.environment) && ExactName.same(a.owner, b.owner) && a.isGroup == b.isGroup
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(ExactName(system))
            hasher.combine(ExactName(environment))
            hasher.combine(ExactName(subject))
            hasher.combine(owner.map(ExactName.init))
            hasher.combine(isGroup)
        }

        /// What a finding about this identity is keyed by: its name, and its owner where that is part of it.
        var parts: [String] { [system, environment, subject] + (owner.map { ["owner \($0)"] } ?? []) }
    }

    /// What the comparison knows of one identity on one system and environment:
    /// its grants (chained through `nextGrant`), its live ones (`nextLive`), and
    /// the first observation of it.
    struct SubjectEntry {
        var firstGrant = -1
        var firstLive = -1
        var observation = -1
    }

    /// Compares `grants` (in any state) with `observed` at `now`.
    ///
    /// Each observation is approved by a live grant of its entitlement that
    /// reaches as far and as high; else it is an ended grant's access (a
    /// finding once the grace period is over); else it is wider than the
    /// subject's live grants; else it is unapproved. A covered grant provisioning
    /// confirmed, with no access in sight, was not provisioned.
    ///
    /// Written for 100,000 of each: one hash lookup per grant and per
    /// observation (by identity), grants read in place and never copied whole,
    /// the grants of an identity chained through arrays rather than held in an
    /// array each.
    public static func compare(grants: [Grant], observed: ObservedState, policy: Policy, at now: Date) -> ReconciliationResult {
        let targets = observed.coverage.targets
        func target(_ system: String, _ environment: String) -> Int? {
            targets.firstIndex { ExactName.same($0.system, system) && ExactName.same($0.environment, environment) }
        }
        // Where the platform attests owners, an identity is its name and owner.
        func observedKey(_ system: String, _ environment: String, _ subject: ObservedSubject) -> SubjectKey {
            let attested = target(system, environment).map { targets[$0].ownersAttested } ?? false
            return SubjectKey(system: system, environment: environment, subject: subject.name,
                              owner: attested ? subject.owner ?? "" : nil, isGroup: subject.kind == .group)
        }
        var entries: [SubjectKey: SubjectEntry] = [:]
        entries.reserveCapacity(grants.count + observed.observations.count / 4)
        var nextGrant = [Int](repeating: -1, count: grants.count)
        var nextLive = [Int](repeating: -1, count: grants.count)
        var targetOf = [Int](repeating: -1, count: grants.count)
        var inTarget: [Int] = []
        // Live at a time: its state says so and its expiry had not passed (the
        // sweep may not have ended it yet; access after its expiry is not
        // what it approved).
        func live(_ index: Int, at time: Date) -> Bool {
            let status = grants[index].status
            return status.state.isLive && (status.expiresAt.map { $0 > time } ?? true)
        }
        for index in grants.indices {
            guard let found = target(grants[index].terms.system, grants[index].terms.environment) else { continue }
            targetOf[index] = found
            inTarget.append(index)
            let terms = grants[index].terms
            let key = SubjectKey(system: terms.system, environment: terms.environment, subject: terms.subject.name,
                                 owner: targets[found].ownersAttested ? terms.subject.owner : nil)
            let live = live(index, at: now)
            modify(&entries[key, default: SubjectEntry()]) { entry in
                nextGrant[index] = entry.firstGrant
                entry.firstGrant = index
                if live {
                    nextLive[index] = entry.firstLive
                    entry.firstLive = index
                }
            }
        }

        var findings = FindingCollector()
        var present = [Bool](repeating: false, count: grants.count)
        var matched = 0
        var awaitingRemoval = 0
        let grace = TimeInterval(policy.reconciliation.removalGrace.seconds)
        func liveText(_ first: Int) -> String {
            var texts: [String] = []
            var live = first
            while live >= 0 {
                texts.append("\(grants[live].status.requestID) \(grants[live].terms.entitlement)")
                live = nextLive[live]
            }
            return texts.reversed().joined(separator: ", ")
        }

        for (offset, observation) in observed.observations.enumerated() {
            let key = observedKey(observation.system, observation.environment, observation.subject)
            var entry = SubjectEntry()
            modify(&entries[key, default: SubjectEntry()]) { stored in
                if stored.observation < 0 || observation.subject.missing && !observed.observations[stored.observation].subject.missing {
                    stored.observation = offset
                }
                entry = stored
            }
            var liveBeyond: Int?
            var ended: Int?
            // A grant approved after the access was seen cannot have approved it.
            var approvedLater: Int?
            var approved = false
            if let entitlement = observation.entitlement {
                var index = entry.firstGrant
                while index >= 0 {
                    defer { index = nextGrant[index] }
                    guard ExactName.same(grants[index].terms.entitlement, entitlement),
                          observation.subject.kind.mayBe(grants[index].terms.subject.kind) else { continue }
                    let scopeFits = ScopeText.within(observation.scope, granted: grants[index].terms.scope)
                    let levelFits = observation.access.map { $0 <= grants[index].terms.access } ?? true
                    guard grants[index].approvedAt <= observation.observedAt else {
                        if scopeFits, levelFits, approvedLater.map({ grants[index].approvedAt < grants[$0].approvedAt }) ?? true {
                            approvedLater = index
                        }
                        continue
                    }
                    if scopeFits || observation.scope == .everywhere { present[index] = true }
                    if live(index, at: observation.observedAt) {
                        if scopeFits && levelFits {
                            approved = true
                        } else if liveBeyond == nil, scopeFits || observation.scope == .everywhere || !levelFits {
                            liveBeyond = index
                        }
                    } else if scopeFits, ended.map({ endTime(grants[$0].status, approvedAt: grants[$0].approvedAt) < endTime(grants[index].status, approvedAt: grants[index].approvedAt) }) ?? true {
                        ended = index
                    }
                }
            }
            if approved {
                matched += 1
                continue
            }
            let what = accessText(observation)
            if let index = ended, liveBeyond == nil || observation.access.map({ $0 <= grants[index].terms.access }) ?? true {
                let endedAt = endTime(grants[index].status, approvedAt: grants[index].approvedAt)
                guard observation.observedAt.timeIntervalSince(endedAt) > grace else {
                    awaitingRemoval += 1
                    continue
                }
                let id = grants[index].status.requestID
                findings.add(.notRemoved, key: ["not_removed", id], observation: observation, requestID: id,
                             summary: "\(id) ended (\(grants[index].status.state.rawValue) \(UTCTime.text(endedAt))), but \(observation.subject.name) still holds \(what) \(observation.scope.phrase), past the \(policy.reconciliation.removalGrace) grace period")
            } else if let index = liveBeyond {
                let scope = grants[index].terms.scope, access = grants[index].terms.access, id = grants[index].status.requestID
                var beyond: [String] = []
                if !ScopeText.within(observation.scope, granted: scope) {
                    beyond.append("\(observation.scope.phrase) where \(scope ?? "") was approved")
                }
                if let level = observation.access, level > access {
                    beyond.append("\(level.rawValue) where \(access.rawValue) was approved")
                }
                findings.add(.wider, key: accessKey("wider", observation, key), observation: observation, requestID: id,
                             summary: "\(observation.subject.name) holds \(what): \(beyond.joined(separator: ", ")) (\(id))")
            } else if let index = approvedLater {
                let id = grants[index].status.requestID
                findings.add(.unapproved, key: accessKey("unapproved", observation, key), observation: observation, requestID: nil,
                             summary: "\(observation.subject.name) held \(what) \(observation.scope.phrase) when the platform was read (\(UTCTime.text(observation.observedAt))), before any grant approved it: \(id) was approved later, at \(UTCTime.text(grants[index].approvedAt))")
            } else if entry.firstLive >= 0, observation.subject.kind.mayBe(grants[entry.firstLive].terms.subject.kind) {
                findings.add(.wider, key: accessKey("wider", observation, key), observation: observation,
                             requestID: grants[entry.firstLive].status.requestID,
                             summary: "\(observation.subject.name) holds \(what) \(observation.scope.phrase), beyond what was approved (\(liveText(entry.firstLive)))")
            } else {
                findings.add(.unapproved, key: accessKey("unapproved", observation, key), observation: observation, requestID: nil,
                             summary: "\(observation.subject.name) holds \(what) \(observation.scope.phrase), and no grant approves it")
            }
        }

        // The catalogue's grant type of each entitlement, per covered target (not looked up per grant by system).
        let grantTypes = targets.map { policy.platform(of: $0.system)?.entitlements.mapValues(\.type) ?? [:] }
        var sightings: [GrantSighting] = []
        sightings.reserveCapacity(inTarget.count)
        var covered = [Bool](repeating: false, count: grants.count)
        for index in inTarget {
            let target = targets[targetOf[index]]
            // An export taken before the grant was approved shows neither its access nor its absence.
            let readAt = target.observedAt ?? now
            guard grants[index].approvedAt <= readAt,
                  target.covers(grantType: grantTypes[targetOf[index]][grants[index].terms.entitlement], scope: grants[index].terms.scope) else {
                continue
            }
            covered[index] = true
            let status = grants[index].status
            let liveNow = live(index, at: now)
            sightings.append(GrantSighting(requestID: status.requestID, present: present[index], live: liveNow))
            if !present[index], liveNow, status.state == .active, status.provisioningAction == .grant, status.provisioning == .done,
               (status.provisioningAt ?? grants[index].approvedAt) <= readAt {
                let terms = grants[index].terms
                findings.add(.notProvisioned, key: ["not_provisioned", status.requestID], grant: grants[index],
                             attestedOwner: target.ownersAttested,
                             summary: "provisioning confirmed \(status.requestID), but \(terms.system) \(terms.environment) shows no \(terms.entitlement) for \(terms.subject.name)\(terms.scope.map { " in \($0)" } ?? "")")
            }
        }

        // Who answers for each identity with access, or with a live grant in sight.
        func owner(_ entry: SubjectEntry) -> Ownership? {
            guard entry.firstLive >= 0 else { return nil }
            let terms = grants[entry.firstLive].terms
            return Ownership(kind: terms.subject.kind, name: terms.subject.name, owner: terms.subject.owner,
                             requestID: grants[entry.firstLive].status.requestID)
        }
        var orphans: Set<SubjectKey> = []
        for (key, entry) in entries {
            let subject: ObservedSubject
            if entry.observation >= 0 {
                subject = observed.observations[entry.observation].subject
            } else if entry.firstLive >= 0, covered[entry.firstLive] {
                let terms = grants[entry.firstLive].terms
                subject = ObservedSubject(kind: .identity(terms.subject.kind), name: terms.subject.name)
            } else {
                continue
            }
            guard subject.kind != .group else { continue }
            let (found, problem) = ownership(of: subject, grant: owner(entry), policy: policy)
            guard let problem else { continue }
            orphans.insert(key)
            findings.add(.orphaned, key: ["orphaned"] + key.parts, system: key.system,
                         environment: key.environment,
                         subject: ObservedSubject(kind: subject.kind, name: subject.name, owner: found, missing: subject.missing),
                         summary: problem)
        }
        if !orphans.isEmpty {
            for observation in observed.observations {
                let key = observedKey(observation.system, observation.environment, observation.subject)
                guard orphans.contains(key) else { continue }
                findings.addEvidence(toOrphan: ["orphaned"] + key.parts, observation)
            }
        }

        let limits = policy.reconciliation
        for credential in observed.credentials {
            var reasons: [String] = []
            let at = credential.observedAt
            if let rotated = credential.rotatedAt, at.timeIntervalSince(rotated) > TimeInterval(limits.maxCredentialAge.seconds) {
                reasons.append("last rotated \(UTCTime.text(rotated)), \(TimeSpan.between(rotated, at)) before it was seen (the policy rotates within \(limits.maxCredentialAge))")
            }
            switch credential.lastUsed {
            case let .at(used):
                if at.timeIntervalSince(used) > TimeInterval(limits.maxCredentialUnused.seconds) {
                    reasons.append("last used \(UTCTime.text(used)), \(TimeSpan.between(used, at)) before it was seen (the policy allows \(limits.maxCredentialUnused) unused)")
                }
            case .never:
                if let rotated = credential.rotatedAt, at.timeIntervalSince(rotated) > TimeInterval(limits.maxCredentialUnused.seconds) {
                    reasons.append("never used in the \(TimeSpan.between(rotated, at)) since \(UTCTime.text(rotated)) (the policy allows \(limits.maxCredentialUnused) unused)")
                }
            case .unknown:
                break
            }
            guard !reasons.isEmpty else { continue }
            findings.add(.staleCredential, key: ["stale_credential", credential.system, credential.environment,
                                                 credential.subject.name, credential.credentialID],
                         credential: credential, summary: "\(credential.credentialID) of \(credential.subject.name): " + reasons.joined(separator: "; "))
        }

        // Each finding names who answers for its identity, where anyone does.
        var result = findings.findings
        for index in result.indices where result[index].subject.owner == nil {
            let key = observedKey(result[index].system, result[index].environment, result[index].subject)
            result[index].subject.owner = ownership(of: result[index].subject, grant: entries[key].flatMap(owner), policy: policy).owner
        }
        // Sorted by one byte string per finding (kind, system, environment,
        // subject, what is held, ID; each part ended by NUL, which no stored
        // text holds), compared with memcmp in place: comparing tuples of five
        // Strings, copied for each comparison, was a fifth of the whole
        // comparison at 15,000 findings. UTF-8 keeps the order of code points.
        let order = result.map { finding -> [UInt8] in
            var key: [UInt8] = [UInt8(kindOrder(finding.kind))]
            for part in [finding.system, finding.environment, finding.subject.name,
                         finding.entitlement ?? finding.native?.name ?? finding.credentialID ?? "", finding.id] {
                key.append(contentsOf: part.utf8)
                key.append(0)
            }
            return key
        }
        var permutation = Array(result.indices)
        order.withUnsafeBufferPointer { keys in
            permutation.sort { a, b in
                keys[a].withUnsafeBufferPointer { x in
                    keys[b].withUnsafeBufferPointer { y in
                        let common = memcmp(x.baseAddress!, y.baseAddress!, min(x.count, y.count))
                        return common != 0 ? common < 0 : x.count < y.count
                    }
                }
            }
        }
        let sorted = permutation.map { result[$0] }
        return ReconciliationResult(findings: sorted, sightings: sightings, matched: matched, awaitingRemoval: awaitingRemoval)
    }

    /// Who answers for an identity, and what is wrong with that, if anything.
    /// A person must be in the directory; anything else needs an owner who is.
    /// The identity a live grant names: its kind, name and owner.
    struct Ownership {
        var kind: IdentityKind
        var name: String
        var owner: String
        var requestID: String
    }

    static func ownership(of subject: ObservedSubject, grant: Ownership?, policy: Policy) -> (owner: String?, problem: String?) {
        if subject.missing {
            return (nil, "access is bound to \(subject.kind.label) \(subject.name), which does not exist: whoever creates it gets the access")
        }
        if let grant {
            if grant.kind.isHuman {
                return policy.knowsPerson(grant.name)
                    ? (grant.name, nil)
                    : (nil, "\(grant.name) holds access (\(grant.requestID)) but is not in the directory: they may have left")
            }
            return policy.knowsPerson(grant.owner)
                ? (grant.owner, nil)
                : (grant.owner, "\(subject.name) is owned by \(grant.owner) (\(grant.requestID)), who is not in the directory: they may have left")
        }
        switch subject.kind {
        case .identity(.human):
            return policy.knowsPerson(subject.name)
                ? (subject.name, nil)
                : (nil, "\(subject.name) is a person with access who is not in the directory: they may have left")
        case .group:
            return (nil, nil)
        case .identity, .user, .unknown:
            if let owner = subject.owner {
                return policy.knowsPerson(owner)
                    ? (owner, nil)
                    : (owner, "\(subject.name) is owned by \(owner), who is not in the directory: they may have left")
            }
            if subject.kind == .unknown || subject.kind == .user, policy.knowsPerson(subject.name) { return (subject.name, nil) }
            return (nil, "\(subject.kind.label) \(subject.name) has access and no owner: no grant and nothing on the platform names one")
        }
    }

    /// When a grant stopped granting: its end, else provisioning's failure, else its approval.
    static func endTime(_ status: GrantStatus, approvedAt: Date) -> Date {
        // A grant the sweep has not ended yet ended at its expiry.
        status.endedAt ?? (status.state.isLive ? status.expiresAt : nil) ?? status.provisioningAt ?? approvedAt
    }

    /// Changes a dictionary value in place: one lookup, however many fields change.
    @inline(__always)
    static func modify<Value>(_ value: inout Value, _ change: (inout Value) -> Void) {
        change(&value)
    }

    static func accessText(_ observation: Observation) -> String {
        let level = observation.access.map { " (\($0.rawValue))" } ?? ""
        if let entitlement = observation.entitlement { return "\(entitlement)\(level) as \(observation.native.text)" }
        return observation.native.text + level
    }

    /// What keeps an access finding the same from run to run: the identity, the
    /// entitlement (or the platform's grant), where it applies, and the level
    /// of access. Access that grows (a role's verbs widened to `*`) is
    /// another finding, reported afresh: an exception of the narrower one
    /// does not cover it, and that one resolves.
    static func accessKey(_ kind: String, _ observation: Observation, _ subject: SubjectKey) -> [String] {
        [kind, observation.system, observation.environment, observation.subject.name,
         observation.entitlement.map { "entitlement \($0)" } ?? observation.native.key, observation.scope.text]
            + (subject.owner.map { ["owner \($0)"] } ?? []) + (observation.access.map { ["access \($0.rawValue)"] } ?? [])
    }

    static func kindOrder(_ kind: FindingKind) -> Int {
        switch kind {
        case .unapproved: 0
        case .wider: 1
        case .notRemoved: 2
        case .notProvisioned: 3
        case .orphaned: 4
        case .staleCredential: 5
        }
    }
}

/// Findings by key: the same difference seen through several records is one
/// finding with all of them as evidence.
struct FindingCollector {
    var findings: [Finding] = []
    /// By exact key: two identities a platform keeps apart are two findings.
    var index: [ExactName: Int] = [:]

    private mutating func add(_ finding: Finding, key: String, evidence: FindingEvidence?) {
        if let existing = index[ExactName(key)] {
            if let evidence, !findings[existing].evidence.contains(evidence) { findings[existing].evidence.append(evidence) }
            return
        }
        index[ExactName(key)] = findings.count
        findings.append(finding)
    }

    private static func join(_ parts: [String]) -> String { parts.joined(separator: "\u{0}") }

    static func evidence(_ observation: Observation) -> FindingEvidence {
        FindingEvidence(sourceID: observation.sourceID, text: observation.native.text, observedAt: observation.observedAt)
    }

    mutating func add(_ kind: FindingKind, key parts: [String], observation: Observation, requestID: String?, summary: String) {
        let key = Self.join(parts)
        let evidence = Self.evidence(observation)
        if let existing = index[ExactName(key)] { return add(findings[existing], key: key, evidence: evidence) }
        add(Finding(kind: kind, key: key, system: observation.system, environment: observation.environment,
                    subject: observation.subject, entitlement: observation.entitlement, native: observation.native,
                    scope: observation.scope, access: observation.access, requestID: requestID, credentialID: nil,
                    summary: summary, evidence: [evidence]), key: key, evidence: nil)
    }

    mutating func add(_ kind: FindingKind, key parts: [String], grant: Grant, attestedOwner: Bool, summary: String) {
        let terms = grant.terms
        let key = Self.join(parts)
        add(Finding(kind: kind, key: key, system: terms.system, environment: terms.environment,
                    subject: ObservedSubject(kind: .identity(terms.subject.kind), name: terms.subject.name,
                                             owner: attestedOwner ? terms.subject.owner : nil),
                    entitlement: terms.entitlement, native: nil, scope: terms.scope.map { .within($0) } ?? .unscoped,
                    access: terms.access, requestID: grant.requestID, credentialID: nil, summary: summary, evidence: []),
            key: key, evidence: nil)
    }

    mutating func add(_ kind: FindingKind, key parts: [String], system: String, environment: String, subject: ObservedSubject,
                      summary: String) {
        let key = Self.join(parts)
        add(Finding(kind: kind, key: key, system: system, environment: environment, subject: subject, entitlement: nil,
                    native: nil, scope: .unscoped, access: nil, requestID: nil, credentialID: nil, summary: summary, evidence: []),
            key: key, evidence: nil)
    }

    mutating func addEvidence(toOrphan parts: [String], _ observation: Observation) {
        let key = Self.join(parts)
        guard let existing = index[ExactName(key)] else { return }
        add(findings[existing], key: key, evidence: Self.evidence(observation))
    }

    mutating func add(_ kind: FindingKind, key parts: [String], credential: CredentialObservation, summary: String) {
        let key = Self.join(parts)
        let evidence = FindingEvidence(sourceID: credential.sourceID, text: credential.credentialID, observedAt: credential.observedAt)
        add(Finding(kind: kind, key: key, system: credential.system, environment: credential.environment, subject: credential.subject,
                    entitlement: nil, native: nil, scope: .unscoped, access: nil, requestID: nil,
                    credentialID: credential.credentialID, summary: summary, evidence: [evidence]),
            key: key, evidence: evidence)
    }
}
