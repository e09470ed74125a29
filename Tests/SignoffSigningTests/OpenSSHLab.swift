import Foundation
import SignoffCore
import SignoffSigning
import Testing

/// Real OpenSSH for one test: a private directory, keys made there with
/// `ssh-keygen`, and an `ssh-agent` of its own, stopped when the lab goes.
final class OpenSSHLab {
    let directory: URL
    private var agentProcess: pid_t?
    private(set) var agentSocket: String?

    init() throws {
        // Short: a Unix socket path must fit in 108 bytes.
        directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("so-ssh-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o700])
    }

    deinit {
        if let agentProcess { ChildProcess.stop(agentProcess) }
        try? FileManager.default.removeItem(at: directory)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static func tool(_ name: String) throws -> String {
        try #require(OpenSSHTool.locate(name), "\(name) is not installed; scripts/setup installs openssh-client")
    }

    var environment: [String: String] {
        var variables = ProcessInfo.processInfo.environment
        variables.removeValue(forKey: "SSH_AUTH_SOCK")
        if let agentSocket { variables["SSH_AUTH_SOCK"] = agentSocket }
        return variables
    }

    @discardableResult
    func run(_ tool: String, _ arguments: [String], input: Data? = nil, environment extra: [String: String] = [:],
             expectSuccess: Bool = true) throws -> ChildProcess.Result {
        var variables = environment
        for (name, value) in extra { variables[name] = value }
        let result = ChildProcess.run(try Self.tool(tool), arguments, environment: variables,
                                      input: input.map { .bytes($0) } ?? .none, timeout: .seconds(60))
        if expectSuccess, !result.succeeded {
            let command = ([tool] + arguments).joined(separator: " ")
            Issue.record(Comment(rawValue: "\(command) failed (\(result.status)): \(result.error)"))
        }
        return result
    }

    /// A new key pair made by `ssh-keygen -t TYPE`; returns the private key's path and the public key.
    func makeKey(_ type: String, name: String, passphrase: String = "") throws -> (path: String, key: SSHPublicKey) {
        let file = path(name)
        var arguments = ["-q", "-t", type, "-N", passphrase, "-C", "\(name)@lab", "-f", file]
        if type == "ecdsa" { arguments += ["-b", "256"] }
        try run("ssh-keygen", arguments)
        let line = try String(contentsOfFile: file + ".pub", encoding: .utf8)
        return (file, try SSHPublicKey(line: line.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    /// Starts this lab's own `ssh-agent` in the foreground, and waits for its socket.
    func startAgent() throws -> SSHAgentClient {
        let socket = path("agent.sock")
        let pid = try ChildProcess.start(try Self.tool("ssh-agent"), ["-D", "-a", socket], environment: environment,
                                         stdin: "/dev/null", stdout: "/dev/null", stderr: "/dev/null")
        agentProcess = pid
        agentSocket = socket
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: socket) {
            guard Date() < deadline, kill(pid, 0) == 0 else { throw LabError("ssh-agent did not start") }
            usleep(10_000)
        }
        return SSHAgentClient(socketPath: socket)
    }

    /// `ssh-add FILE`, answering a passphrase prompt through `SSH_ASKPASS`.
    func addToAgent(_ file: String, passphrase: String? = nil) throws {
        var environment: [String: String] = [:]
        if let passphrase {
            let askpass = path("askpass-\(UUID().uuidString.prefix(6))")
            try "#!/bin/sh\nprintf '%s\\n' '\(passphrase)'\n".write(toFile: askpass, atomically: true, encoding: .utf8)
            chmod(askpass, 0o700)
            environment = ["SSH_ASKPASS": askpass, "SSH_ASKPASS_REQUIRE": "force", "DISPLAY": ":0"]
        }
        try run("ssh-add", ["-q", file], environment: environment)
    }

    /// `ssh-keygen -Y verify` of `signature` over `message` by `principal`, who holds `key`.
    func keygenVerify(_ message: [UInt8], signature: String, principal: String, key: SSHPublicKey,
                      namespace: String = "signoff") throws -> ChildProcess.Result {
        let signers = path("allowed_signers-\(UUID().uuidString.prefix(6))")
        try "\(principal) \(key.openSSHText)\n".write(toFile: signers, atomically: true, encoding: .utf8)
        let signatureFile = path("sig-\(UUID().uuidString.prefix(6))")
        try signature.write(toFile: signatureFile, atomically: true, encoding: .utf8)
        return try run("ssh-keygen", ["-Y", "verify", "-f", signers, "-I", principal, "-n", namespace,
                                      "-s", signatureFile], input: Data(message), expectSuccess: false)
    }

    /// `ssh-keygen -Y sign -f KEY -n NAMESPACE` over `message`: the armored signature.
    func keygenSign(_ message: [UInt8], key file: String, namespace: String = "signoff",
                    options: [String] = []) throws -> String {
        let messageFile = path("message-\(UUID().uuidString.prefix(6))")
        try Data(message).write(to: URL(fileURLWithPath: messageFile))
        try run("ssh-keygen", ["-Y", "sign", "-f", file, "-n", namespace] + options + [messageFile])
        return try String(contentsOfFile: messageFile + ".sig", encoding: .utf8)
    }

    /// The fingerprint `ssh-keygen -l` prints for a public key file.
    func keygenFingerprint(_ publicKeyFile: String) throws -> String {
        let output = try run("ssh-keygen", ["-l", "-E", "sha256", "-f", publicKeyFile]).output
        return String(output.split(separator: " ")[1])
    }
}

struct LabError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
