import Foundation

/// Pages read on one thread and taken, in order, on another, with at most
/// `capacity` of them waiting: a sweep's writer binds and steps its writes
/// while the second core reads and decodes the pages after (see
/// `WriteTransaction.forEachGrantDue`). The reader stops when the taker
/// cancels; the taker learns of the reader's error at its next `take`.
final class ReadAhead<Item: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var pages: [[Item]] = []
    private var finished = false
    private var failure: (any Error)?
    private var cancelled = false
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Runs `read` on a thread of its own, handing it `put`: which waits
    /// while `capacity` pages wait, and answers false once the taker
    /// cancelled (the reader should then stop).
    func start(_ read: @escaping @Sendable (_ put: ([Item]) -> Bool) throws -> Void) {
        Thread.detachNewThread { [self] in
            do {
                try read(put)
                finish(nil)
            } catch {
                finish(error)
            }
        }
    }

    private func put(_ page: [Item]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while pages.count >= capacity && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        pages.append(page)
        condition.broadcast()
        return true
    }

    private func finish(_ error: (any Error)?) {
        condition.lock()
        defer { condition.unlock() }
        finished = true
        failure = error
        condition.broadcast()
    }

    /// The next page; nil once the reader has finished and every page was
    /// taken. Throws the reader's error once it has failed.
    func take() throws -> [Item]? {
        condition.lock()
        defer { condition.unlock() }
        while pages.isEmpty && !finished { condition.wait() }
        if let failure { throw failure }
        guard !pages.isEmpty else { return nil }
        let page = pages.removeFirst()
        condition.broadcast()
        return page
    }

    /// Stops the reader and waits until it has: the reader's connection is
    /// back in its pool, and nothing runs on after the taker has returned.
    func stop() {
        condition.lock()
        defer { condition.unlock() }
        cancelled = true
        condition.broadcast()
        while !finished { condition.wait() }
    }
}
