import ArgumentParser
import SignoffApp
import SignoffCore

/// Exit codes, distinct so scripts can tell what happened. Documented in the README.
enum Outcome: Int32 {
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
}

/// An error that knows its exit code and what to tell the user.
struct CommandFailure: Error, CustomStringConvertible {
    var outcome: Outcome
    var message: String
    init(_ outcome: Outcome, _ message: String) {
        self.outcome = outcome
        self.message = message
    }
    var description: String { message }

    static func badInput(_ message: String) -> CommandFailure { CommandFailure(.badInput, message) }
    static func refused(_ refusal: Refusal) -> CommandFailure {
        CommandFailure(refusal.reason.isConflict ? .conflict : .refused, refusal.message)
    }

    /// A command layer error with its documented exit code.
    init(_ error: CommandError) {
        switch error {
        case .badInput, .noSuchRequest: self.init(.badInput, error.description)
        case let .refused(refusal, _): self.init(refusal.reason.isConflict ? .conflict : .refused, "refused: " + error.description)
        case .noPolicy: self.init(.refused, error.description)
        case .store: self.init(.storeError, error.description)
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
