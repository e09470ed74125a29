import Foundation
import SignoffCore
import SignoffStore

extension Commands {
    /// `signoff drift except`: accepts an open finding as an exception, with
    /// a rationale, until a time. Who may is the policy's `except_finding`
    /// role action, never anyone the finding is about; how long, its
    /// `reconciliation.exceptions.max_duration`; every refusal is recorded as evidence.
    public struct ExceptFinding: StoreCommand {
        public var findingID: String
        public var rationale: String
        public var until: Date

        public init(findingID: String, rationale: String, until: Date) {
            self.findingID = findingID; self.rationale = rationale; self.until = until
        }

        public var operation: Operation { .exceptFinding }
        public var permission: RolePermission? { RolePermission(.exceptFinding) }

        /// The finding as it stands after the exception.
        public func decide(_ tx: CommandTransaction) throws -> StoredFinding {
            let policy = try tx.policy()
            guard let finding = try tx.store.finding(findingID) else {
                throw CommandError.badInput("there is no finding \(findingID); `signoff drift --all` lists the findings there are")
            }
            guard finding.open else {
                throw CommandError.badInput("finding \(findingID) was resolved \(finding.resolvedAt.map(UTCTime.text) ?? ""): only an open finding can be excepted")
            }
            guard until > tx.now else {
                throw CommandError.badInput("the exception must end after now (\(UTCTime.text(tx.now))); \(UTCTime.text(until)) is not")
            }
            let grant = try finding.requestID.flatMap { try tx.store.grant($0) }
            let actor = tx.actor, now = tx.now, rationale = self.rationale, until = self.until
            try tx.append(try tx.refusingAsEvidence(.exceptFinding, of: nil) { () throws(Refusal) in
                try Reconciliation.except(finding, concerning: grant, rationale: rationale, until: until, by: actor, policy: policy,
                                          at: now)
            })
            guard let excepted = try tx.store.finding(findingID) else { throw CommandError.store("finding \(findingID) vanished") }
            return excepted
        }
    }
}
