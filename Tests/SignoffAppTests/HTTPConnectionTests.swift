import Foundation
import LoopbackHTTP
@testable import SignoffApp
import Testing

/// The webhook client for `http://` targets, against the loopback peers:
/// keep-alive, answers of every framing, errors, hangs, refusals and servers
/// that close kept-alive connections.
@Suite struct HTTPConnectionTests {
    static let headers = [("Content-Type", "application/json"), ("Idempotency-Key", "k-1")]

    static func target(_ address: String) throws -> HTTPConnection.Target {
        let url = try #require(URL(string: address))
        return try #require(HTTPConnection.Target(url))
    }

    @Test func requestsGoOutOnOneKeptAliveConnection() throws {
        let server = try LoopbackHTTPServer { _ in .respond(202, body: Data("queued".utf8)) }
        defer { server.stop() }
        let connection = HTTPConnection(timeout: 5)
        let target = try Self.target(server.url("/hook?team=payments"))
        for index in 0..<3 {
            let answer = try connection.post(target, headers: Self.headers, body: Data("{\"n\":\(index)}".utf8)).get()
            #expect(answer == HTTPConnection.Answer(status: 202, body: Data("queued".utf8)))
        }
        let requests = server.waitForRequests(count: 3)
        #expect(requests.map(\.connection) == [1, 1, 1], "one connection, kept alive")
        #expect(requests.map(\.text) == ["{\"n\":0}", "{\"n\":1}", "{\"n\":2}"])
        #expect(requests[0].method == "POST" && requests[0].path == "/hook?team=payments")
        #expect(requests[0].header("host") == "127.0.0.1:\(server.port)" && requests[0].header("idempotency-key") == "k-1")
        #expect(requests[0].header("content-length") == "7" && requests[0].header("content-type") == "application/json")
        #expect(connection.isConnected)
    }

