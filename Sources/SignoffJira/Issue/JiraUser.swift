/// A Jira user as a field or a webhook names one. Jira Cloud identifies users
/// by `accountId` alone (names and keys were removed for privacy, and the email
/// is often hidden); Jira Server and Data Center by `name` (the login) and
/// `key`. The directory lists whichever of these a person has (`jira:`).
public struct JiraUser: Sendable, Hashable {
    public var accountID: String?
    public var name: String?
    public var key: String?
    public var email: String?
    public var displayName: String?

    public init(accountID: String? = nil, name: String? = nil, key: String? = nil, email: String? = nil,
                displayName: String? = nil) {
        self.accountID = accountID
        self.name = name
        self.key = key
        self.email = email
        self.displayName = displayName
    }

    /// Reads a user object; nil for anything else or a user with no identifier.
    public init?(_ value: JSONValue) {
        guard value.kind == .object else { return nil }
        func text(_ key: String) -> String? {
            guard let text = value[key]?.stringValue, !text.isEmpty else { return nil }
            return text
        }
        accountID = text("accountId")
        name = text("name")
        key = text("key")
        email = text("emailAddress")
        displayName = text("displayName")
        if identifiers.isEmpty { return nil }
    }

    /// Every identifier this user can be matched by, the most stable first:
    /// the account ID, the key, the login name, the email address (lowercased).
    public var identifiers: [String] {
        var result: [String] = []
        for candidate in [accountID, key, name, email?.lowercased()] {
            if let candidate, !result.contains(candidate) { result.append(candidate) }
        }
        return result
    }

    /// The identifiers that name a person on this kind of site. Jira Cloud
    /// webhooks may still carry a legacy `name`/`key` ("admin"), which could
    /// equal another person's Server login: on Cloud only the account ID and
    /// the email count; on Server and Data Center the key, the login name and the email.
    public func identifiers(for deployment: JiraMapping.Deployment) -> [String] {
        let candidates: [String?]
        switch deployment {
        case .cloud: candidates = [accountID, email?.lowercased()]
        case .server: candidates = [key, name, email?.lowercased()]
        }
        var result: [String] = []
        for case let candidate? in candidates where !result.contains(candidate) { result.append(candidate) }
        return result
    }

    /// How the user is named in messages: the display name with the first identifier.
    public var label: String {
        let id = identifiers.first ?? "?"
        guard let displayName, displayName != id else { return id }
        return "\(displayName) (\(id))"
    }
}
