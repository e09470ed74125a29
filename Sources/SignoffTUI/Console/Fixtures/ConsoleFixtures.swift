import Foundation
import SignoffCore

/// Realistic console data without a store: for tests, demos and the frame and
/// filter benchmarks (`snapshot(count: 100_000)`). Deterministic for a seed.
public enum ConsoleFixtures {
    public static let epoch = Date(timeIntervalSince1970: 1_790_000_000)
    public static let me = Principal(name: "alice", authentication: .osAccount)
    public static let policyVersion = "9f2c4e1ab37d5c60e8f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7"

    static let systems = ["payments-db", "ledger-api", "billing-ui", "hr-portal", "k8s-prod", "s3-archive", "search", "crm"]
    static let environments = ["production", "staging", "dev", "production", "qa"]
    static let entitlements = ["db:read", "db:write", "db:admin", "deploy", "logs:read", "bucket:write", "admin-console", "secrets:read"]
    static let people = ["bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory"]
    static let subjects = ["etl-nightly", "payments-api", "ci-runner", "report-bot", "backup-agent", "gh-actions", "vault-sync", "ml-trainer"]
    static let purposes = ["quarterly reconciliation of ledger balances",
                           "investigate failed settlement batch",
                           "deploy hotfix for checkout latency",
                           "migrate reporting tables to the new schema",
                           "rotate credentials after offboarding"]

    /// `count` rows: mostly pending, some mine, some break-glass, some decided.
    public static func snapshot(count: Int, seed: UInt64 = 1, identity: Principal = me,
                                storePath: String = "signoff.db", minimumRationale: Int = 20) -> ConsoleSnapshot {
        var random = SplitMix(seed: seed)
        var rows: [ConsoleRow] = []
        rows.reserveCapacity(count)
        for index in 0..<count {
            rows.append(row(index, random: &random))
        }
        return ConsoleSnapshot(identity: identity, storePath: storePath, policyVersion: policyVersion,
                               minimumRationale: minimumRationale, changeToken: 1, rows: rows,
                               grants: grants(now: epoch), findings: findings(now: epoch))
    }

    /// Findings that show each part of the Drift list: an unapproved service
    /// account on alice's payments-db, an orphaned identity elsewhere with a
    /// hostile name, and a wider-than-approved binding under an exception.
    public static func findings(now: Date) -> [ConsoleFindingRow] {
        func at(_ hours: Double) -> Date { now.addingTimeInterval(hours * 3600) }
        func evidence(_ id: String, _ text: String) -> [FindingEvidence] { [FindingEvidence(sourceID: id, text: text, observedAt: at(-1))] }
        func finding(_ id: String, _ kind: FindingKind, _ system: String, subjectKind: String, subject: String, owner: String?,
                     entitlement: String?, scope: String, requestID: String? = nil, summary: String, first: Double, firstRun: Int64,
                     exception: FindingException? = nil) -> StoredFinding {
            StoredFinding(id: id, kind: kind, system: system, environment: "production", subjectKind: subjectKind, subject: subject,
                          owner: owner, entitlement: entitlement, grantType: nil, scope: scope, requestID: requestID, credentialID: nil,
                          summary: summary, open: true, firstSeenAt: at(first), firstRun: firstRun, lastSeenAt: at(-1), lastRun: 40,
                          resolvedAt: nil, resolvedRun: nil, openedSequence: firstRun + 1, exception: exception)
        }
        return [
            ConsoleFindingRow(
                finding: finding("F-1a2b3c4d5e6f7081", .unapproved, "payments-db", subjectKind: "service_account", subject: "svc-rogue",
                                 owner: "bob", entitlement: "read_replica", scope: "",
                                 summary: "svc-rogue holds read_replica with no approved grant", first: -26, firstRun: 31),
                evidence: evidence("pg:ledger_ro:svc-rogue", "svc-rogue is a member of ledger_ro"), responsible: true),
            ConsoleFindingRow(
                finding: finding("F-9e8d7c6b5a403122", .orphaned, "k8s-prod", subjectKind: "service_account",
                                 subject: "ghost\u{1B}]0;pwned\u{07}-sa", owner: nil, entitlement: nil, scope: "payments",
                                 summary: "the service account does not exist in the cluster, and nobody answers for it",
                                 first: -3, firstRun: 38),
                evidence: evidence("RoleBinding/payments/ghost", "RoleBinding payments/ghost \u{2192} ClusterRole edit"),
                responsible: false),
            ConsoleFindingRow(
                finding: finding("F-0f1e2d3c4b5a6978", .wider, "search", subjectKind: "human", subject: "erin", owner: "frank",
                                 entitlement: "logs:read", scope: "*", requestID: "REQ-900002",
                                 summary: "erin holds logs:read instance-wide where logs-2026 was approved (REQ-900002)",
                                 first: -50, firstRun: 20,
                                 exception: FindingException(by: "sam", at: at(-48), until: at(24 * 20),
                                                             rationale: "Search cluster migration needs the wide index read", sequence: 21)),
                evidence: evidence("index/*", "erin: read on every index"), responsible: false),
        ]
    }

