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

    @Flag(help: "Print the result as JSON.")
    var json = false
}

struct Approve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Approve a request, with a rationale.",
        discussion: "Example: signoff approve REQ-42 --version 1 --rationale \"Read replica only, 8h, matches OPS-1234\"")
    @OptionGroup var options: StoreOptions
    @OptionGroup var review: ReviewOptions
    func run() throws { try recordReview(.approve, review, options) }
}

struct Deny: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Deny a request, with a rationale.",
        discussion: "Example: signoff deny REQ-42 --version 1 --rationale \"Admin is not needed to read reports\"")
    @OptionGroup var options: StoreOptions
    @OptionGroup var review: ReviewOptions
    func run() throws { try recordReview(.deny, review, options) }
}

struct ReviewOutput: Encodable {
    var id: String
    var verdict: String
    var recorded: Bool
    var state: String
    var message: String
}

func recordReview(_ verdict: Verdict, _ review: ReviewOptions, _ options: StoreOptions) throws {
    let commands = try options.commands()
    let rationale = try review.rationale.value(required: true) ?? ""
    guard let shown = review.version else {
        let current = (try? commands.store.record(review.id))?.version
        throw CommandFailure.badInput("say which version you reviewed with --version\(current.map { " (it is now \($0); check it with `signoff show \(review.id)`)" } ?? "")")
    }
    let noun = verdict == .approve ? "approval" : "denial"
    let result: CommandResult<RequestState>
    do throws(CommandError) {
        result = try commands.run(Commands.Review(id: review.id, verdict: verdict, rationale: rationale, shownVersion: shown))
    } catch {
        if review.json, case let .refused(refusal, recorded) = error {
            try Terminal.json(ReviewOutput(id: review.id, verdict: verdict.rawValue, recorded: false,
                                           state: "refused:\(refusal.reason.rawValue)",
                                           message: refusal.message + (recorded ? " (the attempt is recorded)" : "")))
        }
        throw error
    }
    reportHandOffs(result)
    let state = result.output
    let message = "\(noun) of \(review.id) recorded; it is now \(state.rawValue)"
    if review.json {
        try Terminal.json(ReviewOutput(id: review.id, verdict: verdict.rawValue, recorded: true, state: state.rawValue, message: message))
    } else {
        Terminal.line(message)
    }
}

struct Withdraw: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Withdraw your own open request.")
    @OptionGroup var options: StoreOptions
    @Argument(help: "The request ID.", completion: RequestIDCompletion.kind) var id: String
    @OptionGroup var rationale: RationaleOptions

    func run() throws {
        let commands = try options.commands()
        let why = try rationale.value(required: false)
        try commands.run(Commands.Withdraw(id: id, rationale: why))
        Terminal.line("\(id) withdrawn")
    }
}
