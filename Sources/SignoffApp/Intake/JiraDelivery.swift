import Foundation
import SignoffCore
import SignoffJira
import SignoffStore

/// Delivers the outbox's `jira` messages of one site: comments as they were
/// written at enqueue time, and moves to a status through whichever
/// transition the ticket offers to it (looked up each time: transition ids
/// and names are the workflow's, and rarely match the status). Run by the
/// account holding the site's credentials (`signoff import jira`).
///
/// Every attempt is recorded in the outbox row (attempts, the last error,
/// when delivered); failures are retried with backoff and given up after the
/// retry's attempts. A failed delivery changes nothing that was decided.
public struct JiraDelivery {
    /// One outbox message's payload: what to do on which issue.
    public struct Payload: Codable, Sendable, Hashable {
        public enum Kind: String, Codable, Sendable { case comment, transition }
        public var schema = "signoff.jira-write-back/1"
        public var kind: Kind
        /// The issue id (stable when the issue moves), or `key:ACC-12` when Jira gave none.
        public var issue: String
        public var key: String
        public var site: String
        /// REST API version: 3 (Cloud, ADF) or 2 (Server and Data Center, wiki text).
        public var api: Int
        /// For a transition: the status to move the ticket to.
        public var status: String?
        /// For a comment: the exact JSON body of `POST .../comment`.
        public var body: String?

        public init(kind: Kind, issue: String, key: String, site: String, api: Int, status: String?, body: String?) {
            self.kind = kind
            self.issue = issue
            self.key = key
            self.site = site
            self.api = api
            self.status = status
            self.body = body
        }

        /// The bytes `JSONEncoder` writes for the payload with sorted keys and
        /// unescaped slashes (absent optionals left out), which the delivery
        /// decodes with `JSONDecoder`; written by hand, because `JSONEncoder`
        /// cost more than the rest of a ticket's import.
        func encoded() -> [UInt8] {
            var json = CanonicalJSON.Writer(capacity: 256 + (body?.utf8.count ?? 0) * 5 / 4)
            json.beginObject()
            json.key("api"); json.int(api)
            if let body { json.key("body"); json.string(body) }
            json.key("issue"); json.string(issue)
            json.key("key"); json.string(key)
            json.key("kind"); json.string(kind.rawValue)
            json.key("schema"); json.string(schema)
            json.key("site"); json.string(site)
            if let status { json.key("status"); json.string(status) }
            json.endObject()
            return json.bytes
        }

        /// The issue as one path segment of the REST API.
        var pathIssue: String { issue.hasPrefix("key:") ? String(issue.dropFirst(4)) : issue }

        func message(moment: JiraMapping.Moment, sequence: Int64, requestID: String?) -> OutboxMessage {
            let text = String(decoding: encoded(), as: UTF8.self)
            let what = kind == .comment ? "comment (\(moment.rawValue))" : "transition to \(status ?? "?") (\(moment.rawValue))"
            return OutboxMessage(channel: .jira, dedupeKey: "\(sequence):\(kind.rawValue)", requestID: requestID, recipient: key,
                                 destination: "jira \(site) \(key) \(what)", payload: text)
        }
    }

    /// What one run did.
    public struct Report: Sendable, Hashable {
        public var delivered = 0
        public var retrying = 0
        public var failed = 0
        /// Left for another site's deliverer.
        public var elsewhere = 0
        /// The last error of each message that did not go out, for the user.
        public var problems: [String] = []
    }

    public let commands: Commands
    public let client: JiraClient
    /// The site this deliverer may write to (the client's host).
    public let site: String
    public var retry = OutboxRetry(maxAttempts: 8, firstDelay: 30, maxDelay: 3600)
    let owner = "jira:\(ProcessInfo.processInfo.hostName):\(getpid())"

    public init(commands: Commands, client: JiraClient, site: String) {
        self.commands = commands
        self.client = client
        self.site = site
    }

    /// Delivers everything due by the command layer's clock, batch after batch.
    public func run() throws -> Report {
        var report = Report()
        var seen: Set<Int64> = []
        while true {
            let items = try commands.run(Commands.ClaimOutbox(.jira, owner: owner, limit: 50, lease: 300, retry: retry)).output
                .filter { seen.insert($0.id).inserted }
            if items.isEmpty { return report }
            var outcomes: [(id: Int64, outcome: OutboxOutcome)] = []
            for item in items {
                let outcome = deliver(item)
                switch outcome {
                case .delivered: report.delivered += 1
                case let .failed(reason, permanent):
                    if permanent || item.attempts >= retry.maxAttempts { report.failed += 1 } else { report.retrying += 1 }
                    report.problems.append("\(item.message.destination): \(reason)")
                case .leftPending: report.elsewhere += 1
                }
                outcomes.append((item.id, outcome))
            }
            try commands.run(Commands.RecordDeliveries(.jira, outcomes, owner: owner, retry: retry))
        }
    }

    /// One message: its outcome, never an error.
    func deliver(_ item: OutboxItem) -> OutboxOutcome {
        guard let payload = try? JSONDecoder().decode(Payload.self, from: Data(item.message.payload.utf8)) else {
            return .failed("the message is not a Jira write-back this signoff reads", permanent: true)
        }
        guard payload.site == site else {
            return .leftPending("for \(payload.site); this deliverer writes to \(site)")
        }
        let issue = JiraClient.pathSegment(payload.pathIssue)
        do throws(JiraHTTPError) {
            switch payload.kind {
            case .comment:
                _ = try client.send("POST", "/rest/api/\(payload.api)/issue/\(issue)/comment", json: Data((payload.body ?? "{}").utf8))
                return .delivered
            case .transition:
                guard let status = payload.status else { return .failed("a transition without a status", permanent: true) }
                let transitions = try client.transitions(of: payload.pathIssue)
                if let transition = JiraTransition.leading(to: status, in: transitions) {
                    try client.perform(transition, on: payload.pathIssue)
                    return .delivered
                }
                let current = try client.status(of: payload.pathIssue)
                if current?.lowercased() == status.lowercased() { return .delivered } // already there
                let offered = transitions.map { "\($0.name) → \($0.targetStatus)" }.joined(separator: ", ")
                return .failed("no transition leads from \(current ?? "its status") to \(status)"
                               + (offered.isEmpty ? "" : " (offered: \(offered))") + "; change write_back.transitions or the workflow",
                               permanent: true)
            }
        } catch {
            switch error.kind {
            case .notFound, .unexpected: return .failed(error.message, permanent: error.status.map { (400..<500).contains($0) } ?? false)
            case .unauthorized, .forbidden, .rateLimited, .server, .network: return .failed(error.message, permanent: false)
            }
        }
    }
}
