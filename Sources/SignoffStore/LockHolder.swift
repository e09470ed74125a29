#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Who holds a store's write lock, as far as the system tells. In WAL mode a
/// writer holds a POSIX write lock on byte 120 of the -shm file (SQLite's
/// WAL_WRITE_LOCK); Linux lists every such lock, with its process, in
/// /proc/locks. Used only to explain a write that gave up waiting.
enum LockHolder {
    /// `process 4242 (signoff submit big.yaml) of alice`, or nil when unknown.
    static func describe(store path: String) -> String? {
        var info = stat()
        guard stat(path + "-shm", &info) == 0,
              let table = try? String(contentsOfFile: "/proc/locks", encoding: .utf8) else { return nil }
        let inode = UInt64(info.st_ino)
        var holders: [String] = []
        for line in table.split(separator: "\n") {
            // "1: POSIX  ADVISORY  WRITE 4242 08:01:1234567 120 120"
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 8, fields[1] == "POSIX", fields[3] == "WRITE", let pid = Int32(fields[4]) else { continue }
            let device = fields[5].split(separator: ":")
            guard device.count == 3, UInt64(device[2]) == inode,
                  let start = UInt64(fields[6]), start <= 120, fields[7] == "EOF" || (UInt64(fields[7]) ?? 0) >= 120 else { continue }
            holders.append(pid == getpid() ? "this process" : process(pid))
        }
        return holders.isEmpty ? nil : holders.joined(separator: " and ")
    }

    static func process(_ pid: Int32) -> String {
        var text = "process \(pid)"
        if let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty {
            let words = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            let command = words.prefix(6).joined(separator: " ")
            text += " (\(command.count > 120 ? String(command.prefix(120)) + "…" : command))"
        }
        var info = stat()
        if stat("/proc/\(pid)", &info) == 0, let entry = getpwuid(info.st_uid), let name = entry.pointee.pw_name {
            text += " of \(String(cString: name))"
        }
        return text
    }

    /// Who holds byte `slot` of a store's hand-off lock, where /proc/locks
    /// names a process (it names none for some kernels' descriptor locks).
    static func describe(handOffLock path: String, slot: Int32) -> String? {
        var info = stat()
        guard stat(path, &info) == 0,
              let table = try? String(contentsOfFile: "/proc/locks", encoding: .utf8) else { return nil }
        let inode = UInt64(info.st_ino)
        for line in table.split(separator: "\n") {
            // "7: OFDLCK ADVISORY  WRITE 4242 08:01:1234567 1234 1234"
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 8, fields[1] == "OFDLCK" || fields[1] == "FLOCK", let pid = Int32(fields[4]), pid > 0 else { continue }
            let device = fields[5].split(separator: ":")
            guard device.count == 3, UInt64(device[2]) == inode, let start = Int64(fields[6]), start <= Int64(slot),
                  fields[7] == "EOF" || (Int64(fields[7]) ?? -1) >= Int64(slot) else { continue }
            return pid == getpid() ? "this process" : process(pid)
        }
        return nil
    }
}
