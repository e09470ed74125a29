import Foundation
import SignoffJira
import Testing

@Suite struct ADFTextTests {
    static func text(_ json: String, limit: Int = 4000) throws -> String {
        let value = try #require(try JSONDocument(text: json).values.first)
        return try ADFText.plainText(value, limit: limit)
    }

    static func doc(_ content: String) -> String { #"{"type": "doc", "version": 1, "content": [\#(content)]}"# }
    static func paragraph(_ text: String) -> String { #"{"type": "paragraph", "content": [{"type": "text", "text": "\#(text)"}]}"# }

    @Test func fixtureDocuments() throws {
        let issue = try Fixtures.value("rest-v3/jira-cli-issue-adf.json")
        #expect(try ADFText.plainText(try #require(issue["fields"]?["description"]), limit: 100) == "Test description")
        let comment = try Fixtures.value("rest-v3/demisto-add-comment-response-adf.json")
        #expect(try ADFText.plainText(try #require(comment["body"]), limit: 100) == " Dummy link")
    }

    @Test(arguments: [
        (doc(paragraph("one") + "," + paragraph("two")), "one\ntwo"),
        (doc(#"{"type": "paragraph", "content": [{"type": "text", "text": "a"}, {"type": "hardBreak"}, {"type": "text", "text": "b"}]}"#), "a\nb"),
        (doc(#"{"type": "bulletList", "content": [{"type": "listItem", "content": [\#(paragraph("x"))]}, {"type": "listItem", "content": [\#(paragraph("y"))]}]}"#),
         "- x\n- y"),
        (doc(#"{"type": "orderedList", "attrs": {"order": 3}, "content": [{"type": "listItem", "content": [\#(paragraph("x"))]}, {"type": "listItem", "content": [\#(paragraph("y")), {"type": "bulletList", "content": [{"type": "listItem", "content": [\#(paragraph("z"))]}]}]}]}"#),
         "3. x\n4. y\n  - z"),
        // An order at the end of the range numbers on without overflowing.
        (doc(#"{"type": "orderedList", "attrs": {"order": 9223372036854775807}, "content": [{"type": "listItem", "content": [\#(paragraph("x"))]}, {"type": "listItem", "content": [\#(paragraph("y"))]}]}"#),
         "9223372036854775807. x\n9223372036854775807. y"),
        (doc(#"{"type": "paragraph", "content": [{"type": "text", "text": "see docs", "marks": [{"type": "link", "attrs": {"href": "https://wiki/x"}}]}, {"type": "text", "text": " now", "marks": [{"type": "strong"}]}]}"#),
         "see docs (https://wiki/x) now"),
        (doc(#"{"type": "paragraph", "content": [{"type": "mention", "attrs": {"id": "123", "text": "@Alice"}}, {"type": "text", "text": " "}, {"type": "emoji", "attrs": {"shortName": ":smile:"}}, {"type": "text", "text": " "}, {"type": "inlineCard", "attrs": {"url": "https://x/y"}}]}"#),
         "@Alice :smile: https://x/y"),
        (doc(#"{"type": "table", "content": [{"type": "tableRow", "content": [{"type": "tableHeader", "content": [\#(paragraph("k"))]}, {"type": "tableHeader", "content": [\#(paragraph("v"))]}]}, {"type": "tableRow", "content": [{"type": "tableCell", "content": [\#(paragraph("env"))]}, {"type": "tableCell", "content": [\#(paragraph("prod"))]}]}]}"#),
         "k | v\nenv | prod"),
        (doc(#"{"type": "codeBlock", "content": [{"type": "text", "text": "SELECT 1"}]}, {"type": "rule"}, {"type": "blockquote", "content": [\#(paragraph("q"))]}"#),
         "SELECT 1\n---\n> q"),
        (doc(#"{"type": "paragraph", "content": [{"type": "date", "attrs": {"timestamp": "1582156800000"}}]}, {"type": "mediaSingle", "content": [{"type": "media", "attrs": {}}]}"#),
         "2020-02-20\n[attachment]"),
        (doc(#"{"type": "someFutureNode", "content": [\#(paragraph("still read"))]}"#), "still read"),
        (doc(""), ""),
    ])
    func documents(json: String, expected: String) throws {
        #expect(try Self.text(json) == expected)
    }

    /// Thousands deep: refused with a reason, never a crash.
    @Test func hostileNesting() throws {
        let depth = 1_000 // two ADF levels and four JSON levels each
        let open = String(repeating: #"{"type": "bulletList", "content": [{"type": "listItem", "content": ["#, count: depth)
        let close = String(repeating: "]}]}", count: depth)
        let json = Self.doc(open + #"{"type": "text", "text": "deep"}"# + close)
        do {
            _ = try Self.text(json)
            Issue.record("a document nested \(depth * 2) deep was read")
        } catch {
            #expect(error as? ADFText.Failure == .tooDeep(depth: ADFText.maximumDepth))
            #expect("\(error)".contains("nested more than"))
        }
    }

    /// A huge description stops as soon as it is over the limit.
    @Test func hugeDocumentsStopAtTheLimit() throws {
        let paragraphs = Array(repeating: Self.paragraph(String(repeating: "x", count: 1000)), count: 5_000).joined(separator: ",")
        #expect(throws: ADFText.Failure.tooLong(limit: 4000)) { try Self.text(Self.doc(paragraphs)) }
        // Exactly at the limit is fine; the caller checks the exact length.
        #expect(try Self.text(Self.doc(Self.paragraph(String(repeating: "y", count: 4000)))).count == 4000)
        #expect(try Self.text(Self.doc(Self.paragraph("a") + "," + Self.paragraph(String(repeating: "y", count: 3999)))).count == 4001)
    }

    @Test func notADocument() throws {
        #expect(throws: ADFText.Failure.notADF) { try Self.text(#"{"type": "paragraph"}"#) }
        var data = Data(Self.doc(Self.paragraph("ok")).utf8)
        let range = try #require(data.range(of: Data("\"ok\"".utf8)))
        data[range.lowerBound + 1] = 0xFF
        let bytes = [UInt8](data)
        let value = try #require(try JSONDocument(bytes: bytes).values.first)
        #expect {
            try ADFText.plainText(value, limit: 100)
        } throws: { error in
            if case .invalidText = error as? ADFText.Failure { return true }
            return false
        }
    }
}
