import ArgumentParser
import Foundation
import SignoffApp
import SignoffCore

/// Exit codes, distinct so scripts can tell what happened. Documented in the README.
enum Outcome: Int32, CaseIterable {
    case success = 0
    case internalError = 1
    /// The input was wrong: usage, an unreadable or invalid file, a short rationale.
    case badInput = 2
    /// Policy or the rules refused: self-approval, not eligible, not the requester.
    case refused = 3
    /// A race or a stale view: already decided, or changed since it was shown.
    case conflict = 4
    /// The store is missing, locked, unreadable or refuses the identity mode.
    case storeError = 5
    /// `audit verify` found the evidence altered.
    case verificationFailed = 6
    /// `signoff wait`: the request was decided, but not approved.
    case notApproved = 7
    /// `signoff wait`: still undecided when the wait's timeout passed.
    case stillPending = 8
    /// `signoff reconcile`: the run was recorded and opened findings (new, or back after being resolved).
    case newFindings = 9
    /// `signoff import jira --check`: at least one ticket would be refused.
    case wouldRefuse = 10
    /// `signoff import jira`: the import was recorded, and at least one ticket
    /// made no request (refused, now or as before).
    case ticketsRefused = 11
    /// `signoff notify run` (without `--follow`): at least one notification
    /// was given up in this run (its attempts used up, or an answer no retry
    /// changes); the rest were delivered or wait for their next attempt.
    case notificationsGivenUp = 12

    /// What the code means, as `signoff --help` lists it.
    var meaning: String {
        switch self {
        case .success: "success"
        case .internalError: "internal error"
        case .badInput: "bad input"
        case .refused: "refused by policy or rules"
        case .conflict: "conflict (already decided or changed since shown)"
        case .storeError: "store error"
        case .verificationFailed: "evidence altered"
        case .notApproved: "`wait`: decided but not approved"
        case .stillPending: "`wait`: still undecided at its timeout"
        case .newFindings: "`reconcile`: the run opened findings"
        case .wouldRefuse: "`import jira --check`: a ticket would be refused"
        case .ticketsRefused: "`import jira`: a ticket made no request"
        case .notificationsGivenUp: "`notify run`: a notification was given up"
        }
    }

    /// Every exit code and its meaning, for `signoff --help`.
    static var help: String {
        "Exit codes: " + allCases.map { "\($0.rawValue) \($0.meaning)" }.joined(separator: ", ") + "."
    }

    /// The `code` of the JSON error document: one word per exit code.
    var code: String {
        switch self {
        case .success: "ok"
        case .internalError: "internal"
        case .badInput: "bad_input"
        case .refused: "refused"
        case .conflict: "conflict"
        case .storeError: "store_error"
        case .verificationFailed: "evidence_altered"
        case .notApproved: "not_approved"
        case .stillPending: "still_pending"
        case .newFindings: "new_findings"
        case .wouldRefuse: "would_refuse"
        case .ticketsRefused: "tickets_refused"
        case .notificationsGivenUp: "notifications_given_up"
        }
    }
}

/// An error that knows its exit code and what to tell the user, and for
/// scripts where it is: the refusal's reason, the file, line, column and
/// field of each problem in an input.
struct CommandFailure: Error, CustomStringConvertible {
    var outcome: Outcome
    var message: String
    /// Why the rules refused (`self_approval`, `stale_version`, ...).
    var reason: RefusalReason?
    /// For a refusal: whether the attempt itself was recorded as evidence.
    var recorded: Bool?
    /// The problems in an input file, each with its position and field.
    var problems: [SourceError] = []
    /// The command-line option at fault (`--state`), where there is one.
    var option: String?

    init(_ outcome: Outcome, _ message: String) {
        self.outcome = outcome
        self.message = message
    }

    var description: String { message }

    static func badInput(_ message: String) -> CommandFailure { CommandFailure(.badInput, message) }

    /// An input that does not validate: every problem, then what follows from them.
    static func invalid(_ errors: SourceErrors, _ consequence: String? = nil) -> CommandFailure {
        var failure = CommandFailure(.badInput, errors.description + (consequence.map { "\n" + $0 } ?? ""))
        failure.problems = errors.errors
        return failure
    }

    /// A bad value of a command-line option, with what would be valid.
    static func badOption(_ option: String, _ message: String) -> CommandFailure {
        var failure = CommandFailure(.badInput, message)
        failure.option = option
        return failure
    }

    /// A command layer error with its documented exit code.
    init(_ error: CommandError) {
        switch error {
        case .badInput, .badRationale, .noSuchRequest: self.init(.badInput, error.description)
        case let .invalidInput(errors, _):
            self.init(.badInput, error.description)
            problems = errors.errors
        case let .refused(refusal, recorded):
            self.init(refusal.reason.isConflict ? .conflict : .refused, "refused: " + error.description)
            reason = refusal.reason
            self.recorded = recorded
        case .noPolicy: self.init(.refused, error.description)
        case .store: self.init(.storeError, error.description)
        }
    }
}

/// The JSON error document (`signoff.error/1`), written on stderr when a
/// command given `--json` (or `--jsonl`) fails: the exit code as a word and a
/// number, the message, and where they apply the refusal's reason and the
/// input's file, line, column and field (the first problem's; `problems` lists
/// them all).
struct ErrorJSON: JSONDocument {
    static let schema: StaticString = "signoff.error/1"
    var failure: CommandFailure

    func members(_ json: inout JSONOutput) {
        let first = failure.problems.first
        json.key("error")
        json.beginObject()
        json.field("code", failure.outcome.code)
        json.field("exit", Int(failure.outcome.rawValue))
        json.field("message", failure.message)
        json.field("reason", failure.reason?.rawValue)
        json.key("recorded")
        if let recorded = failure.recorded { json.bool(recorded) } else { json.null() }
        json.field("file", first?.file)
        json.field("line", first?.position?.line)
        json.field("column", first?.position?.column)
        json.field("field", first.map { $0.field.isEmpty ? nil : $0.field } ?? failure.option)
        json.key("problems")
        json.beginArray()
        for problem in failure.problems {
            json.beginObject()
            json.field("file", problem.file)
            json.field("line", problem.position?.line)
            json.field("column", problem.position?.column)
            json.field("field", problem.field.isEmpty ? nil : problem.field)
            json.field("message", problem.message)
            json.field("hint", problem.hint)
            json.endObject()
        }
        json.endArray()
        json.endObject()
    }

    /// The document on one line of stderr.
    func report() {
        var json = JSONOutput()
        write(&json)
        json.newline()
        json.bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Foundation.write(STDERR_FILENO, raw.baseAddress! + offset, raw.count - offset)
                if written <= 0 { if errno == EINTR { continue }; return }
                offset += written
            }
        }
    }
}

/// Runs a store read, passing command failures through and turning anything
/// else into a store error.
@discardableResult
func storeCall<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let failure as CommandFailure {
        throw failure
    } catch let error as CommandError {
        throw CommandFailure(error)
    } catch {
        throw CommandFailure(.storeError, "\(error)")
    }
}
