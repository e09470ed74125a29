import Foundation
import LoopbackHTTP
import SignoffJira
import SignoffSigning
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// libcurl's easy interface against a real server on the loopback: what is
/// sent, what comes back, and every way an exchange can fail.
@Suite struct CurlTransportTests {
    func request(_ url: String, _ method: String = "GET", body: String? = nil, headers: [String: String] = [:]) -> URLRequest {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.httpBody = body.map { Data($0.utf8) }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        return request
    }

    @Test func aGetCarriesItsHeadersAndBringsBackStatusHeadersAndBody() throws {
        let server = try LoopbackHTTPServer { _ in
            .respond(207, headers: ["Retry-After": "7", "X-Seraph-LoginReason": "OK"], body: Data("{\"a\":1}".utf8))
        }
        defer { server.stop() }
        let answer = try CurlTransport(timeout: 5).send(request(server.url("/rest/api/3/search?jql=a%2Bb"),
                                                                headers: ["Authorization": "Bearer tok3n", "Accept": "application/json"]))
        #expect(answer.status == 207)
        #expect(answer.headers["retry-after"] == "7")
        #expect(answer.headers["x-seraph-loginreason"] == "OK")
        #expect(String(decoding: answer.body, as: UTF8.self) == "{\"a\":1}")
        let sent = try #require(server.requests.first)
        #expect(sent.method == "GET")
        #expect(sent.path == "/rest/api/3/search?jql=a%2Bb")
        #expect(sent.header("Authorization") == "Bearer tok3n")
        #expect(sent.header("Accept") == "application/json")
        #expect(sent.header("Expect") == nil)
        #expect(sent.body.isEmpty)
    }

    @Test func aPutAndAPostSendTheirBodiesWhole() throws {
        let server = try LoopbackHTTPServer { _ in .respond(204) }
        defer { server.stop() }
        let transport = CurlTransport(timeout: 5)
        let big = String(repeating: "é", count: 100_000)
        #expect(try transport.send(request(server.url("/issue/A-1/transitions"), "PUT", body: big)).status == 204)
        #expect(try transport.send(request(server.url("/issue/A-1/comment"), "POST", body: "")).status == 204)
        let sent = server.waitForRequests(count: 2)
        #expect(sent.map(\.method) == ["PUT", "POST"])
        #expect(sent.first?.text == big)
        #expect(sent.last?.body.isEmpty == true)
        #expect(sent.last?.header("Content-Length") == "0")
    }

    @Test func aRedirectIsReturnedNotFollowed() throws {
        let server = try LoopbackHTTPServer { request in
            request.path == "/start" ? .respond(302, headers: ["Location": "/elsewhere"]) : .respond(200)
        }
        defer { server.stop() }
        let answer = try CurlTransport(timeout: 5).send(request(server.url("/start"), headers: ["Authorization": "Bearer x"]))
        #expect(answer.status == 302)
        #expect(answer.headers["location"] == "/elsewhere")
        #expect(server.requests.map(\.path) == ["/start"])
    }

