import Foundation
import Yams

/// Reads `when:` mappings into compiled conditions, checking every name and value
/// against the directory and catalogue so a typo is an error, not a rule that
/// never matches.
struct ConditionParser {
    let directory: Directory
    let catalogue: Catalogue
    /// False when the catalogue had errors: the entries they dropped would
    /// make every name that is really there read as a typo.
    var catalogueIsWhole = true

    /// The keys of a `when:` mapping that combine conditions rather than name a request field.
    enum Combinator: String, CaseIterable {
        case any, all, not
    }

    static let combinators = Combinator.allCases.map(\.rawValue)

    /// A `when:` mapping: every entry must hold (all of).
    func parse(_ node: LocatedNode) throws(SourceError) -> Condition {
        let mapping = try node.mapping()
        var parts: [Condition] = []
        for entry in mapping.entries {
            parts.append(try parseEntry(key: entry.key, keyNode: entry.keyNode, value: entry.value))
        }
        if parts.isEmpty { return .always }
        return parts.count == 1 ? parts[0] : .all(parts)
    }

    private func parseEntry(key: String, keyNode: LocatedNode, value: LocatedNode) throws(SourceError) -> Condition {
        guard let combinator = Combinator(rawValue: key) else {
            guard let field = RequestField(name: key) else {
                let known = RequestField.names + ConditionParser.combinators
                let suggestion = closest(to: key, in: known).map { "did you mean \"\($0)\"? " } ?? ""
                throw keyNode.error("unknown request field", hint: "\(suggestion)valid: \(known.joined(separator: ", "))")
            }
            return try parseValue(field, value)
        }
        switch combinator {
        case .any, .all:
            let items = try value.list()
            guard !items.isEmpty else { throw value.error("needs at least one condition") }
            var children: [Condition] = []
            for item in items { children.append(try parse(item)) }
            if children.count == 1 { return children[0] }
            return combinator == .any ? .any(children) : .all(children)
        case .not:
            return .not(try parse(value))
        }
    }

    /// A scalar is equality, a list is membership, a mapping holds operators (all must hold).
    private func parseValue(_ field: RequestField, _ node: LocatedNode) throws(SourceError) -> Condition {
        switch node.node {
        case .scalar:
            return try equality(field, [node])
        case .sequence:
            let items = try node.list()
            guard !items.isEmpty else { throw node.error("an empty list matches nothing", hint: "list at least one value") }
            return try equality(field, items)
        case .mapping:
            let mapping = try node.mapping()
            guard !mapping.entries.isEmpty else { throw node.error("needs an operator", hint: "valid: \(operators(for: field).map(\.rawValue).joined(separator: ", "))") }
            let ordered = field.shape == .access || field.shape == .duration
            for entry in mapping.entries where !ordered && Comparison(rawValue: entry.key) != nil {
                throw entry.keyNode.error("\(field.name) cannot be compared with \(entry.key): only access and duration are ordered",
                                          hint: "valid here: \(operators(for: field).map(\.rawValue).joined(separator: ", "))")
            }
            try mapping.rejectUnknown(operators(for: field).map(\.rawValue))
            var parts: [Condition] = []
            for entry in mapping.entries {
                // Known: rejectUnknown refused every other name.
                parts.append(try parseOperator(field, ConditionOperator(rawValue: entry.key)!, entry.value))
            }
            return parts.count == 1 ? parts[0] : .all(parts)
        case .alias:
            throw node.error("aliases are not supported in conditions", hint: "write the value out")
        }
    }

    /// The operators `field` accepts, by the shape of its value.
    func operators(for field: RequestField) -> [ConditionOperator] {
        var names: [ConditionOperator] = [.is, .in, .not]
        switch field.shape {
        case .access, .duration: names += [.over, .under, .atLeast, .atMost]
        case .text: names += [.like, .matches]
        case .person: names += [.like, .matches, .inGroup]
        case .names: names += [.like, .matches, .includesAll]
        case .kind, .flag: break
        }
        if field.isOptional { names.append(.present) }
        return names
    }

    private func parseOperator(_ field: RequestField, _ op: ConditionOperator, _ node: LocatedNode) throws(SourceError) -> Condition {
        let text = "\(field.name) \(op.rawValue)"
        switch op {
        case .is:
            return try equality(field, [node], literal: true)
        case .in:
            let items = try node.list()
            guard !items.isEmpty else { throw node.error("an empty list matches nothing", hint: "list at least one value") }
            return try equality(field, items)
        case .not:
            return .not(try parseValue(field, node))
        case .over, .under, .atLeast, .atMost:
            let comparison = op.comparison!
            let raw = try node.string()
            if field == .access {
                guard let level = AccessLevel(rawValue: raw) else {
                    throw node.error("is not an access level", hint: "valid: read, write, admin (ordered)")
                }
                return .test(field, .accessCompare(comparison, level.rank), text: text)
            }
            guard let span = TimeSpan(parsing: raw) else { throw node.error("is not a duration", hint: TimeSpan.syntaxHint) }
            return .test(field, .durationCompare(comparison, span.seconds), text: text)
        case .like:
            var patterns: [GlobPattern] = []
            for item in try node.listOrSingle() { patterns.append(GlobPattern(try item.nonEmptyString())) }
            return .test(field, .like(patterns), text: text)
        case .matches:
            let raw = try node.nonEmptyString()
            do throws(LinearPattern.Problem) {
                return .test(field, .matches(try TextPattern(raw)), text: text)
            } catch {
                throw node.error("is not a pattern signoff can match: \(error)",
                                 hint: "patterns match the whole value in linear time: literals, ., [classes], \\d \\w \\s, groups, |, * + ? {n,m}; use like: for simple * patterns")
            }
        case .inGroup:
            var names: [String] = []
            var members = ExactNameSet()
            for item in try node.listOrSingle() {
                let group = try item.nonEmptyString()
                // A group the directory defines but could not expand (its own error names why) is no unknown group.
                guard let expanded = directory.expandedGroups[group] ?? (directory.groups[group] != nil ? [] : nil) else {
                    throw item.error("unknown group \"\(group)\"", hint: directory.groupHint(for: group))
                }
                names.append(group)
                members.formUnion(expanded)
            }
            return .test(field, .inGroup(names: names, members: members), text: text)
        case .present:
            return .test(field, .present(try node.bool()), text: text)
        case .includesAll:
            var names: [String] = []
            for item in try node.listOrSingle() { names.append(try item.nonEmptyString()) }
            return .test(field, .includesAll(names), text: text)
        }
    }

