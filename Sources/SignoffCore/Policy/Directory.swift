import Foundation

/// Who is who: people and their managers, groups, on-call rotations,
/// delegations and the agents allowed to submit on behalf of others.
struct Directory: Sendable {
    struct Person: Sendable {
        var name: String
        var manager: String?
        var position: SourcePosition?
    }

    /// A member of a group or an owner list: a person, or a whole group.
    enum Member: Sendable, Hashable {
        case person(String)
        case group(String)

        init(_ text: String) {
            self = text.hasPrefix("group:") ? .group(String(text.dropFirst("group:".count))) : .person(text)
        }
    }

    struct Rotation: Sendable {
        var name: String
        var members: [String]
        var start: Date
        var every: TimeSpan
        var position: SourcePosition?

        /// Who is on call at `date`; nil before the rotation starts or when it is empty.
        func onCall(at date: Date) -> String? {
            guard !members.isEmpty, date >= start, every.seconds > 0 else { return nil }
            let turns = Int((date.timeIntervalSince(start) / Double(every.seconds)).rounded(.down))
            return members[turns % members.count]
        }
    }

    struct Delegation: Sendable {
        var from: String
        var to: String
        var until: Date
        var position: SourcePosition?
    }

    var people: [String: Person] = [:]
    var peopleInOrder: [String] = []
    var intakeAgents: Set<String> = []
    var groups: [String: [Member]] = [:]
    var groupPositions: [String: SourcePosition] = [:]
    var groupOrder: [String] = []
    /// Every group's people, nested groups flattened.
    var expandedGroups: [String: Set<String>] = [:]
    var rotations: [String: Rotation] = [:]
    var rotationOrder: [String] = []
    var delegations: [Delegation] = []

    func groupHint(for name: String) -> String {
        if rotations[name] != nil { return "\(name) is a rotation; use rotation:\(name)" }
        let known = groupOrder
        let suggestion = closest(to: name, in: known).map { "did you mean \"\($0)\"? " } ?? ""
        return known.isEmpty ? "the directory defines no groups" : "\(suggestion)groups: \(known.joined(separator: ", "))"
    }

    func rotationHint(for name: String) -> String {
        if groups[name] != nil { return "\(name) is a group; use group:\(name)" }
        let suggestion = closest(to: name, in: rotationOrder).map { "did you mean \"\($0)\"? " } ?? ""
        return rotationOrder.isEmpty ? "the directory defines no rotations" : "\(suggestion)rotations: \(rotationOrder.joined(separator: ", "))"
    }

    func personHint(for name: String) -> String {
        let suggestion = closest(to: name, in: peopleInOrder).map { "did you mean \"\($0)\"? " } ?? ""
        return "\(suggestion)add them under directory.people"
    }

    /// Delegations from `person` still in force at `date`.
    func delegates(of person: String, at date: Date) -> [Delegation] {
        delegations.filter { $0.from == person && date < $0.until }
    }
}

extension Directory {
    static func parse(_ node: LocatedNode, errors: inout [SourceError]) -> Directory {
        var directory = Directory()
        let mapping: LocatedMapping
        do throws(SourceError) {
            mapping = try node.mapping()
            try mapping.rejectUnknown(["people", "intake_agents", "groups", "rotations", "delegations"])
        } catch {
            errors.append(error)
            return directory
        }
        if let peopleNode = mapping.optional("people") {
            collect(&errors) { () throws(SourceError) in try directory.parsePeople(peopleNode) }
        }
        if let agents = mapping.optional("intake_agents") {
            collect(&errors) { () throws(SourceError) in directory.intakeAgents = Set(try agents.stringList()) }
        }
        if let groupsNode = mapping.optional("groups") {
            directory.parseGroups(groupsNode, errors: &errors)
        }
        if let rotationsNode = mapping.optional("rotations") {
            directory.parseRotations(rotationsNode, errors: &errors)
        }
        if let delegationsNode = mapping.optional("delegations") {
            directory.parseDelegations(delegationsNode, errors: &errors)
        }
        return directory
    }

    private mutating func parsePeople(_ node: LocatedNode) throws(SourceError) {
        if case .sequence = node.node {
            for item in try node.list() {
                let name = try item.nonEmptyString()
                if people[name] != nil { throw item.error("\"\(name)\" appears twice") }
                people[name] = Person(name: name, manager: nil, position: item.position)
                peopleInOrder.append(name)
            }
            return
        }
        let mapping = try node.mapping()
        for entry in mapping.entries {
            var person = Person(name: entry.key, manager: nil, position: entry.keyNode.position)
            if !Self.isEmptyScalar(entry.value) {
                let details = try entry.value.mapping()
                try details.rejectUnknown(["manager"])
                if let manager = details.optional("manager") { person.manager = try manager.nonEmptyString() }
            }
            people[entry.key] = person
            peopleInOrder.append(entry.key)
        }
        peopleInOrder.sort()
    }

    static func isEmptyScalar(_ node: LocatedNode) -> Bool {
        if case let .scalar(scalar) = node.node, scalar.style == .plain, ["", "~", "null"].contains(scalar.string) { return true }
        return false
    }

