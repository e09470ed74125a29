import CCurl
import Foundation
import SignoffCore
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// HTTP through libcurl's easy interface, in the calling thread: one handle
/// per request, no threads, dispatch sources or run loops behind it (on
/// Linux, Foundation's URLSession drives libcurl from libdispatch, whose
/// bookkeeping of closed sockets has crashed the process on refused
/// connections).
///
/// Only `http` and `https`; redirects are never followed (a redirect would
/// carry the `Authorization` header to whatever address it names); no
/// cookies; every wait bounded: the connection by `timeout`, a stalled answer
/// (no byte for `timeout`) and the whole exchange by `whole` (four times
/// `timeout` unless given).
/// Certificates are checked against the system's store, as curl does by
/// default. A header whose name or value could end the line it is on is
/// refused before anything is sent.
public final class CurlTransport: HTTPTransport, Sendable {
    public let timeout: TimeInterval
    public let whole: TimeInterval
    /// The most of an answer's body kept.
    public let keptBody: Int
    /// Past `keptBody`: true drops the rest and keeps the connection's
    /// answer (a webhook's body is only read for an error message); false
    /// fails the request (a Jira page cut short would be read as another).
    public let dropsBeyondKept: Bool

    public init(timeout: TimeInterval = 30, whole: TimeInterval? = nil, keptBody: Int = 64 << 20, dropsBeyondKept: Bool = false) {
        self.timeout = timeout
        self.whole = whole ?? timeout * 4
        self.keptBody = keptBody
        self.dropsBeyondKept = dropsBeyondKept
    }

    /// libcurl's global state, set up once before the first handle.
    private static let ready: Bool = signoff_curl_global_init() == CURLE_OK

