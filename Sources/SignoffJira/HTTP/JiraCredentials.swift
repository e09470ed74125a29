import Foundation

/// How signoff signs in to Jira: an Atlassian account's email with an API
/// token (Basic authentication, Jira Cloud), or a personal access token
/// (Bearer, Server and Data Center).
///
/// Credentials are read only from a file that its owner alone can read: a
/// token on a command line is visible to every user in `ps`, and one in the
/// environment leaks into child processes, core dumps and CI logs. Nothing
/// here ever prints a token, or a line that holds one.
public struct JiraCredentials: Sendable {
    public enum Scheme: Sendable {
        case basic(email: String, token: String)
        case bearer(token: String)
    }

    public let scheme: Scheme
    /// The file it came from, for messages.
    public let file: String

    /// The `Authorization` header's value.
    public var authorization: String {
        switch scheme {
        case let .basic(email, token): "Basic " + Data("\(email):\(token)".utf8).base64EncodedString()
        case let .bearer(token): "Bearer " + token
        }
    }

    /// Who signs in, for messages: the email, or "a personal access token".
    public var who: String {
        switch scheme {
        case let .basic(email, _): email
        case .bearer: "a personal access token"
        }
    }

    /// `$XDG_CONFIG_HOME/signoff/jira-credentials`, else `~/.config/signoff/jira-credentials`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let config = environment["XDG_CONFIG_HOME"], !config.isEmpty {
            return (config as NSString).appendingPathComponent("signoff/jira-credentials")
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return (home as NSString).appendingPathComponent(".config/signoff/jira-credentials")
    }

    public static let format = """
        one setting a line: `email: you@example.com` and `api_token: ...` (Jira Cloud), or `bearer_token: ...` (a personal access token, Server and Data Center); lines starting with # are comments
        """

    /// Reads and checks the file: a regular file, owned by the account running
    /// signoff, with no permission for group or others.
    public static func read(path: String) throws(JiraCredentialsError) -> JiraCredentials {
        // Not blocking: a FIFO put there would hold the open until someone writes to it (it is refused just below).
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw JiraCredentialsError("\(path): cannot be opened (\(reason))",
                                       hint: "create it with `install -m 600 /dev/null \(path)` and write into it \(format)")
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw JiraCredentialsError("\(path): cannot be examined") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw JiraCredentialsError("\(path): is not a regular file") }
        guard info.st_uid == geteuid() else {
            throw JiraCredentialsError("\(path): belongs to another account (uid \(info.st_uid)), so that account could change or read it",
                                       hint: "keep the credentials in a file of your own, readable by you alone")
        }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw JiraCredentialsError("\(path): can be read or written by others (mode \(String(mode, radix: 8))); credentials must be readable by their owner only",
                                       hint: "run `chmod 600 \(path)`, and rotate the token if others may have read it")
        }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = Foundation.read(descriptor, &buffer, buffer.count)
            if count <= 0 { break }
            data.append(contentsOf: buffer[0..<count])
            if data.count > 65_536 { throw JiraCredentialsError("\(path): is larger than a credentials file can be") }
        }
        guard let text = String(data: data, encoding: .utf8) else { throw JiraCredentialsError("\(path): is not UTF-8 text") }
        return try parse(text, file: path)
    }

    /// Parses the file's text. Messages name lines and settings, never values.
    public static func parse(_ text: String, file: String) throws(JiraCredentialsError) -> JiraCredentials {
        var settings: [String: String] = [:]
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let colon = line.firstIndex(of: ":") else {
                throw JiraCredentialsError("\(file):\(offset + 1): is not a `name: value` line", hint: format)
            }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            guard ["email", "api_token", "bearer_token"].contains(name) else {
                throw JiraCredentialsError("\(file):\(offset + 1): unknown setting \"\(name.prefix(40))\"", hint: format)
            }
            guard settings[name] == nil else { throw JiraCredentialsError("\(file):\(offset + 1): \(name) is given twice") }
            guard !value.isEmpty else { throw JiraCredentialsError("\(file):\(offset + 1): \(name) is empty") }
            guard value.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F || name == "email" && $0.value > 0x7F }) else {
                throw JiraCredentialsError("\(file):\(offset + 1): \(name) holds spaces or control characters", hint: "paste the value alone")
            }
            settings[name] = value
        }
        switch (settings["email"], settings["api_token"], settings["bearer_token"]) {
        case let (email?, token?, nil):
            return JiraCredentials(scheme: .basic(email: email, token: token), file: file)
        case let (nil, nil, token?):
            return JiraCredentials(scheme: .bearer(token: token), file: file)
        case (.some, nil, nil):
            throw JiraCredentialsError("\(file): has an email but no api_token", hint: "add `api_token:` with a token from https://id.atlassian.com/manage-profile/security/api-tokens")
        case (nil, .some, nil):
            throw JiraCredentialsError("\(file): has an api_token but no email", hint: "add `email:` with the Atlassian account's address")
        case (nil, nil, nil):
            throw JiraCredentialsError("\(file): holds no credentials", hint: format)
        case (_, _, .some):
            throw JiraCredentialsError("\(file): gives both bearer_token and email or api_token", hint: "keep one way of signing in")
        }
    }
}

/// A credentials file that cannot be used, and what to do.
public struct JiraCredentialsError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var hint: String?
    public init(_ message: String, hint: String? = nil) {
        self.message = message
        self.hint = hint
    }
    public var description: String { message + (hint.map { "; \($0)" } ?? "") }
}
