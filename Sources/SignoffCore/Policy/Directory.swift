import Foundation

/// Who is who: people and their managers, groups, on-call rotations,
/// delegations and the agents allowed to submit on behalf of others.
struct Directory: Sendable {
    struct Person: Sendable {
        var name: String
        var manager: String?
        var position: SourcePosition?
        /// The person's Jira identities (`jira:`): a Cloud account ID, a Server
        /// login name or key, or an email address.
        var jira: [String] = []
        /// Where notifications reach them (`email:`, `webhook:`, named `channels:`).
        var email: String?
        var webhook: String?
        var channels: [String] = []
        /// SSH public keys their decisions are signed with (`keys:`).
        var keys: [SSHPublicKey] = []
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

    // Every name is kept and looked up byte for byte (`ExactName`): a name
    // canonically equivalent to a person's (`jos\u{E9}` and `jose\u{301}`)
    // is somebody else to the platforms that grant access, so it is somebody
    // else here too.
    var people = ExactNameDictionary<Person>()
    var peopleInOrder: [String] = []
    var intakeAgents = ExactNameSet()
    /// Identities that act on the store without being people (a provisioning
    /// system, a ticket importer's account): they may hold roles, never request or approve.
    var accounts = ExactNameSet()
    var groups = ExactNameDictionary<[Member]>()
    var groupPositions = ExactNameDictionary<SourcePosition>()
    var groupOrder: [String] = []
    /// Every group's people, nested groups flattened.
    var expandedGroups = ExactNameDictionary<ExactNameSet>()
    var rotations = ExactNameDictionary<Rotation>()
    var rotationOrder: [String] = []
    var delegations: [Delegation] = []
    /// Every `jira:` identity, lowercased, to its person.
    var jiraPeople = ExactNameDictionary<String>()
    /// Each person's name, email and Jira identities, folded
    /// (`Reconciliation.fold`): what an identity named as theirs folds to.
    var foldedNames = ExactNameDictionary<Set<String>>()
    /// Whose each listed SSH key is: one key, one person.
    var keyOwners: [SSHPublicKey: String] = [:]
    /// Listed keys that prove nothing (`SSHPublicKey.weakness`), with why:
    /// `policy check` refuses them; a stored policy may still list one.
    var weakKeys: [SSHPublicKey: String] = [:]

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

    /// The first moment after `date` at which the directory answers
    /// differently by the clock: a rotation's next turn (or its start), a
    /// delegation's end. Nil when nothing in it changes with time after `date`.
    func nextChange(after date: Date) -> Date? {
        var next: Date?
        func consider(_ candidate: Date) {
            if candidate > date, next.map({ candidate < $0 }) ?? true { next = candidate }
        }
        for (_, rotation) in rotations where !rotation.members.isEmpty && rotation.every.seconds > 0 {
            guard date >= rotation.start else {
                consider(rotation.start)
                continue
            }
            // One member is on call at every turn.
            guard rotation.members.count > 1 else { continue }
            let every = Double(rotation.every.seconds)
            let turns = (date.timeIntervalSince(rotation.start) / every).rounded(.down)
            consider(rotation.start.addingTimeInterval((turns + 1) * every))
        }
        for delegation in delegations { consider(delegation.until) }
        return next
    }

