import Foundation
import SignoffCore
import Testing

/// Grants through the real binary: the clock is moved with SIGNOFF_NOW, which
/// only a store that trusts asserted identities accepts.
@Suite("Grants, end to end")
struct GrantTests {
    static let t0 = "2026-11-21T03:00:00Z"

    /// An approved 8h grant for the ETL request, approved at `t0`.
    func approvedGrant(_ store: TestStore) throws -> String {
        let id = try store.submit(etlRequest, as: "alice", at: Self.t0)
        let approved = try store.run(["approve", id, "--version", "1", "-r", rationale], as: "dave", at: Self.t0)
        #expect(approved.status == 0, "\(approved.output)")
        return id
    }

    func grant(_ store: TestStore, _ id: String) throws -> [String: Any] {
        try #require(try store.show(id)["grant"] as? [String: Any])
    }

    func provisioning(_ grant: [String: Any]) -> [String: Any] {
        grant["provisioning"] as? [String: Any] ?? [:]
    }

    @Test func theSweepExpiresAtTheBoundaryOnceAndTimesOutStaleRequests() throws {
        let store = try TestStore()
        let id = try approvedGrant(store)
        #expect(try grant(store, id)["expires_at"] as? String == "2026-11-21T11:00:00.000Z")
        let stale = try store.submit(etlRequest, as: "alice", at: Self.t0)
        let outbox = store.directory.appendingPathComponent("outbox")
        try FileManager.default.createDirectory(at: outbox, withIntermediateDirectories: true)
        #expect(try store.run(["handoff", "--outbox", outbox.path], as: "ops").status == 0)

        // Reading commands keep the same clock as the ones that write.
        let listed = try store.run(["grants", "--json"], at: "2026-11-21T09:00:00Z")
        let timeLeft = try Signoff.items(listed).first?["time_left_text"] as? String
        #expect(timeLeft == "2h left", "\(listed.output)")
        let early = try store.run(["expire", "--json"], as: "ops", at: "2026-11-21T10:59:59Z")
        #expect(early.status == 0, "\(early.output)")
        #expect((try Signoff.json(early) as? [String: Any])?["expired"] as? [String] == [])

        let due = try store.run(["expire", "--json"], as: "ops", at: "2026-11-21T11:00:00Z")
        #expect((try Signoff.json(due) as? [String: Any])?["expired"] as? [String] == [id])
        #expect(try grant(store, id)["state"] as? String == "expired")
        // The expiry goes to provisioning, to take the access away.
        let documents = try FileManager.default.contentsOfDirectory(atPath: outbox.path)
        #expect(documents.count == 1 && documents[0].hasPrefix("\(id)-expire-"), "\(documents)")
        #expect(provisioning(try grant(store, id))["state"] as? String == "handed_off")
        let again = try store.run(["expire"], as: "ops", at: "2026-11-21T12:00:00Z")
        // Nothing due: nothing printed, so a cron line mails only when something happened.
        #expect(again.status == 0 && again.stdout.isEmpty && again.stderr.isEmpty, "\(again.output)")
        let told = try store.run(["expire", "--verbose"], as: "ops", at: "2026-11-21T12:00:00Z")
        #expect(told.stdout.contains("nothing was due at 2026-11-21T12:00:00Z"), "\(told.output)")

        // The policy's pending timeout is 72h.
        let timeout = try store.run(["expire", "--json"], as: "ops", at: "2026-11-24T03:00:00Z")
        #expect((try Signoff.json(timeout) as? [String: Any])?["timed_out"] as? [String] == [stale])
        #expect(try store.show(stale)["state"] as? String == "timed_out")
        #expect(try store.run(["audit", "verify"]).status == 0)
    }

