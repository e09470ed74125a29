import Crypto
import Foundation

/// An SSH public key a person may sign decisions with, as OpenSSH writes it in
/// `authorized_keys` and `allowed_signers`: `TYPE BASE64 [COMMENT]`.
///
/// Only key types whose signatures swift-crypto verifies are accepted:
/// Ed25519 and ECDSA P-256, plain or held on a FIDO2 security key (`sk-`),
/// whose signatures also carry the key's user-presence flag and counter.
public struct SSHPublicKey: Sendable, Hashable, CustomStringConvertible {
    public enum Algorithm: String, Sendable, Hashable, CaseIterable {
        case ed25519 = "ssh-ed25519"
        case ecdsaP256 = "ecdsa-sha2-nistp256"
        case securityKeyEd25519 = "sk-ssh-ed25519@openssh.com"
        case securityKeyECDSAP256 = "sk-ecdsa-sha2-nistp256@openssh.com"

        /// Held on a FIDO2 device: every signature proves a touch (or says it does not).
        public var isSecurityKey: Bool {
            switch self {
            case .ed25519, .ecdsaP256: false
            case .securityKeyEd25519, .securityKeyECDSAP256: true
            }
        }

        /// What `ssh-keygen -t` calls it, for messages.
        public var keygenName: String {
            switch self {
            case .ed25519: "ed25519"
            case .ecdsaP256: "ecdsa (P-256)"
            case .securityKeyEd25519: "ed25519-sk"
            case .securityKeyECDSAP256: "ecdsa-sk"
            }
        }

        public static let supportedList = allCases.map(\.rawValue).joined(separator: ", ")
    }

    /// The verifying half, parsed once. Unchecked: swift-crypto's public keys
    /// are immutable once made, and verifying only reads them.
    enum Verifier: @unchecked Sendable {
        case ed25519(Curve25519.Signing.PublicKey)
        case p256(P256.Signing.PublicKey)
    }

    public let algorithm: Algorithm
    /// The key's SSH wire encoding: what fingerprints hash and SSHSIG carries.
    public let blob: [UInt8]
    /// For `sk-` keys, the FIDO application the key was made for (usually `ssh:`).
    public let application: String?
    /// The free text after the key on its line; not part of the key.
    public let comment: String
    let verifier: Verifier

