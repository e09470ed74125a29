import Crypto
import Foundation
import SignoffCore

/// A FIDO2 key built by hand from the format (OpenSSH's PROTOCOL.u2f), with
/// a private key held here: no device can be touched on a test machine, so
/// the signatures an `sk-` key would make are assembled from their parts.
/// `ssh-keygen -Y verify` checks them too, so the format is OpenSSH's own.
struct HandMadeSecurityKey {
    enum Curve { case ed25519, p256 }

    let curve: Curve
    var application: String
    private let ed25519 = Curve25519.Signing.PrivateKey()
    private let p256 = P256.Signing.PrivateKey()

    init(_ curve: Curve, application: String = "ssh:") {
        self.curve = curve
        self.application = application
    }

    var type: String {
        switch curve {
        case .ed25519: SSHPublicKey.Algorithm.securityKeyEd25519.rawValue
        case .p256: SSHPublicKey.Algorithm.securityKeyECDSAP256.rawValue
        }
    }

    var publicKey: SSHPublicKey {
        var writer = SSHWireWriter()
        writer.string(type)
        switch curve {
        case .ed25519:
            writer.string(Array(ed25519.publicKey.rawRepresentation))
        case .p256:
            writer.string("nistp256")
            writer.string(Array(p256.publicKey.x963Representation))
        }
        writer.string(application)
        return try! SSHPublicKey(blob: writer.bytes, comment: "hand-made")
    }

    /// The SSHSIG a device with these flags and this counter would return for `message`.
    func sign(_ message: [UInt8], flags: UInt8 = 0x01, counter: UInt32 = 7,
              namespace: String = "signoff") -> SSHSignature {
        let data = SSHSignature.signedData(message: message, namespace: namespace)
        let signed = SSHPublicKey.securityKeySignedBytes(application: application, flags: flags, counter: counter,
                                                         data: data)
        var signature = SSHWireWriter()
        signature.string(type)
        switch curve {
        case .ed25519:
            signature.string(Array(try! ed25519.signature(for: signed)))
        case .p256:
            let raw = Array(try! p256.signature(for: signed).rawRepresentation)
            var integers = SSHWireWriter()
            integers.positiveInteger(Array(raw[0..<32]))
            integers.positiveInteger(Array(raw[32..<64]))
            signature.string(integers.bytes)
        }
        signature.byte(flags)
        signature.uint32(counter)
        return SSHSignature(publicKey: publicKey, namespace: namespace, hashAlgorithm: .sha512,
                            signature: signature.bytes)
    }
}
