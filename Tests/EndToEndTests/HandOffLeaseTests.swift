import Foundation
import Testing

/// One hand-off of one document is carried out by one process at a time:
/// two processes that both read it pending (an approval delivering after its
/// commit and the retry timer, or two timers) run the provisioning command
/// once and record one outcome. Real processes of the real binary, on
/// either backend.
@Suite("Hand-off leases, end to end")
struct HandOffLeaseTests {
    static let t0 = "2026-11-21T03:00:00Z"

    /// A hand-off command that notes each run in `ran` and then takes its time.
    static func slowCommand(_ ran: String, seconds: Int = 2) -> String {
        "echo x >> '\(ran)'; sleep \(seconds)"
    }

    /// Starts the binary on `store` as `person` without waiting for it.
    static func start(_ store: TestStore, _ arguments: [String], as person: String) throws -> (Process, URL, URL) {
        let out = store.directory.appendingPathComponent("out-\(UUID().uuidString)")
        let err = store.directory.appendingPathComponent("err-\(UUID().uuidString)")
        #expect(FileManager.default.createFile(atPath: out.path, contents: nil))
        #expect(FileManager.default.createFile(atPath: err.path, contents: nil))
        let process = Process()
        process.executableURL = Signoff.binary
        process.arguments = arguments + ["--store", store.path, "--as", person]
        var environment = ProcessInfo.processInfo.environment
        environment["SIGNOFF_STORE"] = nil
        environment["NO_COLOR"] = nil
        for (key, value) in store.environment() { environment[key] = value }
        process.environment = environment
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        return (process, out, err)
    }

    static func finish(_ started: (Process, URL, URL)) throws -> Signoff.Result {
        started.0.waitUntilExit()
        return Signoff.Result(status: started.0.terminationStatus,
                              stdout: String(decoding: try Data(contentsOf: started.1), as: UTF8.self),
                              stderr: String(decoding: try Data(contentsOf: started.2), as: UTF8.self))
    }

