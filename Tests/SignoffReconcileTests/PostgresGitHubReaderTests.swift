import Foundation
import SignoffCore
import Testing
@testable import SignoffReconcile

@Suite struct PostgresReaderTests {
    @Test func theExportQuerysJSONShowsLoginRolesAndWhatTheyHold() throws {
        let run = try Fixtures.read(.postgresql, ["postgresql/pg15-grants-export.json"])
        let target = try #require(run.observed.coverage.targets.first)
        #expect(target.system == "payments-db" && target.environment == "production" && target.instance == "payments")
        #expect(target.grantTypes == ["attribute", "role", "schema_privilege", "table_privilege"])
        // The export says when it was made; that is when the access was seen.
        #expect(run.observed.observations.allSatisfy { $0.observedAt == Fixtures.date("2026-12-01T18:35:10Z") })
        #expect(run.held(by: "svc_ledger_etl") == ["read_replica@:read"])
        #expect(run.held(by: "alice") == ["read_replica@:read"])
        #expect(run.held(by: "svc_migrator") == [
            "-DELETE@table:ledger.entries:write", "-INSERT@table:ledger.entries:write", "-UPDATE@table:ledger.entries:write",
            "-USAGE@schema:ledger:read", "schema_migrate@schema:ledger:admin",
        ])
        #expect(run.held(by: "breakglass_admin") == ["superuser@:admin"])
        #expect(run.held(by: "old_contractor") == ["-SELECT@table:public.audit_log:read"])
        #expect(run.held(by: "dave") == ["-createrole@:admin"])
        // postgres is the platform's own; a group role (readonly_ledger) is not an identity; PUBLIC's default USAGE is not news.
        #expect(run.held(by: "postgres").isEmpty && run.ignored > 0)
        #expect(run.held(by: "readonly_ledger").isEmpty && run.held(by: "PUBLIC").isEmpty)
        let superuser = try #require(run.observed.observations.first { $0.subject.name == "breakglass_admin" })
        #expect(superuser.native.text == "role attribute SUPERUSER; VALID UNTIL 2026-11-20T00:00:00.000Z (passed: the role remains)")
    }

    @Test func psqlCSVFilesCoverWhatTheyHold() throws {
        let run = try Fixtures.read(.postgresql, ["postgresql/pg15-pg_roles.csv", "postgresql/pg15-role_table_grants.csv"], instance: "payments")
        let target = try #require(run.observed.coverage.targets.first)
        // No membership or schema privileges here: grants of roles are not covered, so none can be missed.
        #expect(target.grantTypes == ["attribute", "table_privilege"])
        #expect(run.held(by: "svc_migrator") == ["-DELETE@table:ledger.entries:write", "-INSERT@table:ledger.entries:write",
                                                 "-UPDATE@table:ledger.entries:write"])
        #expect(run.held(by: "svc_ledger_etl").isEmpty)
        let unnamed = try #require(Fixtures.failure(.postgresql, [try Fixtures.file("postgresql/pg15-pg_roles.csv")]))
        #expect(unnamed.message.contains("does not say which database"))
        let grantsOnly = try #require(Fixtures.failure(.postgresql, [try Fixtures.file("postgresql/pg15-role_table_grants.csv")], instance: "payments"))
        #expect(grantsOnly.message.contains("holds no roles"))
        let elsewhere = try #require(Fixtures.failure(.postgresql, [try Fixtures.file("postgresql/pg15-grants-export.json")], instance: "payments_staging"))
        #expect(elsewhere.message.contains("database payments, not payments_staging"))
    }

    @Test func refusesOtherFiles() throws {
        let sql = try #require(Fixtures.failure(.postgresql, [try Fixtures.file("postgresql/setup.sql")], instance: "payments"))
        #expect(sql.message.contains("is not a PostgreSQL export") && sql.position?.line == 2)
        let tokens = try #require(Fixtures.failure(.postgresql, [try Fixtures.file("github/go-github-org-fine-grained-pats.json")]))
        #expect(tokens.message.contains("is a JSON list"))
        let future = try String(contentsOf: Fixtures.directory.appendingPathComponent("postgresql/pg15-grants-export.json"), encoding: .utf8)
            .replacingOccurrences(of: "2026-12-01T18:35:10Z", with: "2031-01-01T00:00:00Z")
        let late = try #require(Fixtures.failure(.postgresql, [try Fixtures.export("late.json", future)]))
        #expect(late.message.contains("cannot come from the future") && late.field == "$.exported_at")
    }
}

@Suite struct GitHubReaderTests {
    @Test func tokensAreCredentialsWithPermissions() throws {
        let run = try Fixtures.read(.github, ["github/go-github-org-fine-grained-pats.json"], instance: "acme")
        let target = try #require(run.observed.coverage.targets.first)
        #expect(target.system == "github-org" && target.grantTypes == ["permission"] && target.credentials == .all)
        // metadata: read comes with every token and is left out.
        #expect(run.held(by: "token 25381") == ["org_members@:read"])
        let token = try #require(run.observed.observations.first)
        #expect(token.subject == ObservedSubject(kind: .identity(.apiKey), name: "token 25381", owner: "octocat"))
        let credential = try #require(run.observed.credentials.first)
        #expect(credential.credentialID == "token 25381" && credential.lastUsed == .never)
        #expect(credential.rotatedAt == Fixtures.date("2006-01-02T05:00:00Z"))
    }

