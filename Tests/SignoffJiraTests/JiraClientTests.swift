import Foundation
import SignoffJira
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A scripted Jira: answers in order, and records every request and every pause.
final class ScriptedJira: HTTPTransport, @unchecked Sendable {
    struct Answer {
        var status: Int
        var headers: [String: String] = [:]
        var body: String = ""
    }
    private let lock = NSLock()
    private var answers: [Answer]
    private(set) var requests: [URLRequest] = []
    private(set) var pauses: [TimeInterval] = []

    init(_ answers: [Answer]) { self.answers = answers }

    func send(_ request: URLRequest) throws -> HTTPResponse {
        lock.lock()
        defer { lock.unlock() }
        requests.append(request)
        guard !answers.isEmpty else { throw URLError(.cannotConnectToHost) }
        let answer = answers.removeFirst()
        if answer.status == 0 { throw URLError(.networkConnectionLost) }
        return HTTPResponse(status: answer.status, headers: answer.headers, body: Data(answer.body.utf8))
    }

    func pause(_ seconds: TimeInterval) {
        lock.lock()
        pauses.append(seconds)
        lock.unlock()
    }

    func client(_ deployment: JiraMapping.Deployment = .cloud, base: String = "https://acme.atlassian.net") -> JiraClient {
        JiraClient(base: URL(string: base)!, deployment: deployment,
                   credentials: try! JiraCredentials.parse("email: ops@example.com\napi_token: tok3n", file: "creds"),
                   transport: self, sleep: { [weak self] in self?.pause($0) })
    }

    func query(_ index: Int) -> [String: String] {
        let items = URLComponents(url: requests[index].url!, resolvingAgainstBaseURL: false)?.queryItems ?? []
        return Dictionary(items.map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { first, _ in first })
    }
}

@Suite struct JiraClientTests {
    /// Credentials go over https, or over plain http only to this host: never
    /// in cleartext across a network, whoever made the client.
    @Test func credentialsNeverCrossTheNetworkInCleartext() throws {
        for base in ["http://acme.example.com", "http://10.0.0.7:8080", "http://127.0.0.1.example.com", "ftp://127.0.0.1"] {
            let jira = ScriptedJira([.init(status: 200, body: "[]")])
            #expect(throws: JiraHTTPError.self, "\(base)") { try jira.client(base: base).send("GET", "/rest/api/3/field") }
            #expect(jira.requests.isEmpty, "\(base): a request was sent")
        }
        for base in ["https://acme.example.com", "http://127.0.0.1:18080", "http://localhost:8080", "http://[::1]:8080"] {
            let jira = ScriptedJira([.init(status: 200, body: "[]")])
            _ = try jira.client(base: base).send("GET", "/rest/api/3/field")
            #expect(jira.requests.first?.value(forHTTPHeaderField: "Authorization") != nil, "\(base)")
        }
    }

