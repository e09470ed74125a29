import ArgumentParser
import CursesTerminal
import Foundation
import SignoffCore
import SignoffStore
import SignoffTUI
import SignoffApp

/// Options of the console: which store, who, and how it looks.
struct ConsoleOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A theme name (default, light, high-contrast, colorblind, monochrome, or one in ~/.config/signoff/themes) or a theme file.", valueName: "name|path"))
    var theme: String = "default"

    @Flag(help: "No colour: bold, reverse and glyphs only (also when NO_COLOR is set).")
    var monochrome = false
}

struct Console: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Open the approver's console (the default command).",
        discussion: "Keys: ? for help. a approve, d deny, / filter, Tab switch views, q quit.")

    @OptionGroup var options: StoreOptions
    @OptionGroup var console: ConsoleOptions

    func run() throws {
        let notice = ConsoleNotice()
        try ConsoleRunner.run(commands: try options.commands(clockRuns: true, handOffs: .background, console: notice),
                              options: console, notice: notice)
    }
}

enum ConsoleRunner {
    /// Starts the terminal, runs the console until the approver quits, and
    /// always restores the terminal, on errors too.
    static func run(commands: Commands, options: ConsoleOptions, notice given: ConsoleNotice? = nil) throws {
        let environment = ProcessInfo.processInfo.environment
        let theme: Theme
        do {
            theme = try ThemeCatalog(environment: environment).load(options.theme)
        } catch {
            throw CommandFailure.badInput("\(error)")
        }
        let glyphs: Glyphs = CursesScreen.isUTF8Locale() ? .unicode : .ascii
        let screen: CursesScreen
        do {
            screen = try CursesScreen(theme: theme, colorMode: options.monochrome ? .monochrome : .automatic, environment: environment)
        } catch {
            throw CommandFailure(.badInput, "\(error)")
        }
        defer { screen.stop() }
        let backend = StoreConsoleBackend(commands: commands)
        let clock = commands.clock
        let model = ConsoleModel(size: screen.size, glyphs: glyphs, now: clock.now())
        let loop = ConsoleLoop(model: model, backend: backend, device: screen, glyphs: glyphs, clock: clock.now)
        let notice = given ?? ConsoleNotice()
        notice.send { [weak loop] text in loop?.waiting(text) }
        // A decision that waits for the store's lock says who holds it, at
        // once, instead of freezing the console unexplained. Only the loop's
        // own writes (on this, the main thread) may draw; the background
        // deliveries wait unseen.
        let deadline = Int(commands.store.writeDeadline.rounded(.up))
        commands.store.observeLockWaits { holder in
            guard Thread.isMainThread else { return }
            notice.show("""
                the store is locked: waiting up to \(deadline) s, nothing recorded yet\
                \(holder.map { "; held by " + DisplaySafe.text($0) } ?? "")
                """)
        }
        defer { commands.store.observeLockWaits(nil) }
        loop.run()
        // The terminal back first: a hand-off still running may take up to its timeout.
        screen.stop()
        backend.finishHandOffs()
    }
}