    /// Where the clock starts at provisioning, it still stops at the end the
    /// request asked for: a late confirmation cannot carry access past it.
    @Test func provisioningCannotCarryAccessPastTheWindowAskedFor() throws {
        let example = try String(contentsOfFile: Signoff.example("policy.yaml"), encoding: .utf8)
        #expect(example.contains("access_starts: approval"))
        let policy = FileManager.default.temporaryDirectory.appendingPathComponent("signoff-provisioning-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: policy) }
        try example.replacingOccurrences(of: "access_starts: approval", with: "access_starts: provisioning")
            .write(to: policy, atomically: true, encoding: .utf8)
        let store = try TestStore(policy: policy.path)
        let window = etlRequest.replacingOccurrences(of: "duration: 8h", with: "start: 2026-11-21T03:00:00Z\nend: 2026-11-21T11:00:00Z")
        let id = try store.submit(window, as: "alice", at: Self.t0)
        #expect(try store.run(["approve", id, "--version", "1", "-r", rationale], as: "dave", at: Self.t0).status == 0)
        let waiting = try grant(store, id)
        #expect(waiting["state"] as? String == "awaiting_provisioning" && waiting["expires_at"] is NSNull, "\(waiting)")
        #expect(waiting["ends_by"] as? String == "2026-11-21T11:00:00.000Z", "\(waiting)")
        #expect(try store.run(["show", id], at: Self.t0).stdout.contains("8h from provisioning, and by 2026-11-21T11:00:00Z at the latest"))

        // Confirmed four hours before the end: four hours, not eight.
        let confirmed = try store.run(["provisioned", id], as: "ops", at: "2026-11-21T07:00:00Z")
        #expect(confirmed.status == 0, "\(confirmed.output)")
        let active = try grant(store, id)
        #expect(active["state"] as? String == "active" && active["expires_at"] as? String == "2026-11-21T11:00:00.000Z", "\(active)")
        #expect(active["duration_seconds"] as? Int == 4 * 3600, "\(active)")
        let due = try store.run(["expire", "--json"], as: "ops", at: "2026-11-21T11:00:00Z")
        #expect((try Signoff.json(due) as? [String: Any])?["expired"] as? [String] == [id], "\(due.output)")
        #expect(try store.run(["audit", "verify"]).status == 0)
    }

    /// A start and a duration ask for a window as a start and an end do: an
    /// approval an hour into it grants the hour left, and one after it grants nothing.
    @Test func aStartAndADurationAreAWindowTheGrantKeepsTo() throws {
        let store = try TestStore()
        let window = etlRequest.replacingOccurrences(of: "duration: 8h", with: "start: 2026-11-21T03:00:00Z\nduration: 2h")
        let (late, tooLate) = (try store.submit(window, as: "alice", at: Self.t0), try store.submit(window, as: "alice", at: Self.t0))
        #expect(try store.show(late)["end"] as? String == "2026-11-21T05:00:00.000Z", "the approver is shown the window's end")
        #expect(try store.run(["approve", late, "--version", "1", "-r", rationale], as: "dave", at: "2026-11-21T04:00:00Z").status == 0)
        #expect(try grant(store, late)["expires_at"] as? String == "2026-11-21T05:00:00.000Z")
        let after = try store.run(["approve", tooLate, "--version", "1", "-r", rationale], as: "dave", at: "2026-11-21T06:00:00Z")
        #expect(after.status == 0 && after.stdout.contains("denied"), "\(after.output)")
        #expect(try store.show(tooLate)["state"] as? String == "denied")
        #expect(try store.run(["audit", "verify"]).status == 0)
    }

    /// Someone eligible for a step that already has its approvals may deny,
    /// not approve: `show` says so, an approval is refused and recorded (it
    /// would count for nothing, and use up the review), and the denial denies.
    @Test func anApprovalThatWouldCountForNoStepIsRefusedAndTheDenialStands() throws {
        let store = try TestStore()
        let id = try store.submit(superuser, as: "erin", at: Self.t0)
        #expect(try store.run(["approve", id, "--version", "1", "-r", "Repair approved, checked CHG-881"], as: "sam", at: Self.t0).status == 0)
        let shown = try store.run(["show", id], as: "tina", at: Self.t0)
        #expect(shown.stdout.contains("you (tina) may deny, not approve"), "\(shown.stdout)")
        let head = try store.run(["audit", "head"]).stdout
        let approval = try store.run(["approve", id, "--version", "1", "-r", "Looks fine to me as well, checked"], as: "tina", at: Self.t0)
        #expect(approval.status == 3 && approval.stderr.contains("would count for no step"), "\(approval.output)")
        #expect(try store.run(["audit", "head"]).stdout != head, "the refused attempt is evidence")
        let denial = try store.run(["deny", id, "--version", "1", "-r", "Superuser is more than an index repair needs"], as: "tina", at: Self.t0)
        #expect(denial.status == 0, "\(denial.output)")
        #expect(try store.show(id)["state"] as? String == "denied")
        #expect(try store.run(["audit", "verify"]).status == 0)
    }

    /// One grant row edited behind signoff holds up no other grant's end:
    /// the sweep expires the rest, names it, and exits 6.
    @Test(.needsStoreFile) func anUnreadableGrantRowHoldsUpNoOtherExpiry() throws {
        let store = try TestStore()
        let first = try approvedGrant(store), second = try approvedGrant(store)
        #expect(try sqlite(try store.storeFile(), "UPDATE grant_status SET provisioning = 'x' WHERE request_id = '\(second)'").status == 0)
        let swept = try store.run(["expire", "--json"], as: "ops", at: "2026-11-21T11:00:00Z")
        #expect(swept.status == 6, "\(swept.output)")
        let result = try Signoff.json(swept) as? [String: Any]
        #expect(result?["expired"] as? [String] == [first] && result?["unreadable"] as? [String] == [second], "\(swept.output)")
        #expect(try grant(store, first)["state"] as? String == "expired")
        let text = try store.run(["expire"], as: "ops", at: "2026-11-21T12:00:00Z")
        #expect(text.status == 6 && text.stderr.contains("the grant rows of \(second) cannot be read"), "\(text.output)")
    }

    @Test func twoSweepsAtOnceExpireEachGrantExactlyOnce() throws {
        let store = try TestStore()
        let ids = try (0..<6).map { _ in try approvedGrant(store) }
        // On PostgreSQL both sweeps fold the store into one cache of their
        // account that neither has made yet, as two timers of a new host
        // would: they make and open that fold at once.
        let cache = store.directory.appendingPathComponent("sweeps-cache").path
        let processes = try (0..<2).map { _ -> (Process, URL, URL) in
            let out = store.directory.appendingPathComponent("sweep-\(UUID().uuidString)")
            let err = out.appendingPathExtension("err")
            #expect(FileManager.default.createFile(atPath: out.path, contents: nil))
            #expect(FileManager.default.createFile(atPath: err.path, contents: nil))
            let process = Process()
            process.executableURL = Signoff.binary
            process.arguments = ["expire", "--json", "--store", store.path, "--as", "ops"]
            var environment = ProcessInfo.processInfo.environment
            environment["SIGNOFF_NOW"] = "2026-11-22T00:00:00Z"
            environment["XDG_CONFIG_HOME"] = store.environment()["XDG_CONFIG_HOME"]
            environment["XDG_CACHE_HOME"] = cache
            process.environment = environment
            process.standardOutput = try FileHandle(forWritingTo: out)
            process.standardError = try FileHandle(forWritingTo: err)
            try process.run()
            return (process, out, err)
        }
        var expired: [String] = []
        for (process, out, err) in processes {
            process.waitUntilExit()
            let stderr = String(decoding: try Data(contentsOf: err), as: UTF8.self)
            #expect(process.terminationStatus == 0, "\(stderr)")
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: out)) as? [String: Any]
            expired += object?["expired"] as? [String] ?? []
        }
        #expect(expired.sorted() == ids.sorted())
        #expect(try store.run(["audit", "verify"]).status == 0)
    }

    @Test func revocationByAllowedRolesOnlyAndByTrigger() throws {
        let store = try TestStore()
        let id = try approvedGrant(store)
        let outsider = try store.run(["revoke", id, "-r", "I do not like this grant at all"], as: "quinn")
        #expect(outsider.status == 3, "\(outsider.output)")
        #expect(outsider.stderr.contains("may not revoke"))
        #expect(try grant(store, id)["state"] as? String == "active")
        // The attempt is evidence: who tried, and why it was refused.
        let attempt = (try store.show(id)["timeline"] as? [[String: Any]])?.last
        #expect(attempt?["kind"] as? String == "action_refused", "\(attempt ?? [:])")
        #expect(attempt?["actor"] as? String == "quinn")
        #expect((attempt?["summary"] as? String)?.hasPrefix("revoke refused (not_eligible)") == true, "\(attempt ?? [:])")
        #expect(try store.run(["audit", "verify"]).status == 0)

        let second = try approvedGrant(store)
        let fired = try store.run(["trigger", "ticket_closed", "--ref", "OPS-1234"], as: "jira-importer")
        #expect(fired.status == 0, "\(fired.output)")
        #expect(fired.stdout.contains("revoked 2 grant(s)"))
        #expect(try grant(store, second)["state"] as? String == "revoked")
        #expect(try store.run(["trigger", "ticket_closd", "--ref", "OPS-1234"]).stderr.contains("did you mean ticket_closed"))

        let third = try approvedGrant(store)
        let byRequester = try store.run(["revoke", third, "-r", "the reconciliation moved to the warehouse"], as: "alice")
        #expect(byRequester.status == 0, "\(byRequester.output)")
        let flags = (try grant(store, third)["flags"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }
        #expect(flags.contains { $0.hasPrefix("not removed") }, "\(flags)")
    }

    @Test func anExtensionIsARequestAndExtendsOnlyWhenApproved() throws {
        let store = try TestStore()
        let id = try approvedGrant(store)
        let tooLong = try store.run(["extend", id, "--by", "61d"], as: "alice", at: Self.t0)
        #expect(tooLong.status == 3, "\(tooLong.output)")
        #expect(tooLong.stderr.contains("maximum total"))

        let asked = try store.run(["extend", id, "--by", "8h", "--json"], as: "alice", at: Self.t0)
        #expect(asked.status == 0, "\(asked.output)")
        let extensionID = try #require(try Signoff.items(asked).first?["id"] as? String)
        #expect(try grant(store, id)["expires_at"] as? String == "2026-11-21T11:00:00.000Z", "not extended before approval")
        let approved = try store.run(["approve", extensionID, "--version", "1", "-r", "the backfill needs one more night"], as: "dave", at: Self.t0)
        #expect(approved.status == 0, "\(approved.output)")
        let extended = try grant(store, id)
        #expect(extended["expires_at"] as? String == "2026-11-21T19:00:00.000Z")
        #expect(extended["extensions"] as? [String] == [extensionID])

        let denied = try store.run(["extend", id, "--by", "8h", "--json"], as: "alice", at: Self.t0)
        let deniedID = try #require(try Signoff.items(denied).first?["id"] as? String)
        #expect(try store.run(["deny", deniedID, "--version", "1", "-r", "two nights are enough for a backfill"], as: "dave",
                              at: Self.t0).status == 0)
        #expect(try grant(store, id)["expires_at"] as? String == "2026-11-21T19:00:00.000Z")
    }

    /// Whoever can write the file can push a grant's expiry out by a month
    /// with no event behind it. The grant then lists as disputed, and no
    /// access is given on it: the extension approved against its rows is
    /// refused, naming the column, with nothing written. Taking access away
    /// is never held up: a revocation still ends it.
    @Test(.needsStoreFile) func noGrantIsDecidedOnWhenItsRowsWereEditedBehindSignoff() throws {
        let store = try TestStore()
        let id = try approvedGrant(store)
        let untouched = try approvedGrant(store)
        let asked = try store.run(["extend", id, "--by", "8h", "--json"], as: "alice", at: Self.t0)
        let extensionID = try #require(try Signoff.items(asked).first?["id"] as? String)
        #expect(try sqlite(store.path, "UPDATE grant_status SET expires_at = expires_at + 2592000000 WHERE request_id = '\(id)';").status == 0)

        let listed = try Signoff.items(try store.run(["grants", "--all", "--json"]))
        let disputed = listed.first { $0["request_id"] as? String == id }?["disputed"] as? [String] ?? []
        #expect(disputed.first?.hasPrefix("the grant's rows: expires_at is ") == true, "\(listed)")
        #expect(listed.first { $0["request_id"] as? String == untouched }?["disputed"] as? [String] ?? [] == [], "\(listed)")

        let head = try store.run(["audit", "head"]).stdout
        let edited = "the stored row of \(id) is not what signoff wrote: its grant differs from what its events record (expires_at is "
        let approved = try store.run(["approve", extensionID, "--version", "1", "-r", "the backfill needs one more night"], as: "dave",
                                     at: Self.t0)
        #expect(approved.status == 5, "\(approved.output)")
        #expect(approved.stderr.contains(edited), "\(approved.stderr)")
        #expect(try store.run(["audit", "head"]).stdout == head, "nothing was written")
        let revoked = try store.run(["revoke", id, "-r", "the reconciliation moved to the warehouse"], as: "alice")
        #expect(revoked.status == 0, "\(revoked.output)")
        #expect(try grant(store, id)["state"] as? String == "revoked")
        #expect(try store.run(["audit", "verify"]).status == 6, "the edited expiry is still named")
        // The untouched grant's extension is approved as ever.
        let other = try store.run(["extend", untouched, "--by", "8h", "--json"], as: "alice", at: Self.t0)
        let otherID = try #require(try Signoff.items(other).first?["id"] as? String)
        #expect(try store.run(["approve", otherID, "--version", "1", "-r", "the backfill needs one more night"], as: "dave",
                              at: Self.t0).status == 0)
    }

    /// A row edited to say a grant already ended, or ends a month later, does
    /// not keep it from ending: `revoke` and a trigger act on the grant as
    /// its events give it (still active), and the rows keep the edit for
    /// `audit verify` to name.
    @Test(.needsStoreFile) func anEditedRowKeepsNoGrantFromBeingRevoked() throws {
        let store = try TestStore()
        let (byHand, byTrigger, later) = (try approvedGrant(store), try approvedGrant(store), try approvedGrant(store))
        #expect(try sqlite(store.path, """
            UPDATE grant_status SET state = 'expired' WHERE request_id IN ('\(byHand)', '\(byTrigger)');
            UPDATE grant_status SET expires_at = expires_at + 2592000000 WHERE request_id = '\(later)';
            """).status == 0)
        #expect(try grant(store, byHand)["state"] as? String == "expired", "the rows are what is listed")

        let revoked = try store.run(["revoke", byHand, "-r", "the reconciliation moved to the warehouse"], as: "alice", at: Self.t0)
        #expect(revoked.status == 0, "\(revoked.output)")
        // Said, since the revocation writes its own state over the edited one.
        #expect(revoked.stderr.contains("warning: the grant rows of \(byHand) differ from its events (state is "), "\(revoked.stderr)")
        #expect(try grant(store, byHand)["state"] as? String == "revoked")
        let fired = try store.run(["trigger", "ticket_closed", "--ref", "OPS-1234", "--json"], as: "jira-importer", at: Self.t0)
        #expect(fired.status == 0, "\(fired.output)")
        let firedDocument = try #require(try Signoff.json(fired) as? [String: Any])
        #expect(Set(firedDocument["revoked"] as? [String] ?? []) == [byTrigger, later], "\(fired.output)")
        // With --json the document says it, as stderr does for people.
        let warnings = firedDocument["warnings"] as? [String] ?? []
        #expect(warnings.contains { $0.hasPrefix("the grant rows of \(byTrigger) differ from its events (state is ") }, "\(warnings)")
        #expect(warnings.contains { $0.hasPrefix("the grant rows of \(later) differ from its events (expires_at is ") }, "\(warnings)")
        let fireText = try store.run(["trigger", "ticket_closed", "--ref", "OPS-1234"], as: "jira-importer", at: Self.t0)
        #expect(fireText.status == 0, "nothing left to revoke: \(fireText.output)")
        for id in [byTrigger, later] { #expect(try grant(store, id)["state"] as? String == "revoked") }
        let verified = try store.run(["audit", "verify"])
        #expect(verified.status == 6 && verified.output.contains("expires_at"), "the pushed-out expiry is still named: \(verified.output)")
    }

    /// An extension request closes, recorded with its reason, the moment its
    /// grant ends (revoked, or expired by the sweep); it leaves every queue,
    /// and approving it afterwards is refused, never "recorded; now denied".
    @Test func extensionsCloseWhenTheirGrantEnds() throws {
        let store = try TestStore()
        let revokedGrant = try approvedGrant(store)
        let expiringGrant = try approvedGrant(store)
        func ask(_ id: String) throws -> String {
            let asked = try store.run(["extend", id, "--by", "8h", "--json"], as: "alice", at: Self.t0)
            return try #require(try Signoff.items(asked).first?["id"] as? String, "\(asked.output)")
        }
        let closedByRevocation = try ask(revokedGrant)
        let closedBySweep = try ask(expiringGrant)
        func queue() throws -> String { try store.run(["list", "--routed-to-me"], as: "dave", at: "2026-11-21T05:00:00Z").stdout }
        #expect(try queue().contains(closedByRevocation) && queue().contains(closedBySweep))

        let revoked = try store.run(["revoke", revokedGrant, "-r", "the reconciliation moved to the warehouse"], as: "alice",
                                    at: "2026-11-21T04:00:00Z")
        #expect(revoked.status == 0, "\(revoked.output)")
        let afterRevocation = try store.show(closedByRevocation)
        #expect(afterRevocation["state"] as? String == "denied")
        let decision = try #require(afterRevocation["decision"] as? [String: Any])
        #expect(decision["by"] as? [String] == ["policy:extension"])
        #expect(decision["at"] as? String == "2026-11-21T04:00:00.000Z")
        #expect((decision["reason"] as? String)?.contains("the grant of \(revokedGrant) was revoked") == true, "\(decision)")
        #expect(try !queue().contains(closedByRevocation), "never offered for review after")

        let swept = try store.run(["expire", "--json"], as: "ops", at: "2026-11-21T11:00:00Z")
        let outcome = try #require(try Signoff.json(swept) as? [String: Any])
        #expect(outcome["expired"] as? [String] == [expiringGrant])
        #expect(outcome["closed_extensions"] as? [String] == [closedBySweep], "\(swept.output)")
        #expect((try store.show(closedBySweep)["decision"] as? [String: Any])?["reason"] as? String
                == "closed: the grant of \(expiringGrant) expired, so there is nothing to extend")

        for id in [closedByRevocation, closedBySweep] {
            let late = try store.run(["approve", id, "--version", "1", "-r", "the backfill needs one more night"], as: "dave",
                                     at: "2026-11-21T12:00:00Z")
            #expect(late.status == 4, "\(late.output)")
            #expect(late.stderr.contains("\(id) is already denied") && !late.stdout.contains("recorded"), "\(late.output)")
        }

        // Past its expiry but before any sweep: approving is refused, and closes it.
        let unswept = try approvedGrant(store)
        let stale = try ask(unswept)
        let tooLate = try store.run(["approve", stale, "--version", "1", "-r", "the backfill needs one more night"],
                                    as: "dave", at: "2026-11-21T11:30:00Z")
        #expect(tooLate.status == 3, "\(tooLate.output)")
        #expect(tooLate.stderr.contains("whose grant expired; it cannot be approved or denied, and is closed"), "\(tooLate.stderr)")
        #expect(try store.show(stale)["state"] as? String == "denied")
        #expect(try store.run(["audit", "verify"]).status == 0)
    }

    @Test func breakGlassSelfActivationAndItsPostIncidentReview() throws {
        let store = try TestStore()
        let emergency = emergencyRequest
        let id = try store.submit(emergency, as: "grace", at: Self.t0)
        #expect(try store.show(id)["state"] as? String == "pending")
        let early = try store.run(["self-activate", id, "-r", "bob does not answer the page, pods are down"], as: "grace",
                                  at: "2026-11-21T03:10:00Z")
        #expect(early.status == 3, "\(early.output)")
        #expect(early.stderr.contains("only after 15m"))
        let activated = try store.run(["self-activate", id, "-r", "bob does not answer the page, pods are down"], as: "grace",
                                      at: "2026-11-21T03:16:00Z")
        #expect(activated.status == 0, "\(activated.output)")
        let shown = try store.show(id)
        #expect((shown["decision"] as? [String: Any])?["self_activated"] as? Bool == true)
        let granted = try #require(shown["grant"] as? [String: Any])
        #expect(granted["expires_at"] as? String == "2026-11-21T04:16:00.000Z")
        #expect((granted["incident_review"] as? [String: Any])?["due_at"] as? String == "2026-11-24T03:16:00.000Z")

        let reviews = try store.run(["incident-reviews"], at: "2026-11-21T03:30:00Z")
        #expect(reviews.stdout.contains(id) && reviews.stdout.contains("SELF-ACTIVATED"), "\(reviews.output)")
        #expect(reviews.stdout.contains("  ACCESS LIVE (active): review once it has ended"), "\(reviews.output)")
        #expect(try store.run(["review-incident", id, "-r", "I was the one on the incident anyway"], as: "grace",
                              at: "2026-11-21T04:30:00Z").status == 3)
        // The review judges the whole emergency: not while the access lasts.
        let live = try store.run(["review-incident", id, "-r", "Cordon was right; paging gap fixed in PD-88"], as: "sam",
                                 at: "2026-11-21T03:30:00Z")
        #expect(live.status == 3, "\(live.output)")
        #expect(live.stderr.contains("the emergency access of \(id) is active until 2026-11-21T04:16:00Z"), "\(live.stderr)")
        let unswept = try store.run(["review-incident", id, "-r", "Cordon was right; paging gap fixed in PD-88"], as: "sam",
                                    at: "2026-11-21T04:20:00Z")
        #expect(unswept.stderr.contains("no sweep has ended it yet (`signoff expire`)"), "\(unswept.stderr)")
        #expect(try store.run(["expire"], as: "ops", at: "2026-11-21T04:20:00Z").status == 0)
        #expect(try !store.run(["incident-reviews"], at: "2026-11-21T04:20:00Z").stdout.contains("ACCESS LIVE"))
        let done = try store.run(["review-incident", id, "-r", "Cordon was right; paging gap fixed in PD-88"], as: "sam",
                                 at: "2026-11-21T04:30:00Z")
        #expect(done.status == 0, "\(done.output)")
        #expect(try store.run(["incident-reviews"]).stdout.contains("no post-incident reviews open"))

        let notAllowed = try store.submit(emergency.replacingOccurrences(of: "grace", with: "victor"), as: "victor", at: Self.t0)
        let denied = try store.show(notAllowed)
        #expect(denied["state"] as? String == "denied")
        #expect((denied["decision"] as? [String: Any])?["by"] as? [String] == ["policy:break-glass-not-allowed"])
    }

    /// An outbox is the account's own all the way up: a folder above it that
    /// others may write (and is not sticky, as /tmp is) would let them move
    /// it aside and link one of theirs in its place, so it is refused when
    /// set, and nothing is delivered to it once a folder above it opens up.
    @Test func anOutboxUnderAFolderOthersMayWriteIsRefused() throws {
        let store = try TestStore()
        let shared = store.directory.appendingPathComponent("shared")
        let outbox = shared.appendingPathComponent("team/out")
        try FileManager.default.createDirectory(at: outbox, withIntermediateDirectories: true)
        #expect(chmod(shared.path, 0o777) == 0)
        let refused = try store.run(["handoff", "--outbox", outbox.path], as: "ops")
        #expect(refused.status == 2 && refused.stderr.contains("\(shared.path), above \(outbox.path), is writable by other accounts"),
                "\(refused.output)")
        #expect(chmod(shared.path, 0o1777) == 0, "sticky, as /tmp is: nobody renames what is not theirs")
        #expect(try store.run(["handoff", "--outbox", outbox.path], as: "ops").status == 0)
        #expect(chmod(shared.path, 0o777) == 0)
        let id = try approvedGrant(store)
        let retry = try store.run(["handoff", "retry", id], as: "ops")
        #expect(retry.status == 3 && retry.stderr.contains("the outbox is not used: \(shared.path), above"), "\(retry.output)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: outbox.path).isEmpty)
    }

    /// A command runs with its account's rights, so the program it names by
    /// path is that account's or root's and nobody else may write it: one
    /// others may change is refused when set, and not run once it opens up.
    @Test func aHandOffProgramOthersMayWriteIsNotRun() throws {
        let store = try TestStore()
        let ran = store.directory.appendingPathComponent("ran").path
        let program = store.directory.appendingPathComponent("provision.sh").path
        #expect(FileManager.default.createFile(atPath: program, contents: Data("#!/bin/sh\ncat > '\(ran)'\n".utf8)))
        #expect(chmod(program, 0o777) == 0)
        let refused = try store.run(["handoff", "--command", "\(program) --env prod"], as: "ops")
        #expect(refused.status == 2 && refused.stderr.contains("\(program), the program the command runs, is writable by other accounts"),
                "\(refused.output)")
        #expect(chmod(program, 0o755) == 0)
        #expect(try store.run(["handoff", "--command", "\(program) --env prod"], as: "ops").status == 0)
        #expect(chmod(program, 0o757) == 0)
        let id = try approvedGrant(store)
        let retry = try store.run(["handoff", "retry", id], as: "ops")
        #expect(retry.status == 3 && retry.stderr.contains("the hand-off command is not run: \(program), the program"), "\(retry.output)")
        #expect(!FileManager.default.fileExists(atPath: ran))
        #expect(chmod(program, 0o755) == 0)
        #expect(try store.run(["handoff", "retry", id], as: "ops").status == 0)
        #expect(FileManager.default.fileExists(atPath: ran))
    }

    /// A grant whose hand-off failed still ends when its clock runs out: the
    /// failure does not prove the access absent, so its removal goes out too.
    @Test func aGrantProvisioningReportedFailedStillExpires() throws {
        let store = try TestStore()
        let outbox = store.directory.appendingPathComponent("outbox")
        try FileManager.default.createDirectory(at: outbox, withIntermediateDirectories: true)
        #expect(try store.run(["handoff", "--outbox", outbox.path], as: "ops").status == 0)
        let id = try approvedGrant(store)
        let failed = try store.run(["provisioning-failed", id, "--reason", "the role attachment timed out"], as: "ops",
                                   at: "2026-11-21T04:00:00Z")
        #expect(failed.status == 0, "\(failed.output)")
        #expect(try grant(store, id)["state"] as? String == "failed")
        let due = try store.run(["expire", "--json"], as: "ops", at: "2026-11-21T11:00:00Z")
        #expect((try Signoff.json(due) as? [String: Any])?["expired"] as? [String] == [id], "\(due.output)")
        let ended = try grant(store, id)
        #expect(ended["state"] as? String == "expired" && provisioning(ended)["action"] as? String == "expire", "\(ended)")
        let documents = try FileManager.default.contentsOfDirectory(atPath: outbox.path)
        #expect(documents.contains { $0.hasPrefix("\(id)-expire-") }, "\(documents)")
        #expect(try store.run(["audit", "verify"]).status == 0)
    }

    /// A grant reported failed may still hold its access (a partial
    /// change): a revocation and a trigger end it as they end a live one, and
    /// hand off its removal; `handoff retry` then delivers the removal, never
    /// the grant again. Once provisioning confirmed a hand-off, a failure of
    /// it is refused: it would show live access as not granted.
    @Test func aGrantReportedFailedCanStillBeRevoked() throws {
        let store = try TestStore()
        let outbox = store.directory.appendingPathComponent("outbox")
        try FileManager.default.createDirectory(at: outbox, withIntermediateDirectories: true)
        #expect(try store.run(["handoff", "--outbox", outbox.path], as: "ops").status == 0)
        let byPerson = try approvedGrant(store), byTrigger = try approvedGrant(store)
        for id in [byPerson, byTrigger] {
            let failed = try store.run(["provisioning-failed", id, "--reason", "the role was half attached"], as: "ops")
            #expect(failed.status == 0, "\(failed.output)")
            #expect(try grant(store, id)["state"] as? String == "failed")
        }
        let revoked = try store.run(["revoke", byPerson, "-r", "the ETL key leaked; end this access now"], as: "dave")
        #expect(revoked.status == 0, "\(revoked.output)")
        let fired = try store.run(["trigger", "ticket_closed", "--ref", "OPS-1234"], as: "jira-importer")
        #expect(fired.status == 0 && fired.stdout.contains("revoked 1 grant(s)"), "\(fired.output)")
        #expect(try store.run(["handoff", "retry"], as: "ops").status == 0)
        let documents = try FileManager.default.contentsOfDirectory(atPath: outbox.path)
        for id in [byPerson, byTrigger] {
            let ended = try grant(store, id)
            #expect(ended["state"] as? String == "revoked" && provisioning(ended)["action"] as? String == "revoke", "\(ended)")
            #expect(documents.contains { $0.hasPrefix("\(id)-revoke-") }, "\(documents)")
            // dave's approvals wrote nothing to the hand-off ops set; ops's retry writes only the removals.
            #expect(!documents.contains { $0.hasPrefix("\(id)-grant-") }, "\(documents)")
        }
        let confirmed = try approvedGrant(store)
        #expect(try store.run(["provisioned", confirmed], as: "ops").status == 0)
        let late = try store.run(["provisioning-failed", confirmed, "--reason", "re-delivery: the role already exists"], as: "ops")
        #expect(late.status != 0 && late.output.contains("signoff reconcile"), "\(late.output)")
        #expect(try grant(store, confirmed)["state"] as? String == "active")
        #expect(try store.run(["audit", "verify"]).status == 0)
    }

    /// A grant action on a request that has no grant is refused, and the
    /// attempt is recorded as any refused one is: who tried what, and why not.
    @Test func anActionOnARequestWithoutAGrantIsRecordedAsRefused() throws {
        let store = try TestStore()
        let id = try store.submit(etlRequest, as: "alice", at: Self.t0)
        for (arguments, person) in [(["revoke", id, "-r", "the ETL key leaked; revoke it now"], "dave"),
                                    (["provisioned", id], "ops"), (["extend", id, "--by", "1h"], "alice")] {
            let refused = try store.run(arguments, as: person)
            #expect(refused.status == 3 && refused.stderr.contains("has no grant: it is pending"), "\(refused.output)")
            let last = (try store.show(id)["timeline"] as? [[String: Any]])?.last
            #expect(last?["kind"] as? String == "action_refused" && last?["actor"] as? String == person, "\(last ?? [:])")
            #expect((last?["summary"] as? String)?.contains("refused (not_active)") == true, "\(last ?? [:])")
        }
        #expect(try store.run(["audit", "verify"]).status == 0)
    }

    /// A report about a hand-off a later one replaced is stale: a grant
    /// carried out after its revocation was handed off is not taken for the
    /// removal, which stays unconfirmed until provisioning reports on it.
    @Test func aReportAboutAReplacedHandOffIsStale() throws {
        let store = try TestStore()
        let id = try approvedGrant(store)
        // A removal nobody handed off yet is not stale but never asked for: not active, and nothing confirmed.
        let early = try store.run(["provisioned", id, "--action", "revoke"], as: "ops")
        #expect(early.status == 3 && early.stderr.contains("no revoke of \(id) has been handed off"), "\(early.output)")
        #expect(provisioning(try grant(store, id))["state"] as? String != "done")
        #expect(try store.run(["revoke", id, "-r", "changed my mind: the ETL moved elsewhere"], as: "dave").status == 0)
        let late = try store.run(["provisioned", id, "--action", "grant", "--note", "granted (CHG-7)"], as: "ops")
        #expect(late.status == 4 && late.stderr.contains("asks provisioning to revoke"), "\(late.output)")
        #expect(provisioning(try grant(store, id))["state"] as? String != "done")
        #expect(try store.run(["provisioned", id, "--action", "remove"], as: "ops").status == 2)
        let removed = try store.run(["provisioned", id, "--action", "revoke", "--note", "role dropped (CHG-8)"], as: "ops")
        #expect(removed.status == 0, "\(removed.output)")
        let confirmed = provisioning(try grant(store, id))
        #expect(confirmed["state"] as? String == "done" && confirmed["action"] as? String == "revoke", "\(confirmed)")
        #expect(try store.run(["audit", "verify"]).status == 0)
    }

    /// After an extension a new grant document is handed off: a late report
    /// naming the first document's SHA-256 (as sha256sum prints it) is
    /// stale, recorded as a refused attempt and nothing else, while one
    /// naming the latest is recorded. A digest of the wrong shape is bad
    /// input, with nothing recorded.
    @Test func aReportNamingAReplacedDocumentIsStale() throws {
        let store = try TestStore()
        let check = try SchemaCheck(store.directory)
        let outbox = store.directory.appendingPathComponent("outbox")
        try FileManager.default.createDirectory(at: outbox, withIntermediateDirectories: true)
        #expect(try store.run(["handoff", "--outbox", outbox.path], as: "ops").status == 0)
        let id = try approvedGrant(store)
        func documents() throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: outbox.path).filter { $0.hasPrefix("\(id)-grant-") }.sorted()
                .map { outbox.appendingPathComponent($0).path }
        }
        func sha256(_ file: String) throws -> String {
            let summed = try Signoff.runProgram("/usr/bin/env", ["sha256sum", file])
            #expect(summed.status == 0, "\(summed.output)")
            return String(summed.stdout.prefix(64))
        }
        #expect(try store.run(["handoff", "retry"], as: "ops", at: "2026-11-21T03:01:00Z").status == 0)
        let first = try #require(try documents().first)
        let asked = try store.run(["extend", id, "--by", "8h", "--json"], as: "alice", at: "2026-11-21T03:02:00Z")
        let extensionID = try #require(try Signoff.items(asked).first?["id"] as? String, "\(asked.output)")
        #expect(try store.run(["approve", extensionID, "--version", "1", "-r", "the backfill needs one more night"], as: "dave",
                              at: "2026-11-21T03:03:00Z").status == 0)
        #expect(try store.run(["handoff", "retry"], as: "ops", at: "2026-11-21T03:04:00Z").status == 0)
        let all = try documents()
        #expect(all.count == 2, "\(all)")
        let latest = try #require(all.last)
        let (firstDigest, latestDigest) = (try sha256(first), try sha256(latest))
        #expect(firstDigest != latestDigest)
        let timeline = try #require(try store.show(id)["timeline"] as? [[String: Any]])
        // What the grant says (its clock aside, which moves as the test runs).
        func state() throws -> NSDictionary {
            let now = try grant(store, id)
            return NSDictionary(dictionary: ["state": now["state"] ?? "", "expires_at": now["expires_at"] ?? "",
                                             "provisioning": provisioning(now)])
        }
        let beforeGrant = try state()
        #expect((beforeGrant["provisioning"] as? [String: Any])?["state"] as? String == "handed_off", "\(beforeGrant)")

        // The first document's report arrives late: stale, exit 4, one refused attempt recorded.
        let late = try store.run(["provisioned", id, "--action", "grant", "--document", firstDigest, "--json"], as: "ops")
        #expect(late.status == 4, "\(late.output)")
        check.failure(late, status: 4, code: "conflict")
        #expect(late.stderr.contains("not the latest document handed off for \(id)") && late.stderr.contains(latestDigest), "\(late.output)")
        let afterLate = try #require(try store.show(id)["timeline"] as? [[String: Any]])
        #expect(afterLate.count == timeline.count + 1 && afterLate.last?["kind"] as? String == "action_refused", "\(afterLate.last ?? [:])")
        #expect((afterLate.last?["summary"] as? String)?.contains("refused (stale_version)") == true, "\(afterLate.last ?? [:])")
        #expect(try state() == beforeGrant, "the grant is unchanged")
        // So is a failure report about it.
        let lateFailure = try store.run(["provisioning-failed", id, "--reason", "role not found", "--document", firstDigest], as: "ops")
        #expect(lateFailure.status == 4, "\(lateFailure.output)")
        #expect(try state() == beforeGrant)

        // Not a digest: bad input naming --document, nothing recorded.
        let head = try store.run(["audit", "head"]).stdout
        for bad in [firstDigest.uppercased(), String(firstDigest.dropLast()), "sha256:" + firstDigest, firstDigest + "  " + first] {
            let refused = try store.run(["provisioned", id, "--document", bad, "--json"], as: "ops")
            #expect(refused.status == 2, "\(refused.output)")
            check.failure(refused, status: 2, code: "bad_input")
            let error = (try? JSONSerialization.jsonObject(with: Data(refused.stderr.utf8)) as? [String: Any])?["error"] as? [String: Any]
            #expect(error?["field"] as? String == "--document", "\(refused.stderr)")
        }
        #expect(try store.run(["audit", "head"]).stdout == head, "nothing was recorded")

        // The latest document's report is recorded.
        let confirmed = try store.run(["provisioned", id, "--action", "grant", "--document", latestDigest, "--json"], as: "ops")
        #expect(confirmed.status == 0, "\(confirmed.output)")
        check.stdout(confirmed, "signoff.action-result/1")
        #expect(provisioning(try grant(store, id))["state"] as? String == "done")
        try check.validate()
        #expect(try store.run(["audit", "verify"]).status == 0)
    }

    /// Text given on the command line is held to what a request file may
    /// hold: an extension's purpose has words and at most 4,000 characters,
    /// provisioning's note and reason at most 8,000. Refused as bad input,
    /// naming the option, with nothing recorded.
    @Test func optionTextIsHeldToTheLimitsOfARequestFile() throws {
        let store = try TestStore()
        let id = try approvedGrant(store)
        func events() throws -> Int {
            try #require((try Signoff.json(try store.run(["audit", "verify", "--json"])) as? [String: Any])?["events"] as? Int)
        }
        let before = try events()
        for (arguments, person, option) in [
            (["extend", id, "--by", "1h", "--purpose", "   "], "alice", "--purpose"),
            (["extend", id, "--by", "1h", "--purpose", String(repeating: "x", count: 4_001)], "alice", "--purpose"),
            (["provisioned", id, "--note", String(repeating: "y", count: 8_001)], "ops", "--note"),
            (["provisioning-failed", id, "--reason", String(repeating: "z", count: 8_001)], "ops", "--reason"),
            (["trigger", "ticket_closed", "--ref", String(repeating: "r", count: 513)], "jira-importer", "--ref"),
            (["trigger", "ticket_closed", "--ref", " OPS-1234"], "jira-importer", "--ref"),
            (["trigger", "ticket_closed", "--ref", "  "], "jira-importer", "--ref"),
            (["provisioning-failed", id, "--reason", "\u{2003}\n"], "ops", "--reason"),
        ] {
            let refused = try store.run(arguments + ["--json"], as: person)
            #expect(refused.status == 2, "\(arguments.prefix(4)): \(refused.output.prefix(300))")
            let error = (try? JSONSerialization.jsonObject(with: Data(refused.stderr.utf8)) as? [String: Any])?["error"] as? [String: Any]
            #expect(error?["field"] as? String == option, "\(refused.stderr.prefix(300))")
        }
        #expect(try events() == before, "nothing was recorded")
        let longest = try store.run(["extend", id, "--by", "1h", "--purpose", String(repeating: "x", count: 4_000)], as: "alice",
                                    at: Self.t0)
        #expect(longest.status == 0, "\(longest.output.prefix(300))")
    }

    /// An account's trust in the hand-off it set names the store, not the
    /// folder the command ran in: a timer's `handoff retry` runs elsewhere.
    @Test func aHandOffIsTrustedWhereverTheCommandRuns() throws {
        let store = try TestStore()
        let outbox = store.directory.appendingPathComponent("outbox")
        let here = store.directory.appendingPathComponent("here"), there = store.directory.appendingPathComponent("there")
        for folder in [outbox, here, there] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        #expect(try store.run(["handoff", "--outbox", outbox.path], as: "ops", directory: here).status == 0)
        for folder in [here, there] {
            let shown = try store.run(["handoff"], as: "ops", directory: folder)
            #expect(shown.status == 0 && shown.stdout.contains("is written here") && !shown.stdout.contains("not used"), "\(shown.output)")
        }
    }

    @Test func theHandOffCommandSucceedsFailsTimesOutOrIsMissingAndNothingIsLost() throws {
        let store = try TestStore()
        let received = store.directory.appendingPathComponent("received.json").path
        // dave approves in these cases, so he sets the command his process runs.
        #expect(try store.run(["handoff", "--command", "cat > '\(received)'"], as: "dave").status == 0)
        let ok = try approvedGrant(store)
        var granted = try grant(store, ok)
        #expect(provisioning(granted)["state"] as? String == "done")
        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: received))) as? [String: Any]
        #expect(document?["request_id"] as? String == ok)
        #expect(document?["action"] as? String == "grant")
        #expect(document?["entitlement"] as? String == "read_replica")
        #expect(document?["expires_at"] as? String == "2026-11-21T11:00:00.000Z")

        let cases: [(command: [String], reason: String)] = [
            (["--command", "echo no such role >&2; exit 3"], "exited with status 3"),
            (["--command", "sleep 30", "--timeout", "1"], "did not finish within 1s"),
            (["--command", "/nonexistent/provision-access"], "not found"),
            // What the command says is recorded for good: a credential in it is not.
            (["--command", "t=ghp; echo \"POST failed with Authorization: token ${t}_R2d2C3poR2d2C3poR2d2C3poR2d2C3po1234\" >&2; exit 4"],
             "exited with status 4"),
            // A NUL in what it says still leaves the failure recorded (the command did run).
            (["--command", "printf 'x\\000y' >&2; exit 5"], "exited with status 5; it said: x\u{FFFD}y"),
        ]
        for (command, reason) in cases {
            #expect(try store.run(["handoff"] + command, as: "dave").status == 0)
            let id = try approvedGrant(store)
            granted = try grant(store, id)
            #expect(provisioning(granted)["state"] as? String == "failed", "\(command)")
            #expect((provisioning(granted)["reason"] as? String)?.contains(reason) == true, "\(granted)")
            #expect(granted["state"] as? String == "failed")
        }
        let export = try store.run(["audit", "export", "--format", "jsonl"])
        #expect(export.stdout.contains("[redacted: looks like a credential]") && !export.stdout.contains("ghp_R2d2"),
                "\(export.stdout.suffix(2000))")
        // Nothing is lost: with a working command, retry provisions every failed grant.
        #expect(try store.run(["handoff", "--command", "cat > /dev/null"], as: "carol").status == 0)
        let retried = try store.run(["handoff", "retry"], as: "carol")
        #expect(retried.status == 0, "\(retried.output)")
        #expect(retried.stdout.contains("5 hand-off(s) attempted, 0 failed"))
        let all = try Signoff.items(try store.run(["grants", "--json"]))
        #expect(all.count == 6 && all.allSatisfy { $0["state"] as? String == "active" && provisioning($0)["state"] as? String == "done" })

        // carol's command never runs in dave's process: the grant waits for carol's retry.
        let waiting = try store.submit(etlRequest, as: "alice", at: Self.t0)
        let approved = try store.run(["approve", waiting, "--version", "1", "-r", rationale], as: "dave", at: Self.t0)
        #expect(approved.status == 0, "\(approved.output)")
        #expect(approved.stderr.contains("left pending: the hand-off command set by carol (asserted) is used only by carol (asserted)"), "\(approved.output)")
        #expect(provisioning(try grant(store, waiting))["state"] as? String == "pending")
        let delivered = try store.run(["handoff", "retry"], as: "carol")
        #expect(delivered.stdout.contains("1 hand-off(s) attempted, 0 failed"), "\(delivered.output)")
        #expect(provisioning(try grant(store, waiting))["state"] as? String == "done")
        // Nothing waiting: nothing printed (cron), unless asked; an unknown ID is bad input.
        let idle = try store.run(["handoff", "retry"], as: "carol")
        #expect(idle.status == 0 && idle.stdout.isEmpty && idle.stderr.isEmpty, "\(idle.output)")
        #expect(try store.run(["handoff", "retry", "--verbose"], as: "carol").stdout.contains("nothing was waiting"))
        let unknown = try store.run(["handoff", "retry", "REQ-999"], as: "carol")
        #expect(unknown.status == 2 && unknown.stderr.contains("there is no request REQ-999"), "\(unknown.output)")

        // Revocation is handed off too.
        #expect(try store.run(["revoke", ok, "-r", "the reconciliation moved to the warehouse"], as: "alice").status == 0)
        #expect(provisioning(try grant(store, ok))["action"] as? String == "revoke")
        #expect(try store.run(["audit", "verify"]).status == 0)
    }

    /// Anyone who can write the store file can change its hand-off row, or
    /// append a well-chained event naming someone else. A command runs only
    /// when the running account's own trust file lists it for this store.
    @Test(.needsStoreFile) func aHandOffCommandRunsOnlyWhenThisAccountSetItItself() throws {
        let store = try TestStore()
        let planted = store.directory.appendingPathComponent("planted").path
        #expect(try store.run(["handoff", "--command", "cat > /dev/null"], as: "dave").status == 0)
        #expect(try store.run(["handoff"], as: "dave").stdout.contains("runs here, as this account"))

        // The row is changed behind signoff's back: the approval stands, the command does not run.
        #expect(try sqlite(store.path, "UPDATE hand_off SET command = 'touch \(planted)'").status == 0)
        let forged = try store.submit(etlRequest, as: "alice", at: Self.t0)
        let approved = try store.run(["approve", forged, "--version", "1", "-r", rationale], as: "dave", at: Self.t0)
        #expect(approved.status == 0, "\(approved.output)")
        #expect(approved.stderr.contains("is not used by this account: this account has not set that command itself"),
                "\(approved.output)")
        #expect(!FileManager.default.fileExists(atPath: planted))
        #expect(provisioning(try grant(store, forged))["state"] as? String == "pending")
        let retry = try store.run(["handoff", "retry"], as: "dave")
        #expect(retry.status == 3 && retry.stderr.contains("nothing was delivered"), "\(retry.output)")
        #expect(!FileManager.default.fileExists(atPath: planted))
        #expect(try store.run(["audit", "verify"]).status == 6)

        // Set properly, but by another OS account: not in this account's file either.
        #expect(try store.run(["handoff", "--command", "touch '\(planted)'"], as: "dave", account: "other").status == 0)
        #expect(try store.run(["handoff", "retry"], as: "dave").status == 3)
        #expect(!FileManager.default.fileExists(atPath: planted))
        // The account that set it delivers what waited.
        let delivered = try store.run(["handoff", "retry"], as: "dave", account: "other")
        #expect(delivered.status == 0 && delivered.stdout.contains("1 hand-off(s) attempted, 0 failed"), "\(delivered.output)")
        #expect(FileManager.default.fileExists(atPath: planted))

        // A trust file others can write is not believed.
        let file = store.directory.appendingPathComponent("other/signoff/trusted-hand-offs").path
        #expect(chmod(file, 0o666) == 0)
        let loose = try store.run(["handoff", "retry", forged], as: "dave", account: "other")
        #expect(loose.status == 3 && loose.stderr.contains("writable by other accounts"), "\(loose.output)")
    }

    @Test func waitReturnsWhenAHumanDecides() throws {
        let store = try TestStore()
        let approved = try store.submit(etlRequest, as: "alice")
        let out = store.directory.appendingPathComponent("wait-out")
        #expect(FileManager.default.createFile(atPath: out.path, contents: nil))
        let waiting = Process()
        waiting.executableURL = Signoff.binary
        waiting.arguments = ["wait", approved, "--timeout", "2m", "--json", "--store", store.path]
        waiting.standardOutput = try FileHandle(forWritingTo: out)
        try waiting.run()
        Thread.sleep(forTimeInterval: 0.5)
        #expect(waiting.isRunning)
        #expect(try store.run(["approve", approved, "--version", "1", "-r", rationale], as: "dave").status == 0)
        waiting.waitUntilExit()
        #expect(waiting.terminationStatus == 0)
        let result = try JSONSerialization.jsonObject(with: Data(contentsOf: out)) as? [String: Any]
        #expect(result?["state"] as? String == "approved")
        #expect((result?["grant"] as? [String: Any])?["state"] as? String == "active")

        let denied = try store.submit(etlRequest, as: "alice")
        #expect(try store.run(["deny", denied, "--version", "1", "-r", "the ETL reads the warehouse now"], as: "dave").status == 0)
        #expect(try store.run(["wait", denied, "--timeout", "1m"]).status == 7)

        let pending = try store.submit(etlRequest, as: "alice")
        let stillPending = try store.run(["wait", pending, "--timeout", "1s"])
        #expect(stillPending.status == 8, "\(stillPending.output)")
        #expect(stillPending.stderr.contains("still undecided"))
    }
}

/// The demo's store reads as the console will show it when opened: swept, so
/// that what it calls active is active and nothing is left due.
@Suite("Demo store")
struct DemoStoreTests {
    @Test func theDemoIsSweptSoItsActiveGrantsAreReallyActive() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("signoff-demo-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("demo.sqlite").path
        let created = try Signoff.run(["demo", "--no-console", "--store", path, "--requests", "300"])
        #expect(created.status == 0, "\(created.output)")
        let listed = try Signoff.run(["grants", "--all", "--json", "--store", path, "--as", "dave"])
        let grants = try Signoff.items(listed)
        #expect(!grants.isEmpty, "\(listed.output.prefix(500))")
        let now = Date()
        let active = grants.filter { $0["state"] as? String == "active" }
        #expect(!active.isEmpty && grants.contains { $0["state"] as? String == "expired" })
        for grant in active {
            let expiry = try #require((grant["expires_at"] as? String).flatMap(Timestamp.parse))
            #expect(expiry > now, "\(grant["request_id"] ?? "?") reads active but expired at \(expiry)")
        }
        // Most grants were provisioned and most removals confirmed; a few still need someone.
        let provisioned = grants.filter { ($0["provisioning"] as? [String: Any])?["state"] as? String == "done" }.count
        #expect(provisioned * 2 > grants.count && provisioned < grants.count)
        let sweep = try Signoff.run(["expire", "--store", path, "--as", "ops"])
        #expect(sweep.status == 0 && sweep.stdout.isEmpty, "nothing was left due: \(sweep.output)")

        // The README's example request works as written for the demo's people.
        let submitted = try Signoff.run(["submit", Signoff.example("request.yaml"), "--json", "--store", path, "--as", "alice"])
        #expect(submitted.status == 0, "\(submitted.output)")
        let entry = try #require(try Signoff.items(submitted).first)
        let steps = (entry["route"] as? [String: Any])?["steps"] as? [[String: Any]] ?? []
        #expect(entry["state"] as? String == "pending" && steps.contains { ($0["approvers"] as? String)?.contains("owners") == true },
                "\(entry)")
        let id = try #require(entry["id"] as? String)
        let approved = try Signoff.run(["approve", id, "--version", "1", "-r", "Read replica only, matches OPS-1234",
                                        "--store", path, "--as", "dave"])
        #expect(approved.status == 0 && approved.stdout.contains("now approved"), "\(approved.output)")
    }

    /// The Drift view of the README's first command has something to show:
    /// one recorded reconciliation run with findings of several kinds, the
    /// same for the same demo, and evidence that holds.
    @Test func theDemoRecordsOneReconciliationRunWithFindingsOfSeveralKinds() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("signoff-demo-drift-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var kinds: [[String]] = []
        for name in ["one", "two"] {
            let path = directory.appendingPathComponent("\(name).sqlite").path
            let created = try Signoff.run(["demo", "--no-console", "--store", path], environment: ["SIGNOFF_NOW": "2026-11-21T09:00:00Z"])
            #expect(created.status == 0, "\(created.output)")
            let drift = try Signoff.run(["drift", "--json", "--store", path])
            let findings = try #require((try Signoff.json(drift) as? [String: Any])?["findings"] as? [[String: Any]], "\(drift.output)")
            kinds.append(findings.map { "\($0["kind"] ?? "")" })
            let export = try Signoff.run(["audit", "export", "--store", path]).stdout
            #expect(export.components(separatedBy: "\"reconciliation_run\"").count == 2, "one run, recorded like any other")
            #expect(try Signoff.run(["audit", "verify", "--store", path]).status == 0)
        }
        #expect(Set(kinds[0]).isSuperset(of: ["unapproved", "wider", "not_provisioned", "orphaned"]), "\(kinds[0])")
        #expect(kinds[0] == kinds[1], "deterministic")
    }
}
