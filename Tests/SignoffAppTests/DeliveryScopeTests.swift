import Foundation
import SignoffApp
import SignoffCore
import SignoffStore
import Testing

/// Who may deliver whose notifications. Marking a notice delivered, giving
/// it up or taking its lease keeps it from being sent, so only the people
/// and accounts the policy lets deliver notifications touch every one;
/// anybody else's console delivers only what its own commands added.
@Suite struct DeliveryScopeTests {
    static func policy(roles: String = "") -> String {
        """
        policy: deliveries
        directory:
          people: {alice: {email: alice@example.com}, dave: {email: dave@example.com}}
          accounts: [notifier]
        catalogue:
          db:
            owners: [dave]
            environments: [production]
            entitlements: [read]
            max_duration: 30d
        route:
          - name: owners
            steps: [{approvers: owners, count: 1}]
        notifications:
          attempts: 2
        \(roles)
        """
    }

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

    /// A store created by `root` that trusts asserted identities, under `policy`,
    /// with one request of alice's (routed to dave, who is notified).
    final class Deliveries {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("signoff-delivery-\(UUID().uuidString)")
        let store: Store
        private(set) var clock = Date(timeIntervalSince1970: 1_900_000_000)

        init(policy: String) throws {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            store = try Store.create(at: directory.appendingPathComponent("store.sqlite").path,
                                     settings: StoreSettings(trustAssertedIdentities: true, createdAt: clock),
                                     creator: Principal(name: "root", authentication: .asserted))
            try commands("root").run(Commands.ApplyPolicy(try Policy.parse(source: policy, file: "policy.yaml")))
            _ = try commands("alice").run(Commands.Submit([.init(text: DeliveryScopeTests.request, name: "request.yaml")]))
        }

        deinit { try? FileManager.default.removeItem(at: directory) }

        func commands(_ name: String) -> Commands {
            clock = clock.addingTimeInterval(60)
            return Commands(store: store, actor: Principal(name: name, authentication: .asserted), clock: .fixed(clock))
        }

        func claim(as name: String, _ scope: DeliveryScope) throws -> [OutboxItem] {
            try commands(name).run(Commands.ClaimOutbox(.notification, owner: name, limit: 100, lease: 3600, retry: OutboxRetry(),
                                                        scope: scope)).output
        }

        /// Each notification's delivery so far, by ID.
        func deliveries() throws -> [Int64: String] {
            Dictionary(uniqueKeysWithValues: try store.outboxItems(.notification).map {
                ($0.id, "\($0.state) \($0.attempts) \($0.leaseOwner ?? "-")")
            })
        }
    }

    static func expectRefused(_ words: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("expected a refusal", sourceLocation: sourceLocation)
        } catch let CommandError.refused(refusal, recorded) {
            #expect(!recorded, "a timer would record one a minute", sourceLocation: sourceLocation)
            #expect(refusal.message.contains(words), "\(refusal.message)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func withoutARoleOnlyTheStoresCreatorDeliversSomebodyElsesNotifications() throws {
        let deliveries = try Deliveries(policy: Self.policy())
        let addedByAlice = try deliveries.deliveries()
        #expect(!addedByAlice.isEmpty)
        #expect(try deliveries.store.outboxItems(.notification).allSatisfy { $0.createdBy == "alice" })

        // dave may not take them, nor make failed ones pending again; nothing changes.
        Self.expectRefused("dave may not deliver_notifications") { _ = try deliveries.claim(as: "dave", .every) }
        Self.expectRefused("deliver_notifications") { _ = try deliveries.commands("dave").run(Commands.RetryNotifications(ids: nil)) }
        // His console takes only what his own commands added: nothing yet.
        #expect(try deliveries.claim(as: "dave", .asAllowed).isEmpty)
        #expect(try deliveries.deliveries() == addedByAlice)

        // His decision's notices are his to deliver, and only those.
        _ = try deliveries.commands("dave").run(Commands.Review(id: "REQ-1", verdict: .approve,
                                                                rationale: "the job reads the replica nightly", shownVersion: 1))
        let his = try deliveries.claim(as: "dave", .asAllowed)
        #expect(!his.isEmpty)
        #expect(his.allSatisfy { $0.createdBy == "dave" && $0.leaseOwner == "dave" })
        for (id, delivery) in addedByAlice { #expect(try deliveries.deliveries()[id] == delivery) }

        // The store's creator delivers the rest.
        let rest = try deliveries.claim(as: "root", .every)
        #expect(Set(rest.map(\.id)) == Set(addedByAlice.keys))
    }

    @Test func aRoleNamesWhoDeliversEveryNotification() throws {
        let roles = """
        roles:
          notifier:
            members: [account:notifier]
            may: [deliver_notifications]
        """
        let deliveries = try Deliveries(policy: Self.policy(roles: roles))
        let claimed = try deliveries.claim(as: "notifier", .every)
        #expect(!claimed.isEmpty && claimed.allSatisfy { $0.createdBy == "alice" && $0.leaseOwner == "notifier" })
        // The role names who may: the creator no longer does by default.
        Self.expectRefused("holds no role that grants deliver_notifications") { _ = try deliveries.claim(as: "root", .every) }
        // A deliverer's console takes everything due, as notify run would.
        _ = try deliveries.commands("dave").run(Commands.Review(id: "REQ-1", verdict: .approve,
                                                                rationale: "the job reads the replica nightly", shownVersion: 1))
        #expect(try deliveries.claim(as: "notifier", .asAllowed).allSatisfy { $0.createdBy == "dave" })
    }

    @Test func policyCheckSaysWhenNoRoleDeliversNotifications() throws {
        let warning = "no role grants deliver_notifications"
        let without = try Policy.parse(source: Self.policy(), file: "policy.yaml").check()
        #expect(without.contains { $0.severity == .warning && $0.message.contains(warning) })
        let roles = "roles:\n  notifier: {members: [account:notifier], may: [deliver_notifications]}"
        let with = try Policy.parse(source: Self.policy(roles: roles), file: "policy.yaml").check()
        #expect(!with.contains { $0.message.contains(warning) })
    }
}
