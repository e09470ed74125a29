import Foundation
import SignoffCore
import SignoffReconcile
import SignoffStore

/// `signoff reconcile`: reads an identity platform's export, compares it with
/// the grants of what it covered, and records the run, the findings it opens
/// and the findings it resolves, in one transaction. The readers say what the
/// platform shows and `Reconciliation.compare` decides what differs; this
/// command only keeps the findings' identities from run to run.
public struct ReconcileExports: StoreCommand {
    public var source: ReconcileSource
    public var files: [ExportFile]
    /// What the command line says about the export; `now` is the command's clock.
    public var options: ReadOptions

    public var operation: Operation { .reconcile }
    public var permission: RolePermission? { RolePermission(.reconcile) }
    /// A run may open a hundred thousand findings: the outcome names them, the events are not kept twice.
    public var keepsEvents: Bool { false }

    public init(source: ReconcileSource, files: [ExportFile], options: ReadOptions) {
        self.source = source; self.files = files; self.options = options
    }

    public struct Outcome: Sendable {
        /// The sequence of the `reconciliation_run` event.
        public var run: Int
        public var recorded: EventBody.ReconciliationRun
        /// Findings this run opened (new, or back after being resolved).
        public var opened: [Finding]
        /// Findings this run shows that stay resolved, and the run that resolved
        /// each: its export was read before that run's.
        public var notReopened: [(finding: Finding, resolvedRun: Int64)]
        /// Open findings this run covered and no longer shows.
        public var resolved: [StoredFinding]
        /// Open findings this run did not show, left open: its export was read
        /// before that of the run that last saw them.
        public var notResolved: [StoredFinding]
        /// Findings this run shows that are under an exception in force: not reported.
        public var excepted: [String]
        /// Open findings this run shows again whose exception ended since they were last seen: reported again.
        public var exceptionsEnded: [StoredFinding]

        /// What the run reports (and `signoff reconcile` alerts on): the
        /// findings it opened that no exception covers, and those whose exception ended.
        public var reported: [String] {
            let excepted = Set(self.excepted)
            return opened.map(\.id).filter { !excepted.contains($0) } + exceptionsEnded.map(\.id)
        }
    }

