import Foundation

/// The policy's `signatures:` section: which decisions must carry an SSH
/// signature by the person who makes them.
///
/// ```yaml
/// signatures:
///   required: when_key_listed        # (the default) a person with keys listed signs every decision;
///                                    # always: every decision, so people without a key cannot decide
///   required_for:                    # decisions on these requests need one whoever decides (optional)
///     - {environment: production, access: admin}
///     - {break_glass: true}
///   actions: [approve, deny, revoke] # which decisions the rules above cover (when left out: all of them)
///   hardware_keys_only: true         # only sk- keys count: a security-key touch for every decision
/// ```
///
/// A finding exception or removal concerns no request: a `required_for`
/// rule that tests only `system`, `environment` and `access` covers them too,
/// judged on the finding's (`FindingFacts`); a rule testing anything else
/// applies to requests only, and `policy check` warns where that leaves
/// the finding actions uncovered.
///
/// Administrative actions (applying a policy, changing the hand-off or the
/// store's settings) are signed by whoever makes them as soon as the policy
/// in force lists any key, whatever this section says: otherwise whoever can
/// write the store could switch the rules that the signatures enforce.
public struct SigningPolicy: Sendable {
    public enum Mode: String, Sendable, CaseIterable {
        case whenKeyListed = "when_key_listed"
        case always
    }

    public var mode: Mode = .whenKeyListed
    /// Requests whose decisions need a signature, whoever decides.
    var requiredFor: [RequiredFor] = []

    /// One `required_for` rule.
    struct RequiredFor: Sendable {
        var condition: Condition
        var field: String
        var position: SourcePosition?
        /// The fields it tests that a finding does not have; empty when it
        /// can be judged for a finding (system, environment, access only).
        var requestOnlyFields: [String]

        init(_ condition: Condition, field: String, position: SourcePosition?) {
            self.condition = condition
            self.field = field
            self.position = position
            var fields: [String] = []
            Self.requestOnly(condition, into: &fields)
            requestOnlyFields = fields
        }

        private static func requestOnly(_ condition: Condition, into fields: inout [String]) {
            switch condition {
            case .always: break
            case let .all(children), let .any(children):
                for child in children { requestOnly(child, into: &fields) }
            case let .not(child): requestOnly(child, into: &fields)
            case let .test(field, _, _):
                if !FindingFacts.testable(field), !fields.contains(field.name) { fields.append(field.name) }
            }
        }

        /// Whether the rule holds for a finding: judged like a request on
        /// the finding's system, environment and access level; a finding
        /// whose level the export did not say is judged at every level, and
        /// the rule holds if it holds at any (the signature is asked for
        /// rather than left out on a guess).
        func holds(for finding: FindingFacts, actor: String) -> Bool {
            guard requestOnlyFields.isEmpty else { return false }
            let levels = finding.access.map { [$0] } ?? AccessLevel.allCases
            return levels.contains { level in
                let request = AccessRequest(subject: Subject(kind: .serviceAccount, name: "", owner: ""), system: finding.system,
                                            environment: finding.environment, entitlement: "", access: level, purpose: "",
                                            duration: .hours(1))
                return condition.holds(RequestFacts(request, submittedBy: actor))
            }
        }
    }
    /// The person decisions the rules cover.
    public var actions: Set<SignedAction> = SigningPolicy.personActions
    public var hardwareKeysOnly = false

    public static let personActions = Set(SignedAction.allCases.filter { !$0.isAdministrative })

    static let fields = ["required", "required_for", "actions", "hardware_keys_only"]

