import Foundation
import SignoffCore

/// Every row's searchable text, lowercased once at load and packed into one
/// buffer, so filtering 100,000 rows is a byte scan with no allocation.
struct SearchIndex: Sendable {
    private var bytes: [UInt8] = []
    /// Row `i` occupies `bytes[starts[i]..<starts[i + 1]]`.
    private var starts: [Int32] = [0]

    init() {}

    init(rows: [ConsoleRow]) {
        append(rows)
    }

    /// Indexes further rows after those already indexed, as snapshot pages arrive.
    mutating func append(_ rows: [ConsoleRow]) {
        if bytes.capacity < bytes.count + rows.count * 160 { bytes.reserveCapacity(bytes.count + rows.count * 160) }
        if starts.capacity < starts.count + rows.count { starts.reserveCapacity(starts.count + rows.count) }
        var durations: [Int: String] = [:]
        for row in rows {
            // Few distinct durations: spell each once.
            let duration = durations[row.duration.seconds] ?? row.duration.description
            durations[row.duration.seconds] = duration
            // Copy the row's fields raw, then fold ASCII capitals in one pass;
            // a row with any non-ASCII byte is redone with Unicode lowercasing.
            let start = bytes.count
            row.forEachSearchField(durationText: duration) { field in
                SearchIndex.appendUTF8(field, to: &bytes)
                bytes.append(0x01)
            }
            if !SearchIndex.foldASCII(&bytes, from: start) {
                bytes.removeLast(bytes.count - start)
                row.forEachSearchField(durationText: duration) { field in
                    bytes.append(contentsOf: field.lowercased().utf8)
                    bytes.append(0x01)
                }
            }
            starts.append(Int32(truncatingIfNeeded: bytes.count))
        }
    }

    /// Indexes grants; their entries are numbered from 0 like rows.
    init(grants: [ConsoleGrantRow]) {
        for grant in grants {
            grant.forEachSearchField { field in
                SearchIndex.appendLowercased(field, to: &bytes)
                bytes.append(0x01)
            }
            starts.append(Int32(truncatingIfNeeded: bytes.count))
        }
    }

    /// Indexes findings; their entries are numbered from 0 like rows.
    init(findings: [ConsoleFindingRow]) {
        for finding in findings {
            finding.forEachSearchField { field in
                SearchIndex.appendLowercased(field, to: &bytes)
                bytes.append(0x01)
            }
            starts.append(Int32(truncatingIfNeeded: bytes.count))
        }
    }

    /// Room for `count` rows in all, before they arrive in pages.
    mutating func reserve(rows count: Int) {
        bytes.reserveCapacity(count * 160)
        starts.reserveCapacity(count + 1)
    }

    /// Appends a string's bytes; small strings are copied from a stack buffer.
    @inline(__always)
    static func appendUTF8(_ text: String, to bytes: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    /// Lowercases ASCII capitals from `start` on; false when a non-ASCII byte is found.
    static func foldASCII(_ bytes: inout [UInt8], from start: Int) -> Bool {
        bytes.withUnsafeMutableBufferPointer { buffer -> Bool in
            for index in start..<buffer.count {
                let byte = buffer[index]
                if byte >= 0x80 { return false }
                if byte >= 0x41 && byte <= 0x5A { buffer[index] = byte | 0x20 }
            }
            return true
        }
    }

    /// Appends `text` lowercased: ASCII is copied in one go and folded in place;
    /// anything else goes through Unicode lowercasing.
    static func appendLowercased(_ text: String, to bytes: inout [UInt8]) {
        let start = bytes.count
        bytes.append(contentsOf: text.utf8)
        let ascii = bytes.withUnsafeMutableBufferPointer { buffer -> Bool in
            for index in start..<buffer.count {
                let byte = buffer[index]
                if byte >= 0x80 { return false }
                if byte >= 0x41 && byte <= 0x5A { buffer[index] = byte | 0x20 }
            }
            return true
        }
        if !ascii {
            bytes.removeLast(bytes.count - start)
            bytes.append(contentsOf: text.lowercased().utf8)
        }
    }

    static func key(_ query: String) -> [UInt8] {
        var key: [UInt8] = []
        appendLowercased(query, to: &key)
        return key
    }

    /// The candidates whose text contains `query`, in the candidates' order.
    /// Lists that mix requests with other entries (negative numbers) pass
    /// `other`, which judges those against the lowercased query.
    func filter(_ candidates: [Int32], query: String, other: (Int32, [UInt8]) -> Bool = { _, _ in false }) -> [Int32] {
        let needle = SearchIndex.key(query)
        guard !needle.isEmpty else { return candidates }
        let anchor = rarestByte(of: needle)
        var result: [Int32] = []
        bytes.withUnsafeBufferPointer { hay in
            starts.withUnsafeBufferPointer { starts in
                needle.withUnsafeBufferPointer { key in
                    for candidate in candidates {
                        let row = Int(candidate)
                        let found = row < 0 ? other(candidate, needle)
                            : SearchIndex.contains(hay, from: Int(starts[row]), to: Int(starts[row + 1]), key, anchor: anchor)
                        if found { result.append(candidate) }
                    }
                }
            }
        }
        return result
    }

    /// Where in `needle` its rarest byte is, judged by the first 64 KiB of
    /// this index: the scan looks for that byte first. A query such as
    /// `svc-etl-4242` typed over requests whose every subject starts with
    /// `svc-` otherwise stops at nearly every `s` of every row.
    private func rarestByte(of needle: [UInt8]) -> Int {
        guard needle.count > 1 else { return 0 }
        var counts = [Int](repeating: 0, count: 256)
        for byte in bytes.prefix(65_536) { counts[Int(byte)] &+= 1 }
        return needle.indices.min { counts[Int(needle[$0])] < counts[Int(needle[$1])] } ?? 0
    }

    /// Whether entry `row` contains `key` (already lowercased with `key(_:)`).
    func contains(row: Int, key: [UInt8]) -> Bool {
        guard !key.isEmpty else { return true }
        guard row >= 0, row + 1 < starts.count else { return false }
        return bytes.withUnsafeBufferPointer { hay in
            key.withUnsafeBufferPointer { needle in
                SearchIndex.contains(hay, from: Int(starts[row]), to: Int(starts[row + 1]), needle)
            }
        }
    }

    func matches(row: Int, query: String) -> Bool {
        !filter([Int32(row)], query: query).isEmpty
    }

    /// Whether `hay[from..<to]` contains `needle`: `memchr` finds each place
    /// the needle's byte at `anchor` occurs and `memcmp` compares the whole
    /// needle there (both vectorised in the C library; a byte-at-a-time loop
    /// made a keystroke over 100,000 rows cost most of the filter's budget).
    private static func contains(_ hay: UnsafeBufferPointer<UInt8>, from: Int, to: Int,
                                 _ needle: UnsafeBufferPointer<UInt8>, anchor: Int = 0) -> Bool {
        let n = needle.count
        guard to - from >= n, let base = hay.baseAddress, let key = needle.baseAddress else { return false }
        let target = Int32(key[anchor])
        // The anchor byte of a match lies in [from + anchor, to - n + anchor].
        var start = base + from + anchor
        let end = base + (to - n + 1 + anchor)
        while start < end {
            guard let found = memchr(start, target, end - start) else { return false }
            let at = UnsafePointer(found.assumingMemoryBound(to: UInt8.self))
            if memcmp(at - anchor, key, n) == 0 { return true }
            start = at + 1
        }
        return false
    }
}
