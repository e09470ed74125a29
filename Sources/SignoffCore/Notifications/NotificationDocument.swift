import Foundation

/// The generic notification document (`signoff.notification/1`): what a
/// webhook receives and a command reads on stdin, and what email, Slack and
/// PagerDuty messages are rendered from.
///
/// It says what is asked, by whom, why, the risk cues, how long it has waited
/// and the command that opens it; never an approve link or token: a decision
/// is made in signoff, with its identity checks. Request fields are untrusted:
/// every one is cut to a length limit and anything that looks like a
/// credential is replaced (`SecretScan`). JSON escapes control characters;
/// the renderers of other channels neutralise them for their medium.
public struct NotificationDocument: Sendable, Hashable, Codable {
    public var schema = "signoff.notification/1"
    /// The notice's dedupe key: the same on every repeat of one message, so a
    /// receiver can drop a repeat (it is also the webhook's Idempotency-Key).
    public var id: String
    public var kind: NoticeKind
    public var urgent: Bool
    public var recipient: String?
    public var channel: String?
    public var why: String
    public var createdAt: String
    /// One line: what happened and what is asked.
    public var summary: String
    /// How to open it: a command, never a link that decides.
    public var open: String
    public var round: Int?
    public var request: RequestPart
    public var decision: DecisionPart?
    public var grant: GrantPart?
    public var refusal: Notice.RefusalDetail?

    public struct RequestPart: Sendable, Hashable, Codable {
        public var id: String
        public var state: String
        public var version: Int
        public var requester: String
        public var submittedBy: String
        public var subject: Subject
        public var system: String
        public var environment: String
        public var entitlement: String
        public var scope: String?
        public var access: String
        public var durationSeconds: Int
        public var durationText: String
        public var purpose: String
        public var ticket: String?
        public var incident: String?
        public var breakGlass: Bool
        public var risk: [String]
        public var submittedAt: String
        public var waitedSeconds: Int
        public var waitedText: String
        /// The route as data (null before routing) and in words.
        public var route: RoutePart?
        public var routeText: String?

        enum CodingKeys: String, CodingKey {
            case id, state, version, requester, subject, system, environment, entitlement, scope, access, purpose
            case ticket, incident, risk, route
            case submittedBy = "submitted_by", durationSeconds = "duration_seconds", durationText = "duration_text"
            case breakGlass = "break_glass", submittedAt = "submitted_at", waitedSeconds = "waited_seconds"
            case waitedText = "waited_text", routeText = "route_text"
        }

