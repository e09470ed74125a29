import SignoffCore

/// A strict JSON parser (RFC 8259) that keeps positions and refuses what an
/// export must not contain: duplicate keys, NUL characters (the store cannot
/// hold them), nesting deeper than `maximumDepth`. A file that ends early is
/// named as truncated, with the path of the value it ended in.
///
/// The text must already be valid UTF-8 (`ExportFile` checks it).
struct JSONParser {
    static let maximumDepth = 128

    private let bytes: [UInt8]
    private let file: String
    private var index = 0
    private var line = 1
    private var lineStart = 0
    /// Where the parser is, for messages: the path of the value being read.
    private var path: [JSONPathStep] = []

    init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    /// Exactly one JSON value, with nothing after it but whitespace. `line`
    /// numbers the first line (a line of a JSON-lines file).
    static func parse(_ bytes: [UInt8], file: String, line: Int = 1) throws(SourceError) -> JSONValue {
        var parser = JSONParser(bytes: bytes, file: file)
        parser.line = line
        parser.skipSpace()
        guard parser.index < bytes.count else { throw parser.error("is empty", hint: "export the data again") }
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        if parser.index < bytes.count {
            throw parser.error("has more after the end of its JSON value", hint: "an export is one JSON document")
        }
        return value
    }

    /// One or more JSON values one after another (`gh api --paginate` prints one array per page).
    static func parseSequence(_ bytes: [UInt8], file: String) throws(SourceError) -> [JSONValue] {
        var parser = JSONParser(bytes: bytes, file: file)
        var values: [JSONValue] = []
        parser.skipSpace()
        guard parser.index < bytes.count else { throw parser.error("is empty", hint: "export the data again") }
        while parser.index < bytes.count {
            parser.path = []
            values.append(try parser.value(depth: 0))
            parser.skipSpace()
        }
        return values
    }

    /// Line and column of `index`. The column counts bytes, which is the
    /// character column on the ASCII lines exports are made of; counting
    /// characters would cost a scan of the line for every value of a
    /// one-line export.
    private var position: SourcePosition {
        SourcePosition(line: line, column: index - lineStart + 1)
    }

    private func error(_ message: String, hint: String? = nil) -> SourceError {
        SourceError(file: file, position: position, field: path.isEmpty ? "" : JSONPath.text(path), message: message, hint: hint)
    }

    private func truncated(_ what: String, startedAt start: SourcePosition) -> SourceError {
        SourceError(file: file, position: position, field: path.isEmpty ? "" : JSONPath.text(path),
                    message: "ends inside \(what) that starts at line \(start.line), column \(start.column): the file is truncated",
                    hint: "export the data again and check it was written completely")
    }

