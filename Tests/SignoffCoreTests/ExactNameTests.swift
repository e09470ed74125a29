import Foundation
import Testing
@testable import SignoffCore

/// Names are compared byte for byte everywhere: a request naming a system,
/// environment, entitlement or person in a spelling that is only canonically
/// equivalent to the policy's (KELVIN SIGN for K, a decomposed accent for a
/// precomposed one) is refused as bad input, and routing, `is`, `in`, `like`
/// and `matches` all agree about it.
@Suite("Names compared byte for byte")
struct ExactNameTests {
    static let policyText = """
        policy: exact
        directory:
          people:
            root: {}
            dave: {}
            frank: {}
            sam: {}
            tina: {}
            "Jos\\u00E9": {}
          groups:
            security: [sam, tina]
        catalogue:
          Kafka:
            owners: [dave, frank]
            environments: [production, "caf\\u00E9"]
            entitlements: [consume, admin]
            max_duration: 30d
        deny:
          - name: no-ai-agents-on-kafka
            when: {system: {like: "Kafka*"}, subject.kind: ai_agent}
            reason: AI agents never touch Kafka
          - name: no-jose
            when: {requester: {is: "Jos\\u00E9"}, environment: {in: ["caf\\u00E9"]}}
            reason: not there
        route:
          - name: kafka-admin
            when: {system: {matches: "Kafka"}, entitlement: admin}
            steps:
              - {approvers: owners, count: 1}
              - {approvers: group:security, count: 1}
          - name: kafka-by-name
            when: {system: Kafka}
            steps:
              - {approvers: owners, count: 1}
          - name: everything-else
            when: {environment: production}
            steps:
              - {approvers: group:security, count: 1}
        """

    static let kelvin = "\u{212A}afka"
    static let at = Date(timeIntervalSince1970: 1_767_610_800)

    func policy() throws -> Policy { try Policy.parse(source: Self.policyText, file: "p.yaml") }

    func request(system: String = "Kafka", environment: String = "production", entitlement: String = "admin",
                 kind: String = "ai_agent", requester: String? = nil, owner: String = "root") -> String {
        """
        \(requester.map { "requester: \"\($0)\"\n" } ?? "")subject: {kind: \(kind), name: bot-1, owner: "\(owner)"}
        system: "\(system)"
        environment: "\(environment)"
        entitlement: "\(entitlement)"
        access: admin
        purpose: Agent needs to administer topics for migration
        duration: 8h
        """
    }

    @Test func theSameTextIsNotTheSameName() {
        #expect(Self.kelvin == "Kafka")   // what Swift's String says
        #expect(!ExactName.same(Self.kelvin, "Kafka"))
        #expect(!ExactName.same("e\u{301}", "\u{E9}"))
        #expect(ExactName.lookalike(of: Self.kelvin, in: ["Kafka", "db"]) == "Kafka")
        #expect(ExactName.lookalike(of: "Kafka", in: ["Kafka"]) == nil)
        #expect(ExactName.spelled(Self.kelvin) == "\\u{212A}afka")
        var set = ExactNameSet(["Kafka"])
        #expect(!set.contains(Self.kelvin))
        #expect(set.insert(Self.kelvin).inserted)
    }

    /// Routing a request built in code (not read from a file): the Kelvin-sign
    /// system is not the catalogue's, so it is denied, never routed by a catch-all.
    @Test(arguments: [kelvin, "Kafka"])
    func routingComparesBytes(system: String) throws {
        let policy = try policy()
        let request = AccessRequest(requester: "root", subject: Subject(kind: .human, name: "root", owner: "root"),
                                    system: system, environment: "production", entitlement: "admin", scope: nil,
                                    access: .admin, purpose: "Needs to administer topics for migration", duration: TimeSpan(seconds: 3600),
                                    start: nil, end: nil, revocationTriggers: [], ticket: nil, breakGlass: false, incident: nil,
                                    labels: [:], notes: nil, finding: nil)
        let outcome = policy.route(request, submittedBy: "root", at: Self.at)
        if ExactName.same(system, "Kafka") {
            guard case let .steps(rule, _) = outcome else { Issue.record("plain spelling not routed: \(outcome)"); return }
            #expect(rule == "kafka-admin")
        } else {
            guard case let .denied(matches) = outcome else { Issue.record("Kelvin sign routed: \(outcome)"); return }
            #expect(matches.map(\.rule) == ["catalogue"])
            #expect(matches.first?.reason.contains("\\u{212A}afka") == true)
        }
    }

