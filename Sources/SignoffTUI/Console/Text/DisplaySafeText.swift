import SignoffCore

/// The console's two uses of `DisplaySafe`: one-line cells, where a newline is
/// as dangerous as an escape, and wrapped blocks, where it starts a new line.
enum DisplaySafeText {
    static func line(_ raw: String, style: DisplaySafe.Style) -> String {
        DisplaySafe.text(raw, style: style)
    }

    static func block(_ raw: String, style: DisplaySafe.Style) -> String {
        DisplaySafe.text(raw, style: style, keepNewlines: true)
    }
}
