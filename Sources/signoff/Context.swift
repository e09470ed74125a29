import ArgumentParser
import Foundation
import SignoffCore
import SignoffStore

/// Options every command that touches the store takes.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The store file. Default: $SIGNOFF_STORE, else $XDG_DATA_HOME/signoff/signoff.sqlite.", valueName: "path"))
    var store: String?

    @Option(name: .customLong("as"), help: ArgumentHelp("Act as this identity. Only in a store created with --trust-asserted-identities (demos, tests); the evidence records that it was asserted.", valueName: "name"))
    var asserted: String?

    var path: String {
        store ?? Store.defaultPath(environment: ProcessInfo.processInfo.environment)
    }

    func open() throws -> Store {
        do {
            return try Store.open(at: path)
        } catch {
            throw CommandFailure(.storeError, "\(error)")
        }
    }

    /// The acting identity: the operating-system account, or an asserted name
    /// where the store was created to trust one.
    func actor(in store: Store) throws -> Principal {
        if let asserted {
            guard store.settings.trustAssertedIdentities else {
                throw CommandFailure(.storeError, "this store does not trust asserted identities, so --as cannot be used; you act as your own account (\(Identity.osAccount()))")
            }
            guard !asserted.isEmpty, !asserted.unicodeScalars.contains(where: DisplaySafe.isUnsafe) else {
                throw CommandFailure.badInput("--as needs a plain name")
            }
            return Principal(name: asserted, authentication: .asserted)
        }
        return Principal(name: Identity.osAccount(), authentication: .osAccount)
    }

    /// The time commands act at: now, or `SIGNOFF_NOW` (ISO 8601) in a store
    /// created to trust asserted identities, so demos and tests can show
    /// expiry and timeouts without waiting. A real store refuses it.
    func now(in store: Store) throws -> Date {
        guard let text = ProcessInfo.processInfo.environment["SIGNOFF_NOW"], !text.isEmpty else { return Date() }
        guard store.settings.trustAssertedIdentities else {
            throw CommandFailure(.storeError, "SIGNOFF_NOW is set, but this store does not trust asserted identities, so its clock cannot be moved; unset SIGNOFF_NOW")
        }
        guard let date = Timestamp.parse(text) else {
            throw CommandFailure.badInput("SIGNOFF_NOW=\(text) is not an ISO 8601 time such as 2026-11-21T09:30:00Z")
        }
        return date
    }
}

enum Identity {
    /// The name of the account running this process, from the password database,
    /// not from $USER (which anyone can set).
    static func osAccount() -> String {
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name {
            return String(cString: name)
        }
        return "uid:\(geteuid())"
    }
}

/// The current policy, parsed; refusing to go on without one (fail closed).
func requirePolicy(_ stored: StoredPolicy?) throws -> Policy {
    guard let stored else {
        throw CommandFailure(.refused, "no policy has been applied to this store, so nothing can be routed; apply one with `signoff policy apply FILE`")
    }
    do {
        return try Policy.parse(source: stored.source, file: stored.file)
    } catch {
        throw CommandFailure(.storeError, "the store's policy \(stored.version.prefix(12)) no longer parses: \(error)")
    }
}

/// Reads a file (or stdin for `-`) as UTF-8 text with a clear error.
func readText(_ path: String) throws -> (text: String, name: String) {
    let data: Data
    if path == "-" {
        data = FileHandle.standardInput.readDataToEndOfFile()
    } else {
        guard let read = FileManager.default.contents(atPath: path) else {
            throw CommandFailure.badInput("\(path): cannot be read (does it exist, and may you read it?)")
        }
        data = read
    }
    let name = path == "-" ? "<stdin>" : path
    do {
        return (try YAMLSource.text(from: data, file: name), name)
    } catch {
        throw CommandFailure.badInput(error.description)
    }
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
            throw CommandFailure.badInput("give --rationale or --rationale-file, not both")
        }
        if let rationale { return rationale }
        if let rationaleFile { return try readText(rationaleFile).text }
        if required { throw CommandFailure.badInput("a rationale is required: add --rationale \"why\"") }
        return nil
    }
}
