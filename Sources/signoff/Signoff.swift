import ArgumentParser
import Foundation
import SignoffApp
import SignoffCore

@main
struct Signoff: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signoff",
        abstract: "The approver's console for access requests.",
        discussion: """
        With no command, opens the console on the configured store.
        Exit codes: 0 success, 1 internal error, 2 bad input, 3 refused by policy or rules,
        4 conflict (already decided or changed since shown), 5 store error, 6 evidence altered;
        `signoff wait` also: 7 decided but not approved, 8 still undecided at its timeout;
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

    /// Maps every failure to its documented exit code; usage errors are bad input.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let failure as CommandFailure {
            Terminal.error(failure.message)
            Foundation.exit(failure.outcome.rawValue)
        } catch let error as CommandError {
            let failure = CommandFailure(error)
            Terminal.error(failure.message)
            Foundation.exit(failure.outcome.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                Terminal.line(fullMessage(for: error))
                Foundation.exit(0)
            }
            // Usage errors quote the arguments given, which may be anything.
            Terminal.error(fullMessage(for: error))
            Foundation.exit(code == .validationFailure ? Outcome.badInput.rawValue : Outcome.internalError.rawValue)
        }
    }
}
