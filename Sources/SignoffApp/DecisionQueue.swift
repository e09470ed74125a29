import Foundation
import SignoffCore
import SignoffStore

/// "Routed to me": the requests a person may decide now. The console's queue
/// and `signoff list --routed-to-me` ask this one question, here. The summary
/// columns answer it for every request without approvals; one with approvals
/// already given needs the full record (`Lifecycle.canDecide`) to know which
/// of them count and which steps are still open, and so does one whose ticket
/// names an editor, and an extension (who asked for the original may not
/// decide it). The answer is `Lifecycle.canDecide`'s.
public struct DecisionQueue {
    public let person: String
    public let policy: Policy
    public let now: Date
    private let store: Store
    /// Requests the person already reviewed at their current version.
    private let reviewed: Set<String>
    /// Requests whose ticket names an editor, who may not decide them.
    private let edited: Set<String>
    /// Whether the person is eligible for any step, by everything eligibility
    /// reads: most requests share these, so the policy is asked once per kind.
    private var memo: [EligibilityKey: Bool] = [:]

    public init(store: Store, person: String, policy: Policy, now: Date) throws {
        self.store = store
        self.person = person
        self.policy = policy
        self.now = now
        reviewed = try store.reviewedAtCurrentVersion(by: person)
        edited = try store.editedRequests()
    }

    /// Whether the person may decide the request now.
    public mutating func includes(_ summary: RequestSummary) throws -> Bool {
        guard summary.state == .pending, !reviewed.contains(summary.id),
              person != summary.requester, person != summary.submittedBy,
              !(summary.subjectKind.isHuman && person == summary.subjectName) else { return false }
        let key = EligibilityKey(summary)
        let eligible: Bool
        if let known = memo[key] {
            eligible = known
        } else {
            let request = summary.eligibilityRequest
            eligible = summary.routeApprovers.contains { approvers in
                policy.eligibility(of: person, for: RoutedStep(name: approvers, approvers: approvers, required: 1),
                                   request: request, submittedBy: summary.submittedBy, at: now).eligible
            }
            memo[key] = eligible
        }
        guard eligible else { return false }
        // Approvals given: whether they count, and leave a seat this person
        // fills, is the record's question (a delegate's approval beside
        // the delegator's counts once; a step may be full). So is whether
        // the person (or whoever they stand in for) changed the terms in the
        // ticket, or, for an extension, asked for the access it extends.
        if summary.approvals > 0 || edited.contains(summary.id) || summary.extends != nil {
            guard let record = try store.record(summary.id) else { return false }
            let original = try store.originalGrant(of: record)
            return Lifecycle.canDecide(record, person: person, policy: policy, at: now, original: original).0
        }
        return true
    }

    /// Everything approver eligibility reads from a request: the steps'
    /// expressions, the system (its owners), the requester (exclusion, their
    /// manager), the submitter (exclusion), the subject's owner (exclusion, their
    /// manager) and a human subject's name (exclusion; delegations check these
    /// for the delegating person too). A non-human subject's name is never read,
    /// so most requests share a key.
    struct EligibilityKey: Hashable {
        var approvers: [String]
        var system: String
        var requester: String
        var submittedBy: String
        var subjectOwner: String
        var humanSubject: String?

        init(_ summary: RequestSummary) {
            approvers = summary.routeApprovers
            system = summary.system
            requester = summary.requester
            submittedBy = summary.submittedBy
            subjectOwner = summary.subjectOwner
            humanSubject = summary.subjectKind.isHuman ? summary.subjectName : nil
        }
    }
}

extension RequestSummary {
    /// The request as far as approver eligibility depends on it: the routed
    /// system, the requester and the subject. Labels, triggers and notes never
    /// decide who may approve.
    var eligibilityRequest: AccessRequest {
        AccessRequest(requester: requester, subject: Subject(kind: subjectKind, name: subjectName, owner: subjectOwner),
                      system: system, environment: environment, entitlement: entitlement, scope: scope, access: access,
                      purpose: purpose, duration: duration, ticket: ticket, breakGlass: breakGlass, incident: incident)
    }
}
