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

    @Test func approvalsThatDoNotCountLeaveTheRequestInTheOtherOwnersQueues() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("signoff-queue-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let start = Date(timeIntervalSince1970: 1_900_000_000)
        let store = try Store.create(at: directory.appendingPathComponent("store.sqlite").path,
                                     settings: StoreSettings(trustAssertedIdentities: true, createdAt: start))
        var clock = start
        func commands(_ name: String) -> Commands {
            clock = clock.addingTimeInterval(60)
            return Commands(store: store, actor: Principal(name: name, authentication: .asserted), clock: .fixed(clock))
        }
        try commands("root").run(Commands.ApplyPolicy(try Policy.parse(source: Self.policySource, file: "policy.yaml")))
        _ = try commands("alice").run(Commands.Submit([.init(text: Self.request, name: "request.yaml")]))
        for person in ["xavier", "dora"] {
            _ = try commands(person).run(Commands.Review(id: "REQ-1", verdict: .approve,
                                                         rationale: "\(person) checked the job against its runbook", shownVersion: 1))
        }
        #expect(try store.record("REQ-1")?.state == .pending)
        let policy = try commands("yolanda").requirePolicy()
        let summary = try #require(try store.summaries(.all).first)
        #expect(summary.approvals == 2, "both approvals are recorded")
        for (person, expected) in [("yolanda", true), ("zed", true), ("xavier", false), ("dora", false)] {
            var queue = try DecisionQueue(store: store, person: person, policy: policy, now: clock)
            #expect(try queue.includes(summary) == expected, "\(person)")
        }
        let verify = try store.verify()
        #expect(verify.isIntact, "\(verify.projectionMismatches)")
    }
}
