import CNcursesw
import Foundation
import Glibc
import SignoffTUI

/// The terminal, driven through ncurses' wide-character API: shows grids and
/// delivers key presses. The only type in the program that touches ncurses.
///
/// Only one may be open at a time. Call `stop()` before printing to the normal
/// screen; it also runs on deinit, at exit and on SIGINT/SIGTERM/SIGHUP/SIGQUIT.
public final class CursesScreen: TerminalDevice {
    public private(set) var size: Size
    /// The colour depth in use, after `NO_COLOR` and the terminal's abilities.
    public let colorDepth: ColorDepth
    /// The theme in use; the monochrome theme when colour is off.
    public let theme: Theme

    private let screen: OpaquePointer
    private let window: UnsafeMutablePointer<WINDOW>
    private let roles: RoleTable<RoleAttributes>
    private let utf8: Bool
    /// The last frame drawn; nil forces a full redraw.
    private var previous: Grid?
    private var active = true

    /// Takes over the terminal. Throws, having changed nothing, when the
    /// terminal cannot host a full-screen console.
    public init(
        theme: Theme = .default,
        colorMode: ColorMode = .automatic,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(TerminalUnavailable) {
        setlocale(LC_ALL, "")
        let term = environment["TERM"] ?? ""
        guard !term.isEmpty else { throw TerminalUnavailable(.noTerminalType) }
        guard term != "dumb" else { throw TerminalUnavailable(.noCursorAddressing(term)) }
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw TerminalUnavailable(.notInteractive)
        }

        // A parent may have started us with signals blocked (threads of many
        // runtimes block them, and children inherit the mask): without SIGWINCH
        // the console would never hear of a resize, without SIGTERM never restore.
        var wanted = sigset_t()
        sigemptyset(&wanted)
        for number in [SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGQUIT] { sigaddset(&wanted, number) }
        pthread_sigmask(SIG_UNBLOCK, &wanted, nil)

        // Our handlers go in first so ncurses does not install its own.
        TerminalRestore.install()
        guard let screen = term.withCString({ newterm($0, signoff_stdout(), signoff_stdin()) }) else {
            TerminalRestore.uninstall()
            throw TerminalUnavailable(.unknownTerminal(term))
        }
        set_term(screen)
        TerminalRestore.cursesActive = 1
        guard signoff_has_string_capability("cup") != 0 else {
            TerminalRestore.leaveCurses()
            delscreen(screen)
            TerminalRestore.uninstall()
            throw TerminalUnavailable(.noCursorAddressing(term))
        }
        self.screen = screen
        self.window = signoff_stdscr()!
        utf8 = signoff_locale_is_utf8() != 0

        // Raw, not cbreak: Ctrl-C, Ctrl-Z and Ctrl-\ arrive as keys and the
        // console decides what they mean (it must never lose a typed rationale).
        raw()
        noecho()
        keypad(window, true)
        intrflush(window, false)
        set_escdelay(25)
        Self.defineExtraKeys()
        // Bracketed paste: a paste arrives marked, and is delivered as text
        // (`TerminalEvent.paste`), never as keys that could act.
        TerminalRestore.bracketedPaste(true)
        curs_set(0)
        leaveok(window, true)

        var depth = ColorDepth.monochrome
        var defaultColors = false
        // COLORS is only known after start_color, which is not called at all when
        // the user or NO_COLOR has turned colour off.
        let wantsColor = ColorDepth.choose(mode: colorMode, hasColors: has_colors(),
                                           colorCount: 256, environment: environment) != .monochrome
        if wantsColor, start_color() == OK {
            depth = ColorDepth.choose(mode: colorMode, hasColors: true,
                                      colorCount: Int(signoff_colors()), environment: environment)
            defaultColors = use_default_colors() == OK
        }
        colorDepth = depth
        self.theme = theme.displayed(at: depth)
        roles = RoleAttributes.table(theme: self.theme, depth: depth, defaultColors: defaultColors)
        size = Size(width: Int(getmaxx(window)), height: Int(getmaxy(window)))
    }