    @Test func aRefusedConnectionIsAnErrorNamingIt() throws {
        let port = try LoopbackListener.refusingPort()
        let error = #expect(throws: TransportFailure.self) {
            try CurlTransport(timeout: 5).send(request("http://127.0.0.1:\(port)/"))
        }
        #expect(error?.message.contains("onnect") == true, "\(String(describing: error))")
        // Many in a row, as the client's retries make them: no crash, each an error.
        for _ in 0..<20 {
            #expect(throws: TransportFailure.self) { try CurlTransport(timeout: 5).send(request("http://127.0.0.1:\(port)/")) }
        }
    }

    @Test func aServerThatNeverAnswersTimesOut() throws {
        let server = try LoopbackHTTPServer { _ in .hang }
        defer { server.stop() }
        let started = Date()
        #expect(throws: TransportFailure.self) { try CurlTransport(timeout: 1, whole: 2).send(request(server.url("/"))) }
        #expect(Date().timeIntervalSince(started) < 10)
    }

    @Test func aDroppedConnectionIsAnError() throws {
        let server = try LoopbackHTTPServer { _ in .drop }
        defer { server.stop() }
        #expect(throws: TransportFailure.self) { try CurlTransport(timeout: 5).send(request(server.url("/"))) }
    }

    @Test func anAnswerPastItsLimitFailsOrIsCutAsAsked() throws {
        let server = try LoopbackHTTPServer { _ in .respond(200, body: Data(repeating: UInt8(ascii: "x"), count: 300_000)) }
        defer { server.stop() }
        let error = #expect(throws: TransportFailure.self) {
            try CurlTransport(timeout: 5, keptBody: 100_000).send(request(server.url("/")))
        }
        #expect(error?.message.contains("longer than 100000 bytes") == true, "\(String(describing: error))")
        let cut = try CurlTransport(timeout: 5, keptBody: 100_000, dropsBeyondKept: true).send(request(server.url("/")))
        #expect(cut.status == 200)
        #expect(cut.body.count == 100_000)
    }

    @Test func nothingThatCouldSplitAHeaderOrLeaveTheWebIsSent() throws {
        let server = try LoopbackHTTPServer { _ in .respond(200) }
        defer { server.stop() }
        let transport = CurlTransport(timeout: 5)
        #expect(throws: TransportFailure.self) { try transport.send(request(server.url("/"), "GET /x HTTP/1.1\r\n")) }
        #expect(throws: TransportFailure.self) { try transport.send(request("file:///etc/passwd")) }
        #expect(throws: TransportFailure.self) { try transport.send(request("ftp://127.0.0.1:\(server.port)/")) }
        #expect(server.requests.isEmpty)
        // Foundation may drop such a header itself; either way no line of it arrives on its own.
        for value in ["Bearer x\r\nX-Admin: yes", "Bearer x\nX-Admin: yes", "Bearer x\u{0}X-Admin: yes"] {
            var injected = request(server.url("/"))
            injected.setValue(value, forHTTPHeaderField: "Authorization")
            _ = try? transport.send(injected)
        }
        #expect(!server.requests.contains { $0.header("X-Admin") != nil || $0.header("Authorization")?.contains("Admin") == true })
        #expect(CurlTransport.isToken("X-Atlassian-Token") && !CurlTransport.isToken("Bad Name") && !CurlTransport.isToken("A:B")
                    && !CurlTransport.isToken(""))
    }

    /// A TLS server (`openssl s_server`) whose self-made certificate this host
    /// does not trust: a certificate failure, which the Jira client reports at
    /// once, saying what to do, instead of retrying it as an outage.
    @Test func anUntrustedCertificateIsNamedAndNotRetried() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("signoff-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = directory.appendingPathComponent("key.pem").path, certificate = directory.appendingPathComponent("cert.pem").path
        // Through posix_spawn, which gives the children default signal handling
        // (Foundation's Process passes on what the test runner blocks).
        let made = ChildProcess.run("/usr/bin/env", ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                                                     "-nodes", "-keyout", key, "-out", certificate, "-days", "1", "-subj", "/CN=127.0.0.1",
                                                     "-addext", "subjectAltName=IP:127.0.0.1"], timeout: .seconds(30))
        try #require(made.succeeded, "openssl req: \(made.errorText)")
        let port = try LoopbackListener.refusingPort()
        let server = try ChildProcess.start("/usr/bin/env", ["openssl", "s_server", "-quiet", "-accept", "127.0.0.1:\(port)",
                                                            "-key", key, "-cert", certificate, "-www"],
                                            stdin: "/dev/null", stdout: "/dev/null", stderr: "/dev/null")
        defer { ChildProcess.stop(server) }

        let url = "https://127.0.0.1:\(port)/"
        var failure: TransportFailure?
        for _ in 0..<100 {
            do {
                _ = try CurlTransport(timeout: 5).send(request(url))
                Issue.record("a certificate nobody trusts was accepted")
                return
            } catch let error as TransportFailure {
                failure = error
                if error.kind == .certificate { break }
                Thread.sleep(forTimeInterval: 0.05)  // not listening yet
            }
        }
        #expect(failure?.kind == .certificate, "\(String(describing: failure))")
        #expect(failure?.message.contains("certificate") == true, "\(String(describing: failure))")

        final class Pauses: @unchecked Sendable {
            let lock = NSLock()
            var taken: [TimeInterval] = []
        }
        let pauses = Pauses()
        let client = JiraClient(base: URL(string: "https://127.0.0.1:\(port)")!, deployment: .cloud,
                                credentials: try JiraCredentials.parse("email: ops@example.com\napi_token: tok3n", file: "creds"),
                                transport: CurlTransport(timeout: 5),
                                sleep: { seconds in pauses.lock.withLock { pauses.taken.append(seconds) } })
        do {
            _ = try client.send("GET", "/rest/api/3/myself")
            Issue.record("the client took an answer over a connection it cannot trust")
        } catch {
            #expect(error.kind == .network)
            #expect(error.message.contains("the certificate of 127.0.0.1 is not trusted here"), "\(error.message)")
            #expect(error.message.contains("update-ca-certificates"), "\(error.message)")
        }
        #expect(pauses.lock.withLock { pauses.taken.isEmpty }, "retried a certificate problem")
    }
}
