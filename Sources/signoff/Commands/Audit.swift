import ArgumentParser
import Foundation
import SignoffApp
import SignoffCore
import SignoffStore

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify and export the evidence chain.",
        subcommands: [Verify.self, Head.self, Export.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute the hash chain and the query tables; name the first bad event.",
            discussion: """
            Exit 0 when intact, 6 when anything was altered.
            Whoever can write the store file could rewrite history and compute the hashes again; an anchor
            from `signoff audit head`, kept where they cannot change it, shows that:
              signoff audit verify --anchor 1042:3f9a…
            """)
        @OptionGroup var options: StoreOptions
        @Option(name: .customLong("anchor"), help: ArgumentHelp(
            "An anchor from `signoff audit head` (SEQUENCE:HASH) the chain must still hold; repeatable.",
            valueName: "anchor")) var anchorTexts: [String] = []

        func run() throws {
            var anchors: [ChainAnchor] = []
            for text in anchorTexts {
                guard let anchor = ChainAnchor(parsing: text) else {
                    throw CommandFailure.badInput("--anchor \(Terminal.safe(text)): expected SEQUENCE:HASH as `signoff audit head` prints it (64 lowercase hex digits)")
                }
                anchors.append(anchor)
            }
            let store = try options.openForReading()
            let report = try storeCall { try store.verify(anchors: anchors) }
            if let bad = report.firstBadEvent {
                Terminal.line("FAIL hash chain: first bad \(Terminal.safe(bad.description))")
            } else {
                Terminal.line("ok   hash chain: \(report.eventCount) events intact")
            }
            for broken in report.brokenAnchors {
                Terminal.line("FAIL anchor: \(broken)")
            }
            if !anchors.isEmpty, report.brokenAnchors.isEmpty {
                Terminal.line("ok   anchors: the chain holds all \(anchors.count)")
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
            if !report.isIntact { throw CommandFailure(.verificationFailed, "the evidence in \(store.path) has been altered") }
        }
    }

    struct Head: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the last event's sequence and hash: an anchor to keep outside the store.",
            discussion: """
            Keep it where the store's writers cannot change it (a ticket, a log server, a commit), then
            `signoff audit verify --anchor SEQUENCE:HASH` shows whether history up to it was rewritten.
            Example, daily from cron: signoff audit head | logger -t signoff-anchor
            """)
        @OptionGroup var options: StoreOptions

        func run() throws {
            let store = try options.openForReading()
            guard let head = try storeCall({ try store.chainHead() }) else {
                throw CommandFailure(.refused, "the store has no events yet; there is nothing to anchor")
            }
            Terminal.line(head.description)
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
            let store = try options.openForReading()
            let output = FileHandle.standardOutput
            let chosen = ExportFormat(rawValue: format) ?? .jsonl
            if let request, try storeCall({ try store.record(request) }) == nil { throw CommandError.noSuchRequest(request) }
            // JSON escapes are lossless; the CSV export neutralises its fields itself (see `ExportFormat.csv`).
            try storeCall {
                try store.export(format: chosen, requestID: request) { line in
                    output.write(Data((chosen == .jsonl ? Terminal.escapeForJSON(line) : line).utf8))
                }
            }
        }
    }
}
