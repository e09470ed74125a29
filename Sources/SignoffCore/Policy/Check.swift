import Foundation

// `policy check`: mistakes that parse but would surprise the author. Errors make
// a rule or step dead or unsatisfiable; warnings are probably unintended.

extension Policy {
    /// Likely mistakes: shadowed rules, empty or unknown groups, unsatisfiable steps, systems without owners,
    /// entitlements and environments reconciliation cannot see.
    public func check() -> [PolicyFinding] {
        var findings: [PolicyFinding] = []
        checkDirectory(&findings)
        checkManagerCycles(&findings)
        checkDelegationCycles(&findings)
        checkLookalikes(&findings)
        checkRoles(&findings)
        checkCatalogue(&findings)
        checkRules(&findings)
        checkSteps(&findings)
        checkNotifications(&findings)
        checkPlatforms(&findings)
        findings += signingFindings()
        return findings
    }

    private func unknownPerson(_ name: String, in role: String) -> String {
        "\(name) (\(role)) is not in directory.people, so they can never approve"
    }

    private func checkDirectory(_ findings: inout [PolicyFinding]) {
        for name in directory.peopleInOrder {
            guard let person = directory.people[name], let manager = person.manager, !knowsPerson(manager) else { continue }
            findings.append(PolicyFinding(severity: .error, position: person.position, field: "directory.people.\(name).manager",
                                          message: "manager \(manager) is not in the directory; manager steps for \(name) can never be satisfied"))
        }
        for name in directory.peopleInOrder {
            guard let person = directory.people[name] else { continue }
            for key in person.keys {
                guard let weakness = directory.weakKeys[key] else { continue }
                findings.append(PolicyFinding(severity: .error, position: person.position, field: "directory.people.\(name).keys",
                                              message: "key \(key.fingerprint) \(weakness); list the key from \(name)'s .pub file"))
            }
        }
        for name in directory.groupOrder {
            let position = directory.groupPositions[name]
            let field = "directory.groups.\(name)"
            if directory.expandedGroups[name]?.isEmpty ?? true {
                findings.append(PolicyFinding(severity: .warning, position: position, field: field, message: "group \(name) has no members"))
            }
            for case let .person(member) in directory.groups[name] ?? [] where !knowsPerson(member) {
                findings.append(PolicyFinding(severity: .error, position: position, field: field, message: unknownPerson(member, in: "member of \(name)")))
            }
        }
        for name in directory.rotationOrder {
            guard let rotation = directory.rotations[name] else { continue }
            let field = "directory.rotations.\(name)"
            if rotation.members.isEmpty {
                findings.append(PolicyFinding(severity: .error, position: rotation.position, field: field, message: "rotation \(name) has no members: nobody is ever on call"))
            }
            for member in rotation.members where !knowsPerson(member) {
                findings.append(PolicyFinding(severity: .error, position: rotation.position, field: field, message: unknownPerson(member, in: "on call for \(name)")))
            }
        }
        for (index, delegation) in directory.delegations.enumerated() {
            for (person, role) in [(delegation.from, "delegating"), (delegation.to, "delegate")] where !knowsPerson(person) {
                findings.append(PolicyFinding(severity: .error, position: delegation.position, field: "directory.delegations[\(index)]",
                                              message: unknownPerson(person, in: role)))
            }
        }
    }

    /// Managers who are (through others) their own managers: revocation rights
    /// and manager steps would follow the loop.
    private func checkManagerCycles(_ findings: inout [PolicyFinding]) {
        var state: [String: Bool] = [:]  // false: on the current path; true: done
        for start in directory.peopleInOrder where state[start] == nil {
            var path: [String] = []
            var name: String? = start
            while let current = name, directory.people[current] != nil, state[current] == nil {
                state[current] = false
                path.append(current)
                name = directory.people[current]?.manager
            }
            if let current = name, state[current] == false, let index = path.firstIndex(of: current) {
                let cycle = Array(path[index...]) + [current]
                let first = cycle.dropLast().min()!
                findings.append(PolicyFinding(severity: .error, position: directory.people[first]?.position,
                                              field: "directory.people.\(first).manager",
                                              message: "managers form a loop: \(cycle.joined(separator: " → manager "))"))
            }
            for name in path { state[name] = true }
        }
    }

