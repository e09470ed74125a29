import Foundation

/// Where a store lives: an SQLite file on this host, or a PostgreSQL database
/// shared by a team. Parsed once from `--store`, `SIGNOFF_STORE` or the
/// configuration file, so that a connection string can never be mistaken for
/// a file name (which would create a local file named after the URL,
/// password included).
public enum StoreLocation: Sendable, Hashable, CustomStringConvertible {
    /// An SQLite file.
    case sqlite(path: String)
    /// A PostgreSQL database: a `postgresql://` or `postgres://` URL, or a
    /// libpq connection string (`host=db dbname=signoff`, `service=signoff`).
    case postgresql(connection: String)

    /// Reads a store argument. Anything with a URL scheme is a URL, never a
    /// file name: only `postgresql://` and `postgres://` are stores. A libpq
    /// `keyword=value` string is PostgreSQL; everything else is a path.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw StoreLocationError.empty }
        if let scheme = Self.urlScheme(of: trimmed) {
            guard Self.postgresSchemes.contains(scheme.lowercased()) else {
                throw StoreLocationError.unknownScheme(scheme)
            }
            self = .postgresql(connection: trimmed)
        } else if Self.isConnectionString(trimmed) {
            self = .postgresql(connection: trimmed)
        } else {
            self = .sqlite(path: text)
        }
    }

    static let postgresSchemes: Set<String> = ["postgresql", "postgres"]

    /// `scheme` of `scheme://...` (RFC 3986 scheme characters), else nil.
    static func urlScheme(of text: String) -> String? {
        guard let range = text.range(of: "://") else { return nil }
        let scheme = text[..<range.lowerBound]
        func isLetter(_ scalar: Unicode.Scalar) -> Bool { ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) }
        guard let first = scheme.unicodeScalars.first, isLetter(first),
              scheme.unicodeScalars.allSatisfy({ isLetter($0) || ("0"..."9").contains($0) || "+-.".unicodeScalars.contains($0) })
        else { return nil }
        return String(scheme)
    }

    /// libpq's `keyword=value` form: the text starts with one of libpq's
    /// connection keywords and an equals sign.
    static func isConnectionString(_ text: String) -> Bool {
        guard let equals = text.firstIndex(of: "=") else { return false }
        let keyword = text[..<equals].trimmingCharacters(in: .whitespaces)
        return connectionKeywords.contains(keyword)
    }

    /// The keywords of libpq's connection strings (PostgreSQL 15).
    static let connectionKeywords: Set<String> = [
        "host", "hostaddr", "port", "dbname", "user", "password", "passfile", "channel_binding", "connect_timeout",
        "client_encoding", "options", "application_name", "fallback_application_name", "keepalives",
        "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout", "replication",
        "gssencmode", "sslmode", "requiressl", "sslcompression", "sslcert", "sslkey", "sslpassword", "sslrootcert",
        "sslcrl", "sslcrldir", "sslsni", "requirepeer", "ssl_min_protocol_version", "ssl_max_protocol_version",
        "krbsrvname", "gsslib", "service", "target_session_attrs",
    ]

    /// What to show people: the path, or the connection without any password.
    public var description: String {
        switch self {
        case let .sqlite(path): path
        case let .postgresql(connection): Self.redacted(connection)
        }
    }

    /// Whether the connection text itself holds a password (better kept in
    /// `~/.pgpass`, where no process listing or shell history shows it).
    public var holdsPassword: Bool {
        guard case let .postgresql(connection) = self else { return false }
        return Self.redacted(connection) != connection
    }

    /// A connection with its password removed: from the user-information part
    /// of a URL, from a `password` query parameter, and from `password=` in a
    /// connection string.
    static func redacted(_ connection: String) -> String {
        if let scheme = urlScheme(of: connection) {
            let afterScheme = connection.index(connection.startIndex, offsetBy: scheme.count + 3)
            var rest = String(connection[afterScheme...])
            let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
            // The last @ of the authority ends the user information (a password may hold @).
            if let at = rest[..<authorityEnd].lastIndex(of: "@") {
                let userInfo = rest[..<at]
                if let colon = userInfo.firstIndex(of: ":") {
                    rest = String(rest[..<colon]) + String(rest[at...])
                }
            }
            if let query = rest.firstIndex(of: "?") {
                let parameters = rest[rest.index(after: query)...].split(separator: "&", omittingEmptySubsequences: false)
                let kept = parameters.filter { !$0.lowercased().hasPrefix("password=") }
                rest = String(rest[..<query]) + (kept.isEmpty ? "" : "?" + kept.joined(separator: "&"))
            }
            return String(connection[..<afterScheme]) + rest
        }
        return ConnectionString.pairs(connection).filter { $0.keyword != "password" }
            .map { "\($0.keyword)=\(ConnectionString.quoted($0.value))" }.joined(separator: " ")
    }

    /// `--store`, else `$SIGNOFF_STORE`, else the `store` entry of the
    /// configuration file (`$XDG_CONFIG_HOME/signoff/config`, else
    /// `~/.config/signoff/config`), else the default SQLite file.
    public static func configured(option: String?,
                                  environment: [String: String] = ProcessInfo.processInfo.environment) throws -> StoreLocation {
        if let option { return try StoreLocation(parsing: option) }
        if let value = environment["SIGNOFF_STORE"], !value.isEmpty {
            do {
                return try StoreLocation(parsing: value)
            } catch let error as StoreLocationError {
                throw StoreLocationError.inSource("SIGNOFF_STORE", error)
            }
        }
        if let entry = try StoreConfigFile.storeEntry(environment: environment) { return entry }
        return .sqlite(path: Store.defaultPath(environment: environment))
    }
}

