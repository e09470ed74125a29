import Foundation
import SignoffCore
import SignoffStore
import SignoffTUI

/// The console's view of the real store. Lists come from summaries (plain
/// columns, no decoding), details from the full record; every decision goes
/// through the same lifecycle code and single write transaction as
/// `signoff approve`.
public final class StoreConsoleBackend: ConsoleBackend {
    public let store: Store
    public let identity: Principal
    private var policy: Policy?
    private var policyVersion: String?
    /// Hand-offs run here, one after another, after the commit: a hand-off
    /// command may take up to its timeout, and the console must not freeze
    /// meanwhile. Each records its own outcome; the console sees it on its
    /// next look at the store.
    private let handOffs = DispatchQueue(label: "signoff console hand-off")

    public init(store: Store, identity: Principal) {
        self.store = store
        self.identity = identity
    }

    /// Hands the grants these events changed to provisioning, in the background.
    private func handOff(_ events: [EventDraft]) {
        let ids = HandOff.grantsToDeliver(events)
        guard !ids.isEmpty else { return }
        let handOff = HandOff(store: store, actor: identity)
        handOffs.async { _ = try? handOff.deliver(ids) }
    }

    /// Waits for hand-offs still running, e.g. before the console exits: a
    /// document not yet delivered would otherwise wait for `signoff handoff retry`.
    public func finishHandOffs() {
        handOffs.sync {}
    }

    /// The policy in force, parsed once per version.
    private func currentPolicy() throws -> Policy? {
        guard let stored = try store.currentPolicy() else {
            policy = nil
            policyVersion = nil
            return nil
        }
        return try parsed(stored)
    }

    /// A stored policy, parsed once per version: snapshots and every decision
    /// (which reads the policy inside its own transaction) share the parse.
    private func parsed(_ stored: StoredPolicy) throws -> Policy {
        if let policy, stored.version == policyVersion { return policy }
        let parsed = try Policy.parse(source: stored.source, file: stored.file)
        policy = parsed
        policyVersion = stored.version
        return parsed
    }

    /// What every page of one snapshot shares: read once, at its first page.
    struct Reading {
        var header: ConsoleSnapshot
        var policy: Policy?
        var reviewed: Set<String>
        var now: Date
        var total: Int
        /// The first load's grants, read in the background from its first page
        /// on and sent with its last (see `snapshotPage`); nil otherwise.
        var pendingGrants: PendingGrants?
        /// Whether I am eligible for any step, by everything eligibility reads:
        /// most requests share these, so the policy is asked once per kind.
        var eligible: [EligibilityKey: Bool] = [:]
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

    private var reading: Reading?

    /// The grants that need attention as of `token`, kept between snapshots
    /// (under one policy version, which decides `responsible`): a reload reads
    /// only the grants changed since, so it costs what changed, not every live grant.
    private var grantCache: (token: Int64, policyVersion: String?, rows: [String: ConsoleGrantRow], sorted: [ConsoleGrantRow])?

    private func attentionGrants(asOf token: Int64, policy: Policy?) throws -> [ConsoleGrantRow] {
        let responsibility = policy.map { Responsibility(policy: $0, person: identity.name) }
        if var cache = grantCache, cache.policyVersion == policy?.version {
            grantCache = nil  // the only owner now: the dictionary changes in place instead of being copied
            let changed = try store.grants(changedAfter: cache.token)
            cache.token = token
            if !changed.isEmpty {
                for grant in changed {
                    cache.rows[grant.requestID] = grant.status.needsAttention ? Self.row(grant, responsibility) : nil
                }
                cache.sorted = Grant.inExpiryOrder(Array(cache.rows.values)) { $0.grant }
            }
            grantCache = cache
            return cache.sorted
        }
        return keep(try Self.readAttentionGrants(store, responsibility), asOf: token, policy: policy)
    }

    /// Every grant that needs attention, sorted, as console rows: a whole read.
    private static func readAttentionGrants(_ store: Store, _ responsibility: Responsibility?) throws -> [ConsoleGrantRow] {
        try store.grants(.attention).map { row($0, responsibility) }
    }

