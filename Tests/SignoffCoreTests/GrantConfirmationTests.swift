import Foundation
import SignoffCore
import Testing

/// Whether reconciliation has confirmed a grant: access seen while it is
/// live, gone once it has ended; a run before the grant ended says nothing
/// about its removal.
@Suite struct GrantConfirmationTests {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)
    static func at(_ hours: Double) -> Date { t0.addingTimeInterval(hours * 3600) }

    static func grant(_ state: GrantState, endedAt: Double? = nil) -> Grant {
        let terms = GrantTerms(requester: "bob", subject: Subject(kind: .serviceAccount, name: "svc-etl", owner: "bob"),
                               system: "payments-db", environment: "production", entitlement: "read_replica", scope: nil,
                               access: .read, revocationTriggers: [], ticket: nil, incident: nil, breakGlass: false)
        return Grant(requestID: "REQ-000001", terms: terms, state: state, approvedAt: at(0), approvers: ["carol"],
                     policyVersion: "v", duration: .hours(8), startsAt: at(0), expiresAt: at(8), selfActivated: false,
                     provisioning: .done, provisioningAt: at(0), endedAt: endedAt.map(at))
    }

    static func seen(_ present: Bool, _ hours: Double) -> GrantReconciliation {
        GrantReconciliation(present: present, seenAt: at(hours), run: 7, presentAt: present ? at(hours) : nil, presentRun: present ? 7 : nil)
    }

    @Test(arguments: [
        (GrantState.active, nil as Double?, nil as GrantReconciliation?, GrantConfirmation.unchecked, "no run has covered it"),
        (.active, nil, seen(true, 1), .confirmed, "access seen by run 7"),
        (.active, nil, seen(false, 1), .notSeen, "access not seen by run 7"),
        (.awaitingProvisioning, nil, seen(false, 1), .notSeen, "never seen"),
        (.revoked, 4, seen(true, 1), .unchecked, "since it ended"),
        (.revoked, 4, seen(false, 1), .unchecked, "since it ended"),
        (.revoked, 4, seen(false, 5), .removed, "access gone"),
        (.expired, 8, seen(true, 9), .stillPresent, "STILL PRESENT"),
        (.expired, 8, nil, .unchecked, "no run has covered it"),
        // Past its expiry (8h), before the sweep ended it: a run after that judges it ended.
        (.active, nil, seen(true, 9), .stillPresent, "STILL PRESENT"),
        (.active, nil, seen(false, 9), .removed, "access gone"),
    ])
    func confirmation(state: GrantState, endedAt: Double?, seen: GrantReconciliation?, expected: GrantConfirmation, words: String) {
        let grant = Self.grant(state, endedAt: endedAt)
        let confirmation = GrantConfirmation(grant, seen)
        #expect(confirmation == expected)
        #expect(confirmation.isConfirmed == (expected == .confirmed || expected == .removed))
        #expect(confirmation.sentence(seen).contains(words), "\(confirmation.sentence(seen))")
    }

    @Test func notSeenSaysWhenTheAccessWasLastThere() {
        let seen = GrantReconciliation(present: false, seenAt: Self.at(3), run: 12, presentAt: Self.at(1), presentRun: 9)
        #expect(GrantConfirmation(Self.grant(.active), seen).sentence(seen).contains("last seen by run 9 at "))
    }
}
