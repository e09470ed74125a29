import Foundation
import SignoffCore
import SignoffApp
import SignoffJira

/// `signoff import jira --check --json` (`signoff.jira-check/1`): every ticket,
/// search page or webhook read, and what it would become: a request (as a
/// request file writes it), a refusal with its problems and the comment the
/// ticket would get, a closed or deleted ticket, or an input ignored and why.
struct JiraCheckJSON: JSONDocument {
    static let schema: StaticString = "signoff.jira-check/1"
    var items: [IntakeItem]

    /// What one item would become, as the document and the summary line name it.
    enum Outcome: String, CaseIterable {
        case request, refused, closed, deleted, ignored

        init(_ item: IntakeItem) {
            switch item {
            case let .ticket(ticket, _):
                if ticket.isClosed { self = .closed; return }
                switch ticket.outcome {
                case .request: self = .request
                case .refused: self = .refused
                }
            case .deleted: self = .deleted
            case .ignored: self = .ignored
            }
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
                case let .request(asked): request = asked.request
                case let .refused(found):
                    problems = found
                    if !ticket.isClosed { comment = TicketComments.refusal(found.map(\.intake)).plainText }
                }
            case let .deleted(key, deletedID, _):
                ticketKey = key; id = deletedID
            case let .ignored(ignoredFile, why):
                file = ignoredFile; reason = why
            }
            json.field("outcome", Outcome(item).rawValue)
            json.field("ticket", ticketKey)
            json.field("id", id)
            json.field("status", status)
            json.key("closed")
            if let closed { json.bool(closed) } else { json.null() }
            json.field("source", source)
            json.key("request")
            if let request { Self.write(request, &json) } else { json.null() }
            Self.write(problems.map(\.intake), &json)
            json.field("comment", comment)
            json.field("reason", reason)
            json.field("file", file)
            json.endObject()
        }
        json.endArray()
    }

    /// `problems`: why a ticket makes no request, one object per field, the
    /// same in both documents (`--check` and the import).
    static func write(_ problems: [IntakeProblem], _ json: inout JSONOutput) {
        json.key("problems")
        json.beginArray()
        for problem in problems {
            json.beginObject()
            json.field("field", problem.field)
            json.field("jira_field", problem.sourceField)
            json.field("kind", problem.kind)
            json.field("message", problem.message)
            json.field("valid", problem.valid)
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

/// `signoff import jira --json` (`signoff.jira-import/1`): every ticket and
/// what became of it (submitted, revised, unchanged, refused, closed,
/// ignored), the inputs ignored and why, and what the write-back delivered.
struct JiraImportJSON: JSONDocument {
    static let schema: StaticString = "signoff.jira-import/1"
    var results: [Commands.ImportTickets.Result]
    var ignored: [String]
    var delivery: JiraDelivery.Report?

    func members(_ json: inout JSONOutput) {
        json.key("items")
        json.beginArray()
        for result in results {
            var outcome: String, requestID: String?, state: String?, version: Int?
            var problems: [IntakeProblem] = [], recorded: Bool?, withdrawn: Bool?, revoked: [String] = []
            switch result.outcome {
            case let .submitted(id, current, at): (outcome, requestID, state, version) = ("submitted", id, current.rawValue, at)
            case let .revised(id, current, at): (outcome, requestID, state, version) = ("revised", id, current.rawValue, at)
            case let .unchanged(id, current): (outcome, requestID, state) = ("unchanged", id, current.rawValue)
            case let .refused(id, found, wasRecorded): (outcome, requestID, problems, recorded) = ("refused", id, found, wasRecorded)
            case let .closed(id, didWithdraw, ended): (outcome, requestID, withdrawn, revoked) = ("closed", id, didWithdraw, ended)
            case .ignored: outcome = "ignored"
            case let .stale(id, _, _): (outcome, requestID) = ("stale", id)
            }
            json.beginObject()
            json.field("ticket", result.ticket.key)
            json.field("issue_id", result.ticket.issueID)
            json.field("site", result.ticket.site)
            json.field("outcome", outcome)
            json.field("request_id", requestID)
            json.field("state", state)
            json.field("version", version)
            JiraCheckJSON.write(problems, &json)
            json.key("recorded")
            if let recorded { json.bool(recorded) } else { json.null() }
            json.key("withdrawn")
            if let withdrawn { json.bool(withdrawn) } else { json.null() }
            json.field("revoked", revoked)
            json.endObject()
        }
        json.endArray()
        json.field("ignored", ignored)
        json.key("write_back")
        if let delivery {
            json.beginObject()
            json.field("delivered", delivery.delivered)
            json.field("retrying", delivery.retrying)
            json.field("failed", delivery.failed)
            json.field("elsewhere", delivery.elsewhere)
            json.field("problems", delivery.problems)
            json.endObject()
        } else {
            json.null()
        }
    }
}
