import Testing
@testable import SignoffTUI

struct ThemeParsingTests {
    @Test(arguments: [
        ("black on cyan bold", Style(foreground: .named(.black), background: .named(.cyan), bold: true)),
        ("#ff5f5f bold", Style(foreground: .rgb(red: 0xFF, green: 0x5F, blue: 0x5F), bold: true)),
        ("244", Style(foreground: .index(244))),
        ("default on default", Style(foreground: .default, background: .default)),
        ("on blue", Style(background: .named(.blue))),
        ("bright-white on 24 underline dim", Style(foreground: .named(.brightWhite), background: .index(24), underline: true, dim: true)),
        ("reverse bold", Style(bold: true, reverse: true)),
        ("plain", Style.plain),
        ("Bright_Red", Style(foreground: .named(.brightRed))),
    ])
    func styles(text: String, expected: Style) throws {
        #expect(try ThemeFile.parseStyle(text) == expected)
    }

    @Test func styleDescriptionParsesBackToTheSameStyle() throws {
        for role in Role.allCases {
            let style = Theme.default[role]
            #expect(try ThemeFile.parseStyle(style.description) == style)
        }
    }

    @Test func commentsBlankLinesAndHexColoursLiveTogether() throws {
        let file = try ThemeFile.parse("""
            # heading comment
              # indented comment

            denied = #ff5f5f bold   # shown in the queue
            dim=244
            status-bar = white on blue\r
            """, source: "t.theme")
        #expect(file.entries[.denied]?.style == Style(foreground: .rgb(red: 255, green: 95, blue: 95), bold: true))
        #expect(file.entries[.denied]?.line == 4)
        #expect(file.entries[.dim]?.style == Style(foreground: .index(244)))
        #expect(file.entries[.statusBar]?.style == Style(foreground: .named(.white), background: .named(.blue)))
    }

    @Test func overridingSomeRolesKeepsTheRestFromTheBase() throws {
        let file = try ThemeFile.parse("""
            extends = default
            selection = black on yellow
            """, source: "mine.theme")
        #expect(file.extends?.name == "default")
        let theme = try Theme(name: "mine", file: file, base: .default)
        #expect(theme[.selection] == Style(foreground: .named(.black), background: .named(.yellow)))
        for role in Role.allCases where role != .selection {
            #expect(theme[role] == Theme.default[role])
        }
    }

    @Test func aThemeWithoutBaseMustSetEveryRole() throws {
        let file = try ThemeFile.parse("normal = plain\n", source: "bare.theme")
        #expect(throws: ThemeError.self) { try Theme(name: "bare", file: file, base: nil) }
    }

    /// Each bad file is refused with the line to fix and a reason a user can act on.
    @Test(arguments: [
        ("normal = plain\nselction = reverse\n", 2, ThemeError.Problem.unknownRole("selction", suggestion: "selection"),
         "bad.theme:2: unknown role 'selction' (did you mean 'selection'?)"),
        ("frobnicate = bold\n", 1, .unknownRole("frobnicate", suggestion: nil), "bad.theme:1: unknown role 'frobnicate'"),
        ("\n\ndenied = rde bold\n", 3, .unknownColor("rde", suggestion: "red"),
         "bad.theme:3: unknown colour 'rde' (did you mean 'red'?)"),
        ("denied = red on mauve\n", 1, .unknownColor("mauve", suggestion: nil), "bad.theme:1: unknown colour 'mauve'"),
        ("denied = red blod\n", 1, .unknownAttribute("blod", suggestion: "bold"),
         "bad.theme:1: unknown attribute 'blod' (did you mean 'bold'?)"),
        ("denied = red sparkly\n", 1, .unknownAttribute("sparkly", suggestion: nil), "bad.theme:1: unknown attribute 'sparkly'"),
        ("# c\ndim = 256\n", 2, .indexOutOfRange("256"), "bad.theme:2: colour index 256 is out of range; use 0-255"),
        ("dim = -1\n", 1, .indexOutOfRange("-1"), "bad.theme:1: colour index -1 is out of range"),
        ("dim = #12345\n", 1, .badHexColor("#12345"), "bad.theme:1: '#12345' is not a colour"),
        ("dim = #gg0000\n", 1, .badHexColor("#gg0000"), "bad.theme:1: '#gg0000' is not a colour"),
        ("dim = 244\nnormal = plain\ndim = 245\n", 3, .duplicateRole("dim", firstLine: 1),
         "bad.theme:3: 'dim' is set twice (first on line 1)"),
        ("extends = default\nextends = light\n", 2, .duplicateExtends(firstLine: 1), "bad.theme:2: 'extends' is set twice"),
        ("selection black\n", 1, .notKeyValue("selection black"), "bad.theme:1: expected 'role = style'"),
        ("selection =\n", 1, .missingValue(key: "selection"), "bad.theme:1: 'selection' has no value"),
        ("selection = black on\n", 1, .missingColorAfterOn, "bad.theme:1: 'on' must be followed by a background colour"),
        ("selection = black cyan\n", 1, .twoForegrounds("black", "cyan"), "bad.theme:1: two foreground colours"),
        ("selection = on black on cyan\n", 1, .twoBackgrounds("black", "cyan"), "bad.theme:1: two background colours"),
        ("extends = ../etc\n", 1, .badThemeName("../etc"), "bad.theme:1: '../etc' is not a theme name"),
    ])
    func badFilesAreRefusedWithTheirLine(text: String, line: Int, problem: ThemeError.Problem, message: String) {
        let error = #expect(throws: ThemeError.self) {
            try ThemeFile.parse(text, source: "bad.theme")
        }
        #expect(error?.line == line)
        #expect(error?.problem == problem)
        #expect(error?.description.hasPrefix(message) == true, "\(String(describing: error))")
    }
}
