import Foundation
import Testing

/// Reconciliation through the real binary: a grant, then a sequence of
/// exports over time; findings appear with an ID that stays the same, are
/// seen again, resolve when a covering run no longer shows them, and come
/// back under the same ID. A broken export changes nothing.
@Suite("Reconciliation, end to end")
struct ReconcileTests {
    static let t0 = "2026-11-21T03:00:00Z"

    /// One observation in the generic format.
    static func line(_ subject: String, environment: String = "production", kind: String = "service_account", owner: String? = "alice",
                     entitlement: String = "read_replica", access: String = "read", id: String, at: String) -> String {
        var fields = [
            "\"system\": \"payments-db\"", "\"environment\": \"\(environment)\"", "\"subject_kind\": \"\(kind)\"",
            "\"subject_name\": \"\(subject)\"", "\"entitlement\": \"\(entitlement)\"", "\"access\": \"\(access)\"",
            "\"source_id\": \"\(id)\"", "\"observed_at\": \"\(at)\"",
        ]
        if let owner { fields.append("\"subject_owner\": \"\(owner)\"") }
        return "{" + fields.joined(separator: ", ") + "}"
    }

    func reconcile(_ store: TestStore, _ name: String, _ lines: [String], at now: String, check: SchemaCheck) throws -> (Int32, [String: Any]) {
        let file = try store.file(name, lines.joined(separator: "\n") + "\n")
        let result = try store.run(["reconcile", "generic", file, "--covers", "payments-db/production", "--json"], as: "ops", at: now)
        check.add(result.stdout, "signoff.reconcile-run/1")
        let document = try Signoff.json(result) as? [String: Any] ?? [:]
        #expect(document["schema"] as? String == "signoff.reconcile-run/1", "\(result.output)")
        return (result.status, document)
    }

    func drift(_ store: TestStore, all: Bool = false, check: SchemaCheck) throws -> [[String: Any]] {
        let result = try store.run(["drift", "--json"] + (all ? ["--all"] : []))
        check.stdout(result, "signoff.drift/1")
        let document = try #require(try Signoff.json(result) as? [String: Any])
        #expect(document["schema"] as? String == "signoff.drift/1")
        return try #require(document["findings"] as? [[String: Any]])
    }

    func chainHead(_ store: TestStore) throws -> String {
        let result = try store.run(["audit", "head"])
        #expect(result.status == 0, "\(result.output)")
        return result.stdout
    }

