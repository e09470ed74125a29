/// Text that `SecretScan` has read and found no credential in. The only way
/// to make one is to scan it (`SecretScan.scanned`), so a request built from
/// these (`RequestFields`) needs no second scan: an import scans each value
/// once, where it can still say which ticket field holds a credential, and
/// the guarantee that every submitted field was scanned holds by construction.
public struct ScannedText: Sendable, Hashable {
    public let text: String

    fileprivate init(_ text: String) { self.text = text }
}

extension SecretScan {
    /// `text` as `ScannedText`, or the first credential-like value in it.
    public static func scanned(_ text: String, field: String) -> Result<ScannedText, Finding> {
        if let finding = scan(text, field: field) { return .failure(finding) }
        return .success(ScannedText(text))
    }
}

extension SecretScan.Finding: Error {}

/// A request every text field of which `SecretScan` has read and found clean.
/// Submitting and revising take only this (`Lifecycle.submit`,
/// `Lifecycle.revise`), so no path can put an unscanned field into the
/// evidence; whoever holds a plain `AccessRequest` scans it whole with
/// `init(scanning:)`.
public struct ScannedRequest: Sendable, Hashable {
    public let request: AccessRequest

    /// Scans every field (`SecretScan.findings`); the first finding is the error.
    public init(scanning request: AccessRequest) throws(SecretScan.Finding) {
        if let finding = SecretScan.findings(in: request).first { throw finding }
        self.request = request
    }

    /// A request whose every text came from `ScannedText` (what
    /// `RequestFile.request(from: RequestFields)` builds), or that was scanned
    /// whole by its reader, where a finding can point at the field's line.
    init(fieldsScanned request: AccessRequest) { self.request = request }

    /// The request with its requester filled in, that one field scanned.
    public func requested(by requester: String) throws(SecretScan.Finding) -> ScannedRequest {
        if let finding = SecretScan.scan(requester, field: "requester") { throw finding }
        var request = self.request
        request.requester = requester
        return ScannedRequest(fieldsScanned: request)
    }
}
