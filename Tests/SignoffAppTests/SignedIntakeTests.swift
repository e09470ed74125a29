import Foundation
import SignoffApp
import SignoffCore
import SignoffStore
import Testing

/// An intake agent whose key the directory lists signs what it imports: the
/// submission, and the revision a changed ticket makes, through the key file
/// of its signing configuration (OpenSSH's `ssh-keygen -Y sign`). Without a
/// signature a revision is refused and only the refusal is recorded.
@Suite struct SignedIntakeTests {
    final class Lab {
        let directory: URL
        let key: String
        let store: Store
        var clock = ImportTicketsTests.start

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("signoff-signed-intake-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            key = directory.appendingPathComponent("jira-importer").path
            let keygen = Process()
            keygen.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-keygen")
            keygen.arguments = ["-q", "-t", "ed25519", "-N", "", "-C", "jira-importer@intake", "-f", key]
            try keygen.run()
            keygen.waitUntilExit()
            let line = try String(contentsOfFile: key + ".pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            // The intake agent is listed under people too, for its key.
            let source = ImportTicketsTests.policySource.replacingOccurrences(
                of: "    mallory: {}\n", with: "    mallory: {}\n    jira-importer: {keys: [\"\(line)\"]}\n")
            store = try Store.create(at: directory.appendingPathComponent("store.sqlite").path,
                                     settings: StoreSettings(trustAssertedIdentities: true))
            try commands("root", signing: false).run(Commands.ApplyPolicy(try Policy.parse(source: source, file: "policy.yaml")))
        }

        deinit { try? FileManager.default.removeItem(at: directory) }

        func commands(_ name: String, signing: Bool) -> Commands {
            clock = clock.addingTimeInterval(60)
            let environment = ["SSH_AUTH_SOCK": "", "SIGNOFF_SIGNING_KEY": signing ? key : "", "HOME": directory.path]
            return Commands(store: store, actor: Principal(name: name, authentication: .asserted), clock: .fixed(clock),
                            signing: .fromEnvironment(environment, mayPrompt: false))
        }

        func importTicket(_ request: AccessRequest, signing: Bool) throws -> Commands.ImportTickets.Outcome {
            try commands("jira-importer", signing: signing).run(Commands.ImportTickets(
                [IntakeTicket(ticket: ImportTicketsTests.ticket, content: .request(try ScannedRequest(scanning: request)))],
                writeBack: (source: "jira", site: "acme.atlassian.net", settings: ImportTicketsTests.settings))).output[0].outcome
        }

        func events() throws -> [RecordedEvent] { try store.events(requestID: "REQ-1") }
    }

    @Test func aChangedTicketsRevisionIsSignedByTheImporter() throws {
        let lab = try Lab()
        #expect(try lab.importTicket(ImportTicketsTests.request(), signing: true) == .submitted(id: "REQ-1", state: .pending, version: 1))
        #expect(try lab.events().first?.draft.signature != nil, "the submission is signed")

        // Changed, with nothing to sign with: refused; only the refusal is recorded.
        let changed = ImportTicketsTests.request(duration: .hours(4))
        let count = try lab.events().count
        let refused = #expect(throws: CommandError.self) { _ = try lab.importTicket(changed, signing: false) }
        #expect(refused.map { "\($0)" }?.contains("jira-importer's revise must be signed") == true, "\(String(describing: refused))")
        let afterRefusal = try lab.events()
        #expect(afterRefusal.count == count + 1 && afterRefusal.last?.draft.body.kind == "action_refused", "\(afterRefusal.map(\.draft.body.kind))")
        // The refusal names what was attempted: a revision, not a submission.
        guard case let .actionRefused(refusal)? = afterRefusal.last?.draft.body else { Issue.record("no refusal"); return }
        #expect(refusal.action.rawValue == "revise" && refusal.reason == .signatureRequired, "\(refusal)")
        #expect(try lab.store.record("REQ-1")?.version == 1)

        // Signed with the importer's key: revised, and the statement says what changed and why.
        #expect(try lab.importTicket(changed, signing: true) == .revised(id: "REQ-1", state: .pending, version: 2))
        let revision = try #require(try lab.events().first { $0.draft.body.kind == "request_revised" })
        let signature = try #require(revision.draft.signature)
        #expect(signature.holds)
        #expect(signature.statement.contains(#""action":"revise","#) && signature.statement.contains(#""rationale":"ticket ACC-1 changed""#)
                && signature.statement.contains(#""request_id":"REQ-1","#) && signature.statement.contains(#""request_version":1,"#),
                "\(signature.statement)")
        let report = try lab.store.verify()
        #expect(report.isIntact, "\(report.signatureProblems) \(report.projectionMismatches)")
        #expect(report.signedEventCount == 2)
    }
}
