import Foundation
import SignoffCore

/// One thing an import found in its input.
public enum IntakeItem: Sendable {
    /// A ticket and what it becomes (a request, or a refusal), and where it came from.
    case ticket(MappedTicket, source: JiraPayload.Source)
    /// A `jira:issue_deleted` webhook: the ticket is gone, at `at` by Jira's
    /// clock (the webhook's time, else the issue's last `updated`).
    case deleted(key: String, id: String, at: Date?)
    /// Input that names nothing to import, and why.
    case ignored(file: String, reason: String)
}

/// Reads what `signoff import jira` is given (files, stdin, or pages polled
/// from Jira) and maps every ticket under the policy.
public struct JiraIntake: Sendable {
    public private(set) var mapper: TicketMapper

    public init(mapper: TicketMapper) { self.mapper = mapper }

    /// The mapping's field metadata files (each read by the caller), in one catalogue.
    public static func catalog(from files: [(path: String, data: Data)]) throws(SourceErrors) -> FieldCatalog {
        var catalog = FieldCatalog()
        for (path, data) in files {
            let document = try Self.document(data, file: path)
            var found = 0
            for value in document.values { found += catalog.read(value) }
            if found == 0 {
                throw SourceErrors([SourceError(file: path, position: nil, field: "", message: "holds no field names",
                                                hint: "give GET /rest/api/N/field, an editmeta or a createmeta answer, or a names map")])
            }
        }
        return catalog
    }

    /// Parses JSON with a positioned error.
    public static func document(_ data: Data, file: String) throws(SourceErrors) -> JSONDocument {
        do throws(JSONSyntaxError) {
            return try JSONDocument(data)
        } catch {
            let (line, column) = JSONDocument.position(ofOffset: error.offset, in: data)
            throw SourceErrors([SourceError(file: file, position: SourcePosition(line: line, column: column), field: "",
                                            message: "is not valid JSON: \(error.message)",
                                            hint: "give the JSON body of a REST issue, a search page or a webhook")])
        }
    }

    /// Every item in one input (a file or stdin: one JSON value, or several, one per line).
    public mutating func read(_ data: Data, file: String) throws -> [IntakeItem] {
        let document = try Self.document(data, file: file)
        var items: [IntakeItem] = []
        for value in document.values { items += try read(value, file: file, document: document) }
        return items
    }

    /// Every item in one JSON value.
    public mutating func read(_ value: JSONValue, file: String, document: JSONDocument) throws -> [IntakeItem] {
        let payload: JiraPayload
        do throws(JiraInputError) {
            payload = try JiraPayload.read(value)
        } catch {
            let (line, column) = document.position(ofOffset: error.offset)
            throw SourceErrors([SourceError(file: file, position: SourcePosition(line: line, column: column), field: "",
                                            message: error.message, hint: error.hint)])
        }
        switch payload {
        case let .issues(issues, source, _):
            if let names = value["names"], names.kind == .object { mapper.learnNames(names) }
            var items: [IntakeItem] = []
            for issue in issues {
                if let names = issue.names, names.kind == .object { mapper.learnNames(names) }
                let ticket = try mapper.map(issue)
                // An open ticket's key is checked with its request (and refused
                // with it); a closed one makes no request, and its key goes
                // straight into the withdrawal, the revocation and the comment.
                if ticket.isClosed { try Self.checkKey(issue, file: file, document: document) }
                items.append(.ticket(ticket, source: source))
            }
            return items
        case let .deleted(issue, at):
            try Self.checkKey(issue, file: file, document: document)
            return [.deleted(key: issue.key, id: issue.id, at: at ?? issue.updated(zone: mapper.mapping.timeZone))]
        case let .ignored(reason):
            return [.ignored(file: file, reason: reason)]
        }
    }

    /// The key of a closed or deleted issue, held to what a request's `ticket`
    /// is (one line of storable text, at most `Limits.fieldLength` characters):
    /// it names the grants to end and is written to the record and the ticket.
    static func checkKey(_ issue: JiraIssue, file: String, document: JSONDocument) throws(SourceErrors) {
        guard let (message, hint) = TicketRef.keyProblem(issue.key) else { return }
        let (line, column) = document.position(ofOffset: (issue.value["key"] ?? issue.value).offset)
        throw SourceErrors([SourceError(file: file, position: SourcePosition(line: line, column: column), field: "key",
                                        message: message,
                                        hint: "\(hint); a closed or deleted issue's key names the grants to end, so this issue is not imported")])
    }

    /// The Jira fields a poll asks for: every mapped field and what signoff
    /// itself reads (status, resolution, reporter, update time).
    public mutating func fieldsToFetch() throws(MappingConfigurationError) -> [String] {
        var fields = ["summary", "status", "resolution", "reporter", "updated", "created", "issuetype", "project"]
        for rule in mapper.mapping.rules {
            if let id = try mapper.fieldID(rule.source, rule: rule), !fields.contains(id) { fields.append(id) }
        }
        return fields
    }

    /// Polls the mapping's JQL (or `jql`), page by page, mapping every ticket;
    /// `page` gets each page's items as it arrives.
    public mutating func poll(_ client: JiraClient, jql: String, _ page: ([IntakeItem]) throws -> Void) throws {
        let fields = try fieldsToFetch()
        var intake = self
        try client.search(jql: jql, fields: fields) { document in
            var items: [IntakeItem] = []
            for value in document.values {
                items += try intake.read(value, file: "\(client.base.absoluteString) search", document: document)
            }
            try page(items)
        }
        self = intake
    }
}
