import Foundation
import SignoffApp
import Testing

/// An import reads the next batch on a second thread while it imports this
/// one: the batches, their order and where an error stops it must be exactly
/// those of a plain loop.
@Suite struct ReadAheadTests {
    /// What both threads did, in the order they did it.
    final class Log: @unchecked Sendable {
        private let lock = NSLock()
        private var entries: [String] = []
        func add(_ entry: String) { lock.withLock { entries.append(entry) } }
        var all: [String] { lock.withLock { entries } }
    }

    struct Failure: Error, Equatable { var name: String }

    @Test func everyBatchInOrderOnTheCallingThreadAtMostOneAhead() throws {
        let log = Log()
        var imported: [Int] = []
        try ReadAhead.run({ handOver in
            for batch in 0..<40 {
                log.add("read \(batch)")
                try handOver(batch)
            }
        }, each: { batch in
            log.add("import \(batch)")
            imported.append(batch)
            Thread.sleep(forTimeInterval: batch % 8 == 0 ? 0.002 : 0)
            log.add("imported \(batch)")
        })
        #expect(imported == Array(0..<40))
        let entries = log.all
        for batch in 0..<38 {
            // Batch n + 2 is read only once batch n is imported: one batch ahead, never more.
            let done = try #require(entries.firstIndex(of: "imported \(batch)"))
            let readTwoAhead = try #require(entries.firstIndex(of: "read \(batch + 2)"))
            #expect(done < readTwoAhead, "\(entries)")
        }
    }

    @Test func theReadersErrorComesAfterEveryBatchBeforeIt() {
        var imported: [Int] = []
        #expect(throws: Failure(name: "page 3 is not JSON")) {
            try ReadAhead.run({ handOver in
                for batch in 0..<3 { try handOver(batch) }
                throw Failure(name: "page 3 is not JSON")
            }, each: { batch in
                Thread.sleep(forTimeInterval: 0.005)  // the reader fails long before the import gets there
                imported.append(batch)
            })
        }
        #expect(imported == [0, 1, 2])
    }

    @Test func anImportsErrorStopsTheReaderAtTheBatchItWasOn() throws {
        let log = Log()
        let readerDone = DispatchSemaphore(value: 0)
        var imported: [Int] = []
        #expect(throws: Failure(name: "the store is full")) {
            try ReadAhead.run({ handOver in
                defer { readerDone.signal() }
                for batch in 0..<100 {
                    log.add("read \(batch)")
                    do {
                        try handOver(batch)
                    } catch {
                        log.add("stopped at \(batch)")
                        throw error
                    }
                }
            }, each: { batch in
                imported.append(batch)
                if batch == 4 { throw Failure(name: "the store is full") }
            })
        }
        #expect(imported == [0, 1, 2, 3, 4])
        #expect(readerDone.wait(timeout: .now() + 10) == .success, "the reader stops")
        let entries = log.all
        #expect(entries.last == "stopped at 5", "\(entries)")
        #expect(!entries.contains("read 6"), "\(entries)")
    }

    @Test func nothingToReadImportsNothing() throws {
        var calls = 0
        try ReadAhead.run({ (_: (Int) throws -> Void) in }, each: { _ in calls += 1 })
        #expect(calls == 0)
    }
}
