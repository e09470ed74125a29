import Foundation
import GRDB
import SignoffCore

/// A `findings` row, every column as stored.
struct FindingRow: Hashable {
    var id: String
    var kind: String
    var system: String
    var environment: String
    var subjectKind: String
    var subject: String
    var owner: String?
    var entitlement: String?
    var grantType: String?
    var scope: String
    var requestID: String?
    var credentialID: String?
    var summary: String
    var open: Bool
    var firstSeenAt: Int64
    var firstRun: Int64
    var lastSeenAt: Int64
    var lastRun: Int64
    var resolvedAt: Int64?
    var resolvedRun: Int64?
    var openedSequence: Int64
    /// The latest `finding_excepted` event's: who, when, until when, why, which event.
    var exceptedBy: String?
    var exceptedAt: Int64?
    var exceptedUntil: Int64?
    var exceptionRationale: String?
    var exceptionSequence: Int64?
    /// The latest request submitted for the access it shows.
    var linkedRequest: String?
    /// The `finding_removal_requested` event's: who, when, why, which event;
    /// and where its hand-off stands (`pending`, `handed_off`, `failed`) and how.
    var removalBy: String?
    var removalAt: Int64?
    var removalRationale: String?
    var removalSequence: Int64?
    var removalHandOff: String?
    var removalOutcome: String?

    init(_ row: Row) throws {
        func c<Value: DatabaseValueConvertible>(_ name: String) throws -> Value { try row.checked(name, of: "findings") }
        id = try c("id"); kind = try c("kind"); system = try c("system"); environment = try c("environment")
        subjectKind = try c("subject_kind"); subject = try c("subject"); owner = try c("owner"); entitlement = try c("entitlement")
        grantType = try c("grant_type"); scope = try c("scope"); requestID = try c("request_id"); credentialID = try c("credential_id")
        summary = try c("summary"); open = (try c("state") as String) == "open"; firstSeenAt = try c("first_seen_at")
        firstRun = try c("first_run"); lastSeenAt = try c("last_seen_at"); lastRun = try c("last_run"); resolvedAt = try c("resolved_at")
        resolvedRun = try c("resolved_run"); openedSequence = try c("opened_sequence")
        exceptedBy = try c("excepted_by"); exceptedAt = try c("excepted_at"); exceptedUntil = try c("excepted_until")
        exceptionRationale = try c("exception_rationale"); exceptionSequence = try c("exception_sequence")
        linkedRequest = try c("linked_request")
        removalBy = try c("removal_by"); removalAt = try c("removal_at"); removalRationale = try c("removal_rationale")
        removalSequence = try c("removal_sequence"); removalHandOff = try c("removal_hand_off"); removalOutcome = try c("removal_outcome")
    }

    /// A finding as its first `finding_opened` event has it.
    init(_ opened: EventBody.FindingOpened, sequence: Int64, at: Int64) {
        id = opened.findingID; kind = opened.kind.rawValue; system = opened.system; environment = opened.environment
        subjectKind = opened.subjectKind; subject = opened.subject; owner = opened.owner; entitlement = opened.entitlement
        grantType = opened.grantType; scope = opened.scope; requestID = opened.requestID; credentialID = opened.credentialID
        summary = opened.summary; open = true; firstSeenAt = at; firstRun = Int64(opened.run); lastSeenAt = at
        lastRun = Int64(opened.run); openedSequence = sequence
    }

    /// The finding this row holds.
    func stored() throws -> StoredFinding {
        guard let kind = FindingKind(rawValue: kind) else { throw StoreError.invalidEvent("finding \(id) has an unknown kind") }
        let date = ReconciliationRows.date
        var exception: FindingException?
        if let exceptedBy, let exceptedAt, let exceptedUntil, let exceptionRationale, let exceptionSequence {
            exception = FindingException(by: exceptedBy, at: date(exceptedAt), until: date(exceptedUntil),
                                         rationale: exceptionRationale, sequence: exceptionSequence)
        }
        var removal: FindingRemoval?
        if let removalBy, let removalAt, let removalRationale, let removalSequence, let removalHandOff {
            guard let state = ProvisioningState(rawValue: removalHandOff) else {
                throw StoreError.invalidEvent("finding \(id) has an unknown removal hand-off state")
            }
            removal = FindingRemoval(by: removalBy, at: date(removalAt), rationale: removalRationale, sequence: removalSequence,
                                     handOff: state, outcome: removalOutcome)
        }
        return StoredFinding(
            id: id, kind: kind, system: system, environment: environment, subjectKind: subjectKind, subject: subject, owner: owner,
            entitlement: entitlement, grantType: grantType, scope: scope, requestID: requestID, credentialID: credentialID,
            summary: summary, open: open, firstSeenAt: date(firstSeenAt), firstRun: firstRun, lastSeenAt: date(lastSeenAt),
            lastRun: lastRun, resolvedAt: resolvedAt.map(date), resolvedRun: resolvedRun, openedSequence: openedSequence,
            exception: exception, linkedRequest: linkedRequest, removal: removal)
    }

