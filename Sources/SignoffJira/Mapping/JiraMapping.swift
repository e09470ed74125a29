import Foundation
import SignoffCore

/// How tickets become requests, read from a YAML file validated like the
/// policy (`file:line:column`, the field, what would be valid).
///
/// Every request field comes from a named Jira field or a constant the file
/// gives; nothing is ever guessed from a ticket's free text.
public struct JiraMapping: Sendable {
    /// Jira Cloud speaks REST v3 (ADF comments, the `/search/jql` endpoint);
    /// Server and Data Center speak v2 (wiki-text comments, `/search` with `startAt`).
    public enum Deployment: String, Sendable, CaseIterable {
        case cloud
        case server

        public var apiVersion: Int {
            switch self {
            case .cloud: 3
            case .server: 2
            }
        }
    }

    /// Where a request field's value comes from.
    public enum Source: Sendable, Hashable {
        /// A Jira field by id (`customfield_10070`, `components`).
        case fieldID(String)
        /// A Jira field by the name people see, resolved through the site's field metadata.
        case fieldName(String)
        /// The same value for every ticket.
        case constant(String)
    }

    /// A request field a mapping fills, by the name the mapping file gives it.
    /// `ticket` is not one: it is always the issue key, and every request
    /// carries the `ticket_closed` trigger for it.
    public enum Field: String, Sendable, Hashable, CaseIterable {
        case requester
        case subjectKind = "subject.kind"
        case subjectName = "subject.name"
        case subjectOwner = "subject.owner"
        case system, environment, entitlement, scope, access, purpose, duration, start, end
        case breakGlass = "break_glass"
        case incident, notes

        /// Every request needs these, mapped from a field or given as a constant.
        public var isRequired: Bool {
            switch self {
            case .subjectKind, .subjectName, .system, .environment, .entitlement, .access, .purpose: true
            case .requester, .subjectOwner, .scope, .duration, .start, .end, .breakGlass, .incident, .notes: false
            }
        }

        /// Fields that may name a person, so a Jira user in them is read as one.
        var takesPerson: Bool {
            switch self {
            case .requester, .subjectOwner, .subjectName: true
            case .subjectKind, .system, .environment, .entitlement, .scope, .access, .purpose, .duration, .start, .end,
                 .breakGlass, .incident, .notes: false
            }
        }
    }

    /// What one rule fills: a request field, or one of the request's labels.
    public enum Target: Sendable, Hashable {
        case field(Field)
        /// `labels.NAME`.
        case label(String)

        /// As the mapping file and every message name it: `subject.kind`, `labels.team`.
        public var name: String {
            switch self {
            case let .field(field): field.rawValue
            case let .label(label): "labels.\(label)"
            }
        }

        /// The request field, or nil for a label.
        public var field: Field? {
            if case let .field(field) = self { return field }
            return nil
        }
    }

    /// One request field and where it comes from.
    public struct Rule: Sendable {
        /// The request field (`system`, `subject.kind`) or label (`labels.team`).
        public var target: Target
        public var source: Source
        /// Jira value → signoff value. With a map, any other value is refused.
        public var values: [(jira: String, signoff: String)]?
        /// For a duration given as a bare number: what one unit is.
        public var unit: DurationUnit?
        /// Where the rule is written, for messages.
        public var position: SourcePosition?
    }

    public enum DurationUnit: String, Sendable, CaseIterable {
        case minutes, hours, days, weeks
        var seconds: Int {
            switch self {
            case .minutes: 60
            case .hours: 3600
            case .days: 86_400
            case .weeks: 604_800
            }
        }
    }

    /// What happens in a request's life that goes back to its ticket.
    public enum Moment: String, Sendable, CaseIterable {
        /// Routed to its approvers (or blocked: no rule covers it), again after a change.
        case routed
        case approved
        case denied
        /// Nobody decided within the policy's pending timeout.
        case timedOut = "timed_out"
        case withdrawn
        /// The ticket made no request, or no change of one.
        case refused
        case revoked
        case expired
        /// Provisioning reported that it could not carry the decision out.
        case failed
        case extended
    }