    /// People who act for each other, directly or through others.
    private func checkDelegationCycles(_ findings: inout [PolicyFinding]) {
        var edges: [String: [Int]] = [:]
        for (index, delegation) in directory.delegations.enumerated() { edges[delegation.from, default: []].append(index) }
        var done: Set<String> = []
        var reported: Set<Set<String>> = []
        for root in directory.delegations.map(\.from) where !done.contains(root) {
            // (person, delegation that led here), with an explicit stack.
            var path: [(name: String, via: Int?)] = [(root, nil)]
            var next: [Int] = [0]
            var onPath: Set<String> = [root]
            while !path.isEmpty {
                let name = path[path.count - 1].name
                let out = edges[name] ?? []
                if next[next.count - 1] < out.count {
                    let index = out[next[next.count - 1]]
                    next[next.count - 1] += 1
                    let to = directory.delegations[index].to
                    if onPath.contains(to) {
                        let start = path.firstIndex { $0.name == to }!
                        let cycle = path[start...].map(\.name) + [to]
                        if reported.insert(Set(cycle)).inserted {
                            findings.append(PolicyFinding(severity: .error, position: directory.delegations[index].position,
                                                          field: "directory.delegations[\(index)]",
                                                          message: "delegations form a loop: \(cycle.joined(separator: " → delegates to "))"))
                        }
                    } else if !done.contains(to) {
                        path.append((to, index))
                        next.append(0)
                        onPath.insert(to)
                    }
                } else {
                    done.insert(name)
                    onPath.remove(name)
                    path.removeLast()
                    next.removeLast()
                }
            }
        }
    }

    /// Names that look alike (Unicode TR39 skeletons): `dave` and Cyrillic
    /// `dаve` would read the same in every list, review and notification.
    private func checkLookalikes(_ findings: inout [PolicyFinding]) {
        let namespaces: [(String, [String], (String) -> SourcePosition?)] = [
            ("people and accounts", directory.peopleInOrder + directory.intakeAgents.sorted() + directory.accounts.sorted(),
             { directory.people[$0]?.position }),
            ("groups", directory.groupOrder, { directory.groupPositions[$0] }),
            ("rotations", directory.rotationOrder, { directory.rotations[$0]?.position }),
        ]
        for (kind, names, position) in namespaces {
            for group in Confusables.lookalikes(among: names) {
                let shown = group.map { "\"\($0)\" (\($0.unicodeScalars.map { "U+" + DisplaySafe.hex($0.value, digits: 4) }.joined(separator: " ")))" }
                findings.append(PolicyFinding(severity: .error, position: group.lazy.compactMap(position).first, field: "directory",
                                              message: "\(kind) whose names look alike: \(shown.joined(separator: ", ")); rename them so nobody can pass for another"))
            }
        }
    }

    /// Actions no role grants stay with the store's creator: worth knowing.
    private func checkRoles(_ findings: inout [PolicyFinding]) {
        let ungranted = RoleAction.administration.filter { holders(of: RolePermission($0)).isEmpty }
        if !ungranted.isEmpty {
            findings.append(PolicyFinding(severity: .warning, position: nil, field: "roles",
                                          message: "no role grants \(ungranted.map(\.rawValue).joined(separator: ", ")): only the account that created the store may do that"))
        }
        if notifications != nil, holders(of: RolePermission(.deliverNotifications)).isEmpty {
            findings.append(PolicyFinding(severity: .warning, position: nil, field: "roles",
                                          message: "no role grants deliver_notifications: only the account that created the store may run signoff notify run and notify retry, and every other console leaves its decisions' notifications to notify run; give the account that runs notify run a role with may: [deliver_notifications]"))
        }
    }

