import Foundation
import SignoffCore

/// One open reconciliation finding as the Drift list shows it, with the
/// export's records behind it. Findings on my systems and of my people come
/// first; those under an exception in force are listed apart.
public struct ConsoleFindingRow: Sendable, Hashable {
    public var id: String
    public var kind: FindingKind
    public var system: String
    public var environment: String
    /// The identity as the platform shows it: its kind (`service_account`, `group`, `unknown`...) and name.
    public var subjectKind: String
    public var subject: String
    public var owner: String?
    public var entitlement: String?
    public var scope: String
    /// The grant it concerns, or the one the access goes beyond.
    public var requestID: String?
    public var credentialID: String?
    public var summary: String
    public var firstSeenAt: Date
    public var firstRun: Int64
    public var lastSeenAt: Date
    public var lastRun: Int64
    public var exception: FindingException?
    /// The records of the export behind it (the run that opened it).
    public var evidence: [FindingEvidence]
    /// Whether it is on one of my systems or about one of my people.
    public var responsible: Bool

    public init(id: String, kind: FindingKind, system: String, environment: String, subjectKind: String, subject: String,
                owner: String?, entitlement: String?, scope: String, requestID: String?, credentialID: String?,
                summary: String, firstSeenAt: Date, firstRun: Int64, lastSeenAt: Date, lastRun: Int64,
                exception: FindingException?, evidence: [FindingEvidence], responsible: Bool) {
        self.id = id; self.kind = kind; self.system = system; self.environment = environment
        self.subjectKind = subjectKind; self.subject = subject; self.owner = owner; self.entitlement = entitlement
        self.scope = scope; self.requestID = requestID; self.credentialID = credentialID; self.summary = summary
        self.firstSeenAt = firstSeenAt; self.firstRun = firstRun; self.lastSeenAt = lastSeenAt; self.lastRun = lastRun
        self.exception = exception; self.evidence = evidence; self.responsible = responsible
    }

    /// Not under an exception in force at `now`: reported.
    public func isReported(at now: Date) -> Bool { !(exception?.inForce(at: now) ?? false) }

    /// Every field the filter searches, like `ConsoleRow.forEachSearchField`.
    func forEachSearchField(_ body: (String) -> Void) {
        body(id)
        body(kind.label)
        body(system)
        body(environment)
        body(subjectKind.replacingOccurrences(of: "_", with: " "))
        body(subject)
        if let owner { body(owner) }
        if let entitlement { body(entitlement) }
        if !scope.isEmpty { body(scope) }
        if let requestID { body(requestID) }
        if let credentialID { body(credentialID) }
        body(summary)
        if exception != nil { body("excepted") }
    }
}
