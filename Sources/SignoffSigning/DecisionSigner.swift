import Foundation
import SignoffCore

/// Signs a decision's statement with one of the keys the policy lists for the
/// person: through their `ssh-agent`, or with the key file their signing
/// configuration names. Every signature is verified here before it is handed
/// back, so an agent that answers with the wrong key, or a security key that
/// was not touched, is caught before the store sees anything.
public struct DecisionSigner: Sendable {
    public var agent: SSHAgentClient?
    public var configuration: SigningConfiguration
    /// Whether a key file's passphrase may be asked for on this process's
    /// terminal (not while a full-screen console owns it).
    public var mayPrompt = true

    /// Told which security key waits for a touch, just before the wait.
    public typealias TouchPrompt = @Sendable (SSHPublicKey) -> Void

    public init(agent: SSHAgentClient?, configuration: SigningConfiguration) {
        self.agent = agent
        self.configuration = configuration
    }

    /// The person's agent (`SSH_AUTH_SOCK`) and signing configuration.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(SigningError) -> DecisionSigner {
        do {
            return DecisionSigner(agent: SSHAgentClient.fromEnvironment(environment),
                                  configuration: try SigningConfiguration.load(environment: environment))
        } catch {
            throw .configuration(error)
        }
    }

    /// Signs `statement` with one of `allowed`, the keys the person may sign
    /// with (in the policy's order, the first preferred).
    public func sign(_ statement: [UInt8], allowed: [SSHPublicKey], touch: TouchPrompt? = nil)
        throws(SigningError) -> SSHSignature {
        guard !allowed.isEmpty else { throw .noAllowedKey }
        let signature: SSHSignature
        if let keyFile = configuration.keyFile {
            signature = try signWithKeyFile(statement, keyFile: keyFile, allowed: allowed, touch: touch)
        } else {
            guard let agent else { throw .noSigner(allowed) }
            signature = try signWithHeldKey(agent, statement, allowed: allowed, touch: touch)
        }
        do {
            _ = try signature.verify(message: statement)
        } catch {
            throw .badSignature(error)
        }
        guard allowed.contains(signature.publicKey) else { throw .keyNotAllowed(signature.publicKey, allowed) }
        return signature
    }

    /// One connection to the agent when it holds the first listed software
    /// key (it signs, or refuses a key it does not hold); a security key is
    /// looked for first, so "touch your security key" is said only for one
    /// the agent holds.
    private func signWithHeldKey(_ agent: SSHAgentClient, _ statement: [UInt8], allowed: [SSHPublicKey],
                                 touch: TouchPrompt?) throws(SigningError) -> SSHSignature {
        var tried: SSHPublicKey?
        if let first = allowed.first, !first.algorithm.isSecurityKey {
            do {
                return try agent.signature(of: statement, with: first)
            } catch .refused {
                tried = first
            } catch {
                throw .agent(error)
            }
        }
        let held: [SSHAgentClient.Identity]
        do { held = try agent.identities() } catch { throw .agent(error) }
        // A key the agent holds and still refused (locked, or not confirmed) is not asked again.
        if let tried, held.contains(where: { $0.key == tried }) { throw .agent(.refused) }
        guard let key = allowed.first(where: { key in key != tried && held.contains { $0.key == key } }) else {
            throw .agentLacksKey(allowed, held: held.map(\.key))
        }
        return try signWithAgent(agent, statement, key: key, touch: touch)
    }

    private func signWithAgent(_ agent: SSHAgentClient, _ statement: [UInt8], key: SSHPublicKey,
                               touch: TouchPrompt?) throws(SigningError) -> SSHSignature {
        if key.algorithm.isSecurityKey { touch?(key) }
        do {
            return try agent.signature(of: statement, with: key,
                                       timeout: key.algorithm.isSecurityKey ? configuration.timeout : nil)
        } catch {
            throw .agent(error)
        }
    }

    private func signWithKeyFile(_ statement: [UInt8], keyFile: String, allowed: [SSHPublicKey],
                                 touch: TouchPrompt?) throws(SigningError) -> SSHSignature {
        let file = KeyFileSigner(keyFile: keyFile, timeout: configuration.timeout, mayPrompt: mayPrompt)
        let publicKey = try file.publicKey()
        if let publicKey {
            guard allowed.contains(publicKey) else { throw .keyNotAllowed(publicKey, allowed) }
            // The agent may hold it already: no passphrase to type then.
            if let agent, let held = try? agent.identities(), held.contains(where: { $0.key == publicKey }) {
                return try signWithAgent(agent, statement, key: publicKey, touch: touch)
            }
            // ssh-keygen finds the private half of KEY.pub in KEY.
            let privateHalfThere = file.holdsPrivateKey
                || (keyFile.hasSuffix(".pub") && FileManager.default.fileExists(atPath: String(keyFile.dropLast(4))))
            guard privateHalfThere else {
                throw .keyFile(keyFile, "it is a public key, and no ssh-agent holds its private half; run ssh-add, or name the private key file")
            }
            if publicKey.algorithm.isSecurityKey { touch?(publicKey) }
        }
        return try file.signature(of: statement)
    }
}

/// Why a decision could not be signed. Every case says what to do about it.
public enum SigningError: Error, Sendable, CustomStringConvertible {
    /// The policy lists no key (of the kind it requires) for the person.
    case noAllowedKey
    /// Neither an agent nor a key file to sign with.
    case noSigner([SSHPublicKey])
    case agentLacksKey([SSHPublicKey], held: [SSHPublicKey])
    case keyNotAllowed(SSHPublicKey, [SSHPublicKey])
    case agent(AgentError)
    case keyFile(String, String)
    case timedOut(String)
    case badSignature(SignatureError)
    case configuration(SourceError)

    public var description: String {
        func list(_ keys: [SSHPublicKey]) -> String { keys.map(\.description).joined(separator: ", ") }
        switch self {
        case .noAllowedKey:
            return "the policy lists no key you may sign with"
        case let .noSigner(allowed):
            return "nothing to sign with: SSH_AUTH_SOCK is not set (no ssh-agent) and no signing key is configured; start an agent and ssh-add one of your keys (\(list(allowed))), or name the key file in SIGNOFF_SIGNING_KEY"
        case let .agentLacksKey(allowed, held):
            return "your ssh-agent holds none of the keys the policy lists for you (\(list(allowed)))" +
                (held.isEmpty ? "; it holds no keys at all" : "; it holds \(list(held))") + "; ssh-add the right key"
        case let .keyNotAllowed(key, allowed):
            return "the key \(key) is not one the policy lists for you (\(list(allowed)))"
        case let .agent(problem):
            return problem.description
        case let .keyFile(path, problem):
            return "cannot sign with \(DisplaySafe.text(path)): \(problem)"
        case let .timedOut(what):
            return "\(what) did not finish in time (a touch or a passphrase was not given)"
        case let .badSignature(problem):
            return "the signature made is not valid: \(problem)"
        case let .configuration(problem):
            return "your signing configuration is invalid: \(problem)"
        }
    }
}
