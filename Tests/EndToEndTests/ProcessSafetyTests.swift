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
            FileManager.default.createFile(atPath: url.path, contents: nil)
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
        // Requests to approve one by one.
        var ids: [String] = []
        let batch = Array(repeating: etlRequest, count: 40).joined(separator: "\n---\n")
        let submitted = try store.run(["submit", "-", "--json"], as: "alice", stdin: batch)
        for item in (try Signoff.json(submitted) as? [[String: Any]]) ?? [] {
            if let id = item["id"] as? String { ids.append(id) }
        }
        #expect(ids.count == 40)

        // A large submission in one transaction, killed while it writes.
        let big = Array(repeating: etlRequest, count: 20_000).joined(separator: "\n---\n")
        let bigFile = try store.file("big.yaml", big)
        var acknowledged: [String] = []
        for (index, id) in ids.enumerated() {
            if index % 10 == 0 {
                let writer = try launch(["submit", bigFile, "--store", store.path, "--as", "alice"])
                Thread.sleep(forTimeInterval: 0.3 + Double(index % 20) / 100)
                kill(writer.processIdentifier, SIGKILL)
                writer.waitUntilExit()
            }
            let result = try store.run(["approve", id, "--version", "1", "-r", rationale], as: "dave")
            if result.status == 0 { acknowledged.append(id) }
        }
        #expect(acknowledged.count == ids.count)
        let verify = try store.run(["audit", "verify"])
        #expect(verify.status == 0, "\(verify.output)")
        for id in acknowledged {
            #expect(try store.show(id)["state"] as? String == "approved", "\(id) was acknowledged but is lost")
        }
        // A killed submission wrote all or nothing: never part of a file.
        let listed = try store.run(["list", "--json"])
        let count = (try Signoff.json(listed) as? [Any])?.count ?? -1
        #expect((count - 40) % 20_000 == 0, "a partial submission survived: \(count) requests")
    }
}
