import Foundation
import GRDB
import SignoffCore
#if canImport(GRDBSQLite)
import GRDBSQLite
#elseif canImport(SQLite3)
import SQLite3
#endif

/// `audit verify` in one pass over the events, in sequence order: each event's
/// hash is recomputed from its stored columns and the chain checked, and the
/// event is folded into its request (and grant) exactly as appending did. The
/// query tables are read alongside, in the same order (requests by submission,
/// reviews by sequence), and each request's row is compared as soon as its last
/// event has been folded, then forgotten: memory holds only the requests still
/// open in the history read so far, never the whole store.
final class VerifyPass {
    typealias Mismatch = VerifyReport.ProjectionMismatch

    private let db: Database
    /// Each mismatch with where it sorts: its table's rank, where in the
    /// history it arose, and the order it was reported (or its place reserved) in.
    private var mismatches: [(rank: Int, order: Int64, index: Int, mismatch: Mismatch)] = []
    private var reported = 0
    /// Checks the events and decodes them on another core; also compares
    /// request and grant rows there (`compareRows`).
    private let chain = VerifyChain()
    /// Requests folded to their last event, whose rows are compared on the
    /// chain's core a few hundred at a time: encoding each record to compare
    /// it is a tenth of the fold's work, and needs nothing the fold keeps.
    private var rowsToCompare: [RowComparison] = []
    private let comparedRows = Found<(RowComparison, String)>()
    /// Grants folded to their last event, compared there in the same way.
    private var grantsToCompare: [GrantComparison] = []
    /// Those whose stored rows are not the fold's byte for byte (`reportComparedGrants`).
    private let comparedGrants = Found<GrantComparison>()
    private(set) var eventCount = 0
    private(set) var requestCount = 0
    private(set) var firstBadEvent: VerifyReport.BadEvent?

    /// A request whose events are still being folded, with its stored row.
    private final class OpenRequest {
        var record: RequestRecord
        let submitted: Int64
        var last: Int64
        /// The stored row; nil when the query table has none (reported already).
        let stored: StoredRequest?
        /// The bytes of `record.request` as its latest submission or revision carries them.
        var requestJSON: [UInt8]?
        init(record: RequestRecord, submitted: Int64, stored: StoredRequest?) {
            self.record = record
            self.submitted = submitted
            self.last = submitted
            self.stored = stored
        }
    }
    private final class OpenGrant {
        var grant: Grant
        var last: Int64
        let stored: StoredGrant?
        init(grant: Grant, last: Int64, stored: StoredGrant?) {
            self.grant = grant
            self.last = last
            self.stored = stored
        }
    }
    private var requests: [String: OpenRequest] = [:]
    /// Requests compared and forgotten: a later event for one of them means
    /// the stored `last_sequence` stopped short.
    private var closedRequests: Set<String> = []
    /// Those of them a later event changed (named once, in `fold`).
    private var closedEarly: Set<String> = []
    private var grants: [String: OpenGrant] = [:]
    private var closedGrants: Set<String> = []
    /// Every request with a `grant_issued` event, to find grant rows without one.
    private var issued: Set<String> = []
    /// How many of those have both stored rows.
    private var storedIssued = 0
    private var policies: [Int64: PolicyRow] = [:]
    private var handOff: [DatabaseValue]?
    /// The reconciliation tables as the events fold them, by finding and by request.
    private var findings: [String: FindingRow] = [:]
    private var sightings: [String: SightingRow] = [:]
    /// The store's own history: settings, schema, counters (`StoreFacts`).
    private var facts = StoreFacts()
    /// Every signature, and every decision that needed one (`SignatureAudit`).
    let signatures: SignatureAudit
    /// The tickets and ticket sites as the intake events fold them.
    private var tickets = TicketRows.Fold()
    /// Routes, reviews, approvals and grants no command of signoff records (`DecisionCheck`).
    private var decisions = DecisionCheck()
    /// The latest time an event was dated at (milliseconds), and which,
    /// since the store stopped trusting asserted identities.
    private var latest: (at: Int64, sequence: Int64)?
    /// How far an event may be dated before an earlier one: clocks are
    /// corrected, and on PostgreSQL each client's may be 5 minutes off the
    /// server's either way. More is a time chosen, not read from a clock:
    /// the time delegations, rotations and keys are judged at.
    static let backDating: Int64 = 10 * 60_000

    /// The latest policy the events applied, parsed; nil before any, or when its source does not parse.
    private var policyInForce: Policy?

    /// A grant's two rows by its request (`GrantRow.select`), prepared once.
    private let grantQuery: Statement

    /// The query tables, read in the events' order.
    private let requestRows: Cursor<StoredRequest>
    private let reviewRows: Cursor<ReviewRow>

