import Foundation
import Testing

/// A finding owned by a request for the access it shows, through the real
/// binary: `drift request` writes the file from the evidence, `submit`
/// refuses it until a person completes it, the submitted request names the
/// finding (drift and show say so), and once the grant is live the next run
/// resolves the finding as usual.
@Suite("Findings owned, end to end")
struct FindingOwnershipTests {
    /// The platform as an export read it at `at`: a run counts no grant approved after its export.
    static func etl(at: String = "2026-11-21T04:00:00Z") -> String { ReconcileTests.line("svc-ledger-etl", id: "pg-1", at: at) }
    static func rogue(at: String = "2026-11-21T04:00:00Z") -> String { ReconcileTests.line("svc-rogue", id: "pg-2", at: at) }

    /// A store with the ETL grant and one run that opened an unapproved-access finding for svc-rogue.
    static func storeWithFinding(check: SchemaCheck? = nil) throws -> (TestStore, String) {
        let store = try TestStore()
        let id = try store.submit(etlRequest, as: "alice", at: ReconcileTests.t0)
        #expect(try store.run(["approve", id, "--version", "1", "-r", rationale], as: "dave", at: ReconcileTests.t0).status == 0)
        let file = try store.file("export-1.jsonl", etl() + "\n" + rogue() + "\n")
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
        let nowhere = store.directory.appendingPathComponent("missing/request.yaml").path
        let lost = try store.run(["drift", "request", finding, "-o", nowhere], at: "2026-11-21T04:10:00Z")
        #expect(lost.status == 2 && lost.stderr.contains("its directory does not exist"), "\(lost.output)")
        for (output, why) in [(path + "/x.yaml", "a part of its path is a file"), (store.directory.path + "/", "name a file, not a directory"),
                              ("", "name a file, not a directory")] {
            let refused = try store.run(["drift", "request", finding, "-o", output], at: "2026-11-21T04:10:00Z")
            #expect(refused.status == 2 && refused.stderr.contains(why), "\(output): \(refused.output)")
        }
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
        let file = try store.file("export-2.jsonl", Self.etl(at: "2026-11-21T04:45:00Z") + "\n" + Self.rogue(at: "2026-11-21T04:45:00Z") + "\n")
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
        #expect(try sqlite(try store.storeFile(), ".backup '\(copy)'").status == 0)
        #expect(try sqlite(copy, "UPDATE findings SET linked_request = 'REQ-1'").status == 0)
        let verify = try Signoff.run(["audit", "verify", "--store", copy])
        #expect(verify.status == 6 && verify.stdout.contains("linked_request is not what"), "\(verify.output)")
    }
}

