import Foundation
import SignoffCore

/// Realistic requests built from a policy's catalogue and directory, varied
/// enough that routing takes different paths (denials, steps, automatic).
enum Workload {
    static func policy() throws -> Policy {
        let candidates = [
            "examples/policy.yaml",
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("examples/policy.yaml").path,
        ]
        guard let path = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }),
              let text = FileManager.default.contents(atPath: path) else {
            throw BenchError("cannot find examples/policy.yaml; run from the package root")
        }
        do {
            return try Policy.parse(source: String(decoding: text, as: UTF8.self), file: path)
        } catch {
            throw BenchError("\(error)")
        }
    }

    static let kinds: [IdentityKind] = [.human, .serviceAccount, .apiKey, .aiAgent, .workloadIdentity, .oauthClient]

    /// `count` requests cycling through systems, environments, entitlements,
    /// kinds, access levels and durations.
    static func requests(_ count: Int, policy: Policy) -> [AccessRequest] {
        let people = policy.people
        var result: [AccessRequest] = []
        result.reserveCapacity(count)
        for index in 0..<count {
            let system = policy.systems[index % policy.systems.count]
            let environment = system.environments[(index / 3) % system.environments.count]
            let entitlement = system.entitlements[(index / 7) % system.entitlements.count]
            let kind = kinds[(index / 5) % kinds.count]
            let requester = people[(index * 7) % people.count]
            let subjectName = kind == .human ? requester : "\(kind.rawValue.replacingOccurrences(of: "_", with: "-"))-\(index % 97)"
            let access = AccessLevel.allCases[(index / 11) % 3]
            let breakGlass = index % 41 == 0 && kind == .human
            result.append(AccessRequest(
                requester: requester,
                subject: Subject(kind: kind, name: subjectName, owner: requester),
                system: system.name, environment: environment, entitlement: entitlement,
                scope: index % 4 == 0 ? "schema:ledger" : nil, access: access,
                purpose: "Reconcile ledger batch \(index) for the monthly close",
                duration: TimeSpan.hours([1, 2, 4, 8, 24][index % 5]),
                revocationTriggers: index % 3 == 0 ? [] : [RevocationTrigger(name: "ticket_closed", ref: "OPS-\(index)")],
                ticket: index % 5 == 0 ? nil : "OPS-\(index)", breakGlass: breakGlass,
                incident: breakGlass ? "INC-\(index)" : nil, labels: ["team": "payments"]))
        }
        return result
    }

    /// Requests that route to one approval by the owners of payments-db (dave).
    static func ownerReadRequests(_ count: Int) -> [AccessRequest] {
        (0..<count).map { index in
            AccessRequest(requester: "alice", subject: Subject(kind: .serviceAccount, name: "svc-etl-\(index)", owner: "alice"),
                          system: "payments-db", environment: "production", entitlement: "read_replica", access: .read,
                          purpose: "Nightly reconciliation reads the ledger tables", duration: .hours(8),
                          revocationTriggers: [RevocationTrigger(name: "ticket_closed", ref: "OPS-\(index)")],
                          ticket: "OPS-\(index)")
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
