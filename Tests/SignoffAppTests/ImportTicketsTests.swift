import Foundation
import SignoffApp
import SignoffCore
import SignoffJira
import SignoffStore
import Testing

/// One ticket, one request, through the command layer: a table of steps over a
/// ticket's life (imported, again, changed, broken, decided, changed after,
/// closed), each with what the request and its ticket's outbox must show then.
@Suite struct ImportTicketsTests {
    static let policySource = """
    policy: intake
    directory:
      people:
        alice: {jira: acc-alice}
        dave: {}
        erin: {}
        frank: {}
        mallory: {}
        grace: {}
      intake_agents: [jira-importer]
      groups:
        dba: [dave, erin, frank]
      delegations:
        - {from: dave, to: grace, until: 2099-01-01T00:00:00Z}
    catalogue:
      payments-db:
        owners: [group:dba]
        environments: [staging, production]
        entitlements: [read_replica, superuser]
        max_duration: 30d
    route:
      - name: dba-two
        when: {system: payments-db}
        steps:
          - {approvers: group:dba, count: 2}
    roles:
      ticket-system:
        members: [account:jira-importer]
        may: [fire_trigger:ticket_closed]
    """

    static let start = Date(timeIntervalSince1970: 1_900_000_000)
    static let ticket = TicketRef(source: "jira", site: "acme.atlassian.net", issueID: "10001", key: "ACC-1")
    static let settings = TicketWriteBackSettings(format: "adf", comments: true,
                                                  transitions: ["routed": "Waiting for approval", "approved": "Approved",
                                                                "refused": "Needs information", "revoked": "Access ended"])

    static func request(duration: TimeSpan = .hours(8), purpose: String = "Nightly reconciliation reads the ledger",
                        requester: String = "alice") -> AccessRequest {
        AccessRequest(requester: requester, subject: Subject(kind: .serviceAccount, name: "svc-ledger", owner: "alice"),
                      system: "payments-db", environment: "production", entitlement: "read_replica", access: .read,
                      purpose: purpose, duration: duration,
                      revocationTriggers: [RevocationTrigger(name: "ticket_closed", ref: "ACC-1")], ticket: "ACC-1")
    }

    /// The request as a ticket hands it over: scanned.
    static func scanned(duration: TimeSpan = .hours(8), purpose: String = "Nightly reconciliation reads the ledger",
                        requester: String = "alice") throws -> ScannedRequest {
        try ScannedRequest(scanning: request(duration: duration, purpose: purpose, requester: requester))
    }

    final class Harness {
        let directory: URL
        let store: Store
        var clock = ImportTicketsTests.start

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("signoff-intake-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            store = try Store.create(at: directory.appendingPathComponent("store.sqlite").path,
                                     settings: StoreSettings(trustAssertedIdentities: true))
            let policy = try Policy.parse(source: ImportTicketsTests.policySource, file: "policy.yaml")
            try commands("root").run(Commands.ApplyPolicy(policy))
        }

        deinit { try? FileManager.default.removeItem(at: directory) }

        func commands(_ name: String) -> Commands {
            clock = clock.addingTimeInterval(60)
            return Commands(store: store, actor: Principal(name: name, authentication: .asserted), clock: .fixed(clock))
        }

        @discardableResult
        func importTicket(_ content: IntakeTicket.Content, as importer: String = "jira-importer",
                          ticket: TicketRef = ImportTicketsTests.ticket, updated: Date? = nil,
                          editor: String? = nil) throws -> Commands.ImportTickets.Outcome {
            let result = try commands(importer).run(Commands.ImportTickets(
                [IntakeTicket(ticket: ticket, content: content, updated: updated, editor: editor)],
                writeBack: (source: "jira", site: "acme.atlassian.net", settings: ImportTicketsTests.settings)))
            return result.output[0].outcome
        }

