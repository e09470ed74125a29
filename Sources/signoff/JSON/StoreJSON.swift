import Foundation
import SignoffCore
import SignoffStore

/// A PostgreSQL role that can read the store or is mapped to act in it
/// (`signoff.store-role/2`): `store roles` lists them.
struct StoreRoleJSON: JSONDocument {
    static let schema: StaticString = "signoff.store-role/2"
    var role: StoreRole

    func members(_ json: inout JSONOutput) {
        json.field("role", role.role)
        json.field("person", role.person)
        json.field("access", role.access.rawValue)
        json.field("can_log_in", role.canLogIn)
        json.field("granted_at", time: role.grantedAt)
        json.field("granted_by", role.grantedBy)
    }
}

/// The store's settings (`signoff.settings/1`): `settings --json`, as they
/// are, or as the command just changed them.
struct SettingsJSON: JSONDocument {
    static let schema: StaticString = "signoff.settings/1"
    var settings: StoreSettings
    /// A store file (whose mode follows the share group), not a PostgreSQL store.
    var isFile: Bool
    var creator: Principal?
    /// Whether this command recorded a change.
    var changed: Bool

    func members(_ json: inout JSONOutput) {
        json.field("trust_asserted_identities", settings.trustAssertedIdentities)
        json.field("share_group", settings.shareGroup)
        json.field("file_mode", isFile ? (settings.shareGroup == nil ? "0600" : "0660") : nil)
        json.field("created_at", time: settings.createdAt)
        json.field("created_by", creator?.name)
        json.field("created_by_authentication", creator?.authentication.rawValue)
        json.field("changed", changed)
    }
}
