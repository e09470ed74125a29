import SignoffCore

/// One parsed theme file, before inheritance is applied.
///
/// The format, one setting a line:
///
///     # a comment
///     extends   = default            # base theme for roles not set here
///     selection = black on cyan bold
///     denied    = #ff5f5f bold
///     dim       = 244
///
/// A style is an optional foreground colour, optionally `on` a background
/// colour, then any of `bold reverse underline dim`; `plain` is no style at all.
/// Colours are `default`, the names `black red green yellow blue magenta cyan
/// white` and their `bright-` forms, a palette index 0-255, or `#rrggbb`.
/// A `#` followed by a space, or at the start of a line, begins a comment.
public struct ThemeFile: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        public var style: Style
        public var line: Int
    }

    /// Where the text came from, for error messages.
    public var source: String
    /// The theme named by `extends`, and its line.
    public var extends: Base?
    public var entries: [Role: Entry]

    public struct Base: Sendable, Hashable {
        public var name: String
        public var line: Int
    }

    static let attributeNames = ["bold", "reverse", "underline", "dim"]
    static let colorNames = ["default"] + NamedColor.allCases.map(\.name)

    /// Parses `text`; the first problem found is thrown with its line number.
    public static func parse(_ text: String, source: String) throws(ThemeError) -> ThemeFile {
        var file = ThemeFile(source: source, extends: nil, entries: [:])
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = stripComment(String(rawLine))
            if line.isEmpty { continue }
            func fail(_ problem: ThemeError.Problem) -> ThemeError {
                ThemeError(source: source, line: lineNumber, problem: problem)
            }
            guard let equals = line.firstIndex(of: "=") else { throw fail(.notKeyValue(line)) }
            let key = line[..<equals].trimmingCharacters(in: " \t")
            let value = line[line.index(after: equals)...].trimmingCharacters(in: " \t")
            guard !key.isEmpty, !key.contains(" "), !key.contains("\t") else { throw fail(.notKeyValue(line)) }
            guard !value.isEmpty else { throw fail(.missingValue(key: key)) }

            if key == "extends" {
                if let previous = file.extends { throw fail(.duplicateExtends(firstLine: previous.line)) }
                guard isThemeName(value) else { throw fail(.badThemeName(value)) }
                file.extends = Base(name: value, line: lineNumber)
                continue
            }
            let roleName = String(key.map { $0 == "-" ? "_" : $0 })
            guard let role = Role(rawValue: roleName) else {
                throw fail(.unknownRole(key, suggestion: closest(
                    to: roleName, in: Role.allCases.map(\.rawValue) + ["extends"])))
            }
            if let previous = file.entries[role] {
                throw fail(.duplicateRole(key, firstLine: previous.line))
            }
            do {
                file.entries[role] = Entry(style: try parseStyle(value), line: lineNumber)
            } catch {
                throw fail(error)
            }
        }
        return file
    }

    /// Parses the right-hand side of a line, e.g. `black on cyan bold`.
    public static func parseStyle(_ text: String) throws(ThemeError.Problem) -> Style {
        var style = Style()
        var words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)[...]
        if words == ["plain"] { return style }
        while let word = words.popFirst() {
            let lower = word.lowercased()
            switch lower {
            case "bold": style.bold = true
            case "reverse": style.reverse = true
            case "underline": style.underline = true
            case "dim": style.dim = true
            case "on":
                guard let next = words.popFirst() else { throw .missingColorAfterOn }
                let color = try parseColor(next, afterOn: true)
                if let existing = style.background { throw .twoBackgrounds(existing.description, next) }
                style.background = color
            default:
                let color = try parseColor(word, afterOn: false, foregroundSet: style.foreground != nil)
                if let existing = style.foreground { throw .twoForegrounds(existing.description, word) }
                style.foreground = color
            }
        }
        return style
    }

    /// One colour word. An unknown word is reported as a colour or an attribute
    /// by what it most resembles, or by where it stands.
    static func parseColor(_ word: String, afterOn: Bool, foregroundSet: Bool = false) throws(ThemeError.Problem) -> ThemeColor {
        let lower = word.lowercased()
        if lower == "default" { return .default }
        if let named = NamedColor(name: String(lower.map { $0 == "_" ? "-" : $0 })) { return .named(named) }
        if lower.allSatisfy(\.isASCIIDigit) {
            guard let value = Int(lower), value <= 255 else { throw .indexOutOfRange(word) }
            return .index(UInt8(value))
        }
        if lower.hasPrefix("-"), lower.dropFirst().allSatisfy(\.isASCIIDigit), lower.count > 1 {
            throw .indexOutOfRange(word)
        }
        if lower.hasPrefix("#") {
            let digits = Array(lower.dropFirst())
            guard digits.count == 6, let value = Int(String(digits), radix: 16) else { throw .badHexColor(word) }
            return .rgb(red: UInt8(value >> 16), green: UInt8((value >> 8) & 0xFF), blue: UInt8(value & 0xFF))
        }
        if afterOn { throw .unknownColor(word, suggestion: closest(to: lower, in: colorNames)) }
        if let attribute = closest(to: lower, in: attributeNames) {
            throw .unknownAttribute(word, suggestion: attribute)
        }
        if let color = closest(to: lower, in: colorNames) {
            throw .unknownColor(word, suggestion: color)
        }
        throw foregroundSet ? .unknownAttribute(word, suggestion: nil) : .unknownColor(word, suggestion: nil)
    }

    /// Removes a comment: `#` at the start of the line, or `#` after a space and
    /// followed by a space or the end (so `#ff5f5f` stays a colour).
    static func stripComment(_ line: String) -> String {
        let characters = Array(line)
        var end = characters.count
        for index in characters.indices where characters[index] == "#" {
            let atStart = characters[..<index].allSatisfy { $0 == " " || $0 == "\t" }
            let spaced = index > 0 && (characters[index - 1] == " " || characters[index - 1] == "\t")
            let followedBySpace = index + 1 == characters.count || characters[index + 1] == " " || characters[index + 1] == "\t"
            if atStart || (spaced && followedBySpace) {
                end = index
                break
            }
        }
        return String(characters[..<end]).trimmingCharacters(in: " \t\r")
    }

    static func isThemeName(_ name: String) -> Bool {
        !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

extension StringProtocol {
    /// Trims the given characters from both ends; avoids Foundation's
    /// CharacterSet so the parser stays dependency-free.
    fileprivate func trimmingCharacters(in set: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice.removeFirst() }
        while let last = slice.last, set.contains(last) { slice.removeLast() }
        return String(slice)
    }
}
