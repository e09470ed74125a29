import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SignoffCore
import SignoffJira
import SignoffStore

/// Delivers what the notification outbox holds, after the commit and outside
/// any store transaction: claims due messages under a lease, sends them
/// (several at once), and records each outcome. A failed attempt is retried
/// with backoff and given up after the policy's number of attempts; a dead
/// endpoint costs its own timeout and nothing else.
public struct NotificationDelivery: Sendable {
    /// Every outbox write (claims, outcomes) goes through the command layer.
    public let commands: Commands
    public var store: Store { commands.store }
    /// The sendmail-compatible program mail goes through (`-t -oi` is added).
    /// Set by the delivering account, never by the store.
    public var sendmail: String
    /// The commands this account trusts (the hand-off's trust file).
    public var trust: CommandTrust { commands.trust }
    public var httpTimeout: TimeInterval
    public var commandTimeout: Int
    /// Deliveries at once.
    public var concurrency: Int
    /// Messages claimed per lease.
    public var batchSize: Int
    /// This deliverer's name in leases: host, process and a random part.
    public let owner: String

    public init(commands: Commands, sendmail: String = "/usr/sbin/sendmail", httpTimeout: TimeInterval = 10,
                commandTimeout: Int = 30, concurrency: Int = 8, batchSize: Int = 64) {
        self.commands = commands
        self.sendmail = sendmail
        self.httpTimeout = httpTimeout
        self.commandTimeout = commandTimeout
        self.concurrency = max(1, concurrency)
        self.batchSize = max(1, batchSize)
        owner = "\(ProcessInfo.processInfo.hostName):\(getpid()):\(UInt32.random(in: 0...UInt32.max))"
    }

    /// What one run did.
    public struct Report: Sendable {
        public var delivered = 0
        /// Failed attempts that will be retried.
        public var retrying = 0
        /// Given up (attempts used up, or an answer no retry changes).
        public var gaveUp = 0
        /// Not for this account to deliver (an untrusted command).
        public var leftPending = 0
        /// One per message (or digest) that did not go out.
        public var problems: [Problem] = []
        public init() {}

        /// A delivery that did not happen: where to, what becomes of it, and why.
        public struct Problem: Sendable, Hashable {
            public enum Outcome: String, Sendable {
                case willRetry = "will_retry", gaveUp = "gave_up", leftPending = "left_pending"

                var words: String {
                    switch self {
                    case .willRetry: "will retry"
                    case .gaveUp: "gave up"
                    case .leftPending: "left pending"
                    }
                }
            }
            /// Where it was going, without secrets (`slack team-slack`).
            public var destination: String
            public var outcome: Outcome
            /// What the channel answered or why it was not tried.
            public var reason: String
            /// The dedupe keys of the notices it carried (several for a digest).
            public var notices: [String]

            /// The problem in one line, for people.
            public var line: String { "\(destination): \(outcome.words): \(reason)" }
        }

        mutating func add(_ group: [OutboxItem], _ outcome: OutboxOutcome, retry: OutboxRetry) {
            func problem(_ kind: Problem.Outcome, _ reason: String) {
                problems.append(Problem(destination: group[0].message.destination, outcome: kind, reason: reason,
                                        notices: group.map(\.message.dedupeKey)))
            }
            switch outcome {
            case .delivered:
                delivered += group.count
            case let .failed(reason, permanent):
                let final = permanent || group.contains { $0.attempts >= retry.maxAttempts }
                if final { gaveUp += group.count } else { retrying += group.count }
                problem(final ? .gaveUp : .willRetry, reason)
            case let .leftPending(reason):
                leftPending += group.count
                problem(.leftPending, reason)
            }
        }
    }

    /// The retry rules: the policy's attempts, 30 s doubling to 1 h.
    public static func retry(for policy: Policy?) -> OutboxRetry {
        OutboxRetry(maxAttempts: policy?.notifications?.attempts ?? NotificationPolicy.defaultAttempts, firstDelay: 30,
                    maxDelay: 3600)
    }

    /// The lease: long enough for every message of a batch to reach its
    /// timeout one after another on each worker, with a margin, so a slow
    /// batch is never claimed by a second deliverer while this one still works on it.
    var lease: TimeInterval {
        let slowest = max(httpTimeout, TimeInterval(max(commandTimeout, 60)))
        return (TimeInterval(batchSize) / TimeInterval(concurrency)).rounded(.up) * slowest + 60
    }

