import Foundation
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
