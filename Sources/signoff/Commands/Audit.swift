import ArgumentParser
import Foundation
import SignoffCore
import SignoffStore

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify and export the evidence chain.",
        subcommands: [Verify.self, Export.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute the hash chain and the query tables; name the first bad event.",
            discussion: "Exit 0 when intact, 6 when anything was altered.")
        @OptionGroup var options: StoreOptions

        func run() throws {
            let store = try options.open()
            let report = try storeCall { try store.verify() }
            if let bad = report.firstBadEvent {
                Terminal.line("FAIL hash chain: first bad \(Terminal.safe(bad.description))")
            } else {
                Terminal.line("ok   hash chain: \(report.eventCount) events intact")
            }
            if report.projectionMismatches.isEmpty {
                Terminal.line("ok   query tables: \(report.requestCount) requests match their events")
            } else {
                for mismatch in report.projectionMismatches.prefix(20) {
                    Terminal.line("FAIL query table \(Terminal.safe(mismatch.description))")
                }
                if report.projectionMismatches.count > 20 {
                    Terminal.line("     … and \(report.projectionMismatches.count - 20) more mismatches")
                }
            }
            if !report.isIntact { throw CommandFailure(.verificationFailed, "the evidence in \(options.path) has been altered") }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the full evidence chain, per request, as JSON lines or CSV.",
            discussion: "Example: signoff audit export --format csv --request REQ-7 > REQ-7.csv")
        @OptionGroup var options: StoreOptions
        @Option(help: "jsonl or csv.") var format: String = "jsonl"
        @Option(help: "Only this request's events.") var request: String?

        func validate() throws {
            if ExportFormat(rawValue: format) == nil { throw ValidationError("--format must be jsonl or csv") }
        }

        func run() throws {
            let store = try options.open()
            let output = FileHandle.standardOutput
            let chosen = ExportFormat(rawValue: format) ?? .jsonl
            // JSON escapes are lossless; CSV is made display-safe only when a person is reading it.
            let toTerminal = isatty(STDOUT_FILENO) == 1
            try storeCall {
                try store.export(format: chosen, requestID: request) { line in
                    let safe = chosen == .jsonl ? Terminal.escapeForJSON(line) : (toTerminal ? Terminal.safe(line) : line)
                    output.write(Data(safe.utf8))
                }
            }
        }
    }
}
