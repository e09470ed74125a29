import Foundation
import LoopbackHTTP
import Testing

/// Notifications through the built binary, to real peers on loopback: an HTTP
/// server for the generic webhook, Slack and PagerDuty, and an SMTP sink that
/// mail reaches through msmtp as the sendmail-compatible program.
@Suite("Notifications, end to end")
struct NotificationTests {
    static let t0 = "2026-11-21T09:00:00Z"

    /// Everything one test needs: a store under a notifying policy, the peers.
    final class Setup {
        let http: LoopbackHTTPServer
        let smtp: LoopbackSMTPServer
        let store: TestStore
        let sendmail: String
        /// Where the command channel writes the document it reads.
        let hookFile: String

        /// `trustingPager`: the delivering account trusts the pager channel, which sends its key file to the loopback server.
        init(attempts: Int = 3, extra: String = "", trustingPager: Bool = true,
             handler: @escaping LoopbackHTTPServer.Handler = { _ in .respond(200) }) throws {
            http = try LoopbackHTTPServer(handler: handler)
            smtp = try LoopbackSMTPServer()
            store = try TestStore(policy: nil)
            let config = try store.file("msmtprc", "account default\nhost 127.0.0.1\nport \(smtp.port)\nfrom signoff@example.com\nauth off\ntls off\n")
            chmod(config, 0o600)
            sendmail = try store.file("sendmail", "#!/bin/sh\nexec msmtp -C '\(config)' \"$@\"\n")
            chmod(sendmail, 0o755)
            let key = try store.file("pd-key", "R0UT1NGKEY0123456789abcdefABCDEF\n")
            chmod(key, 0o600)
            hookFile = store.directory.appendingPathComponent("hook-received.json").path
            let policy = try store.file("policy.yaml", Self.policy(http: http, keyFile: key, hookFile: hookFile, attempts: attempts) + extra)
            let applied = try store.run(["policy", "apply", policy])  // the first policy: by the store's creator
            guard applied.status == 0 else { throw HarnessError("policy apply: \(applied.output)") }
            if trustingPager {
                let trusted = try store.run(["notify", "trust", "pager"])
                guard trusted.status == 0 else { throw HarnessError("notify trust pager: \(trusted.output)") }
            }
        }

        static func policy(http: LoopbackHTTPServer, keyFile: String, hookFile: String, attempts: Int) -> String {
            """
            policy: notifying
            settings: {pending_timeout: 72h}
            directory:
              people:
                alice: {manager: carol, email: alice@example.com}
                carol: {email: carol@example.com}
                dave: {manager: carol, email: dave@example.com, webhook: "\(http.url("/dave"))"}
                erin: {manager: carol, channels: [team-slack]}
                bob: {manager: carol, channels: [pager], email: bob@example.com}
                sec: {email: security@example.com, channels: [local-hook]}
              groups:
                dba: [dave, erin]
                security: [sec]
              rotations:
                oncall: {members: [bob], start: 2026-01-05T09:00:00Z, every: 1w}
            catalogue:
              payments-db:
                owners: [group:dba]
                environments: [production]
                entitlements: [read_replica]
                max_duration: 30d
            break_glass:
              raised_by: [person:alice]
              max_duration: 4h
              incident_required: true
              post_incident_review: {reviewers: group:security, within: 72h}
            route:
              - name: break-glass
                when: {break_glass: true}
                steps: [{approvers: rotation:oncall, count: 1}]
              - name: owners
                when: {system: payments-db}
                steps: [{approvers: owners, count: 1}]
            notifications:
              from: signoff@example.com
              security_contact: group:security
              attempts: \(attempts)
              channels:
                team-slack: {type: slack, url: "\(http.url("/slack"))"}
                pager: {type: pagerduty, routing_key_file: \(keyFile), url: "\(http.url("/pagerduty"))"}
                local-hook: {type: command, command: "cat > '\(hookFile)'"}
              reminders: {after: 4h, every: 4h}
              break_glass: {page: [rotation:oncall]}
            """
        }

