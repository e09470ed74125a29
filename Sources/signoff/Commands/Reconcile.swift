import ArgumentParser
import Foundation
import SignoffApp
import SignoffCore
import SignoffReconcile
import SignoffStore

struct Reconcile: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare an identity platform's export with the grants, and record what differs.",
        discussion: """
        SOURCE is aws, kubernetes, postgresql, github or generic. The run is recorded (source, each file's name and
        SHA-256, what it covered, counts), with each finding it opens and each open finding it no longer shows (resolved).
        A finding keeps its ID from run to run. Only what the export covers is ever taken as missing or removed.
        Exits 9 when the run opened findings (new, or back after being resolved), so a scheduled run can alert;
        0 when it opened none.
        """)
    @OptionGroup var options: StoreOptions
    @Argument(help: ArgumentHelp("Where the export comes from: aws, kubernetes, postgresql, github or generic.", valueName: "source"))
    var source: String
    @Argument(help: ArgumentHelp("The export's files.", valueName: "file"))
    var files: [String]
    @Option(help: ArgumentHelp("The account, cluster, database or organization the export shows, where it does not say.", valueName: "name"))
    var instance: String?
    @Option(name: .customLong("namespace"), help: ArgumentHelp("Kubernetes: the export holds only this namespace (repeat for several).", valueName: "name"))
    var namespaces: [String] = []
    @Flag(help: "Kubernetes: the export holds every namespace (kubectl -A).")
    var allNamespaces = false
    @Option(name: .customLong("covers"), help: ArgumentHelp("Generic: a SYSTEM/ENVIRONMENT the file holds in full (repeat for several).", valueName: "system/environment"))
    var covers: [String] = []
    @Flag(help: "Print the run as JSON (signoff.reconcile-run/1).") var json = false

    func run() throws {
        guard let kind = ReconcileSource(rawValue: source) else {
            throw CommandFailure.badInput("\"\(source)\" is not a source: use one of \(ReconcileSource.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var exports: [ExportFile] = []
        for path in files {
            do {
                exports.append(try ExportFile(path: path))
            } catch {
                throw CommandFailure.badInput(error.description)
            }
        }
        let commands = try options.commands()
        let command = ReconcileExports(source: kind, files: exports, options: ReadOptions(
            instance: instance, namespaces: namespaces, allNamespaces: allNamespaces, covers: covers, now: commands.clock.now()))
        let result = try commands.run(command)
        let outcome = result.output
        if json {
            try ReconcileRunJSON(outcome: outcome, at: result.at).print()
        } else {
            printRun(outcome)
        }
        if !outcome.opened.isEmpty { Foundation.exit(Outcome.newFindings.rawValue) }
    }

    func printRun(_ outcome: ReconcileExports.Outcome) {
        let run = outcome.recorded, counts = run.counts
        let covered = run.covered.map { "\($0.system)/\($0.environment)\($0.instance.map { " (\($0))" } ?? ""): \($0.scopes)" }
        Terminal.line("run \(outcome.run): \(run.source), \(run.files.count) file(s); covered \(covered.joined(separator: "; "))")
        Terminal.line("  \(counts.observations) observation(s), \(counts.credentials) credential(s), \(counts.ignored) ignored; \(counts.matched) matched, \(counts.awaitingRemoval) awaiting removal")
        Terminal.line("  \(counts.findings) finding(s): \(counts.opened) new, \(counts.seenAgain) seen again; \(counts.resolved) resolved")
        Terminal.line("  grants: \(run.grantsPresent.count) seen present, \(run.grantsAbsent.count) not seen")
        for finding in outcome.opened {
            Terminal.line("new \(finding.id) \(finding.kind.label) \(finding.system)/\(finding.environment): \(finding.summary)")
        }
        for finding in outcome.resolved {
            Terminal.line("resolved \(finding.id) \(finding.kind.label) \(finding.system)/\(finding.environment): \(finding.summary)")
        }
    }
}

struct Drift: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what reconciliation found: open findings, and live grants it has not seen carried out.",
        discussion: "A finding is resolved when a later run that covers it no longer shows it; --all lists resolved ones too.")
    @OptionGroup var options: StoreOptions
    @Flag(help: "Include resolved findings.") var all = false
    @Flag(help: "Print the drift as JSON (signoff.drift/1).") var json = false

    func run() throws {
        let commands = try options.commands(reading: true)
        let store = commands.store
        let findings = try storeCall { try store.findings(resolved: all) }
        var unconfirmed: [ReconciledGrant] = []
        try storeCall {
            try store.forEachReconciledGrant(.attention) { grant, seen in
                if grant.state.isLive, !GrantConfirmation(grant, seen).isConfirmed { unconfirmed.append((grant, seen)) }
            }
        }
        if json {
            try DriftJSON(findings: findings, unconfirmed: unconfirmed).print()
            return
        }
        if findings.isEmpty { Terminal.line(all ? "no findings" : "no open findings") }
        for finding in findings {
            let owner = finding.owner.map { "owner \($0)" } ?? "no owner"
            let state = finding.open ? "" : " (resolved \(Timestamp.format(finding.resolvedAt ?? finding.lastSeenAt)), run \(finding.resolvedRun ?? 0))"
            Terminal.line("\(finding.id)  \(finding.kind.label)  \(finding.system)/\(finding.environment)  \(finding.subject) (\(owner))\(state)")
            Terminal.line("    first seen \(Timestamp.format(finding.firstSeenAt)) (run \(finding.firstRun)), last seen \(Timestamp.format(finding.lastSeenAt)) (run \(finding.lastRun))")
            Terminal.line("    \(finding.summary)")
        }
        if !unconfirmed.isEmpty {
            Terminal.line("live grants reconciliation has not seen carried out:")
            for (grant, seen) in unconfirmed {
                let terms = grant.terms
                Terminal.line("  \(grant.requestID)  \(Terminal.safe(terms.system))/\(Terminal.safe(terms.environment)) \(Terminal.safe(terms.entitlement)) for \(Terminal.safe(terms.subject.name)): \(GrantConfirmation(grant, seen).sentence(seen))")
            }
        }
    }
}
