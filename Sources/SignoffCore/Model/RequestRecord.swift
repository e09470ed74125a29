import Foundation

/// Where a request is in its lifecycle (DESIGN.md, Lifecycle).
public enum RequestState: String, Codable, Sendable, Hashable, CaseIterable {
    case pending
    /// No route rule matched; waits for a policy that routes it.
    case blocked
    case approved
    case denied
    case withdrawn
    case timedOut = "timed_out"

    public var isOpen: Bool { self == .pending || self == .blocked }
}

public enum Verdict: String, Codable, Sendable, Hashable, CaseIterable {
    case approve
    case deny
}

/// One approver's approve or deny, against the request version they were shown.
public struct Review: Sendable, Hashable, Codable {
    public var reviewer: Principal
    public var verdict: Verdict
    public var rationale: String
    public var at: Date
    public var requestVersion: Int
    public var policyVersion: String

    public init(reviewer: Principal, verdict: Verdict, rationale: String, at: Date, requestVersion: Int, policyVersion: String) {
        self.reviewer = reviewer
        self.verdict = verdict
        self.rationale = rationale
        self.at = at
        self.requestVersion = requestVersion
        self.policyVersion = policyVersion
    }
}

/// How an open request was resolved.
public struct Decision: Sendable, Hashable, Codable {
    public var state: RequestState
    public var at: Date
    /// People whose reviews decided it, or `policy:<rule>` for policy decisions.
    public var by: [String]
    public var policyVersion: String?
    public var reason: String
    /// A break-glass request its requester activated because no approver
    /// answered in time (nil otherwise, so older records read the same).
    public var selfActivated: Bool?

    public init(state: RequestState, at: Date, by: [String], policyVersion: String?, reason: String,
                selfActivated: Bool? = nil) {
        self.state = state
        self.at = at
        self.by = by
        self.policyVersion = policyVersion
        self.reason = reason
        self.selfActivated = selfActivated
    }

    public var isSelfActivated: Bool { selfActivated == true }
}

/// The durable request: one ID carrying the request, its route, every review and
/// its decision. It is the fold of the request's events and nothing else.
public struct RequestRecord: Sendable, Hashable, Codable {
    public var id: String
    /// The request with `requester` always filled in.
    public var request: AccessRequest
    public var submittedBy: Principal
    public var submittedAt: Date
    /// Changes whenever what an approver must see changes (submission, re-routing).
    /// A review must name the version it was made against.
    public var version: Int
    public var state: RequestState
    public var route: RouteOutcome?
    public var policyVersion: String?
    public var reviews: [Review]
    public var decision: Decision?
    /// The people of the directory who changed its terms in its ticket
    /// (`ticket_linked`'s `edited_by`), in order; nil when nobody did. They
    /// shaped what is asked, so they may not decide it.
    public var editors: [String]?

    /// Who, besides its requester, asked for this request's access: its
    /// submitter and its editors. An extension of its grant keeps the
    /// requester; these may not approve it either (`Grant.authors`).
    public var authors: [String] { [submittedBy.name] + (editors ?? []) }

    public init(id: String, request: AccessRequest, submittedBy: Principal, submittedAt: Date) {
        self.id = id
        self.request = request
        self.submittedBy = submittedBy
        self.submittedAt = submittedAt
        self.version = 0
        self.state = .pending
        self.route = nil
        self.policyVersion = nil
        self.reviews = []
        self.decision = nil
    }

    public var requester: String { request.requester ?? submittedBy.name }

    /// Approvals that count for the current version (reviews survive re-routing
    /// only if made against the current version).
    public var currentApprovals: [Review] {
        reviews.filter { $0.verdict == .approve && $0.requestVersion == version }
    }
}
