import Foundation
import SignoffCore
import SignoffStore

/// The human-readable `show`: every field, the route, reviews, the timeline.
/// All request text passes through `Terminal.safe`.
enum RecordText {
    /// `✍ signed with ssh-ed25519 SHA256:…`, or a warning when the signature does not hold.
    static func signatureText(_ signature: EventSignature) -> String {
        guard let key = signature.key else { return "✗ SIGNATURE UNREADABLE" }
        // An old statement form is named: it covers less than the current one.
        let older = DecisionStatement.Schema.allCases
            .first { $0 != .current && signature.statement.contains(#""schema":"\#($0.rawValue)""#) }
            .map { " over \($0.rawValue)" } ?? ""
        return signature.holds ? "✍ signed with \(key.algorithm.rawValue) \(key.fingerprint)\(older)"
            : "✗ SIGNATURE DOES NOT HOLD (\(key.algorithm.rawValue) \(key.fingerprint))"
    }

    static func print(_ record: RequestRecord, policy: Policy?, events: [RecordedEvent], grant reconciled: ReconciledGrant?, me: String,
                      notifications: [NotificationDeliveryJSON] = [], disputed: [String] = [], original: Grant? = nil, now: Date) {
        let r = record.request
        let s = Terminal.safe
        func field(_ name: String, _ value: String?) {
            guard let value else { return }
            Terminal.line("  " + name.padding(toLength: 20, withPad: " ", startingAt: 0) + value)
        }
        Terminal.line("\(record.id)  \(record.state.rawValue.uppercased())  version \(record.version)\(r.breakGlass ? "  ⚠ BREAK-GLASS" : "")")
        if !disputed.isEmpty {
            Terminal.line("  ✗ DISPUTED: its rows or history hold what signoff did not write (the store was changed by hand);")
            Terminal.line("    no access is given or extended on edited rows, and the hand-off provisions no disputed grant. `signoff audit verify` names it all:")
            for problem in disputed { Terminal.line("    " + s(problem)) }
        }
        field("requester", s(record.requester))
        field("submitted by", "\(s(record.submittedBy.name)) (\(record.submittedBy.authentication.rawValue)) at \(Timestamp.format(record.submittedAt))")
        field("subject", "\(r.subject.kind.rawValue) \(s(r.subject.name)), owner \(s(r.subject.owner))")
        field("system", s(r.system))
        field("environment", s(r.environment))
        field("entitlement", s(r.entitlement))
        field("scope", r.scope.map(s))
        field("access", r.access.rawValue)
        field("duration", r.duration.description)
        field("start", r.start.map(Timestamp.format))
        field("end", r.end.map(Timestamp.format))
        field("purpose", s(r.purpose))
        field("ticket", r.ticket.map(s))
        if r.breakGlass { field("incident", r.incident.map(s)) }
        field("revocation triggers", r.revocationTriggers.isEmpty ? nil
              : r.revocationTriggers.map { "\(s($0.name)) \(s($0.ref))" }.joined(separator: ", "))
        field("labels", r.labels.isEmpty ? nil : r.labels.keys.sorted().map { "\(s($0))=\(s(r.labels[$0] ?? ""))" }.joined(separator: ", "))
        field("notes", r.notes.map(s))
        field("extends", r.extends)
        field("finding", r.finding.map { "\($0) (this request asks for the access it shows; `signoff drift` follows it)" })
        field("policy version", record.policyVersion.map { String($0.prefix(12)) })

        Terminal.line()
        Terminal.line("route: \(s(record.route?.summary ?? "not routed"))")
        // Whether the reader may decide it now; nil when that cannot be told (no policy).
        var mayDecide: Bool?
        if let policy, case .steps = record.route {
            for status in Lifecycle.progress(record, policy: policy, original: original) {
                let who = status.approvedBy.isEmpty ? "" : " by \(status.approvedBy.map(s).joined(separator: ", "))"
                Terminal.line("  \(status.isSatisfied ? "✔" : "…") \(s(status.step.name)): \(status.approvedBy.count) of \(status.step.required)\(who)")
            }
            if record.state == .pending {
                let standing = Lifecycle.standing(record, person: me, policy: policy, at: now, original: original)
                Terminal.line("  you (\(s(me))) \(standing.words): \(s(standing.reason))")
                mayDecide = standing.mayDecide
            }
        }
        if let decision = record.decision {
            Terminal.line("decision: \(decision.state.rawValue)\(decision.isSelfActivated ? " (SELF-ACTIVATED)" : "") at \(Timestamp.format(decision.at)) by \(decision.by.map(s).joined(separator: ", ")): \(s(decision.reason))")
        }
        if let (grant, seen) = reconciled {
            Terminal.line()
            Terminal.line("grant: \(grant.state.rawValue), \(grant.timeLeftText(at: now))")
            field("starts", grant.startsAt.map { start in
                Timestamp.format(start) + (grant.expiresAt == nil ? ", or when provisioning confirms if that is later" : "")
            } ?? "when provisioning confirms")
            field("expires", grant.expiresAt.map(Timestamp.format)
                  ?? grant.status.endsBy.map { "\(grant.duration) from provisioning, and by \(Timestamp.format($0)) at the latest" })
            field("granted for", grant.duration.description + (grant.extensions.isEmpty ? "" : " (extended by \(grant.extensions.joined(separator: ", ")))"))
            field("provisioning", "\(grant.provisioningAction.rawValue): \(grant.provisioning.rawValue)" + (grant.provisioningReason.map { " (\(s($0)))" } ?? ""))
            if let ended = grant.endedAt {
                field("ended", "\(Timestamp.format(ended)) by \(s(grant.endedBy ?? "?")): \(s(grant.endReason ?? ""))")
            }
            if let review = grant.incidentReview {
                field("incident review", review.completedAt.map { "completed \(Timestamp.format($0)) by \(s(review.completedBy ?? "?")): \(s(review.rationale ?? ""))" }
                      ?? "\(review.isOverdue(at: now) ? "OVERDUE, was due" : "due") \(Timestamp.format(review.dueAt)), by \(review.reviewers)")
            }
            let flags = grant.flags(at: now).map { $0.label(at: now) }
            field("flags", flags.isEmpty ? nil : flags.joined(separator: ", "))
            field("reconciliation", GrantConfirmation(grant, seen).sentence(seen))
        }
        if !record.reviews.isEmpty {
            Terminal.line()
            Terminal.line("reviews:")
            for review in record.reviews {
                Terminal.line("  \(Timestamp.format(review.at))  \(s(review.reviewer.description))  \(review.verdict.rawValue)  v\(review.requestVersion): \(s(review.rationale))")
                let signed = events.first {
                    if case .reviewRecorded = $0.draft.body { return $0.draft.actor == review.reviewer && $0.draft.at == review.at }
                    return false
                }?.draft.signature
                if let signed { Terminal.line("    " + signatureText(signed)) }
            }
        }
        Terminal.line()
        Terminal.line("timeline:")
        for event in events {
            Terminal.line("  #\(event.sequence)  \(Timestamp.format(event.draft.at))  \(s(event.draft.actor.description))  \(s(event.draft.body.summary))")
            if let signature = event.draft.signature { Terminal.line("        " + signatureText(signature)) }
        }
        if events.contains(where: { $0.draft.signature != nil }) {
            Terminal.line("  (✍ signed: that the key was the person's and the statement the event's, `signoff audit verify` checks)")
        }
        if !notifications.isEmpty {
            Terminal.line()
            Terminal.line("notified:")
            for notification in notifications { Terminal.line("  " + notification.text) }
        }
        // The command to decide it, for whoever may: not offered to someone
        // just told they may not, nor on a disputed request (refused).
        if record.state == .pending, mayDecide != false, disputed.isEmpty {
            Terminal.line()
            Terminal.line("decide: signoff approve \(record.id) --version \(record.version) --rationale \"…\"  (or deny)")
        }
    }
}
