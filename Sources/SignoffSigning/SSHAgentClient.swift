#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SignoffCore

/// A client of `ssh-agent` over its Unix socket (`SSH_AUTH_SOCK`): lists the
/// keys it holds and asks it to sign. The private keys never leave the agent;
/// for a FIDO2 key the agent waits for the touch.
///
/// Every exchange has a deadline, so a hung agent cannot hang a decision:
/// one connection per request, non-blocking, `poll(2)` until the deadline.
public struct SSHAgentClient: Sendable {
    // Message numbers of the agent protocol (draft-miller-ssh-agent).
    static let failure: UInt8 = 5
    static let requestIdentities: UInt8 = 11
    static let identitiesAnswer: UInt8 = 12
    static let signRequest: UInt8 = 13
    static let signResponse: UInt8 = 14
    /// Other failure replies some agents send.
    static let otherFailures: Set<UInt8> = [30, 102]
    /// OpenSSH's own limit on one agent message.
    static let maximumMessage = 256 * 1024
    /// A closed agent must not kill the process with SIGPIPE.
    #if canImport(Glibc)
    static let noSignal = Int32(MSG_NOSIGNAL)
    #else
    static let noSignal: Int32 = 0
    #endif

    public let socketPath: String
    /// For requests that need no person: listing keys, signing with a software key.
    public var timeout: Duration

    public init(socketPath: String, timeout: Duration = .seconds(10)) {
        self.socketPath = socketPath
        self.timeout = timeout
    }

