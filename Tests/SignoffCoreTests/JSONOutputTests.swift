import Foundation
import Testing
@testable import SignoffCore

@Suite struct JSONOutputTests {
    func text(_ json: JSONOutput) -> String { String(decoding: json.bytes, as: UTF8.self) }

    @Test func compactAndIndentedOutputHoldTheSameValue() throws {
        func write(_ json: inout JSONOutput) {
            json.beginObject()
            json.field("id", "REQ-1")
            json.key("steps")
            json.beginArray()
            json.beginObject(); json.field("count", 2); json.endObject()
            json.endArray()
            json.key("empty"); json.beginArray(); json.endArray()
            json.field("scope", nil as String?)
            json.endObject()
        }
        var compact = JSONOutput()
        write(&compact)
        #expect(text(compact) == #"{"id":"REQ-1","steps":[{"count":2}],"empty":[],"scope":null}"#)
        var pretty = JSONOutput(pretty: true)
        write(&pretty)
        #expect(text(pretty) == """
            {
              "id": "REQ-1",
              "steps": [
                {
                  "count": 2
                }
              ],
              "empty": [],
              "scope": null
            }
            """)
    }

    /// Exact values, but nothing a terminal acts on is ever written raw.
    @Test func stringsKeepTheirValueAndEscapeWhatATerminalWouldRun() throws {
        let hostile = "a\"b\\c\n\t\u{1B}[2J\u{7F}\u{9B}31m\u{202E}x\u{200B}é😀\u{E0041}"
        var json = JSONOutput()
        json.string(hostile)
        let written = text(json)
        #expect(written == #""a\"b\\c\n\t\u001b[2J\u007f\u009b31m\u202ex\u200bé😀\udb40\udc41""#)
        #expect(!written.unicodeScalars.contains(where: DisplaySafe.isUnsafe))
        #expect(try JSONSerialization.jsonObject(with: Data(json.bytes), options: .fragmentsAllowed) as? String == hostile)
    }

    @Test func bytesThatAreNotUTF8BecomeReplacementCharacters() {
        var json = JSONOutput()
        let bytes: [UInt8] = [0x61, 0xFF, 0x62, 0xC0, 0xAF, 0xED, 0xA0, 0x80, 0xE2, 0x82]
        bytes.withUnsafeBytes { json.string(utf8: $0) }
        #expect(text(json) == "\"a\u{FFFD}b\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\"")
    }

    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (Int64(1_750_000_000_123), "2025-06-15T15:06:40.123Z"),
        (Int64(951_782_400_000), "2000-02-29T00:00:00.000Z"),
        (Int64(-1), "1969-12-31T23:59:59.999Z"),
        (Int64(253_402_300_799_999), "9999-12-31T23:59:59.999Z"),
    ])
    func timesAreRFC3339InUTC(milliseconds: Int64, expected: String) {
        #expect(RFC3339.text(milliseconds: milliseconds) == expected)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        #expect(formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000)) == expected)
    }

    /// Past the years RFC 3339 writes, the nearer end: a year 12026 must not
    /// come out as 2026 (a grant that never ends shown as ending now).
    @Test(arguments: [
        (Int64(253_402_300_800_000), "9999-12-31T23:59:59.999Z"),
        (Int64(317_525_356_800_000), "9999-12-31T23:59:59.999Z"),  // 12032-01-01
        (Int64.max, "9999-12-31T23:59:59.999Z"),
        (Int64(-62_167_219_200_000), "0000-01-01T00:00:00.000Z"),
        (Int64(-62_167_219_200_001), "0000-01-01T00:00:00.000Z"),
        (Int64.min, "0000-01-01T00:00:00.000Z"),
    ])
    func timesBeyondFourDigitYearsAreWrittenAsTheNearerEnd(milliseconds: Int64, expected: String) {
        #expect(RFC3339.text(milliseconds: milliseconds) == expected)
        #expect(UTCTime.text(Date(timeIntervalSince1970: Double(milliseconds) / 1000)) == expected)
    }

    /// The eight-bytes-at-a-time test of plain text agrees with the byte by
    /// byte one, on words built from the bytes at its edges.
    @Test func plainTextEightBytesAtATimeAgreesWithOneAtATime() {
        let edges: [UInt8] = [0x00, 0x01, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x5B, 0x5C, 0x5D, 0x7E, 0x7F, 0x80, 0xC3, 0xFE, 0xFF]
        var random = SystemRandomNumberGenerator()
        for _ in 0..<200_000 {
            let bytes = (0..<8).map { _ in
                Int.random(in: 0..<4, using: &random) == 0 ? edges.randomElement(using: &random)! : UInt8.random(in: 0x20...0x7E, using: &random)
            }
            let word = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
            #expect(PlainJSONText.isPlain(word) == bytes.allSatisfy(PlainJSONText.isPlain), "\(bytes)")
        }
    }

    /// A stored payload is copied as JSON only when it is exactly one JSON value.
    @Test(arguments: [
        (#"{"a":[1,-2.5e3,true,null,{"b":"\u00e9\n"}],"c":{}}"#, #"{"a":[1,-2.5e3,true,null,{"b":"\u00e9\n"}],"c":{}}"#),
        (" { \"a\" : 1 } ", #"{"a":1}"#),
        ("{\"x\":\"\u{9B}\"}", #"{"x":"\u009b"}"#),
        // Long runs, read eight bytes at a time, with what must be escaped
        // or kept at several offsets among them.
        ("{\"k\":\"0123456789abcdef\u{7F}0123456789abcdef\u{202E}0123456789é0123456789\\\"0123456789\\\\end\"}",
         "{\"k\":\"0123456789abcdef\\u007f0123456789abcdef\\u202e0123456789é0123456789\\\"0123456789\\\\end\"}"),
        ("{\"k\":\"0123456789abcdef0123456789abcdef\"}", "{\"k\":\"0123456789abcdef0123456789abcdef\"}"),
        ("{\"k\":\"0123456789abcdef\u{01}\"}", nil), ("{\"k\":\"0123456789abcdef", nil),
        ("{\"a\":1", nil), ("{\"a\":1}}", nil), ("{\"a\":01}", nil), ("{\"a\":\"\n\"}", nil), ("{\"a\":'x'}", nil),
        ("[1,]", nil), ("{\"a\":tru}", nil), ("{\"a\":\"\\x\"}", nil), ("", nil), ("{} {}", nil),
    ] as [(String, String?)])
    func embeddedJSONIsCheckedAndCopied(source: String, expected: String?) {
        var json = JSONOutput()
        json.beginObject()
        json.key("payload")
        var source = source
        let embedded = source.withUTF8 { json.embed(json: UnsafeRawBufferPointer($0)) }
        if !embedded { json.null() }
        json.endObject()
        #expect(embedded == (expected != nil))
        #expect(text(json) == "{\"payload\":\(expected ?? "null")}")
    }
}
