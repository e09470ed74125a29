import ArgumentParser
import Foundation
import SignoffApp
import SignoffCore
import SignoffStore

struct Submit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Submit requests from YAML or JSON files (or - for stdin).",
        discussion: "Every request in every file is validated first; if any is invalid, none is submitted.")

    @OptionGroup var options: StoreOptions

    @Argument(help: ArgumentHelp("Request files; - reads stdin (the default when stdin is not a terminal).", valueName: "file"),
              completion: .file(extensions: ["yaml", "yml", "json"]))
    var files: [String] = []

    @Flag(help: "Print the result as JSON.")
    var json = false

    @Flag(help: "Validate and route every request, print what would happen, and write nothing.")
    var dryRun = false

    struct Submitted: Encodable {
        var id: String
        var state: String
        var route: String
        var version: Int
    }

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
        reportHandOffs(result)
        let submitted = result.output.map {
            Submitted(id: $0.id, state: $0.state.rawValue, route: $0.route, version: $0.version)
        }
        if json {
            try Terminal.json(submitted)
        } else {
            for entry in submitted {
                Terminal.line("\(entry.id)  \(entry.state)  v\(entry.version)  \(Terminal.safe(entry.route))")
            }
            if dryRun { Terminal.line("dry run: nothing was submitted") }
        }
    }
}
