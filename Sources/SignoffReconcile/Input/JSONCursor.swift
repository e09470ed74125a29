import Foundation
import SignoffCore

/// A JSON value with the file and JSON path it came from: readers take what
/// they need from an export through it, and every mistake they find names
/// `file:line:column`, the path (`$.items[3].roleRef.kind`) and what was expected.
struct JSONCursor {
    let value: JSONValue
    let file: String
    let path: String

    init(_ value: JSONValue, file: String, path: String = "$") {
        self.value = value
        self.file = file
        self.path = path
    }

    func error(_ message: String, hint: String? = nil) -> SourceError {
        SourceError(file: file, position: value.position, field: path, message: message, hint: hint)
    }

    var isNull: Bool {
        if case .null = value.kind { return true }
        return false
    }

    func string() throws(SourceError) -> String {
        guard case let .string(text) = value.kind else { throw error("expected text, found \(value.kindName)") }
        return text
    }

    /// Text that is not empty; exports name things, and an empty name names nothing.
    func name() throws(SourceError) -> String {
        let text = try string()
        guard !text.isEmpty else { throw error("is empty where a name is expected") }
        guard text.unicodeScalars.count <= Limits.fieldLength else {
            throw error("is \(text.unicodeScalars.count) characters long", hint: "names longer than \(Limits.fieldLength) characters are refused")
        }
        return text
    }

    func bool() throws(SourceError) -> Bool {
        guard case let .bool(flag) = value.kind else { throw error("expected true or false, found \(value.kindName)") }
        return flag
    }

    func int() throws(SourceError) -> Int {
        guard case let .number(text) = value.kind, let number = Int(text) else {
            throw error("expected a whole number, found \(value.kindName)")
        }
        return number
    }

    /// A whole number or its decimal text (AWS and GitHub write IDs both ways).
    func identifier() throws(SourceError) -> String {
        switch value.kind {
        case let .number(text) where Int(text) != nil: return text
        case .string: return try name()
        default: throw error("expected an identifier, found \(value.kindName)")
        }
    }

    func array() throws(SourceError) -> [JSONCursor] {
        guard case let .array(elements) = value.kind else { throw error("expected a list, found \(value.kindName)") }
        var cursors: [JSONCursor] = []
        cursors.reserveCapacity(elements.count)
        for (offset, element) in elements.enumerated() {
            var elementPath = path
            JSONPath.append(.index(offset), to: &elementPath)
            cursors.append(JSONCursor(element, file: file, path: elementPath))
        }
        return cursors
    }

    /// A list, with null read as an empty one (PostgreSQL's `json_agg` of no rows).
    func arrayOrNull() throws(SourceError) -> [JSONCursor] {
        isNull ? [] : try array()
    }

    func object() throws(SourceError) -> JSONObject {
        guard case let .object(members) = value.kind else { throw error("expected an object, found \(value.kindName)") }
        return JSONObject(cursor: self, members: members)
    }

    /// A date as exports write them: RFC 3339, or with a space for the `T`.
    func date() throws(SourceError) -> Date {
        let text = try string()
        guard let date = ExportTime.parse(text) else {
            throw error("\"\(text)\" is not a date and time", hint: "expected e.g. 2026-12-01T18:38:00Z")
        }
        return date
    }
}

/// The members of a JSON object, looked up by key.
struct JSONObject {
    let cursor: JSONCursor
    let members: [(key: String, value: JSONValue)]

    var keys: [String] { members.map(\.key) }

    func has(_ key: String) -> Bool { members.contains { $0.key == key } }

    /// The member, or nil when it is absent (a present null is returned as a null cursor).
    func optional(_ key: String) -> JSONCursor? {
        guard let member = members.first(where: { $0.key == key }) else { return nil }
        var memberPath = cursor.path
        JSONPath.append(.key(key), to: &memberPath)
        return JSONCursor(member.value, file: cursor.file, path: memberPath)
    }

    /// The member unless absent or null.
    func present(_ key: String) -> JSONCursor? {
        guard let member = optional(key), !member.isNull else { return nil }
        return member
    }

    func required(_ key: String, hint: String? = nil) throws(SourceError) -> JSONCursor {
        guard let member = optional(key) else {
            var memberPath = cursor.path
            JSONPath.append(.key(key), to: &memberPath)
            throw SourceError(file: cursor.file, position: cursor.value.position, field: memberPath,
                              message: "is missing", hint: hint)
        }
        return member
    }
}