    public struct WriteBack: Sendable {
        /// Comments on the ticket for each moment (on by default).
        public var comments = true
        /// The status each moment moves the ticket to, by the target status's
        /// name: the transition is looked up on the ticket each time, since
        /// transition ids and names differ per workflow and rarely match the status.
        public var transitions: [Moment: String] = [:]
    }

    public let file: String
    public let deployment: Deployment
    /// The site's base address, e.g. `https://acme.atlassian.net`.
    public let url: String?
    public let jql: String?
    /// Absolute path of the credentials file.
    public let credentialsPath: String?
    /// The zone of times Jira writes without one.
    public let timeZone: TimeZone
    /// Absolute paths of field metadata files.
    public let fieldMetadataPaths: [String]
    /// Request field → rule, in the order written.
    public let rules: [Rule]
    public let writeBack: WriteBack
    /// Statuses that close a ticket besides Jira's `done` category and a resolution.
    public let closedStatuses: [String]

    public func rule(for target: Target) -> Rule? { rules.first { $0.target == target } }

    static let topLevelFields = ["jira", "request", "write_back", "closed_statuses"]
    static let jiraFields = ["deployment", "url", "jql", "credentials", "time_zone", "field_metadata"]

    /// Jira's system fields, by id and by the name its screens show.
    public static let systemFields: [(id: String, name: String)] = [
        ("summary", "Summary"), ("description", "Description"), ("components", "Components"), ("labels", "Labels"),
        ("reporter", "Reporter"), ("assignee", "Assignee"), ("creator", "Creator"), ("priority", "Priority"),
        ("duedate", "Due date"), ("environment", "Environment"), ("issuetype", "Issue Type"), ("project", "Project"),
        ("fixVersions", "Fix versions"), ("versions", "Affects versions"), ("status", "Status"),
        ("resolution", "Resolution"), ("created", "Created"), ("updated", "Updated"),
    ]

    /// Parses and validates the whole file; every problem found is reported.
    public static func parse(source: String, file: String) throws(SourceErrors) -> JiraMapping {
        let documents: [LocatedNode]
        do { documents = try YAMLSource.documents(text: source, file: file) } catch { throw SourceErrors([error]) }
        guard documents.count == 1 else {
            throw SourceErrors([SourceError(file: file, position: nil, field: "",
                                            message: documents.isEmpty ? "is empty" : "holds \(documents.count) YAML documents",
                                            hint: "a mapping is one YAML document with jira: and request:")])
        }
        var errors: [SourceError] = []
        let root: LocatedMapping
        do {
            root = try documents[0].mapping()
            try root.rejectUnknown(topLevelFields)
        } catch {
            throw SourceErrors([error])
        }
        let directory = (file as NSString).deletingLastPathComponent

        var deployment = Deployment.cloud
        var url: String?
        var jql: String?
        var credentials: String?
        var zone = TimeZone(identifier: "UTC")!
        var metadata: [String] = []
        if let jiraNode = root.optional("jira") {
            collect(&errors) { () throws(SourceError) in
                let jira = try jiraNode.mapping()
                try jira.rejectUnknown(jiraFields)
                if let node = jira.optional("deployment") {
                    let text = try node.string()
                    guard let value = Deployment(rawValue: text) else {
                        throw node.error("\"\(text)\" is not a deployment", hint: "cloud (Jira Cloud, REST v3) or server (Server and Data Center, REST v2)")
                    }
                    deployment = value
                }
                if let node = jira.optional("url") {
                    let text = try node.nonEmptyString()
                    guard let parsed = URL(string: text), let scheme = parsed.scheme, ["https", "http"].contains(scheme),
                          parsed.host != nil else {
                        throw node.error("is not a site address", hint: "e.g. https://acme.atlassian.net")
                    }
                    url = text
                }
                if let node = jira.optional("jql") { jql = try node.nonEmptyString(maxLength: 4000) }
                if let node = jira.optional("credentials") { credentials = resolve(try node.nonEmptyString(), in: directory) }
                if let node = jira.optional("time_zone") {
                    let text = try node.nonEmptyString()
                    guard let parsed = TimeZone(identifier: text) else {
                        throw node.error("\"\(text)\" is not a time zone", hint: "an IANA name such as UTC or Europe/Berlin: the zone of the times Jira writes without one")
                    }
                    zone = parsed
                }
                if let node = jira.optional("field_metadata") {
                    metadata = try node.stringList().map { resolve($0, in: directory) }
                }
            }
        }

        var rules: [Rule] = []
        do {
            let requestNode = try root.required("request", hint: "say which Jira field fills each request field")
            rules = parseRules(requestNode, errors: &errors)
        } catch {
            errors.append(error)
        }

        var writeBack = WriteBack()
        if let node = root.optional("write_back") {
            collect(&errors) { () throws(SourceError) in writeBack = try parseWriteBack(node) }
        }
        var closed: [String] = []
        if let node = root.optional("closed_statuses") {
            collect(&errors) { () throws(SourceError) in closed = try node.stringList() }
        }
        guard errors.isEmpty else {
            throw SourceErrors(errors.sorted { ($0.position?.line ?? 0, $0.position?.column ?? 0) < ($1.position?.line ?? 0, $1.position?.column ?? 0) })
        }
        return JiraMapping(file: file, deployment: deployment, url: url, jql: jql, credentialsPath: credentials,
                           timeZone: zone, fieldMetadataPaths: metadata, rules: rules, writeBack: writeBack,
                           closedStatuses: closed)
    }

