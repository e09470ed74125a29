import Foundation
import GRDB
import SignoffCore

/// A ticket as the store knows it: the request it made, and its last refusal.
public struct TicketState: Sendable, Hashable {
    public var ticket: TicketRef
    public var requestID: String?
    /// The fingerprint of the last `intake_refused` event since the ticket was last linked.
    public var refusal: String?
    /// The last `ticket_linked` or `intake_refused` event's sequence.
    public var sequence: Int64
}

extension WriteTransaction {
    /// The ticket (by its source's stable id) as of this transaction; nil when never seen.
    public func ticket(source: String, site: String, issueID: String) throws -> TicketState? {
        checkOpen()
        let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT ticket, request_id, refusal, sequence FROM tickets WHERE source = ? AND site = ? AND issue_id = ?
            """), arguments: [source, site, issueID])
        return try row.map {
            TicketState(ticket: TicketRef(source: source, site: site, issueID: issueID, key: try $0.checked(0, "tickets.ticket")),
                        requestID: try $0.checked(1, "tickets.request_id"), refusal: try $0.checked(2, "tickets.refusal"),
                        sequence: try $0.checked(3, "tickets.sequence"))
        }
    }

    /// The same ticket, known by the other name: a ticket with an id that
    /// was imported before by its key alone (`TicketRef.keyOnlyID`), or a
    /// ticket without an id by the key it was last imported under. One
    /// ticket, one request, whether or not each payload carried its id.
    public func ticket(knownOtherwiseAs ref: TicketRef) throws -> TicketState? {
        if !ref.isKeyOnly { return try ticket(source: ref.source, site: ref.site, issueID: TicketRef.keyOnlyID(ref.key)) }
        checkOpen()
        let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT issue_id, request_id, refusal, sequence FROM tickets WHERE source = ? AND site = ? AND ticket = ? ORDER BY sequence DESC LIMIT 1
            """), arguments: [ref.source, ref.site, ref.key])
        return try row.map {
            TicketState(ticket: TicketRef(source: ref.source, site: ref.site, issueID: try $0.checked(0, "tickets.issue_id"), key: ref.key),
                        requestID: try $0.checked(1, "tickets.request_id"), refusal: try $0.checked(2, "tickets.refusal"),
                        sequence: try $0.checked(3, "tickets.sequence"))
        }
    }

    /// When the ticket was last imported, by its source's own clock (Jira's
    /// `updated`), read from the event the `tickets` row names; nil where that
    /// event recorded none. The row is a query table's, so the event must be
    /// this ticket's link or refusal, or nothing is trusted.
    public func lastImported(_ known: TicketState) throws -> Date? {
        checkOpen()
        let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT kind, payload FROM events WHERE sequence = ?"),
                                   arguments: [known.sequence])
        let body = row.flatMap { row -> EventBody? in
            guard let kind: String = row[0], let payload: String = row[1] else { return nil }
            return try? EventBody.read(kind: kind, payload: Data(payload.utf8))
        }
        if case let .ticketLinked(linked)? = body, linked.ticket == known.ticket { return linked.updated }
        if case let .intakeRefused(refused)? = body, refused.ticket == known.ticket { return refused.updated }
        throw StoreError.unreadableRow("the tickets table names event \(known.sequence) for ticket \(DisplaySafe.text(known.ticket.key)), which neither links nor refuses it: the table was changed outside signoff; run `signoff audit verify`")
    }

    /// The ticket request `id` was imported from, if any. Cheap after the first
    /// look: a transaction that decides a request asks several times.
    public func ticket(ofRequest id: String) throws -> TicketRef? {
        checkOpen()
        if let known = ticketsByRequest[id] { return known }
        let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT source, site, issue_id, ticket FROM tickets WHERE request_id = ? ORDER BY sequence DESC LIMIT 1
            """), arguments: [id])
        let ticket = try row.map {
            TicketRef(source: try $0.checked(0, "tickets.source"), site: try $0.checked(1, "tickets.site"),
                      issueID: try $0.checked(2, "tickets.issue_id"), key: try $0.checked(3, "tickets.ticket"))
        }
        ticketsByRequest[id] = ticket
        return ticket
    }

    /// Whether any site's tickets hear of their requests: when none does, no
    /// event needs its ticket looked up. Read once per transaction.
    public func writesBackToAnySite() throws -> Bool {
        checkOpen()
        if let known = anyWriteBackSite { return known }
        let any = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM ticket_sites)") ?? false
        anyWriteBackSite = any
        return any
    }

    /// How a site's tickets hear of their requests; nil when never configured.
    /// Read once per transaction (every event of an imported ticket asks), or
    /// taken from a `write_back_configured` event appended here.
    public func writeBack(source: String, site: String) throws -> TicketWriteBackSettings? {
        checkOpen()
        let key = TicketSiteKey(source: source, site: site)
        if let known = writeBackBySite[key] { return known }
        let settings = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT format, comments, transitions FROM ticket_sites WHERE source = ? AND site = ?
            """), arguments: [source, site]).map {
            TicketWriteBackSettings(format: try $0.checked(0, "ticket_sites.format"), comments: try $0.checked(1, "ticket_sites.comments"),
                                    transitions: TicketRows.transitions(try $0.checked(2, "ticket_sites.transitions")))
        }
        writeBackBySite[key] = settings
        return settings
    }
}

/// A site of a ticket source, as `ticket_sites` keys it.
struct TicketSiteKey: Hashable {
    var source: String
    var site: String
}

