import Foundation
import SignoffCore

/// A person's own choice of how their decisions are signed, from
/// `$XDG_CONFIG_HOME/signoff/signing` (else `~/.config/signoff/signing`):
///
/// ```
/// # the key that signs my decisions: a private key file (ssh-keygen -Y sign asks
/// # for its passphrase), or a .pub whose private half my ssh-agent holds
/// key = ~/.ssh/id_ed25519_sk
/// # how long to wait for a touch or a passphrase
/// timeout = 60s
/// ```
///
/// Without a `key`, the agent signs with whichever of the person's listed keys
/// it holds. `SIGNOFF_SIGNING_KEY` in the environment overrides `key`.
public struct SigningConfiguration: Sendable, Hashable {
    public var keyFile: String?
    /// How long to wait for a person: a security key's touch, a passphrase.
    public var timeout: Duration = .seconds(60)
    /// Where it was read from, for messages; nil when there was no file.
    public var source: String?

    public init(keyFile: String? = nil, timeout: Duration = .seconds(60), source: String? = nil) {
        self.keyFile = keyFile
        self.timeout = timeout
        self.source = source
    }

    /// The file's path for this environment.
    public static func path(environment: [String: String]) -> String? {
        if let config = environment["XDG_CONFIG_HOME"], config.hasPrefix("/") { return config + "/signoff/signing" }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return home + "/.config/signoff/signing"
    }

    /// Reads the person's configuration; a missing file is an empty configuration.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(SourceError) -> SigningConfiguration {
        var configuration = SigningConfiguration()
        if let path = path(environment: environment), let data = FileManager.default.contents(atPath: path) {
            configuration = try parse(String(decoding: data, as: UTF8.self), file: path, environment: environment)
        }
        if let key = environment["SIGNOFF_SIGNING_KEY"], !key.isEmpty {
            configuration.keyFile = expandHome(key, environment: environment)
        }
        return configuration
    }

    public static func parse(_ text: String, file: String, environment: [String: String]) throws(SourceError)
        -> SigningConfiguration {
        var configuration = SigningConfiguration(source: file)
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let position = SourcePosition(line: index + 1, column: 1)
            guard let equals = line.firstIndex(of: "=") else {
                throw SourceError(file: file, position: position, field: "",
                                  message: "expected name = value", hint: "e.g. key = ~/.ssh/id_ed25519")
            }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            switch name {
            case "key":
                guard !value.isEmpty else {
                    throw SourceError(file: file, position: position, field: "key", message: "is empty",
                                      hint: "name a private key file, or a .pub file whose key your ssh-agent holds")
                }
                configuration.keyFile = expandHome(value, environment: environment)
            case "timeout":
                guard let seconds = seconds(value), seconds > 0, seconds <= 600 else {
                    throw SourceError(file: file, position: position, field: "timeout",
                                      message: "\"\(DisplaySafe.text(value))\" is not a time of at most 10m",
                                      hint: "e.g. 60s or 2m: how long to wait for a touch or a passphrase")
                }
                configuration.timeout = .seconds(seconds)
            default:
                throw SourceError(file: file, position: position, field: DisplaySafe.text(name),
                                  message: "unknown setting", hint: "the settings are key and timeout")
            }
        }
        return configuration
    }

    /// `45s` or `2m`.
    static func seconds(_ text: String) -> Int? {
        guard let unit = text.last, let number = Int(text.dropLast()), text.first?.isNumber == true else { return nil }
        switch unit {
        case "s": return number
        case "m": return number * 60
        default: return nil
        }
    }

    static func expandHome(_ path: String, environment: [String: String]) -> String {
        guard path == "~" || path.hasPrefix("~/"), let home = environment["HOME"] else { return path }
        return home + path.dropFirst()
    }
}