    /// Parses a key from its SSH wire encoding (as in an SSHSIG blob or an agent's list).
    public init(blob: [UInt8], comment: String = "") throws(SSHKeyError) {
        var reader = SSHWireReader(blob)
        let type: String, curve: String?, point: [UInt8]
        var application: String?
        do {
            type = try reader.text()
        } catch {
            throw .badKey("the key's bytes are malformed: \(error)")
        }
        guard let algorithm = Algorithm(rawValue: type) else { throw .unsupportedType(type) }
        do throws(SSHWireError) {
            switch algorithm {
            case .ed25519, .securityKeyEd25519: curve = nil
            case .ecdsaP256, .securityKeyECDSAP256: curve = try reader.text()
            }
            point = try reader.string()
            if algorithm.isSecurityKey { application = try reader.text() }
            try reader.expectEnd()
        } catch {
            throw .badKey("the key's bytes are malformed: \(error)")
        }
        switch algorithm {
        case .ed25519, .securityKeyEd25519:
            guard point.count == 32, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: point) else {
                throw .badKey("an Ed25519 public key is 32 bytes; this one has \(point.count)")
            }
            verifier = .ed25519(key)
        case .ecdsaP256, .securityKeyECDSAP256:
            guard curve == "nistp256" else {
                throw .badKey("the curve is \"\(DisplaySafe.text(String((curve ?? "").prefix(40))))\", not nistp256")
            }
            guard point.count == 65, point.first == 0x04,
                  let key = try? P256.Signing.PublicKey(x963Representation: point) else {
                throw .badKey("the P-256 point is not an uncompressed point on the curve")
            }
            verifier = .p256(key)
        }
        self.algorithm = algorithm
        self.application = application
        self.blob = blob
        self.comment = comment
    }

    /// Why no signature with this key proves anything, or nil. An ed25519
    /// key that is not a point of the curve verifies nothing; one of small
    /// order (a multiple of 8 gives the identity) verifies signatures anyone
    /// can make, as [h]A vanishes. `ssh-keygen` never makes either; someone
    /// who wants a signature to mean nothing might.
    public var weakness: String? {
        guard case let .ed25519(key) = verifier else { return nil }
        let point = Array(key.rawRepresentation).withUnsafeBytes { ExtendedPoint.decompress($0, strict: false) }
        guard let point else { return "is not a point of the curve: no signature verifies with it" }
        return point.hasSmallOrder ? "has small order: anyone can make signatures it verifies" : nil
    }

    /// Parses `TYPE BASE64 [COMMENT]`, the form `ssh-keygen` writes to `.pub` files.
    public init(line: String) throws(SSHKeyError) {
        let fields = line.trimmingCharacters(in: .whitespacesAndNewlines)
            .split(omittingEmptySubsequences: true, whereSeparator: { $0 == " " || $0 == "\t" })
        guard let first = fields.first else { throw SSHKeyError.empty }
        let type = String(first)
        guard let algorithm = Algorithm(rawValue: type) else {
            if fields.count > 1, Algorithm(rawValue: String(fields[1])) != nil {
                throw SSHKeyError.leadingField(type)
            }
            throw SSHKeyError.unsupportedType(type)
        }
        guard fields.count >= 2 else { throw SSHKeyError.missingBase64 }
        guard let data = Data(base64Encoded: String(fields[1])) else { throw SSHKeyError.badBase64 }
        let comment = fields.dropFirst(2).joined(separator: " ")
        try self.init(blob: Array(data), comment: comment)
        guard self.algorithm == algorithm else {
            throw SSHKeyError.typeMismatch(line: algorithm.rawValue, blob: self.algorithm.rawValue)
        }
    }

    /// `SHA256:` and the unpadded base64 of the blob's SHA-256, as `ssh-keygen -l` prints it.
    public var fingerprint: String {
        "SHA256:" + Data(SHA256.hash(data: blob)).base64EncodedString().replacingOccurrences(of: "=", with: "")
    }

    /// `TYPE BASE64`, without the comment: the key as `allowed_signers` and `authorized_keys` take it.
    public var openSSHText: String { algorithm.rawValue + " " + Data(blob).base64EncodedString() }

    public var description: String { "\(algorithm.rawValue) \(fingerprint)" }

    public static func == (lhs: SSHPublicKey, rhs: SSHPublicKey) -> Bool { lhs.blob == rhs.blob }
    public func hash(into hasher: inout Hasher) { hasher.combine(blob) }
}

/// Why a public key line or blob was refused, in words that say what to do.
public enum SSHKeyError: Error, Sendable, Hashable, CustomStringConvertible {
    case empty
    case unsupportedType(String)
    /// The line starts with something before the key type (a principal or options).
    case leadingField(String)
    case missingBase64
    case badBase64
    case typeMismatch(line: String, blob: String)
    case badKey(String)

    public var description: String {
        switch self {
        case .empty:
            "is empty; paste the public key as `ssh-keygen` writes it to the .pub file: TYPE BASE64 [COMMENT]"
        case let .unsupportedType(type):
            "\"\(DisplaySafe.text(String(type.prefix(60))))\" is not a key type signoff accepts; use one of \(SSHPublicKey.Algorithm.supportedList) (RSA and other curves are not accepted)"
        case let .leadingField(field):
            "starts with \"\(DisplaySafe.text(String(field.prefix(60))))\" before the key type; write only the key, TYPE BASE64 [COMMENT] (the person is the one it is listed under)"
        case .missingBase64:
            "has a key type but no key after it; paste the whole line of the .pub file"
        case .badBase64:
            "the key is not valid base64; paste the whole line of the .pub file unchanged"
        case let .typeMismatch(line, blob):
            "the line says \(line) but the key inside is \(blob)"
        case let .badKey(problem):
            "is not a valid public key: \(problem)"
        }
    }
}
