import Crypto
import Foundation
import SignoffCore

/// The half of `audit verify` that needs no database, on a core of its own:
/// the pass copies the events it steps into batches, and each batch's events
/// are checked against the chain and decoded here, in order, while the pass
/// folds the batch before. The first event where the chain breaks is found
/// exactly as a check inline with the fold would find it.
final class VerifyChain: @unchecked Sendable {
    /// Events copied from SQLite, in order; checked and decoded once `ready`.
    final class Batch: @unchecked Sendable {
        /// Each event's stored prev_hash and hash, then its canonical bytes
        /// (`EventChain`: everything hashed after the prev_hash), which hold
        /// every other column; back to back.
        let bytes = ByteBuffer(capacity: 1 << 20 + 65_536)
        fileprivate(set) var entries: [Entry] = []
        /// Each entry's event decoded, or why it does not decode.
        fileprivate(set) var drafts: [Result<EventDraft, any Error>] = []
        /// For a submission, the bytes of the request it carries, as it
        /// carries them (`submittedRequest`); for a revision, its request
        /// encoded as the writer encodes it; nil otherwise.
        fileprivate(set) var requestJSON: [[UInt8]?] = []
        /// For the route of a submission, the policy's route of it (`PrecomputedRoute`); nil otherwise.
        fileprivate(set) var routes: [PrecomputedRoute?] = []
        fileprivate let ready = DispatchSemaphore(value: 0)
        var isFull: Bool { entries.count >= 1024 || bytes.count >= 1 << 20 }

        /// Where one event's columns are in `bytes`.
        struct Entry {
            var sequence: Int64
            var at: Int64
            var prevHash: Range<Int>
            var hash: Range<Int>
            var canonical: Range<Int>
            var actor: Range<Int>
            var authentication: Range<Int>
            var kind: Range<Int>
            var requestID: Range<Int>?
            var payload: Range<Int>
            var signature: Range<Int>?
            var statement: Range<Int>?
            /// Whether the stored signature and statement are both present
            /// or both absent (the hash covers them only together).
            var paired: Bool
        }

        init() {
            entries.reserveCapacity(1024)
            drafts.reserveCapacity(1024)
        }

        /// Copies one stepped event out of SQLite's buffers.
        func append(_ event: EventColumns) {
            func copy(_ field: UnsafeRawBufferPointer) -> Range<Int> { bytes.append(field) }
            func appendInteger(_ value: Int64) { bytes.appendBigEndian(UInt64(bitPattern: value)) }
            func appendField(_ field: UnsafeRawBufferPointer) -> Range<Int> {
                bytes.appendBigEndian(UInt32(truncatingIfNeeded: field.count))
                return copy(field)
            }
            let prevHash = copy(event.prevHash), hash = copy(event.hash)
            let start = bytes.count
            appendInteger(event.sequence)
            appendInteger(event.at)
            let actor = appendField(event.actor)
            let authentication = appendField(event.authentication)
            let kind = appendField(event.kind)
            var requestID: Range<Int>?
            if let id = event.requestID {
                bytes.append(1)
                requestID = appendField(id)
            } else {
                bytes.append(0)
            }
            let payload = appendField(event.payload)
            var signature: Range<Int>?, statement: Range<Int>?
            if let signed = event.signature {
                signature = appendField(signed)
                let stated = appendField(event.statement ?? UnsafeRawBufferPointer(start: nil, count: 0))
                if event.statement != nil { statement = stated }
            }
            entries.append(Entry(sequence: event.sequence, at: event.at, prevHash: prevHash, hash: hash,
                                 canonical: start..<bytes.count, actor: actor, authentication: authentication, kind: kind,
                                 requestID: requestID, payload: payload, signature: signature, statement: statement,
                                 paired: (event.signature == nil) == (event.statement == nil)))
        }

        /// Each event as `EventColumns` over this batch's bytes, with its
        /// decoded form and the bytes of the request it carries (`requestJSON`).
        /// The decoded events are passed on in place: an element of an
        /// array passed on is copied (every string of the event retained and
        /// released again).
        func forEach(_ body: (EventColumns, borrowing Result<EventDraft, any Error>, [UInt8]?, PrecomputedRoute?) throws -> Void) rethrows {
            try drafts.withUnsafeBufferPointer { drafts in
                try routes.withUnsafeBufferPointer { routes in
                    try eachColumns { index, columns in try body(columns, drafts[index], requestJSON[index], routes[index]) }
                }
            }
        }

