import Foundation
import SignoffCore
import SignoffStore

/// The one clock both front ends act by. Normally the system's; in a store
/// created to trust asserted identities (demos, tests), `SIGNOFF_NOW` moves it,
/// so expiry and timeouts can be shown without waiting. A real store refuses a
/// moved clock: its evidence must say when things really happened.
public struct CommandClock: Sendable {
    /// The time `SIGNOFF_NOW` asserted; nil for the system's clock.
    public let asserted: Date?
    /// Whether an asserted time runs on from the moment the clock was made (a
    /// console, whose lists age and whose polls need time to pass) or stays
    /// exactly there (a one-shot command, so its records carry that time).
    public let runs: Bool
    private let origin: ContinuousClock.Instant

    public init(asserted: Date?, runs: Bool = false) {
        self.asserted = asserted
        self.runs = runs
        self.origin = ContinuousClock.now
    }

    /// The system's clock.
    public static let system = CommandClock(asserted: nil)

    /// A clock that always says `date`: tests inject it.
    public static func fixed(_ date: Date) -> CommandClock { CommandClock(asserted: date) }

    /// Now, to the millisecond the store keeps: what a command decides at
    /// this time (a delegation's end, a rotation's turn) is judged again by
    /// `audit verify` at the time stored, which must be the same.
    public func now() -> Date {
        guard let asserted else { return EventCoding.storedPrecision(Date()) }
        guard runs else { return EventCoding.storedPrecision(asserted) }
        let elapsed = ContinuousClock.now - origin
        return EventCoding.storedPrecision(
            asserted.addingTimeInterval(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
    }

    /// The clock `environment` asks for in `store`: `SIGNOFF_NOW` (ISO 8601)
    /// where the store trusts asserted identities, else the system's.
    public static func resolve(environment: [String: String], store: Store, runs: Bool = false) throws(CommandError) -> CommandClock {
        guard let text = environment["SIGNOFF_NOW"], !text.isEmpty else { return .system }
        guard store.settings.trustAssertedIdentities else {
            throw .store("SIGNOFF_NOW is set, but this store does not trust asserted identities, so its clock cannot be moved; unset SIGNOFF_NOW")
        }
        guard let date = Timestamp.parse(text) else {
            throw .badInput("SIGNOFF_NOW=\(DisplaySafe.text(text)) is not an ISO 8601 time such as 2026-11-21T09:30:00Z")
        }
        return CommandClock(asserted: date, runs: runs)
    }
}
