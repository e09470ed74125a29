import Foundation
import SignoffApp
import SignoffCore
import SignoffStore
import SignoffTUI
import Testing

/// The command line and the console carry out every decision through one
/// command layer, by one clock. The same decisions, made through the real
/// binary in one store and through the console's backend in another, with the
/// clock set to the same moments, must end in the same outcomes and the very
/// same evidence: every event, its time and its hash.
@Suite("One command layer")
struct CommandLayerTests {
    static let t0 = "2026-11-21T03:00:00Z"

    /// One decision as either front end can make it.
    enum Step {
        case review(String, Verdict, version: Int, by: String, rationale: String)
        case revoke(String, by: String, rationale: String)
        case reviewIncident(String, by: String, rationale: String)
    }

    /// What each step did, in the same words for both front ends.
    static let script: [(at: String, step: Step, expected: String)] = [
        ("2026-11-21T03:05:00Z", .review("REQ-1", .approve, version: 1, by: "alice", rationale: rationale), "refused self_approval"),
        ("2026-11-21T03:06:00Z", .review("REQ-1", .approve, version: 2, by: "dave", rationale: rationale), "refused stale_version"),
        ("2026-11-21T03:07:00Z", .review("REQ-1", .approve, version: 1, by: "dave", rationale: "too short"), "not recorded"),
        ("2026-11-21T03:08:00Z", .review("REQ-1", .approve, version: 1, by: "dave", rationale: rationale), "recorded approved"),
        ("2026-11-21T03:09:00Z", .review("REQ-1", .deny, version: 1, by: "carol", rationale: rationale), "refused already_decided"),
        ("2026-11-21T03:10:00Z", .review("REQ-2", .approve, version: 1, by: "bob", rationale: "Pods are down, cordon approved"), "recorded approved"),
        ("2026-11-21T03:11:00Z", .revoke("REQ-2", by: "victor", rationale: "I do not like emergencies at all"), "refused not_eligible"),
        ("2026-11-21T03:12:00Z", .reviewIncident("REQ-2", by: "grace", rationale: "I was on the incident myself"), "refused not_eligible"),
        ("2026-11-21T03:30:00Z", .reviewIncident("REQ-2", by: "sam", rationale: "Cordon was right; paging gap fixed"), "refused too_early"),
        ("2026-11-21T04:00:00Z", .revoke("REQ-2", by: "grace", rationale: "Incident over, the nodes are back in service"), "recorded"),
        ("2026-11-21T05:00:00Z", .reviewIncident("REQ-2", by: "sam", rationale: "Cordon was right; paging gap fixed"), "recorded"),
        ("2026-11-21T06:00:00Z", .revoke("REQ-1", by: "alice", rationale: "The reconciliation moved to the warehouse"), "recorded"),
        ("2026-11-21T06:01:00Z", .revoke("REQ-9", by: "alice", rationale: "The reconciliation moved to the warehouse"), "not recorded"),
    ]


    /// A store with the policy and two requests, all at `t0`.
    func prepared() throws -> TestStore {
        let store = try TestStore(policy: nil)
        let applied = try store.run(["policy", "apply", Signoff.example("policy.yaml")], at: Self.t0)
        #expect(applied.status == 0, "\(applied.output)")
        #expect(try store.submit(etlRequest, as: "alice", at: Self.t0) == "REQ-1")
        #expect(try store.submit(emergencyRequest, as: "grace", at: Self.t0) == "REQ-2")
        return store
    }

    /// The step through the real binary.
    func commandLine(_ step: Step, at time: String, in store: TestStore) throws -> String {
        let result: Signoff.Result
        switch step {
        case let .review(id, verdict, version, person, why):
            result = try store.run([verdict.rawValue, id, "--version", "\(version)", "-r", why], as: person, at: time)
        case let .revoke(id, person, why):
            result = try store.run(["revoke", id, "-r", why], as: person, at: time)
        case let .reviewIncident(id, person, why):
            result = try store.run(["review-incident", id, "-r", why], as: person, at: time)
        }
        switch result.status {
        case 0:
            if case .review = step { return "recorded " + (result.stdout.split(separator: " ").last.map(String.init) ?? "?").trimmingCharacters(in: .whitespacesAndNewlines) }
            return "recorded"
        case 2: return "not recorded"
        case 3, 4:
            // The reason, as `show --json` and the evidence name it.
            let events = try store.run(["audit", "export"]).stdout.split(separator: "\n")
            let last = try #require(events.last.flatMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
            let payload = last["payload"] as? [String: Any]
            return "refused " + ((payload?["reason"] as? String) ?? "?")
        default: return "exit \(result.status): \(result.output)"
        }
    }

    /// The step through the console's backend, by a clock set to the same moment.
    func console(_ step: Step, at time: String, in store: Store) throws -> String {
        let clock = CommandClock.fixed(try #require(Timestamp.parse(time)))
        func backend(_ person: String) -> StoreConsoleBackend {
            StoreConsoleBackend(store: store, identity: Principal(name: person, authentication: .asserted), clock: clock)
        }
        let outcome: DecisionOutcome
        switch step {
        case let .review(id, verdict, version, person, why):
            outcome = backend(person).decide(id: id, verdict: verdict, rationale: why, shownVersion: version)
        case let .revoke(id, person, why):
            outcome = backend(person).revoke(id: id, rationale: why)
        case let .reviewIncident(id, person, why):
            outcome = backend(person).completeIncidentReview(id: id, rationale: why)
        }
        switch outcome {
        case let .recorded(state):
            if case .review = step { return "recorded \(state.rawValue)" }
            return "recorded"
        case let .refused(reason, _): return "refused \(reason.rawValue)"
        case .failed: return "not recorded"
        }
    }

    @Test func theCommandLineAndTheConsoleDecideAlikeAndLeaveTheSameEvidence() throws {
        let viaCommandLine = try prepared()
        let viaConsole = try prepared()
        let consoleStore = try Store.open(StoreLocation(parsing: viaConsole.path))
        for (time, step, expected) in Self.script {
            let cli = try commandLine(step, at: time, in: viaCommandLine)
            let tui = try console(step, at: time, in: consoleStore)
            #expect(cli == expected, "command line, \(step) at \(time)")
            #expect(tui == expected, "console, \(step) at \(time)")
        }
        let cliEvidence = try viaCommandLine.run(["audit", "export"]).stdout
        let consoleEvidence = try viaConsole.run(["audit", "export"]).stdout
        #expect(cliEvidence.split(separator: "\n").count > 10)
        #expect(cliEvidence == consoleEvidence, "the same decisions at the same moments leave the same chain")
        #expect(try viaCommandLine.run(["audit", "head"]).stdout == (try viaConsole.run(["audit", "head"]).stdout))
    }
}