    public func send(_ request: URLRequest) throws -> HTTPResponse {
        guard let url = request.url, ["http", "https"].contains(url.scheme?.lowercased() ?? "") else {
            throw TransportFailure(.refused, "\(request.url?.absoluteString ?? "no address") is not an http or https address")
        }
        // Freed after the handle that points at it.
        var headers: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headers) }
        guard Self.ready, let handle = curl_easy_init() else { throw TransportFailure(.transient, "libcurl could not start a request") }
        defer { curl_easy_cleanup(handle) }
        // Sorted, so what is sent does not depend on a dictionary's order.
        for (name, value) in (request.allHTTPHeaderFields ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard Self.isToken(name), !value.utf8.contains(where: { $0 == 0 || $0 == 10 || $0 == 13 }) else {
                throw TransportFailure(.refused, "the header \(name) cannot be sent: its name or value holds a line break or a character a header cannot carry")
            }
            guard let list = curl_slist_append(headers, "\(name): \(value)") else { throw TransportFailure(.transient, "out of memory") }
            headers = list
        }
        // No `Expect: 100-continue` wait before a body.
        guard let list = curl_slist_append(headers, "Expect:") else { throw TransportFailure(.transient, "out of memory") }
        headers = list

        let answer = Answer(kept: keptBody, dropsBeyondKept: dropsBeyondKept)
        var problem = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let code: CURLcode = try withExtendedLifetime(answer) {
            try problem.withUnsafeMutableBufferPointer { problemBuffer in
                func set(_ result: CURLcode) throws {
                    guard result == CURLE_OK else { throw TransportFailure(.refused, "libcurl refused an option: \(String(cString: curl_easy_strerror(result)))") }
                }
                let context = Unmanaged.passUnretained(answer).toOpaque()
                try set(signoff_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, problemBuffer.baseAddress))
                // The buffer lives only as long as this closure; the handle outlives it.
                defer { _ = signoff_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, nil) }
                try url.absoluteString.withCString { try set(signoff_curl_set_pointer(handle, CURLOPT_URL, $0)) }
                try set(signoff_curl_web_only(handle))
                try set(signoff_curl_set_long(handle, CURLOPT_FOLLOWLOCATION, 0))
                try set(signoff_curl_set_long(handle, CURLOPT_NOSIGNAL, 1))
                try set(signoff_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(max(timeout, 0.001) * 1000)))
                try set(signoff_curl_set_long(handle, CURLOPT_TIMEOUT_MS, Int(max(whole, 0.001) * 1000)))
                try set(signoff_curl_set_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1))
                try set(signoff_curl_set_long(handle, CURLOPT_LOW_SPEED_TIME, max(Int(timeout.rounded(.up)), 1)))
                try set(signoff_curl_set_pointer(handle, CURLOPT_HTTPHEADER, headers))
                try set(signoff_curl_set_write(handle, CURLOPT_WRITEFUNCTION, Self.receiveBody))
                try set(signoff_curl_set_pointer(handle, CURLOPT_WRITEDATA, context))
                try set(signoff_curl_set_write(handle, CURLOPT_HEADERFUNCTION, Self.receiveHeader))
                try set(signoff_curl_set_pointer(handle, CURLOPT_HEADERDATA, context))
                let method = request.httpMethod?.uppercased() ?? "GET"
                guard Self.isToken(method) else { throw TransportFailure(.refused, "\(method) is not an HTTP method") }
                if let body = request.httpBody {
                    // The body is copied into the handle: `body` may go away first.
                    try set(signoff_curl_set_size(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)))
                    try body.withUnsafeBytes { bytes in
                        try "".withCString { empty in
                            try set(signoff_curl_set_pointer(handle, CURLOPT_COPYPOSTFIELDS, bytes.baseAddress ?? UnsafeRawPointer(empty)))
                        }
                    }
                    if method != "POST" { try method.withCString { try set(signoff_curl_set_pointer(handle, CURLOPT_CUSTOMREQUEST, $0)) } }
                } else if method == "GET" {
                    try set(signoff_curl_set_long(handle, CURLOPT_HTTPGET, 1))
                } else {
                    try method.withCString { try set(signoff_curl_set_pointer(handle, CURLOPT_CUSTOMREQUEST, $0)) }
                }
                return curl_easy_perform(handle)
            }
        }
        if answer.tooLong { throw TransportFailure(.refused, "the answer from \(url.host ?? "the server") was longer than \(keptBody) bytes") }
        guard code == CURLE_OK else {
            let detail = String(decoding: problem.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let reason = String(cString: curl_easy_strerror(code))
            throw TransportFailure(Self.kind(of: code), detail.isEmpty ? reason : "\(reason): \(detail)")
        }
        var status = 0
        guard signoff_curl_response_code(handle, &status) == CURLE_OK, (100..<600).contains(status) else {
            throw TransportFailure(.transient, "no HTTP answer from \(url.host ?? "the server")")
        }
        return HTTPResponse(status: status, headers: answer.headers, body: answer.body)
    }

    /// Certificate problems come back the same until what this host trusts
    /// changes; whatever else curl reports of a transfer may pass.
    static func kind(of code: CURLcode) -> TransportFailure.Kind {
        [CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR,
         CURLE_SSL_PINNEDPUBKEYNOTMATCH].contains(code) ? .certificate : .transient
    }

    /// What one request's answer has brought so far, filled by curl's callbacks.
    private final class Answer {
        let kept: Int
        let dropsBeyondKept: Bool
        var body = Data()
        var headers: [String: String] = [:]
        var tooLong = false
        init(kept: Int, dropsBeyondKept: Bool) {
            self.kept = kept
            self.dropsBeyondKept = dropsBeyondKept
        }
    }

    private static let receiveBody: curl_write_callback = { data, size, count, context in
        let total = size * count
        guard let data, let context else { return total }
        let answer = Unmanaged<Answer>.fromOpaque(context).takeUnretainedValue()
        let room = answer.kept - answer.body.count
        if total > room {
            // Anything but the count asked for makes curl stop with an error.
            guard answer.dropsBeyondKept else { answer.tooLong = true; return 0 }
            if room > 0 { answer.body.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: room) }
            return total
        }
        answer.body.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: total)
        return total
    }

    /// One header line at a time, the status line included: a status line
    /// starts the headers afresh (after a `100 Continue`). Names are
    /// lowercased; a repeated header's values are joined with ", ".
    private static let receiveHeader: curl_write_callback = { data, size, count, context in
        let total = size * count
        guard let data, let context else { return total }
        let answer = Unmanaged<Answer>.fromOpaque(context).takeUnretainedValue()
        let line = String(decoding: UnsafeRawBufferPointer(start: data, count: total), as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            answer.headers = [:]
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
            if !name.isEmpty { answer.headers[name] = answer.headers[name].map { "\($0), \(value)" } ?? value }
        }
        return total
    }

    /// An HTTP token (RFC 9110): what a header name or a method may be.
    public static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
                || tokenPunctuation.contains(byte)
        }
    }
    private static let tokenPunctuation = Set("!#$%&'*+-.^_`|~".utf8)
}