        /// Every member, absent ones as `null` (the JSON contract never leaves one out).
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(state, forKey: .state)
            try c.encode(version, forKey: .version)
            try c.encode(requester, forKey: .requester)
            try c.encode(submittedBy, forKey: .submittedBy)
            try c.encode(subject, forKey: .subject)
            try c.encode(system, forKey: .system)
            try c.encode(environment, forKey: .environment)
            try c.encode(entitlement, forKey: .entitlement)
            try c.encode(scope, forKey: .scope)
            try c.encode(access, forKey: .access)
            try c.encode(durationSeconds, forKey: .durationSeconds)
            try c.encode(durationText, forKey: .durationText)
            try c.encode(purpose, forKey: .purpose)
            try c.encode(ticket, forKey: .ticket)
            try c.encode(incident, forKey: .incident)
            try c.encode(breakGlass, forKey: .breakGlass)
            try c.encode(risk, forKey: .risk)
            try c.encode(submittedAt, forKey: .submittedAt)
            try c.encode(waitedSeconds, forKey: .waitedSeconds)
            try c.encode(waitedText, forKey: .waitedText)
            try c.encode(route, forKey: .route)
            try c.encode(routeText, forKey: .routeText)
        }
    }

    /// A route as the JSON contract writes it (`common` schema's `route`):
    /// its kind, rule, steps (who and how many), the deny rules that matched,
    /// or why nothing routed it.
    public struct RoutePart: Sendable, Hashable, Codable {
        public var kind: String
        public var rule: String?
        public var steps: [Step]
        public var denials: [DenyMatch]
        public var reason: String?

        public struct Step: Sendable, Hashable, Codable {
            public var name: String
            public var approvers: String
            public var count: Int
        }

        init(_ route: RouteOutcome, clean: (String) -> String) {
            rule = nil
            steps = []
            denials = []
            reason = nil
            switch route {
            case let .steps(name, routed):
                kind = "steps"
                rule = clean(name)
                steps = routed.map { Step(name: clean($0.name), approvers: clean($0.approvers), count: $0.required) }
            case let .denied(matches):
                kind = "denied"
                denials = matches.map { DenyMatch(rule: clean($0.rule), reason: clean($0.reason)) }
            case let .autoApproved(name):
                kind = "auto_approved"
                rule = clean(name)
            case let .unroutable(why):
                kind = "unroutable"
                reason = clean(why)
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(kind, forKey: .kind)
            try c.encode(rule, forKey: .rule)
            try c.encode(steps, forKey: .steps)
            try c.encode(denials, forKey: .denials)
            try c.encode(reason, forKey: .reason)
        }
    }

    public struct DecisionPart: Sendable, Hashable, Codable {
        public var state: String
        public var by: [String]
        public var reason: String
        public var at: String
    }

    public struct GrantPart: Sendable, Hashable, Codable {
        public var state: String
        public var expiresAt: String?
        public var expiresInSeconds: Int?
        public var expiresInText: String?
        public var endReason: String?
        public var reviewDueAt: String?
        enum CodingKeys: String, CodingKey {
            case state
            case expiresAt = "expires_at", expiresInSeconds = "expires_in_seconds", expiresInText = "expires_in_text"
            case endReason = "end_reason", reviewDueAt = "review_due_at"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(state, forKey: .state)
            try c.encode(expiresAt, forKey: .expiresAt)
            try c.encode(expiresInSeconds, forKey: .expiresInSeconds)
            try c.encode(expiresInText, forKey: .expiresInText)
            try c.encode(endReason, forKey: .endReason)
            try c.encode(reviewDueAt, forKey: .reviewDueAt)
        }
    }

    enum CodingKeys: String, CodingKey {
        case schema, id, kind, urgent, recipient, channel, why, summary, open, round, request, decision, grant, refusal
        case createdAt = "created_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(schema, forKey: .schema)
        try c.encode(id, forKey: .id)
        try c.encode(kind, forKey: .kind)
        try c.encode(urgent, forKey: .urgent)
        try c.encode(recipient, forKey: .recipient)
        try c.encode(channel, forKey: .channel)
        try c.encode(why, forKey: .why)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(summary, forKey: .summary)
        try c.encode(open, forKey: .open)
        try c.encode(round, forKey: .round)
        try c.encode(request, forKey: .request)
        try c.encode(decision, forKey: .decision)
        try c.encode(grant, forKey: .grant)
        try c.encode(refusal, forKey: .refusal)
    }

    /// Longest a request field may be in a message; purposes get more room.
    public static let fieldLimit = 200
    public static let purposeLimit = 600

    /// The document for `notice` about `record` (and its grant), as of `now`.
    public init(notice: Notice, record: RequestRecord, grant: Grant?, production: ProductionEnvironments, now: Date) {
        func clean(_ text: String, _ limit: Int = Self.fieldLimit) -> String { NoticeText.clean(text, limit: limit) }
        let request = record.request
        let waited = max(0, Int(now.timeIntervalSince(record.submittedAt)))
        id = notice.key
        kind = notice.kind
        urgent = notice.urgent
        recipient = notice.recipient
        channel = notice.channel
        why = clean(notice.why)
        createdAt = UTCTime.text(now)
        round = notice.round
        open = "signoff show \(record.id)"
        self.request = RequestPart(
            id: record.id, state: record.state.rawValue, version: record.version, requester: clean(record.requester),
            submittedBy: clean(record.submittedBy.name),
            subject: Subject(kind: request.subject.kind, name: clean(request.subject.name), owner: clean(request.subject.owner)),
            system: clean(request.system), environment: clean(request.environment), entitlement: clean(request.entitlement),
            scope: request.scope.map { clean($0) }, access: request.access.rawValue, durationSeconds: request.duration.seconds,
            durationText: request.duration.description, purpose: clean(request.purpose, Self.purposeLimit),
            ticket: request.ticket.map { clean($0) }, incident: request.incident.map { clean($0) },
            breakGlass: request.breakGlass, risk: RequestRisk.cues(request, production: production), submittedAt: UTCTime.text(record.submittedAt),
            waitedSeconds: waited, waitedText: TimeSpan(seconds: waited).roughText,
            route: record.route.map { RoutePart($0) { clean($0) } }, routeText: record.route.map { clean($0.summary, 400) })
        decision = record.decision.map {
            DecisionPart(state: $0.state.rawValue, by: $0.by.map { clean($0) }, reason: clean($0.reason, Self.purposeLimit),
                         at: UTCTime.text($0.at))
        }
        self.grant = grant.map { grant in
            let left = grant.expiresAt.map { max(0, Int($0.timeIntervalSince(now))) }
            return GrantPart(state: grant.state.rawValue, expiresAt: grant.expiresAt.map(UTCTime.text), expiresInSeconds: left,
                             expiresInText: left.map { TimeSpan(seconds: $0).roughText },
                             endReason: grant.endReason.map { clean($0, Self.purposeLimit) },
                             reviewDueAt: grant.incidentReview.map { UTCTime.text($0.dueAt) })
        }
        refusal = notice.refusal.map {
            Notice.RefusalDetail(actor: clean($0.actor), authentication: $0.authentication, attempted: $0.attempted,
                                 reason: $0.reason, message: clean($0.message, Self.purposeLimit))
        }
        summary = ""
        summary = NoticeText.summary(self)
    }

    /// Encoded with sorted keys: the same notice always has the same bytes.
    public func encoded() -> String { NoticeText.json(self) }
}

