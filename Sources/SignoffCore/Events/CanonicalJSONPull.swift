import Foundation

extension CanonicalJSON {
    /// Reads the bytes `Writer` writes straight into the model types, member
    /// by member in the writer's order, with no tree of values in between:
    /// the stored record and the events of a request's and a grant's life,
    /// which a store holds by the million and every fold, check and `audit
    /// verify` reads.
    ///
    /// It reads only the writer's exact shape. Anything else (whitespace,
    /// members in another order, a null, an unknown or repeated key, labels
    /// out of order) throws `Mismatch`, and the caller reads the bytes with
    /// `Shapes` over the generic `Parser` as before; so this reader can only
    /// be faster, never read differently.
    struct Pull {
        private var parser: Parser
        /// Whether the open object or array already holds a member: the
        /// writer's `needsComma`, read back the same way.
        private var needsComma = false

        init(_ bytes: UnsafeRawBufferPointer) { parser = Parser(bytes) }

        /// The whole input was read.
        func end() throws {
            guard parser.index == parser.bytes.count else { throw Mismatch() }
        }

        // MARK: Tokens

        private mutating func take(_ byte: UInt8) throws {
            guard parser.index < parser.bytes.count, parser.bytes[parser.index] == byte else { throw Mismatch() }
            parser.index += 1
        }

        private mutating func separate() throws {
            if needsComma { try take(UInt8(ascii: ",")) }
        }

        mutating func open() throws {
            try separate()
            try take(UInt8(ascii: "{"))
            needsComma = false
        }

        mutating func close() throws {
            try take(UInt8(ascii: "}"))
            needsComma = true
        }

        /// Reads the key `name` if it comes next; otherwise reads nothing:
        /// an optional member the writer left out.
        mutating func key(_ name: StaticString) -> Bool {
            let bytes = parser.bytes
            var at = parser.index
            if needsComma {
                guard at < bytes.count, bytes[at] == UInt8(ascii: ",") else { return false }
                at += 1
            }
            let length = name.utf8CodeUnitCount
            guard at + length + 3 <= bytes.count, bytes[at] == UInt8(ascii: "\""),
                  bytes[at + length + 1] == UInt8(ascii: "\""), bytes[at + length + 2] == UInt8(ascii: ":")
            else { return false }
            let text = name.utf8Start
            for offset in 0..<length where bytes[at + 1 + offset] != text[offset] { return false }
            parser.index = at + length + 3
            needsComma = false
            return true
        }

        /// Reads the key `name`, which must come next.
        mutating func need(_ name: StaticString) throws {
            guard key(name) else { throw Mismatch() }
        }

        /// Opens an array; then `element()` before each element says whether there is one.
        mutating func openArray() throws {
            try separate()
            try take(UInt8(ascii: "["))
            needsComma = false
        }

        mutating func element() -> Bool {
            guard parser.index < parser.bytes.count, parser.bytes[parser.index] == UInt8(ascii: "]") else { return true }
            parser.index += 1
            needsComma = true
            return false
        }

        // MARK: Values

        mutating func string() throws -> String {
            try separate()
            guard let text = parser.string() else { throw Mismatch() }
            needsComma = true
            return text
        }

        mutating func int() throws -> Int {
            try separate()
            guard parser.index < parser.bytes.count, case let .int(number)? = parser.integer(),
                  let value = Int(exactly: number) else { throw Mismatch() }
            needsComma = true
            return value
        }

        mutating func date() throws -> Date {
            Date(timeIntervalSince1970: Double(try int()) / 1000)
        }

        mutating func bool() throws -> Bool {
            try separate()
            let value: Bool
            if parser.literal("true") { value = true } else if parser.literal("false") { value = false } else { throw Mismatch() }
            needsComma = true
            return value
        }

        mutating func raw<T: RawRepresentable<String>>() throws -> T {
            guard let value = T(rawValue: try string()) else { throw Mismatch() }
            return value
        }

        mutating func strings() throws -> [String] {
            try openArray()
            var values: [String] = []
            while element() { values.append(try string()) }
            return values
        }

        // Optional members: nil when the writer left the key out.
        mutating func string(_ name: StaticString) throws -> String? { key(name) ? try string() : nil }
        mutating func date(_ name: StaticString) throws -> Date? { key(name) ? try date() : nil }
        mutating func bool(_ name: StaticString) throws -> Bool? { key(name) ? try bool() : nil }

        // MARK: Model types, in the writer's order

