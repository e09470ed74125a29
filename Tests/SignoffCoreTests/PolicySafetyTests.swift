import Foundation
import Testing
@testable import SignoffCore

@Suite("Policy patterns in linear time")
struct LinearPatternTests {
    /// What each pattern matches, whole value, and what it does not.
    static let table: [(pattern: String, matches: [String], misses: [String])] = [
        ("abc", ["abc"], ["ab", "abcd", "xabc", ""]),
        ("pii(\\.[a-z_]+)?", ["pii", "pii.cards", "pii.card_holder"], ["pii.", "pii.Cards", "piix", "pii.a.b"]),
        ("a|b|", ["a", "b", ""], ["ab", "c"]),
        ("(a+)+b", ["ab", "aaab"], ["aaaa", "b", "aaac"]),
        ("a{2,3}", ["aa", "aaa"], ["a", "aaaa"]),
        ("a{2}", ["aa"], ["a", "aaa"]),
        ("a{2,}", ["aa", "aaaaa"], ["a"]),
        ("(?:ab)*c", ["c", "abc", "ababc"], ["ac", "abab"]),
        ("(?<env>prod|staging)-[0-9]+", ["prod-1", "staging-42"], ["prod-", "dev-1"]),
        ("[^a-c]x", ["dx", "zx"], ["ax", "cx", "x"]),
        ("[a\\-z]", ["a", "-", "z"], ["b"]),
        ("\\d+\\s\\w+", ["42 apples", "٤٢ ok"], ["42apples", "x y"]),
        ("\\D\\S\\W", ["ab!"], ["1b!", "a b!"]),
        (".*", ["", "anything"], ["line\nbreak"]),
        ("^svc-.*$", ["svc-ledger"], ["xsvc-ledger"]),
        ("a.c", ["abc", "a☃c"], ["ac"]),
        ("\\u{2603}\\x41", ["☃A"], ["☃a"]),
        ("colou?r", ["color", "colour"], ["colouur"]),
        ("(a|ab)(c|bcd)(d*)", ["abcd", "acd", "abcdddd"], ["abd"]),
        ("x*?y+?", ["xxy", "y"], ["x"]),
    ]

