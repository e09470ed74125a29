import Foundation
import SignoffCore

/// A JSON text read into a flat list of nodes (a "tape"), not a tree of
/// objects. Tickets come from strangers: a tree built by recursion overflows
/// the stack on an array nested a hundred thousand deep, and freeing a deep
/// tree of references recurses again. Here parsing keeps its own stack of
/// open containers, every node is a small value in one array, and nothing is
/// decoded until it is read: a search page of a hundred issues is parsed once,
/// and only the fields the mapping names are ever turned into strings.
///
/// Strings are checked lazily too. Invalid UTF-8 or a lone surrogate inside
/// one ticket's description makes that value unreadable (the ticket is
/// refused, naming the field), not the whole page of other people's tickets.
public final class JSONDocument: Sendable {
    public enum Kind: UInt8, Sendable {
        case object, array, string, number, `true`, `false`, null
    }

    struct Node: Sendable {
        var kind: Kind
        /// Strings: the content contains a backslash escape or a byte over 0x7F.
        var needsDecoding: Bool
        /// Byte offset where the value starts (for strings, after the quote).
        var start: UInt32
        /// Strings and numbers: byte offset after the content. Containers: member count.
        var end: UInt32
        /// Index of the node after this value and everything inside it.
        var next: UInt32
    }

    let bytes: [UInt8]
    let nodes: [Node]
    /// Indexes of the top-level values (a file may hold several, one per line).
    let roots: [Int]

    /// The largest text accepted. A search page of a hundred issues is a few
    /// megabytes; the limit bounds the memory a hostile sender can make us use.
    public static let maximumSize = 64 << 20
    /// The deepest nesting accepted. Parsing needs no stack for it, but Jira
    /// never nests more than a few dozen levels, and a limit keeps a hostile
    /// document's cost plain.
    public static let maximumDepth = 10_000

    /// Parses one or more JSON values separated by whitespace (a single
    /// document, or JSON Lines).
    public init(bytes: [UInt8]) throws(JSONSyntaxError) {
        guard bytes.count <= Self.maximumSize else {
            throw JSONSyntaxError(offset: 0, message: "is \(bytes.count) bytes; at most \(Self.maximumSize) are read in one document")
        }
        var parser = Parser(bytes: bytes)
        try parser.parseAll()
        self.bytes = bytes
        self.nodes = parser.nodes
        self.roots = parser.roots
        try refuseRepeatedKeys()
    }

    /// Refuses an object that names one member twice (`{"id": "1", "id": "2"}`,
    /// or the same name escaped otherwise): readers disagree on which one
    /// counts (this one takes the first, others the last), so a ticket could
    /// say one thing to signoff and another to Jira. Jira never sends one.
    private func refuseRepeatedKeys() throws(JSONSyntaxError) {
        var names = Set<String>()
        for (index, node) in nodes.enumerated() where node.kind == .object && node.end > 1 {
            names.removeAll(keepingCapacity: true)
            var cursor = index + 1
            while cursor < Int(node.next) {
                let key = nodes[cursor]
                if let name = try? decodeString(key), !names.insert(name).inserted {
                    throw JSONSyntaxError(offset: Int(key.start) - 1,
                                          message: "names the field \"\(DisplaySafe.text(name))\" twice in one object (readers disagree on which counts; the file was altered)")
                }
                cursor = Int(nodes[cursor + 1].next)
            }
        }
    }

    public convenience init(_ data: Data) throws(JSONSyntaxError) {
        try self.init(bytes: [UInt8](data))
    }

    public convenience init(text: String) throws(JSONSyntaxError) {
        try self.init(bytes: Array(text.utf8))
    }

    /// Every top-level value, in order.
    public var values: [JSONValue] { roots.map { JSONValue(document: self, index: $0) } }

    /// The line and column (1-based, counting bytes) of a byte offset, for messages.
    public func position(ofOffset offset: Int) -> (line: Int, column: Int) {
        Self.position(ofOffset: offset, in: bytes)
    }

    /// The same for bytes that did not parse, where there is no document:
    /// the one place a JSON offset becomes a line and column.
    public static func position(ofOffset offset: Int, in bytes: some Collection<UInt8>) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        for byte in bytes.prefix(max(offset, 0)) {
            if byte == 0x0A {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return (line, column)
    }
}

/// Why a text is not JSON, and where.
public struct JSONSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    public var offset: Int
    public var message: String
    public var description: String { "byte \(offset): \(message)" }
}

extension JSONDocument {
    struct Parser {
        let bytes: [UInt8]
        var index = 0
        var nodes: [Node] = []
        var roots: [Int] = []
        /// Open containers, innermost last.
        var open: [Int] = []

        init(bytes: [UInt8]) {
            self.bytes = bytes
            nodes.reserveCapacity(bytes.count / 12)
        }

        mutating func parseAll() throws(JSONSyntaxError) {
            skipSpace()
            if index < bytes.count, bytes[index] == 0xEF, index + 2 < bytes.count, bytes[index + 1] == 0xBB,
               bytes[index + 2] == 0xBF {
                index += 3 // a byte order mark, as some tools write
                skipSpace()
            }
            if index >= bytes.count { throw fail("holds no JSON value") }
            while index < bytes.count {
                roots.append(nodes.count)
                try parseValue()
                skipSpace()
            }
        }