/// Why a store argument was refused.
public indirect enum StoreLocationError: Error, Sendable, Hashable, CustomStringConvertible {
    case empty
    case unknownScheme(String)
    /// Where the refused value came from (the environment variable, or file:line).
    case inSource(String, StoreLocationError)
    /// The configuration file cannot be used, with where and what to do.
    case configFile(String)

    public var description: String {
        switch self {
        case .empty:
            "the store is empty: give a file path or a postgresql:// URL"
        case let .unknownScheme(scheme):
            "\"\(scheme)://\" is not a kind of store signoff knows: give a file path or a postgresql:// (or postgres://) URL"
        case let .inSource(source, error):
            "\(source): \(error)"
        case let .configFile(message):
            message
        }
    }
}

/// libpq's `keyword = value` connection strings, as far as signoff reads them:
/// to show one without its password.
enum ConnectionString {
    /// The pairs in order; values may be single-quoted with `\'` and `\\` escapes.
    static func pairs(_ text: String) -> [(keyword: String, value: String)] {
        var pairs: [(String, String)] = []
        var characters = Substring(text)
        func skipSpaces() { characters = characters.drop(while: { $0 == " " || $0 == "\t" || $0 == "\n" }) }
        while true {
            skipSpaces()
            guard !characters.isEmpty else { break }
            let keyword = characters.prefix(while: { $0 != "=" && $0 != " " && $0 != "\t" })
            characters = characters.dropFirst(keyword.count)
            skipSpaces()
            guard characters.first == "=" else { break }
            characters = characters.dropFirst()
            skipSpaces()
            var value = ""
            if characters.first == "'" {
                characters = characters.dropFirst()
                while let next = characters.first, next != "'" {
                    characters = characters.dropFirst()
                    if next == "\\", let escaped = characters.first {
                        value.append(escaped)
                        characters = characters.dropFirst()
                    } else {
                        value.append(next)
                    }
                }
                characters = characters.dropFirst()
            } else {
                while let next = characters.first, next != " ", next != "\t", next != "\n" {
                    characters = characters.dropFirst()
                    if next == "\\", let escaped = characters.first {
                        value.append(escaped)
                        characters = characters.dropFirst()
                    } else {
                        value.append(next)
                    }
                }
            }
            pairs.append((String(keyword), value))
        }
        return pairs
    }

    static func quoted(_ value: String) -> String {
        guard value.isEmpty || value.contains(where: { $0 == " " || $0 == "'" || $0 == "\\" }) else { return value }
        return "'" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }
}
