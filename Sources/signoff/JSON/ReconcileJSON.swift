import Foundation
import SignoffApp
import SignoffCore
import SignoffReconcile
import SignoffStore

/// `signoff reconcile --json` (`signoff.reconcile-run/1`): the run as it was
/// recorded (its event's sequence, what it read and covered, its counts), the
/// findings it opened with the records behind them, the IDs it resolved, and
/// the grants it saw carried out and not.
struct ReconcileRunJSON: JSONDocument {
    static let schema: StaticString = "signoff.reconcile-run/1"
    var outcome: ReconcileExports.Outcome
    var at: Date

    func members(_ json: inout JSONOutput) {
        let run = outcome.recorded
        json.field("run", outcome.run)
        json.field("at", time: at)
        json.field("source", run.source)
        json.key("files")
        json.beginArray()
        for file in run.files {
            json.beginObject()
            json.field("name", file.name)
            json.field("sha256", file.sha256)
            json.field("bytes", file.bytes)
            json.endObject()
        }
        json.endArray()
        json.key("covered")
        json.beginArray()
        for target in run.covered {
            json.beginObject()
            json.field("system", target.system)
            json.field("environment", target.environment)
            json.field("instance", target.instance)
            json.key("grant_types")
            if let types = target.grantTypes { json.strings(types) } else { json.null() }
            json.field("scopes", target.scopes)
            json.field("credentials", target.credentials)
            json.endObject()
        }
        json.endArray()
        let counts = run.counts
        json.key("counts")
        json.beginObject()
        json.field("observations", counts.observations)
        json.field("credentials", counts.credentials)
        json.field("ignored", counts.ignored)
        json.field("matched", counts.matched)
        json.field("awaiting_removal", counts.awaitingRemoval)
        json.field("findings", counts.findings)
        json.field("opened", counts.opened)
        json.field("seen_again", counts.seenAgain)
        json.field("resolved", counts.resolved)
        json.endObject()
        json.key("opened")
        json.beginArray()
        for finding in outcome.opened { Self.finding(finding, &json) }
        json.endArray()
        json.field("resolved", outcome.resolved.map(\.id))
        json.field("not_resolved", outcome.notResolved.map(\.id))
        json.field("not_reopened", outcome.notReopened.map(\.finding.id))
        json.field("excepted", outcome.excepted)
        json.field("exceptions_ended", outcome.exceptionsEnded.map(\.id))
        json.field("reported", outcome.reported)
        json.field("grants_present", run.grantsPresent)
        json.field("grants_absent", run.grantsAbsent)
    }

    /// A finding as a run opened it, with the export's records behind it.
    static func finding(_ finding: Finding, _ json: inout JSONOutput) {
        json.beginObject()
        json.field("id", finding.id)
        json.field("kind", finding.kind.rawValue)
        json.field("system", finding.system)
        json.field("environment", finding.environment)
        DriftJSON.subject(kind: finding.subject.kind.name, name: finding.subject.name, owner: finding.subject.owner, &json)
        json.field("entitlement", finding.entitlement)
        json.field("scope", finding.scope.text)
        json.field("access", finding.access?.rawValue)
        json.field("request_id", finding.requestID)
        json.field("credential_id", finding.credentialID)
        json.field("summary", finding.summary)
        json.key("evidence")
        json.beginArray()
        for record in finding.evidence {
            json.beginObject()
            json.field("source_id", record.sourceID)
            json.field("text", record.text)
            json.field("observed_at", time: record.observedAt)
            json.endObject()
        }
        json.endArray()
        json.endObject()
    }
}

/// `signoff drift --json` (`signoff.drift/1`): the findings (open, or with
/// `--all` resolved too) with their first and last sighting, and the live
/// grants no run has seen carried out.
struct DriftJSON: JSONDocument {
    static let schema: StaticString = "signoff.drift/1"
    var findings: [StoredFinding]
    /// The signatures on the findings' exceptions and removals, by event sequence.
    var signatures: [Int64: EventSignature]
    var unconfirmed: [ReconciledGrant]
    var now: Date

    func members(_ json: inout JSONOutput) {
        json.key("findings")
        json.beginArray()
        for finding in findings { Self.finding(finding, signatures: signatures, now: now, &json) }
        json.endArray()
        json.key("unconfirmed_grants")
        json.beginArray()
        for (grant, sighting) in unconfirmed {
            json.beginObject()
            json.field("request_id", grant.requestID)
            json.field("system", grant.terms.system)
            json.field("environment", grant.terms.environment)
            json.field("subject", grant.terms.subject.name)
            json.field("entitlement", grant.terms.entitlement)
            json.field("scope", grant.terms.scope)
            json.field("state", grant.state.rawValue)
            json.field("last_run", sighting.map { Int($0.run) })
            json.field("last_run_at", time: sighting?.seenAt)
            json.endObject()
        }
        json.endArray()
    }

