#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
@testable import SignoffStore

@Suite struct StoreLocationTests {
    @Test(arguments: [
        ("postgresql://alice:s3cret@db.example.com/signoff", "postgresql://alice@db.example.com/signoff", true),
        ("postgres://alice:p%40ss@db/signoff?sslmode=require", "postgres://alice@db/signoff?sslmode=require", true),
        ("POSTGRESQL://db/signoff?password=s3cret&sslmode=verify-full", "POSTGRESQL://db/signoff?sslmode=verify-full", true),
        ("postgresql://alice:with@at@db/x", "postgresql://alice@db/x", true),
        ("postgresql:///signoff?host=/run/postgresql", "postgresql:///signoff?host=/run/postgresql", false),
        ("host=db dbname=signoff password='a b\\'c' user=alice", "host=db dbname=signoff user=alice", true),
        ("service=signoff", "service=signoff", false),
    ])
    func postgresqlLocationsAreNeverPathsAndNeverShowTheirPassword(text: String, shown: String, holdsPassword: Bool) throws {
        let location = try StoreLocation(parsing: text)
        #expect(location == .postgresql(connection: text))
        #expect(location.description == shown)
        #expect(location.holdsPassword == holdsPassword)
    }

    @Test(arguments: ["store.sqlite", "/srv/signoff/access.sqlite", "./postgresql/store", "dir/host=x.sqlite",
                      "weird:name.sqlite"])
    func everythingElseIsAFile(text: String) throws {
        #expect(try StoreLocation(parsing: text) == .sqlite(path: text))
    }

    @Test func otherSchemesAndEmptyTextAreRefused() {
        #expect(throws: StoreLocationError.unknownScheme("mysql")) { try StoreLocation(parsing: "mysql://root@db/x") }
        #expect(throws: StoreLocationError.unknownScheme("file")) { try StoreLocation(parsing: "file:///tmp/x.sqlite") }
        #expect(throws: StoreLocationError.empty) { try StoreLocation(parsing: "  ") }
    }

    @Test func optionThenEnvironmentThenConfigFileThenDefault() throws {
        let directory = TemporaryDirectory()
        let config = (directory.path as NSString).appendingPathComponent("signoff")
        try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)
        let file = (config as NSString).appendingPathComponent("config")
        var environment = ["XDG_CONFIG_HOME": directory.path, "XDG_DATA_HOME": "/data"]
        #expect(try StoreLocation.configured(option: nil, environment: environment) == .sqlite(path: "/data/signoff/signoff.sqlite"))

        try write(file, "# the team's store\nstore = postgresql://db.example.com/signoff\n", mode: 0o644)
        #expect(try StoreLocation.configured(option: nil, environment: environment)
            == .postgresql(connection: "postgresql://db.example.com/signoff"))
        environment["SIGNOFF_STORE"] = "/env/store.sqlite"
        #expect(try StoreLocation.configured(option: nil, environment: environment) == .sqlite(path: "/env/store.sqlite"))
        #expect(try StoreLocation.configured(option: "postgres://x/y", environment: environment)
            == .postgresql(connection: "postgres://x/y"))
    }

    @Test func aConfigFileOthersMayChangeOrReadWithAPasswordIsRefused() throws {
        let directory = TemporaryDirectory()
        let config = (directory.path as NSString).appendingPathComponent("signoff")
        try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)
        let file = (config as NSString).appendingPathComponent("config")
        let environment = ["XDG_CONFIG_HOME": directory.path]

        try write(file, "store = postgresql://db/signoff\n", mode: 0o666)
        let writable = #expect(throws: StoreLocationError.self) { try StoreLocation.configured(option: nil, environment: environment) }
        #expect(writable?.description.contains("chmod go-w") == true)

        try write(file, "store = postgresql://alice:s3cret@db/signoff\n", mode: 0o644)
        let readable = #expect(throws: StoreLocationError.self) { try StoreLocation.configured(option: nil, environment: environment) }
        #expect(readable?.description.contains("\(file):1") == true)
        #expect(readable?.description.contains("s3cret") == false)

        try write(file, "store = postgresql://alice:s3cret@db/signoff\n", mode: 0o600)
        #expect(try StoreLocation.configured(option: nil, environment: environment).holdsPassword)
    }

    @Test func aConfigFileWithUnknownKeysOrBadLinesNamesTheLine() throws {
        let directory = TemporaryDirectory()
        let config = (directory.path as NSString).appendingPathComponent("signoff")
        try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)
        let file = (config as NSString).appendingPathComponent("config")
        let environment = ["XDG_CONFIG_HOME": directory.path]
        for (text, expected) in [("\nstor = x\n", "\(file):2: unknown key \"stor\""),
                                 ("store = a\nstore = b\n", "\(file):2: store is already set on line 1"),
                                 ("store\n", "\(file):1: expected `key = value`"),
                                 ("store = ftp://x/y\n", "\(file):1: \"ftp://\" is not a kind of store")] {
            try write(file, text, mode: 0o600)
            let error = #expect(throws: StoreLocationError.self) { try StoreLocation.configured(option: nil, environment: environment) }
            #expect(error?.description.hasPrefix(expected) == true, "\(String(describing: error))")
        }
    }

    private func write(_ path: String, _ text: String, mode: mode_t) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        #expect(chmod(path, mode) == 0)
    }
}