    private func checkCatalogue(_ findings: inout [PolicyFinding]) {
        for entry in catalogue.entries {
            let field = "catalogue.\(entry.system.name).owners"
            let owners = directory.people(in: entry.owners)
            if owners.isEmpty {
                findings.append(PolicyFinding(severity: .error, position: entry.position, field: field,
                                              message: "\(entry.system.name) has no owners: a step asking its owners can never be satisfied"))
            }
            for case let .person(owner) in entry.owners where !knowsPerson(owner) {
                findings.append(PolicyFinding(severity: .error, position: entry.position, field: field, message: unknownPerson(owner, in: "owner of \(entry.system.name)")))
            }
            // Every grant ends, but a limit of years (a typo, or `999999w`) is no limit.
            let longest = entry.maxTotal ?? TimeSpan(seconds: entry.limitByKind.max() ?? entry.maxDuration.seconds)
            if longest > Self.longestSensibleGrant {
                let which = entry.maxTotal == nil ? "max_duration" : "max_total"
                findings.append(PolicyFinding(severity: .warning, position: entry.position, field: "catalogue.\(entry.system.name).\(which)",
                                              message: "a grant on \(entry.system.name) may last \(longest)\(entry.maxTotal == nil ? "" : " with its extensions"), more than a year: access that outlives its purpose is what limits are for; ask for extensions instead"))
            }
        }
        if let breakGlass, breakGlass.maxDuration > Self.longestSensibleEmergency {
            findings.append(PolicyFinding(severity: .warning, position: nil, field: "break_glass.max_duration",
                                          message: "break-glass access may last \(breakGlass.maxDuration), more than a day: emergencies are short, and what outlasts one is asked for as a normal request"))
        }
        if let breakGlass, breakGlass.reviewWithin < breakGlass.maxDuration {
            findings.append(PolicyFinding(severity: .warning, position: nil, field: "break_glass.post_incident_review.within",
                                          message: "the post-incident review is due \(breakGlass.reviewWithin) after an emergency is approved, but its access may last \(breakGlass.maxDuration): a review waits until the access has ended, so it would be overdue before anyone could complete it; make within at least max_duration"))
        }
        if let breakGlass, let reviewer = loneIncidentReviewer(breakGlass) {
            findings.append(PolicyFinding(severity: .warning, position: nil, field: "break_glass.post_incident_review.reviewers",
                                          message: "\(reviewer) is the only post-incident reviewer and may raise emergencies too: nobody reviews their own, so an emergency \(reviewer) raises could never be reviewed (a grant keeps the reviewers it was issued with); name reviewers of more than one person"))
        }
    }

    /// The one person the post-incident review names (a person, or a group
    /// or rotation of one), where they may also raise an emergency; nil otherwise.
    private func loneIncidentReviewer(_ breakGlass: BreakGlassPolicy) -> String? {
        let pool: [String]
        switch ApproverExpression(text: breakGlass.reviewers)?.source {
        case let .person(name)?: pool = [name]
        case let .group(name)?: pool = (directory.expandedGroups[name] ?? []).sorted()
        case let .rotation(name)?: pool = directory.rotations[name]?.members ?? []
        case .owners?, .manager?, .subjectOwnerManager?, nil: return nil
        }
        guard pool.count == 1, let reviewer = pool.first else { return nil }
        let raisers = breakGlass.raisedBy.flatMap { expression -> [String] in
            switch ApproverExpression(text: expression)?.source {
            case let .person(name)?: [name]
            case let .group(name)?: Array(directory.expandedGroups[name] ?? [])
            case let .rotation(name)?: directory.rotations[name]?.members ?? []
            case .owners?, .manager?, .subjectOwnerManager?, nil: []
            }
        }
        return raisers.contains(reviewer) ? reviewer : nil
    }

