import Foundation
import Testing
@testable import SignoffTUI

/// The built-in themes: each parses, covers every role, and matches its file.
struct ThemeBuiltinTests {
    static let themesFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("themes")

    static let required = ["default", "light", "high-contrast", "colorblind", "monochrome"]

    @Test func theRequiredThemesAreBuiltIn() {
        #expect(Set(Self.required).isSubset(of: Set(Theme.builtInNames)))
    }

    @Test func eachFileInThemesIsEmbeddedVerbatim() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.themesFolder.path)
            .filter { $0.hasSuffix(".theme") }
        let names = files.map { String($0.dropLast(".theme".count)) }
        #expect(Set(names) == Set(BuiltinThemes.texts.keys), "themes/ and BuiltinThemes.swift list different themes")
        for name in names {
            let text = try String(contentsOf: Self.themesFolder.appendingPathComponent(name + ".theme"), encoding: .utf8)
            #expect(BuiltinThemes.texts[name] == text, "themes/\(name).theme differs from its copy in BuiltinThemes.swift")
        }
    }

    @Test(arguments: required)
    func builtInParses(name: String) throws {
        let theme = try #require(try Theme.builtIn(named: name))
        #expect(theme.name == name)
    }

    @Test func defaultSetsEveryRoleItself() throws {
        let file = try ThemeFile.parse(BuiltinThemes.defaultText, source: "default")
        #expect(file.extends == nil)
        let missing = Role.allCases.filter { file.entries[$0] == nil }
        #expect(missing.isEmpty, "default.theme does not set \(missing)")
    }

    @Test func monochromeUsesNoColourAndSetsEveryRole() throws {
        let file = try ThemeFile.parse(BuiltinThemes.monochromeText, source: "monochrome")
        #expect(Role.allCases.allSatisfy { file.entries[$0] != nil })
        #expect(!Theme.monochrome.usesColor)
    }

    /// A user must be able to tell these apart in every built-in theme, with or
    /// without colour.
    @Test(arguments: required)
    func statesLookDifferent(name: String) throws {
        let theme = try #require(try Theme.builtIn(named: name))
        let groups: [[Role]] = [
            [.normal, .pending, .approved, .denied, .blocked, .breakGlass],
            [.normal, .selection, .selectionUnfocused],
            [.normal, .riskHigh, .riskMedium],
            [.normal, .match, .failedSearch],
            [.normal, .error, .success],
        ]
        for group in groups {
            let styles = group.map { theme[$0] }
            #expect(Set(styles).count == group.count, "\(name): \(group) are not all distinct")
        }
    }

    @Test func colourBlindThemeNeverContrastsRedWithGreen() throws {
        let theme = try #require(try Theme.builtIn(named: "colorblind"))
        let forbidden: Set<ThemeColor> = [
            .named(.red), .named(.green), .named(.brightRed), .named(.brightGreen),
        ]
        for role in [Role.approved, .denied, .riskHigh, .riskMedium, .success, .error, .pending, .blocked] {
            let style = theme[role]
            #expect(!forbidden.contains(style.foreground ?? .default), "\(role) uses red or green")
            #expect(!forbidden.contains(style.background ?? .default), "\(role) uses red or green")
        }
        // Denial is also marked by shape, not only by hue.
        #expect(theme[.denied].underline && !theme[.approved].underline)
    }

    @Test func monochromeReplacesColouredThemesWithoutColour() throws {
        #expect(Theme.default.displayed(at: .monochrome) == Theme.monochrome)
        #expect(Theme.default.displayed(at: .ansi16) == Theme.default)
    }

    @Test func roleOrdinalsFollowDeclarationOrder() {
        #expect(Role.allCases.map(\.ordinal) == Array(0..<Role.allCases.count))
    }
}