    /// Grants that show each thing the Expiring and Break-glass lists flag, at
    /// fixed times before and after `now`: one ending soon, one approved two
    /// days ago and still not provisioned, one expired but not removed, one
    /// lasting a week, and a self-activated break-glass grant whose
    /// post-incident review is overdue. Alice answers for payments-db and for bob.
    public static func grants(now: Date) -> [ConsoleGrantRow] {
        func terms(_ requester: String, _ kind: IdentityKind, _ subject: String, _ owner: String, _ system: String,
                   _ entitlement: String, _ access: AccessLevel, breakGlass: Bool = false) -> GrantTerms {
            GrantTerms(requester: requester, subject: Subject(kind: kind, name: subject, owner: owner), system: system,
                       environment: "production", entitlement: entitlement, scope: nil, access: access,
                       revocationTriggers: [], ticket: breakGlass ? nil : "OPS-77", incident: breakGlass ? "INC-9" : nil,
                       breakGlass: breakGlass)
        }
        func at(_ hours: Double) -> Date { now.addingTimeInterval(hours * 3600) }
        let soon = Grant(requestID: "REQ-900001", terms: terms("bob", .serviceAccount, "etl-nightly", "bob", "payments-db", "db:read", .read),
                         state: .active, approvedAt: at(-5.5), approvers: ["carol"], policyVersion: policyVersion,
                         duration: .hours(8), startsAt: at(-5.5), expiresAt: at(2.5), selfActivated: false,
                         provisioning: .done, provisioningAt: at(-5.4))
        let week = Grant(requestID: "REQ-900002", terms: terms("erin", .human, "erin", "frank", "search", "logs:read", .read),
                         state: .active, approvedAt: at(-24), approvers: ["frank"], policyVersion: policyVersion,
                         duration: .days(7), startsAt: at(-24), expiresAt: at(144), selfActivated: false,
                         provisioning: .done, provisioningAt: at(-23.9))
        let unprovisioned = Grant(requestID: "REQ-900003",
                                  terms: terms("dave", .aiAgent, "ml-trainer", "dave", "s3-archive", "bucket:write", .write),
                                  state: .awaitingProvisioning, approvedAt: at(-49), approvers: ["grace"],
                                  policyVersion: policyVersion, duration: .days(1), startsAt: nil, expiresAt: nil,
                                  selfActivated: false, provisioning: .handedOff, provisioningAt: at(-49))
        let unremoved = Grant(requestID: "REQ-900004", terms: terms("bob", .human, "bob", "alice", "ledger-api", "deploy", .write),
                              state: .expired, approvedAt: at(-13), approvers: ["carol"], policyVersion: policyVersion,
                              duration: .hours(8), startsAt: at(-13), expiresAt: at(-5), selfActivated: false,
                              provisioningAction: .expire, provisioning: .pending, endedAt: at(-5), endedBy: "signoff",
                              endReason: "expired")
        let emergency = Grant(requestID: "REQ-900005",
                              terms: terms("mallory", .human, "mallory", "heidi", "k8s-prod", "admin-console", .admin, breakGlass: true),
                              state: .active, approvedAt: at(-27), approvers: ["mallory"], policyVersion: policyVersion,
                              duration: .hours(28), startsAt: at(-27), expiresAt: at(1), selfActivated: true,
                              provisioning: .done, provisioningAt: at(-27),
                              incidentReview: IncidentReview(reviewers: "group:security-reviewers", dueAt: at(-3)))
        // Reconciliation saw the first grant's access an hour ago, the
        // expired grant's access still there after it ended, and the
        // break-glass access no longer there; no run has covered the others.
        func seen(_ present: Bool, _ hours: Double, run: Int64, lastPresent: (Double, Int64)?) -> GrantReconciliation {
            GrantReconciliation(present: present, seenAt: at(hours), run: run, presentAt: lastPresent.map { at($0.0) },
                                presentRun: lastPresent?.1)
        }
        return [
            ConsoleGrantRow(grant: soon, responsible: true, reconciliation: seen(true, -1, run: 40, lastPresent: (-1, 40))),
            ConsoleGrantRow(grant: week, responsible: false),
            ConsoleGrantRow(grant: unprovisioned, responsible: false),
            ConsoleGrantRow(grant: unremoved, responsible: true, reconciliation: seen(true, -1, run: 40, lastPresent: (-1, 40))),
            ConsoleGrantRow(grant: emergency, responsible: false, reconciliation: seen(false, -1, run: 40, lastPresent: (-20, 31))),
        ]
    }

