import Foundation
import SignoffApp
import SignoffCore
import SignoffStore
import Testing

/// The sweep reads the due grants a page at a time (`WriteTransaction.duePage`)
/// and writes each page back before reading the next: every due grant must
/// still expire exactly once, in order, and nothing that is not due.
@Suite struct SweepTests {
    let alice = Principal(name: "alice", authentication: .asserted)
    let timer = Principal(name: "signoff-timer", authentication: .asserted)
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// A new store with the demo policy, removed afterwards.
    final class Fixture {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("signoff-sweep-\(UUID().uuidString)")
        let store: Store
        let policy: Policy
        let alice = Principal(name: "alice", authentication: .asserted)

        init(at start: Date) throws {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            store = try Store.create(at: directory.appendingPathComponent("store.sqlite").path,
                                     settings: StoreSettings(trustAssertedIdentities: true))
            policy = try Policy.parse(source: DemoPolicy.source, file: "policy.yaml")
            let creator = try #require(try store.creator())
            try Commands(store: store, actor: creator, clock: .fixed(start)).run(Commands.ApplyPolicy(policy))
        }

        deinit { try? FileManager.default.removeItem(at: directory) }

        /// Staging reads, approved at once, each for 8 hours from `at`.
        func submit(_ count: Int, from first: Int, at: Date) throws -> [String] {
            try store.write { tx in
                try (first..<first + count).map { index in
                    let id = try tx.nextRequestID()
                    let request = AccessRequest(
                        requester: "alice", subject: Subject(kind: .serviceAccount, name: "svc-etl-\(index)", owner: "alice"),
                        system: "payments-db", environment: "staging", entitlement: "read_replica", access: .read,
                        purpose: "Nightly reconciliation reads the ledger tables", duration: .hours(8),
                        revocationTriggers: [], ticket: "OPS-\(index)")
                    for event in Lifecycle.submit(try ScannedRequest(scanning: request), id: id, by: alice, policy: policy,
                                                  original: nil, at: at) {
                        try tx.append(event)
                    }
                    return id
                }
            }
        }
    }

    @Test func aSweepOverManyPagesExpiresEachDueGrantOnce() throws {
        let fixture = try Fixture(at: start)
        let store = fixture.store
        // The first batch is due together (every page boundary falls inside
        // one expiry time), the second batch an hour later, the third not yet.
        func submit(_ count: Int, from first: Int, at: Date) throws -> [String] {
            try fixture.submit(count, from: first, at: at)
        }
        let page = 1_000
        let together = try submit(2 * page + 500, from: 0, at: start)
        let hourLater = try submit(300, from: 10_000, at: start.addingTimeInterval(3600))
        let notYet = try submit(20, from: 20_000, at: start.addingTimeInterval(4 * 3600))

        let sweepAt = start.addingTimeInterval(9 * 3600 + 1)
        let swept = try Commands(store: store, actor: timer, clock: .fixed(sweepAt)).run(Commands.Sweep()).output
        // Soonest first; among grants due at the same moment, by request ID.
        #expect(swept.expired == together.sorted() + hourLater.sorted())
        #expect(swept.timedOut.isEmpty && swept.closed.isEmpty)
        for id in together + hourLater {
            #expect(try store.grant(id)?.state == .expired, "\(id)")
        }
        for id in notYet {
            #expect(try store.grant(id)?.state == .active, "\(id)")
        }
        // Nothing is left due, and the store holds up to audit verify.
        #expect(try Commands(store: store, actor: timer, clock: .fixed(sweepAt)).run(Commands.Sweep()).output.isEmpty)
        let report = try store.verify()
        #expect(report.isIntact, "\(report.projectionMismatches)")
    }

    /// A grant that an earlier visit's events ended (here: expired by hand
    /// while visiting the first grant) is not visited again, whether it is
    /// in the same page or a later one: the sweep visits what is due as the
    /// transaction has it, not as the page read it. Both ways of reading the
    /// pages: on another connection while this one writes (nothing written
    /// in the transaction before the sweep), and on this one (something was).
    @Test(arguments: [false, true])
    func aGrantAnEarlierVisitEndedIsNotVisited(afterAWrite: Bool) throws {
        let fixture = try Fixture(at: start)
        // All due at one moment, so visited by request ID.
        let ids = try fixture.submit(2_500, from: 0, at: start).sorted()
        let sweepAt = start.addingTimeInterval(9 * 3600)
        let endedEarlier = ids[1], samePage = ids[7], laterPage = ids[2_200]
        var visited: [String] = []
        try fixture.store.write { tx in
            func end(_ id: String) throws {
                let status = try #require(try tx.grant(id)?.status)
                try tx.append(try #require(Lifecycle.expire(status, by: timer, at: sweepAt)))
            }
            if afterAWrite { try end(endedEarlier) }
            try tx.forEachGrantDue(at: sweepAt) { status in
                visited.append(status.requestID)
                #expect(status.state == .active, "\(status.requestID) is \(status.state.rawValue)")
                if status.requestID == ids[0] {
                    try end(samePage)
                    try end(laterPage)
                }
                if let event = Lifecycle.expire(status, by: timer, at: sweepAt) { try tx.append(event) }
            }
        }
        let skipped = Set([samePage, laterPage] + (afterAWrite ? [endedEarlier] : []))
        let wronglyVisited = visited.filter(skipped.contains)
        #expect(wronglyVisited.isEmpty, "visited after they ended: \(wronglyVisited)")
        let eachOnceInOrder = visited == ids.filter { !skipped.contains($0) }
        #expect(eachOnceInOrder, "visited \(visited.count) grants, \(Set(visited).count) of them different, of \(ids.count - skipped.count) due")
        for id in ids { #expect(try fixture.store.grant(id)?.state == .expired, "\(id)") }
        let report = try fixture.store.verify()
        #expect(report.isIntact, "\(report.projectionMismatches)")
    }
}
