import Foundation
import Testing

/// A finding owned by a request for the access it shows, through the real
/// binary: `drift request` writes the file from the evidence, `submit`
/// refuses it until a person completes it, the submitted request names the
/// finding (drift and show say so), and once the grant is live the next run
/// resolves the finding as usual.
@Suite("Findings owned, end to end")
struct FindingOwnershipTests {
    static let etl = ReconcileTests.line("svc-ledger-etl", id: "pg-1", at: "2026-11-21T04:00:00Z")
    static let rogue = ReconcileTests.line("svc-rogue", id: "pg-2", at: "2026-11-21T04:00:00Z")

    /// A store with the ETL grant and one run that opened an unapproved-access finding for svc-rogue.
    static func storeWithFinding(check: SchemaCheck? = nil) throws -> (TestStore, String) {
        let store = try TestStore()
        let id = try store.submit(etlRequest, as: "alice", at: ReconcileTests.t0)
        #expect(try store.run(["approve", id, "--version", "1", "-r", rationale], as: "dave", at: ReconcileTests.t0).status == 0)
        let file = try store.file("export-1.jsonl", etl + "\n" + rogue + "\n")
        let run = try store.run(["reconcile", "generic", file, "--covers", "payments-db/production", "--json"], as: "ops",
                                at: "2026-11-21T04:05:00Z")
        #expect(run.status == 9, "\(run.output)")
        let opened = try #require((try Signoff.json(run) as? [String: Any])?["opened"] as? [[String: Any]])
        return (store, try #require(opened.first?["id"] as? String))
    }

    static func drift(_ store: TestStore, check: SchemaCheck, _ id: String) throws -> [String: Any] {
        let result = try store.run(["drift", "--json", "--all"])
        check.stdout(result, "signoff.drift/1")
        let findings = try #require((try Signoff.json(result) as? [String: Any])?["findings"] as? [[String: Any]])
        return try #require(findings.first { $0["id"] as? String == id })
    }

    @Test func aFindingBecomesARequestThatResolvesItOnceGranted() throws {
        let (store, finding) = try Self.storeWithFinding()
        let check = try SchemaCheck(store.directory)
        let head = try store.run(["audit", "head"]).stdout

        // The draft: from the evidence, printed or written to a new file, recording nothing.
        let printed = try store.run(["drift", "request", finding], at: "2026-11-21T04:10:00Z")
        #expect(printed.status == 0, "\(printed.output)")
        for line in ["finding: \(finding)", "  kind: service_account", "  name: \"svc-rogue\"", "system: \"payments-db\"",
                     "entitlement: \"read_replica\"", "access: read", "# TO COMPLETE: purpose:", "# TO COMPLETE: duration:",
                     "  # TO COMPLETE: owner:"] {
            #expect(printed.stdout.contains(line), "\(line): \(printed.output)")
        }
        let path = store.directory.appendingPathComponent("request.yaml").path
        let written = try store.run(["drift", "request", finding, "-o", path], at: "2026-11-21T04:10:00Z")
        #expect(written.status == 0 && written.stdout.contains("TO COMPLETE"), "\(written.output)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == printed.stdout)
        let again = try store.run(["drift", "request", finding, "-o", path], at: "2026-11-21T04:10:00Z")
        #expect(again.status == 2 && again.stderr.contains("does not exist yet"), "never overwrites: \(again.output)")
        #expect(try store.run(["audit", "head"]).stdout == head, "a draft records nothing")

        // Not completed: refused, nothing written.
        let early = try store.run(["submit", path], as: "alice", at: "2026-11-21T04:15:00Z")
        #expect(early.status == 2 && early.stderr.contains("request.yaml"), "\(early.output)")
        #expect(try store.run(["audit", "head"]).stdout == head)

        // A request naming the finding must ask for its access.
        let elsewhere = etlRequest + "\nfinding: \(finding)\n"
        let mismatched = try store.run(["submit", "-"], as: "alice", stdin: elsewhere, at: "2026-11-21T04:15:00Z")
        #expect(mismatched.status == 2 && mismatched.stderr.contains("subject svc-rogue"), "\(mismatched.output)")
        let unknown = try store.run(["submit", "-"], as: "alice", stdin: etlRequest + "\nfinding: F-0000000000000000\n",
                                    at: "2026-11-21T04:15:00Z")
        #expect(unknown.status == 2 && unknown.stderr.contains("there is no finding"), "\(unknown.output)")
        #expect(try store.run(["audit", "head"]).stdout == head)

        // Completed by a person: submitted, and linked both ways.
        var text = try String(contentsOfFile: path, encoding: .utf8)
        text = text.replacingOccurrences(of: "  # TO COMPLETE: owner:", with: "  owner: alice\n  # owner:")
            .replacingOccurrences(of: "# TO COMPLETE: purpose:", with: "purpose: The ledger export reads the replica nightly\n# purpose:")
            .replacingOccurrences(of: "# TO COMPLETE: duration:", with: "duration: 7d\n# duration:")
            .replacingOccurrences(of: "# revocation_triggers:", with: "revocation_triggers: [{trigger: ticket_closed, ref: OPS-77}]\n#")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let submitted = try store.run(["submit", path, "--json"], as: "alice", at: "2026-11-21T04:20:00Z")
        check.stdout(submitted, "signoff.submission/1")
        let request = try #require(try Signoff.items(submitted).first?["id"] as? String)
        #expect(try Self.drift(store, check: check, finding)["linked_request"] as? String == request)
        let shown = try store.run(["show", request, "--json"])
        check.stdout(shown, "signoff.request/1")
        #expect((try Signoff.json(shown) as? [String: Any])?["finding"] as? String == finding)
        #expect(try store.run(["show", request]).stdout.contains("finding             \(finding)"))
        #expect(try store.run(["drift"]).stdout.contains("requested as \(request)"))

        // Granted, the next run sees the access approved: the finding resolves as any does.
        #expect(try store.run(["approve", request, "--version", "1", "-r", rationale], as: "dave", at: "2026-11-21T04:30:00Z").status == 0)
        let file = try store.file("export-2.jsonl", Self.etl + "\n" + Self.rogue + "\n")
        let run = try store.run(["reconcile", "generic", file, "--covers", "payments-db/production", "--json"], as: "ops",
                                at: "2026-11-21T05:00:00Z")
        #expect(run.status == 0, "\(run.output)")
        #expect((try Signoff.json(run) as? [String: Any])?["resolved"] as? [String] == [finding], "\(run.output)")
        let resolved = try Self.drift(store, check: check, finding)
        #expect(resolved["state"] as? String == "resolved" && resolved["linked_request"] as? String == request)
        let late = try store.run(["drift", "request", finding])
        #expect(late.status == 2 && late.stderr.contains("was resolved"), "\(late.output)")
        try check.validate()
        #expect(try store.run(["audit", "verify"]).status == 0)

        // The link is evidence too: an edited link is named by verify.
        let copy = store.directory.appendingPathComponent("tampered.db").path
        #expect(try sqlite(store.path, ".backup '\(copy)'").status == 0)
        #expect(try sqlite(copy, "UPDATE findings SET linked_request = 'REQ-1'").status == 0)
        let verify = try Signoff.run(["audit", "verify", "--store", copy])
        #expect(verify.status == 6 && verify.stdout.contains("linked_request is not what"), "\(verify.output)")
    }
}
