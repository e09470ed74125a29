#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The least an HTTP client can do: POST over a kept-alive loopback
/// connection and read the answer. Benchmarks use it as the floor a real
/// client is measured against (what the server and the kernel alone allow).
public enum RawHTTPClient {
    /// Sends `count` POSTs of `body` to 127.0.0.1:`port``path` over
    /// `connections` kept-alive connections at once; returns requests per second.
    public static func rate(port: UInt16, path: String, body: Data, count: Int, connections: Int) throws -> Double {
        let head = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
        let request = Array(head.utf8) + Array(body)
        let failures = LockedCount()
        let start = Date()
        DispatchQueue.concurrentPerform(iterations: connections) { worker in
            let share = count / connections + (worker < count % connections ? 1 : 0)
            do {
                let fd = try connect(port: port)
                defer { close(fd) }
                let reader = LoopbackConnection(fd: fd, listener: nil)
                for _ in 0..<share {
                    guard reader.write(request), let answer = reader.read(through: Array("\r\n\r\n".utf8)) else {
                        throw LoopbackError("connection closed")
                    }
                    let text = String(decoding: answer, as: UTF8.self).lowercased()
                    if let range = text.range(of: "content-length:") {
                        let digits = text[range.upperBound...].prefix { $0 != "\r" }.trimmingCharacters(in: .whitespaces)
                        if let length = Int(digits), length > 0 { _ = reader.read(count: length) }
                    }
                }
            } catch {
                failures.add()
            }
        }
        let elapsed = Date().timeIntervalSince(start)
        if failures.value > 0 { throw LoopbackError("\(failures.value) connection(s) failed") }
        return Double(count) / elapsed
    }

    static func connect(port: UInt16) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LoopbackError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let problem = String(cString: strerror(errno))
            close(fd)
            throw LoopbackError("connect to 127.0.0.1:\(port): \(problem)")
        }
        var yes: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
        return fd
    }
}

private final class LockedCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
