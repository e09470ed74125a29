import Foundation
import SignoffCore
import SignoffStore

/// A PostgreSQL role that acts as a person of the directory
/// (`signoff.store-role/1`): `store roles` lists them.
struct StoreRoleJSON: JSONDocument {
    static let schema: StaticString = "signoff.store-role/1"
    var role: StoreRole

    func members(_ json: inout JSONOutput) {
        json.field("role", role.role)
        json.field("person", role.person)
        json.field("granted_at", time: role.grantedAt)
        json.field("granted_by", role.grantedBy)
    }
}
