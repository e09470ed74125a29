import Foundation
import SignoffCore
import SignoffStore

extension Commands {
    /// `signoff drift request`: the request file, pre-filled from a finding's
    /// evidence, for the access it shows. It records nothing: submitting the
    /// completed file (`signoff submit`) is the one way a request is made,
    /// and the request's `finding:` links the two.
    public func requestDraft(forFinding id: String) throws(CommandError) -> String {
        do {
            guard let finding = try store.finding(id) else {
                throw CommandError.badInput("there is no finding \(id); `signoff drift --all` lists the findings there are")
            }
            if let problem = FindingRequest.refusal(finding) { throw CommandError.badInput(problem.description) }
            let opened = try store.opened(finding)
            let ticket = try finding.requestID.flatMap { try store.grant($0)?.terms.ticket }
            let evidence = FindingRequest.Evidence(
                access: opened.access, native: opened.native,
                records: opened.evidence.map { FindingEvidence(sourceID: $0.sourceID, text: $0.text, observedAt: $0.observedAt) },
                ticket: ticket)
            return try FindingRequest.draft(finding, evidence: evidence, policy: try currentPolicy())
        } catch let error as CommandError {
            throw error
        } catch let problem as FindingRequest.Problem {
            throw CommandError.badInput(problem.description)
        } catch {
            throw CommandError.from(error)
        }
    }
}
