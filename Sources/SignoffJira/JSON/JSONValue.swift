import Foundation

/// One value of a `JSONDocument`: a position on its tape. Cheap to copy;
/// reading it decodes only what is asked for.
public struct JSONValue: Sendable {
    let document: JSONDocument
    let index: Int

    var node: JSONDocument.Node { document.nodes[index] }

    public var kind: JSONDocument.Kind { node.kind }
    public var isNull: Bool { kind == .null }
    /// Byte offset of the value in its document, for messages.
    public var offset: Int { Int(node.start) }

    /// The member named `key` of an object; nil for a missing member or a non-object.
    public subscript(key: String) -> JSONValue? {
        guard kind == .object else { return nil }
        var wanted = key
        return wanted.withUTF8 { wantedBytes in
            var cursor = index + 1
            let end = Int(node.next)
            while cursor < end {
                let keyNode = document.nodes[cursor]
                if document.stringEquals(keyNode, wantedBytes) {
                    return JSONValue(document: document, index: cursor + 1)
                }
                cursor = Int(document.nodes[cursor + 1].next)
            }
            return nil
        }
    }

    /// Follows a path of member names: `issue["fields"]["status"]`.
    public subscript(path: String...) -> JSONValue? {
        var value: JSONValue? = self
        for key in path { value = value?[key] }
        return value
    }

    /// An object's members in order, keys decoded (a key that is not valid text is skipped).
    public var members: [(key: String, value: JSONValue)] {
        guard kind == .object else { return [] }
        var result: [(String, JSONValue)] = []
        var cursor = index + 1
        let end = Int(node.next)
        while cursor < end {
            if let key = try? document.decodeString(document.nodes[cursor]) {
                result.append((key, JSONValue(document: document, index: cursor + 1)))
            }
            cursor = Int(document.nodes[cursor + 1].next)
        }
        return result
    }

    /// An array's elements in order; empty for anything else.
    public var elements: [JSONValue] {
        guard kind == .array else { return [] }
        var result: [JSONValue] = []
        result.reserveCapacity(Int(node.end))
        var cursor = index + 1
        let end = Int(node.next)
        while cursor < end {
            result.append(JSONValue(document: document, index: cursor))
            cursor = Int(document.nodes[cursor].next)
        }
        return result
    }

    /// Number of members or elements.
    public var count: Int { kind == .object || kind == .array ? Int(node.end) : 0 }

    /// The text of a string value; nil for other kinds. Throws when the string
    /// holds invalid UTF-8, an invalid escape or a lone surrogate.
    public func string() throws(JSONTextError) -> String? {
        guard kind == .string else { return nil }
        return try document.decodeString(node)
    }

    /// A string's text, or nil when it is not a string or cannot be decoded.
    public var stringValue: String? { try? string() }

    /// The number's source text (`12`, `13.0`, `-1e3`); nil for other kinds.
    public var numberText: String? {
        guard kind == .number else { return nil }
        return String(decoding: document.bytes[Int(node.start)..<Int(node.end)], as: UTF8.self)
    }

    public var doubleValue: Double? { numberText.flatMap(Double.init) }

    /// A number that is a whole number (`12`, `13.0`), as an integer.
    public var integerValue: Int64? {
        guard let text = numberText else { return nil }
        if let value = Int64(text) { return value }
        guard let double = Double(text), double.rounded() == double, abs(double) < 9e15 else { return nil }
        return Int64(double)
    }

    public var boolValue: Bool? {
        switch kind {
        case .true: true
        case .false: false
        case .object, .array, .string, .number, .null: nil
        }
    }

    /// Whether the byte length of a string's content is over `limit`, without decoding it.
    public func rawLengthExceeds(_ limit: Int) -> Bool {
        kind == .string && Int(node.end) - Int(node.start) > limit
    }
}

/// A string in a JSON text that cannot be turned into text.
public struct JSONTextError: Error, Sendable, Hashable, CustomStringConvertible {
    public var offset: Int
    public var message: String
    public var description: String { message }
}

extension JSONDocument {
    /// Compares a string node with plain bytes without decoding when it has no escapes.
    func stringEquals(_ node: Node, _ wanted: UnsafeBufferPointer<UInt8>) -> Bool {
        if node.needsDecoding {
            guard let text = try? decodeString(node) else { return false }
            return text.utf8.elementsEqual(wanted)
        }
        let length = Int(node.end) - Int(node.start)
        guard length == wanted.count else { return false }
        return bytes.withUnsafeBufferPointer { all in
            memcmp(all.baseAddress! + Int(node.start), wanted.baseAddress!, length) == 0
        }
    }

    func decodeString(_ node: Node) throws(JSONTextError) -> String {
        let start = Int(node.start), end = Int(node.end)
        if !node.needsDecoding {
            return String(decoding: bytes[start..<end], as: UTF8.self)
        }
        var output: [UInt8] = []
        output.reserveCapacity(end - start)
        var cursor = start
        while cursor < end {
            let byte = bytes[cursor]
            if byte != UInt8(ascii: "\\") {
                output.append(byte)
                cursor += 1
                continue
            }
            let escape = bytes[cursor + 1]
            cursor += 2
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): output.append(escape)
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "u"):
                guard let high = hex4(at: cursor, end: end) else {
                    throw JSONTextError(offset: cursor - 2, message: "holds an invalid \\u escape")
                }
                cursor += 4
                var scalarValue = UInt32(high)
                if (0xD800...0xDBFF).contains(high) {
                    guard cursor + 6 <= end, bytes[cursor] == UInt8(ascii: "\\"), bytes[cursor + 1] == UInt8(ascii: "u"),
                          let low = hex4(at: cursor + 2, end: end), (0xDC00...0xDFFF).contains(low) else {
                        throw JSONTextError(offset: cursor - 6, message: "holds a lone surrogate escape (not a character)")
                    }
                    cursor += 6
                    scalarValue = 0x10000 + ((UInt32(high) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(high) {
                    throw JSONTextError(offset: cursor - 6, message: "holds a lone surrogate escape (not a character)")
                }
                output.append(contentsOf: String(Unicode.Scalar(scalarValue)!).utf8)
            default:
                throw JSONTextError(offset: cursor - 2, message: "holds an invalid escape")
            }
        }
        guard let text = String(validating: output, as: UTF8.self) else {
            throw JSONTextError(offset: start, message: "is not valid UTF-8")
        }
        return text
    }

    private func hex4(at offset: Int, end: Int) -> UInt16? {
        guard offset + 4 <= end else { return nil }
        var value: UInt16 = 0
        for byte in bytes[offset..<offset + 4] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }
}
