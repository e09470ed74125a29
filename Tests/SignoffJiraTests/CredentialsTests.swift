import Foundation
import SignoffJira
import Testing

@Suite struct CredentialsTests {
    static func file(_ text: String, mode: mode_t) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("signoff-creds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("jira-credentials").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, mode)
        return path
    }

    static let token = "ATATT3x" + String(repeating: "Qz9", count: 12)

    @Test func basicAndBearer() throws {
        let basic = try JiraCredentials.read(path: try Self.file("# Jira Cloud\nemail: ops@example.com\napi_token: \(Self.token)\n", mode: 0o600))
        #expect(basic.authorization == "Basic " + Data("ops@example.com:\(Self.token)".utf8).base64EncodedString())
        #expect(basic.who == "ops@example.com")
        let bearer = try JiraCredentials.read(path: try Self.file("bearer_token: '\(Self.token)'", mode: 0o400))
        #expect(bearer.authorization == "Bearer \(Self.token)")
    }

    /// Readable by anyone but its owner: refused, saying how to fix it, whatever it holds.
    @Test(arguments: [0o644, 0o640, 0o604, 0o660, 0o606] as [mode_t])
    func refusedWhenOthersCanRead(mode: mode_t) throws {
        let path = try Self.file("email: ops@example.com\napi_token: \(Self.token)\n", mode: mode)
        do {
            _ = try JiraCredentials.read(path: path)
            Issue.record("mode \(String(mode, radix: 8)) was accepted")
        } catch {
            #expect(error.description.contains("readable by their owner only"), "\(error)")
            #expect(error.description.contains("chmod 600 \(path)"), "\(error)")
            #expect(!error.description.contains(Self.token))
        }
    }

    @Test func missingFileSaysHowToCreateIt() {
        do {
            _ = try JiraCredentials.read(path: "/nonexistent/signoff/jira-credentials")
            Issue.record("accepted a missing file")
        } catch {
            #expect(error.description.contains("install -m 600 /dev/null"), "\(error)")
        }
    }

    /// Messages name the line and the setting, never a value.
    @Test(arguments: [
        ("api_token \(token)", "1: is not a `name: value` line"),
        ("email: a@b\npassword: \(token)", "2: unknown setting \"password\""),
        ("email: a@b", "has an email but no api_token"),
        ("api_token: \(token)", "has an api_token but no email"),
        ("email: a@b\napi_token: \(token)\nbearer_token: \(token)", "gives both"),
        ("# nothing\n", "holds no credentials"),
        ("email: a@b\napi_token: \(token) extra", "holds spaces or control characters"),
        ("email: a@b\napi_token: x\napi_token: y", "3: api_token is given twice"),
    ])
    func malformed(text: String, message: String) {
        do {
            _ = try JiraCredentials.parse(text, file: "creds")
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.description.contains(message), "\(error)")
            #expect(!error.description.contains(Self.token))
        }
    }
}
