import Foundation

/// What a role lets its members do beyond approving. Closed: a name that is
/// not here is a parse error, and a new action is a new case that every
/// `switch` over actions must consider. Written in a policy as its raw value;
/// `fire_trigger` names the trigger it allows: `fire_trigger:ticket_closed`.
public enum RoleAction: String, CaseIterable, Sendable, Hashable {
    /// Make a policy file the store's policy.
    case applyPolicy = "apply_policy"
    /// Set where grant documents go (`signoff handoff`).
    case configureHandOff = "configure_hand_off"
    /// Change the store's settings (`signoff settings`).
    case changeSettings = "change_settings"
    /// Report that provisioning carried out, or failed, a grant's latest action.
    case reportProvisioning = "report_provisioning"
    /// Fire one revocation trigger (scoped: `fire_trigger:NAME`).
    case fireTrigger = "fire_trigger"
    /// Revoke any grant, not only those the built-in rules let a person revoke.
    case revokeAnyGrant = "revoke_any_grant"
    /// Record a reconciliation run: what an identity platform's export shows (`signoff reconcile`).
    case reconcile
    /// Accept a reconciliation finding as an exception, with a rationale and an end (`signoff drift except`).
    case exceptFinding = "except_finding"
    /// Send an access finding to provisioning for removal, with a rationale (`signoff drift remove`).
    case requestRemoval = "request_removal"
    /// Deliver notifications: send any that are due and record what each
    /// attempt came to, and make failed ones pending again (`signoff notify
    /// run`, `signoff notify retry`, and a holder's console in the
    /// background). Nobody else changes a notification's delivery, not even
    /// whoever added it, so nobody can mark a notice delivered, or give it
    /// up, to keep it from being sent.
    case deliverNotifications = "deliver_notifications"

    /// The three actions of an administrator.
    public static let administration: [RoleAction] = [.applyPolicy, .configureHandOff, .changeSettings]

    /// Whether the action is about one named trigger.
    var isScopedToATrigger: Bool {
        switch self {
        case .fireTrigger: true
        case .applyPolicy, .configureHandOff, .changeSettings, .reportProvisioning, .revokeAnyGrant, .reconcile, .exceptFinding, .requestRemoval,
             .deliverNotifications: false
        }
    }
}

/// One permission a role grants: an action, and for `fire_trigger` the trigger.
public struct RolePermission: Sendable, Hashable, CustomStringConvertible {
    public var action: RoleAction
    /// The trigger `fire_trigger` allows; nil for every other action.
    public var trigger: String?

    public init(_ action: RoleAction, trigger: String? = nil) {
        self.action = action
        self.trigger = trigger
    }

    public var description: String { trigger.map { "\(action.rawValue):\($0)" } ?? action.rawValue }

    /// Why `identity` may not take this action, or nil when it may: under
    /// `policy`, as its roles say (`Policy.may`); before any policy is in
    /// force (`policy` nil), the store is its creator's to set up, and only
    /// `storeCreator` may. The command layer asks this before it acts;
    /// `audit verify` asks it again of every event that needed it.
    public func refusal(for identity: String, policy: Policy?, storeCreator: String?, at date: Date) -> Refusal? {
        guard let policy else {
            if let storeCreator, ExactName.same(identity, storeCreator) { return nil }
            return Refusal(.notEligible, "no policy is in force yet, so only the account that created the store (\(storeCreator ?? "unknown")) may \(self); \(identity) may not")
        }
        let decision = policy.may(identity, self, storeCreator: storeCreator, at: date)
        return decision.allowed ? nil : Refusal(.notEligible, "\(identity) may not \(self): \(decision.reason)")
    }
}

/// A role of the policy's `roles:` section: who (approver-style expressions:
/// `group:NAME`, `rotation:NAME`, `person:NAME`, `account:NAME`) may do what.
public struct PolicyRole: Sendable, Hashable {
    public var name: String
    public var members: [String]
    public var permissions: [RolePermission]
    var position: SourcePosition?
}

/// The answer to "may this identity do this?", with the reason either way.
public struct RoleDecision: Sendable, Hashable {
    public var allowed: Bool
    public var reason: String
}

extension Policy {
    static let roleFields = ["members", "may"]