        func submit(purpose: String = "nightly ledger reconciliation", breakGlass: Bool = false) throws -> String {
            var yaml = """
            subject: {kind: service_account, name: svc-etl, owner: alice}
            system: payments-db
            environment: production
            entitlement: read_replica
            access: read
            duration: 2h
            purpose: \(Self.yamlString(purpose))
            """
            if breakGlass { yaml += "\nbreak_glass: true\nincident: INC-42" }
            return try store.submit(yaml, as: "alice", at: NotificationTests.t0)
        }

        static func yamlString(_ text: String) -> String {
            let data = try! JSONSerialization.data(withJSONObject: [text], options: [])
            return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
        }

        @discardableResult
        func notifyRun(at now: String = NotificationTests.t0, _ extra: [String] = []) throws -> Signoff.Result {
            try store.run(["notify", "run", "--sendmail", sendmail] + extra, at: now)
        }

        func status() throws -> [String: Any] {
            let result = try store.run(["notify", "status", "--json", "--all"])
            return try #require(try Signoff.json(result) as? [String: Any], "\(result.output)")
        }
    }

    static let hostile = "rotate \u{202E}denyalc\u{202C}\u{200B}keys <!channel> <@U024BE7LH> <http://evil.example|click here>\r\nBcc: victim@example.com\r\n\r\nforged body " + String(repeating: "long ", count: 400)

