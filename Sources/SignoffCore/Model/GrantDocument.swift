import Crypto
import Foundation

/// What provisioning receives (`signoff.grant/1`): the approved decision,
/// exactly, as JSON. One document per action (grant, revoke, expire);
/// provisioning never re-reads a ticket. It follows the JSON contract of every
/// document signoff prints (README, "JSON output"): snake_case keys, RFC 3339
/// times, durations in seconds with a human form, null for what is absent.
public struct GrantDocument: Sendable, Hashable {
    public static let schemaName = "signoff.grant/1"

    public var action: HandOffAction
    public var grant: Grant

    public init(grant: Grant, action: HandOffAction) {
        self.grant = grant
        self.action = action
    }

    /// When access begins. Without an `expiresAt` (the policy starts the
    /// clock at provisioning) it is the earliest start, or nil when there is
    /// none: access must not begin before it, and lasts the duration from
    /// whichever comes later, it or provisioning's confirmation.
    public var startsAt: Date? { grant.startsAt }
    // `ends_by`, with no `expires_at` yet: the end of the window asked for.
    // Access must end by then, whenever provisioning confirmed it.

    /// Indented JSON with a final newline: the bytes handed off.
    public func encoded() -> Data {
        let terms = grant.terms
        var json = JSONOutput(pretty: true, capacity: 2048)
        json.beginObject()
        json.field("schema", Self.schemaName)
        json.field("action", action.rawValue)
        json.field("request_id", grant.requestID)
        json.accessFields(terms)
        json.field("starts_at", time: grant.startsAt)
        json.field("expires_at", time: grant.expiresAt)
        json.field("ends_by", time: grant.status.endsBy)
        json.field("duration_seconds", grant.duration.seconds)
        json.field("duration_text", grant.duration.description)
        json.field("approvers", grant.approvers)
        json.field("policy_version", grant.policyVersion)
        json.field("ticket", terms.ticket)
        json.field("incident", terms.incident)
        json.field("break_glass", terms.breakGlass)
        json.field("self_activated", grant.selfActivated)
        json.key("revocation_triggers")
        json.beginArray()
        for trigger in terms.revocationTriggers {
            json.beginObject()
            json.field("trigger", trigger.name)
            json.field("ref", trigger.ref)
            json.endObject()
        }
        json.endArray()
        json.field("extensions", grant.extensions)
        // Why the grant ended, for revoke and expire.
        json.field("end_reason", action == .grant ? nil : grant.endReason)
        json.endObject()
        json.newline()
        return Data(json.bytes)
    }

    /// SHA-256 of `bytes`, lowercase hex: recorded with the hand-off.
    public static func digest(_ bytes: Data) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `text` has the shape of `digest`'s result: 64 lowercase hex digits.
    public static func isDigest(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
    }
}
