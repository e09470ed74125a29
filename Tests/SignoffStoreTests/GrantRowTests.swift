import Foundation
import GRDB
import SignoffCore
import Testing
@testable import SignoffStore

/// A grant's status row is written back column by column: the columns found
/// changed without building the rows must be exactly those whose stored
/// values differ, and a row must read back as the status it was written from.
@Suite struct GrantRowTests {
    static let base = GrantStatus(requestID: "REQ-7", state: .active, duration: .hours(8),
                                  startsAt: Date(storeMilliseconds: 1_800_000_000_000),
                                  expiresAt: Date(storeMilliseconds: 1_800_028_800_000))

    /// One change of each kind a grant's events make, and a few at once.
    static let changes: [(String, @Sendable (inout GrantStatus) -> Void)] = [
        ("nothing", { _ in }),
        ("expired", { $0.state = .expired; $0.endedAt = Date(storeMilliseconds: 1_800_030_000_000); $0.endedBy = "ops"
            $0.endReason = "expired"; $0.provisioningAction = .expire; $0.provisioning = .pending }),
        ("provisioned", { $0.provisioning = .done; $0.provisioningReason = "role attached"
            $0.provisioningAt = Date(storeMilliseconds: 1_800_000_100_000) }),
        ("extended", { $0.duration = .hours(16); $0.expiresAt = Date(storeMilliseconds: 1_800_057_600_000)
            $0.extensions = ["REQ-9"] }),
        ("clock not started", { $0.startsAt = nil; $0.expiresAt = nil }),
        ("review", { $0.reviewDueAt = Date(storeMilliseconds: 1_800_100_000_000); $0.reviewCompletedBy = "sam"
            $0.reviewCompletedAt = Date(storeMilliseconds: 1_800_090_000_000); $0.reviewRationale = "fine, and documented" }),
        ("sub-millisecond time", { $0.endedAt = Date(timeIntervalSince1970: 1_800_030_000.000_4) }),
    ]