    static let longestSensibleGrant = TimeSpan.days(366)
    static let longestSensibleEmergency = TimeSpan.hours(24)

    private func checkRules(_ findings: inout [PolicyFinding]) {
        if routeRules.isEmpty {
            findings.append(PolicyFinding(severity: .warning, position: nil, field: "route", message: "there are no route rules: every request is blocked"))
        }
        let rules = denyRules.map { ("deny", $0.name, $0.position, $0.field, $0.condition) }
            + routeRules.map { ("route", $0.name, $0.position, $0.field, $0.condition) }
        for (kind, name, position, field, condition) in rules where condition.holdsForNoRequest {
            findings.append(PolicyFinding(severity: .error, position: position, field: field,
                                          message: "\(kind) rule \(name) can never match: its conditions rule out every request"))
        }
        for (later, rule) in routeRules.enumerated() where !rule.condition.holdsForNoRequest {
            for earlier in routeRules[..<later] where Self.implies(rule.condition, earlier.condition) {
                findings.append(PolicyFinding(severity: .error, position: rule.position, field: rule.field,
                                              message: "route rule \(rule.name) can never match: the earlier rule \(earlier.name) matches every request it would"))
                break
            }
        }
        let reserved = denyRules.map { ($0.name, $0.position, $0.field) } + routeRules.map { ($0.name, $0.position, $0.field) }
        for (name, position, field) in reserved where Self.lifecycleRuleNames.contains(name) {
            findings.append(PolicyFinding(severity: .error, position: position, field: "\(field).name", message: """
                rule name "\(name)" is reserved: signoff records policy:\(name) when it closes a request itself \
                (\(Self.lifecycleRuleNames.joined(separator: ", "))); rename the rule
                """))
        }
        for (later, rule) in denyRules.enumerated() {
            for earlier in denyRules[..<later] where Self.implies(rule.condition, earlier.condition) && Self.implies(earlier.condition, rule.condition) {
                findings.append(PolicyFinding(severity: .warning, position: rule.position, field: rule.field,
                                              message: "deny rule \(rule.name) has the same conditions as \(earlier.name)"))
                break
            }
        }
    }

    private func checkSteps(_ findings: inout [PolicyFinding]) {
        for rule in routeRules {
            guard case let .steps(steps) = rule.action else { continue }
            for step in steps {
                for (pool, people) in pools(for: step.approvers.source, rule: rule) {
                    if let message = Self.shortfall(step, pool: pool, size: people.count) {
                        findings.append(PolicyFinding(severity: .error, position: step.position, field: step.field, message: "rule \(rule.name): \(message)"))
                    } else if step.approvers.excludesSubjectOwner, step.count > people.count - 2, people.count >= 2 {
                        findings.append(PolicyFinding(severity: .warning, position: step.position, field: step.field,
                                                      message: "rule \(rule.name): needs \(step.count) of the \(people.count) people in \(pool); short when both the requester and the subject's owner are among them"))
                    }
                }
            }
        }
    }

    /// The fixed sets of people a step can draw on, with a name for each.
    private func pools(for source: ApproverExpression.Source, rule: RouteRule) -> [(String, [String])] {
        switch source {
        case .owners:
            let reachable = Self.systems(constrainedBy: rule.condition) ?? catalogue.entries.map(\.system.name)
            return reachable.compactMap { name in
                catalogue.index[name].map { ("owners of \(name)", directory.people(in: catalogue.entries[$0].owners)) }
            }
        case let .group(name):
            return [("group \(name)", (directory.expandedGroups[name] ?? []).sorted())]
        case let .rotation(name):
            return [("rotation \(name)", directory.rotations[name].map { $0.members.isEmpty ? [] : ["on call"] } ?? [])]
        case let .person(name):
            return [("person \(name)", [name])]
        case .manager, .subjectOwnerManager:
            return [("the manager", ["manager"])]
        }
    }

