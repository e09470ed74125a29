import Foundation
import SignoffCore
import SignoffSigning
import Testing

/// SSHSIG both ways with real OpenSSH: what `ssh-keygen -Y sign` makes
/// verifies here, and what signoff makes verifies with `ssh-keygen -Y verify`.
@Suite struct SSHSignatureTests {
    static let statement = Array(#"{"action":"approve","actor":"dave","at":1763717400000,"rationale":"Read replica only, 8h, matches OPS-1234","request_id":"REQ-1","schema":"signoff.statement/1"}"#.utf8)

    @Test(arguments: ["ed25519", "ecdsa"])
    func keygenSignaturesVerifyHereByteForByte(type: String) throws {
        let lab = try OpenSSHLab()
        let (file, key) = try lab.makeKey(type, name: "id_\(type)")
        let armored = try lab.keygenSign(Self.statement, key: file)
        let signature = try SSHSignature(armored: armored)
        #expect(signature.publicKey == key)
        #expect(signature.namespace == "signoff")
        #expect(signature.hashAlgorithm == .sha512)
        // Armoring again gives ssh-keygen's exact bytes.
        #expect(signature.armored == armored)
        let verified = try signature.verify(message: Self.statement)
        #expect(verified.key == key)
        #expect(verified.securityKey == nil)
    }

    /// The armor is read in place; whatever ssh-keygen's armor becomes on
    /// the way (CRLF line ends, extra line feeds) reads as the same blob, and
    /// anything that is not its base64 is refused as Foundation's decoder would.
    @Test func armorReadsAsFoundationDecodesIt() throws {
        let lab = try OpenSSHLab()
        let (file, _) = try lab.makeKey("ed25519", name: "id")
        let armored = try lab.keygenSign(Self.statement, key: file)
        let blob = try SSHSignature(armored: armored).blob
        let lines = armored.split(separator: "\n").map(String.init)
        let body = lines.dropFirst().dropLast().joined()
        #expect(Data(base64Encoded: body).map(Array.init) == blob)
        for same in [armored.replacingOccurrences(of: "\n", with: "\r\n"), armored + "\n\n", String(armored.dropLast()),
                     lines[0] + "\n" + body + "\n" + lines.last!] {
            #expect(try SSHSignature(armored: same).blob == blob, "\(same)")
        }
        let middle = lines[1].index(lines[1].startIndex, offsetBy: 8)
        for broken in [armored.replacingOccurrences(of: lines[1], with: lines[1].replacingCharacters(in: middle...middle, with: "=")),
                       armored.replacingOccurrences(of: lines[1], with: lines[1].replacingCharacters(in: middle...middle, with: " ")),
                       armored.replacingOccurrences(of: lines[1], with: String(lines[1].dropLast())),
                       armored.replacingOccurrences(of: "\n", with: "\r"),
                       lines[0] + "\n" + lines.last!, String(armored.dropFirst())] {
            #expect(throws: SignatureError.self, "\(broken)") { try SSHSignature(armored: broken) }
        }
    }

    @Test func sha256SignaturesVerifyToo() throws {
        let lab = try OpenSSHLab()
        let (file, _) = try lab.makeKey("ed25519", name: "id")
        let signature = try SSHSignature(armored: try lab.keygenSign(Self.statement, key: file, options: ["-O", "hashalg=sha256"]))
        #expect(signature.hashAlgorithm == .sha256)
        _ = try signature.verify(message: Self.statement)
    }

    @Test(arguments: ["ed25519", "ecdsa"])
    func changedStatementsAndOtherNamespacesFail(type: String) throws {
        let lab = try OpenSSHLab()
        let (file, _) = try lab.makeKey(type, name: "id")
        let signature = try SSHSignature(armored: try lab.keygenSign(Self.statement, key: file))
        var changed = Self.statement
        changed[changed.count - 3] ^= 1
        #expect(throws: SignatureError.invalid) { try signature.verify(message: changed) }
        let git = try SSHSignature(armored: try lab.keygenSign(Self.statement, key: file, namespace: "git"))
        #expect(throws: SignatureError.wrongNamespace("git")) { try git.verify(message: Self.statement) }
    }

    @Test(arguments: ["ed25519", "ecdsa"])
    func agentSignaturesVerifyWithKeygen(type: String) throws {
        let lab = try OpenSSHLab()
        let agent = try lab.startAgent()
        let (file, key) = try lab.makeKey(type, name: "id")
        try lab.addToAgent(file)
        let signature = try agent.signature(of: Self.statement, with: key)
        _ = try signature.verify(message: Self.statement)
        let accepted = try lab.keygenVerify(Self.statement, signature: signature.armored, principal: "dave", key: key)
        #expect(accepted.status == 0, "\(accepted.error)")
        #expect(accepted.output.contains("Good \"signoff\" signature for dave"))
        // ssh-keygen refuses it for other content and for another namespace.
        var changed = Self.statement
        changed[0] = UInt8(ascii: "[")
        #expect(try lab.keygenVerify(changed, signature: signature.armored, principal: "dave", key: key).status != 0)
        #expect(try lab.keygenVerify(Self.statement, signature: signature.armored, principal: "dave", key: key,
                                     namespace: "git").status != 0)
    }

    /// FIDO2 signatures built from the format with a key held here: both
    /// signoff and `ssh-keygen -Y verify` accept them.
    @Test(arguments: [HandMadeSecurityKey.Curve.ed25519, .p256])
    func securityKeySignaturesVerifyHereAndWithKeygen(curve: HandMadeSecurityKey.Curve) throws {
        let lab = try OpenSSHLab()
        let device = HandMadeSecurityKey(curve)
        let touched = device.sign(Self.statement, flags: 0x05, counter: 41)
        let verified = try touched.verify(message: Self.statement)
        #expect(verified.securityKey?.userPresent == true)
        #expect(verified.securityKey?.userVerified == true)
        #expect(verified.securityKey?.counter == 41)
        let keygen = try lab.keygenVerify(Self.statement, signature: touched.armored, principal: "dave", key: device.publicKey)
        #expect(keygen.status == 0, "\(keygen.error)")

        // ssh-keygen -Y verify does not look at the touch flag (only sshd does);
        // signoff refuses a signature nobody touched the key for.
        let untouched = device.sign(Self.statement, flags: 0x00)
        #expect(throws: SignatureError.noUserPresence) { try untouched.verify(message: Self.statement) }

        // The flags and counter are signed: changing them breaks the signature.
        var reader = SSHWireReader(touched.signature)
        let type = try reader.text(), raw = try reader.string()
        var forged = SSHWireWriter()
        forged.string(type); forged.string(raw); forged.byte(0x05); forged.uint32(42)
        let moved = SSHSignature(publicKey: device.publicKey, namespace: "signoff", hashAlgorithm: .sha512,
                                 signature: forged.bytes)
        #expect(throws: SignatureError.invalid) { try moved.verify(message: Self.statement) }
        // And so is the application: the same device key made for another one does not verify.
        var otherApplication = device
        otherApplication.application = "ssh:other"
        #expect(throws: SignatureError.invalid) {
            try SSHSignature(publicKey: otherApplication.publicKey, namespace: "signoff", hashAlgorithm: .sha512,
                             signature: touched.signature).verify(message: Self.statement)
        }
    }

    @Test func malformedBlobsAreRefused() throws {
        let lab = try OpenSSHLab()
        let (file, _) = try lab.makeKey("ed25519", name: "id")
        let good = try SSHSignature(armored: try lab.keygenSign(Self.statement, key: file))
        let cases: [(String, String)] = [
            ("not a signature", "not an armored SSH signature"),
            ("-----BEGIN SSH SIGNATURE-----\n!!!!\n-----END SSH SIGNATURE-----\n", "base64 is not valid"),
            (armor(Array("SSHSIG".utf8) + [0, 0, 0, 2]), "version 2"),
            (armor(Array("SSHSIX".utf8) + [0, 0, 0, 1]), "does not start with SSHSIG"),
            (armor(good.blob + [0]), "bytes after its last field"),
            (armor(Array(good.blob.dropLast(3))), "ends in the middle of a field"),
            (armor(blob(good, hash: "sha384")), "hash algorithm \"sha384\" is not sha256 or sha512"),
            (armor(blob(good, namespace: [0x73, 0x00])), "not UTF-8 text"),
            (armor(blob(good, hash: "sha5\u{0}12")), "not UTF-8 text"),
            (armor(blob(good, key: good.publicKey.blob.map { $0 == UInt8(ascii: "2") ? UInt8(ascii: "3") : $0 })), "signature's key"),
        ]
        for (text, says) in cases {
            do {
                _ = try SSHSignature(armored: text)
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.description.contains(says), "\(error)")
            }
        }
        // CRLF line ends, as a file edited elsewhere may have, still read.
        #expect(try SSHSignature(armored: good.armored.replacingOccurrences(of: "\n", with: "\r\n")) == good)
        // Rebuilt field by field, the blob reads back as it was; its key is the listed one, or parsed.
        #expect(try SSHSignature(armored: armor(blob(good))) == good)
        #expect(try SSHSignature(armored: good.armored, known: [good.publicKey]) == good)
        #expect(try SSHSignature(blob: blob(good, hash: "sha256")).hashAlgorithm == .sha256)
    }

    /// An SSHSIG blob like `signature`'s, with one field replaced.
    private func blob(_ signature: SSHSignature, key: [UInt8]? = nil, namespace: [UInt8]? = nil, hash: String? = nil) -> [UInt8] {
        var writer = SSHWireWriter()
        writer.raw(Array("SSHSIG".utf8))
        writer.uint32(1)
        writer.string(key ?? signature.publicKey.blob)
        writer.string(namespace ?? Array(signature.namespace.utf8))
        writer.string([UInt8]())
        writer.string(hash ?? signature.hashAlgorithm.rawValue)
        writer.string(signature.signature)
        return writer.bytes
    }

    private func armor(_ blob: [UInt8]) -> String {
        "-----BEGIN SSH SIGNATURE-----\n" + Data(blob).base64EncodedString() + "\n-----END SSH SIGNATURE-----\n"
    }
}
