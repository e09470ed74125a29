import Foundation

/// A finding owned by a request for the access it shows: `signoff drift
/// request` writes a request file pre-filled from the finding's evidence, and
/// a request that names the finding (`finding:`) is checked against it when
/// it is submitted. The evidence says what exists; only a person can say why
/// it should, for how long and who answers for it, so those fields are left
/// out (marked TO COMPLETE) and `signoff submit` refuses the file until they
/// are written.
public enum FindingRequest {
    /// Why a finding cannot be turned into a request, or a request does not fit its finding.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// What the file is made from: the finding, what its `finding_opened`
    /// event says of the access, and the grant it concerns.
    public struct Evidence: Sendable {
        public var access: AccessLevel?
        /// The platform's own words for the grant (`RoleBinding payments/ci → ClusterRole edit`).
        public var native: String?
        public var records: [FindingEvidence]
        /// The ticket of the grant the finding concerns, if it has one.
        public var ticket: String?

        public init(access: AccessLevel?, native: String?, records: [FindingEvidence], ticket: String?) {
            self.access = access; self.native = native; self.records = records; self.ticket = ticket
        }
    }

    /// Why `finding` cannot become a request, or nil when it can.
    public static func refusal(_ finding: StoredFinding) -> Problem? {
        guard finding.open else {
            return Problem("finding \(finding.id) was resolved\(finding.resolvedAt.map { " \(UTCTime.text($0))" } ?? ""): the access it showed is gone, so there is nothing to request")
        }
        guard finding.kind.showsAccess else {
            return Problem("finding \(finding.id) is \(finding.kind.label): it shows no access to ask for; only unapproved, wider-than-approved and not-removed access can be requested")
        }
        guard finding.entitlement != nil else {
            return Problem("finding \(finding.id) shows access the catalogue maps to no entitlement of \(finding.system), so no request can approve it: map it under the system's platform: entitlements, or request its removal (`signoff drift remove`)")
        }
        return nil
    }

    /// The request file (YAML) for the access `finding` shows. Every value
    /// is written as an ASCII-only double-quoted scalar, so the file is the
    /// exact value and safe to print.
    public static func draft(_ finding: StoredFinding, evidence: Evidence, policy: Policy?) throws(Problem) -> String {
        if let problem = refusal(finding) { throw problem }
        let mapping = finding.entitlement.flatMap { policy?.platform(of: finding.system)?.entitlements[$0] }
        let access = evidence.access ?? mapping?.access
        let kind: IdentityKind? = switch ObservedKind(name: finding.subjectKind) {
        case let .identity(kind): kind
        case .group, .user, .unknown, nil: nil
        }
        var lines: [String] = []
        func comment(_ text: String) { lines.append("# " + quotedText(text)) }
        comment("A request for the access finding \(finding.id) shows (\(finding.kind.label)):")
        comment(finding.summary)
        for record in evidence.records.prefix(5) {
            comment("seen: \(record.text) (\(record.sourceID), \(UTCTime.text(record.observedAt)))")
        }
        comment("First seen \(UTCTime.text(finding.firstSeenAt)) (run \(finding.firstRun)), last seen \(UTCTime.text(finding.lastSeenAt)) (run \(finding.lastRun)).")
        lines.append("#")
        lines.append("# Complete every line marked \(toComplete); until then `signoff submit` refuses this file.")
        lines.append("# Submitting it links the request to the finding; once the grant is live, the next")
        lines.append("# reconciliation run that sees the access resolves the finding.")
        lines.append("finding: \(finding.id)")
        lines.append("subject:")
        if let kind {
            lines.append("  kind: \(kind.rawValue)")
        } else {
            lines.append("  # \(toComplete): kind: the platform calls it \(quotedText(finding.subjectKind)); one of \(IdentityKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        lines.append("  name: \(quoted(finding.subject))")
        let named = finding.owner.map { " (the export names \(quotedText($0)))" } ?? ""
        lines.append("  # \(toComplete): owner: the person accountable for this identity\(named)")
        lines.append("system: \(quoted(finding.system))")
        lines.append("environment: \(quoted(finding.environment))")
        lines.append("entitlement: \(quoted(finding.entitlement ?? ""))")
        if let native = evidence.native { comment("on the platform: \(native)\(mapping.map { " (the catalogue maps \($0.text))" } ?? "")") }
        switch ObservedScope(text: finding.scope) {
        case .unscoped: break
        case .everywhere: lines.append("# the access is instance-wide: a request with no scope asks for all of it")
        case let .within(place): lines.append("scope: \(quoted(place))")
        }
        if let access {
            lines.append("access: \(access.rawValue)")
        } else {
            lines.append("# \(toComplete): access: read, write or admin (the export does not say)")
        }
        lines.append("# \(toComplete): purpose: why this identity needs this access, in a sentence")
        lines.append("# \(toComplete): duration: how long it is needed, e.g. 30d")
        lines.append("# revocation_triggers: what ends the access early, e.g. [{trigger: ticket_closed, ref: OPS-1234}] (the policy may require one)")
        if let ticket = evidence.ticket { lines.append("ticket: \(quoted(ticket))") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The marker of what a person must complete.
    public static let toComplete = "TO COMPLETE"

    /// Why `request`, naming `finding`, does not ask for the access it
    /// shows; nil when it does. `finding` is nil when the store has none by that ID.
    public static func mismatch(_ request: AccessRequest, finding: StoredFinding?, id: String) -> Problem? {
        guard let finding else {
            return Problem("there is no finding \(id); `signoff drift --all` lists the findings there are")
        }
        if let problem = refusal(finding) { return problem }
        var differs: [String] = []
        if request.system != finding.system { differs.append("system \(finding.system)") }
        if request.environment != finding.environment { differs.append("environment \(finding.environment)") }
        if request.subject.name != finding.subject { differs.append("subject \(finding.subject)") }
        guard differs.isEmpty else {
            return Problem("finding \(id) is about \(differs.joined(separator: ", ")); a request naming it must ask for that access (`signoff drift request \(id)` writes one)")
        }
        return nil
    }

    /// A YAML double-quoted scalar holding exactly `text`, in printable ASCII.
    static func quoted(_ text: String) -> String { "\"" + quotedText(text) + "\"" }

    /// `text` with `"`, `\` and everything outside printable ASCII escaped as YAML does (`\u` and four hex digits, `\U` and eight).
    static func quotedText(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x20...0x7E: out.unicodeScalars.append(scalar)
            case 0...0xFFFF: out += "\\u" + DisplaySafe.hex(scalar.value, digits: 4)
            default: out += "\\U" + DisplaySafe.hex(scalar.value, digits: 8)
            }
        }
        return out
    }
}
