import Foundation

/// Who a step asks. Stored in `RoutedStep.approvers` as its canonical text, e.g.
/// `group:security except subject_owner`, so a routed step can be checked again
/// at review time without the rule that produced it.
struct ApproverExpression: Sendable, Hashable {
    enum Source: Sendable, Hashable {
        case owners, manager, subjectOwnerManager
        case group(String), rotation(String), person(String)
    }

    var source: Source
    var excludesSubjectOwner: Bool

    static let exclusionSuffix = " except subject_owner"
    static let forms = "owners, manager, subject_owner_manager, group:NAME, rotation:NAME, person:NAME"

    init(source: Source, excludesSubjectOwner: Bool) {
        self.source = source
        self.excludesSubjectOwner = excludesSubjectOwner
    }

    /// Reads the canonical text back; nil for anything this policy would not write.
    /// Read for every approval a review or `audit verify` counts, so it
    /// compares bytes: no Character-by-Character suffix search, no table
    /// built per call.
    init?(text: String) {
        let utf8 = text.utf8
        let suffix = Self.exclusionSuffix.utf8
        excludesSubjectOwner = utf8.count > suffix.count && utf8.suffix(suffix.count).elementsEqual(suffix)
        guard let body = excludesSubjectOwner ? String(utf8.dropLast(suffix.count)) : text,
              let source = Self.source(body) else { return nil }
        self.source = source
    }

    static func source(_ text: String) -> Source? {
        if text == "owners" { return .owners }
        if text == "manager" { return .manager }
        if text == "subject_owner_manager" { return .subjectOwnerManager }
        for (prefix, make) in Self.namedSources where text.utf8.starts(with: prefix.utf8) {
            guard let name = String(text.utf8.dropFirst(prefix.utf8.count)), !name.isEmpty else { return nil }
            return make(name)
        }
        return nil
    }

    private static let namedSources: [(String, @Sendable (String) -> Source)] =
        [("group:", Source.group), ("rotation:", Source.rotation), ("person:", Source.person)]

    var sourceText: String {
        switch source {
        case .owners: "owners"
        case .manager: "manager"
        case .subjectOwnerManager: "subject_owner_manager"
        case let .group(name): "group:\(name)"
        case let .rotation(name): "rotation:\(name)"
        case let .person(name): "person:\(name)"
        }
    }

    var text: String { sourceText + (excludesSubjectOwner ? Self.exclusionSuffix : "") }

    /// Words for people: `owners of payments-db`, `on call for sre-oncall`.
    func words(system: String?) -> String {
        let base: String
        switch source {
        case .owners: base = system.map { "owners of \($0)" } ?? "owners of the system"
        case .manager: base = "the requester's manager"
        case .subjectOwnerManager: base = "the subject owner's manager"
        case let .group(name): base = "group \(name)"
        case let .rotation(name): base = "on call for \(name)"
        case let .person(name): base = name
        }
        return excludesSubjectOwner ? base + ", not the subject's owner" : base
    }
}

struct StepSpec: Sendable {
    var approvers: ApproverExpression
    var count: Int
    var position: SourcePosition?
    var field: String
}

struct DenyRule: Sendable {
    var name: String
    var condition: Condition
    var reason: String
    var position: SourcePosition?
    var field: String
}

struct RouteRule: Sendable {
    enum Action: Sendable {
        case automatically
        case steps([StepSpec])
    }

    var name: String
    var condition: Condition
    var action: Action
    var position: SourcePosition?
    var field: String
    /// Routed steps built once: one array per catalogue system when a step names
    /// `owners` (its words name the system), otherwise a single shared array.
    var routed: [[RoutedStep]] = []

    func routedSteps(systemIndex: Int?) -> [RoutedStep] {
        if routed.count == 1 { return routed[0] }
        guard let systemIndex, systemIndex < routed.count else { return [] }
        return routed[systemIndex]
    }
}

/// Reads `deny:` and `route:` lists.
struct RuleParser {
    /// The most approvals one step may ask for: more than any team has
    /// approvers, and far inside what a store holds (`StoredBounds`).
    static let mostApprovals = 1_000

    let conditions: ConditionParser
    var directory: Directory { conditions.directory }

    func parseDeny(_ node: LocatedNode, errors: inout [SourceError]) -> [DenyRule] {
        var rules: [DenyRule] = []
        let items: [LocatedNode]
        do { items = try node.list() } catch { errors.append(error); return [] }
        for item in items {
            do throws(SourceError) {
                let fields = try item.mapping()
                try fields.rejectUnknown(["name", "when", "reason"])
                let name = try fields.required("name", hint: "name the rule; it is shown on every denial").nonEmptyString()
                let when = try fields.required("when", hint: "a deny rule without conditions would deny every request")
                let condition = try conditions.parse(when)
                let reason = try fields.required("reason", hint: "say why, in words the requester will read").nonEmptyString(shape: .multiline)
                rules.append(DenyRule(name: name, condition: condition, reason: reason, position: item.position, field: item.path))
            } catch {
                errors.append(error)
            }
        }
        return rules
    }

