import Foundation
import SignoffCore
import SignoffStore
import Testing

/// A production read for a service account: one owner of payments-db approves.
let etlRequest = """
subject: {kind: service_account, name: svc-ledger-etl, owner: alice}
system: payments-db
environment: production
entitlement: read_replica
access: read
purpose: Nightly reconciliation reads the ledger tables
duration: 8h
revocation_triggers: [{trigger: ticket_closed, ref: OPS-1234}]
ticket: OPS-1234
"""

let rationale = "Read replica only, matches OPS-1234 and the ETL design"

/// Production superuser on payments-db for a person: two owners and security approve.
let superuser = """
subject: {kind: human, name: erin}
system: payments-db
environment: production
entitlement: superuser
access: admin
purpose: Repair a corrupted index during the maintenance window
duration: 2h
ticket: CHG-881
"""

/// An emergency: grace, an SRE, needs cluster admin now; the on-call SRE approves.
let emergencyRequest = """
subject: {kind: human, name: grace}
system: k8s-prod
environment: production
entitlement: cluster_admin
access: admin
purpose: Payments pods crash-looping, cordon a node
duration: 1h
break_glass: true
incident: INC-2041
"""

@Suite("Command line, end to end")
struct CommandLineTests {
    @Test func submitShowApproveAndTheEvidenceSaysWhoAndHow() throws {
        let store = try TestStore()
        let id = try store.submit(etlRequest, as: "alice")
        var shown = try store.show(id)
        #expect(shown["state"] as? String == "pending")
        #expect(shown["requester"] as? String == "alice")
        let version = try #require(shown["version"] as? Int)

        let outsider = try store.run(["approve", id, "--version", "\(version)", "-r", rationale], as: "sam")
        #expect(outsider.status == 3, "\(outsider.output)")
        #expect(outsider.stderr.contains("not an eligible approver"))

        let approved = try store.run(["approve", id, "--version", "\(version)", "-r", rationale], as: "dave")
        #expect(approved.status == 0, "\(approved.output)")
        shown = try store.show(id)
        #expect(shown["state"] as? String == "approved")
        let reviews = try #require(shown["reviews"] as? [[String: Any]])
        #expect(reviews.count == 1)
        #expect(reviews[0]["reviewer"] as? String == "dave")
        #expect(reviews[0]["authentication"] as? String == "asserted")
        #expect(reviews[0]["rationale"] as? String == rationale)
        #expect(reviews[0]["request_version"] as? Int == version)
        let decision = try #require(shown["decision"] as? [String: Any])
        #expect(decision["by"] as? [String] == ["dave"])
        #expect((decision["policy_version"] as? String)?.count == 64)
        let kinds = (shown["timeline"] as? [[String: Any]])?.compactMap { $0["kind"] as? String }
        #expect(kinds == ["request_submitted", "request_routed", "review_refused", "review_recorded", "request_decided",
                          "grant_issued"])

        let listed = try store.run(["list", "--state", "approved", "--json"])
        #expect(try Signoff.items(listed).count == 1)
        #expect(try store.run(["audit", "verify"]).status == 0)
    }

    struct Refused: Sendable, CustomStringConvertible {
        var description: String
        var person: String
        var version: Int?
        var status: Int32
        var reason: String
    }

    @Test(arguments: [
        Refused(description: "the requester approving their own request", person: "alice", version: 1, status: 3, reason: "self_approval"),
        Refused(description: "someone not named by the route", person: "uma", version: 1, status: 3, reason: "not_eligible"),
        Refused(description: "a version the approver did not see", person: "dave", version: 7, status: 4, reason: "stale_version"),
    ])
    func refusalsAreRecordedAsEvidence(_ refused: Refused) throws {
        let store = try TestStore()
        let id = try store.submit(etlRequest, as: "alice")
        var arguments = ["approve", id, "-r", rationale]
        if let version = refused.version { arguments += ["--version", "\(version)"] }
        let result = try store.run(arguments, as: refused.person)
        #expect(result.status == refused.status, "\(result.output)")
        #expect(try store.show(id)["state"] as? String == "pending")
        let export = try store.run(["audit", "export", "--request", id])
        #expect(export.stdout.contains("\"review_refused\""))
        #expect(export.stdout.contains(refused.reason))
    }

    @Test func aSecondReviewAndAReviewOfADecidedRequestAreRefused() throws {
        let store = try TestStore()
        let id = try store.submit(superuser, as: "erin")
        #expect(try store.run(["approve", id, "--version", "1", "-r", rationale], as: "dave").status == 0)
        let again = try store.run(["approve", id, "--version", "1", "-r", rationale], as: "dave")
        #expect(again.status == 3)
        #expect(again.stderr.contains("already reviewed"))
        #expect(try store.run(["deny", id, "--version", "1", "-r", "Superuser is not needed for an index rebuild"], as: "henry").status == 0)
        #expect(try store.show(id)["state"] as? String == "denied")
        let late = try store.run(["approve", id, "--version", "1", "-r", rationale], as: "sam")
        #expect(late.status == 4)
        #expect(late.stderr.contains("already denied"))
    }

    @Test func aRationaleIsRequiredAndMustBeLongEnough() throws {
        let store = try TestStore()
        let id = try store.submit(etlRequest, as: "alice")
        let before = try store.run(["audit", "export"]).stdout
        let missing = try store.run(["approve", id, "--version", "1"], as: "dave")
        #expect(missing.status == 2)
        let short = try store.run(["approve", id, "--version", "1", "-r", "   lgtm   "], as: "dave")
        #expect(short.status == 2)
        #expect(short.stderr.contains("at least 20 visible characters (it has 4)"))
        let noVersion = try store.run(["approve", id, "-r", rationale], as: "dave")
        #expect(noVersion.status == 2)
        #expect(noVersion.stderr.contains("--version"))
        #expect(try store.run(["audit", "export"]).stdout == before, "bad input changed the store")
    }

    @Test func aBadRequestFileNamesFileLineAndFieldAndWritesNothing() throws {
        let store = try TestStore()
        let good = etlRequest
        let bad = etlRequest.replacingOccurrences(of: "access: read", with: "access: sudo")
        let file = try store.file("batch.yaml", good + "\n---\n" + bad)
        let result = try store.run(["submit", file], as: "alice")
        #expect(result.status == 2)
        #expect(result.stderr.contains("batch.yaml:15:9: access: \"sudo\" is not an access level"), "\(result.stderr)")
        #expect(result.stderr.contains("nothing was submitted"))
        #expect(try store.run(["list"]).stdout.contains("no requests match"))

        let unknown = try store.file("unknown.yaml", etlRequest.replacingOccurrences(of: "owner: alice", with: "owner: alcie"))
        let named = try store.run(["submit", unknown], as: "alice")
        #expect(named.status == 2)
        #expect(named.stderr.contains("unknown.yaml:1:"))
        #expect(named.stderr.contains("did you mean \"alice\""))
        let system = try store.file("system.yaml", etlRequest.replacingOccurrences(of: "system: payments-db", with: "system: payments"))
        let systemResult = try store.run(["submit", system], as: "alice")
        #expect(systemResult.stderr.contains("system.yaml:2:9: system: \"payments\" is not in the policy catalogue"), "\(systemResult.stderr)")
    }

    @Test func aDryRunRoutesButWritesNothing() throws {
        let store = try TestStore()
        let before = try store.run(["audit", "export"]).stdout
        let dry = try store.run(["submit", "-", "--dry-run", "--json"], as: "alice", stdin: etlRequest)
        #expect(dry.status == 0, "\(dry.output)")
        let results = try Signoff.items(dry)
        #expect(results.first?["state"] as? String == "pending")
        #expect(((results.first?["route"] as? [String: Any])?["rule"] as? String)?.contains("production-read") == true)
        #expect(try store.run(["audit", "export"]).stdout == before)
    }

    @Test func onlyIntakeAgentsSubmitOnBehalfOfOthersAndBothAreSeparated() throws {
        let store = try TestStore()
        let onBehalf = "requester: alice\n" + etlRequest
        let refused = try store.run(["submit", "-"], as: "bob", stdin: onBehalf)
        #expect(refused.status == 3)
        #expect(refused.stderr.contains("may not submit on behalf of alice"))

        let id = try store.submit(onBehalf.replacingOccurrences(of: "alice", with: "dave"), as: "jira-importer")
        let shown = try store.show(id)
        #expect(shown["submitted_by"] as? String == "jira-importer")
        #expect(shown["requester"] as? String == "dave")
        // dave owns payments-db but asked for this himself.
        let own = try store.run(["approve", id, "--version", "1", "-r", rationale], as: "dave")
        #expect(own.status == 3)
        #expect(try store.run(["approve", id, "--version", "1", "-r", rationale], as: "erin").status == 0)
    }

    @Test func withdrawIsForTheRequesterOnly() throws {
        let store = try TestStore()
        let id = try store.submit(etlRequest, as: "alice")
        #expect(try store.run(["withdraw", id], as: "dave").status == 3)
        #expect(try store.run(["withdraw", id, "-r", "job moved to the warehouse"], as: "alice").status == 0)
        #expect(try store.show(id)["state"] as? String == "withdrawn")
        #expect(try store.run(["withdraw", id], as: "alice").status == 4)
    }

    @Test func asAssertedIdentityNeedsAStoreThatTrustsIt() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("signoff-strict-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("s.sqlite").path
        #expect(try Signoff.run(["init", "--store", path]).status == 0)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let result = try Signoff.run(["list", "--store", path, "--as", "dave"])
        #expect(result.status == 5)
        #expect(result.stderr.contains("does not trust asserted identities"))
        let missing = try Signoff.run(["list", "--store", directory.appendingPathComponent("none.sqlite").path])
        #expect(missing.status == 5)
        #expect(missing.stderr.contains("signoff init") && missing.stderr.contains("SIGNOFF_STORE"), "\(missing.output)")
    }

    /// "Routed to me" over a request that already has an approval reads its
    /// record to know which seats are left: the owner who approved no longer
    /// finds it, the other owner still does.
    @Test func routedToMeListsARequestWithApprovalsToThoseStillNeeded() throws {
        let store = try TestStore()
        let id = try store.submit(superuser, as: "erin")
        #expect(try store.run(["approve", id, "--version", "1", "-r", rationale], as: "dave").status == 0)
        for (person, listed) in [("dave", false), ("henry", true), ("erin", false)] {
            let queue = try store.run(["list", "--routed-to-me"], as: person)
            #expect(queue.status == 0, "\(person): \(queue.output)")
            #expect(queue.stdout.contains(id) == listed, "\(person): \(queue.output)")
        }
        let none = try store.run(["list", "--routed-to-me", "--state", "approved"], as: "henry")
        #expect(none.status == 0 && none.stdout.contains("no requests match"), "\(none.output)")
    }

    /// Someone the directory does not list has nothing routed to them and
    /// no people or systems of theirs: `list --routed-to-me` and `grants
    /// --mine` say why, so an empty answer does not read as "nothing waits".
    @Test func anEmptyAnswerForSomeoneOutsideTheDirectorySaysWhy() throws {
        let store = try TestStore()
        _ = try store.submit(superuser, as: "erin")
        let queue = try store.run(["list", "--routed-to-me"], as: "zed")
        #expect(queue.status == 0 && queue.stderr.contains("zed is not a person of the policy's directory, so nothing is routed to them"),
                "\(queue.output)")
        let grants = try store.run(["grants", "--mine"], as: "zed")
        #expect(grants.status == 0 && grants.stderr.contains("zed is not a person of the policy's directory, so no people or systems are theirs"),
                "\(grants.output)")
        #expect(try store.run(["grants", "--mine"], as: "dave").stderr.isEmpty)
    }

    /// Even where asserted identities are trusted, an asserted name is one a
    /// person could be recorded under and read back: not blank, not padded,
    /// not one of signoff's own actors, not without limit.
    @Test func anAssertedNameIsAPlainNameOfSomeone() throws {
        let store = try TestStore()
        // As the directory's names: no character that cannot be seen or reads as another.
        for name in [" ", "dave ", " dave", "signoff", "policy:extension", String(repeating: "d", count: 513),
                     "da\u{200B}ve", "fr\u{AD}ank", "dave\u{202E}", "da\u{00A0}ve", "\u{E000}dave"] {
            let refused = try store.run(["expire", "--verbose"], as: name)
            #expect(refused.status == 2 && refused.stderr.contains("--as"), "\(name.prefix(20)): \(refused.output.prefix(300))")
        }
        #expect(try store.run(["expire", "--verbose"], as: "ops").status == 0)
    }

    @Test func aNewPolicyReroutesPendingRequestsAndOldApprovalsStopCounting() throws {
        let store = try TestStore()
        let id = try store.submit(superuser, as: "erin")
        #expect(try store.run(["approve", id, "--version", "1", "-r", rationale], as: "dave").status == 0)
        let policy = try String(contentsOfFile: Signoff.example("policy.yaml"), encoding: .utf8)
        let stricter = policy.replacingOccurrences(of: """
          - name: payments-db-superuser
            when: {system: payments-db, entitlement: superuser, environment: production}
            steps:
              - {approvers: owners, count: 2}
        """, with: """
          - name: payments-db-superuser
            when: {system: payments-db, entitlement: superuser, environment: production}
            steps:
              - {approvers: "group:dba", count: 2}
        """)
        #expect(stricter != policy)
        let file = try store.file("stricter.yaml", stricter)
        let applied = try store.run(["policy", "apply", file], as: "carol")
        #expect(applied.status == 0, "\(applied.output)")
        #expect(applied.stdout.contains("1 open request(s) routed again"))
        let shown = try store.show(id)
        #expect(shown["version"] as? Int == 2)
        let steps = (shown["route"] as? [String: Any])?["steps"] as? [[String: Any]]
        #expect(steps?.first?["approvers"] as? String == "group:dba")
        #expect(steps?.first?["approved_by"] as? [String] == [])
        let stale = try store.run(["approve", id, "--version", "1", "-r", rationale], as: "henry")
        #expect(stale.status == 4)
        #expect(try store.run(["policy", "apply", file], as: "carol").stdout.contains("already in force"))
    }

    @Test func policyCheckTestAndExplain() throws {
        let check = try Signoff.run(["policy", "check", Signoff.example("policy.yaml")])
        #expect(check.status == 0, "\(check.output)")
        let test = try Signoff.run(["policy", "test", Signoff.example("policy.yaml"), Signoff.example("policy-cases.yaml")])
        #expect(test.status == 0, "\(test.output)")
        #expect(test.stdout.contains("of 12 policy cases pass") || test.stdout.contains("policy cases pass"))

        let store = try TestStore()
        let wrong = try store.file("cases.yaml", """
        cases:
          - name: expects the wrong approvers
            request:
              requester: alice
        \(etlRequest.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n"))
            expect:
              steps: [{approvers: "group:security", count: 2}]
        """)
        let failing = try Signoff.run(["policy", "test", Signoff.example("policy.yaml"), wrong])
        #expect(failing.status != 0)
        #expect(failing.stdout.contains("expected: steps 2 of group:security"))
        #expect(failing.stdout.contains("actual:   steps 1 of owners from rule production-read"))

        // What submit refuses outright (bob filing for alice, bob no intake agent) has no route to promise.
        let onBehalf = try store.file("on-behalf.yaml", """
        cases:
          - name: bob files for alice
            submitted_by: bob
            request:
              requester: alice
        \(etlRequest.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n"))
            expect:
              steps: [{approvers: owners, count: 1}]
        """)
        let refusedCase = try Signoff.run(["policy", "test", Signoff.example("policy.yaml"), onBehalf])
        #expect(refusedCase.status != 0 && refusedCase.stdout.contains("refused at submission: bob may not submit on behalf of alice"),
                "\(refusedCase.output)")
        let request = try store.file("on-behalf-request.yaml", "requester: alice\n" + etlRequest)
        let explained = try Signoff.run(["policy", "explain", "--file", request, "--policy", Signoff.example("policy.yaml"), "--as", "bob"])
        #expect(explained.status == 3 && explained.stderr.contains("submit would refuse it: ") && explained.stderr.contains("on-behalf-request.yaml:1:"),
                "\(explained.output)")

        // A file that tests nothing does not pass.
        let none = try Signoff.run(["policy", "test", Signoff.example("policy.yaml"), try store.file("none.yaml", "cases: []\n")])
        #expect(none.status == 2 && none.stderr.contains("none.yaml:1:8: cases: holds no case"), "\(none.output)")
        let bare = try Signoff.run(["policy", "test", Signoff.example("policy.yaml"), try store.file("bare.yaml", "cases:\n")])
        #expect(bare.status == 2 && bare.stderr.contains("cases: holds no case") && !bare.stderr.contains("leave the field out"), "\(bare.output)")

        let broken = try store.file("broken.yaml", "policy: x\nsettings: {minimum_rationale: ten}\n")
        let parse = try Signoff.run(["policy", "check", broken])
        #expect(parse.status == 2)
        #expect(parse.stderr.contains("broken.yaml:2:"))

        let id = try store.submit(etlRequest, as: "alice")
        let explain = try store.run(["policy", "explain", id], as: "dave")
        #expect(explain.status == 0, "\(explain.output)")
        #expect(explain.stdout.contains("production-read"))
        #expect(explain.stdout.contains("eligible     dave"))
        #expect(explain.stdout.contains("you (dave): may decide"))
    }

    @Test func hostileFieldsNeverReachTheTerminalRawButJSONKeepsThemExactly() throws {
        let store = try TestStore()
        // Terminal commands (ESC, BEL, C1) are refused at the door; what is
        // stored but must not reach a terminal raw: bidi, invisible characters.
        let refused = try store.run(["submit", "-"], as: "alice", stdin: etlRequest.replacingOccurrences(
            of: "purpose: Nightly reconciliation reads the ledger tables", with: "purpose: \"read\\e[2J\\e]0;pwned\\a \\u009B31m\""))
        #expect(refused.status == 2 && refused.stderr.contains("purpose: holds U+001B (ESC)"), "\(refused.output)")
        let hostile = etlRequest.replacingOccurrences(
            of: "purpose: Nightly reconciliation reads the ledger tables",
            with: "purpose: \"read tables \\u202Egnp.exe \\u200B\\u3164 end\"")
        let id = try store.submit(hostile, as: "alice")
        let text = try Signoff.run(["show", id, "--store", store.path], environment: ["LANG": "C.UTF-8"])
        #expect(!text.stdout.unicodeScalars.contains { $0.value == 0x202E || $0.value == 0x200B || $0.value == 0x3164 })
        #expect(text.stdout.contains("read tables �gnp.exe �� end"))
        let json = try store.run(["show", id, "--json"])
        #expect(!json.stdout.unicodeScalars.contains { $0.value == 0x202E || $0.value == 0x200B || $0.value == 0x3164 })
        let object = try #require(try Signoff.json(json) as? [String: Any])
        #expect(object["purpose"] as? String == "read tables \u{202E}gnp.exe \u{200B}\u{3164} end")
    }

    @Test(.needsStoreFile) func tamperingWithTheDatabaseFileIsDetectedAndNamed() throws {
        let store = try TestStore()
        let id = try store.submit(etlRequest, as: "alice")
        #expect(try store.run(["approve", id, "--version", "1", "-r", rationale], as: "dave").status == 0)
        #expect(try store.run(["audit", "verify"]).status == 0)

        let refusedUpdate = try sqlite(store.path, "UPDATE events SET actor = 'mallory' WHERE kind = 'review_recorded';")
        #expect(refusedUpdate.status != 0, "the trigger let an UPDATE through")
        let refusedDelete = try sqlite(store.path, "DELETE FROM events;")
        #expect(refusedDelete.status != 0, "the trigger let a DELETE through")

        let triggers = try sqlite(store.path, "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events';")
        var script = triggers.stdout.split(separator: "\n").map { "DROP TRIGGER \($0);" }.joined()
        script += "UPDATE events SET actor = 'mallory' WHERE kind = 'review_recorded';"
        #expect(try sqlite(store.path, script).status == 0)
        let sequence = try sqlite(store.path, "SELECT sequence FROM events WHERE kind = 'review_recorded';").stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let verify = try store.run(["audit", "verify"])
        #expect(verify.status == 6)
        #expect(verify.stdout.contains("first bad event \(sequence)"), "\(verify.output)")
    }

    /// `show` ends with the command that decides the request only for
    /// whoever may decide it: not for its requester, whom it tells why not,
    /// nor on a request whose row was edited behind signoff.
    @Test func showOffersTheDecisionOnlyToWhoMayMakeIt() throws {
        let store = try TestStore()
        let id = try store.submit(etlRequest, as: "alice")
        let decide = "decide: signoff approve \(id) --version 1"
        let approver = try store.run(["show", id], as: "dave").stdout
        #expect(approver.contains("you (dave) may decide") && approver.contains(decide), "\(approver)")
        let requester = try store.run(["show", id], as: "alice").stdout
        #expect(requester.contains("you (alice) may not decide") && !requester.contains("decide: signoff"), "\(requester)")
        if TestBackend.current == .sqlite {
            #expect(try sqlite(store.path, "UPDATE requests SET purpose = 'tampered' WHERE id = '\(id)'").status == 0)
            let disputed = try store.run(["show", id], as: "dave").stdout
            #expect(disputed.contains("✗ DISPUTED") && !disputed.contains("decide: signoff"), "\(disputed)")
        }
    }

    /// Whoever can write the file can make a request's row show an approver
    /// something its events do not hold (here 1 hour where 8 were asked):
    /// `approve` refuses to decide on it, names the request, and writes nothing.
    @Test(.needsStoreFile) func noApprovalIsRecordedOnARowEditedBehindSignoff() throws {
        let store = try TestStore()
        let id = try store.submit(etlRequest, as: "alice")
        #expect(try sqlite(store.path, """
            UPDATE requests SET record = replace(record, '"seconds":28800', '"seconds":3600'), duration_seconds = 3600 WHERE id = '\(id)';
            """).status == 0)
        let shown = try store.run(["show", id], as: "dave").stdout
        #expect(shown.split(separator: "\n").contains { $0.contains("duration") && $0.hasSuffix(" 1h") }, "\(shown)")
        // ... but marked: what the row says is not what the events hold.
        #expect(shown.contains("✗ DISPUTED: its rows or history hold what signoff did not write")
                && shown.contains("the request's row: the request (what its approvers are shown) differs from what its events record"),
                "\(shown)")
        try expectNoApproval(store, id, because: "the request (what its approvers are shown) differs")
    }

    /// Request `id`, whose row was edited, is marked disputed once; dave's
    /// approval of it is refused, naming `problem`, and nothing is written.
    func expectNoApproval(_ store: TestStore, _ id: String, because problem: String,
                          sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect((try store.show(id)["disputed"] as? [String])?.count == 1, sourceLocation: sourceLocation)
        let head = try store.run(["audit", "head"]).stdout
        let refused = try store.run(["approve", id, "--version", "1", "-r", rationale], as: "dave")
        #expect(refused.status == 5, "\(refused.output)", sourceLocation: sourceLocation)
        #expect(refused.stderr.contains("the stored row of \(id) is not what signoff wrote: \(problem)"), "\(refused.stderr)",
                sourceLocation: sourceLocation)
        #expect(try store.run(["audit", "head"]).stdout == head, "nothing was written", sourceLocation: sourceLocation)
        #expect(try store.run(["audit", "verify"]).status == 6, sourceLocation: sourceLocation)
    }

    /// The columns `list`, the queue and the filters read are held to the
    /// row's own record: edited alone, they would show one request while the
    /// approver decides another.
    @Test(.needsStoreFile) func noApprovalIsRecordedOnARowWhoseColumnsWereEdited() throws {
        let store = try TestStore()
        let id = try store.submit(etlRequest, as: "alice")
        #expect(try sqlite(store.path, "UPDATE requests SET access = 'admin', purpose = 'tampered' WHERE id = '\(id)'").status == 0)
        let shown = try store.run(["show", id], as: "dave").stdout
        #expect(shown.contains("✗ DISPUTED") && shown.contains("access is admin in its row, read in its record"), "\(shown)")
        try expectNoApproval(store, id, because: "access is admin in its row, read in its record")
    }

    /// A share group the store's files cannot be given to is refused before
    /// anything is recorded, as `init` refuses it.
    @Test(.needsStoreFile) func aShareGroupThatDoesNotExistIsRefusedAndNothingIsRecorded() throws {
        let store = try TestStore()
        let head = try store.run(["audit", "head"]).stdout
        let refused = try store.run(["settings", "--share-group", "no-such-group-\(UUID().uuidString.prefix(6))"], as: "carol")
        #expect(refused.status == 2 && refused.stderr.contains("does not exist on this machine"), "\(refused.output)")
        #expect(try store.run(["audit", "head"]).stdout == head, "nothing was recorded")
        let settings = try store.run(["settings"]).stdout
        #expect(settings.contains("share group: none (files 0600)"), "\(settings)")
        #expect(try FileManager.default.attributesOfItem(atPath: store.path)[.posixPermissions] as? Int == 0o600)
        // Other changes go on as before.
        #expect(try store.run(["settings", "--stop-trusting-asserted-identities"], as: "carol").status == 0)
    }

    /// Whoever can write the file can edit the `settings` row; commands go
    /// by the settings the events set, so a store that stopped trusting
    /// asserted identities refuses `--as` and a chosen clock whatever the row
    /// says, gives its files to no group the row names, and verify names the row.
    @Test(.needsStoreFile) func anEditedSettingsRowIsNotBelieved() throws {
        let store = try TestStore()
        let id = try store.submit(etlRequest, as: "alice")
        #expect(try store.run(["settings", "--stop-trusting-asserted-identities"], as: "carol").status == 0)
        let group = String(cString: getgrgid(getegid())!.pointee.gr_name)
        #expect(try sqlite(store.path, "UPDATE settings SET trust_asserted_identities = 1, share_group = '\(group)'").status == 0)
        let head = try store.run(["audit", "head"]).stdout
        let approved = try store.run(["approve", id, "--version", "1", "-r", rationale], as: "dave", at: "2026-12-07T11:00:00Z")
        #expect(approved.status != 0 && approved.stderr.contains("--as"), "\(approved.output)")
        #expect(try store.run(["audit", "head"]).stdout == head, "nothing was recorded")
        #expect(try FileManager.default.attributesOfItem(atPath: store.path)[.posixPermissions] as? Int == 0o600,
                "the files were not given to the group the row names")
        let verify = try store.run(["audit", "verify"])
        #expect(verify.status != 0 && verify.stdout.contains("trust_asserted_identities is 1; the events say 0"), "\(verify.output)")
    }

    /// Whoever can write the file can append a well-chained approval of their
    /// own request, in their own name; verify replays it under the policy and
    /// names it.
    /// alice's review, approval and grant of her own request `id`, appended
    /// straight into the store file as anyone who can write it could.
    static func appendSelfApproval(_ store: TestStore, _ id: String,
                                   incidentReview: EventBody.IncidentReviewDue? = nil) throws {
        let alice = Principal(name: "alice", authentication: .asserted)
        let writer = try Store.open(at: store.path)
        try writer.write { tx in
            let record = try #require(try tx.record(id))
            let now = Date()
            let version = record.policyVersion ?? ""
            try tx.append(EventDraft(requestID: id, actor: alice, at: now, body: .reviewRecorded(.init(
                verdict: .approve, rationale: "looks fine to me", requestVersion: record.version, policyVersion: version))))
            try tx.append(EventDraft(requestID: id, actor: alice, at: now, body: .requestDecided(.init(
                state: .approved, by: ["alice"], policyVersion: version, reason: "every step satisfied"))))
            try tx.append(EventDraft(requestID: id, actor: alice, at: now, body: .grantIssued(.init(
                terms: GrantTerms(record: record), approvers: ["alice"], policyVersion: version, duration: record.request.duration,
                startsAt: now, expiresAt: now.addingTimeInterval(TimeInterval(record.request.duration.seconds)),
                selfActivated: false, incidentReview: incidentReview))))
        }
    }

    /// A grant with a post-incident review, written into the file by hand, is
    /// flagged in the list of reviews as in the list of grants.
    @Test(.needsStoreFile) func aForgedGrantIsDisputedInTheListOfIncidentReviews() throws {
        let store = try TestStore()
        let forged = try store.submit(etlRequest, as: "alice")
        try Self.appendSelfApproval(store, forged, incidentReview: .init(reviewers: "person:dave", dueAt: Date().addingTimeInterval(86_400)))
        let line = try store.run(["incident-reviews"]).stdout
        #expect(line.hasPrefix("\(forged)  ✗ DISPUTED: `signoff show \(forged)`  due in "), "\(line)")
        let reviews = try Signoff.items(try store.run(["incident-reviews", "--json"]))
        let grant = try #require(reviews.first?["grant"] as? [String: Any], "\(reviews)")
        #expect((grant["disputed"] as? [String])?.isEmpty == false, "\(grant)")
    }

    @Test(.needsStoreFile) func aWellChainedSelfApprovalIsNamed() throws {
        let store = try TestStore()
        let id = try store.submit(etlRequest, as: "alice")
        #expect(try store.run(["audit", "verify"]).status == 0)
        try Self.appendSelfApproval(store, id)
        let verify = try store.run(["audit", "verify"])
        #expect(verify.status == 6, "\(verify.output)")
        #expect(verify.stdout.contains("ok   hash chain"), "the chain itself holds: \(verify.output)")
        #expect(verify.stdout.contains("FAIL events, request \(id), event ") && verify.stdout.contains(
            "review_recorded by alice: a review signoff refuses: alice requested \(id) and may not review it"), "\(verify.output)")
        #expect(verify.stdout.contains("request_decided by alice: approves \(id) before every step was satisfied"), "\(verify.output)")
    }

    /// A store whose hand-off (set by ops) writes to an outbox folder; the
    /// folder; and the documents written there for a request.
    func storeHandingOffToAnOutbox() throws -> (TestStore, URL, (String) throws -> [String]) {
        let store = try TestStore()
        let outbox = store.directory.appendingPathComponent("outbox")
        try FileManager.default.createDirectory(at: outbox, withIntermediateDirectories: true)
        #expect(try store.run(["handoff", "--outbox", outbox.path], as: "ops").status == 0)
        return (store, outbox, { id in try FileManager.default.contentsOfDirectory(atPath: outbox.path).filter { $0.hasPrefix("\(id)-") } })
    }

    /// Rows edited behind signoff (here the entitlement of a grant waiting
    /// for its hand-off) are never handed to provisioning as access to give:
    /// the hand-off is recorded failed, naming the column. Taking the access
    /// away is never held up, and the removal document names what the events
    /// granted, not what the edited row says.
    @Test(.needsStoreFile) func aGrantWhoseRowsWereEditedIsNeverHandedOffButItsRemovalIs() throws {
        let (store, outbox, documents) = try storeHandingOffToAnOutbox()
        func edit(_ id: String) throws {
            #expect(try sqlite(store.path, "UPDATE grants SET entitlement = 'superuser' WHERE request_id = '\(id)';").status == 0)
        }
        // Edited while its hand-off waits: never handed off.
        let waiting = try store.submit(etlRequest, as: "alice")
        #expect(try store.run(["approve", waiting, "--version", "1", "-r", rationale], as: "dave").status == 0)
        try edit(waiting)
        let retry = try store.run(["handoff", "retry"], as: "ops")
        #expect(retry.output.contains("not handed off: signoff records no such decision (the grant's rows: entitlement is "),
                "\(retry.output)")
        #expect(try documents(waiting).isEmpty, "nothing reached provisioning")

        // Edited once given: its removal goes ahead, for what was granted.
        let given = try store.submit(etlRequest, as: "alice")
        #expect(try store.run(["approve", given, "--version", "1", "-r", rationale], as: "dave").status == 0)
        // (Each retry also reports the refused hand-off above, so it exits 3.)
        _ = try store.run(["handoff", "retry"], as: "ops")
        #expect(try documents(given).count == 1)
        let granted = try #require(try store.show(given)["grant"] as? [String: Any])["entitlement"] as? String
        try edit(given)
        let revoked = try store.run(["revoke", given, "-r", "the reconciliation moved to the warehouse"], as: "alice")
        #expect(revoked.status == 0, "\(revoked.output)")
        let removed = try store.run(["handoff", "retry"], as: "ops")
        let removal = try #require(try documents(given).first { $0.contains("-revoke-") }, "the removal was handed off: \(removed.output)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: outbox.appendingPathComponent(removal)))
                                    as? [String: Any])
        #expect(document["action"] as? String == "revoke")
        #expect(document["entitlement"] as? String == granted, "\(document)")
        #expect(granted != "superuser")
    }

    /// The hand-off gives access only for decisions signoff records: a
    /// self-approval written into the file is recorded as a failed hand-off,
    /// with the reason, and never reaches provisioning; a real approval and
    /// its extension are handed off as before. `show` and `grants` mark it disputed.
    @Test(.needsStoreFile) func aSelfApprovalWrittenIntoTheFileIsNeverHandedOff() throws {
        let (store, _, documents) = try storeHandingOffToAnOutbox()
        let real = try store.submit(etlRequest, as: "alice")
        #expect(try store.run(["approve", real, "--version", "1", "-r", rationale], as: "dave").status == 0)
        // Delivered by the identity that set the hand-off (dave's approval leaves it pending for ops).
        #expect(try store.run(["handoff", "retry"], as: "ops").status == 0)
        #expect(try documents(real).count == 1)
        let extended = try store.run(["extend", real, "--by", "2h", "--json"], as: "alice")
        #expect(extended.status == 0, "\(extended.output)")
        let extensionID = try #require(try Signoff.items(extended).first?["id"] as? String, "\(extended.output)")
        #expect(try store.run(["approve", extensionID, "--version", "1", "-r", rationale], as: "dave").status == 0)
        #expect(try store.run(["handoff", "retry"], as: "ops").status == 0)
        #expect(try documents(real).count == 2, "the extension is handed off too")

        let forged = try store.submit(etlRequest, as: "alice")
        try Self.appendSelfApproval(store, forged)
        let retry = try store.run(["handoff", "retry"], as: "ops")
        #expect(retry.output.contains("not handed off: signoff records no such decision (event "), "\(retry.output)")
        #expect(try documents(forged).isEmpty, "nothing reached provisioning")
        // Retried again (as from a crontab), it says so without recording the refusal twice.
        let head = try store.run(["audit", "head"]).stdout
        let again = try store.run(["handoff", "retry"], as: "ops")
        #expect(again.output.contains("not handed off: signoff records no such decision"), "\(again.output)")
        #expect(try store.run(["audit", "head"]).stdout == head, "the chain did not grow")
        #expect(try documents(forged).isEmpty)
        let provisioning = try #require(try store.show(forged)["grant"] as? [String: Any])["provisioning"] as? [String: Any]
        #expect(provisioning?["state"] as? String == "failed", "\(String(describing: provisioning))")
        #expect((provisioning?["reason"] as? String)?.contains("review_recorded by alice: a review signoff refuses") == true,
                "\(String(describing: provisioning))")
        // show marks it disputed, in text and JSON; the real grant is not.
        let shown = try store.run(["show", forged])
        #expect(shown.stdout.contains("✗ DISPUTED: its rows or history hold what signoff did not write")
                && shown.stdout.contains("request_decided by alice: approves \(forged) before every step was satisfied"), "\(shown.output)")
        #expect((try store.show(forged)["disputed"] as? [String])?.count == 2)
        #expect((try store.show(real)["disputed"] as? [String]) == [])
        #expect(try !store.run(["show", real]).stdout.contains("DISPUTED"))
        // So does the list of grants, where managers and scripts look.
        let listed = try store.run(["grants"]).stdout.split(separator: "\n")
        #expect(listed.contains { $0.hasPrefix(forged + " ") && $0.contains("✗ DISPUTED: `signoff show \(forged)`") }, "\(listed)")
        #expect(listed.contains { $0.hasPrefix(real + " ") && !$0.contains("DISPUTED") }, "\(listed)")
        let grants = try Signoff.items(try store.run(["grants", "--json"]))
        #expect((grants.first { $0["request_id"] as? String == forged }?["disputed"] as? [String])?.count == 2, "\(grants)")
        #expect((grants.first { $0["request_id"] as? String == real }?["disputed"] as? [String]) == [], "\(grants)")
        // The refusal is itself evidence, and verify still names the decision.
        #expect(try store.run(["audit", "verify"]).status == 6)
    }

    /// Reconciliation counts no grant approved by hand: the access the
    /// platform shows for it is unapproved, while a real grant's is not.
    @Test(.needsStoreFile) func reconciliationCountsNoGrantWrittenIntoTheFile() throws {
        let store = try TestStore()
        let real = try store.submit(etlRequest, as: "alice")
        #expect(try store.run(["approve", real, "--version", "1", "-r", rationale], as: "dave").status == 0)
        let forged = try store.submit(etlRequest.replacingOccurrences(of: "svc-ledger-etl", with: "svc-ledger-audit"), as: "alice")
        try Self.appendSelfApproval(store, forged)
        // Read after the approval (exports state whole seconds; a grant approved after the read counts for nothing).
        let now = ISO8601DateFormatter().string(from: Date().addingTimeInterval(2))
        let export = try store.file("export.jsonl", [ReconcileTests.line("svc-ledger-etl", id: "pg-1", at: now),
                                                     ReconcileTests.line("svc-ledger-audit", id: "pg-2", at: now)]
            .joined(separator: "\n") + "\n")
        let run = try store.run(["reconcile", "generic", export, "--covers", "payments-db/production", "--json"], as: "ops")
        #expect(run.status == 9, "\(run.output)")
        let opened = try #require((try Signoff.json(run) as? [String: Any])?["opened"] as? [[String: Any]], "\(run.output)")
        #expect(opened.count == 1, "\(opened)")
        #expect((opened.first?["subject"] as? [String: Any])?["name"] as? String == "svc-ledger-audit", "\(opened)")
        #expect(opened.first?["kind"] as? String == "unapproved", "\(opened)")
    }

    /// Whoever can write the file can cut history short and leave a chain
    /// that verifies; an anchor kept elsewhere shows it.
    @Test(.needsStoreFile) func anAnchorShowsHistoryCutShortThatTheChainAloneCannot() throws {
        let store = try TestStore()
        _ = try store.submit(etlRequest, as: "alice")
        let hidden = try store.submit(etlRequest, as: "alice")
        let head = try store.run(["audit", "head"])
        #expect(head.status == 0, "\(head.output)")
        let anchor = head.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try store.run(["audit", "verify", "--anchor", anchor]).stdout.contains("ok   anchors: the chain holds all 1"))

        // The last request is removed with its events and its row: a shorter, valid chain.
        // A careful forger also puts the triggers back and the counter back.
        let triggers = try sqlite(store.path, "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events';")
        let definitions = try sqlite(store.path, "SELECT sql || ';' FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events';")
        var script = triggers.stdout.split(separator: "\n").map { "DROP TRIGGER \($0);" }.joined()
        script += "DELETE FROM events WHERE request_id = '\(hidden)'; DELETE FROM requests WHERE id = '\(hidden)';"
        script += "UPDATE counters SET value = value - 1 WHERE name = 'request_number';" + definitions.stdout
        #expect(try sqlite(store.path, script).status == 0)
        let plain = try store.run(["audit", "verify"])
        #expect(plain.status == 0, "the chain alone cannot tell: \(plain.output)")

        let verify = try store.run(["audit", "verify", "--anchor", anchor])
        #expect(verify.status == 6, "\(verify.output)")
        let sequence = try #require(anchor.split(separator: ":").first)
        #expect(verify.stdout.contains("FAIL anchor: there is no event \(sequence): the chain was cut short or rewritten"),
                "\(verify.output)")
        #expect(try store.run(["audit", "verify", "--anchor", "12:abc"]).status == 2)
    }

    @Test func exportWritesTheEvidenceChainAsJSONLinesAndCSV() throws {
        let store = try TestStore()
        let id = try store.submit(etlRequest, as: "alice")
        #expect(try store.run(["approve", id, "--version", "1", "-r", "Fine, \"quoted\", and\nmulti-line"], as: "dave").status == 0)
        let jsonl = try store.run(["audit", "export", "--request", id])
        let lines = jsonl.stdout.split(separator: "\n")
        #expect(lines.count == 6, "the policy it was routed under, then the request's five events (the grant too)")
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["hash"] is String)
        }
        let csv = try store.run(["audit", "export", "--request", id, "--format", "csv"])
        #expect(csv.status == 0)
        // The payload is JSON (quotes escaped as \"), and CSV doubles every quote in a field.
        #expect(csv.stdout.contains(#"Fine, \""quoted\"", and\nmulti-line"#), "\(csv.stdout)")
        #expect(csv.stdout.split(separator: "\r\n").count == 7)
    }
}

/// Runs the sqlite3 shell on a store file, as someone tampering with it would.
func sqlite(_ path: String, _ sql: String) throws -> Signoff.Result {
    try tool(["sqlite3", path, sql])
}

/// Runs a program found on PATH to completion, with what it printed.
func tool(_ arguments: [String]) throws -> Signoff.Result {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Signoff.Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                          stderr: String(decoding: stderr, as: UTF8.self))
}
