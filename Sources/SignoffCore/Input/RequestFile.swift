import Foundation

/// Reads request files: YAML or JSON, one request, a list of requests, a
/// `requests:` list, or several `---` documents. Validation is strict: a file
/// with one bad request yields no requests at all.
public enum RequestFile {
    public static let fields = [
        "requester", "subject", "system", "environment", "entitlement", "scope", "access", "purpose",
        "duration", "start", "end", "revocation_triggers", "ticket", "break_glass", "incident", "labels", "notes",
        "finding",
    ]
    static let subjectFields = ["kind", "name", "owner"]
    static let triggerFields = ["trigger", "ref"]

    /// A request together with where it came from, for later messages.
    public struct Entry: Sendable {
        /// The request, every field scanned for credentials.
        public var scanned: ScannedRequest
        public var request: AccessRequest { scanned.request }
        public var file: String
        public var position: SourcePosition?
        /// Where the request names its requester, when it does: a refusal to
        /// submit on someone else's behalf points there.
        public var requester: LocatedNode.Place?

        /// A refusal of this request, where it points: at the requester the
        /// request names for a refusal to submit on someone's behalf, else at
        /// the request.
        public func located(_ refusal: Refusal) -> String {
            let atRequester = refusal.reason == .notRequester ? requester?.error(refusal.message).description : nil
            return atRequester ?? "\(position.map { "\(file):\($0)" } ?? file): \(refusal.message)"
        }
    }

    /// Parses and validates every request in `text`. With a policy, names are
    /// checked against its directory and catalogue; with `now`, a window that
    /// has already ended is refused.
    public static func parse(text: String, file: String, policy: Policy?, now: Date? = nil) throws(SourceErrors) -> [Entry] {
        let documents: [LocatedNode]
        do { documents = try YAMLSource.documents(text: text, file: file) } catch { throw SourceErrors([error]) }
        var nodes: [LocatedNode] = []
        var errors: [SourceError] = []
        for document in documents {
            do { nodes.append(contentsOf: try requestNodes(in: document)) } catch { errors.append(error) }
        }
        if nodes.isEmpty && errors.isEmpty {
            errors.append(SourceError(file: file, position: nil, field: "", message: "contains no requests",
                                      hint: "write one request as a mapping, or a list of them"))
        }
        if nodes.count > Limits.requestsPerFile {
            errors.append(SourceError(file: file, position: nil, field: "", message: "contains \(nodes.count) requests",
                                      hint: "at most \(Limits.requestsPerFile) per file; split it"))
        }
        var entries: [Entry] = []
        for node in nodes {
            do {
                let place = (try? node.mapping())?.optional("requester").map(\.place)
                entries.append(Entry(scanned: try request(from: node, policy: policy, now: now), file: file,
                                     position: node.position, requester: place))
            } catch {
                errors.append(error)
            }
            if errors.count >= 50 { break }
        }
        if !errors.isEmpty { throw SourceErrors(errors) }
        return entries
    }

    static func requestNodes(in document: LocatedNode) throws(SourceError) -> [LocatedNode] {
        switch document.node {
        case .sequence:
            return try LocatedNode(node: document.node, file: document.file, path: "requests").list()
        case .mapping:
            let mapping = try document.mapping()
            if mapping.keys == ["requests"], let list = mapping.optional("requests") {
                return try list.list()
            }
            return [document]
        case .scalar, .alias:
            throw document.error("expected a request (a mapping of field: value) or a list of requests, found \(document.kindName)")
        }
    }

    /// One request from one mapping node of a request file; `now` as in `parse`.
    public static func request(from node: LocatedNode, policy: Policy?, now: Date? = nil) throws(SourceError) -> ScannedRequest {
        try read(node, policy: policy, now: now)
    }

    /// One request from the fields an import built (a Jira ticket through its
    /// mapping), under exactly the rules and messages of a request file; `now`
    /// as in `parse`. Every value is already scanned (`ScannedText`), so it is
    /// not scanned again.
    public static func request(from fields: RequestFields, policy: Policy?, now: Date? = nil) throws(SourceError) -> ScannedRequest {
        try read(fields.root, policy: policy, now: now)
    }

