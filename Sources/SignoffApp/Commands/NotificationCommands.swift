import Foundation
import SignoffCore
import SignoffStore

extension Commands {
    /// Leases the messages of one outbox channel due now to one deliverer
    /// (`notify run`, the console's background delivery, the Jira
    /// write-back). Outbox bookkeeping: no event, but a store write, so it
    /// goes through the command layer like every other.
    public struct ClaimOutbox: StoreCommand {
        public var channel: OutboxChannel
        public var owner: String
        public var limit: Int
        public var lease: TimeInterval
        public var retry: OutboxRetry
        public init(_ channel: OutboxChannel, owner: String, limit: Int, lease: TimeInterval, retry: OutboxRetry) {
            self.channel = channel
            self.owner = owner
            self.limit = limit
            self.lease = lease
            self.retry = retry
        }
        public var operation: Operation { .delivering(channel) }
        public var permission: RolePermission? { channel.deliveryPermission }
        public var needsPolicy: Bool { false }
        public func decide(_ tx: CommandTransaction) throws -> [OutboxItem] {
            try tx.store.claimOutbox(channel, owner: owner, limit: limit, lease: lease, retry: retry, at: tx.now)
        }
    }

    /// Records what delivery attempts came to.
    public struct RecordDeliveries: StoreCommand {
        public var channel: OutboxChannel
        public var outcomes: [(id: Int64, outcome: OutboxOutcome)]
        public var owner: String
        public var retry: OutboxRetry
        public init(_ channel: OutboxChannel, _ outcomes: [(id: Int64, outcome: OutboxOutcome)], owner: String, retry: OutboxRetry) {
            self.channel = channel
            self.outcomes = outcomes
            self.owner = owner
            self.retry = retry
        }
        public var operation: Operation { .delivering(channel) }
        public var permission: RolePermission? { channel.deliveryPermission }
        public var needsPolicy: Bool { false }
        public func decide(_ tx: CommandTransaction) throws -> Int {
            try tx.store.completeOutbox(outcomes, owner: owner, retry: retry, at: tx.now)
            return outcomes.count
        }
    }

    /// Makes the notifications waiting for a command channel due at once,
    /// after this account trusted it (`notify trust`): they were left
    /// pending by deliverers that did not run it.
    public struct ReleaseNotifications: StoreCommand {
        public var destination: String
        public init(destination: String) { self.destination = destination }
        public var operation: Operation { .deliverNotifications }
        public var permission: RolePermission? { OutboxChannel.notification.deliveryPermission }
        public var needsPolicy: Bool { false }
        public func decide(_ tx: CommandTransaction) throws -> Int {
            try tx.store.releaseOutbox(.notification, destination: destination, at: tx.now)
        }
    }

    /// Makes failed notifications pending again (all, or those numbered).
    public struct RetryNotifications: StoreCommand {
        public var ids: [Int64]?
        public init(ids: [Int64]?) { self.ids = ids }
        public var operation: Operation { .retryNotifications }
        public var permission: RolePermission? { OutboxChannel.notification.deliveryPermission }
        public var needsPolicy: Bool { false }
        /// A number that names no failed notification is bad input, and
        /// nothing is retried: a typo must not read as "0 retried".
        public func decide(_ tx: CommandTransaction) throws -> Int {
            if let ids {
                let states = try tx.store.outboxStates(.notification, ids: ids)
                var problems: [String] = []
                for id in ids where !problems.contains(where: { $0.hasPrefix("#\(id) ") }) {
                    switch states[id] {
                    case nil: problems.append("#\(id) is no notification")
                    case .some(.failed?): continue
                    case let .some(state?): problems.append("#\(id) is \(state.rawValue), not failed")
                    case .some(nil): problems.append("#\(id) is in a state this signoff does not know")
                    }
                }
                if !problems.isEmpty {
                    throw CommandError.badInput(problems.joined(separator: "; ")
                        + ": only failed notifications are retried (`signoff notify status` lists them); nothing was retried")
                }
            }
            return try tx.store.requeueOutbox(.notification, ids: ids, at: tx.now)
        }
    }
}

extension OutboxChannel {
    /// The role action that changing a message's delivery takes: marking a
    /// notification delivered, giving it up or putting it off keeps it from
    /// being sent, so only the policy's deliverers do. A ticket's updates
    /// are the intake agent's to deliver (`signoff import jira`), whoever added them.
    var deliveryPermission: RolePermission? {
        switch self {
        case .notification: RolePermission(.deliverNotifications)
        case .jira: nil
        }
    }
}

extension Operation {
    /// The bookkeeping of delivering one outbox channel's messages.
    static func delivering(_ channel: OutboxChannel) -> Operation {
        switch channel {
        case .notification: .deliverNotifications
        case .jira: .deliverTicketUpdates
        }
    }
}
