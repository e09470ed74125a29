import ArgumentParser
import Foundation
import SignoffCore
import SignoffStore
import SignoffApp

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Create a fresh demo store with a realistic policy and requests, and open the console on it.",
        discussion: "The demo store trusts asserted identities, so you can act as anyone in the example policy with --as.")

    @Option(help: ArgumentHelp("Where to create the demo store (a file or a postgresql:// URL; must not exist). Default: a new temporary directory.", valueName: "path|url"))
    var store: String?

    @Option(name: .customLong("as"), help: ArgumentHelp("Whom to act as in the console: an approver in the example policy.", valueName: "name"))
    var asserted: String = "dave"

    @Option(help: "How many requests to create.")
    var requests: Int = 300

    @Flag(help: "Create the store and exit without opening the console.")
    var noConsole = false

    @OptionGroup var console: ConsoleOptions

    func validate() throws {
        if requests < 1 || requests > 1_000_000 { throw ValidationError("--requests must be between 1 and 1,000,000") }
    }

    func run() throws {
        let location: StoreLocation
        if let store {
            do {
                location = try StoreLocation(parsing: store)
            } catch {
                throw CommandFailure.badInput("--store: \(error)")
            }
        } else {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("signoff-demo-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            location = .sqlite(path: directory.appendingPathComponent("demo.sqlite").path)
        }
        let policy = try Policy.parse(source: DemoPolicy.source, file: "examples/policy.yaml")
        guard policy.knowsPerson(asserted) else {
            throw CommandFailure.badInput("\(asserted) is not in the example policy; try one of: \(policy.people.joined(separator: ", "))")
        }
        let created = try storeCall { () throws -> Store in
            try Store.create(location, settings: StoreSettings(trustAssertedIdentities: true))
        }
        // The demo store trusts asserted identities, so SIGNOFF_NOW moves its clock too.
        let clock = try CommandClock.resolve(environment: ProcessInfo.processInfo.environment, store: created, runs: true)
        try storeCall { try DemoData.populate(created, policy: policy, count: requests, now: clock.now()) }
        if noConsole {
            Terminal.line("demo store: \(location)")
            return
        }
        let commands = Commands(store: created, actor: Principal(name: asserted, authentication: .asserted), clock: clock,
                                handOffs: .background)
        try ConsoleRunner.run(commands: commands, options: console)
        Terminal.line("demo store: \(location)")
        Terminal.line("look around with: signoff list --store \(location) --as \(asserted)")
    }
}
