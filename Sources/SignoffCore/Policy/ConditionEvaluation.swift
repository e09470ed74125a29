import Foundation

/// The request as conditions see it: the requester resolved (a request without
/// one is asked by whoever submits it) and the submitter alongside.
struct RequestFacts {
    let request: AccessRequest
    let requester: String
    let submittedBy: String

    // Scalars the common tests read, taken once per request.
    let kindOrdinal: Int
    let accessRank: Int
    let durationSeconds: Int
    let breakGlass: Bool
    /// Who changed the request's terms in its ticket (`RequestRecord.editors`):
    /// excluded from deciding it, as the requester is.
    var editors: [String] = []

    init(_ request: AccessRequest, submittedBy: String) {
        self.request = request
        self.requester = request.requester ?? submittedBy
        self.submittedBy = submittedBy
        self.kindOrdinal = request.subject.kind.ordinal
        self.accessRank = request.access.rank
        self.durationSeconds = request.duration.seconds
        self.breakGlass = request.breakGlass
    }

    /// The text value of a text or person field; nil when the request leaves it out.
    @inline(__always)
    func text(_ field: RequestField) -> String? {
        switch field {
        case .requester: requester
        case .subjectName: request.subject.name
        case .subjectOwner: request.subject.owner
        case .system: request.system
        case .environment: request.environment
        case .entitlement: request.entitlement
        case .scope: request.scope
        case .purpose: request.purpose
        case .ticket: request.ticket
        case .incident: request.incident
        case .submittedBy: submittedBy
        case let .label(key): request.labels[key]
        case .subjectKind: request.subject.kind.rawValue
        case .access: request.access.rawValue
        case .duration: request.duration.description
        case .breakGlass: request.breakGlass ? "true" : "false"
        case .revocationTriggers: nil
        }
    }

    /// A field's value in words, for `explain`.
    func describe(_ field: RequestField) -> String {
        switch field {
        case .revocationTriggers:
            let names = request.revocationTriggers.map(\.name)
            return names.isEmpty ? "none" : names.joined(separator: ", ")
        case .requester, .subjectKind, .subjectName, .subjectOwner, .system, .environment, .entitlement, .scope, .access,
             .purpose, .duration, .ticket, .breakGlass, .incident, .submittedBy, .label:
            return text(field) ?? "absent"
        }
    }
}

extension Condition {
    /// Whether the request satisfies the condition. Allocation-free except for
    /// regular expressions, which the policy author chose explicitly.
    func holds(_ facts: borrowing RequestFacts) -> Bool {
        switch self {
        case .always:
            return true
        case let .all(children):
            for child in children where !child.holds(facts) { return false }
            return true
        case let .any(children):
            for child in children where child.holds(facts) { return true }
            return false
        case let .not(child):
            return !child.holds(facts)
        case let .test(field, test, _):
            return test.holds(field, facts)
        }
    }

    /// Whether it holds, and the condition that decided it in words.
    func trace(_ facts: RequestFacts) -> (Bool, String) {
        switch self {
        case .always:
            return (true, "no conditions: matches every request")
        case let .all(children):
            var reasons: [String] = []
            for child in children {
                let (held, reason) = child.trace(facts)
                if !held { return (false, reason) }
                reasons.append(reason)
            }
            return (true, reasons.joined(separator: " and "))
        case let .any(children):
            var reasons: [String] = []
            for child in children {
                let (held, reason) = child.trace(facts)
                if held { return (true, reason) }
                reasons.append(reason)
            }
            return (false, "none of: " + reasons.joined(separator: "; "))
        case let .not(child):
            // Two negations cancel: what decides the inner condition decides
            // this one, said as plainly (not "X, which not: excludes" for a holding one).
            if case let .not(inner) = child { return inner.trace(facts) }
            // What the child says holds is why a `not:` fails: said so, never read as the rule's own condition.
            let (held, reason) = child.trace(facts)
            return (!held, held ? "\(reason), which not: excludes" : reason)
        case let .test(field, test, _):
            let held = test.holds(field, facts)
            return (held, test.words(field, facts, held: held))
        }
    }
}

