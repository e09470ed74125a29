import Foundation
import Testing

/// Exceptions to findings through the real binary, as a table of steps over
/// time (the clock injected with SIGNOFF_NOW): who may accept one, for how
/// long, what a refusal leaves behind, what drift and reconcile report while
/// it lasts, and that the finding is reported again when it ends.
@Suite("Finding exceptions, end to end")
struct FindingExceptionTests {
    static let why = "Vendor bridge account, removed with the Q1 migration"

    enum Step {
        /// A run over the generic export: the ETL grant's access and the rogue access.
        case reconcile(exit: Int32, reported: [String], excepted: [String], ended: [String])
        /// `drift except` by someone; the exit, and whether an event was recorded.
        case except(String, as: String, until: String, why: String, exit: Int32, recorded: Bool)
        /// What `drift --json` says of the rogue finding.
        case drift(reported: Bool, inForce: Bool?)
    }

    @Test func exceptionsAreRefusedRecordedHonouredAndEnd() throws {
        let store = try TestStore()
        let check = try SchemaCheck(store.directory)
        let id = try store.submit(etlRequest, as: "alice", at: ReconcileTests.t0)
        #expect(try store.run(["approve", id, "--version", "1", "-r", rationale], as: "dave", at: ReconcileTests.t0).status == 0)
        var finding = "F-0000000000000000"
        let unknown = "F-0000000000000000"

        let steps: [(String, Step)] = [
            ("2026-11-21T04:05:00Z", .reconcile(exit: 9, reported: ["rogue"], excepted: [], ended: [])),
            ("2026-11-21T04:06:00Z", .drift(reported: true, inForce: nil)),
            // Only whoever the policy's except_finding role names (group:security): the refusal is evidence.
            ("2026-11-21T04:10:00Z", .except("rogue", as: "ops", until: "2h", why: Self.why, exit: 3, recorded: true)),
            ("2026-11-21T04:11:00Z", .except("rogue", as: "sam", until: "2h", why: "it is fine", exit: 3, recorded: true)),
            // Longer than reconciliation.exceptions.max_duration (90d in the example policy).
            ("2026-11-21T04:12:00Z", .except("rogue", as: "sam", until: "2027-06-01T00:00:00Z", why: Self.why, exit: 3, recorded: true)),
            // Bad input changes nothing: an unknown finding, an end in the past, not a finding ID, no time.
            ("2026-11-21T04:13:00Z", .except(unknown, as: "sam", until: "2h", why: Self.why, exit: 2, recorded: false)),
            ("2026-11-21T04:13:00Z", .except("rogue", as: "sam", until: "2026-11-21T04:00:00Z", why: Self.why, exit: 2, recorded: false)),
            ("2026-11-21T04:13:00Z", .except("F-zz", as: "sam", until: "2h", why: Self.why, exit: 2, recorded: false)),
            ("2026-11-21T04:13:00Z", .except("rogue", as: "sam", until: "soon", why: Self.why, exit: 2, recorded: false)),
            // Not by the identity's owner, though tina holds the role: nobody accepts their own access.
            ("2026-11-21T04:14:00Z", .except("rogue", as: "tina", until: "2h", why: Self.why, exit: 3, recorded: true)),
            ("2026-11-21T04:15:00Z", .except("rogue", as: "sam", until: "2h", why: Self.why, exit: 0, recorded: true)),
            ("2026-11-21T04:16:00Z", .drift(reported: false, inForce: true)),
            // While it lasts, a run that still shows it does not alert.
            ("2026-11-21T05:00:00Z", .reconcile(exit: 0, reported: [], excepted: ["rogue"], ended: [])),
            // It ended at 06:15: drift reports it again, and the next run alerts once.
            ("2026-11-21T06:20:00Z", .drift(reported: true, inForce: false)),
            ("2026-11-21T06:30:00Z", .reconcile(exit: 9, reported: ["rogue"], excepted: [], ended: ["rogue"])),
            ("2026-11-21T07:00:00Z", .reconcile(exit: 0, reported: [], excepted: [], ended: [])),
        ]
        let etl = ReconcileTests.line("svc-ledger-etl", id: "pg-1", at: "2026-11-21T04:00:00Z")
        let rogue = ReconcileTests.line("svc-rogue", owner: "tina", id: "pg-2", at: "2026-11-21T04:00:00Z")
        func ids(_ names: [String]) -> [String] { names.map { $0 == "rogue" ? finding : $0 } }

        for (index, (now, step)) in steps.enumerated() {
            switch step {
            case let .reconcile(exit, reported, excepted, ended):
                let file = try store.file("export-\(index).jsonl", etl + "\n" + rogue + "\n")
                let result = try store.run(["reconcile", "generic", file, "--covers", "payments-db/production", "--json"], as: "ops", at: now)
                check.add(result.stdout, "signoff.reconcile-run/1")
                #expect(result.status == exit, "step \(index): \(result.output)")
                let run = try #require(try Signoff.json(result) as? [String: Any])
                if let opened = (run["opened"] as? [[String: Any]])?.first?["id"] as? String, index == 0 { finding = opened }
                #expect(run["reported"] as? [String] == ids(reported), "step \(index): \(run)")
                #expect(run["excepted"] as? [String] == ids(excepted), "step \(index): \(run)")
                #expect(run["exceptions_ended"] as? [String] == ids(ended), "step \(index): \(run)")
            case let .except(target, person, until, why, exit, recorded):
                let before = try store.run(["audit", "head"]).stdout
                let result = try store.run(["drift", "except", ids([target])[0], "--until", until, "-r", why, "--json"], as: person, at: now)
                #expect(result.status == exit, "step \(index): \(result.output)")
                if exit == 0 {
                    check.add(result.stdout, "signoff.finding-exception/1")
                } else {
                    check.failure(result, status: exit, code: exit == 2 ? "bad_input" : "refused")
                }
                let after = try store.run(["audit", "head"]).stdout
                #expect((before != after) == recorded, "step \(index): the chain \(recorded ? "must" : "must not") grow")
            case let .drift(reported, inForce):
                let result = try store.run(["drift", "--json"], at: now)
                check.stdout(result, "signoff.drift/1")
                let findings = try #require((try Signoff.json(result) as? [String: Any])?["findings"] as? [[String: Any]])
                let entry = try #require(findings.first { $0["id"] as? String == finding }, "step \(index)")
                #expect(entry["state"] as? String == "open" && entry["reported"] as? Bool == reported, "step \(index): \(entry)")
                let exception = entry["exception"] as? [String: Any]
                #expect((exception?["in_force"] as? Bool) == inForce, "step \(index): \(entry)")
                if inForce != nil {
                    #expect(exception?["by"] as? String == "sam" && exception?["rationale"] as? String == Self.why)
                    #expect(exception?["until"] as? String == "2026-11-21T06:15:00.000Z", "\(entry)")
                }
            }
        }

        // The text says the same: excepted apart while it lasts, ENDED after.
        let during = try store.run(["drift"], at: "2026-11-21T04:20:00Z")
        #expect(during.stdout.contains("excepted (not reported until the exception ends):"), "\(during.output)")
        #expect(during.stdout.contains("excepted until 2026-11-21T06:15:00Z, by sam"), "\(during.output)")
        let after = try store.run(["drift"], at: "2026-11-21T07:10:00Z")
        #expect(after.stdout.contains("exception ENDED 2026-11-21T06:15:00Z") && !after.stdout.contains("excepted (not"), "\(after.output)")
        // The refusals are evidence: who tried, and why not.
        let export = try store.run(["audit", "export"]).stdout
        #expect(export.contains("\"except_finding\"") && export.contains("rationale_too_short") && export.contains("over_limit")
                && export.contains("nobody accepts their own access"))
        #expect(export.components(separatedBy: "\"finding_excepted\"").count == 2, "one exception recorded")
        try check.validate()
        #expect(try store.run(["audit", "verify"]).status == 0)

