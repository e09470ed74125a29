import Foundation
import LoopbackHTTP
import SignoffApp
import SignoffCore
import SignoffStore
import SignoffTUI
import Testing

/// A decision in the console never waits for a notification: a webhook that
/// never answers costs the background delivery its timeout, not the approver.
@Suite struct ConsoleNotificationTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    static func policy(webhook: String) -> String {
        """
        policy: console-notify
        directory:
          people:
            alice: {webhook: "\(webhook)"}
            dave: {}
        catalogue:
          payments-db:
            owners: [dave]
            environments: [production]
            entitlements: [read_replica]
            max_duration: 30d
        route:
          - name: owners
            when: {system: payments-db}
            steps: [{approvers: owners, count: 1}]
        notifications:
          attempts: 2
        roles:
          notifier:                # dave's console delivers in the background
            members: [person:dave]
            may: [deliver_notifications]
        """
    }

    /// A store under `policy` with two of alice's requests for dave to decide.
    func store(_ policy: String, in directory: URL) throws -> (Store, [String]) {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try Store.create(at: directory.appendingPathComponent("store.sqlite").path,
                                     settings: StoreSettings(trustAssertedIdentities: true))
        let policy = try Policy.parse(source: policy, file: "policy.yaml")
        let alice = Principal(name: "alice", authentication: .asserted)
        let ids = try store.write { tx -> [String] in
            for event in Lifecycle.apply(policy, previousVersion: nil, by: alice, openRecords: [], originals: [:], at: start) {
                try tx.append(event)
            }
            return try (0..<2).map { index in
                let id = try tx.nextRequestID()
                let request = AccessRequest(requester: "alice", subject: Subject(kind: .serviceAccount, name: "svc-\(index)", owner: "alice"),
                                            system: "payments-db", environment: "production", entitlement: "read_replica",
                                            access: .read, purpose: "nightly reconciliation of the ledger", duration: .hours(2))
                try tx.append(contentsOf: Lifecycle.submit(try ScannedRequest(scanning: request), id: id, by: alice, policy: policy, original: nil, at: start))
                return id
            }
        }
        return (store, ids)
    }

    /// A console whose person the policy does not let deliver notifications
    /// leaves its decisions' notifications to `notify run`: it touches none.
    @Test func aConsoleThatMayNotDeliverLeavesItsNoticesPending() throws {
        let server = try LoopbackHTTPServer { _ in .respond(200) }
        defer { server.stop() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("signoff-app-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let policy = Self.policy(webhook: server.url("/alice")).replacingOccurrences(of: "person:dave", with: "person:alice")
        let (store, ids) = try store(policy, in: directory)
        let commands = Commands(store: store, actor: Principal(name: "dave", authentication: .asserted), clock: .fixed(start),
                                handOffs: .background)
        #expect(!commands.mayDeliverNotifications())
        let outcome = StoreConsoleBackend(commands: commands).decide(id: ids[0], verdict: .approve,
                                                                     rationale: "checked: read replica for the nightly job", shownVersion: 1)
        #expect(outcome == .recorded(state: .approved))
        #expect(server.waitForRequests(count: 1, timeout: 1).isEmpty)
        let items = try store.outboxItems(.notification)
        #expect(!items.isEmpty && items.allSatisfy { $0.state == .pending && $0.attempts == 0 && $0.createdBy == "dave" })
        // The console learns when they fell due, and says so once nobody took them for minutes.
        #expect(try StoreConsoleBackend(commands: commands).snapshot().notificationsDueAt == start)
    }

    @Test func aDecisionReturnsWhileItsNotificationHangs() throws {
        let server = try LoopbackHTTPServer { _ in .hang }
        defer { server.stop() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("signoff-app-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (store, ids) = try store(Self.policy(webhook: server.url("/alice")), in: directory)
        let backend = StoreConsoleBackend(commands: Commands(store: store, actor: Principal(name: "dave", authentication: .asserted),
                                                            clock: .fixed(start), handOffs: .background))
        let clock = ContinuousClock()
        let began = clock.now
        let outcome = backend.decide(id: ids[0], verdict: .approve, rationale: "checked: read replica for the nightly job",
                                     shownVersion: 1)
        #expect(outcome == .recorded(state: .approved))
        // The delivery started in the background and is hanging on alice's webhook...
        #expect(server.waitForRequests(count: 1, timeout: 10).count == 1)
        // ...while the next decision is made and recorded at once.
        let second = backend.decide(id: ids[1], verdict: .deny, rationale: "not needed: the replica job was retired",
                                    shownVersion: 1)
        #expect(second == .recorded(state: .denied))
        #expect(clock.now - began < .seconds(8), "neither decision waited for the webhook's 10 s timeout")
        #expect(try store.outboxItems(.notification).count == 2)
    }
}
