import Foundation
import SignoffCore
import SignoffStore

/// `signoff audit verify --json` (`signoff.verify/1`): the chain, each anchor
/// and the query tables, each with whether it holds and what broke.
struct VerifyJSON: JSONDocument {
    static let schema: StaticString = "signoff.verify/1"
    /// Mismatches listed in full up to this many; `mismatch_count` has them all.
    static let listedMismatches = 1000
    var report: VerifyReport

    func members(_ json: inout JSONOutput) {
        json.field("intact", report.isIntact)
        json.field("events", report.eventCount)
        json.field("requests", report.requestCount)
        json.key("chain")
        json.beginObject()
        json.field("intact", report.firstBadEvent == nil)
        json.key("first_bad_event")
        if let bad = report.firstBadEvent {
            json.beginObject()
            json.field("sequence", Int(bad.sequence))
            json.field("request_id", bad.requestID)
            json.field("problem", bad.problem)
            json.endObject()
        } else {
            json.null()
        }
        json.endObject()
        json.key("anchors")
        json.beginArray()
        for check in report.anchorChecks {
            json.beginObject()
            json.field("sequence", Int(check.anchor.sequence))
            json.field("hash", check.anchor.hash)
            json.field("held", check.problem == nil)
            json.field("problem", check.problem)
            json.endObject()
        }
        json.endArray()
        json.key("query_tables")
        json.beginObject()
        json.field("intact", report.projectionMismatches.isEmpty)
        json.field("mismatch_count", report.projectionMismatches.count)
        json.key("mismatches")
        json.beginArray()
        for mismatch in report.projectionMismatches.prefix(Self.listedMismatches) {
            json.beginObject()
            json.field("table", mismatch.table)
            json.field("request_id", mismatch.requestID)
            json.field("sequence", mismatch.sequence.map(Int.init))
            json.field("problem", mismatch.problem)
            json.endObject()
        }
        json.endArray()
        json.endObject()
        json.key("signatures")
        json.beginObject()
        json.field("intact", report.signatureProblems.isEmpty)
        json.field("signed_events", report.signedEventCount)
        json.field("schema1_signed_events", report.schema1SignedEventCount)
        json.field("schema2_signed_events", report.schema2SignedEventCount)
        json.field("problem_count", report.signatureProblems.count)
        json.key("problems")
        json.beginArray()
        for problem in report.signatureProblems.prefix(Self.listedMismatches) {
            json.beginObject()
            json.field("sequence", Int(problem.sequence))
            json.field("request_id", problem.requestID)
            json.field("actor", problem.actor)
            json.field("kind", problem.kind)
            json.field("finding", problem.finding.code)
            json.field("problem", problem.finding.description)
            json.endObject()
        }
        json.endArray()
        json.endObject()
    }
}

/// `signoff audit head --json` (`signoff.chain-head/1`).
struct ChainHeadJSON: JSONDocument {
    static let schema: StaticString = "signoff.chain-head/1"
    var head: ChainAnchor

    func members(_ json: inout JSONOutput) {
        json.field("sequence", Int(head.sequence))
        json.field("hash", head.hash)
        json.field("anchor", head.description)
    }
}
