import Foundation
import SignoffCore
import SignoffReconcile

/// Reconciliation of 100,000 observations against 100,000 grants (DESIGN.md:
/// ≤ 1 s), next to its floor in the same run: the same two sets merely joined
/// (every grant hashed into a dictionary by subject and entitlement, every
/// observation looked up in it), which any comparison must at least do.
enum ReconcileBenchmark {
    static func run(quick: Bool) throws -> [Figure] {
        let policy = try Workload.policy()
        let count = quick ? 5_000 : 100_000
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let (grants, observed) = workload(count, policy: policy, now: now)

        var findings = 0
        var compareSamples: [Double] = []
        var floorSamples: [Double] = []
        for round in 0..<(quick ? 2 : 6) {
            let compare = Measure.time {
                findings = Reconciliation.compare(grants: grants, observed: observed, policy: policy, at: now).findings.count
            }
            var joined = 0
            let floor = Measure.time { joined = join(grants, observed.observations) }
            precondition(joined > 0)
            if round > 0 || quick {
                compareSamples.append(compare)
                floorSamples.append(floor)
            }
        }
        let median = Measure.percentile(compareSamples, 0.5)
        let floorMedian = Measure.percentile(floorSamples, 0.5)

        // Reading the generic format: what a run spends before the comparison.
        let lines = observed.observations.map(jsonLine).joined(separator: "\n")
        let file = try ExportFile(name: "observations.jsonl", bytes: Array(lines.utf8))
        let covers = Set(observed.coverage.targets.map { "\($0.system)/\($0.environment)" }).sorted()
        var read = 0
        let readTime = try Measure.time {
            read = try ExportReader.read(.generic, files: [file], options: ReadOptions(covers: covers, now: now), policy: policy)
                .observed.observations.count
        }
        precondition(read == observed.observations.count)

        let label = count.formatted()
        return [
            Figure(name: "reconcile \(label) observations × \(label) grants", value: String(format: "%.0f ms (%d findings)", median * 1000, findings),
                   budget: "≤ 1 s", met: quick ? nil : median <= 1),
            Figure(name: "  floor: the same sets joined by a dictionary", value: String(format: "%.0f ms (%.1f×)", floorMedian * 1000, median / floorMedian),
                   budget: "", met: nil),
            Figure(name: "  reading them as generic JSON lines", value: String(format: "%.0f ms (%.1f MB)", readTime * 1000, Double(file.bytes.count) / 1e6),
                   budget: "", met: nil),
        ]
    }

    /// The floor: every grant keyed by system, environment, subject and
    /// entitlement, every observation looked up.
    static func join(_ grants: [Grant], _ observations: [Observation]) -> Int {
        struct Key: Hashable { var system, environment, subject, entitlement: String }
        var index: [Key: Int] = [:]
        index.reserveCapacity(grants.count)
        for (offset, grant) in grants.enumerated() {
            index[Key(system: grant.terms.system, environment: grant.terms.environment, subject: grant.terms.subject.name,
                      entitlement: grant.terms.entitlement)] = offset
        }
        var hits = 0
        for observation in observations {
            if index[Key(system: observation.system, environment: observation.environment, subject: observation.subject.name,
                         entitlement: observation.entitlement ?? "")] != nil { hits += 1 }
        }
        return hits
    }

    /// `count` grants over the catalogue (most active and provisioned, some
    /// ended, some awaiting provisioning) and as many observations: most of
    /// them the grants' access, some wider, some of ended grants, some unapproved.
    static func workload(_ count: Int, policy: Policy, now: Date) -> ([Grant], ObservedState) {
        let people = policy.people
        let pairs = policy.systems.flatMap { system in system.environments.map { (system, $0) } }
        var grants: [Grant] = []
        var observations: [Observation] = []
        grants.reserveCapacity(count)
        observations.reserveCapacity(count)
        let approvedAt = now.addingTimeInterval(-10 * 86_400)
        for index in 0..<count {
            let (system, environment) = pairs[index % pairs.count]
            let entitlement = system.entitlements[(index / pairs.count) % system.entitlements.count]
            let owner = people[index % people.count]
            let subject = Subject(kind: .serviceAccount, name: "svc-\(index)", owner: owner)
            let terms = GrantTerms(requester: owner, subject: subject, system: system.name, environment: environment,
                                   entitlement: entitlement, scope: nil, access: .write, revocationTriggers: [], ticket: "OPS-\(index)",
                                   incident: nil, breakGlass: false)
            let state: GrantState = index % 20 == 7 ? .revoked : index % 20 == 13 ? .awaitingProvisioning : .active
            let endedAt = state == .revoked ? now.addingTimeInterval(-3 * 86_400) : nil
            grants.append(Grant(requestID: "REQ-\(index + 1)", terms: terms, state: state, approvedAt: approvedAt, approvers: ["dave"],
                                policyVersion: policy.version, duration: .days(30), startsAt: approvedAt,
                                expiresAt: approvedAt.addingTimeInterval(30 * 86_400), selfActivated: false,
                                provisioningAction: state == .revoked ? .revoke : .grant,
                                provisioning: state == .awaitingProvisioning ? .handedOff : .done, endedAt: endedAt,
                                endedBy: endedAt == nil ? nil : "dave"))
            // 95% of grants are observed (a few wider); the rest are missing; 3% of observations are strangers.
            let observedSubject: String
            var access: AccessLevel = .write
            if index % 100 < 3 {
                observedSubject = "rogue-\(index)"
            } else if index % 100 < 98 {
                observedSubject = subject.name
                if index % 50 == 11 { access = .admin }
            } else {
                continue
            }
            observations.append(Observation(
                system: system.name, environment: environment,
                subject: ObservedSubject(kind: .identity(.serviceAccount), name: observedSubject, owner: owner),
                entitlement: entitlement, native: NativeGrant(type: "entitlement", name: entitlement, text: entitlement),
                scope: .unscoped, access: access, sourceID: "record-\(index)", observedAt: now))
        }
        let coverage = Coverage(targets: pairs.map { Coverage.Target(system: $0.0.name, environment: $0.1) })
        return (grants, ObservedState(observations: observations, credentials: [], coverage: coverage))
    }

    static func jsonLine(_ observation: Observation) -> String {
        "{\"system\":\"\(observation.system)\",\"environment\":\"\(observation.environment)\",\"subject_kind\":\"service_account\",\"subject_name\":\"\(observation.subject.name)\",\"subject_owner\":\"\(observation.subject.owner ?? "")\",\"entitlement\":\"\(observation.entitlement ?? "")\",\"access\":\"\(observation.access?.rawValue ?? "read")\",\"source_id\":\"\(observation.sourceID)\",\"observed_at\":\"2027-01-15T08:00:00Z\"}"
    }
}
