import ArgumentParser
import Foundation
import SignoffCore
import SignoffStore

struct Initialize: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a new, empty store.",
        discussion: """
        A file is readable and writable by its owner only, unless --share-group names a group of approvers on this host. \
        On PostgreSQL (--store postgresql://...), the store is the schema signoff in that database, owned by the role \
        that runs init: the store's administrator, who then lets other roles act as people with `signoff store grant`.
        """)

    @OptionGroup var options: StoreOptions

    @Flag(help: "Trust identities asserted with --as. For demos and tests only; every event records that its actor was asserted.")
    var trustAssertedIdentities = false

    @Option(help: ArgumentHelp("Share the store file with this group (mode 0660).", valueName: "group"))
    var shareGroup: String?

    @Option(help: ArgumentHelp("PostgreSQL: the person of the directory the creating role acts as. Default: the role's name.", valueName: "name"))
    var person: String?

    func run() throws {
        if options.asserted != nil { throw CommandFailure.badInput("--as has no meaning for init") }
        // As everywhere: SIGNOFF_NOW moves the clock only of a store that trusts asserted identities.
        var createdAt = Date()
        if let text = ProcessInfo.processInfo.environment["SIGNOFF_NOW"], !text.isEmpty {
            guard trustAssertedIdentities else {
                throw CommandFailure(.storeError, "SIGNOFF_NOW is set, but only a store that trusts asserted identities may have its clock moved; unset SIGNOFF_NOW")
            }
            guard let date = Timestamp.parse(text) else {
                throw CommandFailure.badInput("SIGNOFF_NOW=\(text) is not an ISO 8601 time such as 2026-11-21T09:30:00Z")
            }
            createdAt = date
        }
        let settings = StoreSettings(trustAssertedIdentities: trustAssertedIdentities, shareGroup: shareGroup, createdAt: createdAt)
        let location = try options.location()
        if case .postgresql = location, shareGroup != nil {
            throw CommandFailure.badInput("--share-group shares a store file; on PostgreSQL, grant roles with `signoff store grant`")
        }
        do {
            try Store.initialize(location, settings: settings, person: person)
        } catch {
            throw CommandFailure(.storeError, "\(error)")
        }
        Terminal.line("created \(location)\(trustAssertedIdentities ? " (trusts asserted identities: for demos and tests only)" : "")")
        Terminal.line("next: signoff policy apply POLICY.yaml --store \(location)")
    }
}
