import Crypto
import Foundation
import SignoffCore
import Testing

/// The statement a person signs: exact bytes, rebuilt from the event and the
/// chain before it, and nothing signed that nobody decided.
@Suite struct DecisionStatementTests {
    let dave = Principal(name: "dave", authentication: .osAccount)
    let at = Date(timeIntervalSince1970: 1_763_717_400.125)
    /// The chained hash of the store's first event, as /3 statements name it.
    static let store = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    let context = DecisionStatement.Context(
        policyVersion: "7a2d", request: .init(version: 2, submissionSHA256: "5e1f"), store: Self.store)

    func statement(_ body: EventBody, requestID: String? = "REQ-1", context: DecisionStatement.Context? = nil)
        -> DecisionStatement? {
        let draft = EventDraft(requestID: requestID, actor: dave, at: at, body: body)
        return DecisionStatement(draft: draft, payload: body.encodedPayloadBytes(), context: context ?? self.context)
    }

    func sha256(_ bytes: [UInt8]) -> String { DecisionStatement.hex(SHA256.hash(data: bytes)) }

    @Test func anApprovalStatesExactlyWhatWasDecided() throws {
        let body = EventBody.reviewRecorded(.init(verdict: .approve, rationale: "Read replica only, \"8h\"\n",
                                                  requestVersion: 2, policyVersion: "7a2d"))
        let text = try #require(statement(body)).text
        #expect(text == #"{"action":"approve","actor":"dave","at":1763717400125,"kind":"review_recorded","payload_sha256":""# + sha256(body.encodedPayloadBytes()) + #"","policy_version":"7a2d","rationale":"Read replica only, \"8h\"\n","request_id":"REQ-1","request_sha256":"5e1f","request_version":2,"schema":"signoff.statement/3","store":""# + Self.store + #""}"#)
        // The same bytes as Foundation's sorted-key encoder would write: canonical JSON.
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        #expect(object?["rationale"] as? String == "Read replica only, \"8h\"\n")
    }

    @Test func everyDetailOfTheEventChangesTheStatement() throws {
        let base = EventBody.reviewRecorded(.init(verdict: .approve, rationale: "fine by me, checked OPS-1",
                                                  requestVersion: 2, policyVersion: "7a2d"))
        let original = try #require(statement(base))
        let variants: [DecisionStatement?] = [
            statement(.reviewRecorded(.init(verdict: .deny, rationale: "fine by me, checked OPS-1", requestVersion: 2,
                                            policyVersion: "7a2d"))),
            statement(.reviewRecorded(.init(verdict: .approve, rationale: "fine by me, checked OPS-2", requestVersion: 2,
                                            policyVersion: "7a2d"))),
            statement(base, requestID: "REQ-2"),
            statement(base, context: .init(policyVersion: "9999", request: context.request, store: Self.store)),
            statement(base, context: .init(policyVersion: "7a2d", request: .init(version: 3, submissionSHA256: "5e1f"), store: Self.store)),
            statement(base, context: .init(policyVersion: "7a2d", request: .init(version: 2, submissionSHA256: "0000"), store: Self.store)),
            DecisionStatement(draft: EventDraft(requestID: "REQ-1", actor: Principal(name: "erin", authentication: .osAccount),
                                                at: at, body: base),
                              payload: base.encodedPayloadBytes(), context: context),
            DecisionStatement(draft: EventDraft(requestID: "REQ-1", actor: dave, at: at.addingTimeInterval(0.001), body: base),
                              payload: base.encodedPayloadBytes(), context: context),
            // The same decision in another store, made to match this one.
            statement(base, context: .init(policyVersion: "7a2d", request: context.request,
                                           store: String(Self.store.reversed()))),
        ]
        for variant in variants {
            #expect(try #require(variant) != original)
        }
    }

