import Foundation
import SignoffCore
@testable import SignoffStore

/// A fresh directory per test, removed when the test lets go of it.
final class TemporaryDirectory {
    let path: String

    init() {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("signoff-store-tests-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String = "signoff.sqlite") -> String { (path as NSString).appendingPathComponent(name) }
}

enum Sample {
    static let alice = Principal(name: "alice", authentication: .osAccount)
    static let bob = Principal(name: "bob", authentication: .osAccount)
    static let carol = Principal(name: "carol", authentication: .osAccount)
    /// Who creates the sample stores (`Store.create` records this account),
    /// and so may apply their first policy and, as no role grants it, change their settings.
    static let creator = Principal(name: StoreFile.accountName(), authentication: .osAccount)
    static let start = Date(timeIntervalSince1970: 1_750_000_000.123)
    /// A store created at `start`: the events these tests append are dated
    /// from then on, and verify names an event dated back before another.
    static let settings = StoreSettings(createdAt: start)

    /// The policy the sample stores apply: anything in the sandbox is approved
    /// automatically; elsewhere the owners of the system approve, one of them
    /// is enough; alice and erin may raise break-glass requests
    /// and activate them themselves after 15 minutes.
    static let policySource = """
        policy: store-tests
        directory:
          people:
            alice: {}
            bob: {}
            carol: {}
            dave: {}
            dana: {}
            erin: {}
          groups:
            sre: [alice, erin]
            incident-reviewers: [bob, carol]
        catalogue:
          payments-db:
            owners: [bob, carol, dave]
            environments: [sandbox, staging, production]
            entitlements: ["db:read"]
            max_duration: 30d
          billing:
            owners: [bob, carol, dave]
            environments: [staging, production]
            entitlements: ["db:read"]
            max_duration: 30d
        break_glass:
          raised_by: [group:sre]
          max_duration: 8h
          post_incident_review: {reviewers: group:incident-reviewers, within: 72h}
          self_activation: {allowed: [group:sre], after: 15m}
        route:
          - name: sandbox
            when: {environment: sandbox}
            approve: automatically
          - name: owners
            steps:
              - {approvers: owners, count: 1}

        """
    static let parsedPolicy = try! Policy.parse(source: policySource, file: "policy.yaml")
    static let policyVersion = parsedPolicy.version

    static func request(system: String = "payments-db", environment: String = "production",
                        requester: String? = "alice", purpose: String = "rotate the ledger keys",
                        notes: String? = nil, breakGlass: Bool = false) -> AccessRequest {
        AccessRequest(requester: requester,
                      subject: Subject(kind: .serviceAccount, name: "svc-ledger", owner: "alice"),
                      system: system, environment: environment, entitlement: "db:read", access: .read,
                      purpose: purpose, duration: .hours(8), ticket: "OPS-42",
                      breakGlass: breakGlass, incident: breakGlass ? "INC-7" : nil, labels: ["team": "payments"], notes: notes)
    }

    static func policy(_ version: String = policyVersion, at: Date = start) -> EventDraft {
        EventDraft(requestID: nil, actor: creator, at: at,
                   body: .policyApplied(.init(version: version, previousVersion: nil, file: "policy.yaml",
                                              source: version == policyVersion ? policySource : "routes:\n  - name: owners\n")))
    }

    /// Another version of the sample policy: the same rules, another source.
    static func laterPolicy(at: Date = start) -> EventDraft {
        let source = policySource + "# the same rules, applied again\n"
        let version = (try! Policy.parse(source: source, file: "policy.yaml")).version
        return EventDraft(requestID: nil, actor: creator, at: at,
                          body: .policyApplied(.init(version: version, previousVersion: policyVersion, file: "policy.yaml", source: source)))
    }

    static func submit(_ id: String, _ request: AccessRequest = Sample.request(), at: Date = start) -> EventDraft {
        EventDraft(requestID: id, actor: alice, at: at, body: .requestSubmitted(.init(request: request)))
    }

    /// The route the sample policy gives `request`.
    static func route(_ id: String, _ request: AccessRequest = Sample.request(), version: Int = 1, at: Date = start) -> EventDraft {
        EventDraft(requestID: id, actor: .signoff, at: at, body: .requestRouted(.init(
            version: version, policyVersion: policyVersion,
            outcome: parsedPolicy.route(request, submittedBy: alice.name, at: at), cause: "submitted")))
    }

    static func review(_ id: String, by reviewer: Principal = bob, verdict: Verdict = .approve,
                       rationale: String = "ticket OPS-42 checked", version: Int = 1, at: Date = start) -> EventDraft {
        EventDraft(requestID: id, actor: reviewer, at: at, body: .reviewRecorded(.init(
            verdict: verdict, rationale: rationale, requestVersion: version, policyVersion: policyVersion)))
    }

    /// A decision as the review right before it makes it: in the name of its
    /// (first) reviewer; a policy's, in signoff's.
    static func decide(_ id: String, _ state: RequestState = .approved, by: [String] = ["bob"],
                       at: Date = start) -> EventDraft {
        EventDraft(requestID: id, actor: decider(by), at: at, body: .requestDecided(.init(
            state: state, by: by, policyVersion: policyVersion, reason: "all steps satisfied")))
    }

    /// Who records a decision by `by`, and the grant it issues: its first
    /// approver, or the policy's rule.
    static func decider(_ by: [String]) -> Principal {
        by.first.map { $0.hasPrefix("policy:") ? Principal.policyRule(String($0.dropFirst(7))) : Principal(name: $0, authentication: .osAccount) }
            ?? .signoff
    }
}

extension Sample {
    /// The grant an approval of `Sample.request()` issues: 8 hours from `at`.
    /// `actor`: who made the approval that issues it (by default its first approver).
    static func grant(_ id: String, request: AccessRequest = Sample.request(), approvers: [String] = ["bob"],
                      actor: Principal? = nil, at: Date = start, duration: TimeSpan = .hours(8)) -> EventDraft {
        let record = RequestRecord(id: id, request: request, submittedBy: alice, submittedAt: at)
        return EventDraft(requestID: id, actor: actor ?? decider(approvers), at: at, body: .grantIssued(.init(
            terms: GrantTerms(record: record), approvers: approvers, policyVersion: policyVersion, duration: duration,
            startsAt: EventCoding.storedPrecision(at),
            expiresAt: EventCoding.storedPrecision(at.addingTimeInterval(TimeInterval(duration.seconds))),
            selfActivated: false, incidentReview: nil)))
    }
}

extension Store {
    /// Submits and routes one request in one command; returns its ID.
    @discardableResult
    func submitRouted(_ request: AccessRequest = Sample.request(), at: Date = Sample.start) throws -> String {
        try write { transaction in
            let id = try transaction.nextRequestID()
            try transaction.append(Sample.submit(id, request, at: at))
            try transaction.append(Sample.route(id, request, at: at))
            return id
        }
    }
}

/// Edits a store behind signoff's back with the sqlite3 command-line tool, as
/// someone with the file (and no signoff) could.
@discardableResult
func sqlite3(_ path: String, _ sql: String) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["sqlite3", path, sql]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

func fileMode(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.posixPermissions] as! NSNumber).intValue
}