    @Test func matchesTheWholeValueAsDocumented() throws {
        for (pattern, matches, misses) in Self.table {
            let compiled = try LinearPattern(pattern)
            for value in matches { #expect(compiled.matches(value), "/\(pattern)/ should match \(value.debugDescription)") }
            for value in misses { #expect(!compiled.matches(value), "/\(pattern)/ should not match \(value.debugDescription)") }
        }
    }

    /// The catastrophic patterns of backtracking engines: the work per input
    /// character is bounded by the program, so twice the input is twice the
    /// steps. Counted, not timed.
    @Test(arguments: ["(a+)+b", "(a|a)*b", "(a*)*b", "(a|aa)+b", "((a+)+)+b", "(.*a){12}b"])
    func catastrophicPatternsAnswerInLinearSteps(pattern: String) throws {
        let compiled = try LinearPattern(pattern)
        let (matchedShort, short) = compiled.cost(String(repeating: "a", count: 2_000))
        let (matchedLong, long) = compiled.cost(String(repeating: "a", count: 4_000))
        #expect(!matchedShort && !matchedLong)
        #expect(Double(long) / Double(short) < 2.1, "\(pattern): \(short) steps for 2,000, \(long) for 4,000")
        #expect(long < 4_000 * 400, "\(pattern): \(long) steps for 4,000 characters")
    }

    @Test(arguments: [
        ("(a)\\1", "backreferences"), ("a(?=b)", "lookahead"), ("(?<=a)b", "lookbehind"), ("(?>a+)b", "atomic"),
        ("a++", "possessive"), ("\\bword", "word boundaries"), ("(?i)prod", "inline options"), ("a**", "repeats a repetition"),
        ("a{1001}", "above 1000"), ("(a", "never closed"), ("a)", "no group"), ("[a", "never closed"), ("[z-a]", "backwards"),
        ("a^", "may only start"), ("a$b", "may only end"), ("*a", "nothing before it"), ("\\p{L}", "Unicode properties"),
        ("[[:alpha:]]", "POSIX"), ("((a{100}){100}){100}", "too large"), ("x{", "must start a count"),
    ])
    func refusesWhatNeedsBacktrackingByName(pattern: String, words: String) {
        do {
            _ = try LinearPattern(pattern)
            Issue.record("/\(pattern)/ was accepted")
        } catch {
            #expect(error.message.contains(words), "/\(pattern)/: \(error)")
        }
    }

    @Test func policyCheckAndApplyNameTheRefusedConstruct() {
        let errors = Fixture.errors("""
            route:
              - name: r
                when: {scope: {matches: "(a)\\\\1"}}
                steps: [{approvers: owners, count: 1}]
            """)
        #expect(errors.count == 1)
        #expect(errors.first?.field == "route[0].when.scope.matches")
        #expect(errors.first?.message.contains("backreferences") == true, "\(errors)")
    }
}

@Suite("Policy directory sanity")
struct DirectorySanityTests {
    func policy(directory: String) throws -> Policy {
        try Policy.parse(source: """
            policy: t
            directory:
            \(directory)
            catalogue:
              db: {owners: [alice], environments: [prod], entitlements: [read], max_duration: 1d}
            route:
              - {name: r, steps: [{approvers: owners, count: 1}]}
            """, file: "p.yaml")
    }

    @Test func groupsNestedAThousandDeepLoadInLinearWork() throws {
        let depth = 1_000
        var lines = ["  people: [alice, " + (0..<depth).map { "p\($0)" }.joined(separator: ", ") + "]", "  groups:"]
        for level in 0..<depth {
            lines.append("    g\(level): [p\(level)" + (level + 1 < depth ? ", group:g\(level + 1)]" : "]"))
        }
        let parsed = try policy(directory: lines.joined(separator: "\n"))
        #expect(parsed.directory.expandedGroups["g0"]?.count == depth)
        #expect(parsed.directory.expandedGroups["g\(depth - 1)"] == ["p\(depth - 1)"])
        // A cycle a thousand deep is found, not a stack overflow.
        lines[lines.count - 1] = "    g\(depth - 1): [p\(depth - 1), group:g0]"
        #expect(throws: SourceErrors.self) { try policy(directory: lines.joined(separator: "\n")) }
    }

    /// When the directory next answers differently by the clock: a
    /// rotation's start or next turn (never for a rotation of one, past its
    /// start), a delegation's end; nil when nothing changes with time.
    @Test func theDirectorysNextChangeByTheClock() throws {
        let directory = try policy(directory: """
              people: [alice, bob, carol]
              rotations:
                pair: {members: [alice, bob], start: 2026-01-05T09:00:00Z, every: 1w}
                solo: {members: [carol], start: 2026-03-01T00:00:00Z, every: 1d}
              delegations:
                - {from: alice, to: carol, until: 2026-01-20T12:00:00Z}
            """)
        func date(_ text: String) throws -> Date { try #require(Timestamp.parse(text)) }
        #expect(directory.nextDirectoryChange(after: try date("2026-01-01T00:00:00Z")) == (try date("2026-01-05T09:00:00Z")))
        #expect(directory.nextDirectoryChange(after: try date("2026-01-05T09:00:00Z")) == (try date("2026-01-12T09:00:00Z")))
        #expect(directory.nextDirectoryChange(after: try date("2026-01-19T10:00:00Z")) == (try date("2026-01-20T12:00:00Z")),
                "the delegation ends before the next turn")
        #expect(directory.nextDirectoryChange(after: try date("2026-02-27T00:00:00Z")) == (try date("2026-03-01T00:00:00Z")), "the solo rotation starts")
        #expect(directory.nextDirectoryChange(after: try date("2026-03-01T00:00:00Z")) == (try date("2026-03-02T09:00:00Z")),
                "a rotation of one never turns to anyone else")
        let next = try #require(directory.nextDirectoryChange(after: try date("2026-03-03T00:00:00Z")))
        let onCall = { (at: Date) in directory.people(namedBy: ["rotation:pair"], at: at).map(\.name) }
        #expect(onCall(next.addingTimeInterval(-1)) != onCall(next.addingTimeInterval(1)), "someone else is on call after it")
        let still = try policy(directory: "  people: [alice, bob]")
        #expect(still.nextDirectoryChange(after: try date("2026-01-01T00:00:00Z")) == nil)
    }

    @Test func managerAndDelegationLoopsAreErrors() throws {
        let looped = try policy(directory: """
              people:
                alice: {manager: bob}
                bob: {manager: carol}
                carol: {manager: alice}
                dave: {manager: dave}
                erin: {manager: alice}
              delegations:
                - {from: alice, to: bob, until: 2030-01-01}
                - {from: bob, to: erin, until: 2030-01-01}
                - {from: erin, to: alice, until: 2030-01-01}
            """)
        let errors = looped.check().filter { $0.severity == .error }.map(\.message)
        #expect(errors.contains("managers form a loop: alice → manager bob → manager carol → manager alice"), "\(errors)")
        #expect(errors.contains("managers form a loop: dave → manager dave"), "\(errors)")
        #expect(errors.contains { $0.hasPrefix("delegations form a loop: alice → delegates to bob → delegates to erin → delegates to alice") },
                "\(errors)")
        #expect(errors.filter { $0.contains("loop") }.count == 3, "each loop once: \(errors)")
        // Reports must still terminate in a loop.
        #expect(Set(looped.reports(of: "alice")) == ["bob", "carol", "erin"])
    }

