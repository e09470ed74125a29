import Foundation
@testable import SignoffApp
import SignoffCore
import Testing

/// A generic webhook sends a stored document as stored: the bytes taken out
/// of the outbox envelope are exactly the document's own encoding, whatever
/// its fields hold.
@Suite struct StoredNotificationTests {
    @Test func theStoredDocumentIsTheDocumentsOwnEncoding() throws {
        let hostile = #"ok"},"document":{"id":"forged"} \ {[ ]} "document": é ✓ \u{1B}[31m"#
        let request = AccessRequest(requester: "alice", subject: Subject(kind: .serviceAccount, name: "svc-\(hostile)", owner: "alice"),
                                    system: "payments-db", environment: "production", entitlement: "read_replica", access: .read,
                                    purpose: hostile, duration: .hours(8), ticket: "OPS-1")
        var record = RequestRecord(id: "REQ-1", request: request, submittedBy: Principal(name: "alice", authentication: .osAccount),
                                   submittedAt: Date(timeIntervalSince1970: 1_800_000_000))
        record.state = .pending
        let notice = Notice(kind: .routed, requestID: "REQ-1", recipient: "dave", channel: nil, why: hostile,
                            key: "routed:REQ-1:v1:dave", urgent: false)
        let document = NotificationDocument(notice: notice, record: record, grant: nil, production: ProductionEnvironments(), now: Date(timeIntervalSince1970: 1_800_000_600))
        let channel = NotificationChannel(name: "webhook", kind: .webhook, target: "http://127.0.0.1:9/\"document\":{}")
        let stored = try StoredNotification(NotificationEnvelope(document: document, destination: channel).encoded())
        #expect(String(stored.document) == document.encoded())
        #expect(stored.id == "routed:REQ-1:v1:dave" && stored.destination == channel)
        #expect(NotificationRendering.generic(encoded: [stored.document, stored.document])
            == NotificationRendering.generic([document, document]))
    }

    @Test func onlyATopLevelMemberIsFound() {
        let text = #"{"a": {"document": 1}, "b": "\"document\":2", "document" : [1, {"x": "]}"}] }"#
        let range = StoredNotification.member("document", of: text[...])
        #expect(range.map { String(text[$0]) } == #"[1, {"x": "]}"}]"#)
        #expect(StoredNotification.member("document", of: #"{"a": "document"}"#[...]) == nil)
        #expect(StoredNotification.member("document", of: #"{"document": {"#[...]) == nil)
    }
}
