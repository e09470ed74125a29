import ArgumentParser
import Foundation
import SignoffApp
import SignoffCore
import SignoffReconcile
import SignoffStore

struct Reconcile: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Compare an identity platform's export with the grants, and record what differs.",
        discussion: """
        SOURCE is aws, kubernetes, postgresql, github or generic. The run is recorded (source, each file's name and \
        SHA-256, what it covered, counts), with each finding it opens and each open finding it no longer shows (resolved). \
        A finding keeps its ID from run to run. Only what the export covers is ever taken as missing or removed. \
        Exits 9 when the run reports findings: ones it opened (new, or back after being resolved) that no exception \
        covers, and open ones whose exception ended since they were last seen; so a scheduled run can alert. 0 otherwise.
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
            let bytes = try readFile(path, allowingStreams: true)
            do {
                exports.append(try ExportFile(name: path, bytes: [UInt8](bytes)))
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
        if !outcome.reported.isEmpty { Foundation.exit(Outcome.newFindings.rawValue) }
    }

    func printRun(_ outcome: ReconcileExports.Outcome) {
        let run = outcome.recorded, counts = run.counts
        let covered = run.covered.map {
            "\(Terminal.safe($0.system))/\(Terminal.safe($0.environment))\($0.instance.map { " (\(Terminal.safe($0)))" } ?? ""): \(Terminal.safe($0.scopes))"
        }
        Terminal.line("run \(outcome.run): \(run.source), \(run.files.count) file(s); covered \(covered.joined(separator: "; "))")
        Terminal.line("  \(counts.observations) observation(s), \(counts.credentials) credential(s), \(counts.ignored) ignored; \(counts.matched) matched, \(counts.awaitingRemoval) awaiting removal")
        Terminal.line("  \(counts.findings) finding(s): \(counts.opened) new, \(counts.seenAgain) seen again; \(counts.resolved) resolved")
        Terminal.line("  grants: \(run.grantsPresent.count) seen present, \(run.grantsAbsent.count) not seen")
        let excepted = Set(outcome.excepted)
        for finding in outcome.opened {
            let what = excepted.contains(finding.id) ? "new (under an exception)" : "new"
            Terminal.line("\(what) \(finding.id) \(finding.kind.label) \(Terminal.safe(finding.system))/\(Terminal.safe(finding.environment)): \(Terminal.safe(finding.summary))")
        }
        for finding in outcome.exceptionsEnded {
            Terminal.line("exception ended \(finding.id) \(finding.kind.label) \(Terminal.safe(finding.system))/\(Terminal.safe(finding.environment)): \(Terminal.safe(finding.summary))")
        }
        for finding in outcome.resolved {
            Terminal.line("resolved \(finding.id) \(finding.kind.label) \(Terminal.safe(finding.system))/\(Terminal.safe(finding.environment)): \(Terminal.safe(finding.summary))")
        }
        for (finding, resolvedRun) in outcome.notReopened {
            Terminal.line("not reopened \(finding.id) \(finding.kind.label) \(Terminal.safe(finding.system))/\(Terminal.safe(finding.environment)): this export was read before the one that resolved it (run \(resolvedRun)); it stays resolved")
        }
        for finding in outcome.notResolved {
            Terminal.line("not resolved \(finding.id) \(finding.kind.label) \(Terminal.safe(finding.system))/\(Terminal.safe(finding.environment)): this export was read before the one that last showed it (run \(finding.lastRun)); it stays open")
        }
    }
}

struct Drift: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "Show what reconciliation found, and accept findings as exceptions.",
        discussion: """
        Examples:
          signoff drift                 open findings, and grants not seen carried out
          signoff drift --all --json    resolved findings too, as signoff.drift/1
          signoff drift except F-0123456789abcdef --until 30d \\
              -r "Vendor bridge account, removed with the Q1 migration"
          signoff drift request F-0123456789abcdef -o request.yaml
              then complete request.yaml, and: signoff submit request.yaml
          signoff drift remove F-0123456789abcdef \\
              -r "Nobody owns this binding; the platform team removes it"
        """,
        subcommands: [Show.self, Except.self, Request.self, Remove.self], defaultSubcommand: Show.self)

    struct Show: ParsableCommand, JSONReporting {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show open findings, those under an exception, and live grants reconciliation has not seen carried out.",
            discussion: """
            A finding is resolved when a later run that covers it no longer shows it; --all lists resolved ones too. \
            A finding under an exception in force is listed apart and not reported; when the exception ends it is reported again.
            """)
        @OptionGroup var options: StoreOptions
        @Flag(help: "Include resolved findings.") var all = false
        @Flag(help: "Print the drift as JSON (signoff.drift/1).") var json = false
        var printsJSON: Bool { json }

        func run() throws {
            let commands = try options.commands(reading: true)
            let store = commands.store
            let now = commands.clock.now()
            let findings = try storeCall { try store.findings(resolved: all) }
            let signatures = try storeCall { try store.signatures(of: findings) }
            var unconfirmed: [ReconciledGrant] = []
            try storeCall {
                try store.forEachReconciledGrant(.attention) { grant, seen in
                    if grant.state.isLive, !GrantConfirmation(grant, seen).isConfirmed { unconfirmed.append((grant, seen)) }
                }
            }
            if json {
                try DriftJSON(findings: findings, signatures: signatures, unconfirmed: unconfirmed, now: now).print()
                return
            }
            let excepted = findings.filter { $0.open && !$0.isReported(at: now) }
            let listed = findings.filter { !$0.open || $0.isReported(at: now) }
            if listed.isEmpty { Terminal.line(all ? "no findings" : "no open findings") }
            for finding in listed { Self.print(finding, signatures: signatures, now: now) }
            if !excepted.isEmpty {
                Terminal.line("excepted (not reported until the exception ends):")
                for finding in excepted { Self.print(finding, signatures: signatures, now: now) }
            }
            if !unconfirmed.isEmpty {
                Terminal.line("live grants reconciliation has not seen carried out:")
                for (grant, seen) in unconfirmed {
                    let terms = grant.terms
                    Terminal.line("  \(grant.requestID)  \(Terminal.safe(terms.system))/\(Terminal.safe(terms.environment)) \(Terminal.safe(terms.entitlement)) for \(Terminal.safe(terms.subject.name)): \(GrantConfirmation(grant, seen).sentence(seen))")
                }
            }
        }

        /// A finding, and who decided its exception and removal, with the
        /// signature on each decision marked as `signoff show` marks it.
        static func print(_ finding: StoredFinding, signatures: [Int64: EventSignature], now: Date) {
            func signature(_ sequence: Int64) {
                if let signed = signatures[sequence] { Terminal.line("      " + RecordText.signatureText(signed)) }
            }
            let s = Terminal.safe
            let owner = finding.owner.map { "owner \(s($0))" } ?? "no owner"
            let state = finding.open ? "" : " (resolved \(Timestamp.format(finding.resolvedAt ?? finding.lastSeenAt)), run \(finding.resolvedRun ?? 0))"
            Terminal.line("\(finding.id)  \(finding.kind.label)  \(s(finding.system))/\(s(finding.environment))  \(s(finding.subject)) (\(owner))\(state)")
            Terminal.line("    first seen \(Timestamp.format(finding.firstSeenAt)) (run \(finding.firstRun)), last seen \(Timestamp.format(finding.lastSeenAt)) (run \(finding.lastRun))")
            Terminal.line("    \(s(finding.summary))")
            if let exception = finding.exception {
                let when = exception.inForce(at: now) ? "excepted until" : "exception ENDED"
                Terminal.line("    \(when) \(Timestamp.format(exception.until)), by \(s(exception.by)) at \(Timestamp.format(exception.at)): \(s(exception.rationale))")
                signature(exception.sequence)
            }
            if let removal = finding.removal {
                let where_ = switch removal.handOff {
                case .pending: "hand-off pending"
                case .handedOff: "handed off: \(s(removal.outcome ?? ""))"
                case .done: "done"
                case .failed: "hand-off FAILED: \(s(removal.outcome ?? ""))"
                }
                Terminal.line("    removal requested by \(s(removal.by)) at \(Timestamp.format(removal.at)) (\(where_)): \(s(removal.rationale))")
                signature(removal.sequence)
            }
            if let request = finding.linkedRequest {
                Terminal.line("    requested as \(request): resolves once that grant is live and a run sees the access approved")
            }
        }
    }

    struct Except: ParsableCommand, JSONReporting {
        static let configuration = CommandConfiguration(
            commandName: "except",
            abstract: "Accept an open finding as an exception, with a rationale, until a time.",
            discussion: """
            The finding is not reported (by `signoff drift` and by `signoff reconcile`'s exit 9) until the exception ends; \
            then it is reported again if runs still show it. The exception is an event: who accepted it, when, why, until when. \
            Needs the policy's except_finding role action; it may last at most reconciliation.exceptions.max_duration (default 90d).
            """)
        @OptionGroup var options: StoreOptions
        @Argument(help: ArgumentHelp("The finding's ID (F- and 16 hex digits), as `signoff drift` shows it.", valueName: "finding"))
        var finding: String
        @OptionGroup var rationale: RationaleOptions
        @Option(help: ArgumentHelp("When the exception ends: a time (2027-03-01T00:00:00Z) or a span from now (30d).", valueName: "time"))
        var until: String
        @Flag(help: "Print the finding as excepted (signoff.finding-exception/1).") var json = false
        var printsJSON: Bool { json }

        func validate() throws { try checkFindingID(finding) }

        func run() throws {
            let commands = try options.commands()
            let now = commands.clock.now()
            let end: Date
            if let span = TimeSpan(parsing: until) {
                end = now.addingTimeInterval(TimeInterval(span.seconds))
            } else if let time = Timestamp.parse(until) {
                end = time
            } else {
                throw CommandFailure.badOption("--until", "--until \(Terminal.quoted(until)): a time such as 2027-03-01T00:00:00Z, or \(TimeSpan.syntaxHint)")
            }
            let why = try rationale.value(required: true) ?? ""
            let result = try rationale.naming { try commands.run(Commands.ExceptFinding(findingID: finding, rationale: why, until: end)) }
            let excepted = result.output
            if json {
                let signatures = try storeCall { try commands.store.signatures(of: [excepted]) }
                return try FindingExceptionJSON(finding: excepted, signatures: signatures, now: result.at).print()
            }
            guard let exception = excepted.exception else { return }
            Terminal.line("\(excepted.id) excepted until \(Timestamp.format(exception.until)) by \(Terminal.safe(exception.by)): not reported until then")
        }
    }
}

extension Drift {
    struct Request: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "request",
            abstract: "Write a request for the access a finding shows, pre-filled from its evidence.",
            discussion: """
            The file names the finding (finding:), the system, environment, identity, the catalogue entitlement the \
            access maps to, its scope, access level and the ticket of the grant it concerns, with the evidence as comments. \
            Purpose, duration and the identity's owner are left for you, marked TO COMPLETE: signoff submit refuses the \
            file until they are written. Submitting it links the request to the finding (signoff drift and signoff show \
            name it); once the grant is live, the next run that sees the access resolves the finding. \
            Only unapproved, wider-than-approved and not-removed access the catalogue maps can be requested. Records nothing.
            """)
        @OptionGroup var options: StoreOptions
        @Argument(help: ArgumentHelp("The finding's ID (F- and 16 hex digits), as `signoff drift` shows it.", valueName: "finding"))
        var finding: String
        @Option(name: [.customShort("o"), .customLong("output")],
                help: ArgumentHelp("Write the request to this new file instead of printing it.", valueName: "file"))
        var output: String?

        func validate() throws { try checkFindingID(finding) }

        func run() throws {
            let commands = try options.commands(reading: true)
            let text = try commands.requestDraft(forFinding: finding)
            guard let output else { return Terminal.raw(text) }
            // A new file only: a request someone already began completing is never overwritten.
            let fd = open(output, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                let why = errno
                let hint = switch why {
                case EEXIST: "name a file that does not exist yet: a request begun there is never overwritten"
                case _ where output.isEmpty || output.hasSuffix("/"): "name a file, not a directory"
                case ENOENT: "its directory does not exist: create it, or name a file in one that does"
                case ENOTDIR: "a part of its path is a file, not a directory: name a file in a directory"
                case EISDIR: "it is a directory: name a file in it"
                case EACCES, EPERM, EROFS: "this account may not create files there: name a file in a directory it may write"
                default: "name a new file in a directory this account may write"
                }
                throw CommandFailure.badOption("--output", "cannot create \(Terminal.quoted(output)): \(String(cString: strerror(why))); \(hint)")
            }
            let bytes = Array(text.utf8)
            let written = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            close(fd)
            guard written == bytes.count else {
                unlink(output)
                throw CommandFailure.badInput("could not write \(Terminal.quoted(output)); nothing was written")
            }
            Terminal.line("wrote \(Terminal.safe(output)): complete the lines marked \(FindingRequest.toComplete), then `signoff submit \(Terminal.safe(output))`")
        }
    }
}

extension Drift {
    struct Remove: ParsableCommand, JSONReporting {
        static let configuration = CommandConfiguration(
            commandName: "remove",
            abstract: "Send an open access finding to provisioning for removal, with a rationale.",
            discussion: """
            Records a finding_removal_requested event (who, how identified, why, exactly what to remove) and hands a \
            removal document (signoff.removal/1) to provisioning through the hand-off: the outbox folder or the hand-off \
            command, as grant documents go; `signoff handoff retry` delivers it again if that failed. The finding shows \
            "removal requested" and stays open: it resolves when a later run no longer shows the access, never because \
            removal was asked for. Needs the policy's request_removal role action. Only open unapproved, \
            wider-than-approved and not-removed findings can be sent, once.
            """)
        @OptionGroup var options: StoreOptions
        @Argument(help: ArgumentHelp("The finding's ID (F- and 16 hex digits), as `signoff drift` shows it.", valueName: "finding"))
        var finding: String
        @OptionGroup var rationale: RationaleOptions
        @Flag(help: "Print the finding as it stands (signoff.finding-removal/1).") var json = false
        var printsJSON: Bool { json }

        func validate() throws { try checkFindingID(finding) }

        func run() throws {
            let commands = try options.commands()
            let why = try rationale.value(required: true) ?? ""
            let result = try rationale.naming { try commands.run(Commands.RequestFindingRemoval(findingID: finding, rationale: why)) }
            // The hand-off ran after the commit: read the finding again to say where it stands.
            let current = (try? commands.store.finding(finding)).flatMap { $0 } ?? result.output
            if json {
                let signatures = try storeCall { try commands.store.signatures(of: [current]) }
                return try FindingRemovalJSON(finding: current, signatures: signatures, now: result.at).print()
            }
            guard let removal = current.removal else { return }
            let where_ = switch removal.handOff {
            case .pending: "not handed off yet (no hand-off this account may use is set; `signoff handoff retry` delivers it)"
            case .handedOff: "handed off to \(Terminal.safe(removal.outcome ?? ""))"
            case .done: "done"
            case .failed: "hand-off FAILED: \(Terminal.safe(removal.outcome ?? "")); `signoff handoff retry` tries again"
            }
            Terminal.line("\(current.id) sent for removal: \(where_); it resolves when a run no longer shows the access")
        }
    }
}

/// The finding a `drift` subcommand names: refused before anything runs unless it has a finding ID's shape.
private func checkFindingID(_ finding: String) throws {
    guard SignoffCore.Finding.isID(finding) else {
        throw ValidationError("\(Terminal.quoted(finding)) is not a finding ID: F- and 16 lowercase hex digits, as `signoff drift` shows")
    }
}
