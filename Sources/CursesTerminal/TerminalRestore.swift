import CNcursesw
import Glibc

/// Puts the terminal back in its normal state however the process ends: a normal
/// return, `exit`, or a fatal signal. A console that dies leaving the shell in
/// raw mode with no echo is the worst first impression a tool can make.
enum TerminalRestore {
    /// Set while curses owns the terminal. Read from signal handlers, so it is a
    /// plain word rather than anything that allocates or locks.
    nonisolated(unsafe) static var cursesActive: sig_atomic_t = 0
    nonisolated(unsafe) private static var installed = false
    nonisolated(unsafe) private static var atExitRegistered = false
    nonisolated(unsafe) private static var previous: [(signal: Int32, handler: __sighandler_t?)] = []

    static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]

    /// Installs the handlers. Called before `newterm`, which then leaves these
    /// signals to us instead of installing its own.
    static func install() {
        guard !installed else { return }
        installed = true
        if !atExitRegistered {
            atExitRegistered = true
            atexit { TerminalRestore.leaveCurses() }
        }
        previous = signals.map { number in
            let old = signal(number, TerminalRestore.handleSignal)
            // A signal the parent chose to ignore (nohup) stays ignored.
            if isIgnore(old) { signal(number, old) }
            return (number, old)
        }
        // Resumed after a stop (`kill -TSTP`, then `fg`): the shell turned
        // bracketed paste off meanwhile; without it a paste would arrive as keys.
        previous.append((SIGCONT, signal(SIGCONT, TerminalRestore.handleContinue)))
    }

    /// Puts back whatever handled the signals before `install`.
    static func uninstall() {
        guard installed else { return }
        installed = false
        for (number, handler) in previous { signal(number, handler) }
        previous = []
    }

    /// C function pointers are not Equatable in Swift; SIG_IGN is the value 1.
    private static func isIgnore(_ handler: __sighandler_t?) -> Bool {
        unsafeBitCast(handler, to: Int.self) == 1
    }

    static func leaveCurses() {
        if cursesActive != 0 {
            cursesActive = 0
            bracketedPaste(false)
            endwin()
        }
    }

    /// Asks the terminal to mark pastes (or to stop): written straight to the
    /// terminal, also from a signal handler on the way out.
    static func bracketedPaste(_ on: Bool) {
        let sequence: StaticString = on ? "\u{1B}[?2004h" : "\u{1B}[?2004l"
        _ = write(STDOUT_FILENO, sequence.utf8Start, sequence.utf8CodeUnitCount)
    }

    /// Asks for bracketed paste again, if curses still owns the terminal.
    private static let handleContinue: @convention(c) (Int32) -> Void = { _ in
        let saved = errno
        if TerminalRestore.cursesActive != 0 { TerminalRestore.bracketedPaste(true) }
        errno = saved
    }

    /// Restores the terminal, then dies of the same signal so the parent sees
    /// the real cause (a shell prints nothing for SIGINT, and `$?` is 130).
    private static let handleSignal: @convention(c) (Int32) -> Void = { number in
        TerminalRestore.leaveCurses()
        signal(number, SIG_DFL)
        raise(number)
    }
}
