import Foundation

extension CanonicalJSON {
    /// Reads a stored record without Foundation's decoder: the writer's exact
    /// bytes with `Pull`, anything else as a tree of values; nil when the
    /// bytes are anything but the shape `CanonicalJSON` writes (the caller
    /// then falls back to `EventCoding.decoder`, the reference reader).
    public static func decodeRecord(_ bytes: UnsafeRawBufferPointer) -> RequestRecord? {
        var pull = Pull(bytes)
        if let record = try? pull.record(), (try? pull.end()) != nil { return record }
        var parser = Parser(bytes)
        guard let value = parser.document() else { return nil }
        return try? Shapes.record(value)
    }

    /// Reads an event payload; nil when the fast reader cannot, as above.
    public static func decodeBody(kind: String, payload: UnsafeRawBufferPointer) -> EventBody? {
        var exact = false
        return decodeBody(kind: kind, payload: payload, exact: &exact)
    }

    /// `decodeBody`, setting `exact` when `Pull` read the payload: the
    /// writer's members in the writer's order, each once, no space between
    /// tokens, nothing after (a string's escapes may be spelt otherwise).
    public static func decodeBody(kind: String, payload: UnsafeRawBufferPointer, exact: inout Bool) -> EventBody? {
        exact = false
        if let tag = EventKind(rawValue: kind) {
            var pull = Pull(payload)
            if let body = try? pull.body(tag) {
                exact = true
                return body
            }
        }
        var parser = Parser(payload)
        guard let value = parser.document() else { return nil }
        return try? Shapes.body(kind: kind, value)
    }

    enum Value {
        case string(String)
        case int(Int64)
        case bool(Bool)
        case null
        case array([Value])
        case object([(String, Value)])
    }

    struct Mismatch: Error {}

    struct Parser {
        let bytes: UnsafeRawBufferPointer
        var index = 0
        /// How many objects and arrays enclose the value being read. Nothing
        /// signoff writes nests a tenth as deep; a payload nested deeper (a
        /// hostile one, `[[[[…`) goes to the reference reader, whose own limit
        /// refuses it, instead of taking this reader's recursion off the stack.
        var depth = 0
        static let deepest = 64

        init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        mutating func document() -> Value? {
            guard let value = value() else { return nil }
            skipSpace()
            return index == bytes.count ? value : nil
        }