        fileprivate func eachColumns(_ body: (Int, EventColumns) throws -> Void) rethrows {
            try bytes.withUnsafeBytes { all in
                func slice(_ range: Range<Int>) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: all[range]) }
                for (index, entry) in entries.enumerated() {
                    try body(index, EventColumns(
                        sequence: entry.sequence, at: entry.at, actor: slice(entry.actor),
                        authentication: slice(entry.authentication), kind: slice(entry.kind),
                        requestID: entry.requestID.map(slice), payload: slice(entry.payload), prevHash: slice(entry.prevHash),
                        hash: slice(entry.hash), signature: entry.signature.map(slice), statement: entry.statement.map(slice)))
                }
            }
        }

        fileprivate func reset() {
            bytes.removeAll()
            entries.removeAll(keepingCapacity: true)
            drafts.removeAll(keepingCapacity: true)
            requestJSON.removeAll(keepingCapacity: true)
            routes.removeAll(keepingCapacity: true)
        }
    }

    private let queue = DispatchQueue(label: "signoff verify chain")
    private let group = DispatchGroup()
    /// Batches emptied on `queue`, for the pass to fill again.
    private var free: [Batch] = []
    private let freeLock = NSLock()

    // Touched only on `queue`.
    private var expectedPrevious = EventChain.genesisBytes
    private var expectedSequence: Int64 = 1
    private var hex = [UInt8](repeating: 0, count: 64)
    private var bad: VerifyReport.BadEvent?
    /// The policy the events so far applied, and each submission not yet routed:
    /// its route is worked out here, off the folding core (`PrecomputedRoute`).
    private var policy: Policy?
    private var unrouted: [String: (request: AccessRequest, submittedBy: String)] = [:]

    /// An empty batch to fill (one handed back by `done`, or a new one).
    func nextBatch() -> Batch { freeLock.withLock { free.popLast() } ?? Batch() }

    /// Hands a filled batch over to be checked and decoded after those before it.
    func submit(_ batch: Batch) {
        queue.async(group: group) { [self] in
            if bad == nil { check(batch) }
            batch.eachColumns { _, columns in
                var requestJSON: [UInt8]?, route: PrecomputedRoute?, exact = false
                let draft = Result { try columns.draft(exact: &exact) }
                if case let .success(event) = draft {
                    if case let .requestSubmitted(submitted) = event.body {
                        requestJSON = (exact ? Self.submittedRequest(in: columns.payload) : nil) ?? CanonicalJSON.encode(submitted.request)
                    } else if case let .requestRevised(revised) = event.body {
                        requestJSON = CanonicalJSON.encode(revised.request)
                    }
                    route = precomputeRoute(event)
                }
                batch.drafts.append(draft)
                batch.requestJSON.append(requestJSON)
                batch.routes.append(route)
            }
            batch.ready.signal()
        }
    }

    /// The policy's route of a submission, where `event` routes one, worked
    /// out as `DecisionCheck` would: the same policy (the latest applied), the
    /// same request and submitter, the same time.
    private func precomputeRoute(_ event: EventDraft) -> PrecomputedRoute? {
        switch event.body {
        case let .policyApplied(applied):
            policy = ParsedPolicies.shared.policy(version: applied.version, source: applied.source, file: applied.file)
        case let .requestSubmitted(submitted):
            if let id = event.requestID { unrouted[id] = (submitted.request, event.actor.name) }
        case .requestRevised:
            // Its route is of the revised request, with the record's submitter: the fold works it out.
            if let id = event.requestID { unrouted[id] = nil }
        case .requestRouted:
            guard let id = event.requestID, let (request, submittedBy) = unrouted.removeValue(forKey: id), let policy else { return nil }
            return PrecomputedRoute(policyVersion: policy.version, request: request, submittedBy: submittedBy,
                                    outcome: policy.route(request, submittedBy: submittedBy, at: event.at))
        case .reviewRecorded, .reviewRefused, .actionRefused, .requestDecided, .requestWithdrawn, .grantIssued,
             .grantHandedOff, .grantProvisioned, .grantProvisioningFailed, .grantExpired, .grantRevoked, .grantExtended,
             .incidentReviewCompleted, .storeCreated, .settingsChanged, .schemaMigrated, .handOffConfigured,
             .reconciliationRun, .findingOpened, .findingResolved, .findingExcepted, .findingRemovalRequested,
             .removalHandedOff, .removalHandOffFailed, .ticketLinked, .intakeRefused, .writeBackConfigured:
            break
        }
        return nil
    }

    /// The request's bytes in a submission's payload, `{"request":…}` as the
    /// writer writes it: a copy, not a second encoding of the decoded
    /// request. Only for a payload the exact reader read (`Pull`: the
    /// writer's members, each once, in order, nothing after): the request's
    /// bytes are then exactly one object holding exactly that request, so a
    /// record that holds them holds that request, however its strings'
    /// escapes are spelt (`RowComparison` encodes the request again only
    /// where the row's record is not spliced from them). A payload another
    /// reader took (`{"request":{…},"state":"approved"}`, whose unknown
    /// member Foundation's reader passes over) would splice members no
    /// event set into the record expected. Nil for any other shape.
    static func submittedRequest(in payload: UnsafeRawBufferPointer) -> [UInt8]? {
        let prefix: StaticString = #"{"request":"#
        let length = prefix.utf8CodeUnitCount
        guard payload.count > length + 1, payload[payload.count - 1] == UInt8(ascii: "}"),
              memcmp(payload.baseAddress!, prefix.utf8Start, length) == 0 else { return nil }
        return Array(payload[length..<(payload.count - 1)])
    }

    /// Waits until `batch` was checked and decoded.
    func wait(for batch: Batch) { batch.ready.wait() }

    /// Takes back a batch the caller is done with, for reuse. It is emptied
    /// on the other core: releasing its decoded events costs as much as a
    /// part of the fold.
    func done(_ batch: Batch) {
        queue.async(group: group) { [self] in
            batch.reset()
            freeLock.withLock { free.append(batch) }
        }
    }

    /// Runs `work` on this core after what was handed over before it: work
    /// of the pass that needs no database and no later event.
    func later(_ work: @escaping @Sendable () -> Void) {
        queue.async(group: group, execute: work)
    }

    /// Waits until everything handed over so far is done.
    func waitForAll() { group.wait() }

    /// The first bad event once every batch submitted was checked.
    func firstBadEvent() -> VerifyReport.BadEvent? {
        group.wait()
        return queue.sync { bad }
    }

    /// `EventChain`'s check of each event in turn: its place, its link to
    /// the previous hash, and its hash over the stored columns.
    private func check(_ batch: Batch) {
        batch.bytes.withUnsafeBytes { all in
            func slice(_ range: Range<Int>) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: all[range]) }
            for entry in batch.entries {
                let prevHash = slice(entry.prevHash), hash = slice(entry.hash)
                func requestID() -> String? { entry.requestID.map { String(decoding: slice($0), as: UTF8.self) } }
                let sequence = entry.sequence
                if sequence != expectedSequence {
                    let problem = sequence > expectedSequence
                        ? "missing: event \(expectedSequence) is not there, and the next one stored is numbered \(sequence) (events were deleted, or one was renumbered)"
                        : "sequence \(sequence) is out of place; \(expectedSequence) was expected"
                    bad = .init(sequence: expectedSequence, requestID: nil, problem: problem)
                    return
                }
                guard Self.equal(prevHash, expectedPrevious) else {
                    var problem = sequence == 1
                        ? "prev_hash is not the chain's start (64 zeros)"
                        : "prev_hash does not match the hash of event \(sequence - 1)"
                    // Its own hash made over the hash expected: the prev_hash column alone was changed.
                    var hasher = SHA256()
                    expectedPrevious.withUnsafeBytes { hasher.update(bufferPointer: $0) }
                    hasher.update(bufferPointer: slice(entry.canonical))
                    hasher.finalize().withUnsafeBytes { raw in hex.withUnsafeMutableBufferPointer { EventChain.writeHex(raw, into: $0) } }
                    let columnOnly = Self.equal(hash, hex)
                    if columnOnly {
                        problem += ": its own hash was made over \(sequence == 1 ? "the chain's start" : "that hash"), so its prev_hash column alone was changed"
                    }
                    bad = .init(sequence: sequence, requestID: requestID(), problem: problem, brokenLink: sequence > 1 && !columnOnly)
                    return
                }
                // The hash covers a signature and its statement only together: a
                // statement on an unsigned event would be outside it, read by
                // whoever checks the export, and changeable unnoticed.
                guard entry.paired else {
                    let problem = entry.signature == nil
                        ? "it carries a statement but no signature: the hash does not cover a statement without its signature, so it can be changed unnoticed"
                        : "it carries a signature but no statement: every signed event stores the statement it signs"
                    bad = .init(sequence: sequence, requestID: requestID(), problem: problem)
                    return
                }
                // The stored prev_hash is the expected one: hash it, then the canonical bytes.
                var hasher = SHA256()
                hasher.update(bufferPointer: prevHash)
                hasher.update(bufferPointer: slice(entry.canonical))
                let digest = hasher.finalize()
                digest.withUnsafeBytes { raw in
                    hex.withUnsafeMutableBufferPointer { EventChain.writeHex(raw, into: $0) }
                }
                guard Self.equal(hash, hex) else {
                    bad = .init(sequence: sequence, requestID: requestID(),
                                problem: "hash does not match the stored columns: the event was changed after it was written")
                    return
                }
                // Hashed as stored, but not text signoff writes: the JSON export
                // could not carry it, nor the chain be recomputed from the export.
                if let column = EventColumns.firstNotUTF8(
                    actor: slice(entry.actor), authentication: slice(entry.authentication), kind: slice(entry.kind),
                    requestID: entry.requestID.map(slice), payload: slice(entry.payload),
                    signature: entry.signature.map(slice), statement: entry.statement.map(slice)) {
                    bad = .init(sequence: sequence, requestID: column == "request_id" ? nil : requestID(),
                                problem: "its \(column) is not UTF-8: signoff never writes such text, and the JSON export cannot carry it")
                    return
                }
                expectedPrevious.withUnsafeMutableBytes { $0.copyMemory(from: hash) }
                expectedSequence += 1
            }
        }
    }

    /// A stored hash against the one expected, with `memcmp`: the generic
    /// `elementsEqual` walks the two byte by byte through their iterators.
    private static func equal(_ stored: UnsafeRawBufferPointer, _ expected: [UInt8]) -> Bool {
        stored.count == expected.count && expected.withUnsafeBytes { memcmp($0.baseAddress!, stored.baseAddress!, stored.count) == 0 }
    }
}

