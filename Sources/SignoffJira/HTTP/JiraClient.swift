import Foundation
import SignoffCore
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A failed exchange with Jira, with what to do about it.
public struct JiraHTTPError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// 401: the credentials are wrong or expired.
        case unauthorized
        /// 403: signed in, but not allowed (or Jira asks for a CAPTCHA).
        case forbidden
        case notFound = "not_found"
        /// 429 that would take too long to wait out, or kept coming.
        case rateLimited = "rate_limited"
        /// 5xx, after the retries.
        case server
        /// No answer: refused, reset, timed out, after the retries.
        case network
        /// Any other answer, or one that is not what Jira sends.
        case unexpected
    }
    public var kind: Kind
    public var status: Int?
    public var message: String
    public var description: String { message }
}

/// Jira's REST API for what signoff does with it: search by JQL page by page,
/// read the site's fields, and (write-back) comment and move tickets.
///
/// Rate limits and outages are Jira's normal weather: a 429 is waited out as
/// its `Retry-After` says, a 5xx or a dropped connection is retried with
/// growing pauses; 401 and 403 are never retried, and say what to check.
public struct JiraClient: Sendable {
    public let base: URL
    public let deployment: JiraMapping.Deployment
    public let credentials: JiraCredentials
    let transport: HTTPTransport
    /// How the client waits between attempts (tests pass a recorder).
    let sleep: @Sendable (TimeInterval) -> Void
    /// Attempts per request, the first included.
    public var attempts = 5
    /// The longest `Retry-After` waited out; a longer one fails at once with the time to come back.
    public var longestWait: TimeInterval = 120
    /// Issues asked for per search page.
    public var pageSize = 100

    public init(base: URL, deployment: JiraMapping.Deployment, credentials: JiraCredentials,
                transport: HTTPTransport = CurlTransport(),
                sleep: @escaping @Sendable (TimeInterval) -> Void = { Thread.sleep(forTimeInterval: $0) }) {
        self.base = base
        self.deployment = deployment
        self.credentials = credentials
        self.transport = transport
        self.sleep = sleep
    }

    var apiPath: String { "/rest/api/\(deployment.apiVersion)" }

    /// Whether credentials may go to `base`: over https, or over http only to
    /// this host (loopback: 127.0.0.0/8, ::1, localhost), never in cleartext
    /// across a network.
    public static func mayCarryCredentials(_ base: URL) -> Bool {
        switch base.scheme?.lowercased() {
        case "https": return true
        case "http":
            guard let host = base.host?.lowercased() else { return false }
            if ["localhost", "::1", "[::1]"].contains(host) { return true }
            let parts = host.split(separator: ".", omittingEmptySubsequences: false)
            return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { part in UInt8(part) != nil }
        default: return false
        }
    }

    // MARK: Requests

