import Foundation
import SignoffApp
import SignoffCore
import SignoffStore
import SignoffTUI
import Testing

/// The console keeps the grants that need attention between snapshots and
/// reads only what changed. After every kind of change its list must be what
/// a fresh console, reading everything through the store's index, sees.
@Suite struct ConsoleGrantsTests {
    let alice = Principal(name: "alice", authentication: .asserted)
    let dave = Principal(name: "dave", authentication: .asserted)
    let ops = Principal(name: "ops", authentication: .asserted)
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    func request(_ index: Int) -> AccessRequest {
        AccessRequest(requester: "alice", subject: Subject(kind: .serviceAccount, name: "svc-etl-\(index)", owner: "alice"),
                      system: "payments-db", environment: "staging", entitlement: "read_replica", access: .read,
                      purpose: "Nightly reconciliation reads the ledger tables", duration: .hours(8),
                      revocationTriggers: [], ticket: "OPS-\(index)")
    }

    /// A store with the demo policy, removed when the test ends.
    func withStore(_ body: (Store, Policy) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("signoff-app-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try Store.create(at: directory.appendingPathComponent("store.sqlite").path,
                                     settings: StoreSettings(trustAssertedIdentities: true))
        let policy = try Policy.parse(source: DemoPolicy.source, file: "policy.yaml")
        try store.write { tx in
            for event in Lifecycle.apply(policy, previousVersion: nil, by: alice, openRecords: [], originals: [:], at: start) {
                try tx.append(event)
            }
        }
        try body(store, policy)
    }

    /// Staging reads are approved by the policy at once: each one issues a grant.
    func submit(_ count: Int, at: Date, to store: Store, policy: Policy) throws -> [String] {
        try store.write { tx in
            try (0..<count).map { index in
                let id = try tx.nextRequestID()
                for event in Lifecycle.submit(try ScannedRequest(scanning: request(index)), id: id, by: alice, policy: policy, original: nil, at: at) {
                    try tx.append(event)
                }
                return id
            }
        }
    }

    /// The first frame needs only the queue: the first load's grants come with
    /// a later page, even when one page holds every request. Reloads carry them at once.
    @Test func theFirstLoadSendsItsGrantsAfterItsFirstPage() throws {
        try withStore { store, policy in
            _ = try submit(5, at: start, to: store, policy: policy)
            let console = StoreConsoleBackend(store: store, identity: dave)
            let first = try console.snapshotPage(after: nil, limit: 200)
            #expect(first.snapshot.rows.count == 5)
            #expect(!first.snapshot.grantsLoaded && first.snapshot.grants.isEmpty)
            // Empty pages follow at once, each marked as waiting, until the
            // grants, read in the background, are there.
            #expect(first.waiting == !first.snapshot.grantsLoaded)
            var next = try #require(first.next, "a page must follow with the grants")
            var last = first
            for _ in 0..<1000 where !last.snapshot.grantsLoaded {
                if last.waiting { Thread.sleep(forTimeInterval: 0.01) }
                last = try console.snapshotPage(after: next, limit: 200)
                #expect(last.snapshot.rows.isEmpty)
                #expect(last.waiting == !last.snapshot.grantsLoaded)
                if let following = last.next { next = following }
            }
            #expect(last.next == nil)
            #expect(last.snapshot.grantsLoaded && last.snapshot.grants.count == 5)

            let reload = try console.snapshotPage(after: nil, limit: 200)
            #expect(reload.next == nil)
            #expect(reload.snapshot.grantsLoaded && reload.snapshot.grants.count == 5)
        }
    }

    @Test func incrementalGrantsMatchAFreshRead() throws {
        try withStore { store, policy in
            try checkIncrementalGrants(store, policy)
        }
    }

