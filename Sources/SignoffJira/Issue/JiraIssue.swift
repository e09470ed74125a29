import Foundation

/// One Jira issue as REST (v2 or v3), a search page or a webhook carries it.
public struct JiraIssue: Sendable {
    /// The whole issue object.
    public let value: JSONValue
    /// `ACCESS-12`. Keys change when an issue moves to another project; `id` does not.
    public let key: String
    public let id: String
    /// The issue's REST address (`self`), where Jira gave one.
    public let selfURL: String?
    /// `fields`, found once: every mapped field is looked up in it.
    public let fields: JSONValue?
    /// Who made the change a webhook reports (its `user`): the issue's
    /// creator, or whoever edited it. nil for REST and search results,
    /// which do not say.
    public var changedBy: JiraUser?

    public init?(_ value: JSONValue) {
        guard value.kind == .object, let key = value["key"]?.stringValue, !key.isEmpty else { return nil }
        self.value = value
        self.key = key
        self.id = value["id"]?.stringValue ?? value["id"]?.numberText ?? ""
        self.selfURL = value["self"]?.stringValue
        self.fields = value["fields"]
    }

    /// A field's value by its id (`summary`, `customfield_10070`); nil when absent.
    public func field(_ id: String) -> JSONValue? { fields?[id] }

    /// The field-id-to-name map of `expand=names`, where the response has one.
    public var names: JSONValue? { value["names"] }

    public var statusName: String? { field("status")?["name"]?.stringValue }

    /// `new`, `indeterminate` or `done` (Jira's own categories, whatever the workflow calls its statuses).
    public var statusCategory: String? { field("status")?["statusCategory"]?["key"]?.stringValue }

    /// The resolution's name (`Done`, `Won't Do`); nil while the issue is unresolved.
    public var resolution: String? {
        guard let resolution = field("resolution"), resolution.kind == .object else { return nil }
        return resolution["name"]?.stringValue ?? "resolved"
    }

    public var reporter: JiraUser? { field("reporter").flatMap(JiraUser.init) }

    public func updated(zone: TimeZone) -> Date? { field("updated").flatMap { JiraDate.parse($0, zone: zone) } }
}

/// What one JSON value given to `signoff import jira` holds.
public enum JiraPayload: Sendable {
    /// Issues to import: a REST issue, a page of search results, or a
    /// `jira:issue_created` / `jira:issue_updated` webhook.
    case issues([JiraIssue], source: Source, page: Page?)
    /// A `jira:issue_deleted` webhook: the ticket is gone, at the webhook's
    /// `timestamp` where it has one (deleting an issue leaves its `updated` as it was).
    case deleted(JiraIssue, at: Date?)
    /// Something that names no issue to import, and why (a comment webhook
    /// carries only a summary of its issue, never its fields).
    case ignored(reason: String)

    public enum Source: String, Sendable {
        case rest
        case search
        case webhookCreated = "jira:issue_created"
        case webhookUpdated = "jira:issue_updated"
    }

    /// Where a page of search results stands, in either of Jira's two schemes.
    public struct Page: Sendable, Hashable {
        /// The current Cloud scheme (`/rest/api/3/search/jql`): the token of the next page, nil on the last.
        public var nextPageToken: String?
        /// The older scheme (`/rest/api/2/search`, Server and Data Center): where this page starts and how many match.
        public var startAt: Int?
        public var total: Int?
        public var isLast: Bool
    }

    /// Classifies one JSON value; throws with what it is not.
    public static func read(_ value: JSONValue) throws(JiraInputError) -> JiraPayload {
        guard value.kind == .object else {
            if value.kind == .array {
                // A bare list of issues (what some exports write).
                let issues = value.elements.compactMap(JiraIssue.init)
                if issues.count == value.count { return .issues(issues, source: .rest, page: nil) }
            }
            throw JiraInputError(offset: value.offset, message: "is not a Jira issue, search result or webhook",
                                 hint: "give a REST issue, a page of /search results, or a jira:issue_created or jira:issue_updated webhook body")
        }
        if let event = value["webhookEvent"]?.stringValue {
            switch event {
            case "jira:issue_created", "jira:issue_updated":
                var issue = try webhookIssue(value, event)
                issue.changedBy = value["user"].flatMap(JiraUser.init)
                return .issues([issue], source: event == "jira:issue_created" ? .webhookCreated : .webhookUpdated, page: nil)
            case "jira:issue_deleted":
                let issue = try webhookIssue(value, event)
                // Epoch milliseconds; a time outside the years 1970–9999 is no time.
                let at = value["timestamp"]?.integerValue.flatMap(JiraDate.epochMilliseconds)
                return .deleted(issue, at: at)
            default:
                return .ignored(reason: "a \(event) webhook: only issue events (jira:issue_created, jira:issue_updated, jira:issue_deleted) are imported")
            }
        }
        if let list = value["issues"], list.kind == .array {
            var issues: [JiraIssue] = []
            for element in list.elements {
                guard let issue = JiraIssue(element) else {
                    throw JiraInputError(offset: element.offset, message: "is a search result holding something that is not an issue (no key)")
                }
                issues.append(issue)
            }
            let token = value["nextPageToken"]?.stringValue
            let startAt = value["startAt"]?.integerValue.map(Int.init)
            let total = value["total"]?.integerValue.map(Int.init)
            let isLast: Bool
            if let flag = value["isLast"]?.boolValue {
                isLast = flag
            } else if let startAt, let total {
                isLast = issues.isEmpty || startAt + issues.count >= total
            } else {
                // The Cloud endpoint leaves nextPageToken out on the last page.
                isLast = token == nil
            }
            return .issues(issues, source: .search, page: Page(nextPageToken: isLast ? nil : token, startAt: startAt,
                                                                total: total, isLast: isLast))
        }
        if let issue = JiraIssue(value) {
            return .issues([issue], source: .rest, page: nil)
        }
        throw JiraInputError(offset: value.offset, message: "is not a Jira issue, search result or webhook (no key, issues or webhookEvent)",
                             hint: "give a REST issue, a page of /search results, or a jira:issue_created or jira:issue_updated webhook body")
    }
}

/// An input that is not something `signoff import jira` reads.
/// The issue a webhook body carries (`$.issue`), refused where it has none or
/// the issue names no key (`$.issue.key`), at the place that lacks it.
private func webhookIssue(_ body: JSONValue, _ event: String) throws(JiraInputError) -> JiraIssue {
    guard let value = body["issue"] else {
        throw JiraInputError(offset: body.offset, message: "is a \(event) webhook without an issue ($.issue)",
                             hint: "give the webhook body as Jira sent it")
    }
    guard let issue = JiraIssue(value) else {
        throw JiraInputError(offset: value.offset, message: "is a \(event) webhook whose issue has no key ($.issue.key)",
                             hint: "give the webhook body as Jira sent it: its issue names its key, such as OPS-1234")
    }
    return issue
}

public struct JiraInputError: Error, Sendable, Hashable, CustomStringConvertible {
    public var offset: Int
    public var message: String
    public var hint: String?
    public init(offset: Int, message: String, hint: String? = nil) {
        self.offset = offset
        self.message = message
        self.hint = hint
    }
    public var description: String { message + (hint.map { " (\($0))" } ?? "") }
}
