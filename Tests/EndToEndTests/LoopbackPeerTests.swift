import Foundation
import LoopbackHTTP
import Testing

/// The loopback peers other tests rely on, checked against curl: a peer that
/// recorded the wrong thing would make every test built on it meaningless.
@Suite("Loopback peers")
struct LoopbackPeerTests {
    /// Runs curl; returns its exit status and what it printed.
    func curl(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["curl", "-sS"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func recordsBodiesAndAnswersWhatItIsTold() throws {
        let server = try LoopbackHTTPServer { request in
            switch request.path {
            case "/down": .respond(500, body: Data("broken".utf8))
            case "/hang": .hang
            case "/drop": .drop
            default: .json(201, #"{"ok":true}"#)
            }
        }
        let ok = try curl(["-X", "POST", "-H", "Content-Type: application/json", "-H", "Idempotency-Key: k1",
                           "--data-binary", #"{"a":1}"#, "-w", " %{http_code}", server.url("/hook")])
        #expect(ok.output == #"{"ok":true} 201"#, "\(ok.output)")
        // A larger body: curl sends Expect: 100-continue, and a chunked one.
        let big = String(repeating: "x", count: 5000)
        let chunked = try curl(["-X", "POST", "-H", "Transfer-Encoding: chunked", "--data-binary", big, "-w", "%{http_code}",
                                "-o", "/dev/null", server.url("/big")])
        #expect(chunked.output == "201", "\(chunked.output)")
        let down = try curl(["-X", "POST", "--data-binary", "x", "-w", " %{http_code}", server.url("/down")])
        #expect(down.output == "broken 500")
        let hang = try curl(["--max-time", "1", "-X", "POST", "--data-binary", "x", server.url("/hang")])
        #expect(hang.status == 28, "curl timed out: \(hang.output)")
        let drop = try curl(["-X", "POST", "--data-binary", "x", server.url("/drop")])
        #expect(drop.status == 52, "empty reply: \(drop.output)")

        let requests = server.requests
        #expect(requests.map(\.path) == ["/hook", "/big", "/down", "/hang", "/drop"])
        #expect(requests[0].method == "POST" && requests[0].text == #"{"a":1}"#)
        #expect(requests[0].header("idempotency-key") == "k1")
        #expect((requests[0].json as? [String: Int])?["a"] == 1)
        #expect(requests[1].text == big)
        server.stop()
        let refused = try curl(["-X", "POST", "--data-binary", "x", server.url("/hook")])
        #expect(refused.status == 7, "connection refused once stopped: \(refused.output)")
        let nobody = try curl(["-X", "POST", "--data-binary", "x", "http://127.0.0.1:\(try LoopbackListener.refusingPort())/"])
        #expect(nobody.status == 7)
    }

    @Test func theSMTPSinkReceivesWhatMsmtpSends() throws {
        let sink = try LoopbackSMTPServer()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("signoff-smtp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("msmtprc")
        try "account default\nhost 127.0.0.1\nport \(sink.port)\nfrom signoff@example.com\nauth off\ntls off\n"
            .write(to: config, atomically: true, encoding: .utf8)
        chmod(config.path, 0o600)
        // The message goes in through a file, not a pipe: a missing msmtp fails this test, not the whole run with SIGPIPE.
        let sent = try Signoff.runProgram("/usr/bin/env", ["msmtp", "-C", config.path, "-t", "-oi"],
                                          stdin: "To: dave@example.com\nSubject: hello\n\n.leading dot\nbody\n")
        try #require(sent.status == 0, "msmtp failed (scripts/setup installs it): \(sent.output)")
        let message = try #require(sink.waitForMessages(count: 1).first)
        #expect(message.recipients == ["dave@example.com"])
        #expect(message.header("subject") == "hello")
        #expect(message.body.contains(".leading dot\r\nbody"), "\(message.body)")
    }
}