    /// One request with the retry policy; returns the body of a 2xx answer.
    public func send(_ method: String, _ path: String, query: [URLQueryItem] = [], json: Data? = nil) throws(JiraHTTPError) -> Data {
        guard var components = URLComponents(url: base, resolvingAgainstBaseURL: false) else {
            throw JiraHTTPError(kind: .unexpected, status: nil, message: "\(base) is not an address")
        }
        // `path` is ASCII with its segments already escaped (`pathSegment`).
        components.percentEncodedPath = components.percentEncodedPath.trimmingSuffix("/") + path
        if !query.isEmpty {
            components.queryItems = query
            // URLComponents leaves "+" as it is; Jira's servlets read it as a space (JQL has "+0100").
            components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        }
        guard let url = components.url else {
            throw JiraHTTPError(kind: .unexpected, status: nil, message: "cannot form an address from \(base) and \(path)")
        }
        // The command refuses such a site first, naming where it was given; this
        // is the last guard: credentials never leave in cleartext.
        guard Self.mayCarryCredentials(url) else {
            throw JiraHTTPError(kind: .unexpected, status: nil,
                                message: "\(base) is plain http to another host: the credentials would cross the network in cleartext; use https")
        }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.setValue(credentials.authorization, forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        request.setValue("signoff", forHTTPHeaderField: "User-Agent")
        // Server and Data Center refuse writes without it (XSRF protection).
        request.setValue("no-check", forHTTPHeaderField: "X-Atlassian-Token")
        if let json {
            request.httpBody = json
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let what = "\(method) \(path)"
        var pause: TimeInterval = 1
        var attempt = 0
        while true {
            attempt += 1
            let response: HTTPResponse
            do {
                response = try transport.send(request)
            } catch let failure as TransportFailure where failure.kind != .transient {
                // The same on every attempt: said at once, with what to do.
                switch failure.kind {
                case .certificate:
                    throw JiraHTTPError(kind: .network, status: nil,
                                        message: "\(what): the certificate of \(base.host ?? "the site") is not trusted here (\(failure.message)); if this is the right site, add the certificate authority that issued it to this host's trusted certificates (on Debian and Ubuntu: a .crt file in /usr/local/share/ca-certificates, then update-ca-certificates), then run again")
                case .refused, .transient:
                    throw JiraHTTPError(kind: .unexpected, status: nil, message: "\(what): \(failure.message)")
                }
            } catch {
                guard attempt < attempts else {
                    throw JiraHTTPError(kind: .network, status: nil,
                                        message: "\(what): no answer from \(base.host ?? "Jira") after \(attempts) attempts (\(error.localizedDescription)); check the address and the network, then run again")
                }
                sleep(pause)
                pause = min(pause * 2, 30)
                continue
            }
            // A rate limit: 429, or a 503 that says when to come back.
            if response.status == 429 || response.status == 503 && response.headers["retry-after"] != nil {
                let wait = Self.retryAfter(response.headers["retry-after"]) ?? pause
                guard wait <= longestWait else {
                    throw JiraHTTPError(kind: .rateLimited, status: response.status,
                                        message: "\(what): Jira asks to wait \(Int(wait.rounded(.up))) s before the next request (\(response.status)); run again after that")
                }
                guard attempt < attempts else {
                    throw JiraHTTPError(kind: .rateLimited, status: response.status,
                                        message: "\(what): Jira is still limiting the rate of requests after \(attempts) attempts (\(response.status)); run again later")
                }
                sleep(max(wait, 0))
                pause = min(pause * 2, 30)
                continue
            }
            switch response.status {
            case 200..<300:
                return response.body
            case 401:
                throw JiraHTTPError(kind: .unauthorized, status: 401,
                                    message: "\(what): Jira refused the credentials of \(credentials.who) (401 Unauthorized); check \(credentials.file)\(deployment == .cloud ? ": the email of the Atlassian account and an API token (not its password)" : ": the personal access token may have expired")")
            case 403:
                let captcha = response.headers["x-seraph-loginreason"]?.contains("CAPTCHA") == true
                throw JiraHTTPError(kind: .forbidden, status: 403,
                                    message: captcha
                                        ? "\(what): Jira wants a CAPTCHA for \(credentials.who) after failed sign-ins (403); sign in once in a browser, then run again"
                                        : "\(what): Jira refused \(credentials.who) access (403 Forbidden)\(Self.errorDetail(response.body)); the account needs permission to browse the project\(method == "GET" ? "" : ", add comments and transition issues")")
            case 404:
                throw JiraHTTPError(kind: .notFound, status: 404,
                                    message: "\(what): not found (404)\(Self.errorDetail(response.body)); check the address (\(base)) and that the account can see it")
            case 500..<600:
                guard attempt < attempts else {
                    throw JiraHTTPError(kind: .server, status: response.status,
                                        message: "\(what): Jira answered \(response.status) \(attempts) times\(Self.errorDetail(response.body)); it may be down or overloaded, run again later")
                }
                sleep(pause)
                pause = min(pause * 2, 30)
            case 300..<400:
                let location = response.headers["location"].map { " to \(DisplaySafe.text(String($0.prefix(200))))" } ?? ""
                throw JiraHTTPError(kind: .unexpected, status: response.status,
                                    message: "\(what): Jira redirected\(location) (\(response.status)); signoff does not follow redirects with credentials, so give the final address as the site's url")
            default:
                throw JiraHTTPError(kind: .unexpected, status: response.status,
                                    message: "\(what): Jira answered \(response.status)\(Self.errorDetail(response.body))")
            }
        }
    }

    /// `Retry-After` as seconds or as an HTTP date.
    static func retryAfter(_ value: String?) -> TimeInterval? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value) { return max(0, seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: value).map { max(0, $0.timeIntervalSinceNow) }
    }

    /// Jira's error body (`errorMessages`, `errors`), short and display-safe.
    static func errorDetail(_ body: Data) -> String {
        guard !body.isEmpty, let document = try? JSONDocument(body), let root = document.values.first else { return "" }
        var messages = (root["errorMessages"]?.elements ?? []).compactMap(\.stringValue)
        for (field, message) in root["errors"]?.members ?? [] {
            if let text = message.stringValue { messages.append("\(field): \(text)") }
        }
        guard !messages.isEmpty else { return "" }
        let joined = messages.joined(separator: "; ")
        return ": " + DisplaySafe.text(joined.count > 300 ? String(joined.prefix(297)) + "…" : joined)
    }

    func document(_ data: Data, _ what: String) throws(JiraHTTPError) -> JSONDocument {
        do { return try JSONDocument(data) } catch {
            throw JiraHTTPError(kind: .unexpected, status: nil, message: "\(what): Jira's answer is not JSON (\(error))")
        }
    }

    // MARK: What signoff asks

    /// Every page of a JQL search, in order: the current Cloud endpoint
    /// (`/rest/api/3/search/jql`, `nextPageToken`) or Server's (`/rest/api/2/search`, `startAt`).
    public func search(jql: String, fields: [String], page: (JSONDocument) throws -> Void) throws {
        let fieldList = fields.isEmpty ? "*all" : fields.joined(separator: ",")
        var token: String?
        var startAt = 0
        var seenTokens: Set<String> = []
        while true {
            var query = [URLQueryItem(name: "jql", value: jql), URLQueryItem(name: "fields", value: fieldList),
                         URLQueryItem(name: "maxResults", value: String(pageSize)), URLQueryItem(name: "expand", value: "names")]
            let path: String
            switch deployment {
            case .cloud:
                path = apiPath + "/search/jql"
                if let token { query.append(URLQueryItem(name: "nextPageToken", value: token)) }
            case .server:
                path = apiPath + "/search"
                query.append(URLQueryItem(name: "startAt", value: String(startAt)))
            }
            let document = try self.document(try send("GET", path, query: query), "GET \(path)")
            guard let root = document.values.first, case let .issues(issues, _, info?) = try JiraPayload.read(root) else {
                throw JiraHTTPError(kind: .unexpected, status: nil, message: "GET \(path): Jira's answer is not a page of search results")
            }
            try page(document)
            if info.isLast || issues.isEmpty { return }
            switch deployment {
            case .cloud:
                guard let next = info.nextPageToken, seenTokens.insert(next).inserted else {
                    throw JiraHTTPError(kind: .unexpected, status: nil, message: "GET \(path): Jira gave the same page token twice; the search was stopped rather than read for ever")
                }
                token = next
            case .server:
                startAt = (info.startAt ?? startAt) + issues.count
            }
        }
    }

    /// The site's fields (`GET /rest/api/N/field`): names for the mapping's field names.
    public func fieldCatalog() throws(JiraHTTPError) -> FieldCatalog {
        let path = apiPath + "/field"
        let document = try self.document(try send("GET", path), "GET \(path)")
        var catalog = FieldCatalog()
        for value in document.values { catalog.read(value) }
        return catalog
    }

    /// The transitions the ticket offers now, with the status each leads to.
    public func transitions(of issue: String) throws(JiraHTTPError) -> [JiraTransition] {
        let path = apiPath + "/issue/\(Self.pathSegment(issue))/transitions"
        let document = try self.document(try send("GET", path), "GET \(path)")
        return (document.values.first?["transitions"]?.elements ?? []).compactMap(JiraTransition.init)
    }

    /// The issue's status now, by name.
    public func status(of issue: String) throws(JiraHTTPError) -> String? {
        let path = apiPath + "/issue/\(Self.pathSegment(issue))"
        let document = try self.document(try send("GET", path, query: [URLQueryItem(name: "fields", value: "status")]), "GET \(path)")
        return document.values.first?["fields"]?["status"]?["name"]?.stringValue
    }

    /// Adds a comment (ADF on Cloud, wiki text on Server).
    public func addComment(to issue: String, _ comment: JiraComment) throws(JiraHTTPError) {
        let path = apiPath + "/issue/\(Self.pathSegment(issue))/comment"
        _ = try send("POST", path, json: comment.requestBody(for: deployment))
    }

    /// Moves the ticket along a transition the ticket offered.
    public func perform(_ transition: JiraTransition, on issue: String) throws(JiraHTTPError) {
        let path = apiPath + "/issue/\(Self.pathSegment(issue))/transitions"
        let body = try! JSONSerialization.data(withJSONObject: ["transition": ["id": transition.id]])
        _ = try send("POST", path, json: body)
    }

    /// An issue key as one path segment: nothing in it may add a path or a query.
    public static func pathSegment(_ key: String) -> String {
        key.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_"))) ?? key
    }
}

/// One transition a ticket offers: its id, its name, and the status it leads to.
public struct JiraTransition: Sendable, Hashable {
    public var id: String
    public var name: String
    public var targetStatus: String

    public init(id: String, name: String, targetStatus: String) {
        self.id = id
        self.name = name
        self.targetStatus = targetStatus
    }

    public init?(_ value: JSONValue) {
        guard let id = value["id"]?.stringValue, let target = value["to"]?["name"]?.stringValue else { return nil }
        self.init(id: id, name: value["name"]?.stringValue ?? "", targetStatus: target)
    }

    /// The transition leading to `status` (by the status's name, never the
    /// transition's: "Close Issue" may well lead to "In Progress").
    public static func leading(to status: String, in transitions: [JiraTransition]) -> JiraTransition? {
        transitions.first { $0.targetStatus == status }
            ?? transitions.first { $0.targetStatus.lowercased() == status.lowercased() }
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        var text = self
        while text.hasSuffix(suffix) { text.removeLast(suffix.count) }
        return text
    }
}
