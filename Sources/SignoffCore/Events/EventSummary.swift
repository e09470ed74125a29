extension EventBody {
    /// One line of words for a timeline, e.g. `approved (v2): matches the ticket`.
    /// Contains untrusted text (rationales): make it display-safe before showing it.
    public var summary: String {
        switch self {
        case let .policyApplied(p): "policy \(p.version.prefix(12)) applied from \(p.file)"
        case .requestSubmitted: "submitted"
        case let .requestRouted(r): "routed (v\(r.version), \(r.cause)): \(r.outcome.summary)"
        case let .reviewRecorded(r): "\(r.verdict == .approve ? "approved" : "denied") (v\(r.requestVersion)): \(r.rationale)"
        case let .reviewRefused(r): "review refused (\(r.reason.rawValue)): \(r.message)"
        case let .actionRefused(r): "\(r.action.rawValue.replacingOccurrences(of: "_", with: "-")) refused (\(r.reason.rawValue)): \(r.message)"
        case let .requestDecided(d): "decided \(d.state.rawValue)\(d.selfActivated == true ? " (self-activated)" : ""): \(d.reason)"
        case let .requestWithdrawn(w): "withdrawn" + (w.rationale.map { ": \($0)" } ?? "")
        case let .grantIssued(g):
            "grant issued for \(g.duration)" + (g.expiresAt.map { ", expires \($0.policyText)" } ?? ", starts at provisioning")
                + (g.incidentReview.map { "; post-incident review by \($0.reviewers) due \($0.dueAt.policyText)" } ?? "")
        case let .grantHandedOff(h): "\(h.action.rawValue) handed off to \(h.via)"
        case let .grantProvisioned(p): "provisioning confirmed \(p.action.rawValue)" + (p.note.map { ": \($0)" } ?? "")
        case let .grantProvisioningFailed(f): "provisioning failed to \(f.action.rawValue): \(f.reason)"
        case let .grantExpired(e): "grant expired (was due \(e.expiresAt.policyText))"
        case let .grantRevoked(r):
            "grant revoked" + (r.trigger.map { " by trigger \($0.name) \($0.ref)" } ?? "") + ": \(r.rationale)"
        case let .grantExtended(e):
            "grant extended by \(e.by) (\(e.extensionID))" + (e.expiresAt.map { ", now expires \($0.policyText)" } ?? "")
        case let .incidentReviewCompleted(r): "post-incident review completed: \(r.rationale)"
        case let .handOffConfigured(h):
            h.command.map { "hand-off to command \($0)" } ?? h.outbox.map { "hand-off to outbox \($0)" } ?? "hand-off turned off"
        case let .storeCreated(c):
            "store created (\(Self.settingsWords(c.trustAssertedIdentities, c.shareGroup)); schema \(c.migrations.last ?? "empty"))"
        case let .settingsChanged(c): "store settings changed: \(Self.settingsWords(c.trustAssertedIdentities, c.shareGroup))"
        case let .schemaMigrated(m): "schema migrated: \(m.migrations.joined(separator: ", "))"
        case let .reconciliationRun(r):
            "reconciled \(r.source) (\(r.files.map(\.name).joined(separator: ", "))): \(r.counts.findings) finding(s), \(r.counts.opened) new, \(r.counts.resolved) resolved"
        case let .findingOpened(f): "finding \(f.findingID) opened (\(f.kind.label)): \(f.summary)"
        case let .findingResolved(f): "finding \(f.findingID) resolved: run \(f.run) no longer shows it"
        case let .findingExcepted(f): "finding \(f.findingID) excepted until \(f.until.policyText): \(f.rationale)"
        case let .findingRemovalRequested(f): "finding \(f.findingID) sent for removal (\(f.terms.subject) on \(f.terms.system)/\(f.terms.environment)): \(f.rationale)"
        case let .removalHandedOff(f): "removal of finding \(f.findingID) handed off to \(f.via)"
        case let .removalHandOffFailed(f): "removal hand-off of finding \(f.findingID) failed: \(f.reason)"
        case let .requestRevised(r): "revised (\(r.cause))"
        case let .ticketLinked(l): "from \(l.ticket.source) ticket \(l.ticket.key) on \(l.ticket.site.isEmpty ? "an unnamed site" : l.ticket.site)"
        case let .intakeRefused(r) where r.isClosing:
            "\(r.ticket.source) " + r.problems.map(\.message).joined(separator: "; ")
        case let .intakeRefused(r):
            "\(r.ticket.source) ticket \(r.ticket.key) refused: " + r.problems.map { "\($0.field): \($0.message)" }.joined(separator: "; ")
        case let .writeBackConfigured(c):
            "\(c.source) write-back for \(c.site): \(c.settings.comments ? "\(c.settings.format) comments" : "no comments")"
                + (c.settings.transitions.isEmpty ? "" : ", transitions " + c.settings.transitions.sorted { $0.key < $1.key }
                    .map { "\($0.key) → \($0.value)" }.joined(separator: ", "))
        }
    }

    static func settingsWords(_ trust: Bool, _ group: String?) -> String {
        (trust ? "trusts asserted identities" : "trusts only OS accounts") + (group.map { ", shared with group \($0)" } ?? ", owner only")
    }
}
