import Foundation
import SignoffCore

/// AWS IAM: the account authorization details (who holds which policies), the
/// credential report and access-key listings (how old and idle each
/// credential is). The account is the instance; the export names it.
enum AWSSource {
    static func read(_ files: [ExportFile], options: ReadOptions, policy: Policy) throws(SourceError) -> ObservationSink {
        var details: (IAMAuthorizationDetails, String)?
        var report: (IAMCredentialReport, String)?
        var listings: [IAMAccessKeyListing] = []
        var account: (name: String, file: String)?
        func note(_ found: String, _ file: String) throws(SourceError) {
            if let account, account.name != found {
                throw SourceError(file: file, position: nil, field: "",
                                  message: "is of account \(found), but \(account.file) is of account \(account.name)",
                                  hint: "one run reads one account; reconcile each account separately")
            }
            account = (found, file)
        }
        for file in files {
            if let first = file.firstCharacter, first == "{" || first == "[" {
                let root = JSONCursor(try JSONParser.parse(file.utf8, file: file.name), file: file.name)
                let object = try root.object()
                if IAMAuthorizationDetails.recognises(object) {
                    guard details == nil else { throw root.error("is a second account authorization export in one run", hint: "give one per run") }
                    let read = try IAMAuthorizationDetails.read(object)
                    try note(read.account, file.name)
                    details = (read, file.name)
                } else if IAMAccessKeyListing.recognises(object) {
                    listings.append(try IAMAccessKeyListing.read(object))
                } else if object.has("PolicyGroups") || object.has("PolicyUsers") {
                    throw root.error("is a list-entities-for-policy response, which does not say which policy it lists",
                                     hint: "export get-account-authorization-details instead: it shows every policy and who holds it")
                } else {
                    throw root.error("is not an AWS IAM export this reader knows (it has \(object.keys.prefix(4).joined(separator: ", ")))",
                                     hint: ReconcileSource.aws.files)
                }
            } else {
                let table = try CSVTable.parseExport(file, what: "an IAM credential report or an IAM JSON export")
                guard IAMCredentialReport.recognises(table) else {
                    throw SourceError(file: file.name, position: SourcePosition(line: 1, column: 1), field: "",
                                      message: "is not an IAM credential report (its header is \(table.header.prefix(6).joined(separator: ",")))",
                                      hint: ReconcileSource.aws.files)
                }
                guard report == nil else {
                    throw SourceError(file: file.name, position: nil, field: "", message: "is a second credential report in one run")
                }
                let read = try IAMCredentialReport.read(table)
                try note(read.account, file.name)
                report = (read, file.name)
            }
        }
        let target = try ExportReader.target(.aws, found: account, options: options, policy: policy, file: files[0].name)
        var credentials: CredentialCoverage = .none
        if report != nil {
            credentials = .all
        } else if !listings.isEmpty {
            credentials = .subjects(listings.reduce(into: Set<String>()) { $0.formUnion($1.users) })
        }
        var sink = ObservationSink(target: target, observedAt: options.now,
                                   grantTypes: details == nil ? [] : ["policy", "group", "inline_policy"],
                                   of: PlatformKind.aws.grantTypes, credentials: credentials)
        var subjects: [ExactName: ObservedSubject] = [:]
        if let details = details?.0 {
            for principal in details.principals {
                let subject = subject(principal)
                if !principal.isRole { subjects[ExactName(principal.name)] = subject }
                add(principal, as: subject, details: details, to: &sink)
            }
        }
        let keys = IAMCredential.merge(report: report?.0.credentials ?? [], listing: listings.flatMap(\.credentials))
        for key in keys {
            sink.add(credential: subjects[ExactName(key.user)] ?? ObservedSubject(kind: .unknown, name: key.user), id: key.id,
                     rotatedAt: key.rotatedAt, lastUsed: key.lastUsed, sourceID: key.sourceID)
        }
        return sink
    }

    /// A principal's kind and owner come from its `kind` and `owner` tags, where it has them.
    static func subject(_ principal: IAMAuthorizationDetails.Principal) -> ObservedSubject {
        let kind = principal.tags["kind"].flatMap(IdentityKind.init(rawValue:)).map(ObservedKind.identity) ?? .unknown
        return ObservedSubject(kind: kind, name: principal.name, owner: principal.tags["owner"].flatMap { $0.isEmpty ? nil : $0 })
    }

    /// What the catalogue may map a managed policy by. A bare name is an AWS
    /// managed policy's (`ReadOnlyAccess` is `arn:aws:iam::aws:policy/ReadOnlyAccess`):
    /// anyone who may create policies can name one of theirs `ReadOnlyAccess`,
    /// so a customer managed policy is mapped by its ARN only, written with its
    /// account (`arn:aws:iam::123456789012:policy/deploy`) or with `*` for the
    /// account of whichever environment the export is (`arn:aws:iam::*:policy/deploy`).
    static func mappingNames(_ attached: IAMAuthorizationDetails.AttachedPolicy) -> [String] {
        if attached.arn.utf8.starts(with: "arn:aws:iam::aws:policy/".utf8) {
            // By the ARN's own last part: the attachment's PolicyName is only what the export says of it.
            return [attached.arn.split(separator: "/").last.map(String.init) ?? attached.arn, attached.arn]
        }
        let parts = attached.arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[2] == "iam" else { return [attached.arn] }
        return [attached.arn, parts[0..<4].joined(separator: ":") + ":*:" + parts[5]]
    }

    /// Every policy a principal holds: attached, inline, and through its groups
    /// (a group the catalogue maps is that entitlement; an unmapped group's policies are each observed).
    static func add(_ principal: IAMAuthorizationDetails.Principal, as subject: ObservedSubject,
                    details: IAMAuthorizationDetails, to sink: inout ObservationSink) {
        let noun = principal.isRole ? "role" : "user"
        func addPolicy(_ attached: IAMAuthorizationDetails.AttachedPolicy, via: String) {
            let document = details.policies[ExactName(attached.arn)]?.document
            sink.add(subject, type: "policy", names: mappingNames(attached), nativeName: attached.name, key: "policy \(attached.arn)",
                     text: "managed policy \(attached.name) \(via)" + (document.map { ": \($0.summary)" } ?? ""),
                     scope: .unscoped, access: document?.level, sourceID: "\(principal.arn) \(via) \(attached.arn)",
                     computedForMapped: false)
        }
        func addInline(_ inline: IAMAuthorizationDetails.InlinePolicy, of owner: String) {
            sink.add(subject, type: "inline_policy", names: [inline.name], key: "inline_policy \(owner) \(inline.name)",
                     text: "inline policy \(inline.name) of \(owner): \(inline.document.summary)", scope: .unscoped,
                     access: inline.document.level, sourceID: "\(principal.arn) inline \(owner) \(inline.name)",
                     computedForMapped: false)
        }
        for name in principal.groups {
            guard let group = details.groups[ExactName(name)] else { continue }
            if sink.target.mapping.entitlement(type: "group", name: name) != nil {
                sink.add(subject, type: "group", names: [name], text: "member of IAM group \(name)", scope: .unscoped,
                         access: nil, sourceID: "\(principal.arn) group \(name)", computedForMapped: false)
                continue
            }
            for attached in group.attached { addPolicy(attached, via: "through group \(name)") }
            for inline in group.inline { addInline(inline, of: "group \(name)") }
        }
        for attached in principal.attached { addPolicy(attached, via: "attached to the \(noun)") }
        for inline in principal.inline { addInline(inline, of: "the \(noun)") }
    }
}
