import Foundation
import SignoffCore

/// Runs the configured hand-off command: `/bin/sh -c COMMAND`, the document on
/// stdin, in its own process group (so a timeout stops everything it started),
/// with no signals blocked. Its output is kept only to explain a failure.
enum HandOffCommand {
    struct Result {
        var succeeded: Bool
        /// Why it failed, in words: exit status, signal or timeout, and the end of its output.
        var problem: String
    }

    static func run(_ command: String, input: Data, timeout: Int, environment extra: [String: String],
                    role: String = "hand-off command") -> Result {
        func failure(_ problem: String) -> Result { Result(succeeded: false, problem: problem) }
        guard let inputFile = temporaryFile(containing: input), let outputFile = temporaryFile(containing: Data()) else {
            return failure("could not create a temporary file for the \(role): \(String(cString: strerror(errno)))")
        }
        defer { unlink(inputFile.path); unlink(outputFile.path); close(inputFile.fd); close(outputFile.fd) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inputFile.fd, 0)
        posix_spawn_file_actions_adddup2(&actions, outputFile.fd, 1)
        posix_spawn_file_actions_adddup2(&actions, outputFile.fd, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        var variables = ProcessInfo.processInfo.environment
        for (name, value) in extra { variables[name] = value }
        let arguments = ["/bin/sh", "-c", command]
        var pid: pid_t = 0
        let status = withCStrings(arguments) { argv in
            withCStrings(variables.map { "\($0.key)=\($0.value)" }) { envp in
                posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, envp)
            }
        }
        guard status == 0 else { return failure("could not start /bin/sh for the \(role): \(String(cString: strerror(status)))") }

        let deadline = Date().addingTimeInterval(TimeInterval(max(1, timeout)))
        var exitStatus: Int32 = 0
        var timedOut = false
        while true {
            let done = waitpid(pid, &exitStatus, WNOHANG)
            if done == pid { break }
            if done < 0 && errno != EINTR { return failure("lost the \(role): \(String(cString: strerror(errno)))") }
            if Date() >= deadline {
                timedOut = true
                kill(-pid, SIGTERM)
                let grace = Date().addingTimeInterval(2)
                while waitpid(pid, &exitStatus, WNOHANG) == 0 && Date() < grace { usleep(20_000) }
                kill(-pid, SIGKILL)
                _ = waitpid(pid, &exitStatus, 0)
                break
            }
            usleep(5_000)
        }
        let output = tail(of: outputFile.path)
        let said = output.isEmpty ? "" : "; it said: \(output)"
        if timedOut { return failure("the \(role) did not finish within \(timeout)s and was stopped\(said)") }
        let exited = exitStatus & 0x7f == 0
        let code = (exitStatus >> 8) & 0xff
        if exited && code == 0 { return Result(succeeded: true, problem: "") }
        if exited && code == 127 { return failure("the \(role) was not found (exit 127)\(said)") }
        if exited { return failure("the \(role) exited with status \(code)\(said)") }
        return failure("the \(role) was killed by signal \(exitStatus & 0x7f)\(said)")
    }

    private static func temporaryFile(containing data: Data) -> (path: String, fd: Int32)? {
        // mkstemp(3) replaces the trailing six-character pattern with a unique name.
        let pattern = "signoff-handoff-" + String(repeating: "X", count: 6)
        var template = Array((NSTemporaryDirectory() as NSString).appendingPathComponent(pattern).utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { return nil }
        let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let ok = data.withUnsafeBytes { buffer in buffer.count == 0 || Foundation.write(fd, buffer.baseAddress!, buffer.count) == buffer.count }
        guard ok, lseek(fd, 0, SEEK_SET) == 0 else { close(fd); unlink(path); return nil }
        return (path, fd)
    }

    /// The last few hundred bytes of the command's output, on one line.
    /// The end of what the command said, one line, credentials replaced: it
    /// becomes a recorded reason (chained for good, written back to tickets).
    private static func tail(of path: String) -> String {
        // Only the end is read: a command may say gigabytes.
        guard let handle = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? handle.close() }
        guard let end = try? handle.seekToEnd(), (try? handle.seek(toOffset: end - min(end, 300))) != nil,
              let data = try? handle.read(upToCount: 300) else { return "" }
        // A NUL cannot be stored: it would keep the failure itself from being
        // recorded, and the command, which did run, from being seen to fail.
        let text = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\u{0}", with: "\u{FFFD}")
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " / ").trimmingCharacters(in: .whitespaces)
        return NoticeText.redactingSecrets(line)
    }

    private static func withCStrings<T>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> T) -> T {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        pointers.append(nil)
        defer { for pointer in pointers { free(pointer) } }
        return body(pointers)
    }
}