        mutating func skipSpace() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
                index += 1
            }
        }

        mutating func value() -> Value? {
            skipSpace()
            guard index < bytes.count else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "{"):
                depth += 1
                defer { depth -= 1 }
                guard depth <= Self.deepest else { return nil }
                index += 1
                var members: [(String, Value)] = []
                // Most objects hold a handful of members: one allocation, not a doubling from one.
                members.reserveCapacity(8)
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
                while true {
                    skipSpace()
                    guard let key = string() else { return nil }
                    skipSpace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
                    index += 1
                    guard let member = value() else { return nil }
                    members.append((key, member))
                    skipSpace()
                    guard index < bytes.count else { return nil }
                    if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                    if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
                    return nil
                }
            case UInt8(ascii: "["):
                depth += 1
                defer { depth -= 1 }
                guard depth <= Self.deepest else { return nil }
                index += 1
                var elements: [Value] = []
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
                while true {
                    guard let element = value() else { return nil }
                    elements.append(element)
                    skipSpace()
                    guard index < bytes.count else { return nil }
                    if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                    if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
                    return nil
                }
            case UInt8(ascii: "\""):
                return string().map(Value.string)
            case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
            case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
            case UInt8(ascii: "n"): return literal("null") ? .null : nil
            default: return integer()
            }
        }

        mutating func literal(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return false }
            index += count
            return true
        }

        /// Integers only: the canonical form has no fractions or exponents.
        mutating func integer() -> Value? {
            var negative = false
            if bytes[index] == UInt8(ascii: "-") { negative = true; index += 1 }
            let start = index
            var magnitude: UInt64 = 0
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                let (times, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times.addingReportingOverflow(UInt64(bytes[index] - UInt8(ascii: "0")))
                if o1 || o2 { return nil }
                magnitude = sum
                index += 1
            }
            guard index > start else { return nil }
            if index - start > 1, bytes[start] == UInt8(ascii: "0") { return nil }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") || bytes[index] == UInt8(ascii: "e")
                || bytes[index] == UInt8(ascii: "E") { return nil }
            if negative {
                guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
                return .int(magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude))
            }
            guard magnitude <= UInt64(Int64.max) else { return nil }
            return .int(Int64(magnitude))
        }

        mutating func string() -> String? {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
            index += 1
            let start = index
            // Fast path: no escapes. ASCII needs no validation, and
            // `String(validating:)` is not specialised (each call looks up
            // generic metadata), so only other text goes through it.
            var ascii = true
            if let base = bytes.baseAddress {
                index += CanonicalJSON.plainWords(base + index, count: bytes.count - index, asciiOnly: true)
            }
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    let slice = UnsafeRawBufferPointer(rebasing: bytes[start..<index])
                    guard let text = ascii ? String(decoding: slice, as: UTF8.self) : String(validating: slice, as: UTF8.self)
                    else { return nil }
                    index += 1
                    return text
                }
                if byte == UInt8(ascii: "\\") { break }
                if byte < 0x20 { return nil }
                if byte >= 0x80 { ascii = false }
                index += 1
            }
            var scratch = [UInt8](UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    return String(validating: scratch, as: UTF8.self)
                }
                if byte < 0x20 { return nil }
                if byte != UInt8(ascii: "\\") {
                    scratch.append(byte)
                    index += 1
                    continue
                }
                index += 1
                guard index < bytes.count else { return nil }
                let escaped = bytes[index]
                index += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(escaped)
                case UInt8(ascii: "b"): scratch.append(0x08)
                case UInt8(ascii: "f"): scratch.append(0x0C)
                case UInt8(ascii: "n"): scratch.append(0x0A)
                case UInt8(ascii: "r"): scratch.append(0x0D)
                case UInt8(ascii: "t"): scratch.append(0x09)
                case UInt8(ascii: "u"):
                    guard var code = hex4() else { return nil }
                    if (0xD800..<0xDC00).contains(code) {
                        // A high surrogate must be followed by an escaped low one.
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                        else { return nil }
                        index += 2
                        guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(code) {
                        return nil
                    }
                    guard let scalar = Unicode.Scalar(code) else { return nil }
                    scratch.append(contentsOf: Array(String(Character(scalar)).utf8))
                default:
                    return nil
                }
            }
            return nil
        }

        mutating func hex4() -> UInt32? {
            guard index + 4 <= bytes.count else { return nil }
            var code: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: return nil
                }
                code = code << 4 | UInt32(digit)
                index += 1
            }
            return code
        }
    }

    /// Maps parsed values onto the model types; any surprise throws `Mismatch`.
    enum Shapes {
        struct Object {
            let members: [(String, Value)]
            init(_ value: Value) throws {
                guard case let .object(members) = value else { throw Mismatch() }
                // Every key must be known to the type reading it; see `done`.
                self.members = members
            }
            func optional(_ key: String) -> Value? {
                // Keys of another length are passed over without comparing their text.
                let length = key.utf8.count
                for (name, value) in members where name.utf8.count == length && name == key {
                    if case .null = value { return nil }
                    return value
                }
                return nil
            }
            func required(_ key: String) throws -> Value {
                guard let value = optional(key) else { throw Mismatch() }
                return value
            }
            func string(_ key: String) throws -> String { try Shapes.string(required(key)) }
            func optionalString(_ key: String) throws -> String? { try optional(key).map(Shapes.string) }
            func int(_ key: String) throws -> Int { try Shapes.int(required(key)) }
            func optionalInt(_ key: String) throws -> Int? { try optional(key).map(Shapes.int) }
            func date(_ key: String) throws -> Date { try Shapes.date(required(key)) }
            func optionalDate(_ key: String) throws -> Date? { try optional(key).map(Shapes.date) }
            func bool(_ key: String) throws -> Bool {
                guard case let .bool(value) = try required(key) else { throw Mismatch() }
                return value
            }
            func optionalBool(_ key: String) throws -> Bool? {
                guard let value = optional(key) else { return nil }
                guard case let .bool(flag) = value else { throw Mismatch() }
                return flag
            }
            func raw<T: RawRepresentable<String>>(_ key: String) throws -> T {
                guard let value = T(rawValue: try string(key)) else { throw Mismatch() }
                return value
            }
            func array(_ key: String) throws -> [Value] {
                guard case let .array(values) = try required(key) else { throw Mismatch() }
                return values
            }
            /// Refuses keys the type does not have, so nothing is silently dropped.
            /// Also refuses a repeated key, whose meaning the reference decoder decides.
            /// `keys` (at most 64) is an array literal, which costs nothing to
            /// make; a set would be built and every key hashed for each object.
            func only(_ keys: [String]) throws {
                precondition(keys.count <= 64)
                var seen: UInt64 = 0
                // `keys` are in order, and so are the members of a canonical
                // object: each search starts after the key found before it,
                // and wraps round only for members out of order.
                var next = 0
                for (name, _) in members {
                    let length = name.utf8.count
                    func matches(_ position: Int) -> Bool { keys[position].utf8.count == length && keys[position] == name }
                    guard let position = (next..<keys.count).first(where: matches) ?? (0..<next).first(where: matches)
                    else { throw Mismatch() }
                    next = position + 1
                    let bit: UInt64 = 1 << UInt64(position)
                    guard seen & bit == 0 else { throw Mismatch() }
                    seen |= bit
                }
            }
        }

        static func string(_ value: Value) throws -> String {
            guard case let .string(text) = value else { throw Mismatch() }
            return text
        }
        static func int(_ value: Value) throws -> Int {
            guard case let .int(number) = value, let result = Int(exactly: number) else { throw Mismatch() }
            return result
        }
        static func date(_ value: Value) throws -> Date {
            guard case let .int(milliseconds) = value else { throw Mismatch() }
            return Date(timeIntervalSince1970: Double(milliseconds) / 1000)
        }

        static func principal(_ value: Value) throws -> Principal {
            let object = try Object(value)
            try object.only(["authentication", "name"])
            return Principal(name: try object.string("name"), authentication: try object.raw("authentication"))
        }

        static func request(_ value: Value) throws -> AccessRequest {
            let o = try Object(value)
            try o.only(["access", "break_glass", "duration", "end", "entitlement", "environment", "extends", "finding", "incident", "labels",
                        "notes", "purpose", "requester", "revocation_triggers", "scope", "start", "subject", "system",
                        "ticket"])
            let labels = try stringMap(o.required("labels"))
            return AccessRequest(
                requester: try o.optionalString("requester"), subject: try subject(o.required("subject")),
                system: try o.string("system"), environment: try o.string("environment"),
                entitlement: try o.string("entitlement"), scope: try o.optionalString("scope"), access: try o.raw("access"),
                purpose: try o.string("purpose"), duration: try span(o.required("duration")),
                start: try o.optionalDate("start"), end: try o.optionalDate("end"),
                revocationTriggers: try o.array("revocation_triggers").map(trigger),
                ticket: try o.optionalString("ticket"), breakGlass: try o.bool("break_glass"),
                incident: try o.optionalString("incident"), labels: labels, notes: try o.optionalString("notes"),
                extends: try o.optionalString("extends"), finding: try o.optionalString("finding"))
        }

        /// An object of strings; a repeated key is not canonical.
        static func stringMap(_ value: Value) throws -> [String: String] {
            var map: [String: String] = [:]
            guard case let .object(members) = value else { throw Mismatch() }
            for (name, text) in members { map[name] = try string(text) }
            guard map.count == members.count else { throw Mismatch() }
            return map
        }

        static func ticket(_ value: Value) throws -> TicketRef {
            let o = try Object(value)
            try o.only(["issue_id", "key", "site", "source"])
            return TicketRef(source: try o.string("source"), site: try o.string("site"), issueID: try o.string("issue_id"),
                             key: try o.string("key"))
        }

        static func problem(_ value: Value) throws -> IntakeProblem {
            let o = try Object(value)
            try o.only(["field", "kind", "message", "source_field", "valid"])
            return IntakeProblem(field: try o.string("field"), sourceField: try o.optionalString("source_field"),
                                 kind: try o.string("kind"), message: try o.string("message"),
                                 valid: try o.array("valid").map(string))
        }

        static func subject(_ value: Value) throws -> Subject {
            let subject = try Object(value)
            try subject.only(["kind", "name", "owner"])
            return Subject(kind: try subject.raw("kind"), name: try subject.string("name"), owner: try subject.string("owner"))
        }

        static func trigger(_ value: Value) throws -> RevocationTrigger {
            let trigger = try Object(value)
            try trigger.only(["name", "ref"])
            return RevocationTrigger(name: try trigger.string("name"), ref: try trigger.string("ref"))
        }

        static func span(_ value: Value) throws -> TimeSpan {
            let span = try Object(value)
            try span.only(["seconds"])
            let seconds = try span.int("seconds")
            guard TimeSpan.storable.contains(seconds) else { throw Mismatch() }
            return TimeSpan(seconds: seconds)
        }

        static func terms(_ value: Value) throws -> GrantTerms {
            let o = try Object(value)
            try o.only(["access", "break_glass", "entitlement", "environment", "incident", "requester", "revocation_triggers",
                        "scope", "subject", "system", "ticket"])
            return GrantTerms(requester: try o.string("requester"), subject: try subject(o.required("subject")),
                              system: try o.string("system"), environment: try o.string("environment"),
                              entitlement: try o.string("entitlement"), scope: try o.optionalString("scope"),
                              access: try o.raw("access"), revocationTriggers: try o.array("revocation_triggers").map(trigger),
                              ticket: try o.optionalString("ticket"), incident: try o.optionalString("incident"),
                              breakGlass: try o.bool("break_glass"))
        }

        /// The member names Swift's synthesised coding gives `RouteOutcome`'s cases in stored events.
        enum OutcomeName: String {
            case steps, denied, autoApproved, unroutable
        }

        static func outcome(_ value: Value) throws -> RouteOutcome {
            let o = try Object(value)
            guard o.members.count == 1, let name = OutcomeName(rawValue: o.members[0].0) else { throw Mismatch() }
            let fields = try Object(o.members[0].1)
            switch name {
            case .steps:
                try fields.only(["rule", "steps"])
                let steps = try fields.array("steps").map { value -> RoutedStep in
                    let step = try Object(value)
                    try step.only(["approvers", "name", "required"])
                    return RoutedStep(name: try step.string("name"), approvers: try step.string("approvers"),
                                      required: try step.int("required"))
                }
                return .steps(rule: try fields.string("rule"), steps: steps)
            case .denied:
                try fields.only(["_0"])
                return .denied(try fields.array("_0").map { value in
                    let match = try Object(value)
                    try match.only(["reason", "rule"])
                    return DenyMatch(rule: try match.string("rule"), reason: try match.string("reason"))
                })
            case .autoApproved:
                try fields.only(["rule"])
                return .autoApproved(rule: try fields.string("rule"))
            case .unroutable:
                try fields.only(["reason"])
                return .unroutable(reason: try fields.string("reason"))
            }
        }

        static func record(_ value: Value) throws -> RequestRecord {
            let o = try Object(value)
            try o.only(["decision", "editors", "id", "policyVersion", "request", "reviews", "route", "state", "submittedAt",
                        "submittedBy", "version"])
            var record = RequestRecord(id: try o.string("id"), request: try request(o.required("request")),
                                       submittedBy: try principal(o.required("submittedBy")),
                                       submittedAt: try o.date("submittedAt"))
            record.version = try o.int("version")
            record.state = try o.raw("state")
            record.route = try o.optional("route").map(outcome)
            record.policyVersion = try o.optionalString("policyVersion")
            record.reviews = try o.array("reviews").map { value in
                let review = try Object(value)
                try review.only(["at", "policyVersion", "rationale", "requestVersion", "reviewer", "verdict"])
                return Review(reviewer: try principal(review.required("reviewer")), verdict: try review.raw("verdict"),
                              rationale: try review.string("rationale"), at: try review.date("at"),
                              requestVersion: try review.int("requestVersion"),
                              policyVersion: try review.string("policyVersion"))
            }
            if let decision = o.optional("decision") {
                let d = try Object(decision)
                try d.only(["at", "by", "policyVersion", "reason", "selfActivated", "state"])
                record.decision = Decision(state: try d.raw("state"), at: try d.date("at"),
                                           by: try d.array("by").map(string),
                                           policyVersion: try d.optionalString("policyVersion"),
                                           reason: try d.string("reason"),
                                           selfActivated: try d.optionalBool("selfActivated"))
            }
            if o.optional("editors") != nil { record.editors = try o.array("editors").map(string) }
            return record
        }

        static func body(kind: String, _ value: Value) throws -> EventBody {
            let o = try Object(value)
            guard let tag = EventKind(rawValue: kind) else { throw Mismatch() }
            switch tag {
            case .policyApplied:
                try o.only(["file", "previous_version", "source", "version"])
                return .policyApplied(.init(version: try o.string("version"),
                                            previousVersion: try o.optionalString("previous_version"),
                                            file: try o.string("file"), source: try o.string("source")))
            case .requestSubmitted:
                try o.only(["request"])
                return .requestSubmitted(.init(request: try request(o.required("request"))))
            case .requestRouted:
                try o.only(["cause", "outcome", "policy_version", "version"])
                return .requestRouted(.init(version: try o.int("version"), policyVersion: try o.string("policy_version"),
                                            outcome: try outcome(o.required("outcome")), cause: try o.string("cause")))
            case .reviewRecorded:
                try o.only(["policy_version", "rationale", "request_version", "verdict"])
                return .reviewRecorded(.init(verdict: try o.raw("verdict"), rationale: try o.string("rationale"),
                                             requestVersion: try o.int("request_version"),
                                             policyVersion: try o.string("policy_version")))
            case .reviewRefused:
                try o.only(["current_version", "message", "reason", "shown_version", "verdict"])
                let verdict: Verdict? = try o.optionalString("verdict").map {
                    guard let verdict = Verdict(rawValue: $0) else { throw Mismatch() }
                    return verdict
                }
                return .reviewRefused(.init(verdict: verdict, reason: try o.raw("reason"), message: try o.string("message"),
                                            shownVersion: try o.optionalInt("shown_version"),
                                            currentVersion: try o.int("current_version")))
            case .actionRefused:
                try o.only(["action", "message", "reason"])
                return .actionRefused(.init(action: try o.raw("action"), reason: try o.raw("reason"),
                                            message: try o.string("message")))
            case .requestDecided:
                try o.only(["by", "policy_version", "reason", "self_activated", "state"])
                return .requestDecided(.init(state: try o.raw("state"), by: try o.array("by").map(string),
                                             policyVersion: try o.optionalString("policy_version"),
                                             reason: try o.string("reason"),
                                             selfActivated: try o.optionalBool("self_activated")))
            case .requestWithdrawn:
                try o.only(["rationale"])
                return .requestWithdrawn(.init(rationale: try o.optionalString("rationale")))
            case .grantIssued:
                try o.only(["approvers", "duration", "ends_by", "expires_at", "incident_review", "policy_version",
                            "self_activated", "starts_at", "terms"])
                let review = try o.optional("incident_review").map { value -> EventBody.IncidentReviewDue in
                    let r = try Object(value)
                    try r.only(["due_at", "reviewers"])
                    return .init(reviewers: try r.string("reviewers"), dueAt: try r.date("due_at"))
                }
                return .grantIssued(.init(terms: try terms(o.required("terms")), approvers: try o.array("approvers").map(string),
                                          policyVersion: try o.string("policy_version"), duration: try span(o.required("duration")),
                                          startsAt: try o.optionalDate("starts_at"), expiresAt: try o.optionalDate("expires_at"),
                                          endsBy: try o.optionalDate("ends_by"),
                                          selfActivated: try o.bool("self_activated"), incidentReview: review))
            case .grantHandedOff:
                try o.only(["action", "document", "via"])
                return .grantHandedOff(.init(action: try o.raw("action"), via: try o.string("via"), document: try o.string("document")))
            case .grantProvisioned:
                try o.only(["action", "note"])
                return .grantProvisioned(.init(action: try o.raw("action"), note: try o.optionalString("note")))
            case .grantProvisioningFailed:
                try o.only(["action", "reason"])
                return .grantProvisioningFailed(.init(action: try o.raw("action"), reason: try o.string("reason")))
            case .grantExpired:
                try o.only(["expires_at"])
                return .grantExpired(.init(expiresAt: try o.date("expires_at")))
            case .grantRevoked:
                try o.only(["rationale", "trigger"])
                return .grantRevoked(.init(rationale: try o.string("rationale"), trigger: try o.optional("trigger").map(trigger)))
            case .grantExtended:
                try o.only(["by", "expires_at", "extension_id"])
                return .grantExtended(.init(extensionID: try o.string("extension_id"), by: try span(o.required("by")),
                                            expiresAt: try o.optionalDate("expires_at")))
            case .incidentReviewCompleted:
                try o.only(["rationale"])
                return .incidentReviewCompleted(.init(rationale: try o.string("rationale")))
            case .handOffConfigured:
                try o.only(["command", "outbox", "timeout_seconds"])
                return .handOffConfigured(.init(outbox: try o.optionalString("outbox"), command: try o.optionalString("command"),
                                                timeoutSeconds: try o.optionalInt("timeout_seconds")))
            case .reconciliationRun: return .reconciliationRun(try reconciliationRun(o))
            case .findingOpened: return .findingOpened(try findingOpened(o))
            case .findingResolved:
                try o.only(["finding_id", "run"])
                return .findingResolved(.init(findingID: try o.string("finding_id"), run: try o.int("run")))
            case .findingExcepted:
                try o.only(["finding_id", "rationale", "until"])
                return .findingExcepted(.init(findingID: try o.string("finding_id"), rationale: try o.string("rationale"),
                                              until: try o.date("until")))
            case .findingRemovalRequested: return .findingRemovalRequested(try findingRemovalRequested(o))
            case .removalHandedOff:
                try o.only(["document", "finding_id", "via"])
                return .removalHandedOff(.init(findingID: try o.string("finding_id"), via: try o.string("via"),
                                               document: try o.string("document")))
            case .removalHandOffFailed:
                try o.only(["finding_id", "reason"])
                return .removalHandOffFailed(.init(findingID: try o.string("finding_id"), reason: try o.string("reason")))
            case .storeCreated:
                try o.only(["migrations", "share_group", "trust_asserted_identities"])
                return .storeCreated(.init(trustAssertedIdentities: try o.bool("trust_asserted_identities"),
                                           shareGroup: try o.optionalString("share_group"),
                                           migrations: try o.array("migrations").map(string)))
            case .settingsChanged:
                try o.only(["share_group", "trust_asserted_identities"])
                return .settingsChanged(.init(trustAssertedIdentities: try o.bool("trust_asserted_identities"),
                                              shareGroup: try o.optionalString("share_group")))
            case .schemaMigrated:
                try o.only(["migrations"])
                return .schemaMigrated(.init(migrations: try o.array("migrations").map(string)))
            case .requestRevised:
                try o.only(["cause", "request"])
                return .requestRevised(.init(request: try request(o.required("request")), cause: try o.string("cause")))
            case .ticketLinked:
                try o.only(["edited_by", "ticket", "updated"])
                return .ticketLinked(.init(ticket: try ticket(o.required("ticket")), updated: try o.optionalDate("updated"),
                                           editedBy: try o.optionalString("edited_by")))
            case .intakeRefused:
                try o.only(["fingerprint", "problems", "ticket", "updated"])
                return .intakeRefused(.init(ticket: try ticket(o.required("ticket")), problems: try o.array("problems").map(problem),
                                            fingerprint: try o.string("fingerprint"), updated: try o.optionalDate("updated")))
            case .writeBackConfigured:
                try o.only(["settings", "site", "source"])
                let settings = try Object(o.required("settings"))
                try settings.only(["comments", "format", "transitions"])
                return .writeBackConfigured(.init(source: try o.string("source"), site: try o.string("site"),
                                                  settings: TicketWriteBackSettings(format: try settings.string("format"),
                                                                                    comments: try settings.bool("comments"),
                                                                                    transitions: try stringMap(settings.required("transitions")))))
            }
        }
    }
}

