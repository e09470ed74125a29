import Foundation
import SignoffCore

/// Stored policies, parsed once per version for the whole process. A version
/// is the SHA-256 of its source, so a parse never goes stale; a store whose
/// version does not match its source (one written by hand) still gets the
/// parse of the source it holds, because a hit must hold the same source.
final class ParsedPolicies: @unchecked Sendable {
    static let shared = ParsedPolicies()

    private let lock = NSLock()
    /// Each version's source and its policy, or why it does not parse.
    private var parsed: [String: (source: String, result: Result<Policy, SourceErrors>)] = [:]
    private var order: [String] = []
    /// Enough for the versions a long chain's verification walks through in turn.
    private let capacity = 16

    /// The policy, or nil when its source does not parse (the command layer
    /// refuses to decide anything under such a policy).
    func policy(version: String, source: String, file: String) -> Policy? {
        try? parse(version: version, source: source, file: file).get()
    }

    func parse(version: String, source: String, file: String) -> Result<Policy, SourceErrors> {
        if let known = lock.withLock({ parsed[version] }), known.source == source { return known.result }
        return parseAndKeep(version: version, source: source, file: file)
    }

    /// The same, from a stored row's bytes as SQLite holds them: a hit
    /// compares the source byte for byte and makes no `String` of it, so a
    /// transaction that only needs the policy in force does not copy its
    /// whole text (the common case: every decision's transaction).
    func parse(version: String, sourceBytes: UnsafeRawBufferPointer, file: () -> String) -> Result<Policy, SourceErrors> {
        if let known = lock.withLock({ parsed[version] }), Self.equal(known.source, sourceBytes) { return known.result }
        return parseAndKeep(version: version, source: String(decoding: sourceBytes, as: UTF8.self), file: file())
    }

    private static func equal(_ source: String, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var source = source
        return source.withUTF8 { utf8 in
            utf8.count == bytes.count && (utf8.isEmpty || memcmp(utf8.baseAddress!, bytes.baseAddress!, utf8.count) == 0)
        }
    }

    private func parseAndKeep(version: String, source: String, file: String) -> Result<Policy, SourceErrors> {
        let result = Result { () throws(SourceErrors) in try Policy.parse(source: source, file: file) }
        lock.withLock {
            if parsed[version] == nil {
                parsed[version] = (source, result)
                order.append(version)
                if order.count > capacity { parsed.removeValue(forKey: order.removeFirst()) }
            }
        }
        return result
    }
}

/// The policy in force in a transaction: its version, and its parse or why its source does not parse.
public struct PolicyInForce: Sendable {
    public var version: String
    public var parsed: Result<Policy, SourceErrors>
}

extension StoredPolicy {
    /// The policy this version holds, parsed once per process (every command
    /// and transaction of the process shares the parse).
    public func parsed() throws(SourceErrors) -> Policy {
        try ParsedPolicies.shared.parse(version: version, source: source, file: file).get()
    }
}

extension EventBody.PolicyApplied {
    /// The policy this event applies, parsed once per process like `StoredPolicy.parsed()`.
    public func parsed() throws(SourceErrors) -> Policy {
        try ParsedPolicies.shared.parse(version: version, source: source, file: file).get()
    }
}
