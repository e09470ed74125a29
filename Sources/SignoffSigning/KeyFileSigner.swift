import Foundation
import SignoffCore

/// Signs with a private key file by running OpenSSH's own `ssh-keygen -Y sign`.
///
/// Why not read the key here: OpenSSH private keys are usually encrypted
/// (bcrypt-pbkdf and AES), may live on a FIDO2 device (`sk-` files hold only a
/// handle), and their passphrase prompt belongs on the terminal, not in a
/// program that records evidence. `ssh-keygen` already does all of it, and
/// the signature it writes is checked here before anything uses it.
public struct KeyFileSigner: Sendable {
    public var keyFile: String
    /// Long enough to type a passphrase or touch a key.
    public var timeout: Duration
    /// Whether `ssh-keygen` may ask for a passphrase on this process's terminal.
    public var mayPrompt: Bool

    public init(keyFile: String, timeout: Duration = .seconds(120), mayPrompt: Bool = true) {
        self.keyFile = keyFile
        self.timeout = timeout
        self.mayPrompt = mayPrompt
    }

    /// The public half, when a `.pub` file lies next to the key (or the file
    /// is itself a public key); nil when only the private key is there.
    public func publicKey() throws(SigningError) -> SSHPublicKey? {
        for path in [keyFile + ".pub", keyFile] {
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if text.hasPrefix("-----BEGIN") { continue }
            do {
                return try SSHPublicKey(line: text)
            } catch {
                throw .keyFile(keyFile, "\(path) \(error)")
            }
        }
        guard FileManager.default.fileExists(atPath: keyFile) else { throw .keyFile(keyFile, "there is no such file") }
        return nil
    }

    /// Whether the file holds a private key (rather than only a public one).
    public var holdsPrivateKey: Bool {
        guard let data = FileManager.default.contents(atPath: keyFile) else { return false }
        return data.starts(with: Data("-----BEGIN".utf8))
    }

    /// `ssh-keygen -Y sign -f KEY -n NAMESPACE` over `message`; the signature unchecked.
    public func signature(of message: [UInt8], namespace: String = SSHSignature.signoffNamespace)
        throws(SigningError) -> SSHSignature {
        guard let keygen = OpenSSHTool.locate("ssh-keygen") else {
            throw .keyFile(keyFile, "ssh-keygen is not installed (install openssh-client)")
        }
        let directory: URL
        do {
            directory = try ChildProcess.privateDirectory()
        } catch {
            throw .keyFile(keyFile, "cannot create a temporary directory: \(error)")
        }
        defer { try? FileManager.default.removeItem(at: directory) }
        let statement = directory.appendingPathComponent("statement")
        guard FileManager.default.createFile(atPath: statement.path, contents: Data(message),
                                             attributes: [.posixPermissions: 0o600]) else {
            throw .keyFile(keyFile, "cannot write the statement to sign into \(directory.path)")
        }
        let result = ChildProcess.run(keygen, ["-Y", "sign", "-f", keyFile, "-n", namespace, statement.path],
                                      input: mayPrompt ? .terminal : .none, timeout: timeout)
        if result.timedOut { throw .timedOut("ssh-keygen -Y sign") }
        guard result.status == 0,
              let armored = FileManager.default.contents(atPath: statement.path + ".sig") else {
            throw .keyFile(keyFile, "ssh-keygen -Y sign failed\(result.errorText.isEmpty ? "" : ": " + result.errorText)")
        }
        do {
            return try SSHSignature(armored: String(decoding: armored, as: UTF8.self))
        } catch {
            throw .badSignature(error)
        }
    }
}

/// Finding OpenSSH's command-line tools.
public enum OpenSSHTool {
    /// The tool's path on `PATH`, then in the usual places.
    public static func locate(_ name: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        -> String? {
        let path = environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/bin", "/bin", "/usr/local/bin"]
        for directory in directories where !directory.isEmpty {
            let candidate = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
