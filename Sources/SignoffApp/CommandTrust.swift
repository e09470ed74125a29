import Foundation
import SignoffCore

/// Where grant documents go: a command run with the delivering process's
/// rights, or a folder that process writes into.
public enum HandOffTarget: Sendable, Hashable, CustomStringConvertible {
    case command(String)
    case outbox(String)

    var kind: String {
        switch self {
        case .command: "command"
        case .outbox: "outbox"
        }
    }

    var value: String {
        switch self {
        case let .command(text), let .outbox(text): text
        }
    }

    public var description: String { "\(kind) \(value)" }
}

/// The hand-off targets this operating-system account has set itself, one
/// per store, kept outside the shared store in a file only this account can
/// write.
///
/// A hand-off runs with the rights of the process that delivers: a command
/// runs as that account, and an outbox folder is written as that account.
/// The store says which target is configured and who set it, but anyone able
/// to write the store file (every approver of a shared store) could change
/// that row, or append a well-chained event naming someone else. So a process
/// hands off only to a target its own account's file lists for that store: the
/// entry is written by `signoff handoff --command/--outbox` in that account,
/// and a file or folder that others can write is not believed. An entry names
/// the `hand_off_configured` event that set the target, and holds only while
/// that event is the one in force: once anyone sets another target, the entry
/// is spent, and a store writer who appends an event setting the old target
/// again in this account's name gets a different event, which no entry names.
/// Setting another target (or `--off`) also replaces the account's entry for
/// the store, so the file keeps one line per store.
///
/// Each line is the SHA-256 (hex) of the store's resolved path, a space, and
/// the SHA-256 of the resolved path, the target's kind, its value and the hash
/// of the event that set it (NUL-separated).
public struct CommandTrust: Sendable {
    public let file: String

    public init(file: String) {
        self.file = file
    }

    /// `$XDG_CONFIG_HOME/signoff/trusted-hand-offs`, else under `~/.config`.
    public static func forAccount(environment: [String: String] = ProcessInfo.processInfo.environment) -> CommandTrust {
        let base: String
        if let config = environment["XDG_CONFIG_HOME"], config.hasPrefix("/") {
            base = config
        } else {
            base = (environment["HOME"] ?? NSHomeDirectory()) + "/.config"
        }
        return CommandTrust(file: base + "/signoff/trusted-hand-offs")
    }

    static func resolved(_ storePath: String) -> String { URL(fileURLWithPath: storePath).resolvingSymlinksInPath().path }

    static func storeKey(_ storePath: String) -> String { GrantDocument.digest(Data(resolved(storePath).utf8)) }

    static func entry(_ target: HandOffTarget, store storePath: String, event: String) -> String {
        storeKey(storePath) + " "
            + GrantDocument.digest(Data((resolved(storePath) + "\0" + target.kind + "\0" + target.value + "\0" + event).utf8))
    }

    /// Records that this account hands off to `target` for the store at
    /// `storePath`, as set by the event whose hash is `event`, retiring
    /// whatever it trusted there before.
    public func trust(_ target: HandOffTarget, store storePath: String, event: String) throws {
        try replaceEntry(store: storePath, with: Self.entry(target, store: storePath, event: event))
    }

    /// This account hands off nowhere for the store any more (`--off`).
    public func retire(store storePath: String) throws {
        try replaceEntry(store: storePath, with: nil)
    }

    /// Creates the trust file's folder (this account's alone) if needed;
    /// throws when the folder or the file may not be believed.
    private func prepareToWrite() throws {
        let folder = (file as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        if let problem = Self.unsafeOwnership(folder) ?? (FileManager.default.fileExists(atPath: file) ? Self.unsafeOwnership(file) : nil) {
            throw CommandTrustError(problem)
        }
    }

    /// Nil when the trust file, believable, lists `line`; otherwise why the
    /// target it stands for (a `what`) must not be used (`unlisted`: what
    /// else its absence may mean).
    private func refusal(listing line: String, what: String, unlisted: String) -> String? {
        let folder = (file as NSString).deletingLastPathComponent
        guard FileManager.default.fileExists(atPath: file) else {
            return "this account has not set that \(what) itself (\(file) does not exist)"
        }
        if let problem = Self.unsafeOwnership(folder) ?? Self.unsafeOwnership(file) { return problem }
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return "cannot read \(file)" }
        guard text.split(separator: "\n").contains(Substring(line)) else {
            return "this account has not set that \(what) itself\(unlisted) (it is not in \(file))"
        }
        return nil
    }

