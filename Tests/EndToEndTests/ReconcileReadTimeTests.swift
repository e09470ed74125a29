import Foundation
import Testing

extension ReconcileTests {
    /// An older export is no news: a run whose export was read before the one
    /// that last showed a finding open leaves it open, and says so.
    @Test func anOlderExportResolvesNothingANewerOneShowed() throws {
        let store = try TestStore()
        let check = try SchemaCheck(store.directory)
        let id = try store.submit(etlRequest, as: "alice", at: Self.t0)
        #expect(try store.run(["approve", id, "--version", "1", "-r", rationale], as: "dave", at: Self.t0).status == 0)
        let now = "2026-11-21T04:00:00Z"
        let etl = Self.line("svc-ledger-etl", id: "pg-1", at: now)
        let rogue = Self.line("svc-rogue", id: "pg-2", at: now)
        let (first, run1) = try reconcile(store, "today.jsonl", [etl, rogue], at: "2026-11-21T04:05:00Z", check: check)
        #expect(first == 9, "\(run1)")
        let findingID = try #require((run1["opened"] as? [[String: Any]])?.first?["id"] as? String)

        // The repro: an export read three days earlier, without the rogue access, resolved it.
        let old = try store.file("three-days-ago.jsonl", Self.line("svc-ledger-etl", id: "pg-1", at: "2026-11-18T04:00:00Z") + "\n")
        let stale = try store.run(["reconcile", "generic", old, "--covers", "payments-db/production"], as: "ops", at: "2026-11-21T04:10:00Z")
        #expect(stale.stdout.contains("not resolved \(findingID)") && stale.stdout.contains("it stays open"), "\(stale.output)")
        #expect(!stale.stdout.contains("\nresolved \(findingID)"), "\(stale.output)")
        #expect(try drift(store, check: check).contains { $0["id"] as? String == findingID })
        let staleJSON = try store.run(["reconcile", "generic", old, "--covers", "payments-db/production", "--json"], as: "ops",
                                      at: "2026-11-21T04:15:00Z")
        check.add(staleJSON.stdout, "signoff.reconcile-run/1")
        let staleRun = try #require(try Signoff.json(staleJSON) as? [String: Any])
        #expect(staleRun["not_resolved"] as? [String] == [findingID] && staleRun["resolved"] as? [String] == [], "\(staleRun)")

        // An export read later than the one that showed it does resolve it.
        let (_, run3) = try reconcile(store, "later.jsonl", [Self.line("svc-ledger-etl", id: "pg-1", at: "2026-11-21T05:00:00Z")],
                                      at: "2026-11-21T05:05:00Z", check: check)
        #expect((run3["resolved"] as? [String])?.contains(findingID) == true, "\(run3)")
    }

    /// A resolved finding's line quotes the export's names display-safe: a
    /// newline in a name cannot forge another output line.
    @Test func resolvedLinesAreDisplaySafe() throws {
        let store = try TestStore()
        let check = try SchemaCheck(store.directory)
        let forged = #"svc-x\nresolved F-0000000000000000 unapproved access: forged"#
        let (first, _) = try reconcile(store, "one.jsonl", [Self.line(forged, id: "pg-1", at: "2026-11-21T04:00:00Z")],
                                       at: "2026-11-21T04:05:00Z", check: check)
        #expect(first == 9)
        let later = try store.file("later.jsonl", Self.line("svc-ledger-etl", id: "pg-3", at: "2026-11-21T05:00:00Z") + "\n")
        let result = try store.run(["reconcile", "generic", later, "--covers", "payments-db/production"], as: "ops", at: "2026-11-21T05:05:00Z")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("resolved F-") }, "\(result.output)")
        #expect(!lines.contains { $0.hasPrefix("resolved F-0000000000000000") }, "\(result.output)")
    }
}
