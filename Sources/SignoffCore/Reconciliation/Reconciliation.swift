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
    struct GrantKey: Hashable {
        var system: String
        var environment: String
        var subject: String
        var entitlement: String
    }

    struct SubjectKey: Hashable {
        var system: String
        var environment: String
        var subject: String
    }

    /// Compares `grants` (in any state) with `observed` at `now`.
    ///
    /// Each observation is approved by a live grant of its entitlement that
    /// reaches as far and as high; else it is an ended grant's access (a
    /// finding once the grace period is over); else it is wider than the
    /// subject's live grants; else it is unapproved. A covered grant provisioning
    /// confirmed, with no access in sight, was not provisioned.
    public static func compare(grants: [Grant], observed: ObservedState, policy: Policy, at now: Date) -> ReconciliationResult {
        var targets: [SubjectKey: Coverage.Target] = [:]
        for target in observed.coverage.targets {
            targets[SubjectKey(system: target.system, environment: target.environment, subject: "")] = target
        }
        var byKey: [GrantKey: [Int]] = [:]
        var liveBySubject: [SubjectKey: [Int]] = [:]
        var inTarget: [Int] = []
        byKey.reserveCapacity(grants.count)
        for index in grants.indices {
            let terms = grants[index].terms
            guard targets[SubjectKey(system: terms.system, environment: terms.environment, subject: "")] != nil else { continue }
            inTarget.append(index)
            byKey[GrantKey(system: terms.system, environment: terms.environment, subject: terms.subject.name,
                           entitlement: terms.entitlement), default: []].append(index)
            if grants[index].state.isLive {
                liveBySubject[SubjectKey(system: terms.system, environment: terms.environment, subject: terms.subject.name),
                              default: []].append(index)
            }
        }

        var findings = FindingCollector()
        var present = [Bool](repeating: false, count: grants.count)
        var matched = 0
        var awaitingRemoval = 0
        let grace = TimeInterval(policy.reconciliation.removalGrace.seconds)
        var subjects: [SubjectKey: ObservedSubject] = [:]

        for observation in observed.observations {
            let subjectKey = SubjectKey(system: observation.system, environment: observation.environment,
                                        subject: observation.subject.name)
            if subjects[subjectKey] == nil || observation.subject.missing { subjects[subjectKey] = observation.subject }
            let candidates = observation.entitlement.flatMap {
                byKey[GrantKey(system: observation.system, environment: observation.environment,
                               subject: observation.subject.name, entitlement: $0)]
            } ?? []
            var liveBeyond: Int?
            var ended: Int?
            var approved = false
            for index in candidates {
                let grant = grants[index]
                let scopeFits = ScopeText.within(observation.scope, granted: grant.terms.scope)
                let levelFits = observation.access.map { $0 <= grant.terms.access } ?? true
                if scopeFits || observation.scope == .everywhere { present[index] = true }
                if grant.state.isLive {
                    if scopeFits && levelFits { approved = true } else if liveBeyond == nil, scopeFits || observation.scope == .everywhere || !levelFits {
                        liveBeyond = index
                    }
                } else if scopeFits, ended.map({ endTime(grants[$0]) < endTime(grant) }) ?? true {
                    ended = index
                }
            }
            if approved {
                matched += 1
                continue
            }
            let what = accessText(observation)
            if let index = ended, liveBeyond == nil || observation.access.map({ $0 <= grants[index].terms.access }) ?? true {
                let grant = grants[index]
                let endedAt = endTime(grant)
                guard observation.observedAt.timeIntervalSince(endedAt) > grace else {
                    awaitingRemoval += 1
                    continue
                }
                findings.add(.notRemoved, key: ["not_removed", grant.requestID], observation: observation, grant: grant,
                             summary: "\(grant.requestID) ended (\(grant.state.rawValue) \(endedAt.policyText)), but \(observation.subject.name) still holds \(what) \(observation.scope.phrase), past the \(policy.reconciliation.removalGrace) grace period")
            } else if let index = liveBeyond {
                let grant = grants[index]
                var beyond: [String] = []
                if !ScopeText.within(observation.scope, granted: grant.terms.scope) {
                    beyond.append("\(observation.scope.phrase) where \(grant.terms.scope ?? "") was approved")
                }
                if let level = observation.access, level > grant.terms.access {
                    beyond.append("\(level.rawValue) where \(grant.terms.access.rawValue) was approved")
                }
                findings.add(.wider, key: accessKey("wider", observation), observation: observation, grant: grant,
                             summary: "\(observation.subject.name) holds \(what): \(beyond.joined(separator: ", ")) (\(grant.requestID))")
            } else if let live = liveBySubject[subjectKey], let first = live.first {
                let approvedText = live.map { "\(grants[$0].requestID) \(grants[$0].terms.entitlement)" }.joined(separator: ", ")
                findings.add(.wider, key: accessKey("wider", observation), observation: observation, grant: grants[first],
                             summary: "\(observation.subject.name) holds \(what) \(observation.scope.phrase), beyond what was approved (\(approvedText))")
            } else {
                findings.add(.unapproved, key: accessKey("unapproved", observation), observation: observation, grant: nil,
                             summary: "\(observation.subject.name) holds \(what) \(observation.scope.phrase) with no approved grant")
            }
        }

        var grantTypes: [String: [String: String]] = [:]
        func grantType(_ terms: GrantTerms) -> String? {
            if let types = grantTypes[terms.system] { return types[terms.entitlement] }
            let types = policy.platform(of: terms.system)?.entitlements.mapValues(\.type) ?? [:]
            grantTypes[terms.system] = types
            return types[terms.entitlement]
        }
        var sightings: [GrantSighting] = []
        sightings.reserveCapacity(inTarget.count)
        for index in inTarget {
            let grant = grants[index]
            let terms = grant.terms
            guard let target = targets[SubjectKey(system: terms.system, environment: terms.environment, subject: "")],
                  target.covers(grantType: grantType(terms), scope: terms.scope) else { continue }
            sightings.append(GrantSighting(requestID: grant.requestID, present: present[index]))
            if !present[index], grant.state == .active, grant.provisioningAction == .grant, grant.provisioning == .done {
                findings.add(.notProvisioned, key: ["not_provisioned", grant.requestID], grant: grant,
                             summary: "provisioning confirmed \(grant.requestID), but \(terms.system) \(terms.environment) shows no \(terms.entitlement) for \(terms.subject.name)\(terms.scope.map { " in \($0)" } ?? "")")
            }
            // A live grant in sight has an identity someone must answer for, seen or not.
            let key = SubjectKey(system: terms.system, environment: terms.environment, subject: terms.subject.name)
            if grant.state.isLive, subjects[key] == nil {
                subjects[key] = ObservedSubject(kind: .identity(terms.subject.kind), name: terms.subject.name)
            }
        }

        var owners: [SubjectKey: String] = [:]
        var orphans: Set<SubjectKey> = []
        for (key, subject) in subjects {
            let (owner, problem) = ownership(of: subject, grant: liveBySubject[key]?.first.map { grants[$0] }, policy: policy)
            owners[key] = owner
            guard let problem, subject.kind != .group else { continue }
            orphans.insert(key)
            findings.add(.orphaned, key: ["orphaned", key.system, key.environment, key.subject], system: key.system,
                         environment: key.environment, subject: ObservedSubject(kind: subject.kind, name: subject.name, owner: owner,
                                                                                missing: subject.missing),
                         summary: problem)
        }
        if !orphans.isEmpty {
            for observation in observed.observations
            where orphans.contains(SubjectKey(system: observation.system, environment: observation.environment, subject: observation.subject.name)) {
                findings.addEvidence(toOrphan: ["orphaned", observation.system, observation.environment, observation.subject.name], observation)
            }
        }

        let limits = policy.reconciliation
        for credential in observed.credentials {
            var reasons: [String] = []
            let at = credential.observedAt
            if let rotated = credential.rotatedAt, at.timeIntervalSince(rotated) > TimeInterval(limits.maxCredentialAge.seconds) {
                reasons.append("last rotated \(rotated.policyText), \(TimeSpan.between(rotated, at)) before it was seen (the policy rotates within \(limits.maxCredentialAge))")
            }
            switch credential.lastUsed {
            case let .at(used):
                if at.timeIntervalSince(used) > TimeInterval(limits.maxCredentialUnused.seconds) {
                    reasons.append("last used \(used.policyText), \(TimeSpan.between(used, at)) before it was seen (the policy allows \(limits.maxCredentialUnused) unused)")
                }
            case .never:
                if let rotated = credential.rotatedAt, at.timeIntervalSince(rotated) > TimeInterval(limits.maxCredentialUnused.seconds) {
                    reasons.append("never used in the \(TimeSpan.between(rotated, at)) since \(rotated.policyText) (the policy allows \(limits.maxCredentialUnused) unused)")
                }
            case .unknown:
                break
            }
            guard !reasons.isEmpty else { continue }
            let key = SubjectKey(system: credential.system, environment: credential.environment, subject: credential.subject.name)
            var subject = credential.subject
            subject.owner = owners[key] ?? subject.owner
            findings.add(.staleCredential, key: ["stale_credential", credential.system, credential.environment,
                                                 credential.subject.name, credential.credentialID],
                         credential: credential, subject: subject,
                         summary: "\(credential.credentialID) of \(credential.subject.name): " + reasons.joined(separator: "; "))
        }

        var result = findings.findings
        for index in result.indices {
            let key = SubjectKey(system: result[index].system, environment: result[index].environment, subject: result[index].subject.name)
            if result[index].subject.owner == nil { result[index].subject.owner = owners[key] }
        }
        result.sort { a, b in
            (kindOrder(a.kind), a.system, a.environment, a.subject.name, a.entitlement ?? a.native?.name ?? a.credentialID ?? "", a.id)
                < (kindOrder(b.kind), b.system, b.environment, b.subject.name, b.entitlement ?? b.native?.name ?? b.credentialID ?? "", b.id)
        }
        return ReconciliationResult(findings: result, sightings: sightings, matched: matched, awaitingRemoval: awaitingRemoval)
    }

    /// Who answers for an identity, and what is wrong with that, if anything.
    /// A person must be in the directory; anything else needs an owner who is.
    static func ownership(of subject: ObservedSubject, grant: Grant?, policy: Policy) -> (owner: String?, problem: String?) {
        if subject.missing {
            return (nil, "access is bound to \(subject.kind.label) \(subject.name), which does not exist: whoever creates it gets the access")
        }
        if let grant {
            let terms = grant.terms
            if terms.subject.kind.isHuman {
                return policy.knowsPerson(terms.subject.name)
                    ? (terms.subject.name, nil)
                    : (nil, "\(terms.subject.name) holds access (\(grant.requestID)) but is not in the directory: they may have left")
            }
            return policy.knowsPerson(terms.subject.owner)
                ? (terms.subject.owner, nil)
                : (terms.subject.owner, "\(subject.name) is owned by \(terms.subject.owner) (\(grant.requestID)), who is not in the directory: they may have left")
        }
        switch subject.kind {
        case .identity(.human):
            return policy.knowsPerson(subject.name)
                ? (subject.name, nil)
                : (nil, "\(subject.name) is a person with access who is not in the directory: they may have left")
        case .group:
            return (nil, nil)
        case .identity, .unknown:
            if let owner = subject.owner {
                return policy.knowsPerson(owner)
                    ? (owner, nil)
                    : (owner, "\(subject.name) is owned by \(owner), who is not in the directory: they may have left")
            }
            if subject.kind == .unknown, policy.knowsPerson(subject.name) { return (subject.name, nil) }
            return (nil, "\(subject.kind.label) \(subject.name) has access and no owner: no grant and nothing on the platform names one")
        }
    }

    /// When a grant stopped granting: its end, else provisioning's failure, else its approval.
    static func endTime(_ grant: Grant) -> Date {
        grant.endedAt ?? grant.provisioningAt ?? grant.approvedAt
    }

    static func accessText(_ observation: Observation) -> String {
        let level = observation.access.map { " (\($0.rawValue))" } ?? ""
        if let entitlement = observation.entitlement { return "\(entitlement)\(level) as \(observation.native.text)" }
        return observation.native.text + level
    }

    /// What keeps an access finding the same from run to run: the identity, the
    /// entitlement (or the platform's grant) and where it applies.
    static func accessKey(_ kind: String, _ observation: Observation) -> [String] {
        [kind, observation.system, observation.environment, observation.subject.name,
         observation.entitlement.map { "entitlement \($0)" } ?? observation.native.key, observation.scope.text]
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
    var index: [String: Int] = [:]

    private mutating func add(_ finding: Finding, key: String, evidence: FindingEvidence?) {
        if let existing = index[key] {
            if let evidence, !findings[existing].evidence.contains(evidence) { findings[existing].evidence.append(evidence) }
            return
        }
        index[key] = findings.count
        findings.append(finding)
    }

    private static func join(_ parts: [String]) -> String { parts.joined(separator: "\u{0}") }

    static func evidence(_ observation: Observation) -> FindingEvidence {
        FindingEvidence(sourceID: observation.sourceID, text: observation.native.text, observedAt: observation.observedAt)
    }

    mutating func add(_ kind: FindingKind, key parts: [String], observation: Observation, grant: Grant?, summary: String) {
        let key = Self.join(parts)
        let evidence = Self.evidence(observation)
        guard index[key] == nil else { return add(findings[index[key]!], key: key, evidence: evidence) }
        add(Finding(kind: kind, key: key, system: observation.system, environment: observation.environment,
                    subject: observation.subject, entitlement: observation.entitlement, native: observation.native,
                    scope: observation.scope, access: observation.access, requestID: grant?.requestID, credentialID: nil,
                    summary: summary, evidence: [evidence]), key: key, evidence: nil)
    }

    mutating func add(_ kind: FindingKind, key parts: [String], grant: Grant, summary: String) {
        let terms = grant.terms
        let key = Self.join(parts)
        add(Finding(kind: kind, key: key, system: terms.system, environment: terms.environment,
                    subject: ObservedSubject(kind: .identity(terms.subject.kind), name: terms.subject.name),
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
        guard let existing = index[key] else { return }
        add(findings[existing], key: key, evidence: Self.evidence(observation))
    }

    mutating func add(_ kind: FindingKind, key parts: [String], credential: CredentialObservation, subject: ObservedSubject,
                      summary: String) {
        let key = Self.join(parts)
        let evidence = FindingEvidence(sourceID: credential.sourceID, text: credential.credentialID, observedAt: credential.observedAt)
        add(Finding(kind: kind, key: key, system: credential.system, environment: credential.environment, subject: subject,
                    entitlement: nil, native: nil, scope: .unscoped, access: nil, requestID: nil,
                    credentialID: credential.credentialID, summary: summary, evidence: [evidence]),
            key: key, evidence: evidence)
    }
}
