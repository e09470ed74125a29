import Foundation
import SignoffJira
import Testing

@Suite struct JSONDocumentTests {
    @Test func readsValuesLazily() throws {
        let document = try JSONDocument(text: #"{"a": [1, 2.50, -3e2, true, false, null], "b": {"c": "d\u00e9\n\"q\""}, "é": "x"}"#)
        let root = try #require(document.values.first)
        #expect(root.count == 3)
        let a = try #require(root["a"])
        #expect(a.elements.map(\.kind) == [.number, .number, .number, .true, .false, .null])
        #expect(a.elements[0].integerValue == 1)
        #expect(a.elements[1].doubleValue == 2.5)
        #expect(a.elements[2].integerValue == -300)
        #expect(root["b", "c"]?.stringValue == "dé\n\"q\"")
        #expect(root["é"]?.stringValue == "x")
        #expect(root["missing"] == nil)
        #expect(root.members.map(\.key) == ["a", "b", "é"])
    }

    @Test func severalValuesOnePerLine() throws {
        let document = try JSONDocument(text: "{\"n\": 1}\n{\"n\": 2}\n[]\n")
        #expect(document.values.count == 3)
        #expect(document.values[1]["n"]?.integerValue == 2)
    }

    @Test(arguments: [
        ("", "holds no JSON value"),
        ("{\"a\": 1,}", "expected a field name"),
        ("[1 2]", "expected , or ]"),
        ("{\"a\" 1}", "expected : after a field name"),
        ("\"abc", "ends inside a string"),
        ("[01]", "may not start with 0"),
        ("[1.]", "digits after the point"),
        ("\"a\u{1}b\"", "control character"),
        ("[tru]", "unexpected"),
        ("{\"a\": [1, 2}", "expected , or ]"),
        ("[[[", "ends inside a value"),
        // One name twice: readers disagree on which counts.
        ("{\"id\": \"1\", \"id\": \"2\", \"key\": \"ACC-3\"}", "names the field \"id\" twice"),
        ("{\"fields\": {\"summary\": \"a\", \"su\\u006dmary\": \"b\"}}", "names the field \"summary\" twice"),
    ])
    func syntaxErrors(text: String, message: String) {
        do {
            _ = try JSONDocument(text: text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.message.contains(message), "\(error)")
        }
    }

    /// Nesting costs memory, never the stack: ten thousand levels read, deeper is refused with a reason.
    @Test func deepNestingNeitherOverflowsNorPasses() throws {
        let depth = JSONDocument.maximumDepth
        let deep = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let document = try JSONDocument(text: deep)
        var value = try #require(document.values.first)
        var levels = 1
        while let inner = value.elements.first { value = inner; levels += 1 }
        #expect(levels == depth)

        let deeper = String(repeating: "{\"a\":", count: depth + 1) + "1" + String(repeating: "}", count: depth + 1)
        do {
            _ = try JSONDocument(text: deeper)
            Issue.record("accepted nesting \(depth + 1) deep")
        } catch {
            #expect(error.message.contains("nested more than \(depth) levels deep"))
        }
        // A hundred thousand opening brackets: refused, quickly, without a crash.
        #expect(throws: JSONSyntaxError.self) { try JSONDocument(text: String(repeating: "[", count: 100_000)) }
    }

    /// Broken text inside one string makes that value unreadable, not the document.
    @Test func invalidTextIsRefusedPerValue() throws {
        var bytes = Array(#"{"good": "fine", "bad": "x"#.utf8)
        bytes += [0xC3, 0x28]   // an invalid two-byte sequence
        bytes += Array(#"y", "surrogate": "\ud800", "pair": "\ud83d\ude00", "escape": "\q"}"#.utf8)
        let root = try #require(try JSONDocument(bytes: bytes).values.first)
        #expect(root["good"]?.stringValue == "fine")
        #expect(throws: JSONTextError.self) { try root["bad"]?.string() }
        #expect(throws: JSONTextError.self) { try root["surrogate"]?.string() }
        #expect(root["pair"]?.stringValue == "😀")
        #expect(throws: JSONTextError.self) { try root["escape"]?.string() }
    }

    @Test func refusesDocumentsOverTheSizeLimit() {
        let bytes = [UInt8](repeating: 0x20, count: JSONDocument.maximumSize + 1)
        #expect(throws: JSONSyntaxError.self) { try JSONDocument(bytes: bytes) }
    }

    @Test func positionsOfOffsets() throws {
        let document = try JSONDocument(text: "{\n  \"a\": 1,\n  \"b\": [2]\n}")
        let b = try #require(document.values[0]["b"])
        #expect(document.position(ofOffset: b.offset) == (3, 8))
        #expect(JSONDocument.position(ofOffset: b.offset, in: Array("{\n  \"a\": 1,\n  \"b\": [2]\n}".utf8)) == (3, 8))
    }

    /// A syntax error has no document: its offset is placed by the same
    /// function, and a newline belongs to the line it ends.
    @Test func positionsOfSyntaxErrors() {
        let text = Array("{\n  \"a\": 1,\n  }".utf8)
        #expect(throws: JSONSyntaxError.self) { try JSONDocument(bytes: text) }
        do throws(JSONSyntaxError) {
            _ = try JSONDocument(bytes: text)
        } catch {
            #expect(JSONDocument.position(ofOffset: error.offset, in: text) == (3, 3))
        }
        #expect(JSONDocument.position(ofOffset: 1, in: Array("{\n}".utf8)) == (1, 2))
        #expect(JSONDocument.position(ofOffset: 2, in: Array("{\n}".utf8)) == (2, 1))
        #expect(JSONDocument.position(ofOffset: 99, in: Array("{\n}".utf8)) == (2, 2))
    }
}
