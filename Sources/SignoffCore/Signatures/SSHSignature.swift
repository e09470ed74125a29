import Crypto
import Foundation

/// An OpenSSH signature (SSHSIG): what `ssh-keygen -Y sign` writes and
/// `ssh-keygen -Y verify` checks.
///
/// The blob is `"SSHSIG"`, version 1, the public key, the namespace, a
/// reserved string, the hash algorithm and the key's signature. The key signs
/// not the message but `"SSHSIG"`, namespace, reserved, hash algorithm and
/// H(message), so a signature made for one namespace (here `signoff`) can
/// never be passed off as one for another, nor as an SSH login.
public struct SSHSignature: Sendable, Hashable {
    public enum HashAlgorithm: String, Sendable, Hashable {
        case sha256, sha512

        func digest(_ message: some DataProtocol) -> [UInt8] {
            switch self {
            case .sha256: Array(SHA256.hash(data: message))
            case .sha512: Array(SHA512.hash(data: message))
            }
        }
    }

    /// The namespace of every signoff signature.
    public static let signoffNamespace = "signoff"
    static let magic = Array("SSHSIG".utf8)
    static let version: UInt32 = 1
    static let armorBegin = "-----BEGIN SSH SIGNATURE-----"
    static let armorEnd = "-----END SSH SIGNATURE-----"

    public let publicKey: SSHPublicKey
    public let namespace: String
    public let hashAlgorithm: HashAlgorithm
    /// The key's own signature, in SSH encoding (`string` algorithm, `string`
    /// signature, and for `sk-` keys the flags byte and counter).
    public let signature: [UInt8]
    /// The whole SSHSIG blob.
    public let blob: [UInt8]

    /// Puts a key's signature (e.g. an agent's answer) into an SSHSIG blob.
    public init(publicKey: SSHPublicKey, namespace: String, hashAlgorithm: HashAlgorithm, signature: [UInt8]) {
        var writer = SSHWireWriter()
        writer.raw(Self.magic)
        writer.uint32(Self.version)
        writer.string(publicKey.blob)
        writer.string(namespace)
        writer.string([UInt8]())
        writer.string(hashAlgorithm.rawValue)
        writer.string(signature)
        self.publicKey = publicKey
        self.namespace = namespace
        self.hashAlgorithm = hashAlgorithm
        self.signature = signature
        self.blob = writer.bytes
    }

    /// Reads an SSHSIG blob. Checks its shape only; `verify` checks the signature.
    public init(blob: [UInt8]) throws(SignatureError) {
        try self.init(blob: blob, known: [])
    }

    /// Reads an SSHSIG blob whose key is likely one of `known` (the keys the
    /// policy lists for whoever signed): a key blob equal to one of theirs
    /// takes that parsed key rather than being parsed again.
    public init(blob: [UInt8], known: [SSHPublicKey]) throws(SignatureError) {
        guard blob.starts(with: Self.magic) else { throw .malformed("it does not start with SSHSIG") }
        // Read in place: only the key's signature is copied out of the blob.
        var reader = SSHWireReader(blob)
        let keyBlob: Range<Int>, hashName: Range<Int>
        _ = try? reader.skip(Self.magic.count)  // there, as checked above
        guard let version = try? reader.uint32() else { throw .malformed("\(SSHWireError.truncated)") }
        guard version == Self.version else { throw .malformed("it is SSHSIG version \(version); only version 1 exists") }
        do throws(SSHWireError) {
            keyBlob = try reader.stringRange()
            namespace = try Self.text(blob[try reader.stringRange()], known: Self.signoffNamespace)
            _ = try reader.stringRange() // reserved: ignored, as the format says
            hashName = try reader.stringRange()
            _ = try Self.text(blob[hashName], known: HashAlgorithm.sha512.rawValue)
            signature = try reader.string()
            try reader.expectEnd()
        } catch {
            throw .malformed("\(error)")
        }
        if let key = known.first(where: { Self.same(blob[keyBlob], $0.blob) }) {
            publicKey = key
        } else {
            do {
                publicKey = try SSHPublicKey(blob: Array(blob[keyBlob]))
            } catch {
                throw .unsupportedKey(error)
            }
        }
        let name = blob[hashName]
        if Self.same(name, Self.sha512Name) {
            hashAlgorithm = .sha512
        } else if Self.same(name, Self.sha256Name) {
            hashAlgorithm = .sha256
        } else {
            let text = String(decoding: name, as: UTF8.self)  // text: checked above
            throw .malformed("its hash algorithm \"\(DisplaySafe.text(String(text.prefix(40))))\" is not sha256 or sha512")
        }
        self.blob = blob
    }

