import Foundation

/// Whole processes, timed as a user waits for them: `signoff` itself, and
/// `sqlite3` doing the same reads as a floor.
enum Processes {
    struct Run {
        var seconds: Double
        /// Peak resident memory of the process (its high-water mark); from
        /// this benchmark's own process it includes the benchmark's size at
        /// the spawn (see `peakBytes(_:_:)`).
        var peakBytes: Int
        /// Seconds until the first byte of output arrived (only when `firstByte` was asked for).
        var firstByte: Double?
        var status: Int32
    }

    /// The `signoff` binary built next to this benchmark.
    static var signoff: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("signoff").path
    }

    /// `sqlite3` on PATH: the floor of every read.
    static func sqlite3() throws -> String {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let path = "\(directory)/sqlite3"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw BenchError("sqlite3 is not on PATH: scripts/setup installs it")
    }

    static func requireSignoff() throws {
        guard FileManager.default.isExecutableFile(atPath: signoff) else {
            throw BenchError("no signoff binary next to signoff-bench; build both: swift build -c release")
        }
    }

    /// The peak resident memory of `path` run with `arguments`, taken by a
    /// fresh, small `signoff-bench --peak-of` process that runs it (see main).
    static func peakBytes(_ path: String, _ arguments: [String]) throws -> Int {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("peak-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let bench = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
        let run = try Self.run(bench, ["--peak-of", file, path] + arguments)
        guard run.status == 0, let text = try? String(contentsOfFile: file, encoding: .utf8), let bytes = Int(text) else {
            throw BenchError("cannot measure the peak memory of \(path) \(arguments.joined(separator: " "))")
        }
        return bytes
    }

    /// Runs `path` with `arguments`, its output to /dev/null (or read through a
    /// pipe when `firstByte`, to time the first byte), and waits for it.
    static func run(_ path: String, _ arguments: [String], environment: [String: String] = [:],
                    firstByte: Bool = false) throws -> Run {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var pipe: [Int32] = [-1, -1]
        if firstByte {
            guard Glibc.pipe(&pipe) == 0 else { throw BenchError("pipe failed") }
            posix_spawn_file_actions_adddup2(&actions, pipe[1], 1)
            posix_spawn_file_actions_addclose(&actions, pipe[0])
            posix_spawn_file_actions_addclose(&actions, pipe[1])
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        var env = ProcessInfo.processInfo.environment
        env["SIGNOFF_STORE"] = nil
        for (key, value) in environment { env[key] = value }
        let argv = [path] + arguments
        var cArguments = argv.map { strdup($0) } + [nil]
        var cEnvironment = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            cArguments.forEach { free($0) }
            cEnvironment.forEach { free($0) }
        }
        var pid: pid_t = 0
        let start = Measure.clock.now
        let spawned = posix_spawn(&pid, path, &actions, nil, &cArguments, &cEnvironment)
        guard spawned == 0 else { throw BenchError("cannot start \(path): error \(spawned)") }
        var first: Double?
        if firstByte {
            close(pipe[1])
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let count = read(pipe[0], &buffer, buffer.count)
                if count > 0, first == nil { first = Measure.seconds(Measure.clock.now - start) }
                if count == 0 || (count < 0 && errno != EINTR) { break }
            }
            close(pipe[0])
        }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) == -1 && errno == EINTR {}
        let seconds = Measure.seconds(Measure.clock.now - start)
        let exit = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return Run(seconds: seconds, peakBytes: usage.ru_maxrss * 1024, firstByte: first, status: exit)
    }

    /// The median of `rounds` runs of each command, taken in turns so that
    /// the machine's changing load falls on both alike.
    static func medians(rounds: Int, _ commands: [() throws -> Run]) throws -> [Run] {
        var runs = Array(repeating: [Run](), count: commands.count)
        for _ in 0..<rounds {
            for (index, command) in commands.enumerated() {
                let run = try command()
                guard run.status == 0 else { throw BenchError("a benchmarked process exited with status \(run.status)") }
                runs[index].append(run)
            }
        }
        return runs.map { samples in samples.sorted { $0.seconds < $1.seconds }[samples.count / 2] }
    }
}
