import Foundation
import Testing

@Suite("Several processes on one store", .serialized)
struct ProcessSafetyTests {
    /// Starts the binary without waiting for it.
    func launch(_ arguments: [String], stdout: URL? = nil, errorsTo: URL? = nil) throws -> Process {
        let process = Process()
        process.executableURL = Signoff.binary
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try stdout.map { url in
            try Data().write(to: url)
            return try FileHandle(forWritingTo: url)
        } ?? FileHandle.nullDevice
        process.standardError = try errorsTo.map { url in
            try Data().write(to: url)
            return try FileHandle(forWritingTo: url)
        } ?? FileHandle.nullDevice
        try process.run()
        return process
    }

    @Test func racingApproversGetExactlyOneOutcomeEach() throws {
        let store = try TestStore()
        for round in 0..<3 {
            let id = try store.submit(etlRequest, as: "alice")
            // Three owners of payments-db decide at the same moment; one step of one approval.
            let racers = try ["dave", "erin", "henry"].map { person in
                try launch(["approve", id, "--version", "1", "-r", rationale, "--store", store.path, "--as", person])
            }
            racers.forEach { $0.waitUntilExit() }
            let statuses = racers.map(\.terminationStatus).sorted()
            #expect(statuses == [0, 4, 4], "round \(round): \(statuses)")
            let shown = try store.show(id)
            #expect(shown["state"] as? String == "approved")
            #expect((shown["reviews"] as? [Any])?.count == 1)
            let kinds = (shown["timeline"] as? [[String: Any]])?.compactMap { $0["kind"] as? String } ?? []
            #expect(kinds.filter { $0 == "review_refused" }.count == 2, "the losers' attempts are evidence too")
        }
        #expect(try store.run(["audit", "verify"]).status == 0)
    }

    /// SQLite holds the store file's lock for as long as the last connection
    /// to close takes to checkpoint its log, which a busy disk can stretch
    /// past a second: a process opening the store meanwhile, to read or to
    /// write, waits it out instead of failing as if the store were stuck.
    /// Here `sqlite3` holds that lock for three seconds.
    @Test(.needsStoreFile) func aLockHeldForAMomentIsWaitedOutByReadersAndWriters() throws {
        let store = try TestStore()
        let id = try store.submit(etlRequest, as: "alice")
        let request = try store.file("one.yaml", etlRequest)
        for command in [["show", id], ["submit", request]] {
            let holder = Process()
            holder.executableURL = URL(fileURLWithPath: "/bin/sh")
            holder.arguments = ["-c", """
                { echo 'PRAGMA locking_mode = EXCLUSIVE;'; echo 'BEGIN EXCLUSIVE;'; echo "SELECT 'held';"; sleep 3; echo 'COMMIT;'; } \
                | sqlite3 "$0"
                """, store.path]
            let said = Pipe()
            holder.standardOutput = said
            holder.standardError = FileHandle.nullDevice
            try holder.run()
            // The lock is held once sqlite3 has answered the SELECT.
            var output = Data()
            while !String(decoding: output, as: UTF8.self).contains("held") {
                let more = said.fileHandleForReading.availableData
                if more.isEmpty { break }
                output += more
            }
            #expect(String(decoding: output, as: UTF8.self).contains("held"), "sqlite3 never held the lock")
            let started = Date()
            let result = try store.run(command, as: "alice")
            let waited = Date().timeIntervalSince(started)
            holder.waitUntilExit()
            #expect(result.status == 0, "\(command[0]): \(result.output)")
            #expect(waited > 1.5, "\(command[0]) returned after \(waited) s: it did not wait out the lock")
        }
        #expect(try store.run(["audit", "verify"]).status == 0)
    }

    /// Issue 11, finding 6: sixteen processes submitting at once, four of them
    /// a bulk file each, all succeed: contention waits, it does not fail.
    @Test func sixteenProcessesSubmittingAtOnceAllSucceed() throws {
        let store = try TestStore()
        let single = try store.file("one.yaml", etlRequest)
        let bulk = try store.file("bulk.yaml", Array(repeating: etlRequest, count: 200).joined(separator: "\n---\n"))
        let errors = (0..<16).map { store.directory.appendingPathComponent("writer-\($0).stderr") }
        let writers = try (0..<16).map { index in
            try launch(["submit", index % 4 == 0 ? bulk : single, "--store", store.path, "--as", "alice"], errorsTo: errors[index])
        }
        writers.forEach { $0.waitUntilExit() }
        let said = errors.map { (try? String(contentsOf: $0, encoding: .utf8)) ?? "" }.filter { !$0.isEmpty }
        #expect(writers.map(\.terminationStatus) == Array(repeating: 0, count: 16), "a writer failed under contention: \(said)")
        let listed = try store.run(["list", "--json", "--state", "pending"])
        #expect(try Signoff.items(listed).count == 4 * 200 + 12)
        #expect(try store.run(["audit", "verify"]).status == 0)
    }