    /// The agent `SSH_AUTH_SOCK` names; nil when it is not set.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        -> SSHAgentClient? {
        guard let path = environment["SSH_AUTH_SOCK"], !path.isEmpty else { return nil }
        return SSHAgentClient(socketPath: path)
    }

    /// A key the agent holds. Keys of types signoff does not accept are left out.
    public struct Identity: Sendable, Hashable {
        public var key: SSHPublicKey
        public var comment: String
    }

    public func identities() throws(AgentError) -> [Identity] {
        var reply = try exchange([Self.requestIdentities], deadline: .now + timeout)
        let type = try reply.messageType()
        guard type == Self.identitiesAnswer else { throw .unexpectedReply(type) }
        var identities: [Identity] = []
        do throws(SSHWireError) {
            let count = try reply.uint32()
            for _ in 0..<count {
                let blob = try reply.string()
                let comment = String(decoding: try reply.string(), as: UTF8.self)
                if let key = try? SSHPublicKey(blob: blob, comment: comment) {
                    identities.append(Identity(key: key, comment: comment))
                }
            }
            try reply.expectEnd()
        } catch {
            throw .malformedReply("its list of keys \(error)")
        }
        return identities
    }

    /// Asks the agent to sign `data` with `key`; returns the SSH signature
    /// (algorithm, signature, and for `sk-` keys flags and counter), unchecked.
    public func sign(_ data: [UInt8], with key: SSHPublicKey, timeout: Duration? = nil) throws(AgentError) -> [UInt8] {
        var request = SSHWireWriter()
        request.byte(Self.signRequest)
        request.string(key.blob)
        request.string(data)
        request.uint32(0)
        var reply = try exchange(request.bytes, deadline: .now + (timeout ?? self.timeout))
        let type = try reply.messageType()
        guard type == Self.signResponse else { throw .unexpectedReply(type) }
        do throws(SSHWireError) {
            let signature = try reply.string()
            try reply.expectEnd()
            return signature
        } catch {
            throw .malformedReply("its signature \(error)")
        }
    }

    /// An SSHSIG of `message` in `namespace`, made by the agent with `key`.
    public func signature(of message: [UInt8], with key: SSHPublicKey,
                          namespace: String = SSHSignature.signoffNamespace,
                          timeout: Duration? = nil) throws(AgentError) -> SSHSignature {
        let data = SSHSignature.signedData(message: message, namespace: namespace, hashAlgorithm: .sha512)
        let raw = try sign(data, with: key, timeout: timeout)
        return SSHSignature(publicKey: key, namespace: namespace, hashAlgorithm: .sha512, signature: raw)
    }

    // MARK: The socket

    /// Sends one request (its length prefix added here) and reads one reply.
    private func exchange(_ body: [UInt8], deadline: ContinuousClock.Instant) throws(AgentError) -> SSHWireReader {
        let fd = try open(deadline: deadline)
        defer { close(fd) }
        var message = SSHWireWriter()
        message.string(body)
        try transmit(message.bytes, on: fd, deadline: deadline)
        let header = try receive(4, on: fd, deadline: deadline)
        let length = header.reduce(0) { $0 << 8 | Int($1) }
        guard length > 0, length <= Self.maximumMessage else {
            throw .malformedReply("a reply of \(length) bytes")
        }
        return SSHWireReader(try receive(length, on: fd, deadline: deadline))
    }

    private func open(deadline: ContinuousClock.Instant) throws(AgentError) -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = Array(socketPath.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !path.isEmpty, path.count < capacity else { throw .unreachable(socketPath, "the socket path is too long") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path)
            raw[path.count] = 0
        }
        #if canImport(Glibc)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw .unreachable(socketPath, String(cString: strerror(errno))) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        #if canImport(Darwin)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
        #endif
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if result != 0 {
            if errno == EINPROGRESS || errno == EAGAIN {
                do throws(AgentError) {
                    try wait(fd, for: Int16(POLLOUT), deadline: deadline)
                } catch {
                    close(fd)
                    throw error
                }
                var problem: Int32 = 0
                var size = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &problem, &size)
                if problem != 0 {
                    close(fd)
                    throw .unreachable(socketPath, String(cString: strerror(problem)))
                }
            } else {
                let problem = String(cString: strerror(errno))
                close(fd)
                throw .unreachable(socketPath, problem)
            }
        }
        return fd
    }

    private func transmit(_ bytes: [UInt8], on fd: Int32, deadline: ContinuousClock.Instant) throws(AgentError) {
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + sent, raw.count - sent, Self.noSignal)
            }
            if count > 0 {
                sent += count
            } else if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                try wait(fd, for: Int16(POLLOUT), deadline: deadline)
            } else {
                throw .closed(String(cString: strerror(errno)))
            }
        }
    }

    private func receive(_ count: Int, on fd: Int32, deadline: ContinuousClock.Instant) throws(AgentError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var received = 0
        while received < count {
            let got = bytes.withUnsafeMutableBytes { raw in
                recv(fd, raw.baseAddress! + received, count - received, 0)
            }
            if got > 0 {
                received += got
            } else if got == 0 {
                throw .closed("it closed the connection before answering")
            } else if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR {
                try wait(fd, for: Int16(POLLIN), deadline: deadline)
            } else {
                throw .closed(String(cString: strerror(errno)))
            }
        }
        return bytes
    }

    private func wait(_ fd: Int32, for events: Int16, deadline: ContinuousClock.Instant) throws(AgentError) {
        while true {
            let left = deadline - .now
            guard left > .zero else { throw .timedOut }
            let milliseconds = Int32(clamping: left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
            var descriptor = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&descriptor, 1, milliseconds)
            if ready > 0 { return }
            if ready < 0 && errno != EINTR { throw .closed(String(cString: strerror(errno))) }
        }
    }
}

extension SSHWireReader {
    /// The first byte of an agent reply; a failure reply becomes `AgentError.refused`.
    fileprivate mutating func messageType() throws(AgentError) -> UInt8 {
        guard let type = try? byte() else { throw .malformedReply("an empty reply") }
        if type == SSHAgentClient.failure || SSHAgentClient.otherFailures.contains(type) { throw .refused }
        return type
    }
}

/// Why the agent could not help.
public enum AgentError: Error, Sendable, Hashable, CustomStringConvertible {
    case unreachable(String, String)
    case closed(String)
    case timedOut
    /// The agent answered with a failure: it does not hold the key, it is
    /// locked, the touch timed out or the person declined to confirm.
    case refused
    case unexpectedReply(UInt8)
    case malformedReply(String)

    public var description: String {
        switch self {
        case let .unreachable(path, problem):
            "cannot reach the ssh-agent at \(DisplaySafe.text(path)) (\(problem)); is it running, and is SSH_AUTH_SOCK right?"
        case let .closed(problem): "the ssh-agent stopped answering: \(problem)"
        case .timedOut: "the ssh-agent did not answer in time"
        case .refused: "the ssh-agent refused (it does not hold that key, it is locked, or the key was not touched or confirmed in time)"
        case let .unexpectedReply(type): "the ssh-agent sent an unexpected reply (message \(type))"
        case let .malformedReply(problem): "the ssh-agent sent \(problem)"
        }
    }
}
