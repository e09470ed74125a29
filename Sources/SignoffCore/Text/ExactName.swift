/// A name as a platform compares it: by its exact UTF-8 bytes.
///
/// Swift's `String` equality and hashing use canonical equivalence, so
/// `"\u{212A}afka"` (KELVIN SIGN) equals `"Kafka"` and `"e\u{301}"` equals
/// `"é"`. Identity platforms compare names byte for byte: to them those are
/// different roles, users and tokens. Reconciliation keys and compares every
/// platform name with this type, so that one identity never passes as another.
public struct ExactName: Hashable, Sendable, CustomStringConvertible {
    public let text: String

    public init(_ text: String) { self.text = text }

    public static func == (a: ExactName, b: ExactName) -> Bool {
        same(a.text, b.text)
    }

    public func hash(into hasher: inout Hasher) {
        var text = text
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        hasher.combine(0xFF as UInt8)   // never a byte of UTF-8: ends the name
    }

    public var description: String { text }

    /// Whether two names are the same bytes (not merely canonically equivalent).
    @inline(__always)
    public static func same(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && a.utf8.elementsEqual(b.utf8)
    }

    /// Whether two optional names are the same bytes, or both absent.
    public static func same(_ a: String?, _ b: String?) -> Bool {
        switch (a, b) {
        case let (a?, b?): same(a, b)
        case (nil, nil): true
        case (_?, nil), (nil, _?): false
        }
    }
}
