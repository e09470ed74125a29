#if canImport(Glibc)
import Glibc
#endif
import Foundation
import GRDB
import SignoffCore
import Testing
@testable import SignoffStore

@Suite struct StoreFileTests {
    @Test func createThenOpenKeepsSettings() throws {
        let directory = TemporaryDirectory()
        let path = directory.file()
        let settings = StoreSettings(trustAssertedIdentities: true, createdAt: Sample.start)
        _ = try Store.create(at: path, settings: settings)
        let reopened = try Store.open(at: path)
        #expect(reopened.settings == settings)
        #expect(reopened.path == path)
    }

    @Test func createRefusesAnExistingFile() throws {
        let directory = TemporaryDirectory()
        let path = directory.file()
        _ = try Store.create(at: path, settings: StoreSettings())
        #expect(throws: StoreError.alreadyExists(path: path)) {
            try Store.create(at: path, settings: StoreSettings())
        }
    }

    /// A -wal left by another database would be read into a new store as its own.
    @Test func createRefusesALeftoverLog() throws {
        let directory = TemporaryDirectory()
        let path = directory.file()
        FileManager.default.createFile(atPath: path + "-wal", contents: Data("not this store's".utf8))
        #expect(throws: StoreError.alreadyExists(path: path + "-wal")) {
            _ = try Store.create(at: path, settings: StoreSettings())
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func openRefusesAMissingStoreWithTheHint() throws {
        let directory = TemporaryDirectory()
        let path = directory.file()
        let error = #expect(throws: StoreError.self) { try Store.open(at: path) }
        #expect(error == .missing(path: path))
        #expect(error?.description.contains("signoff init") == true)
        #expect(!FileManager.default.fileExists(atPath: path), "opening must not create the file")
    }

    @Test func openRefusesADatabaseSignoffDidNotCreate() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("other.sqlite")
        try sqlite3(path, "CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(throws: StoreError.notAStore(path: path)) { try Store.open(at: path) }
        // Refused before SQLite opens it to write, which would turn it to write-ahead logging.
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before, "the database was changed")
        #expect(!FileManager.default.fileExists(atPath: path + "-wal") && !FileManager.default.fileExists(atPath: path + "-shm"))
        let empty = directory.file("empty.sqlite")
        FileManager.default.createFile(atPath: empty, contents: Data())
        #expect(throws: StoreError.notAStore(path: empty)) { try Store.open(at: empty) }
        #expect(try FileManager.default.attributesOfItem(atPath: empty)[.size] as? Int == 0)
        // A copy of a store in rollback-journal mode (a backup made with VACUUM INTO) is a store.
        let store = try Store.create(at: directory.file("store.sqlite"), settings: Sample.settings)
        let backup = directory.file("backup.sqlite")
        try sqlite3(store.path, "VACUUM INTO '\(backup)';")
        #expect(try Store.open(at: backup).settings.createdAt == store.settings.createdAt)
        // A directory is named as no store, not as a disk error.
        #expect(throws: StoreError.notAStore(path: directory.path)) { try Store.open(at: directory.path) }
        #expect(throws: StoreError.notAStore(path: directory.path)) { try Store.openForReading(at: directory.path) }
    }

    @Test func openRefusesAFileThatIsNotADatabase() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("notes.txt")
        try Data(String(repeating: "not a database\n", count: 100).utf8).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: StoreError.self) { try Store.open(at: path) }
        guard case .corrupt = error else {
            Issue.record("expected corrupt, got \(String(describing: error))")
            return
        }
    }

    @Test func openRefusesASchemaFromANewerSignoff() throws {
        let directory = TemporaryDirectory()
        let path = directory.file()
        _ = try Store.create(at: path, settings: StoreSettings())
        try sqlite3(path, "INSERT INTO grdb_migrations VALUES ('9 from the future');")
        #expect(throws: StoreError.schemaTooNew(path: path, unknownMigrations: ["9 from the future"])) {
            try Store.open(at: path)
        }
    }

    @Test func schemaIsBuiltByNamedMigrationsAndWritesAreDurable() throws {
        let directory = TemporaryDirectory()
        let store = try Store.create(at: directory.file(), settings: StoreSettings())
        let (migrations, journal, synchronous, foreignKeys) = try store.pool.writeWithoutTransaction { db in
            (try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid"),
             try String.fetchOne(db, sql: "PRAGMA journal_mode"),
             try Int.fetchOne(db, sql: "PRAGMA synchronous"),
             try Int.fetchOne(db, sql: "PRAGMA foreign_keys"))
        }
        #expect(migrations == ["1 events", "2 settings", "3 query tables", "4 request summaries",
                               "5 drop unread review indexes", "6 grants", "7 grant status", "8 outbox",
                               "9 settings are evidence", "10 reconciliation", "11 structured routes", "12 signatures",
                               "13 finding exceptions", "14 tickets", "15 finding requests", "16 finding removals",
                               "17 signatures over statement schema 2", "18 deciders", "19 grant windows", "20 policy events", "21 ticket editors",
                               "22 signatures name their store", "23 outbox changes name who made them",
                               "24 outbox rows name who added them", "25 settings events"])
        #expect(journal == "wal")
        #expect(synchronous == 2, "synchronous must be FULL")
        #expect(foreignKeys == 1)
    }

    @Test func filesAreOwnerOnly() throws {
        let directory = TemporaryDirectory()
        let path = directory.file()
        let previous = umask(0o022)
        defer { umask(previous) }
        let store = try Store.create(at: path, settings: StoreSettings())
        try store.submitRouted()
        for file in [path, path + "-wal", path + "-shm"] {
            #expect(FileManager.default.fileExists(atPath: file), "\(file) should exist")
            #expect(try fileMode(file) == 0o600, "\(file)")
        }
    }

    @Test func sharedStoreIsGroupReadableAndOwnedByTheGroup() throws {
        let directory = TemporaryDirectory()
        let path = directory.file()
        let group = String(cString: getgrgid(getegid())!.pointee.gr_name)
        let store = try Store.create(at: path, settings: StoreSettings(shareGroup: group))
        try store.submitRouted()
        for file in [path, path + "-wal", path + "-shm"] {
            #expect(try fileMode(file) == 0o660, "\(file)")
            let attributes = try FileManager.default.attributesOfItem(atPath: file)
            #expect(attributes[.groupOwnerAccountName] as? String == group)
        }
        #expect(try Store.open(at: path).settings.shareGroup == group)
    }

    @Test func unknownShareGroupIsRefusedBeforeAnyFileExists() throws {
        let directory = TemporaryDirectory()
        let path = directory.file()
        #expect(throws: StoreError.groupNotFound("no-such-group-signoff")) {
            try Store.create(at: path, settings: StoreSettings(shareGroup: "no-such-group-signoff"))
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func createMakesMissingDirectoriesOwnerOnly() throws {
        let directory = TemporaryDirectory()
        let path = (directory.path as NSString).appendingPathComponent("data/signoff/signoff.sqlite")
        _ = try Store.create(at: path, settings: StoreSettings())
        #expect(try fileMode((directory.path as NSString).appendingPathComponent("data")) == 0o700)
        #expect(try fileMode((path as NSString).deletingLastPathComponent) == 0o700)
    }

    @Test(arguments: [
        (["SIGNOFF_STORE": "/srv/s.sqlite", "XDG_DATA_HOME": "/x", "HOME": "/h"], "/srv/s.sqlite"),
        (["XDG_DATA_HOME": "/x", "HOME": "/h"], "/x/signoff/signoff.sqlite"),
        (["HOME": "/h"], "/h/.local/share/signoff/signoff.sqlite"),
        (["SIGNOFF_STORE": "", "XDG_DATA_HOME": "", "HOME": "/h"], "/h/.local/share/signoff/signoff.sqlite"),
    ])
    func defaultPath(environment: [String: String], expected: String) {
        #expect(Store.defaultPath(environment: environment) == expected)
    }

    /// The sweep and the attention lists read the partial index, never every grant.
    @Test func grantQueriesUseTheLiveIndex() throws {
        let directory = TemporaryDirectory()
        let store = try Store.create(at: directory.file(), settings: StoreSettings())
        let plans = try store.pool.read { db in
            try [
                "SELECT \(GrantStatusRow.columns) FROM grant_status WHERE \(GrantStatusRow.live) AND state = 'active' AND expires_at <= 0",
                GrantRow.select + GrantFilter.attention.clause,
            ].map { sql in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql).map { $0["detail"] as String }.joined(separator: "; ")
            }
        }
        for plan in plans {
            #expect(plan.contains("USING INDEX grant_status_live"), "\(plan)")
        }
    }
}