    @Test func pagesPrintedOneAfterAnotherReadAsOneListing() throws {
        let fixture = try String(contentsOf: Fixtures.directory.appendingPathComponent("github/go-github-org-fine-grained-pats.json"), encoding: .utf8)
        let second = fixture.replacingOccurrences(of: "\"id\": 25381", with: "\"id\": 25382")
            .replacingOccurrences(of: "\"repository_selection\": \"all\"", with: "\"repository_selection\": \"subset\"")
            .replacingOccurrences(of: "\"metadata\": \"read\"", with: "\"contents\": \"write\"")
        let run = try ExportReader.read(.github, files: [try Fixtures.export("pages.json", fixture + second)],
                                        options: ReadOptions(instance: "acme", now: Fixtures.now), policy: Fixtures.policy)
        #expect(run.held(by: "token 25382") == ["org_members@:read", "repo_read@:write"])
        let repeated = try #require(Fixtures.failure(.github, [try Fixtures.export("twice.json", fixture + fixture)], instance: "acme"))
        #expect(repeated.message.contains("lists token 25381 twice"))
        let unnamed = try #require(Fixtures.failure(.github, [try Fixtures.file("github/go-github-org-fine-grained-pats.json")]))
        #expect(unnamed.message.contains("does not say which organization"))
    }
}

@Suite struct GenericReaderTests {
    static let lines = """
    {"system": "billing-api", "environment": "production", "subject_kind": "service_account", "subject_name": "svc-refunds", "subject_owner": "bob", "entitlement": "api_write", "access": "write", "source_id": "key-1", "observed_at": "2026-12-01T10:00:00Z"}

    {"system": "billing-api", "environment": "production", "subject_kind": "unknown", "subject_name": "legacy-batch", "entitlement": "refunds_v1", "scope": "*", "source_id": "key-2", "observed_at": "2026-12-01T10:00:00Z"}
    """

    @Test func jsonLinesAndCSVReadTheSame() throws {
        let jsonl = try ExportReader.read(.generic, files: [try Fixtures.export("billing.jsonl", Self.lines)],
                                          options: ReadOptions(covers: ["billing-api/production"], now: Fixtures.now), policy: Fixtures.policy)
        let csv = try ExportReader.read(.generic, files: [try Fixtures.export("billing.csv", """
            system,environment,subject_kind,subject_name,subject_owner,entitlement,scope,access,source_id,observed_at
            billing-api,production,service_account,svc-refunds,bob,api_write,,write,key-1,2026-12-01T10:00:00Z
            billing-api,production,unknown,legacy-batch,,refunds_v1,*,,key-2,2026-12-01T10:00:00Z
            """)], options: ReadOptions(covers: ["billing-api/production"], now: Fixtures.now), policy: Fixtures.policy)
        for run in [jsonl, csv] {
            #expect(run.held(by: "svc-refunds") == ["api_write@:write"])
            // An entitlement the catalogue does not have is access it cannot approve.
            #expect(run.held(by: "legacy-batch") == ["-refunds_v1@*:?"])
            // Read when its earliest record says.
            #expect(run.observed.coverage == Coverage(targets: [Coverage.Target(system: "billing-api", environment: "production",
                                                                                observedAt: Fixtures.date("2026-12-01T10:00:00Z"))]))
            #expect(run.observed.observations.first?.subject.owner == "bob")
        }
    }

    @Test func refusesWhatItCannotPlace() throws {
        func failure(_ text: String, covers: [String] = ["billing-api/production"], name: String = "o.jsonl") throws -> SourceError {
            try #require(Fixtures.failure(.generic, [try Fixtures.export(name, text)], covers: covers))
        }
        #expect(try failure(Self.lines, covers: []).message.contains("does not say what it covers"))
        #expect(try failure(Self.lines, covers: ["billing-api/qa"]).message.contains("is not a catalogue system and environment"))
        let outside = try failure(Self.lines, covers: ["payments-db/production"])
        #expect(outside.message.contains("billing-api/production is not among what --covers names") && outside.position?.line == 1)
        let typo = try failure(Self.lines.replacingOccurrences(of: "\"billing-api\"", with: "\"biling-api\""))
        #expect(typo.message.contains("not in the catalogue") && typo.hint?.contains("did you mean billing-api?") == true)
        let field = try failure(Self.lines.replacingOccurrences(of: "\"scope\"", with: "\"scopes\""))
        #expect(field.message.contains("is not a field") && field.position?.line == 3 && field.field == "$.scopes")
        let kind = try failure(Self.lines.replacingOccurrences(of: "\"unknown\"", with: "\"robot\""))
        #expect(kind.message.contains("is not a kind of identity") && kind.position?.line == 3)
        let columns = try failure("system,environment,who\nbilling-api,production,x\n", name: "o.csv")
        #expect(columns.message.contains("has no column subject_kind"))
        let extra = try failure("""
            system,environment,subject_kind,subject_name,entitlement,source_id,observed_at,colour
            billing-api,production,unknown,x,api_read,1,2026-12-01T10:00:00Z,red
            """, name: "o.csv")
        #expect(extra.message.contains("is not a column") && extra.field == "colour")
        #expect(try failure("\n\n").message.contains("is empty"))
    }
}
