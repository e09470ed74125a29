#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Crypto
import Foundation

/// What one hand-off lease guards: the hand-off of one grant's latest
/// document, or of one finding's removal document.
public enum HandOffSubject: Sendable, Hashable, CustomStringConvertible {
    case grant(requestID: String)
    case removal(findingID: String)

    public var description: String {
        switch self {
        case let .grant(id): "the hand-off of \(id)'s grant"
        case let .removal(id): "the hand-off of \(id)'s removal"
        }
    }

    /// A number in 1...2^31-1 standing for the subject wherever its lease is
    /// kept (a byte of the lock file, a PostgreSQL advisory key). Two
    /// subjects may share one, and then merely wait for each other; one
    /// subject always has the same, on every host and in every version.
    var slot: Int32 {
        let key: String
        switch self {
        case let .grant(id): key = "grant\u{0}" + id
        case let .removal(id): key = "removal\u{0}" + id
        }
        let digest = Array(SHA256.hash(data: Data(("signoff hand-off lease\u{0}" + key).utf8)))
        let value = (UInt32(digest[0]) << 24 | UInt32(digest[1]) << 16 | UInt32(digest[2]) << 8 | UInt32(digest[3])) & 0x7fff_ffff
        return Int32(max(value, 1))
    }
}

/// What asking for a hand-off lease came to.
public enum HandOffLeaseOutcome<Value> {
    /// The lease was held while `body` ran; its value.
    case held(Value)
    /// Someone else held it for the whole wait: nothing ran. `holder` names
    /// them where the system tells.
    case busy(holder: String?)
}

extension Store {
    /// Runs `body` holding the exclusive lease on `subject`'s hand-off, so
    /// that one document is handed off by one process at a time, whichever
    /// process, account or host asks: the check that it is still due, the
    /// command (or outbox write) and the record of its outcome all happen
    /// inside `body`. Once the lease is held, the store reads what every
    /// earlier holder recorded (a PostgreSQL store's copy catches up first).
    ///
    /// Waits at most `wait` for another holder; then returns `.busy` and
    /// runs nothing. The lease is the operating system's or the server's,
    /// never a row: it ends with the process (or its connection) however
    /// that ends, so a crash leaves nothing to clear.
    ///
    /// - SQLite: a write lock on one byte (`subject.slot`) of
    ///   `<store>-handoff.lock` beside the store, an open-file-description
    ///   lock that only its own descriptor holds. That file is refused
    ///   (`StoreError.fileAccess`), and nothing runs, when it is anything but
    ///   a plain file of this account or of the store's owner that grants
    ///   nobody more than the store file does.
    /// - PostgreSQL: a session advisory lock (`handOffLeaseClass`,
    ///   `subject.slot`) held on this store's connection.
    public func withHandOffLease<T>(_ subject: HandOffSubject, waitingAtMost wait: TimeInterval,
                                    _ body: () throws -> T) throws -> HandOffLeaseOutcome<T> {
        guard access == .write else { throw StoreError.readOnly(path: path) }
        let deadline = Date().addingTimeInterval(max(0, wait))
        // Within this process first: a PostgreSQL session holds its advisory
        // locks as often as it asks, so two threads must not both ask.
        let key = trustedAs + "\u{0}" + String(subject.slot)
        guard try Self.waitUntil(deadline, { HandOffLeases.claim(key) }) else {
            return .busy(holder: "another hand-off in this process")
        }
        defer { HandOffLeases.release(key) }
        if let remote {
            return try sharedLease(remote, subject, deadline: deadline, body)
        }
        return try fileLease(subject, deadline: deadline, body)
    }