    /// The `requests` rows were read in the table's own order, which was not
    /// the order of their submissions: the pass stopped, to be run again
    /// reading them by submission (`inTableOrder: false`).
    struct RowsOutOfOrder: Error {}

    /// `isCopy`: `db` is a PostgreSQL store's local copy, which keeps a table of its own.
    /// `inTableOrder`: read the `requests` rows in the table's own order (a
    /// scan, where the order of submissions looks each row up through an
    /// index: a fifth of the fold's reading), which signoff writes them in;
    /// the pass throws `RowsOutOfOrder` at the first row out of that order.
    init(_ db: Database, isCopy: Bool = false, inTableOrder: Bool = true) throws {
        self.db = db
        grantQuery = try db.makeStatement(sql: GrantRow.select + "WHERE s.request_id = ?")
        let select = "SELECT \(RequestRow.columns) FROM requests ORDER BY "
        func decode(_ statement: OpaquePointer) -> StoredRequest { StoredRequest(StatementColumns(statement: statement)) }
        // A table rebuilt without a rowid (by hand) is read by submission.
        if inTableOrder, let inOrder = try? Cursor(db, select + "rowid", order: { $0.columns.integer(RequestRow.submittedSequenceColumn) },
                                                   decode) {
            requestRows = inOrder
        } else {
            requestRows = try Cursor(db, select + "submitted_sequence", decode)
        }
        reviewRows = try Cursor(db, "SELECT \(ReviewRow.columns) FROM reviews ORDER BY sequence") {
            ReviewRow(StatementColumns(statement: $0))
        }
        // A hint only (the counter is checked at the end): room for every
        // request up front, rather than growing the sets as they fill.
        let counter = try DatabaseValue.fetchOne(db, sql: "SELECT value FROM counters WHERE name = 'request_number'")
        let capacity = min(max(Int.fromDatabaseValue(counter ?? .null) ?? 0, 0), 10_000_000)
        signatures = SignatureAudit(expected: capacity)
        closedRequests.reserveCapacity(capacity)
        closedGrants.reserveCapacity(capacity)
        issued.reserveCapacity(capacity)
        facts.isCopy = isCopy
        if isCopy {
            for row in try Row.fetchAll(db, sql: "SELECT sequence, reason FROM \(Store.notFoldedTable)") {
                notFolded[try row.checked(0, "\(Store.notFoldedTable).sequence")] = try row.checked(1, "\(Store.notFoldedTable).reason")
            }
        }
    }

    /// On a PostgreSQL store's copy, the events it kept without folding them
    /// (an event signoff never records, appended by hand), and why: the
    /// pass names each and folds it into nothing, as the copy did.
    private var notFolded: [Int64: String] = [:]

    /// What a column that reads as the value expected, but is not stored as
    /// signoff stores it, is reported as: a filter or another reader of the
    /// table compares the stored bytes, not the value GRDB reads.
    static func storedOtherwise(_ column: String) -> String {
        "\(column) is stored otherwise than signoff writes it (another type, or other bytes for the same text)"
    }

    /// The order mismatches are reported in: by table, then by where in the history each arose.
    private static let tables = ["events", "requests", "reviews", "policies", "grants", "grant_status", "hand_off", "findings", "grant_sightings",
                                 "settings", "counters", "schema"]

    private func report(_ table: String, _ requestID: String?, _ sequence: Int64?, _ problem: String, order: Int64) {
        report(Mismatch(table: table, requestID: requestID, sequence: sequence, problem: problem), order: order)
    }

    private func report(_ mismatch: Mismatch, order: Int64) {
        report(mismatch, order: order, index: nextIndex())
    }

    private func report(_ mismatch: Mismatch, order: Int64, index: Int) {
        let rank = Self.tables.firstIndex(of: mismatch.table) ?? Self.tables.count
        mismatches.append((rank, order, index, mismatch))
    }

    /// The place of the next report, taken now for one that may come later.
    private func nextIndex() -> Int {
        defer { reported += 1 }
        return reported
    }

    /// Every mismatch found, by table, each table's in the order of the history.
    var projectionMismatches: [Mismatch] {
        mismatches.sorted { a, b in (a.rank, a.order, a.index) < (b.rank, b.order, b.index) }.map(\.mismatch)
    }