/// The `tickets` and `ticket_sites` tables' SQL, in one place: written as
/// events are appended, rebuilt from the events by `audit verify`.
enum TicketRows {
    static func link(_ ticket: TicketRef, requestID: String, sequence: Int64, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO tickets (source, site, issue_id, ticket, request_id, refusal, sequence) VALUES (?, ?, ?, ?, ?, NULL, ?)
            ON CONFLICT (source, site, issue_id) DO UPDATE SET ticket = excluded.ticket, request_id = excluded.request_id,
                refusal = NULL, sequence = excluded.sequence
            """).execute(arguments: [ticket.source, ticket.site, ticket.issueID, ticket.key, requestID, sequence])
    }

    static func refuse(_ ticket: TicketRef, fingerprint: String, requestID: String?, sequence: Int64, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO tickets (source, site, issue_id, ticket, request_id, refusal, sequence) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (source, site, issue_id) DO UPDATE SET ticket = excluded.ticket,
                request_id = coalesce(excluded.request_id, tickets.request_id), refusal = excluded.refusal,
                sequence = excluded.sequence
            """).execute(arguments: [ticket.source, ticket.site, ticket.issueID, ticket.key, requestID, fingerprint, sequence])
    }

    static func configure(_ configured: EventBody.WriteBackConfigured, sequence: Int64, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO ticket_sites (source, site, format, comments, transitions, sequence) VALUES (?, ?, ?, ?, ?, ?)
            """).execute(arguments: [configured.source, configured.site, configured.settings.format,
                                     configured.settings.comments, transitionsText(configured.settings.transitions), sequence])
    }

    static func transitionsText(_ transitions: [String: String]) -> String {
        var writer = CanonicalJSON.Writer(capacity: 128)
        writer.stringMap(transitions)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    static func transitions(_ text: String) -> [String: String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String] else { return [:] }
        return object
    }

    /// The rows the events say, for `audit verify`: folds ticket events in order.
    struct Fold {
        var tickets: [[String]: [DatabaseValue]] = [:]
        var sites: [[String]: [DatabaseValue]] = [:]

        mutating func fold(_ draft: EventDraft, sequence: Int64) {
            switch draft.body {
            case let .ticketLinked(linked):
                let t = linked.ticket
                tickets[[t.source, t.site, t.issueID]] = [t.key.databaseValue, draft.requestID.databaseValue,
                                                          DatabaseValue.null, sequence.databaseValue]
            case let .intakeRefused(refused):
                let t = refused.ticket
                let key = [t.source, t.site, t.issueID]
                let request = draft.requestID.databaseValue.isNull ? (tickets[key]?[1] ?? .null) : draft.requestID.databaseValue
                tickets[key] = [t.key.databaseValue, request, refused.fingerprint.databaseValue, sequence.databaseValue]
            case let .writeBackConfigured(configured):
                sites[[configured.source, configured.site]] = [
                    configured.settings.format.databaseValue, configured.settings.comments.databaseValue,
                    transitionsText(configured.settings.transitions).databaseValue, sequence.databaseValue,
                ]
            case .policyApplied, .requestSubmitted, .requestRouted, .reviewRecorded, .reviewRefused, .actionRefused,
                 .requestDecided, .requestWithdrawn, .grantIssued, .grantHandedOff, .grantProvisioned,
                 .grantProvisioningFailed, .grantExpired, .grantRevoked, .grantExtended, .incidentReviewCompleted,
                 .handOffConfigured, .storeCreated, .settingsChanged, .schemaMigrated, .requestRevised, .reconciliationRun,
                 .findingOpened, .findingResolved, .findingExcepted, .findingRemovalRequested, .removalHandedOff, .removalHandOffFailed:
                return
            }
        }

        /// Every difference between the tables and the fold.
        func compare(with db: Database, into mismatches: inout [VerifyReport.ProjectionMismatch]) throws {
            typealias Mismatch = VerifyReport.ProjectionMismatch
            var storedTickets: [[String]: [DatabaseValue]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT source, site, issue_id, ticket, request_id, refusal, sequence FROM tickets") {
                storedTickets[[row[0], row[1], row[2]]] = (3..<7).map { row[$0] as DatabaseValue }
            }
            for key in Set(storedTickets.keys).union(tickets.keys).sorted(by: { $0.joined(separator: " ") < $1.joined(separator: " ") })
            where storedTickets[key] != tickets[key] {
                let problem = storedTickets[key] == nil ? "linked or refused by the events, but missing from the query table"
                    : tickets[key] == nil ? "in the query table, but no event links or refuses it"
                    : "differs from the ticket's last ticket_linked or intake_refused event"
                mismatches.append(Mismatch(table: "tickets", requestID: nil, sequence: nil,
                                           problem: "\(key.joined(separator: " ")): \(problem)"))
            }
            var storedSites: [[String]: [DatabaseValue]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT source, site, format, comments, transitions, sequence FROM ticket_sites") {
                storedSites[[row[0], row[1]]] = (2..<6).map { row[$0] as DatabaseValue }
            }
            for key in Set(storedSites.keys).union(sites.keys).sorted(by: { $0.joined(separator: " ") < $1.joined(separator: " ") })
            where storedSites[key] != sites[key] {
                mismatches.append(Mismatch(table: "ticket_sites", requestID: nil, sequence: nil,
                                           problem: "\(key.joined(separator: " ")): differs from the last write_back_configured event"))
            }
        }
    }
}