    @Test func routedRequestsReachEveryChannelInItsDocumentedShapeAndHostileTextIsNeutralised() throws {
        let setup = try Setup()
        let id = try setup.submit(purpose: Self.hostile)
        let run = try setup.notifyRun()
        #expect(run.status == 0, "\(run.output)")
        #expect(run.stdout.contains("delivered 3 notification(s)"), "dave by webhook and mail, erin by Slack: \(run.output)")

        // The generic webhook: the documented document, exact values escaped as JSON, capped and without the key.
        let dave = try #require(setup.http.requests.first { $0.path == "/dave" })
        let document = try #require(dave.json as? [String: Any])
        #expect(document["schema"] as? String == "signoff.notification/1")
        #expect(document["kind"] as? String == "routed")
        #expect(document["recipient"] as? String == "dave")
        #expect(document["open"] as? String == "signoff show \(id)")
        #expect(dave.header("idempotency-key") == document["id"] as? String)
        let request = try #require(document["request"] as? [String: Any])
        let purpose = try #require(request["purpose"] as? String)
        #expect(purpose.count <= 600 && purpose.hasSuffix("…"))
        // The value is exact; the bytes hold the characters a viewer would act on as escapes.
        #expect(purpose.contains("\u{202E}") && !dave.text.contains("\u{202E}") && dave.text.contains("\\u202e"), "\(dave.text.prefix(400))")
        #expect(request["waited_seconds"] as? Int == 0 && request["risk"] as? [String] == ["production", "non-human: service account"])
        #expect(!dave.text.contains("signoff approve"), "never an approve command or link")

        // Slack: its three control characters escaped, so no mention and no link is made.
        let slack = try #require(setup.http.requests.first { $0.path == "/slack" })
        let body = try #require(slack.json as? [String: Any])
        #expect(body["text"] is String && body["blocks"] is [[String: Any]])
        for forbidden in ["<!channel>", "<@U024BE7LH>", "<http", "\u{202E}", "\u{200B}"] {
            #expect(!slack.text.contains(forbidden), "Slack body has \(forbidden)")
        }
        #expect(slack.text.contains("&lt;!channel&gt;") && slack.text.contains("&lt;@U024BE7LH&gt;"))
        let blocks = try #require(body["blocks"] as? [[String: Any]])
        #expect((blocks.first?["text"] as? [String: Any])?["type"] as? String == "plain_text")

        // Mail through msmtp: one To, a short subject, no header from the purpose.
        let mail = try #require(setup.smtp.waitForMessages(count: 1).first)
        #expect(mail.recipients == ["dave@example.com"], "only the To: address, never a Bcc: from a field")
        #expect(mail.header("subject") == "[signoff] \(id) needs your decision")
        #expect(mail.header("bcc") == nil)
        #expect(!mail.data.contains("\u{202E}") && !mail.data.contains("\u{200B}"))
        #expect(mail.body.contains("Open it: signoff show \(id)"))
        #expect(mail.body.contains("␍␊Bcc: victim@example.com") || mail.body.contains("\\x0D\\x0ABcc"), "\(mail.body.prefix(600))")

        // Nothing twice: a second run sends nothing, and show lists who heard of what.
        let again = try setup.notifyRun()
        #expect(again.stdout.contains("delivered 0"), "\(again.output)")
        #expect(setup.http.requests.count == 2)
        let shown = try setup.store.show(id)
        let notified = try #require(shown["notifications"] as? [[String: Any]])
        #expect(Set(notified.compactMap { $0["recipient"] as? String }) == ["dave", "erin"])
        #expect(notified.allSatisfy { $0["state"] as? String == "delivered" && $0["delivered_at"] is String })
        // Each delivery names who recorded it: the person notify run acted as, as the store identified them.
        let identified = TestBackend.current == .postgresql ? "postgresql_role" : "os_account"
        #expect(notified.allSatisfy { $0["changed_by_authentication"] as? String == identified
                                      && ($0["changed_by"] as? String)?.isEmpty == false }, "\(notified)")
        let text = try setup.store.run(["show", id])
        #expect(text.stdout.contains("notified:") && text.stdout.contains("routed to dave by email dave@example.com"), "\(text.stdout)")
    }

    /// Marking a notice delivered, or giving it up, keeps it from being sent:
    /// only the identities the policy lets deliver notifications run `notify
    /// run` and `notify retry` (without such a role, the store's creator).
    /// Anyone else is refused, told what to change, and leaves every
    /// notification as it was, with no refusal recorded for a timer to repeat.
    @Test func onlyTheDeliverersThePolicyNamesRunNotifyRun() throws {
        let setup = try Setup()
        _ = try setup.submit()
        let status = { try setup.store.run(["notify", "status", "--json", "--all"]).stdout }
        let before = try status()
        let events = try setup.store.run(["audit", "export", "--format", "jsonl"]).stdout
        for arguments in [["notify", "run", "--sendmail", setup.sendmail], ["notify", "retry"]] {
            let refused = try setup.store.run(arguments, as: "dave", at: Self.t0)
            #expect(refused.status == 3, "\(refused.output)")
            #expect(refused.stderr.contains("dave may not deliver_notifications"), "\(refused.stderr)")
            #expect(refused.stderr.contains("only the account that created the store"), "\(refused.stderr)")
        }
        // Trusting a command channel is kept, and told what it will not do yet.
        let trusted = try setup.store.run(["notify", "trust", "local-hook"], as: "dave", at: Self.t0)
        #expect(trusted.status == 0 && trusted.stderr.contains("dave may not deliver notifications"), "\(trusted.output)")
        #expect(setup.http.requests.isEmpty)
        #expect(try status() == before)
        // Nobody delivering them, they are overdue after five minutes, and notify status says so.
        func overdue(at now: String) throws -> Int? {
            let result = try setup.store.run(["notify", "status", "--json"], at: now)
            return (try Signoff.json(result) as? [String: Any])?["overdue"] as? Int
        }
        #expect(try overdue(at: "2026-11-21T09:04:00Z") == 0)
        #expect(try overdue(at: "2026-11-21T09:06:00Z") == 3)
        #expect(try setup.store.run(["notify", "status"], at: "2026-11-21T09:06:00Z").stdout.contains("is `signoff notify run` running"))
        #expect(try setup.store.run(["audit", "export", "--format", "jsonl"]).stdout == events, "nothing recorded")
        let policy = setup.store.directory.appendingPathComponent("policy.yaml").path
        let check = try Signoff.run(["policy", "check", policy])
        #expect(check.output.contains("no role grants deliver_notifications"), "\(check.output)")

        // A role names who delivers every notification, whoever's command added it.
        let named = try Setup(extra: "\nroles:\n  notifier: {members: [person:dave], may: [deliver_notifications]}\n")
        let other = try named.submit()
        let run = try named.store.run(["notify", "run", "--sendmail", named.sendmail], as: "dave", at: Self.t0)
        #expect(run.status == 0 && run.stdout.contains("delivered 3 notification(s)"), "\(run.output)")
        let delivered = try #require(try named.store.show(other)["notifications"] as? [[String: Any]])
        #expect(delivered.count == 3 && delivered.allSatisfy { $0["state"] as? String == "delivered" })
        if TestBackend.current == .sqlite {
            #expect(delivered.allSatisfy { $0["added_by"] as? String == "alice" && $0["changed_by"] as? String == "dave" }, "\(delivered)")
        }
    }

    /// A client that records a break-glass request but leaves its pages out
    /// of the outbox (signoff never does; a rewritten client, or a hand in
    /// the store, could) does not keep the on-call from being paged: the
    /// next `notify run` plans the notices of the last hour's events again,
    /// adds those missing, delivers them and says so. Where nothing is
    /// missing it adds nothing and says nothing.
    @Test(.needsStoreFile) func noticesLeftOutOfTheOutboxAreRestoredByTheNextRun() throws {
        let setup = try Setup()
        let ordinary = try setup.submit()
        let quiet = try setup.notifyRun()
        #expect(quiet.status == 0 && !quiet.stderr.contains("missing"), "\(quiet.output)")
        let id = try setup.submit(breakGlass: true)
        #expect(ordinary != id)
        let removed = try Signoff.runProgram("/usr/bin/env", ["sqlite3", setup.store.path, """
            DROP TRIGGER outbox_refuse_delete; DELETE FROM outbox WHERE request_id = '\(id)';
            """])
        #expect(removed.status == 0, "\(removed.output)")
        #expect(!(try setup.status().description.contains(id)))
        let run = try setup.notifyRun(at: "2026-11-21T09:20:00Z", ["--json"])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.stderr.contains("were missing from the outbox") && run.stderr.contains(id), "\(run.stderr)")
        let document = try #require(try Signoff.json(run) as? [String: Any])
        #expect(document["restored"] as? Int == 2 && document["restored_requests"] as? [String] == [id], "\(document)")
        #expect(setup.http.requests.contains { $0.path == "/pagerduty" }, "the on-call is paged after all")
        let shown = try #require(try setup.store.show(id)["notifications"] as? [[String: Any]])
        #expect(shown.count == 2 && shown.allSatisfy { $0["state"] as? String == "delivered" }, "\(shown)")
        // An hour later the event is past the window: nothing is planned again.
        let later = try setup.notifyRun(at: "2026-11-21T10:30:00Z", ["--json"])
        #expect((try Signoff.json(later) as? [String: Any])?["restored"] as? Int == 0, "\(later.output)")
    }

    @Test func nonUrgentNoticesWaitForOneDigestPerPersonAndChannelButPagesNever() throws {
        let setup = try Setup(extra: "\n  digest: 1h\n")
        let first = try setup.submit()
        let second = try setup.submit()
        let page = try setup.submit(breakGlass: true)
        var run = try setup.notifyRun(at: "2026-11-21T09:30:00Z")
        #expect(run.stdout.contains("delivered 2 notification(s)"), "only the page, by PagerDuty and mail: \(run.output)")
        #expect(setup.http.requests.map(\.path) == ["/pagerduty"])
        run = try setup.notifyRun(at: "2026-11-21T10:00:00Z")
        #expect(run.stdout.contains("delivered 6 notification(s)"), "\(run.output)")
        let dave = setup.http.requests.filter { $0.path == "/dave" }
        #expect(dave.count == 1, "one digest for dave's webhook")
        let digest = try #require(dave.first?.json as? [String: Any])
        #expect(digest["schema"] as? String == "signoff.notification-digest/1")
        let ids = (digest["items"] as? [[String: Any]])?.compactMap { ($0["request"] as? [String: Any])?["id"] as? String }
        #expect(ids == [first, second])
        #expect(setup.http.requests.filter { $0.path == "/slack" }.count == 1, "one Slack message for erin")
        let mails = setup.smtp.waitForMessages(count: 2)
        let daveMail = try #require(mails.first { $0.recipients == ["dave@example.com"] })
        #expect(daveMail.header("subject") == "[signoff] 2 notifications: \(first), \(second)")
        #expect(mails.contains { $0.recipients == ["bob@example.com"] && $0.header("subject")?.contains(page) == true })
    }

    @Test func breakGlassPagesTheOnCallThroughPagerDuty() throws {
        let setup = try Setup()
        let id = try setup.submit(purpose: Self.hostile, breakGlass: true)
        #expect(try setup.notifyRun().status == 0)
        let page = try #require(setup.http.requests.first { $0.path == "/pagerduty" })
        let event = try #require(page.json as? [String: Any])
        // PagerDuty Events API v2: routing_key, event_action, dedup_key, payload{summary, source, severity}.
        #expect(event["routing_key"] as? String == "R0UT1NGKEY0123456789abcdefABCDEF")
        #expect(event["event_action"] as? String == "trigger")
        let dedup = try #require(event["dedup_key"] as? String)
        #expect(dedup.hasPrefix("page:\(id):bob") && dedup.count <= 255)
        let payload = try #require(event["payload"] as? [String: Any])
        #expect(payload["severity"] as? String == "critical" && payload["source"] as? String == "signoff")
        let summary = try #require(payload["summary"] as? String)
        #expect(summary.contains(id) && summary.contains("BREAK-GLASS") && summary.count <= 1024)
        #expect(payload["timestamp"] is String && payload["custom_details"] is [String: Any])
        #expect(!summary.contains("\u{202E}") && !page.text.contains("\u{202E}"))
        // bob's mail too; the pager channel hears only pages.
        #expect(setup.smtp.waitForMessages(count: 1).first?.recipients == ["bob@example.com"])
    }

    /// A PagerDuty channel that sends its routing_key_file to a URL other than
    /// PagerDuty's would send any file the delivering account alone can read
    /// (a private key) wherever whoever applies a policy says: it is used only
    /// once that account trusted it, and until then its pages wait, unsent.
    @Test func aKeyFileGoesElsewhereThanPagerDutyOnlyOnceTheAccountTrustsIt() throws {
        let setup = try Setup(trustingPager: false)
        _ = try setup.submit(breakGlass: true)
        let run = try setup.notifyRun()
        #expect(run.stderr.contains("channel pager sends the routing key in") && run.stderr.contains("not to PagerDuty"), "\(run.output)")
        #expect(run.stderr.contains("signoff notify trust pager"), "\(run.output)")
        #expect(!setup.http.requests.contains { $0.path == "/pagerduty" })
        let trusted = try setup.store.run(["notify", "trust", "pager"], at: Self.t0)
        #expect(trusted.status == 0 && trusted.stdout.contains("this account now sends"), "\(trusted.output)")
        #expect(trusted.stdout.contains("notification(s) waiting for it will go"), "\(trusted.output)")
        let next = try setup.notifyRun()
        #expect(next.status == 0, "\(next.output)")
        let page = try #require(setup.http.requests.first { $0.path == "/pagerduty" })
        #expect((page.json as? [String: Any])?["routing_key"] as? String == "R0UT1NGKEY0123456789abcdefABCDEF")
        // A channel that needs no trust says so.
        let needless = try setup.store.run(["notify", "trust", "team-slack"])
        #expect(needless.status == 2 && needless.stderr.contains("needs no trust"), "\(needless.output)")
    }

    /// The outbox is not chained: whoever can write the store can add or
    /// change a row. A row that names a destination the policy does not (a
    /// page pointed at another file of the delivering account, and at another
    /// URL) is given up, never sent: no secret file is opened for it.
    @Test(.needsStoreFile) func aForgedDestinationInTheOutboxIsNeverSentTo() throws {
        let setup = try Setup()
        _ = try setup.submit(breakGlass: true)
        let privateFile = try setup.store.file("id_ed25519", "-----BEGIN OPENSSH PRIVATE KEY-----\nsecret\n")
        chmod(privateFile, 0o600)
        // Added beside the real page (an UPDATE of what a message says is refused by the store's trigger).
        let forged = try sqlite(setup.store.path, """
            INSERT INTO outbox (channel, dedupe_key, request_id, recipient, destination, batch_key, payload, cause_sequence,
                                created_at, state, attempts, next_attempt_at)
            SELECT channel, dedupe_key || ':forged', request_id, recipient, destination, batch_key,
                   json_set(payload, '$.destination.target', '\(setup.http.url("/exfil"))', '$.destination.secret_file', '\(privateFile)'),
                   cause_sequence, created_at, state, attempts, next_attempt_at
            FROM outbox WHERE channel = 'notification' AND destination LIKE 'pagerduty%';
            SELECT changes(), count(*) FROM outbox WHERE payload LIKE '%/exfil%';
            """)
        #expect(forged.status == 0 && forged.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1|1", "\(forged.output)")
        let run = try setup.notifyRun()
        #expect(run.stderr.contains("gave up") && run.stderr.contains("is not a destination the policy in force names"), "\(run.output)")
        #expect(run.status == 12, "a run that gave a notification up says so by its exit code: \(run.output)")
        #expect(!setup.http.requests.contains { $0.path == "/exfil" || $0.text.contains("PRIVATE KEY") })
        // The real page went where the policy says.
        #expect(setup.http.requests.contains { $0.path == "/pagerduty" })
    }

    @Test func failuresAreRetriedWithBackoffRecordedAndGivenUp() throws {
        let setup = try Setup(attempts: 3) { _ in .respond(500, body: Data("upstream down".utf8)) }
        let id = try setup.submit()
        setup.http.setHandler { request in request.path == "/dave" ? .respond(503) : .respond(200) }
        var run = try setup.notifyRun()
        #expect(run.status == 0, "\(run.output)")
        #expect(run.stderr.contains("will retry: HTTP 503"), "\(run.output)")
        var status = try setup.status()
        #expect(status["retrying"] as? Int == 1 && status["failed"] as? Int == 0)
        let item = try #require((status["items"] as? [[String: Any]])?.first { $0["state"] as? String == "pending" })
        #expect(item["last_error"] as? String == "HTTP 503" && item["attempts"] as? Int == 1 && item["request_id"] as? String == id)

        // Too early for the next attempt: nothing is sent.
        let before = setup.http.requests.count
        run = try setup.notifyRun(at: "2026-11-21T09:00:20Z")
        #expect(setup.http.requests.count == before)
        // A webhook that hangs is given up on at the timeout; one that refuses, at once.
        setup.http.setHandler { _ in .hang }
        run = try setup.notifyRun(at: "2026-11-21T09:00:45Z", ["--timeout", "1"])
        #expect(run.stderr.contains("will retry"), "\(run.output)")
        #expect(run.status == 0, "a failure that will be retried is not yet a run's failure: \(run.output)")
        setup.http.stop()
        run = try setup.notifyRun(at: "2026-11-21T09:02:30Z")
        #expect(run.stderr.contains("gave up"), "third attempt, refused: \(run.output)")
        #expect(run.status == 12, "\(run.output)")
        #expect(run.stdout.contains("1 given up"), "the report is printed in full: \(run.output)")
        status = try setup.status()
        #expect(status["failed"] as? Int == 1)
        let failed = try #require((status["items"] as? [[String: Any]])?.first { $0["state"] as? String == "failed" })
        #expect(failed["attempts"] as? Int == 3)

        // A number that names no failed notification is a typo, not "0 retried": nothing is retried.
        let failedID = try #require(failed["id"] as? Int)
        let delivered = try #require((status["items"] as? [[String: Any]])?.first { $0["state"] as? String == "delivered" }?["id"] as? Int)
        let typo = try setup.store.run(["notify", "retry", String(failedID), "99999999", String(delivered)])
        #expect(typo.status == 2, "\(typo.output)")
        #expect(typo.stderr.contains("#99999999 is no notification; #\(delivered) is delivered, not failed"), "\(typo.stderr)")
        #expect(try setup.status()["failed"] as? Int == 1)

        // Retried by hand: pending again, for the next run.
        let retry = try setup.store.run(["notify", "retry"])
        #expect(retry.stdout.contains("1 failed notification(s) will be tried again"), "\(retry.output)")
        #expect(try setup.status()["failed"] as? Int == 0)
        #expect(try setup.store.run(["audit", "verify"]).status == 0)
    }

    @Test func aDelivererKilledMidwayLosesNothingAndResendsOnlyWhatWasInFlight() throws {
        let setup = try Setup { request in request.path == "/dave" ? .hang : .respond(200) }
        _ = try setup.submit()
        _ = try setup.submit()
        // Two routed notices by webhook to dave (hang), two by Slack to erin, two mails.
        let process = Process()
        process.executableURL = Signoff.binary
        process.arguments = ["notify", "run", "--follow", "--timeout", "60", "--sendmail", setup.sendmail, "--store", setup.store.path]
        var environment = ProcessInfo.processInfo.environment
        environment.merge(setup.store.environment()) { $1 }
        environment["SIGNOFF_NOW"] = Self.t0
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait until both hung webhook calls arrived and Slack got its two.
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, setup.http.requests.count < 4 || setup.smtp.messages.count < 2 { usleep(50_000) }
        // Outcomes already known are recorded as they come, not at the end of the batch.
        usleep(500_000)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(setup.http.requests.count == 4, "\(setup.http.requests.map(\.path))")

        setup.http.setHandler { _ in .respond(200) }
        // Before the lease ends the hung ones stay with the dead deliverer.
        let early = try setup.notifyRun(at: "2026-11-21T09:01:00Z")
        #expect(early.stdout.contains("delivered 0"), "\(early.output)")
        let later = try setup.notifyRun(at: "2026-11-21T12:00:00Z")
        #expect(later.stdout.contains("delivered 2"), "only the two in flight: \(later.output)")
        let keys = setup.http.requests.compactMap { $0.header("idempotency-key") }
        let counts = Dictionary(keys.map { ($0, 1) }, uniquingKeysWith: +)
        #expect(counts.values.sorted() == [1, 1, 2, 2], "the two in flight came twice with the same key: \(counts)")
        #expect(setup.smtp.messages.count == 2, "mail that went out was never sent again")
        let status = try setup.status()
        #expect(status["pending"] as? Int == 0 && status["failed"] as? Int == 0 && status["delivered"] as? Int == 6)
    }

    /// Every notification document, as sent and as printed, through the real
    /// binary and real peers, validated against its schema in `schemas/`: the
    /// single document a command channel reads, the digest a webhook gets, and
    /// `notify run`, `notify status`, `notify retry` and `show` with `--json`.
    @Test func everyNotificationDocumentValidatesAgainstItsSchema() throws {
        let setup = try Setup(attempts: 1, extra: "\n  digest: 1h\n") { request in
            request.path == "/slack" ? .respond(500, body: Data("upstream down".utf8)) : .respond(200)
        }
        let check = try SchemaCheck(setup.store.directory)
        #expect(try setup.store.run(["notify", "trust", "local-hook"]).status == 0)
        let first = try setup.submit(purpose: Self.hostile)
        let second = try setup.submit()
        #expect(try setup.store.run(["approve", first, "--version", "1", "-r", "I really need this access now"],
                                    as: "alice", at: Self.t0).status == 3)
        // The refusal is urgent: it goes at once; the routed notices wait for the digest.
        check.stdout(try setup.notifyRun(at: Self.t0, ["--json"]), "signoff.notify-run/1")
        let refusal = try String(contentsOfFile: setup.hookFile, encoding: .utf8)
        check.add(refusal, "signoff.notification/1")
        #expect(refusal.contains("\"refusal\":{"), "\(refusal)")
        // Absent values are null, never left out; the route is data, its words a separate member.
        #expect(refusal.contains("\"decision\":null") && refusal.contains("\"route\":{") && refusal.contains("\"kind\":\"steps\"")
                    && refusal.contains("\"route_text\":\"rule "), "\(refusal)")
        let digestRun = try setup.notifyRun(at: "2026-11-21T10:00:00Z", ["--json"])
        check.stdout(digestRun, "signoff.notify-run/1", status: 12)
        // erin's two routed notices go to Slack as one digest, which answers 500: both given up (one attempt).
        #expect((try Signoff.json(digestRun) as? [String: Any])?["gave_up"] as? Int == 2, "\(digestRun.output)")
        let problems = (try Signoff.json(digestRun) as? [String: Any])?["problems"] as? [[String: Any]] ?? []
        #expect(problems.count == 1 && problems[0]["outcome"] as? String == "gave_up"
                    && (problems[0]["notices"] as? [String])?.count == 2 && (problems[0]["reason"] as? String)?.contains("500") == true,
                "\(digestRun.output)")
        let digest = try #require(setup.http.requests.first { $0.path == "/dave" })
        check.add(digest.text, "signoff.notification-digest/1")

        check.stdout(try setup.store.run(["notify", "status", "--json", "--all"]), "signoff.notify-status/1")
        let retried = try setup.store.run(["notify", "retry", "--json"])
        check.stdout(retried, "signoff.notify-retry/1")
        #expect((try Signoff.json(retried) as? [String: Any])?["retried"] as? Int == 2, "\(retried.output)")
        let pending = try setup.store.run(["notify", "status", "--json"])
        check.stdout(pending, "signoff.notify-status/1")
        let items = try #require((try Signoff.json(pending) as? [String: Any])?["items"] as? [[String: Any]])
        #expect(items.count == 2 && items.allSatisfy { $0["state"] as? String == "pending" && $0["next_attempt_at"] is String },
                "\(pending.output)")
        for id in [first, second] {
            let shown = try setup.store.run(["show", id, "--json"], as: "dave", at: "2026-11-21T10:00:00Z")
            check.stdout(shown, "signoff.request/1")
            let notified = (try Signoff.json(shown) as? [String: Any])?["notifications"] as? [[String: Any]] ?? []
            #expect(notified.contains { $0["kind"] as? String == "routed" && $0["recipient"] as? String == "dave" })
        }
        try check.validate()
    }

    /// A --sendmail that names no program is bad input before anything is
    /// claimed; left out, mail goes through /usr/sbin/sendmail.
    @Test func aSendmailThatIsNoProgramIsRefusedBeforeAnythingIsClaimed() throws {
        let store = try TestStore()
        let before = try store.run(["audit", "head"])
        let result = try store.run(["notify", "run", "--sendmail", store.directory.appendingPathComponent("no-such-sendmail").path])
        #expect(result.status == 2, "\(result.output)")
        #expect(result.stderr.contains("--sendmail") && result.stderr.contains("no-such-sendmail"), "\(result.output)")
        #expect(try store.run(["audit", "head"]).stdout == before.stdout)
        let directory = try store.run(["notify", "run", "--sendmail", store.directory.path])
        #expect(directory.status == 2, "\(directory.output)")
    }

    @Test func aSelfApprovalReachesTheSecurityContactAndAnUntrustedCommandWaits() throws {
        let setup = try Setup()
        let id = try setup.submit()
        let refused = try setup.store.run(["approve", id, "--version", "1", "-r", "I really need this access now"],
                                          as: "alice", at: Self.t0)
        #expect(refused.status == 3)
        let run = try setup.notifyRun()
        #expect(run.status == 0)
        let mails = setup.smtp.waitForMessages(count: 2)
        let security = try #require(mails.first { $0.recipients == ["security@example.com"] })
        #expect(security.header("subject") == "[signoff] \(id) refused attempt")
        #expect(security.body.contains("alice (asserted) tried to approve: self_approval"), "\(security.body)")

        // The command channel runs only once this account trusts it.
        #expect(run.stderr.contains("left pending") && run.stderr.contains("signoff notify trust local-hook"), "\(run.output)")
        #expect(!FileManager.default.fileExists(atPath: setup.hookFile))
        let trusted = try setup.store.run(["notify", "trust", "local-hook"], at: Self.t0)
        #expect(trusted.status == 0 && trusted.stdout.contains("1 notification(s) waiting for it will go with the next"),
                "\(trusted.output)")
        // Due at once, and no longer saying why it was left.
        let waiting = try #require((try setup.status()["items"] as? [[String: Any]])?.first { $0["destination"] as? String == "command local-hook" })
        #expect(waiting["state"] as? String == "pending" && waiting["last_error"] is NSNull, "\(waiting)")
        #expect(try setup.notifyRun(at: Self.t0).status == 0)
        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: setup.hookFile))) as? [String: Any]
        #expect(document?["kind"] as? String == "refused" && document?["recipient"] as? String == "sec")
        #expect(try setup.status()["pending"] as? Int == 0)
    }
}