    /// The approved request behind a grant, for backends that hold grants without their rows.
    public static func row(for grant: Grant) -> ConsoleRow {
        let terms = grant.terms
        return ConsoleRow(id: grant.requestID, state: .approved, version: 2, subjectKind: terms.subject.kind,
                          subjectName: terms.subject.name, owner: terms.subject.owner, system: terms.system,
                          environment: terms.environment, entitlement: terms.entitlement, scope: terms.scope,
                          access: terms.access, duration: grant.duration,
                          purpose: terms.breakGlass ? "restore the cluster during the incident" : "scheduled maintenance",
                          ticket: terms.ticket, requester: terms.requester,
                          submittedAt: grant.approvedAt.addingTimeInterval(-1800), breakGlass: terms.breakGlass,
                          incident: terms.incident, mineNow: false, routedTo: "owners of \(terms.system)", approvals: 1,
                          approvalsNeeded: 1, decidedAt: grant.approvedAt, decidedBy: grant.approvers)
    }

    static func row(_ index: Int, random: inout SplitMix) -> ConsoleRow {
        let r = random.next()
        let system = systems[Int(r % UInt64(systems.count))]
        let environment = environments[Int((r >> 8) % UInt64(environments.count))]
        let entitlement = entitlements[Int((r >> 16) % UInt64(entitlements.count))]
        let kind = IdentityKind.allCases[Int((r >> 24) % UInt64(IdentityKind.allCases.count))]
        let requester = people[Int((r >> 32) % UInt64(people.count))]
        let owner = people[Int((r >> 36) % UInt64(people.count))]
        let subject = kind.isHuman ? requester : subjects[Int((r >> 40) % UInt64(subjects.count))]
        let access: AccessLevel = entitlement.hasSuffix("admin") || entitlement == "admin-console" ? .admin
            : entitlement.hasSuffix("read") ? .read : .write
        let breakGlass = (r >> 44) % 97 == 0
        let roll = (r >> 48) % 100
        let state: RequestState = roll < 70 ? .pending : roll < 72 ? .blocked : roll < 88 ? .approved
            : roll < 96 ? .denied : roll < 98 ? .withdrawn : .timedOut
        let submittedAt = epoch.addingTimeInterval(-Double(index % 20_000) * 137 - Double((r >> 52) % 600))
        let needed = breakGlass ? 1 : 1 + Int((r >> 56) % 2)
        let approvals = state == .approved ? needed : state == .pending ? Int((r >> 58) % UInt64(needed)) : 0
        let decidedAt: Date? = state.isOpen ? nil : submittedAt.addingTimeInterval(3600)
        let duration: TimeSpan = breakGlass ? .hours(4) : [TimeSpan.hours(8), .days(1), .days(7), .days(30)][Int((r >> 60) % 4)]
        return ConsoleRow(
            id: String(format: "REQ-%06d", index + 1), state: state, version: 1, subjectKind: kind,
            subjectName: subject, owner: owner, system: system, environment: environment, entitlement: entitlement,
            scope: (r >> 20) % 3 == 0 ? "schema \(system.split(separator: "-").first ?? "")" : nil, access: access,
            duration: duration, purpose: purposes[Int((r >> 28) % UInt64(purposes.count))],
            ticket: "OPS-\(1000 + index % 9000)", requester: requester, submittedAt: submittedAt,
            breakGlass: breakGlass, incident: breakGlass ? "INC-\(index % 500)" : nil,
            mineNow: state == .pending && (r >> 12) % 3 == 0,
            routedTo: breakGlass ? "rotation:sre-oncall" : "owners of \(system)" + (needed > 1 ? ", then group:dba" : ""),
            approvals: approvals, approvalsNeeded: needed, decidedAt: decidedAt,
            decidedBy: state == .approved || state == .denied ? [people[Int((r >> 4) % UInt64(people.count))]] : [],
            extraSearchText: "team=\(system) cost-centre=\(index % 40)")
    }

