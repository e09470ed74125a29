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

    /// One run covers several targets, each read at its own time: a later
    /// export is judged against the time its own target was read then.
    @Test func eachTargetOfARunKeepsItsOwnReadTime() throws {
        let store = try TestStore()
        let check = try SchemaCheck(store.directory)
        func run(_ name: String, _ lines: [String], at now: String) throws -> [String: Any] {
            let file = try store.file(name, lines.joined(separator: "\n") + "\n")
            let result = try store.run(["reconcile", "generic", file, "--covers", "payments-db/production",
                                        "--covers", "payments-db/staging", "--json"], as: "ops", at: now)
            check.add(result.stdout, "signoff.reconcile-run/1")
            return try #require(try Signoff.json(result) as? [String: Any], "\(result.output)")
        }
        // Production read at 04:00, staging at 01:00, in one run: a finding on each.
        let first = try run("both.jsonl", [Self.line("svc-rogue", id: "pg-1", at: "2026-11-21T04:00:00Z"),
                                           Self.line("svc-stray", environment: "staging", id: "pg-2", at: "2026-11-21T01:00:00Z")],
                            at: "2026-11-21T04:05:00Z")
        let opened = try #require(first["opened"] as? [[String: Any]])
        func finding(_ subject: String) throws -> String {
            try #require(opened.first { ($0["subject"] as? [String: Any])?["name"] as? String == subject || $0["subject"] as? String == subject }?["id"] as? String,
                         "\(opened)")
        }
        let production = try finding("svc-rogue"), staging = try finding("svc-stray")
        // Both read at 03:00 and showing neither: staging's is news (01:00 was earlier), production's is not (04:00 was later).
        let second = try run("later.jsonl", [Self.line("svc-quiet", id: "pg-3", at: "2026-11-21T03:00:00Z"),
                                             Self.line("svc-quiet", environment: "staging", id: "pg-4", at: "2026-11-21T03:00:00Z")],
                             at: "2026-11-21T04:10:00Z")
        #expect(second["resolved"] as? [String] == [staging], "\(second)")
        #expect(second["not_resolved"] as? [String] == [production], "\(second)")
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
