import Foundation
import Testing
@testable import SignoffTUI

/// `--theme NAME|PATH`: paths, the user's folder, then the built-ins.
struct ThemeResolutionTests {
    /// A fresh folder per test, removed afterwards.
    final class Folder {
        let path: String
        init() throws {
            path = FileManager.default.temporaryDirectory
                .appendingPathComponent("signoff-theme-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }

        @discardableResult
        func write(_ name: String, _ text: String) throws -> String {
            let file = path + "/" + name
            try FileManager.default.createDirectory(
                atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            return file
        }
    }

    @Test func userFolderComesFromXDGConfigHomeThenHome() {
        #expect(ThemeCatalog(environment: ["XDG_CONFIG_HOME": "/cfg", "HOME": "/home/a"]).userFolder
                == "/cfg/signoff/themes")
        #expect(ThemeCatalog(environment: ["HOME": "/home/a"]).userFolder == "/home/a/.config/signoff/themes")
        // A relative XDG_CONFIG_HOME is invalid by the spec and ignored.
        #expect(ThemeCatalog(environment: ["XDG_CONFIG_HOME": "cfg", "HOME": "/home/a"]).userFolder
                == "/home/a/.config/signoff/themes")
        #expect(ThemeCatalog(environment: [:]).userFolder == nil)
    }

    @Test func builtInIsFoundByName() throws {
        let folder = try Folder()
        let theme = try ThemeCatalog(userFolder: folder.path).load("light")
        #expect(theme == (try Theme.builtIn(named: "light")))
    }

    @Test func userFolderBeatsBuiltIn() throws {
        let folder = try Folder()
        try folder.write("signoff/themes/light.theme", "selection = black on green\n")
        let catalog = ThemeCatalog(environment: ["XDG_CONFIG_HOME": folder.path])
        let theme = try catalog.load("light")
        #expect(theme.name == "light")
        #expect(theme[.selection] == Style(foreground: .named(.black), background: .named(.green)))
        // Without extends, the rest comes from the built-in default, not the built-in light.
        #expect(theme[.approved] == Theme.default[.approved])
    }

    @Test func aUserDefaultCanExtendTheBuiltInDefault() throws {
        let folder = try Folder()
        try folder.write("default.theme", "extends = default\ntitle = red\n")
        let theme = try ThemeCatalog(userFolder: folder.path).load("default")
        #expect(theme[.title] == Style(foreground: .named(.red)))
        #expect(theme[.selection] == Theme.default[.selection])
    }

    @Test func extendsFindsUserThemesAndBuiltIns() throws {
        let folder = try Folder()
        try folder.write("base.theme", "extends = light\nborder = 1\n")
        try folder.write("mine.theme", "extends = base\ntitle = 2\n")
        let theme = try ThemeCatalog(userFolder: folder.path).load("mine")
        let light = try #require(try Theme.builtIn(named: "light"))
        #expect(theme[.title] == Style(foreground: .index(2)))
        #expect(theme[.border] == Style(foreground: .index(1)))
        #expect(theme[.selection] == light[.selection])
    }

    @Test func aPathIsReadAsAFile() throws {
        let folder = try Folder()
        let path = try folder.write("team/ops.theme", "denied = #ff0000\n")
        let theme = try ThemeCatalog(userFolder: nil).load(path)
        #expect(theme.name == "ops")
        #expect(theme[.denied] == Style(foreground: .rgb(red: 255, green: 0, blue: 0)))
        // A name ending in .theme is a path too, even without a slash; it is not
        // looked up in the user folder.
        try folder.write("plain.theme", "denied = blue\n")
        #expect(throws: ThemeError.self) {
            try ThemeCatalog(userFolder: folder.path).load("plain.theme")
        }
    }

    @Test func anUnknownNameListsWhereItLooked() throws {
        let folder = try Folder()
        let error = #expect(throws: ThemeError.self) { try ThemeCatalog(userFolder: folder.path).load("solarized") }
        #expect(error?.problem == .notFound(name: "solarized", searched: [folder.path], builtIns: Theme.builtInNames))
        #expect(error?.description.contains("colorblind, default, high-contrast, light, monochrome") == true)
    }

    @Test func aMissingFileSaysSo() {
        let error = #expect(throws: ThemeError.self) { try ThemeCatalog(userFolder: nil).load("./nowhere.theme") }
        #expect(error?.description == "./nowhere.theme: cannot read the theme file: no such file")
    }

    @Test func anErrorInAUserThemeNamesItsFileAndLine() throws {
        let folder = try Folder()
        let path = try folder.write("broken.theme", "# mine\n\nselection = black on cyna\n")
        let error = #expect(throws: ThemeError.self) { try ThemeCatalog(userFolder: folder.path).load("broken") }
        #expect(error?.source == path)
        #expect(error?.line == 3)
        #expect(error?.problem == .unknownColor("cyna", suggestion: "cyan"))
    }

    @Test func extendingAMissingThemePointsAtTheExtendsLine() throws {
        let folder = try Folder()
        let path = try folder.write("mine.theme", "title = bold\nextends = nosuch\n")
        let error = #expect(throws: ThemeError.self) { try ThemeCatalog(userFolder: folder.path).load("mine") }
        #expect(error?.source == path)
        #expect(error?.line == 2)
    }

    @Test func themesThatExtendEachOtherAreRefused() throws {
        let folder = try Folder()
        try folder.write("a.theme", "extends = b\n")
        try folder.write("b.theme", "extends = a\n")
        let error = #expect(throws: ThemeError.self) { try ThemeCatalog(userFolder: folder.path).load("a") }
        #expect(error?.problem == .inheritanceCycle(["a", "b", "a"]))
        #expect(error?.line == 1)
    }

    @Test func aNameWithOddCharactersIsRefused() {
        let error = #expect(throws: ThemeError.self) { try ThemeCatalog(userFolder: nil).load("dark mode") }
        #expect(error?.problem == .badThemeName("dark mode"))
    }
}
