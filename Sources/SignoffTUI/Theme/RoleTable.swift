/// One value per `Role`, stored in an array so that renderers can look a role up
/// per cell without hashing.
public struct RoleTable<Value> {
    private var values: [Value]

    public init(_ make: (Role) throws -> Value) rethrows {
        values = try Role.allCases.map(make)
    }

    public subscript(role: Role) -> Value {
        get { values[role.ordinal] }
        set { values[role.ordinal] = newValue }
    }
}

extension RoleTable: Sendable where Value: Sendable {}
extension RoleTable: Equatable where Value: Equatable {}
extension RoleTable: Hashable where Value: Hashable {}

extension Role {
    /// The role's position in `Role.allCases`. The switch is exhaustive, so a new
    /// role cannot be added without giving it a place here.
    public var ordinal: Int {
        switch self {
        case .normal: return 0
        case .dim: return 1
        case .title: return 2
        case .header: return 3
        case .border: return 4
        case .selection: return 5
        case .selectionUnfocused: return 6
        case .statusBar: return 7
        case .footer: return 8
        case .footerKey: return 9
        case .label: return 10
        case .value: return 11
        case .pending: return 12
        case .approved: return 13
        case .denied: return 14
        case .blocked: return 15
        case .breakGlass: return 16
        case .riskHigh: return 17
        case .riskMedium: return 18
        case .match: return 19
        case .failedSearch: return 20
        case .error: return 21
        case .warning: return 22
        case .success: return 23
        case .input: return 24
        case .placeholder: return 25
        case .asserted: return 26
        }
    }
}
