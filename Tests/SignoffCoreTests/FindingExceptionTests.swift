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
            let draft = try Reconciliation.except("F-0123456789abcdef", rationale: rationale, until: until, by: Self.ops,
                                                  policy: Self.policy, at: now)
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

    @Test func anExceptionHoldsUntilItsEndAndNotAfter() {
        let until = Fixture.now.addingTimeInterval(3600)
        let exception = FindingException(by: "sam", at: Fixture.now, until: until, rationale: Self.why, sequence: 9)
        #expect(exception.inForce(at: Fixture.now))
        #expect(exception.inForce(at: until.addingTimeInterval(-0.001)))
        #expect(!exception.inForce(at: until))
        #expect(!exception.inForce(at: until.addingTimeInterval(60)))
    }
}
