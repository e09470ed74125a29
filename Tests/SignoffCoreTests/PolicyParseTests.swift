import Foundation
import Testing
@testable import SignoffCore

struct ParseErrorCase: Sendable, CustomTestStringConvertible {
    var label: String
    var rules: String
    /// Line within `rules` (1-based) and column of the first error.
    var line: Int
    var column: Int
    var field: String
    var message: String
    var hint: String? = nil
    var testDescription: String { label }
}

@Suite("Policy parsing")
struct PolicyParseTests {
    static let cases: [ParseErrorCase] = [
        ParseErrorCase(label: "unknown field in a rule", rules: """
            route:
              - name: r
                wehn: {environment: staging}
                approve: automatically
            """, line: 3, column: 5, field: "route[0].wehn", message: "unknown field", hint: "did you mean \"when\"?"),
        ParseErrorCase(label: "unknown request field in a condition", rules: """
            route:
              - name: r
                when: {enviroment: staging}
                approve: automatically
            """, line: 3, column: 12, field: "route[0].when.enviroment", message: "unknown request field", hint: "did you mean \"environment\"?"),
        ParseErrorCase(label: "bad duration", rules: """
            deny:
              - name: d
                when: {duration: {over: 8 hours}}
                reason: too long
            route: []
            """, line: 3, column: 29, field: "deny[0].when.duration.over", message: "is not a duration"),
        ParseErrorCase(label: "unknown group in a step", rules: """
            route:
              - name: r
                steps:
                  - {approvers: group:sre-team, count: 1}
            """, line: 4, column: 21, field: "route[0].steps[0].approvers", message: "unknown group \"sre-team\""),
        ParseErrorCase(label: "invalid regex", rules: """
            route:
              - name: r
                when: {subject.name: {matches: "ci-[a-z"}}
                approve: automatically
            """, line: 3, column: 36, field: "route[0].when.subject.name.matches", message: "is not a pattern signoff can match"),
        ParseErrorCase(label: "wrong type: list where a count goes", rules: """
            route:
              - name: r
                steps:
                  - {approvers: owners, count: [2]}
            """, line: 4, column: 36, field: "route[0].steps[0].count", message: "expected text, found a list"),
        ParseErrorCase(label: "comparing text with over", rules: """
            route:
              - name: r
                when: {environment: {over: staging}}
                approve: automatically
            """, line: 3, column: 26, field: "route[0].when.environment.over", message: "environment cannot be compared with over: only access and duration are ordered"),
        ParseErrorCase(label: "misspelt system", rules: """
            route:
              - name: r
                when: {system: paymentsdb}
                approve: automatically
            """, line: 3, column: 20, field: "route[0].when.system", message: "\"paymentsdb\" is not a system in the catalogue", hint: "did you mean \"payments-db\"?"),
        ParseErrorCase(label: "unknown identity kind", rules: """
            route:
              - name: r
                when: {subject.kind: robot}
                approve: automatically
            """, line: 3, column: 26, field: "route[0].when.subject.kind", message: "\"robot\" is not an identity kind"),
        ParseErrorCase(label: "glob written as equality", rules: """
            route:
              - name: r
                when: {environment: prod-*}
                approve: automatically
            """, line: 3, column: 25, field: "route[0].when.environment", message: "contains * but equality is literal"),
        ParseErrorCase(label: "unknown group in in_group", rules: """
            route:
              - name: r
                when: {requester: {in_group: sre-oncall}}
                approve: automatically
            """, line: 3, column: 34, field: "route[0].when.requester.in_group", message: "unknown group \"sre-oncall\"", hint: "sre-oncall is a rotation; use rotation:sre-oncall"),
        ParseErrorCase(label: "approve with another word", rules: """
            route:
              - name: r
                approve: yes
            """, line: 3, column: 14, field: "route[0].approve", message: "the only value is automatically"),
        ParseErrorCase(label: "deny rule without when", rules: """
            deny:
              - name: d
                reason: nope
            route: []
            """, line: 2, column: 5, field: "deny[0].when", message: "is required but missing"),
        ParseErrorCase(label: "zero approvals", rules: """
            route:
              - name: r
                steps: [{approvers: owners, count: 0}]
            """, line: 3, column: 40, field: "route[0].steps[0].count", message: "must be at least 1"),
        ParseErrorCase(label: "more approvals than a step can gather", rules: """
            route:
              - name: r
                steps: [{approvers: owners, count: 1001}]
            """, line: 3, column: 40, field: "route[0].steps[0].count", message: "must be at most 1000"),
        ParseErrorCase(label: "a null is no name", rules: """
            route:
              - name: ~
                approve: automatically
            """, line: 2, column: 11, field: "route[0].name", message: "expected text, found null"),
        ParseErrorCase(label: "a tagged count", rules: """
            route:
              - name: r
                steps: [{approvers: owners, count: !!float 1}]
            """, line: 3, column: 40, field: "route[0].steps[0].count", message: "a value tagged tag:yaml.org,2002:float"),
    ]

