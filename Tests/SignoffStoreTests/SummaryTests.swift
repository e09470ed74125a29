import Foundation
import GRDB
import SignoffCore
import Testing
@testable import SignoffStore

@Suite struct SummaryTests {
    /// Requests in every shape a summary must show: pending with partial
    /// approvals, approved, denied by policy, blocked, withdrawn, re-routed.
    func variedStore(_ directory: TemporaryDirectory) throws -> Store {
        let store = try Store.create(at: directory.file(), settings: StoreSettings())
        try store.write { try $0.append(Sample.policy()) }
        let partial = try store.write { tx -> String in
            let id = try tx.nextRequestID()
            var request = Sample.request(purpose: "quarterly \"audit\"\nexport")
            request.scope = "schema:ledger"
            request.incident = "INC-7"
            try tx.append(Sample.submit(id, request))
            try tx.append(EventDraft(requestID: id, actor: .signoff, at: Sample.start, body: .requestRouted(.init(
                version: 1, policyVersion: Sample.policyVersion,
                outcome: .steps(rule: "two-step", steps: [RoutedStep(name: "owners", approvers: "owners", required: 1),
                                                          RoutedStep(name: "dba", approvers: "group:dba", required: 2)]),
                cause: "submitted"))))
            try tx.append(Sample.review(id, by: Sample.bob))
            try tx.append(Sample.review(id, by: Sample.bob))
            return id
        }
        let approved = try store.submitRouted(Sample.request(system: "billing", breakGlass: true))
        try store.write { tx in
            try tx.append(Sample.review(approved))
            try tx.append(Sample.decide(approved))
            try tx.append(Sample.grant(approved, request: Sample.request(system: "billing", breakGlass: true)))
        }
        try store.write { tx in
            let id = try tx.nextRequestID()
            try tx.append(Sample.submit(id, Sample.request(requester: nil)))
            try tx.append(EventDraft(requestID: id, actor: .signoff, at: Sample.start, body: .requestRouted(.init(
                version: 1, policyVersion: Sample.policyVersion,
                outcome: .denied([DenyMatch(rule: "no-prod", reason: "never"), DenyMatch(rule: "b", reason: "c")]),
                cause: "submitted"))))
            try tx.append(Sample.decide(id, .denied, by: ["policy:no-prod"]))
        }
        try store.write { tx in
            let id = try tx.nextRequestID()
            try tx.append(Sample.submit(id))
            try tx.append(EventDraft(requestID: id, actor: .signoff, at: Sample.start, body: .requestRouted(.init(
                version: 1, policyVersion: Sample.policyVersion, outcome: .unroutable(reason: "no rule matched"),
                cause: "submitted"))))
        }
        let withdrawn = try store.submitRouted()
        try store.write { tx in
            try tx.append(EventDraft(requestID: withdrawn, actor: Sample.alice, at: Sample.start,
                                     body: .requestWithdrawn(.init(rationale: nil))))
        }
        // Re-routed by a stricter policy: the approval for version 1 no longer counts.
        let rerouted = try store.submitRouted()
        let stricter = try Policy.parse(source: Sample.policySource.replacingOccurrences(of: "count: 1", with: "count: 2"),
                                        file: "policy.yaml")
        try store.write { tx in
            try tx.append(Sample.review(rerouted, by: Sample.carol))
            try tx.append(EventDraft(requestID: nil, actor: Sample.alice, at: Sample.start, body: .policyApplied(.init(
                version: stricter.version, previousVersion: Sample.policyVersion, file: "policy.yaml", source: stricter.source))))
            try tx.append(EventDraft(requestID: rerouted, actor: .signoff, at: Sample.start, body: .requestRouted(.init(
                version: 2, policyVersion: stricter.version,
                outcome: stricter.route(Sample.request(), submittedBy: Sample.alice.name, at: Sample.start), cause: "policy changed"))))
        }
        _ = partial
        return store
    }

