import CNcursesw
import SignoffTUI

/// Turns what `wget_wch` returns into `Key` values.
enum KeyDecoding {
    /// A function-key code (`wget_wch` answered KEY_CODE_YES), or nil for keys the
    /// console has no use for (mouse, shifted arrows on some terminals, ...).
    /// KEY_RESIZE is handled by the caller, which must also update its size.
    static func functionKey(_ code: Int32) -> Key? {
        switch code {
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_PPAGE: return .pageUp
        case KEY_NPAGE: return .pageDown
        case KEY_DC: return .delete
        case KEY_BACKSPACE: return .backspace
        case KEY_BTAB: return .backTab
        case KEY_ENTER: return .enter
        case signoff_key_f(1)...signoff_key_f(63): return .function(Int(code - signoff_key_f(0)))
        default: return nil
        }
    }

    /// An ordinary character code. ESC is handled by the caller, which has to
    /// look ahead for Alt combinations.
    static func character(_ value: UInt32) -> Key? {
        switch value {
        case 10, 13: return .enter
        case 9: return .tab
        case 8, 127: return .backspace
        case 27: return .escape
        case 0: return .control(" ")
        case 1...26: return .control(Character(Unicode.Scalar(UInt8(value) + 96)))
        case 28: return .control("\\")
        case 29: return .control("]")
        case 30: return .control("^")
        case 31: return .control("_")
        case 0x80...0x9F: return nil
        default:
            guard let scalar = Unicode.Scalar(value) else { return nil }
            return .character(Character(scalar))
        }
    }
}
