import Crypto
import Foundation

// The contract every caller relies on. Every answer fails closed: nothing is
// approved or eligible because something was missing, unknown or unparsable.


/// One system in the catalogue.
public struct CatalogueSystem: Sendable, Hashable {
    public var name: String
    public var environments: [String]
    public var entitlements: [String]
    public init(name: String, environments: [String], entitlements: [String]) {
        self.name = name
        self.environments = environments
        self.entitlements = entitlements
    }
}

/// How one rule was evaluated for one request, for `explain`.
public struct RuleTrace: Sendable, Hashable, Codable {
    public var rule: String
    public var matched: Bool
    /// Which condition decided it, in words: `environment is production`, `access is read, not admin`.
    public var detail: String
    public init(rule: String, matched: Bool, detail: String) {
        self.rule = rule
        self.matched = matched
        self.detail = detail
    }
}

/// A step with every person the policy considered for it.
public struct StepExplanation: Sendable, Hashable, Codable {
    public var step: RoutedStep
    public var candidates: [Candidate]
    public init(step: RoutedStep, candidates: [Candidate]) {
        self.step = step
        self.candidates = candidates
    }
}

/// The policy's full reasoning for one request.
public struct PolicyExplanation: Sendable, Hashable, Codable {
    public var policyVersion: String
    public var denyRules: [RuleTrace]
    /// Route rules in order, up to and including the first that matched.
    public var routeRules: [RuleTrace]
    public var outcome: RouteOutcome
    public var steps: [StepExplanation]
    public init(policyVersion: String, denyRules: [RuleTrace], routeRules: [RuleTrace], outcome: RouteOutcome, steps: [StepExplanation]) {
        self.policyVersion = policyVersion
        self.denyRules = denyRules
        self.routeRules = routeRules
        self.outcome = outcome
        self.steps = steps
    }
}

/// A likely mistake found by `policy check`.
public struct PolicyFinding: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning }
    public var severity: Severity
    public var position: SourcePosition?
    public var field: String
    public var message: String
    public init(severity: Severity, position: SourcePosition?, field: String, message: String) {
        self.severity = severity
        self.position = position
        self.field = field
        self.message = message
    }
    public var description: String {
        "\(position.map { "\($0): " } ?? "")\(severity.rawValue): \(field.isEmpty ? "" : "\(field): ")\(message)"
    }

    /// A problem that stops the policy from parsing, as an error finding.
    public init(_ error: SourceError) {
        self.init(severity: .error, position: error.position, field: error.field,
                  message: error.message + (error.hint.map { "; \($0)" } ?? ""))
    }
}

/// A parsed, validated policy. Immutable; a new file is a new version.
///
/// Contract for every caller: nothing here may ever answer "approved" or
/// "eligible" because something was missing, unknown or unparsable.
public struct Policy: Sendable {
    /// Every member, in one box: a policy is passed and kept by value all
    /// through routing, reviews and `audit verify`, and copying a box is one
    /// reference count where copying the members was one for each of their
    /// strings and lists. Immutable, like the policy.
    private final class Storage: Sendable {
        let version: String
        let file: String
        let source: String
        let minimumRationale: Int
        let pendingTimeout: TimeSpan?
        let accessStartsAtProvisioning: Bool
        let breakGlass: BreakGlassPolicy?
        let extraTriggers: [String]
        let production: ProductionEnvironments
        let systems: [CatalogueSystem]
        let people: [String]
        let name: String
        let notifications: NotificationPolicy?
        let roles: [PolicyRole]
        let reconciliation: ReconciliationPolicy
        let signing: SigningPolicy
        let directory: Directory
        let catalogue: Catalogue
        let denyRules: [DenyRule]
        let routeRules: [RouteRule]

        init(version: String, file: String, source: String, minimumRationale: Int, pendingTimeout: TimeSpan?,
             accessStartsAtProvisioning: Bool, breakGlass: BreakGlassPolicy?, extraTriggers: [String],
             production: ProductionEnvironments, systems: [CatalogueSystem], people: [String], name: String, notifications: NotificationPolicy?,
             roles: [PolicyRole], reconciliation: ReconciliationPolicy, signing: SigningPolicy, directory: Directory,
             catalogue: Catalogue, denyRules: [DenyRule], routeRules: [RouteRule]) {
            self.version = version
            self.file = file
            self.source = source
            self.minimumRationale = minimumRationale
            self.pendingTimeout = pendingTimeout
            self.accessStartsAtProvisioning = accessStartsAtProvisioning
            self.breakGlass = breakGlass
            self.extraTriggers = extraTriggers
            self.production = production
            self.systems = systems
            self.people = people
            self.name = name
            self.notifications = notifications
            self.roles = roles
            self.reconciliation = reconciliation
            self.signing = signing
            self.directory = directory
            self.catalogue = catalogue
            self.denyRules = denyRules
            self.routeRules = routeRules
        }
    }
    private let storage: Storage

