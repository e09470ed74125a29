#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SignoffCore
import SignoffSigning
import Testing

/// Signing a statement the way a decision is signed: through the person's
/// agent or key file, with one of the keys the policy lists for them.
@Suite struct DecisionSignerTests {
    let statement = SSHSignatureTests.statement

    @Test func theAgentSignsWithTheFirstListedKeyItHolds() throws {
        let lab = try OpenSSHLab()
        let agent = try lab.startAgent()
        let (_, unheld) = try lab.makeKey("ed25519", name: "unheld")
        let (ecdsaFile, ecdsa) = try lab.makeKey("ecdsa", name: "ecdsa")
        let (edFile, ed) = try lab.makeKey("ed25519", name: "ed")
        try lab.addToAgent(edFile)
        try lab.addToAgent(ecdsaFile)
        let signer = DecisionSigner(agent: agent, configuration: SigningConfiguration())
        let signature = try signer.sign(statement, allowed: [unheld, ecdsa, ed])
        #expect(signature.publicKey == ecdsa)
        let keygen = try lab.keygenVerify(statement, signature: signature.armored, principal: "dave", key: ecdsa)
        #expect(keygen.status == 0)
    }

    @Test func anAgentWithoutAListedKeyIsRefusedWithWhatItHolds() throws {
        let lab = try OpenSSHLab()
        let agent = try lab.startAgent()
        let (_, listed) = try lab.makeKey("ed25519", name: "listed")
        let (otherFile, other) = try lab.makeKey("ed25519", name: "other")
        try lab.addToAgent(otherFile)
        let signer = DecisionSigner(agent: agent, configuration: SigningConfiguration())
        let error = try #require(throws: SigningError.self) { try signer.sign(statement, allowed: [listed]) }
        #expect(error.description.contains("holds none of the keys the policy lists for you (\(listed.description))"))
        #expect(error.description.contains("it holds \(other.description)"))
        #expect(throws: SigningError.self) { try signer.sign(statement, allowed: []) }
    }

    @Test func noAgentAndNoKeyFileSaysHowToSign() throws {
        let lab = try OpenSSHLab()
        let (_, key) = try lab.makeKey("ed25519", name: "id")
        let signer = DecisionSigner(agent: nil, configuration: SigningConfiguration())
        let error = try #require(throws: SigningError.self) { try signer.sign(statement, allowed: [key]) }
        #expect(error.description.contains("SSH_AUTH_SOCK is not set"))
        let gone = DecisionSigner(agent: SSHAgentClient(socketPath: lab.path("no-agent.sock")),
                                  configuration: SigningConfiguration())
        let unreachable = try #require(throws: SigningError.self) { try gone.sign(statement, allowed: [key]) }
        #expect(unreachable.description.contains("cannot reach the ssh-agent"))
    }

    /// An agent that accepts the connection and never answers cannot hold a
    /// decision longer than the timeout.
    @Test func aSilentAgentTimesOut() throws {
        let lab = try OpenSSHLab()
        let path = lab.path("silent.sock")
        let listener = try listen(at: path)
        defer { close(listener) }
        let client = SSHAgentClient(socketPath: path, timeout: .milliseconds(300))
        let start = ContinuousClock.now
        #expect(throws: AgentError.timedOut) { try client.identities() }
        #expect(ContinuousClock.now - start < .seconds(3))
    }

    @Test func anUnencryptedKeyFileSignsThroughKeygen() throws {
        let lab = try OpenSSHLab()
        let (file, key) = try lab.makeKey("ed25519", name: "id")
        let signer = DecisionSigner(agent: nil, configuration: SigningConfiguration(keyFile: file))
        let signature = try signer.sign(statement, allowed: [key])
        #expect(signature.publicKey == key)
        #expect(try lab.keygenVerify(statement, signature: signature.armored, principal: "dave", key: key).status == 0)
    }

