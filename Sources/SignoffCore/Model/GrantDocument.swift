import Crypto
import Foundation

/// What provisioning receives: the approved decision, exactly, as JSON. One
/// document per action (grant, revoke, expire); provisioning never re-reads a
/// ticket. Field names are stable (`schema` names the version).
public struct GrantDocument: Sendable, Hashable, Codable {
    public static let schemaName = "signoff.grant/1"

    public var schema: String
    public var action: HandOffAction
    public var requestID: String
    public var requester: String
    public var subject: Subject
    public var system: String
    public var environment: String
    public var entitlement: String
    public var scope: String?
    public var access: AccessLevel
    /// When access begins, ISO 8601 UTC. Without an `expiry` (the policy
    /// starts the clock at provisioning) it is the earliest start, or nil when
    /// there is none: access must not begin before it, and lasts `duration`
    /// from whichever comes later, it or provisioning's confirmation.
    public var start: String?
    /// When access ends, ISO 8601 UTC; nil until provisioning starts the clock.
    public var expiry: String?
    public var duration: String
    public var approvers: [String]
    public var policyVersion: String
    public var ticket: String?
    public var incident: String?
    public var breakGlass: Bool
    public var selfActivated: Bool
    public var revocationTriggers: [RevocationTrigger]
    public var extensions: [String]
    /// Why the grant ended, for revoke and expire.
    public var endReason: String?

    enum CodingKeys: String, CodingKey {
        case schema, action, requester, subject, system, environment, entitlement, scope, access, start, expiry, duration
        case approvers, ticket, incident, extensions
        case requestID = "request_id", policyVersion = "policy_version", breakGlass = "break_glass"
        case selfActivated = "self_activated", revocationTriggers = "revocation_triggers", endReason = "end_reason"
    }

    public init(grant: Grant, action: HandOffAction) {
        let terms = grant.terms
        schema = Self.schemaName
        self.action = action
        requestID = grant.requestID
        requester = terms.requester
        subject = terms.subject
        system = terms.system
        environment = terms.environment
        entitlement = terms.entitlement
        scope = terms.scope
        access = terms.access
        start = grant.startsAt.map(UTCTime.text)
        expiry = grant.expiresAt.map(UTCTime.text)
        duration = grant.duration.description
        approvers = grant.approvers
        policyVersion = grant.policyVersion
        ticket = terms.ticket
        incident = terms.incident
        breakGlass = terms.breakGlass
        selfActivated = grant.selfActivated
        revocationTriggers = terms.revocationTriggers
        extensions = grant.extensions
        endReason = action == .grant ? nil : grant.endReason
    }

    /// Pretty, sorted JSON with a final newline: the bytes handed off.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    /// SHA-256 of `bytes`, lowercase hex: recorded with the hand-off.
    public static func digest(_ bytes: Data) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }
}