    private mutating func parseGroups(_ node: LocatedNode, errors: inout [SourceError]) {
        let mapping: LocatedMapping
        do { mapping = try node.mapping() } catch { errors.append(error); return }
        var memberNodes: [String: [LocatedNode]] = [:]
        for entry in mapping.entries {
            do throws(SourceError) {
                let items = try entry.value.listOrSingle()
                var members: [Member] = []
                for item in items { members.append(Member(try item.nonEmptyString())) }
                groups[entry.key] = members
                memberNodes[entry.key] = items
                groupPositions[entry.key] = entry.keyNode.position
                groupOrder.append(entry.key)
            } catch {
                errors.append(error)
            }
        }
        // Nested groups must exist and must not contain themselves.
        for name in groupOrder {
            for (index, member) in groups[name]!.enumerated() {
                if case let .group(inner) = member, groups[inner] == nil {
                    errors.append(memberNodes[name]![index].error("unknown group \"\(inner)\"", hint: groupHint(for: inner)))
                }
            }
        }
        for name in groupOrder {
            var visiting: [String] = []
            if let cycle = findCycle(from: name, visiting: &visiting) {
                errors.append(SourceError(file: node.file, position: groupPositions[name], field: "directory.groups.\(name)",
                                          message: "groups contain each other: \(cycle.joined(separator: " → "))",
                                          hint: "a group may not include itself, directly or through another group"))
                return
            }
        }
        for name in groupOrder { expandedGroups[name] = expand(name) }
    }

    private func findCycle(from name: String, visiting: inout [String]) -> [String]? {
        if let start = visiting.firstIndex(of: name) { return Array(visiting[start...]) + [name] }
        visiting.append(name)
        defer { visiting.removeLast() }
        for case let .group(inner) in groups[name] ?? [] {
            if let cycle = findCycle(from: inner, visiting: &visiting) { return cycle }
        }
        return nil
    }

    /// The people of a group, nested groups included; call only when acyclic.
    private func expand(_ name: String) -> Set<String> {
        var result: Set<String> = []
        for member in groups[name] ?? [] {
            switch member {
            case let .person(person): result.insert(person)
            case let .group(inner): result.formUnion(expand(inner))
            }
        }
        return result
    }

    /// People named by a list of members (`dave`, `group:dba`), in order, once each.
    func people(in members: [Member]) -> [String] {
        var result: [String] = []
        for member in members {
            switch member {
            case let .person(person):
                if !result.contains(person) { result.append(person) }
            case let .group(group):
                for person in (expandedGroups[group] ?? []).sorted() where !result.contains(person) { result.append(person) }
            }
        }
        return result
    }

    private mutating func parseRotations(_ node: LocatedNode, errors: inout [SourceError]) {
        let mapping: LocatedMapping
        do { mapping = try node.mapping() } catch { errors.append(error); return }
        for entry in mapping.entries {
            do throws(SourceError) {
                let fields = try entry.value.mapping()
                try fields.rejectUnknown(["members", "start", "every"])
                let members = try fields.required("members", hint: "list the people who take turns").stringList()
                let start = try Self.date(try fields.required("start", hint: "when the first member's turn begins, e.g. 2026-01-05T09:00:00Z"))
                let everyNode = try fields.required("every", hint: "how long each turn lasts, e.g. 1w")
                guard let every = TimeSpan(parsing: try everyNode.string()) else {
                    throw everyNode.error("is not a duration", hint: TimeSpan.syntaxHint)
                }
                rotations[entry.key] = Rotation(name: entry.key, members: members, start: start, every: every, position: entry.keyNode.position)
                rotationOrder.append(entry.key)
            } catch {
                errors.append(error)
            }
        }
    }

    private mutating func parseDelegations(_ node: LocatedNode, errors: inout [SourceError]) {
        let items: [LocatedNode]
        do { items = try node.list() } catch { errors.append(error); return }
        for item in items {
            do throws(SourceError) {
                let fields = try item.mapping()
                try fields.rejectUnknown(["from", "to", "until"])
                let from = try fields.required("from", hint: "the person whose approvals are delegated").nonEmptyString()
                let toNode = try fields.required("to", hint: "the person who may act for them")
                let to = try toNode.nonEmptyString()
                let until = try Self.date(try fields.required("until", hint: "every delegation ends; e.g. 2026-12-31T00:00:00Z"))
                if from == to { throw toNode.error("a person cannot delegate to themselves") }
                delegations.append(Delegation(from: from, to: to, until: until, position: item.position))
            } catch {
                errors.append(error)
            }
        }
    }

    /// An instant written as ISO 8601 with a time zone, or a plain date meaning midnight UTC.
    static func date(_ node: LocatedNode) throws(SourceError) -> Date {
        let text = try node.string()
        if let date = try? Date(text, strategy: .iso8601) { return date }
        if let date = try? Date(text + "T00:00:00Z", strategy: .iso8601) { return date }
        throw node.error("\"\(text)\" is not a date and time", hint: "write e.g. 2026-01-05T09:00:00Z or 2026-01-05")
    }
}

/// Runs `body`, adding its error to `errors` instead of stopping, so one pass
/// reports every problem it can.
func collect(_ errors: inout [SourceError], _ body: () throws(SourceError) -> Void) {
    do { try body() } catch { errors.append(error) }
}

extension Date {
    /// The ISO 8601 spelling used in reasons: `2026-12-31T00:00:00Z`.
    var policyText: String { formatted(.iso8601) }
}
