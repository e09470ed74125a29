import Foundation
import GRDB
import SignoffCore

/// Everything that can go wrong opening, writing or reading a store, with the
/// path and what to do next. Errors thrown by a `write` body pass through unchanged.
public enum StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No file at the path.
    case missing(path: String)
    /// `create` refuses to overwrite an existing file.
    case alreadyExists(path: String)
    /// The file is an SQLite database, but not one signoff created.
    case notAStore(path: String)
    /// Another process held the write lock for longer than the write deadline;
    /// `holder` describes it when the system says (process, command, account).
    case busy(path: String, holder: String?)
    /// A write was asked of a store opened only for reading.
    case readOnly(path: String)
    /// The store lacks migrations, and reading never migrates: a write by an
    /// account that may write it (any command that records) brings it up to date.
    case needsMigration(path: String, migrations: [String])
    /// An event holds text no store column can carry exactly (a NUL character).
    case unstorableText(String)
    /// SQLite reports damage, or the file is not a database at all.
    case corrupt(path: String, detail: String)
    /// The file was migrated by a newer signoff; this one must not write to it.
    case schemaTooNew(path: String, unknownMigrations: [String])
    /// `shareGroup` names a group this machine does not have.
    case groupNotFound(String)
    /// Creating the file, its directory, or setting its mode or group failed.
    case fileAccess(path: String, detail: String)
    /// A submission reused a request ID that is already taken.
    case duplicateRequest(String)
    /// An event names a request that was never submitted.
    case unknownRequest(String)
    /// An event that the store cannot place, e.g. a submission without a request ID.
    case invalidEvent(String)
    /// A query-table row no fold of events could have written: the store was
    /// changed outside signoff, or is damaged.
    case unreadableRow(String)
    /// Any other SQLite failure.
    case database(path: String, detail: String)
    /// The PostgreSQL server has no database of the name the store's address gives.
    case noDatabase(store: String, detail: String)
    /// A change to who may act in a PostgreSQL store was refused, and nothing changed.
    case administrationRefused(String)
    /// No PostgreSQL server answered at the store's address.
    case unreachable(store: String, detail: String)
    /// The PostgreSQL server refused the role's credentials.
    case authenticationFailed(store: String, role: String, detail: String)
    /// The connection requires TLS, and the server (or the client's files) would not provide it.
    case tlsRefused(store: String, detail: String)
    /// The role lacks a privilege: not granted, or what it tried is not its to do.
    case permissionDenied(store: String, role: String, detail: String)
    /// The connection broke mid-command; what it was writing did not commit.
    case connectionLost(store: String, detail: String)
    /// A decision's signature does not hold (wrong key, other content, invalid).
    case signatureRefused(String)
    /// Decisions the policy requires to be signed came without signatures;
    /// nothing was recorded. Sign each statement and offer the signatures.
    case signaturesNeeded([SignatureNeed])
    /// `store copy` refused a source that does not pass `audit verify`:
    /// `problem` is the first thing verify names, `more` how many others.
    /// `refused`: what was therefore not done ("nothing was copied").
    case doesNotVerify(path: String, problem: String, more: Int, refused: String)

    /// Whether this refuses an event for what it is (what it says, or its
    /// signature), rather than reports a failure of the store or its server:
    /// an event refused so is none signoff would ever record.
    var refusesTheEvent: Bool {
        switch self {
        case .unstorableText, .duplicateRequest, .unknownRequest, .invalidEvent, .signatureRefused:
            true
        case .missing, .alreadyExists, .notAStore, .busy, .readOnly, .needsMigration, .corrupt, .schemaTooNew,
             .groupNotFound, .fileAccess, .unreadableRow, .database, .noDatabase, .administrationRefused, .unreachable, .authenticationFailed, .tlsRefused,
             .permissionDenied, .connectionLost, .signaturesNeeded, .doesNotVerify:
            false
        }
    }

    public var description: String {
        switch self {
        case let .missing(path):
            "no signoff store at \(path); create it with `signoff init`, or name an existing one with --store or SIGNOFF_STORE"
        case let .alreadyExists(path):
            "\(path) already exists; signoff never overwrites a store (open it, or choose another path)"
        case let .notAStore(path):
            "\(path) is not a signoff store; point SIGNOFF_STORE at a store created with `signoff init`"
        case let .busy(path, holder):
            "the store at \(path) stayed locked"
                + (holder.map { " by \($0)" } ?? " by another process")
                + "; nothing was written. If that process is stuck, stop it, then try again"
        case let .readOnly(path):
            "the store at \(path) was opened only for reading; nothing was written"
        case let .needsMigration(path, migrations):
            "the store at \(path) needs migrations this signoff adds (\(migrations.joined(separator: ", "))); reading never changes a store, so run any recording command (e.g. `signoff expire`) as an account that may write it, then read again"
        case let .unstorableText(detail):
            "event refused: \(detail); nothing was recorded"
        case let .corrupt(path, detail):
            "the store at \(path) is damaged (\(detail)); restore it from a backup and run `signoff audit verify`"
        case let .schemaTooNew(path, unknown):
            "the store at \(path) was upgraded by a newer signoff (migrations \(unknown.joined(separator: ", "))); use that version"
        case let .groupNotFound(group):
            "group \"\(group)\" does not exist on this machine; create it or choose another share group"
        case let .fileAccess(path, detail):
            "cannot prepare \(path): \(detail)"
        case let .duplicateRequest(id):
            "request \(id) already exists; request IDs are never reused"
        case let .unknownRequest(id):
            "no request \(id) in this store"
        case let .invalidEvent(detail):
            "event refused: \(detail)"
        case let .unreadableRow(detail):
            detail
        case let .database(path, detail):
            "database error in \(path): \(detail)"
        case let .noDatabase(store, detail):
            "the PostgreSQL server of \(store) has no such database (\(DisplaySafe.text(detail))); create it first (`createdb -E UTF8 NAME`, or CREATE DATABASE NAME ENCODING 'UTF8'), then create the store in it with `signoff init`"
        case let .administrationRefused(detail):
            detail
        case let .unreachable(store, detail):
            "cannot reach the PostgreSQL server of \(store) (\(detail)); check that it runs and that the host and port are right"
        case let .authenticationFailed(store, role, detail):
            "the PostgreSQL server of \(store) refused role \(role) (\(detail)); check its password in ~/.pgpass, its client certificate or Kerberos ticket, and the server's pg_hba.conf"
        case let .tlsRefused(store, detail):
            "\(store) requires TLS, but it could not be used (\(detail)); enable ssl on the server, or choose the sslmode it supports in the URL"
        case let .permissionDenied(store, role, detail):
            "role \(role) may not do this in \(store): \(detail)"
        case let .connectionLost(store, detail):
            "the connection to \(store) broke (\(detail)); what this command was writing was not recorded unless `signoff show` lists it: check, then try again"
        case let .signatureRefused(problem):
            "signature refused: \(problem); nothing was recorded"
        case let .signaturesNeeded(needs):
            "nothing was recorded: " + needs.map { "\($0.actor)'s \($0.statement.action.rawValue) must be signed (\($0.requirement.reason))" }
                .joined(separator: "; ")
        case let .doesNotVerify(path, problem, more, refused):
            // One line: what verify names quotes the store's own contents.
            "the store at \(DisplaySafe.text(path)) does not pass `signoff audit verify` (\(DisplaySafe.text(problem))"
                + (more > 0 ? "; and \(more) more" : "")
                + "); \(refused): run `signoff audit verify --store \(DisplaySafe.text(path))` to see what is wrong"
        }
    }

    /// Runs `body`, turning SQLite errors into store errors and letting every
    /// other error (including the caller's own) through untouched.
    static func mapping<T>(path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            throw StoreError(error, path: path)
        }
    }

    init(_ error: DatabaseError, path: String) {
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            self = .busy(path: path, holder: nil)
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            self = .corrupt(path: path, detail: error.message ?? "\(error.resultCode)")
        default:
            self = .database(path: path, detail: error.message ?? "\(error.resultCode)")
        }
    }
}

