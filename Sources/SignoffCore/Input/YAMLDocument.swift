import Foundation
import Yams

/// A YAML (or JSON, which is YAML) node with the file and field path it came
/// from, so every reader of policy and request files reports `file:line:column`
/// and the field without repeating that bookkeeping.
public struct LocatedNode {
    public let node: Node
    public let file: String
    public let path: String

    public init(node: Node, file: String, path: String) {
        self.node = node
        self.file = file
        self.path = path
    }

    public var position: SourcePosition? {
        node.mark.map { SourcePosition(line: $0.line, column: $0.column) }
    }

    public func error(_ message: String, hint: String? = nil) -> SourceError {
        SourceError(file: file, position: position, field: path, message: message, hint: hint)
    }

    /// Where this node is, to point an error at it once the node itself is gone.
    public struct Place: Sendable, Hashable {
        public var file: String
        public var position: SourcePosition?
        public var path: String
        public func error(_ message: String, hint: String? = nil) -> SourceError {
            SourceError(file: file, position: position, field: path, message: message, hint: hint)
        }
    }

    public var place: Place { Place(file: file, position: position, path: path) }

    func child(_ node: Node, key: String) -> LocatedNode {
        LocatedNode(node: node, file: file, path: path.isEmpty ? key : "\(path).\(key)")
    }

    func element(_ node: Node, index: Int) -> LocatedNode {
        LocatedNode(node: node, file: file, path: "\(path)[\(index)]")
    }

