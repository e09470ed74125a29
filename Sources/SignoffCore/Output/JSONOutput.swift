import Foundation

/// JSON for scripts, pipelines and agents: the one writer behind every `--json`
/// document (README, "JSON output").
///
/// What it guarantees, so no document has to think about it:
/// - values are exact: strings keep every character they hold, escaped where
///   JSON requires (`"`, `\`, the C0 controls) and, where a terminal could act
///   on them, as `\u` escapes (C1 controls, DEL, bidirectional overrides,
///   invisible characters: whatever `DisplaySafe.isUnsafe` names), so a document
///   printed to a terminal can never move the cursor or reorder text;
/// - bytes that are not UTF-8 (a store edited by hand) become U+FFFD: the output
///   is always valid JSON;
/// - times are RFC 3339 UTC with milliseconds (`2026-11-21T09:30:00.000Z`).
///
/// Keys are written in the order the document gives them. Pretty output indents
/// by two spaces; compact output (list items, JSON lines) has no whitespace.
/// It writes into `bytes`, which the caller flushes and empties as it streams.
public struct JSONOutput {
    public private(set) var bytes: [UInt8]
    public let pretty: Bool
    private var needsComma = false
    private var depth = 0
    /// A key was just written: its value follows on the same line.
    private var afterKey = false

    public init(pretty: Bool = false, capacity: Int = 4096) {
        self.pretty = pretty
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Forgets what was written (after it was flushed), keeping the buffer.
    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
    }

    /// A line feed between top-level values (JSON lines, list items).
    public mutating func newline() {
        bytes.append(0x0A)
        needsComma = false
    }

    /// Text between top-level values, given as it is (the framing of a list
    /// document around its items); the next value needs no comma of its own.
    public mutating func separator(_ text: StaticString) {
        literal(text)
        needsComma = false
    }

    private mutating func literal(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    // MARK: Structure

    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        depth += 1
        needsComma = false
    }