        mutating func span() throws -> TimeSpan {
            try open()
            try need("seconds")
            let seconds = try int()
            try close()
            guard TimeSpan.storable.contains(seconds) else { throw Mismatch() }
            return TimeSpan(seconds: seconds)
        }

        mutating func subject() throws -> Subject {
            try open()
            try need("kind"); let kind: IdentityKind = try raw()
            try need("name"); let name = try string()
            try need("owner"); let owner = try string()
            try close()
            return Subject(kind: kind, name: name, owner: owner)
        }

        mutating func trigger() throws -> RevocationTrigger {
            try open()
            try need("name"); let name = try string()
            try need("ref"); let ref = try string()
            try close()
            return RevocationTrigger(name: name, ref: ref)
        }

        mutating func triggers() throws -> [RevocationTrigger] {
            try openArray()
            var triggers: [RevocationTrigger] = []
            while element() { triggers.append(try trigger()) }
            return triggers
        }

        mutating func ticket() throws -> TicketRef {
            try open()
            try need("issue_id"); let issueID = try string()
            try need("key"); let key = try string()
            try need("site"); let site = try string()
            try need("source"); let source = try string()
            try close()
            return TicketRef(source: source, site: site, issueID: issueID, key: key)
        }

        /// An object of strings, its keys in strictly rising UTF-8 order as the writer puts them.
        mutating func stringMap() throws -> [String: String] {
            try open()
            var map: [String: String] = [:]
            var previous: String?
            while parser.index < parser.bytes.count, parser.bytes[parser.index] != UInt8(ascii: "}") {
                try separate()
                guard let name = parser.string() else { throw Mismatch() }
                try take(UInt8(ascii: ":"))
                needsComma = false
                if let previous, !previous.utf8.lexicographicallyPrecedes(name.utf8) { throw Mismatch() }
                map[name] = try string()
                previous = name
            }
            try close()
            return map
        }

        mutating func principal() throws -> Principal {
            try open()
            try need("authentication"); let authentication: Authentication = try raw()
            try need("name"); let name = try string()
            try close()
            return Principal(name: name, authentication: authentication)
        }

        mutating func request() throws -> AccessRequest {
            try open()
            try need("access"); let access: AccessLevel = try raw()
            try need("break_glass"); let breakGlass = try bool()
            try need("duration"); let duration = try span()
            let end = try date("end")
            try need("entitlement"); let entitlement = try string()
            try need("environment"); let environment = try string()
            let extends = try string("extends")
            let finding = try string("finding")
            let incident = try string("incident")
            try need("labels"); let labels = try stringMap()
            let notes = try string("notes")
            try need("purpose"); let purpose = try string()
            let requester = try string("requester")
            try need("revocation_triggers"); let triggers = try triggers()
            let scope = try string("scope")
            let start = try date("start")
            try need("subject"); let subject = try subject()
            try need("system"); let system = try string()
            let ticket = try string("ticket")
            try close()
            return AccessRequest(
                requester: requester, subject: subject, system: system, environment: environment, entitlement: entitlement,
                scope: scope, access: access, purpose: purpose, duration: duration, start: start, end: end,
                revocationTriggers: triggers, ticket: ticket, breakGlass: breakGlass, incident: incident, labels: labels,
                notes: notes, extends: extends, finding: finding)
        }

        mutating func terms() throws -> GrantTerms {
            try open()
            try need("access"); let access: AccessLevel = try raw()
            try need("break_glass"); let breakGlass = try bool()
            try need("entitlement"); let entitlement = try string()
            try need("environment"); let environment = try string()
            let incident = try string("incident")
            try need("requester"); let requester = try string()
            try need("revocation_triggers"); let triggers = try triggers()
            let scope = try string("scope")
            try need("subject"); let subject = try subject()
            try need("system"); let system = try string()
            let ticket = try string("ticket")
            try close()
            return GrantTerms(requester: requester, subject: subject, system: system, environment: environment,
                              entitlement: entitlement, scope: scope, access: access, revocationTriggers: triggers,
                              ticket: ticket, incident: incident, breakGlass: breakGlass)
        }

