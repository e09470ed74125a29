/// What kind of identity will hold the access. Non-human kinds always have an
/// accountable human owner.
public enum IdentityKind: String, CaseIterable, Codable, Sendable, Hashable {
    case human
    case serviceAccount = "service_account"
    case apiKey = "api_key"
    case oauthClient = "oauth_client"
    case workloadIdentity = "workload_identity"
    case certificate
    case aiAgent = "ai_agent"
    case bot

    public var isHuman: Bool { self == .human }

    /// Words shown to people, e.g. in the console.
    public var label: String {
        switch self {
        case .human: "human"
        case .serviceAccount: "service account"
        case .apiKey: "API key"
        case .oauthClient: "OAuth client"
        case .workloadIdentity: "workload identity"
        case .certificate: "certificate"
        case .aiAgent: "AI agent"
        case .bot: "bot"
        }
    }
}

/// How much the entitlement lets the subject do; ordered read < write < admin.
public enum AccessLevel: String, CaseIterable, Codable, Sendable, Hashable, Comparable {
    case read
    case write
    case admin

    public var rank: Int {
        switch self {
        case .read: 0
        case .write: 1
        case .admin: 2
        }
    }

    public static func < (lhs: AccessLevel, rhs: AccessLevel) -> Bool { lhs.rank < rhs.rank }
}