    func checkIncrementalGrants(_ store: Store, _ policy: Policy) throws {
        func submit(_ count: Int, at: Date) throws -> [String] {
            try self.submit(count, at: at, to: store, policy: policy)
        }
        func change(_ id: String, _ decide: (Grant) throws -> [EventDraft]) throws {
            try store.write { tx in
                let grant = try #require(try tx.grant(id))
                for event in try decide(grant) { try tx.append(event) }
            }
        }
        let kept = StoreConsoleBackend(store: store, identity: dave)
        func expectSameAsFresh(_ step: String) throws {
            let incremental = try kept.snapshot().grants
            let fresh = try StoreConsoleBackend(store: store, identity: dave).snapshot().grants
            func brief(_ rows: [ConsoleGrantRow]) -> [String] {
                rows.map { "\($0.grant.requestID) \($0.grant.state.rawValue) \($0.grant.provisioning.rawValue) \($0.responsible)" }
            }
            #expect(brief(incremental) == brief(fresh), "after \(step)")
            let same = incremental == fresh
            #expect(same, "after \(step): the rows differ beyond id, state, provisioning and responsibility")
        }

        let ids = try submit(6, at: start)
        try expectSameAsFresh("the first grants")
        #expect(try kept.snapshot().grants.count == 6)

        try change(ids[0]) { try Lifecycle.revoke($0, by: alice, rationale: "the reconciliation moved elsewhere", policy: policy, at: start) }
        try expectSameAsFresh("a revocation (removal not yet confirmed)")
        try change(ids[0]) { try Lifecycle.provisioningReport($0, succeeded: true, note: nil, by: ops, at: start) }
        try expectSameAsFresh("the removal confirmed")
        #expect(try !kept.snapshot().grants.contains { $0.grant.requestID == ids[0] }, "a finished grant leaves the list")

        try change(ids[1]) { try Lifecycle.provisioningReport($0, succeeded: true, note: nil, by: ops, at: start) }
        try expectSameAsFresh("a grant provisioned")
        try change(ids[2]) { try Lifecycle.provisioningReport($0, succeeded: false, note: "no such role", by: ops, at: start) }
        try expectSameAsFresh("a failed provisioning")

        // Appended by hand, past the commands' checks, leaving the grant's row
        // as it was: the kept grant is checked again and marked disputed.
        try store.write { tx in
            let record = try #require(try tx.record(ids[3]))
            try tx.append(EventDraft(requestID: ids[3], actor: alice, at: start, body: .reviewRecorded(.init(
                verdict: .approve, rationale: "approving my own request by hand", requestVersion: record.version,
                policyVersion: record.policyVersion ?? ""))))
        }
        try expectSameAsFresh("a self-approval appended by hand to a granted request")
        #expect(try kept.snapshot().grants.first { $0.id == ids[3] }?.disputed.isEmpty == false, "the kept grant is disputed now")
        #expect(try kept.snapshot().grants.filter { !$0.disputed.isEmpty }.map(\.id) == [ids[3]])

        // The same, appended to the history of a request that extended a kept
        // grant: that grant's history holds it too.
        var extending = request(4)
        extending.extends = ids[4]
        let extensionID = try store.write { tx in
            let id = try tx.nextRequestID()
            for event in Lifecycle.submit(try ScannedRequest(scanning: extending), id: id, by: alice, policy: policy,
                                          original: try tx.grant(ids[4]), at: start) {
                try tx.append(event)
            }
            return id
        }
        try expectSameAsFresh("an extension approved")
        #expect(try kept.snapshot().grants.first { $0.id == ids[4] }?.grant.status.extensions == [extensionID])
        try store.write { tx in
            let record = try #require(try tx.record(extensionID))
            try tx.append(EventDraft(requestID: extensionID, actor: alice, at: start, body: .reviewRecorded(.init(
                verdict: .approve, rationale: "approving my own extension by hand", requestVersion: record.version,
                policyVersion: record.policyVersion ?? ""))))
        }
        try expectSameAsFresh("a self-approval appended by hand to an extension")
        #expect(try kept.snapshot().grants.filter { !$0.disputed.isEmpty }.map(\.id).sorted() == [ids[3], ids[4]].sorted())

        let later = start.addingTimeInterval(9 * 3600)
        try store.write { tx in
            try tx.forEachGrantDue(at: later) { status in
                if let event = Lifecycle.expire(status, by: ops, at: later) { try tx.append(event) }
            }
        }
        try expectSameAsFresh("the sweep")
        _ = try submit(2, at: later)
        try expectSameAsFresh("new grants")

        // A new policy version decides `responsible` anew: everything is read again.
        let revised = try Policy.parse(source: DemoPolicy.source + "\n# revised\n", file: "policy.yaml")
        try store.write { tx in
            for event in Lifecycle.apply(revised, previousVersion: policy.version, by: alice, openRecords: [], originals: [:], at: later) {
                try tx.append(event)
            }
        }
        try expectSameAsFresh("a new policy")
    }