    /// Steps the events once, copying them into batches: each batch is
    /// checked against the chain and decoded on another core (`VerifyChain`)
    /// while the one before it is folded here.
    func run() throws {
        let statement = try db.makeStatement(sql: EventColumns.select + " ORDER BY sequence")
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(handle) }
        var filling = chain.nextBatch()
        var submitted: [VerifyChain.Batch] = []
        // However the fold ends, the chain check finishes before the pass returns.
        defer { firstBadEvent = chain.firstBadEvent() }
        func foldOldest() throws {
            let batch = submitted.removeFirst()
            chain.wait(for: batch)
            try batch.forEach { columns, draft, requestJSON, route in try fold(columns, draft, requestJSON: requestJSON, route: route) }
            chain.done(batch)
        }
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code),
                                    message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
            eventCount += 1
            filling.append(EventColumns(statement: handle))
            if filling.isFull {
                chain.submit(filling)
                submitted.append(filling)
                filling = chain.nextBatch()
                if submitted.count >= 2 { try foldOldest() }
                if requestRows.outOfOrder { throw RowsOutOfOrder() }
            }
        }
        chain.submit(filling)
        submitted.append(filling)
        while !submitted.isEmpty { try foldOldest() }
        try finish()
    }

    /// Folds one event as appending did, comparing each row it completes.
    /// `requestJSON`: for a submission or revision, its request's bytes (`VerifyChain.submit`).
    /// `route`: for a submission's route, the policy's route of it, worked out on the other core.
    private func fold(_ event: EventColumns, _ decoded: Result<EventDraft, any Error>, requestJSON: [UInt8]?,
                      route: PrecomputedRoute?) throws {
        // What the chain's /3 statements name the store by (`Store.identity`).
        if event.sequence == 1 { signatures.store = String(decoding: event.hash, as: UTF8.self) }
        // Matched, not taken out with `get()`, which would copy every string of the event.
        switch decoded {
        case let .success(draft):
            try fold(event, draft, requestJSON: requestJSON, route: route)
        case let .failure(error):
            report("events", event.requestID.map { String(decoding: $0, as: UTF8.self) }, event.sequence, "\(error)",
                   order: event.sequence)
        }
    }

    private func fold(_ event: EventColumns, _ draft: EventDraft, requestJSON: [UInt8]?, route: PrecomputedRoute?) throws {
        let sequence = event.sequence
        let concernsSignatures = signatures.concerns(draft)
        let before = concernsSignatures || DecisionCheck.needsRecord(draft.body) ? try recordBefore(draft) : nil
        if concernsSignatures {
            signatures.fold(draft, event: event, record: before)
        }
        if let reason = notFolded[sequence] {
            report("events", draft.requestID, sequence, "\(draft.body.kind) by \(draft.actor.name): folded into nothing (\(reason))",
                   order: sequence)
            return
        }
        // The route worked out on the other core counts only for exactly this request, submitter and policy.
        let expectedRoute = route.flatMap { route in
            before.flatMap { route.isFor($0, policy: policyInForce) ? route.outcome : nil }
        }
        // The grant an extension extends, with who asked for it, whom its review excludes.
        let extended = before?.request.extends
        if let problem = decisions.problem(draft, record: before, policy: policyInForce, grant: { id in
                                                id == extended ? self.grantNow(id)?.withAuthors(from: try? self.record(id)) : self.grantNow(id)
                                            },
                                            finding: { try? self.findings[$0]?.stored() }, route: expectedRoute),
           !changesAfterLastSequence(draft) {
            report("events", draft.requestID, sequence, "\(draft.body.kind) by \(draft.actor.name): \(problem)", order: sequence)
        }
        if let latest, !facts.trustAsserted, event.at < latest.at - Self.backDating {
            report("events", draft.requestID, sequence,
                   "\(draft.body.kind) by \(draft.actor.name) is dated \(UTCTime.text(milliseconds: event.at)), \((latest.at - event.at) / 60_000) minutes before event \(latest.sequence) (\(UTCTime.text(milliseconds: latest.at))): signoff appends events in time order, so this one was dated back",
                   order: sequence)
        }
        var found: [Mismatch] = []
        facts.fold(draft, sequence: sequence, into: &found)
        // Times count from when the store stopped trusting asserted identities
        // (and with them `SIGNOFF_NOW`): before, any time could be asserted.
        if facts.trustAsserted {
            latest = nil
        } else if latest.map({ event.at > $0.at }) ?? true {
            latest = (event.at, sequence)
        }
        for mismatch in found { report(mismatch, order: sequence) }
        tickets.fold(draft, sequence: sequence)
        switch draft.body {
        case let .policyApplied(policy):
            policies[sequence] = PolicyRow(sequence: sequence, actor: draft.actor, at: event.at, policy: policy)
            policyInForce = ParsedPolicies.shared.policy(version: policy.version, source: policy.source, file: policy.file)
        case let .reviewRecorded(review):
            if let id = draft.requestID {
                compareReview(ReviewRow(sequence: sequence, requestID: id, actor: draft.actor, at: event.at, review: review))
            }
        case let .handOffConfigured(config):
            handOff = [config.outbox.databaseValue, config.command.databaseValue, config.timeoutSeconds.databaseValue,
                       event.at.databaseValue, draft.actor.name.databaseValue,
                       draft.actor.authentication.rawValue.databaseValue, sequence.databaseValue]
        case let .reconciliationRun(run):
            for (ids, present) in [(run.grantsPresent, true), (run.grantsAbsent, false)] {
                for id in ids {
                    sightings[id] = ReconciliationFold.sighting(id, present: present, previous: sightings[id], sequence: sequence, at: event.at)
                }
            }
            for id in run.findingsSeen {
                if let finding = findings[id], let next = ReconciliationFold.seenAgain(finding, sequence: sequence, at: event.at) {
                    findings[id] = next
                } else {
                    report("findings", nil, sequence, "the run sees finding \(id) again, but no event left it open", order: sequence)
                }
            }
        case let .findingOpened(opened):
            findings[opened.findingID] = ReconciliationFold.opened(opened, previous: findings[opened.findingID], sequence: sequence,
                                                                   at: event.at)
        case let .findingExcepted(excepted):
            if let finding = findings[excepted.findingID],
               let next = ReconciliationFold.excepted(finding, excepted, by: draft.actor.name, sequence: sequence, at: event.at) {
                findings[excepted.findingID] = next
            } else {
                report("findings", nil, sequence, "excepts finding \(excepted.findingID), which no event left open", order: sequence)
            }
        case let .findingRemovalRequested(requested):
            if let finding = findings[requested.findingID],
               let next = ReconciliationFold.removalRequested(finding, requested, by: draft.actor.name, sequence: sequence, at: event.at) {
                findings[requested.findingID] = next
            } else {
                report("findings", nil, sequence, "sends finding \(requested.findingID) for removal, but no event left it open", order: sequence)
            }
        case let .removalHandedOff(handedOff):
            if let finding = findings[handedOff.findingID],
               let next = ReconciliationFold.removalDelivered(finding, state: .handedOff, outcome: handedOff.via) {
                findings[handedOff.findingID] = next
            } else {
                report("findings", nil, sequence, "hands off the removal of finding \(handedOff.findingID), which nobody requested", order: sequence)
            }
        case let .removalHandOffFailed(failed):
            if let finding = findings[failed.findingID],
               let next = ReconciliationFold.removalDelivered(finding, state: .failed, outcome: failed.reason) {
                findings[failed.findingID] = next
            } else {
                report("findings", nil, sequence, "records a failed removal hand-off of finding \(failed.findingID), which nobody requested", order: sequence)
            }
        case let .findingResolved(resolved):
            if let finding = findings[resolved.findingID] {
                findings[resolved.findingID] = ReconciliationFold.resolved(finding, resolved, at: event.at)
            } else {
                report("findings", nil, sequence, "resolves finding \(resolved.findingID), which no event opened", order: sequence)
            }
        case let .requestSubmitted(submitted):
            if let id = submitted.request.finding {
                if let finding = findings[id], let request = draft.requestID {
                    findings[id] = ReconciliationFold.requested(finding, by: request)
                } else {
                    report("findings", draft.requestID, sequence, "the request names finding \(id), which no event opened", order: sequence)
                }
            }
        case .requestRouted, .reviewRefused, .actionRefused, .requestDecided, .requestWithdrawn,
             .grantIssued, .grantHandedOff, .grantProvisioned, .grantProvisioningFailed, .grantExpired, .grantRevoked,
             .grantExtended, .incidentReviewCompleted, .storeCreated, .settingsChanged, .schemaMigrated, .requestRevised,
             .ticketLinked, .intakeRefused, .writeBackConfigured:
            break
        }
        guard let id = draft.requestID else { return }
        if GrantProjection.concernsGrant(draft.body) {
            try foldGrant(draft, id: id, sequence: sequence)
            return
        }
        if case .requestSubmitted = draft.body {
            submit(draft, id: id, sequence: sequence, requestJSON: requestJSON)
            return
        }
        guard let open = requests[id] else {
            if closedRequests.contains(id) {
                report("requests", id, nil, "event \(sequence) changes the request after the query table's last_sequence",
                       order: sequence)
                closedRequests.remove(id)
                closedEarly.insert(id)
            }
            return
        }
        Projection.apply(draft, into: &open.record)
        if case .requestRevised = draft.body { open.requestJSON = requestJSON }
        open.last = sequence
        if let storedRow = open.stored, storedRow.lastSequence == sequence { close(id, open) }
    }

    /// The request `draft` concerns as it stood before it: the fold so far,
    /// or, once that was compared and forgotten, the query table's row (which
    /// the comparison found equal to the fold, or named).
    private func recordBefore(_ draft: EventDraft) throws -> RequestRecord? {
        guard let id = draft.requestID else { return nil }
        if case .requestSubmitted = draft.body { return nil }
        return try record(id)
    }

    /// Request `id` as the events so far leave it (see `recordBefore`).
    private func record(_ id: String) throws -> RequestRecord? {
        if let open = requests[id] { return open.record }
        guard let data = try Data.fetchOne(db.cachedStatement(sql: "SELECT record FROM requests WHERE id = ?"),
                                           arguments: [id]) else { return nil }
        return try? EventCoding.readRecord(data)
    }

    /// Whether `draft` changes a request already compared and forgotten, which
    /// the fold names (its stored `last_sequence` stopped short): the stored
    /// row is then all there is of the request before it, and a decision is
    /// not judged by a row that holds what came after it.
    private func changesAfterLastSequence(_ draft: EventDraft) -> Bool {
        guard DecisionCheck.needsRecord(draft.body), let id = draft.requestID else { return false }
        return requests[id] == nil && (closedRequests.contains(id) || closedEarly.contains(id))
    }

    private func submit(_ draft: EventDraft, id: String, sequence: Int64, requestJSON: [UInt8]?) {
        guard let record = Projection.apply(draft, to: nil) else { return }
        if requests[id] != nil || closedRequests.contains(id) {
            report("requests", id, nil, "submitted again by event \(sequence)", order: sequence)
            return
        }
        requestCount += 1
        // Rows before this submission's have no submission of their own.
        while let row = requestRows.current, row.submittedSequence < sequence {
            report("requests", row.id, nil, "in the query table, but no event submits it", order: row.submittedSequence)
            requestRows.advance()
        }
        var storedRow: StoredRequest?
        if let row = requestRows.current, row.submittedSequence == sequence {
            requestRows.advance()
            if row.id == id {
                storedRow = row
            } else {
                report("requests", row.id, nil, "in the query table, but no event submits it", order: sequence)
            }
        }
        if storedRow == nil {
            report("requests", id, nil, "submitted by the events, but missing from the query table", order: sequence)
        }
        let open = OpenRequest(record: record, submitted: sequence, stored: storedRow)
        open.requestJSON = requestJSON
        if storedRow?.lastSequence == sequence { close(id, open) } else { requests[id] = open }
    }

    /// Compares a request's row with the fold of its events (on the chain's
    /// core, in its place among the reports), and forgets it.
    private func close(_ id: String, _ open: OpenRequest) {
        requests[id] = nil
        closedRequests.insert(id)
        guard let storedRow = open.stored else { return }
        rowsToCompare.append(RowComparison(id: id, record: open.record, submitted: open.submitted, last: open.last,
                                           requestJSON: open.requestJSON, storedColumns: storedRow.columns, index: nextIndex()))
        if rowsToCompare.count >= 256 { compareRows() }
    }

    /// Hands the requests and grants closed since the last call to the chain's core.
    private func compareRows() {
        if !rowsToCompare.isEmpty {
            let rows = rowsToCompare, compared = comparedRows
            rowsToCompare.removeAll(keepingCapacity: true)
            chain.later {
                for row in rows {
                    if let difference = row.difference() { compared.add((row, difference)) }
                }
            }
        }
        if !grantsToCompare.isEmpty {
            let grants = grantsToCompare, compared = comparedGrants
            grantsToCompare.removeAll(keepingCapacity: true)
            chain.later {
                for grant in grants where !grant.holds() { compared.add(grant) }
            }
        }
    }

    /// Waits for the rows handed over, and reports each that differs.
    private func reportComparedRows() {
        compareRows()
        chain.waitForAll()
        for (row, difference) in comparedRows.all {
            report(Mismatch(table: "requests", requestID: row.id, sequence: nil, problem: difference), order: row.submitted,
                   index: row.index)
        }
    }

    private func compareReview(_ expected: ReviewRow) {
        let sequence = expected.sequence
        while let row = reviewRows.current, row.sequence < sequence {
            report("reviews", row.requestID, row.sequence, "in the query table, but no review_recorded event has this sequence",
                   order: row.sequence)
            reviewRows.advance()
        }
        if let row = reviewRows.current, row.sequence == sequence {
            reviewRows.advance()
            if row != expected {
                report("reviews", expected.requestID, sequence, "differs from the review_recorded event", order: sequence)
            }
        } else {
            report("reviews", expected.requestID, sequence, "recorded by the events, but missing from the query table",
                   order: sequence)
        }
    }

    private func foldGrant(_ draft: EventDraft, id: String, sequence: Int64) throws {
        if case .grantIssued = draft.body {
            guard let grant = GrantProjection.apply(draft, to: nil) else { return }
            guard issued.insert(id).inserted else {
                report("grants", id, nil, "issued again by event \(sequence)", order: sequence)
                return
            }
            let storedRow = try storedGrant(id)
            if storedRow == nil {
                report("grants", id, nil, "issued by the events, but missing from the query table", order: sequence)
            } else {
                storedIssued += 1
            }
            let open = OpenGrant(grant: grant, last: sequence, stored: storedRow)
            if storedRow?.lastSequence == sequence { closeGrant(id, open) } else { grants[id] = open }
            return
        }
        guard let open = grants[id] else {
            if closedGrants.contains(id) {
                report("grants", id, nil, "event \(sequence) changes the grant after the query table's last_sequence",
                       order: sequence)
                closedGrants.remove(id)
            }
            return
        }
        GrantProjection.apply(draft, into: &open.grant.status)
        open.last = sequence
        if open.stored?.lastSequence == sequence { closeGrant(id, open) }
    }

    /// Compares a grant's rows with the fold of its events (on the chain's
    /// core, in its place among the reports), and forgets it.
    private func closeGrant(_ id: String, _ open: OpenGrant) {
        grants[id] = nil
        closedGrants.insert(id)
        guard let stored = open.stored else { return }
        grantsToCompare.append(GrantComparison(id: id, grant: open.grant, last: open.last, stored: stored.columns,
                                               index: nextIndex()))
        if grantsToCompare.count >= 256 { compareRows() }
    }

    /// Waits for the grants handed over, and reports how each that is not
    /// its fold byte for byte differs as GRDB reads the rows (if it does).
    private func reportComparedGrants() throws {
        compareRows()
        chain.waitForAll()
        for compared in comparedGrants.all {
            let expected = GrantRow(compared.grant, lastSequence: compared.last)
            guard let storedRow = try storedGrantRow(compared.id) else { continue }
            var difference = expected != storedRow ? expected.firstDifference(from: storedRow) : nil
            if difference == nil, let index = compared.stored.firstNotHolding(expected.terms + expected.status.values) {
                difference = VerifyPass.storedOtherwise((GrantRow.termsColumnNames + GrantStatusRow.columnNames)[index])
            }
            guard let difference else { continue }
            report(Mismatch(table: "grants", requestID: compared.id, sequence: nil, problem: difference), order: compared.last,
                   index: compared.index)
        }
    }

    /// A request's grant as the events so far leave it: the fold's while its
    /// events go on, else the stored one (compared with the fold already, or
    /// named); nil when none was issued.
    private func grantNow(_ id: String) -> Grant? {
        if let open = grants[id] { return open.grant }
        guard issued.contains(id) else { return nil }
        return try? Store.grant(db, id)
    }

    /// A grant's two rows, by its request, as stepped; nil when either is
    /// missing (the halves check names which). Compared in place with the
    /// fold's row when the grant's last event is folded (`closeGrant`).
    private func storedGrant(_ id: String) throws -> StoredGrant? {
        try grantRows(id, StoredGrant.init)
    }

    /// `storedGrant` as GRDB's values, where the fold's row is not it byte for byte.
    private func storedGrantRow(_ id: String) throws -> GrantRow? {
        try grantRows(id, GrantRow.init)
    }

    private func grantRows<Row>(_ id: String, _ read: (StatementColumns) -> Row) throws -> Row? {
        var found: Row?
        var query = FastStatement(grantQuery, db)
        query.bind(id)
        try query.forEachRow { found = read(StatementColumns(statement: $0)) }
        return found
    }

    /// What only the end of the history can tell: rows never reached, requests
    /// and grants whose stored last event never came, policies, the hand-off.
    private func finish() throws {
        for (id, open) in requests.sorted(by: { $0.value.submitted < $1.value.submitted }) where open.stored != nil {
            close(id, open)
        }
        reportComparedRows()
        while let row = requestRows.current {
            report("requests", row.id, nil, "in the query table, but no event submits it", order: row.submittedSequence)
            requestRows.advance()
        }
        if requestRows.outOfOrder { throw RowsOutOfOrder() }
        while let row = reviewRows.current {
            report("reviews", row.requestID, row.sequence, "in the query table, but no review_recorded event has this sequence",
                   order: row.sequence)
            reviewRows.advance()
        }
        if let error = requestRows.error ?? reviewRows.error { throw error }
        for (id, open) in grants.sorted(by: { $0.value.last < $1.value.last }) where open.stored != nil {
            closeGrant(id, open)
        }
        try reportComparedGrants()

        let storedPolicies = try Row.fetchCursor(db, sql: "SELECT \(PolicyRow.columns) FROM policies ORDER BY sequence")
        while let row = try storedPolicies.next() {
            let storedRow = PolicyRow(row: row)
            if let expected = policies.removeValue(forKey: storedRow.sequence) {
                if expected != storedRow {
                    report("policies", nil, storedRow.sequence, "differs from the policy_applied event", order: storedRow.sequence)
                }
            } else {
                report("policies", nil, storedRow.sequence, "in the query table, but no policy_applied event has this sequence",
                       order: storedRow.sequence)
            }
        }
        for sequence in policies.keys.sorted() {
            report("policies", nil, sequence, "applied by the events, but missing from the query table", order: sequence)
        }

        // A half without the other: the join cannot see it.
        let halves = try Row.fetchAll(db, sql: """
            SELECT request_id, 'grants' FROM grants WHERE request_id NOT IN (SELECT request_id FROM grant_status)
            UNION ALL
            SELECT request_id, 'grant_status' FROM grant_status WHERE request_id NOT IN (SELECT request_id FROM grants)
            """)
        for row in halves {
            let id = row.quoted(0), table = row.quoted(1)
            report(table, id, nil, "a \(table) row without its other half", order: 0)
        }
        let storedGrants = try Int.fetchOne(db, sql: "SELECT count(*) FROM grants JOIN grant_status USING (request_id)") ?? 0
        if storedGrants > storedIssued {
            let ids = try String.fetchCursor(db, sql: "SELECT request_id FROM grants JOIN grant_status USING (request_id)")
            while let id = try ids.next() {
                if !issued.contains(id) { report("grants", id, nil, "in the query table, but no event issues it", order: 0) }
            }
        }

        let storedHandOff = try Row.fetchOne(db, sql: """
            SELECT outbox, command, timeout_seconds, configured_at, configured_by, authentication, sequence FROM hand_off
            """).map { row in (0..<7).map { row[$0] as DatabaseValue } }
        if storedHandOff != handOff {
            report("hand_off", nil, nil, "differs from the latest hand_off_configured event", order: 0)
        }
        signatures.finish()
        try compareReconciliation()
        var found: [Mismatch] = []
        try facts.compare(with: db, into: &found)
        try tickets.compare(with: db, into: &found)
        for mismatch in found { report(mismatch, order: 0) }
    }
}

