import Foundation
import SignoffCore
import SignoffStore

/// A ticket as an import hands it to the command layer: which ticket, and what
/// its mapped fields say. The adapter (Jira) maps; nothing here reads a ticket.
public struct IntakeTicket: Sendable {
    public enum Content: Sendable {
        /// The structured request the ticket's fields make (requester: the mapped
        /// reporter), every field scanned for credentials.
        case request(ScannedRequest)
        /// The ticket's fields make no request: why, field by field.
        case refused([IntakeProblem])
        /// Resolved or closed (with the status, for the record): its access ends.
        case closed(String)
        /// Deleted at its source: its access ends.
        case deleted
    }

    public var ticket: TicketRef
    public var content: Content
    /// When the ticket last changed, by its source's own clock (Jira's
    /// `updated`); nil where the source did not say.
    public var updated: Date?
    /// The person of the directory who made the change it is imported for
    /// (a webhook's `user`); nil where the source did not say.
    public var editor: String?

    public init(ticket: TicketRef, content: Content, updated: Date? = nil, editor: String? = nil) {
        self.ticket = ticket
        self.content = content
        self.updated = updated
        self.editor = editor
    }
}

extension Commands {
    /// Imports tickets as requests, as an intake agent on behalf of each
    /// ticket's mapped reporter: one ticket, one request.
    ///
    /// - A new ticket is submitted (the same rules as any submission:
    ///   separation of duties covers both the reporter and the importer), and
    ///   linked to its request.
    /// - The same ticket again changes nothing. Changed while its request is
    ///   open: the request is revised, a new version routed again, and no
    ///   earlier approval counts. Changed after the decision: refused.
    /// - A ticket whose fields make no request is refused: recorded, with
    ///   every problem (the same refusal twice is recorded once).
    /// - A closed or deleted ticket withdraws its open request and fires the
    ///   `ticket_closed` revocation trigger for the grants naming it. The
    ///   close is recorded as a refusal of kind `closed`, so that an older
    ///   payload of the ticket delivered later is stale.
    /// - A ticket older, by its source's clock, than the one last imported
    ///   (a webhook delivered late or again, an old export) changes nothing.
    /// - Whoever created or changed the ticket's terms (where the source
    ///   says, and they are not the requester) is recorded with its link, and
    ///   may not decide the request.
    ///
    /// What each ticket hears back is enqueued with the events that cause it
    /// (`TicketWriteBack`, at seam (b)).
    public struct ImportTickets: StoreCommand {
        public var tickets: [IntakeTicket]
        /// The write-back settings of the tickets' site, recorded when they change.
        public var writeBack: (source: String, site: String, settings: TicketWriteBackSettings)?

        public init(_ tickets: [IntakeTicket], writeBack: (source: String, site: String, settings: TicketWriteBackSettings)?) {
            self.tickets = tickets
            self.writeBack = writeBack
        }

        public var operation: Operation { .importTickets }

        /// What became of one ticket.
        public enum Outcome: Sendable, Hashable {
            case submitted(id: String, state: RequestState, version: Int)
            case revised(id: String, state: RequestState, version: Int)
            case unchanged(id: String, state: RequestState)
            /// Refused; `recorded` false when the same refusal was recorded before.
            case refused(requestID: String?, problems: [IntakeProblem], recorded: Bool)
            /// Closed or deleted: the request withdrawn (if it was open) and the grants revoked.
            case closed(requestID: String?, withdrawn: Bool, revoked: [String])
            /// Closed or deleted before it ever made a request, and no grant named it.
            case ignored
            /// Older, by its source's clock, than what was last imported of the
            /// ticket (`lastImported`): nothing changed.
            case stale(requestID: String?, updated: Date, lastImported: Date)
        }

        public struct Result: Sendable, Hashable {
            public var ticket: TicketRef
            public var outcome: Outcome
        }

        public func decide(_ tx: CommandTransaction) throws -> [Result] {
            let policy = try tx.policy()
            if let writeBack, try tx.store.writeBack(source: writeBack.source, site: writeBack.site) != writeBack.settings {
                try tx.append(EventDraft(requestID: nil, actor: tx.actor, at: tx.now,
                                         body: .writeBackConfigured(.init(source: writeBack.source, site: writeBack.site,
                                                                          settings: writeBack.settings))))
            }
            var results: [Result] = []
            results.reserveCapacity(tickets.count)
            for ticket in tickets {
                results.append(Result(ticket: ticket.ticket, outcome: try importOne(ticket, tx, policy)))
            }
            return results
        }

