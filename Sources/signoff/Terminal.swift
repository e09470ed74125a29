import Foundation
import SignoffCore

/// Everything the command line prints goes through here, so untrusted request
/// text can never reach the terminal raw: every line, message and error is
/// passed through `DisplaySafe` (line feeds kept) on its way out, whatever it
/// quotes and whether or not its writer remembered to make it safe.
enum Terminal {
    static func line(_ text: String = "") {
        FileHandle.standardOutput.write(Data((DisplaySafe.text(text, style: style, keepNewlines: true) + "\n").utf8))
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data(("signoff: " + DisplaySafe.text(text, style: style, keepNewlines: true) + "\n").utf8))
    }

    /// Set once, before the command runs, when it prints JSON: a script that
    /// reads stderr then finds only the JSON error document there.
    nonisolated(unsafe) static var printsJSON = false

    /// A warning about the store that does not stop the command, on stderr;
    /// none for a command that prints JSON (`audit verify` names the same).
    static func warning(_ text: String) {
        guard !printsJSON else { return }
        error("warning: " + text)
    }

    /// Text already made safe in its own way (JSON with `\u` escapes), written as it is.
    static func raw(_ text: String, to handle: FileHandle = .standardOutput) {
        handle.write(Data(text.utf8))
    }

    /// Untrusted text made visible-safe for a terminal line.
    static func safe(_ text: String) -> String { DisplaySafe.text(text, style: style) }

    /// An untrusted value quoted in an error message: kept exact (the
    /// message is made safe on its way to the terminal, and escaped in the
    /// JSON error document) but for line feeds, shown as `\n`, so that a
    /// value cannot start a line of its own.
    static func quoted(_ value: String) -> String { value.replacingOccurrences(of: "\n", with: "\\n") }

    /// Untrusted multi-line text: newlines kept, everything else made safe.
    static func safeLines(_ text: String) -> String { DisplaySafe.text(text, style: style, keepNewlines: true) }

    /// Read once: a long list makes several cells safe per line.
    static let style: DisplaySafe.Style = {
        let env = ProcessInfo.processInfo.environment
        let locale = (env["LC_ALL"] ?? env["LC_CTYPE"] ?? env["LANG"] ?? "").uppercased()
        return locale.contains("UTF-8") || locale.contains("UTF8") ? .unicode : .ascii
    }()
}