    @Test(arguments: cases)
    func refusesWithPosition(_ test: ParseErrorCase) throws {
        let errors = Fixture.errors(test.rules)
        let first = try #require(errors.first)
        #expect(first.field == test.field)
        #expect(first.file == "policy.yaml")
        #expect(first.position == SourcePosition(line: Fixture.line(test.line), column: test.column), "\(first)")
        #expect(first.message.contains(test.message), "\(first)")
        if let hint = test.hint { #expect(first.hint?.contains(hint) == true, "\(first)") }
    }

    @Test func collectsSeveralErrorsAndRefusesTheWholeFile() {
        let errors = Fixture.errors("""
            deny:
              - name: d
                when: {acess: admin}
                reason: x
            route:
              - name: r
                steps: [{approvers: rotation:nobody}]
              - name: r2
                when: {duration: {over: soon}}
                approve: automatically
            """)
        #expect(errors.count == 3)
        #expect(errors.map(\.field) == ["deny[0].when.acess", "route[0].steps[0].approvers", "route[1].when.duration.over"])
    }

    /// One broken catalogue entry is one error: the rules that name its
    /// systems are not also reported as naming systems that do not exist.
    @Test func aBrokenCatalogueEntryIsReportedOnce() {
        let source = Fixture.directory.replacingOccurrences(of: "max_duration: 7d\nbreak_glass", with: "max_duration: 0h\nbreak_glass")
        #expect(source != Fixture.directory)
        let errors = Fixture.errors(source + """
            route:
              - name: vault
                when: {system: vault}
                steps: [{approvers: owners}]
            """, whole: true)
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.field.hasPrefix("catalogue.vault") == true, "\(errors)")
    }

    /// `settings.production_environments` adds environments of the catalogue
    /// to those whose names say production; a name the catalogue lacks is a
    /// typo that would leave production unmarked, so it is refused.
    @Test func productionEnvironmentsAreDeclaredFromTheCatalogue() throws {
        let route = "route:\n  - {name: r, approve: automatically}\n"
        let live = Fixture.directory.replacingOccurrences(of: "environments: [staging, production]\n    entitlements: [secret_read",
                                                          with: "environments: [staging, live]\n    entitlements: [secret_read")
        #expect(live != Fixture.directory)
        let undeclared = try Policy.parse(source: live + route, file: "policy.yaml")
        #expect(!undeclared.production.contains("live") && undeclared.production.contains("production"))
        let declared = try Policy.parse(source: live.replacingOccurrences(of: "policy: test\n", with: "policy: test\nsettings:\n  production_environments: [live]\n") + route,
                                        file: "policy.yaml")
        #expect(declared.production.contains("live") && declared.production.contains("production") && !declared.production.contains("staging"))

        let errors = Fixture.errors(Fixture.directory.replacingOccurrences(of: "policy: test\n", with: "policy: test\nsettings:\n  production_environments: [prodution]\n") + route,
                                    whole: true)
        let first = try #require(errors.first)
        #expect(errors.count == 1, "\(errors)")
        #expect(first.field == "settings.production_environments[0]", "\(first)")
        #expect(first.position == SourcePosition(line: 3, column: 29), "\(first)")
        #expect(first.message.contains("\"prodution\" is not an environment in the catalogue"), "\(first)")
        #expect(first.hint?.contains("did you mean \"production\"?") == true, "\(first)")
    }

