import ArgumentParser
import Foundation
import SignoffApp
import SignoffCore
import SignoffSigning
import SignoffStore

/// Options every command that touches the store takes.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The store: a file, or a postgresql:// URL. Default: $SIGNOFF_STORE, else the store entry of ~/.config/signoff/config, else $XDG_DATA_HOME/signoff/signoff.sqlite.", valueName: "path|url"))
    var store: String?

    @Option(name: .customLong("as"), help: ArgumentHelp("Act as this identity. Only in a store created with --trust-asserted-identities (demos, tests); the evidence records that it was asserted.", valueName: "name"))
    var asserted: String?

    /// Where the store is. A URL is never read as a file name.
    func location() throws -> StoreLocation {
        do {
            return try StoreLocation.configured(option: store)
        } catch {
            throw CommandFailure.badInput("\(error)")
        }
    }

    /// The store alone, only to read it, for commands that neither act nor
    /// read as anyone (audit): never writes, migrates or changes a file's
    /// mode, and works for an account that may only read the files.
    func openForReading() throws -> Store {
        let location = try location()
        do { return try Store.openForReading(location) } catch { throw CommandFailure(.storeError, "\(error)") }
    }

    /// The command layer on this store, for the identity this process acts
    /// as and by the one clock (`SIGNOFF_NOW` where the store trusts it).
    /// `reading`: the store is opened only to read (list, show, explain, ...).
    /// `console`: a full-screen console owns the terminal, so signing never
    /// prompts on it or writes to it, and the console says on its status line
    /// what a command warns of on stderr.
    func commands(reading: Bool = false, clockRuns: Bool = false, handOffs: Commands.HandOffTiming = .inline,
                  console: ConsoleNotice? = nil) throws -> Commands {
        let touch: DecisionSigner.TouchPrompt
        if let console {
            touch = { @Sendable (key: SSHPublicKey) -> Void in console.show(ConsoleNotice.text(key)) }
        } else {
            touch = { @Sendable (key: SSHPublicKey) -> Void in Terminal.error(ConsoleNotice.text(key)) }
        }
        let console = console != nil
        let commands = try Commands.open(try location(), asserted: asserted, environment: ProcessInfo.processInfo.environment,
                                         access: reading ? .read : .write, handOffs: handOffs, clockRuns: clockRuns,
                                         mayPrompt: !console, touch: touch)
        if !console { Self.warnOfEventsNotFolded(in: commands.store) }
        return commands
    }

    /// A shared store whose events include some signoff never records (put
    /// there by hand, around every client): every command says so on stderr,
    /// as the console's status line does; `audit verify` names each.
    static func warnOfEventsNotFolded(in store: Store) {
        let count: Int
        do { count = try store.eventsNotFolded() } catch {
            Terminal.warning("could not count the events signoff never records (\(error)); run `signoff audit verify`")
            return
        }
        guard count > 0 else { return }
        Terminal.warning("this store holds \(count) event\(count == 1 ? "" : "s") signoff never records, "
                         + "appended around every client; each counts for nothing: run `signoff audit verify` to name them")
    }
}

/// A line for the console's status line while a decision waits outside it
/// ("touch your security key", "waiting for the store's lock"), once its
/// loop runs; for a command, a touch prompt goes to stderr instead.
final class ConsoleNotice: @unchecked Sendable {
    private let lock = NSLock()
    private var target: ((String) -> Void)?

    static func text(_ key: SSHPublicKey) -> String { "touch your security key to sign (\(key.description))" }

    func show(_ text: String) {
        let target = lock.withLock { self.target }
        target?(text)
    }

    func send(to target: @escaping (String) -> Void) {
        lock.withLock { self.target = target }
    }
}

