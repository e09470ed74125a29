/// Something that shows grids and delivers key presses: the ncurses backend in
/// the app, a recording fake in tests. The console loop knows only this.
public enum TerminalEvent: Sendable, Hashable {
    case key(Key)
    /// Text the terminal delivered as a paste (bracketed paste): text only,
    /// never keys, so nothing pasted can submit or confirm anything.
    case paste(String)
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
    /// An event already waiting (the rest of a paste, a held key), or nil
    /// at once: the loop handles these before it draws the next frame.
    func waiting() -> TerminalEvent?
    /// Shows the grid; only cells that changed since the last frame need writing.
    func draw(_ grid: Grid)
}

extension TerminalDevice {
    /// A device that delivers each event as it asks for it has none waiting.
    public func waiting() -> TerminalEvent? { nil }
}
