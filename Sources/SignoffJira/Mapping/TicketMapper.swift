import Foundation
import SignoffCore

/// One reason a ticket does not make a request: which request field, which
/// Jira field, what is wrong and what would be valid. Messages never quote a
/// value that looks like a secret.
public struct TicketProblem: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A mapped field is empty or absent.
        case missing
        /// The value is not one signoff or the policy knows.
        case unknownValue = "unknown_value"
        /// A person (reporter, owner) who is not in the policy's directory.
        case unknownPerson = "unknown_person"
        /// The value has the wrong shape (not a date, several values for one field, too long).
        case invalid
        /// The value cannot be read as text (invalid UTF-8, nested too deep).
        case unreadable
        /// A credential: the ticket must be cleaned and the credential rotated.
        case secret
    }

    /// The request field, e.g. `entitlement` or `subject.kind`.
    public var field: String
    /// The Jira field it comes from, as people see it: `Entitlement (customfield_10073)`.
    public var jiraField: String?
    public var kind: Kind
    public var message: String
    /// What would be valid, where the choice is a list.
    public var valid: [String]

    public init(field: String, jiraField: String?, kind: Kind, message: String, valid: [String] = []) {
        self.field = field
        self.jiraField = jiraField
        self.kind = kind
        self.message = message
        self.valid = valid
    }

    /// As the evidence records it (`intake_refused`).
    public var intake: IntakeProblem {
        IntakeProblem(field: field, sourceField: jiraField, kind: kind.rawValue, message: message, valid: valid)
    }

    /// One line for people: `entitlement (Jira field Entitlement): "x" is not ... (valid: a, b)`.
    public var description: String {
        var text = field
        if let jiraField { text += " (Jira field \(jiraField))" }
        text += ": " + message
        if !valid.isEmpty { text += " (valid: \(valid.joined(separator: ", ")))" }
        return text
    }
}

/// What a ticket becomes.
public struct MappedTicket: Sendable {
    public enum Outcome: Sendable {
        /// The structured request, with `ticket` set to the key and its `ticket_closed` trigger,
        /// every field scanned for credentials once.
        case request(ScannedRequest)
        /// No request: every problem found.
        case refused([TicketProblem])
    }

    public var key: String
    public var id: String
    public var outcome: Outcome
    /// Resolved or closed: its grants end.
    public var isClosed: Bool
    /// The status as Jira shows it, for messages.
    public var status: String?
    /// The issue's REST address (`self`), where Jira gave one.
    public var selfURL: String?
    /// When the issue last changed (its `updated`), where Jira said.
    public var updated: Date?
    /// The person of the directory who made the change a webhook reports
    /// (`JiraIssue.changedBy`); nil when Jira did not say or they are no one's.
    public var editor: String?

    public init(key: String, id: String, outcome: Outcome, isClosed: Bool, status: String?, selfURL: String? = nil,
                updated: Date? = nil, editor: String? = nil) {
        self.key = key
        self.id = id
        self.outcome = outcome
        self.isClosed = isClosed
        self.status = status
        self.selfURL = selfURL
        self.updated = updated
        self.editor = editor
    }

    public var problems: [TicketProblem] {
        if case let .refused(problems) = outcome { return problems }
        return []
    }
    public var containsSecret: Bool { problems.contains { $0.kind == .secret } }
}

/// A mapping that cannot be applied to a ticket at all (a field name the site
/// does not have): the mapping file must change, not the ticket.
public struct MappingConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var error: SourceError
    public var description: String { error.description }
}

/// Applies a mapping to tickets, under a policy: every ticket gets the same
/// validation a request file gets (`RequestFile.request`), after checks that
/// name the Jira field and list every valid value, so the comment back to the
/// ticket can say exactly what to fix.
public struct TicketMapper: Sendable {
    public let mapping: JiraMapping
    public let policy: Policy
    public private(set) var catalog: FieldCatalog
    /// Field names resolved to ids, by name.
    private var resolved: [String: String] = [:]
    /// The signoff side of every value map and every label name, scanned once
    /// here rather than for every ticket. One that looks like a credential is
    /// absent, and found again (and refused) when a ticket needs it.
    private let constants: [String: ScannedText]

