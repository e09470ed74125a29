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
    /// Accepts the open finding `findingID` as an exception until `until`:
    /// the event to record, or the refusal (a short rationale, an end past
    /// what the policy's `reconciliation.exceptions.max_duration` allows).
    /// Who may do this at all is the policy's `except_finding` role action,
    /// checked before this.
    public static func except(_ findingID: String, rationale: String, until: Date, by actor: Principal, policy: Policy,
                              at now: Date) throws(Refusal) -> EventDraft {
        if let problem = Lifecycle.checkRationale(rationale, policy: policy) { throw Refusal(.rationaleTooShort, problem) }
        let longest = policy.reconciliation.maxExceptionDuration
        if until.timeIntervalSince(now) > TimeInterval(longest.seconds) {
            throw Refusal(.overLimit, "an exception may last at most \(longest) (reconciliation.exceptions.max_duration); \(UTCTime.text(until)) is \(TimeSpan.between(now, until)) away")
        }
        return EventDraft(requestID: nil, actor: actor, at: now,
                          body: .findingExcepted(.init(findingID: findingID, rationale: Lifecycle.stored(rationale),
                                                       until: EventCoding.storedPrecision(until))))
    }
}
