import Foundation
import SignoffCore
import SignoffStore

/// Whose notifications a deliverer takes.
public enum DeliveryScope: Sendable, Hashable {
    /// Every notification due: only for an identity the policy lets deliver
    /// notifications (`deliver_notifications`), refused to anyone else
    /// (`signoff notify run`).
    case every
    /// Every notification due when the identity may deliver them; otherwise
    /// only those its own commands added, never a digest (a console, which
    /// delivers what its decisions caused).
    case asAllowed
}

extension CommandTransaction {
    /// The person whose messages alone the actor may deliver, or nil when
    /// the policy in force lets it deliver every notification.
    var notificationsLimitedTo: String? {
        RolePermission(.deliverNotifications).refusal(for: actor.name, policy: policyInForce, storeCreator: storeCreator?.name,
                                                      at: now) == nil ? nil : actor.name
    }
}

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
        /// Whose notifications (ticket updates are the intake agent's, whoever added them).
        public var scope: DeliveryScope
        public init(_ channel: OutboxChannel, owner: String, limit: Int, lease: TimeInterval, retry: OutboxRetry,
                    scope: DeliveryScope = .every) {
            self.channel = channel
            self.owner = owner
            self.limit = limit
            self.lease = lease
            self.retry = retry
            self.scope = scope
        }
        public var operation: Operation { .delivering(channel) }
        public var permission: RolePermission? {
            switch (channel, scope) {
            case (.notification, .every): RolePermission(.deliverNotifications)
            case (.notification, .asAllowed), (.jira, .every), (.jira, .asAllowed): nil
            }
        }
        public var needsPolicy: Bool { false }
        public func decide(_ tx: CommandTransaction) throws -> [OutboxItem] {
            let addedBy: String?
            switch channel {
            case .notification: addedBy = tx.notificationsLimitedTo
            case .jira: addedBy = nil
            }
            return try tx.store.claimOutbox(channel, owner: owner, limit: limit, lease: lease, retry: retry, addedBy: addedBy,
                                            at: tx.now)
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
        public var needsPolicy: Bool { false }
        public func decide(_ tx: CommandTransaction) throws -> Int {
            try tx.store.completeOutbox(outcomes, owner: owner, retry: retry, at: tx.now)
            return outcomes.count
        }
    }

    /// Makes the notifications waiting for a command channel due at once,
    /// after this account trusted it (`notify trust`): they were left
    /// pending by deliverers that did not run it. Only those the actor may
    /// deliver: every one for a deliverer of the policy, else its own.
    public struct ReleaseNotifications: StoreCommand {
        public var destination: String
        public init(destination: String) { self.destination = destination }
        public var operation: Operation { .deliverNotifications }
        public var needsPolicy: Bool { false }
        public func decide(_ tx: CommandTransaction) throws -> Int {
            try tx.store.releaseOutbox(.notification, destination: destination, addedBy: tx.notificationsLimitedTo, at: tx.now)
        }
    }

    /// Makes failed notifications pending again (all, or those numbered).
    public struct RetryNotifications: StoreCommand {
        public var ids: [Int64]?
        public init(ids: [Int64]?) { self.ids = ids }
        public var operation: Operation { .retryNotifications }
        public var permission: RolePermission? { RolePermission(.deliverNotifications) }
        public var needsPolicy: Bool { false }
        public func decide(_ tx: CommandTransaction) throws -> Int {
            try tx.store.requeueOutbox(.notification, ids: ids, at: tx.now)
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
