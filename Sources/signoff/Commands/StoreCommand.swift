import ArgumentParser
import Foundation
import SignoffCore
import SignoffStore

/// Administering the store itself: on PostgreSQL, which roles act as which people.
struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Administer the store: which PostgreSQL roles act as which people.",
        subcommands: [Grant.self, Revoke.self, Roles.self])

    struct Grant: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Let a PostgreSQL role act as a person of the directory (PostgreSQL stores; administrator only).",
            discussion: """
            Every event the role records names that person, stamped by the database with the authentication
            postgresql_role: a client cannot record anything as someone else. The role becomes a member of the store's
            group role, which may read every table and call the store's functions, and write nothing directly.
            Granting a mapped role again replaces its person. --read-only lets a role read and verify, and record nothing.
            """)
        @OptionGroup var options: StoreOptions
        @Argument(help: ArgumentHelp("The PostgreSQL role (it must exist).", valueName: "role")) var role: String
        @Option(help: ArgumentHelp("The person of the policy's directory the role acts as.", valueName: "name")) var person: String?
        @Flag(help: "Only read and verify: the role acts as nobody.") var readOnly = false

        func validate() throws {
            if (person == nil) == !readOnly { throw ValidationError("give --person NAME, or --read-only") }
        }

        func run() throws {
            let location = try options.location()
            try storeCall { try Store.grant(role: role, person: person, in: location) }
            Terminal.line(person.map { "role \(Terminal.safe(role)) now acts as \(Terminal.safe($0))" }
                ?? "role \(Terminal.safe(role)) may read and verify the store, and record nothing")
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take every right in the store from a PostgreSQL role (administrator only).")
        @OptionGroup var options: StoreOptions
        @Argument(help: ArgumentHelp("The PostgreSQL role.", valueName: "role")) var role: String

        func run() throws {
            let location = try options.location()
            try storeCall { try Store.revoke(role: role, in: location) }
            Terminal.line("role \(Terminal.safe(role)) may no longer read or act in the store")
        }
    }

    struct Roles: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the PostgreSQL roles that act as people.")
        @OptionGroup var options: StoreOptions
        @Flag(help: "One JSON document.") var json = false

        struct Item: Encodable {
            var role: String
            var person: String
            var grantedAt: Date
            var grantedBy: String
            enum CodingKeys: String, CodingKey { case role, person, grantedAt = "granted_at", grantedBy = "granted_by" }
        }

        struct Document: Encodable {
            var schema = "signoff.store-role-list/1"
            var items: [Item]
        }

        func run() throws {
            let location = try options.location()
            let roles = try storeCall { try Store.roles(in: location) }
            if json {
                try Terminal.json(Document(items: roles.map {
                    Item(role: $0.role, person: $0.person, grantedAt: $0.grantedAt, grantedBy: $0.grantedBy)
                }))
                return
            }
            for role in roles {
                Terminal.line("\(Terminal.safe(role.role))\t\(Terminal.safe(role.person))\tgranted \(Timestamp.format(role.grantedAt)) by \(Terminal.safe(role.grantedBy))")
            }
        }
    }
}
