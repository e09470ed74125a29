import Foundation
import SignoffCore

/// What signoff writes on a ticket when something happens to its request:
/// the route (who must approve, and that approving happens in signoff), the
/// decision with its rationales, the grant's window, and the end of access.
/// Built from the recorded facts only; every text from people (rationales,
/// reasons) is made display-safe by `JiraComment`.
extension TicketComments {
    /// Routed, or routed again: the version, the rule, every step with the people who may decide it.
    /// `eligible` holds, per step, who may approve it now.
    public static func routed(_ record: RequestRecord, _ routed: EventBody.RequestRouted, eligible: [[String]]) -> JiraComment {
        var comment = routedFrame(record.id, routed)
        comment.blocks.insert(contentsOf: route(routed, eligible: eligible), at: routeIndex)
        return comment
    }

    /// Where a route comment's frame takes its route (`route`).
    public static let routeIndex = 1

    /// A route comment without its route: which request, which version, and
    /// that approvers decide in signoff.
    public static func routedFrame(_ id: String, _ routed: EventBody.RequestRouted) -> JiraComment {
        let head: [JiraComment.Inline] = [.text("signoff "), .text(routed.cause == "submitted" ? "received" : "routed again"),
                                          .text(" this request as "), .code(id), .text(" (version \(routed.version)"),
                                          .text(routed.cause == "submitted" ? ")." : "; \(routed.cause)).")]
        return JiraComment([
            .paragraph(head),
            .paragraph([.text("Approvers decide in signoff (signoff show \(id)), never in this ticket; "),
                        .text("the decision is written back here.")]),
        ])
    }

    /// A route comment's route: the rule, and who may decide each step. It
    /// reads only the outcome, whether this is a later version, and `eligible`,
    /// so every request routed alike hears the same blocks (`RouteKey`).
    public static func route(_ routed: EventBody.RequestRouted, eligible: [[String]]) -> [JiraComment.Block] {
        var blocks: [JiraComment.Block] = []
        switch routed.outcome {
        case let .steps(rule, steps):
            blocks.append(.paragraph([.text("Under the policy's rule "), .code(rule), .text(" it needs:")]))
            blocks.append(.bullets(steps.enumerated().map { index, step in
                let people = index < eligible.count ? eligible[index] : []
                return [.strong("\(step.required) approval\(step.required == 1 ? "" : "s")"), .text(" from \(step.name)"),
                        .text(people.isEmpty ? " (nobody may decide it now)" : ": " + people.joined(separator: ", "))]
            }))
            if routed.version > 1 {
                blocks.append(.paragraph([.text("Approvals of earlier versions no longer count: approvers decide what they see.")]))
            }
        case let .unroutable(reason):
            blocks.append(.paragraph([.strong("Blocked: "), .text(reason), .text(". Nothing is approved by default.")]))
        case let .denied(matches):
            blocks.append(.paragraph([.strong("Denied by policy: ")] + list(matches.map { "\($0.rule) (\($0.reason))" })))
        case let .autoApproved(rule):
            blocks.append(.paragraph([.text("Approved automatically by the policy's rule "), .code(rule), .text(".")]))
        }
        return blocks
    }

    /// What a route's blocks depend on: requests routed alike share them.
    public struct RouteKey: Hashable, Sendable {
        var outcome: RouteOutcome
        var laterVersion: Bool
        var eligible: [[String]]

        public init(_ routed: EventBody.RequestRouted, eligible: [[String]]) {
            outcome = routed.outcome
            laterVersion = routed.version > 1
            self.eligible = eligible
        }
    }

    /// Approved, with who approved and why, and the access granted.
    public static func approved(_ record: RequestRecord, _ issued: EventBody.GrantIssued) -> JiraComment {
        var blocks: [JiraComment.Block] = [
            .paragraph([.code(record.id), .text(" was "), .strong("approved"),
                        .text(issued.approvers.allSatisfy { $0.hasPrefix("policy:") }
                              ? " by the policy's rule \(issued.approvers.map { String($0.dropFirst("policy:".count)) }.joined(separator: ", "))."
                              : " by \(issued.approvers.joined(separator: ", ")).")]),
        ]
        let rationales = record.currentApprovals.map { [JiraComment.Inline.strong($0.reviewer.name), .text(": " + $0.rationale)] }
        if !rationales.isEmpty { blocks.append(.bullets(rationales)) }
        let terms = issued.terms
        var access: [JiraComment.Inline] = [.text("Access: "), .code(terms.entitlement), .text(" (\(terms.access.rawValue)) on "),
                                            .code("\(terms.system) \(terms.environment)"),
                                            .text(" for \(terms.subject.kind.label) "), .code(terms.subject.name)]
        if let scope = terms.scope { access += [.text(", scope "), .code(scope)] }
        if let expires = issued.expiresAt {
            access.append(.text(", from \(Timestamp.format(issued.startsAt ?? record.submittedAt)) until \(Timestamp.format(expires)) (\(issued.duration))."))
        } else {
            access.append(.text(", for \(issued.duration) from when provisioning confirms it"
                                + (issued.startsAt.map { " (not before \(Timestamp.format($0)))" } ?? "") + "."))
        }
        blocks.append(.paragraph(access))
        blocks.append(.paragraph([.text("The access ends at its expiry, or earlier when this ticket is resolved or closed.")]))
        return JiraComment(blocks)
    }