extension VerifyPass {
    /// The reconciliation tables against the fold of the reconciliation
    /// events. Stored rows are compared as raw values, never decoded, so a
    /// hand-edited row of any type is named, not trusted.
    fileprivate func compareReconciliation() throws {
        let storedFindings = try Row.fetchCursor(db, sql: "SELECT \(ReconciliationRows.columns) FROM findings ORDER BY id")
        while let row = try storedFindings.next() {
            let stored = (0..<row.count).map { row[$0] as DatabaseValue }
            let id = String.fromDatabaseValue(stored[0]) ?? "\(stored[0])"
            guard let expected = findings.removeValue(forKey: id) else {
                report("findings", nil, nil, "\(id) is in the query table, but no finding_opened event opens it", order: 0)
                continue
            }
            if let difference = ReconciliationRows.firstDifference(ReconciliationRows.columns, expected.values, stored) {
                report("findings", nil, expected.openedSequence, "\(id): \(difference)", order: expected.openedSequence)
            }
        }
        for (id, expected) in findings.sorted(by: { $0.value.openedSequence < $1.value.openedSequence }) {
            report("findings", nil, expected.openedSequence, "\(id) is opened by the events, but missing from the query table",
                   order: expected.openedSequence)
        }
        let storedSightings = try Row.fetchCursor(db, sql: "SELECT \(SightingRow.columns) FROM grant_sightings ORDER BY request_id")
        while let row = try storedSightings.next() {
            let stored = (0..<row.count).map { row[$0] as DatabaseValue }
            let id = String.fromDatabaseValue(stored[0]) ?? "\(stored[0])"
            guard let expected = sightings.removeValue(forKey: id) else {
                report("grant_sightings", id, nil, "in the query table, but no reconciliation run covered this grant", order: 0)
                continue
            }
            if let difference = ReconciliationRows.firstDifference(SightingRow.columns, expected.values, stored) {
                report("grant_sightings", id, expected.run, difference, order: expected.run)
            }
        }
        for (id, expected) in sightings.sorted(by: { $0.value.run < $1.value.run }) {
            report("grant_sightings", id, expected.run, "covered by run \(expected.run), but missing from the query table", order: expected.run)
        }
    }
}