    static let sha512Name = Array(HashAlgorithm.sha512.rawValue.utf8)
    static let sha256Name = Array(HashAlgorithm.sha256.rawValue.utf8)

    /// Whether `part` of a blob holds exactly `bytes`.
    static func same(_ part: ArraySlice<UInt8>, _ bytes: [UInt8]) -> Bool {
        guard part.count == bytes.count else { return false }
        if bytes.isEmpty { return true }
        return part.withUnsafeBufferPointer { a in
            bytes.withUnsafeBufferPointer { b in memcmp(a.baseAddress!, b.baseAddress!, b.count) == 0 }
        }
    }

    /// A name in the blob as `SSHWireReader.text` reads it (UTF-8 without
    /// NUL); `known` itself when the bytes are its, without building a string.
    private static func text(_ raw: ArraySlice<UInt8>, known: String) throws(SSHWireError) -> String {
        if raw.elementsEqual(known.utf8) { return known }
        guard !raw.contains(0), let text = String(validating: raw, as: UTF8.self) else { throw .notText }
        return text
    }

    /// Reads the armored form (`-----BEGIN SSH SIGNATURE-----`, base64, `-----END SSH SIGNATURE-----`).
    /// Works on the UTF-8 bytes: `audit verify` reads one per signed event.
    public init(armored text: String) throws(SignatureError) {
        try self.init(armored: text, known: [])
    }

    /// Reads the armored form; a key equal to one of `known` is not parsed again.
    public init(armored text: String, known: [SSHPublicKey]) throws(SignatureError) {
        // As ssh-keygen writes it (no carriage return): read in place, once.
        var text = text
        switch text.withUTF8({ Self.unarmor($0) }) {
        case let .blob(blob):
            try self.init(blob: blob, known: known)
            return
        case .notArmored:
            throw SignatureError.malformed("it is not an armored SSH signature (\(Self.armorBegin) … \(Self.armorEnd))")
        case .badBase64:
            throw SignatureError.malformed("its base64 is not valid")
        case .carriageReturn:
            break
        }
        let newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r")
        var body: [UInt8] = []
        body.reserveCapacity(text.utf8.count)
        var pendingReturn = false
        for byte in text.utf8 {
            // CRLF line ends read as LF; a carriage return anywhere else stays (and is not base64).
            if pendingReturn, byte != newline { body.append(carriageReturn) }
            pendingReturn = byte == carriageReturn
            if !pendingReturn { body.append(byte) }
        }
        if pendingReturn { body.append(carriageReturn) }
        while body.last == newline { body.removeLast() }
        let begin = Array((Self.armorBegin + "\n").utf8), end = Array(("\n" + Self.armorEnd).utf8)
        guard body.count >= begin.count + end.count, body.starts(with: begin), body.suffix(end.count).elementsEqual(end) else {
            throw SignatureError.malformed("it is not an armored SSH signature (\(Self.armorBegin) … \(Self.armorEnd))")
        }
        let base64 = body[begin.count..<(body.count - end.count)].filter { $0 != newline }
        guard let data = Data(base64Encoded: Data(base64)) else {
            throw SignatureError.malformed("its base64 is not valid")
        }
        try self.init(blob: Array(data), known: known)
    }

    enum Unarmored {
        case blob([UInt8])
        case notArmored
        case badBase64
        /// Holds a carriage return: read by the general path (CRLF line ends).
        case carriageReturn
    }

