#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A small HTTP/1.1 client for plain `http://` webhook targets, over POSIX
/// sockets: one kept-alive connection at a time (a delivery worker owns one),
/// requests with a `Content-Length` body, answers read by their framing
/// (`Content-Length`, chunked, or to the end of the connection), every wait
/// bounded by one deadline per request through `poll`. A kept-alive
/// connection the server has closed is replaced and the request sent once
/// more on a new one (webhook bodies carry an `Idempotency-Key`).
///
/// Not thread-safe: one worker uses it at a time.
final class HTTPConnection: @unchecked Sendable {
    /// What an answer said: its status and the start of its body.
    struct Answer: Equatable {
        var status: Int
        var body: Data
    }

    /// Where a request goes: what to connect to and what to say in the request line.
    struct Target: Equatable {
        var host: String
        var port: UInt16
        /// Origin-form request target: the path and query, `/` at least.
        var path: String
        /// The `Host` header's value.
        var authority: String

        /// Nil for anything but an `http://` URL with a host.
        init?(_ url: URL) {
            guard url.scheme?.lowercased() == "http",
                  let components = URLComponents(url: url, resolvingAgainstBaseURL: false),
                  var host = components.host, !host.isEmpty else { return nil }
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard let port = UInt16(exactly: components.port ?? 80), port != 0 else { return nil }
            self.host = host
            self.port = port
            let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
            self.path = path + (components.percentEncodedQuery.map { "?\($0)" } ?? "")
            let name = host.contains(":") ? "[\(host)]" : host
            authority = port == 80 ? name : "\(name):\(port)"
        }
    }

    /// The most of an answer's body kept (enough for an error message); the
    /// rest is read and dropped so the connection stays usable.
    static let keptBody = 64 * 1024
    /// The most an answer may hold before the connection is given up.
    static let maximumAnswer = 16 * 1024 * 1024
    static let maximumHead = 64 * 1024

    let timeout: TimeInterval
    private var fd: Int32 = -1
    private var connectedTo: (host: String, port: UInt16)?
    private var buffer: [UInt8] = []
    private var start = 0

    init(timeout: TimeInterval) {
        self.timeout = timeout
    }

    deinit { disconnect() }

    /// Whether a connection is open (for tests: kept alive between requests).
    var isConnected: Bool { fd >= 0 }

    /// POSTs `body` to `target` with `headers` and waits for the answer, at
    /// most `timeout` seconds in all (connecting included).
    func post(_ target: Target, headers: [(String, String)], body: Data) -> Result<Answer, DeliveryProblem> {
        let deadline = Deadline(seconds: timeout)
        var head = "POST \(target.path) HTTP/1.1\r\nHost: \(target.authority)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "Content-Length: \(body.count)\r\n\r\n"
        let request = Array(head.utf8) + Array(body)
        while true {
            var reused = false
            if fd >= 0, let open = connectedTo, open.host == target.host, open.port == target.port, !peerHasClosed() {
                reused = true
            } else {
                disconnect()
                if let problem = connect(target, deadline) { return .failure(problem) }
            }
            switch exchange(request, deadline) {
            case let .answered(answer, keepAlive):
                if !keepAlive { disconnect() }
                return .success(answer)
            case let .closedUnanswered(problem):
                disconnect()
                // A kept-alive connection the server closed meanwhile: once more on a new one.
                if reused { continue }
                return .failure(problem)
            case let .failed(problem):
                disconnect()
                return .failure(problem)
            }
        }
    }

    /// Closes the connection, if one is open.
    func disconnect() {
        if fd >= 0 { close(fd) }
        fd = -1
        connectedTo = nil
        buffer.removeAll(keepingCapacity: true)
        start = 0
    }

    // MARK: Connecting

