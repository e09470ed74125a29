import ArgumentParser
import Foundation
import SignoffApp
import SignoffCore
import SignoffStore

struct Settings: ParsableCommand, JSONReporting {
    static let configuration = CommandConfiguration(
        commandName: "settings",
        abstract: "Show or change the store's settings (share group, trust of asserted identities).",
        discussion: """
        Examples:
          signoff settings                           show them
          signoff settings --share-group approvers   files 0660, owned by that group
          signoff settings --no-share-group          files 0600, owner only
          signoff settings --stop-trusting-asserted-identities
                                                     --as is refused from now on

        Settings are evidence: each change is a settings_changed event, made only by whoever the \
        policy lets change settings (change_settings; without such a role, the store's creator), \
        and `signoff audit verify` holds the settings to the events. Trust of asserted identities \
        can be turned off, never on.
        """)
    @OptionGroup var options: StoreOptions
    @Option(help: ArgumentHelp("Share the store's files with this group (mode 0660).", valueName: "group")) var shareGroup: String?
    @Flag(help: "Owner only (mode 0600).") var noShareGroup = false
    @Flag(help: "Refuse --as from now on; it cannot be turned on again.") var stopTrustingAssertedIdentities = false
    @Flag(help: "Print the settings (as changed) as JSON (signoff.settings/1).") var json = false
    var printsJSON: Bool { json }

    func run() throws {
        if shareGroup != nil && noShareGroup { throw CommandFailure.badInput("give --share-group or --no-share-group, not both") }
        if let shareGroup { try storable(shareGroup, .line, from: "--share-group") }
        let changing = shareGroup != nil || noShareGroup || stopTrustingAssertedIdentities
        let commands = try options.commands(reading: !changing)
        guard changing else {
            let settings = commands.store.settings
            if json {
                return try SettingsJSON(settings: settings, isFile: commands.store.sharedSession == nil,
                                        creator: try storeCall { try commands.store.creator() }, changed: false).print()
            }
            Terminal.line("trusts asserted identities (--as): \(settings.trustAssertedIdentities ? "yes (demos and tests only)" : "no")")
            Terminal.line("share group: \(settings.shareGroup.map { "\(Terminal.safe($0)) (files 0660)" } ?? "none (files 0600)")")
            if let creator = try storeCall({ try commands.store.creator() }) {
                Terminal.line("created by \(Terminal.safe(creator.name)) (\(creator.authentication.rawValue))")
            }
            return
        }
        let group: String?? = noShareGroup ? .some(nil) : shareGroup.map { .some($0) }
        let before = commands.store.settings.shareGroup
        let changed = try commands.run(Commands.ChangeSettings(trustAssertedIdentities: stopTrustingAssertedIdentities ? false : nil,
                                                               shareGroup: group)).output
        // The files follow the recorded setting; only a change of group touches them.
        if changed.shareGroup != before {
            do {
                try commands.store.applyFileAccess(shareGroup: changed.shareGroup)
            } catch {
                throw CommandFailure(.storeError, "the settings change was recorded, but the store's files were not changed: \(error); set their group and mode by hand (`signoff settings` shows what they should be)")
            }
        }
        if json {
            var settings = commands.store.settings
            settings.trustAssertedIdentities = changed.trustAssertedIdentities
            settings.shareGroup = changed.shareGroup
            return try SettingsJSON(settings: settings, isFile: commands.store.sharedSession == nil,
                                    creator: try storeCall { try commands.store.creator() }, changed: true).print()
        }
        Terminal.line("settings changed: asserted identities \(changed.trustAssertedIdentities ? "trusted" : "refused"), share group \(changed.shareGroup.map(Terminal.safe) ?? "none")")
    }
}
