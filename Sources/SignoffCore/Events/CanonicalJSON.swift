import Foundation

/// The canonical JSON of event payloads and stored records, written by hand.
///
/// The bytes are exactly what `EventCoding.encoder` (Foundation's `JSONEncoder`
/// with sorted keys and unescaped slashes) produces for the same value: object
/// keys in UTF-8 byte order, absent optionals left out, dates as integer
/// milliseconds, `"` `\` and the C0 controls escaped (`\b \t \n \f \r` in their
/// short forms, the rest as `\u00XX`), everything else, non-ASCII included,
/// written as UTF-8. `EventBody.decode` and `EventCoding.decoder` remain the
/// reference readers; the tests hold the two encodings byte for byte equal.
///
/// Why by hand: `JSONEncoder` costs tens of microseconds per event, more than
/// the rest of an append together.
public enum CanonicalJSON {
    public static func encode(_ record: RequestRecord) -> [UInt8] {
        var writer = Writer(capacity: 1024)
        writer.write(record)
        return writer.bytes
    }

    /// `encode(record)`, and where in those bytes the record's route is: the
    /// same bytes as `encodeRoute(record.route)`, for the query table's route
    /// column without encoding the route a second time. `requestJSON`, when
    /// given, is spliced in rather than encoded again: the canonical bytes of
    /// `record.request` (e.g. from its submission payload), which the caller
    /// guarantees they are.
    /// `routeJSON`, when given, is spliced in the same way: the canonical
    /// bytes of `record.route` (e.g. from its `request_routed` payload).
    public static func encodeRecord(_ record: RequestRecord, requestJSON: [UInt8]?,
                                    routeJSON: ArraySlice<UInt8>? = nil) -> (bytes: [UInt8], route: Range<Int>?) {
        var writer = Writer(capacity: (requestJSON?.count ?? 768) + 512)
        writer.write(record, requestJSON: requestJSON, routeJSON: routeJSON)
        return (writer.bytes, writer.routeRange)
    }

    /// `encode(body)`, and for a `request_routed` event where in those bytes
    /// its outcome is: the same bytes a record's route is written as.
    public static func encodeRouted(_ body: EventBody) -> (bytes: [UInt8], outcome: Range<Int>?) {
        var writer = Writer(capacity: 512)
        writer.write(body)
        return (writer.bytes, writer.routeRange)
    }

    /// The canonical bytes of an `AccessRequest` alone.
    public static func encode(_ request: AccessRequest) -> [UInt8] {
        var writer = Writer(capacity: 768)
        writer.write(request)
        return writer.bytes
    }

    /// The `request_submitted` payload around a request's canonical bytes:
    /// the same bytes as `encode(.requestSubmitted(...))`.
    public static func submittedPayload(requestJSON: [UInt8]) -> [UInt8] {
        var writer = Writer(capacity: requestJSON.count + 16)
        writer.beginObject()
        writer.key("request"); writer.raw(requestJSON)
        writer.endObject()
        return writer.bytes
    }

    public static func encode(_ body: EventBody) -> [UInt8] {
        var writer = Writer(capacity: 512)
        writer.write(body)
        return writer.bytes
    }

