#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A TCP listener on 127.0.0.1 at a port the kernel picks, one thread per
/// connection. The peers tests start (HTTP, SMTP) are built on it; never a
/// fixed port, so several test runs on one machine never collide.
public final class LoopbackListener: @unchecked Sendable {
    public let port: UInt16
    private let listening: Int32
    private let lock = NSLock()
    private var connections: Set<Int32> = []
    private var stopped = false
    private let serve: @Sendable (LoopbackConnection) -> Void

    /// `serve` runs on its own thread for each connection and returns when it
    /// is done with it; the connection is closed then.
    public init(serve: @escaping @Sendable (LoopbackConnection) -> Void) throws {
        self.serve = serve
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LoopbackError("socket: \(String(cString: strerror(errno)))") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 512) == 0 else {
            let problem = String(cString: strerror(errno))
            close(fd)
            throw LoopbackError("bind/listen on 127.0.0.1: \(problem)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        getsockname(fd, withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { $0 } }, &length)
        listening = fd
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in acceptLoop() }
        thread.stackSize = 1 << 20
        thread.start()
    }

    deinit { stop() }

    /// A port on 127.0.0.1 where nothing listens: connecting is refused.
    public static func refusingPort() throws -> UInt16 {
        let listener = try LoopbackListener { _ in }
        let port = listener.port
        listener.stop()
        return port
    }

    /// Stops accepting (new connections are refused) and ends every open
    /// connection, hanging ones included.
    public func stop() {
        lock.lock()
        let wasStopped = stopped
        stopped = true
        // Under the lock: a handler closes its descriptor under it too, so a
        // number closed and reused by another socket is never shut down here.
        if !wasStopped { for fd in connections { shutdown(fd, Int32(SHUT_RDWR)) } }
        lock.unlock()
        guard !wasStopped else { return }
        // Wakes the accept loop, which closes the socket itself: closed here,
        // its number could be reused by another socket before the loop calls
        // accept on it again, and the loop would take that socket's connections.
        shutdown(listening, Int32(SHUT_RDWR))
    }

    /// Ends every open connection (their handlers see the end of the stream) and keeps accepting.
    public func closeConnections() {
        lock.lock()
        for fd in connections { shutdown(fd, Int32(SHUT_RDWR)) }
        lock.unlock()
    }

    public var isStopped: Bool { lock.lock(); defer { lock.unlock() }; return stopped }

    private func acceptLoop() {
        while true {
            let fd = accept(listening, nil, nil)
            if fd < 0 {
                if errno == EINTR { continue }
                close(listening)
                return
            }
            lock.lock()
            if stopped { lock.unlock(); close(fd); close(listening); return }
            connections.insert(fd)
            lock.unlock()
            var yes: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
            let thread = Thread { [self] in
                serve(LoopbackConnection(fd: fd, listener: self))
                lock.lock()
                connections.remove(fd)
                close(fd)
                lock.unlock()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }
}

/// One accepted connection: buffered reads, whole writes.
public final class LoopbackConnection: @unchecked Sendable {
    public let fd: Int32
    private weak var listener: LoopbackListener?
    private var buffer: [UInt8] = []
    private var start = 0
    private var chunk = [UInt8](repeating: 0, count: 65_536)

    init(fd: Int32, listener: LoopbackListener?) {
        self.fd = fd
        self.listener = listener
    }

    /// Whether the listener was stopped: a hanging handler waits for this.
    public var isStopped: Bool { listener?.isStopped ?? true }

    /// Reads more bytes into the buffer; false at the end of the stream.
    private func fill() -> Bool {
        while true {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n > 0 {
                if start > 0 { buffer.removeFirst(start); start = 0 }
                buffer.append(contentsOf: chunk[0..<n])
                return true
            }
            if n < 0 && errno == EINTR { continue }
            return false
        }
    }

    /// The bytes up to and including `delimiter`; nil at the end of the stream.
    public func read(through delimiter: [UInt8]) -> [UInt8]? {
        var scanned = start
        while true {
            var index = scanned
            while index + delimiter.count <= buffer.count {
                if buffer[index] == delimiter[0], buffer[index..<(index + delimiter.count)].elementsEqual(delimiter) {
                    let result = Array(buffer[start..<(index + delimiter.count)])
                    start = index + delimiter.count
                    return result
                }
                index += 1
            }
            // `fill` moves the unread bytes to the front: keep the place relative to them.
            let relative = max(0, buffer.count - delimiter.count + 1 - start)
            guard fill() else { return nil }
            scanned = start + relative
        }
    }

    /// Exactly `count` bytes; nil if the stream ends first.
    public func read(count: Int) -> [UInt8]? {
        while buffer.count - start < count {
            guard fill() else { return nil }
        }
        let result = Array(buffer[start..<(start + count)])
        start += count
        return result
    }

    /// Writes everything; false if the peer went away.
    @discardableResult
    public func write(_ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 { if errno == EINTR { continue }; return false }
            sent += n
        }
        return true
    }

    @discardableResult
    public func write(_ text: String) -> Bool { write(Array(text.utf8)) }

    /// Blocks until the listener stops: a peer that never answers.
    public func hang() {
        while !isStopped { usleep(20_000) }
    }
}

public struct LoopbackError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Polls `read` until it holds at least `count` items or `timeout` passes; returns the last reading.
func waitForCount<T>(_ count: Int, timeout: TimeInterval, _ read: () -> [T]) -> [T] {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        let now = read()
        if now.count >= count { return now }
        usleep(10_000)
    }
    return read()
}
