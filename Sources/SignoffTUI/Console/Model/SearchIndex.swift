/// Every row's searchable text, lowercased once at load and packed into one
/// buffer, so filtering 100,000 rows is a byte scan with no allocation.
struct SearchIndex: Sendable {
    private var bytes: [UInt8] = []
    /// Row `i` occupies `bytes[starts[i]..<starts[i + 1]]`.
    private var starts: [Int32] = [0]

    init() {}

    init(rows: [ConsoleRow]) {
        bytes.reserveCapacity(rows.count * 160)
        starts.reserveCapacity(rows.count + 1)
        for row in rows {
            row.forEachSearchField { field in
                SearchIndex.appendLowercased(field, to: &bytes)
                bytes.append(0x01)
            }
            starts.append(Int32(truncatingIfNeeded: bytes.count))
        }
    }

    static func appendLowercased(_ text: String, to bytes: inout [UInt8]) {
        var utf8 = text.utf8
        if utf8.contains(where: { $0 >= 0x80 }) {
            utf8 = text.lowercased().utf8
            bytes.append(contentsOf: utf8)
            return
        }
        for byte in utf8 {
            bytes.append(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
        }
    }

    static func key(_ query: String) -> [UInt8] {
        var key: [UInt8] = []
        appendLowercased(query, to: &key)
        return key
    }

    /// The candidates whose text contains `query`, in the candidates' order.
    func filter(_ candidates: [Int32], query: String) -> [Int32] {
        let needle = SearchIndex.key(query)
        guard !needle.isEmpty else { return candidates }
        var result: [Int32] = []
        bytes.withUnsafeBufferPointer { hay in
            starts.withUnsafeBufferPointer { starts in
                needle.withUnsafeBufferPointer { needle in
                    for candidate in candidates {
                        let row = Int(candidate)
                        if SearchIndex.contains(hay, from: Int(starts[row]), to: Int(starts[row + 1]), needle) {
                            result.append(candidate)
                        }
                    }
                }
            }
        }
        return result
    }

    func matches(row: Int, query: String) -> Bool {
        !filter([Int32(row)], query: query).isEmpty
    }

    private static func contains(_ hay: UnsafeBufferPointer<UInt8>, from: Int, to: Int,
                                 _ needle: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = needle.count
        guard to - from >= n else { return false }
        let first = needle[0]
        var i = from
        let last = to - n
        while i <= last {
            if hay[i] == first {
                var j = 1
                while j < n, hay[i + j] == needle[j] { j += 1 }
                if j == n { return true }
            }
            i += 1
        }
        return false
    }
}