    /// What a grant's row says I may do is judged again once the clock passes
    /// a rotation's turn, though no grant and nothing in the store changed:
    /// the kept rows are not reused past the snapshot's `judgeAgainAt`.
    @Test func keptGrantsAreJudgedAgainAtARotationsTurn() throws {
        let source = DemoPolicy.source.replacingOccurrences(of: "    members: [group:security]\n    may: [revoke_any_grant",
                                                            with: "    members: [rotation:sre-oncall]\n    may: [revoke_any_grant")
        try #require(source != DemoPolicy.source)
        let policy = try Policy.parse(source: source, file: "policy.yaml")
        func bobMay(_ at: Date) -> Bool { policy.may("bob", RolePermission(.revokeAnyGrant), storeCreator: "alice", at: at).allowed }
        // The next turn that puts bob on call.
        var turn = start
        for _ in 0..<16 where !(bobMay(turn.addingTimeInterval(1)) && !bobMay(turn.addingTimeInterval(-1))) {
            turn = try #require(policy.nextDirectoryChange(after: turn))
        }
        try #require(bobMay(turn.addingTimeInterval(1)) && !bobMay(turn.addingTimeInterval(-1)))

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("signoff-app-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try Store.create(at: directory.appendingPathComponent("store.sqlite").path,
                                     settings: StoreSettings(trustAssertedIdentities: true))
        try store.write { tx in
            for event in Lifecycle.apply(policy, previousVersion: nil, by: alice, openRecords: [], originals: [:],
                                         at: turn.addingTimeInterval(-7200)) {
                try tx.append(event)
            }
        }
        _ = try submit(2, at: turn.addingTimeInterval(-3600), to: store, policy: policy)

        let console = StoreConsoleBackend(store: store, identity: Principal(name: "bob", authentication: .asserted),
                                          clock: CommandClock(asserted: turn.addingTimeInterval(-2.5), runs: true))
        let before = try console.snapshot()
        #expect(before.judgeAgainAt == turn.addingTimeInterval(0.001), "a millisecond past the turn")
        #expect(before.grants.count == 2)
        #expect(before.grants.allSatisfy { $0.revokeRefusal?.contains("bob may not revoke") == true }, "\(before.grants.map(\.revokeRefusal))")
        Thread.sleep(forTimeInterval: 3)
        let after = try console.snapshot()
        #expect(after.changeToken == before.changeToken, "nothing in the store changed")
        #expect(after.grants.count == 2)
        #expect(after.grants.allSatisfy { $0.revokeRefusal == nil }, "bob is on call now: \(after.grants.map(\.revokeRefusal))")
        #expect(try #require(after.judgeAgainAt) > turn.addingTimeInterval(1))
        let fresh = try StoreConsoleBackend(store: store, identity: Principal(name: "bob", authentication: .asserted),
                                            clock: .fixed(turn.addingTimeInterval(3))).snapshot()
        #expect(after.grants == fresh.grants, "the kept rows judged again are what a fresh read finds")
    }

    /// A kept row's refusal to complete a post-incident review says the
    /// emergency access "is active until" its expiry: the snapshot is judged
    /// again a millisecond past that expiry, not up to a minute later, and then
    /// says the expiry was reached.
    @Test func aReviewRefusalIsJudgedAgainAtTheGrantsExpiry() throws {
        let policy = GrantPermissionsTests.policy
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("signoff-app-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try Store.create(at: directory.appendingPathComponent("store.sqlite").path,
                                     settings: StoreSettings(trustAssertedIdentities: true))
        let bob = Principal(name: "bob", authentication: .asserted)
        let request = AccessRequest(requester: "alice", subject: Subject(kind: .serviceAccount, name: "svc-etl", owner: "alice"),
                                    system: "payments-db", environment: "production", entitlement: "read_replica", access: .read,
                                    purpose: "payments are down, the ledger must be read", duration: .hours(2), breakGlass: true,
                                    incident: "INC-7")
        try store.write { tx in
            for event in Lifecycle.apply(policy, previousVersion: nil, by: alice, openRecords: [], originals: [:], at: start) {
                try tx.append(event)
            }
            let id = try tx.nextRequestID()
            for event in Lifecycle.submit(try ScannedRequest(scanning: request), id: id, by: alice, policy: policy, original: nil, at: start) {
                try tx.append(event)
            }
            let pending = try #require(try tx.record(id))
            for event in Lifecycle.review(pending, verdict: .approve, rationale: "the incident is real and the scope is read only",
                                          shownVersion: pending.version, by: bob, policy: policy, original: nil, at: start).events {
                try tx.append(event)
            }
        }
        let expiry = start.addingTimeInterval(2 * 3600)
        let console = StoreConsoleBackend(store: store, identity: Principal(name: "sue", authentication: .asserted),
                                          clock: CommandClock(asserted: expiry.addingTimeInterval(-2.5), runs: true))
        let before = try console.snapshot()
        #expect(before.judgeAgainAt == expiry.addingTimeInterval(0.001), "a millisecond past the expiry")
        let row = try #require(before.grants.first)
        #expect(row.reviewRefusal?.contains("is active until") == true, "\(String(describing: row.reviewRefusal))")
        Thread.sleep(forTimeInterval: 3)
        let after = try console.snapshot()
        #expect(after.changeToken == before.changeToken, "nothing in the store changed")
        #expect(after.grants.first?.reviewRefusal?.contains("reached its expiry") == true,
                "\(String(describing: after.grants.first?.reviewRefusal))")
        #expect(try #require(after.judgeAgainAt) > expiry.addingTimeInterval(1))

        // A first load, whose grants come after its first page: the page with
        // them brings the sooner time.
        let paged = StoreConsoleBackend(store: store, identity: Principal(name: "sue", authentication: .asserted),
                                        clock: .fixed(expiry.addingTimeInterval(-10)))
        var last = try paged.snapshotPage(after: nil, limit: 200)
        #expect(last.snapshot.judgeAgainAt == expiry.addingTimeInterval(50), "the policy's own: within a minute")
        for _ in 0..<1000 where !last.snapshot.grantsLoaded {
            if last.waiting { Thread.sleep(forTimeInterval: 0.01) }
            last = try paged.snapshotPage(after: try #require(last.next), limit: 200)
        }
        #expect(last.snapshot.grantsLoaded && last.snapshot.grants.count == 1)
        #expect(last.snapshot.judgeAgainAt == expiry.addingTimeInterval(0.001))
    }
}