    public mutating func endObject() {
        close(UInt8(ascii: "}"))
    }

    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        depth += 1
        needsComma = false
    }

    public mutating func endArray() {
        close(UInt8(ascii: "]"))
    }

    /// An object key: plain ASCII in snake_case, never data.
    public mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        if pretty { bytes.append(UInt8(ascii: " ")) }
        needsComma = false
        afterKey = true
    }

    /// An object key taken from data (a label), escaped like any string.
    public mutating func key(_ name: String) {
        string(name)
        bytes.append(UInt8(ascii: ":"))
        if pretty { bytes.append(UInt8(ascii: " ")) }
        needsComma = false
        afterKey = true
    }

    // MARK: Values

    public mutating func null() {
        separate()
        literal("null")
        needsComma = true
    }

    public mutating func bool(_ value: Bool) {
        separate()
        if value { literal("true") } else { literal("false") }
        needsComma = true
    }

    public mutating func int(_ value: Int) { int(Int64(value)) }

    public mutating func int(_ value: Int64) {
        separate()
        needsComma = true
        JSONDecimal.append(value, to: &bytes)
    }

    public mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { string(utf8: UnsafeRawBufferPointer($0)) }
    }

    /// A string from UTF-8 bytes, e.g. straight from a database column.
    /// Invalid sequences become U+FFFD.
    public mutating func string(utf8: UnsafeRawBufferPointer) {
        separate()
        needsComma = true
        bytes.append(UInt8(ascii: "\""))
        appendEscaped(utf8)
        bytes.append(UInt8(ascii: "\""))
    }

    /// A moment, RFC 3339 in UTC with milliseconds.
    public mutating func time(_ date: Date) {
        time(milliseconds: date.epochMilliseconds)
    }

    public mutating func time(milliseconds: Int64) {
        separate()
        needsComma = true
        bytes.append(UInt8(ascii: "\""))
        RFC3339.append(milliseconds: milliseconds, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    public mutating func strings(_ values: [String]) {
        beginArray()
        for value in values { string(value) }
        endArray()
    }

    /// A JSON value given as text (e.g. an event payload as stored), copied
    /// with its strings escaped as every other string here is. Returns false,
    /// writing nothing, unless `json` is exactly one well-formed JSON value in
    /// UTF-8: whatever a store holds, the output stays valid JSON.
    public mutating func embed(json: UnsafeRawBufferPointer) -> Bool {
        let mark = bytes.count
        let (comma, keyed) = (needsComma, afterKey)
        separate()
        var copier = EmbeddedJSON(source: json)
        guard copier.value(into: &self), copier.atEnd else {
            bytes.removeSubrange(mark...)
            (needsComma, afterKey) = (comma, keyed)
            return false
        }
        needsComma = true
        return true
    }

    /// The members of a string value as they are escaped in `string`.
    fileprivate mutating func appendStringContents(_ utf8: UnsafeRawBufferPointer) {
        appendEscaped(utf8)
    }

    fileprivate mutating func appendByte(_ byte: UInt8) { bytes.append(byte) }
    fileprivate mutating func appendBytes(_ raw: UnsafeRawBufferPointer) { bytes.append(contentsOf: raw) }

    // MARK: Fields: a key and its value, `null` when absent

    public mutating func field(_ name: StaticString, _ value: String?) {
        key(name)
        if let value { string(value) } else { null() }
    }

    public mutating func field(_ name: StaticString, _ value: Int?) {
        key(name)
        if let value { int(value) } else { null() }
    }

    public mutating func field(_ name: StaticString, _ value: Bool) {
        key(name)
        bool(value)
    }

    public mutating func field(_ name: StaticString, time value: Date?) {
        key(name)
        if let value { time(value) } else { null() }
    }

    public mutating func field(_ name: StaticString, _ values: [String]) {
        key(name)
        strings(values)
    }

    // MARK: Internals

    private mutating func separate() {
        if afterKey {
            afterKey = false
            return
        }
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        if pretty && depth > 0 { indent(depth) }
    }

    private mutating func close(_ bracket: UInt8) {
        depth -= 1
        if pretty && needsComma { indent(depth) }
        bytes.append(bracket)
        needsComma = true
    }

    private mutating func indent(_ level: Int) {
        bytes.append(0x0A)
        for _ in 0..<level { bytes.append(0x20); bytes.append(0x20) }
    }

    /// Copies runs of plain characters at once; escapes the rest.
    private mutating func appendEscaped(_ utf8: UnsafeRawBufferPointer) {
        let count = utf8.count
        var index = 0
        var runStart = 0
        while index < count {
            index = PlainJSONText.end(of: utf8, from: index)
            guard index < count else { break }
            let byte = utf8[index]
            if byte >= 0x80 {
                let (scalar, length) = Self.decodeScalar(utf8, at: index)
                if let scalar, !DisplaySafe.isUnsafe(scalar) {
                    index += length
                    continue
                }
                flush(utf8, runStart, index)
                if let scalar {
                    escapeScalar(scalar.value)
                } else {
                    bytes.append(contentsOf: [0xEF, 0xBF, 0xBD]) // U+FFFD for bytes that are not UTF-8
                }
                index += length
                runStart = index
                continue
            }
            flush(utf8, runStart, index)
            switch byte {
            case UInt8(ascii: "\""): literal("\\\"")
            case UInt8(ascii: "\\"): literal("\\\\")
            case 0x08: literal("\\b")
            case 0x09: literal("\\t")
            case 0x0A: literal("\\n")
            case 0x0C: literal("\\f")
            case 0x0D: literal("\\r")
            default: escapeScalar(UInt32(byte))
            }
            index += 1
            runStart = index
        }
        flush(utf8, runStart, count)
    }

    @inline(__always)
    private mutating func flush(_ utf8: UnsafeRawBufferPointer, _ start: Int, _ end: Int) {
        if start < end { bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: utf8[start..<end])) }
    }

    /// A `\u` escape of four hex digits; two of them (a surrogate pair) above the Basic Multilingual Plane.
    private mutating func escapeScalar(_ value: UInt32) {
        if value > 0xFFFF {
            let offset = value - 0x10000
            escapeUnit(0xD800 + (offset >> 10))
            escapeUnit(0xDC00 + (offset & 0x3FF))
        } else {
            escapeUnit(value)
        }
    }

    private mutating func escapeUnit(_ unit: UInt32) {
        let hex: StaticString = "0123456789abcdef"
        literal("\\u")
        hex.withUTF8Buffer { table in
            for shift in stride(from: 12, through: 0, by: -4) {
                bytes.append(table[Int((unit >> UInt32(shift)) & 0xF)])
            }
        }
    }

    /// The scalar starting at `index` and its length in bytes; nil (with the
    /// length to skip) where the bytes are not well-formed UTF-8.
    static func decodeScalar(_ utf8: UnsafeRawBufferPointer, at index: Int) -> (Unicode.Scalar?, Int) {
        let lead = utf8[index]
        let length: Int
        var value: UInt32
        switch lead {
        case 0xC2...0xDF: length = 2; value = UInt32(lead & 0x1F)
        case 0xE0...0xEF: length = 3; value = UInt32(lead & 0x0F)
        case 0xF0...0xF4: length = 4; value = UInt32(lead & 0x07)
        default: return (nil, 1)
        }
        guard index + length <= utf8.count else { return (nil, 1) }
        for offset in 1..<length {
            let next = utf8[index + offset]
            guard next & 0xC0 == 0x80 else { return (nil, 1) }
            value = value << 6 | UInt32(next & 0x3F)
        }
        // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
        let smallest: UInt32 = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000
        guard value >= smallest, let scalar = Unicode.Scalar(value) else { return (nil, 1) }
        return (scalar, length)
    }
}

