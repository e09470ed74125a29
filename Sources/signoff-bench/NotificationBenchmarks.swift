import Foundation
import LoopbackHTTP
import SignoffApp
import SignoffCore
import SignoffStore

/// Notifications: who hears of 100,000 routed requests, and delivering
/// 10,000 queued notifications to a webhook on loopback. Each figure is
/// printed beside its anchor in the same run: routing the same requests, and
/// the loopback server's raw request rate from a bare keep-alive client.
enum NotificationBenchmarks {
    static func run(quick: Bool) throws -> [Figure] {
        try recipients(quick: quick) + delivery(quick: quick)
    }

    /// The example policy with a notifications section: reminders after 4h.
    static func policy() throws -> Policy {
        let base = try Workload.policy()
        do {
            return try Policy.parse(source: base.source + "\nnotifications:\n  reminders: {after: 4h, every: 4h}\n", file: base.file)
        } catch {
            throw BenchError("\(error)")
        }
    }

    static func recipients(quick: Bool) throws -> [Figure] {
        let policy = try policy()
        guard let planner = NoticePlanner(policy: policy) else { throw BenchError("no notifications section") }
        let count = quick ? 2_000 : 100_000
        let at = Date()
        // Routed requests (those with approval steps) and the routing event each carries.
        var routed: [(RequestRecord, RecordedEvent)] = []
        var index = 0
        let requests = Workload.requests(count * 2, policy: policy)
        while routed.count < count, index < requests.count {
            let request = requests[index]
            index += 1
            let drafts = Lifecycle.submit(try ScannedRequest(scanning: request), id: "REQ-\(index)", by: Principal(name: request.requester!, authentication: .osAccount),
                                          policy: policy, original: nil, at: at)
            var record: RequestRecord?
            for draft in drafts { record = Projection.apply(draft, to: record) }
            guard let record, record.state == .pending, drafts.count == 2 else { continue }
            routed.append((record, RecordedEvent(sequence: Int64(index), draft: drafts[1], hash: "")))
        }
        guard routed.count == count else { throw BenchError("the workload routed only \(routed.count) requests") }
        var people = 0
        let planning = Measure.time {
            for (record, event) in routed { people &+= planner.notices(for: event, record: record, grant: nil, original: nil).count }
        }
        var sink = 0
        let routing = Measure.time {
            for (record, _) in routed {
                if case let .steps(_, steps) = policy.route(record.request, submittedBy: record.submittedBy.name, at: at) { sink &+= steps.count }
            }
        }
        precondition(people > 0 && sink > 0)
        return [
            Figure(name: "recipients of \(count.formatted()) routed requests", value: Measure.format(planning * 1000, "ms"),
                   budget: "≤ 1 s", met: quick ? nil : planning <= 1),
            Figure(name: "  anchor: routing them alone", value: Measure.format(routing * 1000, "ms")
                   + " (\(Double(people) / Double(count)) people each)", budget: "", met: nil),
        ]
    }

    static func delivery(quick: Bool) throws -> [Figure] {
        let count = quick ? 500 : 10_000
        let server = try LoopbackHTTPServer()
        let directory = try Measure.scratchDirectory("notify")
        defer { try? FileManager.default.removeItem(at: directory) }
        let bench = Principal(name: "bench", authentication: .osAccount)
        let store = try Store.create(at: directory.appendingPathComponent("store.sqlite").path, settings: StoreSettings(), creator: bench)
        let at = Date()
        let request = Workload.ownerReadRequests(1)[0]
        var record = RequestRecord(id: "REQ-1", request: request, submittedBy: Principal(name: "alice", authentication: .osAccount),
                                   submittedAt: at)
        record.state = .pending
        let destination = NotificationChannel(name: "webhook", kind: .webhook, target: server.url("/hook"))
        // Delivery goes only where the policy in force says: dave's own webhook.
        let policy = try Policy.parse(source: """
            policy: notify-bench
            directory:
              people:
                dave: {webhook: "\(destination.target)"}
            catalogue:
              payments-db: {owners: [dave], environments: [production], entitlements: [read], max_duration: 8h}
            route:
              - {name: owners, when: {system: payments-db}, steps: [{approvers: owners}]}
            """, file: "policy.yaml")
        try Commands(store: store, actor: bench).run(Commands.ApplyPolicy(policy))
        var body = Data()
        try store.write { tx in
            for index in 0..<count {
                let notice = Notice(kind: .routed, requestID: "REQ-1", recipient: "dave", channel: nil, why: "owner of payments-db",
                                    key: "routed:REQ-1:v1:dave:\(index)", urgent: false, refusal: nil, round: nil)
                let document = NotificationDocument(notice: notice, record: record, grant: nil, production: policy.production, now: at)
                if index == 0 { body = NotificationRendering.generic([document]) }
                try tx.enqueue(OutboxMessage(channel: .notification, dedupeKey: notice.key, requestID: "REQ-1", recipient: "dave",
                                             destination: destination.destination,
                                             payload: NotificationEnvelope(document: document, destination: destination).encoded()),
                               at: at)
            }
        }
        let commands = Commands(store: store, actor: bench, clock: .fixed(at))
        let delivery = NotificationDelivery(commands: commands)
        var report = NotificationDelivery.Report()
        let seconds = try Measure.time { report = try delivery.run(retry: NotificationDelivery.retry(for: nil)) }
        guard report.delivered == count, server.requests.count == count else {
            throw BenchError("delivered \(report.delivered) of \(count); the server saw \(server.requests.count): \(report.problems.prefix(3).map(\.line))")
        }
        let rate = Double(count) / seconds
        server.reset()
        let raw = try RawHTTPClient.rate(port: server.port, path: "/hook", body: body, count: count, connections: delivery.concurrency)
        return [
            Figure(name: "deliver \(count.formatted()) notifications to a webhook", value: Measure.format(rate, "/s"),
                   budget: "≥ 2,000/s", met: quick ? nil : rate >= 2000),
            Figure(name: "  anchor: raw keep-alive POSTs, same server", value: Measure.format(raw, "/s"), budget: "", met: nil),
        ]
    }
}
