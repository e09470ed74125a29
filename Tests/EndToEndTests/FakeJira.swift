import Foundation
import LoopbackHTTP

/// A Jira Cloud site on loopback for the end-to-end tests, built on the shared
/// `LoopbackHTTPServer`: it serves issues through `/rest/api/3/search/jql`
/// with `nextPageToken` pages, the site's fields, each issue's transitions and
/// status; it checks the credentials (401 otherwise), can answer a 429 with
/// `Retry-After` or a 500 first, and records every comment and transition
/// signoff sends, checked by the tests against the documented request shapes.
final class FakeJira: @unchecked Sendable {
    struct Issue {
        var id: String
        var key: String
        var status = "Waiting for triage"
        var statusCategory = "new"
        var resolution: String?
        var fields: [String: Any]
    }

    struct Comment {
        var issue: String
        var body: [String: Any]
        /// The comment's text, through the ADF the test reads back.
        var text: String
    }

    let email = "jira-importer@example.com"
    let token = "tok-" + String(repeating: "9Xq", count: 8)
    /// The workflow: transition names that do not match the statuses they lead to.
    static let transitions: [(id: String, name: String, to: String, category: String)] = [
        ("11", "Send to approvers", "Waiting for approval", "indeterminate"),
        ("21", "Grant", "Approved", "indeterminate"),
        ("31", "Ask for details", "Needs information", "new"),
        ("41", "Close", "Done", "done"),
    ]
    /// The site's custom fields, by id and the name people see.
    static let fields: [(id: String, name: String)] = [
        ("customfield_10101", "Identity type"), ("customfield_10102", "Service account"), ("customfield_10103", "System"),
        ("customfield_10104", "Environment tier"), ("customfield_10105", "Entitlement"), ("customfield_10106", "Hours needed"),
    ]

    private let lock = NSLock()
    private var issues: [Issue] = []
    private(set) var comments: [Comment] = []
    /// (issue, transition id) in the order they were made.
    private(set) var transitionsMade: [(issue: String, id: String)] = []
    /// What to answer the next search requests with before serving them (429, 500).
    var searchHiccups: [Int] = []
    var pageSize = 2
    private(set) var searchRequests = 0
    var server: LoopbackHTTPServer!

    init() throws {
        server = try LoopbackHTTPServer { [weak self] request in
            guard let self else { return .respond(503) }
            return self.answer(request)
        }
    }

    var url: String { server.url("") }

    func put(_ issue: Issue) {
        lock.withLock {
            if let index = issues.firstIndex(where: { $0.key == issue.key }) { issues[index] = issue } else { issues.append(issue) }
        }
    }

    func change(_ key: String, _ body: (inout Issue) -> Void) {
        lock.withLock {
            guard let index = issues.firstIndex(where: { $0.key == key }) else { return }
            body(&issues[index])
        }
    }

    func issue(_ key: String) -> Issue? { lock.withLock { issues.first { $0.key == key } } }
    func commentsOn(_ key: String) -> [Comment] {
        lock.withLock {
            guard let id = issues.first(where: { $0.key == key })?.id else { return [] }
            return comments.filter { $0.issue == id }
        }
    }

    func setHiccups(_ statuses: [Int]) { lock.withLock { searchHiccups = statuses } }

    /// A standard access-request issue on this site.
    static func accessRequest(id: String, key: String, reporter: String = "acc-alice", name: String = "svc-ledger",
                              entitlement: String? = "Read replica", hours: Int = 8,
                              description: String = "Nightly reconciliation reads the ledger tables") -> Issue {
        var fields: [String: Any] = [
            "summary": "Access for \(name)",
            "reporter": ["accountId": reporter, "displayName": "Reporter \(reporter)"],
            "customfield_10101": ["value": "Service account", "id": "1"],
            "customfield_10102": name,
            "customfield_10103": ["value": "Payments DB", "id": "2"],
            "customfield_10104": ["value": "Prod", "id": "3"],
            "customfield_10106": hours,
            "description": ["type": "doc", "version": 1,
                            "content": [["type": "paragraph", "content": [["type": "text", "text": description]]]]],
        ]
        if let entitlement { fields["customfield_10105"] = ["value": entitlement, "id": "4"] }
        return Issue(id: id, key: key, fields: fields)
    }

    // MARK: Serving

