import Foundation

/// Where a notification goes: a person's email or webhook, or a channel the
/// policy names. Snapshotted into each outbox message, so a message goes
/// where it was meant to go when it was written, whatever the policy says later.
public struct NotificationChannel: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// Plain-text mail through the system's `sendmail -t -oi`.
        case email
        /// The generic notification document, POSTed as JSON.
        case webhook
        /// A Slack-compatible incoming webhook.
        case slack
        /// The PagerDuty Events API v2: pages only.
        case pagerduty
        /// A command that reads the document on stdin (trusted accounts only).
        case command
    }

    /// The channel's name in the policy, or `email` / `webhook` for a person's own.
    public var name: String
    public var kind: Kind
    /// The address, URL or command; for PagerDuty the events endpoint.
    public var target: String
    /// A file holding the secret part (a webhook URL, a routing key), read by
    /// the delivering account only, so the secret never enters the store.
    public var secretFile: String?
    /// A PagerDuty routing key written in the policy itself (`policy check` warns).
    public var routingKey: String?

    enum CodingKeys: String, CodingKey {
        case name, kind, target
        case secretFile = "secret_file", routingKey = "routing_key"
    }

    public init(name: String, kind: Kind, target: String, secretFile: String? = nil, routingKey: String? = nil) {
        self.name = name
        self.kind = kind
        self.target = target
        self.secretFile = secretFile
        self.routingKey = routingKey
    }

    /// Where it goes, in words and without secrets: a URL shows only its host.
    public var destination: String {
        switch kind {
        case .email: return "email \(target)"
        case .command: return "command \(name)"
        case .webhook, .slack, .pagerduty:
            let host = URLComponents(string: target)?.host
            let place = secretFile != nil && target.isEmpty ? "url from \(secretFile!)" : (host ?? "?")
            return "\(kind.rawValue) \(name) (\(place))"
        }
    }

    /// PagerDuty's default Events API v2 endpoint.
    public static let pagerDutyEvents = "https://events.pagerduty.com/v2/enqueue"
    /// PagerDuty's own Events API v2 endpoints (its US and EU service regions).
    public static let pagerDutyEndpoints: Set<String> = [pagerDutyEvents, "https://events.eu.pagerduty.com/v2/enqueue"]
}

/// Whom an escalation goes to once a request has waited too long.
public enum EscalationTarget: Sendable, Hashable {
    /// For steps routed to a rotation, whoever is on call after the current
    /// one; other steps escalate to their approvers' managers.
    case nextInRotation
    /// The managers of the people who may decide the request now.
    case manager
    /// `group:NAME`, `person:NAME` or `rotation:NAME` (whoever is on call then).
    case expression(String)

    public var text: String {
        switch self {
        case .nextInRotation: "next_in_rotation"
        case .manager: "manager"
        case let .expression(text): text
        }
    }
}

/// The policy's `notifications:` section: who hears about what, how often,
/// and through which channels. Validated like the rest of the policy.
/// When a due notification nobody took means nobody is delivering.
public enum NotificationTiming {
    /// How long a due notification may wait before it counts as overdue: a
    /// deliverer run each minute never leaves one that long.
    public static let overdueAfter: TimeInterval = 300
}

public struct NotificationPolicy: Sendable, Hashable {
    /// Named channels, by name.
    public var channels: [String: NotificationChannel]
    /// Channels that hear of every notice once (a team channel, an audit feed).
    public var broadcast: [String]
    /// Expressions naming who hears of refused self-approvals and refused actions.
    public var securityContact: [String]
    /// Rotations (or groups, people) paged for every break-glass request,
    /// besides its approvers.
    public var breakGlassPage: [String]
    /// Channels (PagerDuty, say) triggered once for every break-glass request.
    public var breakGlassChannels: [String]
    /// First reminder after, then every.
    public var reminderAfter: TimeSpan?
    public var reminderEvery: TimeSpan?
    public var escalationAfter: TimeSpan?
    public var escalationEvery: TimeSpan?
    public var escalationTo: EscalationTarget
    /// How long before a grant expires its people hear of it.
    public var expiryWarning: TimeSpan?
    /// Non-urgent notices to one person are batched into one message per period.
    public var digest: TimeSpan?
    /// Attempts before a notification is given up as failed.
    public var attempts: Int
    /// The email sender.
    public var from: String

    public static let defaultAttempts = 8
    public static let fields = ["from", "security_contact", "channels", "broadcast", "break_glass", "reminders",
                                "escalation", "expiry_warning", "digest", "attempts"]

    public init(channels: [String: NotificationChannel] = [:], broadcast: [String] = [], securityContact: [String] = [],
                breakGlassPage: [String] = [], breakGlassChannels: [String] = [], reminderAfter: TimeSpan? = nil,
                reminderEvery: TimeSpan? = nil, escalationAfter: TimeSpan? = nil, escalationEvery: TimeSpan? = nil,
                escalationTo: EscalationTarget = .manager, expiryWarning: TimeSpan? = nil, digest: TimeSpan? = nil,
                attempts: Int = defaultAttempts, from: String = "signoff") {
        self.channels = channels
        self.broadcast = broadcast
        self.securityContact = securityContact
        self.breakGlassPage = breakGlassPage
        self.breakGlassChannels = breakGlassChannels
        self.reminderAfter = reminderAfter
        self.reminderEvery = reminderEvery
        self.escalationAfter = escalationAfter
        self.escalationEvery = escalationEvery
        self.escalationTo = escalationTo
        self.expiryWarning = expiryWarning
        self.digest = digest
        self.attempts = attempts
        self.from = from
    }
}

