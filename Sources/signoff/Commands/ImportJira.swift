import ArgumentParser
import Foundation
import SignoffCore
import SignoffJira
import SignoffApp
import SignoffStore

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import requests from another system.",
        subcommands: [ImportJira.self])
}

struct ImportJira: ParsableCommand, JSONReporting {
    static let configuration = CommandConfiguration(
        commandName: "jira",
        abstract: "Import Jira tickets as structured requests, field by field as a mapping file says, and write decisions back.",
        discussion: """
        Reads REST v2 or v3 issues, pages of search results, and jira:issue_created / jira:issue_updated / \
        jira:issue_deleted webhook bodies from files or stdin (one JSON value, or several one per line), or \
        polls Jira itself with --url and the mapping's JQL. Each ticket makes one request, submitted by the \
        account running the import (an intake agent of the policy) on behalf of the ticket's reporter; a \
        ticket that lacks the structure is refused with a comment saying what to fix; a closed ticket ends \
        its access. Then what the tickets must hear (routes, decisions, expiries, refusals) is delivered \
        from the outbox as comments and transitions. Credentials come only from a file readable by its \
        owner alone (jira.credentials in the mapping, or --credentials).

        An import in which any ticket was refused (now, or as before) exits 11 once everything else is done \
        and reported: the refusals are recorded and commented all the same. \
        --check reports what every ticket would become, without submitting anything; it exits 10 when any \
        ticket would be refused. \
        --deliver-only delivers what waits in the outbox and imports nothing (e.g. every minute from cron).
        """)

    @OptionGroup var options: StoreOptions

    @Argument(help: ArgumentHelp("Files with Jira JSON; - reads stdin. None with --url.", valueName: "file"))
    var files: [String] = []

    @Option(help: ArgumentHelp("The mapping file: which Jira field fills each request field.", valueName: "path"))
    var mapping: String

    @Option(help: ArgumentHelp("Poll this Jira site (e.g. https://acme.atlassian.net) with the mapping's JQL.", valueName: "base"))
    var url: String?

    @Option(help: ArgumentHelp("The JQL to poll with, instead of the mapping's.", valueName: "jql"))
    var jql: String?

    @Option(help: ArgumentHelp("The credentials file (default: the mapping's, else $XDG_CONFIG_HOME/signoff/jira-credentials).", valueName: "path"))
    var credentials: String?

    @Option(name: .customLong("field-metadata"),
            help: ArgumentHelp("Field names of the site: GET /rest/api/N/field, editmeta or createmeta JSON (repeatable).", valueName: "path"))
    var fieldMetadata: [String] = []

    @Option(help: ArgumentHelp("With --check: check against this policy file instead of the store's policy.", valueName: "path"))
    var policy: String?

    @Flag(help: "Report what each ticket would become; submit nothing. Exits 10 when any ticket would be refused.")
    var check = false

    @Flag(help: "Deliver the comments and transitions waiting in the outbox; import nothing.")
    var deliverOnly = false

    @Flag(help: "Print the result as JSON (signoff.jira-check/1 with --check, else signoff.jira-import/1).")
    var json = false
    var printsJSON: Bool { json }

    func validate() throws {
        if url != nil && !files.isEmpty { throw ValidationError("give files or --url, not both") }
        if jql != nil && url == nil { throw ValidationError("--jql applies to --url polling") }
        if policy != nil && !check { throw ValidationError("--policy applies to --check; an import uses the store's policy") }
        if deliverOnly && (check || !files.isEmpty || jql != nil) {
            throw ValidationError("--deliver-only imports nothing: give it no files, --jql or --check")
        }
    }

