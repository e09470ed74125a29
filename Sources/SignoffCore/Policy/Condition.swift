import Foundation

/// A request field a condition can test. Closed: a name that is not here is a
/// parse error, never a condition that silently never matches.
enum RequestField: Hashable, Sendable {
    case requester, subjectKind, subjectName, subjectOwner, system, environment, entitlement
    case scope, access, purpose, duration, ticket, breakGlass, incident, revocationTriggers, submittedBy
    case label(String)

    /// What kind of value the field holds, which decides the operators it accepts.
    enum Shape { case text, person, kind, access, duration, flag, names }

    static let named: [(String, RequestField)] = [
        ("requester", .requester), ("subject.kind", .subjectKind), ("subject.name", .subjectName),
        ("subject.owner", .subjectOwner), ("system", .system), ("environment", .environment),
        ("entitlement", .entitlement), ("scope", .scope), ("access", .access), ("purpose", .purpose),
        ("duration", .duration), ("ticket", .ticket), ("break_glass", .breakGlass), ("incident", .incident),
        ("revocation_triggers", .revocationTriggers), ("submitted_by", .submittedBy),
    ]

    static var names: [String] { named.map(\.0) + ["labels.<key>"] }

    init?(name: String) {
        if name.hasPrefix("labels.") {
            let key = String(name.dropFirst("labels.".count))
            guard !key.isEmpty else { return nil }
            self = .label(key)
            return
        }
        guard let found = RequestField.named.first(where: { $0.0 == name }) else { return nil }
        self = found.1
    }

    var name: String {
        if case let .label(key) = self { return "labels.\(key)" }
        return RequestField.named.first { $0.1 == self }!.0
    }

    var shape: Shape {
        switch self {
        case .requester, .subjectName, .subjectOwner, .submittedBy: .person
        case .subjectKind: .kind
        case .access: .access
        case .duration: .duration
        case .breakGlass: .flag
        case .revocationTriggers: .names
        case .system, .environment, .entitlement, .scope, .purpose, .ticket, .incident, .label: .text
        }
    }

    /// Fields a request may leave out; only these accept `present:`.
    var isOptional: Bool {
        switch self {
        case .scope, .ticket, .incident, .label, .revocationTriggers: true
        case .requester, .subjectKind, .subjectName, .subjectOwner, .system, .environment, .entitlement, .access,
             .purpose, .duration, .breakGlass, .submittedBy: false
        }
    }
}

/// The operators of `field: {operator: value}`. Closed: a name that is not
/// here is a parse error, and a new one must be handled wherever the
/// compiler points (parsing, evaluation, words, checks).
enum ConditionOperator: String, CaseIterable, Sendable {
    case `is`, `in`, not
    case over, under
    case atLeast = "at_least"
    case atMost = "at_most"
    case like, matches
    case inGroup = "in_group"
    case present
    case includesAll = "includes_all"

    /// The ordered comparison, for `over`, `under`, `at_least`, `at_most`.
    var comparison: Comparison? {
        switch self {
        case .over: .over
        case .under: .under
        case .atLeast: .atLeast
        case .atMost: .atMost
        case .is, .in, .not, .like, .matches, .inGroup, .present, .includesAll: nil
        }
    }
}

/// Ordered comparison for `access` and `duration`.
enum Comparison: String, CaseIterable, Sendable {
    case over, under
    case atLeast = "at_least"
    case atMost = "at_most"

    @inline(__always)
    func holds(_ actual: Int, _ bound: Int) -> Bool {
        switch self {
        case .over: actual > bound
        case .under: actual < bound
        case .atLeast: actual >= bound
        case .atMost: actual <= bound
        }
    }

    var words: String {
        switch self {
        case .over: "over"
        case .under: "under"
        case .atLeast: "at least"
        case .atMost: "at most"
        }
    }
}