    /// Waits until the command noted a run: the first process holds the lease.
    static func waitForRun(_ ran: String, timeout: TimeInterval = 60) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while runs(ran) == 0 {
            guard Date() < deadline else { throw HarnessError("the hand-off command never ran") }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    static func runs(_ ran: String) -> Int {
        ((try? String(contentsOfFile: ran, encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    /// The kinds of the events in the store's export, in order.
    static func kinds(_ store: TestStore) throws -> [String] {
        let export = try store.run(["audit", "export", "--format", "jsonl"])
        #expect(export.status == 0, "\(export.output)")
        return export.stdout.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["kind"] as? String
        }
    }

    @Test func twoDeliveriesOfOneGrantRunTheCommandOnceAndRecordOneOutcome() throws {
        let store = try TestStore()
        let ran = store.directory.appendingPathComponent("ran").path
        #expect(try store.run(["handoff", "--command", Self.slowCommand(ran)], as: "ops").status == 0)
        // dave's approval leaves it pending for ops, whose processes run the command.
        let id = try store.submit(etlRequest, as: "alice", at: Self.t0)
        let approved = try store.run(["approve", id, "--version", "1", "-r", rationale], as: "dave", at: Self.t0)
        #expect(approved.status == 0 && approved.stderr.contains("left pending"), "\(approved.output)")
        let before = try Self.kinds(store)

        // The timer and a person's retry at once: both read it pending.
        let first = try Self.start(store, ["handoff", "retry", id], as: "ops")
        try Self.waitForRun(ran)
        let second = try Self.start(store, ["handoff", "retry", id], as: "ops")
        let results = try [Self.finish(first), Self.finish(second)]
        for result in results { #expect(result.status == 0, "\(result.output)") }

        #expect(Self.runs(ran) == 1, "the command ran \(Self.runs(ran)) times")
        let after = try Self.kinds(store)
        #expect(Array(after.dropFirst(before.count)) == ["grant_provisioned"], "\(after.dropFirst(before.count))")
        #expect(results[0].stdout.contains("\(id): grant provisioned by the hand-off command"), "\(results[0].output)")
        // The second waited for the lease and found the outcome recorded; asked by ID, it says so.
        #expect(results[1].stdout.contains("\(id): grant not handed off again: its grant is already confirmed done"),
                "\(results[1].output)")
        #expect(try store.run(["audit", "verify"]).status == 0)
    }

    @Test func twoDeliveriesOfOneRemovalRunTheCommandOnceAndRecordOneOutcome() throws {
        let (store, finding) = try FindingOwnershipTests.storeWithFinding()
        // The store's grant is provisioned: the removal is the one hand-off waiting.
        #expect(try store.run(["provisioned", "REQ-1"], as: "ops", at: "2026-11-21T04:20:00Z").status == 0)
        let ran = store.directory.appendingPathComponent("ran").path
        #expect(try store.run(["handoff", "--command", Self.slowCommand(ran)], as: "ops").status == 0)
        let sent = try store.run(["drift", "remove", finding, "-r", "Nobody owns svc-rogue; the platform team removes it"],
                                 as: "sam", at: "2026-11-21T04:45:00Z")
        #expect(sent.status == 0, "\(sent.output)")
        let before = try Self.kinds(store)

        // Every pending hand-off, and this one by ID, at once.
        let first = try Self.start(store, ["handoff", "retry"], as: "ops")
        try Self.waitForRun(ran)
        let second = try Self.start(store, ["handoff", "retry", finding], as: "ops")
        let results = try [Self.finish(first), Self.finish(second)]
        for result in results { #expect(result.status == 0, "\(result.output)") }

        #expect(Self.runs(ran) == 1, "the command ran \(Self.runs(ran)) times")
        let after = try Self.kinds(store)
        #expect(Array(after.dropFirst(before.count)) == ["removal_handed_off"], "\(after.dropFirst(before.count))")
        #expect(results[1].stdout.contains("\(finding): remove not handed off again: its removal is already handed off"),
                "\(results[1].output)")
        #expect(try store.run(["audit", "verify"]).status == 0)
    }

    /// A process that dies holding the lease does not keep it: the lease is
    /// the operating system's (or the server's session's), so the next
    /// delivery takes it at once and hands the grant off.
    @Test func aLeaseEndsWithTheProcessThatHeldIt() throws {
        let store = try TestStore()
        let ran = store.directory.appendingPathComponent("ran").path
        #expect(try store.run(["handoff", "--command", Self.slowCommand(ran, seconds: 3)], as: "ops").status == 0)
        let id = try store.submit(etlRequest, as: "alice", at: Self.t0)
        #expect(try store.run(["approve", id, "--version", "1", "-r", rationale], as: "dave", at: Self.t0).status == 0)

        let doomed = try Self.start(store, ["handoff", "retry", id], as: "ops")
        try Self.waitForRun(ran)
        kill(doomed.0.processIdentifier, SIGKILL)
        doomed.0.waitUntilExit()

        let started = Date()
        let retried = try store.run(["handoff", "retry", id], as: "ops")
        #expect(retried.status == 0 && retried.stdout.contains("provisioned by the hand-off command"), "\(retried.output)")
        // It waited for no lease: only for its own command.
        #expect(Date().timeIntervalSince(started) < 20)
        #expect(Self.runs(ran) == 2)
        #expect(try Self.kinds(store).filter { $0 == "grant_provisioned" }.count == 1)
    }

    /// The lock file beside an SQLite store is used only when nobody but
    /// those who may open the store could hold it or put another in its
    /// place: a link, or a file others may open, stops every hand-off, with
    /// the reason, and runs nothing.
    @Test(.needsStoreFile) func anUnsafeLockFileStopsTheHandOff() throws {
        let store = try TestStore()
        let ran = store.directory.appendingPathComponent("ran").path
        #expect(try store.run(["handoff", "--command", Self.slowCommand(ran, seconds: 0)], as: "ops").status == 0)
        let id = try store.submit(etlRequest, as: "alice", at: Self.t0)
        #expect(try store.run(["approve", id, "--version", "1", "-r", rationale], as: "dave", at: Self.t0).status == 0)
        let lock = store.path + "-handoff.lock"
        let elsewhere = store.directory.appendingPathComponent("elsewhere").path

        #expect(symlink(elsewhere, lock) == 0)
        let linked = try store.run(["handoff", "retry", id], as: "ops")
        #expect(linked.status != 0 && linked.stderr.contains("it is a symbolic link"), "\(linked.output)")
        #expect(!FileManager.default.fileExists(atPath: elsewhere))
        #expect(unlink(lock) == 0)

        #expect(FileManager.default.createFile(atPath: lock, contents: nil))
        #expect(chmod(lock, 0o666) == 0)
        let open = try store.run(["handoff", "retry", id], as: "ops")
        #expect(open.status != 0 && open.stderr.contains("it lets accounts open it that may not open the store"), "\(open.output)")
        #expect(Self.runs(ran) == 0)
        let grant = try #require(try store.show(id)["grant"] as? [String: Any])
        #expect((grant["provisioning"] as? [String: Any])?["state"] as? String == "pending")

        // Removed, it is made again, with the store's own mode.
        #expect(unlink(lock) == 0)
        let delivered = try store.run(["handoff", "retry", id], as: "ops")
        #expect(delivered.status == 0 && Self.runs(ran) == 1, "\(delivered.output)")
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: lock)[.posixPermissions] as? Int)
        let storeMode = try #require(try FileManager.default.attributesOfItem(atPath: store.path)[.posixPermissions] as? Int)
        #expect(mode == storeMode & 0o666, "\(String(mode, radix: 8))")
    }
}
