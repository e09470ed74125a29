import Foundation

/// Finds themes by name or path: `--theme NAME|PATH`.
///
/// A value containing `/` or ending in `.theme` is a file path. Otherwise it is
/// a name, looked up first as `NAME.theme` in the user's theme folder and then
/// among the built-in themes, so a user can replace a built-in by copying it.
/// Roles a theme does not set come from the theme it `extends`, or else from the
/// built-in default.
public struct ThemeCatalog: Sendable {
    /// `$XDG_CONFIG_HOME/signoff/themes`, else `~/.config/signoff/themes`.
    public var userFolder: String?

    public init(userFolder: String?) {
        self.userFolder = userFolder
    }

    public init(environment: [String: String]) {
        if let config = environment["XDG_CONFIG_HOME"], config.hasPrefix("/") {
            userFolder = config + "/signoff/themes"
        } else if let home = environment["HOME"], !home.isEmpty {
            userFolder = home + "/.config/signoff/themes"
        } else {
            userFolder = nil
        }
    }

    public func load(_ nameOrPath: String) throws(ThemeError) -> Theme {
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".theme") {
            let fileName = nameOrPath.split(separator: "/").last.map(String.init) ?? nameOrPath
            let name = fileName.hasSuffix(".theme") ? String(fileName.dropLast(6)) : fileName
            return try loadFile(path: nameOrPath, name: name, chain: [])
        }
        guard ThemeFile.isThemeName(nameOrPath) else {
            throw ThemeError(source: "--theme", problem: .badThemeName(nameOrPath))
        }
        return try loadNamed(nameOrPath, chain: [], requestedBy: nil)
    }

    /// `chain` holds the themes being loaded, outermost first, to detect cycles
    /// and to let `default.theme` in the user folder extend the built-in default.
    private func loadNamed(_ name: String, chain: [Link], requestedBy: (source: String, line: Int)?) throws(ThemeError) -> Theme {
        if let userFolder {
            let path = userFolder + "/" + name + ".theme"
            if FileManager.default.fileExists(atPath: path), !chain.contains(where: { $0.id == path }) {
                return try loadFile(path: path, name: name, chain: chain)
            }
        }
        let builtInID = "built-in:" + name
        if let text = BuiltinThemes.texts[name], !chain.contains(where: { $0.id == builtInID }) {
            let link = Link(id: builtInID, name: name)
            return try build(text: text, source: "built-in theme '\(name)'", link: link, chain: chain)
        }
        if chain.contains(where: { $0.name == name }), let requestedBy {
            throw ThemeError(source: requestedBy.source, line: requestedBy.line,
                             problem: .inheritanceCycle(chain.map(\.name) + [name]))
        }
        let searched = userFolder.map { [$0] } ?? []
        throw ThemeError(source: requestedBy?.source ?? "--theme", line: requestedBy?.line,
                         problem: .notFound(name: name, searched: searched, builtIns: Theme.builtInNames))
    }

    private func loadFile(path: String, name: String, chain: [Link]) throws(ThemeError) -> Theme {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "not readable UTF-8 text" : "no such file"
            throw ThemeError(source: path, problem: .unreadable(reason))
        }
        return try build(text: text, source: path, link: Link(id: path, name: name), chain: chain)
    }

    private func build(text: String, source: String, link: Link, chain: [Link]) throws(ThemeError) -> Theme {
        let file = try ThemeFile.parse(text, source: source)
        let chain = chain + [link]
        let base: Theme?
        if let extends = file.extends {
            base = try loadNamed(extends.name, chain: chain, requestedBy: (source, extends.line))
        } else if link.id == "built-in:default" {
            base = nil
        } else {
            // Without `extends`, missing roles come from the built-in default, so a
            // user's own default.theme never changes other themes behind their back.
            let defaultLink = Link(id: "built-in:default", name: "default")
            base = try build(text: BuiltinThemes.defaultText, source: "built-in theme 'default'",
                             link: defaultLink, chain: [])
        }
        return try Theme(name: link.name, file: file, base: base)
    }

    private struct Link {
        var id: String
        var name: String
    }
}
