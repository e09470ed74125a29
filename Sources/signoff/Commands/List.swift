import ArgumentParser
import Foundation
import SignoffApp
import SignoffCore
import SignoffStore

struct List: ParsableCommand, JSONReporting {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List requests, oldest first, as they are read.",
        discussion: """
        Example: signoff list --state pending --system payments-db --routed-to-me
        A --system, --environment or --requester that neither the policy nor any stored request knows \
        is an error listing the valid values, so a typo never looks like "no requests match".
        """)

    @OptionGroup var options: StoreOptions

    @Option(help: ArgumentHelp("Only this state: \(RequestState.allCases.map(\.rawValue).joined(separator: ", ")). Repeatable.", valueName: "state"))
    var state: [String] = []
    @Option(help: "Only this system.") var system: String?
    @Option(help: "Only this environment.") var environment: String?
    @Option(help: "Only requests by this requester.") var requester: String?
    @Flag(help: "Only requests I may decide now.") var routedToMe = false
    @Option(help: "At most this many.") var limit: Int?
    @Flag(help: "Print one JSON document (signoff.request-list/1).") var json = false
    @Flag(help: "Print JSON lines: one signoff.request-summary/1 object per request.") var jsonl = false

    var printsJSON: Bool { json || jsonl }

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        for name in state where RequestState(rawValue: name) == nil {
            throw CommandFailure.badOption("--state", """
                --state \(Terminal.quoted(name)): no such state; valid: \(RequestState.allCases.map(\.rawValue).joined(separator: ", "))
                """)
        }
        let format = try ListFormat(json: json, jsonLines: jsonl)
        let commands = try options.commands(reading: true)
        let store = commands.store
        let known = system != nil || environment != nil || requester != nil ? try commands.currentPolicy() : nil
        try FilterValues(store: store, policy: known).check(system: system, environment: environment, requester: requester)
        var filter = RequestFilter()
        filter.states = state.isEmpty ? nil : Set(state.compactMap(RequestState.init(rawValue:)))
        filter.system = system
        filter.environment = environment
        filter.requester = requester
        if !routedToMe { filter.limit = limit }
        let routing = routedToMe ? try commands.requirePolicy() : nil
        let queue = try routing.map { try DecisionQueue(store: store, person: commands.actor.name, policy: $0, now: commands.clock.now()) }
        // The empty queue of someone the directory does not list says why, so it does not read as "nothing waits".
        if let routing, !routing.knowsPerson(commands.actor.name) {
            Terminal.warning("\(commands.actor.name) is not a person of the policy's directory, so nothing is routed to them")
        }

        var writer = JSONListWriter<RequestSummaryJSON>(listSchema: "signoff.request-list/1", lines: format == .jsonLines)
        var table = TextTable([
            .init(title: "ID"), .init(title: "STATE"), .init(title: "SUBJECT", maximum: 40),
            .init(title: "SYSTEM/ENV", maximum: 32), .init(title: "ENTITLEMENT", maximum: 28), .init(title: "ACCESS"),
            .init(title: "FOR"), .init(title: "REQUESTER", maximum: 20), .init(title: "FLAGS"),
        ], write: StandardOutput.line)
        var count = 0
        /// Ends the listing once `--limit` requests routed to me were listed.
        struct Enough: Error {}
        func list(_ summary: RequestSummary) throws {
            count += 1
            switch format {
            case .text:
                try table.add([
                    summary.id, summary.state.rawValue, summary.subjectKind.rawValue + ":" + Terminal.safe(summary.subjectName),
                    Terminal.safe(summary.system) + "/" + Terminal.safe(summary.environment), Terminal.safe(summary.entitlement),
                    summary.access.rawValue, summary.duration.description, Terminal.safe(summary.requester),
                    summary.breakGlass ? "BREAK-GLASS" : "",
                ])
            case .json, .jsonLines: try writer.append(RequestSummaryJSON(summary: summary))
            }
            if let limit, count >= limit { throw Enough() }
        }
        try storeCall {
            do {
                if var queue {
                    // The queue reads a request's record where its summary cannot
                    // answer, a read of its own: the pending summaries are read
                    // first (only a pending request is anyone's to decide).
                    filter.states = (filter.states ?? [.pending]).intersection([.pending])
                    for summary in try store.summaries(filter) where try queue.includes(summary) { try list(summary) }
                } else {
                    try store.forEachSummary(filter, list)
                }
            } catch is Enough {}
        }
        switch format {
        case .text:
            if count == 0 { return Terminal.line("no requests match") }
            try table.finish()
        case .json, .jsonLines: try writer.finish()
        }
    }
}

/// The values a list filter may name: the policy's (systems and their
/// environments, the directory's people) and those stored requests hold
/// (requests submitted under an earlier policy). Anything else is a typo.
struct FilterValues {
    var store: Store
    var policy: Policy?

    func check(system: String?, environment: String?, requester: String?) throws {
        let systems = policy?.systems ?? []
        try check(.system, system, known: systems.map(\.name))
        let chosen = systems.filter { $0.name == system }
        try check(.environment, environment,
                  known: Array(Set((chosen.isEmpty ? systems : chosen).flatMap(\.environments))))
        try check(.requester, requester, known: policy?.people ?? [])
    }

    private func check(_ field: RequestFilterField, _ value: String?, known: [String]) throws {
        guard let value, !known.contains(value) else { return }
        if try storeCall({ try store.hasRequests(field, equalTo: value) }) { return }
        let valid = Set(known).union(try storeCall { try store.storedValues(field) }).sorted()
        let shown = valid.prefix(30).map(Terminal.quoted).joined(separator: ", ")
        let more = valid.count > 30 ? " and \(valid.count - 30) more" : ""
        throw CommandFailure.badOption("--\(field.rawValue)", """
            --\(field.rawValue) \(Terminal.quoted(value)): no \(field.rawValue) of that name in the policy or in any request; \
            valid: \(valid.isEmpty ? "(none yet)" : shown + more)
            """)
    }
}

struct Show: ParsableCommand, JSONReporting {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show every field of a request, its route, reviews and timeline.")

    @OptionGroup var options: StoreOptions
    @Argument(help: "The request ID.", completion: RequestIDCompletion.kind) var id: String
    @Flag(help: "Print JSON (signoff.request/1).") var json = false

    var printsJSON: Bool { json }

    func run() throws {
        let commands = try options.commands(reading: true)
        let store = commands.store
        let me = commands.actor
        let now = commands.clock.now()
        let (read, stored, grant) = try storeCall { () throws -> ((record: RequestRecord, history: [RecordedEvent])?, StoredPolicy?, ReconciledGrant?) in
            (try store.recordWithHistory(id), try store.currentPolicy(), try store.reconciledGrant(id))
        }
        guard let (record, events) = read else { throw CommandFailure(CommandError.noSuchRequest(id)) }
        let notifications = try storeCall { try store.outboxItems(.notification, requestID: id) }
        // Rows and decisions that signoff did not write (written in by hand).
        let disputed = try storeCall { try store.disputes(of: record, history: events) }
        let original = try storeCall { try store.originalGrant(of: record) }
        let policy = stored.flatMap { try? commands.parsed($0) }
        if json {
            return try RequestJSON(record: record, policy: policy, events: events, grant: grant, notifications: notifications,
                                   disputed: disputed, viewer: me.name, original: original, now: now).print()
        }
        RecordText.print(record, policy: policy, events: events, grant: grant, me: me.name, notifications: notifications.map(NotificationDeliveryJSON.init),
                         disputed: disputed, original: original, now: now)
    }
}
