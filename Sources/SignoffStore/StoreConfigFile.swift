#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SignoffCore

/// The account's configuration file: `$XDG_CONFIG_HOME/signoff/config`, else
/// `~/.config/signoff/config`. One `key = value` a line, `#` comments:
///
/// ```
/// store = postgresql://db.example.com/signoff
/// ```
///
/// Whoever can change this file chooses which store the account's decisions
/// go to, so a file that someone else may write is refused; one that names a
/// password must be readable by its owner alone, as libpq requires of `.pgpass`.
enum StoreConfigFile {
    static let keys: Set<String> = ["store"]

    static func path(environment: [String: String]) -> String {
        if let config = environment["XDG_CONFIG_HOME"], !config.isEmpty {
            return (config as NSString).appendingPathComponent("signoff/config")
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return (home as NSString).appendingPathComponent(".config/signoff/config")
    }

    /// The `store` entry, nil when there is no file or no entry.
    static func storeEntry(environment: [String: String]) throws -> StoreLocation? {
        let path = path(environment: environment)
        guard let (text, info) = try read(path) else { return nil }
        guard let (value, line) = try entries(text, path: path)["store"] else { return nil }
        let location: StoreLocation
        do {
            location = try StoreLocation(parsing: value)
        } catch let error as StoreLocationError {
            throw StoreLocationError.inSource("\(path):\(line)", error)
        }
        if location.holdsPassword, info.st_mode & 0o077 != 0 {
            throw StoreLocationError.configFile(
                "\(path):\(line): the store entry holds a password, but others may read the file; "
                    + "run `chmod 600 \(path)`, or keep the password in ~/.pgpass")
        }
        return location
    }

    /// The file's text and status; nil when it does not exist.
    private static func read(_ path: String) throws -> (String, stat)? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw StoreLocationError.configFile("\(path): cannot be read: \(String(cString: strerror(errno)))")
        }
        if info.st_uid != geteuid() && info.st_uid != 0 {
            throw StoreLocationError.configFile(
                "\(path) belongs to another account, which could choose your store; it must be yours")
        }
        if info.st_mode & 0o022 != 0 {
            throw StoreLocationError.configFile(
                "\(path) may be changed by other accounts, which could choose your store; run `chmod go-w \(path)`")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StoreLocationError.configFile("\(path): cannot be read (may you read it?)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw StoreLocationError.configFile("\(path): is not UTF-8 text")
        }
        return (text, info)
    }

    /// Every `key = value` with its line number. Unknown keys, repeated keys and
    /// lines without `=` are refused with their position.
    static func entries(_ text: String, path: String) throws -> [String: (value: String, line: Int)] {
        var entries: [String: (String, Int)] = [:]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw StoreLocationError.configFile("\(path):\(number): expected `key = value`")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard keys.contains(key) else {
                throw StoreLocationError.configFile(
                    "\(path):\(number): unknown key \"\(DisplaySafe.text(key))\"; known keys: \(keys.sorted().joined(separator: ", "))")
            }
            if let earlier = entries[key] {
                throw StoreLocationError.configFile("\(path):\(number): \(key) is already set on line \(earlier.1)")
            }
            entries[key] = (value, number)
        }
        return entries
    }
}