    /// Denied (by an approver, or by the policy), or timed out.
    public static func decided(_ record: RequestRecord, _ decided: EventBody.RequestDecided) -> JiraComment {
        switch decided.state {
        case .timedOut:
            return JiraComment([.paragraph([.code(record.id), .text(" "), .strong("timed out"), .text(": " + decided.reason + ". Nothing was granted.")])])
        case .denied, .approved, .pending, .blocked, .withdrawn:
            var blocks: [JiraComment.Block] = []
            if decided.by.allSatisfy({ $0.hasPrefix("policy:") }) {
                blocks.append(.paragraph([.code(record.id), .text(" was "), .strong("denied by the policy"), .text(": " + decided.reason + ".")]))
            } else {
                blocks.append(.paragraph([.code(record.id), .text(" was "), .strong(decided.state.rawValue),
                                          .text(" by \(decided.by.joined(separator: ", ")).")]))
                let denials = record.reviews.filter { $0.verdict == .deny && $0.requestVersion == record.version }
                if !denials.isEmpty {
                    blocks.append(.bullets(denials.map { [.strong($0.reviewer.name), .text(": " + $0.rationale)] }))
                }
            }
            blocks.append(.paragraph([.text("Nothing was granted.")]))
            return JiraComment(blocks)
        }
    }

    public static func withdrawn(_ requestID: String, by actor: String, rationale: String?) -> JiraComment {
        JiraComment([.paragraph([.code(requestID), .text(" was "), .strong("withdrawn"), .text(" by \(actor)"),
                                 .text(rationale.map { ": \($0)." } ?? "."), .text(" Nothing was granted.")])])
    }

    public static func revoked(_ requestID: String, by actor: String, _ revoked: EventBody.GrantRevoked) -> JiraComment {
        let how: String
        if let trigger = revoked.trigger {
            how = "by the revocation trigger \(trigger.name) for \(trigger.ref)"
        } else {
            how = "by \(actor): \(revoked.rationale)"
        }
        return JiraComment([.paragraph([.text("The access of "), .code(requestID), .text(" was "), .strong("revoked"),
                                        .text(" " + how + ". Provisioning is told to remove it.")])])
    }

    public static func expired(_ requestID: String, _ expired: EventBody.GrantExpired) -> JiraComment {
        JiraComment([.paragraph([.text("The access of "), .code(requestID), .text(" "), .strong("expired"),
                                 .text(" at \(Timestamp.format(expired.expiresAt)). Provisioning is told to remove it.")])])
    }

    public static func provisioningFailed(_ requestID: String, _ failed: EventBody.GrantProvisioningFailed) -> JiraComment {
        JiraComment([.paragraph([.text("Provisioning "), .strong("failed"), .text(" to \(failed.action.rawValue) the access of "),
                                 .code(requestID), .text(": " + failed.reason + ".")])])
    }

    public static func extended(_ requestID: String, _ extended: EventBody.GrantExtended) -> JiraComment {
        JiraComment([.paragraph([.text("The access of "), .code(requestID), .text(" was "), .strong("extended"),
                                 .text(" by \(extended.by) (\(extended.extensionID))"),
                                 .text(extended.expiresAt.map { ", until \(Timestamp.format($0))." } ?? ".")])])
    }

    /// A refusal of a ticket that already made a request: the request stays as it was.
    public static func refusal(_ problems: [IntakeProblem], keeping requestID: String?) -> JiraComment {
        var comment = refusal(problems)
        if let requestID, !problems.contains(where: { $0.kind == TicketProblem.Kind.secret.rawValue }) {
            comment.blocks.append(.paragraph([.code(requestID), .text(" stays as it was: nothing changes until the ticket's fields are valid again.")]))
        }
        return comment
    }

    static func list(_ items: [String]) -> [JiraComment.Inline] {
        [.text(items.joined(separator: "; "))]
    }
}
