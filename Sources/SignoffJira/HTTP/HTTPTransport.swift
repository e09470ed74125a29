import Foundation
import SignoffCore
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A response as the client needs it.
public struct HTTPResponse: Sendable {
    public var status: Int
    /// Header names lowercased.
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Sends one request and waits for its response; the seam tests replace.
public protocol HTTPTransport: Sendable {
    func send(_ request: URLRequest) throws -> HTTPResponse
}

/// Why a request got no answer, as a transport tells it: what it was, so
/// that a client retries only what may pass, and says what to do about the rest.
public struct TransportFailure: Error, LocalizedError, CustomStringConvertible, Sendable {
    public enum Kind: Sendable {
        /// Refused, reset, timed out, unresolved: may pass on its own.
        case transient
        /// The server's certificate was not trusted (or not ours to check
        /// with): the same on every attempt until someone changes what this
        /// host trusts, or the address.
        case certificate
        /// Refused here before anything was sent, or an answer refused:
        /// the same on every attempt.
        case refused
    }
    public let kind: Kind
    public let message: String
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = DisplaySafe.text(message)
    }
    public var description: String { message }
    public var errorDescription: String? { message }
}