    /// Delivers everything due by the command layer's clock, batch after batch, until nothing is due.
    /// Outcomes are recorded as they come (a few at a time, in one short
    /// transaction every few milliseconds), not when the whole batch is done:
    /// a deliverer killed while one endpoint hangs has already recorded what
    /// the others answered, so only the message in flight is sent again.
    public func run(retry: OutboxRetry) throws -> Report {
        var report = Report()
        let policy = try store.currentPolicy()?.parsed()
        let from = policy?.notifications?.from ?? "signoff"
        let destinations = Self.destinations(of: policy)
        // One client per worker: a shared one may hold requests to a host back
        // while one to that host hangs, and a dead webhook must cost only the
        // worker waiting on it. Each worker keeps its connection alive.
        let clients = (0..<concurrency).map { _ in WebhookClient(timeout: httpTimeout) }
        defer { clients.forEach { $0.finish() } }
        while true {
            let claimed = try commands.run(Commands.ClaimOutbox(.notification, owner: owner, limit: batchSize, lease: lease, retry: retry)).output
            if claimed.isEmpty { break }
            let groups = Self.group(claimed)
            let finished = FinishedDeliveries()
            let workers = min(concurrency, groups.count)
            // Threads of their own, not concurrentPerform: that runs only as
            // many at once as there are cores, and two hanging webhooks would
            // then hold every delivery behind them.
            for worker in 0..<workers {
                let thread = Thread { [self] in
                    var index = worker
                    while index < groups.count {
                        finished.add(groups[index], deliver(groups[index], client: clients[worker], from: from, destinations: destinations))
                        index += workers
                    }
                }
                thread.stackSize = 1 << 20
                thread.start()
            }
            var recorded = 0
            while recorded < groups.count {
                let done = finished.take(waiting: 0.005)
                guard !done.isEmpty else { continue }
                recorded += done.count
                var completed: [(id: Int64, outcome: OutboxOutcome)] = []
                for (group, outcome) in done {
                    for item in group { completed.append((item.id, outcome)) }
                    report.add(group, outcome, retry: retry)
                }
                try commands.run(Commands.RecordDeliveries(.notification, completed, owner: owner, retry: retry))
            }
        }
        return report
    }

    /// Claimed messages grouped for sending: a digest's messages together, every other one alone.
    static func group(_ items: [OutboxItem]) -> [[OutboxItem]] {
        var groups: [[OutboxItem]] = []
        var batchIndex: [String: Int] = [:]
        for item in items {
            if let batch = item.message.batchKey {
                if let index = batchIndex[batch] { groups[index].append(item); continue }
                batchIndex[batch] = groups.count
            }
            groups.append([item])
        }
        return groups
    }

    /// Every destination the policy in force names (its channels, and each
    /// person's own mail and webhook), each mapped to itself as the policy
    /// spells it. The outbox is not chained: whoever can write the store can
    /// add a row, so a row says which destination it is for, and only the
    /// policy says where that is and which secret file it reads.
    static func destinations(of policy: Policy?) -> [NotificationChannel: NotificationChannel] {
        guard let policy else { return [:] }
        var destinations: [NotificationChannel: NotificationChannel] = [:]
        for channel in (policy.notifications?.channels.values).map(Array.init) ?? [] { destinations[channel] = channel }
        for person in policy.people {
            for channel in policy.channels(of: person) { destinations[channel] = channel }
        }
        return destinations
    }