    public init(mapping: JiraMapping, policy: Policy, catalog: FieldCatalog) {
        self.mapping = mapping
        self.policy = policy
        self.catalog = catalog
        var constants: [String: ScannedText] = [:]
        for rule in mapping.rules {
            var texts = rule.values?.map(\.signoff) ?? []
            if case let .label(name) = rule.target { texts.append(name) }
            for text in texts {
                if case let .success(scanned) = SecretScan.scanned(text, field: rule.target.name) { constants[text] = scanned }
            }
        }
        self.constants = constants
    }

    /// Adds what a response says about field names (`names` of `expand=names`).
    public mutating func learnNames(_ names: JSONValue) { catalog.readNames(names) }

    /// The field id a rule's source reads, resolving names once.
    public mutating func fieldID(_ source: JiraMapping.Source, rule: JiraMapping.Rule) throws(MappingConfigurationError) -> String? {
        switch source {
        case .constant: return nil
        case let .fieldID(id): return id
        case let .fieldName(name):
            if let id = resolved[name] { return id }
            var ids = catalog.ids(named: name)
            if ids.isEmpty {
                ids = JiraMapping.systemFields.filter { $0.name.lowercased() == name.lowercased() }.map(\.id)
            }
            guard ids.count == 1 else {
                let fieldLabel = "request.\(rule.target.name)"
                let message = ids.isEmpty
                    ? "no Jira field is named \"\(DisplaySafe.text(name))\" in the site's field metadata"
                    : "\(ids.count) Jira fields are named \"\(DisplaySafe.text(name))\" (\(ids.joined(separator: ", ")))"
                let hint = ids.isEmpty
                    ? (catalog.isEmpty ? "give the field's id (customfield_NNNNN), or field metadata (jira.field_metadata, --field-metadata, or --url to fetch it)"
                       : "did you mean \(closest(to: name, in: catalog.all.map(\.name)).map { "\"\($0)\"" } ?? "one of the site's fields")? or give the field's id")
                    : "give the id of the one you mean"
                throw MappingConfigurationError(error: SourceError(file: mapping.file, position: rule.position, field: fieldLabel,
                                                                   message: message, hint: hint))
            }
            resolved[name] = ids[0]
            return ids[0]
        }
    }

    /// Checks that every field name resolves, before any ticket is read.
    public mutating func resolveAll() throws(MappingConfigurationError) {
        for rule in mapping.rules { _ = try fieldID(rule.source, rule: rule) }
    }

    public func isClosed(_ issue: JiraIssue) -> Bool {
        if issue.statusCategory == "done" || issue.resolution != nil { return true }
        guard let status = issue.statusName?.lowercased() else { return false }
        return mapping.closedStatuses.contains { $0.lowercased() == status }
    }

    // MARK: Mapping one ticket

    /// A value read from a Jira field, before the mapping turns it into a request value.
    enum Piece {
        case text(String)
        case user(JiraUser)
    }

    /// A piece once scanned for credentials: text from here on is `ScannedText`.
    enum ScannedPiece {
        case text(ScannedText)
        case user(JiraUser)
    }

    static let defaultRequester = JiraMapping.Rule(target: .field(.requester), source: .fieldID("reporter"), values: nil, unit: nil,
                                                   position: nil)

    public mutating func map(_ issue: JiraIssue) throws(MappingConfigurationError) -> MappedTicket {
        var rules = mapping.rules
        if mapping.rule(for: .field(.requester)) == nil { rules.insert(Self.defaultRequester, at: 0) }
        var problems: [TicketProblem] = []
        // Every text read is scanned once, here: a ticket holding a credential
        // is refused for that alone, and nothing of any value is repeated back.
        var secrets: [TicketProblem] = []
        var read: [(rule: JiraMapping.Rule, jiraField: String?, pieces: [ScannedPiece])] = []
        for rule in rules {
            let id = try fieldID(rule.source, rule: rule)
            let label = id.map { catalog.label($0) }
            let pieces: [Piece]
            switch rule.source {
            case let .constant(value):
                pieces = [.text(value)]
            case .fieldID, .fieldName:
                let limit = rule.target == .field(.purpose) ? Limits.purposeLength
                    : rule.target == .field(.notes) ? Limits.notesLength : Limits.fieldLength
                switch Self.pieces(issue.field(id ?? ""), limit: limit, person: rule.target.field?.takesPerson ?? false) {
                case let .success(found): pieces = found
                case let .failure(problem):
                    problems.append(TicketProblem(field: rule.target.name, jiraField: label, kind: problem.kind, message: problem.message))
                    continue
                }
            }
            var scanned: [ScannedPiece] = []
            scanned.reserveCapacity(pieces.count)
            pieces: for piece in pieces {
                switch piece {
                case let .user(user): scanned.append(.user(user))
                case let .text(text):
                    switch SecretScan.scanned(text, field: rule.target.name) {
                    case let .success(text): scanned.append(.text(text))
                    case let .failure(finding):
                        // One finding per field is enough to say what to remove.
                        secrets.append(Self.secret(finding, field: rule.target.name, jiraField: label))
                        break pieces
                    }
                }
            }
            read.append((rule, label, scanned))
        }
        let key: ScannedText?
        switch SecretScan.scanned(issue.key, field: "ticket") {
        case let .success(scanned): key = scanned
        case let .failure(finding):
            key = nil
            secrets.append(Self.secret(finding, field: "ticket", jiraField: "key"))
        }
        let closed = isClosed(issue)
        func made(_ outcome: MappedTicket.Outcome) -> MappedTicket {
            MappedTicket(key: issue.key, id: issue.id, outcome: outcome, isClosed: closed, status: issue.statusName,
                         selfURL: issue.selfURL, updated: issue.updated(zone: mapping.timeZone),
                         editor: issue.changedBy.flatMap(person))
        }
        guard secrets.isEmpty, let key else { return made(.refused(secrets)) }

        var values: [JiraMapping.Field: ScannedText] = [:]
        var labels: [(name: String, value: ScannedText)] = []
        for (rule, label, pieces) in read {
            func problem(_ kind: TicketProblem.Kind, _ message: String, valid: [String] = []) {
                problems.append(TicketProblem(field: rule.target.name, jiraField: label, kind: kind, message: message, valid: valid))
            }
            if pieces.isEmpty {
                if let field = rule.target.field, field.isRequired || field == .duration || field == .requester {
                    problem(.missing, "is empty; it is required")
                }
                continue
            }
            if pieces.count > 1 {
                problem(.invalid, "has \(pieces.count) values (\(pieces.map(Self.describe).joined(separator: ", "))); exactly one is needed")
                continue
            }
            switch convert(pieces[0], rule: rule) {
            case let .success(value):
                switch rule.target {
                case let .field(field): values[field] = value
                case let .label(name): labels.append((name, value))
                }
            case let .failure(failure):
                problem(failure.kind, failure.message, valid: failure.valid)
            }
        }
        problems += policyProblems(values, read: read)
        if let requester = values[.requester]?.text,
           let problem = reporterProblem(issue, requester: requester, jiraField: read.first { $0.rule.target == .field(.requester) }?.jiraField) {
            problems.append(problem)
        }
        guard problems.isEmpty else { return made(.refused(problems)) }

        // The same validation as a request file (lengths, durations, windows,
        // names), on the fields as they are: nothing is scanned again.
        var fields = RequestFields(file: issue.key)
        for (field, value) in values { fields.set(field.rawValue, value) }
        for (name, value) in labels.sorted(by: { $0.name < $1.name }) {
            switch scannedConstant(name, field: "labels.\(name)") {
            case let .success(scanned): fields.label(scanned, value)
            case let .failure(failure):
                return made(.refused([TicketProblem(field: "labels.\(name)", jiraField: nil, kind: failure.kind, message: failure.message)]))
            }
        }
        fields.set("ticket", key)
        switch scannedConstant("ticket_closed", field: "revocation_triggers") {
        case let .success(trigger): fields.trigger(trigger, ref: key)
        case let .failure(failure):
            return made(.refused([TicketProblem(field: "revocation_triggers", jiraField: nil, kind: failure.kind, message: failure.message)]))
        }
        do throws(SourceError) {
            return made(.request(try RequestFile.request(from: fields, policy: policy)))
        } catch {
            // The ticket and its one trigger's reference are the issue's key: a problem with either is the key's.
            let isKey = error.field == "ticket" || error.field.hasPrefix("revocation_triggers")
            let field = isKey ? "ticket" : error.field
            let label = isKey ? "key" : read.first { $0.rule.target.name == error.field }?.jiraField
            let message = error.message + (error.hint.map { " (\($0))" } ?? "")
            return made(.refused([TicketProblem(field: field, jiraField: label, kind: .invalid, message: message)]))
        }
    }

    /// A credential in a ticket field: where, never what.
    static func secret(_ finding: SecretScan.Finding, field: String, jiraField: String?) -> TicketProblem {
        TicketProblem(field: field, jiraField: jiraField, kind: .secret,
                      message: "characters \(finding.start)–\(finding.start + finding.length - 1) look like \(finding.kind.label)")
    }

    /// Text the mapping or signoff made (a value map's signoff side, a label
    /// name, a converted duration), scanned like any request text; the
    /// mapping's own are scanned once, when the mapper is made.
    func scannedConstant(_ text: String, field: String) -> Result<ScannedText, PieceFailure> {
        if let scanned = constants[text] { return .success(scanned) }
        switch SecretScan.scanned(text, field: field) {
        case let .success(scanned): return .success(scanned)
        case let .failure(finding):
            return .failure(PieceFailure(kind: .secret, message: "characters \(finding.start)–\(finding.start + finding.length - 1) look like \(finding.kind.label)"))
        }
    }

    struct PieceFailure: Error {
        var kind: TicketProblem.Kind
        var message: String
        var valid: [String] = []
    }

    /// The values in a Jira field: text, options (`value`), named things
    /// (components, versions: `name`), users, ADF documents as text; a list
    /// gives one piece per element. Empty text and null give nothing.
    static func pieces(_ value: JSONValue?, limit: Int, person: Bool) -> Result<[Piece], PieceFailure> {
        guard let value else { return .success([]) }
        var result: [Piece] = []
        for element in value.kind == .array ? value.elements : [value] {
            switch element.kind {
            case .null:
                continue
            case .string:
                do throws(JSONTextError) {
                    let text = try element.string() ?? ""
                    if text.unicodeScalars.contains("\u{0}") {
                        return .failure(PieceFailure(kind: .unreadable, message: "holds a NUL character, which cannot be stored exactly"))
                    }
                    if !text.allSatisfy(\.isWhitespace) { result.append(.text(text)) }
                } catch {
                    return .failure(PieceFailure(kind: .unreadable, message: "is not readable text: it \(error.message)"))
                }
            case .number:
                var text = element.numberText ?? ""
                if let whole = element.integerValue, text.contains(".") { text = String(whole) }
                result.append(.text(text))
            case .true, .false:
                result.append(.text(element.boolValue == true ? "true" : "false"))
            case .array:
                return .failure(PieceFailure(kind: .unreadable, message: "holds a list inside a list, which no request field takes"))
            case .object:
                if ADFText.isDocument(element) {
                    do throws(ADFText.Failure) {
                        let text = try ADFText.plainText(element, limit: limit)
                        if !text.allSatisfy(\.isWhitespace) { result.append(.text(text)) }
                    } catch {
                        switch error {
                        case .tooLong: return .failure(PieceFailure(kind: .invalid, message: "\(error.description); shorten it"))
                        case .tooDeep, .notADF, .invalidText: return .failure(PieceFailure(kind: .unreadable, message: error.description))
                        }
                    }
                } else if person, let user = JiraUser(element), element["accountId"] != nil || element["key"] != nil
                            || element["emailAddress"] != nil {
                    result.append(.user(user))
                } else if let text = element["value"]?.stringValue ?? element["name"]?.stringValue {
                    // An option (`value`), or a component, version, priority, status (`name`).
                    var text = text
                    if let child = element["child"]?["value"]?.stringValue { text += " - " + child } // cascading select
                    if !text.allSatisfy(\.isWhitespace) { result.append(.text(text)) }
                } else if person, element["accountId"] == nil, let shown = element["displayName"]?.stringValue {
                    return .failure(PieceFailure(kind: .unknownPerson,
                                                 message: "names the user \"\(DisplaySafe.text(short(shown)))\" by display name only; Jira sent no account ID, login or email to know the person by"))
                } else if let user = JiraUser(element) {
                    return .failure(PieceFailure(kind: .invalid, message: "holds a user (\(DisplaySafe.text(user.label))); only requester, subject.owner and subject.name take users"))
                } else {
                    return .failure(PieceFailure(kind: .unreadable, message: "holds an object with no value or name that signoff can read"))
                }
            }
        }
        return .success(result)
    }

    static func describe(_ piece: ScannedPiece) -> String {
        switch piece {
        case let .text(text): "\"\(DisplaySafe.text(short(text.text)))\""
        case let .user(user): DisplaySafe.text(user.label)
        }
    }

    private static let blank = CharacterSet.whitespacesAndNewlines

    /// `text` without whitespace and line breaks at either end, as
    /// `trimmingCharacters(in: .whitespacesAndNewlines)` gives it, without a
    /// copy (or Foundation's bridging) when there is nothing to trim: the
    /// usual case for an option's value.
    static func trimmed(_ text: String) -> String {
        let scalars = text.unicodeScalars
        var start = scalars.startIndex, end = scalars.endIndex
        while start < end, blank.contains(scalars[start]) { start = scalars.index(after: start) }
        while end > start, blank.contains(scalars[scalars.index(before: end)]) { end = scalars.index(before: end) }
        if start == scalars.startIndex && end == scalars.endIndex { return text }
        return String(scalars[start..<end])
    }

    static func short(_ text: String) -> String {
        text.count > 60 ? String(text.prefix(57)) + "…" : text
    }

    /// One piece as the request value, through the value map and the target's own rules.
    func convert(_ piece: ScannedPiece, rule: JiraMapping.Rule) -> Result<ScannedText, PieceFailure> {
        switch piece {
        case let .user(user):
            let identities = user.identifiers(for: mapping.deployment)
            guard !identities.isEmpty else {
                return .failure(PieceFailure(kind: .unknownPerson,
                                             message: "names \(DisplaySafe.text(user.label)) without \(mapping.deployment == .cloud ? "an account ID or email" : "a login name, key or email"), so the person cannot be known"))
            }
            for identity in identities {
                if let person = policy.person(withJiraIdentity: identity) { return scannedConstant(person, field: rule.target.name) }
            }
            return .failure(PieceFailure(kind: .unknownPerson,
                                         message: "\(DisplaySafe.text(user.label)) is not a person of signoff's policy directory; an administrator of signoff adds one of their Jira identities (\(DisplaySafe.text(identities.joined(separator: ", ")))) under jira: of the person"))
        case let .text(scanned):
            let raw = scanned.text
            var value = scanned
            if let values = rule.values {
                let trimmed = Self.trimmed(raw)
                guard let match = values.first(where: { $0.jira == trimmed })
                        ?? values.first(where: { $0.jira.lowercased() == trimmed.lowercased() }) else {
                    return .failure(PieceFailure(kind: .unknownValue, message: "\"\(DisplaySafe.text(Self.short(raw)))\" is not one of the values the mapping knows",
                                                 valid: values.map(\.jira)))
                }
                switch scannedConstant(match.signoff, field: rule.target.name) {
                case let .success(mapped): value = mapped
                case let .failure(failure): return .failure(failure)
                }
            }
            let text = value.text
            switch rule.target {
            case .field(.duration):
                if TimeSpan(parsing: text) != nil { return .success(value) }
                guard let number = Double(text.trimmingCharacters(in: .whitespaces)), number > 0, number.isFinite else {
                    return .failure(PieceFailure(kind: .invalid, message: "\"\(DisplaySafe.text(Self.short(text)))\" is not a duration; \(TimeSpan.syntaxHint)"))
                }
                guard let unit = rule.unit else {
                    return .failure(PieceFailure(kind: .invalid, message: "\"\(DisplaySafe.text(text))\" is a number without a unit; the mapping must say unit: (minutes, hours, days or weeks)"))
                }
                // Compared before it becomes an Int: `1e300 weeks` is refused, not trapped on.
                let exact = (number * Double(unit.seconds) / 60).rounded()
                guard exact >= 1, exact <= Double(366 * 24 * 60) else {
                    return .failure(PieceFailure(kind: .invalid, message: "\(DisplaySafe.text(text)) \(unit.rawValue) is not a duration signoff grants"))
                }
                let minutes = Int(exact)
                return scannedConstant(TimeSpan(seconds: minutes * 60).description, field: rule.target.name)
            case .field(.start), .field(.end):
                guard let date = JiraDate.parse(text, zone: mapping.timeZone) else {
                    return .failure(PieceFailure(kind: .invalid, message: "\"\(DisplaySafe.text(Self.short(text)))\" is not a date and time",
                                                 valid: ["2026-11-21T09:00:00.000+0100", "2026-11-21", "epoch milliseconds"]))
                }
                return scannedConstant(Timestamp.format(date), field: rule.target.name)
            case .field(.subjectKind):
                guard IdentityKind(rawValue: text) != nil else {
                    return .failure(PieceFailure(kind: .unknownValue, message: "\"\(DisplaySafe.text(Self.short(text)))\" is not an identity kind",
                                                 valid: IdentityKind.allCases.map(\.rawValue)))
                }
            case .field(.access):
                guard AccessLevel(rawValue: text) != nil else {
                    return .failure(PieceFailure(kind: .unknownValue, message: "\"\(DisplaySafe.text(Self.short(text)))\" is not an access level",
                                                 valid: AccessLevel.allCases.map(\.rawValue)))
                }
            case .field(.breakGlass):
                guard text == "true" || text == "false" else {
                    return .failure(PieceFailure(kind: .unknownValue, message: "\"\(DisplaySafe.text(Self.short(text)))\" is not true or false; map the field's options with values:",
                                                 valid: ["true", "false"]))
                }
            case .field(.requester), .field(.subjectName), .field(.subjectOwner), .field(.system), .field(.environment),
                 .field(.entitlement), .field(.scope), .field(.purpose), .field(.incident), .field(.notes), .label:
                // Names are checked against the policy, with every valid choice (policyProblems).
                break
            }
            return .success(value)
        }
    }

    /// The person of the policy's directory a Jira user is, by any of their identities; nil for nobody's.
    func person(_ user: JiraUser) -> String? {
        user.identifiers(for: mapping.deployment).lazy.compactMap { policy.person(withJiraIdentity: $0) }.first
    }

    /// A ticket filed by one person of the directory for another: refused.
    /// The request records its requester and the importer, and separation of
    /// duties keeps both from deciding it; the reporter, who wrote the ticket,
    /// is not recorded, so could approve a request of their own writing. A
    /// reporter outside the directory (a service desk's account, a Jira user
    /// signoff does not know) is no approver, and files for anyone.
    func reporterProblem(_ issue: JiraIssue, requester: String, jiraField: String?) -> TicketProblem? {
        guard let reporter = issue.reporter, let person = person(reporter),
              !ExactName.same(person, requester) else { return nil }
        return TicketProblem(field: JiraMapping.Field.requester.rawValue, jiraField: jiraField, kind: .invalid,
                             message: "is \(requester), but the ticket's reporter is \(person), another person of the directory, who could then approve a request they wrote; the requester files the ticket themselves (or it is filed from an account outside the directory, such as a service desk's)")
    }

    /// Where a value reads as a name of the policy without being it, byte for
    /// byte: both spellings with their code points, so the difference shows.
    static func spelling(_ value: String, _ lookalike: String?) -> String {
        guard let lookalike else { return "" }
        return " (it is spelt \"\(ExactName.spelled(Self.short(value)))\"; the policy spells it \"\(ExactName.spelled(lookalike))\", and names are compared byte for byte)"
    }

    func policyProblems(_ scanned: [JiraMapping.Field: ScannedText],
                        read: [(rule: JiraMapping.Rule, jiraField: String?, pieces: [ScannedPiece])]) -> [TicketProblem] {
        func values(_ field: JiraMapping.Field) -> String? { scanned[field]?.text }
        func label(_ field: JiraMapping.Field) -> String? { read.first { $0.rule.target == .field(field) }?.jiraField }
        var problems: [TicketProblem] = []
        let systems = policy.systems
        var system: CatalogueSystem?
        if let name = values(.system) {
            system = policy.system(named: name)
            if system == nil {
                problems.append(TicketProblem(field: "system", jiraField: label(.system), kind: .unknownValue,
                                              message: "\"\(DisplaySafe.text(Self.short(name)))\" is not a system of the policy's catalogue"
                                                + Self.spelling(name, policy.lookalikeSystem(of: name)),
                                              valid: systems.map(\.name)))
            }
        }
        let environments = system?.environments ?? Array(Set(systems.flatMap(\.environments))).sorted()
        if let environment = values(.environment), !environments.contains(where: { ExactName.same($0, environment) }) {
            problems.append(TicketProblem(field: "environment", jiraField: label(.environment), kind: .unknownValue,
                                          message: "\"\(DisplaySafe.text(Self.short(environment)))\" is not an environment\(system.map { " of \($0.name)" } ?? "")"
                                            + Self.spelling(environment, ExactName.lookalike(of: environment, in: environments)),
                                          valid: environments))
        }
        let entitlements = system?.entitlements ?? Array(Set(systems.flatMap(\.entitlements))).sorted()
        if let entitlement = values(.entitlement), !entitlements.isEmpty, !entitlements.contains(where: { ExactName.same($0, entitlement) }) {
            problems.append(TicketProblem(field: "entitlement", jiraField: label(.entitlement), kind: .unknownValue,
                                          message: "\"\(DisplaySafe.text(Self.short(entitlement)))\" is not an entitlement\(system.map { " of \($0.name)" } ?? "")"
                                            + Self.spelling(entitlement, ExactName.lookalike(of: entitlement, in: entitlements)),
                                          valid: entitlements))
        }
        var personFields: [JiraMapping.Field] = [.requester, .subjectOwner]
        if values(.subjectKind) == IdentityKind.human.rawValue { personFields.append(.subjectName) }
        for field in personFields {
            guard let name = values(field), !policy.knowsPerson(name) else { continue }
            problems.append(TicketProblem(field: field.rawValue, jiraField: label(field), kind: .unknownPerson,
                                          message: "\"\(DisplaySafe.text(Self.short(name)))\" is not a person of the policy directory"
                                            + Self.spelling(name, policy.lookalikePerson(of: name))))
        }
        if values(.subjectKind).flatMap(IdentityKind.init(rawValue:))?.isHuman == false, values(.subjectOwner) == nil,
           !problems.contains(where: { $0.field == JiraMapping.Field.subjectOwner.rawValue }) {
            problems.append(TicketProblem(field: "subject.owner", jiraField: label(.subjectOwner), kind: .missing,
                                          message: "is required for a non-human identity: every one needs an accountable person"))
        }
        return problems
    }
}
