import ArgumentParser
import Foundation
import SignoffApp
import SignoffCore
import SignoffStore

/// What approve and deny share: the request, the version the approver saw, and why.
struct ReviewOptions: ParsableArguments {
    @Argument(help: "The request ID, e.g. REQ-42.")
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
    let store = try options.open()
    let actor = try options.actor(in: store)
    let rationale = try review.rationale.value(required: true) ?? ""
    guard let shown = review.version else {
        let current = (try? store.record(review.id))?.version
        throw CommandFailure.badInput("say which version you reviewed with --version\(current.map { " (it is now \($0); check it with `signoff show \(review.id)`)" } ?? "")")
    }
    let now = try options.now(in: store)
    let result: ReviewResult = try storeCall {
        try store.write { tx in
            let policy = try requirePolicy(try tx.currentPolicy())
            guard let record = try tx.record(review.id) else {
                throw CommandFailure.badInput("there is no request \(review.id)")
            }
            if record.state.isOpen, let problem = Lifecycle.checkRationale(rationale, policy: policy) {
                throw CommandFailure.badInput(problem)
            }
            let result = Lifecycle.review(record, verdict: verdict, rationale: rationale, shownVersion: shown,
                                          by: actor, policy: policy, original: try tx.originalGrant(of: record), at: now)
            for event in result.events { _ = try tx.append(event) }
            return result
        }
    }
    if case .recorded = result.outcome { try handOff(HandOff.grantsToDeliver(result.events), store: store, actor: actor) }
    switch result.outcome {
    case let .recorded(state):
        let message = "\(verdict == .approve ? "approval" : "denial") of \(review.id) recorded; it is now \(state.rawValue)"
        if review.json {
            try Terminal.json(ReviewOutput(id: review.id, verdict: verdict.rawValue, recorded: true, state: state.rawValue, message: message))
        } else {
            Terminal.line(message)
        }
    case let .refused(refusal):
        if review.json {
            try Terminal.json(ReviewOutput(id: review.id, verdict: verdict.rawValue, recorded: false,
                                           state: "refused:\(refusal.reason.rawValue)", message: refusal.message))
        }
        throw CommandFailure.refused(Refusal(refusal.reason, "refused: \(Terminal.safe(refusal.message)) (the attempt is recorded)"))
    }
}

struct Withdraw: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Withdraw your own open request.")
    @OptionGroup var options: StoreOptions
    @Argument(help: "The request ID.") var id: String
    @OptionGroup var rationale: RationaleOptions

    func run() throws {
        let store = try options.open()
        let actor = try options.actor(in: store)
        let why = try rationale.value(required: false)
        let now = try options.now(in: store)
        try storeCall {
            try store.write { tx in
                let record = try requireRecord(tx, id)
                let events: [EventDraft]
                do throws(Refusal) {
                    events = try Lifecycle.withdraw(record, by: actor, rationale: why, at: now)
                } catch {
                    throw CommandFailure.refused(error)
                }
                for event in events { _ = try tx.append(event) }
            }
        }
        Terminal.line("\(id) withdrawn")
    }
}