    private static func row(_ grant: Grant, _ responsibility: Responsibility?) -> ConsoleGrantRow {
        ConsoleGrantRow(grant: grant, responsible: responsibility?.covers(grant.terms) ?? false)
    }

    /// Makes a whole read the kept grants, as of `token`.
    private func keep(_ sorted: [ConsoleGrantRow], asOf token: Int64, policy: Policy?) -> [ConsoleGrantRow] {
        grantCache = (token, policy?.version, Dictionary(sorted.map { ($0.grant.requestID, $0) }, uniquingKeysWith: { $1 }), sorted)
        return sorted
    }

    /// Grants read on another thread (the store's pool reads concurrently):
    /// the result is set once, then waited for with a time limit.
    final class PendingGrants: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        /// Written once, before `done` is signalled; read only after a wait succeeds.
        private var result: Result<[ConsoleGrantRow], any Error>?

        init(_ read: @escaping @Sendable () throws -> [ConsoleGrantRow]) {
            DispatchQueue.global(qos: .userInitiated).async { [self] in
                result = Result { try read() }
                done.signal()
            }
        }

        /// The grants, or nil while they are still being read.
        func take() throws -> [ConsoleGrantRow]? {
            guard done.wait(timeout: .now()) == .success else { return nil }
            done.signal()  // stays ready for another look
            return try result?.get()
        }
    }

    /// `deferGrants`: leave the grants out of the header and read them in the
    /// background, for the last page to carry.
    private func startReading(deferGrants: Bool = false) throws -> Reading {
        // The token first: whatever changes after it is read again next time.
        let token = try store.changeToken()
        let policy = try currentPolicy()
        // Grants ride in the header: every page of one snapshot carries the same ones.
        var pending: PendingGrants?
        var grants: [ConsoleGrantRow] = []
        if deferGrants {
            let store = self.store, responsibility = policy.map { Responsibility(policy: $0, person: identity.name) }
            pending = PendingGrants { try Self.readAttentionGrants(store, responsibility) }
        } else {
            grants = try attentionGrants(asOf: token, policy: policy)
        }
        let header = ConsoleSnapshot(identity: identity, storePath: store.path, policyVersion: policy?.version,
                                     minimumRationale: policy?.minimumRationale ?? 20, changeToken: token, rows: [],
                                     grants: grants, grantsLoaded: !deferGrants)
        return Reading(header: header, policy: policy, reviewed: try store.reviewedAtCurrentVersion(by: identity.name),
                       now: Date(), total: try store.requestCount(), pendingGrants: pending)
    }

    public func snapshot() throws -> ConsoleSnapshot {
        var reading = try startReading()
        let summaries = try store.summaries(.all)
        var snapshot = reading.header
        snapshot.rows = try rows(for: summaries, reading: &reading)
        return snapshot
    }

    /// The first load reads every live grant in the background while its
    /// pages of requests come in: with many live grants that read would hold
    /// up the first frame (which needs only the queue) and then the keys. Its
    /// last page carries them; until they are read, pages come back at once
    /// marked `waiting` (empty ones past the last request), and the loop waits
    /// for a key between them rather than the backend blocking here. Reloads
    /// read only the grants that changed, so they carry them from the start.
    public func snapshotPage(after: Int64?, limit: Int) throws -> ConsoleSnapshotPage {
        if after == nil || reading == nil { reading = try startReading(deferGrants: grantCache == nil) }
        guard var current = reading else { throw ConsoleError("no snapshot is being read") }
        let page = try store.summaryPage(after: after, limit: limit)
        var snapshot = current.header
        snapshot.rows = try rows(for: page.summaries, reading: &current)
        var next = page.next
        var waiting = false
        if let pending = current.pendingGrants, next == nil {
            if after != nil, let grants = try pending.take() {
                snapshot.grants = keep(grants, asOf: current.header.changeToken, policy: current.policy)
                snapshot.grantsLoaded = true
            } else {
                next = Self.pastTheEnd
                waiting = true
            }
        }
        reading = next == nil ? nil : current
        return ConsoleSnapshotPage(snapshot: snapshot, after: after, next: next, total: current.total, waiting: waiting)
    }

