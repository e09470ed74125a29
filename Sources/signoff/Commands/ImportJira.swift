import ArgumentParser
import Foundation
import SignoffCore
import SignoffJira
import SignoffApp
import SignoffStore

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import requests from another system.",
        subcommands: [ImportJira.self])
}

struct ImportJira: ParsableCommand, JSONReporting {
    static let configuration = CommandConfiguration(
        commandName: "jira",
        abstract: "Read Jira tickets as structured requests, field by field as a mapping file says.",
        discussion: """
        Reads REST v2 or v3 issues, pages of search results, and jira:issue_created / jira:issue_updated /
        jira:issue_deleted webhook bodies from files or stdin (one JSON value, or several one per line), or
        polls Jira itself with --url and the mapping's JQL. Credentials come only from a file readable by its
        owner alone (jira.credentials in the mapping, or --credentials).

        --check reports what every ticket would become, without submitting anything.
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

    @Option(help: ArgumentHelp("Check against this policy file instead of the store's policy.", valueName: "path"))
    var policy: String?

    @Flag(help: "Report what each ticket would become; submit nothing.")
    var check = false

    @Flag(help: "Print the result as JSON (signoff.jira-check/1).")
    var json = false
    var printsJSON: Bool { json }

    func validate() throws {
        guard check else {
            throw ValidationError("give --check: it reports what each ticket would become without submitting anything")
        }
        if url != nil && !files.isEmpty { throw ValidationError("give files or --url, not both") }
        if jql != nil && url == nil { throw ValidationError("--jql applies to --url polling") }
    }

    func run() throws {
        let mappingFile = try readText(mapping)
        let jiraMapping: JiraMapping
        do {
            jiraMapping = try JiraMapping.parse(source: mappingFile.text, file: mappingFile.name)
        } catch {
            throw CommandFailure.badInput(error.description + "\nnothing was imported")
        }
        let policy = try self.policy.map(PolicyCommand.load) ?? storePolicy()
        let problems = jiraMapping.check(against: policy)
        if !problems.isEmpty {
            throw CommandFailure.badInput(problems.map { Terminal.safe($0.description) }.joined(separator: "\n") + "\nnothing was imported")
        }
        var catalog: FieldCatalog
        do { catalog = try JiraIntake.catalog(from: jiraMapping.fieldMetadataPaths + fieldMetadata) } catch {
            throw CommandFailure.badInput(error.description)
        }
        let client = try url.map { try self.client($0, mapping: jiraMapping) }
        if let client { catalog = try jiraCall { () throws(JiraHTTPError) in try client.fieldCatalog() }.merged(into: catalog) }

        var intake = JiraIntake(mapper: TicketMapper(mapping: jiraMapping, policy: policy, catalog: catalog))
        var items: [IntakeItem] = []
        do {
            if let client {
                guard let query = jql ?? jiraMapping.jql else {
                    throw CommandFailure.badInput("\(mapping): jira.jql is not set; say which tickets to poll (or give --jql)")
                }
                try intake.poll(client, jql: query) { items.append($0) }
            } else {
                for file in files.isEmpty ? ["-"] : files {
                    let data = try readData(file)
                    items += try intake.read(data, file: file == "-" ? "<stdin>" : file)
                }
            }
        } catch let error as SourceErrors {
            throw CommandFailure.badInput(Terminal.safe(error.description) + "\nnothing was imported")
        } catch let error as MappingConfigurationError {
            throw CommandFailure.badInput(Terminal.safe(error.description) + "\nnothing was imported")
        } catch let error as JiraHTTPError {
            throw Self.failure(error)
        }
        try CheckReport(items: items).print(json: json)
    }

    /// The store's policy, for a check without --policy.
    func storePolicy() throws -> Policy {
        try storeCall { try options.commands().requirePolicy() }
    }

    func client(_ base: String, mapping: JiraMapping) throws -> JiraClient {
        guard let url = URL(string: base), let scheme = url.scheme, ["https", "http"].contains(scheme), url.host != nil else {
            throw CommandFailure.badInput("--url \(Terminal.safe(base)): is not a site address such as https://acme.atlassian.net")
        }
        let path = credentials ?? mapping.credentialsPath ?? JiraCredentials.defaultPath()
        do {
            return JiraClient(base: url, deployment: mapping.deployment, credentials: try JiraCredentials.read(path: path))
        } catch {
            throw CommandFailure.badInput(Terminal.safe(error.description))
        }
    }

    func jiraCall<T>(_ body: () throws(JiraHTTPError) -> T) throws -> T {
        do throws(JiraHTTPError) { return try body() } catch { throw Self.failure(error) }
    }

    /// Credentials Jira refuses are the user's to fix (bad input); Jira being
    /// unreachable or failing is like a store that cannot be reached.
    static func failure(_ error: JiraHTTPError) -> CommandFailure {
        switch error.kind {
        case .unauthorized, .forbidden, .notFound: CommandFailure(.badInput, error.message)
        case .rateLimited, .server, .network, .unexpected: CommandFailure(.storeError, error.message)
        }
    }
}

extension FieldCatalog {
    /// This catalogue's fields added to `other` (what the files said first).
    func merged(into other: FieldCatalog) -> FieldCatalog {
        var result = other
        for field in all { result.add(id: field.id, name: field.name, allowedValues: field.allowedValues) }
        return result
    }
}

/// Reads a file (or stdin for `-`) as bytes: Jira JSON is checked as it is
/// parsed, value by value, so one ticket's broken text refuses that ticket only.
func readData(_ path: String) throws -> Data {
    if path == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
    guard let data = FileManager.default.contents(atPath: path) else {
        throw CommandFailure.badInput("\(Terminal.safe(path)): cannot be read (does it exist, and may you read it?)")
    }
    return data
}
