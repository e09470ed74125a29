import Foundation
import SignoffCore

/// What an IAM policy document allows, in brief: enough to say when access
/// amounts to administration (any action, a whole service, IAM writes that
/// let a holder grant themselves more) and to show people what it allows.
/// It does not evaluate conditions, denies, boundaries or SCPs: where it
/// errs, it errs towards more access.
struct IAMPolicyDocument {
    /// `admin` when some statement allows administration; nil otherwise
    /// (IAM's actions have no reliable read/write split to derive more).
    var level: AccessLevel?
    /// `s3:* on *`, `ecs:UpdateService, iam:PassRole (+1) on *`, `3012 actions on *`.
    var summary: String

    /// Reads a document given as JSON, or as the URL-encoded JSON text the raw API returns.
    static func read(_ cursor: JSONCursor) throws(SourceError) -> IAMPolicyDocument {
        if case let .string(text) = cursor.value.kind {
            let decoded = text.removingPercentEncoding ?? text
            let value: JSONValue
            do {
                value = try JSONParser.parse(Array(decoded.utf8), file: cursor.file)
            } catch {
                throw cursor.error("is not a policy document: \(error.message)")
            }
            return try read(JSONCursor(value, file: cursor.file, path: cursor.path))
        }
        let document = try cursor.object()
        let statementCursor = try document.required("Statement", hint: "a policy document has Statement")
        let statements: [JSONCursor]
        if case .array = statementCursor.value.kind { statements = try statementCursor.array() } else { statements = [statementCursor] }
        var actions: [String] = []
        var resources: Set<String> = []
        var admin = false
        for statement in statements {
            let fields = try statement.object()
            guard try fields.optional("Effect")?.string() == "Allow" else { continue }
            if fields.has("NotAction") {
                admin = true
                actions.append("everything but " + (try strings(fields.required("NotAction"))).joined(separator: ", "))
            }
            let statementActions = try fields.optional("Action").map { cursor throws(SourceError) in try strings(cursor) } ?? []
            let statementResources = try fields.optional("Resource").map { cursor throws(SourceError) in try strings(cursor) }
                ?? (fields.has("NotResource") ? ["*"] : [])
            for action in statementActions {
                actions.append(action)
                if administers(action, resources: statementResources) { admin = true }
            }
            resources.formUnion(statementResources)
        }
        let resourceText = resources.count == 1 ? resources.first! : resources.isEmpty ? "nothing" : "\(resources.count) resources"
        let actionText: String
        switch actions.count {
        case 0: actionText = "no actions"
        case 1...3: actionText = actions.joined(separator: ", ")
        default: actionText = actions.count > 12 ? "\(actions.count) actions" : actions.prefix(2).joined(separator: ", ") + " (+\(actions.count - 2))"
        }
        return IAMPolicyDocument(level: admin ? .admin : nil, summary: "\(actionText) on \(resourceText)")
    }

    private static func strings(_ cursor: JSONCursor) throws(SourceError) -> [String] {
        if case .array = cursor.value.kind {
            var values: [String] = []
            for element in try cursor.array() { values.append(try element.string()) }
            return values
        }
        return [try cursor.string()]
    }

    /// Any action, a whole service, an IAM change, or assuming any role. An
    /// action is a pattern (`*` any run of characters, `?` one, across the
    /// `:` too, as IAM matches them): one that could name an IAM change
    /// (`*:AttachUserPolicy`, `ia?:CreateAccessKey`, `iam:*Policy`) is
    /// taken for one, erring towards more access.
    static func administers(_ action: String, resources: [String]) -> Bool {
        let lower = action.lowercased()
        if lower == "*" || lower == "*:*" || lower.hasSuffix(":*") { return true }
        let literal = lower.prefix { $0 != "*" && $0 != "?" }
        let wild = literal.count < lower.count
        // Could it name an IAM action: it starts so, or a wildcard comes before it could not.
        if literal.hasPrefix("iam:") || wild && "iam:".hasPrefix(literal) {
            // Only reads (get, list, generate, simulate), when its verb says so before any wildcard.
            let verb = lower.firstIndex(of: ":").map { lower[lower.index(after: $0)...] } ?? ""
            let verbLiteral = verb.prefix { $0 != "*" && $0 != "?" }
            if !["get", "list", "generate", "simulate"].contains(where: { verbLiteral.hasPrefix($0) }) { return true }
        }
        let assumes = ["sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity"]
        if lower.hasPrefix("sts:assumerole") || wild && assumes.contains(where: { globMatches(lower, $0) }) {
            return resources.contains(where: namesAnyRole)
        }
        return false
    }

    /// A resource that names every role (of an account, or of any):
    /// `*`, `arn:aws:iam::*:role/*`, `arn:aws:iam::123456789012:role/*`.
    static func namesAnyRole(_ resource: String) -> Bool {
        let lower = resource.lowercased()
        return lower == "*" || lower.hasSuffix(":*") || lower.hasSuffix(":role/*") || lower.hasSuffix(":role*")
    }

    /// Whether `pattern` (`*` and `?` as IAM reads them) matches all of `text`.
    static func globMatches(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern.utf8), t = Array(text.utf8)
        var i = 0, j = 0, star = -1, resume = 0
        while j < t.count {
            if i < p.count, p[i] == UInt8(ascii: "?") || p[i] == t[j] {
                i += 1; j += 1
            } else if i < p.count, p[i] == UInt8(ascii: "*") {
                star = i; resume = j; i += 1
            } else if star >= 0 {
                i = star + 1; resume += 1; j = resume
            } else {
                return false
            }
        }
        while i < p.count, p[i] == UInt8(ascii: "*") { i += 1 }
        return i == p.count
    }
}