    deinit { stop() }

    /// Gives the terminal back: normal screen, echo, cursor. Safe to call twice.
    public func stop() {
        guard active else { return }
        active = false
        curs_set(1)
        TerminalRestore.leaveCurses()
        delscreen(screen)
        TerminalRestore.uninstall()
    }

    /// Whether the locale encodes text as UTF-8, so the console can choose
    /// box-drawing and symbol glyphs or plain ASCII. Sets the locale from the
    /// environment first, as the console does.
    public static func isUTF8Locale() -> Bool {
        setlocale(LC_ALL, "")
        return signoff_locale_is_utf8() != 0
    }

    // MARK: Input

    public func waiting() -> TerminalEvent? { next(timeoutMilliseconds: 0) }

    /// The text of a paste being read, between its start and end markers.
    private var pasting: [Unicode.Scalar]?
    /// When the paste being read last brought anything (its start marker included).
    private var pastedLast = ContinuousClock.now
    /// A paste that brings nothing more for this long has ended without its
    /// end marker (a terminal that does not bracket pastes passed a start
    /// marker through as text): what came is delivered as the paste, so the
    /// keys after it are keys again, never typed into it for ever.
    private static let pastePause: Duration = .milliseconds(500)
    /// Key codes for the bracketed-paste markers, beyond any terminfo key.
    private static let pasteStart = Int32(KEY_MAX) + 1
    private static let pasteEnd = Int32(KEY_MAX) + 2
    /// At most this much of one paste is kept (a rationale holds 4,000 characters).
    private static let pasteLimit = 65_536

    public func next(timeoutMilliseconds: Int) -> TerminalEvent? {
        guard active else { return nil }
        let clock = ContinuousClock()
        let deadline = timeoutMilliseconds >= 0 ? clock.now + .milliseconds(timeoutMilliseconds) : nil
        while true {
            var wait: Int32 = -1
            if let deadline {
                let remaining = clock.now.duration(to: deadline)
                let milliseconds = remaining.components.seconds * 1000
                    + remaining.components.attoseconds / 1_000_000_000_000_000
                wait = Int32(clamping: max(0, milliseconds))
            }
            // A paste being read is looked at often, to end one left open.
            if pasting != nil { wait = wait < 0 ? 100 : min(wait, 100) }
            wtimeout(window, wait)
            var value: wint_t = 0
            let status = wget_wch(window, &value)
            // ERR is a timeout, or input that can never come: once the
            // terminal hangs up, every read fails at once, and a loop that took
            // that for a timeout would spin.
            if status == ERR {
                if Self.inputHungUp() { return .hangup }
                if let text = pasting, pastedLast.duration(to: clock.now) >= Self.pastePause {
                    pasting = nil
                    var string = ""
                    string.unicodeScalars.append(contentsOf: text)
                    return .paste(string)
                }
                if pasting == nil { return nil }
                if let deadline, clock.now >= deadline { return nil }
                continue
            }
            if let event = decode(status: status, value: value) { return event }
            if let deadline, clock.now >= deadline { return nil }
        }
    }

    /// What arrives right behind a paste's end marker, until input pauses
    /// (50 ms), taken as more of the paste: pasted text can carry an end
    /// marker of its own, and whatever followed it must never be taken for
    /// keys the approver pressed (a submit, a typed confirmation). Markers
    /// and key codes in it are dropped; at most `room` characters are kept.
    private func pasteTail(room: Int) -> [Unicode.Scalar] {
        var tail: [Unicode.Scalar] = []
        wtimeout(window, 50)
        while true {
            var value: wint_t = 0
            let status = wget_wch(window, &value)
            guard status != ERR else { return tail }
            if status == OK, tail.count < room, let scalar = Unicode.Scalar(value) { tail.append(scalar) }
        }
    }

