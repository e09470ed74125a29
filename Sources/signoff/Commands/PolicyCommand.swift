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
            throw CommandFailure.badInput(error.description + "\nthe policy was not used")
        }
    }

    struct Apply: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a policy file the store's policy; pending requests are routed again under it.",
            discussion: "Example: signoff policy apply policy.yaml")
        @OptionGroup var options: StoreOptions
        @Argument(help: "The policy file.") var file: String

        func run() throws {
            let policy = try load(file)
            let errors = policy.check().filter { $0.severity == .error }
            if !errors.isEmpty {
                throw CommandFailure.badInput(errors.map { "\(file):\($0)" }.joined(separator: "\n") + "\nthe policy was not applied; fix it, or see `signoff policy check`")
            }
            let applied = try options.commands().run(Commands.ApplyPolicy(policy)).output
            let (changed, rerouted) = (applied.changed, applied.rerouted)
            if changed {
                Terminal.line("applied policy \(policy.version.prefix(12)) from \(Terminal.safe(file)); \(rerouted) open request(s) routed again")
            } else {
                Terminal.line("policy \(policy.version.prefix(12)) is already in force; nothing changed")
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a policy file and look for the mistakes people make.",
            discussion: "Exit 0 when clean, 2 on errors; warnings are printed but do not fail.")
        @Argument(help: "The policy file.") var file: String

        func run() throws {
            let policy = try load(file)
            let findings = policy.check()
            for finding in findings { Terminal.line("\(Terminal.safe(file)):\(finding)") }
            let errors = findings.filter { $0.severity == .error }.count
            Terminal.line("\(file): \(errors) error(s), \(findings.count - errors) warning(s); version \(policy.version.prefix(12))")
            if errors > 0 { throw CommandFailure(.badInput, "the policy has errors") }
        }
    }

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a policy's test cases: requests with their expected outcome.",
            discussion: "Example: signoff policy test examples/policy.yaml examples/policy-cases.yaml")
        @Argument(help: "The policy file.") var file: String
        @Argument(help: "The cases file.") var cases: String

        func run() throws {
            let policy = try load(file)
            let (text, name) = try readText(cases)
            let parsed: [PolicyCase]
            do { parsed = try PolicyCases.parse(text: text, file: name, policy: policy) } catch {
                throw CommandFailure.badInput(error.description)
            }
            let failures = PolicyCases.run(parsed, policy: policy)
            for failure in failures { Terminal.line("FAIL \(Terminal.safe(name)):\(Terminal.safeLines(failure.description))") }
            Terminal.line("\(parsed.count - failures.count) of \(parsed.count) policy cases pass")
            if !failures.isEmpty { throw CommandFailure(.refused, "\(failures.count) policy case(s) failed") }
        }
    }

    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Explain how the policy routes a stored request or a request file.",
            discussion: "Examples: signoff policy explain REQ-7 ; signoff policy explain --file request.yaml --policy policy.yaml")
        @OptionGroup var options: StoreOptions
        @Argument(help: "A stored request ID.", completion: RequestIDCompletion.kind) var id: String?
        @Option(help: "Explain the requests in this file instead.") var file: String?
        @Option(help: "With --file: use this policy file instead of the store's.") var policy: String?
        @Flag(help: "Print JSON.") var json = false

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
                    throw CommandFailure.badInput(error.description)
                }
                for entry in entries {
                    var request = entry.request
                    request.requester = request.requester ?? asker
                    let explanation = current.explain(request, submittedBy: asker, at: now)
                    if json { try Terminal.json(explanation) } else { ExplanationText.print(explanation, progress: nil) }
                }
                return
            }
            let commands = try options.commands(reading: true)
            let me = commands.actor
            let now = commands.clock.now()
            guard let record = try storeCall({ try commands.store.record(id ?? "") }) else {
                throw CommandError.noSuchRequest(id ?? "")
            }
            let current = try commands.requirePolicy()
            let explanation = current.explain(record.request, submittedBy: record.submittedBy.name, at: now)
            let progress = Lifecycle.progress(record, policy: current)
            if json {
                try Terminal.json(explanation)
                return
            }
            Terminal.line("\(record.id) (\(record.state.rawValue), version \(record.version))")
            let standing = record.state == .pending ? Lifecycle.standing(record, person: me.name, policy: current, at: now) : nil
            ExplanationText.print(explanation, progress: progress, me: me.name, standing: standing)
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
            Terminal.line("you (\(s(me))): \(standing.mayDecide ? "may decide" : "may not decide") — \(s(standing.reason))\(step)")
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
