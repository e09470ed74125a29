import SignoffTUI

/// Aligned columns under a header, for the text of `list` and `grants`.
/// Cells must already be display-safe; free text is cut at its column's
/// maximum (JSON output keeps every value whole).
struct TextTable {
    struct Column {
        var title: String
        /// The widest a cell may be; nil for values of known, short width.
        var maximum: Int?
    }

    var columns: [Column]
    private var rows: [[String]] = []

    init(_ columns: [Column]) {
        self.columns = columns
    }

    mutating func add(_ cells: [String]) {
        rows.append(cells)
    }

    /// The header, then one line per row; columns two spaces apart, the last one not padded.
    func lines() -> [String] {
        let ellipsis = Terminal.style == .unicode ? "…" : "~"
        let cells = rows.map { row in
            columns.indices.map { index -> String in
                let text = index < row.count ? row[index] : ""
                guard let maximum = columns[index].maximum else { return text }
                return TextLayout.truncate(text, width: maximum, ellipsis: ellipsis)
            }
        }
        let widths = columns.indices.map { index in
            cells.reduce(CharacterWidth.of(columns[index].title)) { max($0, CharacterWidth.of($1[index])) }
        }
        func line(_ values: [String]) -> String {
            var text = ""
            for (index, value) in values.enumerated() {
                if index > 0 { text += "  " }
                text += value
                if index < values.count - 1 {
                    text += String(repeating: " ", count: max(0, widths[index] - CharacterWidth.of(value)))
                }
            }
            return text
        }
        return [line(columns.map(\.title))] + cells.map(line)
    }
}