    /// Why a step can never (or not always) gather its approvals from `size` people.
    private static func shortfall(_ step: StepSpec, pool: String, size: Int) -> String? {
        let single: Bool
        switch step.approvers.source {
        case .rotation, .person, .manager, .subjectOwnerManager: single = true
        case .owners, .group: single = false
        }
        if size == 0 { return "\(pool) is empty: nobody can approve this step" }
        if single, step.count > 1 { return "needs \(step.count) approvals but only one person (\(pool)) can ever count" }
        if single { return nil }
        if step.count > size { return "needs \(step.count) approvals but \(pool) has only \(size) people" }
        if step.count > size - 1 {
            return "needs \(step.count) of the \(size) people in \(pool): when one of them is the requester only \(size - 1) can approve"
        }
        return nil
    }

    /// Systems a condition pins down at its top level (`system: x` or a list), or nil.
    static func systems(constrainedBy condition: Condition) -> [String]? {
        for case let .test(.system, test, _) in condition.conjuncts {
            switch test {
            case let .equals(value): return [value]
            case let .oneOf(values): return values
            case let .oneOfSet(values): return values.map(\.text).sorted()
            case .kinds, .accessLevels, .accessCompare, .durationCompare, .durationEquals, .flag, .like, .matches, .inGroup,
                 .present, .includesAll: continue
            }
        }
        return nil
    }

    /// Whether every request matching `narrow` also matches `broad`: each top-level
    /// condition of `broad` is implied by one of `narrow`'s. Sound, not complete.
    static func implies(_ narrow: Condition, _ broad: Condition) -> Bool {
        let narrowParts = narrow.conjuncts
        return broad.conjuncts.allSatisfy { part in part.holdsForEveryRequest || narrowParts.contains { implies(single: $0, part) } }
    }

    private static func implies(single narrow: Condition, _ broad: Condition) -> Bool {
        if narrow.canonical == broad.canonical { return true }
        switch (narrow, broad) {
        case let (.not(.not(inner)), _): return implies(inner, broad)
        case let (_, .not(.not(inner))): return implies(narrow, inner)
        case let (.any(alternatives), _): return !alternatives.isEmpty && alternatives.allSatisfy { implies($0, broad) }
        case let (_, .any(alternatives)): return alternatives.contains { implies(narrow, $0) }
        // What is outside a wider condition is outside a narrower one.
        case let (.not(excludedByNarrow), .not(excludedByBroad)): return implies(excludedByBroad, excludedByNarrow)
        case let (_, .not(excluded)): return excludes(narrow, excluded)
        case let (.test(narrowField, narrowTest, _), .test(broadField, broadTest, _)):
            guard narrowField == broadField else { return false }
            if case let .kinds(a) = narrowTest, case let .kinds(b) = broadTest { return a & ~b == 0 }
            if let a = narrowTest.accessMask, let b = broadTest.accessMask { return a & ~b == 0 }
            guard let a = narrowTest.textValues, let b = broadTest.textValues else { return false }
            return a.isSubset(of: b)
        case (.always, _), (.all, _), (.not, _), (.test, _): return false
        }
    }

    /// Whether no request matches both `a` and `b`: one of `a`'s top-level
    /// conditions rules out one of `b`'s. Sound, not complete.
    static func excludes(_ a: Condition, _ b: Condition) -> Bool {
        let bParts = b.conjuncts
        return a.conjuncts.contains { part in bParts.contains { excludes(single: part, $0) } }
    }

    private static func excludes(single a: Condition, _ b: Condition) -> Bool {
        switch (a, b) {
        case let (.any(alternatives), _): return !alternatives.isEmpty && alternatives.allSatisfy { excludes($0, b) }
        case let (_, .any(alternatives)): return !alternatives.isEmpty && alternatives.allSatisfy { excludes(a, $0) }
        case let (.not(negated), _): return implies(b, negated)
        case let (_, .not(negated)): return implies(a, negated)
        case let (.test(aField, aTest, _), .test(bField, bTest, _)): return aField == bField && aTest.excludes(bTest, on: aField)
        case (.always, _), (.all, _), (.test, _): return false
        }
    }
}