    public var kindName: String {
        if let notText { return notText }
        switch node {
        case .scalar: return "a single value"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    /// The scalar text exactly as written (after YAML's own quoting rules).
    /// Text signoff cannot store or show faithfully (`StorableText`) is
    /// refused here, with its position, whatever field it is for.
    public func string(shape: StorableText.Shape = .line) throws(SourceError) -> String {
        try text(shape: shape)
    }

    /// A scalar that must not be empty once whitespace is ignored. The value itself
    /// is returned untouched: request fields are stored exactly as given.
    /// Free text (`.multiline`) may hold line breaks and tabs.
    public func nonEmptyString(maxLength: Int = Limits.fieldLength, shape: StorableText.Shape = .line) throws(SourceError) -> String {
        try nonEmptyText(maxLength: maxLength, shape: shape)
    }

    public func int() throws(SourceError) -> Int {
        let text = try string()
        if case let .scalar(scalar) = node, scalar.style != .plain {
            throw error("expected a whole number, found quoted text \"\(text)\"")
        }
        guard let value = Int(text) else { throw error("expected a whole number, found \"\(text)\"") }
        return value
    }

    public func bool() throws(SourceError) -> Bool { try flag() }

    public func list() throws(SourceError) -> [LocatedNode] {
        guard case let .sequence(sequence) = node else {
            throw error("expected a list, found \(kindName)")
        }
        return sequence.enumerated().map { element($0.element, index: $0.offset) }
    }

    /// A list, or a single value read as a one-element list (`approvers: alice`).
    public func listOrSingle() throws(SourceError) -> [LocatedNode] {
        if case .sequence = node { return try list() }
        return [self]
    }

    public func stringList() throws(SourceError) -> [String] {
        var result: [String] = []
        for item in try listOrSingle() { result.append(try item.nonEmptyString()) }
        return result
    }

    public func mapping() throws(SourceError) -> LocatedMapping {
        guard case let .mapping(mapping) = node else {
            throw error("expected a mapping of field: value, found \(kindName)")
        }
        var entries: [(key: String, keyNode: LocatedNode, value: LocatedNode)] = []
        var seen: Set<String> = []
        for (keyNode, valueNode) in mapping {
            let keyLocated = LocatedNode(node: keyNode, file: file, path: path)
            guard case let .scalar(keyScalar) = keyNode else {
                throw keyLocated.error("a field name must be plain text")
            }
            let key = keyScalar.string
            if let problem = StorableText.problem(in: key, shape: .line) {
                throw keyLocated.error("a field name \(problem.message)", hint: StorableText.hint)
            }
            if !seen.insert(key).inserted {
                throw child(keyNode, key: key).error("appears twice", hint: "each field may be given once")
            }
            entries.append((key, child(keyNode, key: key), child(valueNode, key: key)))
        }
        return LocatedMapping(owner: self, entries: entries)
    }
}

/// A mapping whose fields are consumed one by one; whatever is left at the end
/// is an unknown field and is reported with the list of valid ones.
public struct LocatedMapping {
    public let owner: LocatedNode
    var entries: [(key: String, keyNode: LocatedNode, value: LocatedNode)]

    public var keys: [String] { entries.map(\.key) }

    public func optional(_ key: String) -> LocatedNode? {
        entries.first { $0.key == key }?.value
    }

    public func required(_ key: String, hint: String? = nil) throws(SourceError) -> LocatedNode {
        guard let value = optional(key) else {
            throw SourceError(file: owner.file, position: owner.position, field: path(of: key, under: owner.path),
                              message: "is required but missing", hint: hint)
        }
        return value
    }

    /// Refuses any field not in `known`, naming the closest valid spelling.
    public func rejectUnknown(_ known: [String]) throws(SourceError) {
        for entry in entries where !known.contains(entry.key) {
            let unknown = Self.unknown(entry.key, known: known)
            throw entry.keyNode.error(unknown.message, hint: unknown.hint)
        }
    }
}

extension LocatedNode: RequestInput {
    var scalarText: String? {
        if case let .scalar(scalar) = node, notText == nil { return scalar.string }
        return nil
    }

    /// What a single value YAML reads as something other than text is, for
    /// messages: a null (unquoted `~`, `null`, or nothing at all), or a value
    /// with a tag (`!!int 8`, `!!binary ...`); nil for text, and for any
    /// other node. Every value is read as the text written, so such a value
    /// is refused rather than read as the word `null` (a ticket that is not
    /// there) or with its tag ignored.
    var notText: String? {
        guard case let .scalar(scalar) = node else { return nil }
        let tag = Tag.Name(rawValue: scalar.tag.rawValue)
        if tag == .implicit {
            guard scalar.style == .plain, ["", "~", "null", "Null", "NULL"].contains(scalar.string) else { return nil }
            return "null (leave the field out when it has no value, or quote the text)"
        }
        // Quoted text is tagged `str` by the reader; `!` asks for text too.
        if tag == .str || tag == .nonSpecific { return nil }
        return "a value tagged \(scalar.tag.rawValue) (write it untagged)"
    }

    /// A request file is scanned whole once read, so that a finding points at
    /// the line of the field that holds it.
    static func scanned(_ request: AccessRequest, from map: LocatedMapping, subject: LocatedMapping,
                        subjectNode: LocatedNode) throws(SourceError) -> ScannedRequest {
        guard let finding = SecretScan.findings(in: request).first else { return ScannedRequest(fieldsScanned: request) }
        let field = finding.field
        let located: LocatedNode
        if field.hasPrefix("subject.") {
            located = subject.optional(String(field.dropFirst("subject.".count))) ?? subjectNode
        } else if field.hasPrefix("labels."), let labels = map.optional("labels") {
            located = (try? labels.mapping().optional(String(field.dropFirst("labels.".count)))) ?? labels
        } else {
            located = map.optional(String(field.prefix { $0 != "[" })) ?? map.owner
        }
        throw RequestFile.secretError(finding, at: located)
    }
}

extension LocatedMapping: RequestInputFields {}

/// The nearest candidate by edit distance, if it is plausibly a typo. Two
/// letters swapped count as one edit (`lsit` is nearer `list` than `init`).
public func closest(to word: String, in candidates: [String]) -> String? {
    func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        // Rows i-2, i-1 and i of the optimal-string-alignment table.
        var before: [Int] = []
        var previous = Array(0...b.count)
        for (i, ca) in a.enumerated() {
            var current = [i + 1]
            for (j, cb) in b.enumerated() {
                var cost = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (ca == cb ? 0 : 1))
                if i > 0, j > 0, ca == b[j - 1], a[i - 1] == cb { cost = min(cost, before[j - 1] + 1) }
                current.append(cost)
            }
            before = previous
            previous = current
        }
        return previous[b.count]
    }
    let target = Array(word.lowercased())
    let scored = candidates.map { ($0, distance(target, Array($0.lowercased()))) }
    guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, word.count / 3) else { return nil }
    return best.0
}

