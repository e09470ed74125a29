import Foundation
import Testing

/// Runs the real `signoff` binary, as a user or a script would.
enum Signoff {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let binary: URL = {
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [
            besideTests.appendingPathComponent("signoff"),
            besideTests.deletingLastPathComponent().appendingPathComponent("signoff"),
            packageRoot.appendingPathComponent(".build/debug/signoff"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[2]
    }()

    static func example(_ name: String) -> String {
        packageRoot.appendingPathComponent("examples").appendingPathComponent(name).path
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var output: String { stdout + stderr }
    }

    /// Runs the binary to completion, without the store and colour settings
    /// of the environment the tests run in.
    @discardableResult
    static func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
                    directory workingDirectory: URL? = nil, prefix: [String] = []) throws -> Result {
        // `prefix`: a command that runs the binary (e.g. `setpriv`, as another account).
        let program = prefix.first ?? binary.path
        return try runProgram(program, Array(prefix.dropFirst()) + (prefix.isEmpty ? [] : [binary.path]) + arguments,
                              stdin: stdin, environment: environment, unsetting: ["SIGNOFF_STORE", "NO_COLOR"],
                              directory: workingDirectory)
    }

    /// Runs any program to completion. Output goes through files, so a large
    /// output can never fill a pipe and deadlock the test. `environment` is
    /// added to this process's less the keys in `unsetting`, or with
    /// `inheriting: false` is all the program gets (as `env -i` would give it).
    @discardableResult
    static func runProgram(_ path: String, _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
                           inheriting: Bool = true, unsetting: [String] = [],
                           directory workingDirectory: URL? = nil) throws -> Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("signoff-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("out"), err = directory.appendingPathComponent("err")
        let input = directory.appendingPathComponent("in")
        try Data((stdin ?? "").utf8).write(to: input)
        try Data().write(to: out)
        try Data().write(to: err)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var env = inheriting ? ProcessInfo.processInfo.environment : [:]
        for key in unsetting { env[key] = nil }
        for (key, value) in environment { env[key] = value }
        process.environment = env
        if let workingDirectory { process.currentDirectoryURL = workingDirectory }
        process.standardInput = try FileHandle(forReadingFrom: input)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: try Data(contentsOf: out), as: UTF8.self),
                      stderr: String(decoding: try Data(contentsOf: err), as: UTF8.self))
    }

    /// Parses the JSON a command printed.
    static func json(_ result: Result) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    }

    /// The items of a list document (`items`) or a submission (`requests`).
    static func items(_ result: Result) throws -> [[String: Any]] {
        let object = try json(result) as? [String: Any]
        return (object?["items"] ?? object?["requests"]) as? [[String: Any]] ?? []
    }
}

/// A fresh, empty directory under the system's temporary one, removed with this object.
final class ScratchDirectory {
    let url: URL