    @Test func conditionEqualityAgreesWithLikeAndMatches() throws {
        let policy = try policy()
        // `is`, `in`, `like` and `matches` on a value canonically equivalent to the rule's text.
        for (condition, value) in [("{is: Kafka}", Self.kelvin), ("{in: [Kafka, db]}", Self.kelvin),
                                   ("{like: \"Kafka*\"}", Self.kelvin), ("{matches: Kafka}", Self.kelvin)] {
            let parsed = try ConditionParser(directory: policy.directory, catalogue: policy.catalogue, catalogueIsWhole: false)
                .parse(try YAMLSource.documents(text: "{scope: \(condition)}", file: "c.yaml")[0])
            let plain = RequestFacts(request(scope: "Kafka"), submittedBy: "root")
            let odd = RequestFacts(request(scope: value), submittedBy: "root")
            #expect(parsed.holds(plain), "\(condition) should hold for Kafka")
            #expect(!parsed.holds(odd), "\(condition) should not hold for \\u{212A}afka")
        }
        // `in` over a long list is a set: the same answer.
        let many = (0..<12).map { "s\($0)" } + ["Kafka"]
        let long = try ConditionParser(directory: policy.directory, catalogue: policy.catalogue, catalogueIsWhole: false)
            .parse(try YAMLSource.documents(text: "{scope: {in: [\(many.joined(separator: ", "))]}}", file: "c.yaml")[0])
        #expect(long.holds(RequestFacts(request(scope: "Kafka"), submittedBy: "root")))
        #expect(!long.holds(RequestFacts(request(scope: Self.kelvin), submittedBy: "root")))
        // `in_group` and `requester: {is:}` compare people byte for byte too.
        let group = try ConditionParser(directory: policy.directory, catalogue: policy.catalogue, catalogueIsWhole: false)
            .parse(try YAMLSource.documents(text: "{requester: {in_group: security}}", file: "c.yaml")[0])
        #expect(group.holds(RequestFacts(request(scope: "x", requester: "sam"), submittedBy: "sam")))
        #expect(!group.holds(RequestFacts(request(scope: "x", requester: "s\u{61}m\u{200B}"), submittedBy: "x")))
    }

    func request(scope: String, requester: String = "root") -> AccessRequest {
        AccessRequest(requester: requester, subject: Subject(kind: .human, name: "root", owner: "root"),
                      system: "Kafka", environment: "production", entitlement: "admin", scope: scope,
                      access: .admin, purpose: "Needs to administer topics for migration", duration: TimeSpan(seconds: 3600),
                      start: nil, end: nil, revocationTriggers: [], ticket: nil, breakGlass: false, incident: nil,
                      labels: [:], notes: nil, finding: nil)
    }

    /// A request file naming the system, environment, entitlement or a person
    /// in another spelling is refused at that field, with the policy's spelling.
    @Test(arguments: [
        ("system", 2, ExactNameTests.kelvin, "Kafka"),
        ("environment", 3, "cafe\u{301}", "caf\\u{00E9}"),
        ("subject.owner", 1, "Jose\u{301}", "Jos\\u{00E9}"),
        ("requester", 1, "Jose\u{301}", "Jos\\u{00E9}"),
    ])
    func aRequestMustSpellNamesAsThePolicyDoes(field: String, line: Int, value: String, spelling: String) throws {
        let policy = try policy()
        let text: String
        switch field {
        case "system": text = request(system: value)
        case "environment": text = request(environment: value)
        case "subject.owner": text = request(owner: value)
        default: text = request(requester: value)
        }
        do {
            _ = try RequestFile.parse(text: text, file: "r.yaml", policy: policy)
            Issue.record("\(field) spelt \(ExactName.spelled(value)) was accepted")
        } catch {
            let problem = try #require(error.errors.first)
            #expect(problem.field == field)
            #expect(problem.file == "r.yaml")
            #expect(problem.position?.line == line)
            #expect(problem.position?.column != nil)
            #expect(problem.message.contains("is not spelt as in"))
            #expect(problem.hint?.contains("\"\(spelling)\"") == true, "\(problem)")
        }
        // The policy's own spelling is accepted.
        let plain: String
        switch field {
        case "system": plain = request()
        case "environment": plain = request(environment: "caf\u{E9}")
        case "subject.owner": plain = request(owner: "Jos\u{E9}")
        default: plain = request(requester: "Jos\u{E9}")
        }
        #expect(try RequestFile.parse(text: plain, file: "r.yaml", policy: policy).count == 1)
    }

    @Test func theDirectoryIsLookedUpByBytes() throws {
        let policy = try policy()
        #expect(policy.knowsPerson("Jos\u{E9}"))
        #expect(!policy.knowsPerson("Jose\u{301}"))
        #expect(policy.lookalikePerson(of: "Jose\u{301}") == "Jos\u{E9}")
        #expect(policy.system(named: "Kafka") != nil)
        #expect(policy.system(named: Self.kelvin) == nil)
        // Two spellings of one name in the directory are refused, not two people.
        let twice = Self.policyText.replacingOccurrences(of: "    tina: {}\n", with: "    tina: {}\n    \"Jose\\u0301\": {}\n")
        #expect(throws: SourceErrors.self) { try Policy.parse(source: twice, file: "p.yaml") }
    }
}