extension FieldTest {
    // Reads go through `facts.request.…` projections: binding the whole request
    // to a local would copy (and retain) every field once per test.
    @inline(__always)
    func holds(_ field: RequestField, _ facts: borrowing RequestFacts) -> Bool {
        switch self {
        case let .kinds(mask):
            return mask & (1 << UInt16(facts.kindOrdinal)) != 0
        case let .accessLevels(mask):
            return mask & (1 << UInt8(facts.accessRank)) != 0
        case let .accessCompare(comparison, rank):
            return comparison.holds(facts.accessRank, rank)
        case let .durationCompare(comparison, seconds):
            return comparison.holds(facts.durationSeconds, seconds)
        case let .durationEquals(seconds):
            return facts.durationSeconds == seconds
        case let .flag(value):
            return facts.breakGlass == value
        case let .present(expected):
            if field == .revocationTriggers { return facts.request.revocationTriggers.isEmpty != expected }
            return (facts.text(field) != nil) == expected
        case let .includesAll(names):
            for name in names where !facts.request.revocationTriggers.contains(where: { ExactName.same($0.name, name) }) { return false }
            return true
        case .equals, .oneOf, .oneOfSet, .like, .matches, .inGroup:
            if field == .revocationTriggers {
                for trigger in facts.request.revocationTriggers where matchesText(trigger.name) { return true }
                return false
            }
            guard let value = facts.text(field) else { return false }
            return matchesText(value)
        }
    }

    @inline(__always)
    private func matchesText(_ value: String) -> Bool {
        switch self {
        case let .equals(expected):
            return ExactName.same(value, expected)
        case let .oneOf(values):
            for candidate in values where ExactName.same(candidate, value) { return true }
            return false
        case let .oneOfSet(values):
            return values.contains(ExactName(value))
        case let .like(patterns):
            for pattern in patterns where pattern.matches(value) { return true }
            return false
        case let .matches(pattern):
            return pattern.matches(value)
        case let .inGroup(_, members):
            return members.contains(value)
        case .kinds, .accessLevels, .accessCompare, .durationCompare, .durationEquals, .flag, .present, .includesAll:
            // Not text tests: `holds` decides them without reading text.
            return false
        }
    }

    /// What the test expects, in words: `production`, `one of staging, dev`, `over 8h`.
    var expectation: String {
        switch self {
        case let .equals(value): value
        case let .oneOf(values): "one of " + values.joined(separator: ", ")
        case let .oneOfSet(values): "one of " + values.map(\.text).sorted().joined(separator: ", ")
        case let .kinds(mask):
            Self.oneOfWords(IdentityKind.allCases.filter { mask & (1 << UInt16($0.ordinal)) != 0 }.map(\.rawValue))
        case let .accessLevels(mask):
            Self.oneOfWords(AccessLevel.allCases.filter { mask & (1 << UInt8($0.rank)) != 0 }.map(\.rawValue))
        case let .accessCompare(comparison, rank):
            "\(comparison.words) \(AccessLevel.allCases[rank].rawValue)"
        case let .durationCompare(comparison, seconds):
            "\(comparison.words) \(TimeSpan(seconds: seconds))"
        case let .durationEquals(seconds): "\(TimeSpan(seconds: seconds))"
        case let .flag(value): value ? "true" : "false"
        case let .like(patterns): "like " + patterns.map(\.text).joined(separator: " or ")
        case let .matches(pattern): "matching /\(pattern.text)/"
        case let .inGroup(names, _): "in group " + names.joined(separator: " or ")
        case let .present(value): value ? "present" : "absent"
        case let .includesAll(names): "including " + names.joined(separator: " and ")
        }
    }

    private static func oneOfWords(_ values: [String]) -> String {
        values.count == 1 ? values[0] : "one of " + values.joined(separator: ", ")
    }

    /// `environment is production` when it held, `environment is staging, not production` when not.
    func words(_ field: RequestField, _ facts: RequestFacts, held: Bool) -> String {
        let actual = facts.describe(field)
        switch self {
        case .inGroup:
            return "\(field.name) \(actual) is \(held ? "" : "not ")\(expectation)"
        case .present:
            let isPresent = field == .revocationTriggers ? !facts.request.revocationTriggers.isEmpty : facts.text(field) != nil
            return "\(field.name) is \(isPresent ? "present" : "absent")"
        case .includesAll:
            return "\(field.name) (\(actual)) \(held ? "include" : "do not include") all of \(expectation.dropFirst("including ".count))"
        case .equals, .durationEquals, .flag, .kinds, .accessLevels:
            return held ? "\(field.name) is \(actual)" : "\(field.name) is \(actual), not \(expectation)"
        case .oneOf, .oneOfSet, .accessCompare, .durationCompare, .like, .matches:
            return held ? "\(field.name) is \(actual), \(expectation)" : "\(field.name) is \(actual), not \(expectation)"
        }
    }
}
