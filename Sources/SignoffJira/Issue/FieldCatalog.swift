import Foundation

/// Which field id carries which name on one Jira site. Custom field ids differ
/// from site to site (`customfield_10070` here is `customfield_12102` there),
/// so a mapping may name a field the way people see it, and the name is
/// resolved here: from `GET /rest/api/N/field`, an issue's `editmeta`, a
/// `createmeta` response (either shape), or the `names` map that
/// `expand=names` adds to issues and search pages.
public struct FieldCatalog: Sendable {
    public struct Field: Sendable, Hashable {
        public var id: String
        public var name: String
        /// The option values Jira allows, where the metadata lists them.
        public var allowedValues: [String]
    }

    /// By id, in the order first seen.
    public private(set) var fields: [String: Field] = [:]
    private var order: [String] = []

    public init() {}

    public var isEmpty: Bool { fields.isEmpty }
    public var all: [Field] { order.compactMap { fields[$0] } }

    /// Adds a field (a later source with more detail fills in what an earlier one lacked).
    public mutating func add(id: String, name: String, allowedValues: [String] = []) {
        guard !id.isEmpty, !name.isEmpty else { return }
        if var known = fields[id] {
            if known.allowedValues.isEmpty { known.allowedValues = allowedValues }
            fields[id] = known
        } else {
            fields[id] = Field(id: id, name: name, allowedValues: allowedValues)
            order.append(id)
        }
    }

    /// Reads every shape of field metadata Jira returns; returns how many fields it found.
    @discardableResult
    public mutating func read(_ value: JSONValue) -> Int {
        let before = fields.count
        switch value.kind {
        case .array:
            // GET /rest/api/N/field: [{"id", "name", ...}]
            for element in value.elements { addDescribed(element, id: element["id"]?.stringValue) }
        case .object:
            if let described = value["fields"] {
                readFields(described)                             // editmeta; new createmeta
            }
            if let values = value["values"], values.kind == .array {
                readFields(values)                                // paged createmeta (fieldId)
            }
            for project in value["projects"]?.elements ?? [] {    // old createmeta
                for type in project["issuetypes"]?.elements ?? [] {
                    if let described = type["fields"] { readFields(described) }
                }
            }
            if let names = value["names"], names.kind == .object { readNames(names) }
            if value["fields"] == nil, value["values"] == nil, value["projects"] == nil, value["names"] == nil,
               value["key"] == nil {
                readNames(value)                                  // a bare names map {"customfield_1": "Name"}
            }
        case .string, .number, .true, .false, .null:
            break
        }
        return fields.count - before
    }

    /// An `expand=names` map: `{"customfield_10070": "Identity kind"}`.
    public mutating func readNames(_ names: JSONValue) {
        for (id, value) in names.members {
            if let name = value.stringValue { add(id: id, name: name) }
        }
    }

    private mutating func readFields(_ described: JSONValue) {
        switch described.kind {
        case .object:
            for (id, field) in described.members { addDescribed(field, id: field["key"]?.stringValue ?? id) }
        case .array:
            for field in described.elements {
                addDescribed(field, id: field["fieldId"]?.stringValue ?? field["key"]?.stringValue ?? field["id"]?.stringValue)
            }
        case .string, .number, .true, .false, .null:
            break
        }
    }

    private mutating func addDescribed(_ field: JSONValue, id: String?) {
        guard let id, let name = field["name"]?.stringValue else { return }
        let allowed = (field["allowedValues"]?.elements ?? []).compactMap { option -> String? in
            option.stringValue ?? option["value"]?.stringValue ?? option["name"]?.stringValue
        }
        add(id: id, name: name, allowedValues: allowed)
    }

    /// The ids whose name is `name` (compared without regard to case).
    public func ids(named name: String) -> [String] {
        let wanted = name.lowercased()
        return order.filter { fields[$0]?.name.lowercased() == wanted }
    }

    /// The field's name, or its id when the catalogue does not know it.
    public func label(_ id: String) -> String {
        guard let name = fields[id]?.name, name != id else { return id }
        return "\(name) (\(id))"
    }
}
