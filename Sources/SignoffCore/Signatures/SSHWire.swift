/// The SSH wire encoding (RFC 4251 §5): big-endian `uint32`, length-prefixed
/// `string`, and `mpint`. Keys, signatures, SSHSIG blobs and the agent
/// protocol are all built from it.
///
/// The reader never trusts a length: every read is checked against what is
/// left, so a hostile blob can make a read fail but never run past the end.
public struct SSHWireReader: Sendable {
    private let bytes: [UInt8]
    public private(set) var offset: Int

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.offset = 0
    }

    public var isAtEnd: Bool { offset == bytes.count }
    public var remaining: Int { bytes.count - offset }

    public mutating func byte() throws(SSHWireError) -> UInt8 {
        guard remaining >= 1 else { throw .truncated }
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func uint32() throws(SSHWireError) -> UInt32 {
        guard remaining >= 4 else { throw .truncated }
        defer { offset += 4 }
        return UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
            | UInt32(bytes[offset + 3])
    }

    /// Exactly `count` raw bytes.
    public mutating func take(_ count: Int) throws(SSHWireError) -> [UInt8] {
        guard count >= 0, remaining >= count else { throw .truncated }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// A length-prefixed byte string.
    public mutating func string() throws(SSHWireError) -> [UInt8] {
        let length = try uint32()
        guard Int(length) <= remaining else { throw .truncated }
        return try take(Int(length))
    }

    /// Where the next length-prefixed byte string lies in the bytes, read
    /// past without copying it.
    public mutating func stringRange() throws(SSHWireError) -> Range<Int> {
        let length = try uint32()
        guard Int(length) <= remaining else { throw .truncated }
        defer { offset += Int(length) }
        return offset..<offset + Int(length)
    }

    /// Skips `count` raw bytes.
    public mutating func skip(_ count: Int) throws(SSHWireError) {
        guard count >= 0, remaining >= count else { throw .truncated }
        offset += count
    }

    /// A length-prefixed string that must be UTF-8 without NUL (names, namespaces).
    public mutating func text() throws(SSHWireError) -> String {
        let raw = try string()
        guard !raw.contains(0), let text = String(validating: raw, as: UTF8.self) else { throw .notText }
        return text
    }

    /// An `mpint` that must be non-negative, as ECDSA's r and s are, returned as
    /// its magnitude in exactly `width` big-endian bytes.
    public mutating func positiveInteger(width: Int) throws(SSHWireError) -> [UInt8] {
        var raw = try string()
        if let first = raw.first, first & 0x80 != 0 { throw .negativeInteger }
        // A leading zero is allowed only to clear the sign bit of the next byte.
        if raw.count >= 2, raw[0] == 0, raw[1] & 0x80 == 0 { throw .nonMinimalInteger }
        if raw.first == 0 { raw.removeFirst() }
        guard raw.count <= width else { throw .integerTooLarge }
        return [UInt8](repeating: 0, count: width - raw.count) + raw
    }

    /// Fails unless everything was read: trailing bytes would be data nobody checked.
    public func expectEnd() throws(SSHWireError) {
        guard isAtEnd else { throw .trailingData }
    }
}

/// Builds SSH wire-encoded bytes.
public struct SSHWireWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func byte(_ value: UInt8) { bytes.append(value) }

    public mutating func uint32(_ value: UInt32) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 24))
        bytes.append(UInt8(truncatingIfNeeded: value >> 16))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    public mutating func raw(_ value: some Sequence<UInt8>) { bytes.append(contentsOf: value) }

    public mutating func string(_ value: some Collection<UInt8>) {
        uint32(UInt32(value.count))
        bytes.append(contentsOf: value)
    }

    public mutating func string(_ value: String) { string(Array(value.utf8)) }

    /// A non-negative integer given as big-endian magnitude bytes, in minimal `mpint` form.
    public mutating func positiveInteger(_ magnitude: [UInt8]) {
        var digits = magnitude.drop { $0 == 0 }
        if let first = digits.first, first & 0x80 != 0 { digits.insert(0, at: digits.startIndex) }
        string(Array(digits))
    }
}

/// Why wire-encoded bytes could not be read.
public enum SSHWireError: Error, Sendable, Hashable, CustomStringConvertible {
    case truncated
    case trailingData
    case notText
    case negativeInteger
    case nonMinimalInteger
    case integerTooLarge

    public var description: String {
        switch self {
        case .truncated: "it ends in the middle of a field"
        case .trailingData: "it has bytes after its last field"
        case .notText: "a name in it is not UTF-8 text"
        case .negativeInteger: "an integer in it is negative"
        case .nonMinimalInteger: "an integer in it has a superfluous leading zero"
        case .integerTooLarge: "an integer in it is too large for its curve"
        }
    }
}
