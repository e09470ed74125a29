import Foundation
import GRDB
import SignoffCore
#if canImport(GRDBSQLite)
import GRDBSQLite
#elseif canImport(SQLite3)
import SQLite3
#endif

/// What `audit verify` found: the first event where the chain breaks, and every
/// place where the query tables disagree with the fold of the events.
public struct VerifyReport: Sendable, Hashable {
    /// The first event that is missing, out of place, or not what was written.
    public struct BadEvent: Sendable, Hashable, CustomStringConvertible {
        public var sequence: Int64
        public var requestID: String?
        public var problem: String
        public var description: String {
            "event \(sequence)" + (requestID.map { " (request \($0))" } ?? "") + ": " + problem
        }
    }

    /// A query-table row that differs from what the events say, or is missing.
    public struct ProjectionMismatch: Sendable, Hashable, CustomStringConvertible {
        /// `requests`, `reviews`, `policies`, or `events` for an event that does not decode.
        public var table: String
        public var requestID: String?
        public var sequence: Int64?
        public var problem: String
        public var description: String {
            var subject = table
            if let requestID { subject += ", request \(requestID)" }
            if let sequence { subject += ", event \(sequence)" }
            return "\(subject): \(problem)"
        }
    }

    public var eventCount: Int
    public var requestCount: Int
    public var firstBadEvent: BadEvent?
    public var projectionMismatches: [ProjectionMismatch]
    /// Anchors given to `verify` that the chain does not hold: its history was
    /// rewritten or cut short since they were taken, however well re-chained.
    public var brokenAnchors: [String] = []
    /// Wall time of the hash-chain pass alone.
    public var chainDuration: Duration
    /// Wall time of rebuilding and comparing the query tables.
    public var projectionDuration: Duration

    public var isIntact: Bool { firstBadEvent == nil && projectionMismatches.isEmpty && brokenAnchors.isEmpty }
}

/// An event's sequence number and hash, kept somewhere the store's writers
/// cannot change (a ticket, a log server, a commit). The hash commits to every
/// event up to it, so a store that still holds the anchor holds exactly the
/// history it was taken from: the chain alone cannot show that, since whoever
/// can write the file can rewrite history and compute the hashes again.
public struct ChainAnchor: Sendable, Hashable, CustomStringConvertible {
    public var sequence: Int64
    public var hash: String

    public init(sequence: Int64, hash: String) {
        self.sequence = sequence
        self.hash = hash
    }

    /// `SEQUENCE:HASH`, as `description` writes it; nil for anything else.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let sequence = Int64(parts[0]), sequence > 0, parts[1].count == 64,
              parts[1].allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
        self.init(sequence: sequence, hash: String(parts[1]))
    }

    public var description: String { "\(sequence):\(hash)" }
}

extension Store {
    /// Recomputes the whole hash chain, then rebuilds the query tables from the
    /// events and compares them with the stored ones, in one snapshot; and
    /// checks that the chain still holds each of `anchors`.
    public func verify(anchors: [ChainAnchor] = []) throws -> VerifyReport {
        try read { db in
            let clock = ContinuousClock()
            let chainStart = clock.now
            let (eventCount, firstBad) = try Self.checkChain(db)
            let projectionStart = clock.now
            let (requestCount, mismatches) = try Self.checkProjections(db)
            let end = clock.now
            var report = VerifyReport(eventCount: eventCount, requestCount: requestCount, firstBadEvent: firstBad,
                                      projectionMismatches: mismatches, chainDuration: projectionStart - chainStart,
                                      projectionDuration: end - projectionStart)
            for anchor in anchors {
                let stored = try String.fetchOne(db, sql: "SELECT hash FROM events WHERE sequence = ?",
                                                 arguments: [anchor.sequence])
                if let stored, stored != anchor.hash {
                    report.brokenAnchors.append("event \(anchor.sequence) has hash \(stored), not the anchor's \(anchor.hash): the history up to it was rewritten")
                } else if stored == nil {
                    report.brokenAnchors.append("there is no event \(anchor.sequence): the chain was cut short or rewritten")
                }
            }
            return report
        }
    }

