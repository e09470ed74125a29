import Foundation
import SignoffCore
import SignoffStore

extension Commands {
    /// Approve or deny the version of a request the approver saw.
    public struct Review: StoreCommand {
        public var id: String
        public var verdict: Verdict
        public var rationale: String
        /// The request version the approver was shown; any other is refused.
        public var shownVersion: Int

        public init(id: String, verdict: Verdict, rationale: String, shownVersion: Int) {
            self.id = id
            self.verdict = verdict
            self.rationale = rationale
            self.shownVersion = shownVersion
        }

        public var operation: Operation { verdict == .approve ? .approve : .deny }

        /// The request's state after the review.
        public func decide(_ tx: CommandTransaction) throws -> RequestState {
            let policy = try tx.policy()
            let record = try tx.record(id)
            if record.state.isOpen, let problem = Lifecycle.checkRationale(rationale, policy: policy) {
                throw CommandError.badRationale(problem)
            }
            let result = Lifecycle.review(record, verdict: verdict, rationale: rationale, shownVersion: shownVersion,
                                          by: tx.actor, policy: policy, original: try tx.store.originalGrant(of: record),
                                          at: tx.now, countingOnly: true)
            switch result.outcome {
            case let .recorded(state):
                try tx.append(result.events)
                return state
            case let .refused(refusal):
                throw try tx.refusal(refusal, recording: result.events)
            }
        }
    }

    /// The requester withdraws an open request.
    public struct Withdraw: StoreCommand {
        public var id: String
        public var rationale: String?

        public init(id: String, rationale: String?) {
            self.id = id
            self.rationale = rationale
        }

        public var operation: Operation { .withdraw }

        public func decide(_ tx: CommandTransaction) throws {
            let record = try tx.record(id)
            let actor = tx.actor, now = tx.now, rationale = self.rationale
            try tx.append(try tx.refusingAsEvidence(.withdraw, of: id) { () throws(Refusal) in
                try Lifecycle.withdraw(record, by: actor, rationale: rationale, at: now)
            })
        }
    }
}