    init(_ label: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("signoff-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

/// Which store the end-to-end suites run against: an SQLite file (the
/// default), or with `SIGNOFF_TEST_BACKEND=postgresql` (scripts/test's second
/// run, inside pg_virtualenv) a fresh PostgreSQL database per store.
enum TestBackend {
    case sqlite, postgresql
    static let current: TestBackend = ProcessInfo.processInfo.environment["SIGNOFF_TEST_BACKEND"] == "postgresql"
        ? .postgresql : .sqlite
}

extension Trait where Self == ConditionTrait {
    /// For tests that read or change the store's SQLite file itself (forgeries
    /// written with sqlite3, file modes, a copy of the file): they run on the
    /// SQLite backend only; PostgresStoreTests and the privilege tests try the
    /// same attacks on a PostgreSQL store.
    static var needsStoreFile: Self {
        .enabled(if: TestBackend.current == .sqlite, "works on the store's SQLite file itself")
    }
}

/// A fresh store in a temporary directory (or database), trusting asserted
/// identities so tests can act as several people; the example policy applied.
final class TestStore {
    let directory: URL
    /// The store argument: the file, or the PostgreSQL database's URL.
    let path: String
    private let database: String?

    init(policy: String? = Signoff.example("policy.yaml")) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("signoff-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        switch TestBackend.current {
        case .sqlite:
            path = directory.appendingPathComponent("store.sqlite").path
            database = nil
        case .postgresql:
            let name = "signoff_e2e_" + UUID().uuidString.prefix(8).lowercased()
            try PostgresAdministrationTests.psql("CREATE DATABASE \(name)")
            path = "postgresql:///\(name)"
            database = name
        }
        // One creation time for every test store: stores that then see the same
        // commands at the same moments hold the same chain, hash for hash.
        var environment = environment()
        environment["SIGNOFF_NOW"] = "2026-01-01T00:00:00Z"
        let created = try Signoff.run(["init", "--store", path, "--trust-asserted-identities"], environment: environment)
        guard created.status == 0 else { throw HarnessError("init failed: \(created.output)") }
        if let policy {
            // The first policy of a store is applied by the account that created it.
            let applied = try Signoff.run(["policy", "apply", policy, "--store", path], environment: self.environment())
            guard applied.status == 0 else { throw HarnessError("policy apply failed: \(applied.output)") }
        }
    }

    deinit {
        if let database {
            try? PostgresAdministrationTests.psql("DROP DATABASE IF EXISTS \(database) WITH (FORCE)")
            try? PostgresAdministrationTests.psql("DROP ROLE IF EXISTS signoff_\(database)")
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// The account's configuration (e.g. its trusted hand-off commands) lives
    /// with the store, not in the real home folder; `account` names another one.
    /// So does a PostgreSQL store's fold, in the account's cache.
    func environment(account: String = "account") -> [String: String] {
        ["XDG_CONFIG_HOME": directory.appendingPathComponent(account).path,
         "XDG_CACHE_HOME": directory.appendingPathComponent(account + "-cache").path]
    }

    /// The store as an SQLite file: the file itself, or for a PostgreSQL
    /// store a new file `signoff store copy` made of it (every hash kept).
    func storeFile() throws -> String {
        guard database != nil else { return path }
        let copy = directory.appendingPathComponent("copy-\(UUID().uuidString).sqlite").path
        let copied = try Signoff.run(["store", "copy", path, copy], environment: environment())
        guard copied.status == 0 else { throw HarnessError("store copy failed: \(copied.output)") }
        return copy
    }

    /// Holds the store's write lock from another process until the returned
    /// function is called: `sqlite3` in an IMMEDIATE transaction on a file,
    /// `psql` holding the append lock on a PostgreSQL store. Returns once
    /// the lock is held.
    func holdWriteLock() throws -> () -> Void {
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let input = Pipe()
        holder.standardInput = input
        holder.standardOutput = FileHandle.nullDevice
        let held: () throws -> Bool
        switch database {
        case nil:
            holder.arguments = ["sqlite3", path]
            held = { [path] in
                let probe = try Signoff.runProgram("/usr/bin/env", ["sqlite3", "-cmd", ".timeout 0", path, "BEGIN IMMEDIATE; ROLLBACK;"])
                return probe.status != 0
            }
        case let database?:
            holder.arguments = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", database]
            held = {
                let probe = try Signoff.runProgram("/usr/bin/env", ["psql", "-X", "-A", "-t", "-d", database, "-c", """
                    SELECT count(*) FROM pg_locks WHERE locktype = 'relation' AND granted
                      AND relation = 'signoff.append_lock'::regclass
                    """])
                return probe.stdout.hasPrefix("1")
            }
        }
        try holder.run()
        // sqlite3 waits no time for a lock unless told: a console writing at that moment would make it give up.
        let statement = database == nil ? ".timeout 20000\nBEGIN IMMEDIATE;\n" : "BEGIN; LOCK TABLE signoff.append_lock IN EXCLUSIVE MODE;\n"
        try input.fileHandleForWriting.write(contentsOf: Data(statement.utf8))
        // The holder ends, rolling back, at the end of its input.
        let release = { try? input.fileHandleForWriting.close(); holder.waitUntilExit() }
        do { try waitUntil { try held() } } catch { release(); throw error }
        return release
    }

    /// Runs a command against this store as `person`, in the OS account `account`.
    @discardableResult
    func run(_ arguments: [String], as person: String? = nil, stdin: String? = nil, at now: String? = nil,
             account: String = "account", directory workingDirectory: URL? = nil) throws -> Signoff.Result {
        var full = arguments + ["--store", path]
        if let person { full += ["--as", person] }
        var environment = environment(account: account)
        environment["SIGNOFF_NOW"] = now
        return try Signoff.run(full, stdin: stdin, environment: environment, directory: workingDirectory)
    }

    func file(_ name: String, _ text: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    /// Submits one request and returns its ID.
    func submit(_ yaml: String, as person: String, at now: String? = nil) throws -> String {
        let result = try run(["submit", "-", "--json"], as: person, stdin: yaml, at: now)
        guard result.status == 0, let id = try Signoff.items(result).first?["id"] as? String else {
            throw HarnessError("submit failed (\(result.status)): \(result.output)")
        }
        return id
    }

    func show(_ id: String) throws -> [String: Any] {
        let result = try run(["show", id, "--json"])
        guard result.status == 0, let object = try Signoff.json(result) as? [String: Any] else {
            throw HarnessError("show failed: \(result.output)")
        }
        return object
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A private tmux server running the console, read back as text.
final class TmuxSession {
    let socket = "signoff-test-\(UUID().uuidString.prefix(8))"
    let name = "console"

    init(command: [String], width: Int = 120, height: Int = 35, environment: [String: String] = [:]) throws {
        var env = ["TERM": "xterm-256color", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"]
        for (key, value) in environment { env[key] = value }
        let exports = env.map { "\($0.key)=\(Self.quote($0.value))" }.joined(separator: " ")
        let line = "env \(exports) " + command.map(Self.quote).joined(separator: " ")
        try tmux(["-f", "/dev/null", "new-session", "-d", "-s", name, "-x", "\(width)", "-y", "\(height)", line])
        try tmux(["set-option", "-t", name, "remain-on-exit", "on"])
    }

    deinit { _ = try? tmux(["kill-server"]) }

    static func quote(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// Runs a tmux client command with posix_spawn and waitpid. Not Foundation's
    /// Process: the tmux server that `new-session` starts inherits the
    /// descriptors Process watches for the child's end, so it never sees one.
    @discardableResult
    func tmux(_ arguments: [String]) throws -> String {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("signoff-tmux-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // Nothing else: the server tmux starts would keep our other descriptors
        // (pipes of processes other tests are waiting for) open forever.
        // (glibc 2.34+; Swift's Glibc module does not declare it, so look it up.)
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else {
            throw HarnessError("this C library cannot close descriptors in posix_spawn")
        }
        _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
        // tmux would never reap its pane or hear SIGWINCH with the test's signal mask.
        var attributes = defaultSignalsSpawnAttributes()
        defer { posix_spawnattr_destroy(&attributes) }
        let argv = ["tmux", "-L", socket] + arguments
        var cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, "tmux", &actions, &attributes, &cArguments, environ)
        guard spawned == 0 else { throw HarnessError("cannot start tmux: error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return (try? String(contentsOf: output, encoding: .utf8)) ?? ""
    }

    func screen(escapes: Bool = false) throws -> String {
        try tmux(["capture-pane", "-p", "-t", name] + (escapes ? ["-e"] : []))
    }

    func send(_ keys: String...) throws { try tmux(["send-keys", "-t", name] + keys) }

    /// Types `text` as a person does before their next key: the console
    /// shows it before anything else is sent. (Keys that reach the console
    /// in one burst with others never submit a decision.) Text that changes
    /// nothing on the screen is waited for at most a second.
    func type(_ text: String) throws {
        let before = try screen()
        try tmux(["send-keys", "-t", name, "-l", text])
        let deadline = Date().addingTimeInterval(1)
        var previous: String?
        while Date() < deadline {
            let now = try screen()
            if now != before, now == previous { return }
            previous = now
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// Pastes `text` as a terminal pastes it: bracketed, where the program asked for that.
    func paste(_ text: String) throws {
        try tmux(["set-buffer", "-b", "signoff-test", "--", text])
        try tmux(["paste-buffer", "-p", "-d", "-b", "signoff-test", "-t", name])
    }

    /// Waits until the screen contains `text` and has settled; fails with the
    /// screen if not. A frame larger than the terminal's buffer reaches tmux in
    /// pieces, so one capture can hold a new heading over the old rows: the
    /// screen counts as settled once two captures 50 ms apart are the same.
    @discardableResult
    func waitFor(_ text: String, timeout: TimeInterval = 20) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var last = "", previous: String?
        while Date() < deadline {
            last = try screen()
            if last.contains(text) {
                if last == previous { return last }
                previous = last
                Thread.sleep(forTimeInterval: 0.05)
                continue
            }
            previous = nil
            Thread.sleep(forTimeInterval: 0.1)
        }
        // Still changing at the deadline (a clock that ticks): it did show the text.
        if let previous { return previous }
        throw HarnessError("screen never showed \"\(text)\"; it shows:\n\(last)")
    }

    func resize(width: Int, height: Int) throws {
        try tmux(["resize-window", "-t", name, "-x", "\(width)", "-y", "\(height)"])
    }

    var paneDead: Bool {
        (try? tmux(["display-message", "-p", "-t", name, "#{pane_dead}"]))?.trimmingCharacters(in: .whitespacesAndNewlines) == "1"
    }
}

/// Spawn attributes that unblock every signal and reset each to its default:
/// test threads run with most signals blocked, and a spawned process inherits
/// that mask. Destroy them with `posix_spawnattr_destroy`.
func defaultSignalsSpawnAttributes() -> posix_spawnattr_t {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    var none = sigset_t(), all = sigset_t()
    sigemptyset(&none)
    sigfillset(&all)
    posix_spawnattr_setsigmask(&attributes, &none)
    posix_spawnattr_setsigdefault(&attributes, &all)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    return attributes
}
