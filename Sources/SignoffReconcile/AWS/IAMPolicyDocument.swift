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

    /// Any action, a whole service, an IAM change, or assuming any role.
    static func administers(_ action: String, resources: [String]) -> Bool {
        let lower = action.lowercased()
        if lower == "*" || lower == "*:*" || lower.hasSuffix(":*") { return true }
        if lower.hasPrefix("iam:") {
            let verb = lower.dropFirst(4)
            return !["get", "list", "generate", "simulate"].contains { verb.hasPrefix($0) }
        }
        if lower.hasPrefix("sts:assumerole") { return resources.contains("*") }
        return false
    }
}