    /// An old export is no news either way: read again after a newer one
    /// resolved a finding (a late cron job, a file replayed), it reopens
    /// nothing and alerts on nothing; a newer export that shows it does.
    @Test func anOlderExportReopensNothingANewerOneResolved() throws {
        let store = try TestStore()
        let check = try SchemaCheck(store.directory)
        let id = try store.submit(etlRequest, as: "alice", at: Self.t0)
        #expect(try store.run(["approve", id, "--version", "1", "-r", rationale], as: "dave", at: Self.t0).status == 0)
        let old = [Self.line("svc-ledger-etl", id: "pg-1", at: "2026-11-21T04:00:00Z"), Self.line("svc-rogue", id: "pg-2", at: "2026-11-21T04:00:00Z")]
        let (first, run1) = try reconcile(store, "old.jsonl", old, at: "2026-11-21T04:05:00Z", check: check)
        #expect(first == 9, "\(run1)")
        let findingID = try #require((run1["opened"] as? [[String: Any]])?.first?["id"] as? String)
        let (second, run2) = try reconcile(store, "newer.jsonl", [Self.line("svc-ledger-etl", id: "pg-1", at: "2026-11-21T05:00:00Z")],
                                           at: "2026-11-21T05:05:00Z", check: check)
        #expect(second == 0 && run2["resolved"] as? [String] == [findingID], "\(run2)")
        let (third, run3) = try reconcile(store, "old-again.jsonl", old, at: "2026-11-21T05:10:00Z", check: check)
        #expect(third == 0, "an old export alerts on nothing: \(run3)")
        #expect((run3["opened"] as? [Any])?.isEmpty == true && run3["not_reopened"] as? [String] == [findingID], "\(run3)")
        #expect(try drift(store, check: check).isEmpty)
        let text = try store.run(["reconcile", "generic", try store.file("old-text.jsonl", old.joined(separator: "\n") + "\n"),
                                  "--covers", "payments-db/production"], as: "ops", at: "2026-11-21T05:15:00Z")
        #expect(text.status == 0 && text.stdout.contains("not reopened \(findingID)") && text.stdout.contains("it stays resolved"),
                "\(text.output)")
        let newest = [Self.line("svc-ledger-etl", id: "pg-1", at: "2026-11-21T06:00:00Z"), Self.line("svc-rogue", id: "pg-2", at: "2026-11-21T06:00:00Z")]
        let (fourth, run4) = try reconcile(store, "newest.jsonl", newest, at: "2026-11-21T06:05:00Z", check: check)
        #expect(fourth == 9 && (run4["opened"] as? [[String: Any]])?.first?["id"] as? String == findingID, "\(run4)")
        try check.validate()
    }

    @Test func findingsAppearAreSeenAgainResolveAndComeBackUnderTheSameID() throws {
        let store = try TestStore()
        let check = try SchemaCheck(store.directory)
        let id = try store.submit(etlRequest, as: "alice", at: Self.t0)
        #expect(try store.run(["approve", id, "--version", "1", "-r", rationale], as: "dave", at: Self.t0).status == 0)
        let etl = Self.line("svc-ledger-etl", id: "pg-1", at: "2026-11-21T04:00:00Z")
        let rogue = Self.line("svc-rogue", id: "pg-2", at: "2026-11-21T04:00:00Z")

        // Before any run, the live grant is unconfirmed.
        let before = try store.run(["drift"])
        #expect(before.stdout.contains("\(id)") && before.stdout.contains("no run has covered it"), "\(before.output)")

        // Run 1: the grant's access is there; an unapproved one appears (exit 9).
        let (first, run1) = try reconcile(store, "export-1.jsonl", [etl, rogue], at: "2026-11-21T04:05:00Z", check: check)
        #expect(first == 9, "\(run1)")
        let opened = try #require(run1["opened"] as? [[String: Any]])
        #expect(opened.count == 1 && opened[0]["kind"] as? String == "unapproved", "\(opened)")
        let findingID = try #require(opened[0]["id"] as? String)
        #expect(run1["grants_present"] as? [String] == [id])
        let files = try #require(run1["files"] as? [[String: Any]])
        #expect((files[0]["sha256"] as? String)?.count == 64 && (files[0]["name"] as? String)?.hasSuffix("export-1.jsonl") == true)
        var findings = try drift(store, check: check)
        #expect(findings.count == 1 && findings[0]["id"] as? String == findingID)
        #expect(findings[0]["first_seen_at"] as? String == "2026-11-21T04:05:00.000Z")
        #expect((findings[0]["subject"] as? [String: Any])?["owner"] as? String == "alice")
        let confirmed = try store.run(["drift"])
        #expect(!confirmed.stdout.contains("not seen carried out"), "\(confirmed.output)")

        // Run 2, the same export later: nothing new (exit 0), the finding seen again.
        let (second, run2) = try reconcile(store, "export-2.jsonl", [etl, rogue], at: "2026-11-21T05:00:00Z", check: check)
        #expect(second == 0, "\(run2)")
        #expect((run2["counts"] as? [String: Any])?["seen_again"] as? Int == 1)
        findings = try drift(store, check: check)
        #expect(findings.count == 1 && findings[0]["id"] as? String == findingID)
        #expect(findings[0]["first_seen_at"] as? String == "2026-11-21T04:05:00.000Z")
        #expect(findings[0]["last_seen_at"] as? String == "2026-11-21T05:00:00.000Z")

        // A broken export (truncated JSON) is refused with its position and changes nothing.
        let chain = try chainHead(store)
        let broken = try store.file("broken.jsonl", etl + "\n" + String(rogue.prefix(40)) + "\n")
        let refused = try store.run(["reconcile", "generic", broken, "--covers", "payments-db/production"], as: "ops",
                                    at: "2026-11-21T05:30:00Z")
        #expect(refused.status == 2, "\(refused.output)")
        #expect(refused.stderr.contains("broken.jsonl:2:"), "\(refused.output)")
        // With --json, the error document locates it too.
        let located = try store.run(["reconcile", "generic", broken, "--covers", "payments-db/production", "--json"], as: "ops",
                                    at: "2026-11-21T05:30:00Z")
        let error = (try? JSONSerialization.jsonObject(with: Data(located.stderr.utf8)) as? [String: Any])?["error"] as? [String: Any]
        #expect(located.status == 2 && (error?["file"] as? String)?.hasSuffix("broken.jsonl") == true && error?["line"] as? Int == 2,
                "\(located.output)")
        #expect(try chainHead(store) == chain)

        // A run that covers another system resolves nothing here.
        let elsewhere = try store.file("elsewhere.jsonl", Self.line("postgres", environment: "staging", id: "pg-9", at: "2026-11-21T05:35:00Z") + "\n")
        let other = try store.run(["reconcile", "generic", elsewhere, "--covers", "payments-db/staging", "--json"], as: "ops",
                                  at: "2026-11-21T05:40:00Z")
        #expect(other.status == 0, "\(other.output)")
        #expect(try drift(store, check: check).count == 1)

        // Run 3: the unapproved access is gone; the finding resolves.
        let (third, run3) = try reconcile(store, "export-3.jsonl", [etl], at: "2026-11-21T06:00:00Z", check: check)
        #expect(third == 0, "\(run3)")
        #expect(run3["resolved"] as? [String] == [findingID])
        #expect(try drift(store, check: check).isEmpty)
        let resolved = try drift(store, all: true, check: check)
        #expect(resolved.count == 1 && resolved[0]["state"] as? String == "resolved")
        #expect(resolved[0]["resolved_at"] as? String == "2026-11-21T06:00:00.000Z")

        // Run 4: it is back, under the same ID (exit 9 again).
        let (fourth, run4) = try reconcile(store, "export-4.jsonl", [etl, rogue], at: "2026-11-21T07:00:00Z", check: check)
        #expect(fourth == 9, "\(run4)")
        #expect((run4["opened"] as? [[String: Any]])?.first?["id"] as? String == findingID)
        findings = try drift(store, check: check)
        #expect(findings.count == 1 && findings[0]["state"] as? String == "open")

        // Run 5: the grant's access is gone too: it is no longer confirmed.
        let (fifth, _) = try reconcile(store, "export-5.jsonl", [rogue], at: "2026-11-21T07:30:00Z", check: check)
        #expect(fifth == 0)
        let unconfirmed = try store.run(["drift"])
        #expect(unconfirmed.stdout.contains("\(id)") && unconfirmed.stdout.contains("not seen by run"), "\(unconfirmed.output)")
        let unconfirmedJSON = try #require(try Signoff.json(try store.run(["drift", "--json"])) as? [String: Any])
        let grants = try #require(unconfirmedJSON["unconfirmed_grants"] as? [[String: Any]])
        #expect(grants.count == 1 && grants[0]["request_id"] as? String == id && grants[0]["last_run_at"] as? String == "2026-11-21T07:30:00.000Z",
                "\(grants)")
        check.stdout(try store.run(["drift", "--json", "--all"]), "signoff.drift/1")
        try check.validate()
        #expect(try store.run(["audit", "verify"]).status == 0)

        // The reconciliation tables are evidence too: every edit is named by verify.
        let edits = [
            ("UPDATE findings SET summary = 'nothing to see'", "summary is not what"),
            ("UPDATE findings SET state = 'resolved', resolved_at = 0, resolved_run = 0", "state is not what"),
            ("UPDATE findings SET last_seen_at = last_seen_at + 1", "last_seen_at is not what"),
            ("DELETE FROM findings", "\(findingID) is opened by the events, but missing from the query table"),
            ("INSERT INTO findings SELECT 'F-0000000000000000', kind, system, environment, subject_kind, subject, owner, entitlement, "
                + "grant_type, scope, request_id, credential_id, summary, state, first_seen_at, first_run, opened_sequence, last_seen_at, "
                + "last_run, resolved_at, resolved_run, excepted_by, excepted_at, excepted_until, exception_rationale, exception_sequence, "
                + "linked_request, removal_by, removal_at, removal_rationale, removal_sequence, removal_hand_off, removal_outcome "
                + "FROM findings", "F-0000000000000000 is in the query table, but no finding_opened"),
            ("UPDATE grant_sightings SET present = 1", "present is not what"),
            ("DELETE FROM grant_sightings", "but missing from the query table"),
            ("INSERT INTO grant_sightings VALUES ('REQ-999', 1, 0, 1, 0, 1)", "no reconciliation run covered this grant"),
        ]
        for (index, (edit, named)) in edits.enumerated() {
            let copy = store.directory.appendingPathComponent("tampered-\(index).db").path
            #expect(try sqlite(try store.storeFile(), ".backup '\(copy)'").status == 0)
            #expect(try sqlite(copy, edit).status == 0, "\(edit)")
            let verify = try Signoff.run(["audit", "verify", "--store", copy])
            #expect(verify.status == 6, "\(edit): \(verify.output)")
            #expect(verify.stdout.contains(named), "\(edit): \(verify.output)")
        }
    }

    /// `grants`, `show` and `wait` say whether reconciliation has seen each
    /// grant carried out, and by which run; `grants --unconfirmed` lists the rest.
    @Test func grantsShowWhetherReconciliationSawThemCarriedOut() throws {
        let store = try TestStore()
        let check = try SchemaCheck(store.directory)
        let id = try store.submit(etlRequest, as: "alice", at: Self.t0)
        #expect(try store.run(["approve", id, "--version", "1", "-r", rationale], as: "dave", at: Self.t0).status == 0)
        func reconciliation(_ arguments: [String], _ schema: String, at now: String, path: (Any) -> Any?) throws -> [String: Any] {
            let result = try store.run(arguments, at: now)
            check.stdout(result, schema)
            let document = try #require(try Signoff.json(result))
            return try #require(path(document) as? [String: Any], "\(result.output)")
        }
        func listed(at now: String) throws -> [String: Any] {
            try reconciliation(["grants", "--json"], "signoff.grant-list/1", at: now) {
                (($0 as? [String: Any])?["items"] as? [[String: Any]])?.first?["reconciliation"]
            }
        }
        func shown(at now: String) throws -> [String: Any] {
            try reconciliation(["show", id, "--json"], "signoff.request/1", at: now) {
                (($0 as? [String: Any])?["grant"] as? [String: Any])?["reconciliation"]
            }
        }

        // No run yet: unchecked, no run named; listed as unconfirmed.
        var seen = try listed(at: "2026-11-21T03:30:00Z")
        #expect(seen["status"] as? String == "unchecked" && seen["confirmed"] as? Bool == false, "\(seen)")
        #expect(seen["last_run"] is NSNull && seen["present"] is NSNull && seen["last_present_run"] is NSNull, "\(seen)")
        var text = try store.run(["grants", "--unconfirmed"], at: "2026-11-21T03:30:00Z")
        #expect(text.stdout.contains("RECONCILED") && text.stdout.contains(id) && text.stdout.contains("unchecked"), "\(text.output)")

        // A run sees the access: confirmed by that run, in the list, in show and wait.
        let etl = Self.line("svc-ledger-etl", id: "pg-1", at: "2026-11-21T04:00:00Z")
        let other = Self.line("svc-rogue", id: "pg-2", at: "2026-11-21T04:00:00Z")
        let (_, run1) = try reconcile(store, "export-1.jsonl", [etl], at: "2026-11-21T04:05:00Z", check: check)
        let first = try #require(run1["run"] as? Int)
        seen = try listed(at: "2026-11-21T04:10:00Z")
        #expect(seen["status"] as? String == "confirmed" && seen["confirmed"] as? Bool == true && seen["present"] as? Bool == true, "\(seen)")
        #expect(seen["last_run"] as? Int == first && seen["last_run_at"] as? String == "2026-11-21T04:05:00.000Z", "\(seen)")
        #expect(seen["last_present_run"] as? Int == first, "\(seen)")
        #expect(try shown(at: "2026-11-21T04:10:00Z")["status"] as? String == "confirmed")
        let waited = try store.run(["wait", id, "--json"], at: "2026-11-21T04:10:00Z")
        check.stdout(waited, "signoff.wait-result/1")
        let waitedGrant = (try Signoff.json(waited) as? [String: Any])?["grant"] as? [String: Any]
        #expect((waitedGrant?["reconciliation"] as? [String: Any])?["status"] as? String == "confirmed", "\(waited.output)")
        text = try store.run(["grants", "--unconfirmed"], at: "2026-11-21T04:10:00Z")
        #expect(text.stdout.contains("no grants match"), "\(text.output)")
        text = try store.run(["show", id], at: "2026-11-21T04:10:00Z")
        #expect(text.stdout.contains("access seen by run \(first) at 2026-11-21T04:05:00.000Z"), "\(text.output)")

        // A later run does not see it: not seen, and when it was last there.
        let (_, run2) = try reconcile(store, "export-2.jsonl", [other], at: "2026-11-21T05:00:00Z", check: check)
        let second = try #require(run2["run"] as? Int)
        seen = try listed(at: "2026-11-21T05:10:00Z")
        #expect(seen["status"] as? String == "not_seen" && seen["present"] as? Bool == false && seen["last_run"] as? Int == second, "\(seen)")
        #expect(seen["last_present_run"] as? Int == first && seen["last_present_at"] as? String == "2026-11-21T04:05:00.000Z", "\(seen)")
        text = try store.run(["grants", "--unconfirmed"], at: "2026-11-21T05:10:00Z")
        #expect(text.stdout.contains(id) && text.stdout.contains("NOT SEEN"), "\(text.output)")

        // Revoked: no run since it ended says it is gone; a run that does not see it confirms the removal.
        #expect(try store.run(["revoke", id, "-r", "The reconciliation moved to the warehouse"], as: "alice",
                              at: "2026-11-21T05:20:00Z").status == 0)
        seen = try reconciliation(["grants", "--all", "--json"], "signoff.grant-list/1", at: "2026-11-21T05:30:00Z") {
            (($0 as? [String: Any])?["items"] as? [[String: Any]])?.first?["reconciliation"]
        }
        #expect(seen["status"] as? String == "unchecked" && seen["last_run"] as? Int == second, "\(seen)")
        _ = try reconcile(store, "export-3.jsonl", [other], at: "2026-11-21T06:00:00Z", check: check)
        #expect(try shown(at: "2026-11-21T06:10:00Z")["status"] as? String == "removed")
        try check.validate()
        #expect(try store.run(["audit", "verify"]).status == 0)
    }
}