    /// A finding as the store holds it: what differs, its first and last
    /// sighting, its resolution, and its exception and removal with the
    /// signature on each (as `signoff show` gives an event's).
    static func finding(_ finding: StoredFinding, signatures: [Int64: EventSignature], now: Date, _ json: inout JSONOutput) {
        func signature(_ sequence: Int64) {
            json.key("signature")
            if let signature = signatures[sequence] { RequestJSON.signature(signature, &json) } else { json.null() }
        }
        json.beginObject()
        json.field("id", finding.id)
        json.field("kind", finding.kind.rawValue)
        json.field("state", finding.open ? "open" : "resolved")
        json.field("reported", finding.isReported(at: now))
        json.field("system", finding.system)
        json.field("environment", finding.environment)
        Self.subject(kind: finding.subjectKind, name: finding.subject, owner: finding.owner, &json)
        json.field("entitlement", finding.entitlement)
        json.field("scope", finding.scope)
        json.field("request_id", finding.requestID)
        json.field("credential_id", finding.credentialID)
        json.field("summary", finding.summary)
        json.field("first_seen_at", time: finding.firstSeenAt)
        json.field("first_run", Int(finding.firstRun))
        json.field("last_seen_at", time: finding.lastSeenAt)
        json.field("last_run", Int(finding.lastRun))
        json.field("resolved_at", time: finding.resolvedAt)
        json.field("resolved_run", finding.resolvedRun.map(Int.init))
        json.key("exception")
        if let exception = finding.exception {
            json.beginObject()
            json.field("by", exception.by)
            json.field("at", time: exception.at)
            json.field("until", time: exception.until)
            let inForce = exception.inForce(at: now)
            json.field("in_force", inForce)
            json.field("remaining_seconds", inForce ? Int(exception.until.timeIntervalSince(now).rounded(.down)) : 0)
            json.field("remaining_text", inForce ? "\(TimeSpan.between(now, exception.until)) left" : "ended \(TimeSpan.ago(exception.until, now))")
            json.field("rationale", exception.rationale)
            json.field("sequence", Int(exception.sequence))
            signature(exception.sequence)
            json.endObject()
        } else {
            json.null()
        }
        json.field("linked_request", finding.linkedRequest)
        json.key("removal")
        if let removal = finding.removal {
            json.beginObject()
            json.field("by", removal.by)
            json.field("at", time: removal.at)
            json.field("rationale", removal.rationale)
            json.field("sequence", Int(removal.sequence))
            json.field("hand_off", removal.handOff.rawValue)
            json.field("outcome", removal.outcome)
            signature(removal.sequence)
            json.endObject()
        } else {
            json.null()
        }
        json.endObject()
    }

    /// `subject`: the identity's kind, name and recorded owner.
    static func subject(kind: String, name: String, owner: String?, _ json: inout JSONOutput) {
        json.key("subject")
        json.beginObject()
        json.field("kind", kind)
        json.field("name", name)
        json.field("owner", owner)
        json.endObject()
    }
}

/// `signoff drift except --json` (`signoff.finding-exception/1`): the finding
/// as it stands after the exception, as `signoff.drift/1` lists it.
struct FindingExceptionJSON: JSONDocument {
    static let schema: StaticString = "signoff.finding-exception/1"
    var finding: StoredFinding
    var signatures: [Int64: EventSignature]
    var now: Date

    func members(_ json: inout JSONOutput) {
        json.key("finding")
        DriftJSON.finding(finding, signatures: signatures, now: now, &json)
    }
}

/// `signoff drift remove --json` (`signoff.finding-removal/1`): the finding
/// as it stands after the removal was requested (and handed off, when it
/// could be), as `signoff.drift/1` lists it.
struct FindingRemovalJSON: JSONDocument {
    static let schema: StaticString = "signoff.finding-removal/1"
    var finding: StoredFinding
    var signatures: [Int64: EventSignature]
    var now: Date

    func members(_ json: inout JSONOutput) {
        json.key("finding")
        DriftJSON.finding(finding, signatures: signatures, now: now, &json)
    }
}
