import Foundation
import SignoffCore

/// `aws iam get-account-authorization-details` (every page merged): the
/// account's users, groups, roles and policies, and who holds what.
struct IAMAuthorizationDetails {
    struct AttachedPolicy {
        var name: String
        var arn: String
    }

    struct InlinePolicy {
        var name: String
        var document: IAMPolicyDocument
    }

    /// A user or a role: an identity that holds policies.
    struct Principal {
        var name: String
        var arn: String
        var isRole: Bool
        var groups: [String]
        var attached: [AttachedPolicy]
        var inline: [InlinePolicy]
        var tags: [String: String]
    }

    struct Group {
        var name: String
        var attached: [AttachedPolicy]
        var inline: [InlinePolicy]
    }

    struct ManagedPolicy {
        var name: String
        var arn: String
        var document: IAMPolicyDocument?
    }

    var account: String
    var principals: [Principal]
    /// By exact name and ARN: IAM compares them byte for byte.
    var groups: [ExactName: Group]
    var policies: [ExactName: ManagedPolicy]

    static let lists = ["UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"]

    /// Whether a top-level object is this export (as opposed to another AWS response).
    static func recognises(_ object: JSONObject) -> Bool {
        lists.contains { object.has($0) }
    }

    static func read(_ root: JSONObject) throws(SourceError) -> IAMAuthorizationDetails {
        if let truncated = root.optional("IsTruncated"), try truncated.bool() {
            throw truncated.error("is true: this is one page of the account's details",
                                  hint: "export with `aws iam get-account-authorization-details` (the CLI merges the pages), or merge every page")
        }
        for list in lists where !root.has(list) {
            throw root.cursor.error("has no \(list): the export was filtered and does not show the whole account",
                                    hint: "export without --filter, so that nothing missing reads as removed")
        }
        var accounts = AccountCheck()
        var groups: [ExactName: Group] = [:]
        for cursor in try root.required("GroupDetailList").array() {
            let fields = try cursor.object()
            let arn = try fields.required("Arn").name()
            try accounts.note(arn, at: fields.required("Arn"))
            let nameCursor = try fields.required("GroupName")
            let name = try nameCursor.name()
            guard groups[ExactName(name)] == nil else {
                throw nameCursor.error("lists group \(name) a second time: the export is ambiguous",
                                       hint: "each group is one entry of GroupDetailList; export the account again")
            }
            groups[ExactName(name)] = Group(name: name, attached: try attached(fields), inline: try inline(fields, key: "GroupPolicyList"))
        }
        var principals: [Principal] = []
        // Users and roles are observed by name: one name is one identity, or which holds what is ambiguous.
        var principalNames: Set<ExactName> = []
        for (list, nameKey, inlineKey, isRole) in [("UserDetailList", "UserName", "UserPolicyList", false),
                                                   ("RoleDetailList", "RoleName", "RolePolicyList", true)] {
            for cursor in try root.required(list).array() {
                let fields = try cursor.object()
                let arnCursor = try fields.required("Arn")
                let arn = try arnCursor.name()
                try accounts.note(arn, at: arnCursor)
                var groupNames: [String] = []
                if !isRole, let list = fields.present("GroupList") {
                    for group in try list.array() {
                        let name = try group.name()
                        guard groups[ExactName(name)] != nil else {
                            throw group.error("names group \(name), which GroupDetailList does not hold",
                                              hint: "the export is incomplete; export the whole account again")
                        }
                        groupNames.append(name)
                    }
                }
                var tags: [String: String] = [:]
                if let list = fields.present("Tags") {
                    for tag in try list.array() {
                        let tagFields = try tag.object()
                        tags[try tagFields.required("Key").string()] = try tagFields.required("Value").string()
                    }
                }
                let nameCursor = try fields.required(nameKey)
                let principalName = try nameCursor.name()
                guard principalNames.insert(ExactName(principalName)).inserted else {
                    throw nameCursor.error("lists \(principalName) a second time (as a user or a role): the export is ambiguous",
                                           hint: "a user and a role of one name cannot be told apart in reconciliation; export the account again, or rename one")
                }
                principals.append(Principal(name: principalName, arn: arn, isRole: isRole, groups: groupNames,
                                            attached: try attached(fields), inline: try inline(fields, key: inlineKey), tags: tags))
            }
        }
        var policies: [ExactName: ManagedPolicy] = [:]
        for cursor in try root.required("Policies").array() {
            let fields = try cursor.object()
            let arnCursor = try fields.required("Arn")
            let arn = try arnCursor.name()
            if !arn.hasPrefix("arn:aws:iam::aws:") { try accounts.note(arn, at: arnCursor) }
            let name = try fields.present("PolicyName")?.name() ?? String(arn.split(separator: "/").last ?? Substring(arn))
            var document: IAMPolicyDocument?
            let defaultVersion = try fields.present("DefaultVersionId")?.string()
            for version in try fields.present("PolicyVersionList")?.array() ?? [] {
                let versionFields = try version.object()
                let isDefault = try versionFields.present("IsDefaultVersion")?.bool() ?? false
                let id = try versionFields.present("VersionId")?.string()
                guard isDefault || (defaultVersion != nil && id == defaultVersion) else { continue }
                document = try IAMPolicyDocument.read(versionFields.required("Document"))
            }
            guard policies[ExactName(arn)] == nil else {
                throw arnCursor.error("lists policy \(arn) a second time: the export is ambiguous",
                                      hint: "each policy is one entry of Policies; export the account again")
            }
            policies[ExactName(arn)] = ManagedPolicy(name: name, arn: arn, document: document)
        }
        guard let account = accounts.account else {
            throw root.cursor.error("names no account: it holds no users, groups, roles or policies of one",
                                    hint: "an account export always holds its own identities; export it again")
        }
        return IAMAuthorizationDetails(account: account, principals: principals, groups: groups, policies: policies)
    }

