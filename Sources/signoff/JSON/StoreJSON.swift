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