    private func connect(_ target: Target, _ deadline: Deadline) -> DeliveryProblem? {
        let place = "\(target.authority)"
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(target.host, String(target.port), &hints, &found)
        guard resolved == 0, let first = found else {
            return DeliveryProblem("cannot connect to \(place): \(String(cString: gai_strerror(resolved)))")
        }
        defer { freeaddrinfo(first) }
        var problem = "no address"
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let address = next {
            next = address.pointee.ai_next
            let socketFD = socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
            guard socketFD >= 0 else { problem = String(cString: strerror(errno)); continue }
            _ = fcntl(socketFD, F_SETFD, FD_CLOEXEC)
            _ = fcntl(socketFD, F_SETFL, fcntl(socketFD, F_GETFL) | O_NONBLOCK)
            var connected = Glibc.connect(socketFD, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0
            if !connected, errno == EINPROGRESS || errno == EINTR {
                switch wait(socketFD, for: Int16(POLLOUT), deadline) {
                case .ready:
                    var error: Int32 = 0
                    var length = socklen_t(MemoryLayout<Int32>.size)
                    getsockopt(socketFD, SOL_SOCKET, SO_ERROR, &error, &length)
                    connected = error == 0
                    if !connected { errno = error }
                case .timedOut:
                    close(socketFD)
                    return DeliveryProblem("cannot connect to \(place) within \(Self.seconds(timeout))")
                }
            }
            guard connected else {
                problem = String(cString: strerror(errno))
                close(socketFD)
                continue
            }
            var yes: Int32 = 1
            setsockopt(socketFD, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
            fd = socketFD
            connectedTo = (target.host, target.port)
            return nil
        }
        return DeliveryProblem("cannot connect to \(place): \(problem)")
    }

    /// Whether the server closed (or wrote unasked into) the kept-alive
    /// connection since its last answer: then it is not used again.
    private func peerHasClosed() -> Bool {
        guard start == buffer.count else { return true }
        var probe = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&probe, 1, 0) > 0 else { return false }
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, Int32(MSG_PEEK))
        return !(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
    }

    // MARK: One exchange

    private enum Exchange {
        case answered(Answer, keepAlive: Bool)
        /// The connection closed before a byte of the answer came.
        case closedUnanswered(DeliveryProblem)
        case failed(DeliveryProblem)
    }

    private func exchange(_ request: [UInt8], _ deadline: Deadline) -> Exchange {
        switch write(request, deadline) {
        case .done: break
        case .closed: return .closedUnanswered(DeliveryProblem("the server closed the connection before answering"))
        case let .failed(problem): return .failed(problem)
        }
        var first = true
        while true {
            let head: [UInt8]
            switch read(through: [13, 10, 13, 10], limit: Self.maximumHead, deadline) {
            case let .bytes(bytes): head = bytes
            case .closed where first && start == buffer.count:
                return .closedUnanswered(DeliveryProblem("the server closed the connection before answering"))
            case .closed: return .failed(DeliveryProblem("the server closed the connection in the middle of its answer"))
            case let .failed(problem): return .failed(problem)
            }
            first = false
            guard let parsed = ResponseHead(head) else {
                return .failed(DeliveryProblem("not an HTTP/1.x answer"))
            }
            // Interim answers (100 Continue and the like) come before the real one.
            if (100..<200).contains(parsed.status), parsed.status != 101 { continue }
            if parsed.status == 101 { return .failed(DeliveryProblem("the server switched protocols")) }
            return body(of: parsed, deadline)
        }
    }

    private func body(of head: ResponseHead, _ deadline: Deadline) -> Exchange {
        var kept: [UInt8] = []
        var total = 0
        let truncated = DeliveryProblem("the server closed the connection in the middle of its answer")
        /// Reads `count` bytes of the body, keeping what fits; nil when they all came.
        func take(_ count: Int) -> Exchange? {
            var left = count
            while left > 0 {
                switch more(deadline) {
                case .bytes:
                    let taken = min(left, buffer.count - start)
                    kept += buffer[start..<(start + taken)].prefix(max(0, Self.keptBody - kept.count))
                    start += taken
                    left -= taken
                    total += taken
                case .closed: return .failed(truncated)
                case let .failed(problem): return .failed(problem)
                }
            }
            return nil
        }
        func answer(_ keepAlive: Bool) -> Exchange { .answered(Answer(status: head.status, body: Data(kept)), keepAlive: keepAlive) }
        /// The next line (without its CRLF).
        func line() -> Result<[UInt8], DeliveryProblem> {
            switch read(through: [13, 10], limit: 4096, deadline) {
            case let .bytes(bytes): .success(Array(bytes.dropLast(2)))
            case .closed: .failure(truncated)
            case let .failed(problem): .failure(problem)
            }
        }
        if head.status == 204 || head.status == 304 { return answer(head.keepAlive) }
        switch head.framing {
        case let .length(length):
            guard length <= Self.maximumAnswer else { return .failed(DeliveryProblem("an answer of \(length) bytes is too long")) }
            return take(length) ?? answer(head.keepAlive)
        case .chunked:
            while true {
                let sizeLine: [UInt8]
                switch line() {
                case let .success(bytes): sizeLine = bytes
                case let .failure(problem): return .failed(problem)
                }
                let digits = String(decoding: sizeLine, as: UTF8.self).split(separator: ";", maxSplits: 1).first ?? ""
                guard let size = Int(digits.trimmingCharacters(in: .whitespaces), radix: 16), size >= 0,
                      total + size <= Self.maximumAnswer else {
                    return .failed(DeliveryProblem("a malformed chunked answer"))
                }
                if size == 0 { break }
                if let problem = take(size) { return problem }
                switch line() {
                case let .success(rest) where rest.isEmpty: continue
                case .success: return .failed(DeliveryProblem("a malformed chunked answer"))
                case let .failure(problem): return .failed(problem)
                }
            }
            // Trailers, up to the empty line.
            while true {
                switch line() {
                case let .success(trailer) where trailer.isEmpty: return answer(head.keepAlive)
                case .success: continue
                case let .failure(problem): return .failed(problem)
                }
            }
        case .untilClosed:
            while true {
                switch more(deadline) {
                case .bytes:
                    if let problem = take(buffer.count - start) { return problem }
                    if total > Self.maximumAnswer { return .failed(DeliveryProblem("the answer is too long")) }
                case .closed: return answer(false)
                case let .failed(problem): return .failed(problem)
                }
            }
        }
    }

    // MARK: Bytes

    private enum Read {
        case bytes([UInt8])
        case closed
        case failed(DeliveryProblem)
    }

    private enum Written {
        case done, closed
        case failed(DeliveryProblem)
    }

    /// Unread bytes in the buffer, reading more when there are none.
    private func more(_ deadline: Deadline) -> Read {
        if start < buffer.count { return .bytes([]) }
        return fill(deadline)
    }

    /// The bytes through `delimiter`, reading as needed.
    private func read(through delimiter: [UInt8], limit: Int, _ deadline: Deadline) -> Read {
        var scanned = start
        while true {
            if let end = Self.find(delimiter, in: buffer, from: scanned) {
                let bytes = Array(buffer[start..<end])
                start = end
                return .bytes(bytes)
            }
            if buffer.count - start > limit { return .failed(DeliveryProblem("an answer's header is too long")) }
            let unread = buffer.count - start
            switch fill(deadline) {
            case .bytes: scanned = start + max(0, unread - delimiter.count + 1)
            case let other: return other
            }
        }
    }

    /// The index just past the first `delimiter` at or after `from`.
    private static func find(_ delimiter: [UInt8], in bytes: [UInt8], from: Int) -> Int? {
        guard bytes.count >= delimiter.count else { return nil }
        var index = from
        while index + delimiter.count <= bytes.count {
            if bytes[index] == delimiter[0], bytes[index..<(index + delimiter.count)].elementsEqual(delimiter) {
                return index + delimiter.count
            }
            index += 1
        }
        return nil
    }

    /// Reads what the socket has (waiting for it up to the deadline) after the unread bytes.
    private func fill(_ deadline: Deadline) -> Read {
        if start > 0 {
            buffer.removeFirst(start)
            start = 0
        }
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n > 0 {
                buffer += chunk[0..<n]
                return .bytes([])
            }
            if n == 0 { return .closed }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK:
                if case .timedOut = wait(fd, for: Int16(POLLIN), deadline) {
                    return .failed(DeliveryProblem("no answer within \(Self.seconds(timeout))"))
                }
            case ECONNRESET: return .closed
            default: return .failed(DeliveryProblem("reading the answer: \(String(cString: strerror(errno)))"))
            }
        }
    }

    private func write(_ bytes: [UInt8], _ deadline: Deadline) -> Written {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n >= 0 { sent += n; continue }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK:
                if case .timedOut = wait(fd, for: Int16(POLLOUT), deadline) {
                    return .failed(DeliveryProblem("could not send the request within \(Self.seconds(timeout))"))
                }
            case EPIPE, ECONNRESET: return sent == 0 ? .closed : .failed(DeliveryProblem("the server closed the connection"))
            default: return .failed(DeliveryProblem("sending the request: \(String(cString: strerror(errno)))"))
            }
        }
        return .done
    }

    private enum Waited { case ready, timedOut }

    /// Waits until `fd` is ready for `events` or the deadline passes.
    private func wait(_ fd: Int32, for events: Int16, _ deadline: Deadline) -> Waited {
        while true {
            let left = deadline.milliseconds
            guard left > 0 else { return .timedOut }
            var probe = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&probe, 1, Int32(min(left, Int(Int32.max))))
            if ready > 0 { return .ready }
            if ready < 0, errno != EINTR { return .ready }  // the next call says what is wrong
        }
    }

    static func seconds(_ timeout: TimeInterval) -> String {
        timeout == timeout.rounded() ? "\(Int(timeout))s" : "\(timeout)s"
    }
}