        mutating func outcome() throws -> RouteOutcome {
            try open()
            let outcome: RouteOutcome
            if key("autoApproved") {
                try open()
                try need("rule"); let rule = try string()
                try close()
                outcome = .autoApproved(rule: rule)
            } else if key("denied") {
                try open()
                try need("_0")
                try openArray()
                var matches: [DenyMatch] = []
                while element() {
                    try open()
                    try need("reason"); let reason = try string()
                    try need("rule"); let rule = try string()
                    try close()
                    matches.append(DenyMatch(rule: rule, reason: reason))
                }
                try close()
                outcome = .denied(matches)
            } else if key("steps") {
                try open()
                try need("rule"); let rule = try string()
                try need("steps")
                try openArray()
                var steps: [RoutedStep] = []
                while element() {
                    try open()
                    try need("approvers"); let approvers = try string()
                    try need("name"); let name = try string()
                    try need("required"); let required = try int()
                    try close()
                    steps.append(RoutedStep(name: name, approvers: approvers, required: required))
                }
                try close()
                outcome = .steps(rule: rule, steps: steps)
            } else {
                try need("unroutable")
                try open()
                try need("reason"); let reason = try string()
                try close()
                outcome = .unroutable(reason: reason)
            }
            try close()
            return outcome
        }

        mutating func record() throws -> RequestRecord {
            try open()
            var decision: Decision?
            if key("decision") {
                try open()
                try need("at"); let at = try date()
                try need("by"); let by = try strings()
                let policyVersion = try string("policyVersion")
                try need("reason"); let reason = try string()
                let selfActivated = try bool("selfActivated")
                try need("state"); let state: RequestState = try raw()
                try close()
                decision = Decision(state: state, at: at, by: by, policyVersion: policyVersion, reason: reason,
                                    selfActivated: selfActivated)
            }
            let editors = key("editors") ? try strings() : nil
            try need("id"); let id = try string()
            let policyVersion = try string("policyVersion")
            try need("request"); let request = try request()
            try need("reviews")
            try openArray()
            var reviews: [Review] = []
            while element() {
                try open()
                try need("at"); let at = try date()
                try need("policyVersion"); let reviewPolicy = try string()
                try need("rationale"); let rationale = try string()
                try need("requestVersion"); let requestVersion = try int()
                try need("reviewer"); let reviewer = try principal()
                try need("verdict"); let verdict: Verdict = try raw()
                try close()
                reviews.append(Review(reviewer: reviewer, verdict: verdict, rationale: rationale, at: at,
                                      requestVersion: requestVersion, policyVersion: reviewPolicy))
            }
            let route = key("route") ? try outcome() : nil
            try need("state"); let state: RequestState = try raw()
            try need("submittedAt"); let submittedAt = try date()
            try need("submittedBy"); let submittedBy = try principal()
            try need("version"); let version = try int()
            try close()
            var record = RequestRecord(id: id, request: request, submittedBy: submittedBy, submittedAt: submittedAt)
            record.version = version
            record.state = state
            record.route = route
            record.policyVersion = policyVersion
            record.reviews = reviews
            record.decision = decision
            record.editors = editors
            return record
        }

