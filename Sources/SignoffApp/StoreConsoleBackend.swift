import Foundation
import SignoffCore
import SignoffStore
import SignoffTUI

/// The console's view of the real store. Lists come from summaries (plain
/// columns, no decoding), details from the full record; every decision,
/// revocation and review goes through the command layer (`Commands`), exactly
/// as the command line's do, with its clock and its hand-off (in the background).
public final class StoreConsoleBackend: ConsoleBackend {
    public let commands: Commands
    public var store: Store { commands.store }
    public var identity: Principal { commands.actor }

    public init(commands: Commands) {
        self.commands = commands
    }

    /// A console acting as `identity` by `clock`, handing off in the background.
    public convenience init(store: Store, identity: Principal, clock: CommandClock = .system) {
        self.init(commands: Commands(store: store, actor: identity, clock: clock, handOffs: .background))
    }

    /// Waits for hand-offs still running, e.g. before the console exits.
    public func finishHandOffs() {
        commands.finishHandOffs()
    }

    /// The time the console reads and decides at.
    private func now() -> Date { commands.clock.now() }

    /// The policy in force, parsed once per version (shared with every decision).
    private func currentPolicy() throws -> Policy? {
        try commands.currentPolicy()
    }

    /// What every page of one snapshot shares: read once, at its first page.
    struct Reading {
        var header: ConsoleSnapshot
        var policy: Policy?
        /// Which requests I may decide now; nil without a policy.
        var queue: DecisionQueue?
        var total: Int
        /// When it was read: what the rows' judgements are made at.
        var readAt: Date
        /// The first load's grants, read in the background from its first page
        /// on and sent with its last (see `snapshotPage`); nil otherwise.
        var pendingGrants: PendingGrants?
    }

    private var reading: Reading?

    /// The grants that need attention as of `token`, kept between snapshots
    /// (under one policy version, which decides `responsible`): a reload reads
    /// only the grants changed since, so it costs what changed, not every live
    /// grant. What the rows say I may do holds until `judgeAgainAt`; past it,
    /// every kept row is judged again (no read, but of who approved an
    /// extended grant's extensions).
    private var grantCache: (token: Int64, policyVersion: String?, judgeAgainAt: Date?, rows: [String: ConsoleGrantRow],
                             sorted: [ConsoleGrantRow])?

    private func attentionGrants(asOf token: Int64, policy: Policy?, at now: Date, judgeAgainAt: Date?) throws -> [ConsoleGrantRow] {
        let responsibility = policy.map { GrantPermissions(policy: $0, person: identity.name, storeCreator: try? store.creator()?.name, at: now) }
        if var cache = grantCache, cache.policyVersion == policy?.version {
            grantCache = nil  // the only owner now: the dictionary changes in place instead of being copied
            var reordered = false, rejudged = false
            if let responsibility, let due = cache.judgeAgainAt, now >= due {
                for id in cache.rows.keys { try Self.judge(&cache.rows[id]!, responsibility, store) }
                rejudged = true
            }
            let changed = try store.grants(changedAfter: cache.token)
            // A kept grant's history can change without its row (an event
            // appended by hand, to it or to a request that extends it): it is
            // checked again too.
            var recheck = try store.historiesChanged(after: cache.token).filter { cache.rows[$0] != nil }
            recheck.subtract(changed.map(\.grant.requestID))
            cache.token = token
            let disputed = try store.grantHistoryProblems(changed.map(\.grant.requestID) + recheck)
            for id in recheck { cache.rows[id]?.disputed = disputed[id] ?? [] }
            for (grant, seen) in changed {
                cache.rows[grant.requestID] = grant.status.needsAttention
                    ? Self.row(grant, seen, disputed[grant.requestID] ?? [], responsibility,
                               extensionApprovers: try Self.extensionApprovers(grant, store)) : nil
                reordered = true
            }
            if reordered {
                cache.sorted = Grant.inExpiryOrder(Array(cache.rows.values)) { $0.grant }
            } else if rejudged || !recheck.isEmpty {
                cache.sorted = cache.sorted.map { cache.rows[$0.id] ?? $0 }
            }
            // Rows not judged again here hold only until they were due.
            let rowsDue = Self.judgeAgain(judgeAgainAt, rows: cache.sorted, after: now)
            cache.judgeAgainAt = rejudged ? rowsDue : [cache.judgeAgainAt, rowsDue].compactMap { $0 }.min()
            grantCache = cache
            return cache.sorted
        }
        return keep(try Self.readAttentionGrants(store, responsibility), asOf: token, policy: policy, judgeAgainAt: judgeAgainAt,
                    at: now)
    }

    /// Every grant that needs attention, sorted, as console rows: a whole
    /// read, each grant's history replayed as it is read (as `signoff grants` does).
    private static func readAttentionGrants(_ store: Store, _ permissions: GrantPermissions?) throws -> [ConsoleGrantRow] {
        var rows: [ConsoleGrantRow] = []
        var extended: [Int] = []
        try store.forEachCheckedGrant(.attention) { grant, seen, disputed in
            if needsExtensionApprovers(grant) { extended.append(rows.count) }
            rows.append(row(grant, seen, disputed, permissions))
        }
        // Who approved those grants' extensions is in the extensions' records, read after the grants.
        if let permissions {
            for index in extended { try judge(&rows[index], permissions, store) }
        }
        return rows
    }