    /// The columns in `ReconciliationRows.columns` order.
    var values: [DatabaseValue] {
        [id.databaseValue, kind.databaseValue, system.databaseValue, environment.databaseValue, subjectKind.databaseValue,
         subject.databaseValue, owner.databaseValue, entitlement.databaseValue, grantType.databaseValue, scope.databaseValue,
         requestID.databaseValue, credentialID.databaseValue, summary.databaseValue, (open ? "open" : "resolved").databaseValue,
         firstSeenAt.databaseValue, firstRun.databaseValue, lastSeenAt.databaseValue, lastRun.databaseValue,
         resolvedAt.databaseValue, resolvedRun.databaseValue, openedSequence.databaseValue, exceptedBy.databaseValue,
         exceptedAt.databaseValue, exceptedUntil.databaseValue, exceptionRationale.databaseValue, exceptionSequence.databaseValue,
         linkedRequest.databaseValue, removalBy.databaseValue, removalAt.databaseValue, removalRationale.databaseValue,
         removalSequence.databaseValue, removalHandOff.databaseValue, removalOutcome.databaseValue]
    }
}

/// A `grant_sightings` row.
struct SightingRow: Hashable {
    var requestID: String
    var present: Bool
    var seenAt: Int64
    var run: Int64
    var presentAt: Int64?
    var presentRun: Int64?

    static let columns = "request_id, present, seen_at, run, present_at, present_run"

    init(requestID: String, present: Bool, seenAt: Int64, run: Int64, presentAt: Int64?, presentRun: Int64?) {
        self.requestID = requestID; self.present = present; self.seenAt = seenAt; self.run = run
        self.presentAt = presentAt; self.presentRun = presentRun
    }

    init(_ row: Row) throws {
        func c<Value: DatabaseValueConvertible>(_ name: String) throws -> Value { try row.checked(name, of: "grant_sightings") }
        self.init(requestID: try c("request_id"), present: try c("present"), seenAt: try c("seen_at"), run: try c("run"),
                  presentAt: try c("present_at"), presentRun: try c("present_run"))
    }

    var values: [DatabaseValue] {
        [requestID.databaseValue, present.databaseValue, seenAt.databaseValue, run.databaseValue, presentAt.databaseValue,
         presentRun.databaseValue]
    }
}

extension ReconciliationRows {
    /// The first column of `columns` (as in a SELECT list) whose value differs, by name.
    static func firstDifference(_ columns: String, _ expected: [DatabaseValue], _ stored: [DatabaseValue]) -> String? {
        let names = columns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        return zip(names, zip(expected, stored)).first { $0.1.0 != $0.1.1 }.map { "\($0.0) is not what the reconciliation events say" }
    }
}

/// The reconciliation query tables (`findings`, `grant_sightings`) as the fold
/// of the reconciliation events. Appending applies it to the rows it reads
/// and writes them back in the event's transaction; `audit verify` applies it
/// to rows it holds in memory and compares them with the tables.
enum ReconciliationFold {
    /// What a run saw of a grant: its access there (`present`) or not; the
    /// last time it was there is kept.
    static func sighting(_ id: String, present: Bool, previous: SightingRow?, sequence: Int64, at: Int64) -> SightingRow {
        SightingRow(requestID: id, present: present, seenAt: at, run: sequence,
                    presentAt: present ? at : previous?.presentAt, presentRun: present ? sequence : previous?.presentRun)
    }

    /// An open finding a run showed again; nil when it is not open.
    static func seenAgain(_ finding: FindingRow, sequence: Int64, at: Int64) -> FindingRow? {
        guard finding.open else { return nil }
        var next = finding
        next.lastSeenAt = at
        next.lastRun = sequence
        return next
    }

    /// A new finding, or one back after it was resolved: it keeps its first
    /// sighting and what it is; owner, request, summary and last sighting follow the event.
    static func opened(_ opened: EventBody.FindingOpened, previous: FindingRow?, sequence: Int64, at: Int64) -> FindingRow {
        let fresh = FindingRow(opened, sequence: sequence, at: at)
        guard var next = previous else { return fresh }
        next.owner = fresh.owner; next.requestID = fresh.requestID; next.summary = fresh.summary; next.open = true
        next.openedSequence = sequence; next.lastSeenAt = at; next.lastRun = fresh.lastRun
        next.resolvedAt = nil; next.resolvedRun = nil
        // Access back after it was removed is a new difference: a removal asked for before is done.
        next.removalBy = nil; next.removalAt = nil; next.removalRationale = nil; next.removalSequence = nil
        next.removalHandOff = nil; next.removalOutcome = nil
        return next
    }

