import Foundation

/// An HTTP/1.1 server on loopback for tests and benchmarks: it records every
/// request and answers what its handler says (a status, a hang, a dropped
/// connection). Keep-alive, `Content-Length` and chunked bodies, and
/// `Expect: 100-continue` (which libcurl sends for larger bodies) are handled.
///
/// ```swift
/// let server = try LoopbackHTTPServer { request in request.path == "/down" ? .respond(500) : .respond(200) }
/// // ... point the program under test at server.url("/hook") ...
/// let bodies = server.waitForRequests(count: 2).map(\.text)
/// ```
public final class LoopbackHTTPServer: @unchecked Sendable {
    public struct Request: Sendable, Hashable {
        public var method: String
        /// The request target as sent, e.g. `/hook?x=1`.
        public var path: String
        /// Header names in lowercase, in the order sent.
        public var headers: [Header]
        public var body: Data
        public var receivedAt: Date
        /// Which connection it came on: 1 for the first the server accepted, and so on.
        public var connection: Int

        public struct Header: Sendable, Hashable {
            public var name: String
            public var value: String
        }

        /// The first value of the header `name` (any case).
        public func header(_ name: String) -> String? {
            let lower = name.lowercased()
            return headers.first { $0.name == lower }?.value
        }

        public var text: String { String(decoding: body, as: UTF8.self) }

        /// The body as a JSON value (nil when it is not JSON).
        public var json: Any? { try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) }
    }

    public enum Reply: Sendable {
        /// Answer with this status, extra headers and body (with `Connection:
        /// close` among them, the server closes the connection after answering).
        case respond(Int, headers: [String: String] = [:], body: Data = Data())
        /// Never answer; the connection stays open until the server stops.
        case hang
        /// Close the connection without a word.
        case drop
    }

    public typealias Handler = @Sendable (Request) -> Reply

    private let lock = NSLock()
    private var recorded: [Request] = []
    private var handler: Handler
    private var accepted = 0
    private var listener: LoopbackListener!

    public init(handler: @escaping Handler = { _ in .respond(200) }) throws {
        self.handler = handler
        listener = try LoopbackListener { [weak self] connection in self?.serve(connection) }
    }

    deinit { listener.stop() }

    public var port: UInt16 { listener.port }

    /// `http://127.0.0.1:PORT` followed by `path`.
    public func url(_ path: String = "/") -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Changes what later requests get.
    public func setHandler(_ handler: @escaping Handler) {
        lock.lock(); self.handler = handler; lock.unlock()
    }

    /// Every request so far, in the order they arrived.
    public var requests: [Request] { lock.lock(); defer { lock.unlock() }; return recorded }

    /// Forgets the requests recorded so far.
    public func reset() { lock.lock(); recorded.removeAll(); lock.unlock() }

    /// Waits until at least `count` requests arrived (or `timeout` passed) and returns them all.
    @discardableResult
    public func waitForRequests(count: Int, timeout: TimeInterval = 20) -> [Request] {
        waitForCount(count, timeout: timeout) { requests }
    }

    /// Stops listening (later connections are refused) and ends hanging connections.
    public func stop() { listener.stop() }

    /// Closes every open connection, as a server does with idle kept-alive
    /// ones, and keeps listening.
    public func closeConnections() { listener.closeConnections() }

    private func serve(_ connection: LoopbackConnection) {
        lock.lock()
        accepted += 1
        let number = accepted
        lock.unlock()
        while let head = connection.read(through: Array("\r\n\r\n".utf8)) {
            let lines = String(decoding: head, as: UTF8.self).split(separator: "\r\n")
            guard let requestLine = lines.first else { return }
            let parts = requestLine.split(separator: " ", maxSplits: 2).map(String.init)
            guard parts.count >= 2 else { connection.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"); return }
            var headers: [Request.Header] = []
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers.append(Request.Header(name: line[..<colon].lowercased(),
                                              value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
            }
            func header(_ name: String) -> String? { headers.first { $0.name == name }?.value }
            if header("expect")?.lowercased() == "100-continue" { connection.write("HTTP/1.1 100 Continue\r\n\r\n") }
            var body: [UInt8] = []
            if header("transfer-encoding")?.lowercased().contains("chunked") == true {
                while true {
                    guard let sizeLine = connection.read(through: Array("\r\n".utf8)),
                          let size = Int(String(decoding: sizeLine.dropLast(2), as: UTF8.self)
                            .split(separator: ";").first?.trimmingCharacters(in: .whitespaces) ?? "", radix: 16) else { return }
                    if size == 0 { _ = connection.read(through: Array("\r\n".utf8)); break }
                    guard let chunk = connection.read(count: size), connection.read(count: 2) != nil else { return }
                    body += chunk
                }
            } else if let length = header("content-length").flatMap(Int.init), length > 0 {
                guard let bytes = connection.read(count: length) else { return }
                body = bytes
            }
            let request = Request(method: parts[0], path: parts[1], headers: headers, body: Data(body), receivedAt: Date(),
                                  connection: number)
            lock.lock()
            recorded.append(request)
            let handler = self.handler
            lock.unlock()
            switch handler(request) {
            case .hang:
                connection.hang()
                return
            case .drop:
                return
            case let .respond(status, extra, body):
                var head = "HTTP/1.1 \(status) \(Self.reason(status))\r\nContent-Length: \(body.count)\r\n"
                for (name, value) in extra.sorted(by: { $0.key < $1.key }) { head += "\(name): \(value)\r\n" }
                let closing = header("connection")?.lowercased() == "close"
                    || extra.contains { $0.key.lowercased() == "connection" && $0.value.lowercased() == "close" }
                head += closing && !extra.keys.contains(where: { $0.lowercased() == "connection" }) ? "Connection: close\r\n\r\n" : "\r\n"
                guard connection.write(Array(head.utf8) + Array(body)), !closing else { return }
            }
        }
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 204: "No Content"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}

extension LoopbackHTTPServer.Reply {
    /// A JSON body with its content type.
    public static func json(_ status: Int, _ text: String, headers: [String: String] = [:]) -> Self {
        var all = headers
        all["Content-Type"] = "application/json"
        return .respond(status, headers: all, body: Data(text.utf8))
    }
}