    private mutating func skipSpace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0D: index += 1
            case 0x0A:
                index += 1
                line += 1
                lineStart = index
            default: return
            }
        }
    }

    private mutating func value(depth: Int) throws(SourceError) -> JSONValue {
        skipSpace()
        let start = position
        guard index < bytes.count else { throw error("ends where a value was expected: the file is truncated") }
        guard depth < Self.maximumDepth else {
            throw error("nests deeper than \(Self.maximumDepth) levels", hint: "no export nests this deep; the file is not one")
        }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var members: [(key: String, value: JSONValue)] = []
            var keys: Set<String> = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return JSONValue(.object(members), position: start)
            }
            while true {
                skipSpace()
                guard index < bytes.count else { throw truncated("an object", startedAt: start) }
                guard bytes[index] == UInt8(ascii: "\"") else { throw error("expected a quoted key") }
                let key = try string(startedAt: position)
                guard keys.insert(key).inserted else {
                    path.append(.key(key))
                    throw error("appears twice in one object", hint: "an export never repeats a key; the file was altered")
                }
                skipSpace()
                guard index < bytes.count else { throw truncated("an object", startedAt: start) }
                guard bytes[index] == UInt8(ascii: ":") else { throw error("expected ':' after the key") }
                index += 1
                path.append(.key(key))
                let member = try value(depth: depth + 1)
                path.removeLast()
                members.append((key, member))
                skipSpace()
                guard index < bytes.count else { throw truncated("an object", startedAt: start) }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "}") { index += 1; return JSONValue(.object(members), position: start) }
                throw error("expected ',' or '}' in an object")
            }
        case UInt8(ascii: "["):
            index += 1
            var elements: [JSONValue] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return JSONValue(.array(elements), position: start)
            }
            while true {
                path.append(.index(elements.count))
                let element = try value(depth: depth + 1)
                path.removeLast()
                elements.append(element)
                skipSpace()
                guard index < bytes.count else { throw truncated("a list", startedAt: start) }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "]") { index += 1; return JSONValue(.array(elements), position: start) }
                throw error("expected ',' or ']' in a list")
            }
        case UInt8(ascii: "\""):
            return JSONValue(.string(try string(startedAt: start)), position: start)
        case UInt8(ascii: "t"):
            try literal("true")
            return JSONValue(.bool(true), position: start)
        case UInt8(ascii: "f"):
            try literal("false")
            return JSONValue(.bool(false), position: start)
        case UInt8(ascii: "n"):
            try literal("null")
            return JSONValue(.null, position: start)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return JSONValue(.number(try number()), position: start)
        default:
            throw error("is not JSON here: unexpected \(Self.describe(bytes[index]))",
                        hint: "the file must be the JSON the export command writes")
        }
    }

    private static func describe(_ byte: UInt8) -> String {
        (0x21...0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x" + String(byte, radix: 16, uppercase: true)
    }

    private mutating func literal(_ word: StaticString) throws(SourceError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw error("ends inside a value: the file is truncated") }
        var matches = true
        word.withUTF8Buffer { expected in
            for offset in 0..<count where bytes[index + offset] != expected[offset] { matches = false }
        }
        guard matches else { throw error("is not JSON here: expected \(word)") }
        index += count
    }

    private mutating func number() throws(SourceError) -> String {
        let start = index
        func digits() -> Int {
            let from = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            return index - from
        }
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { throw error("ends inside a number: the file is truncated") }
        if bytes[index] == UInt8(ascii: "0") { index += 1 } else if digits() == 0 { throw error("is not a number") }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw error("is not a number: digits must follow '.'") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw error("is not a number: digits must follow the exponent") }
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// A string at `index` (on its opening quote), unescaped. Text without
    /// escapes (nearly all of it) is made from the file's bytes in one step.
    private mutating func string(startedAt start: SourcePosition) throws(SourceError) -> String {
        index += 1
        var escaped: [UInt8]? = nil
        var runStart = index
        func flush() {
            if runStart < index { escaped!.append(contentsOf: bytes[runStart..<index]) }
        }
        while true {
            guard index < bytes.count else { throw truncated("text", startedAt: start) }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                guard escaped != nil else {
                    let text = String(decoding: bytes[runStart..<index], as: UTF8.self)
                    index += 1
                    return text
                }
                flush()
                index += 1
                return String(decoding: escaped!, as: UTF8.self)
            }
            if byte < 0x20 {
                throw error(byte == 0x0A ? "has a line break inside text: the text was cut off or is not JSON"
                                         : "has a raw control character (0x\(String(byte, radix: 16))) inside text",
                            hint: "JSON writes control characters as \\u escapes")
            }
            if byte != UInt8(ascii: "\\") {
                index += 1
                continue
            }
            if escaped == nil { escaped = [] }
            flush()
            index += 1
            guard index < bytes.count else { throw truncated("text", startedAt: start) }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): escaped!.append(escape)
            case UInt8(ascii: "b"): escaped!.append(0x08)
            case UInt8(ascii: "f"): escaped!.append(0x0C)
            case UInt8(ascii: "n"): escaped!.append(0x0A)
            case UInt8(ascii: "r"): escaped!.append(0x0D)
            case UInt8(ascii: "t"): escaped!.append(0x09)
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800...0xDBFF).contains(code) {
                    guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                        throw error("has a lone surrogate escape (\\u\(String(code, radix: 16)))", hint: "text must be valid Unicode")
                    }
                    index += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw error("has an invalid surrogate pair", hint: "text must be valid Unicode") }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(code) {
                    throw error("has a lone surrogate escape (\\u\(String(code, radix: 16)))", hint: "text must be valid Unicode")
                }
                guard code != 0 else {
                    throw error("contains a NUL character (\\u0000)", hint: "signoff stores values exactly and cannot store NUL; the export was altered")
                }
                escaped!.append(contentsOf: String(Unicode.Scalar(code)!).utf8)
            default:
                throw error("has an invalid escape \\\(Self.describe(escape))")
            }
            runStart = index
        }
    }

    private mutating func hex4() throws(SourceError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("ends inside a \\u escape: the file is truncated") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw error("has an invalid \\u escape")
            }
            value = value * 16 + digit
            index += 1
        }
        return value
    }
}
