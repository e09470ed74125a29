import Foundation
import GRDB
import SignoffCore

/// One command's view of the store inside an IMMEDIATE write transaction:
/// read the current state, decide, append events. Everything appended commits
/// together when the `write` body returns, or not at all when it throws.
///
/// Valid only inside the `Store.write` body that received it.
public final class WriteTransaction {
    let db: Database
    /// Whether `db` is a PostgreSQL store's local copy, whose events of
    /// requests are read without those it kept unfolded (`Store.events`).
    let isCopy: Bool
    /// As of this transaction: a `settings_changed` event appended here counts from then on.
    private var settings: StoreSettings
    private var chain = EventChain()
    /// The last event in the chain, once known in this transaction.
    private var head: (sequence: Int64, hash: String)?
    /// Records read or changed in this transaction; changed ones are written
    /// back once, when the transaction finishes, however many events touched them.
    private var entries: [String: Entry] = [:]
    private var changed: [String] = []
    private var requestNumber: Int64?
    private var requestNumberChanged = false
    /// IDs `nextRequestID` checked as free in this transaction and not yet
    /// submitted: their submission needs no second look at the table.
    private var issuedIDs: Set<String> = []
    var isOpen = true
    /// Who the outbox rows this transaction adds or changes are recorded as
    /// changed by (`OutboxItem.changedBy`): the command layer sets it to the
    /// person it acts as. On a PostgreSQL store the server stamps its own.
    public var outboxActor: Principal?
    /// Whether this transaction folds a shared store's events into its local
    /// copy rather than records new ones. Those events are already the
    /// store's: an approval with no grant after it commits (as the events
    /// say); a decision unsigned where a signature is required is refused
    /// like one whose signature does not hold, and so is what could give
    /// access that signoff never records (`accessProblem`), so
    /// `appendUnfolded` keeps it without folding it.
    var folding = false
    /// The sequence of the last event in the chain, once known in this transaction.
    var headSequence: Int64? { head?.sequence }
    /// Grant statuses read or changed in this transaction, written back at the
    /// end like records. Grant events after `grant_issued` change only these.
    private var statuses: [String: StatusEntry] = [:]
    private var changedStatuses: [StatusEntry] = []
    /// The grant a sweep's `body` is deciding on (`forEachGrantDue`), also in
    /// `statuses`: its events find it without a lookup.
    private var visiting: StatusEntry?
    /// What was granted, for grants read whole or issued in this transaction;
    /// their current status is the one in `statuses`.
    private var wholeGrants: [String: Grant] = [:]
    /// Requests approved in this transaction, and those whose grant (or
    /// extension) was written: every approval must have one, or nothing commits.
    private var approvedHere: Set<String> = []
    private var grantedHere: Set<String> = []
    /// The append path's statements, looked up once per transaction rather
    /// than by their SQL text for every event.
    private var insertEventStatement: Statement?
    /// The bindings' memory of the two statements run once per event or grant, kept between runs.
    private var insertEventBuffers = FastStatement.Buffers()
    private var grantUpdateBuffers = FastStatement.Buffers()
    /// What this store's /3 statements name it by (`Store.identity`), once read.
    private var storeIdentity: String?
    /// Folding: which older statements the chain still accepts as of its
    /// head, once read (`olderStatementsInChain`), then followed event by event.
    private var olderInChain: DecisionStatement.OlderStatements?
    /// Signatures offered for this transaction's events, by the statement they sign.
    private var offeredSignatures: [String: EventSignature] = [:]
    /// Events appended here that needed a signature and had none: the
    /// transaction cannot commit, and the caller learns what to sign.
    private var missingSignatures: [SignatureNeed] = []
    /// The policy in force as of this transaction, parsed; dropped when one is applied here.
    private var policyInForce: PolicyInForce??
    private var insertRequestStatement: Statement?
    private var existsStatement: Statement?

    /// A class, so the dictionary holds a pointer: growing it moves no records,
    /// and events change the record in place.
    private final class Entry {
        var record: RequestRecord
        var submittedSequence: Int64
        var lastSequence: Int64
        var isStored: Bool
        var isChanged: Bool
        /// The canonical bytes of `record.request` when this transaction
        /// submitted it (until a revision changes the request).
        var requestJSON: [UInt8]?
        /// The canonical bytes of `record.route`, a slice of the payload of
        /// the `request_routed` event of this transaction that set it.
        var routeJSON: ArraySlice<UInt8>?
        /// A revision changed the request: every column is written back, not only the fold's.
        var requestChanged = false

        init(record: RequestRecord, submittedSequence: Int64, lastSequence: Int64, isStored: Bool, isChanged: Bool,
             requestJSON: [UInt8]? = nil) {
            self.record = record
            self.submittedSequence = submittedSequence
            self.lastSequence = lastSequence
            self.isStored = isStored
            self.isChanged = isChanged
            self.requestJSON = requestJSON
        }
    }

    private final class StatusEntry {
        var status: GrantStatus
        var lastSequence: Int64
        /// The row as stored, so a write-back sets only the columns that changed;
        /// nil for a grant issued in this transaction.
        var stored: (status: GrantStatus, lastSequence: Int64)?
        var isChanged: Bool
        init(status: GrantStatus, lastSequence: Int64, stored: (status: GrantStatus, lastSequence: Int64)?,
             isChanged: Bool) {
            self.status = status
            self.lastSequence = lastSequence
            self.stored = stored
            self.isChanged = isChanged
        }
    }
    /// UPDATE statements by the set of columns they set: a sweep changes the
    /// same few columns of every grant, so it prepares one statement.
    private var grantUpdates: [ChangedColumns: Statement] = [:]
    /// Tickets looked up or linked in this transaction, by request (nil: none).
    var ticketsByRequest: [String: TicketRef?] = [:]
    /// Whether any ticket site hears of its requests (`ticket_sites` has a row), once looked up.
    var anyWriteBackSite: Bool?
    /// Write-back settings read in this transaction, by site (nil: none configured).
    var writeBackBySite: [TicketSiteKey: TicketWriteBackSettings?] = [:]

    /// The store's other connections, to read in a snapshot beside this
    /// transaction: for a store file's own transaction, whose snapshot there
    /// is the state this transaction began from until it writes (nobody else
    /// can commit while it holds the write lock). nil for a PostgreSQL
    /// store's copy, whose transaction begins by folding the server's new events.
    private let readers: DatabasePool?
    /// The writer's count of changed rows when this transaction began: while
    /// it is the same, nothing was written here yet.
    private let changesAtStart: Int

    /// `isCopy`: `db` is a PostgreSQL store's local copy (`Store.events`).
    init(db: Database, settings: StoreSettings, isCopy: Bool, readers: DatabasePool? = nil) {
        self.db = db
        self.settings = settings
        self.isCopy = isCopy
        self.readers = readers
        changesAtStart = db.totalChangesCount
    }

    /// The store's settings as of this transaction.
    public var settingsNow: StoreSettings { settings }