    @Test func duplicateRuleNamesAreRefused() {
        let errors = Fixture.errors("""
            route:
              - {name: same, when: {environment: staging}, approve: automatically}
              - {name: same, when: {environment: production}, approve: automatically}
            """)
        #expect(errors.count == 1)
        #expect(errors.first?.message.contains("used twice") == true)
    }

    /// A rule may not take the name of a built-in denial.
    @Test(arguments: ["catalogue", "max-duration", "break-glass-incident"])
    func builtInDenialNamesAreReserved(_ name: String) {
        let errors = Fixture.errors("""
            route:
              - {name: \(name), when: {environment: staging}, approve: automatically}
            """)
        #expect(errors.count == 1 && errors.first?.field == "route[0].name", "\(errors)")
        #expect(errors.first?.message == "rule name \"\(name)\" is used twice or is reserved", "\(errors)")
    }

    @Test func unknownTopLevelFieldIsRefused() {
        let errors = Fixture.errors("routes: []\n")
        #expect(errors.map(\.field).contains("routes"))
        #expect(errors.contains { $0.hint?.contains("did you mean \"route\"?") == true })
    }

    @Test func emptyAndNonYAMLSourcesAreRefused() {
        #expect(!Fixture.errors("", whole: true).isEmpty)
        #expect(!Fixture.errors("route: [unclosed", whole: true).isEmpty)
        #expect(!Fixture.errors("- just\n- a list\n", whole: true).isEmpty)
    }

    /// Every key is read as text, so keys YAML's core schema would tell apart
    /// by type (`1` and `"1"`, `true` and `"true"`, `null` and `~`-less `"null"`)
    /// are the same key to signoff, and a file giving both is refused rather
    /// than read as whichever comes first.
    @Test(arguments: ["1: a\n\"1\": b\n", "true: a\n'true': b\n", "null: a\n\"null\": b\n"])
    func keysEqualAsTextAreDuplicates(_ text: String) {
        #expect(throws: SourceError.self) { try YAMLSource.documents(text: text, file: "keys.yaml") }
        do {
            _ = try YAMLSource.documents(text: text, file: "keys.yaml")
        } catch {
            #expect(error.message == "appears twice (first at line 1)", "\(error)")
            #expect(error.position?.line == 2, "\(error)")
        }
    }

    @Test func groupCyclesAreRefused() {
        let source = """
            directory:
              groups:
                a: [group:b]
                b: [group:a]
            catalogue: {}
            route: []
            """
        let errors = Fixture.errors(source, whole: true)
        #expect(errors.contains { $0.message.contains("groups contain each other") })
    }

    @Test func versionIsTheSHA256OfTheSource() throws {
        let policy = try Fixture.policy("route: []\n")
        #expect(policy.version.count == 64)
        #expect(policy.version == policy.version.lowercased())
        let other = try Fixture.policy("route: []\n# changed\n")
        #expect(policy.version != other.version)
        // Known digest of the empty-rules fixture is stable across parses.
        #expect(try Fixture.policy("route: []\n").version == policy.version)
    }

    @Test func settingsAndDirectoryAreExposed() throws {
        let policy = try Policy.parse(source: Fixture.directory.replacingOccurrences(of: "policy: test\n", with: "policy: test\nsettings: {minimum_rationale: 30, pending_timeout: 48h}\n") + "route: []\n",
                                      file: "p.yaml")
        #expect(policy.minimumRationale == 30)
        #expect(policy.pendingTimeout == .hours(48))
        #expect(policy.people == ["alice", "bob", "carol", "dave", "erin", "frank", "sam", "tina", "uma"])
        #expect(policy.systems.map(\.name) == ["payments-db", "vault"])
        #expect(policy.knowsPerson("dave") && !policy.knowsPerson("mallory"))
        #expect(policy.isIntakeAgent("jira-importer") && !policy.isIntakeAgent("alice"))
        #expect(policy.system(named: "vault")?.entitlements == ["secret_read", "policy_admin"])
    }
}
