/// Bounds on untrusted input. Values are stored exactly as given, but never
/// without limit: a request is something a stranger can type.
public enum Limits {
    public static let fieldLength = 512
    public static let purposeLength = 4_000
    public static let notesLength = 8_000
    public static let labelCount = 32
    public static let triggerCount = 16
    public static let rationaleLength = 4_000
    public static let requestsPerFile = 100_000
}
