#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Where the store lives and who may read it. The evidence in a store names
/// people and their reasons, so its files are owner-only unless shared with a group.
enum StoreFile {
    /// The files SQLite keeps for one store in WAL mode.
    static func companions(of path: String) -> [String] { [path, path + "-wal", path + "-shm"] }

    static func mode(shared: Bool) -> mode_t { shared ? 0o660 : 0o600 }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Refuses a new store at `path` while anything of a store lies there: the
    /// file, or a -wal or -shm left by another database, which SQLite would
    /// read into the new store as its own.
    static func refuseExisting(_ path: String) throws {
        if let taken = companions(of: path).first(where: exists) { throw StoreError.alreadyExists(path: taken) }
    }

    /// Whether `path` is a directory (following a link): never a store.
    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }

    static func groupID(named name: String) throws -> gid_t {
        var group = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        let status = getgrnam_r(name, &group, &buffer, buffer.count, &result)
        guard status == 0, result != nil else { throw StoreError.groupNotFound(name) }
        return group.gr_gid
    }

    /// Why this account cannot share a store's files with group `name` (it
    /// does not exist, or the account may not give files to it); nil when it can.
    static func shareGroupProblem(_ name: String) -> String? {
        let group: gid_t
        do { group = try groupID(named: name) } catch { return "\(error)" }
        if geteuid() == 0 || getegid() == group { return nil }
        let count = getgroups(0, nil)
        var groups = [gid_t](repeating: 0, count: Int(max(count, 0)))
        if count > 0, getgroups(count, &groups) == count, groups.contains(group) { return nil }
        return """
            this account is not a member of group "\(name)", so it cannot give the store's files to it; \
            add the account to the group (and log in again), or choose a group it is in
            """
    }

    /// Creates the missing directories above `path`, each 0700.
    static func makeParentDirectories(of path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        guard !directory.isEmpty, !exists(directory) else { return }
        try makeParentDirectories(of: directory)
        if mkdir(directory, 0o700) != 0, errno != EEXIST {
            throw StoreError.fileAccess(path: directory, detail: "cannot create the directory: \(errnoText())")
        }
    }

    /// Creates the (empty) database file with its final mode and group before
    /// SQLite opens it; SQLite then gives the -wal and -shm files the same mode.
    static func createEmpty(at path: String, group: gid_t?) throws {
        let descriptor = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode(shared: group != nil))
        guard descriptor >= 0 else {
            if errno == EEXIST { throw StoreError.alreadyExists(path: path) }
            throw StoreError.fileAccess(path: path, detail: "cannot create the file: \(errnoText())")
        }
        defer { close(descriptor) }
        // The umask may have narrowed or widened the mode given to open().
        guard fchmod(descriptor, mode(shared: group != nil)) == 0 else {
            throw StoreError.fileAccess(path: path, detail: "cannot set mode: \(errnoText())")
        }
        if let group, fchown(descriptor, uid_t.max, group) != 0 {
            throw StoreError.fileAccess(path: path, detail: "cannot give the file to the share group: \(errnoText())")
        }
    }

    /// Applies mode and group to every store file this account owns. SQLite
    /// creates -wal and -shm with the database's mode but with the creating
    /// process's group, so a shared store needs them handed to the group.
    static func applyAccess(to path: String, group: gid_t?) throws {
        for file in companions(of: path) where exists(file) {
            var info = stat()
            guard stat(file, &info) == 0, info.st_uid == geteuid() else { continue }
            if chmod(file, mode(shared: group != nil)) != 0 {
                throw StoreError.fileAccess(path: file, detail: "cannot set mode: \(errnoText())")
            }
            if let group, info.st_gid != group, chown(file, uid_t.max, group) != 0 {
                throw StoreError.fileAccess(path: file, detail: "cannot give the file to the share group: \(errnoText())")
            }
        }
    }

    static func remove(_ path: String) {
        for file in companions(of: path) { unlink(file) }
    }

    /// Where a new store is built before it is put at `path`: beside it (the
    /// same file system), named for this process. A build stopped part way,
    /// even by SIGKILL, leaves this name, never a half-built store at `path`.
    static func partial(of path: String) -> String { path + ".incomplete-\(getpid())" }

    /// Puts the closed, checkpointed store built at `partial` at `path` in one
    /// step, never over a file that appeared there meanwhile.
    static func placeNew(_ partial: String, at path: String) throws {
        for companion in companions(of: partial).dropFirst() { unlink(companion) }
        try refuseExisting(path)
        guard link(partial, path) == 0 else {
            if errno == EEXIST { throw StoreError.alreadyExists(path: path) }
            throw StoreError.fileAccess(path: path, detail: "cannot put the new store there: \(errnoText())")
        }
        unlink(partial)
    }

    /// The name of the account running this process, from the password
    /// database, not from $USER (which anyone can set).
    static func accountName() -> String {
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return "uid:\(geteuid())"
    }

    static func isReadable(_ path: String) -> Bool { access(path, R_OK) == 0 }

    /// The file's size in bytes; nil when it does not exist.
    static func size(_ path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int64(info.st_size)
    }

    /// The store as an SQLite URI that reads it as immutable: no locks, no
    /// -wal or -shm created. Only right when no -wal holds changes.
    static func immutableURI(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%")
        return "file:" + (absolute.addingPercentEncoding(withAllowedCharacters: allowed) ?? absolute) + "?immutable=1"
    }

    /// Copies the store's files into a new private folder, for an account that
    /// may read them but cannot open the -wal in place; the copy is read
    /// instead (a checkpoint SQLite makes then changes only the copy). Fails if
    /// the store changed while it was copied.
    static func copyForReading(_ path: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("signoff-read-\(UUID().uuidString)").path
        guard mkdir(folder, 0o700) == 0 else {
            throw StoreError.fileAccess(path: folder, detail: "cannot create a folder to read a copy in: \(errnoText())")
        }
        for attempt in 1...3 {
            let before = companions(of: path).map(size)
            do {
                for (source, suffix) in zip(companions(of: path), ["", "-wal", "-shm"]) where exists(source) {
                    let target = folder + "/store.sqlite" + suffix
                    unlink(target)
                    try FileManager.default.copyItem(atPath: source, toPath: target)
                }
            } catch {
                removeCopy(folder)
                throw StoreError.fileAccess(path: path, detail: "cannot copy it to read: \(error)")
            }
            if companions(of: path).map(size) == before { return folder }
            if attempt == 3 { break }
        }
        removeCopy(folder)
        throw StoreError.fileAccess(path: path, detail: "it kept changing while it was copied to be read; try again")
    }

    static func removeCopy(_ folder: String) {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
