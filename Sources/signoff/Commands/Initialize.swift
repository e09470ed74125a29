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
        do {
            _ = try Store.create(location, settings: settings)
        } catch {
            throw CommandFailure(.storeError, "\(error)")
        }
        Terminal.line("created \(location)\(trustAssertedIdentities ? " (trusts asserted identities: for demos and tests only)" : "")")
        Terminal.line("next: signoff policy apply POLICY.yaml --store \(location)")
    }
}