    /// A passphrase-protected key the agent already holds is used through the
    /// agent: nobody is asked for the passphrase again.
    @Test func anEncryptedKeyFileTheAgentHoldsSignsWithoutAPrompt() throws {
        let lab = try OpenSSHLab()
        let agent = try lab.startAgent()
        let (file, key) = try lab.makeKey("ecdsa", name: "locked", passphrase: "correct horse")
        try lab.addToAgent(file, passphrase: "correct horse")
        let signer = DecisionSigner(agent: agent, configuration: SigningConfiguration(keyFile: file))
        let signature = try signer.sign(statement, allowed: [key])
        #expect(signature.publicKey == key)
    }

    /// Without a terminal to ask on, an encrypted key fails quickly and says so.
    @Test func anEncryptedKeyFileWithoutATerminalFails() throws {
        let lab = try OpenSSHLab()
        let (file, key) = try lab.makeKey("ed25519", name: "locked", passphrase: "correct horse")
        var signer = DecisionSigner(agent: nil, configuration: SigningConfiguration(keyFile: file, timeout: .seconds(20)))
        signer.mayPrompt = false
        let error = try #require(throws: SigningError.self) { try signer.sign(statement, allowed: [key]) }
        #expect(error.description.contains("ssh-keygen -Y sign failed"))
    }

    @Test func aKeyFileThePolicyDoesNotListIsRefusedBeforeSigning() throws {
        let lab = try OpenSSHLab()
        let (file, key) = try lab.makeKey("ed25519", name: "mine")
        let (_, listed) = try lab.makeKey("ed25519", name: "listed")
        let signer = DecisionSigner(agent: nil, configuration: SigningConfiguration(keyFile: file))
        let error = try #require(throws: SigningError.self) { try signer.sign(statement, allowed: [listed]) }
        #expect(error.description.contains("the key \(key.description) is not one the policy lists for you"))
        // Without its .pub the key is known only from the signature, and still refused.
        try FileManager.default.removeItem(atPath: file + ".pub")
        let after = try #require(throws: SigningError.self) { try signer.sign(statement, allowed: [listed]) }
        #expect(after.description.contains("is not one the policy lists for you"))
        let missing = DecisionSigner(agent: nil, configuration: SigningConfiguration(keyFile: lab.path("nothing")))
        let none = try #require(throws: SigningError.self) { try missing.sign(statement, allowed: [listed]) }
        #expect(none.description.contains("there is no such file"))
    }

    @Test func theConfigurationNamesTheKeyAndTheTimeout() throws {
        let home = ["HOME": "/home/dave"]
        let configuration = try SigningConfiguration.parse("""
            # mine
            key = ~/.ssh/id_ed25519_sk
              timeout = 45s
            """, file: "signing", environment: home)
        #expect(configuration.keyFile == "/home/dave/.ssh/id_ed25519_sk")
        #expect(configuration.timeout == .seconds(45))
        let cases: [(String, String)] = [
            ("key ~/.ssh/id", "signing:1:1: expected name = value"),
            ("\nkey =", "signing:2:1: key: is empty"),
            ("timeout = 11m", "signing:1:1: timeout: \"11m\" is not a time of at most 10m"),
            ("timeout = soon", "is not a time"),
            ("agent = yes", "signing:1:1: agent: unknown setting"),
        ]
        for (text, says) in cases {
            let error = try #require(throws: SourceError.self) {
                try SigningConfiguration.parse(text, file: "signing", environment: home)
            }
            #expect(error.description.contains(says), "\(error)")
        }
        let lab = try OpenSSHLab()
        let environment = ["XDG_CONFIG_HOME": lab.directory.path, "HOME": "/home/dave", "SIGNOFF_SIGNING_KEY": "~/k"]
        try FileManager.default.createDirectory(atPath: lab.path("signoff"), withIntermediateDirectories: true)
        try "key = /elsewhere\ntimeout = 2m\n".write(toFile: lab.path("signoff/signing"), atomically: true, encoding: .utf8)
        let loaded = try SigningConfiguration.load(environment: environment)
        #expect(loaded.keyFile == "/home/dave/k")
        #expect(loaded.timeout == .seconds(120))
    }

    private func listen(at path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: Array(path.utf8))
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 4) == 0 else { throw LabError("cannot listen at \(path)") }
        return fd
    }
}