    /// Sends one message (or one digest) and says how it went.
    /// `destinations`: where the policy in force lets messages go (`destinations(of:)`).
    func deliver(_ group: [OutboxItem], client: WebhookClient, from: String,
                 destinations: [NotificationChannel: NotificationChannel]) -> OutboxOutcome {
        // A generic webhook gets the documents as stored: decoding them only
        // to encode them again would be most of the work of sending them.
        if let stored = try? group.map({ try StoredNotification($0.message.payload) }),
           let destination = destinations[stored[0].destination], destination.kind == .webhook {
            return post(NotificationRendering.generic(encoded: stored.map(\.document)), to: destination, key: stored[0].id,
                        client: client)
        }
        let envelopes: [NotificationEnvelope]
        do {
            envelopes = try group.map { try NotificationEnvelope.decode($0.message.payload) }
        } catch {
            return .failed("the stored message cannot be read: \(error)", permanent: true)
        }
        guard let destination = destinations[envelopes[0].destination] else {
            return .failed("\(DisplaySafe.text(envelopes[0].destination.destination)) is not a destination the policy in force names "
                           + "(the policy changed since the message was queued, or the outbox was written outside signoff): not sent",
                           permanent: true)
        }
        let documents = envelopes.map(\.document)
        switch destination.kind {
        case .email:
            let message = NotificationRendering.email(documents, to: destination.target, from: from,
                                                      messageID: Self.messageID(group[0].message.dedupeKey),
                                                      date: Date())
            let result = HandOffCommand.run(Self.shellQuoted(sendmail) + " -t -oi", input: Data(message.utf8),
                                            timeout: max(commandTimeout, 60), environment: [:], role: "sendmail")
            return result.succeeded ? .delivered : .failed(result.problem, permanent: false)
        case .webhook:
            return post(NotificationRendering.generic(documents), to: destination, key: documents[0].id, client: client)
        case .slack:
            return post(NotificationRendering.slack(documents), to: destination, key: documents[0].id, client: client)
        case .pagerduty:
            if let refusal = untrusted(destination) {
                return .leftPending("channel \(destination.name) sends the routing key in \(destination.secretFile ?? "") to "
                                    + "\(destination.target), not to PagerDuty: \(refusal); if it is right, trust it with "
                                    + "`signoff notify trust \(destination.name)`")
            }
            let key: String
            if let inline = destination.routingKey {
                key = inline
            } else {
                switch readSecret(destination) {
                case let .success(value): key = value
                case let .failure(problem): return .failed(problem.description, permanent: false)
                }
            }
            // Each page is its own event: a digest never reaches PagerDuty, but be safe.
            var last: OutboxOutcome = .delivered
            for document in documents {
                last = post(NotificationRendering.pagerDuty(document, routingKey: key), to: destination, key: document.id,
                            client: client)
                if last != .delivered { return last }
            }
            return last
        case .command:
            if let refusal = untrusted(destination) {
                return .leftPending("the notification command \(destination.name) does not run in this account: \(refusal); "
                                    + "if it is right, trust it with `signoff notify trust \(destination.name)`")
            }
            let result = HandOffCommand.run(destination.target, input: NotificationRendering.generic(documents),
                                            timeout: commandTimeout,
                                            environment: ["SIGNOFF_NOTIFICATION_ID": documents[0].id,
                                                          "SIGNOFF_NOTIFICATION_KIND": documents[0].kind.rawValue,
                                                          "SIGNOFF_REQUEST_ID": documents[0].request.id],
                                            role: "notification command")
            return result.succeeded ? .delivered : .failed(result.problem, permanent: false)
        }
    }

    /// POSTs `body`; 2xx is delivered, 408/429/5xx and network trouble are
    /// retried, any other answer is final.
    func post(_ body: Data, to destination: NotificationChannel, key: String, client: WebhookClient) -> OutboxOutcome {
        let address: String
        if destination.kind != .pagerduty, destination.target.isEmpty {
            switch readSecret(destination) {
            case let .success(value): address = value
            case let .failure(problem): return .failed(problem.description, permanent: false)
            }
        } else {
            address = destination.target
        }
        guard let url = URL(string: address), ["http", "https"].contains(url.scheme?.lowercased() ?? "") else {
            return .failed("\(destination.destination): not an http or https URL", permanent: true)
        }
        let headers = [("Content-Type", "application/json"), ("Idempotency-Key", String(key.prefix(255))), ("User-Agent", "signoff")]
        switch client.post(url, headers: headers, body: body) {
        case let .success((status, answer)):
            if (200..<300).contains(status) { return .delivered }
            let said = String(decoding: answer.prefix(200), as: UTF8.self)
            let text = "HTTP \(status)" + (said.isEmpty ? "" : ": \(DisplaySafe.text(said))")
            return .failed(text, permanent: !(status == 408 || status == 429 || status >= 500))
        case let .failure(problem):
            return .failed(problem.description, permanent: false)
        }
    }

    /// Why this account must not use `destination` yet (`NotificationChannel.trustedUse`); nil when it may.
    func untrusted(_ destination: NotificationChannel) -> String? {
        guard let use = destination.trustedUse else { return nil }
        if destination.kind == .command, let problem = CommandTrust.commandProblem(destination.target) {
            return "the command is not run: \(problem)"
        }
        return trust.refusal(of: use.text, store: store.trustedAs, purpose: use.purpose, what: use.what)
    }

