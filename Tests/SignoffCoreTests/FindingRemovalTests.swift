import Foundation
import SignoffCore
import Testing

/// Sending a finding for removal: only open access findings, once, with a
/// rationale the policy accepts; the document says exactly what to remove.
@Suite struct FindingRemovalTests {
    static let ops = Principal(name: "sam", authentication: .asserted)
    static let why = "Nobody owns svc-rogue; the platform team removes the membership"

    static func opened(_ finding: StoredFinding) -> EventBody.FindingOpened {
        .init(findingID: finding.id, kind: finding.kind, run: 3, system: finding.system, environment: finding.environment,
              subjectKind: finding.subjectKind, subject: finding.subject, owner: finding.owner, entitlement: finding.entitlement,
              grantType: "role", native: "svc-rogue member of readonly_ledger", scope: finding.scope, access: .read,
              requestID: nil, credentialID: nil, summary: finding.summary,
              evidence: [.init(sourceID: "pg-2", text: "svc-rogue member of readonly_ledger", observedAt: Fixture.now)])
    }

    @Test(arguments: [
        (FindingRequestTests.finding(.unapproved), nil as String?),
        (FindingRequestTests.finding(.wider), nil),
        (FindingRequestTests.finding(.notRemoved), nil),
        (FindingRequestTests.finding(.notProvisioned), "shows no access to remove"),
        (FindingRequestTests.finding(.orphaned), "shows no access to remove"),
        (FindingRequestTests.finding(.staleCredential), "shows no access to remove"),
        (FindingRequestTests.finding(open: false), "was resolved"),
        ({ var f = FindingRequestTests.finding(); f.removal = FindingRemoval(by: "tina", at: Fixture.now, rationale: why, sequence: 12, handOff: .failed, outcome: "disk full"); return f }(), "already requested by tina"),
    ])
    func whichFindingsCanBeSent(finding: StoredFinding, refused: String?) {
        let problem = Reconciliation.removalRefusal(finding)
        #expect((problem == nil) == (refused == nil), "\(String(describing: problem))")
        if let refused { #expect(problem?.contains(refused) == true, "\(String(describing: problem))") }
    }

    @Test func theEventAndTheDocumentSayExactlyWhatToRemove() throws {
        let finding = FindingRequestTests.finding()
        let policy = FindingRequestTests.policy
        let terms = Reconciliation.removalTerms(finding, opened: Self.opened(finding), policy: policy)
        #expect(terms.sourceIDs == ["pg-2"] && terms.grantType == "role" && terms.native == "svc-rogue member of readonly_ledger")
        #expect(terms.subject == "svc-rogue" && terms.scope == "schema:ledger" && terms.access == .read)
        #expect(throws: Refusal.self) {
            try Reconciliation.requestRemoval(finding, terms: terms, rationale: "bad", by: Self.ops, policy: policy, at: Fixture.now)
        }
        let draft = try Reconciliation.requestRemoval(finding, terms: terms, rationale: " \(Self.why)\n", by: Self.ops, policy: policy,
                                                      at: Fixture.now)
        guard case let .findingRemovalRequested(requested) = draft.body else { Issue.record("not a removal request"); return }
        #expect(requested.findingID == finding.id && requested.rationale == Self.why && requested.terms == terms)
        #expect(draft.actor == Self.ops && draft.requestID == nil)

        let document = RemovalDocument(findingID: finding.id, requestedBy: "sam", requestedAt: Fixture.now, rationale: Self.why,
                                       terms: terms).encoded()
        let json = try #require(try JSONSerialization.jsonObject(with: document) as? [String: Any])
        #expect(json["schema"] as? String == "signoff.removal/1" && json["action"] as? String == "remove")
        #expect((json["platform"] as? [String: Any])?["as_exported"] as? String == "svc-rogue member of readonly_ledger")
        #expect(json["source_ids"] as? [String] == ["pg-2"] && json["requested_by"] as? String == "sam")
    }
}