    /// The rules of a request, whatever it was read from.
    static func read<Input: RequestInput>(_ node: Input, policy: Policy?, now: Date?) throws(SourceError) -> ScannedRequest {
        let map = try node.mapping()
        try map.rejectUnknown(fields)

        let requesterNode = map.optional("requester")
        let requester = try requesterNode?.nonEmptyText()
        if let requester, let requesterNode { try PlainName.check(requester, at: requesterNode, what: "a person's name") }

        let subjectNode = try map.required("subject", hint: "give kind, name and owner of the identity that will hold the access")
        let subjectMap = try subjectNode.mapping()
        try subjectMap.rejectUnknown(subjectFields)
        let kindNode = try subjectMap.required("kind", hint: "one of \(IdentityKind.allCases.map(\.rawValue).joined(separator: ", "))")
        let kindText = try kindNode.text()
        guard let kind = IdentityKind(rawValue: kindText) else {
            let guess = closest(to: kindText, in: IdentityKind.allCases.map(\.rawValue)).map { "did you mean \"\($0)\"? " } ?? ""
            throw kindNode.error("\"\(kindText)\" is not an identity kind",
                                 hint: "\(guess)valid kinds: \(IdentityKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let subjectNameNode = try subjectMap.required("name")
        let subjectName = try subjectNameNode.nonEmptyText()
        if kind.isHuman { try PlainName.check(subjectName, at: subjectNameNode, what: "a person's name") }
        let ownerNode = subjectMap.optional("owner")
        let owner: String
        if let ownerNode {
            owner = try ownerNode.nonEmptyText()
            try PlainName.check(owner, at: ownerNode, what: "a person's name")
        } else if kind.isHuman {
            owner = subjectName
        } else {
            throw subjectNode.error("subject.owner is required for a \(kind.label)",
                                    hint: "every non-human identity needs an accountable person")
        }

        let systemNode = try map.required("system")
        let system = try systemNode.nonEmptyText()
        let environmentNode = try map.required("environment")
        let environment = try environmentNode.nonEmptyText()
        let entitlementNode = try map.required("entitlement", hint: "the exact role, permission or group to be granted")
        let entitlement = try entitlementNode.nonEmptyText()
        let scope = try map.optional("scope")?.nonEmptyText()

        let accessNode = try map.required("access", hint: "read, write or admin")
        let accessText = try accessNode.text()
        guard let access = AccessLevel(rawValue: accessText) else {
            throw accessNode.error("\"\(accessText)\" is not an access level", hint: "use read, write or admin")
        }

        let purposeNode = try map.required("purpose", hint: "say what the access is for, in a sentence")
        let purpose = try purposeNode.nonEmptyText(maxLength: Limits.purposeLength, shape: .multiline)

        let start = try map.optional("start").map { node throws(SourceError) in try date(node) }
        let end = try map.optional("end").map { node throws(SourceError) in try date(node) }
        let durationNode = map.optional("duration")
        var duration: TimeSpan
        if let durationNode {
            let text = try durationNode.text()
            guard let parsed = TimeSpan(parsing: text) else {
                throw durationNode.error("\"\(text)\" is not a duration", hint: TimeSpan.syntaxHint)
            }
            duration = parsed
            if end != nil {
                throw durationNode.error("give duration or end, not both", hint: "the duration is the time from start to end")
            }
        } else if let end, let endNode = map.optional("end") {
            guard let start else {
                throw endNode.error("end needs a start", hint: "give start and end, or a duration")
            }
            let seconds = Int(end.timeIntervalSince(start))
            guard seconds >= 60 else { throw endNode.error("must be at least a minute after start") }
            duration = TimeSpan(seconds: seconds)
        } else {
            throw map.owner.error("duration is required but missing", hint: "\(TimeSpan.syntaxHint), or give start and end")
        }
        if let start, let end, let endNode = map.optional("end"), end <= start {
            throw endNode.error("must be after start")
        }
        if let now, let start {
            // The window the request asks for: start to end, or start plus its duration.
            let ends = end ?? start.addingTimeInterval(TimeInterval(duration.seconds))
            if ends <= now {
                throw (map.optional("end") ?? durationNode ?? map.owner).error(
                    "the window asked for ends \(Timestamp.format(ends)), in the past",
                    hint: "ask for access that is still to come: a later start, or leave start out to begin at approval")
            }
        }
        if let start, (end ?? start.addingTimeInterval(TimeInterval(duration.seconds))) >= Timestamp.endOfYears {
            throw (map.optional("end") ?? durationNode ?? map.owner).error(
                "the window asked for ends after the year \(Timestamp.years.upperBound)",
                hint: "times run from \(Timestamp.years.lowerBound) to \(Timestamp.years.upperBound): ask for a window that ends by then")
        }
        if duration.seconds > 366 * 86_400 {
            let hint = "access that long is not temporary; ask for less"
            // A duration given, or the window from start to end that stands for it.
            if durationNode == nil, let endNode = map.optional("end") {
                throw endNode.error("is more than a year after start: the window asked for is longer than a year", hint: hint)
            }
            throw (durationNode ?? map.owner).error("is longer than a year", hint: hint)
        }

        var triggers: [RevocationTrigger] = []
        var triggerNodes: [Input] = []
        if let triggersNode = map.optional("revocation_triggers") {
            let items = try triggersNode.list()
            if items.count > Limits.triggerCount {
                throw triggersNode.error("has \(items.count) triggers", hint: "at most \(Limits.triggerCount)")
            }
            for item in items {
                let triggerMap = try item.mapping()
                try triggerMap.rejectUnknown(triggerFields)
                let nameNode = try triggerMap.required("trigger", hint: "e.g. ticket_closed, owner_departed, incident_resolved")
                let name = try nameNode.nonEmptyText()
                triggerNodes.append(nameNode)
                let ref = try triggerMap.required("ref", hint: "what the trigger refers to, e.g. the ticket").nonEmptyText()
                triggers.append(RevocationTrigger(name: name, ref: ref))
            }
        }

        let ticket = try map.optional("ticket")?.nonEmptyText()
        let breakGlassNode = map.optional("break_glass")
        let breakGlass = try breakGlassNode?.flag() ?? false
        let incidentNode = map.optional("incident")
        let incident = try incidentNode?.nonEmptyText()
        if breakGlass && incident == nil {
            throw (breakGlassNode ?? map.owner).error("a break-glass request needs an incident",
                                                      hint: "add incident: with the incident reference, e.g. incident: INC-2041")
        }

        var labels: [String: String] = [:]
        if let labelsNode = map.optional("labels") {
            let labelMap = try labelsNode.mapping()
            if labelMap.keys.count > Limits.labelCount {
                throw labelsNode.error("has \(labelMap.keys.count) labels", hint: "at most \(Limits.labelCount)")
            }
            for key in labelMap.keys {
                guard let valueNode = labelMap.optional(key) else { continue }
                if key.isEmpty || key.unicodeScalars.count > 64 {
                    throw valueNode.error("label names must be 1 to 64 characters")
                }
                labels[key] = try valueNode.nonEmptyText()
            }
        }
        let notes = try map.optional("notes")?.nonEmptyText(maxLength: Limits.notesLength, shape: .multiline)
        let finding = try map.optional("finding").map { node throws(SourceError) -> String in
            let text = try node.text()
            guard Finding.isID(text) else {
                throw node.error("\"\(text)\" is not a finding ID", hint: "F- and 16 lowercase hex digits, as `signoff drift` shows")
            }
            return text
        }

        // A start and a duration ask for a window as a start and an end do:
        // it is stored with its end, so that an approval after its start is
        // granted only what is left of it, never a whole duration later.
        let request = AccessRequest(
            requester: requester, subject: Subject(kind: kind, name: subjectName, owner: owner),
            system: system, environment: environment, entitlement: entitlement, scope: scope, access: access,
            purpose: purpose, duration: duration, start: start, end: end, revocationTriggers: triggers,
            ticket: ticket, breakGlass: breakGlass, incident: incident, labels: labels, notes: notes, finding: finding).withWindowEnd

        let scanned = try Input.scanned(request, from: map, subject: subjectMap, subjectNode: subjectNode)

        if let policy {
            try checkNames(request, policy: policy, requester: requesterNode, owner: ownerNode ?? subjectNameNode,
                           subjectName: subjectNameNode, system: systemNode, environment: environmentNode,
                           entitlement: entitlementNode)
            for (trigger, node) in zip(triggers, triggerNodes) {
                if let unknown = policy.unknownTrigger(trigger.name) { throw node.error(unknown.message, hint: unknown.hint) }
            }
        }
        return scanned
    }

    /// A credential in a request file: where it is and what it looks like, never the value.
    static func secretError(_ finding: SecretScan.Finding, at node: some RequestInput) -> SourceError {
        node.error("characters \(finding.start)–\(finding.start + finding.length - 1) look like \(finding.kind.label); a credential must never be part of a request",
                   hint: "remove it, and rotate the credential: whoever saw the file may have copied it")
    }

    /// Names must be ones the policy knows, spelt byte for byte as it spells
    /// them: an unknown person can never be held accountable, an unknown
    /// system can never be routed, and a name that only reads like the
    /// policy's (`\u{212A}afka` for `Kafka`, a decomposed accent for a
    /// precomposed one) would be shown as one name and compared as another.
    static func checkNames<Input: RequestInput>(_ request: AccessRequest, policy: Policy, requester: Input?, owner: Input,
                                                subjectName: Input, system: Input, environment: Input,
                                                entitlement: Input) throws(SourceError) {
        func unknownPerson(_ node: Input, _ name: String, _ role: String) -> SourceError {
            if let spelling = policy.lookalikePerson(of: name) {
                return misspelt(node, name, spelling, in: "the policy directory")
            }
            let guess = closest(to: name, in: policy.people).map { "did you mean \"\($0)\"? " } ?? ""
            return node.error("\"\(name)\" is not in the policy directory", hint: "\(guess)the \(role) must be a person the policy names")
        }
        if let requesterName = request.requester, let requester, !policy.knowsPerson(requesterName) {
            throw unknownPerson(requester, requesterName, "requester")
        }
        // A human subject first: its owner, left out, is the subject.
        if request.subject.kind.isHuman, !policy.knowsPerson(request.subject.name) {
            throw unknownPerson(subjectName, request.subject.name, "human subject")
        }
        if !policy.knowsPerson(request.subject.owner) {
            throw unknownPerson(owner, request.subject.owner, "subject's owner")
        }
        guard let entry = policy.system(named: request.system) else {
            if let spelling = policy.lookalikeSystem(of: request.system) {
                throw misspelt(system, request.system, spelling, in: "the policy catalogue")
            }
            let names = policy.systems.map(\.name)
            let guess = closest(to: request.system, in: names).map { "did you mean \"\($0)\"? " } ?? ""
            throw system.error("\"\(request.system)\" is not in the policy catalogue", hint: "\(guess)known systems: \(names.joined(separator: ", "))")
        }
        if !entry.environments.contains(where: { ExactName.same($0, request.environment) }) {
            if let spelling = ExactName.lookalike(of: request.environment, in: entry.environments) {
                throw misspelt(environment, request.environment, spelling, in: "the catalogue's \(request.system)")
            }
            throw environment.error("\"\(request.environment)\" is not an environment of \(request.system)",
                                    hint: "valid: \(entry.environments.joined(separator: ", "))")
        }
        if !entry.entitlements.isEmpty, !entry.entitlements.contains(where: { ExactName.same($0, request.entitlement) }) {
            if let spelling = ExactName.lookalike(of: request.entitlement, in: entry.entitlements) {
                throw misspelt(entitlement, request.entitlement, spelling, in: "the catalogue's \(request.system)")
            }
            throw entitlement.error("\"\(request.entitlement)\" is not an entitlement of \(request.system)",
                                    hint: "valid: \(entry.entitlements.joined(separator: ", "))")
        }
    }

    /// A name that reads as one the policy has without being it, byte for byte.
    static func misspelt(_ node: some RequestInput, _ name: String, _ spelling: String, in place: String) -> SourceError {
        node.error("\"\(ExactName.spelled(name))\" is not spelt as in \(place), which has \"\(ExactName.spelled(spelling))\"",
                   hint: "write \"\(ExactName.spelled(spelling))\" exactly as the policy does: names are compared byte for byte")
    }

    static func date(_ node: some RequestInput) throws(SourceError) -> Date {
        switch Timestamp.read(try node.text()) {
        case let .success(date): return date
        case let .failure(error): throw node.error(error.description, hint: TimestampError.hint)
        }
    }
}
