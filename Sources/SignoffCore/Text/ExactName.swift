import Foundation

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
    /// Routing asks this of every name a condition lists, so it is quick:
    /// names with the same bytes are always equal `String`s, so `==` (itself
    /// a byte comparison for the ASCII names policies use) rules out nearly
    /// every other name, and only equal ones have their bytes compared.
    @inline(__always)
    public static func same(_ a: String, _ b: String) -> Bool {
        guard a == b else { return false }
        let compared = a.utf8.withContiguousStorageIfAvailable { left in
            b.utf8.withContiguousStorageIfAvailable { right in
                left.count == right.count && (left.isEmpty || memcmp(left.baseAddress!, right.baseAddress!, left.count) == 0)
            }
        }
        if let compared, let compared { return compared }
        return a.utf8.elementsEqual(b.utf8)
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

extension ExactName {
    /// The name of `known` that `name` looks like without being it: the same
    /// text to Swift's `String` (canonically equivalent: `"\u{212A}afka"` and
    /// `Kafka`, a precomposed `é` and `e` with a combining accent) or the same
    /// Unicode TR39 skeleton (Cyrillic `а` for Latin `a`), but other bytes. Nil
    /// when `name` is one of `known` exactly, or looks like none of them.
    public static func lookalike(of name: String, in known: some Sequence<String>) -> String? {
        var skeleton: String?
        for candidate in known {
            if same(candidate, name) { return nil }
        }
        for candidate in known {
            if candidate == name { return candidate }
            let mine = skeleton ?? Confusables.skeleton(name)
            skeleton = mine
            if Confusables.skeleton(candidate) == mine { return candidate }
        }
        return nil
    }

    /// The name as a message shows it where its spelling matters: every
    /// scalar outside printable ASCII written as `\u{212A}`, so two names
    /// that render alike are told apart (`\u{212A}afka`, not `Kafka`).
    public static func spelled(_ name: String) -> String {
        guard name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value > 0x7E }) else { return name }
        var result = ""
        for scalar in name.unicodeScalars {
            if scalar.value >= 0x20 && scalar.value <= 0x7E {
                result.unicodeScalars.append(scalar)
            } else {
                result += "\\u{" + DisplaySafe.hex(scalar.value, digits: 4) + "}"
            }
        }
        return result
    }
}

/// A dictionary whose keys are names compared byte for byte (`ExactName`),
/// read and written with plain strings. The directory keeps its people,
/// groups and rotations in these, so that no lookup can find a person under a
/// canonically equivalent spelling of their name.
public struct ExactNameDictionary<Value>: Sequence {
    private var storage: [ExactName: Value] = [:]

    public init() {}

    public subscript(name: String) -> Value? {
        get { storage[ExactName(name)] }
        set { storage[ExactName(name)] = newValue }
    }

    public var isEmpty: Bool { storage.isEmpty }
    public var count: Int { storage.count }
    public var keys: [String] { storage.keys.map(\.text) }

    public func makeIterator() -> some IteratorProtocol<(key: String, value: Value)> {
        storage.lazy.map { (key: $0.key.text, value: $0.value) }.makeIterator()
    }
}

extension ExactNameDictionary: Sendable where Value: Sendable {}

/// A set of names compared byte for byte (`ExactName`), used with plain strings.
public struct ExactNameSet: Sequence, Sendable, Equatable, ExpressibleByArrayLiteral {
    private var storage: Set<ExactName>

    public init() { storage = [] }
    public init(_ names: some Sequence<String>) { storage = Set(names.lazy.map(ExactName.init)) }
    public init(arrayLiteral names: String...) { self.init(names) }

    public func contains(_ name: String) -> Bool { storage.contains(ExactName(name)) }

    @discardableResult
    public mutating func insert(_ name: String) -> (inserted: Bool, memberAfterInsert: String) {
        let (inserted, member) = storage.insert(ExactName(name))
        return (inserted, member.text)
    }

    public mutating func formUnion(_ other: ExactNameSet) { storage.formUnion(other.storage) }

    public var isEmpty: Bool { storage.isEmpty }
    public var count: Int { storage.count }

    public func makeIterator() -> some IteratorProtocol<String> { storage.lazy.map(\.text).makeIterator() }
}
