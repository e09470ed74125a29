import Foundation
import SignoffCore

/// One request as the lists show it. Deliberately flat and small: the console
/// holds one per request in the store (100,000 and more) and redraws only the
/// visible ones. Every text field is untrusted and sanitised at draw time.
public struct ConsoleRow: Sendable, Hashable {
    public var id: String
    public var state: RequestState
    public var version: Int
    public var subjectKind: IdentityKind
    public var subjectName: String
    public var owner: String
    public var system: String
    public var environment: String
    public var entitlement: String
    public var scope: String?
    public var access: AccessLevel
    public var duration: TimeSpan
    public var purpose: String
    public var ticket: String?
    public var requester: String
    public var submittedAt: Date
    public var breakGlass: Bool
    public var incident: String?
    /// True when I may decide this request now (eligible for an unsatisfied step,
    /// not the requester, not already reviewed). Drives "My queue".
    public var mineNow: Bool
    /// Who the policy routed it to, e.g. `owners of payments-db, then group:dba`.
    public var routedTo: String
    public var approvals: Int
    public var approvalsNeeded: Int
    /// When the request was resolved and by whom (history).
    public var decidedAt: Date?
    public var decidedBy: [String]
    /// Further text the filter should find (labels, triggers, notes), as the backend chooses.
    public var extraSearchText: String

    public init(id: String, state: RequestState, version: Int, subjectKind: IdentityKind, subjectName: String,
                owner: String, system: String, environment: String, entitlement: String, scope: String? = nil,
                access: AccessLevel, duration: TimeSpan, purpose: String, ticket: String? = nil,
                requester: String, submittedAt: Date, breakGlass: Bool = false, incident: String? = nil,
                mineNow: Bool, routedTo: String, approvals: Int, approvalsNeeded: Int,
                decidedAt: Date? = nil, decidedBy: [String] = [],
                extraSearchText: String = "") {
        self.id = id
        self.state = state
        self.version = version
        self.subjectKind = subjectKind
        self.subjectName = subjectName
        self.owner = owner
        self.system = system
        self.environment = environment
        self.entitlement = entitlement
        self.scope = scope
        self.access = access
        self.duration = duration
        self.purpose = purpose
        self.ticket = ticket
        self.requester = requester
        self.submittedAt = submittedAt
        self.breakGlass = breakGlass
        self.incident = incident
        self.mineNow = mineNow
        self.routedTo = routedTo
        self.approvals = approvals
        self.approvalsNeeded = approvalsNeeded
        self.decidedAt = decidedAt
        self.decidedBy = decidedBy
        self.extraSearchText = extraSearchText
    }

    /// Builds a row from a full record, for backends that fold records anyway.
    public init(record: RequestRecord, mineNow: Bool, approvals: Int? = nil) {
        let request = record.request
        var routedTo = ""
        var needed = 0
        switch record.route {
        case let .steps(_, steps)?:
            routedTo = steps.map(\.name).joined(separator: ", then ")
            needed = record.route?.approvalsNeeded ?? 0
        case let .some(outcome):
            routedTo = outcome.summary
        case nil:
            routedTo = "not routed yet"
        }
        let labels = request.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let triggers = request.revocationTriggers.map { "\($0.name) \($0.ref)" }
        self.init(id: record.id, state: record.state, version: record.version, subjectKind: request.subject.kind,
                  subjectName: request.subject.name, owner: request.subject.owner, system: request.system,
                  environment: request.environment, entitlement: request.entitlement, scope: request.scope,
                  access: request.access, duration: request.duration, purpose: request.purpose,
                  ticket: request.ticket, requester: record.requester, submittedAt: record.submittedAt,
                  breakGlass: request.breakGlass, incident: request.incident, mineNow: mineNow,
                  routedTo: routedTo, approvals: approvals ?? Set(record.currentApprovals.map(\.reviewer.name)).count,
                  approvalsNeeded: needed, decidedAt: record.decision?.at, decidedBy: record.decision?.by ?? [],
                  extraSearchText: (labels + triggers + [request.notes ?? ""]).joined(separator: " "))
    }

