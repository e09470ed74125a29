import Foundation
import SignoffCore
import Testing
@testable import SignoffStore

/// A revision (a changed ticket replacing an open request's content) is an
/// action like a submission: signed by whoever revises when the policy
/// requires it, and `audit verify` names one that is not.
@Suite struct RevisionSignatureTests {
    func needs(_ error: StoreError?) -> [SignatureNeed] {
        if case let .signaturesNeeded(needs)? = error { return needs }
        Issue.record("expected signaturesNeeded, got \(String(describing: error))")
        return []
    }

    func revision(_ lab: SignedStore, _ id: String, by name: String, to environment: String = "production",
                  duration: TimeSpan = .hours(4)) -> (WriteTransaction) throws -> Void {
        { tx in
            let record = try #require(try tx.record(id))
            var changed = record.request
            changed.environment = environment
            changed.duration = duration
            try tx.append(contentsOf: try Lifecycle.revise(record, to: try ScannedRequest(scanning: changed), by: Principal(name: name, authentication: .osAccount),
                                                           policy: lab.policy, cause: "ticket ACC-1 changed",
                                                           at: lab.start.addingTimeInterval(120)))
        }
    }

    @Test func aRevisionIsSignedAndAnUnsignedOneIsNamed() throws {
        let lab = try SignedStore()
        let id = try lab.submit(by: "dave")
        let before = try lab.eventCount()
        let need = try #require(needs(lab.refusal(revision(lab, id, by: "dave"))).first)
        #expect(try lab.eventCount() == before, "nothing is recorded unsigned")
        #expect(need.statement.action == .revise && need.actor == "dave" && need.requestID == id)
        // The version it replaces, the content as it stood, and the cause.
        #expect(need.statement.text.contains(#""action":"revise","#) && need.statement.text.contains(#""request_version":1,"#)
                && need.statement.text.contains(#""rationale":"ticket ACC-1 changed""#), "\(need.statement.text)")
        try lab.record(revision(lab, id, by: "dave"))
        let report = try lab.store.verify()
        #expect(report.isIntact, "\(report.signatureProblems) \(report.projectionMismatches)")
        #expect(report.signedEventCount == 2)
        #expect(try lab.store.record(id)?.version == 2)

        // Whoever can write the file strips the signature: verify names it.
        let sequence = try lab.sequence(of: "request_revised")
        try forge(lab.directory.file()) { rows in
            rows[Int(sequence) - 1].signature = nil
            rows[Int(sequence) - 1].statement = nil
        }
        #expect(try lab.signatureProblems().map(\.description) == [
            "event \(sequence) (request_revised of \(id) by dave): unsigned, but a signature was required: dave has SSH keys listed in the policy, so their decisions are signed",
        ])
    }

    /// `required_for` judges a revision on the request as it stood and as
    /// revised: revising a staging request into production is covered.
    @Test func aRevisionIntoWhatTheRulesCoverMustBeSigned() throws {
        let lab = try SignedStore(signatures: "signatures: {required_for: [{environment: production}]}\n")
        let id = try lab.submit("staging")
        // alice has no key: she may revise within staging, not into production.
        try lab.record(revision(lab, id, by: "alice", to: "staging"))
        let need = try #require(needs(lab.refusal(revision(lab, id, by: "alice", to: "production", duration: .hours(2)))).first)
        #expect(need.statement.action == .revise && need.requirement.keys.isEmpty)
        #expect(need.requirement.reason.contains("signatures.required_for[0]"), "\(need.requirement.reason)")
    }
}
