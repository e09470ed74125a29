import Foundation
@testable import SignoffApp
import Testing

/// A write-back message's payload is written by hand; the deliverer reads it
/// with `JSONDecoder`. The bytes are `JSONEncoder`'s (sorted keys, slashes
/// unescaped, absent fields left out) for every kind and for any text.
@Suite struct JiraPayloadTests {
    @Test(arguments: [
        JiraDelivery.Payload(kind: .comment, issue: "10042", key: "ACC-12", site: "acme.atlassian.net", api: 3, status: nil,
                             body: #"{"body":{"content":[],"type":"doc","version":1}}"#),
        JiraDelivery.Payload(kind: .transition, issue: "key:ACC-7", key: "ACC-7", site: "jira.example.com:8443", api: 2,
                             status: "Waiting for approval", body: nil),
        JiraDelivery.Payload(kind: .comment, issue: "1", key: "K-1", site: "s", api: 2, status: "Done/Closed \"x\"",
                             body: "wiki \\ * text\n\t\u{1}\u{7F}é 😀 \u{202E} https://example.com/a/b"),
    ])
    func payloadBytesAreJSONEncoders(payload: JiraDelivery.Payload) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        #expect(payload.encoded() == Array(try encoder.encode(payload)))
        #expect(try JSONDecoder().decode(JiraDelivery.Payload.self, from: Data(payload.encoded())) == payload)
    }
}
