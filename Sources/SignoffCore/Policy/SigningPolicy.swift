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
    var requiredFor: [(condition: Condition, field: String)] = []
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
                    policy.requiredFor.append((try conditions.parse(item), item.path))
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

    /// Whether `action` by `actor` must be signed under this policy; nil when
    /// it need not be. `request` is the request it concerns (nil for
    /// administrative actions), `submittedBy` who submitted it.
    public func signatureRequirement(for action: SignedAction, by actor: Principal, request: AccessRequest?,
                                     submittedBy: String?) -> SignatureRequirement? {
        switch actor.authentication {
        case .policy, .system: return nil
        case .osAccount, .asserted: break
        }
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
        if let request {
            let facts = RequestFacts(request, submittedBy: submittedBy ?? actor.name)
            if let rule = signing.requiredFor.first(where: { $0.condition.holds(facts) }) {
                return required("the policy requires decisions on this request to be signed (\(rule.field))")
            }
        }
        return listedKeys(of: actor.name).isEmpty ? nil
            : required("\(actor.name) has SSH keys listed in the policy, so their decisions are signed")
    }
}
