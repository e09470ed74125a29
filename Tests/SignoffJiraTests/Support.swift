import Foundation
import SignoffCore
import SignoffJira
import Testing

/// The real Jira payloads the tests read, kept in the repository under
/// `Tests/Fixtures/jira` with their sources and licences.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/jira")

    /// Fails the test, saying where the fixtures should be, rather than letting it pass on nothing.
    static func requireDirectory() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            Issue.record("the Jira fixtures are missing: expected them in \(directory.path) (Tests/Fixtures/jira in the repository)")
            throw FixtureMissing()
        }
    }

    struct FixtureMissing: Error {}

    /// Every fixture file, relative to the directory (`webhooks/....json`).
    static func all() throws -> [String] {
        try requireDirectory()
        var files: [String] = []
        for sub in ["rest-v2", "rest-v3", "webhooks"] {
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent(sub).path)
            files += names.filter { $0.hasSuffix(".json") }.map { "\(sub)/\($0)" }
        }
        return files.sorted()
    }

    static func data(_ name: String) throws -> Data {
        try requireDirectory()
        return try Data(contentsOf: directory.appendingPathComponent(name))
    }

    static func document(_ name: String) throws -> JSONDocument {
        try JSONDocument(try data(name))
    }

    static func value(_ name: String) throws -> JSONValue {
        try #require(try document(name).values.first)
    }
}

/// A policy whose directory knows the fixtures' reporters by their Jira identities.
enum TestPolicy {
    static let source = """
    policy: jira-tests
    directory:
      people:
        alice: {jira: 5cedcb4355a88a0fc86388ba}                          # sample.user on mmtest (Cloud)
        bob: {jira: [5c5f880629be9642ba529340]}                          # admin on some-instance-test (Cloud)
        erin: {jira: admin}                                              # admin on the Server site
        dave: {jira: "712020:95f28275-1a43-4b1d-a411-4142f5ab13df"}      # ECS-3's reporter (Cloud)
        carol: {jira: MBowler@gargoylesoftware.com}                      # SP-15's reporter, by email
        frank: {}
        sam: {}
      intake_agents: [jira-importer]
      groups:
        dba: [frank, sam]
    catalogue:
      payments-db:
        owners: [group:dba]
        environments: [staging, production]
        entitlements: [read_replica, schema_migrate, superuser]
        max_duration: 30d
      vault:
        owners: [sam]
        environments: [production]
        entitlements: [secret_read]
        max_duration: 7d
    route:
      - name: owners
        when: {system: payments-db}
        steps:
          - {approvers: owners, count: 1}

    """

    static func policy() throws -> Policy { try Policy.parse(source: source, file: "policy.yaml") }
}

/// Maps tickets with a mapping written in the test.
struct Mapper {
    var mapper: TicketMapper

    init(_ yaml: String, catalog: FieldCatalog = FieldCatalog()) throws {
        let mapping = try JiraMapping.parse(source: yaml, file: "mapping.yaml")
        mapper = TicketMapper(mapping: mapping, policy: try TestPolicy.policy(), catalog: catalog)
    }

    /// Every ticket of a fixture file, mapped.
    mutating func map(_ fixture: String) throws -> [MappedTicket] {
        var intake = JiraIntake(mapper: mapper)
        let items = try intake.read(try Fixtures.data(fixture), file: fixture)
        mapper = intake.mapper
        return items.compactMap { item in
            if case let .ticket(ticket, _) = item { return ticket }
            return nil
        }
    }

    mutating func mapJSON(_ json: String) throws -> MappedTicket {
        var intake = JiraIntake(mapper: mapper)
        let items = try intake.read(Data(json.utf8), file: "test.json")
        guard case let .ticket(ticket, _)? = items.first else { throw TestFailure("no ticket in \(json.prefix(80))") }
        return ticket
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension MappedTicket {
    var request: AccessRequest? {
        if case let .request(scanned) = outcome { return scanned.request }
        return nil
    }
}
