import Foundation
import SignoffCore
import Testing

/// FIDO2 (`sk-`) signatures made by OpenSSH itself (`ssh-keygen -Y sign`
/// through its software authenticator), from OpenSSH's regression tests:
/// signoff cannot make one here without a device, so it checks that it reads
/// and verifies real ones, and refuses them altered.
@Suite struct OpenSSHVectorTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/openssh-sshsig")

    static func text(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    @Test(arguments: [("ed25519_sk", SSHPublicKey.Algorithm.securityKeyEd25519), ("ecdsa_sk", .securityKeyECDSAP256)])
    func securityKeySignaturesMadeByOpenSSHVerify(name: String, algorithm: SSHPublicKey.Algorithm) throws {
        let key = try SSHPublicKey(line: try Self.text("\(name).pub").trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(key.algorithm == algorithm)
        #expect(key.algorithm.isSecurityKey)
        let signature = try SSHSignature(armored: try Self.text("\(name).sig"))
        #expect(signature.publicKey == key)
        let namespace = try Self.text("namespace")
        let message = try Self.bytes("signed-data")
        let verified = try signature.verify(message: message, namespace: namespace)
        #expect(verified.key == key)
        let assertion = try #require(verified.securityKey)
        #expect(assertion.userPresent, "sk-dummy signs with the user-presence flag set")

        // Another message, another namespace (signoff's): refused.
        var changed = message
        changed[0] ^= 0x01
        #expect(throws: SignatureError.self) { try signature.verify(message: changed, namespace: namespace) }
        #expect(throws: SignatureError.self) { try signature.verify(message: message) }
    }

    /// A WebAuthn-style `sk-` signature signs a different blob (client data
    /// JSON); signoff does not accept that form, and says so rather than
    /// passing it.
    @Test func webAuthnSignaturesAreRefused() throws {
        let namespace = try Self.text("namespace")
        let message = try Self.bytes("signed-data")
        #expect(throws: SignatureError.self) {
            _ = try SSHSignature(armored: try Self.text("ecdsa_sk_webauthn.sig")).verify(message: message, namespace: namespace)
        }
    }
}
