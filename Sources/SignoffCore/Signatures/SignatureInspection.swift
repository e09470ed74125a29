import Foundation

/// What is wrong with an event's signature, or its absence, as `audit verify`
/// names it and the store refuses it.
public enum SignatureFinding: Sendable, Hashable, CustomStringConvertible {
    /// The policy in force required a signature and there is none.
    case unsigned(reason: String)
    /// Signed with a key the directory did not list for the actor when it was recorded.
    case keyNotHeld(actor: String, key: String, heldBy: String?)
    /// Signed with the actor's software key where the policy accepts only security keys.
    case notSecurityKey(actor: String, key: String)
    /// Signed with a key the policy lists for the actor but that proves
    /// nothing (not on the curve, or of small order: anyone can sign for it).
    case weakKey(actor: String, key: String, weakness: String)
    /// The signed statement is not the statement of the event as recorded.
    case differentContent(String)
    /// The signature does not verify over its statement, or cannot be read.
    case invalid(SignatureError)
    /// The same statement was signed for an earlier event: a signature moved or replayed.
    case reused(fromSequence: Int64)
    /// What the signatures must be checked against cannot be read.
    case unverifiable(String)

    /// The finding's kind, for scripts: one of a documented set.
    public var code: String {
        switch self {
        case .unsigned: "unsigned"
        case .keyNotHeld: "key_not_held"
        case .notSecurityKey: "not_security_key"
        case .weakKey: "weak_key"
        case .differentContent: "different_content"
        case .invalid: "invalid"
        case .reused: "reused"
        case .unverifiable: "unverifiable"
        }
    }

    public var description: String {
        switch self {
        case let .unsigned(reason): "unsigned, but a signature was required: \(reason)"
        case let .keyNotHeld(actor, key, heldBy):
            "signed by \(key), a key the policy in force did not list for \(actor)" + (heldBy.map { " (it was \($0)'s)" } ?? "")
        case let .notSecurityKey(actor, key):
            "signed by \(actor)'s \(key), a software key; the policy accepts only security keys (hardware_keys_only)"
        case let .weakKey(actor, key, weakness):
            "signed by \(actor)'s \(key), which the policy in force lists but which \(weakness): the signature proves nothing"
        case let .differentContent(detail): "signed over different content: \(detail)"
        case let .invalid(problem): "the signature is not valid: \(problem)"
        case let .reused(sequence): "signed with the signature and statement of event \(sequence): a signature moved from another event"
        case let .unverifiable(problem): problem
        }
    }
}

/// A decision that cannot be recorded until its actor signs `statement`
/// with one of `requirement.keys`.
public struct SignatureNeed: Sendable, Hashable {
    public var statement: DecisionStatement
    public var requirement: SignatureRequirement
    public var actor: String
    public var requestID: String?

    public init(statement: DecisionStatement, requirement: SignatureRequirement, actor: String, requestID: String?) {
        self.statement = statement
        self.requirement = requirement
        self.actor = actor
        self.requestID = requestID
    }
}

/// Checks one event's signature against what the chain says about it: the
/// policy in force (its keys and its rules) and the request as it stood. The
/// store does it before recording; `audit verify` does it again for every
/// event. The cheap checks come first; the signature's mathematics is left to
/// the caller (`verify`), so a verifier can run many of them at once.
public enum SignatureInspection {
    /// What `inspect` knows of the request an event concerns: the request
    /// and who submitted it (from the submission itself, or from `record`,
    /// the request before the event), and for a signed event the state its
    /// statement names. An unsigned event is judged by the rules alone,
    /// without encoding the request again.
    public struct RequestFacts {
        public var request: AccessRequest?
        public var submittedBy: String?
        public var state: DecisionStatement.Context.RequestState?

        public init(_ draft: EventDraft, record: RequestRecord?) {
            if case let .requestSubmitted(submitted) = draft.body {
                request = submitted.request
                submittedBy = draft.actor.name
            } else if let record {
                request = record.request
                submittedBy = record.submittedBy.name
                if draft.signature != nil { state = .init(record) }
            }
        }
    }

    public enum Outcome: Sendable {
        /// Nothing to check: unsigned, and none was required.
        case unsigned
        case finding(SignatureFinding)
        /// Everything but the mathematics holds: verify `signature` over
        /// `statement`, which is of `schema`.
        case verify(SSHSignature, statement: [UInt8], schema: DecisionStatement.Schema)
    }

