import Foundation

/// An SMTP sink on loopback: accepts every message (no TLS, no
/// authentication) and records it, so a test can send real mail through a
/// real sendmail-compatible program (msmtp) and read what arrived.
public final class LoopbackSMTPServer: @unchecked Sendable {
    public struct Message: Sendable, Hashable {
        /// The envelope sender and recipients, as MAIL FROM and RCPT TO gave them.
        public var from: String
        public var recipients: [String]
        /// The message as transmitted (headers and body, CRLF line ends), dot-unstuffed.
        public var data: String

        /// The value of the first header `name` (any case), unfolded.
        public func header(_ name: String) -> String? {
            let lower = name.lowercased() + ":"
            var value: String?
            for line in headerLines {
                if value != nil, line.first == " " || line.first == "\t" { value! += line; continue }
                if value != nil { break }
                if line.lowercased().hasPrefix(lower) { value = String(line.dropFirst(lower.count)).trimmingCharacters(in: .whitespaces) }
            }
            return value
        }

        /// The header lines, before the first empty line.
        public var headerLines: [String] {
            Array(data.components(separatedBy: "\r\n").prefix { !$0.isEmpty })
        }

        /// What follows the headers.
        public var body: String {
            guard let range = data.range(of: "\r\n\r\n") else { return "" }
            return String(data[range.upperBound...])
        }
    }

    private let lock = NSLock()
    private var received: [Message] = []
    private var listener: LoopbackListener!

    public init() throws {
        listener = try LoopbackListener { [weak self] connection in self?.serve(connection) }
    }

    deinit { listener.stop() }

    public var port: UInt16 { listener.port }

    public var messages: [Message] { lock.lock(); defer { lock.unlock() }; return received }

    /// Waits until at least `count` messages arrived (or `timeout` passed).
    @discardableResult
    public func waitForMessages(count: Int, timeout: TimeInterval = 20) -> [Message] {
        waitForCount(count, timeout: timeout) { messages }
    }

    public func stop() { listener.stop() }

    private func serve(_ connection: LoopbackConnection) {
        connection.write("220 loopback ESMTP sink\r\n")
        var from = ""
        var recipients: [String] = []
        while let raw = connection.read(through: Array("\r\n".utf8)) {
            let line = String(decoding: raw.dropLast(2), as: UTF8.self)
            let verb = line.prefix(4).uppercased()
            switch verb {
            case "EHLO":
                connection.write("250-loopback\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n")
            case "HELO":
                connection.write("250 loopback\r\n")
            case "MAIL":
                from = Self.address(line)
                recipients = []
                connection.write("250 OK\r\n")
            case "RCPT":
                recipients.append(Self.address(line))
                connection.write("250 OK\r\n")
            case "DATA":
                connection.write("354 end with <CRLF>.<CRLF>\r\n")
                var lines: [String] = []
                while let raw = connection.read(through: Array("\r\n".utf8)) {
                    var text = String(decoding: raw.dropLast(2), as: UTF8.self)
                    if text == "." { break }
                    if text.hasPrefix(".") { text.removeFirst() }
                    lines.append(text)
                }
                lock.lock()
                received.append(Message(from: from, recipients: recipients, data: lines.joined(separator: "\r\n")))
                lock.unlock()
                connection.write("250 OK queued\r\n")
            case "RSET", "NOOP":
                connection.write("250 OK\r\n")
            case "QUIT":
                connection.write("221 bye\r\n")
                return
            default:
                connection.write("502 not implemented\r\n")
            }
        }
    }

    /// The address inside `<...>` of MAIL FROM / RCPT TO.
    private static func address(_ line: String) -> String {
        guard let open = line.firstIndex(of: "<"), let close = line[open...].firstIndex(of: ">") else { return "" }
        return String(line[line.index(after: open)..<close])
    }
}
