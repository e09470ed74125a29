/// Why the full-screen console cannot start here. The message always points at
/// the command line, which works without a capable terminal.
public struct TerminalUnavailable: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Reason: Sendable, Hashable {
        /// TERM is unset or empty.
        case noTerminalType
        /// stdin or stdout is not a terminal (a pipe or a file).
        case notInteractive
        /// ncurses has no description of this TERM.
        case unknownTerminal(String)
        /// The terminal cannot move the cursor (TERM=dumb, some editors' shells).
        case noCursorAddressing(String)
    }

    public var reason: Reason

    public init(_ reason: Reason) {
        self.reason = reason
    }

    public var description: String {
        let problem: String
        switch reason {
        case .noTerminalType:
            problem = "TERM is not set, so the terminal type is unknown"
        case .notInteractive:
            problem = "input or output is not a terminal"
        case .unknownTerminal(let name):
            problem = "the terminal type '\(name)' is unknown here (is its terminfo entry installed?)"
        case .noCursorAddressing(let name):
            problem = "the terminal type '\(name)' cannot move the cursor"
        }
        return "the console cannot open: \(problem). "
            + "Run it in a full terminal such as xterm-256color, "
            + "or use the command line: signoff list / show / approve"
    }
}
