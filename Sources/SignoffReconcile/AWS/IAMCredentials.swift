import Foundation
import SignoffCore

/// One credential from AWS: a password, an access key, a signing certificate.
struct IAMCredential {
    var user: String
    /// `access key AKIA…` when the key's ID is known, else the report's slot (`access_key_1`).
    var id: String
    var keyID: String?
    var rotatedAt: Date?
    var lastUsed: CredentialUse
    var sourceID: String
}

/// `aws iam get-credential-report` (decoded): one row per user with the dates
/// of their password, access keys and certificates.
struct IAMCredentialReport {
    var account: String
    var users: [String]
    var credentials: [IAMCredential]

    static let columns = [
        "user", "arn", "user_creation_time", "password_enabled", "password_last_used", "password_last_changed",
        "password_next_rotation", "mfa_active", "access_key_1_active", "access_key_1_last_rotated",
        "access_key_1_last_used_date", "access_key_1_last_used_region", "access_key_1_last_used_service",
        "access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date",
        "access_key_2_last_used_region", "access_key_2_last_used_service", "cert_1_active", "cert_1_last_rotated",
        "cert_2_active", "cert_2_last_rotated",
    ]

    static func recognises(_ table: CSVTable) -> Bool {
        table.has("user") && table.has("arn") && table.has("access_key_1_active")
    }

    static func read(_ table: CSVTable) throws(SourceError) -> IAMCredentialReport {
        try table.require(columns, what: "an IAM credential report")
        var accounts = AccountCheck()
        var users: [String] = []
        var credentials: [IAMCredential] = []
        for row in table.rows {
            let user = table.value(row, "user")
            guard !user.isEmpty else { throw table.error(row, "user", "is empty") }
            let arn = table.value(row, "arn")
            guard let account = AccountCheck.account(of: arn) else {
                throw table.error(row, "arn", "\"\(arn)\" is not an IAM ARN", hint: "expected arn:aws:iam::ACCOUNT:…")
            }
            try accounts.note(account) { message, hint in table.error(row, "arn", message, hint: hint) }
            users.append(user)
            let created = try date(table, row, "user_creation_time")
            if try flag(table, row, "password_enabled") == true {
                credentials.append(IAMCredential(
                    user: user, id: "password", rotatedAt: try date(table, row, "password_last_changed") ?? created,
                    lastUsed: try use(table, row, "password_last_used"), sourceID: "credential report \(arn) password"))
            }
            for slot in 1...2 {
                guard try flag(table, row, "access_key_\(slot)_active") == true else { continue }
                credentials.append(IAMCredential(
                    user: user, id: "access_key_\(slot)", rotatedAt: try date(table, row, "access_key_\(slot)_last_rotated") ?? created,
                    lastUsed: try use(table, row, "access_key_\(slot)_last_used_date"),
                    sourceID: "credential report \(arn) access_key_\(slot)"))
            }
            for slot in 1...2 {
                guard try flag(table, row, "cert_\(slot)_active") == true else { continue }
                credentials.append(IAMCredential(
                    user: user, id: "certificate_\(slot)", rotatedAt: try date(table, row, "cert_\(slot)_last_rotated") ?? created,
                    lastUsed: .unknown, sourceID: "credential report \(arn) cert_\(slot)"))
            }
        }
        guard let account = accounts.account else {
            throw SourceError(file: table.file, position: SourcePosition(line: 2, column: 1), field: "",
                              message: "has no rows: a credential report always lists the account's root user",
                              hint: "generate the report again; it may have been cut off")
        }
        return IAMCredentialReport(account: account, users: users, credentials: credentials)
    }

    private static func flag(_ table: CSVTable, _ row: CSVTable.Row, _ column: String) throws(SourceError) -> Bool? {
        switch table.value(row, column) {
        case "true", "TRUE": return true
        case "false", "FALSE": return false
        case "not_supported", "N/A", "": return nil
        case let other: throw table.error(row, column, "\"\(other)\" is not true or false")
        }
    }

