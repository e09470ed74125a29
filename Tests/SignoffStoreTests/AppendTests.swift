import Foundation
import SignoffCore
import Testing
@testable import SignoffStore

@Suite struct AppendTests {
    @Test func recordReadBackIsTheFoldOfItsEvents() throws {
        let directory = TemporaryDirectory()
        let store = try Store.create(at: directory.file(), settings: Sample.settings)
        try store.write { try $0.append(Sample.policy()) }
        let id = try store.submitRouted(Sample.request(notes: "needs, \"quotes\"\nand lines"))
        let recorded = try store.write { transaction -> [RecordedEvent] in
            let record = try #require(try transaction.record(id))
            #expect(record.state == .pending)
            return [try transaction.append(Sample.review(id, version: record.version)),
                    try transaction.append(Sample.decide(id)),
                    try transaction.append(Sample.grant(id, request: record.request))]
        }
        #expect(recorded.map(\.sequence) == [5, 6, 7], "after store_created, the policy and the submission")

        let events = try store.events(requestID: id)
        #expect(events.map(\.draft.body.kind) == ["request_submitted", "request_routed", "review_recorded", "request_decided",
                                                  "grant_issued"])
        var folded: RequestRecord?
        for event in events { folded = Projection.apply(event.draft, to: folded) }
        let record = try #require(try store.record(id))
        #expect(record == folded)
        #expect(record.state == .approved)
        #expect(record.reviews.map(\.reviewer) == [Sample.bob])
        #expect(record.request.notes == "needs, \"quotes\"\nand lines")
        #expect(record.submittedAt == EventCoding.storedPrecision(Sample.start))
        #expect(events.last == recorded.last, "the returned event is what is stored")
    }

    /// Under a policy this signoff cannot parse there are no keys or rules
    /// to check a decision's signature against: the store records no
    /// decision, signed or not, and leaves the store as it was.
    @Test func noDecisionIsRecordedUnderAPolicyThatDoesNotParse() throws {
        let directory = TemporaryDirectory()
        let store = try Store.create(at: directory.file(), settings: Sample.settings)
        try store.write { try $0.append(Sample.policy()) }
        let id = try store.submitRouted()
        try store.write { try $0.append(Sample.policy("from-a-newer-signoff")) }
        let before = try store.verify().eventCount
        #expect(throws: StoreError.self) {
            try store.write { tx in
                let record = try #require(try tx.record(id))
                try tx.append(Sample.review(id, version: record.version))
            }
        }
        #expect(try store.verify().eventCount == before)
        #expect(try store.record(id)?.state == .pending)
    }

    /// Whoever approved an extension granted part of the access: the store
    /// names them for revocation. A denied extension names nobody.
    @Test func extensionApproversAreThoseOfApprovedExtensions() throws {
        let directory = TemporaryDirectory()
        let store = try Store.create(at: directory.file(), settings: Sample.settings)
        try store.write { try $0.append(Sample.policy()) }
        let original = try store.submitRouted()
        try store.write { tx in
            try tx.append(Sample.decide(original))
            try tx.append(Sample.grant(original))
        }
        var extensionRequest = Sample.request()
        extensionRequest.extends = original
        let approved = try store.submitRouted(extensionRequest)
        let denied = try store.submitRouted(extensionRequest)
        try store.write { tx in
            try tx.append(Sample.decide(approved, by: ["carol"]))
            try tx.append(EventDraft(requestID: original, actor: .signoff, at: Sample.start,
                                     body: .grantExtended(.init(extensionID: approved, by: .hours(2), expiresAt: nil))))
            try tx.append(Sample.decide(denied, .denied, by: ["alice"]))
        }
        try store.write { tx in
            let grant = try #require(try tx.grant(original))
            #expect(grant.extensions == [approved])
            #expect(try tx.extensionApprovers(of: grant) == ["carol"])
        }
    }

    @Test func reopenedStoreHasEverything() throws {
        let directory = TemporaryDirectory()
        let path = directory.file()
        var ids: [String] = []
        do {
            let store = try Store.create(at: path, settings: Sample.settings)
            try store.write { try $0.append(Sample.policy()) }
            ids.append(try store.submitRouted())
            ids.append(try store.submitRouted())
        }
        let store = try Store.open(at: path)
        #expect(try store.records(.all).map(\.id) == ids)
        #expect(try store.currentPolicy()?.version == Sample.policyVersion)
        #expect(try store.changeToken() == 6)
        #expect(try store.submitRouted() == "REQ-3", "the request counter survives reopening")
        #expect(try store.verify().isIntact)
    }

    @Test func requestIDsAreNeverReused() throws {
        let directory = TemporaryDirectory()
        let store = try Store.create(at: directory.file(), settings: Sample.settings)
        let handedOut = try store.write { try [$0.nextRequestID(), $0.nextRequestID()] }
        #expect(handedOut == ["REQ-1", "REQ-2"])
        // Neither was used, but both are gone for good.
        #expect(try store.submitRouted() == "REQ-3")
        // A rolled-back command does hand its ID back: nothing of it was committed.
        struct Abandon: Error {}
        #expect(throws: Abandon.self) { try store.write { _ = try $0.nextRequestID(); throw Abandon() } }
        #expect(try store.submitRouted() == "REQ-4")
        // IDs taken some other way are skipped.
        try store.write { try $0.append(Sample.submit("REQ-5")) }
        #expect(try store.submitRouted() == "REQ-6")
    }

    @Test func aThrowingCommandLeavesNoTrace() throws {
        let directory = TemporaryDirectory()
        let store = try Store.create(at: directory.file(), settings: Sample.settings)
        struct Refused: Error {}
        #expect(throws: Refused.self) {
            try store.write { transaction in
                try transaction.append(Sample.submit("REQ-1"))
                try transaction.append(Sample.route("REQ-1"))
                throw Refused()
            }
        }
        #expect(try store.changeToken() == 1, "only the store_created event")
        #expect(try store.record("REQ-1") == nil)
        #expect(try store.verify().isIntact)
    }

    @Test func eventsThatCannotBePlacedAreRefused() throws {
        let directory = TemporaryDirectory()
        let store = try Store.create(at: directory.file(), settings: Sample.settings)
        try store.submitRouted()
        #expect(throws: StoreError.duplicateRequest("REQ-1")) { try store.write { try $0.append(Sample.submit("REQ-1")) } }
        #expect(throws: StoreError.unknownRequest("REQ-9")) { try store.write { try $0.append(Sample.review("REQ-9")) } }
        let asserted = Principal(name: "mallory", authentication: .asserted)
        #expect(throws: StoreError.self) { try store.write { try $0.append(Sample.review("REQ-1", by: asserted)) } }
        #expect(throws: StoreError.self) {
            try store.write { try $0.append(EventDraft(requestID: nil, actor: Sample.alice, at: Sample.start,
                                                       body: .storeCreated(.init(trustAssertedIdentities: true, shareGroup: nil, migrations: [])))) }
        }
        #expect(try store.changeToken() == 3)
    }

    @Test func assertedIdentitiesAreRecordedWhenTheStoreTrustsThem() throws {
        let directory = TemporaryDirectory()
        let store = try Store.create(at: directory.file(), settings: StoreSettings(trustAssertedIdentities: true))
        let id = try store.submitRouted()
        let dana = Principal(name: "dana", authentication: .asserted)
        try store.write { try $0.append(Sample.review(id, by: dana)) }
        #expect(try store.record(id)?.reviews.first?.reviewer == dana)
    }

    @Test func transactionSeesItsOwnAppends() throws {
        let directory = TemporaryDirectory()
        let store = try Store.create(at: directory.file(), settings: Sample.settings)
        try store.write { transaction in
            #expect(try transaction.currentPolicy() == nil)
            try transaction.append(Sample.policy())
            #expect(try transaction.currentPolicy()?.version == Sample.policyVersion)
            let id = try transaction.nextRequestID()
            try transaction.append(Sample.submit(id))
            #expect(try transaction.record(id)?.version == 0)
            try transaction.append(Sample.route(id))
            #expect(try transaction.record(id)?.state == .pending)
            #expect(try transaction.openRecords().map(\.id) == [id])
            try transaction.append(Sample.review(id))
            #expect(try transaction.record(id)?.reviews.count == 1)
        }
        #expect(try store.record("REQ-1")?.reviews.count == 1)
        #expect(try store.verify().isIntact)
    }

    @Test func currentPolicyIsTheLatestApplied() throws {
        let directory = TemporaryDirectory()
        let store = try Store.create(at: directory.file(), settings: Sample.settings)
        #expect(try store.currentPolicy() == nil)
        try store.write { try $0.append(Sample.policy()) }
        let applied = Sample.start.addingTimeInterval(60)
        try store.write { try $0.append(Sample.policy("v2", at: applied)) }
        let policy = try #require(try store.currentPolicy())
        #expect(policy.version == "v2")
        #expect(policy.appliedAt == EventCoding.storedPrecision(applied))
        #expect(policy.appliedBy == Sample.creator)
        #expect(policy.file == "policy.yaml")
        #expect(policy.sequence == 3)
    }

    @Test func openRecordsAreRoutedOrBlockedOnes() throws {
        let directory = TemporaryDirectory()
        let store = try Store.create(at: directory.file(), settings: Sample.settings)
        let decided = try store.submitRouted()
        let pending = try store.submitRouted()
        let blocked = try store.write { transaction -> String in
            let id = try transaction.nextRequestID()
            try transaction.append(Sample.submit(id))
            try transaction.append(EventDraft(requestID: id, actor: .signoff, at: Sample.start, body: .requestRouted(.init(
                version: 1, policyVersion: Sample.policyVersion, outcome: .unroutable(reason: "no route rule matches"),
                cause: "submitted"))))
            return id
        }
        try store.write { try $0.append(Sample.decide(decided, .denied)) }
        #expect(try store.write { try $0.openRecords().map(\.id) } == [pending, blocked])
        #expect(try store.records(.open).map(\.id) == [pending, blocked])
    }

    @Test(arguments: [
        (RequestFilter.all, ["REQ-1", "REQ-2", "REQ-3", "REQ-4"]),
        (RequestFilter(states: [.pending]), ["REQ-1", "REQ-3", "REQ-4"]),
        (RequestFilter(states: [.approved, .denied]), ["REQ-2"]),
        (RequestFilter(system: "payments-db"), ["REQ-1", "REQ-2"]),
        (RequestFilter(system: "payments-db", environment: "staging"), ["REQ-2"]),
        (RequestFilter(environment: "production"), ["REQ-1", "REQ-3"]),
        (RequestFilter(requester: "erin"), ["REQ-3", "REQ-4"]),
        (RequestFilter(breakGlass: true), ["REQ-4"]),
        (RequestFilter(limit: 2), ["REQ-1", "REQ-2"]),
        (RequestFilter(limit: 2, newestFirst: true), ["REQ-4", "REQ-3"]),
        (RequestFilter(states: [], system: "payments-db"), []),
    ])
    func filters(filter: RequestFilter, expected: [String]) throws {
        let directory = TemporaryDirectory()
        let store = try Store.create(at: directory.file(), settings: Sample.settings)
        try store.submitRouted(Sample.request(system: "payments-db", environment: "production"))
        let approved = try store.submitRouted(Sample.request(system: "payments-db", environment: "staging"))
        try store.submitRouted(Sample.request(system: "billing", environment: "production", requester: "erin"))
        try store.submitRouted(Sample.request(system: "billing", environment: "staging", requester: "erin", breakGlass: true))
        try store.write { try $0.append(Sample.decide(approved)); try $0.append(Sample.grant(approved)) }
        #expect(try store.records(filter).map(\.id) == expected)
    }

    @Test func changeTokenMovesWhenAnotherStoreCommits() throws {
        let directory = TemporaryDirectory()
        let path = directory.file()
        let console = try Store.create(at: path, settings: Sample.settings)
        let cli = try Store.open(at: path)
        let before = try console.changeToken()
        try cli.submitRouted()
        #expect(try console.changeToken() != before)
    }

    @Test func bulkAppendInOneCommand() throws {
        let directory = TemporaryDirectory()
        let store = try Store.create(at: directory.file(), settings: Sample.settings)
        try store.write { try $0.append(Sample.policy()) }
        let drafts = (1...500).flatMap { [Sample.submit("BULK-\($0)"), Sample.route("BULK-\($0)")] }
        let recorded = try store.appendBatch(drafts)
        #expect(recorded.count == 1000)
        #expect(try store.records(.open).count == 500)
        #expect(try store.record("BULK-250")?.state == .pending)
        #expect(try store.verify().isIntact)
    }
}
