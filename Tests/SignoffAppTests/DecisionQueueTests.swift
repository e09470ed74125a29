import Foundation
import SignoffApp
import SignoffCore
import SignoffStore
import Testing

/// "Routed to me" counts the approvals that count, not every approval given:
/// a delegate's approval beside the delegator's fills one seat, so the
/// request still waits for the other owners and stays in their queues.
@Suite struct DecisionQueueTests {
    static let policySource = """
    policy: queue
    directory:
      people: {alice: {}, xavier: {}, yolanda: {}, zed: {}, dora: {}}
      delegations:
        - {from: xavier, to: dora, until: 2040-01-01T00:00:00Z}
    catalogue:
      db:
        owners: [xavier, yolanda, zed]
        environments: [production]
        entitlements: [read]
        max_duration: 30d
    route:
      - name: two-owners
        steps: [{approvers: owners, count: 2}]
    """

    static let request = """
    requester: alice
    subject: {kind: service_account, name: svc-ledger, owner: alice}
    system: db
    environment: production
    entitlement: read
    access: read
    purpose: the nightly ledger job reads the replica
    duration: 8h
    """

    /// A new store that trusts asserted identities (created by `creator`,
    /// else this account), and commands in it as anyone, each a minute
    /// after the one before.
    final class QueueStore {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("signoff-queue-\(UUID().uuidString)")
        let store: Store
        private(set) var clock = Date(timeIntervalSince1970: 1_900_000_000)

        init(creator: String? = nil) throws {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            store = try Store.create(at: directory.appendingPathComponent("store.sqlite").path,
                                     settings: StoreSettings(trustAssertedIdentities: true, createdAt: clock),
                                     creator: creator.map { Principal(name: $0, authentication: .asserted) })
        }

        deinit { try? FileManager.default.removeItem(at: directory) }

        func commands(_ name: String) -> Commands {
            clock = clock.addingTimeInterval(60)
            return Commands(store: store, actor: Principal(name: name, authentication: .asserted), clock: .fixed(clock))
        }
    }

