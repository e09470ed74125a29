import Foundation
import SignoffCore
import SignoffStore

/// Who a process acts as.
public enum Identity {
    /// The name of the account running this process, from the password
    /// database, not from $USER (which anyone can set).
    public static func osAccount() -> String {
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name {
            return String(cString: name)
        }
        return "uid:\(geteuid())"
    }

    /// The acting identity: the operating-system account, or an asserted
    /// name where the store was created to trust one (demos, tests); the
    /// evidence records which.
    public static func actor(asserted: String?, in store: Store) throws(CommandError) -> Principal {
        guard let asserted else { return Principal(name: osAccount(), authentication: .osAccount) }
        guard store.settings.trustAssertedIdentities else {
            throw .store("this store does not trust asserted identities, so --as cannot be used; you act as your own account (\(osAccount()))")
        }
        if let problem = StorableText.problem(in: asserted, shape: .line) { throw .badInput("--as \(problem.message)") }
        guard !asserted.isEmpty, !asserted.unicodeScalars.contains(where: DisplaySafe.isUnsafe) else {
            throw .badInput("--as needs a plain name: no invisible or direction-changing characters")
        }
        return Principal(name: asserted, authentication: .asserted)
    }
}