    @Test func changedColumnsAreTheColumnsWhoseValuesDiffer() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE grant_status (\(GrantStatusRow.columns))")
            for (name, change) in Self.changes {
                var changed = Self.base
                change(&changed)
                for sequence: Int64 in [41, 42] {
                    let old = GrantStatusRow(Self.base, lastSequence: 41), new = GrantStatusRow(changed, lastSequence: sequence)
                    let expected = old.values.indices.filter { old.values[$0] != new.values[$0] }
                    let columns = GrantStatusRow.changedColumns(from: Self.base, 41, to: changed, sequence)
                    #expect(columns.indices == expected, "\(name)")
                    // The update binds exactly those columns: the stored row becomes the new one.
                    try db.execute(sql: "DELETE FROM grant_status")
                    try db.execute(sql: GrantStatusRow.insertSQL, arguments: StatementArguments(old.values))
                    if !columns.isEmpty {
                        var update = FastStatement(try db.makeStatement(sql: GrantStatusRow.updateSQL(columns)), db)
                        GrantStatusRow.bindUpdate(columns, of: changed, lastSequence: sequence, to: &update)
                        try update.execute()
                    }
                    let stored = try Row.fetchOne(db, sql: "SELECT \(GrantStatusRow.columns) FROM grant_status")
                    #expect(stored.map { Array($0.databaseValues) } == new.values, "\(name)")
                }
            }
        }
    }

    /// A change of each column alone, by its name: `changedColumns` compares
    /// field by field, and must name each column, and only it.
    static let eachColumn: [(String, @Sendable (inout GrantStatus) -> Void)] = [
        ("state", { $0.state = .revoked }),
        ("duration_seconds", { $0.duration = .hours(9) }),
        ("starts_at", { $0.startsAt = Date(storeMilliseconds: 1_800_000_000_001) }),
        ("expires_at", { $0.expiresAt = nil }),
        ("provisioning_action", { $0.provisioningAction = .expire }),
        ("provisioning", { $0.provisioning = .failed }),
        ("provisioning_reason", { $0.provisioningReason = "" }),
        ("provisioning_at", { $0.provisioningAt = Date(storeMilliseconds: 1) }),
        ("ended_at", { $0.endedAt = Date(storeMilliseconds: 2) }),
        ("ended_by", { $0.endedBy = "ops" }),
        ("end_reason", { $0.endReason = "done" }),
        ("extensions", { $0.extensions = ["REQ-8"] }),
        ("review_due_at", { $0.reviewDueAt = Date(storeMilliseconds: 3) }),
        ("review_completed_at", { $0.reviewCompletedAt = Date(storeMilliseconds: 4) }),
        ("review_completed_by", { $0.reviewCompletedBy = "sam" }),
        ("review_rationale", { $0.reviewRationale = "fine" }),
        ("ends_by", { $0.endsBy = Date(storeMilliseconds: 5) }),
    ]

    @Test func eachColumnChangedAloneIsTheOneColumnFound() {
        // Every column but the key and `last_sequence` is changed here once.
        #expect(Self.eachColumn.map(\.0) == Array(GrantStatusRow.columnNames.dropFirst().dropLast()))
        for (name, change) in Self.eachColumn {
            var changed = Self.base
            change(&changed)
            let old = GrantStatusRow(Self.base, lastSequence: 41), new = GrantStatusRow(changed, lastSequence: 41)
            let index = GrantStatusRow.columnNames.firstIndex(of: name)
            #expect(old.values.indices.filter { old.values[$0] != new.values[$0] } == [index], "\(name)")
            #expect(GrantStatusRow.changedColumns(from: Self.base, 41, to: changed, 41).indices == [index], "\(name)")
        }
        // And the event's sequence alone.
        #expect(GrantStatusRow.changedColumns(from: Self.base, 41, to: Self.base, 42).indices
                    == [GrantStatusRow.columnNames.count - 1])
        // Text is compared by its bytes, as it is stored: the same name in
        // another Unicode normalization is a change to write.
        var composed = Self.base, decomposed = Self.base
        composed.endedBy = "Jos\u{E9}"; decomposed.endedBy = "Jose\u{301}"
        composed.extensions = ["Jos\u{E9}"]; decomposed.extensions = ["Jose\u{301}"]
        #expect(GrantStatusRow.changedColumns(from: composed, 41, to: decomposed, 41).indices
                    == ["ended_by", "extensions"].map { GrantStatusRow.columnNames.firstIndex(of: $0)! })
        // A time moved by less than the millisecond it is stored in is no change.
        var within = Self.base
        within.startsAt = Self.base.startsAt.map { $0.addingTimeInterval(0.000_1) }
        #expect(GrantStatusRow.changedColumns(from: Self.base, 41, to: within, 41).isEmpty)
    }

    @Test func aRowReadsBackAsItsStatusFromValuesAndFromTheStatement() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE grant_status (\(GrantStatusRow.columns))")
            for (_, change) in Self.changes {
                var status = Self.base
                change(&status)
                status.endedAt = status.endedAt.map { Date(storeMilliseconds: $0.storeMilliseconds) }
                let row = GrantStatusRow(status, lastSequence: 99)
                try db.execute(sql: GrantStatusRow.insertSQL.replacingOccurrences(of: "INSERT", with: "INSERT OR REPLACE"),
                               arguments: StatementArguments(row.values))
                let statement = try db.makeStatement(sql: "SELECT \(GrantStatusRow.columns) FROM grant_status")
                let query = FastStatement(statement, db)
                var fromStatement: (status: GrantStatus, lastSequence: Int64)?
                try query.forEachRow { fromStatement = GrantStatusRow.decode(StatementColumns(statement: $0), from: 0) }
                #expect(fromStatement?.status == status && fromStatement?.lastSequence == 99)
                #expect(GrantStatusRow.decode(row.values, from: 0)?.status == status)
                try db.execute(sql: "DELETE FROM grant_status")
            }
            // Not what signoff writes: no status, rather than a guess.
            try db.execute(sql: "INSERT INTO grant_status (request_id, state, duration_seconds, provisioning_action, provisioning, extensions, last_sequence) VALUES ('REQ-1', 'maybe', 60, 'grant', 'done', '[]', 1)")
            let statement = try db.makeStatement(sql: "SELECT \(GrantStatusRow.columns) FROM grant_status")
            let query = FastStatement(statement, db)
            var decoded = true
            try query.forEachRow { decoded = GrantStatusRow.decode(StatementColumns(statement: $0), from: 0) != nil }
            #expect(!decoded)
        }
    }

    /// `audit verify` compares a grant's status row as it captured it with
    /// the fold's values in place (`CapturedColumns.hold`): exactly the row
    /// written holds them, every changed column does not, and a value of
    /// another type that GRDB reads as equal does not either (the values are
    /// compared then).
    @Test func capturedColumnsHoldExactlyTheValuesWritten() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE grant_status (\(GrantStatusRow.columns))")
            func captured() throws -> CapturedColumns {
                var captured: CapturedColumns?
                let query = FastStatement(try db.cachedStatement(sql: "SELECT \(GrantStatusRow.columns) FROM grant_status"), db)
                try query.forEachRow {
                    captured = CapturedColumns(StatementColumns(statement: $0), count: GrantStatusRow.columnNames.count)
                }
                return try #require(captured)
            }
            for (name, change) in Self.changes {
                var changed = Self.base
                change(&changed)
                let row = GrantStatusRow(changed, lastSequence: 42)
                try db.execute(sql: "DELETE FROM grant_status")
                var insert = FastStatement(try db.cachedStatement(sql: GrantStatusRow.insertSQL), db)
                for value in row.values { insert.bind(value) }
                try insert.execute()
                #expect(try captured().hold(row.values), "\(name)")
                #expect(!(try captured().hold(GrantStatusRow(changed, lastSequence: 43).values)), "\(name)")
                if name != "nothing" {
                    #expect(!(try captured().hold(GrantStatusRow(Self.base, lastSequence: 42).values)), "\(name)")
                }
                try db.execute(sql: "UPDATE grant_status SET duration_seconds = duration_seconds + 0.0")
                #expect(!(try captured().hold(row.values)), "\(name)")
                let values = try #require(try Row.fetchOne(db, sql: "SELECT \(GrantStatusRow.columns) FROM grant_status"))
                #expect((0..<values.count).map { values[$0] as DatabaseValue } == row.values, "\(name)")
            }
        }
    }
}
