import Crypto
import Foundation
import SignoffCore

/// The hash chain over the `events` table.
///
/// `hash = lowercase hex(SHA-256(prev_hash ‖ canonical bytes))`, where `prev_hash`
/// is the previous event's hash as its 64 ASCII hex characters (64 zeros for the
/// first event) and the canonical bytes are, in this order:
///
/// | field | encoding |
/// | --- | --- |
/// | sequence | 8 bytes, big-endian two's complement |
/// | at (ms since 1970) | 8 bytes, big-endian two's complement |
/// | actor | 4-byte big-endian length, then UTF-8 |
/// | authentication | 4-byte big-endian length, then UTF-8 |
/// | kind | 4-byte big-endian length, then UTF-8 |
/// | request_id | 1 byte 0 when NULL; else 1, 4-byte length, UTF-8 |
/// | payload | 4-byte big-endian length, then the stored UTF-8 text |
/// | signature, statement | only for a signed event: each a 4-byte length, then UTF-8 |
///
/// An unsigned event's bytes end with its payload, as they always did, so
/// stores written before signatures existed keep their hashes.
///
/// Every field is length-prefixed or fixed-width, so no two different rows share
/// canonical bytes, and editing any column changes the hash. This layout is part
/// of the evidence format: changing it breaks every existing store.
struct EventChain {
    static let genesis = String(repeating: "0", count: 64)
    static let genesisBytes = [UInt8](repeating: UInt8(ascii: "0"), count: 64)

    /// Reused between events so hashing allocates nothing per event.
    private var buffer: [UInt8] = []

    init() { buffer.reserveCapacity(4096) }

    mutating func begin(prevHash: UnsafeRawBufferPointer, sequence: Int64, at: Int64) {
        buffer.removeAll(keepingCapacity: true)
        buffer.append(contentsOf: prevHash)
        appendInteger(sequence)
        appendInteger(at)
    }

    mutating func appendField(_ bytes: UnsafeRawBufferPointer) {
        appendLength(bytes.count)
        buffer.append(contentsOf: bytes)
    }

    mutating func appendOptionalField(_ bytes: UnsafeRawBufferPointer?) {
        guard let bytes else {
            buffer.append(0)
            return
        }
        buffer.append(1)
        appendField(bytes)
    }

    /// Convenience for the append path, where the fields are Swift values.
    mutating func hash(prevHash: String, sequence: Int64, at: Int64, actor: String, authentication: String,
                       kind: String, requestID: String?, payload: some ContiguousBytes,
                       signature: EventSignature? = nil) -> String {
        var prevHash = prevHash, actor = actor, authentication = authentication, kind = kind
        prevHash.withUTF8 { begin(prevHash: UnsafeRawBufferPointer($0), sequence: sequence, at: at) }
        actor.withUTF8 { appendField(UnsafeRawBufferPointer($0)) }
        authentication.withUTF8 { appendField(UnsafeRawBufferPointer($0)) }
        kind.withUTF8 { appendField(UnsafeRawBufferPointer($0)) }
        if var requestID {
            requestID.withUTF8 { appendOptionalField(UnsafeRawBufferPointer($0)) }
        } else {
            appendOptionalField(nil)
        }
        payload.withUnsafeBytes { appendField($0) }
        if var armored = signature?.armored, var statement = signature?.statement {
            armored.withUTF8 { appendField(UnsafeRawBufferPointer($0)) }
            statement.withUTF8 { appendField(UnsafeRawBufferPointer($0)) }
        }
        let digest = SHA256.hash(data: buffer)
        return digest.withUnsafeBytes { raw in
            String(unsafeUninitializedCapacity: 64) { out in
                Self.writeHex(raw, into: out)
                return 64
            }
        }
    }

    /// Whether a stored event's `hash` is what its own columns and
    /// `prev_hash` chain to (whether it follows the event before it is not asked).
    mutating func holdsHash(_ event: EventColumns) -> Bool {
        begin(prevHash: event.prevHash, sequence: event.sequence, at: event.at)
        appendField(event.actor)
        appendField(event.authentication)
        appendField(event.kind)
        appendOptionalField(event.requestID)
        appendField(event.payload)
        if let signature = event.signature, let statement = event.statement {
            appendField(signature)
            appendField(statement)
        }
        let digest = SHA256.hash(data: buffer)
        var hex = [UInt8](repeating: 0, count: 64)
        digest.withUnsafeBytes { raw in hex.withUnsafeMutableBufferPointer { Self.writeHex(raw, into: $0) } }
        return event.hash.elementsEqual(hex)
    }

    /// Lowercase hex of a 32-byte digest into 64 bytes.
    @inline(__always)
    static func writeHex(_ digest: UnsafeRawBufferPointer, into out: UnsafeMutableBufferPointer<UInt8>) {
        let digits: StaticString = "0123456789abcdef"
        digits.withUTF8Buffer { table in
            var index = 0
            for byte in digest {
                out[index] = table[Int(byte >> 4)]
                out[index + 1] = table[Int(byte & 0x0F)]
                index += 2
            }
        }
    }

    private mutating func appendInteger(_ value: Int64) {
        withUnsafeBytes(of: UInt64(bitPattern: value).bigEndian) { buffer.append(contentsOf: $0) }
    }

    private mutating func appendLength(_ count: Int) {
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: count).bigEndian) { buffer.append(contentsOf: $0) }
    }
}

extension Date {
    /// Milliseconds since 1970, the unit of every time column.
    var storeMilliseconds: Int64 { epochMilliseconds }

    init(storeMilliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(storeMilliseconds) / 1000)
    }
}
