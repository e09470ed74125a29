import Foundation
import SignoffCore
import Testing
@testable import SignoffReconcile

/// Names a platform keeps apart stay apart: Swift's `String` equality folds
/// canonically equivalent spellings (KELVIN SIGN + `afka` is `Kafka`), which
/// would let one identity pass as another.
@Suite struct ExactNameTests {
    static let kelvin = "\u{212A}afka-etl"

    @Test func exactNamesKeepCanonicallyEquivalentSpellingsApart() {
        // The premise: Swift itself treats them as one string.
        #expect(Self.kelvin == "Kafka-etl")
        #expect(ExactName(Self.kelvin) != ExactName("Kafka-etl"))
        #expect(Set([ExactName(Self.kelvin), ExactName("Kafka-etl")]).count == 2)
        #expect(ExactName("e\u{301}") != ExactName("\u{e9}"))
        #expect(ExactName("Kafka-etl") == ExactName(String("Kafka-etl".reversed().reversed())))
        #expect(!ExactName.same(Self.kelvin, "Kafka-etl") && ExactName.same("a", "a"))
        #expect(!ScopeText.within(.within("namespace:\u{212A}afka"), granted: "namespace:Kafka"))
        #expect(ScopeText.within(.within("namespace:Kafka"), granted: "Kafka"))
    }

    /// A schema whose name holds a dot is not a schema's table: its places
    /// are quoted as PostgreSQL quotes them, so `schema:ledger` holds
    /// `ledger.entries` and not `"ledger.secret".cards`.
    @Test func aDottedSchemaIsNotInsideTheSchemaItStartsWith() {
        let secret = PostgresSource.tablePlace("ledger.secret", "cards")
        #expect(secret == #"table:"ledger.secret".cards"#)
        #expect(!ScopeText.within(.within(secret), granted: "schema:ledger"))
        #expect(ScopeText.within(.within(PostgresSource.tablePlace("ledger", "entries")), granted: "schema:ledger"))
        #expect(PostgresSource.tablePlace("a.b", "c") != PostgresSource.tablePlace("a", "b.c"))
        #expect(PostgresSource.schemaPlace(#"we"ird"#) == #"schema:"we""ird""#)
    }

    static func export(_ roles: [(name: String, superuser: Bool)], memberships: [(role: String, member: String)] = []) -> String {
        let roleText = roles.map { role in
            """
            {"rolname": "\(role.name)", "rolsuper": \(role.superuser), "rolcreaterole": false, "rolcreatedb": false,
             "rolcanlogin": true, "rolreplication": false, "rolbypassrls": false}
            """
        }
        let membershipText = memberships.map { #"{"role": "\#($0.role)", "member": "\#($0.member)", "admin_option": false}"# }
        return """
        {"database": "payments", "exported_at": "2026-12-01T18:35:10Z",
         "roles": [\(roleText.joined(separator: ",\n")),
                   {"rolname": "readonly_ledger", "rolsuper": false, "rolcreaterole": false, "rolcreatedb": false,
                    "rolcanlogin": false, "rolreplication": false, "rolbypassrls": false}],
         "memberships": [\(membershipText.joined(separator: ","))]}
        """
    }

    @Test func aSuperuserSpelledLikeAGrantedRoleIsAnotherIdentity() throws {
        // The repro: a superuser login role named with KELVIN SIGN, listed
        // before the approved Kafka-etl, was one identity with it.
        let text = Self.export([(Self.kelvin, true), ("Kafka-etl", false)],
                               memberships: [("readonly_ledger", "Kafka-etl")])
        let run = try ExportReader.read(.postgresql, files: [try Fixtures.export("lookalike.json", text)],
                                        options: ReadOptions(now: Fixtures.now), policy: Fixtures.policy)
        let held = run.observed.observations.map { "\($0.subject.name.unicodeScalars.first!.value) \($0.entitlement ?? "-")" }.sorted()
        #expect(held == ["75 read_replica", "8490 superuser"])
        let grants = [grant("REQ-1", system: "payments-db", subject: "Kafka-etl", entitlement: "read_replica", access: .read)]
        let result = Reconciliation.compare(grants: grants, observed: run.observed, policy: Fixtures.policy, at: Fixtures.now)
        #expect(result.matched == 1)
        let unapproved = result.findings.filter { $0.kind == .unapproved }
        #expect(unapproved.count == 1)
        #expect(unapproved.first.map { $0.subject.name.unicodeScalars.elementsEqual(Self.kelvin.unicodeScalars) } == true)
        #expect(unapproved.first?.entitlement == "superuser")
    }

    @Test func theComparisonKeysIdentitiesByExactName() throws {
        // The same observations in the other order: still two identities.
        let text = Self.export([("Kafka-etl", false), (Self.kelvin, true)], memberships: [("readonly_ledger", Self.kelvin)])
        let run = try ExportReader.read(.postgresql, files: [try Fixtures.export("lookalike.json", text)],
                                        options: ReadOptions(now: Fixtures.now), policy: Fixtures.policy)
        let grants = [grant("REQ-1", system: "payments-db", subject: "Kafka-etl", entitlement: "read_replica"),
                      grant("REQ-2", system: "payments-db", subject: "Kafka-etl", entitlement: "superuser", access: .admin)]
        let result = Reconciliation.compare(grants: grants, observed: run.observed, policy: Fixtures.policy, at: Fixtures.now)
        #expect(result.matched == 0)
        #expect(result.findings.filter { $0.kind == .unapproved }.count == 2)
        // Kafka-etl holds nothing it was granted: provisioning's grants are not there.
        #expect(result.findings.filter { $0.kind == .notProvisioned }.map(\.requestID) == ["REQ-1", "REQ-2"])
    }

    @Test func anExportListingOneRoleTwiceIsRefused() throws {
        let twice = Self.export([("Kafka-etl", false), ("Kafka-etl", true)])
        let error = try #require(Fixtures.failure(.postgresql, [try Fixtures.export("twice.json", twice)]))
        #expect(error.file == "twice.json" && error.message.contains("lists role Kafka-etl a second time"))
        let csv = """
        rolname,rolsuper,rolcreaterole,rolcreatedb,rolcanlogin,rolreplication,rolbypassrls,rolvaliduntil
        Kafka-etl,f,f,f,t,f,f,
        Kafka-etl,t,f,f,t,f,f,

        """
        let csvError = try #require(Fixtures.failure(.postgresql, [try Fixtures.export("roles.csv", csv)], instance: "payments"))
        #expect(csvError.file == "roles.csv" && csvError.message.contains("a second time") && csvError.position?.line == 3)
    }

    @Test func kubernetesRefusesARoleDefinedTwice() throws {
        let roles = """
        {"apiVersion": "v1", "kind": "List", "items": [
          {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "reader"},
           "rules": [{"verbs": ["get"], "resources": ["pods"]}]},
          {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "reader"},
           "rules": [{"verbs": ["*"], "resources": ["*"]}]}]}
        """
        let error = try #require(Fixtures.failure(.kubernetes, [try Fixtures.export("roles.json", roles)], instance: "prod-eu1"))
        #expect(error.message.contains("defines ClusterRole reader a second time"))
    }
}