    static func parse(_ node: LocatedNode, conditions: ConditionParser, errors: inout [SourceError]) -> SigningPolicy {
        var policy = SigningPolicy()
        let mapping: LocatedMapping
        do {
            mapping = try node.mapping()
            try mapping.rejectUnknown(fields)
        } catch {
            errors.append(error)
            return policy
        }
        if let required = mapping.optional("required") {
            collect(&errors) { () throws(SourceError) in
                let text = try required.string()
                guard let mode = Mode(rawValue: text) else {
                    throw required.error("must be when_key_listed or always",
                                         hint: "when_key_listed: people with keys sign; always: every decision is signed")
                }
                policy.mode = mode
            }
        }
        if let list = mapping.optional("required_for") {
            collect(&errors) { () throws(SourceError) in
                for item in try list.listOrSingle() {
                    policy.requiredFor.append(RequiredFor(try conditions.parse(item), field: item.path, position: item.position))
                }
            }
        }
        if let actions = mapping.optional("actions") {
            collect(&errors) { () throws(SourceError) in
                var chosen = Set<SignedAction>()
                for item in try actions.listOrSingle() {
                    let name = try item.string()
                    guard let action = SignedAction(rawValue: name), !action.isAdministrative else {
                        let names = SignedAction.allCases.filter { !$0.isAdministrative }.map(\.rawValue)
                        let suggestion = closest(to: name, in: names).map { "did you mean \($0)? " } ?? ""
                        throw item.error("is not a decision signatures can be required for",
                                         hint: "\(suggestion)one of \(names.joined(separator: ", ")) (administrative actions are always signed once keys are listed)")
                    }
                    chosen.insert(action)
                }
                policy.actions = chosen
            }
        }
        if let hardware = mapping.optional("hardware_keys_only") {
            collect(&errors) { () throws(SourceError) in policy.hardwareKeysOnly = try hardware.bool() }
        }
        return policy
    }
}

/// What a `required_for` rule can judge of a reconciliation finding, which
/// has no request: where the access is, and how much of it.
public struct FindingFacts: Sendable, Hashable {
    public var system: String
    public var environment: String
    /// The access level the export showed; nil when it did not say.
    public var access: AccessLevel?

    public init(system: String, environment: String, access: AccessLevel?) {
        self.system = system
        self.environment = environment
        self.access = access
    }

    public init(_ opened: EventBody.FindingOpened) {
        self.init(system: opened.system, environment: opened.environment, access: opened.access)
    }

    public init(_ terms: EventBody.RemovalTerms) {
        self.init(system: terms.system, environment: terms.environment, access: terms.access)
    }

    /// The request fields a finding has a value for.
    static func testable(_ field: RequestField) -> Bool {
        switch field {
        case .system, .environment, .access: true
        case .requester, .subjectKind, .subjectName, .subjectOwner, .entitlement, .scope, .purpose, .duration, .ticket,
             .breakGlass, .incident, .revocationTriggers, .submittedBy, .label: false
        }
    }
}

/// A signature an event must carry: with one of `keys`, for `reason`.
public struct SignatureRequirement: Sendable, Hashable {
    /// The keys the person may sign with; empty when they have none that count.
    public var keys: [SSHPublicKey]
    /// Only `sk-` keys count (the policy's `hardware_keys_only`).
    public var hardwareOnly: Bool
    /// Why, in words: which rule of the policy asks for it.
    public var reason: String

    public init(keys: [SSHPublicKey], hardwareOnly: Bool, reason: String) {
        self.keys = keys
        self.hardwareOnly = hardwareOnly
        self.reason = reason
    }
}

extension Policy {
    /// The keys the directory lists for `person`, in the order listed.
    public func listedKeys(of person: String) -> [SSHPublicKey] { directory.people[person]?.keys ?? [] }

    /// The keys a signature by `person` may be made with under this policy.
    public func acceptedKeys(of person: String) -> [SSHPublicKey] {
        let keys = listedKeys(of: person)
        return signing.hardwareKeysOnly ? keys.filter(\.algorithm.isSecurityKey) : keys
    }

    /// Whether anyone in the directory has a key: from then on administrative
    /// actions are signed.
    public var listsAnyKey: Bool { directory.keyOwners.isEmpty == false }

    /// Whether any decision could need a signature under this policy: when
    /// not, recording needs no signature work at all.
    public var mayRequireSignatures: Bool {
        listsAnyKey || signing.mode == .always || !signing.requiredFor.isEmpty
    }

