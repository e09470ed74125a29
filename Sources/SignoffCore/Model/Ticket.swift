import Crypto
import Foundation

/// A ticket of an intake source (a Jira issue) that a request comes from.
/// Its `issueID` never changes; its `key` does when the issue moves between projects.
public struct TicketRef: Sendable, Hashable, Codable {
    /// The intake source: `jira`.
    public var source: String
    /// The site the ticket lives on (`acme.atlassian.net`).
    public var site: String
    /// The source's own stable id of the ticket (Jira's issue id).
    public var issueID: String
    /// The ticket as people name it: `ACC-12`.
    public var key: String

    public init(source: String, site: String, issueID: String, key: String) {
        self.source = source
        self.site = site
        self.issueID = issueID
        self.key = key
    }

    enum CodingKeys: String, CodingKey { case source, site, key, issueID = "issue_id" }

    /// The `issueID` of a ticket whose source gave no id (some exports
    /// carry none): its key, marked as one.
    public static func keyOnlyID(_ key: String) -> String { "key:" + key }

    /// Known by its key alone (`keyOnlyID`).
    public var isKeyOnly: Bool { issueID.hasPrefix("key:") }

    /// Why `key` cannot name a ticket in the record, held to what a
    /// request's `ticket` is (one line of storable text, at most
    /// `Limits.fieldLength` characters), with what would do; nil when it can.
    public static func keyProblem(_ key: String) -> (message: String, hint: String)? {
        if let problem = StorableText.problem(in: key, shape: .line) { return (problem.message, StorableText.hint) }
        if key.allSatisfy(\.isWhitespace) { return ("must not be empty", "give the issue's key") }
        if key.utf8.count > Limits.fieldLength, case let count = key.unicodeScalars.count, count > Limits.fieldLength {
            return ("is \(count) characters long", "at most \(Limits.fieldLength) are allowed")
        }
        return nil
    }
}

/// One reason a ticket made no request, or no change of one.
public struct IntakeProblem: Sendable, Hashable, Codable {
    /// The request field (`entitlement`, `subject.kind`), or `ticket` for the ticket as a whole.
    public var field: String
    /// The ticket's field it comes from, as people see it (`Entitlement (customfield_10073)`).
    public var sourceField: String?
    /// `missing`, `unknown_value`, `unknown_person`, `invalid`, `unreadable`, `secret`,
    /// `refused` (the rules refused it), `decided` (its request is decided and cannot change)
    /// or `closed` (the ticket was closed or deleted: `closedKind`).
    public var kind: String

    /// The kind of the one problem recorded for a ticket closed or deleted:
    /// not a refusal anybody acts on, but the ticket's time at its close, so
    /// an older payload delivered after it is stale.
    public static let closedKind = "closed"
    /// What is wrong, for people. Never the value of a secret.
    public var message: String
    /// What would be valid, where that is a list.
    public var valid: [String]

    public init(field: String, sourceField: String?, kind: String, message: String, valid: [String] = []) {
        self.field = field
        self.sourceField = sourceField
        self.kind = kind
        self.message = message
        self.valid = valid
    }

    enum CodingKeys: String, CodingKey { case field, kind, message, valid, sourceField = "source_field" }

    /// SHA-256 (hex) of the problems' canonical JSON: the same problems, the same fingerprint.
    public static func fingerprint(_ problems: [IntakeProblem]) -> String {
        var writer = CanonicalJSON.Writer(capacity: 256)
        writer.write(problems)
        return SHA256.hash(data: writer.bytes).map { String(format: "%02x", $0) }.joined()
    }
}

/// How a site's tickets hear what happens to their requests: comments (in the
/// site's markup) and moves to the statuses named for each moment.
public struct TicketWriteBackSettings: Sendable, Hashable, Codable {
    /// The markup comments are written in: `adf` (Jira Cloud, REST v3) or `wiki` (Server and Data Center, REST v2).
    public var format: String
    public var comments: Bool
    /// Moment (`routed`, `approved`, ...) → the status the ticket moves to.
    public var transitions: [String: String]

    public init(format: String, comments: Bool, transitions: [String: String]) {
        self.format = format
        self.comments = comments
        self.transitions = transitions
    }
}