    /// An open access finding sent for removal; nil when it is not open.
    static func removalRequested(_ finding: FindingRow, _ requested: EventBody.FindingRemovalRequested, by actor: String,
                                 sequence: Int64, at: Int64) -> FindingRow? {
        guard finding.open, finding.removalSequence == nil else { return nil }
        var next = finding
        next.removalBy = actor; next.removalAt = at; next.removalRationale = requested.rationale; next.removalSequence = sequence
        next.removalHandOff = ProvisioningState.pending.rawValue; next.removalOutcome = nil
        return next
    }

    /// Where a requested removal's hand-off stands; nil when none was requested.
    static func removalDelivered(_ finding: FindingRow, state: ProvisioningState, outcome: String) -> FindingRow? {
        guard finding.removalSequence != nil else { return nil }
        var next = finding
        next.removalHandOff = state.rawValue
        next.removalOutcome = outcome
        return next
    }

    /// An open finding accepted as an exception: the latest exception replaces any before it.
    static func excepted(_ finding: FindingRow, _ excepted: EventBody.FindingExcepted, by actor: String, sequence: Int64,
                         at: Int64) -> FindingRow? {
        guard finding.open else { return nil }
        var next = finding
        next.exceptedBy = actor; next.exceptedAt = at; next.exceptedUntil = excepted.until.storeMilliseconds
        next.exceptionRationale = excepted.rationale; next.exceptionSequence = sequence
        return next
    }

    /// A request submitted for the access the finding shows: the latest is kept, open or resolved.
    static func requested(_ finding: FindingRow, by requestID: String) -> FindingRow {
        var next = finding
        next.linkedRequest = requestID
        return next
    }

    static func resolved(_ finding: FindingRow, _ resolved: EventBody.FindingResolved, at: Int64) -> FindingRow {
        var next = finding
        next.open = false
        next.resolvedAt = at
        next.resolvedRun = Int64(resolved.run)
        return next
    }
}

/// Writes the reconciliation events' rows, read, folded and written back.
enum ReconciliationRows {
    static func apply(_ run: EventBody.ReconciliationRun, sequence: Int64, at: Int64, _ db: Database) throws {
        for (ids, present) in [(run.grantsPresent, true), (run.grantsAbsent, false)] {
            for id in ids {
                try write(ReconciliationFold.sighting(id, present: present, previous: try sightingRow(id, db), sequence: sequence, at: at), db)
            }
        }
        for id in run.findingsSeen {
            guard let finding = try findingRow(id, db), let next = ReconciliationFold.seenAgain(finding, sequence: sequence, at: at) else {
                throw StoreError.invalidEvent("finding \(id) is not open, so no run can see it again")
            }
            try write(next, db)
        }
    }

    static func apply(_ opened: EventBody.FindingOpened, sequence: Int64, at: Int64, _ db: Database) throws {
        try write(ReconciliationFold.opened(opened, previous: try findingRow(opened.findingID, db), sequence: sequence, at: at), db)
    }

    static func apply(_ excepted: EventBody.FindingExcepted, by actor: String, sequence: Int64, at: Int64, _ db: Database) throws {
        guard let finding = try findingRow(excepted.findingID, db),
              let next = ReconciliationFold.excepted(finding, excepted, by: actor, sequence: sequence, at: at) else {
            throw StoreError.invalidEvent("finding \(excepted.findingID) is not open, so it cannot be excepted")
        }
        try write(next, db)
    }

    static func apply(_ requested: EventBody.FindingRemovalRequested, by actor: String, sequence: Int64, at: Int64,
                      _ db: Database) throws {
        guard let finding = try findingRow(requested.findingID, db),
              let next = ReconciliationFold.removalRequested(finding, requested, by: actor, sequence: sequence, at: at) else {
            throw StoreError.invalidEvent("finding \(requested.findingID) is not open, or its removal was already requested")
        }
        try write(next, db)
    }

    static func removalDelivered(_ id: String, state: ProvisioningState, outcome: String, _ db: Database) throws {
        guard let finding = try findingRow(id, db), let next = ReconciliationFold.removalDelivered(finding, state: state, outcome: outcome) else {
            throw StoreError.invalidEvent("nobody requested the removal of finding \(id)")
        }
        try write(next, db)
    }