    /// Equality with one value or membership in several, validated for the field.
    private func equality(_ field: RequestField, _ items: [LocatedNode], literal: Bool = false) throws(SourceError) -> Condition {
        let text = field.name
        switch field.shape {
        case .kind:
            var mask: UInt16 = 0
            for item in items {
                let raw = try item.string()
                guard let kind = IdentityKind(rawValue: raw) else {
                    let valid = IdentityKind.allCases.map(\.rawValue)
                    let suggestion = closest(to: raw, in: valid).map { "did you mean \"\($0)\"? " } ?? ""
                    throw item.error("\"\(raw)\" is not an identity kind", hint: "\(suggestion)valid: \(valid.joined(separator: ", "))")
                }
                mask |= 1 << UInt16(kind.ordinal)
            }
            return .test(field, .kinds(mask), text: text)
        case .access:
            var mask: UInt8 = 0
            for item in items {
                let raw = try item.string()
                guard let level = AccessLevel(rawValue: raw) else {
                    throw item.error("\"\(raw)\" is not an access level", hint: "valid: read, write, admin; compare with at_least: or at_most:")
                }
                mask |= 1 << UInt8(level.rank)
            }
            return .test(field, .accessLevels(mask), text: text)
        case .duration:
            guard items.count == 1 else {
                throw items[0].error("a duration cannot be one of a list", hint: "compare with over:, under:, at_least: or at_most:")
            }
            guard let span = TimeSpan(parsing: try items[0].string()) else {
                throw items[0].error("is not a duration", hint: TimeSpan.syntaxHint)
            }
            return .test(field, .durationEquals(span.seconds), text: text)
        case .flag:
            guard items.count == 1 else { throw items[0].error("expected true or false, found a list") }
            return .test(field, .flag(try items[0].bool()), text: text)
        case .text, .person, .names:
            var values: [String] = []
            for item in items {
                guard case let .scalar(scalar) = item.node else {
                    throw item.error("expected a value, found \(item.kindName)")
                }
                if scalar.style == .plain, ["", "~", "null", "Null", "NULL"].contains(scalar.string) {
                    throw item.error("an empty value never matches", hint: field.isOptional ? "test a missing field with {present: false}" : "write the value")
                }
                let raw = try item.string()
                if !literal, scalar.style == .plain, raw.contains("*") {
                    throw item.error("\"\(raw)\" contains * but equality is literal", hint: "use {like: \"\(raw)\"} for a pattern, or {is: \"\(raw)\"} for the literal text")
                }
                try validateName(field, raw, item)
                values.append(raw)
            }
            if values.count == 1 { return .test(field, .equals(values[0]), text: text) }
            if values.count > 8 { return .test(field, .oneOfSet(Set(values.map(ExactName.init))), text: text) }
            return .test(field, .oneOf(values), text: text)
        }
    }

    /// Catalogue names are a closed set: a misspelt system, environment or
    /// entitlement would make the rule silently never match.
    private func validateName(_ field: RequestField, _ value: String, _ node: LocatedNode) throws(SourceError) {
        let known: [String]
        switch field {
        case .system: known = catalogue.systems.map(\.name)
        case .environment: known = catalogue.allEnvironments
        case .entitlement: known = catalogue.allEntitlements
        case .requester, .subjectKind, .subjectName, .subjectOwner, .scope, .access, .purpose, .duration, .ticket,
             .breakGlass, .incident, .revocationTriggers, .submittedBy, .label: return
        }
        guard catalogueIsWhole, !known.contains(where: { ExactName.same($0, value) }) else { return }
        if let spelling = ExactName.lookalike(of: value, in: known) {
            throw node.error("\"\(ExactName.spelled(value))\" is not how the catalogue spells \(field.name) \"\(ExactName.spelled(spelling))\"",
                             hint: "write \"\(ExactName.spelled(spelling))\" exactly as the catalogue does: names are compared byte for byte")
        }
        let suggestion = closest(to: value, in: known).map { "did you mean \"\($0)\"? " } ?? ""
        throw node.error("\"\(value)\" is not \(field == .environment || field == .entitlement ? "an" : "a") \(field.name) in the catalogue", hint: "\(suggestion)known: \(known.joined(separator: ", "))")
    }
}