    /// Why this store's files cannot be shared with group `name` by this
    /// account (`StoreFile.shareGroupProblem`); nil when they can, and on a
    /// PostgreSQL store's copy, whose server holds the store.
    public func shareGroupProblem(_ name: String) -> String? {
        isCopy ? nil : StoreFile.shareGroupProblem(name)
    }

    /// The last schema migration the events record (the `settings.schema` column).
    func recordedSchema() throws -> String? {
        checkOpen()
        return try String.fetchOne(db, sql: "SELECT schema FROM settings WHERE id = 1")
    }

    /// The policy in force, as of this transaction (including one applied in it).
    public func currentPolicy() throws -> StoredPolicy? {
        checkOpen()
        return try StoredPolicy.fetchLatest(db, isCopy: isCopy)
    }

    /// The request as of this transaction, including events appended in it.
    /// Read it here, not before `write`, so racing approvers see each other.
    public func record(_ id: String) throws -> RequestRecord? {
        checkOpen()
        return try entry(id)?.record
    }

    /// Pending and blocked requests in submission order, e.g. to re-route them
    /// after a policy change.
    public func openRecords() throws -> [RequestRecord] {
        checkOpen()
        try flush()
        let (clause, arguments) = RequestFilter.open.sql
        let rows = try Row.fetchAll(db, sql: "SELECT submitted_sequence, last_sequence, record FROM requests" + clause,
                                    arguments: StatementArguments(arguments))
        return try cached(rows)
    }

    /// A new request ID: `REQ-1`, `REQ-2`, ... (not zero-padded; list requests
    /// in submission order rather than by ID). The counter is durable, so an ID
    /// is never handed out twice, even when the request it was meant for was
    /// never submitted.
    public func nextRequestID() throws -> String {
        checkOpen()
        var number = try requestNumber
            ?? Int64.fetchOne(db.cachedStatement(sql: "SELECT value FROM counters WHERE name = 'request_number'"))
            ?? 0
        var id: String
        repeat {
            number += 1
            id = "REQ-\(number)"
        } while try exists(id)
        requestNumber = number
        requestNumberChanged = true
        issuedIDs.insert(id)
        return id
    }