    static let armorBeginLine = Array((armorBegin + "\n").utf8)
    static let armorEndLine = Array(("\n" + armorEnd).utf8)
    /// Each byte's base64 value; 0xFF for bytes that are not base64.
    static let base64Values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, byte) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(byte)] = UInt8(value)
        }
        return table
    }()

    /// The armor's blob, decoded straight from the text's bytes: line feeds
    /// skipped, standard base64 with its padding only at the end. Text that
    /// holds a carriage return anywhere is left to the general path.
    static func unarmor(_ text: UnsafeBufferPointer<UInt8>) -> Unarmored {
        let found = decodeArmor(text)
        if case .blob = found { return found }
        return text.contains(UInt8(ascii: "\r")) ? .carriageReturn : found
    }

    private static func decodeArmor(_ text: UnsafeBufferPointer<UInt8>) -> Unarmored {
        let newline = UInt8(ascii: "\n"), pad = UInt8(ascii: "=")
        var end = text.count
        while end > 0, text[end - 1] == newline { end -= 1 }
        let begin = armorBeginLine, close = armorEndLine
        guard end >= begin.count + close.count,
              text[0..<begin.count].elementsEqual(begin),
              text[(end - close.count)..<end].elementsEqual(close) else { return .notArmored }
        let body = begin.count..<(end - close.count)
        var valid = true
        // Every four characters give at most three bytes.
        let blob = [UInt8](unsafeUninitializedCapacity: body.count / 4 * 3) { out, written in
            var count = 0
            defer { written = count }
            base64Values.withUnsafeBufferPointer { values in
                var group: UInt32 = 0, filled = 0, padding = 0, ended = false
                for index in body {
                    let byte = text[index]
                    if byte == newline { continue }
                    if ended { valid = false; return }
                    let value: UInt8
                    if byte == pad {
                        padding += 1
                        value = 0
                    } else {
                        value = values[Int(byte)]
                        guard value != 0xFF, padding == 0 else { valid = false; return }
                    }
                    group = group << 6 | UInt32(value)
                    filled += 1
                    guard filled == 4 else { continue }
                    guard padding <= 2 else { valid = false; return }
                    out[count] = UInt8(truncatingIfNeeded: group >> 16)
                    count += 1
                    if padding < 2 { out[count] = UInt8(truncatingIfNeeded: group >> 8); count += 1 }
                    if padding < 1 { out[count] = UInt8(truncatingIfNeeded: group); count += 1 }
                    ended = padding > 0
                    group = 0
                    filled = 0
                }
                if filled != 0 { valid = false }
            }
        }
        guard valid, !blob.isEmpty else { return .badBase64 }
        return .blob(blob)
    }

    /// The armored form, byte for byte as `ssh-keygen -Y sign` writes it
    /// (base64 lines of 70 characters, a final line feed).
    public var armored: String {
        let base64 = Data(blob).base64EncodedString()
        var lines: [Substring] = []
        var start = base64.startIndex
        while start < base64.endIndex {
            let end = base64.index(start, offsetBy: 70, limitedBy: base64.endIndex) ?? base64.endIndex
            lines.append(base64[start..<end])
            start = end
        }
        return Self.armorBegin + "\n" + lines.joined(separator: "\n") + "\n" + Self.armorEnd + "\n"
    }

    /// What the key actually signs for `message`: SSHSIG's wrapper around its hash.
    public static func signedData(message: some DataProtocol, namespace: String = signoffNamespace,
                                  hashAlgorithm: HashAlgorithm = .sha512) -> [UInt8] {
        var writer = SSHWireWriter()
        writer.raw(magic)
        writer.string(namespace)
        writer.string([UInt8]())
        writer.string(hashAlgorithm.rawValue)
        writer.string(hashAlgorithm.digest(message))
        return writer.bytes
    }

    /// Checks that this is a valid signature of `message` in `namespace` by
    /// its own key. Which key that must be is the caller's question: compare
    /// `publicKey` with the keys the signer holds. A security-key signature
    /// without the user-presence flag fails: nobody touched the key.
    public func verify(message: some DataProtocol, namespace expected: String = signoffNamespace)
        throws(SignatureError) -> VerifiedSignature {
        guard namespace == expected else { throw .wrongNamespace(namespace) }
        let data = Self.signedData(message: message, namespace: namespace, hashAlgorithm: hashAlgorithm)
        return try publicKey.verify(signature: signature, data: data)
    }
}

extension SSHSignature {
    /// For a plain ed25519 signature in signoff's namespace: what its key
    /// signed for `message`, to check in a batch. Nil for any other, which
    /// is checked on its own.
    func ed25519BatchItem(message: [UInt8]) -> Ed25519Batch.Item? {
        guard namespace == Self.signoffNamespace, publicKey.algorithm == .ed25519,
              case let .ed25519(key) = publicKey.verifier else { return nil }
        var reader = SSHWireReader(signature)
        guard (try? reader.text()) == SSHPublicKey.Algorithm.ed25519.rawValue, let raw = try? reader.string(), raw.count == 64,
              (try? reader.expectEnd()) != nil else { return nil }
        return Ed25519Batch.Item(publicKey: Array(key.rawRepresentation), signature: raw,
                                 message: Self.signedData(message: message, hashAlgorithm: hashAlgorithm))
    }
}