    /// SHA-256 of the source bytes, lowercase hex. Recorded on every routing and review.
    public var version: String { _read { yield storage.version } }
    public var file: String { _read { yield storage.file } }
    public var source: String { _read { yield storage.source } }
    /// Minimum rationale length in characters, after trimming whitespace.
    public var minimumRationale: Int { storage.minimumRationale }
    /// How long a request may stay pending before `signoff expire` times it out.
    public var pendingTimeout: TimeSpan? { _read { yield storage.pendingTimeout } }
    /// `access_starts: provisioning`: a grant's clock starts when provisioning
    /// confirms it, not at approval.
    public var accessStartsAtProvisioning: Bool { storage.accessStartsAtProvisioning }
    /// The `break_glass:` section; nil denies every break-glass request.
    public var breakGlass: BreakGlassPolicy? { _read { yield storage.breakGlass } }
    /// Revocation trigger names beyond the built-in ones (`settings.revocation_triggers`).
    public var extraTriggers: [String] { _read { yield storage.extraTriggers } }
    /// Which environments are production (`settings.production_environments`,
    /// besides those whose names say so): their admin approvals ask for a typed
    /// confirmation, and every view marks them.
    public var production: ProductionEnvironments { _read { yield storage.production } }
    public var systems: [CatalogueSystem] { _read { yield storage.systems } }
    /// Every person in the directory, sorted.
    public var people: [String] { _read { yield storage.people } }
    /// The policy's own name (`policy:` in the file), shown with its version.
    public var name: String { _read { yield storage.name } }
    /// The `notifications:` section; nil: nobody is notified of anything.
    public var notifications: NotificationPolicy? { _read { yield storage.notifications } }
    /// The `roles:` section: who may administer, report provisioning, fire
    /// which trigger, revoke any grant (see `may`).
    public var roles: [PolicyRole] { _read { yield storage.roles } }
    /// The `reconciliation:` section (grace period, credential limits), or its defaults.
    public var reconciliation: ReconciliationPolicy { _read { yield storage.reconciliation } }
    /// The `signatures:` section: which decisions are signed, with which keys.
    public var signing: SigningPolicy { _read { yield storage.signing } }

    var directory: Directory { _read { yield storage.directory } }
    var catalogue: Catalogue { _read { yield storage.catalogue } }
    var denyRules: [DenyRule] { _read { yield storage.denyRules } }
    var routeRules: [RouteRule] { _read { yield storage.routeRules } }

    /// Characters of rationale asked for when the file does not say.
    public static let defaultMinimumRationale = 20

    static let topLevelFields = ["policy", "settings", "directory", "catalogue", "break_glass", "roles", "deny", "route", "notifications", "reconciliation", "signatures"]

    /// Names of the denials the policy makes without a rule; no rule may take them.
    public static let builtInRuleNames = ["catalogue", "max-duration", "break-glass-incident", "break-glass-not-allowed",
                                          "break-glass-max-duration"]

    /// Names signoff decides by when it closes a request that can no longer
    /// be granted (`policy:window`, `policy:extension`,
    /// `policy:pending-timeout`). A rule that took one would make
    /// `policy:NAME` name two deciders, so `policy check` (and with it
    /// `policy apply`) refuses it; a policy applied before they were
    /// reserved still parses, so its store goes on working.
    public static let lifecycleRuleNames = [Lifecycle.windowRule, Lifecycle.extensionRule, Lifecycle.pendingTimeoutRule]