    @Test func anErrorAnswerIsAnAnswerAndTheConnectionStaysUsable() throws {
        let server = try LoopbackHTTPServer { request in
            request.text == "down" ? .respond(500, body: Data("upstream down".utf8)) : .respond(204)
        }
        defer { server.stop() }
        let connection = HTTPConnection(timeout: 5)
        let target = try Self.target(server.url("/hook"))
        #expect(try connection.post(target, headers: [], body: Data("down".utf8)).get()
            == HTTPConnection.Answer(status: 500, body: Data("upstream down".utf8)))
        #expect(try connection.post(target, headers: [], body: Data("up".utf8)).get().status == 204)
        #expect(server.waitForRequests(count: 2).map(\.connection) == [1, 1])
    }

    @Test func aServerThatHangsCostsTheTimeoutAndTheNextRequestGetsANewConnection() throws {
        let server = try LoopbackHTTPServer { request in request.text == "hang" ? .hang : .respond(200) }
        defer { server.stop() }
        let connection = HTTPConnection(timeout: 1)
        let target = try Self.target(server.url("/hook"))
        let started = Date()
        let result = connection.post(target, headers: [], body: Data("hang".utf8))
        let waited = Date().timeIntervalSince(started)
        guard case let .failure(problem) = result else { Issue.record("answered: \(result)"); return }
        #expect(problem.description == "no answer within 1s")
        #expect(waited >= 0.9 && waited < 5, "\(waited)")
        #expect(!connection.isConnected, "a connection with an answer still to come is never reused")
        #expect(try connection.post(target, headers: [], body: Data("ok".utf8)).get().status == 200)
        #expect(server.waitForRequests(count: 2).map(\.connection) == [1, 2])
    }

    @Test func aRefusedConnectionFailsAtOnceAndSaysWhere() throws {
        let port = try LoopbackListener.refusingPort()
        let connection = HTTPConnection(timeout: 5)
        let started = Date()
        let result = connection.post(try Self.target("http://127.0.0.1:\(port)/hook"), headers: [], body: Data("x".utf8))
        guard case let .failure(problem) = result else { Issue.record("answered: \(result)"); return }
        #expect(problem.description == "cannot connect to 127.0.0.1:\(port): Connection refused")
        #expect(Date().timeIntervalSince(started) < 2)
    }

    @Test func aKeptAliveConnectionTheServerClosedIsReplaced() throws {
        let server = try LoopbackHTTPServer { _ in .respond(200) }
        defer { server.stop() }
        let connection = HTTPConnection(timeout: 5)
        let target = try Self.target(server.url("/hook"))
        #expect(try connection.post(target, headers: [], body: Data("1".utf8)).get().status == 200)
        // The server drops its idle connections, as servers do after their keep-alive timeout.
        server.closeConnections()
        usleep(100_000)
        #expect(try connection.post(target, headers: [], body: Data("2".utf8)).get().status == 200)
        #expect(server.waitForRequests(count: 2).map(\.connection) == [1, 2])
    }

    @Test func aRequestTheServerClosedOnUnansweredIsSentOnceMoreOnANewConnection() throws {
        // The server closes a kept-alive connection just as the second request
        // arrives: sent again on a new connection. A fresh connection that
        // closes unanswered is a failure, never a loop.
        let server = try LoopbackHTTPServer { request in
            switch (request.text, request.connection) {
            case ("again", 1): .drop
            case ("never", _): .drop
            default: .respond(200)
            }
        }
        defer { server.stop() }
        let connection = HTTPConnection(timeout: 5)
        let target = try Self.target(server.url("/hook"))
        #expect(try connection.post(target, headers: [], body: Data("first".utf8)).get().status == 200)
        #expect(try connection.post(target, headers: [], body: Data("again".utf8)).get().status == 200)
        #expect(server.waitForRequests(count: 3).map { "\($0.text)@\($0.connection)" } == ["first@1", "again@1", "again@2"])
        let result = connection.post(target, headers: [], body: Data("never".utf8))
        guard case let .failure(problem) = result else { Issue.record("answered: \(result)"); return }
        #expect(problem.description == "the server closed the connection before answering")
        #expect(server.requests.map(\.text).filter { $0 == "never" }.count == 2, "reused once, then a fresh one")
    }

    @Test func connectionCloseInTheAnswerIsHonoured() throws {
        let server = try LoopbackHTTPServer { _ in .respond(200, headers: ["Connection": "close"]) }
        defer { server.stop() }
        let connection = HTTPConnection(timeout: 5)
        let target = try Self.target(server.url("/hook"))
        for _ in 0..<2 {
            #expect(try connection.post(target, headers: [], body: Data("x".utf8)).get().status == 200)
            #expect(!connection.isConnected)
        }
        #expect(server.waitForRequests(count: 2).map(\.connection) == [1, 2])
    }

    /// Answers written by hand: chunked bodies with extensions and trailers,
    /// an interim 100 before the real answer, and a body that ends with the connection.
    @Test func answersAreReadByTheirFraming() throws {
        let answers = [
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: yes\r\n\r\n",
            "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy",
            "HTTP/1.0 429 Too Many Requests\r\n\r\nslow down",
        ]
        let listener = try LoopbackListener { peer in
            var index = 0
            while index < answers.count, let head = peer.read(through: Array("\r\n\r\n".utf8)) {
                let text = String(decoding: head, as: UTF8.self).lowercased()
                let length = text.components(separatedBy: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                _ = peer.read(count: length)
                peer.write(answers[index])
                index += 1
                if index == answers.count { return }
            }
        }
        defer { listener.stop() }
        let connection = HTTPConnection(timeout: 5)
        let target = try Self.target("http://127.0.0.1:\(listener.port)/hook")
        #expect(try connection.post(target, headers: [], body: Data("a".utf8)).get()
            == HTTPConnection.Answer(status: 201, body: Data("hello, world".utf8)))
        #expect(try connection.post(target, headers: [], body: Data("b".utf8)).get()
            == HTTPConnection.Answer(status: 503, body: Data("busy".utf8)))
        #expect(connection.isConnected, "both answers framed: the connection is still good")
        #expect(try connection.post(target, headers: [], body: Data("c".utf8)).get()
            == HTTPConnection.Answer(status: 429, body: Data("slow down".utf8)))
        #expect(!connection.isConnected, "a body that ends with the connection leaves none")
    }

    @Test func onlyPlainHTTPURLsAreItsTargets() throws {
        #expect(HTTPConnection.Target(URL(string: "https://hooks.example.com/x")!) == nil)
        let target = try Self.target("http://hooks.example.com/services/T0/B0")
        #expect(target.host == "hooks.example.com" && target.port == 80 && target.authority == "hooks.example.com")
        #expect(target.path == "/services/T0/B0")
        let bare = try Self.target("http://[::1]:8080")
        #expect(bare.host == "::1" && bare.port == 8080 && bare.authority == "[::1]:8080" && bare.path == "/")
    }
}

/// The webhook client's `https://` path goes through libcurl: a server that
/// does not speak TLS is a failure naming the handshake, not an answer, and
/// nothing it said is taken for one.
@Suite struct SecureWebhookTests {
    @Test func aServerWithoutTLSFailsTheHandshake() throws {
        // Plain HTTP, whatever the client says first.
        let server = try LoopbackListener { connection in
            _ = connection.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        }
        defer { server.stop() }
        let client = WebhookClient(timeout: 5)
        defer { client.finish() }
        let result = client.post(URL(string: "https://127.0.0.1:\(server.port)/hook")!, headers: HTTPConnectionTests.headers,
                                 body: Data("{}".utf8))
        guard case let .failure(problem) = result else {
            Issue.record("expected a failure, got \(result)")
            return
        }
        #expect(problem.description.contains("SSL") || problem.description.contains("TLS"), "\(problem)")
    }
}