extension FindingOwnershipTests {
    /// A finding sent for removal: who may, what a refusal leaves, the
    /// removal document through the hand-off (validated against its schema),
    /// and the finding staying open until a run no longer shows the access.
    @Test func aFindingSentForRemovalIsHandedOffAndResolvesOnlyWhenGone() throws {
        let (store, finding) = try Self.storeWithFinding()
        let check = try SchemaCheck(store.directory)
        let etlID = "REQ-1"
        let outbox = store.directory.appendingPathComponent("outbox")
        try FileManager.default.createDirectory(at: outbox, withIntermediateDirectories: true)
        #expect(try store.run(["handoff", "--outbox", outbox.path], as: "ops").status == 0)
        // The ETL grant, reported provisioned, is missing from the next run: a not-provisioned finding.
        #expect(try store.run(["provisioned", etlID], as: "ops", at: "2026-11-21T04:20:00Z").status == 0)
        let file = try store.file("export-2.jsonl", Self.rogue(at: "2026-11-21T04:25:00Z") + "\n")
        let run = try store.run(["reconcile", "generic", file, "--covers", "payments-db/production", "--json"], as: "ops",
                                at: "2026-11-21T04:30:00Z")
        let missing = try #require(((try Signoff.json(run) as? [String: Any])?["opened"] as? [[String: Any]])?.first { $0["kind"] as? String == "not_provisioned" }?["id"] as? String, "\(run.output)")
        let why = "Nobody owns svc-rogue; the platform team removes the membership"

        // Refusals: who may not (recorded), a short rationale (recorded), and bad input (nothing written).
        let table: [(String, String, String, Int32, Bool)] = [
            (finding, "ops", why, 3, true),
            (finding, "sam", "it is bad", 3, true),
            ("F-0000000000000000", "sam", why, 2, false),
            (missing, "sam", why, 2, false),
            ("F-zz", "sam", why, 2, false),
        ]
        for (index, (target, person, rationale, exit, recorded)) in table.enumerated() {
            let before = try store.run(["audit", "head"]).stdout
            let result = try store.run(["drift", "remove", target, "-r", rationale, "--json"], as: person, at: "2026-11-21T04:40:00Z")
            #expect(result.status == exit, "case \(index): \(result.output)")
            check.failure(result, status: exit, code: exit == 2 ? "bad_input" : "refused")
            #expect((try store.run(["audit", "head"]).stdout != before) == recorded, "case \(index): \(result.output)")
        }
        let unfit = try store.run(["drift", "remove", missing, "-r", why], as: "sam")
        #expect(unfit.stderr.contains("shows no access to remove"), "\(unfit.output)")

        // Sent by security: recorded; the hand-off set by ops is ops's to deliver, so it waits.
        let sent = try store.run(["drift", "remove", finding, "-r", why, "--json"], as: "sam", at: "2026-11-21T04:45:00Z")
        check.stdout(sent, "signoff.finding-removal/1")
        let removal = try #require(((try Signoff.json(sent) as? [String: Any])?["finding"] as? [String: Any])?["removal"] as? [String: Any])
        #expect(removal["by"] as? String == "sam" && removal["hand_off"] as? String == "pending" && removal["rationale"] as? String == why)
        let twice = try store.run(["drift", "remove", finding, "-r", why], as: "sam", at: "2026-11-21T04:46:00Z")
        #expect(twice.status == 2 && twice.stderr.contains("already requested by sam"), "\(twice.output)")
        #expect(try store.run(["drift"]).stdout.contains("removal requested by sam at 2026-11-21T04:45:00Z (hand-off pending)"))
        let export = try store.run(["audit", "export"]).stdout
        #expect(export.contains("\"finding_removal_requested\"") && export.contains("\"request_removal\""), "the request and the refusals are evidence")

        // sam's retry may not use ops's hand-off: refused, never "nothing was waiting"; an unknown finding is bad input.
        let notSams = try store.run(["handoff", "retry", finding], as: "sam", at: "2026-11-21T04:47:00Z")
        #expect(notSams.status == 3 && notSams.stderr.contains("nothing was delivered"), "\(notSams.output)")
        let unknown = try store.run(["handoff", "retry", "F-0000000000000000"], as: "ops", at: "2026-11-21T04:48:00Z")
        #expect(unknown.status == 2 && unknown.stderr.contains("there is no finding"), "\(unknown.output)")

        // Whoever can write the file edits who asked and why in the findings row, which no hash covers:
        // the document is made from the chained request, never from that row.
        #expect(try sqlite(try store.storeFile(), "UPDATE findings SET removal_by = 'mallory', removal_rationale = 'mallory says so' WHERE id = '\(finding)'").status == 0)

        // Delivered by ops's retry: the document says exactly what to remove.
        let retried = try store.run(["handoff", "retry", "--json"], as: "ops", at: "2026-11-21T04:50:00Z")
        check.stdout(retried, "signoff.hand-off-retry/1")
        let removals = try #require((try Signoff.json(retried) as? [String: Any])?["removals"] as? [[String: Any]])
        #expect(removals.count == 1 && removals[0]["finding_id"] as? String == finding && removals[0]["failed"] as? Bool == false)
        let names = try FileManager.default.contentsOfDirectory(atPath: outbox.path).filter { $0.hasPrefix(finding) }
        #expect(names.count == 1 && names[0].hasPrefix("\(finding)-remove-"), "\(names)")
        let text = try String(contentsOf: outbox.appendingPathComponent(try #require(names.first)), encoding: .utf8)
        check.add(text, "signoff.removal/1")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(document["action"] as? String == "remove" && document["finding_id"] as? String == finding)
        #expect((document["subject"] as? [String: Any])?["name"] as? String == "svc-rogue" && document["system"] as? String == "payments-db")
        #expect(document["source_ids"] as? [String] == ["pg-2"] && document["requested_by"] as? String == "sam", "\(document)")
        #expect(document["rationale"] as? String == why && (document["requested_at"] as? String)?.hasPrefix("2026-11-21T04:45:00") == true, "\(document)")
        #expect(try sqlite(try store.storeFile(), "UPDATE findings SET removal_by = 'sam', removal_rationale = '\(why)' WHERE id = '\(finding)'").status == 0)
        #expect((document["platform"] as? [String: Any])?["object"] as? String == "readonly_ledger", "\(document)")
        var entry = try Self.drift(store, check: check, finding)
        #expect((entry["removal"] as? [String: Any])?["hand_off"] as? String == "handed_off", "\(entry)")

        // Asking for removal resolves nothing: a run that still shows the access keeps it open...
        let still = try store.file("export-3.jsonl", Self.rogue(at: "2026-11-21T04:55:00Z") + "\n")
        let third = try store.run(["reconcile", "generic", still, "--covers", "payments-db/production", "--json"], as: "ops",
                                  at: "2026-11-21T05:00:00Z")
        #expect((try Signoff.json(third) as? [String: Any])?["resolved"] as? [String] == [], "\(third.output)")
        #expect(try Self.drift(store, check: check, finding)["state"] as? String == "open")
        // ...and the run that no longer shows it resolves it.
        let gone = try store.file("export-4.jsonl", Self.etl(at: "2026-11-21T05:55:00Z") + "\n")
        let fourth = try store.run(["reconcile", "generic", gone, "--covers", "payments-db/production", "--json"], as: "ops",
                                   at: "2026-11-21T06:00:00Z")
        #expect(((try Signoff.json(fourth) as? [String: Any])?["resolved"] as? [String])?.contains(finding) == true, "\(fourth.output)")
        entry = try Self.drift(store, check: check, finding)
        #expect(entry["state"] as? String == "resolved")
        let late = try store.run(["drift", "remove", finding, "-r", why], as: "sam")
        #expect(late.status == 2 && late.stderr.contains("was resolved"), "\(late.output)")
        try check.validate()
        let verified = try store.run(["audit", "verify"])
        #expect(verified.status == 0, "\(verified.output)")

        let copy = store.directory.appendingPathComponent("tampered.db").path
        #expect(try sqlite(try store.storeFile(), ".backup '\(copy)'").status == 0)
        #expect(try sqlite(copy, "UPDATE findings SET removal_hand_off = 'failed' WHERE removal_hand_off IS NOT NULL").status == 0)
        let verify = try Signoff.run(["audit", "verify", "--store", copy])
        #expect(verify.status == 6 && verify.stdout.contains("removal_hand_off is not what"), "\(verify.output)")
    }
}
