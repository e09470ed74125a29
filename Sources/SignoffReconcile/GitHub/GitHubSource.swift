import Foundation
import SignoffCore

/// GitHub: an organization's fine-grained personal access tokens
/// (`GET /orgs/ORG/personal-access-tokens`), each a credential its owner holds
/// with the permissions it was granted. A listing does not name its
/// organization: the command line does (`--organization`). Pages printed one
/// after another (`gh api --paginate`) or as a list of pages (`--slurp`) are read whole.
enum GitHubSource {
    static func read(_ files: [ExportFile], options: ReadOptions, policy: Policy) throws(SourceError) -> ObservationSink {
        let target = try ExportReader.target(.github, found: nil, options: options, policy: policy, file: files[0].name)
        // A token's name is whatever its maker typed; its owner is the account
        // that made it. A token is its owner and name: a grant for alice's
        // deploy-bot approves no deploy-bot of mallory's.
        var sink = ObservationSink(target: target, observedAt: options.now, grantTypes: ["permission"], of: PlatformKind.github.grantTypes, credentials: .all,
                                   ownersAttested: true)
        var seen: Set<String> = []
        for file in files {
            guard file.firstCharacter == "[" else {
                throw SourceError(file: file.name, position: SourcePosition(line: 1, column: 1), field: "$",
                                  message: "is not a token listing: the listing is a JSON list of tokens", hint: ReconcileSource.github.files)
            }
            for page in try JSONParser.parseSequence(file.utf8, file: file.name) {
                for element in try JSONCursor(page, file: file.name).array() {
                    if case .array = element.value.kind {
                        for token in try element.array() { try add(token, seen: &seen, to: &sink) }
                    } else {
                        try add(element, seen: &seen, to: &sink)
                    }
                }
            }
        }
        return sink
    }

    static func add(_ cursor: JSONCursor, seen: inout Set<String>, to sink: inout ObservationSink) throws(SourceError) {
        let token = try cursor.object()
        guard token.has("permissions"), token.has("owner") else {
            throw cursor.error("is not a fine-grained token (it has no owner and permissions)", hint: ReconcileSource.github.files)
        }
        let id = try token.required("id").identifier()
        guard seen.insert(id).inserted else {
            throw try token.required("id").error("lists token \(id) twice", hint: "pages overlap; list the tokens again")
        }
        let owner = try token.required("owner").object().required("login").name()
        let name = try token.present("token_name")?.name() ?? "token \(id)"
        if try token.present("token_expired")?.bool() == true { return }
        let selectionCursor = try token.required("repository_selection")
        let selection = try selectionCursor.string()
        let scope: ObservedScope
        switch selection {
        case "all": scope = .everywhere
        case "subset", "selected", "none": scope = .unscoped
        default: throw selectionCursor.error("\"\(selection)\" is not all, subset or none")
        }
        let subject = ObservedSubject(kind: .identity(.apiKey), name: name, owner: owner)
        let reach = selection == "all" ? "all repositories" : "selected repositories"
        let permissions = try token.required("permissions").object()
        for group in permissions.members {
            let groupCursor = try permissions.required(group.key)
            let grants = try groupCursor.object()
            for permission in grants.members {
                let levelCursor = try grants.required(permission.key)
                let levelText = try levelCursor.string()
                let level: AccessLevel
                switch levelText {
                case "read": level = .read
                case "write": level = .write
                case "admin": level = .admin
                default: throw levelCursor.error("\"\(levelText)\" is not read, write or admin")
                }
                // Every fine-grained token can read repository metadata; it is not worth a finding.
                if group.key == "repository", permission.key == "metadata", level == .read { continue }
                let qualified = "\(group.key)/\(permission.key)"
                sink.add(subject, type: "permission", names: [qualified],
                         // Without the token's name: a summary says whose it is ("deploy-bot holds …").
                         text: "\(qualified) \(levelText)" + (group.key == "repository" ? " on \(reach)" : "") + " (owner \(owner))",
                         scope: group.key == "repository" ? scope : .unscoped, access: level, sourceID: "token \(id) \(qualified)")
            }
        }
        let used: CredentialUse = try token.present("token_last_used_at").map { cursor throws(SourceError) in .at(try cursor.date()) } ?? .never
        sink.add(credential: subject, id: "token \(id)", rotatedAt: try token.present("access_granted_at")?.date(), lastUsed: used,
                 sourceID: "token \(id)")
    }
}
