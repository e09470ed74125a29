/// Something that shows grids and delivers key presses: the ncurses backend in
/// the app, a recording fake in tests. The console loop knows only this.
public enum TerminalEvent: Sendable, Hashable {
    case key(Key)
    case resize(Size)
    /// The terminal is gone (its window closed, the connection dropped): no
    /// key can come any more, so the console ends.
    case hangup
}

public protocol TerminalDevice: AnyObject {
    var size: Size { get }
    /// The next event, or nil when `timeoutMilliseconds` passed with none
    /// (the loop uses the pause to look for changes made by other processes).
    func next(timeoutMilliseconds: Int) -> TerminalEvent?
    /// Shows the grid; only cells that changed since the last frame need writing.
    func draw(_ grid: Grid)
}