/// RFC 3339 times in UTC, written without a formatter (lists write two per row).
public enum RFC3339 {
    /// `2026-11-21T09:30:00.125Z` for milliseconds since 1970.
    public static func text(milliseconds: Int64) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        append(milliseconds: milliseconds, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    public static func text(_ date: Date) -> String {
        text(milliseconds: date.epochMilliseconds)
    }

    /// The first and last milliseconds RFC 3339's four-digit years can
    /// write: 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z.
    public static let writable: ClosedRange<Int64> = -62_167_219_200_000...253_402_300_799_999

    /// A time outside `writable` (only a store written by hand, or a length
    /// of thousands of years, makes one) is written as the nearer end: never
    /// as its last four digits of year, which could put a grant that never
    /// ends in the present.
    static func append(milliseconds: Int64, to bytes: inout [UInt8]) {
        let milliseconds = min(max(milliseconds, writable.lowerBound), writable.upperBound)
        let (seconds, millis) = floorDivide(milliseconds, 1000)
        let (days, secondOfDay) = floorDivide(seconds, 86_400)
        // Days since 1970-01-01 to a civil date (proleptic Gregorian calendar).
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        digits(year, 4, &bytes); bytes.append(UInt8(ascii: "-"))
        digits(month, 2, &bytes); bytes.append(UInt8(ascii: "-"))
        digits(day, 2, &bytes); bytes.append(UInt8(ascii: "T"))
        digits(secondOfDay / 3600, 2, &bytes); bytes.append(UInt8(ascii: ":"))
        digits(secondOfDay / 60 % 60, 2, &bytes); bytes.append(UInt8(ascii: ":"))
        digits(secondOfDay % 60, 2, &bytes); bytes.append(UInt8(ascii: "."))
        digits(millis, 3, &bytes); bytes.append(UInt8(ascii: "Z"))
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let (quotient, remainder) = value.quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }

    private static func digits(_ value: Int64, _ width: Int, _ bytes: inout [UInt8]) {
        var divisor: Int64 = 1
        for _ in 1..<width { divisor *= 10 }
        var rest = max(0, value)
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest / divisor % 10))
            rest %= divisor
            divisor /= 10
        }
    }
}

/// Checks and copies one JSON value for `JSONOutput.embed`: structure as it
/// is, whitespace dropped, escapes kept, raw characters a terminal could act on
/// escaped. Fails on anything that is not exactly JSON (RFC 8259).
private struct EmbeddedJSON {
    let source: UnsafeRawBufferPointer
    var index = 0
    /// Deep nesting is refused rather than followed down the stack.
    var depth = 0