    /// `~/x` under the home directory; a relative path next to the mapping file.
    static func resolve(_ path: String, in directory: String) -> String {
        if path.hasPrefix("~/") {
            let home = ProcessInfo.processInfo.environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
            return (home as NSString).appendingPathComponent(String(path.dropFirst(2)))
        }
        if path.hasPrefix("/") || directory.isEmpty { return path }
        return (directory as NSString).appendingPathComponent(path)
    }

    static func parseRules(_ node: LocatedNode, errors: inout [SourceError]) -> [Rule] {
        let mapping: LocatedMapping
        do { mapping = try node.mapping() } catch { errors.append(error); return [] }
        var rules: [Rule] = []
        for key in mapping.keys {
            guard let value = mapping.optional(key) else { continue }
            if key == "labels" {
                collect(&errors) { () throws(SourceError) in
                    let labels = try value.mapping()
                    for label in labels.keys {
                        guard let labelNode = labels.optional(label) else { continue }
                        if label.isEmpty || label.unicodeScalars.count > 64 {
                            throw labelNode.error("label names must be 1 to 64 characters")
                        }
                        rules.append(try parseRule(labelNode, target: .label(label)))
                    }
                }
                continue
            }
            guard let field = Field(rawValue: key) else {
                let valid = Field.allCases.map(\.rawValue) + ["labels"]
                let suggestion = closest(to: key, in: valid).map { "did you mean \"\($0)\"? " } ?? ""
                let extra = key == "ticket" ? "the ticket is always the issue key; " :
                    key == "revocation_triggers" ? "every imported request carries ticket_closed for its ticket; " : ""
                errors.append(value.error("is not a request field a mapping fills",
                                          hint: "\(extra)\(suggestion)valid: \(valid.joined(separator: ", "))"))
                continue
            }
            collect(&errors) { () throws(SourceError) in rules.append(try parseRule(value, target: .field(field))) }
        }
        let targets = Set(rules.compactMap(\.target.field))
        for field in Field.allCases where field.isRequired && !targets.contains(field) {
            errors.append(SourceError(file: node.file, position: node.position, field: "request.\(field.rawValue)",
                                      message: "is required but missing",
                                      hint: "every request needs it: name the Jira field (field: ...) or give a constant (value: ...)"))
        }
        if !targets.contains(.duration) && !(targets.contains(.start) && targets.contains(.end)) {
            errors.append(SourceError(file: node.file, position: node.position, field: "request.duration",
                                      message: "is required but missing", hint: "map duration, or both start and end"))
        }
        if targets.contains(.duration) && targets.contains(.end) {
            errors.append(SourceError(file: node.file, position: node.position, field: "request.end",
                                      message: "cannot be mapped together with duration", hint: "a request has a duration or an end, not both"))
        }
        return rules
    }