    private func replaceEntry(store storePath: String, with line: String?) throws {
        try prepareToWrite()
        let key = Self.storeKey(storePath) + " "
        var lines = ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
            .filter { !$0.hasPrefix(key) }
        if let line { lines.append(line) }
        // Written whole under another name, then renamed: never half a file.
        let temporary = file + ".\(getpid()).partial"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw CommandTrustError("cannot write \(file): \(String(cString: strerror(errno)))") }
        let bytes = Array(lines.map { $0 + "\n" }.joined().utf8)
        let written = bytes.isEmpty || Foundation.write(fd, bytes, bytes.count) == bytes.count
        let synced = fsync(fd) == 0
        close(fd)
        guard written, synced, rename(temporary, file) == 0 else {
            unlink(temporary)
            throw CommandTrustError("cannot write \(file): \(String(cString: strerror(errno)))")
        }
    }

    /// Nil when this account set `target` for the store at `storePath` by the
    /// event `event` (the one in force); otherwise why it must not be used here.
    public func refusal(of target: HandOffTarget, store storePath: String, event: String) -> String? {
        refusal(listing: Self.entry(target, store: storePath, event: event), what: target.kind, unlisted: ", or it was replaced since")
    }

    /// A command this account trusts for another purpose (`notify`:
    /// notification commands), several per store, added one by one: `purpose`
    /// keeps uses apart, so trusting a command for one never lets it run for another.
    static func entry(_ command: String, store storePath: String, purpose: String) -> String {
        GrantDocument.digest(Data((resolved(storePath) + "\0" + purpose + "\0" + command).utf8))
    }

    /// Records that this account runs `command` for `purpose` in the store at `storePath`.
    public func trust(_ command: String, store storePath: String, purpose: String) throws {
        try prepareToWrite()
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

    /// Nil when this account trusts `command` (or another use, `what`) for `purpose` in the store at `storePath`.
    public func refusal(of command: String, store storePath: String, purpose: String, what: String = "command") -> String? {
        refusal(listing: Self.entry(command, store: storePath, purpose: purpose), what: what, unlisted: "")
    }

    /// Why this account must not write grant documents into `folder`: it is
    /// not an existing folder of this account's, or others may write it.
    public static func outboxProblem(_ folder: String) -> String? {
        var info = stat()
        guard lstat(folder, &info) == 0 else { return "\(folder) cannot be read: \(String(cString: strerror(errno)))" }
        if (info.st_mode & S_IFMT) == S_IFLNK { return "\(folder) is a symbolic link; name the folder itself" }
        guard (info.st_mode & S_IFMT) == S_IFDIR else { return "\(folder) is not a folder" }
        if info.st_uid != geteuid() { return "\(folder) belongs to another account; an outbox must be the account's own" }
        if info.st_mode & (S_IWGRP | S_IWOTH) != 0 {
            return "\(folder) is writable by other accounts; make it writable by its owner only (chmod go-w)"
        }
        return unsafeAncestor(of: folder)
    }

    /// Why this account must not run `command` (`/bin/sh -c`): the program
    /// it names by path (its first word, where that holds a `/`) is a file
    /// another account owns or may write, or lies under a folder that would
    /// let one put another in its place (`unsafeAncestor`). Whoever may
    /// change the program runs what they like with this account's rights.
    /// Nil for a program found through `PATH`, or one that does not exist
    /// (running it fails, and says so).
    public static func commandProblem(_ command: String) -> String? {
        var rest = Substring(command).drop { $0 == " " || $0 == "\t" }
        var program: Substring
        if let quote = rest.first, quote == "'" || quote == "\"" {
            rest = rest.dropFirst()
            program = rest.prefix { $0 != quote }
        } else {
            program = rest.prefix { $0 != " " && $0 != "\t" && $0 != ";" && $0 != "|" && $0 != "&" }
        }
        guard program.contains("/") else { return nil }
        if program.hasPrefix("~/"), let home = ProcessInfo.processInfo.environment["HOME"] {
            program = Substring(home + program.dropFirst())
        }
        let path = String(program)
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        if info.st_uid != 0, info.st_uid != geteuid() {
            return "\(path), the program the command runs, belongs to another account, who could change what it does; use one of this account's or root's"
        }
        if info.st_mode & (S_IWGRP | S_IWOTH) != 0 {
            return "\(path), the program the command runs, is writable by other accounts, who could change what it does; make it writable by its owner only (chmod go-w)"
        }
        return unsafeAncestor(of: path)
    }

    /// Why a folder above `path`, as named or as it resolves, could let
    /// another account put a folder of theirs in its place (move it aside
    /// and link another there): one owned by another account than this one
    /// or root, or one others may write that is not sticky (`/tmp` is, so
    /// nobody renames what is not theirs in it). As OpenSSH checks the
    /// folders above an authorized_keys file.
    static func unsafeAncestor(of path: String) -> String? {
        let named = URL(fileURLWithPath: path).standardizedFileURL.path
        var paths = [named]
        if let resolved = realpath(named, nil) {
            paths.append(String(cString: resolved))
            free(resolved)
        }
        for checked in Set(paths) {
            var folder = (checked as NSString).deletingLastPathComponent
            while !folder.isEmpty {
                var info = stat()
                guard lstat(folder, &info) == 0 else { return "\(folder) cannot be read: \(String(cString: strerror(errno)))" }
                // A link's own owner and mode say nothing: the folder it is in is checked, and so is where it leads.
                if (info.st_mode & S_IFMT) != S_IFLNK {
                    if info.st_uid != 0, info.st_uid != geteuid() {
                        return "\(folder), above \(path), belongs to another account, who could put another folder in its place; choose a folder whose every parent is this account's or root's"
                    }
                    if info.st_mode & (S_IWGRP | S_IWOTH) != 0, info.st_mode & S_ISVTX == 0 {
                        return "\(folder), above \(path), is writable by other accounts, who could put another folder in its place; make it writable by its owner only (chmod go-w)"
                    }
                }
                if folder == "/" { break }
                folder = (folder as NSString).deletingLastPathComponent
            }
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
