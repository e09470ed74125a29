import ArgumentParser
import Foundation
import SignoffApp
import SignoffCore
import SignoffStore

struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Apply, check, test and explain the routing policy.",
        subcommands: [Apply.self, Check.self, Test.self, Explain.self])

    /// Parses a policy file, or fails with every positioned error.
    static func load(_ path: String) throws -> Policy {
        let (text, name) = try readText(path)
        do {
            return try Policy.parse(source: text, file: name)
        } catch {
            throw CommandFailure.invalid(error, "the policy was not used")
        }
    }

    struct Apply: ParsableCommand, JSONReporting {
        static let configuration = CommandConfiguration(
            commandName: "apply",
            abstract: "Make a policy file the store's policy; pending requests are routed again under it.",
            discussion: "Example: signoff policy apply policy.yaml")
        @OptionGroup var options: StoreOptions
        @Argument(help: "The policy file.") var file: String
        @Flag(help: "Print the result as JSON (signoff.policy-applied/1).") var json = false
        var printsJSON: Bool { json }

        func run() throws {
            let policy = try load(file)
            let errors = policy.check().filter { $0.severity == .error }
            if !errors.isEmpty {
                throw CommandFailure.invalid(SourceErrors(errors.map { $0.sourceError(file: file) }),
                                             "the policy was not applied; fix it, or see `signoff policy check`")
            }
            let result = try options.commands().run(Commands.ApplyPolicy(policy))
            let (changed, rerouted) = (result.output.changed, result.output.rerouted)
            if json {
                return try PolicyAppliedJSON(version: policy.version, file: file, changed: changed, rerouted: rerouted,
                                             events: result.events).print()
            }
            if changed {
                Terminal.line("applied policy \(policy.version.prefix(12)) from \(Terminal.safe(file)); \(rerouted) open request(s) routed again")
            } else {
                Terminal.line("policy \(policy.version.prefix(12)) is already in force; nothing changed")
            }
        }
    }

    struct Check: ParsableCommand, JSONReporting {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Validate a policy file and look for the mistakes people make.",
            discussion: "Exit 0 when clean, 2 on errors; warnings are printed but do not fail.")
        @Argument(help: "The policy file.") var file: String
        @Flag(help: "Print the findings as JSON (signoff.policy-check/1).") var json = false
        var printsJSON: Bool { json }

        func run() throws {
            let (text, name) = try readText(file)
            let policy: Policy
            do {
                policy = try Policy.parse(source: text, file: name)
            } catch {
                // Read but not parsed: with --json, its problems are the check's findings, as any other error is.
                if json {
                    try PolicyCheckJSON(file: file, version: Policy.version(ofSource: text),
                                        findings: error.errors.map(PolicyFinding.init)).print()
                }
                throw CommandFailure.invalid(error, "the policy was not used")
            }
            let findings = policy.check()
            let errors = findings.filter { $0.severity == .error }
            if json {
                try PolicyCheckJSON(file: file, version: policy.version, findings: findings).print()
                if !errors.isEmpty {
                    throw CommandFailure.invalid(SourceErrors(errors.map { $0.sourceError(file: file) }), "the policy has errors")
                }
                return
            }
            for finding in findings { Terminal.line("\(Terminal.safe(file)):\(finding)") }
            Terminal.line("\(file): \(errors.count) error(s), \(findings.count - errors.count) warning(s); version \(policy.version.prefix(12))")
            if !errors.isEmpty { throw CommandFailure(.badInput, "the policy has errors") }
        }
    }

    struct Test: ParsableCommand, JSONReporting {
        static let configuration = CommandConfiguration(
            commandName: "test",
            abstract: "Run a policy's test cases: requests with their expected outcome.",
            discussion: "Example:\n  signoff policy test examples/policy.yaml examples/policy-cases.yaml")
        @Argument(help: "The policy file.") var file: String
        @Argument(help: "The cases file.") var cases: String
        @Flag(help: "Print the results as JSON (signoff.policy-test/1).") var json = false
        var printsJSON: Bool { json }

        func run() throws {
            let policy = try load(file)
            let (text, name) = try readText(cases)
            let parsed: [PolicyCase]
            do { parsed = try PolicyCases.parse(text: text, file: name, policy: policy) } catch {
                throw CommandFailure.invalid(error)
            }
            let failures = PolicyCases.run(parsed, policy: policy)
            let failed = CommandFailure(.refused, "\(failures.count) policy case(s) failed")
            if json {
                try PolicyTestJSON(policyVersion: policy.version, file: name, cases: parsed.count, failures: failures).print()
                if !failures.isEmpty { throw failed }
                return
            }
            for failure in failures { Terminal.line("FAIL \(Terminal.safe(name)):\(Terminal.safeLines(failure.description))") }
            Terminal.line("\(parsed.count - failures.count) of \(parsed.count) policy cases pass")
            if !failures.isEmpty { throw failed }
        }
    }

    struct Explain: ParsableCommand, JSONReporting {
        static let configuration = CommandConfiguration(
            commandName: "explain",
            abstract: "Explain how the policy routes a stored request or a request file.",
            discussion: "Examples:\n  signoff policy explain REQ-7\n  signoff policy explain --file request.yaml --policy policy.yaml")
        @OptionGroup var options: StoreOptions
        @Argument(help: "A stored request ID.", completion: RequestIDCompletion.kind) var id: String?
        @Option(help: "Explain the requests in this file instead.") var file: String?
        @Option(help: "With --file: use this policy file instead of the store's.") var policy: String?
        @Flag(help: "Print JSON: signoff.explanation/1 for a stored request, signoff.explanation-list/1 for a file.") var json = false
        var printsJSON: Bool { json }

        func validate() throws {
            if (id == nil) == (file == nil) { throw ValidationError("give a request ID or --file, not both") }
        }

        func run() throws {
            if let file {
                let current: Policy
                let asker: String
                let now: Date
                if let policyPath = policy {
                    current = try load(policyPath)
                    asker = options.asserted ?? Identity.osAccount()
                    now = Date()
                } else {
                    let commands = try options.commands(reading: true)
                    current = try commands.requirePolicy()
                    asker = commands.actor.name
                    now = commands.clock.now()
                }
                let (text, name) = try readText(file)
                let entries: [RequestFile.Entry]
                do { entries = try RequestFile.parse(text: text, file: name, policy: current, now: now) } catch {
                    throw CommandFailure.invalid(error)
                }
                // What submit would refuse outright (on someone's behalf without
                // being an intake agent, a requester outside the directory) has no
                // route to explain: said as submit says it.
                for entry in entries {
                    do throws(Refusal) {
                        _ = try Lifecycle.authorizeSubmission(entry.scanned, by: Principal(name: asker, authentication: .asserted),
                                                              policy: current)
                    } catch {
                        throw CommandError.refused(Refusal(error.reason, "submit would refuse it: " + entry.located(error)), recorded: false)
                    }
                }
                var writer = JSONListWriter<ExplanationJSON>(listSchema: "signoff.explanation-list/1", lines: false)
                for entry in entries {
                    var request = entry.request
                    request.requester = request.requester ?? asker
                    let explanation = current.explain(request, submittedBy: asker, at: now)
                    if json { try writer.append(ExplanationJSON(explanation: explanation)) } else { ExplanationText.print(explanation, progress: nil) }
                }
                if json { try writer.finish() }
                return
            }
            let commands = try options.commands(reading: true)
            let me = commands.actor
            let now = commands.clock.now()
            guard let record = try storeCall({ try commands.store.record(id ?? "") }) else {
                throw CommandError.noSuchRequest(id ?? "")
            }
            let current = try commands.requirePolicy()
            let original = try storeCall { try commands.store.originalGrant(of: record) }
            let explanation = current.explain(record, original: original, at: now)
            let progress = Lifecycle.progress(record, policy: current, original: original)
            let standing = Lifecycle.standing(record, person: me.name, policy: current, at: now, original: original)
            if json {
                return try ExplanationJSON(explanation: explanation, record: record, progress: progress,
                                           viewer: (me.name, standing)).print()
            }
            Terminal.line("\(record.id) (\(record.state.rawValue), version \(record.version))")
            ExplanationText.print(explanation, progress: progress, me: me.name, standing: record.state == .pending ? standing : nil)
        }
    }
}

