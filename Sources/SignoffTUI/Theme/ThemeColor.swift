/// A colour as a theme names it. How it is shown depends on what the terminal
/// can do; see `ColorDepth` and `PaletteColor`.
public enum ThemeColor: Sendable, Hashable {
    /// The terminal's own foreground or background, so themes can follow the
    /// user's terminal palette and transparency.
    case `default`
    /// A palette entry, 0–255 (0–15 are the terminal's configurable basic colours).
    case index(UInt8)
    case rgb(red: UInt8, green: UInt8, blue: UInt8)
    case named(NamedColor)
}

/// The sixteen basic colours, which every colour terminal can show and whose
/// exact shade the user chooses in their terminal settings.
public enum NamedColor: Int, CaseIterable, Sendable, Hashable {
    case black, red, green, yellow, blue, magenta, cyan, white
    case brightBlack, brightRed, brightGreen, brightYellow, brightBlue, brightMagenta, brightCyan, brightWhite

    /// The spelling used in theme files: `red`, `bright-red`.
    public var name: String {
        let base = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"][rawValue % 8]
        return rawValue < 8 ? base : "bright-" + base
    }

    public init?(name: String) {
        guard let found = NamedColor.allCases.first(where: { $0.name == name }) else { return nil }
        self = found
    }
}

extension ThemeColor: CustomStringConvertible {
    /// The spelling used in theme files.
    public var description: String {
        switch self {
        case .default: return "default"
        case .index(let value): return String(value)
        case .named(let color): return color.name
        case .rgb(let red, let green, let blue):
            return "#" + [red, green, blue].map { value in
                let digits = String(value, radix: 16)
                return digits.count == 1 ? "0" + digits : digits
            }.joined()
        }
    }
}