        func importOne(_ intake: IntakeTicket, _ tx: CommandTransaction, _ policy: Policy) throws -> Outcome {
            let ref = intake.ticket
            // By its id and by its other name (a key-only import of it): whichever was imported last.
            let known = [try tx.store.ticket(source: ref.source, site: ref.site, issueID: ref.issueID),
                         try tx.store.ticket(knownOtherwiseAs: ref)].compactMap { $0 }.max { $0.sequence < $1.sequence }
            let record = try known?.requestID.flatMap { try tx.store.record($0) }
            switch intake.content {
            case .closed, .deleted:
                // The adapter checks the key with its file and line; this is the
                // command layer's own guard: the key goes into the record as is.
                if let problem = TicketRef.keyProblem(ref.key) {
                    throw CommandError.badInput("a closed or deleted ticket's key \(problem.message) (\(problem.hint)); nothing was imported")
                }
                let why = { if case let .closed(status) = intake.content { return "was closed (\(status))" }; return "was deleted" }()
                var withdrawn = false
                if let record, record.state.isOpen {
                    let withdrawal: [EventDraft]
                    do throws(Refusal) {
                        withdrawal = try Lifecycle.withdraw(record, by: tx.actor, rationale: "ticket \(ref.key) \(why)", at: tx.now)
                    } catch {
                        throw CommandError.refused(Refusal(error.reason, "ticket \(DisplaySafe.text(ref.key)) \(why): \(error.message)"),
                                                   recorded: false)
                    }
                    try tx.append(withdrawal)
                    withdrawn = true
                }
                // Every reference the ticket's grants may carry: its key now, and the one it had.
                var revoked: [String] = []
                for key in Set([ref.key, record?.request.ticket].compactMap { $0 }).sorted() {
                    let trigger = RevocationTrigger(name: "ticket_closed", ref: key)
                    do throws(Refusal) {
                        try Permissions.check(.init(operation: .fireTrigger, permission: FireTrigger(trigger).permission, actor: tx.actor,
                                                    storeCreator: tx.storeCreator, at: tx.now), policy: policy)
                    } catch {
                        throw CommandError.refused(Refusal(error.reason, "ticket \(DisplaySafe.text(ref.key)) \(why), and ending its grants was refused: \(error.message)"),
                                                   recorded: false)
                    }
                    revoked += try FireTrigger(trigger).decide(tx)
                }
                try noteClosed(intake, why: why, known: known, record: record, tx)
                // No request, but grants of other requests may have named it.
                guard let record else { return revoked.isEmpty ? .ignored : .closed(requestID: nil, withdrawn: false, revoked: revoked) }
                return .closed(requestID: record.id, withdrawn: withdrawn, revoked: revoked)

            case let .refused(problems):
                if let stale = try staleness(intake, known, record, tx) { return stale }
                return try refuse(intake, problems, known: known, record: record, tx)

            case let .request(mapped):
                if let stale = try staleness(intake, known, record, tx) { return stale }
                let request: ScannedRequest
                do throws(Refusal) {
                    request = try Lifecycle.authorizeSubmission(mapped, by: tx.actor, policy: policy)
                } catch {
                    let kind = error.reason == .containsSecret ? "secret" : "refused"
                    return try refuse(intake, [IntakeProblem(field: "request", sourceField: nil, kind: kind, message: error.message)],
                                      known: known, record: record, tx)
                }
                guard let record else {
                    let id = try tx.store.nextRequestID()
                    var events = Lifecycle.submit(request, id: id, by: tx.actor, policy: policy, original: nil, at: tx.now)
                    // Linked before it is routed: the route is written back to the ticket.
                    events.insert(EventDraft(requestID: id, actor: tx.actor, at: tx.now,
                                             body: .ticketLinked(.init(ticket: ref, updated: try clock(intake, known, tx),
                                                                       editedBy: editor(intake, requester: request.request.requester ?? tx.actor.name)))),
                                  at: 1)
                    try tx.append(events)
                    let submitted = try tx.record(id)
                    return .submitted(id: id, state: submitted.state, version: submitted.version)
                }
                if record.request.asksTheSame(as: request.request) {
                    // The change was imported before (a poll, another webhook): whoever made it is still its editor.
                    try noteEditor(intake, record, updated: try known.flatMap { try tx.store.lastImported($0) }, tx)
                    return .unchanged(id: record.id, state: record.state)
                }
                guard record.state.isOpen else {
                    return try refuse(intake, [IntakeProblem(
                        field: "ticket", sourceField: nil, kind: "decided",
                        message: "\(record.id) is already \(record.state.rawValue), and a decided request never changes; ask for different access in a new ticket")],
                        known: known, record: record, tx)
                }
                var events: [EventDraft]
                do throws(Refusal) {
                    events = try Lifecycle.revise(record, to: request, by: tx.actor, policy: policy,
                                                  cause: "ticket \(ref.key) changed", at: tx.now)
                } catch {
                    return try refuse(intake, [IntakeProblem(field: "request", sourceField: nil, kind: "refused", message: error.message)],
                                      known: known, record: record, tx)
                }
                guard !events.isEmpty else { return .unchanged(id: record.id, state: record.state) }
                // Linked again: the ticket's key as of this version, and no refusal pending.
                events.insert(EventDraft(requestID: record.id, actor: tx.actor, at: tx.now,
                                         body: .ticketLinked(.init(ticket: ref, updated: try clock(intake, known, tx),
                                                                   editedBy: editor(intake, requester: request.request.requester ?? tx.actor.name)))),
                              at: 1)
                try tx.append(events)
                let revised = try tx.record(record.id)
                return .revised(id: record.id, state: revised.state, version: revised.version)
            }
        }