    /// Tries `attempt` until it succeeds or `deadline` passes, with growing pauses.
    private static func waitUntil(_ deadline: Date, _ attempt: () throws -> Bool) throws -> Bool {
        var pause: TimeInterval = 0.01
        while true {
            if try attempt() { return true }
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return false }
            Thread.sleep(forTimeInterval: min(pause, left))
            pause = min(pause * 2, 0.2)
        }
    }

    /// The first of the two keys of every hand-off lease on PostgreSQL
    /// (`pg_advisory_lock(int, int)`): "SIGN" in ASCII. The two-key form
    /// never meets the one-key locks, such as the store's append lock.
    static let handOffLeaseClass: Int32 = 0x5349_474E

    private func sharedLease<T>(_ remote: PostgresRemote, _ subject: HandOffSubject, deadline: Date,
                                _ body: () throws -> T) throws -> HandOffLeaseOutcome<T> {
        let keys: [PostgresValue] = [.integer(Int64(Self.handOffLeaseClass)), .integer(Int64(subject.slot))]
        let taken = try Self.waitUntil(deadline) {
            try remote.locked {
                let taken = try remote.connection.query("SELECT pg_try_advisory_lock($1::integer, $2::integer)", keys).row(0).boolean(0) == true
                if taken { remote.leasesHeld += 1 }
                return taken
            }
        }
        guard taken else {
            let holder = try? remote.locked { () throws -> String? in
                let result = try remote.connection.query("""
                    SELECT l.pid, coalesce(a.usename::text, ''), coalesce(host(a.client_addr), '')
                    FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
                    WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
                      AND l.classid::bigint = $1 AND l.objid::bigint = $2 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                    LIMIT 1
                    """, keys)
                guard result.rowCount == 1, let pid = result.row(0).integer(0) else { return nil }
                let role = result.row(0).text(1) ?? "", address = result.row(0).text(2) ?? ""
                return "PostgreSQL session \(pid)" + (role.isEmpty ? "" : " of role \(role)") + (address.isEmpty ? "" : " from \(address)")
            }
            return .busy(holder: holder ?? nil)
        }
        defer {
            _ = try? remote.locked { () throws -> Void in
                remote.leasesHeld -= 1
                try remote.connection.query("SELECT pg_advisory_unlock($1::integer, $2::integer)", keys)
            }
        }
        // What the last holder recorded, before anything is decided under the lease.
        try catchUp()
        return .held(try body())
    }

    private func fileLease<T>(_ subject: HandOffSubject, deadline: Date, _ body: () throws -> T) throws -> HandOffLeaseOutcome<T> {
        let lockPath = HandOffLockFile.path(of: path)
        let descriptor = try HandOffLockFile.open(lockPath, store: path)
        defer { close(descriptor) }
        let taken = try Self.waitUntil(deadline) { try HandOffLockFile.lock(descriptor, slot: subject.slot, path: lockPath) }
        guard taken else { return .busy(holder: LockHolder.describe(handOffLock: lockPath, slot: subject.slot)) }
        // Locked, but perhaps a file put in place of the one opened: then its lock guards nothing.
        try HandOffLockFile.checkStillInPlace(descriptor, lockPath)
        return .held(try body())
    }
}

/// The hand-off leases this process holds, by store and slot.
enum HandOffLeases {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var held: Set<String> = []

    static func claim(_ key: String) -> Bool { lock.withLock { held.insert(key).inserted } }
    static func release(_ key: String) { _ = lock.withLock { held.remove(key) } }
}

/// The file beside an SQLite store whose bytes carry the hand-off leases.
/// It holds no data: what matters is who may open it, so it is held to the
/// store file's own access, and refused when it is not.
enum HandOffLockFile {
    static func path(of store: String) -> String { store + "-handoff.lock" }

