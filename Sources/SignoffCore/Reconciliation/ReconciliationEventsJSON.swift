import Foundation

/// The canonical bytes of the reconciliation events, keys in sorted order
/// (held byte-equal to `EventCoding.encoder` by the canonical JSON tests).
extension CanonicalJSON.Writer {
    mutating func write(_ p: EventBody.ReconciliationRun) {
        beginObject()
        key("counts")
        beginObject()
        let c = p.counts
        key("awaiting_removal"); int(c.awaitingRemoval)
        key("credentials"); int(c.credentials)
        key("findings"); int(c.findings)
        key("ignored"); int(c.ignored)
        key("matched"); int(c.matched)
        key("observations"); int(c.observations)
        key("opened"); int(c.opened)
        key("resolved"); int(c.resolved)
        key("seen_again"); int(c.seenAgain)
        endObject()
        key("covered")
        beginArray()
        for target in p.covered {
            beginObject()
            key("credentials"); string(target.credentials)
            key("environment"); string(target.environment)
            if let types = target.grantTypes { key("grant_types"); strings(types) }
            field("instance", target.instance)
            if let observedAt = target.observedAt { key("observed_at"); date(observedAt) }
            key("scopes"); string(target.scopes)
            key("system"); string(target.system)
            endObject()
        }
        endArray()
        key("files")
        beginArray()
        for file in p.files {
            beginObject()
            key("bytes"); int(file.bytes)
            key("name"); string(file.name)
            key("sha256"); string(file.sha256)
            endObject()
        }
        endArray()
        key("findings_seen"); strings(p.findingsSeen)
        key("grants_absent"); strings(p.grantsAbsent)
        key("grants_present"); strings(p.grantsPresent)
        key("source"); string(p.source)
        endObject()
    }

    mutating func write(_ p: EventBody.FindingOpened) {
        beginObject()
        field("access", p.access?.rawValue)
        field("credential_id", p.credentialID)
        field("entitlement", p.entitlement)
        key("environment"); string(p.environment)
        key("evidence")
        beginArray()
        for record in p.evidence {
            beginObject()
            key("observed_at"); date(record.observedAt)
            key("source_id"); string(record.sourceID)
            key("text"); string(record.text)
            endObject()
        }
        endArray()
        key("finding_id"); string(p.findingID)
        field("grant_type", p.grantType)
        key("kind"); string(p.kind.rawValue)
        field("native", p.native)
        field("owner", p.owner)
        field("request_id", p.requestID)
        key("run"); int(p.run)
        key("scope"); string(p.scope)
        key("subject"); string(p.subject)
        key("subject_kind"); string(p.subjectKind)
        key("summary"); string(p.summary)
        key("system"); string(p.system)
        endObject()
    }
}

extension CanonicalJSON.Shapes {
    static func reconciliationRun(_ o: Object) throws -> EventBody.ReconciliationRun {
        try o.only(["counts", "covered", "files", "findings_seen", "grants_absent", "grants_present", "source"])
        let c = try Object(o.required("counts"))
        try c.only(["awaiting_removal", "credentials", "findings", "ignored", "matched", "observations", "opened", "resolved",
                    "seen_again"])
        let counts = EventBody.ReconciliationCounts(
            observations: try c.int("observations"), credentials: try c.int("credentials"), ignored: try c.int("ignored"),
            matched: try c.int("matched"), awaitingRemoval: try c.int("awaiting_removal"), findings: try c.int("findings"),
            opened: try c.int("opened"), seenAgain: try c.int("seen_again"), resolved: try c.int("resolved"))
        let covered = try o.array("covered").map { value -> EventBody.ReconciledTarget in
            let t = try Object(value)
            try t.only(["credentials", "environment", "grant_types", "instance", "observed_at", "scopes", "system"])
            return .init(system: try t.string("system"), environment: try t.string("environment"),
                         instance: try t.optionalString("instance"), grantTypes: try t.optional("grant_types").map(strings),
                         scopes: try t.string("scopes"), credentials: try t.string("credentials"),
                         observedAt: try t.optional("observed_at").map { value throws in try CanonicalJSON.Shapes.date(value) })
        }
        let files = try o.array("files").map { value -> EventBody.ReconciledFile in
            let f = try Object(value)
            try f.only(["bytes", "name", "sha256"])
            return .init(name: try f.string("name"), sha256: try f.string("sha256"), bytes: try f.int("bytes"))
        }
        return .init(source: try o.string("source"), files: files, covered: covered, counts: counts,
                     grantsPresent: try o.array("grants_present").map(string),
                     grantsAbsent: try o.array("grants_absent").map(string),
                     findingsSeen: try o.array("findings_seen").map(string))
    }

    static func findingOpened(_ o: Object) throws -> EventBody.FindingOpened {
        try o.only(["access", "credential_id", "entitlement", "environment", "evidence", "finding_id", "grant_type", "kind",
                    "native", "owner", "request_id", "run", "scope", "subject", "subject_kind", "summary", "system"])
        let evidence = try o.array("evidence").map { value -> EventBody.FindingRecord in
            let r = try Object(value)
            try r.only(["observed_at", "source_id", "text"])
            return .init(sourceID: try r.string("source_id"), text: try r.string("text"), observedAt: try r.date("observed_at"))
        }
        let access: AccessLevel? = try o.optionalString("access").map {
            guard let level = AccessLevel(rawValue: $0) else { throw CanonicalJSON.Mismatch() }
            return level
        }
        return .init(findingID: try o.string("finding_id"), kind: try o.raw("kind"), run: try o.int("run"),
                     system: try o.string("system"), environment: try o.string("environment"),
                     subjectKind: try o.string("subject_kind"), subject: try o.string("subject"),
                     owner: try o.optionalString("owner"), entitlement: try o.optionalString("entitlement"),
                     grantType: try o.optionalString("grant_type"), native: try o.optionalString("native"),
                     scope: try o.string("scope"), access: access, requestID: try o.optionalString("request_id"),
                     credentialID: try o.optionalString("credential_id"), summary: try o.string("summary"), evidence: evidence)
    }

    private static func strings(_ value: CanonicalJSON.Value) throws -> [String] {
        guard case let .array(values) = value else { throw CanonicalJSON.Mismatch() }
        return try values.map(string)
    }
}