    /// A submitted request that names the finding it asks to approve.
    static func link(_ findingID: String, request requestID: String, _ db: Database) throws {
        guard let finding = try findingRow(findingID, db) else {
            throw StoreError.invalidEvent("request \(requestID) names finding \(findingID), which was never opened")
        }
        try write(ReconciliationFold.requested(finding, by: requestID), db)
    }

    static func apply(_ resolved: EventBody.FindingResolved, at: Int64, _ db: Database) throws {
        guard let finding = try findingRow(resolved.findingID, db) else {
            throw StoreError.invalidEvent("finding \(resolved.findingID) was never opened")
        }
        try write(ReconciliationFold.resolved(finding, resolved, at: at), db)
    }

    private static func findingRow(_ id: String, _ db: Database) throws -> FindingRow? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT \(columns) FROM findings WHERE id = ?"), arguments: [id]).map { try FindingRow($0) }
    }

    private static func sightingRow(_ id: String, _ db: Database) throws -> SightingRow? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT \(SightingRow.columns) FROM grant_sightings WHERE request_id = ?"),
                         arguments: [id]).map { try SightingRow($0) }
    }

    private static func write(_ finding: FindingRow, _ db: Database) throws {
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO findings (\(columns)) VALUES (\(placeholders(33)))")
            .execute(arguments: StatementArguments(finding.values))
    }

    private static func write(_ sighting: SightingRow, _ db: Database) throws {
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO grant_sightings (\(SightingRow.columns)) VALUES (\(placeholders(6)))")
            .execute(arguments: StatementArguments(sighting.values))
    }

    private static func placeholders(_ count: Int) -> String { Array(repeating: "?", count: count).joined(separator: ", ") }

    static let columns = """
        id, kind, system, environment, subject_kind, subject, owner, entitlement, grant_type, scope, request_id, credential_id,
        summary, state, first_seen_at, first_run, last_seen_at, last_run, resolved_at, resolved_run, opened_sequence,
        excepted_by, excepted_at, excepted_until, exception_rationale, exception_sequence, linked_request,
        removal_by, removal_at, removal_rationale, removal_sequence, removal_hand_off, removal_outcome
        """

    /// The finding a row holds, its exception only where the event the row
    /// names records it (this finding, by that person, until then, for that
    /// reason): a row written by hand to except a finding excepts nothing,
    /// so the finding is reported, as `audit verify` names the row.
    static func finding(_ row: Row, _ db: Database) throws -> StoredFinding {
        var finding = try FindingRow(row).stored()
        if let exception = finding.exception {
            var query = FastStatement(try db.cachedStatement(sql: EventColumns.select + " WHERE sequence = ?"), db)
            query.bind(exception.sequence)
            var recorded = false
            try query.forEachRow { row in
                let draft = try EventColumns(statement: row).draft()
                guard case let .findingExcepted(excepted) = draft.body else { return }
                recorded = excepted.findingID == finding.id && draft.actor.name == exception.by && excepted.rationale == exception.rationale
                    && excepted.until.storeMilliseconds == exception.until.storeMilliseconds
                    && draft.at.storeMilliseconds == exception.at.storeMilliseconds
            }
            if !recorded { finding.exception = nil }
        }
        return finding
    }

    /// The `finding_opened` event a finding names, read in `db`.
    static func opened(_ finding: StoredFinding, _ db: Database) throws -> EventBody.FindingOpened {
        var query = FastStatement(try db.cachedStatement(sql: EventColumns.select + " WHERE sequence = ?"), db)
        query.bind(finding.openedSequence)
        var found: EventBody.FindingOpened?
        try query.forEachRow { row in
            guard case let .findingOpened(opened) = try EventColumns(statement: row).draft().body, opened.findingID == finding.id else {
                throw StoreError.invalidEvent("finding \(finding.id) names event \(finding.openedSequence), which did not open it; run `signoff audit verify`")
            }
            found = opened
        }
        guard let found else { throw StoreError.invalidEvent("finding \(finding.id) names event \(finding.openedSequence), which is missing") }
        return found
    }

    static func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }
}