    @Test func approvalsThatDoNotCountLeaveTheRequestInTheOtherOwnersQueues() throws {
        let queueStore = try QueueStore()
        let store = queueStore.store
        func commands(_ name: String) -> Commands { queueStore.commands(name) }
        try commands("root").run(Commands.ApplyPolicy(try Policy.parse(source: Self.policySource, file: "policy.yaml")))
        _ = try commands("alice").run(Commands.Submit([.init(text: Self.request, name: "request.yaml")]))
        _ = try commands("xavier").run(Commands.Review(id: "REQ-1", verdict: .approve,
                                                       rationale: "xavier checked the job against its runbook", shownVersion: 1))
        // dora acts for xavier: the commands refuse her approval, which would count for nothing...
        #expect(throws: CommandError.self) {
            try commands("dora").run(Commands.Review(id: "REQ-1", verdict: .approve,
                                                     rationale: "dora checked the job against its runbook", shownVersion: 1))
        }
        // ...which an older signoff recorded, as `Lifecycle.review` without the commands' rule still does.
        let policy = try commands("yolanda").requirePolicy()
        try store.write { tx in
            let record = try #require(try tx.record("REQ-1"))
            let dora = Principal(name: "dora", authentication: .asserted)
            let result = Lifecycle.review(record, verdict: .approve, rationale: "dora checked the job against its runbook", shownVersion: 1,
                                          by: dora, policy: policy, original: nil, at: queueStore.clock.addingTimeInterval(30))
            for event in result.events { try tx.append(event) }
        }
        #expect(try store.record("REQ-1")?.state == .pending)
        let summary = try #require(try store.summaries(.all).first)
        #expect(summary.approvals == 2, "both approvals are recorded")
        for (person, expected) in [("yolanda", true), ("zed", true), ("xavier", false), ("dora", false)] {
            var queue = try DecisionQueue(store: store, person: person, policy: policy, now: queueStore.clock)
            #expect(try queue.includes(summary) == expected, "\(person)")
        }
        let verify = try store.verify()
        #expect(verify.isIntact, "\(verify.projectionMismatches)")
    }

    /// Whoever asked for the original access may not approve a longer term
    /// of it (`Lifecycle.separationOfDuties`), so an extension is not in
    /// their queue or their delegate's, they are not told it waits for them,
    /// and `policy explain` does not name them among its candidates; every
    /// other owner still is.
    @Test func anExtensionIsNotRoutedToWhoAskedForTheOriginal() throws {
        let queueStore = try QueueStore()
        let store = queueStore.store
        func commands(_ name: String) -> Commands { queueStore.commands(name) }
        let source = Self.policySource
            .replacingOccurrences(of: "{alice: {}, xavier: {}, yolanda: {}, zed: {}, dora: {}}",
                                  with: "{alice: {email: a@example.com}, xavier: {email: x@example.com}, yolanda: {email: y@example.com}, zed: {email: z@example.com}, dora: {email: d@example.com}}")
            .replacingOccurrences(of: "  delegations:", with: "  intake_agents: [xavier]\n  delegations:")
            .replacingOccurrences(of: "max_duration: 30d", with: "max_duration: 30d\n    max_total: 60d")
            .replacingOccurrences(of: "count: 2", with: "count: 1") + "\nnotifications: {reminders: {after: 4h, every: 4h}}\n"
        try commands("root").run(Commands.ApplyPolicy(try Policy.parse(source: source, file: "policy.yaml")))
        // xavier, whose automation files requests for others, files the original for alice; yolanda approves it.
        _ = try commands("xavier").run(Commands.Submit([.init(text: Self.request, name: "request.yaml")]))
        _ = try commands("yolanda").run(Commands.Review(id: "REQ-1", verdict: .approve,
                                                        rationale: "yolanda checked the job against its runbook", shownVersion: 1))
        #expect(try store.grant("REQ-1")?.state == .active)
        let extended = try commands("alice").run(Commands.Extend(id: "REQ-1", by: .hours(8), purpose: nil)).output
        #expect(extended.id == "REQ-2" && extended.state == .pending)
        #expect(extended.submittedBy.name == "alice" && extended.requester == "alice")

        let policy = try commands("zed").requirePolicy()
        let summary = try #require(try store.summaries(.all).first { $0.id == "REQ-2" })
        let original = try store.originalGrant(of: extended)
        #expect(original?.authors == ["xavier"])
        let planner = try #require(NoticePlanner(policy: policy))
        let deciders = planner.deciders(of: extended, original: original, at: queueStore.clock).map(\.name)
        let candidates = policy.explain(extended, original: original, at: queueStore.clock).steps.flatMap(\.candidates)
        for (person, expected) in [("yolanda", true), ("zed", true), ("xavier", false), ("dora", false)] {
            var queue = try DecisionQueue(store: store, person: person, policy: policy, now: queueStore.clock)
            #expect(try queue.includes(summary) == expected, "\(person)")
            #expect(Lifecycle.canDecide(extended, person: person, policy: policy, at: queueStore.clock, original: original).0 == expected, "\(person)")
            #expect(deciders.contains(person) == expected, "\(person) among \(deciders)")
            #expect(candidates.contains { $0.name == person && $0.eligible } == expected, "\(person)")
        }
        // Reminders go to the same people, and no further.
        let reminders = planner.reminders(for: extended, original: original, at: queueStore.clock.addingTimeInterval(5 * 3600))
        #expect(Set(reminders.compactMap(\.recipient)) == ["yolanda", "zed"])
        // Nor does the outbox hold a routed notice for either.
        let routedTo = try store.outboxItems(.notification, requestID: "REQ-2").compactMap(\.message.recipient)
        #expect(Set(routedTo) == ["yolanda", "zed"], "\(routedTo)")

        // xavier's approval, appended past the commands, counts for nothing:
        // a new policy that keeps the route does not find the extension's step
        // satisfied and approve it.
        var withoutAuthors = try #require(original)
        withoutAuthors.authors = []
        try store.write { tx in
            let unknowing = Lifecycle.review(extended, verdict: .approve, rationale: "xavier checked the job against its runbook",
                                             shownVersion: extended.version, by: Principal(name: "xavier", authentication: .asserted),
                                             policy: policy, original: withoutAuthors, at: queueStore.clock)
            try tx.append(try #require(unknowing.events.first { $0.body.kind == "review_recorded" }, "\(unknowing.outcome)"))
        }
        let changed = try Policy.parse(source: source.replacingOccurrences(of: "policy: queue", with: "policy: queue-2"), file: "policy.yaml")
        #expect(try commands("root").run(Commands.ApplyPolicy(changed)).output.rerouted == 1)
        #expect(try store.record("REQ-2")?.state == .pending)
        #expect(try store.grant("REQ-1")?.extensions.isEmpty == true)
    }
}