/// What a valid signature proves beyond the key: for a security key, whether
/// the person touched it (and verified with a PIN or biometric) and its counter.
public struct VerifiedSignature: Sendable, Hashable {
    public var key: SSHPublicKey
    /// Nil for keys that are not security keys.
    public var securityKey: SecurityKeyAssertion?

    public struct SecurityKeyAssertion: Sendable, Hashable {
        public var flags: UInt8
        public var counter: UInt32
        /// The FIDO "user present" flag: someone touched the key.
        public var userPresent: Bool { flags & SSHPublicKey.userPresenceFlag != 0 }
        /// The FIDO "user verified" flag: with a PIN or biometric.
        public var userVerified: Bool { flags & SSHPublicKey.userVerificationFlag != 0 }
    }
}

extension SSHPublicKey {
    static let userPresenceFlag: UInt8 = 0x01
    static let userVerificationFlag: UInt8 = 0x04

    /// What a FIDO2 key signs for `data`: SHA-256 of its application, the
    /// flags, the counter, and SHA-256 of the data (OpenSSH's PROTOCOL.u2f;
    /// no extensions are defined for SSH).
    public static func securityKeySignedBytes(application: String, flags: UInt8, counter: UInt32,
                                              data: some DataProtocol) -> [UInt8] {
        var writer = SSHWireWriter()
        writer.raw(SHA256.hash(data: Data(application.utf8)))
        writer.byte(flags)
        writer.uint32(counter)
        writer.raw(SHA256.hash(data: data))
        return writer.bytes
    }

    /// Checks a signature in SSH encoding over `data` with this key.
    public func verify(signature: [UInt8], data: some DataProtocol) throws(SignatureError) -> VerifiedSignature {
        var reader = SSHWireReader(signature)
        guard let type = try? reader.text() else { throw .malformed("the key's signature has no algorithm name") }
        guard type == algorithm.rawValue else {
            throw .malformed("the signature is of type \"\(DisplaySafe.text(String(type.prefix(60))))\", but its key is \(algorithm.rawValue)")
        }
        let raw: [UInt8]
        var assertion: VerifiedSignature.SecurityKeyAssertion?
        do throws(SSHWireError) {
            raw = try reader.string()
            if algorithm.isSecurityKey {
                assertion = .init(flags: try reader.byte(), counter: try reader.uint32())
            }
            try reader.expectEnd()
        } catch {
            throw .malformed("the key's signature \(error)")
        }
        let signed: [UInt8]
        if let assertion, let application {
            signed = Self.securityKeySignedBytes(application: application, flags: assertion.flags,
                                                 counter: assertion.counter, data: data)
        } else {
            signed = Array(data)
        }
        let valid: Bool
        switch verifier {
        case let .ed25519(key):
            valid = raw.count == 64 && key.isValidSignature(raw, for: signed)
        case let .p256(key):
            var parts = SSHWireReader(raw)
            let r: [UInt8], s: [UInt8]
            do throws(SSHWireError) {
                r = try parts.positiveInteger(width: 32)
                s = try parts.positiveInteger(width: 32)
                try parts.expectEnd()
            } catch {
                throw SignatureError.malformed("the ECDSA signature \(error)")
            }
            guard let ecdsa = try? P256.Signing.ECDSASignature(rawRepresentation: r + s) else { throw .invalid }
            valid = key.isValidSignature(ecdsa, for: signed)
        }
        guard valid else { throw .invalid }
        if let assertion, !assertion.userPresent { throw .noUserPresence }
        return VerifiedSignature(key: self, securityKey: assertion)
    }
}

/// Why a signature was not accepted.
public enum SignatureError: Error, Sendable, Hashable, CustomStringConvertible {
    case malformed(String)
    case unsupportedKey(SSHKeyError)
    case wrongNamespace(String)
    /// Well-formed, but not a signature of this message by this key.
    case invalid
    /// A security key signed without the user-presence flag: nobody touched it.
    case noUserPresence

    public var description: String {
        switch self {
        case let .malformed(problem): "the signature is malformed: \(problem)"
        case let .unsupportedKey(problem): "the signature's key \(problem)"
        case let .wrongNamespace(namespace):
            "the signature was made for namespace \"\(DisplaySafe.text(String(namespace.prefix(60))))\", not \"\(SSHSignature.signoffNamespace)\""
        case .invalid: "the signature does not match the signed statement and the key"
        case .noUserPresence: "the security key signed without a touch (its user-presence flag is not set)"
        }
    }
}