extension EventColumns {
    init(sequence: Int64, at: Int64, actor: UnsafeRawBufferPointer, authentication: UnsafeRawBufferPointer,
         kind: UnsafeRawBufferPointer, requestID: UnsafeRawBufferPointer?, payload: UnsafeRawBufferPointer,
         prevHash: UnsafeRawBufferPointer, hash: UnsafeRawBufferPointer, signature: UnsafeRawBufferPointer?,
         statement: UnsafeRawBufferPointer?) {
        self.sequence = sequence
        self.at = at
        self.actor = actor
        self.authentication = authentication
        self.kind = kind
        self.requestID = requestID
        self.payload = payload
        self.prevHash = prevHash
        self.hash = hash
        self.signature = signature
        self.statement = statement
    }
}

/// The policy's route of a submitted request, worked out while the batch
/// it is in is decoded: routing every submission again is the largest part
/// of `DecisionCheck`, and the folding core is the busier one.
struct PrecomputedRoute: Sendable {
    let policyVersion: String
    let request: AccessRequest
    let submittedBy: String
    let outcome: RouteOutcome

    /// Whether this is the route `DecisionCheck` would work out for `record` under `policy`.
    func isFor(_ record: RequestRecord, policy: Policy?) -> Bool {
        policy?.version == policyVersion && record.submittedBy.name == submittedBy && record.request == request
    }
}