extension Condition {
    /// Whether every request matches, however it is written: `{}`, every
    /// kind, `access: {at_least: read}` (every request names a kind and an
    /// access level), `like: "*"` of a field every request has, both flags
    /// or every kind across the alternatives of an `any:`, a condition that
    /// rules out nothing. Sound, not complete: a rule after one that matches
    /// everything can never match.
    var holdsForEveryRequest: Bool {
        switch self {
        case .always: true
        case let .all(children): children.allSatisfy(\.holdsForEveryRequest)
        case let .any(children): children.contains(where: \.holdsForEveryRequest) || Self.cover(children)
        case let .not(negated): negated.holdsForNoRequest
        case let .test(field, test, _):
            switch test {
            case let .kinds(mask): mask & FieldTest.everyKind == FieldTest.everyKind
            case .accessLevels, .accessCompare: test.accessMask.map { $0 & FieldTest.everyAccess == FieldTest.everyAccess } ?? false
            case let .like(patterns): !field.isOptional && patterns.contains { !$0.bytes.isEmpty && $0.bytes.allSatisfy { $0 == UInt8(ascii: "*") } }
            // `present:` tests only fields a request may leave out: either way it rules some out.
            case .equals, .oneOf, .oneOfSet, .durationCompare, .durationEquals, .flag, .matches, .inGroup, .present, .includesAll: false
            }
        }
    }

    /// Whether no request matches, however it is written: `not: {}`, `not:`
    /// of what every request matches, a test no request passes, or two
    /// conditions that rule each other out (`Check.excludes`). Sound, not
    /// complete: a rule that matches nothing is a mistake, a denial that
    /// never denies above all.
    var holdsForNoRequest: Bool {
        switch self {
        case .always: return false
        case .all: 
            let parts = conjuncts
            return parts.contains(where: \.holdsForNoRequest)
                || parts.indices.contains { i in parts[(i + 1)...].contains { Policy.excludes(parts[i], $0) } }
        case let .any(children): return children.allSatisfy(\.holdsForNoRequest)
        case let .not(negated): return negated.holdsForEveryRequest
        case let .test(_, test, _):
            switch test {
            case let .kinds(mask): return mask & FieldTest.everyKind == 0
            case .accessLevels, .accessCompare: return test.accessMask.map { $0 & FieldTest.everyAccess == 0 } ?? false
            case .equals, .oneOf, .oneOfSet, .durationCompare, .durationEquals, .flag, .like, .matches, .inGroup, .present, .includesAll:
                return false
            }
        }
    }

    /// Whether the alternatives' tests of one field let every value of it
    /// through between them: both flags, every kind, every access level,
    /// present and absent.
    private static func cover(_ alternatives: [Condition]) -> Bool {
        var kinds: [RequestField: UInt16] = [:], access: [RequestField: UInt8] = [:]
        var flags: [RequestField: Set<Bool>] = [:], presence: [RequestField: Set<Bool>] = [:]
        for case let .test(field, test, _) in alternatives {
            switch test {
            case let .kinds(mask): kinds[field, default: 0] |= mask
            case .accessLevels, .accessCompare: access[field, default: 0] |= test.accessMask ?? 0
            case let .flag(value): flags[field, default: []].insert(value)
            case let .present(value): presence[field, default: []].insert(value)
            case .equals, .oneOf, .oneOfSet, .durationCompare, .durationEquals, .like, .matches, .inGroup, .includesAll: break
            }
        }
        return kinds.values.contains { $0 & FieldTest.everyKind == FieldTest.everyKind }
            || access.values.contains { $0 & FieldTest.everyAccess == FieldTest.everyAccess }
            || flags.values.contains { $0.count == 2 } || presence.values.contains { $0.count == 2 }
    }
}