    public func decide(_ tx: CommandTransaction) throws -> Outcome {
        let policy = try tx.policy()
        var options = options
        options.now = tx.now
        let read: ExportRun
        do {
            read = try ExportReader.read(source, files: files, options: options, policy: policy)
        } catch {
            // Located: the error document names the file, line and column too.
            throw CommandError.invalidInput(SourceErrors([error]), consequence: "nothing was recorded")
        }
        let coverage = read.observed.coverage
        var grants: [Grant] = []
        var open: [StoredFinding] = []
        var exceptions: [String: FindingException] = [:]
        for target in coverage.targets {
            grants += try tx.store.grants(system: target.system, environment: target.environment)
            open += try tx.store.openFindings(system: target.system, environment: target.environment)
            exceptions.merge(try tx.store.exceptionsInForce(system: target.system, environment: target.environment, at: tx.now)) { $1 }
        }
        // A grant whose history holds a decision signoff does not record
        // (written in by hand) approves nothing: its access is a finding.
        let disputed = try tx.store.grantHistoryProblems(grants.map(\.requestID))
        grants.removeAll { disputed[$0.requestID] != nil }
        let result = Reconciliation.compare(grants: grants, observed: read.observed, policy: policy, at: tx.now)

        let openIDs = Set(open.map(\.id))
        let shown = Set(result.findings.map(\.id))
        // A run covers several targets, each read at its own time.
        struct RunTarget: Hashable { let run: Int64, system: ExactName, environment: ExactName }
        var readTimes: [RunTarget: Date] = [:]
        /// When the export of run `run` for a finding's target was read (nil: unknown, and then when it was recorded).
        func readTime(of run: Int64, _ system: String, _ environment: String) throws -> Date? {
            let key = RunTarget(run: run, system: ExactName(system), environment: ExactName(environment))
            if let known = readTimes[key] { return known }
            let read = try tx.store.runReadTime(run, system: system, environment: environment)
            readTimes[key] = read
            return read
        }
        func readAt(_ system: String, _ environment: String) -> Date {
            coverage.target(system: system, environment: environment)?.observedAt ?? tx.now
        }
        // An older export is no news either way: it reopens nothing an export read later resolved.
        var opened: [Finding] = []
        var notReopened: [(finding: Finding, resolvedRun: Int64)] = []
        for finding in result.findings where !openIDs.contains(finding.id) {
            if let stored = try tx.store.finding(finding.id), !stored.open, let resolvedRun = stored.resolvedRun,
               let resolvedRead = try readTime(of: resolvedRun, finding.system, finding.environment) ?? stored.resolvedAt,
               readAt(finding.system, finding.environment) < resolvedRead {
                notReopened.append((finding, resolvedRun))
            } else {
                opened.append(finding)
            }
        }
        let seenAgain = result.findings.filter { openIDs.contains($0.id) }.map(\.id).sorted()
        let absent = open.filter { finding in
            !shown.contains(finding.id)
                && coverage.showsAbsence(of: finding.kind, system: finding.system, environment: finding.environment,
                                         subject: finding.subject, grantType: finding.grantType,
                                         scope: ObservedScope(text: finding.scope))
        }
        // Nor does it resolve what an export read later showed open.
        var resolved: [StoredFinding] = []
        var notResolved: [StoredFinding] = []
        for finding in absent {
            let lastSeenRead = try readTime(of: finding.lastRun, finding.system, finding.environment) ?? finding.lastSeenAt
            if readAt(finding.system, finding.environment) < lastSeenRead {
                notResolved.append(finding)
            } else {
                resolved.append(finding)
            }
        }
        let counts = EventBody.ReconciliationCounts(
            observations: read.observed.observations.count, credentials: read.observed.credentials.count, ignored: read.ignored,
            matched: result.matched, awaitingRemoval: result.awaitingRemoval, findings: result.findings.count,
            opened: opened.count, seenAgain: seenAgain.count, resolved: resolved.count)
        let run = EventBody.ReconciliationRun(
            source: source.rawValue,
            files: read.files.map { EventBody.ReconciledFile(name: $0.name, sha256: $0.sha256, bytes: $0.bytes) },
            covered: coverage.targets.map(EventBody.ReconciledTarget.init),
            counts: counts,
            grantsPresent: result.sightings.filter(\.present).map(\.requestID).sorted(),
            grantsAbsent: result.sightings.filter { !$0.present }.map(\.requestID).sorted(),
            findingsSeen: seenAgain)
        let recorded = try tx.append(EventDraft(requestID: nil, actor: tx.actor, at: tx.now, body: .reconciliationRun(run)))
        let sequence = Int(recorded.sequence)
        for finding in opened {
            let grantType = finding.entitlement.flatMap { policy.platform(of: finding.system)?.entitlements[$0]?.type }
            try tx.append(EventDraft(requestID: nil, actor: tx.actor, at: tx.now,
                                     body: .findingOpened(.init(finding, run: sequence, grantType: grantType))))
        }
        for finding in resolved {
            try tx.append(EventDraft(requestID: nil, actor: tx.actor, at: tx.now,
                                     body: .findingResolved(.init(findingID: finding.id, run: sequence))))
        }
        let excepted = result.findings.map(\.id).filter { exceptions[$0] != nil }
        let exceptionsEnded = open.filter { finding in
            guard shown.contains(finding.id), let exception = finding.exception else { return false }
            return !exception.inForce(at: tx.now) && exception.until > finding.lastSeenAt
        }
        return Outcome(run: sequence, recorded: run, opened: opened, notReopened: notReopened, resolved: resolved,
                       notResolved: notResolved, excepted: excepted, exceptionsEnded: exceptionsEnded)
    }
}