/// Parses YAML or JSON text into documents, turning parser failures into
/// positioned errors.
public enum YAMLSource {
    /// Anchors and aliases are refused before anything is composed
    /// (`YAMLAnchors`); JSON's surrogate pairs are read as the characters
    /// they stand for (`JSONSurrogates`).
    public static func documents(text: String, file: String) throws(SourceError) -> [LocatedNode] {
        let text = JSONSurrogates.joined(text)
        if let found = YAMLAnchors.first(in: text) { throw YAMLAnchors.error(found, file: file) }
        do {
            // Not `compose_all`: its sequence ends quietly at a syntax error, which
            // would turn a broken file into fewer requests instead of an error.
            let parser = try Parser(yaml: text, resolver: .basic)
            var documents: [LocatedNode] = []
            while let node = try parser.nextRoot() {
                documents.append(LocatedNode(node: node, file: file, path: ""))
            }
            return documents
        } catch let error as YamlError {
            throw sourceError(error, file: file, text: text)
        } catch {
            throw SourceError(file: file, position: nil, field: "", message: "cannot be read as YAML or JSON: \(error)")
        }
    }

    /// Where the byte at `offset` of `text` (as UTF-8) is: its line, and its column in characters.
    static func position(ofByte offset: Int, in text: String) -> SourcePosition {
        var line = 1, column = 1, seen = 0
        for scalar in text.unicodeScalars {
            if seen >= offset { break }
            seen += String(scalar).utf8.count
            if scalar == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        return SourcePosition(line: line, column: column)
    }

    /// The character at a 1-based line and column (in characters), if there is one.
    static func character(at mark: Mark, in text: String) -> Character? {
        guard mark.line >= 1, mark.column >= 1 else { return nil }
        var lines = text.split(maxSplits: mark.line, omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
            .dropFirst(mark.line - 1).makeIterator()
        guard let line = lines.next(), mark.column <= line.count else { return nil }
        return line[line.index(line.startIndex, offsetBy: mark.column - 1)]
    }

    /// libyaml's own wording, where it names its API rather than the input.
    static func readable(_ problem: String) -> String {
        problem.hasPrefix("Maximum nesting level reached") ? "nested too deeply (more levels than a YAML reader takes)" : problem
    }

    /// Decodes bytes as UTF-8, naming the first invalid byte.
    public static func text(from data: Data, file: String) throws(SourceError) -> String {
        if let text = String(data: data, encoding: .utf8) { return text }
        let bytes = [UInt8](data)
        if let offset = UTF8Check.firstInvalidOffset(bytes) {
            let before = bytes[..<offset]
            let line = before.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
            let lineStart = before.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
            throw SourceError(file: file, position: SourcePosition(line: line, column: offset - lineStart + 1), field: "",
                              message: "is not valid UTF-8 (byte offset \(offset))", hint: "save the file as UTF-8")
        }
        throw SourceError(file: file, position: nil, field: "", message: "is not valid UTF-8", hint: "save the file as UTF-8")
    }

    static func sourceError(_ error: YamlError, file: String, text: String) -> SourceError {
        func make(_ problem: String, _ mark: Mark?) -> SourceError {
            SourceError(file: file, position: mark.map { SourcePosition(line: $0.line, column: $0.column) }, field: "",
                        message: "is not valid YAML: \(readable(problem))",
                        hint: mark.flatMap { character(at: $0, in: text) } == "\t" ? "YAML indents with spaces, never tabs: replace the tab with spaces" : nil)
        }
        switch error {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
            return make(problem, mark)
        case let .duplicatedKeysInMapping(duplicates, context):
            // Where it is given again, with its whole path; Yams names only the first key's place.
            if let found = YAMLDuplicateKeys.first(in: text) {
                return SourceError(file: file, position: found.position, field: found.path,
                                   message: "appears twice (first at line \(found.first.line))", hint: "each field may be given once")
            }
            return SourceError(file: file, position: SourcePosition(line: context.mark.line, column: context.mark.column),
                               field: duplicates.joined(separator: ", "), message: "appears twice", hint: "each field may be given once")
        case let .reader(problem, offset, value, _):
            // The reader names a byte offset: said as a line and column, and the character as a code point.
            let character = UInt32(exactly: value).map { " (U+\(DisplaySafe.hex($0, digits: 4)))" } ?? ""
            return SourceError(file: file, position: offset.map { position(ofByte: $0, in: text) }, field: "",
                               message: "is not valid YAML: \(readable(problem))\(character)",
                               hint: "write a control character as an escape in a double-quoted string (\\e, \\x1b), or remove it")
        case .no, .memory, .writer, .emitter, .representer, .dataCouldNotBeDecoded:
            return make("\(error)", nil)
        }
    }
}