    @Test func summariesAreTheRecordsWithoutDecoding() throws {
        let directory = TemporaryDirectory()
        let store = try variedStore(directory)
        for filter in [RequestFilter.all, .open, RequestFilter(newestFirst: true),
                       RequestFilter(states: [.approved, .denied]), RequestFilter(system: "billing"),
                       RequestFilter(breakGlass: false, limit: 2)] {
            let expected = try store.records(filter).map(RequestSummary.init)
            #expect(try store.summaries(filter) == expected)
        }
        let all = try store.summaries(.all)
        #expect(all.count == 6)
        #expect(all[0].approvals == 1 && all[0].approvalsNeeded == 3)
        #expect(all[0].routeApprovers == ["owners", "group:dba"])
        #expect(all[0].routeSummary == "rule two-step: 1 of owners, then 2 of dba")
        #expect(all[0].scope == "schema:ledger" && all[0].incident == "INC-7" && all[0].ticket == "OPS-42")
        #expect(all[1].state == .approved && all[1].decidedAt != nil && all[1].breakGlass)
        #expect(all[0].decidedBy.isEmpty && !all[1].decidedBy.isEmpty, "\(all[1].decidedBy)")
        #expect(all[2].routeApprovers.isEmpty && all[2].approvalsNeeded == 0)
        #expect(all[3].state == .blocked && all[3].routeSummary == "blocked: no rule matched")
        #expect(all[5].version == 2 && all[5].approvals == 0 && all[5].approvalsNeeded == 2)
        #expect(try store.verify().projectionMismatches.filter(\.isAboutTheRequests).isEmpty)
    }