    /// `submit` routes under the policy in force when its transaction takes
    /// the write lock, and records that version: while another process keeps
    /// applying v2 and v1 in turn, every routing in the chain names the version
    /// the chain shows in force at that point, and routes as that version does.
    @Test func submissionsRouteUnderThePolicyVersionTheyRecordWhileAppliesRace() throws {
        let store = try TestStore()
        let v1 = Signoff.example("policy.yaml")
        let source = try String(contentsOfFile: v1, encoding: .utf8)
        let renamed = source.replacingOccurrences(of: "  - name: production-read\n", with: "  - name: production-read-v2\n")
        #expect(renamed != source)
        let v2 = try store.file("v2.yaml", renamed)
        let request = try store.file("request.yaml", etlRequest)
        // Four submitters, each submitting one request after another until the
        // administrator has applied a policy four times (and at least four
        // each): however fast either side runs, the submissions span applies.
        let stop = URL(fileURLWithPath: v2).deletingLastPathComponent().appendingPathComponent("applies-done").path
        let submitters = try (0..<4).map { _ in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", """
                failed=0; n=0
                while [ $n -lt 4 ] || [ ! -e "$STOP" ]; do "$0" "$@" || failed=$((failed + 1)); n=$((n + 1)); done
                exit $failed
                """, Signoff.binary.path, "submit", request, "--store", store.path, "--as", "alice"]
            process.environment = ProcessInfo.processInfo.environment.merging(["STOP": stop]) { $1 }
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        // Meanwhile an administrator applies v2, v1, v2, ... until they are done.
        var applies = 0
        repeat {
            let applied = try store.run(["policy", "apply", applies % 2 == 0 ? v2 : v1], as: "carol")
            #expect(applied.status == 0, "\(applied.output)")
            applies += 1
            if applies == 4 { FileManager.default.createFile(atPath: stop, contents: nil) }
        } while submitters.contains(where: \.isRunning) || applies < 4
        submitters.forEach { $0.waitUntilExit() }
        #expect(submitters.map(\.terminationStatus) == [0, 0, 0, 0], "submissions failed under contention")

        var inForce: String?
        var ruleOf: [String: String] = [:]
        var submittedUnder: [String: Int] = [:]
        for line in try store.run(["audit", "export"]).stdout.split(separator: "\n") {
            let event = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let payload = event["payload"] as? [String: Any] ?? [:]
            switch event["kind"] as? String {
            case "policy_applied":
                let version = try #require(payload["version"] as? String)
                inForce = version
                let isV2 = (payload["source"] as? String)?.contains("- name: production-read-v2\n") == true
                ruleOf[version] = isV2 ? "production-read-v2" : "production-read"
            case "request_routed":
                let version = payload["policy_version"] as? String
                #expect(version != nil && version == inForce, "event \(event["sequence"] ?? 0) routed under \(version ?? "none") while \(inForce ?? "none") was in force")
                let rule = ((payload["outcome"] as? [String: Any])?["steps"] as? [String: Any])?["rule"] as? String
                #expect(rule == version.flatMap { ruleOf[$0] }, "event \(event["sequence"] ?? 0) routed by \(rule ?? "no rule") under \(version ?? "none")")
                if payload["cause"] as? String == "submitted", let version { submittedUnder[version, default: 0] += 1 }
            default:
                break
            }
        }
        let submitted = submittedUnder.values.reduce(0, +)
        #expect(submitted >= 16)
        #expect(submittedUnder.count == 2, "the submissions never met an apply (\(applies) applies): \(submittedUnder)")
        // Each pending request now stands under the last version applied.
        let pending = try Signoff.items(try store.run(["list", "--json", "--state", "pending"]))
        #expect(pending.count == submitted)
        let rules = pending.map { ($0["route"] as? [String: Any])?["rule"] as? String }
        #expect(rules.allSatisfy { $0 != nil && $0 == inForce.flatMap { ruleOf[$0] } }, "\(rules)")
        #expect(try store.run(["audit", "verify"]).status == 0)
    }

    @Test(.needsStoreFile) func aProcessKilledMidWriteLeavesAStoreThatVerifiesWithEveryAcknowledgedReview() throws {
        let store = try TestStore()
        var ids: [String] = []
        let batch = Array(repeating: etlRequest, count: 30).joined(separator: "\n---\n")
        let submitted = try store.run(["submit", "-", "--json"], as: "alice", stdin: batch)
        for item in try Signoff.items(submitted) {
            if let id = item["id"] as? String { ids.append(id) }
        }
        #expect(ids.count == 30)

        // A large submission is one transaction; its commit writes megabytes to
        // the write-ahead log. Kill it the moment the log starts to grow.
        let big = Array(repeating: etlRequest, count: 3_000).joined(separator: "\n---\n")
        let bigFile = try store.file("big.yaml", big)
        let wal = store.path + "-wal"
        var acknowledged: [String] = []
        var killedWhileWriting = 0
        for (index, id) in ids.enumerated() {
            if index % 10 == 0 {
                let before = (try? FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int) ?? 0
                let writer = try launch(["submit", bigFile, "--store", store.path, "--as", "alice"])
                let deadline = Date().addingTimeInterval(120)
                while writer.isRunning && Date() < deadline {
                    let size = (try? FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int) ?? 0
                    if size > before + 256 * 1024 { break }
                    usleep(500)
                }
                if writer.isRunning {
                    kill(writer.processIdentifier, SIGKILL)
                    killedWhileWriting += 1
                }
                writer.waitUntilExit()
            }
            let result = try store.run(["approve", id, "--version", "1", "-r", rationale], as: "dave")
            if result.status == 0 { acknowledged.append(id) }
        }
        #expect(killedWhileWriting > 0, "no writer was caught mid-commit; the test did not test anything")
        #expect(acknowledged.count == ids.count)
        let verify = try store.run(["audit", "verify"])
        #expect(verify.status == 0, "\(verify.output)")
        for id in acknowledged {
            #expect(try store.show(id)["state"] as? String == "approved", "\(id) was acknowledged but is lost")
        }
        // A killed submission wrote all or nothing: never part of a file.
        let listed = try store.run(["list", "--json"])
        let count = listed.status == 0 ? try Signoff.items(listed).count : -1
        #expect((count - 30) % 3_000 == 0, "a partial submission survived: \(count) requests")
    }
}