extension FieldTest {
    static let everyKind = UInt16(1 << IdentityKind.allCases.count) - 1
    static let everyAccess = UInt8(1 << AccessLevel.allCases.count) - 1

    /// The access levels an access test lets through, as a bit mask (bit = rank).
    var accessMask: UInt8? {
        switch self {
        case let .accessLevels(mask): mask
        case let .accessCompare(comparison, bound):
            AccessLevel.allCases.reduce(0) { comparison.holds($1.rank, bound) ? $0 | 1 << UInt8($1.rank) : $0 }
        case .equals, .oneOf, .oneOfSet, .kinds, .durationCompare, .durationEquals, .flag, .like, .matches, .inGroup, .present, .includesAll:
            nil
        }
    }

    /// Whether no request passes both this test and `other` of the same
    /// field: kinds, access levels or values none of which both let through,
    /// or opposite flags and presences. A request names one value of each
    /// field, but many revocation triggers, and passes a test of them when
    /// any trigger does: tests of triggers rule out nothing.
    func excludes(_ other: FieldTest, on field: RequestField) -> Bool {
        if case let .kinds(a) = self, case let .kinds(b) = other { return a & b == 0 }
        if let a = accessMask, let b = other.accessMask { return a & b == 0 }
        if case let .flag(a) = self, case let .flag(b) = other { return a != b }
        if case let .present(a) = self, case let .present(b) = other { return a != b }
        guard field != .revocationTriggers, let a = textValues, let b = other.textValues else { return false }
        return a.isDisjoint(with: b)
    }

    /// The values of an equality or membership test.
    var textValues: Set<ExactName>? {
        switch self {
        case let .equals(value): [ExactName(value)]
        case let .oneOf(values): Set(values.map(ExactName.init))
        case let .oneOfSet(values): values
        case .kinds, .accessLevels, .accessCompare, .durationCompare, .durationEquals, .flag, .like, .matches, .inGroup,
             .present, .includesAll: nil
        }
    }
}

extension Condition {
    /// A canonical spelling, equal for conditions that test the same thing the same way.
    var canonical: String {
        switch self {
        case .always: "always"
        case let .all(children): "all(" + children.map(\.canonical).sorted().joined(separator: ",") + ")"
        case let .any(children): "any(" + children.map(\.canonical).sorted().joined(separator: ",") + ")"
        case let .not(child): "not(" + child.canonical + ")"
        case let .test(field, test, _):
            if let values = test.textValues { "\(field.name) in [\(values.map(\.text).sorted().joined(separator: ","))]" } else { "\(field.name) \(test.expectation)" }
        }
    }
}

extension Policy {
    /// Secrets written into the policy (every reader of the store reads it)
    /// and people whom no notification can reach.
    private func checkNotifications(_ findings: inout [PolicyFinding]) {
        guard let notifications else { return }
        for name in notifications.channels.keys.sorted() {
            guard let channel = notifications.channels[name] else { continue }
            let field = "notifications.channels.\(name)"
            switch channel.kind {
            case .slack where channel.secretFile == nil:
                findings.append(PolicyFinding(severity: .warning, position: nil, field: field,
                                              message: "a Slack webhook URL lets anyone post to the channel, and everyone who reads the store reads the policy; use url_file"))
            case .pagerduty where channel.routingKey != nil:
                findings.append(PolicyFinding(severity: .warning, position: nil, field: field,
                                              message: "a PagerDuty routing key lets anyone page the service, and everyone who reads the store reads the policy; use routing_key_file"))
            case .email, .webhook, .slack, .pagerduty, .command:
                continue
            }
        }
        for name in directory.peopleInOrder {
            guard let person = directory.people[name], person.email == nil, person.webhook == nil, person.channels.isEmpty else { continue }
            findings.append(PolicyFinding(severity: .warning, position: person.position, field: "directory.people.\(name)",
                                          message: "\(name) has no email, webhook or channels, so they hear of nothing"))
        }
    }
}
