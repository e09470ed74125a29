import Foundation
import SignoffCore

/// The hand-off commands this operating-system account has set itself, kept
/// outside the shared store in a file only this account can write.
///
/// A hand-off command runs with the rights of the process that delivers. The
/// store says which command is configured and who set it, but anyone able to
/// write the store file (every approver of a shared store) could change that
/// row, or append a well-chained event naming someone else. So a process runs
/// a command only when its own account's file lists it for that store: the
/// entry is written by `signoff handoff --command` in that account, and a file
/// or folder that others can write is not believed.
///
/// Each line is the SHA-256 (hex) of the store's resolved path, a NUL byte,
/// and the command.
public struct CommandTrust: Sendable {
    public let file: String

    public init(file: String) {
        self.file = file
    }

    /// `$XDG_CONFIG_HOME/signoff/trusted-hand-off-commands`, else under `~/.config`.
    public static func forAccount(environment: [String: String] = ProcessInfo.processInfo.environment) -> CommandTrust {
        let base: String
        if let config = environment["XDG_CONFIG_HOME"], config.hasPrefix("/") {
            base = config
        } else {
            base = (environment["HOME"] ?? NSHomeDirectory()) + "/.config"
        }
        return CommandTrust(file: base + "/signoff/trusted-hand-off-commands")
    }

    /// `purpose` tells uses apart (nil: the hand-off; `notify`: notification
    /// commands), so trusting a command for one never lets it run for the other.
    static func entry(_ command: String, store storePath: String, purpose: String? = nil) -> String {
        let resolved = URL(fileURLWithPath: storePath).resolvingSymlinksInPath().path
        return GrantDocument.digest(Data((resolved + "\0" + (purpose.map { $0 + "\0" } ?? "") + command).utf8))
    }

    /// Records that this account runs `command` for the store at `storePath`.
    public func trust(_ command: String, store storePath: String, purpose: String? = nil) throws {
        let folder = (file as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        if let problem = Self.unsafeOwnership(folder) ?? (FileManager.default.fileExists(atPath: file) ? Self.unsafeOwnership(file) : nil) {
            throw CommandTrustError(problem)
        }
        let line = Self.entry(command, store: storePath, purpose: purpose)
        if (try? String(contentsOfFile: file, encoding: .utf8))?.split(separator: "\n").contains(Substring(line)) == true {
            return
        }
        let fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw CommandTrustError("cannot write \(file): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array((line + "\n").utf8)
        guard Foundation.write(fd, bytes, bytes.count) == bytes.count, fsync(fd) == 0 else {
            throw CommandTrustError("cannot write \(file): \(String(cString: strerror(errno)))")
        }
    }

    /// Nil when this account set `command` for the store at `storePath`;
    /// otherwise why the command must not run here.
    public func refusal(of command: String, store storePath: String, purpose: String? = nil) -> String? {
        let folder = (file as NSString).deletingLastPathComponent
        guard FileManager.default.fileExists(atPath: file) else {
            return "this account has not set that command itself (\(file) does not exist)"
        }
        if let problem = Self.unsafeOwnership(folder) ?? Self.unsafeOwnership(file) { return problem }
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return "cannot read \(file)" }
        guard text.split(separator: "\n").contains(Substring(Self.entry(command, store: storePath, purpose: purpose))) else {
            return "this account has not set that command itself (it is not in \(file))"
        }
        return nil
    }

    /// Why `path` cannot be believed: owned by someone else, or writable by others.
    private static func unsafeOwnership(_ path: String) -> String? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return "cannot read \(path): \(String(cString: strerror(errno)))" }
        if info.st_uid != getuid() { return "\(path) belongs to another account" }
        if (info.st_mode & S_IFMT) == S_IFLNK { return "\(path) is a symbolic link" }
        if info.st_mode & (S_IWGRP | S_IWOTH) != 0 {
            return "\(path) is writable by other accounts; make it writable by its owner only (chmod go-w)"
        }
        return nil
    }
}

public struct CommandTrustError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
