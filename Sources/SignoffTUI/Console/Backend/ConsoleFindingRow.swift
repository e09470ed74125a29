import Foundation
import SignoffCore

/// One open reconciliation finding as the Drift list shows it: the finding
/// as the store holds it (Core's `StoredFinding`, the same value `signoff
/// drift` prints), the export's records behind it, and whether it is mine.
/// Findings on my systems and of my people come first; those under an
/// exception in force are listed apart. The finding's fields read through
/// the row (`row.kind`), as a grant's do through `ConsoleGrantRow`.
@dynamicMemberLookup
public struct ConsoleFindingRow: Sendable, Hashable {
    public var finding: StoredFinding
    /// The records of the export behind it (the run that opened it).
    public var evidence: [FindingEvidence]
    /// Whether it is on one of my systems or about one of my people.
    public var responsible: Bool

    public init(finding: StoredFinding, evidence: [FindingEvidence], responsible: Bool) {
        self.finding = finding; self.evidence = evidence; self.responsible = responsible
    }

    public subscript<Value>(dynamicMember path: WritableKeyPath<StoredFinding, Value>) -> Value {
        get { finding[keyPath: path] }
        set { finding[keyPath: path] = newValue }
    }

    /// Open and not under an exception in force at `now`: reported.
    public func isReported(at now: Date) -> Bool { finding.isReported(at: now) }

    /// Every field the filter searches, like `ConsoleRow.forEachSearchField`.
    func forEachSearchField(_ body: (String) -> Void) {
        body(finding.id)
        body(finding.kind.label)
        body(finding.system)
        body(finding.environment)
        body(finding.subjectKind.replacingOccurrences(of: "_", with: " "))
        body(finding.subject)
        if let owner = finding.owner { body(owner) }
        if let entitlement = finding.entitlement { body(entitlement) }
        if !finding.scope.isEmpty { body(finding.scope) }
        if let requestID = finding.requestID { body(requestID) }
        if let credentialID = finding.credentialID { body(credentialID) }
        body(finding.summary)
        if finding.exception != nil { body("excepted") }
        if let request = finding.linkedRequest { body(request); body("requested") }
        if finding.removal != nil { body("removal requested") }
    }
}
