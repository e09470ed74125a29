import SignoffTUI

/// Aligned columns under a header, for the text of `list` and `grants`,
/// written as rows arrive so a long list starts at once and memory stays flat.
/// Column widths are settled by the titles and the first `settleAfter` rows; a
/// later, wider cell pushes the rest of its own line rather than being cut
/// further. Cells must already be display-safe; free text is cut at its
/// column's maximum (JSON output keeps every value whole).
struct TextTable {
    struct Column {
        var title: String
        /// The widest a cell may be; nil for values of known, short width.
        var maximum: Int?
    }

    static let settleAfter = 256

    let columns: [Column]
    private let write: (String) throws -> Void
    private var pending: [[String]] = []
    private var widths: [Int]?
    private let ellipsis = Terminal.style == .unicode ? "…" : "~"

    /// `write` receives each finished line: the header, then one per row.
    init(_ columns: [Column], write: @escaping (String) throws -> Void) {
        self.columns = columns
        self.write = write
    }

    mutating func add(_ row: [String]) throws {
        let cells = columns.indices.map { index -> String in
            let text = index < row.count ? row[index] : ""
            guard let maximum = columns[index].maximum else { return text }
            return TextLayout.truncate(text, width: maximum, ellipsis: ellipsis)
        }
        if let widths { return try write(Self.line(cells, widths)) }
        pending.append(cells)
        if pending.count >= Self.settleAfter { try settle() }
    }

    /// Writes what is still held back (a table of fewer than `settleAfter` rows).
    mutating func finish() throws {
        if widths == nil { try settle() }
    }

    private mutating func settle() throws {
        let widths = columns.indices.map { index in
            pending.reduce(CharacterWidth.of(columns[index].title)) { max($0, CharacterWidth.of($1[index])) }
        }
        self.widths = widths
        try write(Self.line(columns.map(\.title), widths))
        for cells in pending { try write(Self.line(cells, widths)) }
        pending = []
    }

    /// Columns two spaces apart, the last one not padded.
    private static func line(_ values: [String], _ widths: [Int]) -> String {
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
}
