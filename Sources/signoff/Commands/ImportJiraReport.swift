import Foundation
import SignoffCore
import SignoffApp
import SignoffJira

/// What `signoff import jira --check` prints: every ticket and what it would
/// become, in words or as `signoff.jira-check/1` JSON.
struct CheckReport {
    var items: [IntakeItem]

    func print(json: Bool) throws {
        if json { return try JiraCheckJSON(items: items).print() }
        var counts: [JiraCheckJSON.Outcome: Int] = [:]
        for item in items {
            counts[JiraCheckJSON.Outcome(item), default: 0] += 1
            for line in Self.text(item) { Terminal.line(line) }
        }
        let summary = JiraCheckJSON.Outcome.allCases.compactMap { outcome in
            counts[outcome].map { "\($0) \(Self.words(outcome))" }
        }.joined(separator: ", ")
        Terminal.line("\(items.count) item(s)\(summary.isEmpty ? "" : ": " + summary); nothing was submitted (--check)")
    }

    /// Whether any ticket would be refused: `--check` then exits with `Outcome.wouldRefuse`.
    var anyRefused: Bool { items.contains { JiraCheckJSON.Outcome($0) == .refused } }

    static func words(_ outcome: JiraCheckJSON.Outcome) -> String {
        switch outcome {
        case .request: "would be submitted"
        case .refused: "refused"
        case .closed: "closed"
        case .deleted: "deleted"
        case .ignored: "ignored"
        }
    }

    static func text(_ item: IntakeItem) -> [String] {
        switch item {
        case let .ticket(ticket, _):
            let head = "\(Terminal.safe(ticket.key))\(ticket.status.map { " [\(Terminal.safe($0))]" } ?? "")"
            if ticket.isClosed {
                return ["\(head) closed: nothing would be submitted; grants naming ticket_closed \(Terminal.safe(ticket.key)) would end"]
            }
            switch ticket.outcome {
            case let .request(request):
                return ["\(head) would be submitted: \(summary(request.request))"]
            case let .refused(problems):
                let comment = TicketComments.refusal(problems.map(\.intake)).plainText
                return ["\(head) refused; the ticket would get this comment:"]
                    + comment.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + Terminal.safe(String($0)) }
            }
        case let .deleted(key, _, _):
            return ["\(Terminal.safe(key)) deleted: grants naming ticket_closed \(Terminal.safe(key)) would end"]
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

/// What `signoff import jira` prints: every ticket and what became of it, and
/// what the write-back delivered, in words or as `signoff.jira-import/1` JSON.
struct ImportReport {
    typealias Result = Commands.ImportTickets.Result

    var results: [Result]
    var ignored: [String]
    var delivery: JiraDelivery.Report?

    /// Whether any ticket made no request (refused now, or as before): the
    /// import then exits with `Outcome.ticketsRefused`.
    var anyRefused: Bool {
        results.contains { result in
            switch result.outcome {
            case .refused: true
            case .submitted, .revised, .unchanged, .closed, .ignored, .stale: false
            }
        }
    }

    func print(json: Bool) throws {
        if json { return try JiraImportJSON(results: results, ignored: ignored, delivery: delivery).print() }
        for result in results { Terminal.line(Self.line(result)) }
        for line in ignored { Terminal.line("ignored: " + Terminal.safe(line)) }
        if let delivery {
            var line = "write-back: \(delivery.delivered) delivered"
            if delivery.retrying > 0 { line += ", \(delivery.retrying) to retry" }
            if delivery.failed > 0 { line += ", \(delivery.failed) failed" }
            Terminal.line(line)
            for problem in delivery.problems { Terminal.error("write-back: " + Terminal.safe(problem)) }
        }
    }

    static func line(_ result: Result) -> String {
        let key = Terminal.safe(result.ticket.key)
        switch result.outcome {
        case let .submitted(id, state, version):
            return "\(key) → \(id) submitted: \(state.rawValue) v\(version)"
        case let .revised(id, state, version):
            return "\(key) → \(id) revised: \(state.rawValue) v\(version); earlier approvals no longer count"
        case let .unchanged(id, state):
            return "\(key) → \(id) unchanged (\(state.rawValue))"
        case let .refused(id, problems, recorded):
            let about = id.map { "; \($0) stays as it was" } ?? ""
            let what = problems.map { Terminal.safe("\($0.field): \($0.message)") }.joined(separator: "; ")
            return "\(key) refused\(about)\(recorded ? "" : " (as before: nothing new recorded)"): \(what)"
        case let .closed(id, withdrawn, revoked):
            var parts: [String] = []
            if let id, withdrawn { parts.append("\(id) withdrawn") }
            parts.append(revoked.isEmpty ? "no grant holding access named it" : "revoked the grants of \(revoked.joined(separator: ", "))")
            return "\(key) closed: " + parts.joined(separator: "; ")
        case .ignored:
            return "\(key) closed before it made a request: nothing to withdraw"
        case let .stale(id, updated, last):
            return "\(key) is older (updated \(Timestamp.format(updated))) than what was imported of it at \(Timestamp.format(last)): "
                + (id.map { "\($0) stays as it was" } ?? "nothing changed")
        }
    }
}
