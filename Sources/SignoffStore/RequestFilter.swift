import GRDB
import SignoffCore

/// Which requests to list. Every criterion is optional; set ones must all hold.
/// Results are ordered by submission (oldest first unless `newestFirst`).
public struct RequestFilter: Sendable, Hashable {
    /// Nil lists every state.
    public var states: Set<RequestState>?
    public var system: String?
    public var environment: String?
    public var requester: String?
    public var breakGlass: Bool?
    public var limit: Int?
    public var newestFirst: Bool

    public init(states: Set<RequestState>? = nil, system: String? = nil, environment: String? = nil,
                requester: String? = nil, breakGlass: Bool? = nil, limit: Int? = nil, newestFirst: Bool = false) {
        self.states = states
        self.system = system
        self.environment = environment
        self.requester = requester
        self.breakGlass = breakGlass
        self.limit = limit
        self.newestFirst = newestFirst
    }

    public static let all = RequestFilter()
    /// Pending and blocked: what approvers work on, and what a new policy re-routes.
    public static let open = RequestFilter(states: [.pending, .blocked])

    /// The WHERE/ORDER/LIMIT tail of a query over `requests`, with its arguments.
    var sql: (clause: String, arguments: [String]) {
        var conditions: [String] = []
        var arguments: [String] = []
        if let states {
            let names = states.map(\.rawValue).sorted()
            conditions.append("state IN (" + names.map { _ in "?" }.joined(separator: ", ") + ")")
            arguments += names
        }
        if let system { conditions.append("system = ?"); arguments.append(system) }
        if let environment { conditions.append("environment = ?"); arguments.append(environment) }
        if let requester { conditions.append("requester = ?"); arguments.append(requester) }
        if let breakGlass { conditions.append(breakGlass ? "break_glass = 1" : "break_glass = 0") }
        var clause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        clause += newestFirst ? " ORDER BY submitted_sequence DESC" : " ORDER BY submitted_sequence"
        if let limit { clause += " LIMIT \(max(0, limit))" }
        return (clause, arguments)
    }
}

/// A request column a list can be filtered on by name.
public enum RequestFilterField: String, Sendable, Hashable, CaseIterable {
    case system
    case environment
    case requester
}

extension Store {
    /// Whether any stored request has `value` in `field` (through its index).
    public func hasRequests(_ field: RequestFilterField, equalTo value: String) throws -> Bool {
        try read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM requests WHERE \(field.rawValue) = ?)",
                              arguments: [value]) ?? false
        }
    }

    /// The distinct values stored requests hold in `field`, sorted: the valid
    /// values an error lists besides the policy's.
    public func storedValues(_ field: RequestFilterField) throws -> [String] {
        try read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT \(field.rawValue) FROM requests ORDER BY 1")
        }
    }
}
