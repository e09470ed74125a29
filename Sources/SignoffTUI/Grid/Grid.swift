/// One screen cell: a grapheme and its role. The right half of a wide character
/// is a continuation cell that is never written to the terminal.
public struct Cell: Sendable, Hashable {
    public var text: String
    public var role: Role
    public var isContinuation: Bool

    public init(text: String = " ", role: Role = .normal, isContinuation: Bool = false) {
        self.text = text
        self.role = role
        self.isContinuation = isContinuation
    }

    public static let blank = Cell()
}

public struct Size: Sendable, Hashable {
    public var width: Int
    public var height: Int
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }
}

/// A frame of cells that the view draws into and the terminal backend blits.
/// Writing never overflows the given bounds and never leaves half a wide character.
public struct Grid: Sendable, Hashable {
    public let size: Size
    public private(set) var cells: [Cell]

    public init(size: Size) {
        self.size = size
        self.cells = Array(repeating: .blank, count: max(0, size.width) * max(0, size.height))
    }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * size.width + x] }
        set { cells[y * size.width + x] = newValue }
    }

    /// Writes `text` at (x, y) clipped to `maxWidth` columns; returns the columns used.
    /// A wide character that would not fit whole is replaced by a space. Text must
    /// already be display-safe (see `DisplaySafe`); unsafe scalars are dropped here
    /// as a last line of defence.
    @discardableResult
    public mutating func write(_ text: String, x: Int, y: Int, maxWidth: Int? = nil, role: Role = .normal) -> Int {
        guard y >= 0, y < size.height, x < size.width else { return 0 }
        let limit = min(size.width, x + (maxWidth ?? size.width))
        var column = x
        var full = false
        /// Puts one cell's scalars (`CharacterWidth.forEachCell`) at `column`.
        func put(_ text: String, width: Int) {
            if width == 0 {
                // Marks (or a format character): attach to the previous cell's grapheme.
                if column > x, column - 1 >= 0 {
                    var index = column - 1
                    while index > x, self[index, y].isContinuation { index -= 1 }
                    for scalar in text.unicodeScalars where !isUnsafeScalar(scalar) { self[index, y].text.unicodeScalars.append(scalar) }
                }
                return
            }
            if column + width > limit {
                if column < limit { self[column, y] = Cell(text: " ", role: role) }
                column = limit
                full = true
                return
            }
            if column >= 0 {
                clearWide(at: column, y: y)
                self[column, y] = Cell(text: text, role: role)
                if width == 2 {
                    clearWide(at: column + 1, y: y)
                    self[column + 1, y] = Cell(text: "", role: role, isContinuation: true)
                }
            }
            column += width
        }
        for character in text {
            let scalars = character.unicodeScalars
            if scalars.count == 1, let only = scalars.first, only.value >= 0x20, only.value < 0x7F {
                put(String(character), width: 1)
            } else {
                CharacterWidth.forEachCell(of: character) { cell, width in if !full { put(String(cell), width: width) } }
            }
            if full { break }
        }
        return column - x
    }

    /// Fills a rectangle with spaces of `role`.
    public mutating func fill(x: Int, y: Int, width: Int, height: Int, role: Role) {
        for row in max(0, y)..<min(size.height, y + height) {
            for column in max(0, x)..<min(size.width, x + width) {
                self[column, row] = Cell(text: " ", role: role)
            }
        }
    }

    /// Sets the role of existing cells without changing their text.
    public mutating func paint(x: Int, y: Int, width: Int, role: Role) {
        guard y >= 0, y < size.height else { return }
        for column in max(0, x)..<min(size.width, x + width) {
            self[column, y].role = role
        }
    }

    /// Overwriting either half of a wide character blanks the other half.
    private mutating func clearWide(at x: Int, y: Int) {
        guard x >= 0, x < size.width else { return }
        if self[x, y].isContinuation, x > 0 {
            self[x - 1, y] = Cell(text: " ", role: self[x - 1, y].role)
        }
        if x + 1 < size.width, self[x + 1, y].isContinuation {
            self[x + 1, y] = Cell(text: " ", role: self[x + 1, y].role)
        }
    }

    /// Never attached to a cell: controls, and format characters (which a
    /// view should have shown as placeholders, `DisplaySafe`).
    private func isUnsafeScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.properties.generalCategory == .format
    }

    /// The grid as plain text lines (continuation cells omitted), for snapshot tests.
    public var lines: [String] {
        (0..<size.height).map { y in
            var line = ""
            for x in 0..<size.width where !self[x, y].isContinuation { line += self[x, y].text }
            return line
        }
    }
}
