import Foundation
import GRDB
import SignoffCore
import Testing
@testable import SignoffStore

/// A signature made in one store does not hold in another: `signoff.statement/3`
/// names the store (its first event's chained hash), so an approval copied
/// into a store made to match (the same request ID, version, content, time
/// and policy) is refused on append and named by `audit verify`.
@Suite struct StoreNamingTests {
    /// /2's statement of a /3 one: the same without the store.
    static func schema2(_ statement: String) -> String {
        statement.replacing(#/"schema":"signoff\.statement\/3","store":"[0-9a-f]*"/#, with: #""schema":"signoff.statement/2""#)
    }

    /// /3's statement of a /2 one, naming `store`.
    static func schema3(_ statement: String, store: String) -> String {
        statement.replacingOccurrences(of: #""schema":"signoff.statement/2""#,
                                       with: #""schema":"signoff.statement/3","store":"\#(store)""#)
    }

    /// A second store made to match `lab`'s: the same policy, and request
    /// `id` submitted with the same content, by the same person, at the same time.
    func matchingStore(_ lab: SignedStore, id: String, at path: String) throws -> Store {
        let other = try Store.create(at: path, settings: StoreSettings(), creator: lab.alice)
        try other.write { tx in
            try tx.append(contentsOf: Lifecycle.apply(lab.policy, previousVersion: nil, by: lab.alice, openRecords: [],
                                                      originals: [:], at: lab.start))
        }
        try other.write { tx in
            try tx.append(contentsOf: Lifecycle.submit(try ScannedRequest(scanning: lab.request()), id: id, by: lab.alice,
                                                       policy: lab.policy, original: nil, at: lab.start))
        }
        return other
    }

    /// The rows of the store at `path`, as `forge` reads them.
    func rows(_ path: String, from sequence: Int64) throws -> [ForgedRow] {
        try DatabaseQueue(path: path).read { db in
            try Row.fetchAll(db, sql: """
                SELECT at, actor, authentication, kind, request_id, payload, signature, statement FROM events
                WHERE sequence >= ? ORDER BY sequence
                """, arguments: [sequence]).map {
                ForgedRow(at: $0[0], actor: $0[1], authentication: $0[2], kind: $0[3], requestID: $0[4], payload: $0[5],
                          signature: $0[6], statement: $0[7])
            }
        }
    }

    @Test func anApprovalCopiedIntoAStoreMadeToMatchIsRefusedAndNamed() throws {
        let lab = try SignedStore()
        let id = try lab.submit()
        try lab.record(lab.review(id, by: "dave"))
        let approval = try lab.sequence(of: "review_recorded")
        let directory = TemporaryDirectory()
        let other = try matchingStore(lab, id: id, at: directory.file())
        #expect(try other.identity() != lab.store.identity())
        // The request as dave saw it in the first store, to the byte.
        let theirs = try #require(try other.record(id)), ours = try #require(try lab.store.events(requestID: id).first)
        #expect(try other.events(requestID: id).first?.draft.body == ours.draft.body && theirs.version == 1)

        // Offered to the other store as it is (the approval, its decision
        // and its grant, signature and all): refused, and nothing recorded.
        let copied = try lab.store.events(requestID: id).filter { $0.sequence >= approval }.map(\.draft)
        #expect(copied.first?.signature != nil)
        let before = try other.verify().eventCount
        let error = #expect(throws: StoreError.self) { try other.write { tx in try tx.append(contentsOf: copied) } }
        #expect(error.map { "\($0)" }?.contains("signed over different content: the signed statement and the event differ in store") == true,
                "\(String(describing: error))")
        #expect(try other.verify().eventCount == before)

        // Written in by whoever can write the file, and chained again: named.
        let head = try other.verify().eventCount
        let forged = try rows(lab.directory.file(), from: approval)
        try forge(directory.file()) { rows in rows += forged }
        let problems = try other.verify().signatureProblems
        #expect(problems.map(\.sequence) == [Int64(head) + 1], "\(problems)")
        #expect(problems.first?.description.contains(
            "(review_recorded of \(id) by dave): signed over different content: the signed statement and the event differ in store") == true,
                "\(problems)")
        // Where it was made, it holds.
        #expect(try lab.signatureProblems().isEmpty)
    }

    /// The hand-off judges a grant's history as `audit verify` does: in a
    /// store that signs /3 from its creation, an approval downgraded to /2
    /// (by someone holding dave's key, or copied from a store made to match)
    /// is named before provisioning is asked to carry the grant out.
    @Test func anApprovalDowngradedToSchema2IsDisputedBeforeItsGrantIsHandedOff() throws {
        let lab = try SignedStore()
        let id = try lab.submit()
        try lab.record(lab.review(id, by: "dave"))
        #expect(try lab.store.checkedGrant(id)?.problems == [])
        let index = Int(try lab.sequence(of: "review_recorded")) - 1
        try forge(lab.directory.file()) { rows in
            let statement = Self.schema2(try #require(rows[index].statement))
            #expect(statement.hasSuffix(#""schema":"signoff.statement/2"}"#))
            rows[index].statement = statement
            rows[index].signature = lab.dave.sign(statement).armored
        }
        let forged = try Store.open(at: lab.directory.file())
        let problems = try #require(try forged.checkedGrant(id)?.problems)
        #expect(problems.contains { $0.contains("review_recorded by dave") && $0.contains("signed over signoff.statement/2") }, "\(problems)")
        #expect(try forged.verify().signatureProblems.count == 1)
    }

    @Test func theStatementNamesTheStoreByItsFirstEventsHash() throws {
        let lab = try SignedStore()
        let id = try lab.submit()
        try lab.record(lab.review(id, by: "dave"))
        let identity = try #require(try lab.store.identity())
        #expect(identity.count == 64 && identity.allSatisfy(\.isHexDigit))
        let statement = try #require(try lab.store.events(requestID: id).last { $0.draft.signature != nil }?.draft.signature?.statement)
        #expect(statement.hasSuffix(#""schema":"signoff.statement/3","store":"\#(identity)"}"#))
    }
}