    func run() throws {
        let mappingFile = try readText(mapping)
        let jiraMapping: JiraMapping
        do {
            jiraMapping = try JiraMapping.parse(source: mappingFile.text, file: mappingFile.name)
        } catch {
            throw CommandFailure.badInput(error.description + "\nnothing was imported")
        }
        if check { return try runCheck(jiraMapping) }
        let commands = try options.commands()
        guard let siteURL = url ?? jiraMapping.url else {
            throw CommandFailure.badInput("\(Terminal.quoted(mapping)): jira.url is not set; an import needs the site its tickets belong to, where decisions are written back (or poll with --url)")
        }
        let (base, site) = try Self.site(siteURL)
        if deliverOnly {
            let report = try deliver(commands, mapping: jiraMapping, base: base, site: site, required: true)
            return try ImportReport(results: [], ignored: [], delivery: report).print(json: json)
        }
        let policy = try storeCall { try commands.requirePolicy() }
        try checkMapping(jiraMapping, against: policy)
        // Polling needs the credentials before anything; a file import can go on
        // without them (then the field names come from field metadata files).
        let pollingClient = try url.map { _ in try client(base, mapping: jiraMapping) }
        var catalog = try catalog(jiraMapping)
        if var siteClient = pollingClient ?? (try? client(base, mapping: jiraMapping)) {
            // Optional for a file import: not worth the retries' quarter minute.
            if pollingClient == nil { siteClient.attempts = 2 }
            do throws(JiraHTTPError) {
                catalog = try siteClient.fieldCatalog().merged(into: catalog)
            } catch {
                // A file import needs the site only for field names the
                // metadata files (or Jira's system fields) do not resolve.
                var mapper = TicketMapper(mapping: jiraMapping, policy: policy, catalog: catalog)
                guard pollingClient == nil, (try? mapper.resolveAll()) != nil else { throw Self.failure(error) }
                Terminal.warning("the site's field list could not be read (\(Terminal.quoted(error.message))); every field the mapping names is resolved without it")
            }
        }
        let intake = JiraIntake(mapper: TicketMapper(mapping: jiraMapping, policy: policy, catalog: catalog))
        let writeBack = (source: "jira", site: site, settings: jiraMapping.writeBackSettings)
        var results: [Commands.ImportTickets.Result] = []
        var ignored: [String] = []
        func importBatch(_ batch: TicketBatch) throws {
            for case let .ignored(file, reason) in batch.items { ignored.append("\(file): \(reason)") }
            let tickets = batch.items.compactMap { IntakeTicket($0, site: site) }
            guard !tickets.isEmpty else { return }
            results += try Self.whole(batch.source) { try commands.run(Commands.ImportTickets(tickets, writeBack: writeBack)).output }
        }
        // Each page (polled) or file is imported in one transaction, whole or
        // not at all; the next one is read and mapped on a second thread
        // meanwhile (`ReadAhead`: the same batches, in the same order).
        let read: @Sendable (_ handOver: (TicketBatch) throws -> Void) throws -> Void
        if let pollingClient {
            guard let query = jql ?? jiraMapping.jql else {
                throw CommandFailure.badInput("\(Terminal.quoted(mapping)): jira.jql is not set; say which tickets to poll (or give --jql)")
            }
            read = { handOver in
                var intake = intake
                try intake.poll(pollingClient, jql: query) { try handOver(TicketBatch(source: "\(pollingClient.base.absoluteString) search page", items: $0)) }
            }
        } else {
            let files = files.isEmpty ? ["-"] : files
            read = { handOver in
                var intake = intake
                for file in files {
                    let name = file == "-" ? "<stdin>" : file
                    try handOver(TicketBatch(source: name, items: try intake.read(try readFile(file), file: name)))
                }
            }
        }
        try reading { try ReadAhead.run(read, each: importBatch) }
        let delivery = try deliver(commands, mapping: jiraMapping, base: base, site: site, required: pollingClient != nil)
        let report = ImportReport(results: results, ignored: ignored, delivery: delivery)
        try report.print(json: json)
        // Everything else was imported, delivered and reported; a script still
        // tells by the exit code that some tickets made no request.
        if report.anyRefused {
            try StandardOutput.flush()
            Foundation.exit(Outcome.ticketsRefused.rawValue)
        }
    }

    /// `--check`: what every ticket would become under the policy given or the store's; nothing is written.
    func runCheck(_ jiraMapping: JiraMapping) throws {
        let policy = try self.policy.map(PolicyCommand.load) ?? storeCall { try options.commands().requirePolicy() }
        try checkMapping(jiraMapping, against: policy)
        var catalog = try catalog(jiraMapping)
        let client = try url.map { try self.client(try Self.site($0).base, mapping: jiraMapping) }
        if let client { catalog = try jiraCall { () throws(JiraHTTPError) in try client.fieldCatalog() }.merged(into: catalog) }
        var intake = JiraIntake(mapper: TicketMapper(mapping: jiraMapping, policy: policy, catalog: catalog))
        var items: [IntakeItem] = []
        try reading {
            if let client {
                guard let query = jql ?? jiraMapping.jql else {
                    throw CommandFailure.badInput("\(Terminal.quoted(mapping)): jira.jql is not set; say which tickets to poll (or give --jql)")
                }
                try intake.poll(client, jql: query) { items += $0 }
            } else {
                for file in files.isEmpty ? ["-"] : files {
                    items += try intake.read(try readFile(file), file: file == "-" ? "<stdin>" : file)
                }
            }
        }
        let report = CheckReport(items: items)
        try report.print(json: json)
        // The report is printed either way; scripts (and CI over a fixture set) tell by the exit code.
        if report.anyRefused {
            try StandardOutput.flush()
            Foundation.exit(Outcome.wouldRefuse.rawValue)
        }
    }

    func checkMapping(_ jiraMapping: JiraMapping, against policy: Policy) throws {
        let problems = jiraMapping.check(against: policy)
        if !problems.isEmpty {
            throw CommandFailure.badInput(problems.map { Terminal.quoted($0.description) }.joined(separator: "\n") + "\nnothing was imported")
        }
    }

