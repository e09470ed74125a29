import ArgumentParser
import Foundation
import SignoffApp
import SignoffCore
import SignoffStore

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List requests.",
        discussion: "Example: signoff list --state pending --system payments-db --routed-to-me")

    @OptionGroup var options: StoreOptions

    @Option(help: ArgumentHelp("Only this state: \(RequestState.allCases.map(\.rawValue).joined(separator: ", ")). Repeatable.", valueName: "state"))
    var state: [String] = []
    @Option(help: "Only this system.") var system: String?
    @Option(help: "Only this environment.") var environment: String?
    @Option(help: "Only requests by this requester.") var requester: String?
    @Flag(help: "Only requests I may decide now.") var routedToMe = false
    @Option(help: "At most this many.") var limit: Int?
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        for name in state where RequestState(rawValue: name) == nil {
            throw ValidationError("unknown state \"\(name)\"; valid: \(RequestState.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        let commands = try options.commands(reading: true)
        let store = commands.store
        let me = commands.actor
        var filter = RequestFilter()
        filter.states = state.isEmpty ? nil : Set(state.compactMap(RequestState.init(rawValue:)))
        filter.system = system
        filter.environment = environment
        filter.requester = requester
        if !routedToMe { filter.limit = limit }
        var records = try storeCall { try store.records(filter) }
        var policy: Policy?
        if routedToMe {
            let current = try commands.requirePolicy()
            policy = current
            let now = commands.clock.now()
            records = records.filter { Lifecycle.canDecide($0, person: me.name, policy: current, at: now).0 }
            if let limit { records = Array(records.prefix(limit)) }
        }
        if json {
            let now = commands.clock.now()
            try Terminal.json(records.map { RecordJSON($0, policy: policy, events: nil, now: now) })
            return
        }
        if records.isEmpty {
            Terminal.line("no requests match")
            return
        }
        var table = TextTable([
            .init(title: "ID"), .init(title: "STATE"), .init(title: "SUBJECT", maximum: 40),
            .init(title: "SYSTEM/ENV", maximum: 32), .init(title: "ENTITLEMENT", maximum: 28), .init(title: "ACCESS"),
            .init(title: "FOR"), .init(title: "REQUESTER", maximum: 20), .init(title: "FLAGS"),
        ])
        for record in records {
            let r = record.request
            table.add([
                record.id, record.state.rawValue, r.subject.kind.rawValue + ":" + Terminal.safe(r.subject.name),
                Terminal.safe(r.system) + "/" + Terminal.safe(r.environment), Terminal.safe(r.entitlement), r.access.rawValue,
                r.duration.description, Terminal.safe(record.requester), r.breakGlass ? "BREAK-GLASS" : "",
            ])
        }
        for line in table.lines() { Terminal.line(line) }
    }
}

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show every field of a request, its route, reviews and timeline.")

    @OptionGroup var options: StoreOptions
    @Argument(help: "The request ID.", completion: RequestIDCompletion.kind) var id: String
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let commands = try options.commands(reading: true)
        let store = commands.store
        let me = commands.actor
        let now = commands.clock.now()
        let (record, events, stored, grant) = try storeCall { () throws -> (RequestRecord?, [RecordedEvent], StoredPolicy?, Grant?) in
            (try store.record(id), try store.events(requestID: id), try store.currentPolicy(), try store.grant(id))
        }
        guard let record else { throw CommandError.noSuchRequest(id) }
        let notifications = try storeCall { try store.outboxItems(.notification, requestID: id).map(NotificationJSON.init) }
        let policy = stored.flatMap { try? Policy.parse(source: $0.source, file: $0.file) }
        if json {
            var output = RecordJSON(record, policy: policy, events: events, grant: grant, now: now)
            output.notifications = notifications
            try Terminal.json(output)
            return
        }
        RecordText.print(record, policy: policy, events: events, grant: grant, me: me.name, notifications: notifications, now: now)
    }
}
