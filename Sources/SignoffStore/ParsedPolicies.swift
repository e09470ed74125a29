import Foundation
import SignoffCore

/// Stored policies, parsed once per version for the whole process. A version
/// is the SHA-256 of its source, so a parse never goes stale.
final class ParsedPolicies: @unchecked Sendable {
    static let shared = ParsedPolicies()

    private let lock = NSLock()
    /// Nil for a source that does not parse.
    private var parsed: [String: Policy?] = [:]
    private var order: [String] = []
    /// Enough for the versions a long chain's verification walks through in turn.
    private let capacity = 16

    /// The policy, or nil when its source does not parse (the command layer
    /// refuses to decide anything under such a policy).
    func policy(_ stored: StoredPolicy) -> Policy? {
        policy(version: stored.version, source: stored.source, file: stored.file)
    }

    func policy(version: String, source: String, file: String) -> Policy? {
        lock.lock()
        if let policy = parsed[version] {
            lock.unlock()
            return policy
        }
        lock.unlock()
        let policy = try? Policy.parse(source: source, file: file)
        lock.lock()
        defer { lock.unlock() }
        if parsed[version] == nil {
            parsed[version] = .some(policy)
            order.append(version)
            if order.count > capacity { parsed.removeValue(forKey: order.removeFirst()) }
        }
        return policy
    }
}
