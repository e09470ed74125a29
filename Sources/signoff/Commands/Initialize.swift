import ArgumentParser
import Foundation
import SignoffCore
import SignoffStore

struct Initialize: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a new, empty store.",
        discussion: "The file is readable and writable by its owner only, unless --share-group names a group of approvers on this host.")

    @OptionGroup var options: StoreOptions

    @Flag(help: "Trust identities asserted with --as. For demos and tests only; every event records that its actor was asserted.")
    var trustAssertedIdentities = false

    @Option(help: ArgumentHelp("Share the store with this group (mode 0660).", valueName: "group"))
    var shareGroup: String?

    func run() throws {
        if options.asserted != nil { throw CommandFailure.badInput("--as has no meaning for init") }
        let settings = StoreSettings(trustAssertedIdentities: trustAssertedIdentities, shareGroup: shareGroup, createdAt: Date())
        let location = try options.location()
        do {
            _ = try Store.create(location, settings: settings)
        } catch {
            throw CommandFailure(.storeError, "\(error)")
        }
        Terminal.line("created \(location)\(trustAssertedIdentities ? " (trusts asserted identities: for demos and tests only)" : "")")
        Terminal.line("next: signoff policy apply POLICY.yaml --store \(location)")
    }
}