extension NotificationPolicy {
    /// Parses the section, checking every name against the directory; also
    /// checks the channels people name in the directory exist here.
    static func parse(_ node: LocatedNode?, file: String, directory: Directory, errors: inout [SourceError]) -> NotificationPolicy? {
        guard let node else {
            for name in directory.peopleInOrder {
                guard let person = directory.people[name], let channel = person.channels.first else { continue }
                errors.append(SourceError(file: file, position: person.position, field: "directory.people.\(name).channels",
                                          message: "names channel \"\(channel)\", but the policy has no notifications: section",
                                          hint: "define it under notifications.channels"))
            }
            return nil
        }
        var policy = NotificationPolicy()
        let fields: LocatedMapping
        do throws(SourceError) {
            fields = try node.mapping()
            try fields.rejectUnknown(Self.fields)
        } catch {
            errors.append(error)
            return nil
        }
        if let channels = fields.optional("channels") {
            collect(&errors) { () throws(SourceError) in
                for entry in try channels.mapping().entries {
                    policy.channels[entry.key] = try channel(named: entry.key, entry.value)
                }
            }
        }
        func channelNames(_ key: String) -> [String] {
            guard let node = fields.optional(key) else { return [] }
            var names: [String] = []
            collect(&errors) { () throws(SourceError) in
                for item in try node.listOrSingle() {
                    let name = try item.nonEmptyString()
                    guard policy.channels[name] != nil else {
                        throw item.error("unknown channel \"\(name)\"", hint: policy.channelHint(for: name))
                    }
                    names.append(name)
                }
            }
            return names
        }
        policy.broadcast = channelNames("broadcast")
        if let from = fields.optional("from") {
            collect(&errors) { () throws(SourceError) in
                let address = try from.nonEmptyString()
                guard EmailAddress.isPlain(address) else {
                    throw from.error("\"\(address)\" is not a plain email address", hint: "e.g. signoff@example.com")
                }
                policy.from = address
            }
        }
        if let contact = fields.optional("security_contact") {
            collect(&errors) { () throws(SourceError) in policy.securityContact = try BreakGlassPolicy.expressions(contact, directory) }
        }
        if let breakGlass = fields.optional("break_glass") {
            collect(&errors) { () throws(SourceError) in
                let section = try breakGlass.mapping()
                try section.rejectUnknown(["page", "channels"])
                if let page = section.optional("page") { policy.breakGlassPage = try BreakGlassPolicy.expressions(page, directory) }
                if let channels = section.optional("channels") {
                    for item in try channels.listOrSingle() {
                        let name = try item.nonEmptyString()
                        guard policy.channels[name] != nil else { throw item.error("unknown channel \"\(name)\"", hint: policy.channelHint(for: name)) }
                        policy.breakGlassChannels.append(name)
                    }
                }
            }
        }
        if let reminders = fields.optional("reminders") {
            collect(&errors) { () throws(SourceError) in
                (policy.reminderAfter, policy.reminderEvery) = try repeating(reminders, hint: "{after: 4h, every: 4h}")
            }
        }
        if let escalation = fields.optional("escalation") {
            collect(&errors) { () throws(SourceError) in
                let section = try escalation.mapping()
                try section.rejectUnknown(["after", "every", "to"])
                (policy.escalationAfter, policy.escalationEvery) = try repeating(escalation, extra: ["to"],
                                                                                 hint: "{after: 24h, every: 12h, to: manager}")
                if let to = section.optional("to") {
                    let text = try to.nonEmptyString()
                    if text == "manager" {
                        policy.escalationTo = .manager
                    } else if text == "next_in_rotation" {
                        policy.escalationTo = .nextInRotation
                    } else {
                        _ = try BreakGlassPolicy.expressions(to, directory)
                        policy.escalationTo = .expression(text)
                    }
                }
            }
            if let after = policy.escalationAfter, let reminder = policy.reminderAfter, after <= reminder {
                errors.append(escalation.error("escalates after \(after), before the first reminder at \(reminder)",
                                               hint: "an escalation follows reminders: make escalation.after longer"))
            }
        }
        for key in ["expiry_warning", "digest"] {
            guard let value = fields.optional(key) else { continue }
            collect(&errors) { () throws(SourceError) in
                let span = try Self.span(value)
                if key == "digest" { policy.digest = span } else { policy.expiryWarning = span }
            }
        }
        if let attempts = fields.optional("attempts") {
            collect(&errors) { () throws(SourceError) in
                let count = try attempts.int()
                guard (1...100).contains(count) else { throw attempts.error("must be between 1 and 100") }
                policy.attempts = count
            }
        }
        for name in directory.peopleInOrder {
            guard let person = directory.people[name] else { continue }
            for channel in person.channels where policy.channels[channel] == nil {
                errors.append(SourceError(file: node.file, position: person.position, field: "directory.people.\(name).channels",
                                          message: "unknown channel \"\(channel)\"", hint: policy.channelHint(for: channel)))
            }
        }
        return policy
    }

