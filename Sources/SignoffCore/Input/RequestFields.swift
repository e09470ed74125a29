/// A request's fields as an import builds them (a Jira ticket through its
/// mapping): each value under its request-file name, every one of them text
/// `SecretScan` has already read (`ScannedText`). `RequestFile.request(from:)`
/// holds them to exactly the rules of a request file, with the same messages;
/// errors name `file` (the ticket) and the field, without a line.
public struct RequestFields: Sendable {
    /// What errors name as the file: the ticket.
    public let file: String
    private var values: [(name: String, value: ScannedText)] = []
    private var labels: [(name: ScannedText, value: ScannedText)] = []
    private var triggers: [(name: ScannedText, ref: ScannedText)] = []

    public init(file: String) { self.file = file }

    /// A field by its request-file name: `system`, or `subject.kind` inside `subject`.
    public mutating func set(_ name: String, _ value: ScannedText) { values.append((name, value)) }

    /// A label: its name and value are request text too.
    public mutating func label(_ name: ScannedText, _ value: ScannedText) { labels.append((name, value)) }

    /// A revocation trigger (`ticket_closed`) and what it refers to.
    public mutating func trigger(_ name: ScannedText, ref: ScannedText) { triggers.append((name, ref)) }

    /// The fields as the request reader walks them: `subject.kind` inside
    /// `subject`, then `labels` and `revocation_triggers`, in the order given.
    var root: Node {
        var entries: [(key: String, value: Node)] = []
        // `subject` is the one group a request has; a short list, searched.
        var groups: [(name: String, entries: [(key: String, value: Node)])] = []
        entries.reserveCapacity(values.count + 3)
        for (name, value) in values {
            guard let dot = name.utf8.firstIndex(of: UInt8(ascii: ".")) else {
                entries.append((name, Node(.text(value), file, name)))
                continue
            }
            let group = String(name[..<dot])
            let entry = (key: String(name[name.index(after: dot)...]), value: Node(.text(value), file, name))
            if let index = groups.firstIndex(where: { $0.name == group }) {
                groups[index].entries.append(entry)
            } else {
                groups.append((group, [entry]))
            }
        }
        for group in groups { entries.append((group.name, Node(.mapping(group.entries), file, group.name))) }
        if !labels.isEmpty {
            entries.append(("labels", Node(.mapping(labels.map { ($0.name.text, Node(.text($0.value), file, "labels.\($0.name.text)")) }),
                                           file, "labels")))
        }
        if !triggers.isEmpty {
            let items = triggers.enumerated().map { index, trigger in
                let path = "revocation_triggers[\(index)]"
                return Node(.mapping([("trigger", Node(.text(trigger.name), file, path + ".trigger")),
                                      ("ref", Node(.text(trigger.ref), file, path + ".ref"))]), file, path)
            }
            entries.append(("revocation_triggers", Node(.list(items), file, "revocation_triggers")))
        }
        return Node(.mapping(entries), file, "")
    }

    /// One value of the fields, with its path for messages.
    struct Node: RequestInput {
        indirect enum Value {
            case text(ScannedText)
            case mapping([(key: String, value: Node)])
            case list([Node])
        }

        let value: Value
        let file: String
        let path: String

        init(_ value: Value, _ file: String, _ path: String) {
            self.value = value
            self.file = file
            self.path = path
        }

        var scalarText: String? {
            if case let .text(text) = value { return text.text }
            return nil
        }

        var kindName: String {
            switch value {
            case .text: "a single value"
            case .mapping: "a mapping"
            case .list: "a list"
            }
        }

        func error(_ message: String, hint: String?) -> SourceError {
            SourceError(file: file, position: nil, field: path, message: message, hint: hint)
        }

        func list() throws(SourceError) -> [Node] {
            guard case let .list(items) = value else { throw error("expected a list, found \(kindName)") }
            return items
        }

        func mapping() throws(SourceError) -> RequestFields.Fields {
            guard case let .mapping(entries) = value else { throw error("expected a mapping of field: value, found \(kindName)") }
            for (index, entry) in entries.enumerated() where entries[..<index].contains(where: { $0.key == entry.key }) {
                throw entry.value.error("appears twice", hint: "each field may be given once")
            }
            return RequestFields.Fields(owner: self, entries: entries)
        }

        /// Every text was scanned when it was made (`ScannedText`): nothing is scanned again.
        static func scanned(_ request: AccessRequest, from map: RequestFields.Fields, subject: RequestFields.Fields,
                            subjectNode: Node) throws(SourceError) -> ScannedRequest {
            ScannedRequest(fieldsScanned: request)
        }
    }

    struct Fields: RequestInputFields {
        let owner: Node
        let entries: [(key: String, value: Node)]

        var keys: [String] { entries.map(\.key) }

        func optional(_ key: String) -> Node? { entries.first { $0.key == key }?.value }

        func required(_ key: String, hint: String?) throws(SourceError) -> Node {
            guard let value = optional(key) else {
                throw SourceError(file: owner.file, position: nil, field: path(of: key, under: owner.path),
                                  message: "is required but missing", hint: hint)
            }
            return value
        }

        func rejectUnknown(_ known: [String]) throws(SourceError) {
            for entry in entries where !known.contains(entry.key) {
                let unknown = Self.unknown(entry.key, known: known)
                throw entry.value.error(unknown.message, hint: unknown.hint)
            }
        }
    }
}