    /// Judges again what `permissions` let me do with a row's grant, with
    /// who approved its extensions (read from their records).
    private static func judge(_ row: inout ConsoleGrantRow, _ permissions: GrantPermissions, _ store: Store) throws {
        let approvers = try extensionApprovers(row.grant, store)
        row.revokeRefusal = permissions.revokeRefusal(row.grant, extensionApprovers: approvers)
        row.reviewRefusal = permissions.reviewRefusal(row.grant, extensionApprovers: approvers)
    }

    /// Whether who approved a grant's extensions matters to its row: they
    /// may revoke it, and may not complete its open post-incident review.
    private static func needsExtensionApprovers(_ grant: Grant) -> Bool {
        !grant.extensions.isEmpty
    }

    private static func extensionApprovers(_ grant: Grant, _ store: Store) throws -> [String] {
        guard needsExtensionApprovers(grant) else { return [] }
        return try Lifecycle.extensionApprovers(of: grant) { try store.record($0) }
    }

    /// A grant as a console row: whether it is mine to watch, what I may do
    /// with it (so the console offers only that, and says why not first), and
    /// what is wrong in its history (`disputed`).
    private static func row(_ grant: Grant, _ seen: GrantReconciliation?, _ disputed: [String],
                            _ permissions: GrantPermissions?, extensionApprovers: [String] = []) -> ConsoleGrantRow {
        guard let permissions else {
            let none = "no policy is in force; nothing can be changed"
            return ConsoleGrantRow(grant: grant, responsible: false, revokeRefusal: none, reviewRefusal: none, reconciliation: seen,
                                   disputed: disputed)
        }
        return ConsoleGrantRow(grant: grant, responsible: permissions.responsibility.covers(grant.terms),
                               revokeRefusal: permissions.revokeRefusal(grant, extensionApprovers: extensionApprovers),
                               reviewRefusal: permissions.reviewRefusal(grant, extensionApprovers: extensionApprovers),
                               reconciliation: seen, disputed: disputed)
    }

    /// The open findings for the Drift list, each with the export's records
    /// behind it and whether it is on my systems or about my people.
    private func openFindings(policy: Policy?) throws -> [ConsoleFindingRow] {
        let responsibility = policy.map { Responsibility(policy: $0, person: identity.name) }
        return try store.findings().map { finding in
            ConsoleFindingRow(
                finding: finding, evidence: try store.evidence(of: finding),
                responsible: responsibility?.covers(findingOn: finding.system, subject: finding.subject, owner: finding.owner) ?? false)
        }
    }

    /// Makes a whole read the kept grants, as of `token`, until `judgeAgainAt`.
    private func keep(_ sorted: [ConsoleGrantRow], asOf token: Int64, policy: Policy?, judgeAgainAt: Date?, at now: Date) -> [ConsoleGrantRow] {
        grantCache = (token, policy?.version, Self.judgeAgain(judgeAgainAt, rows: sorted, after: now),
                      Dictionary(sorted.map { ($0.grant.requestID, $0) }, uniquingKeysWith: { $1 }), sorted)
        return sorted
    }

    /// At most this long between two judgements by the clock of one store's
    /// contents, for what changes with time that the policy's directory does
    /// not name (a request's window ending); and at least this long, however
    /// often a rotation turns, so the console does not reload without pause.
    static let judgedAtLeastEvery: TimeInterval = 60, judgedAtMostEvery: TimeInterval = 2

    /// When a reading made at `now` is to be judged again: a millisecond (the
    /// clock's step) past the policy's next rotation turn or delegation end,
    /// within `judgedAtLeastEvery`, and no sooner than `judgedAtMostEvery`.
    static func judgeAgain(after now: Date, policy: Policy?) -> Date? {
        guard let policy else { return nil }
        let latest = now.addingTimeInterval(judgedAtLeastEvery)
        let next = policy.nextDirectoryChange(after: now).map { min($0.addingTimeInterval(0.001), latest) } ?? latest
        return max(next, now.addingTimeInterval(judgedAtMostEvery))
    }