    /// Appends JSON tokens to a byte buffer. Keys must be given in sorted order
    /// by the caller; commas are placed automatically.
    /// How many of the `count` bytes at `base` can be passed over eight at a
    /// time as plain string content: no control character, `"` or backslash
    /// (and with `asciiOnly`, nothing beyond ASCII). A multiple of eight; the
    /// word test may stop early at a word with no such byte, never late, so
    /// the caller checks the bytes from there one by one.
    @inline(__always)
    static func plainWords(_ base: UnsafeRawPointer, count: Int, asciiOnly: Bool) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        let nonASCII: UInt64 = asciiOnly ? highs : 0
        var index = 0
        while index + 8 <= count {
            let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            let quote = word ^ (ones &* 0x22), backslash = word ^ (ones &* 0x5C)
            // A byte below 0x20, or a zero byte of `quote` or `backslash`, sets its high bit here.
            let flagged = ((word &- ones &* 0x20) & ~word) | ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)
                | (word & nonASCII)
            if flagged & highs != 0 { break }
            index += 8
        }
        return index
    }

    public struct Writer {
        public private(set) var bytes: [UInt8]
        private var needsComma = false
        /// Where the last record, or `request_routed` payload, written put its
        /// route (see `encodeRecord` and `encodeRouted`).
        private(set) var routeRange: Range<Int>?

        public init(capacity: Int = 512) {
            bytes = []
            bytes.reserveCapacity(capacity)
        }

        // MARK: Tokens

        @inline(__always)
        private mutating func append(_ text: StaticString) {
            text.withUTF8Buffer { bytes.append(contentsOf: $0) }
        }

        private mutating func separate() {
            if needsComma { bytes.append(UInt8(ascii: ",")) }
        }

        public mutating func beginObject() {
            separate()
            bytes.append(UInt8(ascii: "{"))
            needsComma = false
        }

        public mutating func endObject() {
            bytes.append(UInt8(ascii: "}"))
            needsComma = true
        }

        public mutating func beginArray() {
            separate()
            bytes.append(UInt8(ascii: "["))
            needsComma = false
        }

        public mutating func endArray() {
            bytes.append(UInt8(ascii: "]"))
            needsComma = true
        }

        /// An object key given as plain ASCII that needs no escaping.
        public mutating func key(_ name: StaticString) {
            separate()
            bytes.append(UInt8(ascii: "\""))
            append(name)
            append("\":")
            needsComma = false
        }

        /// An object key taken from data (e.g. a label), escaped like any string.
        public mutating func key(_ name: String) {
            string(name)
            bytes.append(UInt8(ascii: ":"))
            needsComma = false
        }

        /// One complete JSON value given as its canonical bytes, copied as is.
        public mutating func raw(_ value: [UInt8]) {
            separate()
            needsComma = true
            bytes.append(contentsOf: value)
        }

        public mutating func raw(_ value: ArraySlice<UInt8>) {
            separate()
            needsComma = true
            bytes.append(contentsOf: value)
        }

        public mutating func int(_ value: Int64) {
            separate()
            needsComma = true
            JSONDecimal.append(value, to: &bytes)
        }

        public mutating func int(_ value: Int) { int(Int64(value)) }

        public mutating func bool(_ value: Bool) {
            separate()
            needsComma = true
            if value { append("true") } else { append("false") }
        }

        /// Integer milliseconds since 1970, rounded as `EventCoding.encoder` does.
        public mutating func date(_ value: Date) {
            int(value.epochMilliseconds)
        }

        public mutating func string(_ value: String) {
            separate()
            needsComma = true
            var value = value
            // The bytes are taken out while the string is written: a closure
            // that appended to `self.bytes` would check exclusive access at
            // run time for every string.
            var out: [UInt8] = []
            swap(&out, &bytes)
            value.withUTF8 { Self.appendQuoted($0, to: &out) }
            swap(&out, &bytes)
        }

        /// How much longer escaping makes it: most strings need none and are
        /// copied whole; the rest (JSON in JSON, such as a comment's body in
        /// its outbox payload) are written in one pass into room made for
        /// them, not appended run by run.
        private static func appendQuoted(_ utf8: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
            var extra = 0
            for byte in utf8[firstToEscape(utf8)...] where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                extra += escapedLength(byte) - 1
            }
            out.append(UInt8(ascii: "\""))
            if extra == 0 {
                out.append(contentsOf: utf8)
            } else {
                out.append(contentsOf: [UInt8](unsafeUninitializedCapacity: utf8.count + extra) { escaped, written in
                    var at = 0
                    for byte in utf8 {
                        if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                            escaped[at] = byte
                            at += 1
                        } else {
                            at = writeEscaped(byte, into: escaped, at: at)
                        }
                    }
                    written = at
                })
            }
            out.append(UInt8(ascii: "\""))
        }

        /// `digest` as a string of lowercase hex: nothing to escape.
        public mutating func hex(_ digest: some ContiguousBytes) {
            separate()
            needsComma = true
            let digits: StaticString = "0123456789abcdef"
            digest.withUnsafeBytes { raw in
                let start = bytes.count
                bytes.append(contentsOf: repeatElement(UInt8(ascii: "\""), count: raw.count * 2 + 2))
                bytes.withUnsafeMutableBufferPointer { out in
                    digits.withUTF8Buffer { table in
                        for (index, byte) in raw.enumerated() {
                            out[start + 1 + 2 * index] = table[Int(byte >> 4)]
                            out[start + 2 + 2 * index] = table[Int(byte & 0x0F)]
                        }
                    }
                }
            }
        }

        /// Where the first byte that needs an escape is (a control character,
        /// `"` or a backslash), or the end: eight bytes at a time while none does,
        /// as most strings need none. The word test may flag a word with no
        /// such byte, never miss one; the bytes from there are checked singly.
        private static func firstToEscape(_ utf8: UnsafeBufferPointer<UInt8>) -> Int {
            let count = utf8.count
            var index = UnsafeRawPointer(utf8.baseAddress).map { CanonicalJSON.plainWords($0, count: count, asciiOnly: false) } ?? 0
            while index < count {
                let byte = utf8[index]
                if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { return index }
                index += 1
            }
            return count
        }

        /// The length of a byte's escape: `\"`, `\\`, `\b`, `\t`, `\n`, `\f`, `\r`, or `\u00XX`.
        @inline(__always)
        private static func escapedLength(_ byte: UInt8) -> Int {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x08, 0x09, 0x0A, 0x0C, 0x0D: 2
            default: 6
            }
        }

        /// Writes a byte's escape at `start`; returns where the next byte goes.
        @inline(__always)
        private static func writeEscaped(_ byte: UInt8, into out: UnsafeMutableBufferPointer<UInt8>, at start: Int) -> Int {
            let short: UInt8
            switch byte {
            case UInt8(ascii: "\""): short = UInt8(ascii: "\"")
            case UInt8(ascii: "\\"): short = UInt8(ascii: "\\")
            case 0x08: short = UInt8(ascii: "b")
            case 0x09: short = UInt8(ascii: "t")
            case 0x0A: short = UInt8(ascii: "n")
            case 0x0C: short = UInt8(ascii: "f")
            case 0x0D: short = UInt8(ascii: "r")
            default:
                let hex: StaticString = "0123456789abcdef"
                out[start] = UInt8(ascii: "\\")
                out[start + 1] = UInt8(ascii: "u")
                out[start + 2] = UInt8(ascii: "0")
                out[start + 3] = UInt8(ascii: "0")
                hex.withUTF8Buffer { table in
                    out[start + 4] = table[Int(byte >> 4)]
                    out[start + 5] = table[Int(byte & 0x0F)]
                }
                return start + 6
            }
            out[start] = UInt8(ascii: "\\")
            out[start + 1] = short
            return start + 2
        }

        // MARK: Optional fields (left out when nil, as synthesized Codable does)

        mutating func field(_ name: StaticString, _ value: String?) {
            if let value { key(name); string(value) }
        }

        mutating func field(_ name: StaticString, _ value: Int?) {
            if let value { key(name); int(value) }
        }

        mutating func field(_ name: StaticString, _ value: Date?) {
            if let value { key(name); date(value) }
        }

        mutating func field(_ name: StaticString, _ value: Bool?) {
            if let value { key(name); bool(value) }
        }

        // MARK: Values

        public mutating func write(_ body: EventBody) {
            switch body {
            case let .policyApplied(p):
                beginObject()
                key("file"); string(p.file)
                field("previous_version", p.previousVersion)
                key("source"); string(p.source)
                key("version"); string(p.version)
                endObject()
            case let .requestSubmitted(p):
                beginObject()
                key("request"); write(p.request)
                endObject()
            case let .requestRouted(p):
                beginObject()
                key("cause"); string(p.cause)
                key("outcome")
                let start = bytes.count
                write(p.outcome)
                routeRange = start..<bytes.count
                key("policy_version"); string(p.policyVersion)
                key("version"); int(p.version)
                endObject()
            case let .reviewRecorded(p):
                beginObject()
                key("policy_version"); string(p.policyVersion)
                key("rationale"); string(p.rationale)
                key("request_version"); int(p.requestVersion)
                key("verdict"); string(p.verdict.rawValue)
                endObject()
            case let .reviewRefused(p):
                beginObject()
                key("current_version"); int(p.currentVersion)
                key("message"); string(p.message)
                key("reason"); string(p.reason.rawValue)
                field("shown_version", p.shownVersion)
                field("verdict", p.verdict?.rawValue)
                endObject()
            case let .actionRefused(p):
                beginObject()
                key("action"); string(p.action.rawValue)
                key("message"); string(p.message)
                key("reason"); string(p.reason.rawValue)
                endObject()
            case let .requestDecided(p):
                beginObject()
                key("by"); strings(p.by)
                field("policy_version", p.policyVersion)
                key("reason"); string(p.reason)
                field("self_activated", p.selfActivated)
                key("state"); string(p.state.rawValue)
                endObject()
            case let .requestWithdrawn(p):
                beginObject()
                field("rationale", p.rationale)
                endObject()
            case let .grantIssued(p):
                beginObject()
                key("approvers"); strings(p.approvers)
                key("duration"); write(p.duration)
                field("ends_by", p.endsBy)
                field("expires_at", p.expiresAt)
                if let review = p.incidentReview {
                    key("incident_review")
                    beginObject()
                    key("due_at"); date(review.dueAt)
                    key("reviewers"); string(review.reviewers)
                    endObject()
                }
                key("policy_version"); string(p.policyVersion)
                key("self_activated"); bool(p.selfActivated)
                field("starts_at", p.startsAt)
                key("terms"); write(p.terms)
                endObject()
            case let .grantHandedOff(p):
                beginObject()
                key("action"); string(p.action.rawValue)
                key("document"); string(p.document)
                key("via"); string(p.via)
                endObject()
            case let .grantProvisioned(p):
                beginObject()
                key("action"); string(p.action.rawValue)
                field("note", p.note)
                endObject()
            case let .grantProvisioningFailed(p):
                beginObject()
                key("action"); string(p.action.rawValue)
                key("reason"); string(p.reason)
                endObject()
            case let .grantExpired(p):
                beginObject()
                key("expires_at"); date(p.expiresAt)
                endObject()
            case let .grantRevoked(p):
                beginObject()
                key("rationale"); string(p.rationale)
                if let trigger = p.trigger { key("trigger"); write(trigger) }
                endObject()
            case let .grantExtended(p):
                beginObject()
                key("by"); write(p.by)
                field("expires_at", p.expiresAt)
                key("extension_id"); string(p.extensionID)
                endObject()
            case let .incidentReviewCompleted(p):
                beginObject()
                key("rationale"); string(p.rationale)
                endObject()
            case let .handOffConfigured(p):
                beginObject()
                field("command", p.command)
                field("outbox", p.outbox)
                field("timeout_seconds", p.timeoutSeconds)
                endObject()
            case let .storeCreated(p):
                beginObject()
                key("migrations"); strings(p.migrations)
                field("share_group", p.shareGroup)
                key("trust_asserted_identities"); bool(p.trustAssertedIdentities)
                endObject()
            case let .settingsChanged(p):
                beginObject()
                field("share_group", p.shareGroup)
                key("trust_asserted_identities"); bool(p.trustAssertedIdentities)
                endObject()
            case let .schemaMigrated(p):
                beginObject()
                key("migrations"); strings(p.migrations)
                endObject()
            case let .reconciliationRun(p):
                write(p)
            case let .findingOpened(p):
                write(p)
            case let .findingResolved(p):
                beginObject()
                key("finding_id"); string(p.findingID)
                key("run"); int(p.run)
                endObject()
            case let .findingExcepted(p):
                beginObject()
                key("finding_id"); string(p.findingID)
                key("rationale"); string(p.rationale)
                key("until"); date(p.until)
                endObject()
            case let .findingRemovalRequested(p):
                write(p)
            case let .removalHandedOff(p):
                beginObject()
                key("document"); string(p.document)
                key("finding_id"); string(p.findingID)
                key("via"); string(p.via)
                endObject()
            case let .removalHandOffFailed(p):
                beginObject()
                key("finding_id"); string(p.findingID)
                key("reason"); string(p.reason)
                endObject()
            case let .requestRevised(p):
                beginObject()
                key("cause"); string(p.cause)
                key("request"); write(p.request)
                endObject()
            case let .ticketLinked(p):
                beginObject()
                field("edited_by", p.editedBy)
                key("ticket"); write(p.ticket)
                field("updated", p.updated)
                endObject()
            case let .intakeRefused(p):
                beginObject()
                key("fingerprint"); string(p.fingerprint)
                key("problems"); write(p.problems)
                key("ticket"); write(p.ticket)
                field("updated", p.updated)
                endObject()
            case let .writeBackConfigured(p):
                beginObject()
                key("settings")
                beginObject()
                key("comments"); bool(p.settings.comments)
                key("format"); string(p.settings.format)
                key("transitions"); stringMap(p.settings.transitions)
                endObject()
                key("site"); string(p.site)
                key("source"); string(p.source)
                endObject()
            }
        }

        public mutating func write(_ record: RequestRecord) {
            write(record, requestJSON: nil, routeJSON: nil)
        }

        mutating func write(_ record: RequestRecord, requestJSON: [UInt8]?, routeJSON: ArraySlice<UInt8>?) {
            beginObject()
            if let decision = record.decision {
                key("decision")
                beginObject()
                key("at"); date(decision.at)
                key("by"); strings(decision.by)
                field("policyVersion", decision.policyVersion)
                key("reason"); string(decision.reason)
                field("selfActivated", decision.selfActivated)
                key("state"); string(decision.state.rawValue)
                endObject()
            }
            if let editors = record.editors { key("editors"); strings(editors) }
            key("id"); string(record.id)
            field("policyVersion", record.policyVersion)
            key("request")
            if let requestJSON { raw(requestJSON) } else { write(record.request) }
            key("reviews")
            beginArray()
            for review in record.reviews {
                beginObject()
                key("at"); date(review.at)
                key("policyVersion"); string(review.policyVersion)
                key("rationale"); string(review.rationale)
                key("requestVersion"); int(review.requestVersion)
                key("reviewer"); write(review.reviewer)
                key("verdict"); string(review.verdict.rawValue)
                endObject()
            }
            endArray()
            routeRange = nil
            if let route = record.route {
                key("route")
                let start = bytes.count
                if let routeJSON { raw(routeJSON) } else { write(route) }
                routeRange = start..<bytes.count
            }
            key("state"); string(record.state.rawValue)
            key("submittedAt"); date(record.submittedAt)
            key("submittedBy"); write(record.submittedBy)
            key("version"); int(record.version)
            endObject()
        }

        public mutating func write(_ request: AccessRequest) {
            beginObject()
            key("access"); string(request.access.rawValue)
            key("break_glass"); bool(request.breakGlass)
            key("duration"); write(request.duration)
            field("end", request.end)
            key("entitlement"); string(request.entitlement)
            key("environment"); string(request.environment)
            field("extends", request.extends)
            field("finding", request.finding)
            field("incident", request.incident)
            key("labels"); stringMap(request.labels)
            field("notes", request.notes)
            key("purpose"); string(request.purpose)
            field("requester", request.requester)
            key("revocation_triggers"); write(request.revocationTriggers)
            field("scope", request.scope)
            field("start", request.start)
            key("subject"); write(request.subject)
            key("system"); string(request.system)
            field("ticket", request.ticket)
            endObject()
        }

        public mutating func write(_ terms: GrantTerms) {
            beginObject()
            key("access"); string(terms.access.rawValue)
            key("break_glass"); bool(terms.breakGlass)
            key("entitlement"); string(terms.entitlement)
            key("environment"); string(terms.environment)
            field("incident", terms.incident)
            key("requester"); string(terms.requester)
            key("revocation_triggers"); write(terms.revocationTriggers)
            field("scope", terms.scope)
            key("subject"); write(terms.subject)
            key("system"); string(terms.system)
            field("ticket", terms.ticket)
            endObject()
        }

        mutating func write(_ subject: Subject) {
            beginObject()
            key("kind"); string(subject.kind.rawValue)
            key("name"); string(subject.name)
            key("owner"); string(subject.owner)
            endObject()
        }

        mutating func write(_ triggers: [RevocationTrigger]) {
            beginArray()
            for trigger in triggers { write(trigger) }
            endArray()
        }

        mutating func write(_ trigger: RevocationTrigger) {
            beginObject()
            key("name"); string(trigger.name)
            key("ref"); string(trigger.ref)
            endObject()
        }

        mutating func write(_ span: TimeSpan) {
            beginObject()
            key("seconds"); int(span.seconds)
            endObject()
        }

        /// Synthesized `Codable` shape: the case name as the only key, its
        /// associated values in an object (`_0` for an unlabelled one).
        public mutating func write(_ outcome: RouteOutcome) {
            beginObject()
            switch outcome {
            case let .steps(rule, steps):
                key("steps")
                beginObject()
                key("rule"); string(rule)
                key("steps")
                beginArray()
                for step in steps {
                    beginObject()
                    key("approvers"); string(step.approvers)
                    key("name"); string(step.name)
                    key("required"); int(step.required)
                    endObject()
                }
                endArray()
                endObject()
            case let .denied(matches):
                key("denied")
                beginObject()
                key("_0")
                beginArray()
                for match in matches {
                    beginObject()
                    key("reason"); string(match.reason)
                    key("rule"); string(match.rule)
                    endObject()
                }
                endArray()
                endObject()
            case let .autoApproved(rule):
                key("autoApproved")
                beginObject()
                key("rule"); string(rule)
                endObject()
            case let .unroutable(reason):
                key("unroutable")
                beginObject()
                key("reason"); string(reason)
                endObject()
            }
            endObject()
        }

        public mutating func write(_ principal: Principal) {
            beginObject()
            key("authentication"); string(principal.authentication.rawValue)
            key("name"); string(principal.name)
            endObject()
        }

        /// An object of strings, keys in UTF-8 byte order.
        public mutating func stringMap(_ map: [String: String]) {
            beginObject()
            if !map.isEmpty {
                for (name, value) in map.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
                    key(name); string(value)
                }
            }
            endObject()
        }

        public mutating func write(_ problems: [IntakeProblem]) {
            beginArray()
            for problem in problems {
                beginObject()
                key("field"); string(problem.field)
                key("kind"); string(problem.kind)
                key("message"); string(problem.message)
                field("source_field", problem.sourceField)
                key("valid"); strings(problem.valid)
                endObject()
            }
            endArray()
        }

        mutating func write(_ ticket: TicketRef) {
            beginObject()
            key("issue_id"); string(ticket.issueID)
            key("key"); string(ticket.key)
            key("site"); string(ticket.site)
            key("source"); string(ticket.source)
            endObject()
        }

        mutating func strings(_ values: [String]) {
            beginArray()
            for value in values { string(value) }
            endArray()
        }
    }
}