        /// The body of an event of `kind`: the kinds of a request's and a
        /// grant's life; nil for any other kind (which `Shapes` reads).
        mutating func body(_ kind: EventKind) throws -> EventBody? {
            let body: EventBody
            switch kind {
            case .requestSubmitted:
                try open()
                try need("request"); let request = try request()
                try close()
                body = .requestSubmitted(.init(request: request))
            case .requestRouted:
                try open()
                try need("cause"); let cause = try string()
                try need("outcome"); let outcome = try outcome()
                try need("policy_version"); let policyVersion = try string()
                try need("version"); let version = try int()
                try close()
                body = .requestRouted(.init(version: version, policyVersion: policyVersion, outcome: outcome, cause: cause))
            case .reviewRecorded:
                try open()
                try need("policy_version"); let policyVersion = try string()
                try need("rationale"); let rationale = try string()
                try need("request_version"); let requestVersion = try int()
                try need("verdict"); let verdict: Verdict = try raw()
                try close()
                body = .reviewRecorded(.init(verdict: verdict, rationale: rationale, requestVersion: requestVersion,
                                             policyVersion: policyVersion))
            case .requestDecided:
                try open()
                try need("by"); let by = try strings()
                let policyVersion = try string("policy_version")
                try need("reason"); let reason = try string()
                let selfActivated = try bool("self_activated")
                try need("state"); let state: RequestState = try raw()
                try close()
                body = .requestDecided(.init(state: state, by: by, policyVersion: policyVersion, reason: reason,
                                             selfActivated: selfActivated))
            case .grantIssued:
                try open()
                try need("approvers"); let approvers = try strings()
                try need("duration"); let duration = try span()
                let endsBy = try date("ends_by")
                let expiresAt = try date("expires_at")
                var review: EventBody.IncidentReviewDue?
                if key("incident_review") {
                    try open()
                    try need("due_at"); let dueAt = try date()
                    try need("reviewers"); let reviewers = try string()
                    try close()
                    review = .init(reviewers: reviewers, dueAt: dueAt)
                }
                try need("policy_version"); let policyVersion = try string()
                try need("self_activated"); let selfActivated = try bool()
                let startsAt = try date("starts_at")
                try need("terms"); let terms = try terms()
                try close()
                body = .grantIssued(.init(terms: terms, approvers: approvers, policyVersion: policyVersion, duration: duration,
                                          startsAt: startsAt, expiresAt: expiresAt, endsBy: endsBy, selfActivated: selfActivated,
                                          incidentReview: review))
            case .grantExpired:
                try open()
                try need("expires_at"); let expiresAt = try date()
                try close()
                body = .grantExpired(.init(expiresAt: expiresAt))
            case .grantProvisioned:
                try open()
                try need("action"); let action: HandOffAction = try raw()
                let note = try string("note")
                try close()
                body = .grantProvisioned(.init(action: action, note: note))
            case .grantHandedOff:
                try open()
                try need("action"); let action: HandOffAction = try raw()
                try need("document"); let document = try string()
                try need("via"); let via = try string()
                try close()
                body = .grantHandedOff(.init(action: action, via: via, document: document))
            case .policyApplied:
                try open()
                try need("file"); let file = try string()
                let previousVersion = try string("previous_version")
                try need("source"); let source = try string()
                try need("version"); let version = try string()
                try close()
                body = .policyApplied(.init(version: version, previousVersion: previousVersion, file: file, source: source))
            case .reviewRefused:
                try open()
                try need("current_version"); let currentVersion = try int()
                try need("message"); let message = try string()
                try need("reason"); let reason: RefusalReason = try raw()
                let shownVersion = key("shown_version") ? try int() : nil
                let verdict: Verdict? = key("verdict") ? try raw() : nil
                try close()
                body = .reviewRefused(.init(verdict: verdict, reason: reason, message: message, shownVersion: shownVersion,
                                            currentVersion: currentVersion))
            case .actionRefused:
                try open()
                try need("action"); let action: AttemptedAction = try raw()
                try need("message"); let message = try string()
                try need("reason"); let reason: RefusalReason = try raw()
                try close()
                body = .actionRefused(.init(action: action, reason: reason, message: message))
            case .requestWithdrawn:
                try open()
                let rationale = try string("rationale")
                try close()
                body = .requestWithdrawn(.init(rationale: rationale))
            case .requestRevised:
                try open()
                try need("cause"); let cause = try string()
                try need("request"); let request = try request()
                try close()
                body = .requestRevised(.init(request: request, cause: cause))
            case .ticketLinked:
                try open()
                let editedBy = try string("edited_by")
                try need("ticket"); let ticket = try ticket()
                let updated = try date("updated")
                try close()
                body = .ticketLinked(.init(ticket: ticket, updated: updated, editedBy: editedBy))
            case .grantProvisioningFailed:
                try open()
                try need("action"); let action: HandOffAction = try raw()
                try need("reason"); let reason = try string()
                try close()
                body = .grantProvisioningFailed(.init(action: action, reason: reason))
            case .grantRevoked:
                try open()
                try need("rationale"); let rationale = try string()
                let trigger = key("trigger") ? try trigger() : nil
                try close()
                body = .grantRevoked(.init(rationale: rationale, trigger: trigger))
            case .grantExtended:
                try open()
                try need("by"); let by = try span()
                let expiresAt = try date("expires_at")
                try need("extension_id"); let extensionID = try string()
                try close()
                body = .grantExtended(.init(extensionID: extensionID, by: by, expiresAt: expiresAt))
            case .incidentReviewCompleted:
                try open()
                try need("rationale"); let rationale = try string()
                try close()
                body = .incidentReviewCompleted(.init(rationale: rationale))
            case .handOffConfigured, .reconciliationRun, .findingOpened, .findingResolved, .findingExcepted,
                 .findingRemovalRequested, .removalHandedOff, .removalHandOffFailed, .storeCreated, .settingsChanged,
                 .schemaMigrated, .intakeRefused, .writeBackConfigured:
                return nil
            }
            try end()
            return body
        }
    }
}