/// Reads a file (or stdin for `-`) as bytes. A file that cannot be read is
/// bad input naming the file (in the JSON error's `file` too) and why: it
/// does not exist, is a directory, is no regular file (a device or a pipe:
/// give `-` for standard input; `allowingStreams` takes those too, as a
/// platform's export may come through a pipe), or this account may not
/// read it. Whatever it is, at most `Limits.inputBytes` are read
/// (`readBounded`): more is refused.
func readFile(_ path: String, allowingStreams: Bool = false) throws -> Data {
    let name = path == "-" ? "<stdin>" : path
    func refuse(_ why: String, _ hint: String? = nil) -> CommandFailure {
        CommandFailure.invalid(SourceErrors([SourceError(file: name, position: nil, field: "", message: why, hint: hint)]))
    }
    if path == "-" { return try readBounded(.standardInput, refuse) }
    var info = stat()
    guard stat(path, &info) == 0 else {
        throw errno == ENOENT || errno == ENOTDIR ? refuse("does not exist") : refuse("cannot be read: \(String(cString: strerror(errno)))")
    }
    switch info.st_mode & S_IFMT {
    case S_IFREG: break
    case S_IFDIR: throw refuse("is a directory, not a file")
    default: if !allowingStreams { throw refuse("is not a regular file (a device or a pipe)", "give - to read standard input") }
    }
    guard let handle = FileHandle(forReadingAtPath: path) else { throw refuse("cannot be read: this account may not read it") }
    defer { try? handle.close() }
    return try readBounded(handle, refuse)
}

/// Reads `handle` to its end through the one descriptor (a file replaced or
/// grown after it was looked at is still read only so far): refused by
/// its size when it is a regular file holding more than `Limits.inputBytes`
/// from where it is read, otherwise once that much has come.
private func readBounded(_ handle: FileHandle, _ refuse: (String, String?) -> CommandFailure) throws -> Data {
    let split = "split it, or give only what this command needs"
    var info = stat()
    if fstat(handle.fileDescriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG {
        let position = max(0, Int(lseek(handle.fileDescriptor, 0, SEEK_CUR)))
        if let tooLarge = Limits.inputTooLarge(Int(info.st_size) - position) { throw refuse(tooLarge, split) }
    }
    var data = Data()
    while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
        data.append(chunk)
        if let tooLarge = Limits.inputTooLarge(data.count) { throw refuse(tooLarge, split) }
    }
    return data
}

/// Reads a file (or stdin for `-`) as UTF-8 text with a clear error.
func readText(_ path: String) throws -> (text: String, name: String) {
    let data = try readFile(path)
    let name = path == "-" ? "<stdin>" : path
    do {
        return (try YAMLSource.text(from: data, file: name), name)
    } catch {
        throw CommandFailure.invalid(SourceErrors([error]))
    }
}

/// Text given on the command line (`--note`, `--ref`, ...) or read from a
/// file, refused when signoff could not store or show it faithfully
/// (`StorableText`): the error names the option or file, line and column.
/// `maxLength`: at most this many characters (`Limits`), for text that
/// goes into an event, where a request file holds the same field to it.
@discardableResult
func storable(_ text: String, _ shape: StorableText.Shape, from source: String, maxLength: Int? = nil) throws -> String {
    // An option's problem names the option, as the JSON error's field.
    func failure(_ message: String) -> CommandFailure {
        source.hasPrefix("--") ? CommandFailure.badOption(source, message) : CommandFailure.badInput(message)
    }
    do {
        try StorableText.check(text, shape: shape, source: source, field: "")
    } catch {
        throw failure(error.description)
    }
    if let limit = maxLength, text.utf8.count > limit, case let count = text.unicodeScalars.count, count > limit {
        throw failure("\(source) is \(count) characters long; at most \(limit) are allowed")
    }
    return text
}

/// A rationale from --rationale, a file, or stdin.
struct RationaleOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Why: the rationale recorded with the decision.")
    var rationale: String?

    @Option(name: .long, help: ArgumentHelp("Read the rationale from a file (- for stdin).", valueName: "path"))
    var rationaleFile: String?

    func value(required: Bool) throws -> String? {
        if let rationale, rationaleFile != nil {
            _ = rationale
            throw CommandFailure.badOption("--rationale-file", "give --rationale or --rationale-file, not both")
        }
        if let rationale { return try storable(rationale, .multiline, from: "--rationale") }
        if let rationaleFile {
            let (text, name) = try readText(rationaleFile)
            return try storable(text, .multiline, from: name)
        }
        if required { throw CommandFailure.badOption("--rationale", "a rationale is required: add --rationale \"why\"") }
        return nil
    }

    /// Runs the command given this rationale: when the rationale is what it
    /// refuses (too short for the policy, too long), the failure names the
    /// option the rationale came from, as the JSON error's field.
    func naming<T>(_ command: () throws -> T) throws -> T {
        do {
            return try command()
        } catch let error as CommandError where error.concernsRationale {
            var failure = CommandFailure(error)
            failure.option = rationaleFile == nil ? "--rationale" : "--rationale-file"
            throw failure
        }
    }
}