    /// Opens the lock file for writing (an exclusive lock needs it), making
    /// it when missing with the store file's mode and group. Refuses a link,
    /// anything but a plain file, one with other names, one owned by an
    /// account other than this one and the store's owner (who could hold it,
    /// or open it to others), and one that grants access the store does not.
    static func open(_ path: String, store: String) throws -> Int32 {
        var storeInfo = stat()
        guard stat(store, &storeInfo) == 0 else {
            throw StoreError.fileAccess(path: store, detail: "cannot read its mode: \(errnoText())")
        }
        for _ in 0..<3 {
            let existing = openFile(path, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
            if existing >= 0 {
                do {
                    try check(existing, path, store: storeInfo)
                } catch {
                    close(existing)
                    throw error
                }
                return existing
            }
            switch errno {
            case ENOENT:
                if let created = try create(path, store: storeInfo) { return created }
                continue  // made by another process meanwhile: open that one
            case ELOOP:
                throw unsafe(path, "it is a symbolic link")
            default:
                throw unsafe(path, "it cannot be opened for writing: \(errnoText())")
            }
        }
        throw unsafe(path, "it keeps appearing and disappearing")
    }

    /// Makes the lock file; nil when another process made it first.
    private static func create(_ path: String, store: stat) throws -> Int32? {
        // The store file's permission bits, never more; its group where it shares with one.
        let mode = mode_t(store.st_mode) & 0o666
        let descriptor = openFile(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard descriptor >= 0 else {
            if errno == EEXIST { return nil }
            throw StoreError.fileAccess(path: path, detail: "cannot create the hand-off lock beside the store: \(errnoText())")
        }
        var failure: String?
        if fchmod(descriptor, mode) != 0 {
            failure = "cannot set its mode: \(errnoText())"
        } else if mode & 0o070 != 0 {
            var info = stat()
            if fstat(descriptor, &info) == 0, info.st_gid != store.st_gid, fchown(descriptor, uid_t.max, store.st_gid) != 0 {
                failure = "cannot give it to the store's group: \(errnoText())"
            }
        }
        if let failure {
            close(descriptor)
            unlink(path)
            throw StoreError.fileAccess(path: path, detail: failure)
        }
        return descriptor
    }

    private static func check(_ descriptor: Int32, _ path: String, store: stat) throws {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw unsafe(path, "cannot read its mode: \(errnoText())") }
        guard info.st_mode & S_IFMT == S_IFREG else { throw unsafe(path, "it is not a plain file") }
        guard info.st_nlink == 1 else { throw unsafe(path, "it has other names (hard links)") }
        guard info.st_uid == geteuid() || info.st_uid == store.st_uid else {
            throw unsafe(path, "it belongs to \(accountName(info.st_uid)), neither this account nor the store's owner, who could hold it or let others open it")
        }
        let granted = mode_t(info.st_mode) & 0o077, allowed = mode_t(store.st_mode) & 0o077
        guard granted & ~allowed == 0, granted & 0o070 == 0 || info.st_gid == store.st_gid else {
            throw unsafe(path, "it lets accounts open it that may not open the store")
        }
    }

    /// Takes the write lock on byte `slot`; false while someone else holds it.
    static func lock(_ descriptor: Int32, slot: Int32, path: String) throws -> Bool {
        #if os(Linux)
        // An open file description lock (F_OFD_SETLK): held by this descriptor
        // alone, so closing another descriptor of the file (as SQLite's own
        // POSIX locks would suffer) never drops it, and another descriptor of
        // this very process is refused it like any other process.
        var request = flock()
        request.l_type = Int16(F_WRLCK)
        request.l_whence = Int16(SEEK_SET)
        request.l_start = off_t(slot)
        request.l_len = 1
        request.l_pid = 0
        if fcntl(descriptor, ofdSetLock, &request) == 0 { return true }
        #else
        // No byte-range locks of that kind here: one lock for the whole file.
        if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { return true }
        #endif
        if errno == EAGAIN || errno == EACCES || errno == EWOULDBLOCK || errno == EINTR { return false }
        throw StoreError.fileAccess(path: path, detail: "cannot lock the hand-off lock: \(errnoText())")
    }

    #if os(Linux)
    /// F_OFD_SETLK (Linux 3.15 and later), which Swift's Glibc module does not export.
    private static let ofdSetLock: Int32 = 37
    #endif

    /// Refuses the lease when the lock path names another file than the one
    /// locked: removed, or replaced, since it was opened.
    static func checkStillInPlace(_ descriptor: Int32, _ path: String) throws {
        var held = stat(), named = stat()
        guard fstat(descriptor, &held) == 0, lstat(path, &named) == 0,
              held.st_dev == named.st_dev, held.st_ino == named.st_ino else {
            throw unsafe(path, "it was removed or replaced while it was being locked")
        }
    }

    private static func unsafe(_ path: String, _ problem: String) -> StoreError {
        .fileAccess(path: path, detail: """
            the hand-off lock is not used, so nothing is handed off: \(problem). It holds no data: \
            remove it, and signoff makes it again as this account
            """)
    }

    private static func accountName(_ uid: uid_t) -> String {
        if let entry = getpwuid(uid), let name = entry.pointee.pw_name { return String(cString: name) }
        return "uid \(uid)"
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// `open(2)`, named apart from `HandOffLockFile.open`.
private func openFile(_ path: String, _ flags: Int32, _ mode: mode_t = 0) -> Int32 {
    open(path, flags, mode)
}