    /// The secret a channel keeps in a file: read only if this account owns
    /// the file and nobody else can read or write it.
    func readSecret(_ destination: NotificationChannel) -> Result<String, DeliveryProblem> {
        guard let path = destination.secretFile else { return .failure(DeliveryProblem("\(destination.name) names no secret")) }
        var info = stat()
        guard lstat(path, &info) == 0 else {
            return .failure(DeliveryProblem("cannot read \(path) for channel \(destination.name): \(String(cString: strerror(errno)))"))
        }
        if info.st_uid != getuid() { return .failure(DeliveryProblem("\(path) belongs to another account; the delivering account must own it")) }
        if info.st_mode & 0o077 != 0 { return .failure(DeliveryProblem("\(path) is readable or writable by others; chmod 600 it")) }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            return .failure(DeliveryProblem("cannot read \(path) for channel \(destination.name)"))
        }
        return .success(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

/// One delivery worker's way out: a kept-alive connection of its own for
/// `http://` targets (`HTTPConnection`), and libcurl (`CurlTransport`), one
/// request at a time in the worker's thread, for `https://` ones. Used by one
/// worker at a time.
final class WebhookClient: @unchecked Sendable {
    let timeout: TimeInterval
    let connection: HTTPConnection
    private let secure: CurlTransport

    init(timeout: TimeInterval) {
        self.timeout = timeout
        connection = HTTPConnection(timeout: timeout)
        secure = CurlTransport(timeout: timeout, whole: timeout, keptBody: HTTPConnection.keptBody, dropsBeyondKept: true)
    }

    /// POSTs `body` to `url` (http or https); the answer's status and the start of its body.
    func post(_ url: URL, headers: [(String, String)], body: Data) -> Result<(Int, Data), DeliveryProblem> {
        if let target = HTTPConnection.Target(url) {
            return connection.post(target, headers: headers, body: body).map { ($0.status, $0.body) }
        }
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.httpBody = body
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        do {
            let answer = try secure.send(request)
            return .success((answer.status, answer.body))
        } catch {
            return .failure(DeliveryProblem(error.localizedDescription))
        }
    }

    /// Closes the kept-alive connection.
    func finish() {
        connection.disconnect()
    }
}

extension NotificationDelivery {
    /// The same on every attempt at one message, so a mail system can drop a repeat.
    static func messageID(_ dedupeKey: String) -> String {
        "\(GrantDocument.digest(Data(dedupeKey.utf8)).prefix(32))@signoff"
    }

    static func shellQuoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}

public struct DeliveryProblem: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// Deliveries finished by the workers, taken by the recording loop.
private final class FinishedDeliveries: @unchecked Sendable {
    private let condition = NSCondition()
    private var done: [([OutboxItem], OutboxOutcome)] = []

    func add(_ group: [OutboxItem], _ outcome: OutboxOutcome) {
        condition.lock()
        done.append((group, outcome))
        condition.signal()
        condition.unlock()
    }

    /// What finished so far, after waiting up to `seconds` for the first one.
    func take(waiting seconds: TimeInterval) -> [([OutboxItem], OutboxOutcome)] {
        condition.lock()
        defer { condition.unlock() }
        if done.isEmpty { _ = condition.wait(until: Date().addingTimeInterval(seconds)) }
        // Let a few more arrive: one transaction records them together.
        let taken = done
        done.removeAll(keepingCapacity: true)
        return taken
    }
}

extension NotificationChannel {
    /// What the delivering account must have trusted for this store (`signoff
    /// notify trust`) before it uses this channel, since anyone who may apply
    /// a policy names it: a command it would run with its rights, or a file of
    /// its own whose contents (a routing key) it would send to a URL other
    /// than PagerDuty's own endpoints, where any file readable by it alone (a private key)
    /// would go to whoever the policy names. Nil when the channel needs none.
    public var trustedUse: (text: String, purpose: String, what: String)? {
        switch kind {
        case .command:
            return (target, "notify", "command")
        case .pagerduty:
            guard let secretFile, !Self.pagerDutyEndpoints.contains(target) else { return nil }
            return ("\(secretFile) to \(target)", "notify-secret", "destination for that file")
        case .email, .webhook, .slack:
            return nil
        }
    }
}
