import Foundation

/// Reads (and maps) the next batch of an import on a thread of its own while
/// the calling thread imports the current one: parsing and mapping a page of
/// tickets is CPU work with no store in it, and a page's import spends most
/// of its time in the store, so on two cores the two overlap.
///
/// Nothing an import does changes: `body` gets every batch, in the order
/// `read` handed them over, on the calling thread, one at a time, exactly as
/// a loop over `read`'s batches would. `read` runs at most one batch ahead:
/// each `handOver` returns only when `body` has taken that batch. An error of
/// `read` reaches the caller only after `body` has finished every batch handed
/// over before it (as if the loop had reached it); an error of `body` ends the
/// run at once, and `read`'s next `handOver` throws, so it reads nothing more
/// than the batch it was on.
public enum ReadAhead {
    /// Runs `read` on a second thread and `body` on this one, batch by batch.
    public static func run<Batch: Sendable>(
        _ read: @escaping @Sendable (_ handOver: (Batch) throws -> Void) throws -> Void,
        each body: (Batch) throws -> Void
    ) throws {
        let channel = Channel<Batch>()
        let reader = Thread {
            do {
                try read { batch in try channel.put(batch) }
                channel.finish(nil)
            } catch {
                channel.finish(error)
            }
        }
        // As much stack as the main thread has: mapping runs here what ran there.
        reader.stackSize = 8 << 20
        reader.start()
        do {
            while let batch = try channel.take() { try body(batch) }
        } catch {
            // The reader stops at its next hand-over; what it read is dropped.
            channel.stop()
            throw error
        }
    }

    /// The reader's error when the importing side stopped: it is never seen,
    /// the importing side's own error is.
    struct Stopped: Error {}

    /// One batch in hand between the two threads.
    private final class Channel<Batch: Sendable>: @unchecked Sendable {
        private let condition = NSCondition()
        // Guarded by `condition`.
        private var offered: Batch?
        private var taken = 0
        private var put = 0
        private var stopped = false
        private var end: (any Error)??

        /// Offers `batch` and waits until it is taken.
        func put(_ batch: Batch) throws {
            condition.lock()
            defer { condition.unlock() }
            if stopped { throw Stopped() }
            offered = batch
            put += 1
            condition.broadcast()
            while taken < put && !stopped { condition.wait() }
            // Taken, then the import stopped: the next hand-over says so.
            if taken < put { throw Stopped() }
        }

        /// The reader is done: `error` is why it stopped early, nil when it read everything.
        func finish(_ error: (any Error)?) {
            condition.lock()
            end = .some(error)
            condition.broadcast()
            condition.unlock()
        }

        /// The next batch; nil once the reader read everything; the reader's error once it failed.
        func take() throws -> Batch? {
            condition.lock()
            defer { condition.unlock() }
            while offered == nil && end == nil { condition.wait() }
            if let batch = offered {
                offered = nil
                taken += 1
                condition.broadcast()
                return batch
            }
            if case let .some(.some(error)) = end { throw error }
            return nil
        }

        func stop() {
            condition.lock()
            stopped = true
            offered = nil
            condition.broadcast()
            condition.unlock()
        }
    }
}
