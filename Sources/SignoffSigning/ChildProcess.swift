#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SignoffCore

/// Runs OpenSSH's tools as child processes.
///
/// Through `posix_spawn` rather than Foundation's `Process`, because a child
/// inherits its parent thread's signal mask, and the threads of a dispatch
/// queue (or a test runner) block nearly every signal: a tool started from
/// one could never be stopped by SIGTERM, nor by the person's Ctrl-C. Here
/// each child starts with no signal blocked and default dispositions.
public enum ChildProcess {
    /// What the child reads on stdin.
    public enum Input: Sendable {
        case none
        /// This process's stdin when it is a terminal: OpenSSH asks for a
        /// passphrase or PIN only when its stdin is one (else through `SSH_ASKPASS`).
        case terminal
        case bytes(Data)
    }

    public struct Result: Sendable {
        public var status: Int32
        public var output: String
        public var error: String
        public var timedOut: Bool
        public var succeeded: Bool { status == 0 && !timedOut }
        /// The tool's complaint on one display-safe line.
        public var errorText: String {
            DisplaySafe.text(error.split(whereSeparator: \.isNewline).joined(separator: " / "))
        }
    }

    public struct SpawnError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs `executable` to completion, its output captured through files (a
    /// full pipe can never stall it); stopped after `timeout`.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                           input: Input = .none, timeout: Duration) -> Result {
        func failure(_ problem: String) -> Result { Result(status: -1, output: "", error: problem, timedOut: false) }
        let directory: URL
        do { directory = try privateDirectory() } catch { return failure("cannot create a temporary directory: \(error)") }
        defer { try? FileManager.default.removeItem(at: directory) }
        let outputPath = directory.appendingPathComponent("out").path
        let errorPath = directory.appendingPathComponent("err").path
        var stdin: String?
        switch input {
        case .none: stdin = "/dev/null"
        case .terminal: stdin = isatty(STDIN_FILENO) == 1 ? nil : "/dev/null"
        case let .bytes(data):
            stdin = directory.appendingPathComponent("in").path
            guard FileManager.default.createFile(atPath: stdin!, contents: data) else { return failure("cannot write the input") }
        }
        let pid: pid_t
        do {
            pid = try start(executable, arguments, environment: environment, stdin: stdin, stdout: outputPath,
                            stderr: errorPath)
        } catch {
            return failure(error.description)
        }
        let deadline = ContinuousClock.now + timeout
        var status: Int32 = 0
        var timedOut = false
        while true {
            let done = waitpid(pid, &status, WNOHANG)
            if done == pid { break }
            if done < 0 && errno != EINTR { return failure("lost the child process: \(String(cString: strerror(errno)))") }
            if ContinuousClock.now >= deadline {
                timedOut = true
                stop(pid)
                status = 0
                break
            }
            usleep(2_000)
        }
        func read(_ path: String) -> String {
            String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
        }
        let exited = status & 0x7f == 0
        return Result(status: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), output: read(outputPath),
                      error: read(errorPath), timedOut: timedOut)
    }

    /// Starts `executable` and returns at once. Nil paths leave that stream as
    /// this process's own. The child stays in this process group, so it may ask
    /// for a passphrase on the terminal.
    public static func start(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                             stdin: String? = nil, stdout: String? = nil, stderr: String? = nil) throws(SpawnError)
        -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let stdin { posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0) }
        if let stdout { posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600) }
        if let stderr { posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let variables = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let status = withCStrings([executable] + arguments) { argv in
            withCStrings(variables) { envp in posix_spawn(&pid, executable, &actions, &attributes, argv, envp) }
        }
        guard status == 0 else {
            throw SpawnError(description: "could not start \(executable): \(String(cString: strerror(status)))")
        }
        return pid
    }

    /// SIGTERM, a moment's grace, then SIGKILL; and reaps it.
    public static func stop(_ pid: pid_t) {
        var status: Int32 = 0
        kill(pid, SIGTERM)
        let grace = ContinuousClock.now + .seconds(2)
        while waitpid(pid, &status, WNOHANG) == 0 {
            guard ContinuousClock.now < grace else {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                return
            }
            usleep(5_000)
        }
    }

    /// A fresh directory only this account can read.
    static func privateDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("signoff-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o700])
        return url
    }

    private static func withCStrings<T>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> T) -> T {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        pointers.append(nil)
        defer { for pointer in pointers { free(pointer) } }
        return body(pointers)
    }
}