    @Test func lookalikeNamesAreErrors() throws {
        let parsed = try policy(directory: """
              people:
                alice: {}
                dave: {}
                "d\\u0430ve": {}
                paypal: {}
                "paypa1": {}
              groups:
                sre: [alice]
                "\\u0455re": [dave]
            """)
        let errors = parsed.check().filter { $0.severity == .error }.map(\.message)
        #expect(errors.contains { $0.contains("\"dave\"") && $0.contains("U+0430") }, "\(errors)")
        #expect(errors.contains { $0.contains("paypal") && $0.contains("paypa1") }, "\(errors)")
        #expect(errors.contains { $0.hasPrefix("groups whose names look alike") }, "\(errors)")
        #expect(Confusables.skeleton("dаve") == Confusables.skeleton("dave"))
        #expect(!Confusables.areConfusable("dave", "dave"))
        #expect(!Confusables.areConfusable("dave", "david"))
        #expect(Confusables.areConfusable("rn", "m"))
        #expect(try policy(directory: "  people: [alice, bob]").check().allSatisfy { !$0.message.contains("look alike") })
    }
}

@Suite("Every operator, both ways")
struct OperatorTests {
    /// One condition per operator, a request it holds for and one it does not.
    /// Keyed by the operator, so a new operator without a row fails here.
    static let cases: [ConditionOperator: (when: String, holds: String, fails: String)] = [
        .is: ("{environment: {is: production}}", "environment: production", "environment: staging"),
        .in: ("{access: {in: [write, admin]}}", "access: admin", "access: read"),
        .not: ("{environment: {not: production}}", "environment: staging", "environment: production"),
        .over: ("{duration: {over: 8h}}", "duration: 9h", "duration: 8h"),
        .under: ("{duration: {under: 8h}}", "duration: 7h", "duration: 8h"),
        .atLeast: ("{access: {at_least: write}}", "access: admin", "access: read"),
        .atMost: ("{access: {at_most: write}}", "access: write", "access: admin"),
        .like: ("{subject.name: {like: \"svc-*\"}}", "subject: {kind: service_account, name: svc-x, owner: alice}",
                "subject: {kind: service_account, name: app-x, owner: alice}"),
        .matches: ("{ticket: {matches: \"OPS-[0-9]+\"}}", "ticket: OPS-12", "ticket: OPS-x"),
        .inGroup: ("{requester: {in_group: sre}}", "requester: alice", "requester: carol"),
        .present: ("{ticket: {present: true}}", "ticket: OPS-1", "labels: {x: y}"),
        .includesAll: ("{revocation_triggers: {includes_all: [ticket_closed]}}",
                       "revocation_triggers: [{trigger: ticket_closed, ref: OPS-1}]", "labels: {x: y}"),
    ]

    @Test func everyOperatorHoldsAndFails() throws {
        #expect(Set(Self.cases.keys) == Set(ConditionOperator.allCases), "an operator has no row in this table")
        for op in ConditionOperator.allCases {
            let (when, holds, fails) = Self.cases[op]!
            let policy = try Fixture.policy("""
                deny:
                  - {name: probe, when: \(when), reason: probe}
                route:
                  - {name: r, steps: [{approvers: owners, count: 1}]}
                """)
            func routed(_ line: String) throws -> RouteOutcome {
                var fields = [
                    "requester: bob", "subject: {kind: service_account, name: svc-a, owner: bob}", "system: payments-db",
                    "environment: production", "entitlement: read_replica", "access: read", "purpose: p", "duration: 1h",
                ]
                let key = String(line.prefix { $0 != ":" })
                fields.removeAll { $0.hasPrefix(key + ":") }
                fields.append(line)
                let request = try RequestFile.parse(text: fields.joined(separator: "\n"), file: "r", policy: nil)[0].request
                return policy.route(request, submittedBy: request.requester ?? "bob", at: Date(timeIntervalSince1970: 1_780_000_000))
            }
            func denied(_ outcome: RouteOutcome) -> Bool {
                if case let .denied(matches) = outcome { return matches.contains { $0.rule == "probe" } }
                return false
            }
            #expect(denied(try routed(holds)), "\(op.rawValue) should hold for \(holds)")
            #expect(!denied(try routed(fails)), "\(op.rawValue) should fail for \(fails)")
        }
    }
}

@Suite("Roles")
struct RoleTests {
    static let roles = """
        roles:
          admins: {members: [person:carol, group:dba], may: [apply_policy, configure_hand_off, change_settings]}
          prov: {members: [account:ops], may: [report_provisioning]}
          sec: {members: [group:security], may: [revoke_any_grant]}
          tickets: {members: [account:jira-importer], may: [fire_trigger:ticket_closed]}
          oncall: {members: [rotation:sre-oncall], may: [fire_trigger:incident_resolved]}
        route:
          - {name: r, steps: [{approvers: owners, count: 1}]}
        """

