import Foundation
import SignoffCore

/// Everything the command line prints goes through here, so untrusted request
/// text can never reach the terminal raw.
enum Terminal {
    static func line(_ text: String = "") {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// Messages quote input (request fields, file contents, names): they
    /// are made display-safe here, once, whatever built them.
    static func error(_ text: String) {
        FileHandle.standardError.write(Data(("signoff: " + safeLines(text) + "\n").utf8))
    }

    /// Untrusted text made visible-safe for a terminal line.
    static func safe(_ text: String) -> String { DisplaySafe.text(text, style: style) }

    /// Untrusted multi-line text: newlines kept, everything else made safe.
    static func safeLines(_ text: String) -> String { DisplaySafe.text(text, style: style, keepNewlines: true) }

    static var style: DisplaySafe.Style {
        let env = ProcessInfo.processInfo.environment
        let locale = env["LC_ALL"] ?? env["LC_CTYPE"] ?? env["LANG"] ?? ""
        return locale.uppercased().contains("UTF-8") || locale.uppercased().contains("UTF8") ? .unicode : .ascii
    }

    /// JSON for scripts: exact values, with every scalar a terminal could act
    /// on escaped as `\u009b`-style escapes (JSONEncoder leaves C1 controls and bidi
    /// overrides raw). The result is still valid JSON with the same values.
    static func json<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.format(date))
        }
        let text = String(decoding: try encoder.encode(value), as: UTF8.self)
        line(escapeForJSON(text))
    }

    static func escapeForJSON(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value > 0x7E && DisplaySafe.isUnsafe($0) }) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            if scalar.value > 0x7E && DisplaySafe.isUnsafe(scalar) {
                for unit in String(scalar).utf16 { result += String(format: "\\u%04x", unit) }
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
