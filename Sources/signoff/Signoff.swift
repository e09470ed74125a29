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
        With no command, opens the console on the configured store. `signoff --version` prints the version.
        \(Outcome.help)
        Environment: SIGNOFF_STORE, the store when --store is not given; SIGNOFF_LOCK_TIMEOUT, \
        how many seconds a write waits for the store's lock (default 120); SSH_AUTH_SOCK, \
        the ssh-agent that signs decisions; SIGNOFF_SIGNING_KEY, a key file to sign them with \
        instead (over the signing file's key); SIGNOFF_NOW, the time commands act at, only in a store \
        that trusts asserted identities (demos, tests); NO_COLOR, a console without colours.
        """,
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
        assert(unnamedCommands(Signoff.self).isEmpty, "commands without a commandName: \(unnamedCommands(Signoff.self))")
        // `signoff --version`, answered here: ArgumentParser's own flag (a root
        // configuration's `version`) would show in every subcommand's help,
        // beside approve's and deny's `--version N`, the request version.
        if Array(CommandLine.arguments.dropFirst()) == ["--version"] {
            Terminal.line(SignoffVersion.text)
            return
        }
        var json = asksForJSON(Array(CommandLine.arguments.dropFirst()))
        do {
            if let problem = argumentNotUTF8() { throw CommandFailure.badInput(problem) }
            if let first = CommandLine.arguments.dropFirst().first { try checkCommandName(first) }
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
                var usageFailure = CommandFailure(code == .validationFailure ? .badInput : .internalError, message(for: error))
                usageFailure.option = firstOption(in: usageFailure.message)
                failure = usageFailure
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

    /// The first argument, when it is a word rather than an option, must name
    /// a command: ArgumentParser would take it for an argument of the console
    /// (the default command) and answer with the console's usage.
    /// The first argument whose bytes are not UTF-8, named by its position
    /// (and the option before it): Swift hands the program arguments over
    /// with such bytes replaced by U+FFFD, so a rationale, a name or a
    /// reference would be recorded as text nobody gave. Refused, as a file
    /// that is not UTF-8 is.
    static func argumentNotUTF8() -> String? {
        for index in 1..<Int(CommandLine.argc) {
            guard let argument = CommandLine.unsafeArgv[index] else { continue }
            let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(argument).assumingMemoryBound(to: UInt8.self), count: strlen(argument))
            guard let offset = UTF8Check.firstInvalidOffset(bytes) else { continue }
            let before = index > 1 ? CommandLine.arguments[index - 1] : ""
            let option = before.hasPrefix("-") ? " (the value of \(DisplaySafe.text(before)))" : ""
            return "argument \(index)\(option) is not valid UTF-8 (byte offset \(offset)): signoff records text exactly as given; give it in UTF-8"
        }
        return nil
    }

    /// The option a usage error names first (`--limit` in "--limit must be
    /// at least 1" and in "The value 'x' is invalid for '--limit <limit>'"),
    /// as the JSON error's field; nil when it names none.
    static func firstOption(in message: String) -> String? {
        var rest = Substring(message)
        while let start = rest.range(of: "--") {
            let name = rest[start.upperBound...].prefix { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }
            if let first = name.first, first.isLowercase { return "--" + name }
            rest = rest[start.upperBound...]
        }
        return nil
    }

    static func checkCommandName(_ word: String) throws {
        guard !word.hasPrefix("-") else { return }
        let names = configuration.subcommands.flatMap { [$0._commandName] + $0.configuration.aliases } + ["help"]
        guard !names.contains(word) else { return }
        let suggestion = closest(to: word, in: names).map { " (did you mean \"\($0)\"?)" } ?? ""
        throw CommandFailure.badInput("""
            unknown command "\(DisplaySafe.text(word))"\(suggestion); `signoff --help` lists the commands
            """)
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

extension Signoff {
    /// Commands in the tree under `command` whose configuration names none.
    /// ArgumentParser derives a missing name from the type's name with
    /// `String(describing:)`, whose metadata lookups cost every start of
    /// `signoff` about a quarter of its time: each command names itself.
    static func unnamedCommands(_ command: ParsableCommand.Type) -> [String] {
        let configuration = command.configuration
        let own = configuration.commandName == nil ? ["\(command)"] : []
        return own + configuration.subcommands.flatMap(unnamedCommands)
    }
}