    func policy(_ roles: String = RoleTests.roles) throws -> Policy {
        try Fixture.policy(roles.replacingOccurrences(of: "roles:", with: "roles:", options: [], range: nil))
    }

    @Test func rolesGrantTheirActionsAndNothingElse() throws {
        let source = Fixture.directory.replacingOccurrences(of: "  intake_agents: [jira-importer]", with: "  intake_agents: [jira-importer]\n  accounts: [ops]")
            + Self.roles
        let policy = try Policy.parse(source: source, file: "p.yaml")
        let at = Date(timeIntervalSince1970: 1_767_610_800)  // 2026-01-05T11:00:00Z: alice is on call
        func may(_ who: String, _ action: RoleAction, _ trigger: String? = nil) -> Bool {
            policy.may(who, RolePermission(action, trigger: trigger), storeCreator: "root", at: at).allowed
        }
        #expect(may("carol", .applyPolicy) && may("erin", .configureHandOff) && may("dave", .changeSettings))
        #expect(!may("alice", .applyPolicy) && !may("ops", .applyPolicy))
        #expect(may("ops", .reportProvisioning) && !may("dave", .reportProvisioning))
        #expect(may("sam", .revokeAnyGrant) && !may("dave", .revokeAnyGrant))
        #expect(may("jira-importer", .fireTrigger, "ticket_closed") && !may("jira-importer", .fireTrigger, "incident_resolved"))
        #expect(may("alice", .fireTrigger, "incident_resolved") && !may("bob", .fireTrigger, "incident_resolved"), "only who is on call now")
        // What no role grants stays with the store's creator.
        #expect(may("root", .fireTrigger, "owner_departed") && !may("carol", .fireTrigger, "owner_departed"))
        #expect(!may("root", .applyPolicy), "a policy that names administrators takes the creator's place")
        let decision = policy.may("alice", RolePermission(.applyPolicy), storeCreator: "root", at: at)
        #expect(decision.reason == "alice holds no role that grants apply_policy (roles: admins)")
    }

    @Test(arguments: [
        ("may: [approve_everything]", "is not an action a role can grant"),
        ("may: [fire_trigger]", "fire_trigger names the trigger it allows"),
        ("may: [fire_trigger:ticket_clozed]", "is not a revocation trigger of this policy"),
        ("may: [apply_policy:x]", "takes no \":\" part"),
        ("members: [person:zoe], may: [apply_policy]", "unknown person \"zoe\""),
        ("members: [account:robot], may: [apply_policy]", "unknown account \"robot\""),
        ("members: [owners], may: [apply_policy]", "is not a role member"),
    ])
    func mistakesInRolesAreErrors(body: String, message: String) {
        let text = body.hasPrefix("members") ? body : "members: [person:carol], " + body
        let errors = Fixture.errors("roles:\n  r: {\(text)}\nroute:\n  - {name: r, steps: [{approvers: owners, count: 1}]}\n")
        #expect(errors.contains { $0.message.contains(message) && $0.field.hasPrefix("roles.r") }, "\(errors)")
    }

    @Test func managersAndRevokersMayRevokeAndOthersAreToldWhyNot() throws {
        let policy = try Fixture.policy(Self.roles.replacingOccurrences(of: "account:ops", with: "person:erin")
            .replacingOccurrences(of: "account:jira-importer", with: "person:erin"))
        let grant = Grant(requestID: "REQ-1",
                          terms: GrantTerms(requester: "alice", subject: Subject(kind: .serviceAccount, name: "svc", owner: "alice"),
                                            system: "vault", environment: "production", entitlement: "secret_read", scope: nil,
                                            access: .read, revocationTriggers: [], ticket: nil, incident: nil, breakGlass: false),
                          state: .active, approvedAt: Date(timeIntervalSince1970: 0), approvers: ["sam"], policyVersion: "v",
                          duration: .hours(8), startsAt: nil, expiresAt: Date(timeIntervalSince1970: 1e10), selfActivated: false,
                          incidentReview: nil)
        let at = Date(timeIntervalSince1970: 1_767_610_800)
        #expect(Lifecycle.revokePermission(grant, by: "carol", policy: policy, at: at) == nil, "alice's manager")
        #expect(Lifecycle.revokePermission(grant, by: "tina", policy: policy, at: at) == nil, "security may revoke any grant")
        let refused = try #require(Lifecycle.revokePermission(grant, by: "frank", policy: policy, at: at))
        #expect(refused.reason == .notEligible)
        #expect(refused.message.contains("the requester's managers") && refused.message.contains("revoke_any_grant"))
    }
}