    @Test func aSubmissionIsSignedWithTheIDAndVersionItCreates() throws {
        let request = AccessRequest(requester: "dave", subject: Subject(kind: .serviceAccount, name: "svc", owner: "dave"),
                                    system: "payments-db", environment: "production", entitlement: "read_replica",
                                    access: .read, purpose: "nightly reconciliation", duration: .hours(8))
        let body = EventBody.requestSubmitted(.init(request: request))
        let payloadHash = sha256(body.encodedPayloadBytes())
        let text = try #require(statement(body, requestID: "REQ-7", context: .init(policyVersion: "7a2d", request: nil, store: Self.store))).text
        #expect(text == #"{"action":"submit","actor":"dave","at":1763717400125,"kind":"request_submitted","payload_sha256":""# + payloadHash + #"","policy_version":"7a2d","request_id":"REQ-7","request_sha256":""# + payloadHash + #"","request_version":1,"schema":"signoff.statement/3","store":""# + Self.store + #""}"#)
        // The same content submitted as another request is another statement.
        let other = try #require(statement(body, requestID: "REQ-8", context: .init(policyVersion: "7a2d", request: nil, store: Self.store))).text
        #expect(other != text)
        var extending = request
        extending.extends = "REQ-3"
        let extended = try #require(statement(.requestSubmitted(.init(request: extending)), requestID: "REQ-8"))
        #expect(extended.action == .extend)
        #expect(extended.text.contains(#""extends":"REQ-3""#))
        #expect(extended.text.contains(#""request_id":"REQ-8""#))
    }