    /// - Parameters:
    ///   - payload: the event's exact stored payload.
    ///   - policy: the policy in force before the event (nil before the first).
    ///   - request: the request the event concerns, as submitted (the
    ///     submitted one for a submission), and who submitted it.
    ///   - finding: for a finding exception or removal, the finding's facts.
    public static func inspect(_ draft: EventDraft, payload: [UInt8], context: DecisionStatement.Context,
                               policy: Policy?, request: AccessRequest?, submittedBy: String?,
                               finding: FindingFacts? = nil) -> Outcome {
        guard let signature = draft.signature else {
            if let action = SignedAction.of(draft.body), let policy,
               let requirement = requirement(draft, action: action, policy: policy, request: request,
                                             submittedBy: submittedBy, finding: finding) {
                return .finding(.unsigned(reason: requirement.reason))
            }
            return .unsigned
        }
        guard let statement = DecisionStatement(draft: draft, payload: payload, context: context) else {
            return .finding(.differentContent("a \(draft.body.kind) event is never signed"))
        }
        // Usually the statement as recorded: then its bytes are the signed ones, not copied again.
        var signed = statement.bytes
        var schema = statement.schema
        if !Self.holds(signature.statement, statement.bytes) {
            signed = Array(signature.statement.utf8)
            // Signed over an older schema: it counts, for what that schema
            // covers, only before the chain adopted the one after it; after
            // that it would be a way around what the newer one covers.
            guard let older = DecisionStatement.olderForms(draft: draft, payload: payload, context: context)
                .first(where: { $0.bytes == signed }) else {
                return .finding(.differentContent(difference(signed: signature.statement, recorded: statement.text)))
            }
            if let refusal = context.older.refusal(of: older.schema) {
                return .finding(.differentContent(
                    "signed over \(older.schema.rawValue), but the chain signs \(refusal.adopted.rawValue) since \(refusal.since); "
                    + "a \(older.schema.short) statement counts only before that (\(older.schema.gap ?? "it is the current one"))"))
            }
            schema = older.schema
        }
        let accepted = policy?.acceptedKeys(of: draft.actor.name) ?? []
        let parsed: SSHSignature
        do {
            // Usually signed with one of those: its key is not parsed again.
            parsed = try SSHSignature(armored: signature.armored, known: accepted)
        } catch {
            return .finding(.invalid(error))
        }
        guard accepted.contains(parsed.publicKey) else {
            if policy?.listedKeys(of: draft.actor.name).contains(parsed.publicKey) == true {
                return .finding(.notSecurityKey(actor: draft.actor.name, key: parsed.publicKey.description))
            }
            return .finding(.keyNotHeld(actor: draft.actor.name, key: parsed.publicKey.description,
                                        heldBy: policy?.owner(of: parsed.publicKey).flatMap { $0 == draft.actor.name ? nil : $0 }))
        }
        if let weakness = policy?.weakness(of: parsed.publicKey) {
            return .finding(.weakKey(actor: draft.actor.name, key: parsed.publicKey.description, weakness: weakness))
        }
        return .verify(parsed, statement: signed, schema: schema)
    }

    /// Whether `draft` must be signed under `policy`, and with which keys:
    /// its `required_for` rules judged on the request as it stood and, for a
    /// revision, as revised (a revision into what the rules cover is covered),
    /// or on the finding an exception or removal concerns.
    public static func requirement(_ draft: EventDraft, action: SignedAction, policy: Policy, request: AccessRequest?,
                                   submittedBy: String?, finding: FindingFacts?) -> SignatureRequirement? {
        var requests = request.map { [$0] } ?? []
        if case let .requestRevised(revised) = draft.body { requests.append(revised.request) }
        return policy.signatureRequirement(for: action, by: draft.actor, requests: requests, submittedBy: submittedBy,
                                           finding: finding)
    }

    /// Whether `text` is exactly `bytes`, in UTF-8.
    static func holds(_ text: String, _ bytes: [UInt8]) -> Bool {
        var text = text
        return text.withUTF8 { utf8 in
            utf8.count == bytes.count && (bytes.isEmpty || bytes.withUnsafeBufferPointer { memcmp($0.baseAddress!, utf8.baseAddress!, utf8.count) == 0 })
        }
    }

    /// The mathematics: nil when the signature holds.
    public static func verify(_ signature: SSHSignature, statement: [UInt8]) -> SignatureFinding? {
        do {
            _ = try signature.verify(message: statement)
            return nil
        } catch {
            return .invalid(error)
        }
    }

    /// The mathematics for many signatures: each one's finding, nil where it
    /// holds. Plain ed25519 signatures are checked together
    /// (`Ed25519Batch`), the others one by one; a finding is the one the
    /// check of that signature alone names.
    public static func verify(_ batch: [(signature: SSHSignature, statement: [UInt8])]) -> [SignatureFinding?] {
        var findings = [SignatureFinding?](repeating: nil, count: batch.count)
        var items: [Ed25519Batch.Item] = [], positions: [Int] = []
        for (index, job) in batch.enumerated() {
            if let item = job.signature.ed25519BatchItem(message: job.statement) {
                items.append(item)
                positions.append(index)
            } else {
                findings[index] = verify(job.signature, statement: job.statement)
            }
        }
        for (holds, index) in zip(Ed25519Batch.verify(items), positions) where !holds {
            // The single check names why it failed. Whatever it accepts, the
            // batch's equation accepts too, so it cannot accept what the
            // batch refused unless the batch's arithmetic erred: then its
            // word stands.
            findings[index] = verify(batch[index].signature, statement: batch[index].statement)
        }
        return findings
    }

    /// Which fields of the statement differ, in words.
    static func difference(signed: String, recorded: String) -> String {
        func fields(_ text: String) -> [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
        }
        guard let a = fields(signed), let b = fields(recorded) else {
            return "the signed statement is not a signoff statement"
        }
        let names = Set(a.keys).union(b.keys).sorted().filter { key in
            "\(a[key].map { "\($0)" } ?? "")" != "\(b[key].map { "\($0)" } ?? "")"
        }
        return "the signed statement and the event differ in " + names.joined(separator: ", ")
    }
}