    /// Delegations from `person` still in force at `date`.
    func delegates(of person: String, at date: Date) -> [Delegation] {
        delegations.filter { ExactName.same($0.from, person) && date < $0.until }
    }
}

extension Directory {
    static func parse(_ node: LocatedNode, errors: inout [SourceError]) -> Directory {
        var directory = Directory()
        let mapping: LocatedMapping
        do throws(SourceError) {
            mapping = try node.mapping()
            try mapping.rejectUnknown(["people", "intake_agents", "accounts", "groups", "rotations", "delegations"])
        } catch {
            errors.append(error)
            return directory
        }
        if let peopleNode = mapping.optional("people") {
            directory.parsePeople(peopleNode, errors: &errors)
        }
        if let agents = mapping.optional("intake_agents") {
            collect(&errors) { () throws(SourceError) in directory.intakeAgents = ExactNameSet(try directory.names(agents, of: "intake agent")) }
        }
        if let accounts = mapping.optional("accounts") {
            collect(&errors) { () throws(SourceError) in directory.accounts = ExactNameSet(try directory.names(accounts, of: "account")) }
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

    /// Each person on their own: one written wrongly is an error of its own,
    /// and the others still parse, so a mistake in one is not reported again
    /// as every later mention of the rest ("unknown person").
    private mutating func parsePeople(_ node: LocatedNode, errors: inout [SourceError]) {
        if case .sequence = node.node {
            let items: [LocatedNode]
            do { items = try node.list() } catch { errors.append(error); return }
            for item in items {
                do throws(SourceError) {
                    let name = try item.nonEmptyString()
                    try PlainName.check(name, at: item, what: "a person's name")
                    // Canonically equivalent spellings count as the same name here:
                    // two people who read alike would pass for each other.
                    if let other = peopleInOrder.first(where: { $0 == name }) {
                        throw item.error(ExactName.same(other, name) ? "\"\(name)\" appears twice"
                                         : "\"\(ExactName.spelled(name))\" is \"\(ExactName.spelled(other))\" spelt another way",
                                         hint: "name each person once, spelt one way")
                    }
                    people[name] = Person(name: name, manager: nil, position: item.position)
                    peopleInOrder.append(name)
                } catch {
                    errors.append(error)
                }
            }
            return
        }
        let mapping: LocatedMapping
        do { mapping = try node.mapping() } catch { errors.append(error); return }
        for entry in mapping.entries {
            // A name that is not plain names nobody; the others go on.
            do throws(SourceError) { try PlainName.check(entry.key, at: entry.keyNode, what: "a person's name") } catch {
                errors.append(error)
                continue
            }
            var person = Person(name: entry.key, manager: nil, position: entry.keyNode.position)
            // Details written wrongly are an error, but the person is still someone the rest may name.
            do throws(SourceError) { try parseDetails(entry.value, of: entry.key, into: &person) } catch { errors.append(error) }
            people[entry.key] = person
            peopleInOrder.append(entry.key)
        }
        peopleInOrder.sort()
    }

    private mutating func parseDetails(_ value: LocatedNode, of name: String, into person: inout Person) throws(SourceError) {
        guard !Self.isEmptyScalar(value) else { return }
        let details = try value.mapping()
        try details.rejectUnknown(["manager", "jira", "email", "webhook", "channels", "keys"])
        if let manager = details.optional("manager") { person.manager = try manager.nonEmptyString() }
        if let jira = details.optional("jira") {
            for item in try jira.listOrSingle() {
                let identity = try item.nonEmptyString()
                if let other = jiraPeople[identity.lowercased()] {
                    throw item.error("\"\(identity)\" is already \(other)'s Jira identity",
                                     hint: "one Jira account is one person; remove it from one of them")
                }
                jiraPeople[identity.lowercased()] = name
                person.jira.append(identity)
            }
        }
        if let email = details.optional("email") {
            let address = try email.nonEmptyString()
            guard EmailAddress.isPlain(address) else {
                throw email.error("\"\(address)\" is not a plain email address", hint: "e.g. dave@example.com")
            }
            person.email = address
        }
        if let webhook = details.optional("webhook") { person.webhook = try NotificationPolicy.webURL(webhook) }
        if let channels = details.optional("channels") { person.channels = try channels.stringList() }
        if let keys = details.optional("keys") { person.keys = try parseKeys(keys, of: name) }
    }

    /// `keys:` as `.pub` lines, each checked where it is written.
    private mutating func parseKeys(_ node: LocatedNode, of person: String) throws(SourceError) -> [SSHPublicKey] {
        var keys: [SSHPublicKey] = []
        for item in try node.listOrSingle() {
            let key: SSHPublicKey
            do {
                key = try SSHPublicKey(line: try item.string())
            } catch let problem as SSHKeyError {
                throw item.error(problem.description)
            } catch {
                throw item.error("\(error)")
            }
            if let other = keyOwners[key] {
                throw item.error("this key (\(key.fingerprint)) is already listed for \(other)",
                                 hint: "a key identifies one person; list it under one of them")
            }
            keyOwners[key] = person
            if let weakness = key.weakness { weakKeys[key] = weakness }
            keys.append(key)
        }
        return keys
    }

    static func isEmptyScalar(_ node: LocatedNode) -> Bool {
        if case let .scalar(scalar) = node.node, scalar.style == .plain, ["", "~", "null"].contains(scalar.string) { return true }
        return false
    }

    private mutating func parseGroups(_ node: LocatedNode, errors: inout [SourceError]) {
        let mapping: LocatedMapping
        do { mapping = try node.mapping() } catch { errors.append(error); return }
        var memberNodes = ExactNameDictionary<[LocatedNode]>()
        for entry in mapping.entries {
            do throws(SourceError) {
                try PlainName.check(entry.key, at: entry.keyNode, what: "a group's name")
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
        if let (start, cycle) = findCycle() {
            errors.append(SourceError(file: node.file, position: groupPositions[start], field: "directory.groups.\(start)",
                                      message: "groups contain each other: \(cycle.joined(separator: " → "))",
                                      hint: "a group may not include itself, directly or through another group"))
            return
        }
        expandedGroups = expandAll()
        for name in peopleInOrder {
            guard let person = people[name] else { continue }
            foldedNames[name] = Set(([name] + [person.email].compactMap { $0 } + person.jira).map(Reconciliation.fold))
        }
    }

    /// The first cycle among nested groups, in one depth-first pass over every
    /// group (linear in the groups and their members, whatever the nesting).
    private func findCycle() -> (String, [String])? {
        enum Mark { case visiting, done }
        var marks = ExactNameDictionary<Mark>()
        for root in groupOrder where marks[root] == nil {
            // An explicit stack: nesting a thousand levels deep must not exhaust the call stack.
            var path: [(name: String, next: Int)] = [(root, 0)]
            marks[root] = .visiting
            while let top = path.last {
                let members = groups[top.name] ?? []
                var index = top.next
                var descended = false
                while index < members.count {
                    let member = members[index]
                    index += 1
                    guard case let .group(inner) = member, groups[inner] != nil else { continue }
                    switch marks[inner] {
                    case .visiting?:
                        let start = path.firstIndex { ExactName.same($0.name, inner) }!
                        return (root, path[start...].map(\.name) + [inner])
                    case .done?:
                        continue
                    case nil:
                        path[path.count - 1].next = index
                        marks[inner] = .visiting
                        path.append((inner, 0))
                        descended = true
                    }
                    if descended { break }
                }
                if !descended {
                    marks[top.name] = .done
                    path.removeLast()
                }
            }
        }
        return nil
    }

    /// Every group's people, nested groups flattened; each group is expanded
    /// once and reused by the groups that include it. Call only when acyclic.
    private func expandAll() -> ExactNameDictionary<ExactNameSet> {
        var expanded = ExactNameDictionary<ExactNameSet>()
        for root in groupOrder where expanded[root] == nil {
            var stack: [String] = [root]
            while let name = stack.last {
                if expanded[name] != nil { stack.removeLast(); continue }
                let pending = (groups[name] ?? []).compactMap { member -> String? in
                    if case let .group(inner) = member, groups[inner] != nil, expanded[inner] == nil { return inner }
                    return nil
                }
                if !pending.isEmpty { stack.append(contentsOf: pending); continue }
                var people = ExactNameSet()
                for member in groups[name] ?? [] {
                    switch member {
                    case let .person(person): people.insert(person)
                    case let .group(inner): people.formUnion(expanded[inner] ?? [])
                    }
                }
                expanded[name] = people
                stack.removeLast()
            }
        }
        return expanded
    }

    /// People named by a list of members (`dave`, `group:dba`), in order, once each.
    func people(in members: [Member]) -> [String] {
        var result: [String] = []
        for member in members {
            switch member {
            case let .person(person):
                if !result.contains(where: { ExactName.same($0, person) }) { result.append(person) }
            case let .group(group):
                for person in (expandedGroups[group] ?? []).sorted() where !result.contains(where: { ExactName.same($0, person) }) { result.append(person) }
            }
        }
        return result
    }

    private mutating func parseRotations(_ node: LocatedNode, errors: inout [SourceError]) {
        let mapping: LocatedMapping
        do { mapping = try node.mapping() } catch { errors.append(error); return }
        for entry in mapping.entries {
            do throws(SourceError) {
                try PlainName.check(entry.key, at: entry.keyNode, what: "a rotation's name")
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

    /// A list of account or agent names, each a plain name (`PlainName`).
    func names(_ node: LocatedNode, of what: String) throws(SourceError) -> [String] {
        var names: [String] = []
        for item in try node.listOrSingle() {
            let name = try item.nonEmptyString()
            try PlainName.check(name, at: item, what: "an \(what)'s name")
            names.append(name)
        }
        return names
    }

    /// An instant written as ISO 8601 with a time zone, or a plain date meaning midnight UTC.
    static func date(_ node: LocatedNode) throws(SourceError) -> Date {
        switch Timestamp.read(try node.string(), dateOnly: true) {
        case let .success(date): return date
        case let .failure(error): throw node.error(error.description, hint: "write e.g. 2026-01-05T09:00:00Z or 2026-01-05, between 1970 and 9999")
        }
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
