/// Why a theme could not be used, with the file and line to fix.
public struct ThemeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file path, or `built-in theme 'NAME'`.
    public var source: String
    /// 1-based line, when the problem is on one line.
    public var line: Int?
    public var problem: Problem

    public init(source: String, line: Int? = nil, problem: Problem) {
        self.source = source
        self.line = line
        self.problem = problem
    }

    public enum Problem: Error, Sendable, Hashable {
        case notKeyValue(String)
        case missingValue(key: String)
        case unknownRole(String, suggestion: String?)
        case duplicateRole(String, firstLine: Int)
        case duplicateExtends(firstLine: Int)
        case unknownColor(String, suggestion: String?)
        case unknownAttribute(String, suggestion: String?)
        case indexOutOfRange(String)
        case badHexColor(String)
        case missingColorAfterOn
        case twoForegrounds(String, String)
        case twoBackgrounds(String, String)
        case badThemeName(String)
        case missingRoles([String])
        case inheritanceCycle([String])
        case notFound(name: String, searched: [String], builtIns: [String])
        case unreadable(String)
    }

    public var description: String {
        let place = line.map { "\(source):\($0)" } ?? source
        return "\(place): \(message)"
    }

    public var message: String {
        func didYouMean(_ suggestion: String?) -> String {
            suggestion.map { " (did you mean '\($0)'?)" } ?? ""
        }
        switch problem {
        case .notKeyValue(let text):
            return "expected 'role = style', found '\(text)'"
        case .missingValue(let key):
            return "'\(key)' has no value; write e.g. '\(key) = default' or '\(key) = plain'"
        case .unknownRole(let name, let suggestion):
            return "unknown role '\(name)'\(didYouMean(suggestion))"
        case .duplicateRole(let name, let firstLine):
            return "'\(name)' is set twice (first on line \(firstLine))"
        case .duplicateExtends(let firstLine):
            return "'extends' is set twice (first on line \(firstLine))"
        case .unknownColor(let word, let suggestion):
            return "unknown colour '\(word)'\(didYouMean(suggestion)); "
                + "use a name such as 'red' or 'bright-blue', 0-255, #rrggbb, or 'default'"
        case .unknownAttribute(let word, let suggestion):
            return "unknown attribute '\(word)'\(didYouMean(suggestion)); attributes are bold, reverse, underline, dim"
        case .indexOutOfRange(let word):
            return "colour index \(word) is out of range; use 0-255"
        case .badHexColor(let word):
            return "'\(word)' is not a colour; write RGB colours as #rrggbb"
        case .missingColorAfterOn:
            return "'on' must be followed by a background colour"
        case .twoForegrounds(let first, let second):
            return "two foreground colours, '\(first)' and '\(second)'; put 'on' before a background"
        case .twoBackgrounds(let first, let second):
            return "two background colours, '\(first)' and '\(second)'"
        case .badThemeName(let name):
            return "'\(name)' is not a theme name; names use letters, digits, '-' and '_'"
        case .missingRoles(let roles):
            return "a base theme must set every role; missing: \(roles.joined(separator: ", "))"
        case .inheritanceCycle(let chain):
            return "themes extend each other in a circle: \(chain.joined(separator: " -> "))"
        case .notFound(let name, let searched, let builtIns):
            let places = searched.isEmpty ? "" : " in \(searched.joined(separator: ", ")) or"
            return "no theme named '\(name)'\(places) among the built-ins (\(builtIns.joined(separator: ", ")))"
        case .unreadable(let reason):
            return "cannot read the theme file: \(reason)"
        }
    }
}