    init(source: UnsafeRawBufferPointer) { self.source = source }

    var atEnd: Bool {
        mutating get {
            skipSpace()
            return index == source.count
        }
    }

    mutating func skipSpace() {
        while index < source.count {
            switch source[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    mutating func value(into out: inout JSONOutput) -> Bool {
        skipSpace()
        guard index < source.count else { return false }
        switch source[index] {
        case UInt8(ascii: "{"):
            return container(into: &out, open: UInt8(ascii: "{"), close: UInt8(ascii: "}"), keyed: true)
        case UInt8(ascii: "["):
            return container(into: &out, open: UInt8(ascii: "["), close: UInt8(ascii: "]"), keyed: false)
        case UInt8(ascii: "\""):
            return string(into: &out)
        case UInt8(ascii: "t"): return word("true", into: &out)
        case UInt8(ascii: "f"): return word("false", into: &out)
        case UInt8(ascii: "n"): return word("null", into: &out)
        default: return number(into: &out)
        }
    }

    mutating func container(into out: inout JSONOutput, open: UInt8, close: UInt8, keyed: Bool) -> Bool {
        depth += 1
        guard depth <= 64 else { return false }
        defer { depth -= 1 }
        out.appendByte(open)
        index += 1
        skipSpace()
        if index < source.count, source[index] == close {
            index += 1
            out.appendByte(close)
            return true
        }
        while true {
            if keyed {
                skipSpace()
                guard index < source.count, source[index] == UInt8(ascii: "\""), string(into: &out) else { return false }
                skipSpace()
                guard index < source.count, source[index] == UInt8(ascii: ":") else { return false }
                index += 1
                out.appendByte(UInt8(ascii: ":"))
            }
            guard value(into: &out) else { return false }
            skipSpace()
            guard index < source.count else { return false }
            if source[index] == UInt8(ascii: ",") {
                index += 1
                out.appendByte(UInt8(ascii: ","))
                continue
            }
            guard source[index] == close else { return false }
            index += 1
            out.appendByte(close)
            return true
        }
    }

    /// A string: escapes are checked and kept as written; runs of raw
    /// characters go through the output's escaping.
    mutating func string(into out: inout JSONOutput) -> Bool {
        index += 1
        out.appendByte(UInt8(ascii: "\""))
        var runStart = index
        // Whether the run since runStart holds a byte the output escapes or
        // checks (DEL, or any above ASCII); a run without one is copied as it is.
        var runNeedsEscaping = false
        func flush(_ out: inout JSONOutput) {
            let run = UnsafeRawBufferPointer(rebasing: source[runStart..<index])
            if runNeedsEscaping { out.appendStringContents(run) } else { out.appendBytes(run) }
            runNeedsEscaping = false
        }
        while index < source.count {
            index = PlainJSONText.end(of: source, from: index)
            guard index < source.count else { break }
            let byte = source[index]
            if byte == UInt8(ascii: "\"") {
                flush(&out)
                index += 1
                out.appendByte(UInt8(ascii: "\""))
                return true
            }
            if byte < 0x20 { return false }
            if byte >= 0x80 {
                let (scalar, length) = JSONOutput.decodeScalar(source, at: index)
                guard scalar != nil else { return false }
                index += length
                runNeedsEscaping = true
                continue
            }
            if byte == UInt8(ascii: "\\") {
                flush(&out)
                guard index + 1 < source.count else { return false }
                let escaped = source[index + 1]
                var length = 2
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    break
                case UInt8(ascii: "u"):
                    guard index + 6 <= source.count,
                          source[(index + 2)..<(index + 6)].allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) })
                    else { return false }
                    length = 6
                default:
                    return false
                }
                out.appendBytes(UnsafeRawBufferPointer(rebasing: source[index..<(index + length)]))
                index += length
                runStart = index
                continue
            }
            // DEL: valid in a JSON string, escaped in the output.
            runNeedsEscaping = true
            index += 1
        }
        return false
    }

    mutating func word(_ text: StaticString, into out: inout JSONOutput) -> Bool {
        let count = text.utf8CodeUnitCount
        guard index + count <= source.count else { return false }
        let matches = text.withUTF8Buffer { word in
            (0..<count).allSatisfy { source[index + $0] == word[$0] }
        }
        guard matches else { return false }
        out.appendBytes(UnsafeRawBufferPointer(rebasing: source[index..<(index + count)]))
        index += count
        return true
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    mutating func number(into out: inout JSONOutput) -> Bool {
        let start = index
        func digits() -> Int {
            let first = index
            while index < source.count, source[index] >= 0x30, source[index] <= 0x39 { index += 1 }
            return index - first
        }
        if index < source.count, source[index] == UInt8(ascii: "-") { index += 1 }
        guard index < source.count, source[index] >= 0x30, source[index] <= 0x39 else { return false }
        if source[index] == 0x30 { index += 1 } else { _ = digits() }
        if index < source.count, source[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { return false }
        }
        if index < source.count, source[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < source.count, source[index] == UInt8(ascii: "+") || source[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { return false }
        }
        out.appendBytes(UnsafeRawBufferPointer(rebasing: source[start..<index]))
        return true
    }
}

/// An integer's decimal digits as JSON writes them, for both JSON writers.
enum JSONDecimal {
    static func append(_ value: Int64, to bytes: inout [UInt8]) {
        if value == 0 {
            bytes.append(UInt8(ascii: "0"))
            return
        }
        // Digits of the magnitude, least significant first, without overflow at Int64.min.
        var magnitude = value.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var count = 0
            while magnitude > 0 {
                digits[count] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
                count += 1
            }
            if value < 0 { bytes.append(UInt8(ascii: "-")) }
            while count > 0 {
                count -= 1
                bytes.append(digits[count])
            }
        }
    }
}