    static func page(_ keys: [String], extra: String) -> String {
        let issues = keys.map { #"{"id": "1", "key": "\#($0)", "fields": {}}"# }.joined(separator: ",")
        return #"{"issues": [\#(issues)], \#(extra)}"#
    }

    /// The current Cloud endpoint: follow nextPageToken until it is gone.
    @Test func cloudPagination() throws {
        let jira = ScriptedJira([
            .init(status: 200, body: Self.page(["A-1", "A-2"], extra: #""nextPageToken": "p2", "isLast": false"#)),
            .init(status: 200, body: Self.page(["A-3"], extra: #""nextPageToken": "p3""#)),
            .init(status: 200, body: Self.page(["A-4"], extra: #""isLast": true"#)),
        ])
        var keys: [String] = []
        try jira.client().search(jql: "project = A", fields: ["summary", "customfield_1"]) { document in
            keys += document.values[0]["issues"]!.elements.compactMap { $0["key"]?.stringValue }
        }
        #expect(keys == ["A-1", "A-2", "A-3", "A-4"])
        #expect(jira.requests.map { $0.url!.path } == Array(repeating: "/rest/api/3/search/jql", count: 3))
        #expect(jira.query(0)["nextPageToken"] == nil)
        #expect(jira.query(1)["nextPageToken"] == "p2")
        #expect(jira.query(2)["nextPageToken"] == "p3")
        #expect(jira.query(0)["jql"] == "project = A")
        #expect(jira.query(0)["fields"] == "summary,customfield_1")
        #expect(jira.requests[0].value(forHTTPHeaderField: "Authorization") == "Basic " + Data("ops@example.com:tok3n".utf8).base64EncodedString())
    }

    /// Server and Data Center: startAt and total.
    @Test func serverPagination() throws {
        let jira = ScriptedJira([
            .init(status: 200, body: Self.page(["S-1", "S-2"], extra: #""startAt": 0, "maxResults": 2, "total": 3"#)),
            .init(status: 200, body: Self.page(["S-3"], extra: #""startAt": 2, "maxResults": 2, "total": 3"#)),
        ])
        var count = 0
        try jira.client(.server).search(jql: "x", fields: []) { count += $0.values[0]["issues"]!.count }
        #expect(count == 3)
        #expect(jira.requests.map { $0.url!.path } == ["/rest/api/2/search", "/rest/api/2/search"])
        #expect(jira.query(1)["startAt"] == "2")
        #expect(jira.query(0)["fields"] == "*all")
    }

    @Test func aRepeatedTokenStopsTheSearch() {
        let jira = ScriptedJira([
            .init(status: 200, body: Self.page(["A-1"], extra: #""nextPageToken": "same""#)),
            .init(status: 200, body: Self.page(["A-2"], extra: #""nextPageToken": "same""#)),
        ])
        #expect(throws: JiraHTTPError.self) { try jira.client().search(jql: "x", fields: []) { _ in } }
    }

    /// 429: wait what Retry-After says, then go on.
    @Test func rateLimitsAreWaitedOut() throws {
        let jira = ScriptedJira([
            .init(status: 429, headers: ["retry-after": "7"]),
            .init(status: 429, headers: ["retry-after": "2"]),
            .init(status: 200, body: "[]"),
        ])
        _ = try jira.client().send("GET", "/rest/api/3/field")
        #expect(jira.pauses == [7, 2])
        #expect(jira.requests.count == 3)
    }

    @Test func aRetryAfterTooLongFailsAtOnceSayingWhen() {
        let jira = ScriptedJira([.init(status: 429, headers: ["retry-after": "3600"])])
        do {
            _ = try jira.client().send("GET", "/rest/api/3/field")
            Issue.record("no error")
        } catch {
            #expect(error.kind == .rateLimited)
            #expect(error.message.contains("wait 3600 s"))
            #expect(jira.pauses.isEmpty)
        }
    }

    /// 5xx and dropped connections: retried with growing pauses; given up after the attempts.
    @Test func serverErrorsAreRetriedWithBackoff() throws {
        let jira = ScriptedJira([.init(status: 502), .init(status: 0), .init(status: 503), .init(status: 200, body: "[]")])
        _ = try jira.client().send("GET", "/rest/api/3/field")
        #expect(jira.pauses == [1, 2, 4])

        let down = ScriptedJira(Array(repeating: .init(status: 500, body: #"{"errorMessages": ["Internal \u001b[31merror"]}"#), count: 5))
        do {
            _ = try down.client().send("GET", "/rest/api/3/field")
            Issue.record("no error")
        } catch {
            #expect(error.kind == .server)
            #expect(error.message.contains("answered 500 5 times"))
            #expect(!error.message.contains("\u{1B}"), "Jira's error text reaches the terminal raw")
            #expect(down.pauses == [1, 2, 4, 8])
        }
    }

    @Test(arguments: [
        (401, JiraHTTPError.Kind.unauthorized, "refused the credentials of ops@example.com (401 Unauthorized); check creds"),
        (403, .forbidden, "refused ops@example.com access (403 Forbidden)"),
        (404, .notFound, "not found (404)"),
        (302, .unexpected, "does not follow redirects with credentials"),
    ])
    func refusalsAreNotRetried(status: Int, kind: JiraHTTPError.Kind, message: String) {
        let jira = ScriptedJira([.init(status: status, headers: ["location": "https://elsewhere.example/"])])
        do {
            _ = try jira.client().send("GET", "/rest/api/3/field")
            Issue.record("no error")
        } catch {
            #expect(error.kind == kind)
            #expect(error.message.contains(message), "\(error.message)")
            #expect(!error.message.contains("tok3n"))
            #expect(jira.requests.count == 1)
        }
    }

    @Test func captchaIsNamed() {
        let jira = ScriptedJira([.init(status: 403, headers: ["x-seraph-loginreason": "AUTHENTICATED_FAILED,AUTHENTICATION_DENIED,CAPTCHA_CHALLENGE"])])
        do {
            _ = try jira.client(.server).send("GET", "/rest/api/2/field")
            Issue.record("no error")
        } catch {
            #expect(error.message.contains("CAPTCHA"))
        }
    }

    /// Comments and transitions go where the documentation says, in its shapes.
    @Test func writeRequests() throws {
        let jira = ScriptedJira([
            .init(status: 201, body: "{}"),
            .init(status: 200, body: String(decoding: try Fixtures.data("rest-v2/go-jira-transitions.json"), as: UTF8.self)),
            .init(status: 204),
        ])
        let client = jira.client()
        try client.addComment(to: "ACC-1", JiraComment([.paragraph([.text("hello")])]))
        let transitions = try client.transitions(of: "ACC-1")
        try client.perform(try #require(JiraTransition.leading(to: "Closed", in: transitions)), on: "ACC-1")
        #expect(jira.requests.map { "\($0.httpMethod!) \($0.url!.path)" } == [
            "POST /rest/api/3/issue/ACC-1/comment", "GET /rest/api/3/issue/ACC-1/transitions", "POST /rest/api/3/issue/ACC-1/transitions",
        ])
        let comment = try JSONSerialization.jsonObject(with: try #require(jira.requests[0].httpBody)) as? [String: Any]
        let body = try #require(comment?["body"] as? [String: Any])
        #expect(body["type"] as? String == "doc")
        #expect(body["version"] as? Int == 1)
        let transition = try JSONSerialization.jsonObject(with: try #require(jira.requests[2].httpBody)) as? [String: Any]
        #expect((transition?["transition"] as? [String: Any])?["id"] as? String == "711")
        #expect(jira.requests[0].value(forHTTPHeaderField: "Content-Type") == "application/json")
    }

    @Test func issueKeysCannotAddToThePath() throws {
        let jira = ScriptedJira([.init(status: 201, body: "{}")])
        try jira.client().addComment(to: "../../admin?x=1", JiraComment([.paragraph([.text("x")])]))
        #expect(jira.requests[0].url!.absoluteString
                == "https://acme.atlassian.net/rest/api/3/issue/%2E%2E%2F%2E%2E%2Fadmin%3Fx%3D1/comment")
    }
}
