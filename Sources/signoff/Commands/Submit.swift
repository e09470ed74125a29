import ArgumentParser
import Foundation
import SignoffApp
import SignoffCore
import SignoffStore

struct Submit: ParsableCommand, JSONReporting {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Submit requests from YAML or JSON files (or - for stdin).",
        discussion: "Every request in every file is validated first; if any is invalid, none is submitted.")

    @OptionGroup var options: StoreOptions

    @Argument(help: ArgumentHelp("Request files; - reads stdin (the default when stdin is not a terminal).", valueName: "file"),
              completion: .file(extensions: ["yaml", "yml", "json"]))
    var files: [String] = []

    @Flag(help: "Print the result as JSON (signoff.submission/1).")
    var json = false

    @Flag(help: "Validate and route every request, print what would happen, and write nothing.")
    var dryRun = false

    var printsJSON: Bool { json }

    func run() throws {
        if files.isEmpty, isatty(STDIN_FILENO) == 1 {
            throw CommandFailure.badInput("which requests? give a file: signoff submit request.yaml (or - to type one here, ending with Ctrl-D)")
        }
        let commands = try options.commands()
        let sources = try (files.isEmpty ? ["-"] : files).map { path in
            let (text, name) = try readText(path)
            return Commands.RequestSource(text: text, name: name)
        }
        let result = try commands.run(Commands.Submit(sources, dryRun: dryRun))
        if json {
            return try SubmissionJSON(records: result.output, dryRun: dryRun, result: result).print()
        }
        reportHandOffs(result)
        for record in result.output {
            Terminal.line("\(record.id)  \(record.state.rawValue)  v\(record.version)  \(Terminal.safe(record.route?.summary ?? ""))")
        }
        if dryRun { Terminal.line("dry run: nothing was submitted") }
    }
}