    /// `judgement` (`judgeAgain(after:policy:)`), or sooner where one of the
    /// rows' refusals changes its words by the clock alone: an open
    /// post-incident review's grant that "is active until" its expiry, which
    /// then "reached its expiry" (a millisecond past it, no sooner than
    /// `judgedAtMostEvery`).
    static func judgeAgain(_ judgement: Date?, rows: [ConsoleGrantRow], after now: Date) -> Date? {
        guard let judgement else { return nil }
        let expiry = rows.lazy.filter { $0.reviewRefusal != nil }.compactMap(\.grant.expiresAt).filter { $0 > now }.min()
        guard let expiry, expiry < judgement else { return judgement }
        return max(expiry.addingTimeInterval(0.001), now.addingTimeInterval(judgedAtMostEvery))
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
        let now = self.now(), judgement = Self.judgeAgain(after: now, policy: policy)
        // Grants ride in the header: every page of one snapshot carries the same ones.
        var pending: PendingGrants?
        var grants: [ConsoleGrantRow] = []
        if deferGrants {
            let store = self.store
            let responsibility = policy.map { GrantPermissions(policy: $0, person: identity.name, storeCreator: try? store.creator()?.name, at: now) }
            pending = PendingGrants { try Self.readAttentionGrants(store, responsibility) }
        } else {
            grants = try attentionGrants(asOf: token, policy: policy, at: now, judgeAgainAt: judgement)
        }
        // The kept grant rows may have been judged earlier, and then hold for less long.
        let judgeAgainAt = [judgement, grantCache?.judgeAgainAt].compactMap { $0 }.min()
        let outbox = try store.outboxCounts(.notification)
        let header = ConsoleSnapshot(identity: identity, storePath: store.path, policyVersion: policy?.version,
                                     minimumRationale: policy?.minimumRationale ?? 20,
                                     production: policy?.production ?? ProductionEnvironments(), changeToken: token, rows: [],
                                     grants: grants, grantsLoaded: !deferGrants,
                                     notificationsFailing: outbox.failed + outbox.retrying,
                                     notificationsDueAt: try store.nextOutboxAttempt(.notification),
                                     eventsNotFolded: try store.eventsNotFolded(),
                                     findings: try openFindings(policy: policy), judgeAgainAt: judgeAgainAt)
        let queue = try policy.map { try DecisionQueue(store: store, person: identity.name, policy: $0, now: now) }
        return Reading(header: header, policy: policy, queue: queue, total: try store.requestCount(), readAt: now,
                       pendingGrants: pending)
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
                snapshot.grants = keep(grants, asOf: current.header.changeToken, policy: current.policy,
                                       judgeAgainAt: current.header.judgeAgainAt, at: current.readAt)
                snapshot.judgeAgainAt = grantCache?.judgeAgainAt
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
            let mine = try reading.queue?.includes(summary) ?? false
            rows.append(row(for: summary, mine: mine))
        }
        return rows
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
            decidedBy: summary.decidedBy)
    }

    public func detail(id: String) throws -> ConsoleDetail {
        guard let (record, events) = try store.recordWithHistory(id) else { throw ConsoleError("there is no request \(id)") }
        let policy = try currentPolicy()
        let now = self.now()
        let original = try store.originalGrant(of: record)
        let explanation = policy?.explain(record, original: original, at: now)
        let progress = policy.map { Lifecycle.progress(record, policy: $0, original: original) } ?? []
        let standing = policy.map { Lifecycle.standing(record, person: identity.name, policy: $0, at: now, original: original) }
            ?? Lifecycle.Standing(mayDecide: false, reason: "no policy is in force")
        return ConsoleDetail(record: record, explanation: explanation, progress: progress, mayDecide: standing.mayDecide,
                             whyNot: standing.mayDecide ? nil : standing.reason,
                             whyMay: standing.mayDecide ? standing.reason : nil, myStep: standing.step,
                             maximumDuration: policy?.maxDuration(for: record.request),
                             timeline: events.map(TimelineEntry.init(event:)),
                             disputed: try store.disputes(of: record, history: events),
                             extending: policy.flatMap { policy in
                                 Lifecycle.extensionOutcome(record, original: original, policy: policy, at: now).map {
                                     ConsoleDetail.Extending(grant: original, outcome: $0)
                                 }
                             },
                             mayDeny: standing.mayDeny)
    }

    public func decide(id: String, verdict: Verdict, rationale: String, shownVersion: Int) -> DecisionOutcome {
        outcome { () throws(CommandError) in
            let review = Commands.Review(id: id, verdict: verdict, rationale: rationale, shownVersion: shownVersion)
            return .recorded(state: try commands.run(review).output)
        }
    }

    /// A grant action leaves the request approved.
    public func revoke(id: String, rationale: String) -> DecisionOutcome {
        outcome { () throws(CommandError) in
            _ = try commands.run(Commands.Revoke(id: id, rationale: rationale))
            return .recorded(state: .approved)
        }
    }

    public func completeIncidentReview(id: String, rationale: String) -> DecisionOutcome {
        outcome { () throws(CommandError) in
            _ = try commands.run(Commands.ReviewIncident(id: id, rationale: rationale))
            return .recorded(state: .approved)
        }
    }

    /// A command's failure as the console shows it: refusals with their
    /// reason (conflicts reload), everything else as not recorded.
    private func outcome(_ body: () throws(CommandError) -> DecisionOutcome) -> DecisionOutcome {
        do {
            return try body()
        } catch {
            switch error {
            case let .refused(refusal, _): return .refused(reason: refusal.reason, message: refusal.message)
            case .badInput, .badRationale, .invalidInput, .noSuchRequest, .noPolicy, .store: return .failed(message: error.description)
            }
        }
    }

    public func changeToken() throws -> Int64 { try store.changeToken() }
}
