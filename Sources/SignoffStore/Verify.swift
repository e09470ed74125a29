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
        /// Its `prev_hash` is not the hash of the event before it (`Store.brokenLink` says more).
        var brokenLink = false
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
    /// Each anchor given to `verify`, and why the chain does not hold it (nil
    /// when it does): its history was rewritten or cut short since it was
    /// taken, however well re-chained.
    public var anchorChecks: [AnchorCheck] = []
    /// The problems of the anchors the chain does not hold.
    public var brokenAnchors: [String] { anchorChecks.compactMap(\.problem) }

    public struct AnchorCheck: Sendable, Hashable {
        public var anchor: ChainAnchor
        public var problem: String?
    }
    /// Wall time of the verification.
    public var duration: Duration
    /// Events that carry a signature.
    public var signedEventCount = 0
    /// Of those, the ones signed over `signoff.statement/1`, before the store adopted /2.
    public var schema1SignedEventCount = 0
    /// Of those, the ones signed over `signoff.statement/2`, before the store adopted /3.
    public var schema2SignedEventCount = 0
    /// Signatures that do not hold, and decisions unsigned where the policy required a signature.
    public var signatureProblems: [SignatureProblem] = []

    public var isIntact: Bool {
        firstBadEvent == nil && projectionMismatches.isEmpty && brokenAnchors.isEmpty && signatureProblems.isEmpty
    }

    /// Every problem found, one line each: the chain's, the query tables',
    /// the anchors', then the signatures'.
    public var problems: [String] {
        [firstBadEvent?.description].compactMap { $0 } + projectionMismatches.map(\.description) + brokenAnchors
            + signatureProblems.map(\.description)
    }
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
    /// Recomputes the whole hash chain and rebuilds the query tables from the
    /// events, comparing them with the stored ones (one pass, `VerifyPass`), in
    /// one snapshot; and checks that the chain still holds each of `anchors`.
    public func verify(anchors: [ChainAnchor] = []) throws -> VerifyReport {
        try read { db in try verify(db, anchors: anchors) }
    }

    /// `verify` in the snapshot `db` reads, for a caller that goes on to
    /// read the store in that same snapshot (`store copy`).
    func verify(_ db: Database, anchors: [ChainAnchor] = []) throws -> VerifyReport {
        let clock = ContinuousClock()
        let start = clock.now
        var pass = try VerifyPass(db, isCopy: remote != nil)
        do {
            try pass.run()
        } catch is VerifyPass.RowsOutOfOrder {
            pass = try VerifyPass(db, isCopy: remote != nil, inTableOrder: false)
            try pass.run()
        }
        var firstBadEvent = pass.firstBadEvent
        if let bad = firstBadEvent, bad.brokenLink, let found = try Self.brokenLink(db, at: bad.sequence) {
            firstBadEvent?.problem += ": " + found
        }
        var report = VerifyReport(eventCount: pass.eventCount, requestCount: pass.requestCount,
                                  firstBadEvent: firstBadEvent, projectionMismatches: pass.projectionMismatches,
                                  duration: clock.now - start)
        report.signedEventCount = pass.signatures.signedCount
        report.schema1SignedEventCount = pass.signatures.schema1Count
        report.schema2SignedEventCount = pass.signatures.schema2Count
        report.signatureProblems = pass.signatures.problems
        for anchor in anchors {
            let stored = try String.fetchOne(db, sql: "SELECT hash FROM events WHERE sequence = ?",
                                             arguments: [anchor.sequence])
            var problem: String?
            if let stored, stored != anchor.hash {
                problem = "event \(anchor.sequence) has hash \(stored), not the anchor's \(anchor.hash): the history up to it was rewritten"
            } else if stored == nil {
                problem = "there is no event \(anchor.sequence): the chain was cut short or rewritten"
            }
            report.anchorChecks.append(.init(anchor: anchor, problem: problem))
        }
        return report
    }

    /// What the stored hashes say of a chain broken before event `sequence`
    /// (its `prev_hash` is not the hash of the event before it): an event
    /// copied in, events reordered, or the event it followed changed or gone.
    /// Two reads of the events by hash, made only for a chain found broken.
    static func brokenLink(_ db: Database, at sequence: Int64) throws -> String? {
        // As stored, whatever their type: a store written by hand may hold anything.
        guard let row = try Row.fetchOne(db, sql: "SELECT prev_hash, hash FROM events WHERE sequence = ?", arguments: [sequence])
        else { return nil }
        let prevHash: DatabaseValue = row[0], hash: DatabaseValue = row[1]
        if let copied = try Int64.fetchOne(db, sql: "SELECT min(sequence) FROM events WHERE hash = ? AND sequence <> ?",
                                           arguments: [hash, sequence]) {
            return "it has the hash of event \(copied) too, so one of them is a copy: an event was written into the chain twice"
        }
        if let followed = try Int64.fetchOne(db, sql: "SELECT min(sequence) FROM events WHERE hash = ?", arguments: [prevHash]) {
            return "it follows event \(followed) in the chain: events were reordered or renumbered"
        }
        return "no stored event has the hash it follows: the event before it was changed, or removed"
    }

    /// Runs `body` in a snapshot that passes `audit verify` (run first, in
    /// that same snapshot), for what vouches for the store's contents to
    /// others: refused, with what verify names first, otherwise.
    func readVerified<T>(refusing refused: String, _ body: (Database) throws -> T) throws -> T {
        try read { db in
            let report = try verify(db)
            if let problem = report.problems.first {
                throw StoreError.doesNotVerify(path: path, problem: problem, more: report.problems.count - 1, refused: refused)
            }
            return try body(db)
        }
    }

    /// Every policy applied, in order: what the directory listed, and from
    /// when. Read from the chained `policy_applied` events, not from the
    /// `policies` query table, which no hash covers, and only from a store
    /// that passes `audit verify`: `audit allowed-signers` vouches for the
    /// keys they list, and a `policy_applied` event chained by whoever can
    /// write the store, without an administrator's signature, must add none.
    public func verifiedAppliedPolicies() throws -> [StoredPolicy] {
        try readVerified(refusing: "no allowed_signers file was written") { db in
            try StoredPolicy.appliedFromEvents(db, isCopy: remote != nil)
        }
    }

    /// The last event as an anchor; nil for a store without events.
    public func chainHead() throws -> ChainAnchor? {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT sequence, hash FROM events ORDER BY sequence DESC LIMIT 1") else {
                return nil
            }
            return ChainAnchor(sequence: try row.checked(0, "events.sequence"), hash: try row.checked(1, "events.hash"))
        }
    }
}
