import Foundation
import SignoffCore
import Testing
@testable import SignoffStore

@Suite struct ExportTests {
    func store(_ directory: TemporaryDirectory) throws -> Store {
        let store = try Store.create(at: directory.file(), settings: StoreSettings())
        try store.write { try $0.append(Sample.policy()) }
        try store.write { try $0.append(Sample.laterPolicy()) }
        let id = try store.submitRouted()
        try store.write { transaction in
            try transaction.append(Sample.review(id, rationale: "checked, \"as agreed\"\nwith the owner"))
            try transaction.append(Sample.decide(id))
            try transaction.append(Sample.grant(id))
        }
        try store.submitRouted()
        return store
    }

    func lines(_ store: Store, _ format: ExportFormat, _ requestID: String? = nil) throws -> [String] {
        var records: [String] = []
        try store.export(format: format, requestID: requestID) { records.append(String(decoding: $0, as: UTF8.self)) }
        return records
    }

    @Test func jsonlCarriesTheWholeChainExactly() throws {
        let directory = TemporaryDirectory()
        let store = try store(directory)
        let records = try lines(store, .jsonl)
        #expect(records.count == 10)
        #expect(records.allSatisfy { $0.hasSuffix("}\n") && $0.dropLast().firstIndex(of: "\n") == nil })
        let objects = try records.map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(objects.map { $0["sequence"] as? Int } == Array(1...10))
        #expect(objects[0]["kind"] as? String == "store_created")
        #expect(objects.allSatisfy { $0["schema"] as? String == "signoff.event/1" })
        let review = objects[5]
        #expect(review["kind"] as? String == "review_recorded")
        #expect(review["actor"] as? String == "bob")
        #expect(review["authentication"] as? String == "os_account")
        #expect(review["request_id"] as? String == "REQ-1")
        #expect(review["at"] as? String == "2025-06-15T15:06:40.123Z")
        #expect(review["at_ms"] as? Int == 1_750_000_000_123)
        #expect(objects[0]["request_id"] is NSNull)
        // The payload is the stored JSON as an object: the same value as the
        // canonical text the hash covers.
        let stored = try store.events(requestID: "REQ-1")[2]
        let canonical = stored.draft.body.encodedPayload()
        #expect(review["hash"] as? String == stored.hash)
        #expect(review["prev_hash"] as? String == (objects[4]["hash"] as? String))
        let payload = try #require(review["payload"] as? NSDictionary)
        #expect(payload == (try JSONSerialization.jsonObject(with: canonical) as? NSDictionary))
        #expect(payload["rationale"] as? String == "checked, \"as agreed\"\nwith the owner")
        var chain = EventChain()
        let recomputed = chain.hash(prevHash: review["prev_hash"] as! String, sequence: 6,
                                    at: Int64(review["at_ms"] as! Int), actor: "bob", authentication: "os_account",
                                    kind: "review_recorded", requestID: "REQ-1", payload: canonical)
        #expect(recomputed == stored.hash)
    }

    @Test func exportOfOneRequestIncludesThePolicyItWasRoutedUnder() throws {
        let directory = TemporaryDirectory()
        let store = try store(directory)
        let records = try lines(store, .jsonl, "REQ-1")
        let kinds = try records.map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])["kind"] as? String
        }
        #expect(kinds == ["policy_applied", "request_submitted", "request_routed", "review_recorded", "request_decided",
                          "grant_issued"])
        #expect(throws: StoreError.unknownRequest("REQ-404")) { try lines(store, .jsonl, "REQ-404") }
    }

    @Test func csvQuotesCommasQuotesAndLineBreaks() throws {
        let directory = TemporaryDirectory()
        let store = try store(directory)
        let records = try lines(store, .csv, "REQ-1")
        #expect(records.first == "sequence,at,at_ms,actor,authentication,kind,request_id,payload,prev_hash,hash,signature,statement\r\n")
        let review = records[4]
        #expect(review.hasPrefix("6,2025-06-15T15:06:40.123Z,1750000000123,bob,os_account,review_recorded,REQ-1,\"{"))
        // The rationale's quotes are doubled inside a quoted field; its line break stays inside the quotes.
        #expect(review.contains(#"checked, \""as agreed\""\nwith the owner"#))
        let parsed = parseCSV(records.joined())
        #expect(parsed.count == 7)
        #expect(parsed.allSatisfy { $0.count == 12 })
        let payload = parsed[4][7]
        let decoded = try JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any]
        #expect(decoded?["rationale"] as? String == "checked, \"as agreed\"\nwith the owner")
        // Controls, C1, bidi and invisible characters become JSON escapes: still JSON inside the payload.
        #expect(Store.csvField("a\nb") == "a\\u000ab")
        #expect(Store.csvField("x\u{202E}y\u{9B}z\u{200B}") == "x\\u202ey\\u009bz\\u200b")
        #expect(Store.csvField("=SUM(A1)") == "'=SUM(A1)")
        #expect(Store.csvField("say \"hi\", then go") == "\"say \"\"hi\"\", then go\"")
        #expect(Store.csvField("plain") == "plain")
    }

    /// A spreadsheet runs a cell that starts with = + - or @ as a formula.
    /// Untrusted text only ever sits inside the JSON payload cell, which starts
    /// with `{`, so the export stays exact and no cell can become a formula.
    @Test func noCSVCellCanStartAFormula() throws {
        let directory = TemporaryDirectory()
        let store = try store(directory)
        let id = try store.submitRouted(Sample.request(purpose: "=HYPERLINK(\"http://evil.example\",\"open\")"))
        try store.write { try $0.append(Sample.review(id, rationale: "+cmd|' /C calc'!A0")) }
        let cells = parseCSV(try lines(store, .csv).joined()).joined()
        #expect(cells.contains { $0.contains("HYPERLINK") } && cells.contains { $0.contains("calc") })
        let formulaStarts: Set<Character> = ["=", "+", "-", "@", "\t", "\r"]
        #expect(!cells.contains { $0.first.map(formulaStarts.contains) == true }, "\(cells.filter { $0.first.map(formulaStarts.contains) == true })")
    }

    /// A minimal RFC 4180 reader, to check the writer against.
    func parseCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var characters = Array(text)[...]
        while let character = characters.popFirst() {
            if quoted {
                if character == "\"" {
                    if characters.first == "\"" { field.append("\""); characters.removeFirst() } else { quoted = false }
                } else {
                    field.append(character)
                }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                row.append(field); field = ""
            } else if character == "\r\n" || character == "\n" {
                row.append(field); field = ""
                rows.append(row); row = []
            } else {
                field.append(character)
            }
        }
        return rows
    }
}
