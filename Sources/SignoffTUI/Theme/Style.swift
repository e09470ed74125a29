/// How one role looks: optional colours plus the four attributes that every
/// terminal, even a monochrome one, can show.
public struct Style: Sendable, Hashable {
    /// nil leaves the colour to the terminal, the same as `.default`.
    public var foreground: ThemeColor?
    public var background: ThemeColor?
    public var bold: Bool
    public var reverse: Bool
    public var underline: Bool
    public var dim: Bool

    public init(
        foreground: ThemeColor? = nil, background: ThemeColor? = nil,
        bold: Bool = false, reverse: Bool = false, underline: Bool = false, dim: Bool = false
    ) {
        self.foreground = foreground
        self.background = background
        self.bold = bold
        self.reverse = reverse
        self.underline = underline
        self.dim = dim
    }

    public static let plain = Style()

    /// Whether the style names any colour other than the terminal's default.
    public var usesColor: Bool {
        [foreground, background].contains { color in color != nil && color != .default }
    }

    /// The same style with colours dropped, for terminals that cannot show them.
    public var attributesOnly: Style {
        Style(bold: bold, reverse: reverse, underline: underline, dim: dim)
    }
}

extension Style: CustomStringConvertible {
    /// The spelling used in theme files, e.g. `black on cyan bold`.
    public var description: String {
        var words: [String] = []
        if let foreground { words.append(foreground.description) }
        if let background { words += ["on", background.description] }
        if bold { words.append("bold") }
        if reverse { words.append("reverse") }
        if underline { words.append("underline") }
        if dim { words.append("dim") }
        return words.isEmpty ? "plain" : words.joined(separator: " ")
    }
}