extension WriteTransaction {
    func findingIsOpen(_ id: String) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT 1 FROM findings WHERE id = ? AND state = 'open'", arguments: [id]) ?? false
    }

    /// A finding as of this transaction; nil when none has that ID.
    public func finding(_ id: String) throws -> StoredFinding? {
        checkOpen()
        return try Row.fetchOne(db, sql: "SELECT \(ReconciliationRows.columns) FROM findings WHERE id = ?", arguments: [id])
            .map { try ReconciliationRows.finding($0, db) }
    }

    /// The `finding_opened` event that last opened a finding, as of this transaction.
    public func opened(_ finding: StoredFinding) throws -> EventBody.FindingOpened? {
        checkOpen()
        return try ReconciliationRows.opened(finding, db)
    }

    /// The exceptions in force at `now` of the findings on a system and
    /// environment, open or resolved (one that comes back is still excepted), by finding ID.
    public func exceptionsInForce(system: String, environment: String, at now: Date) throws -> [String: FindingException] {
        checkOpen()
        var exceptions: [String: FindingException] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT \(ReconciliationRows.columns) FROM findings WHERE system = ? AND environment = ? AND excepted_until > ?
            """, arguments: [system, environment, now.storeMilliseconds]) {
            let finding = try ReconciliationRows.finding(row, db)
            exceptions[finding.id] = finding.exception
        }
        return exceptions
    }

    /// When the platform was read for the run `sequence` that covered
    /// `system`/`environment`: as its export says, else when the run was
    /// recorded; nil when that event is not such a run.
    public func runReadTime(_ sequence: Int64, system: String, environment: String) throws -> Date? {
        checkOpen()
        var query = FastStatement(try db.cachedStatement(sql: EventColumns.select + " WHERE sequence = ?"), db)
        query.bind(sequence)
        var found: Date?
        try query.forEachRow { row in
            let draft = try EventColumns(statement: row).draft()
            guard case let .reconciliationRun(run) = draft.body else { return }
            let target = run.covered.first { ExactName.same($0.system, system) && ExactName.same($0.environment, environment) }
            found = target?.observedAt ?? draft.at
        }
        return found
    }

    /// The open findings on a system and environment, as of this transaction.
    public func openFindings(system: String, environment: String) throws -> [StoredFinding] {
        checkOpen()
        return try Row.fetchAll(db, sql: """
            SELECT \(ReconciliationRows.columns) FROM findings WHERE system = ? AND environment = ? AND state = 'open' ORDER BY id
            """, arguments: [system, environment]).map { try ReconciliationRows.finding($0, db) }
    }
}

extension Store {
    /// The export records behind a finding: those of the `finding_opened`
    /// event that last opened it.
    public func evidence(of finding: StoredFinding) throws -> [FindingEvidence] {
        try opened(finding).evidence.map { FindingEvidence(sourceID: $0.sourceID, text: $0.text, observedAt: $0.observedAt) }
    }

    /// The `finding_opened` event that last opened a finding: what the run
    /// saw of the access (its level, the platform's words, the records).
    public func opened(_ finding: StoredFinding) throws -> EventBody.FindingOpened {
        try read { db in try ReconciliationRows.opened(finding, db) }
    }

    /// Event `sequence` as recorded (who, when, what); nil when there is none.
    public func event(_ sequence: Int64) throws -> EventDraft? {
        try read { db in
            var query = FastStatement(try db.cachedStatement(sql: EventColumns.select + " WHERE sequence = ?"), db)
            query.bind(sequence)
            var draft: EventDraft?
            try query.forEachRow { row in draft = try EventColumns(statement: row).draft() }
            return draft
        }
    }

    /// The signatures on the decisions behind `findings` (their exceptions
    /// and removals), by the sequence of the event that records each;
    /// unsigned decisions are absent.
    public func signatures(of findings: [StoredFinding]) throws -> [Int64: EventSignature] {
        let sequences = findings.flatMap { [$0.exception?.sequence, $0.removal?.sequence].compactMap(\.self) }
        if sequences.isEmpty { return [:] }
        return try read { db in
            var signatures: [Int64: EventSignature] = [:]
            for sequence in sequences {
                var query = FastStatement(try db.cachedStatement(sql: EventColumns.select + " WHERE sequence = ?"), db)
                query.bind(sequence)
                try query.forEachRow { row in signatures[sequence] = try EventColumns(statement: row).draft().signature }
            }
            return signatures
        }
    }

    /// One finding, open or resolved; nil when none has that ID.
    public func finding(_ id: String) throws -> StoredFinding? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT \(ReconciliationRows.columns) FROM findings WHERE id = ?", arguments: [id])
                .map { try ReconciliationRows.finding($0, db) }
        }
    }

    /// Findings, open ones only unless `resolved`; in order of kind, system,
    /// environment, subject and ID.
    public func findings(resolved: Bool = false) throws -> [StoredFinding] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(ReconciliationRows.columns) FROM findings \(resolved ? "" : "WHERE state = 'open'")
                ORDER BY state, kind, system, environment, subject, id
                """).map { try ReconciliationRows.finding($0, db) }
        }
    }
}