extension CanonicalJSON {
    /// A list of names as a JSON array, for a query-table column.
    public static func encodeStrings(_ values: [String]) -> String {
        var writer = Writer(capacity: 64)
        writer.strings(values)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// Reads `encodeStrings`' output back; nil for anything else.
    public static func decodeStrings(_ text: String) -> [String]? {
        if text == "[]" { return [] }  // most lists (extensions, triggers) are empty
        var text = text
        return text.withUTF8 { utf8 -> [String]? in
            var parser = Parser(UnsafeRawBufferPointer(utf8))
            guard case let .array(values)? = parser.document() else { return nil }
            return try? values.map(Shapes.string)
        }
    }

    /// Revocation triggers as a JSON array of `{"name","ref"}` objects.
    public static func encodeTriggers(_ triggers: [RevocationTrigger]) -> String {
        var writer = Writer(capacity: 64)
        writer.write(triggers)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    public static func decodeTriggers(_ text: String) -> [RevocationTrigger]? {
        if text == "[]" { return [] }
        var text = text
        return text.withUTF8 { utf8 -> [RevocationTrigger]? in
            var parser = Parser(UnsafeRawBufferPointer(utf8))
            guard case let .array(values)? = parser.document() else { return nil }
            return try? values.map(Shapes.trigger)
        }
    }
}

extension CanonicalJSON {
    /// A route as its canonical JSON (the shape records store it in), for a
    /// query-table column.
    public static func encodeRoute(_ route: RouteOutcome) -> [UInt8] {
        var writer = Writer(capacity: 160)
        writer.write(route)
        return writer.bytes
    }

    /// Reads `encodeRoute`'s output back; nil for anything else.
    public static func decodeRoute(_ bytes: UnsafeRawBufferPointer) -> RouteOutcome? {
        var parser = Parser(bytes)
        guard let value = parser.document() else { return nil }
        return try? Shapes.outcome(value)
    }
}
