import Foundation
import SignoffCore
import Testing

/// A finding turned into a request: the file is pre-filled from the evidence,
/// leaves purpose, duration and owner to a person (and is refused until they
/// are written), carries hostile names exactly and safely, and names the
/// finding; only access findings with a catalogue entitlement become requests.
@Suite struct FindingRequestTests {
    static let policy = try! Fixture.policy("""
        route:
          - {name: prod, when: {environment: production}, steps: [{approvers: group:dba}]}
        """)

    static func finding(_ kind: FindingKind = .unapproved, subject: String = "svc-rogue", subjectKind: String = "service_account",
                        entitlement: String? = "read_replica", scope: String = "schema:ledger", open: Bool = true) -> StoredFinding {
        StoredFinding(id: "F-0123456789abcdef", kind: kind, system: "payments-db", environment: "production",
                      subjectKind: subjectKind, subject: subject, owner: "bob", entitlement: entitlement, grantType: "role",
                      scope: scope, requestID: nil, credentialID: nil, summary: "\(subject) holds read_replica with no approved grant",
                      open: open, firstSeenAt: Fixture.now, firstRun: 3, lastSeenAt: Fixture.now, lastRun: 4,
                      resolvedAt: open ? nil : Fixture.now, resolvedRun: open ? nil : 5, openedSequence: 9, exception: nil)
    }

    static let evidence = FindingRequest.Evidence(
        access: .read, native: "membership of role readonly_ledger",
        records: [FindingEvidence(sourceID: "pg-2", text: "svc-rogue member of readonly_ledger", observedAt: Fixture.now)],
        ticket: "OPS-7")

    /// What a person writes in place of the lines marked TO COMPLETE.
    static func completed(_ draft: String) -> String {
        draft.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            if line.contains("TO COMPLETE: owner:") { return "  owner: alice" }
            if line.contains("TO COMPLETE: purpose:") { return "purpose: The ledger export job reads these tables nightly" }
            if line.contains("TO COMPLETE: duration:") { return "duration: 7d" }
            return String(line)
        }.joined(separator: "\n")
    }

    @Test func theDraftIsRefusedUntilCompletedThenNamesTheFinding() throws {
        let draft = try FindingRequest.draft(Self.finding(), evidence: Self.evidence, policy: Self.policy)
        #expect(draft.contains("finding: F-0123456789abcdef") && draft.contains("entitlement: \"read_replica\""), "\(draft)")
        #expect(draft.contains("scope: \"schema:ledger\"") && draft.contains("access: read") && draft.contains("ticket: \"OPS-7\""))
        #expect(draft.contains("# seen: svc-rogue member of readonly_ledger (pg-2"), "the evidence is in the file, as comments")
        #expect(draft.components(separatedBy: "TO COMPLETE").count - 1 == 4, "owner, purpose, duration, and the header that names them")
        #expect(!draft.contains("purpose:") || draft.contains("# TO COMPLETE: purpose:"), "no purpose is ever invented")

        // As written, submitting it is refused: nothing is missing silently.
        #expect(throws: SourceErrors.self) { try RequestFile.parse(text: draft, file: "r.yaml", policy: Self.policy) }
        let entries = try RequestFile.parse(text: Self.completed(draft), file: "r.yaml", policy: Self.policy)
        let request = try #require(entries.first?.request)
        #expect(request.finding == "F-0123456789abcdef" && request.subject.name == "svc-rogue" && request.subject.owner == "alice")
        #expect(request.entitlement == "read_replica" && request.scope == "schema:ledger" && request.access == .read)
        #expect(FindingRequest.mismatch(request, finding: Self.finding(), id: "F-0123456789abcdef") == nil)
    }

    @Test func hostileNamesAreCarriedExactlyInPrintableASCII() throws {
        let name = "svc-\u{202E}gor\u{1F600}\"\\"
        let draft = try FindingRequest.draft(Self.finding(subject: name), evidence: Self.evidence, policy: Self.policy)
        #expect(draft.unicodeScalars.allSatisfy { $0.value == 0x0A || (0x20...0x7E).contains($0.value) }, "\(draft)")
        let request = try #require(try RequestFile.parse(text: Self.completed(draft), file: "r.yaml", policy: Self.policy).first?.request)
        #expect(request.subject.name == name)
    }

    @Test(arguments: [
        (finding(.unapproved), nil as String?),
        (finding(.wider), nil),
        (finding(.notRemoved), nil),
        (finding(.notProvisioned), "shows no access to ask for"),
        (finding(.orphaned), "shows no access to ask for"),
        (finding(.staleCredential), "shows no access to ask for"),
        (finding(open: false), "was resolved"),
        (finding(entitlement: nil), "maps to no entitlement"),
    ])
    func whichFindingsBecomeRequests(finding: StoredFinding, refused: String?) {
        let problem = FindingRequest.refusal(finding)
        #expect(problem?.description.contains(refused ?? "") ?? (refused == nil), "\(String(describing: problem))")
        #expect((problem == nil) == (refused == nil), "\(String(describing: problem))")
    }

    @Test func aGroupOrUnknownIdentityLeavesItsKindToAPerson() throws {
        let draft = try FindingRequest.draft(Self.finding(subjectKind: "group"), evidence: Self.evidence, policy: Self.policy)
        #expect(draft.contains("# TO COMPLETE: kind:") && !draft.contains("\n  kind:"), "\(draft)")
    }

    @Test func aRequestNamingAFindingMustAskForItsAccess() {
        var request = Fixture.request { $0.environment = "production"; $0.subject.name = "svc-other" }
        request.finding = "F-0123456789abcdef"
        #expect(FindingRequest.mismatch(request, finding: Self.finding(), id: "F-0123456789abcdef")?.description.contains("subject svc-rogue") == true)
        #expect(FindingRequest.mismatch(request, finding: nil, id: "F-0123456789abcdef")?.description.contains("there is no finding") == true)
    }
}
