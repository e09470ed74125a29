import Foundation

/// The systems access can be requested for, with what each offers and allows.
struct Catalogue: Sendable {
    struct Entry: Sendable {
        var system: CatalogueSystem
        var owners: [Directory.Member]
        var maxDuration: TimeSpan
        /// The longest a grant may last with its extensions; nil: `maxDuration`.
        var maxTotal: TimeSpan?
        /// The effective limit per identity kind (indexed by ordinal): the smaller
        /// of the system's limit and the kind's own, computed once.
        var limitByKind: [Int]
        /// Which limit applies per kind, in words, for the denial reason.
        var kindLimited: [Bool]
        var position: SourcePosition?
        /// How the system's access looks on its identity platform (reconciliation).
        var platform: PlatformMapping?
    }

    var entries: [Entry] = []
    /// System name to entry, byte for byte (`ExactName`): a request's system
    /// must be the catalogue's spelling, not merely canonically equivalent to it.
    var index = ExactNameDictionary<Int>()
    var allEnvironments: [String] = []
    var allEntitlements: [String] = []

    var systems: [CatalogueSystem] { entries.map(\.system) }

    static func parse(_ node: LocatedNode, directory: Directory, errors: inout [SourceError]) -> Catalogue {
        var catalogue = Catalogue()
        let mapping: LocatedMapping
        do { mapping = try node.mapping() } catch { errors.append(error); return catalogue }
        for entry in mapping.entries {
            do throws(SourceError) {
                try PlainName.check(entry.key, at: entry.keyNode, what: "a system's name")
                let fields = try entry.value.mapping()
                try fields.rejectUnknown(["owners", "environments", "entitlements", "max_duration", "max_duration_by_kind", "max_total", "description", "platform"])
                var owners: [Directory.Member] = []
                if let ownersNode = fields.optional("owners") {
                    for item in try ownersNode.listOrSingle() {
                        let member = Directory.Member(try item.nonEmptyString())
                        if case let .group(group) = member, directory.groups[group] == nil {
                            throw item.error("unknown group \"\(group)\"", hint: directory.groupHint(for: group))
                        }
                        owners.append(member)
                    }
                }
                let environments = try Self.names(try fields.required("environments", hint: "list the environments, e.g. [staging, production]"),
                                                  what: "an environment's name")
                let entitlements = try Self.names(try fields.required("entitlements", hint: "list what can be requested, e.g. [read_replica]"),
                                                  what: "an entitlement's name")
                let maxNode = try fields.required("max_duration", hint: "every grant ends; e.g. 30d")
                guard let maxDuration = TimeSpan(parsing: try maxNode.string()) else {
                    throw maxNode.error("is not a duration", hint: TimeSpan.syntaxHint)
                }
                var maxTotal: TimeSpan?
                if let totalNode = fields.optional("max_total") {
                    guard let span = TimeSpan(parsing: try totalNode.string()) else {
                        throw totalNode.error("is not a duration", hint: TimeSpan.syntaxHint)
                    }
                    guard span >= maxDuration else {
                        throw totalNode.error("is shorter than max_duration (\(maxDuration))", hint: "max_total bounds a grant with its extensions")
                    }
                    maxTotal = span
                }
                if let description = fields.optional("description") { _ = try description.string(shape: .multiline) }
                var limits = Array(repeating: maxDuration.seconds, count: IdentityKind.allCases.count)
                var kindLimited = Array(repeating: false, count: IdentityKind.allCases.count)
                if let byKind = fields.optional("max_duration_by_kind") {
                    let kinds = try byKind.mapping()
                    try kinds.rejectUnknown(IdentityKind.allCases.map(\.rawValue))
                    for kindEntry in kinds.entries {
                        let kind = IdentityKind(rawValue: kindEntry.key)!
                        guard let span = TimeSpan(parsing: try kindEntry.value.string()) else {
                            throw kindEntry.value.error("is not a duration", hint: TimeSpan.syntaxHint)
                        }
                        if span.seconds < limits[kind.ordinal] {
                            limits[kind.ordinal] = span.seconds
                            kindLimited[kind.ordinal] = true
                        }
                    }
                }
                let system = CatalogueSystem(name: entry.key, environments: environments, entitlements: entitlements)
                var platform: PlatformMapping?
                if let platformNode = fields.optional("platform") { platform = try PlatformMapping.parse(platformNode, system: system) }
                catalogue.index[entry.key] = catalogue.entries.count
                catalogue.entries.append(Entry(
                    system: system, owners: owners, maxDuration: maxDuration, maxTotal: maxTotal, limitByKind: limits,
                    kindLimited: kindLimited, position: entry.keyNode.position, platform: platform))
                for name in environments where !catalogue.allEnvironments.contains(where: { ExactName.same($0, name) }) { catalogue.allEnvironments.append(name) }
                for name in entitlements where !catalogue.allEntitlements.contains(where: { ExactName.same($0, name) }) { catalogue.allEntitlements.append(name) }
            } catch {
                errors.append(error)
            }
        }
        checkPlatformInstances(catalogue, file: node.file, errors: &errors)
        return catalogue
    }

    /// A list of environment or entitlement names: each a plain name
    /// (`PlainName`), none another's spelling of the same text.
    static func names(_ node: LocatedNode, what: String) throws(SourceError) -> [String] {
        var names: [String] = []
        for item in try node.listOrSingle() {
            let name = try item.nonEmptyString()
            try PlainName.check(name, at: item, what: what)
            if let other = names.first(where: { $0 == name }) {
                throw item.error(ExactName.same(other, name) ? "\"\(name)\" appears twice"
                                 : "\"\(ExactName.spelled(name))\" is \"\(ExactName.spelled(other))\" spelt another way",
                                 hint: "list each name once, spelt one way")
            }
            names.append(name)
        }
        return names
    }

    /// Built-in denials: what the catalogue does not offer, durations over the
    /// limit. Appends to `matches` only when something is wrong.
    func denials(for request: borrowing AccessRequest, into matches: inout [DenyMatch]) -> Int? {
        guard let position = index[request.system] else {
            matches.append(DenyMatch(rule: "catalogue", reason: "system \(ExactName.spelled(request.system)) is not in the catalogue"))
            return nil
        }
        if !entries[position].system.environments.contains(where: { ExactName.same($0, request.environment) }) {
            matches.append(DenyMatch(rule: "catalogue", reason: "\(request.system) has no environment \(ExactName.spelled(request.environment)) (it has \(entries[position].system.environments.joined(separator: ", ")))"))
        }
        if !entries[position].system.entitlements.contains(where: { ExactName.same($0, request.entitlement) }) {
            matches.append(DenyMatch(rule: "catalogue", reason: "\(request.system) offers no entitlement \(ExactName.spelled(request.entitlement)) (it offers \(entries[position].system.entitlements.joined(separator: ", ")))"))
        }
        let kind = request.subject.kind.ordinal
        let limit = entries[position].limitByKind[kind]
        if request.duration.seconds > limit {
            let whose = entries[position].kindLimited[kind] ? "\(request.subject.kind.label) access to \(request.system)" : "\(request.system)"
            matches.append(DenyMatch(rule: "max-duration", reason: "requested \(request.duration) is over the \(TimeSpan(seconds: limit)) limit for \(whose)"))
        }
        return position
    }
}
