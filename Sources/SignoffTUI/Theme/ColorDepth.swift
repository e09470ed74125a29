/// What the user asked for: colours when the terminal has them, or none at all
/// (a `--no-color` flag, for instance).
public enum ColorMode: Sendable, Hashable {
    case automatic
    case monochrome
}

/// How many colours the terminal can show, which decides how theme colours are
/// approximated.
public enum ColorDepth: Int, Sendable, Hashable, Comparable {
    case monochrome = 0
    case ansi8 = 8
    case ansi16 = 16
    case palette256 = 256

    public static func < (lhs: ColorDepth, rhs: ColorDepth) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The depth to draw with. `NO_COLOR` set to anything non-empty means no
    /// colour (no-color.org); ncurses does not look at it, so the app must.
    public static func choose(
        mode: ColorMode, hasColors: Bool, colorCount: Int, environment: [String: String]
    ) -> ColorDepth {
        if mode == .monochrome || !hasColors { return .monochrome }
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return .monochrome }
        switch colorCount {
        case 256...: return .palette256
        case 16..<256: return .ansi16
        case 8..<16: return .ansi8
        default: return .monochrome
        }
    }
}

/// A theme colour reduced to what a terminal of some depth can show.
public struct PaletteColor: Sendable, Hashable {
    /// Palette index, or nil for the terminal's default colour.
    public var index: Int?
    /// On 8-colour terminals a bright foreground is shown as its base colour in
    /// bold, the way those terminals have always shown bright text; otherwise a
    /// bright-black "dim" foreground would be black on black.
    public var needsBold: Bool

    public init(index: Int?, needsBold: Bool = false) {
        self.index = index
        self.needsBold = needsBold
    }

    public static let terminalDefault = PaletteColor(index: nil)
}

extension ThemeColor {
    /// The nearest colour a terminal of `depth` can show. `foreground` matters
    /// only on 8-colour terminals, where bright foregrounds become bold.
    public func palette(for depth: ColorDepth, foreground: Bool = true) -> PaletteColor {
        let index: Int
        switch self {
        case .default:
            return .terminalDefault
        case .named(let color):
            index = color.rawValue
        case .index(let value):
            index = depth == .palette256 || value < 16
                ? Int(value)
                : Palette.nearestBasic(Palette.rgb(ofIndex: Int(value)))
        case .rgb(let red, let green, let blue):
            let color = (Int(red), Int(green), Int(blue))
            index = depth == .palette256 ? Palette.nearest256(color) : Palette.nearestBasic(color)
        }
        switch depth {
        case .monochrome:
            return .terminalDefault
        case .ansi8 where index >= 8:
            return PaletteColor(index: index - 8, needsBold: foreground)
        default:
            return PaletteColor(index: index)
        }
    }
}

/// xterm's palette, used to find the nearest available colour. The basic sixteen
/// vary between terminals; xterm's defaults are the usual reference.
public enum Palette {
    public typealias RGB = (red: Int, green: Int, blue: Int)

    static let basic: [RGB] = [
        (0x00, 0x00, 0x00), (0xCD, 0x00, 0x00), (0x00, 0xCD, 0x00), (0xCD, 0xCD, 0x00),
        (0x00, 0x00, 0xEE), (0xCD, 0x00, 0xCD), (0x00, 0xCD, 0xCD), (0xE5, 0xE5, 0xE5),
        (0x7F, 0x7F, 0x7F), (0xFF, 0x00, 0x00), (0x00, 0xFF, 0x00), (0xFF, 0xFF, 0x00),
        (0x5C, 0x5C, 0xFF), (0xFF, 0x00, 0xFF), (0x00, 0xFF, 0xFF), (0xFF, 0xFF, 0xFF),
    ]

    /// Channel levels of the 6×6×6 colour cube at indices 16–231.
    static let cubeLevels = [0, 95, 135, 175, 215, 255]

    /// The RGB value xterm gives a palette index.
    public static func rgb(ofIndex index: Int) -> RGB {
        switch index {
        case ..<16:
            return basic[max(0, index)]
        case 16..<232:
            let cube = index - 16
            return (cubeLevels[cube / 36], cubeLevels[(cube / 6) % 6], cubeLevels[cube % 6])
        default:
            let level = 8 + 10 * (min(index, 255) - 232)
            return (level, level, level)
        }
    }

    /// Nearest entry of the colour cube or grey ramp (16–255). The basic sixteen
    /// are left out because users recolour them.
    public static func nearest256(_ color: RGB) -> Int {
        func nearestLevel(_ value: Int) -> Int {
            var best = 0
            for (position, level) in cubeLevels.enumerated()
            where abs(level - value) < abs(cubeLevels[best] - value) {
                best = position
            }
            return best
        }
        let r = nearestLevel(color.red), g = nearestLevel(color.green), b = nearestLevel(color.blue)
        let cubeIndex = 16 + 36 * r + 6 * g + b
        let average = (color.red + color.green + color.blue) / 3
        let greyStep = min(23, max(0, (average - 8 + 5) / 10))
        let greyIndex = 232 + greyStep
        return distance(color, rgb(ofIndex: greyIndex)) < distance(color, rgb(ofIndex: cubeIndex))
            ? greyIndex : cubeIndex
    }

    /// The basic colour (0–15) that a reader would call the same colour. Chosen
    /// by hue and lightness rather than by distance: a distance measure sends
    /// light saturated colours such as #ff5f5f to grey, which loses the meaning
    /// that a red "denied" carries.
    public static func nearestBasic(_ color: RGB) -> Int {
        let high = max(color.red, color.green, color.blue)
        let low = min(color.red, color.green, color.blue)
        if high - low < 48 {
            // Grey: black, dark grey, light grey or white by lightness.
            let greys = [(0, 0), (8, 0x7F), (7, 0xE5), (15, 0xFF)]
            let lightness = (color.red + color.green + color.blue) / 3
            return greys.min { abs($0.1 - lightness) < abs($1.1 - lightness) }!.0
        }
        // Each channel that reaches 60% of the strongest one is part of the hue;
        // the bits are the ANSI order: red 1, green 2, blue 4.
        func strong(_ channel: Int) -> Bool { channel * 5 >= high * 3 }
        var hue = 0
        if strong(color.red) { hue |= 1 }
        if strong(color.green) { hue |= 2 }
        if strong(color.blue) { hue |= 4 }
        let bright = high >= 0xE6 || low >= 0x80
        return bright ? hue + 8 : hue
    }

    /// Squared distance weighted for how the eye sees red, green and blue
    /// ("redmean"); used within the 256-colour cube, where every hue is present.
    static func distance(_ a: RGB, _ b: RGB) -> Int {
        let meanRed = (a.red + b.red) / 2
        let dr = a.red - b.red, dg = a.green - b.green, db = a.blue - b.blue
        return (((512 + meanRed) * dr * dr) >> 8) + 4 * dg * dg + (((767 - meanRed) * db * db) >> 8)
    }
}