/// A query stepped one row at a time alongside another (a merge), each row
/// decoded as it is reached. A failing step ends the cursor and is kept in
/// `error`, which `VerifyPass` throws at its end. With `order`, each row's
/// key must be an integer above the row before's, as the merge needs them:
/// the first that is not, or a failing step, ends the cursor with `outOfOrder`.
private final class Cursor<Row> {
    private let statement: Statement
    private let decode: (OpaquePointer) -> Row
    private let order: ((Row) -> Int64?)?
    private var lastKey: Int64?
    private(set) var current: Row?
    private(set) var error: DatabaseError?
    private(set) var outOfOrder = false
    private let db: Database

    init(_ db: Database, _ sql: String, order: ((Row) -> Int64?)? = nil, _ decode: @escaping (OpaquePointer) -> Row) throws {
        self.db = db
        statement = try db.makeStatement(sql: sql)
        self.order = order
        self.decode = decode
        advance()
    }

    deinit { sqlite3_reset(statement.sqliteStatement) }

    func advance() {
        let handle = statement.sqliteStatement
        let code = sqlite3_step(handle)
        if code == SQLITE_ROW {
            let row = decode(handle)
            if let order {
                guard let key = order(row), lastKey.map({ key > $0 }) ?? true else {
                    current = nil
                    outOfOrder = true
                    return
                }
                lastKey = key
            }
            current = row
            return
        }
        current = nil
        // Read in order, a failing step (the table rebuilt under a cached
        // statement) is out of order too: the read by submission says why.
        if code != SQLITE_DONE, order != nil {
            outOfOrder = true
        } else if code != SQLITE_DONE, error == nil {
            error = DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
        }
    }
}

