import Foundation
import SignoffCore
import SignoffJira

/// `signoff import jira --check --json` (`signoff.jira-check/1`): every ticket,
/// search page or webhook read, and what it would become: a request (as a
/// request file writes it), a refusal with its problems and the comment the
/// ticket would get, a closed or deleted ticket, or an input ignored and why.
struct JiraCheckJSON: JSONDocument {
    static let schema: StaticString = "signoff.jira-check/1"
    var items: [IntakeItem]

    /// `request`, `refused`, `closed`, `deleted` or `ignored`.
    static func outcome(_ item: IntakeItem) -> String {
        switch item {
        case let .ticket(ticket, _):
            if ticket.isClosed { return "closed" }
            switch ticket.outcome {
            case .request: return "request"
            case .refused: return "refused"
            }
        case .deleted: return "deleted"
        case .ignored: return "ignored"
        }
    }

    func members(_ json: inout JSONOutput) {
        json.key("items")
        json.beginArray()
        for item in items {
            json.beginObject()
            var ticketKey: String?, id: String?, status: String?, closed: Bool?, source: String?
            var request: AccessRequest?, problems: [TicketProblem] = [], comment: String?, reason: String?, file: String?
            switch item {
            case let .ticket(ticket, from):
                ticketKey = ticket.key; id = ticket.id; status = ticket.status; closed = ticket.isClosed; source = from.rawValue
                switch ticket.outcome {
                case let .request(asked): request = asked
                case let .refused(found):
                    problems = found
                    if !ticket.isClosed { comment = TicketComments.refusal(found).plainText }
                }
            case let .deleted(key, deletedID):
                ticketKey = key; id = deletedID
            case let .ignored(ignoredFile, why):
                file = ignoredFile; reason = why
            }
            json.field("outcome", Self.outcome(item))
            json.field("ticket", ticketKey)
            json.field("id", id)
            json.field("status", status)
            json.key("closed")
            if let closed { json.bool(closed) } else { json.null() }
            json.field("source", source)
            json.key("request")
            if let request { Self.write(request, &json) } else { json.null() }
            json.key("problems")
            json.beginArray()
            for problem in problems {
                json.beginObject()
                json.field("field", problem.field)
                json.field("jira_field", problem.jiraField)
                json.field("kind", problem.kind.rawValue)
                json.field("message", problem.message)
                json.field("valid", problem.valid)
                json.endObject()
            }
            json.endArray()
            json.field("comment", comment)
            json.field("reason", reason)
            json.field("file", file)
            json.endObject()
        }
        json.endArray()
    }

    /// The request as a request file would say it.
    static func write(_ request: AccessRequest, _ json: inout JSONOutput) {
        json.beginObject()
        json.accessFields(requester: request.requester, subject: request.subject, system: request.system,
                          environment: request.environment, entitlement: request.entitlement, scope: request.scope,
                          access: request.access)
        json.field("purpose", request.purpose)
        RequestJSON.duration(request.duration, &json)
        json.field("start", time: request.start)
        json.field("end", time: request.end)
        json.field("ticket", request.ticket)
        json.field("break_glass", request.breakGlass)
        json.field("incident", request.incident)
        json.key("labels")
        json.beginObject()
        for name in request.labels.keys.sorted() {
            json.key(name)
            json.string(request.labels[name] ?? "")
        }
        json.endObject()
        json.field("notes", request.notes)
        json.key("revocation_triggers"); RequestJSON.triggers(request.revocationTriggers, &json)
        json.endObject()
    }
}