        /// `.stale` when the ticket is older, by its source's clock, than
        /// what was last imported of it; nil when it is not, or either time is unknown.
        ///
        /// Whoever made a stale ticket's change still made one of the changes
        /// that led to the request's terms: they are recorded as its editor.
        func staleness(_ intake: IntakeTicket, _ known: TicketState?, _ record: RequestRecord?,
                       _ tx: CommandTransaction) throws -> Outcome? {
            guard let updated = intake.updated, let known, let last = try tx.store.lastImported(known), updated < last else { return nil }
            try noteEditor(intake, record, updated: last, tx)
            return .stale(requestID: known.requestID, updated: updated, lastImported: last)
        }

        /// Links the ticket again to record its editor, where the intake names
        /// one the request does not have yet (nor its requester): for a
        /// ticket whose change itself was imported before, or is older than
        /// what was. A decided request records them too, for a change its
        /// ticket dates before the decision (a webhook delivered late):
        /// whoever made it and then decided must show in the evidence. `updated`: the ticket's
        /// time as last imported, which this link must not move back.
        /// `last` is read only when there is an editor to record: most
        /// imports of an unchanged ticket name none.
        func noteEditor(_ intake: IntakeTicket, _ record: RequestRecord?, updated last: @autoclosure () throws -> Date?,
                        _ tx: CommandTransaction) throws {
            guard let editor = intake.editor, let record, editor != record.requester,
                  record.editors?.contains(editor) != true else { return }
            // A decided request records only a change its ticket dates before the decision.
            if let decided = record.decision?.at {
                guard let changed = intake.updated, changed < decided else { return }
            }
            let updated = [try last(), intake.updated].compactMap { $0 }.max()
            try tx.append(EventDraft(requestID: record.id, actor: tx.actor, at: tx.now,
                                     body: .ticketLinked(.init(ticket: intake.ticket, updated: updated, editedBy: editor))))
        }

        /// Records a closed or deleted ticket with its time by its source's
        /// clock, as a refusal of kind `closed` (which the ticket does not hear
        /// of): a payload older than the close, delivered after it (a creation
        /// or an edit webhook late, an old export), is then stale, neither a
        /// new request nor a change refused as decided. A newer one (the
        /// ticket reopened) is not. Nothing is recorded without a time, nor
        /// for a close older than what was imported of the ticket, which
        /// would set its clock back.
        func noteClosed(_ intake: IntakeTicket, why: String, known: TicketState?, record: RequestRecord?,
                        _ tx: CommandTransaction) throws {
            guard let updated = intake.updated else { return }
            if let known, let last = try tx.store.lastImported(known), updated <= last { return }
            let before = record == nil ? " before it made a request" : ""
            // Recorded whenever it is newer, the same close again too: each moves the ticket's clock.
            _ = try refuse(intake, [IntakeProblem(field: "ticket", sourceField: nil, kind: IntakeProblem.closedKind,
                                                  message: "ticket \(intake.ticket.key) \(why)\(before)")],
                           known: known, record: record, recordingAgain: true, tx)
        }

        /// Whoever made the change, unless it is the requester (of the request
        /// as the change leaves it: who hands their ticket to someone else
        /// changed its terms), who editing their own ticket adds nobody to
        /// those kept from deciding it.
        func editor(_ intake: IntakeTicket, requester: String) -> String? {
            intake.editor == requester ? nil : intake.editor
        }

        /// The ticket's time to record with its link or refusal: the intake's,
        /// or, where it gave none, the one last imported, which a payload
        /// without a time must not take back.
        func clock(_ intake: IntakeTicket, _ known: TicketState?, _ tx: CommandTransaction) throws -> Date? {
            try intake.updated ?? known.flatMap { try tx.store.lastImported($0) }
        }

        /// Records a refusal unless it is the same as the ticket's last one
        /// (or `recordingAgain`: a close, whose time is what it records).
        func refuse(_ intake: IntakeTicket, _ problems: [IntakeProblem], known: TicketState?, record: RequestRecord?,
                    recordingAgain: Bool = false, _ tx: CommandTransaction) throws -> Outcome {
            let ref = intake.ticket
            let fingerprint = IntakeProblem.fingerprint(problems)
            if !recordingAgain, known?.refusal == fingerprint {
                return .refused(requestID: record?.id, problems: problems, recorded: false)
            }
            try tx.append(EventDraft(requestID: record?.id, actor: tx.actor, at: tx.now,
                                     body: .intakeRefused(.init(ticket: ref, problems: problems, fingerprint: fingerprint,
                                                                updated: try clock(intake, known, tx)))))
            return .refused(requestID: record?.id, problems: problems, recorded: true)
        }
    }
}
