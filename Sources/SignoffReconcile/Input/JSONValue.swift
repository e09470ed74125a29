import SignoffCore

/// A JSON value with the line and column it starts at, so every reader can
/// say where in an export something is wrong.
public struct JSONValue: Sendable {
    public enum Kind: Sendable {
        case null
        case bool(Bool)
        /// The number exactly as written.
        case number(String)
        case string(String)
        case array([JSONValue])
        /// Members in file order; keys are unique (duplicates are refused).
        case object([(key: String, value: JSONValue)])
    }

    public var kind: Kind
    public var position: SourcePosition

    public init(_ kind: Kind, position: SourcePosition) {
        self.kind = kind
        self.position = position
    }

    /// `an object`, `a list`, `text`...: what was found, for messages.
    public var kindName: String {
        switch kind {
        case .null: "null"
        case .bool: "true or false"
        case .number: "a number"
        case .string: "text"
        case .array: "a list"
        case .object: "an object"
        }
    }
}

/// One step of a JSON path.
enum JSONPathStep {
    case key(String)
    case index(Int)
}

enum JSONPath {
    /// `$.items[3].roleRef.kind`, with keys that are not plain names quoted: `$["a b"]`.
    static func text(_ steps: [JSONPathStep]) -> String {
        var text = "$"
        for step in steps { append(step, to: &text) }
        return text
    }

    static func append(_ step: JSONPathStep, to text: inout String) {
        switch step {
        case let .index(index):
            text += "[\(index)]"
        case let .key(key):
            if !key.isEmpty, key.utf8.allSatisfy({ byte in
                (0x61...0x7A).contains(byte) || (0x41...0x5A).contains(byte) || (0x30...0x39).contains(byte) || byte == 0x5F || byte == 0x2D
            }) {
                text += ".\(key)"
            } else {
                text += "[\"" + key.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"]"
            }
        }
    }
}