    private func answer(_ request: LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Reply {
        let expected = "Basic " + Data("\(email):\(token)".utf8).base64EncodedString()
        guard request.header("authorization") == expected else {
            return .json(401, #"{"errorMessages": ["You are not authenticated. Authentication required to perform this operation."]}"#)
        }
        let components = URLComponents(string: "http://x" + request.path)!
        let path = components.path
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { a, _ in a })
        return lock.withLock { () -> LoopbackHTTPServer.Reply in
            switch (request.method, path) {
            case ("GET", "/rest/api/3/field"):
                let fields = Self.fields.map { ["id": $0.id, "key": $0.id, "name": $0.name, "custom": true] as [String: Any] }
                return Self.json(200, fields)
            case ("GET", "/rest/api/3/search/jql"):
                searchRequests += 1
                if !searchHiccups.isEmpty {
                    let status = searchHiccups.removeFirst()
                    return status == 429 ? .json(429, "{}", headers: ["Retry-After": "1"]) : .json(status, #"{"errorMessages": ["try later"]}"#)
                }
                let start = Int(query["nextPageToken"]?.dropFirst("page-".count) ?? "0") ?? 0
                let page = Array(issues.dropFirst(start).prefix(pageSize))
                var body: [String: Any] = ["issues": page.map(Self.render)]
                if start + page.count < issues.count { body["nextPageToken"] = "page-\(start + page.count)" } else { body["isLast"] = true }
                return Self.json(200, body)
            default:
                break
            }
            let parts = path.split(separator: "/").map(String.init) // rest api 3 issue ID ...
            guard parts.count >= 5, parts[0] == "rest", parts[3] == "issue",
                  let index = issues.firstIndex(where: { $0.id == parts[4] || $0.key == parts[4] }) else {
                return .json(404, #"{"errorMessages": ["Issue does not exist or you do not have permission to see it."]}"#)
            }
            switch (request.method, parts.count > 5 ? parts[5] : "") {
            case ("GET", ""):
                return Self.json(200, ["id": issues[index].id, "key": issues[index].key,
                                       "fields": ["status": ["name": issues[index].status]]])
            case ("POST", "comment"):
                guard let json = request.json as? [String: Any], let body = json["body"] as? [String: Any] else {
                    return .json(400, #"{"errorMessages": ["Comment body can not be empty!"]}"#)
                }
                comments.append(Comment(issue: issues[index].id, body: body, text: Self.text(of: body)))
                return Self.json(201, ["id": "\(comments.count)", "body": body])
            case ("GET", "transitions"):
                return Self.json(200, ["transitions": Self.transitions.map {
                    ["id": $0.id, "name": $0.name, "to": ["name": $0.to, "statusCategory": ["key": $0.category]]] as [String: Any]
                }])
            case ("POST", "transitions"):
                guard let json = request.json as? [String: Any], let transition = json["transition"] as? [String: Any],
                      let id = transition["id"] as? String, let target = Self.transitions.first(where: { $0.id == id }) else {
                    return .json(400, #"{"errorMessages": ["It seems that you have tried to perform a workflow operation that is not valid."]}"#)
                }
                transitionsMade.append((issues[index].id, id))
                issues[index].status = target.to
                issues[index].statusCategory = target.category
                return .respond(204)
            default:
                return .json(405, "{}")
            }
        }
    }

    static func render(_ issue: Issue) -> [String: Any] {
        var fields = issue.fields
        fields["status"] = ["name": issue.status, "statusCategory": ["key": issue.statusCategory]]
        fields["resolution"] = issue.resolution.map { ["name": $0] as Any } ?? NSNull()
        return ["id": issue.id, "key": issue.key, "self": "http://127.0.0.1/rest/api/3/issue/\(issue.id)", "fields": fields]
    }

    static func json(_ status: Int, _ object: Any) -> LoopbackHTTPServer.Reply {
        .json(status, String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
    }

    /// The text of an ADF document: every `text` node, blocks on their own lines.
    static func text(of node: [String: Any]) -> String {
        var out = (node["text"] as? String) ?? ""
        for child in (node["content"] as? [[String: Any]]) ?? [] {
            out += text(of: child)
            if ["paragraph", "listItem"].contains(child["type"] as? String) { out += "\n" }
        }
        return out
    }
}