    static let ruleFields = ["field", "value", "values", "unit"]

    static func parseRule(_ node: LocatedNode, target: Target) throws(SourceError) -> Rule {
        var rule = Rule(target: target, source: .constant(""), values: nil, unit: nil, position: node.position)
        if case .scalar = node.node {
            rule.source = source(forField: try node.nonEmptyString())
            return rule
        }
        let fields = try node.mapping()
        try fields.rejectUnknown(ruleFields)
        switch (fields.optional("field"), fields.optional("value")) {
        case let (field?, nil):
            rule.source = source(forField: try field.nonEmptyString())
        case let (nil, value?):
            let text = try value.nonEmptyString()
            try checkTarget(text, of: target, at: value)
            rule.source = .constant(text)
        case (.some, .some):
            throw node.error("give field or value, not both", hint: "field: names the Jira field; value: is the same for every ticket")
        case (nil, nil):
            throw node.error("needs field: or value:", hint: "e.g. {field: customfield_10070} or {field: Environment, values: {Prod: production}}")
        }
        if let valuesNode = fields.optional("values") {
            if case .constant = rule.source { throw valuesNode.error("values: applies to a Jira field, not to a constant value") }
            let map = try valuesNode.mapping()
            var pairs: [(jira: String, signoff: String)] = []
            for key in map.keys {
                guard let entry = map.optional(key) else { continue }
                let signoff = try entry.nonEmptyString()
                try checkTarget(signoff, of: target, at: entry)
                pairs.append((key, signoff))
            }
            guard !pairs.isEmpty else { throw valuesNode.error("is empty", hint: "list each Jira value with the value signoff should use") }
            rule.values = pairs
        }
        if let unitNode = fields.optional("unit") {
            guard target == .field(.duration) else { throw unitNode.error("unit: applies to duration only") }
            let text = try unitNode.string()
            guard let unit = DurationUnit(rawValue: text) else {
                throw unitNode.error("\"\(text)\" is not a unit", hint: "one of \(DurationUnit.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            rule.unit = unit
        }
        return rule
    }

    /// `customfield_10070` and Jira's system field ids are ids; anything else is a name.
    static func source(forField text: String) -> Source {
        if text.hasPrefix("customfield_"), text.dropFirst("customfield_".count).allSatisfy(\.isNumber) { return .fieldID(text) }
        if systemFields.contains(where: { $0.id == text }) { return .fieldID(text) }
        return .fieldName(text)
    }

    /// A value signoff will use must at least have the right shape; names the
    /// policy knows are checked against the policy (`check(against:)`).
    static func checkTarget(_ value: String, of target: Target, at node: LocatedNode) throws(SourceError) {
        guard case let .field(field) = target else { return }  // a label takes any text
        switch field {
        case .subjectKind:
            guard IdentityKind(rawValue: value) != nil else {
                throw node.error("\"\(value)\" is not an identity kind", hint: "valid: \(IdentityKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        case .access:
            guard AccessLevel(rawValue: value) != nil else { throw node.error("\"\(value)\" is not an access level", hint: "read, write or admin") }
        case .breakGlass:
            guard value == "true" || value == "false" else { throw node.error("\"\(value)\" is not true or false") }
        case .duration:
            guard TimeSpan(parsing: value) != nil else { throw node.error("\"\(value)\" is not a duration", hint: TimeSpan.syntaxHint) }
        case .requester, .subjectName, .subjectOwner, .system, .environment, .entitlement, .scope, .purpose, .start, .end,
             .incident, .notes:
            // Free text, or names the policy knows (checked by check(against:)).
            return
        }
    }

    static func parseWriteBack(_ node: LocatedNode) throws(SourceError) -> WriteBack {
        let fields = try node.mapping()
        try fields.rejectUnknown(["comments", "transitions"])
        var writeBack = WriteBack()
        if let comments = fields.optional("comments") { writeBack.comments = try comments.bool() }
        if let transitions = fields.optional("transitions") {
            let map = try transitions.mapping()
            try map.rejectUnknown(Moment.allCases.map(\.rawValue))
            for key in map.keys {
                guard let value = map.optional(key), let moment = Moment(rawValue: key) else { continue }
                writeBack.transitions[moment] = try value.nonEmptyString()
            }
        }
        return writeBack
    }

    /// Values the mapping would put in requests that the policy does not know:
    /// a value map's system, environment or entitlement, or a constant person.
    public func check(against policy: Policy) -> [SourceError] {
        var errors: [SourceError] = []
        let systems = policy.systems
        let allEnvironments = Array(Set(systems.flatMap(\.environments))).sorted()
        let allEntitlements = Array(Set(systems.flatMap(\.entitlements))).sorted()
        for rule in rules {
            var targets: [String] = []
            if case let .constant(value) = rule.source { targets.append(value) }
            targets += rule.values?.map(\.signoff) ?? []
            for value in targets {
                // Names are the policy's byte for byte (`ExactName`): a value
                // that only reads like one would import as another name.
                func known(_ names: [String]) -> Bool { names.contains { ExactName.same($0, value) } }
                let problem: String?
                let names: [String]
                switch rule.target {
                case .field(.system):
                    names = systems.map(\.name)
                    problem = known(names) ? nil : "known systems: \(names.joined(separator: ", "))"
                case .field(.environment):
                    names = allEnvironments
                    problem = known(names) ? nil : "environments of the catalogue: \(allEnvironments.joined(separator: ", "))"
                case .field(.entitlement):
                    names = allEntitlements
                    problem = known(names) ? nil : "entitlements of the catalogue: \(allEntitlements.joined(separator: ", "))"
                case .field(.requester), .field(.subjectOwner):
                    names = policy.people
                    problem = policy.knowsPerson(value) ? nil : "the directory's people: \(policy.people.joined(separator: ", "))"
                case .field(.subjectKind), .field(.subjectName), .field(.scope), .field(.access), .field(.purpose),
                     .field(.duration), .field(.start), .field(.end), .field(.breakGlass), .field(.incident), .field(.notes),
                     .label:
                    // Not names of the policy (their shape was checked as the file was read).
                    names = []
                    problem = nil
                }
                if problem != nil, let spelling = ExactName.lookalike(of: value, in: names) {
                    errors.append(SourceError(file: file, position: rule.position, field: "request.\(rule.target.name)",
                                              message: "\"\(ExactName.spelled(value))\" is not spelt as in the policy, which has \"\(ExactName.spelled(spelling))\"",
                                              hint: "write \"\(ExactName.spelled(spelling))\" exactly as the policy does: names are compared byte for byte"))
                } else if let problem {
                    errors.append(SourceError(file: file, position: rule.position, field: "request.\(rule.target.name)",
                                              message: "\"\(DisplaySafe.text(value))\" is not known to the policy \(policy.name.isEmpty ? "" : "\(policy.name) ")(\(policy.version.prefix(12)))",
                                              hint: problem))
                }
            }
        }
        return errors
    }
}

/// Runs `body`, adding its error to `errors` instead of stopping, so one pass
/// reports every problem it can.
func collect(_ errors: inout [SourceError], _ body: () throws(SourceError) -> Void) {
    do { try body() } catch { errors.append(error) }
}