    /// Whether the terminal's input side reports a hang-up or an error.
    private static func inputHungUp() -> Bool {
        var input = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
        guard poll(&input, 1, 0) >= 0 else { return false }
        return input.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0
    }

    private func decode(status: Int32, value: wint_t) -> TerminalEvent? {
        if status == KEY_CODE_YES, Int32(value) == Self.pasteStart {
            pasting = []
            pastedLast = .now
            return nil
        }
        if var text = pasting {
            pastedLast = .now
            if status == KEY_CODE_YES, Int32(value) == Self.pasteEnd {
                pasting = nil
                text += pasteTail(room: Self.pasteLimit - text.count)
                var string = ""
                string.unicodeScalars.append(contentsOf: text)
                return .paste(string)
            }
            // Inside a paste everything is text; a key code (not text) is dropped.
            if status == OK, text.count < Self.pasteLimit, let scalar = Unicode.Scalar(value) { text.append(scalar) }
            pasting = text
            return nil
        }
        if status == KEY_CODE_YES {
            if Int32(value) == KEY_RESIZE {
                size = Size(width: Int(getmaxx(window)), height: Int(getmaxy(window)))
                previous = nil
                // The terminal may have reflowed the old picture; repaint all of it.
                clearok(signoff_curscr(), true)
                return .resize(size)
            }
            return KeyDecoding.functionKey(Int32(value)).map(TerminalEvent.key)
        }
        if value == 27 { return afterEscape().map(TerminalEvent.key) }
        return KeyDecoding.character(value).map(TerminalEvent.key)
    }

    /// Alt-x arrives as ESC then x. ncurses has already waited ESCDELAY for a
    /// key sequence, so whatever follows at once belongs to this key. Returns nil
    /// for an escape sequence that terminfo does not describe: it is dropped
    /// rather than delivered as stray characters into whatever field has focus.
    private func afterEscape() -> Key? {
        wtimeout(window, 0)
        var value: wint_t = 0
        let status = wget_wch(window, &value)
        switch status {
        case OK where value == 0x5B || value == 0x4F:
            // CSI (ESC [) or SS3 (ESC O): read to the final byte.
            var next: wint_t = 0
            guard wget_wch(window, &next) == OK else { return .alt(value == 0x5B ? "[" : "O") }
            if value == 0x4F { return nil }
            while !(0x40...0x7E).contains(next) {
                guard (0x20...0x3F).contains(next), wget_wch(window, &next) == OK else { return nil }
            }
            return nil
        case OK where [0x5D, 0x50, 0x5F, 0x5E, 0x58].contains(value):
            // OSC (ESC ]), DCS (ESC P), APC, PM and SOS: a string up to BEL or
            // ST (ESC \), as pasted text may carry. Dropped whole, never typed.
            var next: wint_t = 0
            while wget_wch(window, &next) == OK, next != 0x07 {
                if next == 0x1B {
                    _ = wget_wch(window, &next)
                    break
                }
            }
            return nil
        case OK:
            // Alt-Enter: ESC then CR (or LF, where the terminal sends that).
            if value >= 0x20 && value != 0x7F || value == 0x0D || value == 0x0A, let scalar = Unicode.Scalar(value) {
                return .alt(Character(scalar))
            }
            // ESC followed by any other control key: two separate keys.
            unget_wch(wchar_t(bitPattern: value))
        case KEY_CODE_YES:
            ungetch(Int32(value))
        default:
            break
        }
        return .escape
    }

    /// Sequences for Home and End that terminals send whatever their terminfo
    /// entry says (tmux, rxvt, and xterm in its other cursor-key mode).
    private static let extraKeys: [(sequence: String, code: Int32)] = [
        ("\u{1B}[1~", KEY_HOME), ("\u{1B}[7~", KEY_HOME), ("\u{1B}[H", KEY_HOME), ("\u{1B}OH", KEY_HOME),
        ("\u{1B}[4~", KEY_END), ("\u{1B}[8~", KEY_END), ("\u{1B}[F", KEY_END), ("\u{1B}OF", KEY_END),
    ]

