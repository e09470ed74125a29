import Foundation

/// What the request reader (`RequestFile.request`) reads: a YAML node of a
/// request file (`LocatedNode`), or the fields an import built directly
/// (`RequestFields`). The rules and their messages are written once, against
/// this, so a ticket's fields are held to exactly what a request file is,
/// without being turned into YAML and read back.
protocol RequestInput {
    associatedtype Fields: RequestInputFields where Fields.Node == Self

    /// The text of a single value; nil for a mapping, a list or an alias.
    var scalarText: String? { get }
    /// What the value is, for messages: `a single value`, `a mapping`, ...
    var kindName: String { get }
    func error(_ message: String, hint: String?) -> SourceError
    func list() throws(SourceError) -> [Self]
    func mapping() throws(SourceError) -> Fields

    /// The request read from `map`, scanned for credentials: a finding is an
    /// error at the field that holds it, never quoting the value.
    static func scanned(_ request: AccessRequest, from map: Fields, subject: Fields,
                        subjectNode: Self) throws(SourceError) -> ScannedRequest
}

/// A mapping of field: value, as `RequestInput.mapping()` gives it.
protocol RequestInputFields {
    associatedtype Node: RequestInput

    /// The mapping itself, for errors about it as a whole.
    var owner: Node { get }
    var keys: [String] { get }
    func optional(_ key: String) -> Node?
    func required(_ key: String, hint: String?) throws(SourceError) -> Node
    func rejectUnknown(_ known: [String]) throws(SourceError)
}

extension RequestInputFields {
    func required(_ key: String) throws(SourceError) -> Node { try required(key, hint: nil) }

    /// The message and hint for a field not in `known`, naming the closest valid spelling.
    static func unknown(_ key: String, known: [String]) -> (message: String, hint: String) {
        let suggestion = closest(to: key, in: known).map { "did you mean \"\($0)\"? " } ?? ""
        return ("unknown field", "\(suggestion)valid fields: \(known.joined(separator: ", "))")
    }

    /// The field path of `key` in this mapping, for "is required but missing".
    func path(of key: String, under path: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
}

private let blank = CharacterSet.whitespacesAndNewlines

/// The rules for single values, the same whatever the input.
extension RequestInput {
    func error(_ message: String) -> SourceError { error(message, hint: nil) }

    /// The scalar text exactly as given. Text signoff cannot store or show
    /// faithfully (`StorableText`) is refused here, whatever field it is for.
    func text(shape: StorableText.Shape = .line) throws(SourceError) -> String {
        guard let text = scalarText else { throw error("expected text, found \(kindName)") }
        if let problem = StorableText.problem(in: text, shape: shape) {
            throw error(problem.message, hint: StorableText.hint)
        }
        return text
    }

    /// A scalar that must not be empty once whitespace is ignored. The value
    /// itself is returned untouched: request fields are stored exactly as given.
    /// Free text (`.multiline`) may hold line breaks and tabs.
    func nonEmptyText(maxLength: Int = Limits.fieldLength, shape: StorableText.Shape = .line) throws(SourceError) -> String {
        let text = try text(shape: shape)
        // Blank: every character whitespace (what trimming would leave empty),
        // tested scalar by scalar rather than by making a trimmed copy.
        if text.unicodeScalars.allSatisfy(blank.contains) {
            throw error("must not be empty")
        }
        // No more scalars than UTF-8 bytes: only a long text needs counting.
        if text.utf8.count > maxLength, case let count = text.unicodeScalars.count, count > maxLength {
            throw error("is \(count) characters long", hint: "at most \(maxLength) are allowed")
        }
        return text
    }

    func flag() throws(SourceError) -> Bool {
        let text = try text()
        guard text == "true" || text == "false" else { throw error("expected true or false, found \"\(text)\"") }
        return text == "true"
    }
}
