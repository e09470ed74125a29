import Foundation
import Testing

/// A store argument is a file path or a PostgreSQL connection, and a
/// connection is never mistaken for a file (which would leave a local file
/// named after the URL, password included).
@Suite("Store arguments, end to end")
struct StoreArgumentTests {
    /// An empty working directory and configuration folder, removed afterwards.
    final class Scratch {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("signoff-args-\(UUID().uuidString)")
        init() throws { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(at: directory) }
        var contents: [String] { (try? FileManager.default.subpathsOfDirectory(atPath: directory.path)) ?? [] }
        var environment: [String: String] {
            ["XDG_CONFIG_HOME": directory.appendingPathComponent("config").path,
             "XDG_DATA_HOME": directory.appendingPathComponent("data").path]
        }
    }

    /// A port nothing listens on: the command must fail on the connection,
    /// never fall back to a file.
    static let unreachable = "postgresql://alice:s3cret-pw@127.0.0.1:1/signoff"

    @Test(arguments: [["--store", unreachable], ["--store", "postgres://alice:s3cret-pw@127.0.0.1:1/signoff"]])
    func initWithAURLCreatesNoFileAndNeverPrintsThePassword(arguments: [String]) throws {
        let scratch = try Scratch()
        let result = try Signoff.run(["init"] + arguments, environment: scratch.environment, directory: scratch.directory)
        #expect(result.status == 5, "\(result.output)")
        #expect(!result.output.contains("s3cret-pw"), "\(result.output)")
        #expect(result.stderr.contains("alice@127.0.0.1:1/signoff"), "\(result.output)")
        #expect(scratch.contents.isEmpty, "init left \(scratch.contents)")
    }

    @Test func theEnvironmentAndTheConfigFileAreReadTheSameWay() throws {
        let scratch = try Scratch()
        var environment = scratch.environment
        environment["SIGNOFF_STORE"] = Self.unreachable
        let fromEnvironment = try Signoff.run(["init"], environment: environment, directory: scratch.directory)
        #expect(fromEnvironment.status == 5, "\(fromEnvironment.output)")
        #expect(!fromEnvironment.output.contains("s3cret-pw"))

        let config = scratch.directory.appendingPathComponent("config/signoff")
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        try Data("store = postgresql://alice@127.0.0.1:1/signoff\n".utf8).write(to: config.appendingPathComponent("config"))
        let fromFile = try Signoff.run(["list"], environment: scratch.environment, directory: scratch.directory)
        #expect(fromFile.status == 5, "\(fromFile.output)")
        #expect(fromFile.stderr.contains("alice@127.0.0.1:1/signoff"), "\(fromFile.output)")
        #expect(scratch.contents.allSatisfy { $0.hasPrefix("config") }, "left \(scratch.contents)")
    }

    @Test func anUnknownSchemeIsBadInput() throws {
        let scratch = try Scratch()
        let result = try Signoff.run(["init", "--store", "mysql://root:pw@db/x"], environment: scratch.environment,
                                     directory: scratch.directory)
        #expect(result.status == 2, "\(result.output)")
        #expect(result.stderr.contains("postgresql://"))
        #expect(scratch.contents.isEmpty)
    }
}
