/// A decoded key press, independent of how the terminal encoded it.
public enum Key: Sendable, Hashable {
    case character(Character)
    case control(Character)       // Ctrl-u arrives as .control("u")
    case alt(Character)
    case enter, escape, tab, backTab, backspace, delete
    case up, down, left, right, home, end, pageUp, pageDown
    case function(Int)
}
