import Foundation
import SignoffCore
import Testing
@testable import SignoffStore

/// Stored policies are parsed once per process and shared by every command,
/// transaction and verification; the sharing must never hand out the parse
/// of a source other than the one asked about.
@Suite struct ParsedPoliciesTests {
    static let source = """
        directory:
          people: {alice: {}, bob: {}}
        catalogue:
          payments-db:
            owners: [bob]
            environments: [production]
            entitlements: [read_replica]
            max_duration: 8h
        route:
          - name: owners
            steps: [{approvers: owners, count: 1}]
        """

    func stored(version: String, source: String) -> StoredPolicy {
        StoredPolicy(version: version, previousVersion: nil, file: "policy.yaml", source: source,
                     appliedAt: Date(timeIntervalSince1970: 1_800_000_000), appliedBy: Sample.alice, sequence: 1)
    }

    @Test func aVersionIsParsedOnceAndItsErrorsAreKept() throws {
        let version = "sha256:" + UUID().uuidString
        let policy = try stored(version: version, source: Self.source).parsed()
        #expect(policy.systems.map(\.name) == ["payments-db"])
        let broken = stored(version: "sha256:" + UUID().uuidString, source: "route: [unclosed")
        #expect(throws: SourceErrors.self) { try broken.parsed() }
        #expect(throws: SourceErrors.self) { try broken.parsed() }
    }

    /// A store written by hand may name one version for two sources: each
    /// caller still gets the parse of the source it holds.
    @Test func aVersionHeldWithAnotherSourceIsParsedAgain() throws {
        let version = "sha256:" + UUID().uuidString
        _ = try stored(version: version, source: Self.source).parsed()
        let other = Self.source.replacingOccurrences(of: "environments: [production]", with: "environments: [production, staging]")
        let policy = try stored(version: version, source: other).parsed()
        #expect(policy.systems.first?.environments == ["production", "staging"])
        #expect(throws: SourceErrors.self) { try stored(version: version, source: "route: [unclosed").parsed() }
        let applied = EventBody.PolicyApplied(version: version, previousVersion: nil, file: "policy.yaml", source: Self.source)
        #expect(try applied.parsed().systems.first?.environments == ["production"])
    }
}