extension JSONOutput {
    /// What is granted, in the members every document shares: the requester,
    /// the subject as an object, the system, environment, entitlement, scope
    /// and access level.
    public mutating func accessFields(requester: String?, subject: Subject, system: String, environment: String,
                                      entitlement: String, scope: String?, access: AccessLevel) {
        field("requester", requester)
        key("subject")
        beginObject()
        field("kind", subject.kind.rawValue)
        field("name", subject.name)
        field("owner", subject.owner)
        endObject()
        field("system", system)
        field("environment", environment)
        field("entitlement", entitlement)
        field("scope", scope)
        field("access", access.rawValue)
    }

    /// `accessFields` of a grant's terms.
    public mutating func accessFields(_ terms: GrantTerms) {
        accessFields(requester: terms.requester, subject: terms.subject, system: terms.system, environment: terms.environment,
                     entitlement: terms.entitlement, scope: terms.scope, access: terms.access)
    }
}

/// Printable ASCII other than the quote and the backslash: the bytes a JSON
/// string carries as they are, which both writers copy in runs.
enum PlainJSONText {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// The index of the first byte from `start` on that is not plain (or
    /// the count), looking at eight bytes at a time.
    @inline(__always)
    static func end(of utf8: UnsafeRawBufferPointer, from start: Int) -> Int {
        var index = start
        let count = utf8.count
        while index + 8 <= count, isPlain(utf8.loadUnaligned(fromByteOffset: index, as: UInt64.self)) { index += 8 }
        while index < count, isPlain(utf8[index]) { index += 1 }
        return index
    }

    @inline(__always)
    static func isPlain(_ byte: UInt8) -> Bool {
        byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\")
    }

    /// Whether all eight bytes are plain. Each test is exact for the word as
    /// a whole: a byte below 0x20, one above 0x7E, a quote, a backslash.
    @inline(__always)
    static func isPlain(_ word: UInt64) -> Bool {
        let below = (word &- ones &* 0x20) & ~word & highs
        let above = ((word &+ ones) | word) & highs
        return below | above | hasZeroByte(word ^ (ones &* 0x22)) | hasZeroByte(word ^ (ones &* 0x5C)) == 0
    }

    @inline(__always)
    private static func hasZeroByte(_ word: UInt64) -> UInt64 { (word &- ones) & ~word & highs }
}