/// Text in notifications: cut to length, credentials replaced.
public enum NoticeText {
    /// `value` as JSON with sorted keys, so the same value always has the same
    /// bytes; as every document signoff writes, with the characters a
    /// terminal or a viewer would act on (controls, bidirectional overrides,
    /// invisible characters: `DisplaySafe.isUnsafe`) as `\u` escapes, so a
    /// receiver that prints it shows what it holds, in the same value.
    public static func json(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let text = String(decoding: (try? encoder.encode(value)) ?? Data("{}".utf8), as: UTF8.self)
        // Compact JSON holds nothing but ASCII outside its strings: every such character is in one.
        guard text.unicodeScalars.contains(where: DisplaySafe.isUnsafe) else { return text }
        var escaped = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            guard DisplaySafe.isUnsafe(scalar) else { escaped.append(scalar); continue }
            for unit in String(scalar).utf16 {
                escaped.append(contentsOf: "\\u".unicodeScalars)
                escaped.append(contentsOf: DisplaySafe.hex(UInt32(unit), digits: 4).lowercased().unicodeScalars)
            }
        }
        return String(escaped)
    }

    /// `text` with secret-looking words replaced and cut to `limit`
    /// characters (whole characters, ending in `…` when cut).
    public static func clean(_ text: String, limit: Int) -> String {
        let redacted = redactingSecrets(text)
        guard redacted.count > limit else { return redacted }
        return String(redacted.prefix(max(0, limit - 1))) + "…"
    }

    /// What replaces a credential-looking value in a message.
    public static let redaction = "[redacted: looks like a credential]"

    /// `text` with every value `SecretScan` takes for a credential replaced.
    /// Submissions refuse such values already; this keeps any that reached
    /// the store another way (an older signoff, a forged row) out of messages.
    public static func redactingSecrets(_ text: String) -> String {
        var result = text
        for _ in 0..<64 {
            guard let finding = SecretScan.scan(result, field: "") else { return result }
            var scalars = Array(result.unicodeScalars)
            let start = max(0, finding.start - 1)
            scalars.replaceSubrange(start..<min(scalars.count, start + max(1, finding.length)), with: Array(redaction.unicodeScalars))
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars)
            result = String(view)
        }
        return redaction
    }

    /// One line saying what happened, from already cleaned fields.
    static func summary(_ document: NotificationDocument) -> String {
        let request = document.request
        let what = "\(request.access) \(request.entitlement) on \(request.system) \(request.environment) for \(request.subject.kind.label) \(request.subject.name)"
        switch document.kind {
        case .routed, .reminder, .escalation, .breakGlass:
            return "\(request.id) \(document.kind.title): \(what), asked by \(request.requester), waiting \(request.waitedText)"
        case .decided, .timedOut, .withdrawn:
            return "\(request.id) \(document.decision?.state ?? document.kind.rawValue): \(what)"
        case .expiryWarning:
            return "\(request.id) access expires in \(document.grant?.expiresInText ?? "?"): \(what)"
        case .expired, .revoked, .provisioningFailed, .incidentReviewDue, .incidentReviewOverdue:
            return "\(request.id) \(document.kind.title): \(what)"
        case .refused:
            let refusal = document.refusal
            return "\(request.id) refused: \(refusal?.actor ?? "?") tried to \(refusal?.attempted ?? "act") (\(refusal?.reason.rawValue ?? "?"))"
        }
    }
}

/// The risk cues of a request, in words: what should make anyone slow down.
public enum RequestRisk {
    public static func cues(_ request: AccessRequest, production: ProductionEnvironments) -> [String] {
        var cues: [String] = []
        if request.breakGlass { cues.append("BREAK-GLASS") }
        if production.contains(request.environment) { cues.append("production") }
        if request.access == .admin { cues.append("admin access") }
        if !request.subject.kind.isHuman { cues.append("non-human: \(request.subject.kind.label)") }
        return cues
    }
}

extension TimeSpan {
    /// The largest whole unit: `45s`, `12m`, `3h`, `5d`.
    public var roughText: String {
        let s = max(0, seconds)
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m" }
        if s < 86_400 { return "\(s / 3600)h" }
        return "\(s / 86_400)d"
    }
}
