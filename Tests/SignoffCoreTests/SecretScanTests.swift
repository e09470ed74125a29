import Foundation
@testable import SignoffCore
import Testing

/// Credentials pasted into request fields are refused, named by field, kind and
/// position, and never repeated. Test values are assembled at run time so that
/// no credential-shaped text sits in the source.
@Suite struct SecretScanTests {
    /// Deterministic "random" characters from an alphabet.
    static func noise(_ count: Int, _ alphabet: String = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", seed: UInt64 = 7) -> String {
        let characters = Array(alphabet)
        var state = seed
        return String((0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return characters[Int((state >> 33) % UInt64(characters.count))]
        })
    }

    static let awsKey = "AKIA" + noise(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    static let github = "gh" + "p_" + noise(36)
    static let githubFineGrained = "github" + "_pat_" + noise(22) + "_" + noise(59)
    static let gitlab = "gl" + "pat-" + noise(20)
    static let slack = "xo" + "xb-" + noise(11, "0123456789") + "-" + noise(24)
    static let slackHook = "https://hooks.slack.com/services/" + "T" + noise(8, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") + "/B" + noise(8) + "/" + noise(24)
    static let privateKey = "-----BEGIN OPENSSH " + "PRIVATE KEY-----\n" + noise(64) + "\n-----END OPENSSH PRIVATE KEY-----"
    static let jwt = "ey" + "JhbGciOiJIUzI1NiJ9." + "ey" + "JzdWIiOiIxMjM0NTY3ODkwIn0." + noise(43, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

    @Test(arguments: [
        ("key \(awsKey) for the job", SecretScan.Kind.awsAccessKey, 5),
        (github, .githubToken, 1),
        ("use \(githubFineGrained)", .githubToken, 5),
        ("token \(gitlab)", .gitlabToken, 7),
        ("(\(slack))", .slackToken, 2),
        ("post to \(slackHook) please", .slackWebhook, 9),
        ("here:\n\(privateKey)\nthanks", .privateKey, 7),
        ("Bearer \(jwt)", .jwt, 8),
        ("password: Tr0ub4dor&3x", .keywordValue, 1),
        ("the db PASSWORD=\"k9#Lm2qP!x\"", .keywordValue, 8),
        ("client_secret = \(noise(32))", .keywordValue, 1),
        ("api token is \(noise(24, "0123456789abcdef"))", .keywordValue, 5),
        ("secret \(noise(20))", .keywordValue, 1),
    ])
    func finds(text: String, kind: SecretScan.Kind, start: Int) throws {
        let finding = try #require(SecretScan.scan(text, field: "purpose"), "missed \(kind)")
        #expect(finding.kind == kind)
        #expect(finding.start == start)
        // The description places it, never quotes it.
        let secretPart = String(Array(text.unicodeScalars)[(finding.start - 1)..<(finding.start - 1 + finding.length)].map(Character.init))
        #expect(!finding.description.contains(secretPart))
        #expect(finding.description.hasPrefix("purpose: characters \(start)–"))
    }

    /// What people write about credentials, and names that look a little random, are not credentials.
    @Test(arguments: [
        "rotate the password for svc-ledger-etl every 90 days",
        "token rotation for the payments-db reader",
        "the secret manager role, read only",
        "password: changeme",
        "token: payments-db-reader",
        "secret: none",
        "needs read access to schema:ledger for the nightly ETL (OPS-1234)",
        "AKIA is the prefix of AWS key ids",
        "AKIAAAAAAAAAAAAAAAAA",
        "ghp_ tokens are refused here",
        "eyJ is what base64 JSON starts with",
        "-----BEGIN CERTIFICATE-----",
        "mytokenizer v2 with passwordless login",
        "password reset for account svc-2",
    ])
    func ignores(text: String) {
        #expect(SecretScan.scan(text, field: "purpose") == nil, "flagged: \(text)")
    }

    @Test func everyRequestFieldIsScanned() {
        var request = AccessRequest(subject: Subject(kind: .serviceAccount, name: "svc", owner: "alice"), system: "db",
                                    environment: "prod", entitlement: "read", access: .read, purpose: "fine",
                                    duration: .hours(1))
        #expect(SecretScan.findings(in: request).isEmpty)
        request.labels["note"] = Self.github
        request.scope = "password=\(Self.noise(12))x9"
        request.revocationTriggers = [RevocationTrigger(name: "ticket_closed", ref: Self.awsKey)]
        let fields = SecretScan.findings(in: request).map(\.field)
        #expect(fields == ["scope", "revocation_triggers[0].ref", "labels.note"])
    }

    /// A request file with a credential is refused at the field, the value never echoed.
    @Test func requestFilesRefuseSecretsWithTheirPosition() throws {
        let yaml = """
        subject: {kind: service_account, name: svc-ledger-etl, owner: alice}
        system: payments-db
        environment: production
        entitlement: read_replica
        access: read
        purpose: "nightly ETL; the key is \(Self.awsKey)"
        duration: 8h
        """
        do {
            _ = try RequestFile.parse(text: yaml, file: "request.yaml", policy: nil)
            Issue.record("a request holding an AWS key was accepted")
        } catch {
            let message = error.description
            #expect(message.hasPrefix("request.yaml:6:10: purpose: characters 25–44 look like an AWS access key"), "\(message)")
            #expect(message.contains("rotate"))
            #expect(!message.contains(Self.awsKey))
        }
    }

    /// Whatever path builds a request, only a `ScannedRequest` is submitted,
    /// and the only way to make one from a plain request is to scan it whole
    /// (the backstop behind the file and ticket checks).
    @Test func submissionRefusesSecrets() throws {
        let policy = try Fixture.policy("route: []")
        let request = AccessRequest(subject: Subject(kind: .serviceAccount, name: "svc", owner: "alice"), system: "payments-db",
                                    environment: "production", entitlement: "read_replica", access: .read,
                                    purpose: "deploy with \(Self.github)", duration: .hours(1))
        #expect(throws: SecretScan.Finding.self) { try ScannedRequest(scanning: request) }
        #expect(throws: Refusal.self) { try Lifecycle.scanned(request) }
        do {
            _ = try Lifecycle.scanned(request)
        } catch {
            #expect(error.reason == .containsSecret)
            #expect(error.message.hasPrefix("purpose: characters"), "\(error.message)")
            #expect(!error.message.contains(Self.github))
        }
        // The one field submission fills in, the requester, is scanned as it is filled.
        var clean = request
        clean.purpose = "deploy the ledger job"
        let scanned = try ScannedRequest(scanning: clean)
        #expect(throws: Refusal.self) {
            try Lifecycle.authorizeSubmission(scanned, by: Principal(name: Self.github, authentication: .osAccount), policy: policy)
        }
        do {
            _ = try Lifecycle.authorizeSubmission(scanned, by: Principal(name: Self.github, authentication: .osAccount), policy: policy)
        } catch {
            #expect(error.reason == .containsSecret)
            #expect(error.message.hasPrefix("requester: characters"), "\(error.message)")
        }
        #expect(try Lifecycle.authorizeSubmission(scanned, by: Principal(name: "alice", authentication: .osAccount), policy: policy)
                    .request.requester == "alice")
    }

    /// The quick look that lets most fields pass without a full scan never
    /// lets one pass that the full scan would refuse: both read the same
    /// generated fields (every kind's marks, keywords in mixed case, long
    /// characters, words around them) and must find the same.
    @Test func theQuickLookNeverHidesAFinding() {
        let marks = [Self.awsKey, Self.github, Self.githubFineGrained, Self.gitlab, Self.slack, Self.slackHook, Self.privateKey,
                     Self.jwt, "A3T" + Self.noise(17, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"), "xapp-" + Self.noise(12),
                     "ASIA" + Self.noise(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), "glrt-" + Self.noise(22)]
            + ["password", "passwd", "pwd", "passphrase", "secret", "token", "api_key", "apikey", "api-key", "access_key",
               "private_key", "client_secret"]
        let pieces = [" ", ": ", "=", " is ", "\"", "é", "İ", "ſ", "日本", "-", "_", ".", "\n", "ledger", "svc-2", "Tr0ub4dor&3x",
                      Self.noise(12), Self.noise(24, "0123456789abcdef"), Self.noise(20, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")]
        var state: UInt64 = 12_345
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        func mixCase(_ text: String) -> String {
            String(text.map { next(3) == 0 ? Character($0.uppercased()) : $0 })
        }
        var found = 0, passed = 0
        for _ in 0..<20_000 {
            var text = ""
            for _ in 0..<next(6) {
                let piece = next(3) == 0 ? marks[next(marks.count)] : pieces[next(pieces.count)]
                text += next(4) == 0 ? mixCase(piece) : piece
            }
            let quick = SecretScan.scan(text, field: "f"), full = SecretScan.scanScalars(text, field: "f")
            #expect(quick == full, "\(text.debugDescription)")
            if full != nil { found += 1 }
            if !text.withUTF8(SecretScan.mayHoldCredential) { passed += 1 }
        }
        // Both halves are exercised: fields refused, and fields the quick look passed.
        #expect(found > 2_000)
        #expect(passed > 2_000)
    }
}