    /// A position after every request: the page asked for there is empty.
    static let pastTheEnd = Int64.max

    private func rows(for summaries: [RequestSummary], reading: inout Reading) throws -> [ConsoleRow] {
        var rows: [ConsoleRow] = []
        rows.reserveCapacity(summaries.count)
        for summary in summaries {
            let mine = try reading.policy.map {
                try mayDecide(summary, policy: $0, reviewed: reading.reviewed, now: reading.now, memo: &reading.eligible)
            } ?? false
            rows.append(row(for: summary, mine: mine))
        }
        return rows
    }

    /// Whether I may decide the request now. The columns answer it for nearly
    /// every request; only a multi-step route with approvals already given
    /// needs the full record to know which steps are still open.
    /// `memo` keeps the policy's answer per `EligibilityKey` for one snapshot.
    func mayDecide(_ summary: RequestSummary, policy: Policy, reviewed: Set<String>, now: Date,
                   memo: inout [EligibilityKey: Bool]) throws -> Bool {
        let me = identity.name
        guard summary.state == .pending, !reviewed.contains(summary.id), summary.approvals < summary.approvalsNeeded,
              me != summary.requester, me != summary.submittedBy,
              !(summary.subjectKind.isHuman && me == summary.subjectName) else { return false }
        let key = EligibilityKey(summary)
        let eligible: Bool
        if let known = memo[key] {
            eligible = known
        } else {
            let request = summary.eligibilityRequest
            eligible = summary.routeApprovers.contains { approvers in
                policy.eligibility(of: me, for: RoutedStep(name: approvers, approvers: approvers, required: 1),
                                   request: request, submittedBy: summary.submittedBy, at: now).eligible
            }
            memo[key] = eligible
        }
        guard eligible else { return false }
        if summary.routeApprovers.count > 1 && summary.approvals > 0 {
            guard let record = try store.record(summary.id) else { return false }
            return Lifecycle.canDecide(record, person: me, policy: policy, at: now).0
        }
        return true
    }

    func row(for summary: RequestSummary, mine: Bool) -> ConsoleRow {
        ConsoleRow(
            id: summary.id, state: summary.state, version: summary.version, subjectKind: summary.subjectKind,
            subjectName: summary.subjectName, owner: summary.subjectOwner, system: summary.system,
            environment: summary.environment, entitlement: summary.entitlement, scope: summary.scope,
            access: summary.access, duration: summary.duration, purpose: summary.purpose, ticket: summary.ticket,
            requester: summary.requester, submittedAt: summary.submittedAt, breakGlass: summary.breakGlass,
            incident: summary.incident, mineNow: mine,
            routedTo: summary.routeApprovers.isEmpty ? (summary.routeSummary ?? "not routed") : summary.routeApprovers.joined(separator: ", then "),
            approvals: summary.approvals, approvalsNeeded: summary.approvalsNeeded, decidedAt: summary.decidedAt,
            decidedBy: [])
    }

    public func detail(id: String) throws -> ConsoleDetail {
        guard let record = try store.record(id) else { throw ConsoleError("there is no request \(id)") }
        let events = try store.events(requestID: id)
        let policy = try currentPolicy()
        let now = Date()
        let explanation = policy?.explain(record.request, submittedBy: record.submittedBy.name, at: now)
        let progress = policy.map { Lifecycle.progress(record, policy: $0) } ?? []
        let decide = policy.map { Lifecycle.canDecide(record, person: identity.name, policy: $0, at: now) }
            ?? (false, "no policy is in force")
        return ConsoleDetail(record: record, explanation: explanation, progress: progress, mayDecide: decide.0,
                             whyNot: decide.0 ? nil : decide.1, maximumDuration: nil,
                             timeline: events.map(TimelineEntry.init(event:)))
    }

