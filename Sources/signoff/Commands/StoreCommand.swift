import ArgumentParser
import Foundation
import SignoffCore
import SignoffStore

/// Administering the store itself: on PostgreSQL, which roles act as which people.
struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Administer the store: which PostgreSQL roles act as which people, and copying it between a file and PostgreSQL.",
        subcommands: [Grant.self, Revoke.self, Roles.self, Copy.self])

    struct Grant: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "grant",
            abstract: "Let a PostgreSQL role act as a person of the directory (PostgreSQL stores; administrator only).",
            discussion: """
            Every event the role records names that person, stamped by the database with the authentication \
            postgresql_role: a client cannot record anything as someone else. The role becomes a member of the store's \
            group role, which may read every table and call the store's functions, and write nothing directly. \
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
            // A name the directory does not list is most likely a typo: said, not refused
            // (the mapping may come before the policy that lists the person).
            if let person, let policy = try? Store.open(location).currentPolicy(), let parsed = try? policy.parsed(),
               !parsed.knowsPerson(person) {
                let suggestion = closest(to: person, in: parsed.people).map { " (did you mean \(Terminal.safe($0))?)" } ?? ""
                Terminal.warning("""
                    \(Terminal.safe(person)) is not a person of the directory of policy \(Terminal.safe(policy.version))\(suggestion): \
                    nothing is routed to them and no role of the policy is theirs until a policy lists them
                    """)
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke",
            abstract: "Take every right in the store from a PostgreSQL role (administrator only).")
        @OptionGroup var options: StoreOptions
        @Argument(help: ArgumentHelp("The PostgreSQL role.", valueName: "role")) var role: String

        func run() throws {
            let location = try options.location()
            try storeCall { try Store.revoke(role: role, in: location) }
            Terminal.line("role \(Terminal.safe(role)) may no longer read or act in the store")
        }
    }

    struct Roles: ParsableCommand, JSONReporting {
        static let configuration = CommandConfiguration(
            commandName: "roles",
            abstract: "List every PostgreSQL role that can read the store or is mapped to act in it, and how.",
            discussion: """
            A role acts as its PERSON; a role without one only reads. ACCESS says how it reaches the store's tables, \
            the first that holds of: administrator (it owns the store's schema), superuser, member (of the store's group \
            role, as `store grant` makes it), inherited (a member through another role), table_grant (SELECT granted on \
            the store's tables), none (mapped, but it can no longer read: it acts as nobody until granted again). Roles \
            that cannot log in are listed only when mapped. Grants made outside signoff are listed, and `store revoke` \
            cannot take them back.
            """)
        @OptionGroup var options: StoreOptions
        @Flag(help: "Print one JSON document (signoff.store-role-list/2).") var json = false
        @Flag(help: "Print JSON lines: one signoff.store-role/2 object per role.") var jsonl = false
        var printsJSON: Bool { json || jsonl }

        func run() throws {
            let format = try ListFormat(json: json, jsonLines: jsonl)
            let location = try options.location()
            let roles = try storeCall { try Store.roles(in: location) }
            var writer = JSONListWriter<StoreRoleJSON>(listSchema: "signoff.store-role-list/2", lines: format == .jsonLines)
            // Aligned columns: a tab in one line would reach the terminal as a visible control character.
            var table = TextTable([.init(title: "ROLE", maximum: 63), .init(title: "PERSON", maximum: 64), .init(title: "ACCESS"),
                                   .init(title: "GRANTED"), .init(title: "BY", maximum: 63)]) { Terminal.line($0) }
            for role in roles {
                switch format {
                case .text:
                    try table.add([Terminal.safe(role.role) + (role.canLogIn ? "" : " (cannot log in)"),
                                   role.person.map(Terminal.safe) ?? "(reads only)", role.access.rawValue,
                                   role.grantedAt.map(Timestamp.format) ?? "-", role.grantedBy.map(Terminal.safe) ?? "-"])
                case .json, .jsonLines: try writer.append(StoreRoleJSON(role: role))
                }
            }
            switch format {
            case .text: try table.finish()
            case .json, .jsonLines: try writer.finish()
            }
        }
    }
}

extension StoreCommand {
    struct Copy: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "copy",
            abstract: "Copy a store file into a new PostgreSQL store, or a PostgreSQL store into a new file.",
            discussion: """
            Every event is copied with its hash unchanged, so `signoff audit verify` passes on both and their heads are \
            equal. Into PostgreSQL, the database must hold no store yet: it is created as `signoff init` creates one, \
            owned by the connecting role, which acts as --person (default: its own name). Into a file, the file must not \
            exist. Every event is checked on the way; nothing is left behind when the copy fails. A file that does not pass \
            `signoff audit verify` is not copied.
            """)
        @Argument(help: ArgumentHelp("The store to copy: a file or a postgresql:// URL.", valueName: "from")) var from: String
        @Argument(help: ArgumentHelp("The new store: a postgresql:// URL or a file.", valueName: "to")) var to: String
        @Option(help: ArgumentHelp("Into PostgreSQL: the person of the directory the connecting role acts as.", valueName: "name"))
        var person: String?

        func run() throws {
            let source = try storeCall { try StoreLocation(parsing: from) }
            let target = try storeCall { try StoreLocation(parsing: to) }
            let copied = try storeCall { try Store.copy(from: source, to: target, person: person) }
            Terminal.line("copied \(copied) events from \(Terminal.safe(source.description)) to \(Terminal.safe(target.description))")
        }
    }
}
