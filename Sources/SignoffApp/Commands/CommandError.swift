import SignoffCore
import SignoffStore

/// Why a command did not do what was asked, as a value each front end
/// renders: the command line as a message and an exit code, the console as a
/// status line. Except for a recorded refusal, nothing was written.
public enum CommandError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The input is wrong: an invalid file, a short rationale, a name the
    /// policy does not know. Nothing was written.
    case badInput(String)
    /// The rationale is shorter than the policy asks, or longer than a
    /// rationale may be. Nothing was written.
    case badRationale(String)
    /// Input files that do not validate: every problem with its file, line,
    /// column and field, and what happened because of them (`nothing was
    /// submitted`). Nothing was written.
    case invalidInput(SourceErrors, consequence: String)
    /// There is no request with this ID. Nothing was written.
    case noSuchRequest(String)
    /// Policy or the rules refused. When `recorded`, the attempt itself was
    /// committed as evidence (`review_refused`, `action_refused`); nothing else was.
    case refused(Refusal, recorded: Bool)
    /// No policy is in force: nothing is decided without one (fail closed).
    case noPolicy
    /// The store is missing, locked or unreadable, refuses the identity or
    /// the clock asked for, or its policy no longer parses.
    case store(String)

    public var description: String {
        switch self {
        case let .badInput(message), let .badRationale(message), let .store(message): message
        case let .invalidInput(errors, consequence): errors.description + "\n" + consequence
        case let .noSuchRequest(id): "there is no request \(id); `signoff list` shows the requests there are"
        case let .refused(refusal, recorded): refusal.message + (recorded ? " (the attempt is recorded)" : "")
        case .noPolicy: "no policy has been applied to this store, so nothing can be decided; apply one with `signoff policy apply FILE`"
        }
    }

    /// Whether the rationale is at fault: as bad input, or refused as too
    /// short (a refusal that some actions record as evidence).
    public var concernsRationale: Bool {
        switch self {
        case .badRationale: true
        case let .refused(refusal, _): refusal.reason == .rationaleTooShort
        case .badInput, .invalidInput, .noSuchRequest, .noPolicy, .store: false
        }
    }

    /// Any error out of a store transaction as a command error: command errors
    /// pass unchanged, everything else is the store's.
    static func from(_ error: any Error) -> CommandError {
        if let error = error as? CommandError { return error }
        return .store("\(error)")
    }
}