    private static func attached(_ fields: JSONObject) throws(SourceError) -> [AttachedPolicy] {
        var policies: [AttachedPolicy] = []
        for cursor in try fields.present("AttachedManagedPolicies")?.array() ?? [] {
            let policy = try cursor.object()
            policies.append(AttachedPolicy(name: try policy.required("PolicyName").name(), arn: try policy.required("PolicyArn").name()))
        }
        return policies
    }

    private static func inline(_ fields: JSONObject, key: String) throws(SourceError) -> [InlinePolicy] {
        var policies: [InlinePolicy] = []
        for cursor in try fields.present(key)?.array() ?? [] {
            let policy = try cursor.object()
            policies.append(InlinePolicy(name: try policy.required("PolicyName").name(),
                                         document: try IAMPolicyDocument.read(policy.required("PolicyDocument"))))
        }
        return policies
    }
}

/// The account an export's ARNs name: one, or the export is refused.
struct AccountCheck {
    var account: String?

    /// The account in `arn:aws:iam::123456789012:user/x`, or nil when it is not an IAM ARN.
    static func account(of arn: String) -> String? {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[2] == "iam", !parts[4].isEmpty else { return nil }
        return String(parts[4])
    }

    mutating func note(_ arn: String, at cursor: JSONCursor) throws(SourceError) {
        guard let found = Self.account(of: arn) else {
            throw cursor.error("\"\(arn)\" is not an IAM ARN", hint: "expected arn:aws:iam::ACCOUNT:…")
        }
        try note(found, describe: { cursor.error($0, hint: $1) })
    }

    mutating func note(_ found: String, describe: (String, String) -> SourceError) throws(SourceError) {
        if let account, account != found {
            throw describe("names account \(found), but the rest of the export is account \(account)",
                           "one run reads one account; reconcile each account separately")
        }
        account = found
    }
}
