/// A style for every role. The view names roles; a theme decides how each looks.
public struct Theme: Sendable, Hashable {
    public var name: String
    public var styles: RoleTable<Style>

    public init(name: String, styles: RoleTable<Style>) {
        self.name = name
        self.styles = styles
    }

    /// Applies `file` on top of `base`. Without a base the file must set every
    /// role, so that no role is ever left unstyled by accident.
    public init(name: String, file: ThemeFile, base: Theme?) throws(ThemeError) {
        if base == nil {
            let missing = Role.allCases.filter { file.entries[$0] == nil }
            if !missing.isEmpty {
                throw ThemeError(source: file.source, problem: .missingRoles(missing.map(\.rawValue)))
            }
        }
        self.name = name
        self.styles = RoleTable { role in file.entries[role]?.style ?? base?[role] ?? .plain }
    }

    public subscript(role: Role) -> Style {
        get { styles[role] }
        set { styles[role] = newValue }
    }

    /// Whether any role names a colour.
    public var usesColor: Bool { Role.allCases.contains { styles[$0].usesColor } }

    /// The theme to draw with at `depth`. Without colours a coloured theme would
    /// lose the differences between states, so the monochrome theme, which shows
    /// every state with attributes alone, takes its place.
    public func displayed(at depth: ColorDepth) -> Theme {
        depth == .monochrome && usesColor ? .monochrome : self
    }

    /// The names of the themes built into the program.
    public static var builtInNames: [String] { BuiltinThemes.texts.keys.sorted() }

    /// A built-in theme, or nil if there is none of that name.
    public static func builtIn(named name: String) throws(ThemeError) -> Theme? {
        guard BuiltinThemes.texts[name] != nil else { return nil }
        return try ThemeCatalog(userFolder: nil).load(name)
    }

    /// The dark default theme.
    public static let `default`: Theme = builtInOrCrash("default")
    /// Bold, reverse, underline and dim only; used when colour is off.
    public static let monochrome: Theme = builtInOrCrash("monochrome")

    private static func builtInOrCrash(_ name: String) -> Theme {
        do {
            if let theme = try builtIn(named: name) { return theme }
            fatalError("built-in theme '\(name)' is missing")
        } catch {
            fatalError("built-in theme '\(name)' is invalid: \(error)")
        }
    }
}