        func fail(_ message: String, at offset: Int? = nil) -> JSONSyntaxError {
            JSONSyntaxError(offset: offset ?? index, message: message)
        }

        mutating func skipSpace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x0A, 0x0D, 0x09: index += 1
                default: return
                }
            }
        }

        /// One complete value, containers included, without recursion.
        mutating func parseValue() throws(JSONSyntaxError) {
            let base = open.count
            while true {
                skipSpace()
                guard index < bytes.count else { throw fail("ends inside a value") }
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    guard open.count < JSONDocument.maximumDepth else {
                        throw fail("is nested more than \(JSONDocument.maximumDepth) levels deep")
                    }
                    open.append(nodes.count)
                    nodes.append(Node(kind: byte == UInt8(ascii: "{") ? .object : .array, needsDecoding: false,
                                      start: UInt32(index), end: 0, next: 0))
                    index += 1
                    skipSpace()
                    let closing = byte == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
                    if index < bytes.count, bytes[index] == closing {
                        index += 1
                        try close()
                    } else if byte == UInt8(ascii: "{") {
                        try parseKey()
                        continue
                    } else {
                        continue
                    }
                case UInt8(ascii: "\""):
                    try parseString()
                case UInt8(ascii: "t"): try literal("true", .true)
                case UInt8(ascii: "f"): try literal("false", .false)
                case UInt8(ascii: "n"): try literal("null", .null)
                case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    try parseNumber()
                default:
                    throw fail("unexpected \(describe(byte))")
                }
                // After a value: a separator, a closing bracket, or the end of the top-level value.
                while open.count > base {
                    skipSpace()
                    guard index < bytes.count else { throw fail("ends before a closing bracket") }
                    let container = open[open.count - 1]
                    let isObject = nodes[container].kind == .object
                    nodes[container].end += 1
                    if bytes[index] == UInt8(ascii: ",") {
                        index += 1
                        if isObject { try parseKey() }
                        break
                    }
                    if bytes[index] == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                        index += 1
                        try close()
                        continue
                    }
                    throw fail("expected , or \(isObject ? "}" : "]"), found \(describe(bytes[index]))")
                }
                if open.count == base { return }
            }
        }

        /// Ends the innermost container: its `next` is the node after it.
        mutating func close() throws(JSONSyntaxError) {
            let container = open.removeLast()
            nodes[container].next = UInt32(nodes.count)
        }

        mutating func parseKey() throws(JSONSyntaxError) {
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw fail(index < bytes.count ? "expected a field name in quotes, found \(describe(bytes[index]))" : "ends inside an object")
            }
            try parseString()
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                throw fail("expected : after a field name")
            }
            index += 1
        }

        mutating func parseString() throws(JSONSyntaxError) {
            let start = index + 1
            var cursor = start
            var needsDecoding = false
            let count = bytes.count
            while true {
                guard cursor < count else { throw fail("ends inside a string", at: start - 1) }
                let byte = bytes[cursor]
                if byte == UInt8(ascii: "\"") { break }
                if byte == UInt8(ascii: "\\") {
                    needsDecoding = true
                    cursor += 2
                    continue
                }
                if byte < 0x20 { throw fail("a control character (\(describe(byte))) inside a string must be escaped", at: cursor) }
                if byte >= 0x80 { needsDecoding = true }
                cursor += 1
            }
            nodes.append(Node(kind: .string, needsDecoding: needsDecoding, start: UInt32(start), end: UInt32(cursor),
                              next: UInt32(nodes.count + 1)))
            index = cursor + 1
        }

        mutating func literal(_ word: StaticString, _ kind: Kind) throws(JSONSyntaxError) {
            let length = word.utf8CodeUnitCount
            guard index + length <= bytes.count else { throw fail("unexpected end of input") }
            let matches = word.withUTF8Buffer { expected in
                (0..<length).allSatisfy { bytes[index + $0] == expected[$0] }
            }
            guard matches else { throw fail("unexpected \(describe(bytes[index]))") }
            nodes.append(Node(kind: kind, needsDecoding: false, start: UInt32(index), end: UInt32(index + length),
                              next: UInt32(nodes.count + 1)))
            index += length
        }

        mutating func parseNumber() throws(JSONSyntaxError) {
            let start = index
            func digits(_ parser: inout Parser) -> Int {
                var count = 0
                while parser.index < parser.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(parser.bytes[parser.index]) {
                    parser.index += 1
                    count += 1
                }
                return count
            }
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            let leadingZero = index < bytes.count && bytes[index] == UInt8(ascii: "0")
            let integerDigits = digits(&self)
            guard integerDigits > 0 else { throw fail("a number needs digits", at: start) }
            if leadingZero && integerDigits > 1 { throw fail("a number may not start with 0", at: start) }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard digits(&self) > 0 else { throw fail("a number needs digits after the point", at: start) }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard digits(&self) > 0 else { throw fail("a number needs digits in its exponent", at: start) }
            }
            nodes.append(Node(kind: .number, needsDecoding: false, start: UInt32(start), end: UInt32(index),
                              next: UInt32(nodes.count + 1)))
        }

        func describe(_ byte: UInt8) -> String {
            if byte >= 0x21 && byte < 0x7F { return "\"\(Character(Unicode.Scalar(byte)))\"" }
            return "byte 0x" + String(byte, radix: 16, uppercase: true)
        }
    }
}
