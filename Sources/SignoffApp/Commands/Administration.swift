import Foundation
import SignoffCore
import SignoffStore

extension Commands {
    /// Makes a policy the store's policy; every open request is routed again under it.
    public struct ApplyPolicy: StoreCommand {
        public var policy: Policy
        public init(_ policy: Policy) { self.policy = policy }
        public var operation: Operation { .applyPolicy }
        public var permission: RolePermission? { RolePermission(.applyPolicy) }
        public var needsPolicy: Bool { false }

        /// Whether anything changed, and how many open requests were routed again.
        public struct Applied: Sendable, Hashable {
            public var changed: Bool
            public var rerouted: Int
        }

        public func decide(_ tx: CommandTransaction) throws -> Applied {
            let previous = try tx.store.currentPolicy()
            if previous?.version == policy.version { return Applied(changed: false, rerouted: 0) }
            let open = try tx.store.openRecords()
            var originals: [String: Grant] = [:]
            for record in open {
                // With who asked for it, whose approvals of the extension count for nothing.
                if let id = record.request.extends { originals[id] = try tx.store.originalGrant(of: record) }
            }
            try tx.append(Lifecycle.apply(policy, previousVersion: previous?.version, by: tx.actor, openRecords: open,
                                          originals: originals, at: tx.now))
            return Applied(changed: true, rerouted: open.count)
        }
    }

    /// Sets where grant documents go: an outbox folder, a command, or nowhere.
    /// The caller checks the values (an existing folder, a plain command) and
    /// then lists the target, with the event that set it, in the account's
    /// trust file (`CommandTrust`).
    public struct ConfigureHandOff: StoreCommand {
        public var configuration: EventBody.HandOffConfigured
        public init(outbox: String?, command: String?, timeoutSeconds: Int?) {
            configuration = .init(outbox: outbox, command: command, timeoutSeconds: timeoutSeconds)
        }
        public var operation: Operation { .configureHandOff }
        public var permission: RolePermission? { RolePermission(.configureHandOff) }
        public var needsPolicy: Bool { false }

        /// The hash of the `hand_off_configured` event recorded.
        public func decide(_ tx: CommandTransaction) throws -> String {
            try tx.append(EventDraft(requestID: nil, actor: tx.actor, at: tx.now, body: .handOffConfigured(configuration))).hash
        }
    }

    /// Changes the store's settings, as a `settings_changed` event (the
    /// settings are evidence). Trust of asserted identities can be turned off,
    /// never on: a store that records real decisions never starts believing `--as`.
    public struct ChangeSettings: StoreCommand {
        /// Nil: unchanged.
        public var trustAssertedIdentities: Bool?
        /// Nil: unchanged; `.some(nil)`: no share group (owner only).
        public var shareGroup: String??
        public init(trustAssertedIdentities: Bool?, shareGroup: String??) {
            self.trustAssertedIdentities = trustAssertedIdentities
            self.shareGroup = shareGroup
        }
        public var operation: Operation { .changeSettings }
        public var permission: RolePermission? { RolePermission(.changeSettings) }
        public var needsPolicy: Bool { false }

        /// The settings from now on.
        public func decide(_ tx: CommandTransaction) throws -> EventBody.SettingsChanged {
            let current = tx.store.settingsNow
            if trustAssertedIdentities == true && !current.trustAssertedIdentities {
                throw CommandError.badInput("a store's trust of asserted identities can be turned off, never on; create a new store (signoff init --trust-asserted-identities) for demos and tests")
            }
            // Refused before anything is recorded: a group the files cannot be given to.
            if case let .some(.some(group)) = shareGroup, group != current.shareGroup, let problem = tx.store.shareGroupProblem(group) {
                throw CommandError.badInput(problem)
            }
            let changed = EventBody.SettingsChanged(trustAssertedIdentities: trustAssertedIdentities ?? current.trustAssertedIdentities,
                                                    shareGroup: shareGroup ?? current.shareGroup)
            guard changed.trustAssertedIdentities != current.trustAssertedIdentities || changed.shareGroup != current.shareGroup else {
                throw CommandError.badInput("those are the store's settings already; nothing changed")
            }
            try tx.append(EventDraft(requestID: nil, actor: tx.actor, at: tx.now, body: .settingsChanged(changed)))
            return changed
        }
    }
}