    /// A full detail consistent with `row`: record, explanation, progress, timeline.
    public static func detail(for row: ConsoleRow, identity: Principal = me, maximumDuration: TimeSpan? = .days(7),
                              selfActivated: Bool = false) -> ConsoleDetail {
        let request = AccessRequest(
            requester: row.requester, subject: Subject(kind: row.subjectKind, name: row.subjectName, owner: row.owner),
            system: row.system, environment: row.environment, entitlement: row.entitlement, scope: row.scope,
            access: row.access, purpose: row.purpose, duration: row.duration,
            revocationTriggers: row.ticket.map { [RevocationTrigger(name: "ticket_closed", ref: $0)] } ?? [],
            ticket: row.ticket, breakGlass: row.breakGlass, incident: row.incident,
            labels: ["team": row.system], notes: nil)
        var record = RequestRecord(id: row.id, request: request,
                                   submittedBy: Principal(name: row.requester, authentication: .osAccount),
                                   submittedAt: row.submittedAt)
        record.version = row.version
        record.state = row.state
        record.policyVersion = policyVersion
        let steps = [RoutedStep(name: row.breakGlass ? "on-call SRE" : "owners of \(row.system)",
                                approvers: row.breakGlass ? "rotation:sre-oncall" : "owners", required: row.approvalsNeeded)]
        record.route = .steps(rule: row.breakGlass ? "break-glass" : "owner-approval", steps: steps)
        let approvers = Array(people.filter { $0 != row.requester }.prefix(row.approvals))
        record.reviews = approvers.map {
            Review(reviewer: Principal(name: $0, authentication: .osAccount), verdict: .approve,
                   rationale: "checked the ticket and the owner", at: row.submittedAt.addingTimeInterval(600),
                   requestVersion: row.version, policyVersion: policyVersion)
        }
        if let decidedAt = row.decidedAt {
            record.decision = Decision(state: row.state, at: decidedAt, by: row.decidedBy, policyVersion: policyVersion,
                                       reason: selfActivated ? "self-activated by \(row.requester): nobody answered the page"
                                                             : "steps satisfied",
                                       selfActivated: selfActivated ? true : nil)
        }
        let candidates = [
            Candidate(name: identity.name, eligible: row.mineNow, reason: row.mineNow ? "owner of \(row.system)" : "already counted or not an owner"),
            Candidate(name: row.requester, eligible: false, reason: "requester never approves their own request"),
        ]
        let explanation = PolicyExplanation(
            policyVersion: policyVersion,
            denyRules: [RuleTrace(rule: "no-contractor-admin", matched: false, detail: "subject is not a contractor")],
            routeRules: [RuleTrace(rule: row.breakGlass ? "break-glass" : "owner-approval", matched: true,
                                   detail: "system is \(row.system)")],
            outcome: record.route!, steps: [StepExplanation(step: steps[0], candidates: candidates)])
        var timeline = [TimelineEntry(at: row.submittedAt, actor: record.submittedBy, summary: "submitted"),
                        TimelineEntry(at: row.submittedAt, actor: .signoff,
                                      summary: "routed (v\(row.version), submitted): \(record.route!.summary)")]
        for review in record.reviews {
            timeline.append(TimelineEntry(at: review.at, actor: review.reviewer, summary: "approved (v\(review.requestVersion)): \(review.rationale)"))
        }
        return ConsoleDetail(record: record, explanation: explanation,
                             progress: [StepStatus(step: steps[0], approvedBy: approvers)],
                             mayDecide: row.mineNow && row.state == .pending,
                             whyNot: row.mineNow ? nil : "you are not an eligible approver for any open step",
                             whyMay: row.mineNow ? "owner of \(row.system)" : nil, myStep: row.mineNow ? 0 : nil,
                             maximumDuration: maximumDuration, timeline: timeline)
    }

    /// Small, fast, deterministic pseudo-random numbers (SplitMix64).
    struct SplitMix {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