    /// Numbers the event, chains its hash, stores it, and updates the query
    /// tables through `Projection.apply`, all in this transaction.
    ///
    /// Refuses (before writing anything) a submission without an ID or with a
    /// taken ID, an event for a request that does not exist, an asserted
    /// identity in a store that does not trust them, a second `store_created`,
    /// and text no column could carry exactly (a NUL anywhere in the event,
    /// which SQLite's text bindings would cut there and `audit verify` would
    /// then report, for ever, as an alteration).
    @discardableResult
    public func append(_ draft: EventDraft) throws -> RecordedEvent {
        checkOpen()
        var draft = draft
        draft.at = EventCoding.storedPrecision(draft.at)
        let kind = draft.body.kind
        if Self.holdsNUL(draft.actor.name) || draft.requestID.map(Self.holdsNUL) == true {
            throw StoreError.unstorableText("the actor or request ID of a \(kind) event holds a NUL character")
        }
        if draft.actor.authentication == .asserted, !settings.trustAssertedIdentities {
            throw StoreError.invalidEvent(
                "\(draft.actor.name) is an asserted identity, and this store was created not to trust them")
        }
        if let problem = DecisionCheck.actorProblem(draft) { throw StoreError.invalidEvent(problem) }
        // The submission's request, encoded once: its bytes are both the
        // payload's and (spliced, at flush) the stored record's.
        var requestJSON: [UInt8]?
        // The grant a grant event after `grant_issued` changes, looked up once.
        var grantStatus: StatusEntry?
        switch draft.body {
        case .policyApplied, .handOffConfigured, .schemaMigrated, .reconciliationRun:
            break
        case let .settingsChanged(changed):
            if changed.trustAssertedIdentities && !settings.trustAssertedIdentities {
                throw StoreError.invalidEvent("trust of asserted identities can be turned off, never on")
            }
        case let .findingOpened(opened):
            if try findingIsOpen(opened.findingID) { throw StoreError.invalidEvent("finding \(opened.findingID) is already open") }
        case let .findingResolved(resolved):
            if try !findingIsOpen(resolved.findingID) { throw StoreError.invalidEvent("finding \(resolved.findingID) is not open") }
        case let .findingExcepted(excepted):
            if try !findingIsOpen(excepted.findingID) { throw StoreError.invalidEvent("finding \(excepted.findingID) is not open") }
        case let .findingRemovalRequested(requested):
            if try !findingIsOpen(requested.findingID) { throw StoreError.invalidEvent("finding \(requested.findingID) is not open") }
        case .removalHandedOff, .removalHandOffFailed:
            break  // the fold refuses an outcome for a removal nobody requested
        case .storeCreated:
            if try chainHead().sequence != 0 { throw StoreError.invalidEvent("a store is created once: store_created must be its first event") }
        case .actionRefused:
            // A refused store-wide action (applying a policy, setting the hand-off) names no request.
            if let id = draft.requestID, try !load(id) { throw StoreError.unknownRequest(id) }
        case .grantIssued:
            guard let id = draft.requestID else { throw StoreError.invalidEvent("a \(kind) event needs a request ID") }
            guard try load(id) else { throw StoreError.unknownRequest(id) }
            if try status(id) != nil { throw StoreError.invalidEvent("\(id) already has a grant") }
        case .grantHandedOff, .grantProvisioned, .grantProvisioningFailed, .grantExpired, .grantRevoked, .grantExtended,
             .incidentReviewCompleted:
            guard let id = draft.requestID else { throw StoreError.invalidEvent("a \(kind) event needs a request ID") }
            guard let found = try status(id) else { throw StoreError.invalidEvent("\(id) has no grant for a \(kind) event") }
            grantStatus = found
        case let .requestSubmitted(submitted):
            guard let id = draft.requestID else { throw StoreError.invalidEvent("a \(kind) event needs a request ID") }
            let checked = issuedIDs.contains(id) && entries[id] == nil
            if !checked, try exists(id) { throw StoreError.duplicateRequest(id) }
            requestJSON = CanonicalJSON.encode(submitted.request)
        case .requestRouted, .reviewRecorded, .reviewRefused, .requestDecided, .requestWithdrawn, .requestRevised, .ticketLinked:
            guard let id = draft.requestID else { throw StoreError.invalidEvent("a \(kind) event needs a request ID") }
            guard try load(id) else { throw StoreError.unknownRequest(id) }
        case .intakeRefused:
            // A ticket refused before it ever made a request names none.
            if let id = draft.requestID, try !load(id) { throw StoreError.unknownRequest(id) }
        case .writeBackConfigured:
            break
        }

        let previous = try chainHead()
        // A stored head at the end of the range (written by hand) ends the chain, not the process.
        guard previous.sequence < Int64.max else { throw StoreError.unreadableRow("the chain's last event has sequence \(previous.sequence), and nothing can follow it: the store was changed outside signoff; run `signoff audit verify`") }
        let sequence = previous.sequence + 1
        let at = draft.at.storeMilliseconds
        // A route's outcome, encoded once: its bytes are both the payload's
        // and (spliced, at flush) the stored record's route.
        var routeJSON: ArraySlice<UInt8>?
        let payload: [UInt8]
        if let requestJSON {
            payload = CanonicalJSON.submittedPayload(requestJSON: requestJSON)
        } else if case .requestRouted = draft.body {
            let encoded = CanonicalJSON.encodeRouted(draft.body)
            payload = encoded.bytes
            routeJSON = encoded.outcome.map { encoded.bytes[$0] }
        } else {
            payload = draft.body.encodedPayloadBytes()
        }
        if Self.holdsEscapedNUL(payload) {
            throw StoreError.unstorableText("a \(kind) event holds a NUL character in its text")
        }
        if let action = SignedAction.of(draft.body) {
            try checkSignature(&draft, action: action, payload: payload, sequence: sequence)
        }
        let hash = chain.hash(prevHash: previous.hash, sequence: sequence, at: at, actor: draft.actor.name,
                              authentication: draft.actor.authentication.rawValue, kind: kind,
                              requestID: draft.requestID, payload: payload, signature: draft.signature)
        if insertEventStatement == nil {
            insertEventStatement = try db.cachedStatement(sql: """
                INSERT INTO events (sequence, at, actor, authentication, kind, request_id, payload, prev_hash, hash,
                    signature, statement)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        }
        var insert = FastStatement(insertEventStatement!, db, reusing: &insertEventBuffers)
        defer { insert.giveBack(to: &insertEventBuffers) }
        insert.bind(sequence); insert.bind(at); insert.bind(draft.actor.name)
        insert.bind(draft.actor.authentication.rawValue); insert.bind(kind); insert.bind(draft.requestID)
        insert.bindText(payload); insert.bind(previous.hash); insert.bind(hash)
        insert.bind(draft.signature?.armored); insert.bind(draft.signature?.statement)
        try insert.execute()
        head = (sequence, hash)
        if sequence == 1 { storeIdentity = hash }
        olderInChain?.adopt(recordedIn: draft.body, sequence: sequence)

        switch draft.body {
        case let .policyApplied(policy):
            try PolicyRow(sequence: sequence, actor: draft.actor, at: at, policy: policy).insert(db)
            policyInForce = nil
        case let .reviewRecorded(review):
            try ReviewRow(sequence: sequence, requestID: draft.requestID!, actor: draft.actor, at: at, review: review)
                .insert(db)
        case let .handOffConfigured(config):
            try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO hand_off (id, outbox, command, timeout_seconds, configured_at, configured_by,
                    authentication, sequence) VALUES (1, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [config.outbox, config.command, config.timeoutSeconds, at, draft.actor.name,
                                          draft.actor.authentication.rawValue, sequence])
        case let .storeCreated(created):
            try db.execute(sql: """
                INSERT INTO settings (id, trust_asserted_identities, share_group, created_at, schema) VALUES (1, ?, ?, ?, ?)
                """, arguments: [created.trustAssertedIdentities, created.shareGroup, at, created.migrations.last])
            settings.trustAssertedIdentities = created.trustAssertedIdentities
            settings.shareGroup = created.shareGroup
        case let .settingsChanged(changed):
            try db.execute(sql: "UPDATE settings SET trust_asserted_identities = ?, share_group = ? WHERE id = 1",
                           arguments: [changed.trustAssertedIdentities, changed.shareGroup])
            settings.trustAssertedIdentities = changed.trustAssertedIdentities
            settings.shareGroup = changed.shareGroup
        case let .schemaMigrated(migrated):
            try db.execute(sql: "UPDATE settings SET schema = ? WHERE id = 1", arguments: [migrated.migrations.last])
        case let .reconciliationRun(run):
            try ReconciliationRows.apply(run, sequence: sequence, at: at, db)
        case let .findingOpened(opened):
            try ReconciliationRows.apply(opened, sequence: sequence, at: at, db)
        case let .findingResolved(resolved):
            try ReconciliationRows.apply(resolved, at: at, db)
        case let .findingExcepted(excepted):
            try ReconciliationRows.apply(excepted, by: draft.actor.name, sequence: sequence, at: at, db)
        case let .findingRemovalRequested(requested):
            try ReconciliationRows.apply(requested, by: draft.actor.name, sequence: sequence, at: at, db)
        case let .removalHandedOff(handedOff):
            try ReconciliationRows.removalDelivered(handedOff.findingID, state: .handedOff, outcome: handedOff.via, db)
        case let .removalHandOffFailed(failed):
            try ReconciliationRows.removalDelivered(failed.findingID, state: .failed, outcome: failed.reason, db)
        case let .ticketLinked(linked):
            try TicketRows.link(linked.ticket, requestID: draft.requestID!, sequence: sequence, db)
            ticketsByRequest[draft.requestID!] = linked.ticket
        case let .intakeRefused(refused):
            try TicketRows.refuse(refused.ticket, fingerprint: refused.fingerprint, requestID: draft.requestID,
                                  sequence: sequence, db)
        case let .writeBackConfigured(configured):
            try TicketRows.configure(configured, sequence: sequence, db)
            anyWriteBackSite = true
            writeBackBySite[TicketSiteKey(source: configured.source, site: configured.site)] = .some(configured.settings)
        case let .requestSubmitted(submitted):
            if let finding = submitted.request.finding { try ReconciliationRows.link(finding, request: draft.requestID!, db) }
        case .requestRouted, .reviewRefused, .actionRefused, .requestDecided, .requestWithdrawn,
             .grantIssued, .grantHandedOff, .grantProvisioned, .grantProvisioningFailed, .grantExpired, .grantRevoked,
             .grantExtended, .incidentReviewCompleted, .requestRevised:
            break
        }
        if case let .requestDecided(decided) = draft.body, decided.state == .approved { approvedHere.insert(draft.requestID ?? "") }
        if case .grantIssued = draft.body { grantedHere.insert(draft.requestID ?? "") }
        if case let .grantExtended(extended) = draft.body { grantedHere.insert(extended.extensionID) }
        if GrantProjection.concernsGrant(draft.body), let id = draft.requestID {
            if let entry = grantStatus ?? statuses[id] {
                GrantProjection.apply(draft, into: &entry.status)
                entry.lastSequence = sequence
                if !entry.isChanged { entry.isChanged = true; changedStatuses.append(entry) }
            } else if let grant = GrantProjection.apply(draft, to: nil) {
                wholeGrants[id] = grant
                let entry = StatusEntry(status: grant.status, lastSequence: sequence, stored: nil, isChanged: true)
                statuses[id] = entry
                changedStatuses.append(entry)
            }
        } else if let id = draft.requestID {
            if case .requestSubmitted = draft.body {
                issuedIDs.remove(id)
                // Checked above: no entry for this ID exists yet.
                if let record = Projection.apply(draft, to: nil) {
                    entries[id] = Entry(record: record, submittedSequence: sequence, lastSequence: sequence,
                                        isStored: false, isChanged: true, requestJSON: requestJSON)
                    changed.append(id)
                }
            } else if let entry = entries[id] {
                // A revised request is no longer the one whose bytes the submission left,
                // and has no route until the one that follows it.
                if case .requestRevised = draft.body {
                    entry.requestJSON = nil
                    entry.routeJSON = nil
                    entry.requestChanged = true
                }
                if case .requestRouted = draft.body { entry.routeJSON = routeJSON }
                // In place: the record is not copied for each event.
                Projection.apply(draft, into: &entry.record)
                entry.lastSequence = sequence
                if !entry.isChanged {
                    entry.isChanged = true
                    changed.append(id)
                }
            }
        }
        return RecordedEvent(sequence: sequence, draft: draft, hash: hash)
    }

    /// Stores an event of a shared store exactly as the store holds it, and
    /// folds it into nothing: one this signoff reads as a kind it knows but
    /// would never record (a payload it cannot read; an event `append`
    /// refuses before writing anything: of a request that does not exist, a
    /// second submission, a signature that does not hold). It decides
    /// nothing here, and every client's fold goes on past it rather than
    /// stopping at it; `audit verify` names it. Returns its hash as chained here.
    func appendUnfolded(sequence: Int64, at: Int64, actor: String, authentication: String, kind: String,
                        requestID: String?, payload: [UInt8], signature: EventSignature?) throws -> String {
        checkOpen()
        let previous = try chainHead()
        guard sequence == previous.sequence + 1 else {
            throw StoreError.invalidEvent("event \(sequence) does not follow event \(previous.sequence)")
        }
        let hash = chain.hash(prevHash: previous.hash, sequence: sequence, at: at, actor: actor, authentication: authentication,
                              kind: kind, requestID: requestID, payload: payload, signature: signature)
        try db.cachedStatement(sql: """
            INSERT INTO events (sequence, at, actor, authentication, kind, request_id, payload, prev_hash, hash,
                signature, statement)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [sequence, at, actor, authentication, kind, requestID, String(decoding: payload, as: UTF8.self),
                                     previous.hash, hash, signature?.armored, signature?.statement])
        head = (sequence, hash)
        return hash
    }

    /// Whether `text` holds a NUL character, scanned on its UTF-8 bytes in place.
    static func holdsNUL(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { $0.contains(0) }
    }

    /// Whether canonical JSON holds `\u0000`: the only way a NUL appears in it
    /// (a backslash that is itself escaped does not start an escape).
    static func holdsEscapedNUL(_ json: [UInt8]) -> Bool {
        json.withUnsafeBufferPointer { bytes in
            guard let base = bytes.baseAddress else { return false }
            let zero = UInt8(ascii: "0")
            var index = 0
            // Backslashes are few: the C library finds each one.
            while let found = memchr(base + index, Int32(UInt8(ascii: "\\")), bytes.count - index) {
                index = UnsafeRawPointer(base).distance(to: found)
                guard index + 1 < bytes.count else { return false }
                if bytes[index + 1] == UInt8(ascii: "u"), index + 5 < bytes.count,
                   bytes[index + 2] == zero, bytes[index + 3] == zero, bytes[index + 4] == zero, bytes[index + 5] == zero {
                    return true
                }
                index += 2
                if index >= bytes.count { return false }
            }
            return false
        }
    }

    /// Appends many events in order, e.g. a bulk submission.
    @discardableResult
    public func append(contentsOf drafts: some Sequence<EventDraft>) throws -> [RecordedEvent] {
        try drafts.map { try append($0) }
    }

    /// Writes what is still only in memory; called before commit.
    func finish() throws {
        if !missingSignatures.isEmpty { throw StoreError.signaturesNeeded(missingSignatures) }
        if !folding, let ungranted = approvedHere.subtracting(grantedHere).sorted().first {
            throw StoreError.invalidEvent("\(ungranted) would be approved without a grant; nothing was recorded")
        }
        try flush()
        try flushGrants()
        if requestNumberChanged, let requestNumber {
            try db.cachedStatement(sql: """
                INSERT INTO counters (name, value) VALUES ('request_number', ?)
                ON CONFLICT(name) DO UPDATE SET value = excluded.value
                """).execute(arguments: [requestNumber])
            requestNumberChanged = false
        }
    }

    /// Writes what is still only in memory and forgets what was read, so
    /// that a transaction folding a long run of events (a first open of a
    /// shared store) holds the requests of one page of them, not of all.
    func shed() throws {
        try flush()
        try flushGrants()
        entries.removeAll()
        statuses.removeAll()
        wholeGrants.removeAll()
        ticketsByRequest.removeAll()
    }

    /// Writes each changed record once: the fold's result, encoded once.
    private func flush() throws {
        for id in changed {
            guard let entry = entries[id] else { continue }
            let row = RequestRow(entry.record, submittedSequence: entry.submittedSequence, lastSequence: entry.lastSequence,
                                 encoded: CanonicalJSON.encodeRecord(entry.record, requestJSON: entry.requestJSON,
                                                                    routeJSON: entry.routeJSON))
            if entry.isStored {
                if entry.requestChanged { try row.updateAll(db) } else { try row.update(db) }
            } else {
                if insertRequestStatement == nil { insertRequestStatement = try db.cachedStatement(sql: RequestRow.insertSQL) }
                try row.insert(insertRequestStatement!, db)
            }
            entry.isStored = true
            entry.isChanged = false
            entry.requestJSON = nil
            entry.routeJSON = nil
            entry.requestChanged = false
        }
        changed.removeAll(keepingCapacity: true)
    }

    private func flushGrants() throws {
        // A sweep changes the same columns of every grant: the last statement
        // is reused without looking it up.
        var last: (columns: ChangedColumns, statement: Statement)?
        for entry in changedStatuses {
            let id = entry.status.requestID
            if let stored = entry.stored {
                let changed = GrantStatusRow.changedColumns(from: stored.status, stored.lastSequence,
                                                            to: entry.status, entry.lastSequence)
                if !changed.isEmpty {
                    if last?.columns != changed {
                        let statement = try grantUpdates[changed] ?? db.makeStatement(sql: GrantStatusRow.updateSQL(changed))
                        grantUpdates[changed] = statement
                        last = (changed, statement)
                    }
                    var update = FastStatement(last!.statement, db, reusing: &grantUpdateBuffers)
                    GrantStatusRow.bindUpdate(changed, of: entry.status, lastSequence: entry.lastSequence, to: &update)
                    try update.execute()
                    update.giveBack(to: &grantUpdateBuffers)
                }
            } else {
                guard var grant = wholeGrants[id] else { throw StoreError.invalidEvent("\(id) has a status but no grant") }
                grant.status = entry.status
                try GrantRow(grant, lastSequence: entry.lastSequence).insert(db)
            }
            entry.stored = (entry.status, entry.lastSequence)
            entry.isChanged = false
        }
        changedStatuses.removeAll(keepingCapacity: true)
    }

    // MARK: Signatures

    /// Signatures made for events this transaction is about to record; each
    /// is attached to the event whose statement it signs.
    public func offer(_ signatures: [EventSignature]) {
        for signature in signatures { offeredSignatures[signature.statement] = signature }
    }

    /// The store's own check of a decision's signature, before it is
    /// recorded: against the keys and rules of the policy in force, over the
    /// statement of the event as it will be stored. A missing signature that
    /// the policy requires is noted (the transaction will not commit); a
    /// signature that does not hold stops the transaction here.
    private func checkSignature(_ draft: inout EventDraft, action: SignedAction, payload: [UInt8], sequence: Int64) throws {
        let policy: Policy?
        switch try policyInForceParsed()?.parsed {
        case nil: policy = nil
        case let .success(parsed): policy = parsed
        case .failure:
            // No keys or rules to check against: nothing is recorded under
            // it. A fold has already set aside what would give access
            // (`accessProblem`); what takes access away is folded as recorded.
            guard folding else {
                throw StoreError.signatureRefused("""
                    the policy in force does not parse in this signoff, so no signature can be checked against its keys \
                    and rules; apply a policy that parses, or use the signoff that applied it
                    """)
            }
            return
        }
        guard draft.signature != nil || !offeredSignatures.isEmpty || policy?.mayRequireSignatures == true else { return }
        var request: AccessRequest?, submittedBy: String?
        var state: DecisionStatement.Context.RequestState?
        if case let .requestSubmitted(submitted) = draft.body {
            request = submitted.request
            submittedBy = draft.actor.name
        } else if let id = draft.requestID, let record = try entry(id)?.record {
            request = record.request
            submittedBy = record.submittedBy.name
            state = .init(record)
        }
        // The finding an exception or removal concerns, which `required_for` may cover.
        var findingFacts: FindingFacts?
        if case let .findingRemovalRequested(requested) = draft.body { findingFacts = FindingFacts(requested.terms) }
        if case let .findingExcepted(excepted) = draft.body, let stored = try self.finding(excepted.findingID),
           let opened = try opened(stored) {
            findingFacts = FindingFacts(opened)
        }
        // Recorded now: over the current schema only. Folded: as the chain
        // stands before it, which is read only for a signature over an older one.
        var older = DecisionStatement.OlderStatements.recordedNow
        if folding, let signature = draft.signature, !DecisionStatement.namesCurrentSchema(signature.statement) {
            older = try olderStatementsInChain()
        }
        let context = DecisionStatement.Context(policyVersion: policy?.version, request: state, store: try storeIdentityNow(),
                                                older: older)
        if draft.signature == nil, !offeredSignatures.isEmpty,
           let statement = DecisionStatement(draft: draft, payload: payload, context: context) {
            draft.signature = offeredSignatures[statement.text]
        }
        switch SignatureInspection.inspect(draft, payload: payload, context: context, policy: policy, request: request,
                                           submittedBy: submittedBy, finding: findingFacts) {
        case .unsigned:
            return
        case let .finding(.unsigned(reason)):
            guard !folding, let policy, let statement = DecisionStatement(draft: draft, payload: payload, context: context),
                  let requirement = SignatureInspection.requirement(draft, action: action, policy: policy, request: request,
                                                                    submittedBy: submittedBy, finding: findingFacts) else {
                throw StoreError.signatureRefused("unsigned, but a signature was required: \(reason)")
            }
            missingSignatures.append(SignatureNeed(statement: statement, requirement: requirement,
                                                   actor: draft.actor.name, requestID: draft.requestID))
        case let .finding(finding):
            throw StoreError.signatureRefused(finding.description)
        case let .verify(signature, statement, schema):
            if let finding = SignatureInspection.verify(signature, statement: statement) {
                throw StoreError.signatureRefused(finding.description)
            }
            // Followed only once read: read later, it finds this event in the table.
            olderInChain?.adopt(signedOver: schema, sequence: sequence)
        }
    }

    /// The store's identity, as its /3 statements name it: read once per transaction.
    private func storeIdentityNow() throws -> String {
        if let storeIdentity { return storeIdentity }
        guard let found = try Store.identity(db) else {
            throw StoreError.signatureRefused("the store has no first event, so no statement can name it: nothing signed is recorded before store_created")
        }
        storeIdentity = found
        return found
    }

    /// Folding: which older statements the chain before this event still
    /// accepts, as `audit verify` follows it (`SignatureAudit`): read once
    /// from the events already folded (where the store was created with or
    /// migrated to a marker migration, and the first event signed over each
    /// newer schema), then followed as events are appended.
    private func olderStatementsInChain() throws -> DecisionStatement.OlderStatements {
        if let olderInChain { return olderInChain }
        let older = try StatementAdoptions(db).atHead
        olderInChain = older
        return older
    }

    /// The policy in force as of this transaction (one applied in it
    /// included), parsed once per version for the process; nil when none was
    /// ever applied. Read once per transaction, its source compared with the
    /// parse's in place rather than copied out of the row.
    ///
    /// The row is a query table's, which no hash covers: it is held to the
    /// `policy_applied` event it folds (that event applied this version, and
    /// the version is the hash of this source), and refused otherwise, so
    /// that nobody decides under a policy edited into the table.
    public func policyInForceParsed() throws -> PolicyInForce? {
        checkOpen()
        if let policyInForce { return policyInForce }
        let query = FastStatement(try db.cachedStatement(sql: """
            SELECT p.version, p.source, p.file, e.kind, e.payload, p.sequence FROM policies p LEFT JOIN events e ON e.sequence = p.sequence
            ORDER BY p.sequence DESC LIMIT 1
            """), db)
        var found: PolicyInForce?
        var chained = true
        var sequence: Int64?
        try query.forEachRow { row in
            let columns = StatementColumns(statement: row)
            let version = columns.text(0) ?? ""
            let parsed = columns.withBytes(1) { source in
                ParsedPolicies.shared.parse(version: version, sourceBytes: source, file: { columns.text(2) ?? "" })
            }
            // The canonical payload ends with its version (its last key).
            chained = columns.text(3) == EventKind.policyApplied.rawValue
                && columns.withBytes(4) { $0.suffix(version.utf8.count + 13).elementsEqual("\"version\":\"\(version)\"}".utf8) }
                && (try? parsed.get()).map { $0.version == version } != false
            found = PolicyInForce(version: version, parsed: parsed)
            sequence = columns.integer(5)
        }
        guard chained else {
            throw StoreError.unreadableRow(StoredPolicy.notApplied)
        }
        try StoredPolicy.checkLatest(sequence, db, isCopy: isCopy)
        policyInForce = .some(found)
        return found
    }

    // MARK: Grants

    /// The grant of a request as of this transaction, or nil when it has none.
    /// Its rows are first checked against its events, and refused when they
    /// differ, unless `asStored`: for what is never held up by rows edited
    /// behind signoff (recording what the hand-off did). What takes access
    /// away reads `grantAsRecorded`.
    public func grant(_ id: String, asStored: Bool = false) throws -> Grant? {
        checkOpen()
        if var grant = wholeGrants[id], let entry = statuses[id] {
            grant.status = entry.status
            return grant
        }
        let fresh = statuses[id] == nil
        var query = FastStatement(try db.cachedStatement(sql: GrantRow.select + "WHERE s.request_id = ?"), db)
        query.bind(id)
        var grant: Grant?
        try query.forEachRow { grant = try cacheGrant(StatementColumns(statement: $0)) }
        // As with a request's row: a grant is extended, reviewed or handed
        // off as its rows say, so rows edited outside signoff are refused.
        if let grant, fresh, !folding, !asStored, let problem = Store.grantRowProblem(grant, history: try Store.events(db, requestID: id, isCopy: isCopy)) {
            throw editedRow(id, "its grant differs from what its events record (\(problem))")
        }
        return grant
    }

    /// The grant of request `id` as its events give it, where its rows say
    /// otherwise; as stored when no event issues it. For what takes access
    /// away (a revocation, a trigger): a row edited behind signoff to say the
    /// access already ended, or ends later, must not keep it from ending. The
    /// rows are left as they are but for what the next event changes, so
    /// `audit verify` still names the edit.
    public func grantAsRecorded(_ id: String) throws -> Grant? {
        try grant(id, asStored: true).map(asRecorded)
    }

    private func asRecorded(_ stored: Grant) throws -> Grant {
        guard !folding, let replayed = Store.replayedGrant(stored.requestID, history: try Store.events(db, requestID: stored.requestID, isCopy: isCopy)),
              let problem = Store.grantRowProblem(stored, replayed: replayed) else { return stored }
        grantRowsDiffering[stored.requestID] = problem
        return replayed
    }

    /// The grants `grantAsRecorded` took as their events give them, with how
    /// their rows differ: for the command to say it acted on rows edited
    /// behind signoff (the revocation writes its own state over an edited one).
    public private(set) var grantRowsDiffering: [String: String] = [:]

    /// What the grant of request `id` last handed off for its latest action,
    /// as its chained events say (never a query table's row): the digest of
    /// the document written to the outbox, a hand-off that recorded none,
    /// or nothing since the grant's latest action.
    public func latestHandedOffDocument(_ id: String) throws -> HandedOffDocument {
        checkOpen()
        return HandedOffDocument.latest(in: try Store.events(db, requestID: id, isCopy: isCopy).map(\.draft.body))
    }

    /// For the fold of a shared store's events: why signoff never records
    /// `draft`, where folding it could give or extend access (a route, an
    /// approval, a grant or an extension) or hide what access is held (a
    /// post-incident review completed, a reconciliation's run or findings, a
    /// finding excepted or sent for removal) or change what the rest is
    /// judged by (a policy applied, the settings or the hand-off changed, by
    /// someone the policy in force gives no such role), judged by `check`
    /// (`DecisionCheck`, one per fold: a command's events are folded
    /// together) against the request, grant, finding and policy as folded so
    /// far; nil otherwise. The database does not judge what an event says, so
    /// a person mapped to a role could append such an event by hand; folded,
    /// it would give access no approver gave, or hide access nobody approved.
    ///
    /// What only takes access away (a denial, withdrawal, revocation, expiry
    /// or time-out) is folded as the events say: its judgement needs the
    /// whole chain (who approved each extension, which trigger ended a grant),
    /// which a fold of the events since the last does not hold, and a
    /// mistaken refusal would leave access live. `audit verify` judges those.
    func accessProblem(_ draft: EventDraft, _ check: inout DecisionCheck) throws -> String? {
        var findingID: String?
        // A review is replayed for the approval it makes right after it (an
        // approval by the steps stands only on one), and folded as it is.
        var replayOnly = false
        switch draft.body {
        case .requestRouted, .requestRevised, .grantIssued, .grantExtended, .incidentReviewCompleted, .reconciliationRun,
             .findingOpened, .findingResolved:
            break
        // The store's configuration is judged by the roles the policy in
        // force gives (the server checks only that the session's role is an
        // administrator, which any administrator can make another); the
        // store's creation, for who created it, which that judgement needs.
        case .storeCreated, .policyApplied, .settingsChanged, .handOffConfigured:
            break
        case .reviewRecorded:
            replayOnly = true
        case let .findingExcepted(excepted): findingID = excepted.findingID
        case let .findingRemovalRequested(requested): findingID = requested.findingID
        case let .requestDecided(decided):
            guard decided.state == .approved else { return nil }
        case .requestSubmitted, .reviewRefused, .actionRefused, .requestWithdrawn,
             .grantHandedOff, .grantProvisioned, .grantProvisioningFailed, .grantExpired, .grantRevoked,
             .schemaMigrated, .removalHandedOff, .removalHandOffFailed,
             .ticketLinked, .intakeRefused, .writeBackConfigured:
            return nil
        }
        // A policy this signoff cannot read (a newer one's, or one a hostile
        // administrator appended by hand) backs nothing: what would be
        // judged under it is set aside, as `audit verify` names it.
        let inForce = try policyInForceParsed()
        let policy: Policy?
        switch inForce?.parsed {
        case .failure:
            guard !replayOnly else { return nil }
            if case .requestDecided = draft.body { check.setAsideIssuedGrants() }
            return "recorded under policy \(DisplaySafe.text(String(inForce?.version.prefix(12) ?? ""))), which does not parse in this signoff: nothing backs it"
        case let .success(parsed): policy = parsed
        case nil: policy = nil
        }
        let record = try draft.requestID.flatMap { try self.record($0) }
        let finding = try findingID.flatMap { try self.finding($0) }
        // The only grants these are judged against: the one an extension
        // extends, the one a post-incident review completes, the one of the
        // request a finding concerns.
        var grantIDs = [record?.request.extends, finding?.requestID]
        if case .incidentReviewCompleted = draft.body { grantIDs.append(draft.requestID) }
        var grants: [String: Grant] = [:]
        for id in grantIDs.compactMap(\.self) where grants[id] == nil { grants[id] = try grant(id, asStored: true) }
        if let extended = record?.request.extends { grants[extended] = grants[extended]?.withAuthors(from: try self.record(extended)) }
        guard let problem = check.problem(draft, record: record, policy: policy, grant: { grants[$0] },
                                          finding: { $0 == finding?.id ? finding : nil }), !replayOnly else { return nil }
        // An approval set aside issues nothing: the grant after it is set aside too.
        if case .requestDecided = draft.body { check.setAsideIssuedGrants() }
        return problem
    }

    /// The people whose approvals extended this grant, in order: they granted
    /// part of the access, so they may end it.
    public func extensionApprovers(of grant: Grant) throws -> [String] {
        try Lifecycle.extensionApprovers(of: grant) { try record($0) }
    }

    /// The grant an extension request extends (nil for any other request).
    public func originalGrant(of record: RequestRecord) throws -> Grant? {
        guard let id = record.request.extends else { return nil }
        return try grant(id)?.withAuthors(from: try self.record(id))
    }

    /// Calls `body` with each active grant whose expiry is at or before
    /// `date`, soonest first, then each grant provisioning reported failed
    /// that is as due (`Lifecycle.expire`): its status alone, which is all an
    /// expiry reads and changes. The grants visited are those due as the
    /// sweep began, each once, as this transaction has it then (one an
    /// earlier `body` changed is visited only if it is still due). `body` may
    /// append events. The grants are read a page at a time, in (expiry,
    /// request ID) order; after each page, its changes are written back and
    /// its statuses forgotten, so a sweep over a hundred thousand grants holds
    /// a few pages of them, not all. Where nothing was written in this
    /// transaction yet, the pages are read on another connection, in a
    /// snapshot of this same state, by another thread: the next pages are
    /// read and decoded while this one's writes are made. Returns the request
    /// IDs of due rows that cannot be read (changed outside signoff): they are
    /// passed over, so that one edited row holds up no other grant's end.
    @discardableResult
    public func forEachGrantDue(at date: Date, _ body: (GrantStatus) throws -> Void) throws -> [String] {
        checkOpen()
        try flushGrants()
        let due = date.storeMilliseconds
        var unreadable: [String] = []
        var visited: [StatusEntry] = []
        visited.reserveCapacity(Self.duePage)
        func visit(_ page: [DueRow]) throws {
            for row in page {
                switch row {
                case let .unreadable(id):
                    unreadable.append(id)
                case let .status(status, lastSequence):
                    let entry: StatusEntry
                    if let cached = statuses[status.requestID] {
                        // Read or changed here before: still due as this transaction has it?
                        guard cached.status.state == status.state,
                              let expiresAt = cached.status.expiresAt, expiresAt.storeMilliseconds <= due else { continue }
                        entry = cached
                    } else {
                        entry = StatusEntry(status: status, lastSequence: lastSequence, stored: (status, lastSequence),
                                            isChanged: false)
                        statuses[status.requestID] = entry
                    }
                    visited.append(entry)
                    visiting = entry
                    defer { visiting = nil }
                    try body(entry.status)
                }
            }
            try flushGrants()
            // Written back: a later read of any of them finds the row as it is now.
            // So is every other cached status, so forgetting one costs only a
            // read: when the cache holds no more than this page's, it goes whole.
            if statuses.count <= visited.count {
                statuses.removeAll(keepingCapacity: true)
            } else {
                for entry in visited { statuses[entry.status.requestID] = nil }
            }
            visited.removeAll(keepingCapacity: true)
        }
        // Live grants, then those provisioning reported failed.
        let states = [GrantState.active, .failed]
        if let readers, db.totalChangesCount == changesAtStart {
            let pages = ReadAhead<DueRow>(capacity: 4)
            pages.start { put in
                try readers.read { db in
                    for state in states { try Self.readDue(state, at: due, db, put) }
                }
            }
            defer { pages.stop() }
            while let page = try pages.take() { try visit(page) }
        } else {
            for state in states { try Self.readDue(state, at: due, db) { try visit($0); return true } }
        }
        return unreadable
    }

    /// A due grant's row as read: its status, or, when it cannot be decoded, its request ID.
    private enum DueRow: Sendable {
        case status(GrantStatus, lastSequence: Int64)
        case unreadable(String)
    }

    /// Reads the grants in `state` due at `due` (milliseconds), a page at a
    /// time, handing each page to `put` once its query is done, until the
    /// last or until `put` answers false.
    private static func readDue(_ state: GrantState, at due: Int64, _ db: Database,
                                _ put: ([DueRow]) throws -> Bool) throws {
        // `state = 'active'` (or 'failed'), a literal, implies the condition
        // of the partial index `grant_status_live` on (expires_at, state):
        // SQLite walks it by expiry from where the last page ended, and sorts
        // the grants of one expiry time by ID (few, unless many were granted
        // at the same moment).
        let statement = try db.cachedStatement(sql: """
            SELECT \(GrantStatusRow.columns) FROM grant_status
            WHERE state = '\(state.rawValue)' AND expires_at <= ? AND (expires_at, request_id) > (?, ?)
            ORDER BY expires_at, request_id LIMIT \(duePage)
            """)
        let expiresAtColumn = GrantStatusRow.columnNames.firstIndex(of: "expires_at")!
        var after: (expiresAt: Int64, id: String) = (Int64.min, "")
        while true {
            var page: [DueRow] = []
            page.reserveCapacity(duePage)
            var query = FastStatement(statement, db)
            query.bind(due); query.bind(after.expiresAt); query.bind(after.id)
            try query.forEachRow { row in
                let columns = StatementColumns(statement: row)
                // The page goes on from the last row read, whether or not it could be.
                after = (columns.integer(expiresAtColumn) ?? Int64.max, columns.text(0) ?? "")
                if let (status, lastSequence) = GrantStatusRow.decode(columns, from: 0) {
                    page.append(.status(status, lastSequence: lastSequence))
                } else {
                    page.append(.unreadable(after.id))
                }
            }
            let isLast = page.count < duePage
            guard try put(page), !isLast else { return }
        }
    }

    /// Grants a sweep reads and writes back at a time.
    static let duePage = 1_000

    /// Grants that may hold access (`GrantState.mayHoldAccess`: live, or
    /// reported failed) and name a revocation trigger with this reference.
    public func grantsHoldingAccess(naming trigger: RevocationTrigger) throws -> [Grant] {
        checkOpen()
        try flushGrants()
        // Every grant whose row names the trigger, in any state, each taken
        // as its events give it: a row edited to say a grant ended must not
        // keep the trigger from ending it.
        let statement = try db.cachedStatement(sql: GrantRow.select + "WHERE instr(g.revocation_triggers, ?) > 0")
        var query = FastStatement(statement, db)
        query.bind(CanonicalJSON.encodeStrings([trigger.ref]).dropFirst().dropLast().description)
        var grants: [Grant] = []
        try query.forEachRow { grants.append(try cacheGrant(StatementColumns(statement: $0))) }
        return try grants.map(asRecorded).filter { $0.state.mayHoldAccess && $0.terms.revocationTriggers.contains(trigger) }
    }

    /// Every grant on a system and environment, in any state, as of this
    /// transaction: what a reconciliation run compares with the platform.
    /// `Store.grantHistoryProblems` of each grant among `ids`, as of this
    /// transaction; those whose histories hold none are left out.
    public func grantHistoryProblems(_ ids: [String]) throws -> [String: [String]] {
        checkOpen()
        try flush()
        return try Store.grantHistoryProblems(db, ids, isCopy: isCopy, signatures: .rules)
    }

    public func grants(system: String, environment: String) throws -> [Grant] {
        checkOpen()
        try flushGrants()
        let statement = try db.cachedStatement(sql: GrantRow.select + "WHERE g.system = ? AND g.environment = ? ORDER BY g.request_id")
        var query = FastStatement(statement, db)
        query.bind(system); query.bind(environment)
        var grants: [Grant] = []
        try query.forEachRow { grants.append(try cacheGrant(StatementColumns(statement: $0))) }
        return grants
    }

    /// Pending and blocked requests submitted at or before `date`, oldest first.
    public func openRecords(submittedBy date: Date) throws -> [RequestRecord] {
        checkOpen()
        try flush()
        let rows = try Row.fetchAll(db, sql: """
            SELECT submitted_sequence, last_sequence, record FROM requests
            WHERE state IN ('pending', 'blocked') AND submitted_at <= ? ORDER BY submitted_at
            """, arguments: [date.storeMilliseconds])
        return try cached(rows)
    }

    /// Open (pending or blocked) requests that ask to extend a grant: those of
    /// `grantID`, or of any grant. Found through the open-state index and the
    /// row's `extends` column (which `audit verify` holds to the record): open
    /// requests are few next to decided ones, and extensions of them fewer.
    public func openExtensions(of grantID: String? = nil) throws -> [RequestRecord] {
        checkOpen()
        try flush()
        let rows = try Row.fetchAll(db, sql: """
            SELECT submitted_sequence, last_sequence, record FROM requests
            WHERE state IN ('pending', 'blocked') AND extends \(grantID == nil ? "IS NOT NULL" : "= ?")
            ORDER BY submitted_sequence
            """, arguments: grantID.map { [$0] } ?? [])
        return try cached(rows)
    }

    /// Records read as `submitted_sequence, last_sequence, record` rows, each
    /// the transaction's own copy where it already holds one.
    private func cached(_ rows: [Row]) throws -> [RequestRecord] {
        try rows.map { row in
            let record = try EventCoding.readRecord(try row.checked(2, "requests.record") as Data)
            if let entry = entries[record.id] { return entry.record }
            entries[record.id] = Entry(record: record, submittedSequence: try row.checked(0, "requests.submitted_sequence"),
                                       lastSequence: try row.checked(1, "requests.last_sequence"), isStored: true, isChanged: false)
            return record
        }
    }

    /// The status of a request's grant, read alone; nil when it has none.
    private func status(_ id: String) throws -> StatusEntry? {
        if let visiting, visiting.status.requestID == id { return visiting }
        if let entry = statuses[id] { return entry }
        var query = FastStatement(
            try db.cachedStatement(sql: "SELECT \(GrantStatusRow.columns) FROM grant_status WHERE request_id = ?"), db)
        query.bind(id)
        var entry: StatusEntry?
        try query.forEachRow { entry = try cacheStatus(StatementColumns(statement: $0), from: 0) }
        return entry
    }

    /// The entry for a stored status row (its columns from `start` on); one
    /// already read (and perhaps changed) here wins.
    private func cacheStatus(_ columns: some ColumnReader, from start: Int) throws -> StatusEntry {
        let id = columns.text(start) ?? ""
        if let entry = statuses[id] { return entry }
        guard let (status, lastSequence) = GrantStatusRow.decode(columns, from: start) else { throw Store.unreadableGrant(id) }
        let entry = StatusEntry(status: status, lastSequence: lastSequence, stored: (status, lastSequence),
                                isChanged: false)
        statuses[id] = entry
        return entry
    }

    /// The whole grant of a `GrantRow.select` row, with the status as of this transaction.
    private func cacheGrant(_ columns: some ColumnReader) throws -> Grant {
        guard var grant = GrantRow.decode(columns) else { throw Store.unreadableGrant(columns.text(0) ?? "") }
        wholeGrants[grant.requestID] = grant
        grant.status = try cacheStatus(columns, from: GrantRow.termsColumnNames.count).status
        return grant
    }

    /// Whether the request exists, reading it into `entries` if needed.
    private func load(_ id: String) throws -> Bool {
        if entries[id] != nil { return true }
        return try entry(id) != nil
    }

    private func entry(_ id: String) throws -> Entry? {
        if let entry = entries[id] { return entry }
        if !folding {
            // To be decided on: the whole row, held to its events and its columns to its record.
            guard let row = try RequestRow.read(db, id) else { return nil }
            let record = try EventCoding.readRecord(row.record)
            try checkAgainstHistory(id, record)
            if let problem = row.columnProblem(of: record) { throw editedRow(id, problem) }
            let found = Entry(record: record, submittedSequence: row.submittedSequence, lastSequence: row.lastSequence,
                              isStored: true, isChanged: false)
            entries[id] = found
            return found
        }
        // Folding: decoded from the row's bytes in place, the record not copied out first.
        var query = FastStatement(
            try db.cachedStatement(sql: "SELECT submitted_sequence, last_sequence, record FROM requests WHERE id = ?"), db)
        query.bind(id)
        var found: Entry?
        try query.forEachRow { row in
            let columns = StatementColumns(statement: row)
            let record = try columns.withBytes(2) { try EventCoding.readRecord($0) }
            found = Entry(record: record, submittedSequence: columns.integer(0) ?? 0, lastSequence: columns.integer(1) ?? 0,
                          isStored: true, isChanged: false)
        }
        entries[id] = found
        return found
    }

    /// Refuses a request's stored row that its own events do not give: a
    /// command decides on the row (and an approver was shown it), so a row
    /// edited outside signoff would otherwise be decided on as if it were the
    /// request the chain holds. A few events, read by the request's index.
    private func checkAgainstHistory(_ id: String, _ record: RequestRecord) throws {
        if let problem = Projection.rowProblem(record, history: try Store.events(db, requestID: id, isCopy: isCopy)) { throw editedRow(id, problem) }
    }

    private func editedRow(_ id: String, _ problem: String) -> StoreError {
        .unreadableRow("the stored row of \(id) is not what signoff wrote: \(problem); the store was changed outside signoff, "
                       + "so nothing is decided on it; run `signoff audit verify`")
    }

    private func exists(_ id: String) throws -> Bool {
        if entries[id] != nil { return true }
        if existsStatement == nil { existsStatement = try db.cachedStatement(sql: "SELECT 1 FROM requests WHERE id = ?") }
        var query = FastStatement(existsStatement!, db)
        query.bind(id)
        return try query.hasRow()
    }

    private func chainHead() throws -> (sequence: Int64, hash: String) {
        if let head { return head }
        let statement = try db.cachedStatement(sql: "SELECT sequence, hash FROM events ORDER BY sequence DESC LIMIT 1")
        if let row = try Row.fetchOne(statement) {
            return (try row.checked(0, "events.sequence"), try row.checked(1, "events.hash"))
        }
        return (0, EventChain.genesis)
    }

    func checkOpen() {
        precondition(isOpen, "a WriteTransaction is valid only inside the write { } body that received it")
    }
}
