import Foundation
import Testing

@Suite("Several processes on one store", .serialized)
struct ProcessSafetyTests {
    /// Starts the binary without waiting for it.
    func launch(_ arguments: [String], stdout: URL? = nil) throws -> Process {
        let process = Process()
        process.executableURL = Signoff.binary
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try stdout.map { url in
            try Data().write(to: url)
            return try FileHandle(forWritingTo: url)
        } ?? FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
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

    @Test func aProcessKilledMidWriteLeavesAStoreThatVerifiesWithEveryAcknowledgedReview() throws {
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