    @Test func verifyComparesTheSummaryColumns() throws {
        let directory = TemporaryDirectory()
        let store = try variedStore(directory)
        try store.pool.writeWithoutTransaction { db in
            try db.execute(sql: #"UPDATE requests SET route = '{"autoApproved":{"rule":"mallory"}}' WHERE id = 'REQ-1'"#)
        }
        let report = try store.verify()
        #expect(report.projectionMismatches.map(\.problem).contains { $0.hasPrefix(#"route is {"autoApproved":{"rule":"mallory"}}"#) })
        // Who decided is compared too: a decider named in the list and not in the events is named.
        try store.pool.writeWithoutTransaction { db in
            try db.execute(sql: "UPDATE requests SET decided_by = 'mallory' WHERE decided_by IS NOT NULL")
        }
        #expect(try store.verify().projectionMismatches.map(\.problem).contains { $0.hasPrefix("decided_by is mallory") })
    }

    /// A store written before the summary columns existed opens, gains them
    /// filled from its records, and verifies.
    @Test func storesFromBeforeTheSummaryColumnsAreFilledOnOpen() throws {
        let directory = TemporaryDirectory()
        let current = try variedStore(directory)
        let expected = try current.summaries(.all)

        let oldPath = directory.file("old.sqlite")
        try makeOldStore(at: oldPath, upTo: "3 query tables", from: current) { db in
            try db.execute(sql: """
                INSERT INTO settings SELECT id, trust_asserted_identities, share_group, created_at FROM current.settings;
                INSERT INTO events SELECT sequence, at, actor, authentication, kind, request_id, payload, prev_hash, hash FROM current.events;
                INSERT INTO reviews SELECT * FROM current.reviews;
                INSERT INTO policies SELECT * FROM current.policies;
                INSERT INTO counters SELECT * FROM current.counters;
                INSERT INTO requests SELECT id, state, system, environment, requester, subject_kind, subject_name,
                    break_glass, submitted_at, submitted_sequence, decided_at, version, policy_version,
                    last_sequence, record FROM current.requests;
                """)
        }

        let reopened = try Store.open(at: oldPath)
        // Grants came after this schema; copy them so the comparison is about summaries.
        try reopened.pool.writeWithoutTransaction { db in
            try db.execute(sql: "ATTACH DATABASE ? AS current", arguments: [current.path])
            try db.execute(sql: "INSERT INTO main.grants SELECT * FROM current.grants")
            try db.execute(sql: "INSERT INTO main.grant_status SELECT * FROM current.grant_status")
            try db.execute(sql: "DETACH DATABASE current")
        }
        #expect(try reopened.summaries(.all) == expected)
        #expect(try reopened.verify().projectionMismatches.filter(\.isAboutTheRequests).isEmpty)
    }

    /// A store written while a grant was one wide row gains `grant_status`
    /// filled from it, keeps every grant, and verifies.
    @Test func grantsFromBeforeTheStatusTableMoveOnOpen() throws {
        let directory = TemporaryDirectory()
        let current = try variedStore(directory)
        let expected = try current.grants(.all)
        #expect(!expected.isEmpty)

        let oldPath = directory.file("old.sqlite")
        try makeOldStore(at: oldPath, upTo: "6 grants", from: current) { db in
            let wide = try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info('grants')")
            try db.execute(sql: "INSERT INTO main.settings SELECT id, trust_asserted_identities, share_group, created_at FROM current.settings")
            try db.execute(sql: """
                INSERT INTO main.events SELECT sequence, at, actor, authentication, kind, request_id, payload, prev_hash, hash
                FROM current.events
                """)
            for table in ["reviews", "policies", "counters"] {
                try db.execute(sql: "INSERT INTO main.\(table) SELECT * FROM current.\(table)")
            }
            // The columns both schemas share; the route's came later and are filled on open.
            let columns = try String.fetchAll(db, sql: """
                SELECT name FROM pragma_table_info('requests', 'main') WHERE name IN (SELECT name FROM pragma_table_info('requests', 'current'))
                """).joined(separator: ", ")
            try db.execute(sql: "INSERT INTO main.requests (\(columns)) SELECT \(columns) FROM current.requests")
            try db.execute(sql: """
                INSERT INTO main.grants (\(wide.joined(separator: ", ")))
                SELECT \(wide.map { "c.\($0)" }.joined(separator: ", "))
                FROM (SELECT * FROM current.grants JOIN current.grant_status USING (request_id)) c
                """)
        }

        let reopened = try Store.open(at: oldPath)
        #expect(try reopened.grants(.all) == expected)
        #expect(try reopened.verify().projectionMismatches.filter(\.isAboutTheRequests).isEmpty)
    }

    /// Pages read every summary once, in submission order, however the page
    /// size falls; one submitted between two pages is read once, on a later page.
    @Test func pagesReadEverySummaryOnceInOrder() throws {
        let directory = TemporaryDirectory()
        let store = try variedStore(directory)
        for _ in 0..<7 { try store.submitRouted() }
        let all = try store.summaries(.all).map(\.id)
        #expect(try store.requestCount() == all.count)
        for limit in [1, 2, 3, all.count, all.count + 5] {
            var read: [String] = []
            var after: Int64?
            var pages = 0
            repeat {
                let page = try store.summaryPage(after: after, limit: limit)
                #expect(page.summaries.count <= limit)
                read += page.summaries.map(\.id)
                after = page.next
                pages += 1
            } while after != nil && pages <= all.count + 1
            #expect(read == all, "limit \(limit)")
        }
        let first = try store.summaryPage(after: nil, limit: 2)
        let added = try store.submitRouted()
        var rest: [String] = []
        var after = first.next
        while let position = after {
            let page = try store.summaryPage(after: position, limit: 2)
            rest += page.summaries.map(\.id)
            after = page.next
        }
        #expect(first.summaries.map(\.id) + rest == all + [added])
    }
}

/// A store as an older signoff left it: the schema up to `migration`, filled by
/// `copy` (in one transaction) from `current`, attached as `current`.
private func makeOldStore(at path: String, upTo migration: String, from current: Store,
                          _ copy: (Database) throws -> Void) throws {
    let old = try DatabaseQueue(path: path)
    try Schema.migrator.migrate(old, upTo: migration)
    try old.writeWithoutTransaction { db in
        try db.execute(sql: "PRAGMA application_id = \(Schema.applicationID)")
        try db.execute(sql: "ATTACH DATABASE ? AS current", arguments: [current.path])
        try db.inTransaction {
            try copy(db)
            return .commit
        }
        try db.execute(sql: "DETACH DATABASE current")
    }
    try old.close()
}

extension VerifyReport.ProjectionMismatch {
    /// About the query tables of requests and grants, not the store's own
    /// settings and schema (a file made old by hand still carries the current
    /// store's creation event, which records the current schema, so those two
    /// legitimately differ there), nor the decisions (the varied store's
    /// routes are made by hand in every shape a summary shows, not by a policy).
    var isAboutTheRequests: Bool { table != "schema" && table != "settings" && table != "events" }
}
