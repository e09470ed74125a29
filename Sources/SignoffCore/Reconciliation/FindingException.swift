import Foundation

/// A finding accepted as an exception: by whom, when, until when and why.
/// While it lasts the finding is not reported as open; when it ends the
/// finding is reported again (if runs still show it).
public struct FindingException: Sendable, Hashable {
    public var by: String
    public var at: Date
    public var until: Date
    public var rationale: String
    /// The `finding_excepted` event.
    public var sequence: Int64

    public init(by: String, at: Date, until: Date, rationale: String, sequence: Int64) {
        self.by = by; self.at = at; self.until = until; self.rationale = rationale; self.sequence = sequence
    }

    /// Whether the exception still holds at `now` (it ends at `until`).
    public func inForce(at now: Date) -> Bool { now < until }
}

extension Reconciliation {
    /// Who `finding` is about, as far as excepting it goes: the identity the
    /// platform shows, its owner, and the requester and subject owner of the
    /// grant it concerns (`grant`). None of them may accept it as an
    /// exception: that would be approving one's own access.
    ///
    /// A platform names people its own way (`sam@acme.com`, `Sam`): where the
    /// directory gives the person's email or Jira identities, a name the
    /// finding shows that is one of them is theirs; and any name that folds
    /// to theirs (case, the part before `@`, look-alike letters) is taken as
    /// theirs, so that nobody passes their own access off as another's.
    public static func exceptionRefusal(_ finding: StoredFinding, concerning grant: Grant?, by person: String,
                                        policy: Policy) -> Refusal? {
        let involved = [finding.subject, finding.owner, grant?.terms.requester, grant?.terms.subject.owner].compactMap { $0 }
        guard involved.contains(where: { policy.isKnown(person, as: $0) }) else { return nil }
        return Refusal(.notEligible, "\(person) may not except finding \(finding.id): it is about access of \(finding.subject)\(finding.owner.map { " (owner \($0))" } ?? "")\(grant.map { ", granted to \($0.terms.requester) by \($0.requestID)" } ?? ""), and nobody accepts their own access as an exception; someone else who may except findings must decide")
    }

    /// A name as a person might be known on a platform, folded: spaces
    /// around it dropped, the part before `@`, lower case, compatibility
    /// forms as their plain letters and accents dropped, look-alike letters
    /// as their prototype (`Sam@acme.com`, `sam `, fullwidth `ｓａｍ`, `Saḿ`
    /// and Cyrillic `ѕam` fold alike).
    static func fold(_ name: String) -> String {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        let local = trimmed.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? trimmed
        var text = local.lowercased()
        if !text.utf8.allSatisfy({ $0 < 0x80 }) {
            let plain = text.decomposedStringWithCompatibilityMapping.unicodeScalars.filter { $0.properties.generalCategory != .nonspacingMark }
            text = String(String.UnicodeScalarView(plain)).lowercased()
        }
        return Confusables.skeleton(text).lowercased()
    }

    /// Accepts the open finding `finding` as an exception until `until`: the
    /// event to record, or the refusal (a person excepting their own access,
    /// a short rationale, an end past what the policy's
    /// `reconciliation.exceptions.max_duration` allows). `grant`: the grant
    /// the finding concerns, if any. Who may do this at all is the policy's
    /// `except_finding` role action, checked before this.
    public static func except(_ finding: StoredFinding, concerning grant: Grant?, rationale: String, until: Date,
                              by actor: Principal, policy: Policy, at now: Date) throws(Refusal) -> EventDraft {
        if let refusal = exceptionRefusal(finding, concerning: grant, by: actor.name, policy: policy) { throw refusal }
        if let problem = Lifecycle.checkRationale(rationale, policy: policy) { throw Refusal(.rationaleTooShort, problem) }
        let longest = policy.reconciliation.maxExceptionDuration
        if until.timeIntervalSince(now) > TimeInterval(longest.seconds) {
            throw Refusal(.overLimit, "an exception may last at most \(longest) (reconciliation.exceptions.max_duration); \(UTCTime.text(until)) is \(TimeSpan.between(now, until)) away")
        }
        return EventDraft(requestID: nil, actor: actor, at: now,
                          body: .findingExcepted(.init(findingID: finding.id, rationale: Lifecycle.stored(rationale),
                                                       until: EventCoding.storedPrecision(until))))
    }
}
