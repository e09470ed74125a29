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

    @Test func aSweepOverManyPagesExpiresEachDueGrantOnce() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("signoff-sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try Store.create(at: directory.appendingPathComponent("store.sqlite").path,
                                     settings: StoreSettings(trustAssertedIdentities: true))
        let policy = try Policy.parse(source: DemoPolicy.source, file: "policy.yaml")
        let creator = try #require(try store.creator())
        try Commands(store: store, actor: creator, clock: .fixed(start)).run(Commands.ApplyPolicy(policy))
        // Staging reads are approved at once, each for 8 hours: the first
        // batch is due together (every page boundary falls inside one expiry
        // time), the second batch an hour later, the third not yet.
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
}
