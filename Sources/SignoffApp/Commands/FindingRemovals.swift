import Foundation
import SignoffCore
import SignoffStore

extension Commands {
    /// `signoff drift remove`: sends an open access finding to provisioning
    /// for removal, with a rationale. Who may is the policy's
    /// `request_removal` role action; a refusal is recorded as evidence. The
    /// removal document goes through the hand-off after the commit; the
    /// finding resolves only when a later run no longer shows the access.
    public struct RequestFindingRemoval: StoreCommand {
        public var findingID: String
        public var rationale: String

        public init(findingID: String, rationale: String) {
            self.findingID = findingID; self.rationale = rationale
        }

        public var operation: Operation { .requestRemoval }
        public var permission: RolePermission? { RolePermission(.requestRemoval) }

        /// The finding as it stands after the request (its removal `pending` until handed off).
        public func decide(_ tx: CommandTransaction) throws -> StoredFinding {
            let policy = try tx.policy()
            guard let finding = try tx.store.finding(findingID) else {
                throw CommandError.badInput("there is no finding \(findingID); `signoff drift --all` lists the findings there are")
            }
            if let problem = Reconciliation.removalRefusal(finding) { throw CommandError.badInput(problem) }
            guard let opened = try tx.store.opened(finding) else {
                throw CommandError.store("finding \(findingID) names event \(finding.openedSequence), which did not open it; run `signoff audit verify`")
            }
            let terms = Reconciliation.removalTerms(finding, opened: opened, policy: policy)
            let actor = tx.actor, now = tx.now, rationale = self.rationale
            try tx.append(try tx.refusingAsEvidence(.requestRemoval, of: nil) { () throws(Refusal) in
                try Reconciliation.requestRemoval(finding, terms: terms, rationale: rationale, by: actor, policy: policy, at: now)
            })
            guard let requested = try tx.store.finding(findingID) else { throw CommandError.store("finding \(findingID) vanished") }
            return requested
        }
    }
}