/// A stored request row as the pass steps it: what the merge by sequence
/// needs, and its columns copied, decoded only where they are compared (off
/// the fold's core): the row's two dozen strings were a tenth of the fold's work.
private struct StoredRequest {
    let id: String
    let submittedSequence: Int64
    let lastSequence: Int64
    let columns: CapturedColumns

    init(_ row: StatementColumns) {
        let v = StoredValues(row)
        id = v.text(RequestRow.idColumn)
        submittedSequence = v.int(RequestRow.submittedSequenceColumn)
        lastSequence = v.int(RequestRow.lastSequenceColumn)
        columns = CapturedColumns(row, count: RequestRow.columnCount)
    }
}

/// A grant's stored rows as the pass steps them, compared with the fold in place.
private struct StoredGrant {
    let columns: CapturedColumns
    /// The `last_sequence` column: the last event that changed the grant.
    let lastSequence: Int64?

    init(_ row: StatementColumns) {
        let count = GrantRow.termsColumnNames.count + GrantStatusRow.columnNames.count
        columns = CapturedColumns(row, count: count)
        lastSequence = columns.integer(count - 1)
    }
}

/// A request's stored row and the fold of its events, to compare off the fold's core.
private struct RowComparison: Sendable {
    var id: String
    var record: RequestRecord
    var submitted: Int64
    var last: Int64
    /// The bytes of `record.request` as its latest submission or revision carries them.
    var requestJSON: [UInt8]?
    var storedColumns: CapturedColumns
    /// Its place among the pass's reports.
    var index: Int

