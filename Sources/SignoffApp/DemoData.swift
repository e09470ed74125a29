import Foundation
import SignoffCore
import SignoffStore

/// A realistic store to try the console on: a few hundred requests over the
/// last ten days, for people and for non-human identities, some emergencies,
/// some decided, some close to expiry, some with hostile field contents, and
/// one reconciliation run whose findings the Drift view shows.
/// Deterministic: the same seed gives the same store.
public enum DemoData {
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            var x = state
            x ^= x >> 33
            x = x &* 0xff51afd7ed558ccd
            x ^= x >> 33
            return x
        }
    }

    static let purposes = [
        "Nightly reconciliation reads the ledger tables",
        "Investigate failed card captures reported in the incident channel",
        "Rotate the export credentials before the quarterly audit",
        "Backfill the churn model features for the Q4 forecast",
        "Deploy the hotfix for the refunds rounding bug",
        "Read-only access to debug slow queries on the replica",
        "Run the GDPR deletion job for pending erasure requests",
        "Provision the new billing exporter service account",
        "Migrate the invoices table to the partitioned layout",
        "Let the triage agent read pod logs to summarise alerts",
        "Review vault policies ahead of the SOC 2 fieldwork",
        "Load the marketing attribution data into the warehouse",
    ]

    /// Field values an attacker might type: escape sequences, bidirectional
    /// overrides, zero-width characters, very long text, and scripts and
    /// emoji that must still line up.
    static let hostile: [(subject: String, purpose: String)] = [
        ("svc-\u{1B}[2J\u{1B}[31mpwned", "Clear the screen \u{1B}]0;owned\u{07} and set the title"),
        ("invoice\u{202E}fdp.exe", "Looks innocent \u{200B}but hides\u{200D} zero-width characters"),
        ("数据仓库-同步", "同步客户数据到分析仓库，用于月度报表 📊"),
        ("e\u{301}tl-cafe\u{301}", "Combining marks: re\u{301}sume\u{301} of the na\u{308}ive job"),
        ("bot-🤖-ops", String(repeating: "An extremely long purpose that keeps going and going. ", count: 40)),
        ("svc-\u{9B}31mcsi", "An 8-bit CSI \u{9B}2J that some terminals obey"),
    ]

    /// Fills `store` (which must be empty and trust asserted identities).
    public static func populate(_ store: Store, policy: Policy, count: Int, now: Date, seed: UInt64 = 42) throws {
        var random = Generator(state: seed)
        let people = policy.people
        // The first policy is the store creator's to apply, as `signoff policy apply` would accept.
        guard let admin = try store.creator() else { throw CommandError.store("the demo store records no creator") }
        let start = now.addingTimeInterval(-10 * 86_400)
        try store.write { tx in
            for event in Lifecycle.apply(policy, previousVersion: nil, by: admin, openRecords: [], originals: [:], at: start) {
                try tx.append(event)
            }
            for index in 0..<count {
                let at = start.addingTimeInterval(Double(index) / Double(count) * 10 * 86_400 - 3600)
                let request = makeRequest(index, policy: policy, people: people, random: &random)
                let requester = Principal(name: request.requester ?? "alice", authentication: .asserted)
                let id = try tx.nextRequestID()
                var record: RequestRecord?
                for event in Lifecycle.submit(try ScannedRequest(scanning: request), id: id, by: requester, policy: policy, original: nil, at: at) {
                    try tx.append(event)
                    record = Projection.apply(event, to: record)
                }
                // Older requests are mostly decided; the last two days stay pending.
                if var current = record, current.state == .pending,
                   at < now.addingTimeInterval(-2 * 86_400), Int.random(in: 0..<10, using: &random) < 8 {
                    try decide(&current, policy: policy, at: at.addingTimeInterval(Double.random(in: 600...20_000, using: &random)),
                               deny: Int.random(in: 0..<6, using: &random) == 0, tx: tx)
                }
                try provision(id, now: now, random: &random, tx: tx)
            }
        }
        // What the expiry timer would have done by now: grants past their
        // expiry end and stale requests time out, so what the demo calls
        // active is active. Provisioning confirms most removals.
        let swept = try Commands(store: store, actor: sweeper, clock: .fixed(now)).run(Commands.Sweep())
        try store.write { tx in
            for id in swept.output.expired where Int.random(in: 0..<10, using: &random) < 8 {
                guard let grant = try tx.grant(id) else { continue }
                for event in try Lifecycle.provisioningReport(grant, succeeded: true, note: "access removed", by: provisioner, at: now) {
                    try tx.append(event)
                }
            }
        }
        // One reconciliation run, so the Drift view shows findings of several kinds.
        try DemoReconciliation.run(store, at: now)
    }

    /// The account the demo's expiry timer runs as, and the provisioning system's.
    static let sweeper = Principal(name: "signoff-timer", authentication: .asserted)
    static let provisioner = Principal(name: "provisioning", authentication: .asserted)

    /// Provisioning confirms most grants a few minutes after approval; some
    /// wait, so the console has unprovisioned access to flag.
    static func provision(_ id: String, now: Date, random: inout Generator, tx: WriteTransaction) throws {
        guard let grant = try tx.grant(id), grant.provisioning == .pending, Int.random(in: 0..<20, using: &random) < 17 else { return }
        let at = grant.approvedAt.addingTimeInterval(Double.random(in: 120...2400, using: &random))
        guard at < now else { return }
        for event in try Lifecycle.provisioningReport(grant, succeeded: true, note: "role granted", by: provisioner, at: at) {
            try tx.append(event)
        }
    }

    static func makeRequest(_ index: Int, policy: Policy, people: [String], random: inout Generator) -> AccessRequest {
        let system = policy.systems[Int.random(in: 0..<policy.systems.count, using: &random)]
        let environment = Int.random(in: 0..<3, using: &random) == 0 ? "staging" : "production"
        let entitlement = system.entitlements.randomElement(using: &random) ?? "read"
        let kinds: [IdentityKind] = [.human, .human, .serviceAccount, .apiKey, .aiAgent, .workloadIdentity, .oauthClient, .certificate, .bot]
        var kind = kinds.randomElement(using: &random) ?? .human
        let requester = people.randomElement(using: &random) ?? "alice"
        let breakGlass = index % 23 == 5
        if breakGlass { kind = .human }
        let access: AccessLevel = entitlement.contains("admin") || entitlement == "superuser" ? .admin
            : (entitlement.contains("write") || entitlement.contains("migrate") || entitlement.contains("editor") || entitlement == "refunds" || entitlement == "loader") ? .write : .read
        var subject = kind.isHuman ? requester : "\(kind.rawValue.replacingOccurrences(of: "_", with: "-"))-\(system.name)-\(index % 17)"
        var purpose = purposes.randomElement(using: &random) ?? purposes[0]
        if index % 37 == 11 {
            let evil = hostile[(index / 37) % hostile.count]
            kind = .serviceAccount
            subject = evil.subject
            purpose = evil.purpose
        }
        let hours = breakGlass ? [1, 2, 4].randomElement(using: &random)! : [1, 4, 8, 24, 72, 168].randomElement(using: &random)!
        return AccessRequest(
            requester: requester, subject: Subject(kind: kind, name: subject, owner: requester),
            system: system.name, environment: environment, entitlement: entitlement,
            scope: Int.random(in: 0..<3, using: &random) == 0 ? "schema:ledger" : nil, access: access,
            purpose: purpose, duration: .hours(hours),
            revocationTriggers: kind.isHuman ? [] : [RevocationTrigger(name: "ticket_closed", ref: "OPS-\(4000 + index)")],
            ticket: index % 9 == 0 ? nil : "OPS-\(4000 + index)", breakGlass: breakGlass,
            incident: breakGlass ? "INC-\(700 + index)" : nil,
            labels: index % 13 == 0 ? ["team": "payments", "cost-center": "cc-\(index % 5)"] : [:],
            notes: index % 29 == 0 ? "Discussed in the weekly access review." : nil)
    }

    /// Approves step by step with the first eligible people, or denies.
    static func decide(_ record: inout RequestRecord, policy: Policy, at: Date, deny: Bool, tx: WriteTransaction) throws {
        guard case let .steps(_, steps) = record.route else { return }
        var tried: Set<String> = []
        while record.state == .pending {
            let original = try tx.originalGrant(of: record)
            let status = Lifecycle.progress(record, policy: policy, original: original)
            guard let open = status.firstIndex(where: { !$0.isSatisfied }) else { return }
            let candidates = policy.candidates(for: steps[open], request: record.request, submittedBy: record.submittedBy.name,
                                               editors: Lifecycle.excluded(record, original: original), at: at)
            guard let next = candidates.first(where: { $0.eligible && !tried.contains($0.name) }) else { return }
            tried.insert(next.name)
            let rationale = deny ? "Not needed: the read replica covers this use case"
                : "Scope and duration match the ticket; owner confirmed"
            let result = Lifecycle.review(record, verdict: deny ? .deny : .approve, rationale: rationale,
                                          shownVersion: record.version,
                                          by: Principal(name: next.name, authentication: .asserted), policy: policy,
                                          original: original, at: at)
            for event in result.events {
                try tx.append(event)
                record = Projection.apply(event, to: record) ?? record
            }
            if case .refused = result.outcome { return }
        }
    }
}