    public func decide(id: String, verdict: Verdict, rationale: String, shownVersion: Int) -> DecisionOutcome {
        let result: ReviewResult
        do {
            let attempt = try store.write { tx -> ReviewResult? in
                guard let stored = try tx.currentPolicy() else { return nil }
                let policy = try parsed(stored)
                guard let record = try tx.record(id) else { throw ConsoleError("there is no request \(id)") }
                if record.state.isOpen, let problem = Lifecycle.checkRationale(rationale, policy: policy) {
                    throw ConsoleError(problem)
                }
                let result = Lifecycle.review(record, verdict: verdict, rationale: rationale, shownVersion: shownVersion,
                                              by: identity, policy: policy, original: try tx.originalGrant(of: record), at: Date())
                for event in result.events { try tx.append(event) }
                return result
            }
            guard let attempt else { return .failed(message: "no policy is in force; nothing can be decided") }
            result = attempt
        } catch let error as ConsoleError {
            return .failed(message: error.message)
        } catch {
            return .failed(message: "nothing was recorded: \(error)")
        }
        switch result.outcome {
        case let .recorded(state):
            // After the commit: provisioning never holds the store or undoes a decision.
            handOff(result.events)
            return .recorded(state: state)
        case let .refused(refusal):
            return .refused(reason: refusal.reason, message: refusal.message)
        }
    }

    public func revoke(id: String, rationale: String) -> DecisionOutcome {
        grantAction(.revoke, id: id) { grant, extensionApprovers, policy, now throws(Refusal) in
            try Lifecycle.revoke(grant, by: identity, rationale: rationale, policy: policy,
                                 extensionApprovers: extensionApprovers, at: now)
        }
    }

    public func completeIncidentReview(id: String, rationale: String) -> DecisionOutcome {
        grantAction(.reviewIncident, id: id) { grant, _, policy, now throws(Refusal) in
            try Lifecycle.reviewIncident(grant, by: identity, rationale: rationale, policy: policy, at: now)
        }
    }

    /// One grant action in one write transaction, decided on the grant as the
    /// store holds it then, like `signoff revoke`: a refusal is recorded as
    /// evidence; after the commit the grants whose provisioning changed are
    /// handed off, as after approvals.
    /// `decide` gets the grant, the approvers of its extensions, the policy and the time.
    private func grantAction(_ action: AttemptedAction, id: String,
                             _ decide: (Grant, [String], Policy, Date) throws(Refusal) -> [EventDraft]) -> DecisionOutcome {
        let events: [EventDraft]
        do {
            let attempt = try store.write { tx -> Result<[EventDraft], Refusal>? in
                guard let stored = try tx.currentPolicy() else { return nil }
                let policy = try parsed(stored)
                guard let grant = try tx.grant(id) else {
                    guard let record = try tx.record(id) else { throw ConsoleError("there is no request \(id)") }
                    throw ConsoleError("\(id) has no grant: it is \(record.state.rawValue)")
                }
                let extensionApprovers = try tx.extensionApprovers(of: grant)
                let drafts: [EventDraft]
                let now = Date()
                do throws(Refusal) {
                    drafts = try decide(grant, extensionApprovers, policy, now)
                } catch {
                    try tx.append(Lifecycle.refused(action, error, requestID: id, by: identity, at: now))
                    return .failure(error)
                }
                for draft in drafts { try tx.append(draft) }
                return .success(drafts)
            }
            switch attempt {
            case nil: return .failed(message: "no policy is in force; nothing can be changed")
            case let .failure(refusal)?: return .refused(reason: refusal.reason, message: refusal.message)
            case let .success(drafts)?: events = drafts
            }
        } catch let error as ConsoleError {
            return .failed(message: error.message)
        } catch {
            return .failed(message: "nothing was recorded: \(error)")
        }
        // After the commit: provisioning never holds the store or undoes a revocation.
        handOff(events)
        return .recorded(state: .approved)
    }

    public func changeToken() throws -> Int64 { try store.changeToken() }
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
