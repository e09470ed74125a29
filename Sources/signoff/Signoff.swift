import ArgumentParser
import Foundation
import SignoffApp
import SignoffCore
import SignoffStore

@main
struct Signoff: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signoff",
        abstract: "The approver's console for access requests.",
        discussion: """
        With no command, opens the console on the configured store.
        Exit codes: 0 success, 1 internal error, 2 bad input, 3 refused by policy or rules, \
        4 conflict (already decided or changed since shown), 5 store error, 6 evidence altered; \
        `signoff wait` also: 7 decided but not approved, 8 still undecided at its timeout; \
        `signoff reconcile` also: 9 the run opened findings.
        """,
        version: SignoffVersion.text,
        subcommands: [
            Console.self, Demo.self, Initialize.self, Submit.self, List.self, Show.self,
            Approve.self, Deny.self, Withdraw.self, Wait.self, Grants.self, Expire.self, Revoke.self,
            Trigger.self, Extend.self, SelfActivate.self, IncidentReviews.self, ReviewIncident.self,
            Provisioned.self, ProvisioningFailed.self, HandOffSettings.self, Settings.self, PolicyCommand.self, Import.self, Audit.self, Notify.self,
            Reconcile.self, Drift.self,
            StoreCommand.self
        ],
        defaultSubcommand: Console.self
    )

    /// Runs the command and maps every failure to its documented exit code
    /// (usage errors are bad input), in one place: as a message on stderr, or
    /// for a command that prints JSON as the `signoff.error/1` document.
    static func main() {
        var json = asksForJSON(Array(CommandLine.arguments.dropFirst()))
        do {
            var command = try parseAsRoot()
            if let reporting = command as? JSONReporting { json = reporting.printsJSON }
            Terminal.printsJSON = json
            if let problem = Store.lockTimeoutSetting().problem { throw CommandFailure.badInput(problem) }
            try command.run()
            try StandardOutput.flush()
        } catch {
            try? StandardOutput.flush()
            let failure: CommandFailure
            var usage: String?
            switch error {
            case let known as CommandFailure: failure = known
            case let known as CommandError: failure = CommandFailure(known)
            case let undecodable as UndecodableEvent:
                failure = CommandFailure(.verificationFailed, "\(undecodable); the evidence was altered: run `signoff audit verify`")
            default:
                // ArgumentParser's: help, a version, or a usage error.
                let code = exitCode(for: error)
                if code == .success {
                    Terminal.line(fullMessage(for: error))
                    Foundation.exit(0)
                }
                usage = fullMessage(for: error)
                failure = CommandFailure(code == .validationFailure ? .badInput : .internalError, message(for: error))
            }
            if json {
                ErrorJSON(failure: failure).report()
            } else {
                // Usage errors quote the arguments given, which may be anything.
                Terminal.error(usage ?? failure.message)
            }
            Foundation.exit(failure.outcome.rawValue)
        }
    }

    /// Whether the command line asks for JSON, for failures before (or while)
    /// the command is parsed.
    static func asksForJSON(_ arguments: [String]) -> Bool {
        for argument in arguments {
            if argument == "--" { return false }
            if argument == "--json" || argument == "--jsonl" { return true }
        }
        return false
    }
}

/// A command that may print JSON: its failures are then reported as the JSON
/// error document on stderr.
protocol JSONReporting {
    var printsJSON: Bool { get }
}