/// One compiled test of one field. Everything a test needs at routing time is
/// computed when the policy is parsed: sets, masks, ranks, compiled patterns.
enum FieldTest: Sendable {
    // Text is compared byte for byte (`ExactName`), as `like` and `matches`
    // compare scalars: a value canonically equivalent to the policy's text
    // but spelt otherwise (`\u{212A}afka` for `Kafka`) matches none of them.
    /// Equality with one text value.
    case equals(String)
    /// Membership in a short list (linear scan beats hashing for a handful).
    case oneOf([String])
    /// Membership in a long list.
    case oneOfSet(Set<ExactName>)
    /// Subject kinds as a bit mask (bit = ordinal).
    case kinds(UInt16)
    /// Access levels as a bit mask (bit = rank).
    case accessLevels(UInt8)
    case accessCompare(Comparison, Int)
    case durationCompare(Comparison, Int)
    case durationEquals(Int)
    case flag(Bool)
    /// Any of several glob patterns.
    case like([GlobPattern])
    case matches(TextPattern)
    /// Transitive members of any of the named groups, flattened at parse time.
    case inGroup(names: [String], members: ExactNameSet)
    case present(Bool)
    /// Every listed revocation trigger name is among the request's triggers.
    case includesAll([String])
}

/// A compiled condition tree. Closed and allocation-free to evaluate.
indirect enum Condition: Sendable {
    case always
    case all([Condition])
    case any([Condition])
    case not(Condition)
    case test(RequestField, FieldTest, text: String)

    /// The top-level conjuncts: what `all` of this means, for shadowing analysis.
    var conjuncts: [Condition] {
        switch self {
        case .always: []
        case let .all(children): children.flatMap(\.conjuncts)
        case .any, .not, .test: [self]
        }
    }
}

/// A glob over UTF-8: `*` is any run of characters, `?` one character; everything
/// else is literal. The whole value must match.
struct GlobPattern: Sendable, Hashable {
    let text: String
    let bytes: [UInt8]

    init(_ text: String) {
        self.text = text
        self.bytes = Array(text.utf8)
    }

    func matches(_ value: String) -> Bool {
        var value = value
        return value.withUTF8 { Self.match(bytes, $0) }
    }

    private static func isContinuation(_ byte: UInt8) -> Bool { byte & 0xC0 == 0x80 }

    /// Iterative matcher that backtracks only to the most recent `*`: linear in
    /// practice, never exponential.
    private static func match(_ pattern: [UInt8], _ text: UnsafeBufferPointer<UInt8>) -> Bool {
        var p = 0, t = 0
        var starP = -1, starT = 0
        let star = UInt8(ascii: "*"), question = UInt8(ascii: "?")
        while t < text.count {
            if p < pattern.count, pattern[p] == question {
                p += 1
                t += 1
                while t < text.count, isContinuation(text[t]) { t += 1 }
            } else if p < pattern.count, pattern[p] == star {
                starP = p
                starT = t
                p += 1
            } else if p < pattern.count, pattern[p] == text[t] {
                p += 1
                t += 1
            } else if starP >= 0 {
                p = starP + 1
                starT += 1
                while starT < text.count, isContinuation(text[starT]) { starT += 1 }
                t = starT
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == star { p += 1 }
        return p == pattern.count
    }
}

/// A regular expression that must match the whole value, compiled once at
/// parse time into a `LinearPattern`: matching takes time linear in the
/// value, so no policy can make routing (which runs under the store's write
/// lock) slow. A pattern it cannot match that way refuses the policy.
///
/// A class so `FieldTest` stays a small, loadable value on the routing path.
final class TextPattern: Sendable {
    let text: String
    let pattern: LinearPattern

    init(_ text: String) throws(LinearPattern.Problem) {
        self.text = text
        self.pattern = try LinearPattern(text)
    }

    func matches(_ value: String) -> Bool { pattern.matches(value) }
}

extension IdentityKind {
    /// Position in `allCases`, for bit masks; a switch so routing never searches.
    var ordinal: Int {
        switch self {
        case .human: 0
        case .serviceAccount: 1
        case .apiKey: 2
        case .oauthClient: 3
        case .workloadIdentity: 4
        case .certificate: 5
        case .aiAgent: 6
        case .bot: 7
        }
    }
}