    /// Every field the filter searches, in order; `SearchIndex` lowercases them
    /// once at load into one buffer, without building a joined string per row.
    func forEachSearchField(durationText: String? = nil, _ body: (String) -> Void) {
        body(id)
        body(state.rawValue)
        body(subjectKind.label)
        body(subjectName)
        body(owner)
        body(system)
        body(environment)
        body(entitlement)
        body(access.rawValue)
        body(durationText ?? duration.description)
        body(purpose)
        body(requester)
        body(routedTo)
        if let scope { body(scope) }
        if let ticket { body(ticket) }
        if breakGlass { body("break-glass") }
        if let incident { body(incident) }
        for name in decidedBy { body(name) }
        if !extraSearchText.isEmpty { body(extraSearchText) }
    }

    /// The searched fields joined, as the filter sees them (for tests and debugging).
    var searchText: String {
        var parts: [String] = []
        forEachSearchField { parts.append($0) }
        return parts.joined(separator: "\u{1}")
    }
}

/// Everything the lists need, loaded in one call.
public struct ConsoleSnapshot: Sendable {
    /// Who is deciding, and how that was established (asserted identities are flagged).
    public var identity: Principal
    /// Where the store lives, shown in the status line.
    public var storePath: String
    /// Content hash of the policy in force; nil before any policy was applied.
    public var policyVersion: String?
    /// Minimum rationale length in characters after trimming, from the policy.
    public var minimumRationale: Int
    /// The environments the policy in force treats as production.
    public var production: ProductionEnvironments
    /// The store's change token when this snapshot was read, so a change made
    /// while reading is seen by the next poll.
    public var changeToken: Int64
    public var rows: [ConsoleRow]
    /// Grants that need someone (`store.grants(.attention)`), for the Expiring
    /// and Break-glass lists. Whole in every page of a paged snapshot, unless
    /// `grantsLoaded` is false.
    public var grants: [ConsoleGrantRow]
    /// False when `grants` were not read for this page: a backend may leave
    /// them out of a first load's first page (reading many live grants would
    /// hold up the first frame) and send them with its last page.
    public var grantsLoaded: Bool
    /// Notifications whose delivery failed (given up, or failing and retried):
    /// the status line says so, since approvers may not be hearing of requests.
    public var notificationsFailing: Int
    /// When the first pending notification nobody holds fell, or falls,
    /// due: once that is `NotificationTiming.overdueAfter` past, nobody is
    /// delivering (no `notify run` is running, and this console may not),
    /// which the status line says as time passes, without a reload.
    public var notificationsDueAt: Date?
    /// Events of a shared store that this client keeps without folding them:
    /// each is one signoff would never record, appended by hand. The status
    /// line says so; `audit verify` names each.
    public var eventsNotFolded: Int
    /// Open reconciliation findings, for the Drift list. Whole in every page.
    public var findings: [ConsoleFindingRow]
    /// When what this snapshot judged by the clock (whose queue a request is
    /// in, who may revoke a grant: a rotation's turn, a delegation's end)
    /// must be judged again, though nothing in the store changed: the
    /// console loads a new snapshot then. Nil: nothing in it depends on the clock.
    public var judgeAgainAt: Date?

    public init(identity: Principal, storePath: String, policyVersion: String?, minimumRationale: Int,
                production: ProductionEnvironments = ProductionEnvironments(), changeToken: Int64, rows: [ConsoleRow], grants: [ConsoleGrantRow] = [], grantsLoaded: Bool = true,
                notificationsFailing: Int = 0, notificationsDueAt: Date? = nil, eventsNotFolded: Int = 0,
                findings: [ConsoleFindingRow] = [], judgeAgainAt: Date? = nil) {
        self.findings = findings
        self.judgeAgainAt = judgeAgainAt
        self.identity = identity
        self.storePath = storePath
        self.policyVersion = policyVersion
        self.minimumRationale = minimumRationale
        self.production = production
        self.changeToken = changeToken
        self.rows = rows
        self.grants = grants
        self.grantsLoaded = grantsLoaded
        self.notificationsFailing = notificationsFailing
        self.notificationsDueAt = notificationsDueAt
        self.eventsNotFolded = eventsNotFolded
    }
}