/// A point in monotonic time a request must finish by.
private struct Deadline {
    let end: UInt64

    init(seconds: TimeInterval) {
        end = DispatchTime.now().uptimeNanoseconds + UInt64(max(0, seconds) * 1_000_000_000)
    }

    /// Milliseconds left, rounded up; 0 once passed.
    var milliseconds: Int {
        let now = DispatchTime.now().uptimeNanoseconds
        return now >= end ? 0 : Int((end - now + 999_999) / 1_000_000)
    }
}

/// An answer's status line and the headers that frame it.
private struct ResponseHead {
    enum Framing: Equatable {
        case length(Int)
        case chunked
        case untilClosed
    }

    var status: Int
    var framing: Framing
    var keepAlive: Bool

    init?(_ bytes: [UInt8]) {
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: true)
        guard let statusLine = lines.first else { return nil }
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3, let status = Int(parts[1]),
              (100...999).contains(status) else { return nil }
        self.status = status
        var lengths: Set<Int> = []
        var chunked = false
        var encoded = false
        var tokens: [String] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch name {
            case "content-length":
                for item in value.split(separator: ",") {
                    guard let length = Int(item.trimmingCharacters(in: .whitespaces)), length >= 0 else { return nil }
                    lengths.insert(length)
                }
            case "transfer-encoding":
                encoded = true
                chunked = value.lowercased().split(separator: ",").last?.trimmingCharacters(in: .whitespaces) == "chunked"
            case "connection":
                tokens += value.lowercased().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            default:
                continue
            }
        }
        // Two different lengths: nobody can tell where this answer ends.
        guard lengths.count <= 1 else { return nil }
        if encoded {
            framing = chunked ? .chunked : .untilClosed
        } else if let length = lengths.first {
            framing = .length(length)
        } else {
            framing = .untilClosed
        }
        let http11 = parts[0] == "HTTP/1.1"
        keepAlive = framing != .untilClosed && !tokens.contains("close") && (http11 || tokens.contains("keep-alive"))
    }
}
