import ArgumentParser
import Foundation
import SignoffApp
import SignoffCore
import SignoffStore

/// What approve and deny share: the request, the version the approver saw, and why.
struct ReviewOptions: ParsableArguments {
    @Argument(help: "The request ID, e.g. REQ-42.", completion: RequestIDCompletion.kind)
    var id: String

    @Option(name: .long, help: ArgumentHelp("The request version you reviewed, as `signoff show` prints it. A review against any other version is refused.", valueName: "n"))
    var version: Int?

    @OptionGroup var rationale: RationaleOptions

    @Flag(help: "Print the result as JSON (signoff.action-result/1).")
    var json = false
}

struct Approve: ParsableCommand, JSONReporting {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Approve a request, with a rationale.",
        discussion: "Example:\n  signoff approve REQ-42 --version 1 --rationale \"Read replica, 8h: OPS-1234\"")
    @OptionGroup var options: StoreOptions
    @OptionGroup var review: ReviewOptions
    var printsJSON: Bool { review.json }
    func run() throws { try recordReview(.approve, review, options) }
}

struct Deny: ParsableCommand, JSONReporting {
    static let configuration = CommandConfiguration(
        commandName: "deny",
        abstract: "Deny a request, with a rationale.",
        discussion: "Example:\n  signoff deny REQ-42 --version 1 --rationale \"Reading needs no admin\"")
    @OptionGroup var options: StoreOptions
    @OptionGroup var review: ReviewOptions
    var printsJSON: Bool { review.json }
    func run() throws { try recordReview(.deny, review, options) }
}

func recordReview(_ verdict: Verdict, _ review: ReviewOptions, _ options: StoreOptions) throws {
    let commands = try options.commands()
    let rationale = try review.rationale.value(required: true) ?? ""
    guard let shown = review.version else {
        let current = (try? commands.store.record(review.id))?.version
        throw CommandFailure.badOption("--version", "say which version you reviewed with --version\(current.map { " (it is now \($0); check it with `signoff show \(review.id)`)" } ?? "")")
    }
    let command = Commands.Review(id: review.id, verdict: verdict, rationale: rationale, shownVersion: shown)
    let result = try review.rationale.naming { try commands.run(command) }
    if review.json {
        return try ActionResultJSON(command.operation, id: review.id, result: result, commands: commands).print()
    }
    reportHandOffs(result)
    Terminal.line("\(verdict == .approve ? "approval" : "denial") of \(review.id) recorded; it is now \(result.output.rawValue)")
    // An extension's decision says what it did to the grant: extended by how
    // much (capped, where the policy's maximum total cut it), or why not.
    if let record = try? commands.store.record(review.id), record.request.extends != nil, let decision = record.decision {
        Terminal.line("  " + Terminal.safe(decision.reason))
    }
}

struct Withdraw: ParsableCommand, JSONReporting {
    static let configuration = CommandConfiguration(commandName: "withdraw", abstract: "Withdraw your own open request.")
    @OptionGroup var options: StoreOptions
    @Argument(help: "The request ID.", completion: RequestIDCompletion.kind) var id: String
    @OptionGroup var rationale: RationaleOptions
    @Flag(help: "Print the result as JSON (signoff.action-result/1).") var json = false
    var printsJSON: Bool { json }

    func run() throws {
        let commands = try options.commands()
        let why = try rationale.value(required: false)
        let result = try rationale.naming { try commands.run(Commands.Withdraw(id: id, rationale: why)) }
        if json { return try ActionResultJSON(.withdraw, id: id, result: result, commands: commands).print() }
        Terminal.line("\(id) withdrawn")
    }
}
