import Foundation
import SignoffCore
import Testing
@testable import SignoffStore

/// `audit verify` compares each stored request row with the fold of its
/// events in place (`RequestRow.matches`), without building the expected row:
/// that comparison must hold for exactly the row `RequestRow` makes of the
/// record, and fail for a change to any one of its columns.
@Suite struct RequestRowTests {
    /// A change to each column, as someone editing the query table would make it.
    static let edits: [(String, @Sendable (inout RequestRow) -> Void)] = [
        ("id", { $0.id += "x" }), ("state", { $0.state = $0.state == "approved" ? "denied" : "approved" }),
        ("system", { $0.system += "x" }), ("environment", { $0.environment += "x" }), ("requester", { $0.requester += "x" }),
        ("subject_kind", { $0.subjectKind += "x" }), ("subject_name", { $0.subjectName += "x" }),
        ("break_glass", { $0.breakGlass.toggle() }), ("submitted_at", { $0.submittedAt &+= 1 }),
        ("submitted_sequence", { $0.submittedSequence &+= 1 }), ("decided_at", { $0.decidedAt = ($0.decidedAt ?? 0) &+ 1 }),
        ("version", { $0.version &+= 1 }), ("policy_version", { $0.policyVersion = ($0.policyVersion ?? "") + "x" }),
        ("last_sequence", { $0.lastSequence &+= 1 }), ("record", { $0.record.append(0x20) }),
        ("submitted_by", { $0.submittedBy += "x" }), ("subject_owner", { $0.subjectOwner += "x" }),
        ("entitlement", { $0.entitlement += "x" }), ("scope", { $0.scope = ($0.scope ?? "") + "x" }),
        ("access", { $0.access += "x" }), ("duration_seconds", { $0.durationSeconds &+= 1 }),
        ("incident", { $0.incident = ($0.incident ?? "") + "x" }), ("ticket", { $0.ticket = ($0.ticket ?? "") + "x" }),
        ("purpose", { $0.purpose += "x" }), ("approvals", { $0.approvals &+= 1 }), ("approvals_needed", { $0.approvalsNeeded &+= 1 }),
        ("extends", { $0.extends = ($0.extends ?? "") + "x" }), ("route", { $0.route = ($0.route ?? "") + "x" }),
        ("route removed", { $0.route = $0.route == nil ? "{}" : nil }),
    ]

    @Test func theRowOfARecordMatchesItAndNoEditedRowDoes() {
        var fuzz = CanonicalJSONTests.Fuzz(generator: CanonicalJSONTests.Generator(state: 77))
        for _ in 0..<300 {
            let record = fuzz.record()
            let encoded = CanonicalJSON.encodeRecord(record, requestJSON: nil)
            let row = RequestRow(record, submittedSequence: 10, lastSequence: 12, encoded: encoded)
            #expect(row.matches(record, submittedSequence: 10, lastSequence: 12, encoded: encoded))
            for (column, edit) in Self.edits {
                var edited = row
                edit(&edited)
                #expect(!edited.matches(record, submittedSequence: 10, lastSequence: 12, encoded: encoded), "\(column)")
                #expect(edited != row, "\(column)")
            }
        }
    }
}
