// libyaml's events, as `YAMLAnchors` reads them: the same reader that then
// composes the file, so both agree on where each key is.
import CYaml

/// Where a key given twice in one mapping is given the second time, and its
/// whole path (`subject.name`, `[1].subject.name`). Yams refuses such a file
/// while composing it and names one mark, the first key's: the one the
/// writer meant to keep, more often than not. This is read only for a file
/// Yams refused that way, and names the key found repeated first in the
/// file's order.
enum YAMLDuplicateKeys {
    struct Found: Equatable {
        var path: String
        /// 1-based, as editors show it; the column counts characters.
        var position: SourcePosition
        var first: SourcePosition
    }

    private enum Frame {
        case mapping(path: String, seen: [String: SourcePosition], key: String?, expectingKey: Bool)
        case sequence(path: String, index: Int)
    }

    static func first(in text: String) -> Found? {
        var stack: [Frame] = []
        /// The path of the node that comes next, in the frame on top.
        func nextPath() -> String {
            switch stack.last {
            case let .mapping(path, _, key, expectingKey):
                // A key that is itself a mapping or list: rare, and named as `?`.
                let name = expectingKey ? "?" : key ?? "?"
                return path.isEmpty ? name : "\(path).\(name)"
            case let .sequence(path, index): return "\(path)[\(index)]"
            case nil: return ""
            }
        }
        /// A whole node (a value, or a key that is not text) was read in the frame on top.
        func advance() {
            switch stack.last {
            case let .mapping(path, seen, _, expectingKey):
                stack[stack.count - 1] = .mapping(path: path, seen: seen, key: nil, expectingKey: !expectingKey)
            case let .sequence(path, index):
                stack[stack.count - 1] = .sequence(path: path, index: index + 1)
            case nil: break
            }
        }
        return YAMLEvents.first(in: text) { event, position -> Found? in
            let type = event.type
            if type == YAML_SCALAR_EVENT, case let .mapping(path, _, _, true) = stack.last {
                let scalar = event.data.scalar
                let key = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
                // Taken out of the stack to be changed in place: a copy per key would make a large mapping quadratic.
                guard case .mapping(_, var seen, _, _) = stack.removeLast() else { return nil }
                if let first = seen[key] { return Found(path: path.isEmpty ? key : "\(path).\(key)", position: position, first: first) }
                seen[key] = position
                stack.append(.mapping(path: path, seen: seen, key: key, expectingKey: false))
            } else if type == YAML_MAPPING_START_EVENT {
                stack.append(.mapping(path: nextPath(), seen: [:], key: nil, expectingKey: true))
            } else if type == YAML_SEQUENCE_START_EVENT {
                stack.append(.sequence(path: nextPath(), index: 0))
            } else if type == YAML_MAPPING_END_EVENT || type == YAML_SEQUENCE_END_EVENT {
                _ = stack.popLast()
                advance()
            } else if type == YAML_SCALAR_EVENT || type == YAML_ALIAS_EVENT {
                advance()
            } else if type == YAML_DOCUMENT_START_EVENT {
                stack.removeAll()
            }
            // The stream's other events carry no node.
            return nil
        }
    }
}