    func catalog(_ jiraMapping: JiraMapping) throws -> FieldCatalog {
        let files = try (jiraMapping.fieldMetadataPaths + fieldMetadata).map { path in
            guard path != "-", FileManager.default.fileExists(atPath: path) else {
                throw CommandFailure.badInput("""
                    \(Terminal.quoted(path)): there is no such file of field metadata (the mapping's jira.field_metadata, or \
                    --field-metadata, names it); save GET /rest/api/3/field, or an editmeta or createmeta answer, there
                    """)
            }
            return (path: path, data: try readFile(path))
        }
        do { return try JiraIntake.catalog(from: files) } catch {
            throw CommandFailure.badInput(Terminal.quoted(error.description))
        }
    }

    /// Imports one file or page (`source`) in one transaction: a refusal names
    /// the source and says none of it was imported.
    static func whole<T>(_ source: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as CommandError {
            guard case let .refused(refusal, recorded) = error else { throw error }
            throw CommandError.refused(Refusal(refusal.reason, "\(Terminal.quoted(source)): \(refusal.message); nothing of \(Terminal.quoted(source)) was imported"),
                                       recorded: recorded)
        }
    }

    /// Runs the reading of tickets, turning what can go wrong into the command's failure.
    func reading(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as SourceErrors {
            throw CommandFailure.badInput(Terminal.quoted(error.description) + "\nnothing more was imported")
        } catch let error as MappingConfigurationError {
            throw CommandFailure.badInput(Terminal.quoted(error.description) + "\nnothing was imported")
        } catch let error as JiraHTTPError {
            throw Self.failure(error)
        }
    }

    /// Delivers what waits for the site. Without usable credentials a file
    /// import still stands: the messages wait in the outbox, and it says so.
    func deliver(_ commands: Commands, mapping jiraMapping: JiraMapping, base: URL, site: String,
                 required: Bool) throws -> JiraDelivery.Report? {
        var client: JiraClient
        do {
            client = try self.client(base, mapping: jiraMapping)
        } catch let failure as CommandFailure where !required {
            Terminal.error("write-back waits in the outbox: \(failure.message)")
            return nil
        }
        // After a file import the delivery is a courtesy: what does not go out
        // now waits in the outbox, not through a quarter minute of retries.
        if !required { client.attempts = 2 }
        let delivery = JiraDelivery(commands: commands, client: client, site: site)
        return try storeCall { try delivery.run() }
    }

    /// The site's base address and its host, the name tickets are recorded under.
    static func site(_ text: String) throws -> (base: URL, site: String) {
        guard let url = URL(string: text), let scheme = url.scheme, ["https", "http"].contains(scheme), let host = url.host else {
            throw CommandFailure.badInput("\(Terminal.quoted(text)): is not a site address such as https://acme.atlassian.net")
        }
        return (url, host.lowercased() + (url.port.map { ":\($0)" } ?? ""))
    }

    func client(_ base: URL, mapping: JiraMapping) throws -> JiraClient {
        guard JiraClient.mayCarryCredentials(base) else {
            let given = url != nil ? "--url" : "\(Terminal.quoted(self.mapping)): jira.url"
            throw CommandFailure.badInput("\(given): \(Terminal.quoted(base.absoluteString)) is plain http to another host, and the Jira credentials would cross the network in cleartext; give the site's https:// address (http is only for a Jira on this host: 127.0.0.1, ::1, localhost)")
        }
        let path = credentials ?? mapping.credentialsPath ?? JiraCredentials.defaultPath()
        do {
            return JiraClient(base: base, deployment: mapping.deployment, credentials: try JiraCredentials.read(path: path))
        } catch {
            throw CommandFailure.badInput(Terminal.quoted(error.description))
        }
    }

    func jiraCall<T>(_ body: () throws(JiraHTTPError) -> T) throws -> T {
        do throws(JiraHTTPError) { return try body() } catch { throw Self.failure(error) }
    }

    /// Credentials Jira refuses are the user's to fix (bad input); Jira being
    /// unreachable or failing is like a store that cannot be reached.
    static func failure(_ error: JiraHTTPError) -> CommandFailure {
        switch error.kind {
        case .unauthorized, .forbidden, .notFound: CommandFailure(.badInput, Terminal.quoted(error.message))
        case .rateLimited, .server, .network, .unexpected: CommandFailure(.storeError, Terminal.quoted(error.message))
        }
    }
}

/// One file or polled page of an import: what it holds, and where it came from.
struct TicketBatch: Sendable {
    var source: String
    var items: [IntakeItem]
}

extension FieldCatalog {
    /// This catalogue's fields added to `other` (what the files said first).
    func merged(into other: FieldCatalog) -> FieldCatalog {
        var result = other
        for field in all { result.add(id: field.id, name: field.name, allowedValues: field.allowedValues) }
        return result
    }
}