        // The exception is evidence too: an edited exception is named by verify.
        for (edit, named) in [("UPDATE findings SET excepted_until = excepted_until + 86400000", "excepted_until is not what"),
                              ("UPDATE findings SET exception_rationale = 'approved by the board'", "exception_rationale is not what")] {
            let copy = store.directory.appendingPathComponent("tampered-\(UUID().uuidString).db").path
            #expect(try sqlite(try store.storeFile(), ".backup '\(copy)'").status == 0)
            #expect(try sqlite(copy, edit).status == 0)
            let verify = try Signoff.run(["audit", "verify", "--store", copy])
            #expect(verify.status == 6 && verify.stdout.contains(named), "\(edit): \(verify.output)")
            // Nor is a row written by hand believed: past the exception's recorded end, the finding is reported.
            let drift = try Signoff.run(["drift", "--json", "--store", copy], environment: ["SIGNOFF_NOW": "2026-11-21T07:10:00Z"])
            let findings = try #require((try Signoff.json(drift) as? [String: Any])?["findings"] as? [[String: Any]], "\(drift.output)")
            let entry = try #require(findings.first { $0["id"] as? String == finding })
            #expect(entry["reported"] as? Bool == true && (entry["exception"] as? [String: Any]) == nil, "\(edit): \(entry)")
        }
    }
}
