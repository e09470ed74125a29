import Foundation

/// Bytes appended with `memcpy` into memory of its own, grown by doubling:
/// `audit verify` copies every column of every event it steps, and
/// `Array.append(contentsOf:)` of a raw buffer copies byte by byte.
/// Owned by one thread at a time (`VerifyChain.Batch` hands it between two).
final class ByteBuffer: @unchecked Sendable {
    private var base: UnsafeMutableRawPointer
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        base = .allocate(byteCount: self.capacity, alignment: 16)
    }

    deinit { base.deallocate() }

    /// Appends `bytes`; returns where they are.
    @discardableResult
    func append(_ bytes: UnsafeRawBufferPointer) -> Range<Int> {
        let start = count
        reserve(bytes.count)
        if let source = bytes.baseAddress, !bytes.isEmpty {
            (base + count).copyMemory(from: source, byteCount: bytes.count)
        }
        count += bytes.count
        return start..<count
    }

    func append(_ byte: UInt8) {
        reserve(1)
        base.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    /// Appends `value` as eight bytes, most significant first.
    func appendBigEndian(_ value: UInt64) {
        Swift.withUnsafeBytes(of: value.bigEndian) { _ = append($0) }
    }

    /// Appends `value` as four bytes, most significant first.
    func appendBigEndian(_ value: UInt32) {
        Swift.withUnsafeBytes(of: value.bigEndian) { _ = append($0) }
    }

    func removeAll() { count = 0 }

    func withUnsafeBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    private func reserve(_ more: Int) {
        guard count + more > capacity else { return }
        var grown = capacity * 2
        while grown < count + more { grown *= 2 }
        let moved = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 16)
        moved.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = moved
        capacity = grown
    }
}
