import Foundation

// Who answers for what: system owners and managers, for revocation rights and
// the manager's view of expiring access.

extension Policy {
    /// Whether `person` owns `system` (directly or through an owning group).
    public func owns(_ person: String, system: String) -> Bool {
        guard let index = catalogue.index[system] else { return false }
        return directory.people(in: catalogue.entries[index].owners).contains(person)
    }

    /// The systems `person` owns, in catalogue order.
    public func systemsOwned(by person: String) -> [String] {
        catalogue.entries.filter { directory.people(in: $0.owners).contains(person) }.map(\.system.name)
    }

    /// Everyone whose manager chain leads to `person`, nearest first.
    public func reports(of person: String) -> [String] {
        var result: [String] = []
        var frontier = [person]
        var seen: Set<String> = [person]
        while !frontier.isEmpty {
            var next: [String] = []
            for name in directory.peopleInOrder where !seen.contains(name) {
                if let manager = directory.people[name]?.manager, frontier.contains(manager) {
                    seen.insert(name)
                    next.append(name)
                }
            }
            result += next
            frontier = next
        }
        return result
    }

    /// Names a request may use for its revocation triggers.
    public static let builtInTriggers = ["ticket_closed", "owner_departed", "incident_resolved"]

    public var triggerNames: [String] { Self.builtInTriggers + extraTriggers }

    /// Why `name` is no revocation trigger of this policy (with the closest
    /// one and every known name), or nil when it is one. A typo must never
    /// make a trigger that silently revokes nothing.
    public func unknownTrigger(_ name: String) -> (message: String, hint: String)? {
        guard !triggerNames.contains(name) else { return nil }
        let suggestion = closest(to: name, in: triggerNames).map { "did you mean \($0)? " } ?? ""
        return ("\(name) is not a revocation trigger of this policy", "\(suggestion)known: \(triggerNames.joined(separator: ", "))")
    }
}

/// What one person answers for: their own requests, their reports' (down the
/// manager chain), and the systems they own. "My people and my systems" in the
/// manager's view of expiring access.
public struct Responsibility: Sendable, Hashable {
    public let person: String
    public let people: Set<String>
    public let systems: Set<String>

    public init(policy: Policy, person: String) {
        self.person = person
        people = Set(policy.reports(of: person)).union([person])
        systems = Set(policy.systemsOwned(by: person))
    }

    public func covers(_ terms: GrantTerms) -> Bool {
        systems.contains(terms.system) || people.contains(terms.requester) || people.contains(terms.subject.owner)
            || (terms.subject.kind.isHuman && people.contains(terms.subject.name))
    }

    /// A reconciliation finding on one of my systems, or about an identity
    /// one of my people answers for (or is).
    public func covers(findingOn system: String, subject: String, owner: String?) -> Bool {
        systems.contains(system) || owner.map(people.contains) == true || people.contains(subject)
    }
}