    private static func defineExtraKeys() {
        for (sequence, code) in extraKeys where key_defined(sequence) == 0 {
            define_key(sequence, code)
        }
        define_key("\u{1B}[200~", pasteStart)
        define_key("\u{1B}[201~", pasteEnd)
    }

    // MARK: Output

    public func draw(_ grid: Grid) {
        guard active else { return }
        let width = min(grid.size.width, size.width)
        let height = min(grid.size.height, size.height)
        let old = previous?.size == grid.size ? previous : nil
        if old == nil { werase(window) }
        grid.cells.withUnsafeBufferPointer { cells in
            let oldCells = old?.cells
            for y in 0..<height {
                let row = y * grid.size.width
                for x in 0..<width {
                    let cell = cells[row + x]
                    if cell.isContinuation { continue }
                    if let oldCells, oldCells[row + x] == cell { continue }
                    let wide = x + 1 < grid.size.width && cells[row + x + 1].isContinuation
                    put(cell, x: x, y: y, wide: wide, fits: !wide || x + 1 < width)
                }
            }
        }
        previous = grid
        wnoutrefresh(window)
        doupdate()
    }

    private func put(_ cell: Cell, x: Int, y: Int, wide: Bool, fits: Bool) {
        let style = roles[cell.role]
        let text = fits ? printable(cell.text, wide: wide) : (glyph: " ", padRight: false)
        // cchar_t holds a spacing character and up to CCHARW_MAX - 1 combining
        // marks; the terminating zero needs one more slot.
        withUnsafeTemporaryAllocation(of: wchar_t.self, capacity: Int(CCHARW_MAX) + 1) { buffer in
            var count = 0
            for scalar in text.glyph.unicodeScalars where count < Int(CCHARW_MAX) {
                buffer[count] = wchar_t(bitPattern: scalar.value)
                count += 1
            }
            buffer[count] = 0
            var character = cchar_t()
            setcchar(&character, buffer.baseAddress, style.attributes, style.pair, nil)
            mvwadd_wch(window, Int32(y), Int32(x), &character)
            if text.padRight {
                buffer[0] = 0x20
                buffer[1] = 0
                setcchar(&character, buffer.baseAddress, style.attributes, style.pair, nil)
                mvwadd_wch(window, Int32(y), Int32(x + 1), &character)
            }
        }
    }

    /// What to hand ncurses for a cell. ncurses moves its cursor by the locale's
    /// width of a character while the grid uses its own table; when the two
    /// disagree the glyph is replaced by one they agree on, so the rest of the
    /// line can never shift. Control characters never reach the terminal.
    private func printable(_ text: String, wide: Bool) -> (glyph: String, padRight: Bool) {
        let scalars = text.unicodeScalars
        guard let first = scalars.first else { return (" ", wide) }
        if first.value >= 0x20, first.value < 0x7F, scalars.count == 1 { return (text, false) }
        let visible = scalars.filter { !($0.value < 0x20 || (0x7F...0x9F).contains($0.value)) }
        guard let base = visible.first else { return (" ", wide) }
        let localeWidth = signoff_wcwidth(wchar_t(bitPattern: base.value))
        switch (localeWidth, wide) {
        case (2, true), (1, false):
            var glyph = String.UnicodeScalarView()
            glyph.append(contentsOf: visible)
            return (String(glyph), false)
        case (1, true):
            // Typically an emoji made wide by U+FE0F that the C library counts as
            // one column: show the text form and blank the second column.
            var glyph = String.UnicodeScalarView()
            glyph.append(contentsOf: visible.filter { $0.value != 0xFE0F })
            return (String(glyph), true)
        default:
            let replacement = utf8 && localeWidth == 2 ? "\u{FFFD}" : "?"
            return (replacement, wide)
        }
    }
}