    /// Whose key this is in the directory, if anyone's.
    public func owner(of key: SSHPublicKey) -> String? { directory.keyOwners[key] }

    /// Why a signature with this listed key proves nothing, or nil.
    public func weakness(of key: SSHPublicKey) -> String? { directory.weakKeys[key] }

    /// Whether `action` by `actor` must be signed under this policy; nil when
    /// it need not be. `request` is the request it concerns (nil for
    /// administrative actions), `submittedBy` who submitted it.
    public func signatureRequirement(for action: SignedAction, by actor: Principal, request: AccessRequest?,
                                     submittedBy: String?) -> SignatureRequirement? {
        signatureRequirement(for: action, by: actor, requests: request.map { [$0] } ?? [], submittedBy: submittedBy, finding: nil)
    }

    /// Whether `action` by `actor` must be signed under this policy; nil when
    /// it need not be. `requests` are the requests it concerns, any of which
    /// a `required_for` rule may match (a revision: the request as it stood
    /// and as revised), `submittedBy` who submitted them; `finding` the
    /// finding an exception or removal concerns.
    public func signatureRequirement(for action: SignedAction, by actor: Principal, requests: [AccessRequest],
                                     submittedBy: String?, finding: FindingFacts?) -> SignatureRequirement? {
        guard actor.authentication.isPerson else { return nil }
        // An account or intake agent holds no key (keys are listed for people
        // only): taking access away must never wait for a signature nobody
        // can make, so a trigger fired, or a grant revoked, by one is unsigned.
        if action == .fireTrigger || action == .revoke, !knowsPerson(actor.name) { return nil }
        let keys = acceptedKeys(of: actor.name)
        func required(_ reason: String) -> SignatureRequirement {
            SignatureRequirement(keys: keys, hardwareOnly: signing.hardwareKeysOnly, reason: reason)
        }
        if action.isAdministrative {
            return listsAnyKey ? required("the policy in force lists SSH keys, so its changes and the store's settings are signed by whoever makes them") : nil
        }
        guard signing.actions.contains(action) else { return nil }
        switch signing.mode {
        case .always: return required("the policy requires every \(action.rawValue) to be signed")
        case .whenKeyListed: break
        }
        for request in requests {
            let facts = RequestFacts(request, submittedBy: submittedBy ?? actor.name)
            if let rule = signing.requiredFor.first(where: { $0.condition.holds(facts) }) {
                return required("the policy requires decisions on this request to be signed (\(rule.field))")
            }
        }
        if let finding, let rule = signing.requiredFor.first(where: { $0.holds(for: finding, actor: actor.name) }) {
            // The finding's place comes from an export: quoted display-safe.
            return required("the policy requires decisions on \(DisplaySafe.text(finding.system))/\(DisplaySafe.text(finding.environment)) to be signed (\(rule.field))")
        }
        return listedKeys(of: actor.name).isEmpty ? nil
            : required("\(actor.name) has SSH keys listed in the policy, so their decisions are signed")
    }
}

extension Policy {
    /// `policy check`'s warnings about the `signatures:` section: a
    /// `required_for` rule that cannot be judged for a finding, where finding
    /// exceptions or removals are among the actions it covers. Nothing is
    /// refused for it; the author learns that those actions are signed only
    /// as the other settings say.
    func signingFindings() -> [PolicyFinding] {
        let findingActions = [SignedAction.exceptFinding, .requestRemoval].filter { signing.actions.contains($0) }
        guard !findingActions.isEmpty else { return [] }
        return signing.requiredFor.filter { !$0.requestOnlyFields.isEmpty }.map { rule in
            PolicyFinding(severity: .warning, position: rule.position, field: rule.field,
                          message: "tests \(rule.requestOnlyFields.joined(separator: ", ")), which a finding does not have, so it applies to requests only: "
                            + "\(findingActions.map(\.rawValue).joined(separator: " and ")) are not required signed by it "
                            + "(a rule testing only system, environment and access covers them too)")
        }
    }
}