    /// Reads `roles:`; every member and action is checked against the directory
    /// and the trigger names, so a typo is an error, never a role nobody holds.
    static func parseRoles(_ node: LocatedNode, directory: Directory, triggers: [String],
                           errors: inout [SourceError]) -> [PolicyRole] {
        var roles: [PolicyRole] = []
        let mapping: LocatedMapping
        do { mapping = try node.mapping() } catch { errors.append(error); return [] }
        for entry in mapping.entries {
            collect(&errors) { () throws(SourceError) in
                let fields = try entry.value.mapping()
                try fields.rejectUnknown(roleFields)
                let membersNode = try fields.required("members", hint: "who holds the role, e.g. [group:security, person:carol]")
                var members: [String] = []
                for item in try membersNode.listOrSingle() {
                    let text = try item.nonEmptyString()
                    try checkMember(text, item, directory)
                    members.append(text)
                }
                guard !members.isEmpty else { throw membersNode.error("names nobody") }
                let mayNode = try fields.required("may", hint: "what the role allows: \(RoleAction.allCases.map(\.rawValue).joined(separator: ", "))")
                var permissions: [RolePermission] = []
                for item in try mayNode.listOrSingle() {
                    let text = try item.nonEmptyString()
                    let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
                    guard let action = RoleAction(rawValue: parts[0]) else {
                        let valid = RoleAction.allCases.map(\.rawValue)
                        let guess = closest(to: parts[0], in: valid).map { "did you mean \"\($0)\"? " } ?? ""
                        throw item.error("\"\(text)\" is not an action a role can grant", hint: "\(guess)valid: \(valid.joined(separator: ", "))")
                    }
                    if action.isScopedToATrigger {
                        guard parts.count == 2, !parts[1].isEmpty else {
                            throw item.error("fire_trigger names the trigger it allows", hint: "e.g. fire_trigger:ticket_closed")
                        }
                        guard triggers.contains(parts[1]) else {
                            throw item.error("\"\(parts[1])\" is not a revocation trigger of this policy",
                                             hint: "known: \(triggers.joined(separator: ", ")) (add others under settings.revocation_triggers)")
                        }
                        permissions.append(RolePermission(action, trigger: parts[1]))
                    } else {
                        guard parts.count == 1 else { throw item.error("\(action.rawValue) takes no \":\" part") }
                        permissions.append(RolePermission(action))
                    }
                }
                guard !permissions.isEmpty else { throw mayNode.error("allows nothing") }
                roles.append(PolicyRole(name: entry.key, members: members, permissions: permissions, position: entry.keyNode.position))
            }
        }
        return roles
    }

    private static func checkMember(_ text: String, _ node: LocatedNode, _ directory: Directory) throws(SourceError) {
        if text.hasPrefix("account:") {
            let name = String(text.dropFirst("account:".count))
            guard directory.accounts.contains(name) || directory.intakeAgents.contains(name) else {
                throw node.error("unknown account \"\(name)\"", hint: "list it under directory.accounts (or directory.intake_agents)")
            }
            return
        }
        try directory.checkNamed(text, node, what: "a role member", forms: "group:NAME, rotation:NAME, person:NAME or account:NAME")
    }

    /// The first moment after `date` at which this policy answers "who may"
    /// differently with nothing recorded in between: a rotation's next turn,
    /// a delegation's end. What a console judged at `date` (whose queue a
    /// request is in, who may revoke a grant) is judged again then.
    public func nextDirectoryChange(after date: Date) -> Date? {
        directory.nextChange(after: date)
    }

    /// Whether `identity` may take `permission` now. Roles decide; an action no
    /// role of the policy grants (for `fire_trigger`: that trigger) is held by
    /// the account that created the store, `storeCreator`, so a store never
    /// locks out its owner by a policy that forgot its administrators.
    public func may(_ identity: String, _ permission: RolePermission, storeCreator: String?, at date: Date) -> RoleDecision {
        let granting = roles.filter { $0.permissions.contains(permission) }
        if granting.isEmpty {
            if let storeCreator, ExactName.same(identity, storeCreator) {
                return RoleDecision(allowed: true, reason: "\(identity) created the store, and no role of the policy grants \(permission)")
            }
            return RoleDecision(allowed: false, reason: "no role of the policy grants \(permission), so only the account that created the store (\(storeCreator ?? "unknown")) may")
        }
        var names: [String] = []
        for role in granting {
            for member in role.members where holds(identity, member, at: date) {
                return RoleDecision(allowed: true, reason: "\(identity) holds the role \(role.name) (\(member)), which grants \(permission)")
            }
            names.append(role.name)
        }
        return RoleDecision(allowed: false, reason: "\(identity) holds no role that grants \(permission) (roles: \(names.joined(separator: ", ")))")
    }

    /// Whether a role member expression names `identity` at `date`.
    func holds(_ identity: String, _ member: String, at date: Date) -> Bool {
        if member.hasPrefix("account:") { return ExactName.same(String(member.dropFirst("account:".count)), identity) }
        switch ApproverExpression.source(member) {
        case let .group(name)?: return directory.expandedGroups[name]?.contains(identity) == true
        case let .rotation(name)?: return ExactName.same(directory.rotations[name]?.onCall(at: date), identity)
        case let .person(name)?: return ExactName.same(name, identity)
        case .some(.owners), .some(.manager), .some(.subjectOwnerManager), .none: return false
        }
    }

    /// Every person and account of the directory who may take `permission`
    /// at some time under the roles (each member of a rotation a role names,
    /// whoever is on call now), in the directory's order; `storeCreator`
    /// alone when no role grants it. What a PostgreSQL store is told with
    /// each policy, so that the server can check it too: never fewer than
    /// `may` allows at any moment, which the command layer asks first.
    public func identities(allowedTo permission: RolePermission, storeCreator: String?) -> [String] {
        let granting = roles.filter { $0.permissions.contains(permission) }
        guard !granting.isEmpty else { return storeCreator.map { [$0] } ?? [] }
        let names = people + directory.accounts.sorted() + directory.intakeAgents.sorted()
        var seen = Set<String>()
        return names.filter { name in
            seen.insert(name).inserted && granting.contains { role in
                role.members.contains { member in
                    if case let .rotation(rotation)? = ApproverExpression.source(member) {
                        return directory.rotations[rotation]?.members.contains { ExactName.same($0, name) } == true
                    }
                    return holds(name, member, at: .distantPast)
                }
            }
        }
    }

    /// Who may take `permission` according to the roles (empty: the store's creator).
    public func holders(of permission: RolePermission) -> [String] {
        roles.filter { $0.permissions.contains(permission) }.flatMap(\.members)
    }
}
