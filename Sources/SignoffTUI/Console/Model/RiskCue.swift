import SignoffCore

/// Things that should make an approver slow down, each with words and a role.
public enum RiskCue: Sendable, Hashable {
    case breakGlass(incident: String?)
    case production(String)
    case admin
    case nonHuman(IdentityKind)
    /// Requested duration at or above 80% of the policy maximum (or above it).
    case nearMaximumDuration(requested: TimeSpan, maximum: TimeSpan)

    public var text: String {
        switch self {
        case .breakGlass: "BREAK-GLASS"
        case .production: "production"
        case .admin: "admin access"
        case let .nonHuman(kind): "non-human: \(kind.label)"
        case let .nearMaximumDuration(requested, maximum):
            requested > maximum ? "duration \(requested) over max \(maximum)" : "duration \(requested) near max \(maximum)"
        }
    }

    public var role: Role {
        switch self {
        case .breakGlass: .breakGlass
        case .production, .admin, .nearMaximumDuration: .riskHigh
        case .nonHuman: .riskMedium
        }
    }

    public static func cues(for request: AccessRequest, maximumDuration: TimeSpan?, production: ProductionEnvironments) -> [RiskCue] {
        var cues: [RiskCue] = []
        if request.breakGlass { cues.append(.breakGlass(incident: request.incident)) }
        if production.contains(request.environment) { cues.append(.production(request.environment)) }
        if request.access == .admin { cues.append(.admin) }
        if !request.subject.kind.isHuman { cues.append(.nonHuman(request.subject.kind)) }
        if let maximumDuration, Double(request.duration.seconds) * 5 >= Double(maximumDuration.seconds) * 4 {
            cues.append(.nearMaximumDuration(requested: request.duration, maximum: maximumDuration))
        }
        return cues
    }
}
