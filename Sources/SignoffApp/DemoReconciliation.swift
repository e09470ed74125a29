import Foundation
import SignoffCore
import SignoffReconcile
import SignoffStore

/// The demo's reconciliation: one run over a generated export of the
/// payments database in production, recorded through the same import real
/// runs use (`ReconcileExports` reading a `generic` export), so the Drift
/// view has something to show. Deterministic for a given store: it follows
/// the grants the demo data made.
enum DemoReconciliation {
    /// The account the demo's reconciliation runs as (`reconcile` in the example policy).
    static let reconciler = Principal(name: "ops", authentication: .asserted)
    static let system = "payments-db", environment = "production"

    /// What the export shows: most live grants' access as approved; one
    /// grant's access held as admin (wider than approved); one provisioned
    /// grant's access missing (not provisioned); an identity nobody approved
    /// (unapproved); and one whose owner is not in the directory (orphaned).
    static func export(grants: [Grant], at now: Date) -> [UInt8] {
        let seen = now.addingTimeInterval(-3600)
        var lines: [[UInt8]] = []
        func observe(kind: String, subject: String, owner: String?, entitlement: String, scope: String?, access: AccessLevel,
                     source: String) {
            var json = JSONOutput(capacity: 512)
            json.beginObject()
            json.field("system", system)
            json.field("environment", environment)
            json.field("subject_kind", kind)
            json.field("subject_name", subject)
            if let owner { json.field("subject_owner", owner) }
            json.field("entitlement", entitlement)
            if let scope { json.field("scope", scope) }
            json.field("access", access.rawValue)
            json.field("source_id", source)
            json.field("observed_at", time: seen)
            json.endObject()
            lines.append(json.bytes)
        }
        let live = grants.filter { $0.state.isLive && $0.terms.system == system && $0.terms.environment == environment }
            .sorted { $0.requestID < $1.requestID }
        let widened = live.first { $0.terms.access < .admin }?.requestID
        let missing = live.first { $0.provisioning == .done && $0.requestID != widened }?.requestID
        for grant in live where grant.requestID != missing {
            let terms = grant.terms
            observe(kind: terms.subject.kind.rawValue, subject: terms.subject.name, owner: terms.subject.owner,
                    entitlement: terms.entitlement, scope: terms.scope, access: grant.requestID == widened ? .admin : terms.access,
                    source: "pg_auth_members:\(grant.requestID)")
        }
        observe(kind: "service_account", subject: "svc-legacy-reports", owner: "victor", entitlement: "read_replica", scope: nil,
                access: .read, source: "pg_auth_members:svc-legacy-reports")
        observe(kind: "service_account", subject: "svc-2019-batch", owner: "mallory", entitlement: "read_replica", scope: nil,
                access: .read, source: "pg_auth_members:svc-2019-batch")
        return Array(lines.joined(separator: [0x0A])) + [0x0A]
    }

    /// Records the run; its findings are the Drift view's.
    static func run(_ store: Store, at now: Date) throws {
        let file = try ExportFile(name: "demo-payments-production.jsonl", bytes: export(grants: try store.grants(.all), at: now))
        let command = ReconcileExports(source: .generic, files: [file],
                                       options: ReadOptions(covers: ["\(system)/\(environment)"], now: now))
        _ = try Commands(store: store, actor: reconciler, clock: .fixed(now)).run(command)
    }
}
