/// Where bytes stop being UTF-8: the one check behind "is not valid UTF-8
/// (byte offset N)", for a file and for a command-line argument alike.
public enum UTF8Check {
    /// The byte offset of the first sequence that is not UTF-8; nil when every one is.
    public static func firstInvalidOffset(_ bytes: some Sequence<UInt8>) -> Int? {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case let .scalarValue(scalar): offset += UTF8.width(scalar)
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }
}
