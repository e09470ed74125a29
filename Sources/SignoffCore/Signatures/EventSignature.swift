/// A person's signature on one event: the armored SSHSIG (namespace
/// `signoff`) and the exact statement it signs. Both are part of the event
/// as stored and chained, so `ssh-keygen -Y verify` can check the statement
/// from the export, and `audit verify` can check that the statement says what
/// the event records.
public struct EventSignature: Sendable, Hashable {
    /// `-----BEGIN SSH SIGNATURE-----` … `-----END SSH SIGNATURE-----`.
    public var armored: String
    /// The `DecisionStatement` text the signature covers.
    public var statement: String

    public init(armored: String, statement: String) {
        self.armored = armored
        self.statement = statement
    }
}

extension EventSignature {
    /// The key that made it, as the signature says (nil when it cannot be read).
    public var key: SSHPublicKey? { try? SSHSignature(armored: armored).publicKey }

    /// Whether it is a valid signature of its own statement by its own key:
    /// the mathematics alone. That the key was the person's and the statement
    /// the event's is `audit verify`'s to check, against the chain.
    public var holds: Bool {
        guard let signature = try? SSHSignature(armored: armored) else { return false }
        return (try? signature.verify(message: Array(statement.utf8))) != nil
    }
}