        func review(_ person: String, _ verdict: Verdict, version: Int) throws -> RequestState {
            try commands(person).run(Commands.Review(id: "REQ-1", verdict: verdict,
                                                     rationale: "\(person) checked the ledger scope against the runbook",
                                                     shownVersion: version)).output
        }

        /// The outbox's jira messages, as `destination` lines.
        func outbox() throws -> [String] { try store.outboxItems(.jira).map(\.message.destination) }
    }

    @Test func aTicketsLife() throws {
        let h = try Harness()
        // 1. A new ticket: submitted on the reporter's behalf, linked, routed; the route goes back.
        #expect(try h.importTicket(.request(try Self.scanned())) == .submitted(id: "REQ-1", state: .pending, version: 1))
        let record = try #require(try h.store.record("REQ-1"))
        #expect(record.requester == "alice" && record.submittedBy.name == "jira-importer")
        #expect(try h.outbox() == ["jira acme.atlassian.net ACC-1 comment (routed)",
                                   "jira acme.atlassian.net ACC-1 transition to Waiting for approval (routed)"])

        // 2. The same ticket again: nothing at all.
        let events = try h.store.changeToken()
        #expect(try h.importTicket(.request(try Self.scanned())) == .unchanged(id: "REQ-1", state: .pending))
        #expect(try h.store.changeToken() == events)
        #expect(try h.outbox().count == 2)

        // 3. One approval of version 1; then the ticket changes: version 2, routed again, that approval no longer counts.
        #expect(try h.review("dave", .approve, version: 1) == .pending)
        #expect(try h.importTicket(.request(try Self.scanned(duration: .hours(4)))) == .revised(id: "REQ-1", state: .pending, version: 2))
        let revised = try #require(try h.store.record("REQ-1"))
        #expect(revised.request.duration == .hours(4))
        #expect(revised.currentApprovals.isEmpty)
        #expect(throws: CommandError.self) { try h.review("erin", .approve, version: 1) } // stale: nobody decides what they did not see
        #expect(try h.outbox().suffix(2) == ["jira acme.atlassian.net ACC-1 comment (routed)",
                                             "jira acme.atlassian.net ACC-1 transition to Waiting for approval (routed)"])

        // 4. The ticket loses a field: refused, recorded, the request stays as it was; the same refusal again adds nothing.
        let missing = [IntakeProblem(field: "entitlement", sourceField: "Entitlement", kind: "missing", message: "is empty; it is required")]
        guard case .refused("REQ-1", _, true) = try h.importTicket(.refused(missing)) else { Issue.record("not refused"); return }
        #expect(try h.store.record("REQ-1")?.version == 2)
        let refusalComment = try #require(try h.store.outboxItems(.jira).last { $0.message.destination.hasSuffix("comment (refused)") })
        #expect(refusalComment.message.payload.contains("REQ-1"), "the refusal says the request stays as it was")
        let before = try h.store.changeToken()
        guard case .refused(_, _, false) = try h.importTicket(.refused(missing)) else { Issue.record("refused anew"); return }
        #expect(try h.store.changeToken() == before)

        // 5. Two approvals of version 2 decide it; the decision, the rationale and the grant go back.
        #expect(try h.review("erin", .approve, version: 2) == .pending)
        #expect(try h.review("frank", .approve, version: 2) == .approved)
        let approval = try #require(try h.store.outboxItems(.jira).first { $0.message.destination.hasSuffix("comment (approved)") })
        #expect(approval.message.payload.contains("frank checked the ledger scope against the runbook"))
        #expect(try h.outbox().contains("jira acme.atlassian.net ACC-1 transition to Approved (approved)"))

        // 6. Changed after the decision: refused, the decision stands.
        guard case let .refused("REQ-1", problems, true) = try h.importTicket(.request(try Self.scanned(duration: .days(2)))) else {
            Issue.record("a change after the decision was not refused"); return
        }
        #expect(problems.map(\.kind) == ["decided"])
        #expect(try h.store.record("REQ-1")?.request.duration == .hours(4))

        // 7. Closed: its grant ends by the ticket_closed trigger, fired by the importer; the ticket hears it.
        #expect(try h.importTicket(.closed("Done")) == .closed(requestID: "REQ-1", withdrawn: false, revoked: ["REQ-1"]))
        let grant = try #require(try h.store.grant("REQ-1"))
        #expect(grant.state == .revoked)
        #expect(try h.outbox().contains("jira acme.atlassian.net ACC-1 transition to Access ended (revoked)"))
        // Closed again: nothing left to do.
        #expect(try h.importTicket(.closed("Done")) == .closed(requestID: "REQ-1", withdrawn: false, revoked: []))

        // The tickets table and every event hold up to audit verify.
        let report = try h.store.verify()
        #expect(report.isIntact, "\(report.projectionMismatches)")
    }

    /// A ticket closed while its request is open withdraws it, as its submitter.
    /// A ticket older by Jira's clock than what was last imported of it (a
    /// webhook delivered late or again, an old export) changes nothing: not
    /// the request's terms, nor its refusal. Without Jira's time, as before.
    @Test func aStaleTicketChangesNothing() throws {
        let h = try Harness()
        let t1 = Self.start, t2 = Self.start.addingTimeInterval(120), t3 = Self.start.addingTimeInterval(240)
        #expect(try h.importTicket(.request(try Self.scanned()), updated: t1) == .submitted(id: "REQ-1", state: .pending, version: 1))
        #expect(try h.importTicket(.request(try Self.scanned(duration: .hours(4))), updated: t3)
                == .revised(id: "REQ-1", state: .pending, version: 2))
        let events = try h.store.changeToken()
        // The t1 and t2 states arrive late: neither rolls the request back, nor records anything.
        #expect(try h.importTicket(.request(try Self.scanned()), updated: t1) == .stale(requestID: "REQ-1", updated: t1, lastImported: t3))
        #expect(try h.store.changeToken() == events)
        // A late change by dave still makes him its editor; the ticket's clock stays at t3.
        #expect(try h.importTicket(.request(try Self.scanned()), updated: t2, editor: "dave")
                == .stale(requestID: "REQ-1", updated: t2, lastImported: t3))
        #expect(try h.store.record("REQ-1")?.editors == ["dave"])
        #expect(try h.importTicket(.request(try Self.scanned()), updated: t2) == .stale(requestID: "REQ-1", updated: t2, lastImported: t3))
        let afterEditor = try h.store.changeToken()
        let refusal = IntakeProblem(field: "entitlement", sourceField: nil, kind: "missing", message: "no entitlement")
        #expect(try h.importTicket(.refused([refusal]), updated: t2) == .stale(requestID: "REQ-1", updated: t2, lastImported: t3))
        #expect(try h.store.changeToken() == afterEditor)
        #expect(try h.store.record("REQ-1")?.request.duration == .hours(4))
        // A refusal is a ticket's state too: an older valid one does not follow it.
        guard case .refused(_, _, recorded: true) = try h.importTicket(.refused([refusal]), updated: t3.addingTimeInterval(60)) else {
            Issue.record("the newer refusal was not recorded")
            return
        }
        #expect(try h.importTicket(.request(try Self.scanned(duration: .hours(2))), updated: t3)
                == .stale(requestID: "REQ-1", updated: t3, lastImported: t3.addingTimeInterval(60)))
        // Newer, or without a time: imported as ever.
        #expect(try h.importTicket(.request(try Self.scanned(duration: .hours(2))), updated: t3.addingTimeInterval(120))
                == .revised(id: "REQ-1", state: .pending, version: 3))
        #expect(try h.importTicket(.request(try Self.scanned(duration: .hours(1))))
                == .revised(id: "REQ-1", state: .pending, version: 4))
        // That payload without a time kept the ticket's clock: an older one is still stale.
        #expect(try h.importTicket(.request(try Self.scanned()), updated: t3.addingTimeInterval(60))
                == .stale(requestID: "REQ-1", updated: t3.addingTimeInterval(60), lastImported: t3.addingTimeInterval(120)))
    }

    /// A ticket imported first without its id, then with it, has two rows:
    /// a late payload without the id is judged against the later of them.
    @Test func aLateKeyOnlyPayloadIsJudgedAgainstTheLatestImport() throws {
        let h = try Harness()
        let keyOnly = TicketRef(source: "jira", site: "acme.atlassian.net", issueID: TicketRef.keyOnlyID("ACC-1"), key: "ACC-1")
        let t1 = Self.start, t2 = Self.start.addingTimeInterval(300), t3 = Self.start.addingTimeInterval(600)
        #expect(try h.importTicket(.request(try Self.scanned()), ticket: keyOnly, updated: t1)
                == .submitted(id: "REQ-1", state: .pending, version: 1))
        #expect(try h.importTicket(.request(try Self.scanned(duration: .hours(4))), updated: t3)
                == .revised(id: "REQ-1", state: .pending, version: 2))
        #expect(try h.importTicket(.request(try Self.scanned()), ticket: keyOnly, updated: t2)
                == .stale(requestID: "REQ-1", updated: t2, lastImported: t3))
        #expect(try h.store.record("REQ-1")?.request.duration == .hours(4))
    }

    /// Whoever created or changed the ticket's terms (a webhook's `user`)
    /// shaped what is asked, and may not decide it; the requester editing
    /// their own ticket adds nobody. The fold of the events says the same.
    @Test func whoeverChangedTheTermsInTheTicketMayNotDecideThem() throws {
        let h = try Harness()
        #expect(try h.importTicket(.request(try Self.scanned()), editor: "dave") == .submitted(id: "REQ-1", state: .pending, version: 1))
        #expect(try h.store.record("REQ-1")?.editors == ["dave"])
        // Nor is it in his queue, or his delegate's: only erin's and frank's.
        let summary = try #require(try h.store.summaries(.all).first)
        let policy = try h.commands("erin").requirePolicy()
        for (person, routed) in [("dave", false), ("grace", false), ("erin", true), ("frank", true)] {
            var queue = try DecisionQueue(store: h.store, person: person, policy: policy, now: h.clock)
            #expect(try queue.includes(summary) == routed, "\(person)")
        }
        // Nor may grace, dave's delegate, approve in his seat.
        #expect(throws: CommandError.self) { try h.review("grace", .approve, version: 1) }
        do {
            _ = try h.review("dave", .approve, version: 1)
            Issue.record("dave approved terms he wrote")
        } catch {
            #expect("\(error)".contains("dave changed the terms of REQ-1 in its ticket and may not review it"), "\(error)")
        }
        #expect(try h.review("erin", .approve, version: 1) == .pending)
        // erin changes the ticket: a new version, which she may no longer decide either.
        #expect(try h.importTicket(.request(try Self.scanned(duration: .hours(4))), editor: "erin")
                == .revised(id: "REQ-1", state: .pending, version: 2))
        #expect(try h.store.record("REQ-1")?.editors == ["dave", "erin"])
        #expect(throws: CommandError.self) { try h.review("erin", .approve, version: 2) }
        #expect(try h.review("frank", .approve, version: 2) == .pending, "one of two, and nobody else of dba may give the second")
        #expect(try h.importTicket(.request(try Self.scanned(duration: .hours(2))), editor: "alice")
                == .revised(id: "REQ-1", state: .pending, version: 3))
        #expect(try h.store.record("REQ-1")?.editors == ["dave", "erin"])
        // frank's change arrives after a poll imported it (unchanged), or late (stale): he is its editor all the same.
        #expect(try h.importTicket(.request(try Self.scanned(duration: .hours(2))), editor: "frank")
                == .unchanged(id: "REQ-1", state: .pending))
        #expect(try h.store.record("REQ-1")?.editors == ["dave", "erin", "frank"])
        let report = try h.store.verify()
        #expect(report.isIntact, "\(report.problems)")
    }

    /// A change whose webhook arrives after the request was decided (its
    /// terms imported first by a poll, which names no editor) still records
    /// its editor: here one who then approved, which the evidence must show.
    @Test func aLateEditorIsRecordedAfterTheDecision() throws {
        let h = try Harness()
        #expect(try h.importTicket(.request(try Self.scanned())) == .submitted(id: "REQ-1", state: .pending, version: 1))
        #expect(try h.review("dave", .approve, version: 1) == .pending)
        #expect(try h.review("erin", .approve, version: 1) == .approved)
        // A change the ticket dates after the decision (dave closing it) makes nobody an editor.
        let decided = try #require(try h.store.record("REQ-1")?.decision?.at)
        #expect(try h.importTicket(.request(try Self.scanned()), updated: decided.addingTimeInterval(60), editor: "erin")
                == .unchanged(id: "REQ-1", state: .approved))
        #expect(try h.importTicket(.request(try Self.scanned()), editor: "frank") == .unchanged(id: "REQ-1", state: .approved))
        #expect(try h.store.record("REQ-1")?.editors == nil)
        // Dated before it (delivered late, so stale against the close): dave changed what he then approved.
        _ = try h.importTicket(.request(try Self.scanned()), updated: decided.addingTimeInterval(-60), editor: "dave")
        #expect(try h.store.record("REQ-1")?.editors == ["dave"])
        let report = try h.store.verify()
        #expect(report.isIntact, "\(report.problems)")
    }

    /// A ticket closed before it ever made a request is recorded with its
    /// time: its creation, delivered after the close, is stale and makes no
    /// request; the closed ticket hears nothing; reopened later, it makes its request.
    @Test func aTicketClosedBeforeItMadeARequestIsNotRevivedByAnOlderPayload() throws {
        let h = try Harness()
        let t1 = Self.start.addingTimeInterval(10), t2 = t1.addingTimeInterval(60), t3 = t2.addingTimeInterval(60)
        #expect(try h.importTicket(.closed("Won't do"), updated: t2) == .ignored)
        #expect(try h.importTicket(.request(try Self.scanned()), updated: t1) == .stale(requestID: nil, updated: t1, lastImported: t2))
        // An older close, and the same close again, set no clock back.
        #expect(try h.importTicket(.deleted, updated: t1) == .ignored)
        #expect(try h.importTicket(.closed("Won't do"), updated: t2) == .ignored)
        #expect(try h.importTicket(.request(try Self.scanned()), updated: t1) == .stale(requestID: nil, updated: t1, lastImported: t2))
        #expect(try h.store.record("REQ-1") == nil)
        #expect(try h.outbox().isEmpty, "a closed ticket is neither commented on nor moved")
        #expect(try h.importTicket(.request(try Self.scanned()), updated: t3) == .submitted(id: "REQ-1", state: .pending, version: 1))
        let report = try h.store.verify()
        #expect(report.isIntact, "\(report.problems)")
    }

    @Test func closingAnOpenTicketWithdrawsItsRequest() throws {
        let h = try Harness()
        _ = try h.importTicket(.request(try Self.scanned()))
        #expect(try h.importTicket(.deleted) == .closed(requestID: "REQ-1", withdrawn: true, revoked: []))
        #expect(try h.store.record("REQ-1")?.state == .withdrawn)
        #expect(try h.outbox().contains("jira acme.atlassian.net ACC-1 comment (withdrawn)"))
    }

    /// Closed, reopened and closed again with the same status: the second
    /// close is recorded too, and a payload from the reopened time that
    /// arrives after it is stale, whether or not the ticket had a request.
    @Test func eachNewerCloseMovesTheTicketsClock() throws {
        for withRequest in [false, true] {
            let h = try Harness()
            let t1 = Self.start.addingTimeInterval(10), t2 = t1.addingTimeInterval(60)
            let t3 = t2.addingTimeInterval(60), t4 = t3.addingTimeInterval(60)
            if withRequest { _ = try h.importTicket(.request(try Self.scanned()), updated: t1) }
            _ = try h.importTicket(.closed("Done"), updated: t2)
            _ = try h.importTicket(.closed("Done"), updated: t4)
            let messages = try h.outbox()
            #expect(try h.importTicket(.request(try Self.scanned(duration: .hours(4))), updated: t3)
                    == .stale(requestID: withRequest ? "REQ-1" : nil, updated: t3, lastImported: t4), "with a request: \(withRequest)")
            #expect(try h.outbox() == messages)
            #expect(try h.store.verify().isIntact)
        }
    }

    /// Whoever changes their own ticket is its requester, not an editor: the
    /// link records nobody, and the request stays in the summary's answer.
    @Test func theRequesterEditingTheirOwnTicketIsRecordedAsNobody() throws {
        let h = try Harness()
        #expect(try h.importTicket(.request(try Self.scanned()), editor: "alice") == .submitted(id: "REQ-1", state: .pending, version: 1))
        #expect(try h.store.editedRequests().isEmpty)
        #expect(try h.store.record("REQ-1")?.editors == nil)
    }

    /// The requester who hands their ticket to someone else changed the
    /// terms of another person's request: from then on they are its editor,
    /// judged against the requester the change leaves, not the one before it.
    @Test func aRequesterWhoHandsTheirTicketToAnotherIsItsEditor() throws {
        let h = try Harness()
        _ = try h.importTicket(.request(try Self.scanned()), editor: "alice")
        #expect(try h.store.record("REQ-1")?.editors == nil)
        #expect(try h.importTicket(.request(try Self.scanned(requester: "mallory")), editor: "alice")
                == .revised(id: "REQ-1", state: .pending, version: 2))
        let record = try #require(try h.store.record("REQ-1"))
        #expect(record.requester == "mallory" && record.editors == ["alice"])
        #expect(try h.store.editedRequests() == ["REQ-1"])
    }

    /// A ticket that never made a request may still be named by the grants
    /// of requests filed elsewhere: its close ends them, and says so.
    @Test func closingATicketWithoutARequestRevokesTheGrantsThatNameIt() throws {
        let h = try Harness()
        let file = """
        requester: alice
        subject: {kind: service_account, name: svc-ledger, owner: alice}
        system: payments-db
        environment: production
        entitlement: read_replica
        access: read
        purpose: the nightly ledger job reads the replica
        duration: 8h
        revocation_triggers:
          - {trigger: ticket_closed, ref: ACC-1}
        """
        _ = try h.commands("alice").run(Commands.Submit([.init(text: file, name: "request.yaml")]))
        #expect(try h.review("dave", .approve, version: 1) == .pending)
        #expect(try h.review("erin", .approve, version: 1) == .approved)
        #expect(try h.importTicket(.closed("Done")) == .closed(requestID: nil, withdrawn: false, revoked: ["REQ-1"]))
        #expect(try h.store.grant("REQ-1")?.state == .revoked)
        // Nothing left to end: the same close again ignores it.
        #expect(try h.importTicket(.closed("Done")) == .ignored)
        #expect(try h.store.verify().isIntact)
    }

    /// An edit made before the ticket closed, delivered after the close, is
    /// stale: the closed ticket is not refused, commented on or moved.
    @Test func anEditDeliveredAfterTheCloseIsStale() throws {
        let h = try Harness()
        let t1 = Self.start.addingTimeInterval(10), t2 = t1.addingTimeInterval(60), t3 = t2.addingTimeInterval(60)
        #expect(try h.importTicket(.request(try Self.scanned()), updated: t1) == .submitted(id: "REQ-1", state: .pending, version: 1))
        #expect(try h.importTicket(.closed("Done"), updated: t3) == .closed(requestID: "REQ-1", withdrawn: true, revoked: []))
        let messages = try h.outbox()
        #expect(try h.importTicket(.request(try Self.scanned(duration: .hours(4))), updated: t2)
                == .stale(requestID: "REQ-1", updated: t2, lastImported: t3))
        #expect(try h.outbox() == messages)
        let report = try h.store.verify()
        #expect(report.isIntact, "\(report.problems)")
    }

    /// A payload without the issue's id names the ticket by its key alone:
    /// still one ticket, one request, whichever payload came first.
    @Test func aTicketWithoutItsIdIsStillTheSameTicket() throws {
        let keyOnly = TicketRef(source: "jira", site: "acme.atlassian.net", issueID: TicketRef.keyOnlyID("ACC-1"), key: "ACC-1")
        for (first, second) in [(keyOnly, Self.ticket), (Self.ticket, keyOnly)] {
            let h = try Harness()
            #expect(try h.importTicket(.request(try Self.scanned()), ticket: first) == .submitted(id: "REQ-1", state: .pending, version: 1))
            #expect(try h.importTicket(.request(try Self.scanned()), ticket: second) == .unchanged(id: "REQ-1", state: .pending))
            #expect(try h.importTicket(.request(try Self.scanned(duration: .hours(4))), ticket: second)
                        == .revised(id: "REQ-1", state: .pending, version: 2))
            #expect(try h.importTicket(.deleted, ticket: first) == .closed(requestID: "REQ-1", withdrawn: true, revoked: []))
            #expect(try h.store.record("REQ-2") == nil)
            let report = try h.store.verify()
            #expect(report.isIntact, "\(report.projectionMismatches)")
        }
    }

    /// Separation of duties holds for both: the reporter and the importer may never approve.
    @Test func neitherTheReporterNorTheImporterMayApprove() throws {
        let h = try Harness()
        _ = try h.importTicket(.request(try Self.scanned()))
        for person in ["alice", "jira-importer"] {
            #expect(throws: CommandError.self) { try h.review(person, .approve, version: 1) }
        }
    }

    /// Only the policy's intake agents import; anyone else is refused before anything is read.
    @Test func onlyIntakeAgentsImport() throws {
        let h = try Harness()
        #expect(throws: CommandError.self) { try h.importTicket(.request(try Self.scanned()), as: "mallory") }
        #expect(try h.store.record("REQ-1") == nil)
    }

    /// A ticket holding a credential never makes a request: no
    /// `ScannedRequest` can be made of it, so the import gets the mapper's
    /// refusal, records it and asks for the ticket to be cleaned, and nothing
    /// of the value reaches the store file.
    @Test func aSecretNeverReachesTheStore() throws {
        let h = try Harness()
        let key = "AKIA" + String(repeating: "Q7ZX", count: 4)
        #expect(throws: SecretScan.Finding.self) { try Self.scanned(purpose: "use \(key) to read") }
        let found = IntakeProblem(field: "purpose", sourceField: "Description (description)", kind: "secret",
                                  message: "characters 5–24 look like an AWS access key")
        guard case let .refused(nil, problems, true) = try h.importTicket(.refused([found])) else {
            Issue.record("not refused"); return
        }
        #expect(problems.map(\.kind) == ["secret"])
        #expect(try h.outbox().contains("jira acme.atlassian.net ACC-1 comment (refused)"))
        for suffix in ["", "-wal"] {
            let bytes = (try? Data(contentsOf: URL(fileURLWithPath: h.store.path + suffix))) ?? Data()
            #expect(bytes.range(of: Data(key.utf8)) == nil, "the key is in store.sqlite\(suffix)")
        }
    }
}