/// `policy explain` as text: what the approver needs first (the outcome,
/// each step and what it is missing, whether I may decide), then the rules
/// that matched, then those that did not.
enum ExplanationText {
    static func print(_ explanation: PolicyExplanation, progress: [StepStatus]?, me: String? = nil,
                      standing: Lifecycle.Standing? = nil) {
        let s = Terminal.safe
        Terminal.line("outcome: \(s(explanation.outcome.summary))")
        if let me, let standing {
            let step = standing.step.map { " (your approval counts for step \($0 + 1))" } ?? ""
            Terminal.line("you (\(s(me))): \(standing.words) — \(s(standing.reason))\(step)")
        }
        for (index, step) in explanation.steps.enumerated() {
            let status = progress.flatMap { index < $0.count ? $0[index] : nil }
            let counts = status.map { ": \($0.approvedBy.count) of \($0.step.required), \($0.missing) missing" } ?? ": needs \(step.step.required)"
            Terminal.line("step \(index + 1), \(s(step.step.name))\(counts)")
            for candidate in step.candidates {
                let approved = status?.approvedBy.contains(candidate.name) == true ? " (approved)" : ""
                Terminal.line("  \(candidate.eligible ? "eligible    " : "not eligible") \(s(candidate.name))\(approved): \(s(candidate.reason))")
            }
        }
        let rules = explanation.denyRules.map { ("deny ", $0) } + explanation.routeRules.map { ("route", $0) }
        Terminal.line("rules that matched:")
        let matched = rules.filter { $0.1.matched }
        if matched.isEmpty { Terminal.line("  (none)") }
        for (kind, trace) in matched { Terminal.line("  \(kind) \(s(trace.rule)): \(s(trace.detail))") }
        let unmatched = rules.filter { !$0.1.matched }
        if !unmatched.isEmpty {
            Terminal.line("rules that did not match:")
            for (kind, trace) in unmatched { Terminal.line("  \(kind) \(s(trace.rule)): \(s(trace.detail))") }
        }
        Terminal.line("policy \(explanation.policyVersion.prefix(12))")
    }
}
