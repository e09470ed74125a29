import SignoffCore
import Yams

/// YAML exports (Kubernetes manifests and lists) read with the project's YAML
/// reader, as JSON values with their positions, so one reader serves both
/// `kubectl -o json` and `-o yaml`. Plain scalars are typed as YAML 1.2's core
/// schema types them (null, booleans, numbers); quoted ones are text.
enum YAMLExport {
    /// Every document of the file.
    static func documents(_ file: ExportFile) throws(SourceError) -> [JSONValue] {
        var values: [JSONValue] = []
        // No alias reaches here (`YAMLSource` refuses anchors and aliases), so
        // every value is spelt out in the file: none expands into billions.
        for document in try YAMLSource.documents(text: file.text, file: file.name) {
            values.append(try convert(document.node, file: file.name, path: "$"))
        }
        guard !values.isEmpty else { throw SourceError(file: file.name, position: nil, field: "", message: "is empty") }
        return values
    }

    private static func position(_ node: Node) -> SourcePosition {
        node.mark.map { SourcePosition(line: $0.line, column: $0.column) } ?? SourcePosition(line: 1, column: 1)
    }

    private static func convert(_ node: Node, file: String, path: String, depth: Int = 0) throws(SourceError) -> JSONValue {
        let at = position(node)
        guard depth < JSONParser.maximumDepth else {
            throw SourceError(file: file, position: at, field: path, message: "nests deeper than \(JSONParser.maximumDepth) levels")
        }
        switch node {
        case let .scalar(scalar):
            if scalar.string.unicodeScalars.contains("\u{0}") {
                throw SourceError(file: file, position: at, field: path, message: "contains a NUL character",
                                  hint: "signoff stores values exactly and cannot store NUL; the export was altered")
            }
            guard scalar.style == .plain else { return JSONValue(.string(scalar.string), position: at) }
            switch scalar.string {
            case "", "~", "null", "Null", "NULL": return JSONValue(.null, position: at)
            case "true", "True", "TRUE": return JSONValue(.bool(true), position: at)
            case "false", "False", "FALSE": return JSONValue(.bool(false), position: at)
            default:
                if Int(scalar.string) != nil || Double(scalar.string) != nil, scalar.string.first.map({ $0.isNumber || $0 == "-" }) == true {
                    return JSONValue(.number(scalar.string), position: at)
                }
                return JSONValue(.string(scalar.string), position: at)
            }
        case let .sequence(sequence):
            var elements: [JSONValue] = []
            for (offset, element) in sequence.enumerated() {
                elements.append(try convert(element, file: file, path: "\(path)[\(offset)]", depth: depth + 1))
            }
            return JSONValue(.array(elements), position: at)
        case let .mapping(mapping):
            var members: [(key: String, value: JSONValue)] = []
            var keys: Set<String> = []
            for (keyNode, valueNode) in mapping {
                guard case let .scalar(key) = keyNode else {
                    throw SourceError(file: file, position: position(keyNode), field: path, message: "has a key that is not plain text")
                }
                var memberPath = path
                JSONPath.append(.key(key.string), to: &memberPath)
                guard keys.insert(key.string).inserted else {
                    throw SourceError(file: file, position: position(keyNode), field: memberPath, message: "appears twice in one mapping",
                                      hint: "an export never repeats a key; the file was altered")
                }
                members.append((key.string, try convert(valueNode, file: file, path: memberPath, depth: depth + 1)))
            }
            return JSONValue(.object(members), position: at)
        case .alias:
            throw SourceError(file: file, position: at, field: path, message: "uses a YAML alias",
                              hint: "exports spell every value out; aliases are not accepted")
        }
    }
}
