import Testing
@testable import SignoffTUI

/// How theme colours land on terminals with 256, 16, 8 or no colours.
struct ThemeColorTests {
    static func rgb(_ hex: Int) -> ThemeColor {
        .rgb(red: UInt8(hex >> 16), green: UInt8((hex >> 8) & 0xFF), blue: UInt8(hex & 0xFF))
    }

    @Test(arguments: [
        // Exact cube and grey entries map to themselves.
        (0xFF5F5F, 203), (0x005FAF, 25), (0x000000, 16), (0xFFFFFF, 231), (0x808080, 244), (0x080808, 232),
        // Near misses go to the closest neighbour.
        (0xE69F00, 178), (0x56B4E9, 74), (0x7F7F7F, 244), (0x303031, 236), (0xFE0101, 196),
    ])
    func nearestIn256Colours(hex: Int, index: Int) {
        #expect(Self.rgb(hex).palette(for: .palette256) == PaletteColor(index: index))
    }

    @Test(arguments: [
        (0xFF5F5F, 9), (0xC00000, 1), (0x00AF00, 2), (0x0000AA, 4), (0x56B4E9, 14),
        (0xE69F00, 11), (0xAF8700, 3), (0x808080, 8), (0xEEEEEE, 7), (0x101010, 0), (0xFFFFFF, 15),
        (0x5F005F, 5), (0xFF87FF, 13),
    ])
    func nearestIn16Colours(hex: Int, index: Int) {
        #expect(Self.rgb(hex).palette(for: .ansi16) == PaletteColor(index: index))
    }

    /// On 8-colour terminals a bright foreground becomes its base colour in bold;
    /// a bright background simply becomes its base colour.
    @Test func eightColoursFoldBrightIntoBold() {
        #expect(Self.rgb(0xFF5F5F).palette(for: .ansi8) == PaletteColor(index: 1, needsBold: true))
        #expect(Self.rgb(0xC00000).palette(for: .ansi8) == PaletteColor(index: 1))
        #expect(ThemeColor.named(.brightBlack).palette(for: .ansi8) == PaletteColor(index: 0, needsBold: true))
        #expect(ThemeColor.named(.brightBlue).palette(for: .ansi8, foreground: false) == PaletteColor(index: 4))
        #expect(ThemeColor.index(244).palette(for: .ansi8) == PaletteColor(index: 0, needsBold: true))
        #expect(ThemeColor.index(6).palette(for: .ansi8) == PaletteColor(index: 6))
    }

    @Test func indexedColoursDegradeToTheNearestBasicColour() {
        #expect(ThemeColor.index(196).palette(for: .ansi16) == PaletteColor(index: 9))
        #expect(ThemeColor.index(25).palette(for: .ansi16) == PaletteColor(index: 4))
        #expect(ThemeColor.index(13).palette(for: .ansi16) == PaletteColor(index: 13))
        #expect(ThemeColor.index(200).palette(for: .palette256) == PaletteColor(index: 200))
    }

    @Test func namedAndDefaultColoursPassThrough() {
        #expect(ThemeColor.named(.cyan).palette(for: .palette256) == PaletteColor(index: 6))
        #expect(ThemeColor.named(.brightCyan).palette(for: .ansi16) == PaletteColor(index: 14))
        for depth in [ColorDepth.monochrome, .ansi8, .ansi16, .palette256] {
            #expect(ThemeColor.default.palette(for: depth) == .terminalDefault)
        }
        #expect(ThemeColor.named(.red).palette(for: .monochrome) == .terminalDefault)
    }

    @Test(arguments: [
        (ColorMode.automatic, true, 256, [String: String](), ColorDepth.palette256),
        (.automatic, true, 88, [:], .ansi16),
        (.automatic, true, 16, [:], .ansi16),
        (.automatic, true, 8, [:], .ansi8),
        (.automatic, false, 0, [:], .monochrome),
        (.automatic, true, 256, ["NO_COLOR": "1"], .monochrome),
        (.automatic, true, 256, ["NO_COLOR": ""], .palette256),
        (.monochrome, true, 256, [:], .monochrome),
    ])
    func colourDepth(mode: ColorMode, hasColors: Bool, count: Int, environment: [String: String], expected: ColorDepth) {
        #expect(ColorDepth.choose(mode: mode, hasColors: hasColors, colorCount: count, environment: environment) == expected)
    }
}

/// Themes are written for 256 colours; on smaller palettes the states must
/// still look different once every colour has been approximated.
struct ThemeDegradationTests {
    struct Shown: Hashable {
        var foreground: PaletteColor
        var background: PaletteColor
        var bold, reverse, underline, dim: Bool
    }

    static func shown(_ style: Style, at depth: ColorDepth) -> Shown {
        let foreground = (style.foreground ?? .default).palette(for: depth)
        return Shown(
            foreground: PaletteColor(index: foreground.index),
            background: (style.background ?? .default).palette(for: depth, foreground: false),
            bold: style.bold || foreground.needsBold, reverse: style.reverse, underline: style.underline, dim: style.dim)
    }

    @Test(arguments: Theme.builtInNames, [ColorDepth.ansi8, .ansi16, .palette256])
    func statesStayDistinct(name: String, depth: ColorDepth) throws {
        let theme = try #require(try Theme.builtIn(named: name)).displayed(at: depth)
        for group: [Role] in [
            [.normal, .pending, .approved, .denied, .blocked, .breakGlass],
            [.normal, .selection, .selectionUnfocused],
            [.normal, .riskHigh, .riskMedium],
        ] {
            let shown = group.map { Self.shown(theme[$0], at: depth) }
            #expect(Set(shown).count == group.count, "\(name) at \(depth): \(group) collapse")
        }
    }
}
