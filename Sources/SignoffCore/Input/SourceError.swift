/// A position in an input file, 1-based, as editors show it.
public struct SourcePosition: Sendable, Hashable, Codable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
    public var description: String { "\(line):\(column)" }
}

/// One problem in an input file: where it is, which field, what is wrong and what
/// would be valid. Errors are values so callers can print, count or test them.
public struct SourceError: Error, Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var position: SourcePosition?
    /// Dotted path of the field, e.g. `requests[2].subject.kind`; empty for the whole file.
    public var field: String
    public var message: String
    /// What would be valid, or what to do next.
    public var hint: String?

    public init(file: String, position: SourcePosition?, field: String, message: String, hint: String? = nil) {
        self.file = file
        self.position = position
        self.field = field
        self.message = message
        self.hint = hint
    }

    public var description: String {
        var text = file
        if let position { text += ":\(position.line):\(position.column)" }
        text += ": "
        if !field.isEmpty { text += "\(field): " }
        text += message
        if let hint { text += " (\(hint))" }
        return text
    }
}

/// Several problems found in one input; a file with any of them is refused whole.
public struct SourceErrors: Error, Sendable, Hashable, CustomStringConvertible {
    public var errors: [SourceError]
    public init(_ errors: [SourceError]) { self.errors = errors }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
