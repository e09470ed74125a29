import Foundation
import SignoffApp
import SignoffCore
import SignoffStore
import Testing

/// Who may deliver notifications. Marking a notice delivered, giving it up,
/// taking its lease or putting it off keeps it from being sent, so only the
/// people and accounts the policy lets deliver notifications change any
/// notification's delivery (without such a role, the store's creator): not
/// the person whose command added it, who may be the one it reports on.
@Suite struct DeliveryPermissionTests {
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

    /// A store created by `root`, under `policy`, with one request of
    /// alice's (`DecisionQueueTests.request`, routed to dave, who is notified).
    final class Deliveries {
        let queue: DecisionQueueTests.QueueStore
        var store: Store { queue.store }

        init(policy: String) throws {
            queue = try DecisionQueueTests.QueueStore(creator: "root")
            try commands("root").run(Commands.ApplyPolicy(try Policy.parse(source: policy, file: "policy.yaml")))
            _ = try commands("alice").run(Commands.Submit([.init(text: DecisionQueueTests.request, name: "request.yaml")]))
        }

        func commands(_ name: String) -> Commands { queue.commands(name) }

        func claim(as name: String) throws -> [OutboxItem] {
            try commands(name).run(Commands.ClaimOutbox(.notification, owner: name, limit: 100, lease: 3600, retry: OutboxRetry())).output
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

    @Test func withoutARoleOnlyTheStoresCreatorDeliversNotifications() throws {
        let deliveries = try Deliveries(policy: Self.policy())
        let before = try deliveries.deliveries()
        #expect(!before.isEmpty)
        #expect(try deliveries.store.outboxItems(.notification).allSatisfy { $0.createdBy == "alice" })

        // Nobody else may take them, record an outcome for them, make them
        // due, or make failed ones pending again; alice, who added them, neither.
        for person in ["dave", "alice"] {
            let commands = deliveries.commands(person)
            #expect(!commands.mayDeliverNotifications(), "so \(person)'s console leaves them to notify run")
            Self.expectRefused("\(person) may not deliver_notifications") { _ = try deliveries.claim(as: person) }
            for id in before.keys {
                Self.expectRefused("deliver_notifications") {
                    _ = try commands.run(Commands.RecordDeliveries(.notification, [(id, .delivered)], owner: person, retry: OutboxRetry()))
                }
            }
            Self.expectRefused("deliver_notifications") { _ = try commands.run(Commands.RetryNotifications(ids: nil)) }
            Self.expectRefused("deliver_notifications") {
                _ = try commands.run(Commands.ReleaseNotifications(destination: "email dave@example.com"))
            }
        }
        #expect(try deliveries.deliveries() == before)

        // Nor the notices of dave's own decision.
        _ = try deliveries.commands("dave").run(Commands.Review(id: "REQ-1", verdict: .approve,
                                                                rationale: "the job reads the replica nightly", shownVersion: 1))
        let all = try deliveries.deliveries()
        #expect(all.count > before.count)
        #expect(try deliveries.store.outboxItems(.notification).contains { $0.createdBy == "dave" })
        Self.expectRefused("dave may not deliver_notifications") { _ = try deliveries.claim(as: "dave") }

        // The store's creator delivers them all.
        #expect(deliveries.commands("root").mayDeliverNotifications())
        #expect(Set(try deliveries.claim(as: "root").map(\.id)) == Set(all.keys))
    }

    @Test func aRoleNamesWhoDeliversNotifications() throws {
        let roles = """
        roles:
          notifier:
            members: [account:notifier]
            may: [deliver_notifications]
        """
        let deliveries = try Deliveries(policy: Self.policy(roles: roles))
        #expect(deliveries.commands("notifier").mayDeliverNotifications())
        let claimed = try deliveries.claim(as: "notifier")
        #expect(!claimed.isEmpty && claimed.allSatisfy { $0.createdBy == "alice" && $0.leaseOwner == "notifier" })
        _ = try deliveries.commands("notifier").run(Commands.RecordDeliveries(.notification, claimed.map { ($0.id, .delivered) },
                                                                               owner: "notifier", retry: OutboxRetry()))
        #expect(try deliveries.store.outboxItems(.notification).allSatisfy {
            $0.state == .delivered && $0.changedBy?.name == "notifier" && $0.createdBy == "alice"
        })
        // The role names who may: the creator no longer does by default.
        #expect(!deliveries.commands("root").mayDeliverNotifications())
        Self.expectRefused("holds no role that grants deliver_notifications") { _ = try deliveries.claim(as: "root") }
    }

    /// What a PostgreSQL store's server is told with each policy: everyone
    /// who may deliver at any time (each member of a rotation, whoever is on
    /// call now; the command layer asks about now first), or the store's
    /// creator when no role grants it.
    @Test func theServerIsToldEveryoneWhoMayEverDeliver() throws {
        let roles = "roles:\n  notifier: {members: [rotation:ops, account:notifier], may: [deliver_notifications]}"
        let text = Self.policy(roles: roles).replacingOccurrences(
            of: "\n  accounts: [notifier]",
            with: "\n  accounts: [notifier]\n  rotations:\n    ops: {members: [alice, dave], start: 2026-01-05T09:00:00Z, every: 1w}")
        #expect(text.contains("ops: {members"))
        let permission = RolePermission(.deliverNotifications)
        let rotating = try Policy.parse(source: text, file: "policy.yaml")
        #expect(rotating.identities(allowedTo: permission, storeCreator: "root") == ["alice", "dave", "notifier"])
        let onCall = ["alice", "dave"].filter { rotating.may($0, permission, storeCreator: "root", at: Date()).allowed }
        #expect(onCall.count == 1, "one of them is on call now")
        let unnamed = try Policy.parse(source: Self.policy(), file: "policy.yaml")
        #expect(unnamed.identities(allowedTo: permission, storeCreator: "root") == ["root"])
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
