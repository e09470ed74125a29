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
    ///
    /// On a PostgreSQL store the actor is the person the session's role is
    /// mapped to, identified by PostgreSQL (the database checks it again). A
    /// role mapped to nobody (`store grant ROLE --read-only`) may read
    /// (`reading`: the store was opened only to read) as `reader(role:)`;
    /// it records nothing (the database refuses whatever it would).
    public static func actor(asserted: String?, in store: Store, reading: Bool = false) throws(CommandError) -> Principal {
        if asserted == nil, let session = store.sharedSession {
            guard let person = session.person else {
                if reading { return reader(role: session.role) }
                throw .store("""
                    the PostgreSQL role \(DisplaySafe.text(session.role)) acts as no person in this store, so it may read but \
                    not record anything; the store's administrator can run: signoff store grant \(DisplaySafe.text(session.role)) --person NAME
                    """)
            }
            return Principal(name: person, authentication: .postgresqlRole)
        }
        guard let asserted else { return Principal(name: osAccount(), authentication: .osAccount) }
        guard store.settings.trustAssertedIdentities else {
            // Who you act as instead: on PostgreSQL the person your role is mapped to, not this host's account.
            let yourself = store.sharedSession.map { session in
                session.person.map { "the person your PostgreSQL role \(DisplaySafe.text(session.role)) is mapped to (\(DisplaySafe.text($0)))" }
                    ?? "no one: your PostgreSQL role \(DisplaySafe.text(session.role)) acts as no person here"
            } ?? "your own account (\(osAccount()))"
            throw .store("this store does not trust asserted identities, so --as cannot be used; you act as \(yourself)")
        }
        if let problem = StorableText.problem(in: asserted, shape: .line) { throw .badInput("--as \(problem.message)") }
        guard !asserted.allSatisfy(\.isWhitespace) else { throw .badInput("--as needs a name: the person you act as") }
        guard asserted.first?.isWhitespace == false, asserted.last?.isWhitespace == false else {
            throw .badInput("--as \"\(DisplaySafe.text(asserted))\" starts or ends with a space: give the name as the policy's directory spells it")
        }
        guard asserted.unicodeScalars.count <= Limits.fieldLength else {
            throw .badInput("--as is \(asserted.unicodeScalars.count) characters long; at most \(Limits.fieldLength) are allowed")
        }
        // The names signoff's own actors are recorded under: nobody acts as them.
        guard !Principal.isReserved(asserted) else {
            throw .badInput("--as \(DisplaySafe.text(asserted)) is the name of signoff's own actor (signoff, policy:RULE): act as a person or account of the directory")
        }
        // Held to the directory's rule for names, which the policy's people
        // already follow: a name that reads as another's is nobody's.
        if let problem = PlainName.problem(in: asserted) {
            throw .badInput("--as \(problem.message): \(PlainName.hint)")
        }
        return Principal(name: asserted, authentication: .asserted)
    }

    /// Who a PostgreSQL role mapped to no person reads as: its name with
    /// `(reads only)`, shown as such wherever a reader's name is.
    public static func reader(role: String) -> Principal {
        Principal(name: "\(role) (reads only)", authentication: .postgresqlRole)
    }
}
