import SignoffCore

/// What signoff writes on a ticket it could not turn into a request. The
/// comment says exactly which fields to fix and what would be valid; for a
/// credential it says where, never what.
public enum TicketComments {
    /// The comment for a refused ticket: secrets, or fields missing and wrong.
    public static func refusal(_ problems: [IntakeProblem]) -> JiraComment {
        let secrets = problems.filter { $0.kind == TicketProblem.Kind.secret.rawValue }
        if !secrets.isEmpty { return secret(secrets) }
        let items: [[JiraComment.Inline]] = problems.map { problem in
            var line: [JiraComment.Inline] = [.strong(problem.sourceField ?? problem.field)]
            if problem.sourceField != nil { line += [.text(" (request field "), .code(problem.field), .text(")")] }
            line.append(.text(": " + problem.message))
            if !problem.valid.isEmpty {
                line.append(.text(". Valid: "))
                for (index, value) in problem.valid.prefix(40).enumerated() {
                    if index > 0 { line.append(.text(", ")) }
                    line.append(.code(value))
                }
                if problem.valid.count > 40 { line.append(.text(", and \(problem.valid.count - 40) more")) }
            }
            return line
        }
        return JiraComment([
            .paragraph([.text("signoff did not create an access request from this ticket: "),
                        .text(problems.count == 1 ? "one field needs attention." : "\(problems.count) fields need attention."),
                        .text(" Nothing was approved or granted.")]),
            .bullets(items),
            .paragraph([.text("Correct the ticket's fields; signoff reads the ticket again when it changes.")]),
        ])
    }

    /// A credential was found: where, and what to do, without the value.
    public static func secret(_ problems: [IntakeProblem]) -> JiraComment {
        let items: [[JiraComment.Inline]] = problems.map { problem in
            [.strong(problem.sourceField ?? problem.field), .text(": " + problem.message)]
        }
        return JiraComment([
            .paragraph([.text("signoff did not create an access request from this ticket: "),
                        .strong("a field appears to hold a credential"), .text(". Nothing was stored.")]),
            .bullets(items),
            .paragraph([.text("Remove it from the ticket (and from the field's history, where Jira allows) and "),
                        .strong("rotate the credential now"),
                        .text(": everyone who can see this ticket, its notifications and its exports may have a copy. Never paste credentials into tickets.")]),
        ])
    }
}