    private static func date(_ table: CSVTable, _ row: CSVTable.Row, _ column: String) throws(SourceError) -> Date? {
        let text = table.value(row, column)
        switch text {
        case "N/A", "not_supported", "no_information", "": return nil
        default:
            guard let date = ExportTime.parse(text) else {
                throw table.error(row, column, "\"\(text)\" is not a date and time", hint: "expected e.g. 2026-12-01T18:38:00+00:00 or N/A")
            }
            return date
        }
    }

    private static func use(_ table: CSVTable, _ row: CSVTable.Row, _ column: String) throws(SourceError) -> CredentialUse {
        switch table.value(row, column) {
        case "N/A": return .never
        case "no_information", "not_supported", "": return .unknown
        default: return try date(table, row, column).map { .at($0) } ?? .unknown
        }
    }
}

/// `aws iam list-access-keys` output: one response (`{"AccessKeyMetadata": […]}`),
/// or several merged by user name (`{"alice": […], "bob": […]}`).
struct IAMAccessKeyListing {
    var users: Set<String>
    var credentials: [IAMCredential]

    static func recognises(_ object: JSONObject) -> Bool {
        if object.has("AccessKeyMetadata") { return true }
        guard !object.members.isEmpty else { return false }
        return object.members.allSatisfy { member in
            guard case let .array(keys) = member.value.kind else { return false }
            return keys.allSatisfy { key in
                if case let .object(fields) = key.kind { return fields.contains { $0.key == "AccessKeyId" } }
                return false
            }
        }
    }

    static func read(_ object: JSONObject) throws(SourceError) -> IAMAccessKeyListing {
        var listing = IAMAccessKeyListing(users: [], credentials: [])
        if let keys = object.optional("AccessKeyMetadata") {
            if let truncated = object.optional("IsTruncated"), try truncated.bool() {
                throw truncated.error("is true: this is one page of the user's keys", hint: "list them with the AWS CLI, which merges the pages")
            }
            try listing.add(keys, user: nil)
        } else {
            for member in object.members {
                try listing.add(try object.required(member.key), user: member.key)
            }
        }
        return listing
    }

    private mutating func add(_ list: JSONCursor, user expected: String?) throws(SourceError) {
        if let expected { users.insert(expected) }
        for cursor in try list.array() {
            let key = try cursor.object()
            let userCursor = try key.required("UserName")
            let user = try userCursor.name()
            if let expected, !ExactName.same(user, expected) {
                throw userCursor.error("is \(user), in the list of \(expected)'s keys", hint: "the listing was altered or merged wrongly")
            }
            users.insert(user)
            let keyID = try key.required("AccessKeyId").name()
            let status = try key.required("Status").string()
            guard status == "Active" else {
                guard status == "Inactive" else { throw try key.required("Status").error("\"\(status)\" is not Active or Inactive") }
                continue
            }
            credentials.append(IAMCredential(user: user, id: "access key \(keyID)", keyID: keyID,
                                             rotatedAt: try key.required("CreateDate").date(), lastUsed: .unknown,
                                             sourceID: "access key listing \(keyID)"))
        }
    }
}

extension IAMCredential {
    /// The report's slots and the listing's keys describe the same keys: a
    /// slot rotated within the second a listed key was created is that key,
    /// named by its ID, with the report's last use.
    static func merge(report: [IAMCredential], listing: [IAMCredential]) -> [IAMCredential] {
        var merged = listing
        var remaining: [IAMCredential] = []
        for credential in report {
            guard credential.id.hasPrefix("access_key_"), let rotated = credential.rotatedAt,
                  let index = merged.firstIndex(where: { key in
                      ExactName.same(key.user, credential.user) && key.rotatedAt.map { abs($0.timeIntervalSince(rotated)) < 1 } == true
                          && key.lastUsed == .unknown
                  }) else {
                remaining.append(credential)
                continue
            }
            merged[index].lastUsed = credential.lastUsed
            merged[index].sourceID += ", " + credential.sourceID
        }
        return merged + remaining
    }
}
