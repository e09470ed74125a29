import Foundation
import GRDB
import SignoffCore
import Testing
@testable import SignoffStore

/// `audit verify` compares each stored request row, as it captured the row's
/// columns, with the fold of its events in place (`RequestRow.matches`),
/// without decoding the row: that comparison must hold for exactly the row
/// `RequestRow` makes of the record, and fail for a change to any one of its
/// columns, which `firstDifference` then names.
@Suite struct RequestRowTests {
    /// A change to each column, as someone editing the query table would make it.
    static let edits: [(String, @Sendable (inout RequestRow) -> Void)] = [
        ("id", { $0.id += "x" }), ("state", { $0.state = $0.state == "approved" ? "denied" : "approved" }),
        ("system", { $0.system += "x" }), ("environment", { $0.environment += "x" }), ("requester", { $0.requester += "x" }),
        ("subject_kind", { $0.subjectKind += "x" }), ("subject_name", { $0.subjectName += "x" }),
        ("break_glass", { $0.breakGlass.toggle() }), ("submitted_at", { $0.submittedAt &+= 1 }),
        ("submitted_sequence", { $0.submittedSequence &+= 1 }), ("decided_at", { $0.decidedAt = ($0.decidedAt ?? 0) &+ 1 }),
        ("version", { $0.version &+= 1 }), ("policy_version", { $0.policyVersion = ($0.policyVersion ?? "") + "x" }),
        ("last_sequence", { $0.lastSequence &+= 1 }), ("record", { $0.record.append(0x20) }),
        ("submitted_by", { $0.submittedBy += "x" }), ("subject_owner", { $0.subjectOwner += "x" }),
        ("entitlement", { $0.entitlement += "x" }), ("scope", { $0.scope = ($0.scope ?? "") + "x" }),
        ("access", { $0.access += "x" }), ("duration_seconds", { $0.durationSeconds &+= 1 }),
        ("incident", { $0.incident = ($0.incident ?? "") + "x" }), ("ticket", { $0.ticket = ($0.ticket ?? "") + "x" }),
        ("purpose", { $0.purpose += "x" }), ("approvals", { $0.approvals &+= 1 }), ("approvals_needed", { $0.approvalsNeeded &+= 1 }),
        ("extends", { $0.extends = ($0.extends ?? "") + "x" }), ("route", { $0.route = ($0.route ?? "") + "x" }),
        ("route removed", { $0.route = $0.route == nil ? "{}" : nil }),
    ]

    @Test func theRowOfARecordMatchesItAndNoEditedRowDoes() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in try db.execute(sql: "CREATE TABLE requests (\(RequestRow.columns))") }
        /// The row as `audit verify` captures it from the table.
        func captured(_ row: RequestRow) throws -> CapturedColumns {
            try queue.write { db in
                try db.execute(sql: "DELETE FROM requests")
                try row.insert(db)
                var captured: CapturedColumns?
                let query = FastStatement(try db.cachedStatement(sql: "SELECT \(RequestRow.columns) FROM requests"), db)
                try query.forEachRow { captured = CapturedColumns(StatementColumns(statement: $0), count: RequestRow.columnCount) }
                return try #require(captured)
            }
        }
        var fuzz = CanonicalJSONTests.Fuzz(generator: CanonicalJSONTests.Generator(state: 77))
        for _ in 0..<300 {
            let record = fuzz.record()
            let encoded = CanonicalJSON.encodeRecord(record, requestJSON: nil)
            let row = RequestRow(record, submittedSequence: 10, lastSequence: 12, encoded: encoded)
            #expect(RequestRow.matches(try captured(row), record, submittedSequence: 10, lastSequence: 12, encoded: encoded))
            #expect(RequestRow(try captured(row)) == row)
            for (column, edit) in Self.edits {
                var edited = row
                edit(&edited)
                #expect(!RequestRow.matches(try captured(edited), record, submittedSequence: 10, lastSequence: 12, encoded: encoded),
                        "\(column)")
                #expect(edited != row, "\(column)")
                #expect(row.firstDifference(from: edited) != nil, "\(column)")
            }
        }
    }

    /// In place, a record stored as text matches as a blob does (as it did
    /// decoded), and a name spelt in another Unicode normalization does not:
    /// the decoded rows, which compare it as equal, are compared then.
    @Test func textIsComparedByItsBytesInPlace() throws {
        var fuzz = CanonicalJSONTests.Fuzz(generator: CanonicalJSONTests.Generator(state: 5))
        var record = fuzz.record()
        record.request.subject.name = "jos\u{E9}"
        let encoded = CanonicalJSON.encodeRecord(record, requestJSON: nil)
        let row = RequestRow(record, submittedSequence: 10, lastSequence: 12, encoded: encoded)
        let queue = try DatabaseQueue()
        func stored(_ edit: String) throws -> CapturedColumns {
            try queue.write { db in
                try db.execute(sql: "DROP TABLE IF EXISTS requests; CREATE TABLE requests (\(RequestRow.columns))")
                try row.insert(db)
                try db.execute(sql: edit)
                var captured: CapturedColumns?
                let query = FastStatement(try db.cachedStatement(sql: "SELECT \(RequestRow.columns) FROM requests"), db)
                try query.forEachRow { captured = CapturedColumns(StatementColumns(statement: $0), count: RequestRow.columnCount) }
                return try #require(captured)
            }
        }
        let asText = try stored("UPDATE requests SET record = CAST(record AS TEXT)")
        #expect(RequestRow.matches(asText, record, submittedSequence: 10, lastSequence: 12, encoded: encoded))
        let decomposed = try stored("UPDATE requests SET subject_name = 'jose' || char(769)")
        #expect(!RequestRow.matches(decomposed, record, submittedSequence: 10, lastSequence: 12, encoded: encoded))
        #expect(RequestRow(decomposed) == row)
        #expect(decomposed.text(RequestRow.idColumn, is: record.id))
        #expect(!decomposed.text(RequestRow.idColumn, is: nil))
        #expect(!decomposed.integer(RequestRow.idColumn, is: 0))
        #expect(decomposed.integer(RequestRow.submittedSequenceColumn, is: 10))
        #expect(!decomposed.text(RequestRow.submittedSequenceColumn, is: "10"))
    }

    /// A submission's request as its payload carries it, for the record
    /// `audit verify` expects; nothing for another shape.
    @Test func aSubmissionsRequestIsTakenFromItsPayload() throws {
        var fuzz = CanonicalJSONTests.Fuzz(generator: CanonicalJSONTests.Generator(state: 9))
        let request = fuzz.record().request
        let requestJSON = CanonicalJSON.encode(request)
        let payload = CanonicalJSON.submittedPayload(requestJSON: requestJSON)
        #expect(payload.withUnsafeBytes { VerifyChain.submittedRequest(in: $0) } == requestJSON)
        for other in [#"{"request" :{}}"#, #"{"cause":"x","request":{}}"#, "{}", ""] {
            #expect(Array(other.utf8).withUnsafeBytes { VerifyChain.submittedRequest(in: $0) } == nil, "\(other)")
        }
    }
}
