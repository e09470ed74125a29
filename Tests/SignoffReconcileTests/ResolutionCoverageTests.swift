import Foundation
import SignoffCore
import Testing

/// A run that does not show a finding resolves it only when it showed, in
/// full, the place the finding is about: partial data is never removal.
@Suite struct ResolutionCoverageTests {
    static let namespaces = Coverage(targets: [Coverage.Target(
        system: "k8s", environment: "production", instance: "prod-eu1", grantTypes: ["cluster_role", "role"],
        scopes: ScopeCoverage(every: false, instanceWide: false, places: ["payments"]))])
    static let whole = Coverage(targets: [{
        var target = Coverage.Target(system: "k8s", environment: "production", instance: "prod-eu1", grantTypes: ["cluster_role", "role"],
                                     scopes: .all, credentials: .subjects(["ci"]))
        target.everyGrantType = true
        return target
    }()])
    /// Everywhere, but not every kind of grant (an AWS credential report alone).
    static let someKinds = Coverage(targets: [Coverage.Target(
        system: "k8s", environment: "production", instance: "prod-eu1", grantTypes: ["role"], scopes: .all)])

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var coverage: Coverage
        var kind: FindingKind
        var system = "k8s"
        var subject = "ci"
        var grantType: String? = "cluster_role"
        var scope: ObservedScope
        var resolves: Bool
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "the namespace the run showed", coverage: namespaces, kind: .unapproved, scope: .within("payments"), resolves: true),
        Case(name: "another namespace", coverage: namespaces, kind: .unapproved, scope: .within("billing"), resolves: false),
        Case(name: "cluster-wide, from a namespace export", coverage: namespaces, kind: .wider, scope: .everywhere, resolves: false),
        Case(name: "cluster-wide, from a whole export", coverage: whole, kind: .wider, scope: .everywhere, resolves: true),
        Case(name: "a grant type the run does not show", coverage: whole, kind: .unapproved, grantType: "group", scope: .within("payments"), resolves: false),
        Case(name: "another system", coverage: whole, kind: .unapproved, system: "payments-db", scope: .unscoped, resolves: false),
        Case(name: "an orphan, from a namespace export", coverage: namespaces, kind: .orphaned, grantType: nil, scope: .unscoped, resolves: false),
        Case(name: "an orphan, from a whole export", coverage: whole, kind: .orphaned, grantType: nil, scope: .unscoped, resolves: true),
        Case(name: "an orphan, from an export of some kinds of grant", coverage: someKinds, kind: .orphaned, grantType: nil,
             scope: .unscoped, resolves: false),
        Case(name: "a credential of a listed subject", coverage: whole, kind: .staleCredential, grantType: nil, scope: .unscoped, resolves: true),
        Case(name: "a credential of another subject", coverage: whole, kind: .staleCredential, subject: "deploy", grantType: nil, scope: .unscoped, resolves: false),
        Case(name: "credentials, from a run without them", coverage: namespaces, kind: .staleCredential, grantType: nil, scope: .unscoped, resolves: false),
    ]

    @Test(arguments: cases)
    func resolvesOnlyWhatTheRunShowedInFull(_ test: Case) {
        #expect(test.coverage.showsAbsence(of: test.kind, system: test.system, environment: "production", subject: test.subject,
                                           grantType: test.grantType, scope: test.scope) == test.resolves)
    }
}
