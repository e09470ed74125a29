import ArgumentParser
import Foundation
import SignoffApp
import SignoffCore
import SignoffStore

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Verify and export the evidence chain.",
        subcommands: [Verify.self, Head.self, Export.self, AllowedSigners.self])

    struct Verify: ParsableCommand, JSONReporting {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Recompute the hash chain and the query tables; name the first bad event.",
            discussion: """
            Exit 0 when intact, 6 when anything was altered. \
            Whoever can write the store file could rewrite history and compute the hashes again; an anchor \
            from `signoff audit head`, kept where they cannot change it, shows that:
              signoff audit verify --anchor 1042:3f9a…
            """)
        @OptionGroup var options: StoreOptions
        @Option(name: .customLong("anchor"), help: ArgumentHelp(
            "An anchor from `signoff audit head` (SEQUENCE:HASH) the chain must still hold; repeatable.",
            valueName: "anchor")) var anchorTexts: [String] = []
        @Flag(help: "Print the report as JSON (signoff.verify/1).") var json = false
        var printsJSON: Bool { json }

        func run() throws {
            var anchors: [ChainAnchor] = []
            for text in anchorTexts {
                guard let anchor = ChainAnchor(parsing: text) else {
                    throw CommandFailure.badOption("--anchor", "--anchor \(Terminal.quoted(text)): expected SEQUENCE:HASH as `signoff audit head` prints it (64 lowercase hex digits)")
                }
                anchors.append(anchor)
            }
            let store = try options.openForReading()
            let report = try storeCall { try store.verify(anchors: anchors) }
            let altered = CommandFailure(.verificationFailed, "the evidence in \(store.path) has been altered")
            if json {
                try VerifyJSON(report: report).print()
                if !report.isIntact { throw altered }
                return
            }
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
                    // "events": an event no command records (a decision the
                    // lifecycle refuses, an identity the store did not trust).
                    Terminal.line((mismatch.table == "events" ? "FAIL " : "FAIL query table ") + Terminal.safe(mismatch.description))
                }
                if report.projectionMismatches.count > 20 {
                    Terminal.line("     … and \(report.projectionMismatches.count - 20) more mismatches")
                }
            }
            if report.signatureProblems.isEmpty {
                var older: [String] = []
                if report.schema1SignedEventCount > 0 {
                    older.append("\(report.schema1SignedEventCount) over signoff.statement/1, made before the store signed "
                                 + "signoff.statement/2: a /1 submission's signature does not cover its request ID")
                }
                if report.schema2SignedEventCount > 0 {
                    older.append("\(report.schema2SignedEventCount) over signoff.statement/2, made before the store signed "
                                 + "signoff.statement/3: a /2 statement does not name its store")
                }
                let counts = older.isEmpty ? "" : " (" + older.joined(separator: "; ") + ")"
                Terminal.line("ok   signatures: \(report.signedEventCount) signed events hold\(counts), and every decision that needed one has one")
            } else {
                // Every one is named: each is a decision nobody can vouch for.
                for problem in report.signatureProblems {
                    Terminal.line("FAIL signature: \(Terminal.safe(problem.description))")
                }
            }
            if !report.isIntact { throw altered }
        }
    }

    struct Head: ParsableCommand, JSONReporting {
        static let configuration = CommandConfiguration(
            commandName: "head",
            abstract: "Print the last event's sequence and hash: an anchor to keep outside the store.",
            discussion: """
            Keep it where the store's writers cannot change it (a ticket, a log server, a commit), then \
            `signoff audit verify --anchor SEQUENCE:HASH` shows whether history up to it was rewritten.
            Example, daily from cron: signoff audit head | logger -t signoff-anchor
            """)
        @OptionGroup var options: StoreOptions
        @Flag(help: "Print the anchor as JSON (signoff.chain-head/1).") var json = false
        var printsJSON: Bool { json }

        func run() throws {
            let store = try options.openForReading()
            guard let head = try storeCall({ try store.chainHead() }) else {
                throw CommandFailure(.refused, "the store has no events yet; there is nothing to anchor")
            }
            if json { return try ChainHeadJSON(head: head).print() }
            Terminal.line(head.description)
        }
    }

    struct Export: ParsableCommand, JSONReporting {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Write the full evidence chain, per request, as JSON lines or CSV.",
            discussion: """
            Example: signoff audit export --format csv --request REQ-7 > REQ-7.csv
            JSON lines are signoff.event/1 objects, written as they are read; their failures are reported as \
            the JSON error document on stderr. Each payload is the stored JSON object: serialised again with \
            sorted keys and no spaces, it gives the bytes the event's hash covers. A signed event carries its \
            signature and the exact statement signed: `ssh-keygen -Y verify` checks them with the file \
            `signoff audit allowed-signers` writes.
            """)
        @OptionGroup var options: StoreOptions
        @Option(help: "jsonl or csv.") var format: String = "jsonl"
        @Option(help: "Only this request's events.") var request: String?

        var printsJSON: Bool { format == ExportFormat.jsonl.rawValue }

        func validate() throws {
            if ExportFormat(rawValue: format) == nil { throw ValidationError("--format must be jsonl or csv") }
        }

        func run() throws {
            let store = try options.openForReading()
            let chosen = ExportFormat(rawValue: format) ?? .jsonl
            if let request, try storeCall({ try store.record(request) }) == nil { throw CommandError.noSuchRequest(request) }
            // JSON escapes are lossless; the CSV export neutralises its fields itself (see `ExportFormat.csv`).
            var chunk: [UInt8] = []
            chunk.reserveCapacity(80 * 1024)
            var records = 0
            do {
                try store.export(format: chosen, requestID: request) { record in
                    chunk.append(contentsOf: record)
                    records += 1
                    // The first record at once, then in chunks of about 64 KB.
                    if records == 1 || chunk.count >= 64 * 1024 {
                        try StandardOutput.write(chunk)
                        chunk.removeAll(keepingCapacity: true)
                    }
                }
            } catch let error as UndecodableEvent {
                throw error
            } catch let error as CommandFailure {
                throw error
            } catch StoreError.unknownRequest(let id) {
                throw CommandFailure(CommandError.noSuchRequest(id))
            } catch {
                throw CommandFailure(.storeError, "\(error)")
            }
            try StandardOutput.write(chunk)
        }
    }

    struct AllowedSigners: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "allowed-signers",
            abstract: "Write OpenSSH's allowed_signers file for every key the policies listed, and when.",
            discussion: """
            With it and `audit export`, anyone can check a signed decision with stock \
            OpenSSH:
              signoff audit allowed-signers > allowed_signers
              ssh-keygen -Y verify -f allowed_signers -I dave -n signoff -s sig \\
                  -Overify-time=20261121093000Z < statement

            Each key is valid only while the policies in force listed it for that person; \
            -Overify-time (the statement's time) is needed for a key no longer listed. \
            Only a store that passes `audit verify` (run first) gets a file.
            """)
        @OptionGroup var options: StoreOptions

        func run() throws {
            let store = try options.openForReading()
            var versions: [SignoffCore.AllowedSigners.Version] = []
            for stored in try storeCall({ try store.verifiedAppliedPolicies() }) {
                do {
                    let policy = try Policy.parse(source: stored.source, file: stored.file)
                    versions.append(.init(appliedAt: stored.appliedAt, policy: policy))
                } catch {
                    // Fail closed: its keys are not vouched for, and the file must be seen to be incomplete.
                    throw CommandFailure(.storeError, "the policy \(stored.version.prefix(12)) applied at \(Timestamp.format(stored.appliedAt)) no longer parses, so the keys it listed cannot be written: \(error)")
                }
            }
            try StandardOutput.write(Array(SignoffCore.AllowedSigners.file(versions).utf8))
        }
    }
}