    /// How the stored row differs from the fold; nil when it does not.
    /// The record is first encoded around the request's bytes as its
    /// submission carries them (`VerifyChain.submittedRequest`), then, where
    /// the stored record is not that, with the request encoded as the writer
    /// encodes it.
    func difference() -> String? {
        func matches(_ encoded: (bytes: [UInt8], route: Range<Int>?)) -> Bool {
            RequestRow.matches(storedColumns, record, submittedSequence: submitted, lastSequence: last, encoded: encoded)
        }
        if let requestJSON, matches(CanonicalJSON.encodeRecord(record, requestJSON: requestJSON)) { return nil }
        let encoded = CanonicalJSON.encodeRecord(record, requestJSON: nil)
        if matches(encoded) { return nil }
        let stored = RequestRow(storedColumns)
        let expected = RequestRow(record, submittedSequence: submitted, lastSequence: last, encoded: encoded)
        if expected != stored, let difference = expected.firstDifference(from: stored) { return difference }
        // The same as values, not as signoff writes them: edited all the same.
        return storedColumns.firstNotHolding(expected.databaseValues).map { VerifyPass.storedOtherwise(RequestRow.columnNames[$0]) }
    }
}

/// A grant's stored rows, as the pass captured them, and the fold of its
/// events, to compare off the fold's core.
private struct GrantComparison: Sendable {
    var id: String
    var grant: Grant
    var last: Int64
    var stored: CapturedColumns
    /// Its place among the pass's reports.
    var index: Int

    /// Whether the stored rows are the fold's byte for byte.
    func holds() -> Bool {
        let expected = GrantRow(grant, lastSequence: last)
        return stored.hold(expected.terms + expected.status.values)
    }
}

/// What the chain's core found, gathered there.
private final class Found<Item>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Item] = []

    func add(_ item: Item) { lock.withLock { items.append(item) } }
    var all: [Item] { lock.withLock { items } }
}