    /// A policy's version: the SHA-256 of its source, in hex; also of a
    /// source that does not parse, for a report that names what it checked.
    public static func version(ofSource source: String) -> String {
        SHA256.hash(data: Data(source.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Parses and validates; refuses the whole file on any error.
    public static func parse(source: String, file: String) throws(SourceErrors) -> Policy {
        var errors: [SourceError] = []
        let documents: [LocatedNode]
        do {
            documents = try YAMLSource.documents(text: source, file: file)
        } catch {
            throw SourceErrors([error])
        }
        guard documents.count == 1 else {
            throw SourceErrors([SourceError(file: file, position: documents.dropFirst().first?.position, field: "",
                                            message: documents.isEmpty ? "is empty" : "holds \(documents.count) YAML documents",
                                            hint: "a policy is one YAML document with route: and catalogue:")])
        }
        let root: LocatedMapping
        do {
            root = try documents[0].mapping()
        } catch {
            throw SourceErrors([error])
        }
        for entry in root.entries where !topLevelFields.contains(entry.key) {
            let suggestion = closest(to: entry.key, in: topLevelFields).map { "did you mean \"\($0)\"? " } ?? ""
            errors.append(entry.keyNode.error("unknown field", hint: "\(suggestion)valid fields: \(topLevelFields.joined(separator: ", "))"))
        }

        var name = ""
        if let nameNode = root.optional("policy") {
            collect(&errors) { () throws(SourceError) in name = try nameNode.nonEmptyString() }
        }

        var minimumRationale = defaultMinimumRationale
        var pendingTimeout: TimeSpan?
        var accessStartsAtProvisioning = false
        var extraTriggers: [String] = []
        var productionNode: LocatedNode?
        if let settingsNode = root.optional("settings") {
            collect(&errors) { () throws(SourceError) in
                let settings = try settingsNode.mapping()
                try settings.rejectUnknown(["minimum_rationale", "pending_timeout", "access_starts", "revocation_triggers",
                                            "production_environments"])
                productionNode = settings.optional("production_environments")
                if let node = settings.optional("revocation_triggers") {
                    for item in try node.listOrSingle() {
                        let name = try item.nonEmptyString()
                        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
                            throw item.error("is not a trigger name", hint: "use letters, digits, _ and -, e.g. vendor_offboarded")
                        }
                        if !builtInTriggers.contains(name) { extraTriggers.append(name) }
                    }
                }
                if let node = settings.optional("access_starts") {
                    let start = try node.string()
                    guard start == "approval" || start == "provisioning" else {
                        throw node.error("must be approval or provisioning", hint: "when a grant's clock starts")
                    }
                    accessStartsAtProvisioning = start == "provisioning"
                }
                if let node = settings.optional("minimum_rationale") {
                    minimumRationale = try node.int()
                    guard (0...Limits.rationaleLength).contains(minimumRationale) else {
                        throw node.error("must be between 0 and \(Limits.rationaleLength) characters")
                    }
                }
                if let node = settings.optional("pending_timeout") {
                    guard let span = TimeSpan(parsing: try node.string()) else {
                        throw node.error("is not a duration", hint: TimeSpan.syntaxHint)
                    }
                    pendingTimeout = span
                }
            }
        }

        let directory = root.optional("directory").map { Directory.parse($0, errors: &errors) } ?? Directory()
        var catalogue = Catalogue()
        let errorsBeforeCatalogue = errors.count
        do {
            let node = try root.required("catalogue", hint: "list the systems access can be requested for")
            catalogue = Catalogue.parse(node, directory: directory, errors: &errors)
        } catch {
            errors.append(error)
        }
        let catalogueIsWhole = errors.count == errorsBeforeCatalogue
        let conditions = ConditionParser(directory: directory, catalogue: catalogue, catalogueIsWhole: catalogueIsWhole)
        var production = ProductionEnvironments()
        if let productionNode {
            collect(&errors) { () throws(SourceError) in
                production = try ProductionEnvironments.parse(productionNode, catalogue: catalogue, catalogueIsWhole: catalogueIsWhole)
            }
        }

        var breakGlass: BreakGlassPolicy?
        if let node = root.optional("break_glass") {
            collect(&errors) { () throws(SourceError) in breakGlass = try BreakGlassPolicy.parse(node, directory: directory) }
        }

        let notifications = NotificationPolicy.parse(root.optional("notifications"), file: file, directory: directory, errors: &errors)
        let roles = root.optional("roles").map {
            parseRoles($0, directory: directory, triggers: builtInTriggers + extraTriggers, errors: &errors)
        } ?? []
        var reconciliation = ReconciliationPolicy.defaults
        if let node = root.optional("reconciliation") {
            collect(&errors) { () throws(SourceError) in reconciliation = try ReconciliationPolicy.parse(node) }
        }
        let signing = root.optional("signatures").map {
            SigningPolicy.parse($0, conditions: conditions, errors: &errors)
        } ?? SigningPolicy()

        let rules = RuleParser(conditions: conditions)
        let denyRules = root.optional("deny").map { rules.parseDeny($0, errors: &errors) } ?? []
        var routeRules: [RouteRule] = []
        do {
            let node = try root.required("route", hint: "without route rules every request is blocked")
            routeRules = rules.parseRoutes(node, catalogue: catalogue, errors: &errors)
        } catch {
            errors.append(error)
        }

        // Rule names are what reviews and denials cite; one name, one rule.
        var seenNames = Set(builtInRuleNames)
        for (ruleName, position, field) in denyRules.map({ ($0.name, $0.position, $0.field) }) + routeRules.map({ ($0.name, $0.position, $0.field) })
        where !seenNames.insert(ruleName).inserted {
            errors.append(SourceError(file: file, position: position, field: "\(field).name",
                                      message: "rule name \"\(ruleName)\" is used twice or is reserved",
                                      hint: "every rule needs its own name; \(builtInRuleNames.joined(separator: ", ")) name built-in denials"))
        }

        guard errors.isEmpty else {
            throw SourceErrors(errors.sorted { ($0.position?.line ?? 0, $0.position?.column ?? 0) < ($1.position?.line ?? 0, $1.position?.column ?? 0) })
        }
        return Policy(storage: Storage(version: version(ofSource: source), file: file, source: source,
                      minimumRationale: minimumRationale, pendingTimeout: pendingTimeout,
                      accessStartsAtProvisioning: accessStartsAtProvisioning, breakGlass: breakGlass,
                      extraTriggers: extraTriggers, production: production, systems: catalogue.systems,
                      people: directory.peopleInOrder, name: name, notifications: notifications, roles: roles, reconciliation: reconciliation, signing: signing, directory: directory, catalogue: catalogue,
                      denyRules: denyRules, routeRules: routeRules))
    }

    /// Deny rules first (all reported, any denies), then the first matching route rule.
    /// `at`: when the request was raised (who may raise a break-glass request then).
    public func route(_ request: AccessRequest, submittedBy: String, at: Date) -> RouteOutcome {
        let facts = RequestFacts(request, submittedBy: submittedBy)
        var matches: [DenyMatch] = []
        let systemIndex = denials(facts, at: at, into: &matches)
        if !matches.isEmpty { return .denied(matches) }
        for index in routeRules.indices where routeRules[index].condition.holds(facts) {
            switch routeRules[index].action {
            case .automatically: return .autoApproved(rule: routeRules[index].name)
            case .steps: return .steps(rule: routeRules[index].name, steps: routeRules[index].routedSteps(systemIndex: systemIndex))
            }
        }
        return .unroutable(reason: Self.unroutableReason(request))
    }

    /// Built-in denials, then every matching deny rule. Returns the system's catalogue index.
    func denials(_ facts: RequestFacts, at: Date, into matches: inout [DenyMatch]) -> Int? {
        let systemIndex = catalogue.denials(for: facts.request, into: &matches)
        if facts.breakGlass { breakGlassDenials(facts, at: at, into: &matches) }
        for index in denyRules.indices where denyRules[index].condition.holds(facts) {
            matches.append(DenyMatch(rule: denyRules[index].name, reason: denyRules[index].reason))
        }
        return systemIndex
    }

    /// Built-in break-glass denials: who may raise one, how long, and the incident.
    func breakGlassDenials(_ facts: RequestFacts, at: Date, into matches: inout [DenyMatch]) {
        let (mayRaise, why) = mayRaiseBreakGlass(facts.requester, at: at)
        if !mayRaise { matches.append(DenyMatch(rule: "break-glass-not-allowed", reason: why)) }
        if let breakGlass, facts.request.duration > breakGlass.maxDuration {
            matches.append(DenyMatch(rule: "break-glass-max-duration",
                                     reason: "break-glass access lasts at most \(breakGlass.maxDuration); \(facts.request.duration) was requested"))
        }
        if breakGlass?.incidentRequired ?? true, facts.request.incident?.allSatisfy(\.isWhitespace) ?? true {
            matches.append(DenyMatch(rule: "break-glass-incident", reason: "a break-glass request must name its incident"))
        }
    }

    static func unroutableReason(_ request: AccessRequest) -> String {
        "no route rule covers \(request.access.rawValue) access to \(request.system) \(request.environment) for a \(request.subject.kind.label); it stays blocked until the policy routes it"
    }

    /// Whether the directory names this person, spelt byte for byte as it does.
    public func knowsPerson(_ name: String) -> Bool { directory.people[name] != nil }

    /// The directory's spelling of a person `name` reads as without being
    /// (`ExactName.lookalike`): for a message saying how to write it.
    public func lookalikePerson(of name: String) -> String? { ExactName.lookalike(of: name, in: people) }

    /// The catalogue's spelling of a system `name` reads as without being.
    public func lookalikeSystem(of name: String) -> String? { ExactName.lookalike(of: name, in: systems.map(\.name)) }

    /// The person of the directory with this Jira identity (`jira:`: an account
    /// ID, a login name or key, an email address), compared without regard to case.
    public func person(withJiraIdentity identity: String) -> String? { directory.jiraPeople[identity.lowercased()] }

    /// Identities allowed to submit on behalf of someone else (ticket importers, pipelines).
    public func isIntakeAgent(_ name: String) -> Bool { directory.intakeAgents.contains(name) }

    public func system(named name: String) -> CatalogueSystem? { catalogue.index[name].map { catalogue.entries[$0].system } }
}
