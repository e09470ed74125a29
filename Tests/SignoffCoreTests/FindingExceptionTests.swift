import Foundation
import SignoffCore
import Testing

/// Accepting a finding as an exception: a rationale the policy accepts, an
/// end within `reconciliation.exceptions.max_duration`; in force until its end.
@Suite struct FindingExceptionTests {
    static let policy = try! Fixture.policy("""
        route:
          - {name: prod, when: {environment: production}, steps: [{approvers: manager}]}
        reconciliation:
          exceptions: {max_duration: 30d}
        """)
    static let why = "Vendor bridge account, removed with the Q1 migration"
    static let ops = Principal(name: "sam", authentication: .asserted)

    @Test(arguments: [
        (why, 29 * 86_400, nil as RefusalReason?),
        ("  " + why + "\n", 30 * 86_400, nil),
        ("because", 86_400, .rationaleTooShort),
        (why, 30 * 86_400 + 1, .overLimit),
        (why, 365 * 86_400, .overLimit),
    ])
    func except(rationale: String, seconds: Int, refused: RefusalReason?) {
        let now = Fixture.now
        let until = now.addingTimeInterval(TimeInterval(seconds))
        do {
            let draft = try Reconciliation.except(FindingRequestTests.finding(), concerning: nil, rationale: rationale,
                                                  until: until, by: Self.ops, policy: Self.policy, at: now)
            #expect(refused == nil, "accepted, but \(String(describing: refused)) was expected")
            guard case let .findingExcepted(excepted) = draft.body else { Issue.record("not a finding_excepted event"); return }
            #expect(excepted.findingID == "F-0123456789abcdef" && excepted.until == until)
            #expect(excepted.rationale == Self.why, "the rationale is recorded without the whitespace around it")
            #expect(draft.actor == Self.ops && draft.at == now && draft.requestID == nil)
        } catch {
            #expect(error.reason == refused, "\(error.message)")
            if error.reason == .overLimit { #expect(error.message.contains("max_duration")) }
        }
    }

    /// Nobody accepts their own access: not the identity the platform shows,
    /// not its owner, not the requester or subject owner of the grant it concerns.
    @Test(arguments: [
        ("sam", "sam", nil as String?, nil as String?),  // the identity the platform shows
        ("svc-rogue", "bob", nil, nil),                  // its owner (every finding here is bob's)
        ("svc-rogue", "sam", "sam", nil),                // the requester of the grant it concerns
        ("svc-rogue", "sam", nil, "sam"),                // that grant's subject owner
    ])
    func nobodyExceptsTheirOwnAccess(subject: String, person: String, requester: String?, subjectOwner: String?) {
        var finding = FindingRequestTests.finding(subject: subject)
        var grant: Grant?
        if requester != nil || subjectOwner != nil {
            var concerned = GrantConfirmationTests.grant(.active)
            concerned.terms.requester = requester ?? "alice"
            concerned.terms.subject.owner = subjectOwner ?? "alice"
            finding.requestID = concerned.requestID
            grant = concerned
        }
        let actor = Principal(name: person, authentication: .asserted)
        do {
            _ = try Reconciliation.except(finding, concerning: grant, rationale: Self.why, until: Fixture.now.addingTimeInterval(3600),
                                          by: actor, policy: Self.policy, at: Fixture.now)
            Issue.record("\(person) excepted a finding about their own access")
        } catch {
            #expect(error.reason == .notEligible)
            #expect(error.message.contains("nobody accepts their own access"), "\(error.message)")
        }
        // Someone the finding is not about may.
        let other = Principal(name: "erin", authentication: .asserted)
        #expect(Reconciliation.exceptionRefusal(finding, concerning: grant, by: other.name, policy: Self.policy) == nil)
    }

    /// A platform names people its own way: the repro, a Kubernetes User
    /// sam@acme.com holding cluster-admin, was excepted by sam himself.
    @Test(arguments: ["sam@acme.com", "SAM", "Sam@elsewhere.example", "\u{0455}am", "sam ", "\u{FF53}\u{FF41}\u{FF4D}", "Sa\u{1E3F}"])
    func nobodyExceptsTheirOwnAccessUnderThePlatformsSpelling(subject: String) {
        let finding = FindingRequestTests.finding(subject: subject)
        let actor = Principal(name: "sam", authentication: .asserted)
        do {
            _ = try Reconciliation.except(finding, concerning: nil, rationale: Self.why, until: Fixture.now.addingTimeInterval(3600),
                                          by: actor, policy: Self.policy, at: Fixture.now)
            Issue.record("sam excepted a finding about \(subject)")
        } catch {
            #expect(error.reason == .notEligible && error.message.contains("nobody accepts their own access"), "\(error.message)")
        }
        #expect(Reconciliation.exceptionRefusal(finding, concerning: nil, by: "erin", policy: Self.policy) == nil)
    }

    /// Where the directory gives a person's email, a platform identity of that address is theirs, however it is spelled.
    @Test func theDirectorysEmailMapsAPlatformIdentityToItsPerson() throws {
        let source = Fixture.directory.replacingOccurrences(of: "    sam: {}", with: "    sam: {email: s.mith@corp.example}")
            + "route:\n  - {name: prod, when: {environment: production}, steps: [{approvers: manager}]}\n"
        let policy = try Policy.parse(source: source, file: "policy.yaml")
        let finding = FindingRequestTests.finding(subject: "s.mith@corp.example")
        #expect(Reconciliation.exceptionRefusal(finding, concerning: nil, by: "sam", policy: policy) != nil)
        #expect(Reconciliation.exceptionRefusal(finding, concerning: nil, by: "sam", policy: Self.policy) == nil)
        #expect(Reconciliation.exceptionRefusal(finding, concerning: nil, by: "erin", policy: policy) == nil)
    }

    @Test func anExceptionHoldsUntilItsEndAndNotAfter() {
        let until = Fixture.now.addingTimeInterval(3600)
        let exception = FindingException(by: "sam", at: Fixture.now, until: until, rationale: Self.why, sequence: 9)
        #expect(exception.inForce(at: Fixture.now))
        #expect(exception.inForce(at: until.addingTimeInterval(-0.001)))
        #expect(!exception.inForce(at: until))
        #expect(!exception.inForce(at: until.addingTimeInterval(60)))
    }
}
