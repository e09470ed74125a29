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
    /// The most one input (a file or standard input) may hold: a policy, a
    /// file of `requestsPerFile` requests or a platform's export needs far
    /// less; more would fill the memory before any parser could say what is wrong.
    public static let inputBytes = 1 << 30
    /// The most values (keys, values, list items) one YAML or JSON file may
    /// hold: each takes some hundreds of bytes once read, so this bounds the
    /// memory a file takes (about 3 GB) where its size cannot. A file of
    /// `requestsPerFile` requests as people write them holds about 4 million.
    public static let yamlValues = 8_000_000

    /// Why an input of `bytes` bytes is refused; nil when it is not.
    public static func inputTooLarge(_ bytes: Int) -> String? {
        bytes > inputBytes ? "holds more than \(inputBytes >> 20) MiB, more than signoff reads from one input" : nil
    }
}
