import Foundation
import SignoffCore
import Testing

/// Public keys as people paste them: what `ssh-keygen` writes, and what it
/// prints as their fingerprints.
@Suite struct SSHKeyTests {
    @Test(arguments: ["ed25519", "ecdsa"])
    func keysMadeByKeygenParseWithItsFingerprint(type: String) throws {
        let lab = try OpenSSHLab()
        let (file, key) = try lab.makeKey(type, name: "id_\(type)")
        #expect(key.algorithm == (type == "ed25519" ? .ed25519 : .ecdsaP256))
        #expect(key.comment == "id_\(type)@lab")
        #expect(key.fingerprint == (try lab.keygenFingerprint(file + ".pub")))
        // The text form round-trips to the same key.
        #expect(try SSHPublicKey(line: key.openSSHText) == key)
    }

    @Test(arguments: [HandMadeSecurityKey.Curve.ed25519, .p256])
    func securityKeysParseAndKeygenAgreesOnTheFingerprint(curve: HandMadeSecurityKey.Curve) throws {
        let lab = try OpenSSHLab()
        let device = HandMadeSecurityKey(curve)
        let file = lab.path("sk.pub")
        try (device.publicKey.openSSHText + " me@yubikey\n").write(toFile: file, atomically: true, encoding: .utf8)
        let key = try SSHPublicKey(line: try String(contentsOfFile: file, encoding: .utf8))
        #expect(key.algorithm.isSecurityKey)
        #expect(key.application == "ssh:")
        #expect(key.comment == "me@yubikey")
        #expect(key.fingerprint == (try lab.keygenFingerprint(file)))
    }

    /// Each malformed line is refused with a message that says what is wrong.
    @Test func malformedLinesAreRefusedWithTheReason() throws {
        let ed25519 = "AAAAC3NzaC1lZDI1NTE5AAAAIIlizSIN3DQV78VPNjVvvwjgf+P5HqbPYCYu3BOMdjAE"
        let p256 = "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBN7LnfPBVdDfBT7KWUley1qo+rjzy0WYkrHpzbhGALXlj8g4K2bFmy81wblCbnHqWgjblv0FoBwUW641o9xEZtw="
        func blob(_ parts: (inout SSHWireWriter) -> Void) -> String {
            var writer = SSHWireWriter()
            parts(&writer)
            return Data(writer.bytes).base64EncodedString()
        }
        let cases: [(line: String, says: String)] = [
            ("", "is empty"),
            ("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ", "\"ssh-rsa\" is not a key type signoff accepts"),
            ("ecdsa-sha2-nistp384 AAAA", "is not a key type signoff accepts"),
            ("dave ssh-ed25519 \(ed25519)", "starts with \"dave\" before the key type"),
            ("ssh-ed25519", "no key after it"),
            ("ssh-ed25519 not*base64", "not valid base64"),
            ("ssh-ed25519 \(p256)", "the line says ssh-ed25519 but the key inside is ecdsa-sha2-nistp256"),
            ("ssh-ed25519 \(blob { $0.string("ssh-ed25519"); $0.string([UInt8](repeating: 1, count: 31)) })",
             "32 bytes; this one has 31"),
            ("ssh-ed25519 \(blob { $0.string("ssh-ed25519"); $0.string([UInt8](repeating: 1, count: 32)); $0.byte(0) })",
             "bytes after its last field"),
            ("ssh-ed25519 \(blob { $0.string("ssh-ed25519"); $0.uint32(40) })", "ends in the middle of a field"),
            ("ecdsa-sha2-nistp256 \(blob { $0.string("ecdsa-sha2-nistp256"); $0.string("nistp256"); $0.string([4] + [UInt8](repeating: 7, count: 64)) })",
             "not an uncompressed point on the curve"),
            ("ecdsa-sha2-nistp256 \(blob { $0.string("ecdsa-sha2-nistp256"); $0.string("nistp384"); $0.string([4]) })",
             "the curve is \"nistp384\""),
            ("sk-ssh-ed25519@openssh.com \(blob { $0.string("sk-ssh-ed25519@openssh.com"); $0.string([UInt8](repeating: 1, count: 32)) })",
             "ends in the middle of a field"),
            ("ssh-ed25519\u{1B}[31m AAAA", "\u{241B}[31m"),
        ]
        for (line, says) in cases {
            do {
                _ = try SSHPublicKey(line: line)
                Issue.record("accepted \(line)")
            } catch {
                #expect(error.description.contains(says), "\(line): \(error)")
                #expect(!error.description.contains("\u{1B}"))
            }
        }
        // Surrounding spaces and tabs are fine; the comment may hold spaces.
        let key = try SSHPublicKey(line: "  ssh-ed25519\t\(ed25519)  Dave's laptop  ")
        #expect(key.comment == "Dave's laptop")
    }
}
