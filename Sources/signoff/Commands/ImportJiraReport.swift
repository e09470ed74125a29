import Foundation
import SignoffCore
import SignoffJira

/// What `signoff import jira --check` prints: every ticket and what it would
/// become, in words or as `signoff.jira-check/1` JSON.
struct CheckReport {
    var items: [IntakeItem]

    struct RequestJSON: Encodable {
        struct SubjectJSON: Encodable { var kind: String; var name: String; var owner: String }
        struct TriggerJSON: Encodable { var trigger: String; var ref: String }
        var requester: String?
        var subject: SubjectJSON
        var system: String
        var environment: String
        var entitlement: String
        var scope: String?
        var access: String
        var purpose: String
        var durationSeconds: Int
        var durationText: String
        var start: String?
        var end: String?
        var ticket: String?
        var breakGlass: Bool
        var incident: String?
        var labels: [String: String]
        var notes: String?
        var revocationTriggers: [TriggerJSON]

        enum CodingKeys: String, CodingKey {
            case requester, subject, system, environment, entitlement, scope, access, purpose, start, end, ticket, incident
            case labels, notes
            case durationSeconds = "duration_seconds", durationText = "duration_text", breakGlass = "break_glass"
            case revocationTriggers = "revocation_triggers"
        }

        init(_ request: AccessRequest) {
            requester = request.requester
            subject = SubjectJSON(kind: request.subject.kind.rawValue, name: request.subject.name, owner: request.subject.owner)
            system = request.system
            environment = request.environment
            entitlement = request.entitlement
            scope = request.scope
            access = request.access.rawValue
            purpose = request.purpose
            durationSeconds = request.duration.seconds
            durationText = request.duration.description
            start = request.start.map(Timestamp.format)
            end = request.end.map(Timestamp.format)
            ticket = request.ticket
            breakGlass = request.breakGlass
            incident = request.incident
            labels = request.labels
            notes = request.notes
            revocationTriggers = request.revocationTriggers.map { TriggerJSON(trigger: $0.name, ref: $0.ref) }
        }
    }

    struct ProblemJSON: Encodable {
        var field: String
        var jiraField: String?
        var kind: String
        var message: String
        var valid: [String]
        enum CodingKeys: String, CodingKey { case field, kind, message, valid, jiraField = "jira_field" }
    }

    struct ItemJSON: Encodable {
        var ticket: String?
        var id: String?
        var status: String?
        var closed: Bool?
        var source: String?
        /// `request`, `refused`, `closed`, `deleted` or `ignored`.
        var outcome: String
        var request: RequestJSON?
        var problems: [ProblemJSON]?
        var comment: String?
        var reason: String?
        var file: String?
    }

    struct Document: Encodable {
        var schema = "signoff.jira-check/1"
        var items: [ItemJSON]
    }

    func print(json: Bool) throws {
        if json { return try Terminal.json(Document(items: items.map(Self.item))) }
        var counts: [String: Int] = [:]
        for item in items {
            let entry = Self.item(item)
            counts[entry.outcome, default: 0] += 1
            for line in Self.text(item) { Terminal.line(line) }
        }
        let order = ["request", "refused", "closed", "deleted", "ignored"]
        let words = ["request": "would be submitted", "refused": "refused", "closed": "closed",
                     "deleted": "deleted", "ignored": "ignored"]
        let summary = order.compactMap { key in counts[key].map { "\($0) \(words[key]!)" } }.joined(separator: ", ")
        Terminal.line("\(items.count) item(s)\(summary.isEmpty ? "" : ": " + summary); nothing was submitted (--check)")
    }

    static func item(_ item: IntakeItem) -> ItemJSON {
        switch item {
        case let .ticket(ticket, source):
            var entry = ItemJSON(ticket: ticket.key, id: ticket.id, status: ticket.status, closed: ticket.isClosed,
                                 source: source.rawValue, outcome: "request")
            switch ticket.outcome {
            case let .request(request):
                entry.request = RequestJSON(request)
                if ticket.isClosed { entry.outcome = "closed" }
            case let .refused(problems):
                entry.outcome = ticket.isClosed ? "closed" : "refused"
                entry.problems = problems.map {
                    ProblemJSON(field: $0.field, jiraField: $0.jiraField, kind: $0.kind.rawValue, message: $0.message, valid: $0.valid)
                }
                if !ticket.isClosed { entry.comment = TicketComments.refusal(problems).plainText }
            }
            return entry
        case let .deleted(key, id):
            return ItemJSON(ticket: key, id: id, outcome: "deleted")
        case let .ignored(file, reason):
            return ItemJSON(outcome: "ignored", reason: reason, file: file)
        }
    }

    static func text(_ item: IntakeItem) -> [String] {
        switch item {
        case let .ticket(ticket, _):
            let head = "\(Terminal.safe(ticket.key))\(ticket.status.map { " [\(Terminal.safe($0))]" } ?? "")"
            if ticket.isClosed {
                return ["\(head) closed: nothing would be submitted; live grants naming ticket_closed \(Terminal.safe(ticket.key)) would end"]
            }
            switch ticket.outcome {
            case let .request(request):
                return ["\(head) would be submitted: \(summary(request))"]
            case let .refused(problems):
                let comment = TicketComments.refusal(problems).plainText
                return ["\(head) refused; the ticket would get this comment:"]
                    + comment.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + Terminal.safe(String($0)) }
            }
        case let .deleted(key, _):
            return ["\(Terminal.safe(key)) deleted: live grants naming ticket_closed \(Terminal.safe(key)) would end"]
        case let .ignored(file, reason):
            return ["\(Terminal.safe(file)): ignored: \(Terminal.safe(reason))"]
        }
    }

    static func summary(_ request: AccessRequest) -> String {
        var text = "\(request.requester ?? "?") asks for \(request.access.rawValue) access, \(request.entitlement)"
        if let scope = request.scope { text += " (\(scope))" }
        text += " on \(request.system) \(request.environment), for \(request.subject.kind.label) \(request.subject.name)"
        if !request.subject.kind.isHuman { text += " (owner \(request.subject.owner))" }
        text += ", \(request.duration)"
        if request.breakGlass { text += ", break-glass (incident \(request.incident ?? "?"))" }
        return Terminal.safe(text)
    }
}