    @Test func aRemovalRequestNamesTheFindingAndBindsWhatToRemove() throws {
        let terms = EventBody.RemovalTerms(kind: .unapproved, system: "payments-db", environment: "production", instance: nil,
                                           subjectKind: "service_account", subject: "svc-rogue", owner: nil,
                                           entitlement: "read_replica", grantType: "role", platformObject: "readonly_ledger",
                                           native: "GRANT readonly_ledger TO svc-rogue", scope: "", access: .read,
                                           sourceIDs: ["pg-2"], requestID: nil)
        let body = EventBody.findingRemovalRequested(.init(findingID: "F-0123456789abcdef", rationale: "nobody owns this role",
                                                           terms: terms))
        let removal = try #require(statement(body, requestID: nil, context: .init(policyVersion: "7a2d", request: nil, store: Self.store)))
        #expect(removal.action == .requestRemoval)
        #expect(removal.text == #"{"action":"request_removal","actor":"dave","at":1763717400125,"finding_id":"F-0123456789abcdef","kind":"finding_removal_requested","payload_sha256":""# + sha256(body.encodedPayloadBytes()) + #"","policy_version":"7a2d","rationale":"nobody owns this role","schema":"signoff.statement/3","store":""# + Self.store + #""}"#)
        // Another subject to remove under the same finding and words is another statement.
        var other = terms
        other.subject = "svc-payments"
        let moved = try #require(statement(.findingRemovalRequested(.init(findingID: "F-0123456789abcdef",
                                                                          rationale: "nobody owns this role", terms: other)),
                                           requestID: nil, context: .init(policyVersion: "7a2d", request: nil, store: Self.store)))
        #expect(moved != removal)
    }

    /// /1's statements, rebuilt for verifying signatures made before a store
    /// adopted /2: a submission's original form names only its content.
    @Test func aSubmissionsSchema1FormsAreItsContentAloneOrWithItsID() throws {
        let request = AccessRequest(requester: "dave", subject: Subject(kind: .serviceAccount, name: "svc", owner: "dave"),
                                    system: "payments-db", environment: "production", entitlement: "read_replica",
                                    access: .read, purpose: "nightly reconciliation", duration: .hours(8))
        let body = EventBody.requestSubmitted(.init(request: request))
        let payloadHash = sha256(body.encodedPayloadBytes())
        let draft = EventDraft(requestID: "REQ-7", actor: dave, at: at, body: body)
        let forms = DecisionStatement.olderForms(draft: draft, payload: body.encodedPayloadBytes(),
                                                 context: .init(policyVersion: "7a2d", request: nil, store: Self.store))
        #expect(forms.map(\.text) == [
            #"{"action":"submit","actor":"dave","at":1763717400125,"kind":"request_submitted","payload_sha256":""# + payloadHash + #"","policy_version":"7a2d","request_id":"REQ-7","request_sha256":""# + payloadHash + #"","request_version":1,"schema":"signoff.statement/2"}"#,
            #"{"action":"submit","actor":"dave","at":1763717400125,"kind":"request_submitted","payload_sha256":""# + payloadHash + #"","policy_version":"7a2d","request_sha256":""# + payloadHash + #"","schema":"signoff.statement/1"}"#,
            #"{"action":"submit","actor":"dave","at":1763717400125,"kind":"request_submitted","payload_sha256":""# + payloadHash + #"","policy_version":"7a2d","request_id":"REQ-7","request_sha256":""# + payloadHash + #"","request_version":1,"schema":"signoff.statement/1"}"#,
        ])
        #expect(forms.map(\.schema) == [.v2, .v1, .v1])
        let current = try #require(statement(body, requestID: "REQ-7", context: .init(policyVersion: "7a2d", request: nil, store: Self.store)))
        #expect(current.schema == .v3 && current.text.hasSuffix(#""schema":"signoff.statement/3","store":""# + Self.store + #""}"#))
        // /3's statement is /2's with the store named, and nothing else changed.
        #expect(current.text.replacingOccurrences(of: #"3","store":""# + Self.store + #"""#, with: #"2""#) == forms[0].text)
    }

    /// Where a chain adopted each schema: adopting one adopts those before
    /// it not yet adopted, at the same place, and the first place found stays.
    @Test func olderStatementsCountUntilTheChainAdoptedTheNextSchema() {
        typealias Schema = DecisionStatement.Schema
        func refusals(_ older: DecisionStatement.OlderStatements) -> [String?] {
            Schema.allCases.map { older.refusal(of: $0).map { "\($0.adopted.short) since \($0.since)" } }
        }
        var older = DecisionStatement.OlderStatements.accepted
        #expect(refusals(older) == [nil, nil, nil])
        older.adopt(.v3, since: "event 9")
        #expect(refusals(older) == ["/2 since event 9", "/3 since event 9", nil])
        older = .accepted
        older.adopt(.v2, since: "event 4")
        older.adopt(.v2, since: "event 6")
        #expect(refusals(older) == ["/2 since event 4", nil, nil])
        older.adopt(.v3, since: "event 9")
        older.adopt(.v1, since: "event 10")
        #expect(refusals(older) == ["/2 since event 4", "/3 since event 9", nil])
        #expect(refusals(.recordedNow).allSatisfy { $0 == nil || $0!.contains("since this signoff, which signs every new event over signoff.statement/3") })
        #expect(refusals(.recordedNow).compactMap { $0 }.count == 2)
    }

    @Test func onlyDecisionsPeopleMakeAreSigned() {
        let signed: [(EventBody, SignedAction)] = [
            (.grantRevoked(.init(rationale: "no longer needed here", trigger: nil)), .revoke),
            (.grantRevoked(.init(rationale: "fired", trigger: RevocationTrigger(name: "ticket_closed", ref: "OPS-1"))), .fireTrigger),
            (.requestWithdrawn(.init(rationale: nil)), .withdraw),
            (.requestRevised(.init(request: AccessRequest(requester: "dave", subject: Subject(kind: .serviceAccount, name: "svc", owner: "dave"),
                                                          system: "payments-db", environment: "production", entitlement: "read_replica",
                                                          access: .read, purpose: "nightly reconciliation", duration: .hours(4)),
                                   cause: "ticket ACC-1 changed")), .revise),
            (.requestDecided(.init(state: .approved, by: ["dave"], policyVersion: "7a2d", reason: "self-activated by dave: x",
                                   selfActivated: true)), .selfActivate),
            (.incidentReviewCompleted(.init(rationale: "looked at it")), .reviewIncident),
            (.policyApplied(.init(version: "8b3e", previousVersion: "7a2d", file: "p.yaml", source: "policy: x")), .applyPolicy),
            (.handOffConfigured(.init(outbox: "/srv/out", command: nil, timeoutSeconds: nil)), .configureHandOff),
        ]
        for (body, action) in signed {
            #expect(statement(body)?.action == action)
        }
        let unsigned: [EventBody] = [
            .requestDecided(.init(state: .approved, by: ["dave"], policyVersion: "7a2d", reason: "every step satisfied")),
            .reviewRefused(.init(verdict: .approve, reason: .selfApproval, message: "no", shownVersion: 1, currentVersion: 1)),
            .actionRefused(.init(action: .revoke, reason: .notEligible, message: "no")),
            .grantExpired(.init(expiresAt: at)),
        ]
        for body in unsigned { #expect(statement(body) == nil) }
        let applied = statement(.policyApplied(.init(version: "8b3e", previousVersion: "7a2d", file: "p.yaml",
                                                     source: "policy: x")), requestID: nil,
                                context: .init(policyVersion: "7a2d", request: nil, store: Self.store))
        #expect(applied?.text.contains(#""new_policy_version":"8b3e","payload_sha256""#) == true)
        #expect(applied?.text.contains("request") == false)
    }
}