    /// The last event as an anchor; nil for a store without events.
    public func chainHead() throws -> ChainAnchor? {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT sequence, hash FROM events ORDER BY sequence DESC LIMIT 1") else {
                return nil
            }
            return ChainAnchor(sequence: row[0], hash: row[1])
        }
    }

    /// Hashes straight from SQLite's column buffers: no Swift strings, no JSON,
    /// one reused buffer. This pass must stay fast on large stores.
    static func checkChain(_ db: Database) throws -> (Int, VerifyReport.BadEvent?) {
        let statement = try db.makeStatement(sql: StoredEvent.select + " ORDER BY sequence")
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(handle) }

        func bytes(_ column: Int32) -> UnsafeRawBufferPointer {
            let text = sqlite3_column_text(handle, column)
            return UnsafeRawBufferPointer(start: text, count: Int(sqlite3_column_bytes(handle, column)))
        }
        func requestID() -> String? {
            sqlite3_column_type(handle, 5) == SQLITE_NULL ? nil : String(decoding: bytes(5), as: UTF8.self)
        }

        var chain = EventChain()
        var expectedPrevious = EventChain.genesisBytes
        var expectedSequence: Int64 = 1
        var count = 0
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code),
                                    message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
            count += 1
            let sequence = sqlite3_column_int64(handle, 0)
            if sequence != expectedSequence {
                let problem = sequence > expectedSequence
                    ? "missing: the events from \(expectedSequence) to \(sequence - 1) were deleted"
                    : "sequence \(sequence) is out of place; \(expectedSequence) was expected"
                return (count, .init(sequence: expectedSequence, requestID: nil, problem: problem))
            }
            let previous = bytes(7)
            guard previous.elementsEqual(expectedPrevious) else {
                let problem = sequence == 1
                    ? "prev_hash is not the chain's start (64 zeros)"
                    : "prev_hash does not match the hash of event \(sequence - 1)"
                return (count, .init(sequence: sequence, requestID: requestID(), problem: problem))
            }
            chain.begin(prevHash: previous, sequence: sequence, at: sqlite3_column_int64(handle, 1))
            chain.appendField(bytes(2))
            chain.appendField(bytes(3))
            chain.appendField(bytes(4))
            chain.appendOptionalField(sqlite3_column_type(handle, 5) == SQLITE_NULL ? nil : bytes(5))
            chain.appendField(bytes(6))
            let stored = bytes(8)
            guard chain.finish({ $0.elementsEqual(stored) }) else {
                return (count, .init(sequence: sequence, requestID: requestID(),
                                     problem: "hash does not match the stored columns: the event was changed after it was written"))
            }
            expectedPrevious.withUnsafeMutableBytes { $0.copyMemory(from: stored) }
            expectedSequence += 1
        }
        return (count, nil)
    }

    /// Folds every event through `Projection.apply`, as appending did, and
    /// compares the result with the `requests`, `reviews` and `policies` tables.
    static func checkProjections(_ db: Database) throws -> (Int, [VerifyReport.ProjectionMismatch]) {
        typealias Mismatch = VerifyReport.ProjectionMismatch
        var mismatches: [Mismatch] = []
        var records: [String: (record: RequestRecord, submitted: Int64, last: Int64)] = [:]
        var order: [String] = []
        var reviews: [Int64: ReviewRow] = [:]
        var policies: [Int64: PolicyRow] = [:]
        var grants: [String: (grant: Grant, last: Int64)] = [:]
        var handOff: [DatabaseValue]?
        var facts = StoreFacts()

        let events = try Row.fetchCursor(db, sql: StoredEvent.select + " ORDER BY sequence")
        while let row = try events.next() {
            let event = StoredEvent(row: row)
            let draft: EventDraft
            do {
                draft = try event.draft()
            } catch {
                mismatches.append(Mismatch(table: "events", requestID: event.requestID, sequence: event.sequence,
                                           problem: "\(error)"))
                continue
            }
            facts.fold(draft, sequence: event.sequence, into: &mismatches)
            switch draft.body {
            case let .policyApplied(policy):
                policies[event.sequence] = PolicyRow(sequence: event.sequence, actor: draft.actor, at: event.at,
                                                     policy: policy)
            case let .reviewRecorded(review):
                if let id = draft.requestID {
                    reviews[event.sequence] = ReviewRow(sequence: event.sequence, requestID: id, actor: draft.actor,
                                                        at: event.at, review: review)
                }
            case let .handOffConfigured(config):
                handOff = [config.outbox.databaseValue, config.command.databaseValue, config.timeoutSeconds.databaseValue,
                           event.at.databaseValue, draft.actor.name.databaseValue,
                           draft.actor.authentication.rawValue.databaseValue, event.sequence.databaseValue]
            case .requestSubmitted, .requestRouted, .reviewRefused, .actionRefused, .requestDecided, .requestWithdrawn,
                 .grantIssued, .grantHandedOff, .grantProvisioned, .grantProvisioningFailed, .grantExpired, .grantRevoked,
                 .grantExtended, .incidentReviewCompleted, .storeCreated, .settingsChanged, .schemaMigrated, .reconciliationRun, .findingOpened, .findingResolved:
                break
            }
            guard let id = draft.requestID else { continue }
            if GrantProjection.concernsGrant(draft.body) {
                if let grant = GrantProjection.apply(draft, to: grants[id]?.grant) { grants[id] = (grant, event.sequence) }
                continue
            }
            let current = records[id]
            guard let updated = Projection.apply(draft, to: current?.record) else { continue }
            if current == nil { order.append(id) }
            let submitted: Int64
            if case .requestSubmitted = draft.body { submitted = event.sequence } else { submitted = current?.submitted ?? event.sequence }
            records[id] = (updated, submitted, event.sequence)
        }
        let requestCount = records.count

        let stored = try Row.fetchCursor(db, sql: "SELECT \(RequestRow.columns) FROM requests ORDER BY submitted_sequence")
        while let row = try stored.next() {
            let storedRow = RequestRow(row: row)
            guard let rebuilt = records.removeValue(forKey: storedRow.id) else {
                mismatches.append(Mismatch(table: "requests", requestID: storedRow.id, sequence: nil,
                                           problem: "in the query table, but no event submits it"))
                continue
            }
            let expected = RequestRow(rebuilt.record, submittedSequence: rebuilt.submitted, lastSequence: rebuilt.last,
                                      encoded: Data(CanonicalJSON.encode(rebuilt.record)))
            if let difference = expected.firstDifference(from: storedRow) {
                mismatches.append(Mismatch(table: "requests", requestID: storedRow.id, sequence: nil, problem: difference))
            }
        }
        for id in order where records[id] != nil {
            mismatches.append(Mismatch(table: "requests", requestID: id, sequence: nil,
                                       problem: "submitted by the events, but missing from the query table"))
        }

        let storedReviews = try Row.fetchCursor(db, sql: "SELECT \(ReviewRow.columns) FROM reviews ORDER BY sequence")
        while let row = try storedReviews.next() {
            let storedRow = ReviewRow(row: row)
            if let expected = reviews.removeValue(forKey: storedRow.sequence) {
                if expected != storedRow {
                    mismatches.append(Mismatch(table: "reviews", requestID: expected.requestID, sequence: storedRow.sequence,
                                               problem: "differs from the review_recorded event"))
                }
            } else {
                mismatches.append(Mismatch(table: "reviews", requestID: storedRow.requestID, sequence: storedRow.sequence,
                                           problem: "in the query table, but no review_recorded event has this sequence"))
            }
        }
        for (sequence, review) in reviews.sorted(by: { $0.key < $1.key }) {
            mismatches.append(Mismatch(table: "reviews", requestID: review.requestID, sequence: sequence,
                                       problem: "recorded by the events, but missing from the query table"))
        }

        let storedPolicies = try Row.fetchCursor(db, sql: "SELECT \(PolicyRow.columns) FROM policies ORDER BY sequence")
        while let row = try storedPolicies.next() {
            let storedRow = PolicyRow(row: row)
            if let expected = policies.removeValue(forKey: storedRow.sequence) {
                if expected != storedRow {
                    mismatches.append(Mismatch(table: "policies", requestID: nil, sequence: storedRow.sequence,
                                               problem: "differs from the policy_applied event"))
                }
            } else {
                mismatches.append(Mismatch(table: "policies", requestID: nil, sequence: storedRow.sequence,
                                           problem: "in the query table, but no policy_applied event has this sequence"))
            }
        }
        for sequence in policies.keys.sorted() {
            mismatches.append(Mismatch(table: "policies", requestID: nil, sequence: sequence,
                                       problem: "applied by the events, but missing from the query table"))
        }

        // A half without the other: the join below cannot see it.
        let halves = try Row.fetchAll(db, sql: """
            SELECT request_id, 'grants' FROM grants WHERE request_id NOT IN (SELECT request_id FROM grant_status)
            UNION ALL
            SELECT request_id, 'grant_status' FROM grant_status WHERE request_id NOT IN (SELECT request_id FROM grants)
            """)
        for row in halves {
            let id: String = row[0], table: String = row[1]
            mismatches.append(Mismatch(table: table, requestID: id, sequence: nil,
                                       problem: "a \(table) row without its other half"))
            grants.removeValue(forKey: id)
        }
        let storedGrants = try Row.fetchCursor(db, sql: GrantRow.select + "ORDER BY s.request_id")
        while let row = try storedGrants.next() {
            let storedRow = GrantRow(row: row)
            guard let rebuilt = grants.removeValue(forKey: storedRow.requestID) else {
                mismatches.append(Mismatch(table: "grants", requestID: storedRow.requestID, sequence: nil,
                                           problem: "in the query table, but no event issues it"))
                continue
            }
            if let difference = GrantRow(rebuilt.grant, lastSequence: rebuilt.last).firstDifference(from: storedRow) {
                mismatches.append(Mismatch(table: "grants", requestID: storedRow.requestID, sequence: nil, problem: difference))
            }
        }
        for id in grants.keys.sorted() {
            mismatches.append(Mismatch(table: "grants", requestID: id, sequence: nil,
                                       problem: "issued by the events, but missing from the query table"))
        }

        let storedHandOff = try Row.fetchOne(db, sql: """
            SELECT outbox, command, timeout_seconds, configured_at, configured_by, authentication, sequence FROM hand_off
            """).map { row in (0..<7).map { row[$0] as DatabaseValue } }
        if storedHandOff != handOff {
            mismatches.append(Mismatch(table: "hand_off", requestID: nil, sequence: nil,
                                       problem: "differs from the latest hand_off_configured event"))
        }
        try facts.compare(with: db, into: &mismatches)
        return (requestCount, mismatches)
    }
}
