import Foundation
import SignoffCore
import SignoffStore

// What happens to a grant after approval: revocation (by a person or a
// trigger), extension, break-glass self-activation, post-incident review, and
// provisioning's reports.

extension Commands {
    /// Ends a grant early.
    public struct Revoke: StoreCommand {
        public var id: String
        public var rationale: String
        public init(id: String, rationale: String) {
            self.id = id
            self.rationale = rationale
        }
        public var operation: Operation { .revoke }

        public func decide(_ tx: CommandTransaction) throws {
            let policy = try tx.policy()
            // Never held up by rows edited behind signoff: it takes away the
            // access the events record, whatever the rows say.
            let grant = try tx.grant(id, asRecorded: true, attempting: .revoke)
            let extensionApprovers = try tx.store.extensionApprovers(of: grant)
            let openExtensions = try tx.store.openExtensions(of: id)
            let actor = tx.actor, now = tx.now, rationale = self.rationale
            let creator = tx.storeCreator?.name
            try tx.append(try tx.refusingAsEvidence(.revoke, of: id) { () throws(Refusal) in
                try Lifecycle.revoke(grant, by: actor, rationale: rationale, policy: policy,
                                     extensionApprovers: extensionApprovers, openExtensions: openExtensions,
                                     storeCreator: creator, at: now)
            })
        }
    }

    /// Fires a revocation trigger: every grant that may hold access (live, or reported failed) naming it with this reference is revoked.
    public struct FireTrigger: StoreCommand {
        public var trigger: RevocationTrigger
        public init(_ trigger: RevocationTrigger) { self.trigger = trigger }
        public var operation: Operation { .fireTrigger }
        public var permission: RolePermission? { RolePermission(.fireTrigger, trigger: trigger.name) }

        /// A name the policy does not know is a typo to fix, not a refusal: bad input.
        public func validate(against policy: Policy?) throws(CommandError) {
            if let unknown = policy?.unknownTrigger(trigger.name) { throw .badInput("\(unknown.message); \(unknown.hint)") }
        }

        /// The requests whose grants were revoked.
        public func decide(_ tx: CommandTransaction) throws -> [String] {
            let policy = try tx.policy()
            let grants = try tx.store.grantsHoldingAccess(naming: trigger)
            let openExtensions = grants.isEmpty ? [] : try tx.store.openExtensions()
            let actor = tx.actor, now = tx.now, trigger = self.trigger
            let events = try tx.refusingAsEvidence(.fireTrigger, of: nil) { () throws(Refusal) in
                try Lifecycle.fire(trigger, grants: grants, by: actor, policy: policy, openExtensions: openExtensions, at: now)
            }
            try tx.append(events)
            return events.compactMap { if case .grantRevoked = $0.body { $0.requestID } else { nil } }
        }
    }

    /// Asks to extend a live grant: files a linked request, routed like any other.
    public struct Extend: StoreCommand {
        public var id: String
        public var by: TimeSpan
        public var purpose: String?
        public init(id: String, by: TimeSpan, purpose: String?) {
            self.id = id
            self.by = by
            self.purpose = purpose
        }
        public var operation: Operation { .extend }
        public var subject: String? { id }

        /// The extension request as filed (and perhaps already decided by the policy).
        public func decide(_ tx: CommandTransaction) throws -> RequestRecord {
            let policy = try tx.policy()
            let record = try tx.record(id)
            let grant = try tx.grant(id, attempting: .extend)
            let actor = tx.actor, by = self.by, purpose = self.purpose, now = tx.now
            let request = try tx.refusingAsEvidence(.extend, of: id) { () throws(Refusal) in
                try Lifecycle.extensionRequest(of: record, grant: grant, by: by, askedBy: actor.name, purpose: purpose,
                                               policy: policy, at: now)
            }
            let newID = try tx.store.nextRequestID()
            try tx.append(Lifecycle.submit(request, id: newID, by: actor, policy: policy, original: grant, at: tx.now))
            return try tx.record(newID)
        }
    }

    /// The requester activates their own break-glass request when nobody answered in time.
    public struct SelfActivate: StoreCommand {
        public var id: String
        public var rationale: String
        public init(id: String, rationale: String) {
            self.id = id
            self.rationale = rationale
        }
        public var operation: Operation { .selfActivate }

        /// The grant it created.
        public func decide(_ tx: CommandTransaction) throws -> Grant? {
            let policy = try tx.policy()
            let record = try tx.record(id)
            let actor = tx.actor, now = tx.now, rationale = self.rationale
            try tx.append(try tx.refusingAsEvidence(.selfActivate, of: id) { () throws(Refusal) in
                try Lifecycle.selfActivate(record, by: actor, rationale: rationale, policy: policy, at: now)
            })
            return try tx.store.grant(id)
        }
    }

    /// Completes the post-incident review of a break-glass grant.
    public struct ReviewIncident: StoreCommand {
        public var id: String
        public var rationale: String
        public init(id: String, rationale: String) {
            self.id = id
            self.rationale = rationale
        }
        public var operation: Operation { .reviewIncident }

        public func decide(_ tx: CommandTransaction) throws {
            let policy = try tx.policy()
            let grant = try tx.grant(id, attempting: .reviewIncident)
            let extensionApprovers = try tx.store.extensionApprovers(of: grant)
            let actor = tx.actor, now = tx.now, rationale = self.rationale
            try tx.append(try tx.refusingAsEvidence(.reviewIncident, of: id) { () throws(Refusal) in
                try Lifecycle.reviewIncident(grant, by: actor, rationale: rationale, policy: policy,
                                             extensionApprovers: extensionApprovers, at: now)
            })
        }
    }

    /// Provisioning reports the latest action of a grant done, or failed.
    public struct ReportProvisioning: StoreCommand {
        public var id: String
        public var succeeded: Bool
        /// A note (done) or the reason (failed).
        public var note: String?
        /// The action of the hand-off document reported on, where provisioning names it.
        public var action: HandOffAction?
        /// The SHA-256 of the document reported on, where provisioning names
        /// it: held to the latest document handed off for the grant.
        public var document: String?
        public init(id: String, succeeded: Bool, note: String?, action: HandOffAction? = nil, document: String? = nil) {
            self.id = id
            self.succeeded = succeeded
            self.note = note
            self.action = action
            self.document = document
        }
        public var operation: Operation { succeeded ? .reportProvisioned : .reportProvisioningFailed }
        public var permission: RolePermission? { RolePermission(.reportProvisioning) }
        public var subject: String? { id }

        public func decide(_ tx: CommandTransaction) throws {
            let grant = try tx.grant(id, attempting: .reportProvisioning)
            let actor = tx.actor, now = tx.now, succeeded = self.succeeded, note = self.note, action = self.action
            let document = self.document
            // Read from the grant's chained events only when the report names a document.
            let handedOff = try document.map { _ in try tx.store.latestHandedOffDocument(id) } ?? .nothing
            try tx.append(try tx.refusingAsEvidence(.reportProvisioning, of: id) { () throws(Refusal) in
                try Lifecycle.provisioningReport(grant, succeeded: succeeded, note: note, action: action, document: document,
                                                 handedOff: handedOff, by: actor, at: now)
            })
        }
    }
}