    func channelHint(for name: String) -> String {
        let known = channels.keys.sorted()
        let suggestion = closest(to: name, in: known).map { "did you mean \"\($0)\"? " } ?? ""
        return known.isEmpty ? "define it under notifications.channels" : "\(suggestion)channels: \(known.joined(separator: ", "))"
    }

    private static func span(_ node: LocatedNode) throws(SourceError) -> TimeSpan {
        guard let span = TimeSpan(parsing: try node.string()), span.seconds > 0 else {
            throw node.error("is not a duration", hint: TimeSpan.syntaxHint)
        }
        return span
    }

    /// `{after: X, every: Y}`; `every` defaults to `after`.
    private static func repeating(_ node: LocatedNode, extra: [String] = [], hint: String) throws(SourceError) -> (TimeSpan, TimeSpan) {
        let section = try node.mapping()
        try section.rejectUnknown(["after", "every"] + extra)
        let after = try span(section.required("after", hint: hint))
        let every = try section.optional("every").map { node throws(SourceError) in try span(node) } ?? after
        return (after, every)
    }

    private static func channel(named name: String, _ node: LocatedNode) throws(SourceError) -> NotificationChannel {
        let fields = try node.mapping()
        let kindNode = try fields.required("type", hint: "one of \(NotificationChannel.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        let kindText = try kindNode.string()
        guard let kind = NotificationChannel.Kind(rawValue: kindText) else {
            throw kindNode.error("unknown channel type \"\(kindText)\"",
                                 hint: "one of \(NotificationChannel.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        func secretFile() throws(SourceError) -> String? {
            guard let node = fields.optional(kind == .pagerduty ? "routing_key_file" : "url_file") else { return nil }
            let path = try node.nonEmptyString()
            guard path.hasPrefix("/") else { throw node.error("must be an absolute path", hint: "the delivering account reads it") }
            return path
        }
        switch kind {
        case .email:
            try fields.rejectUnknown(["type", "to"])
            let to = try fields.required("to", hint: "the address, e.g. security@example.com")
            let address = try to.nonEmptyString()
            guard EmailAddress.isPlain(address) else { throw to.error("\"\(address)\" is not a plain email address") }
            return NotificationChannel(name: name, kind: .email, target: address)
        case .webhook, .slack:
            try fields.rejectUnknown(["type", "url", "url_file"])
            let file = try secretFile()
            let urlNode = fields.optional("url")
            guard (urlNode == nil) != (file == nil) else {
                throw node.error("needs url or url_file (one of them)",
                                 hint: "url_file keeps a secret URL out of the policy, which every reader of the store can see")
            }
            let url = try urlNode.map { node throws(SourceError) in try webURL(node) } ?? ""
            return NotificationChannel(name: name, kind: kind, target: url, secretFile: file)
        case .pagerduty:
            try fields.rejectUnknown(["type", "routing_key", "routing_key_file", "url"])
            let file = try secretFile()
            let keyNode = fields.optional("routing_key")
            guard (keyNode == nil) != (file == nil) else {
                throw node.error("needs routing_key or routing_key_file (one of them)",
                                 hint: "routing_key_file keeps the key out of the policy, which every reader of the store can see")
            }
            let url = try fields.optional("url").map { node throws(SourceError) in try webURL(node) } ?? NotificationChannel.pagerDutyEvents
            return NotificationChannel(name: name, kind: .pagerduty, target: url, secretFile: file,
                                       routingKey: try keyNode?.nonEmptyString())
        case .command:
            try fields.rejectUnknown(["type", "command"])
            let command = try fields.required("command", hint: "run with the document on stdin").nonEmptyString()
            return NotificationChannel(name: name, kind: .command, target: command)
        }
    }

    /// An http or https URL.
    static func webURL(_ node: LocatedNode) throws(SourceError) -> String {
        let text = try node.nonEmptyString()
        guard let components = URLComponents(string: text), ["http", "https"].contains(components.scheme?.lowercased() ?? ""),
              components.host?.isEmpty == false, !text.unicodeScalars.contains(where: DisplaySafe.isUnsafe) else {
            throw node.error("is not an http or https URL", hint: "e.g. https://hooks.example.com/signoff")
        }
        return text
    }
}

/// Email addresses as signoff accepts them: plain `local@domain`, nothing a
/// mail header could be bent with (no spaces, quotes, commas, angle brackets,
/// controls).
public enum EmailAddress {
    public static func isPlain(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, text.utf8.count <= 254 else { return false }
        let local = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.!#$%&'*+/=?^_`{|}~-")
        let domain = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")
        return parts[0].allSatisfy(local.contains) && parts[1].allSatisfy(domain.contains)
            && !parts[1].hasPrefix(".") && !parts[1].hasSuffix(".") && !parts[0].hasPrefix("-")
    }
}