extension Row {
    /// The value at `index`, refused as `StoreError.unreadableRow` when the
    /// column holds what signoff never writes there (text for a number, NULL
    /// for a value): GRDB's subscript would stop the process instead, and
    /// whoever can write the store file could then stop every command.
    func checked<Value: DatabaseValueConvertible>(_ index: Int, _ column: @autoclosure () -> String) throws -> Value {
        do {
            return try decode(atIndex: index)
        } catch {
            throw Self.unreadable(column(), self[index] as DatabaseValue)
        }
    }

    /// `checked(_:_:)` by column name, for a row of `table`.
    func checked<Value: DatabaseValueConvertible>(_ name: String, of table: String) throws -> Value {
        do {
            return try decode(forColumn: name)
        } catch {
            throw Self.unreadable(table + "." + name, hasColumn(name) ? self[name] as DatabaseValue : nil)
        }
    }

    /// The text at `index` as a report quotes it: the text itself, or how
    /// the value that stands there instead is written (never a trap).
    func quoted(_ index: Int) -> String {
        let value = self[index] as DatabaseValue
        return String.fromDatabaseValue(value) ?? String(describing: value)
    }

    private static func unreadable(_ column: String, _ value: DatabaseValue?) -> StoreError {
        let quoted = value.map { DisplaySafe.text(String(String(describing: $0).prefix(80))) } ?? "nothing"
        return .unreadableRow("\(column) holds \(quoted), which signoff never writes: the store was changed outside signoff; run `signoff audit verify`")
    }
}
