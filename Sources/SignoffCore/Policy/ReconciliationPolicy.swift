import Foundation

/// The policy's `reconciliation:` section: how long provisioning has to remove
/// ended access, how old or idle a credential may be, and how long an
/// exception to a finding may last. Every field has a default, so a policy
/// without the section still reconciles (with these limits, from the CIS
/// benchmarks' 90-day rotation and 45-day disuse).
///
/// ```yaml
/// reconciliation:
///   removal_grace: 24h
///   credentials: {max_age: 90d, max_unused: 45d}
///   exceptions: {max_duration: 90d}
/// ```
public struct ReconciliationPolicy: Sendable, Hashable {
    /// How long after a grant ends its access may still be present before that is a finding.
    public var removalGrace: TimeSpan
    /// A credential last rotated longer ago than this is stale.
    public var maxCredentialAge: TimeSpan
    /// A credential unused for longer than this is stale.
    public var maxCredentialUnused: TimeSpan
    /// The longest an exception to a finding may last.
    public var maxExceptionDuration: TimeSpan

    public static let defaults = ReconciliationPolicy(removalGrace: .hours(24), maxCredentialAge: .days(90),
                                                      maxCredentialUnused: .days(45), maxExceptionDuration: .days(90))

    public init(removalGrace: TimeSpan, maxCredentialAge: TimeSpan, maxCredentialUnused: TimeSpan,
                maxExceptionDuration: TimeSpan) {
        self.removalGrace = removalGrace; self.maxCredentialAge = maxCredentialAge
        self.maxCredentialUnused = maxCredentialUnused; self.maxExceptionDuration = maxExceptionDuration
    }

    static func parse(_ node: LocatedNode) throws(SourceError) -> ReconciliationPolicy {
        var policy = ReconciliationPolicy.defaults
        let fields = try node.mapping()
        try fields.rejectUnknown(["removal_grace", "credentials", "exceptions"])
        if let grace = fields.optional("removal_grace") { policy.removalGrace = try span(grace) }
        if let credentialsNode = fields.optional("credentials") {
            let credentials = try credentialsNode.mapping()
            try credentials.rejectUnknown(["max_age", "max_unused"])
            if let age = credentials.optional("max_age") { policy.maxCredentialAge = try span(age) }
            if let unused = credentials.optional("max_unused") { policy.maxCredentialUnused = try span(unused) }
        }
        if let exceptionsNode = fields.optional("exceptions") {
            let exceptions = try exceptionsNode.mapping()
            try exceptions.rejectUnknown(["max_duration"])
            if let duration = exceptions.optional("max_duration") { policy.maxExceptionDuration = try span(duration) }
        }
        return policy
    }

    private static func span(_ node: LocatedNode) throws(SourceError) -> TimeSpan {
        guard let span = TimeSpan(parsing: try node.string()) else { throw node.error("is not a duration", hint: TimeSpan.syntaxHint) }
        return span
    }
}