    func parseRoutes(_ node: LocatedNode, catalogue: Catalogue, errors: inout [SourceError]) -> [RouteRule] {
        var rules: [RouteRule] = []
        let items: [LocatedNode]
        do { items = try node.list() } catch { errors.append(error); return [] }
        for item in items {
            do throws(SourceError) {
                let fields = try item.mapping()
                try fields.rejectUnknown(["name", "when", "steps", "approve"])
                let name = try fields.required("name", hint: "name the rule; it is recorded with every routing").nonEmptyString()
                var condition = Condition.always
                if let when = fields.optional("when") { condition = try conditions.parse(when) }
                let action: RouteRule.Action
                switch (fields.optional("steps"), fields.optional("approve")) {
                case let (steps?, nil):
                    action = .steps(try parseSteps(steps))
                case let (nil, approve?):
                    guard try approve.string() == "automatically" else {
                        throw approve.error("the only value is automatically", hint: "or give steps: to ask people")
                    }
                    action = .automatically
                case (_?, _?):
                    throw item.error("has both steps and approve", hint: "a rule either asks people (steps:) or approves automatically, not both")
                case (nil, nil):
                    throw item.error("says neither steps nor approve", hint: "add steps: [{approvers: owners, count: 1}] or approve: automatically")
                }
                var rule = RouteRule(name: name, condition: condition, action: action, position: item.position, field: item.path)
                rule.routed = Self.prebuild(action, catalogue: catalogue)
                rules.append(rule)
            } catch {
                errors.append(error)
            }
        }
        return rules
    }

    private static func prebuild(_ action: RouteRule.Action, catalogue: Catalogue) -> [[RoutedStep]] {
        guard case let .steps(specs) = action else { return [[]] }
        func build(_ system: String?) -> [RoutedStep] {
            specs.map { RoutedStep(name: $0.approvers.words(system: system), approvers: $0.approvers.text, required: $0.count) }
        }
        if specs.contains(where: { $0.approvers.source == .owners }) {
            return catalogue.entries.map { build($0.system.name) }
        }
        return [build(nil)]
    }

    private func parseSteps(_ node: LocatedNode) throws(SourceError) -> [StepSpec] {
        let items = try node.list()
        guard !items.isEmpty else { throw node.error("needs at least one step", hint: "or use approve: automatically") }
        var steps: [StepSpec] = []
        for item in items {
            let fields = try item.mapping()
            try fields.rejectUnknown(["approvers", "count", "exclude"])
            let approversNode = try fields.required("approvers", hint: "one of \(ApproverExpression.forms)")
            let text = try approversNode.nonEmptyString()
            guard let source = ApproverExpression.source(text) else {
                throw approversNode.error("\"\(text)\" is not an approver expression", hint: "write one of \(ApproverExpression.forms)")
            }
            switch source {
            case let .group(name):
                if directory.groups[name] == nil { throw approversNode.error("unknown group \"\(name)\"", hint: directory.groupHint(for: name)) }
            case let .rotation(name):
                if directory.rotations[name] == nil {
                    throw approversNode.error("unknown rotation \"\(name)\"", hint: directory.rotationHint(for: name))
                }
            case let .person(name):
                if directory.people[name] == nil { throw approversNode.error("unknown person \"\(name)\"", hint: directory.personHint(for: name)) }
            case .owners, .manager, .subjectOwnerManager:
                break
            }
            var count = 1
            if let countNode = fields.optional("count") {
                count = try countNode.int()
                guard count >= 1 else { throw countNode.error("must be at least 1", hint: "a step that needs nobody would approve by default") }
                guard count <= Self.mostApprovals else {
                    throw countNode.error("must be at most \(Self.mostApprovals)", hint: "no step can gather more approvals than it has approvers")
                }
            }
            var excludes = false
            if let excludeNode = fields.optional("exclude") {
                for entry in try excludeNode.listOrSingle() {
                    guard try entry.string() == "subject_owner" else {
                        throw entry.error("cannot be excluded", hint: "valid: subject_owner (the requester, submitter and a human subject are always excluded)")
                    }
                    excludes = true
                }
            }
            steps.append(StepSpec(approvers: ApproverExpression(source: source, excludesSubjectOwner: excludes), count: count,
                                  position: item.position, field: item.path))
        }
        return steps
    }
}
