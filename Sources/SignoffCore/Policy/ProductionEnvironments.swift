/// Which environments are production: those the policy names in
/// `settings.production_environments`, and always those whose names say so
/// (`production`, `prod`, `prd`, `prod-…`, `production-…`, in any case). A
/// declaration adds to the names, never takes one away: an environment called
/// `production` is treated as one whatever a policy says.
public struct ProductionEnvironments: Sendable, Hashable {
    /// The names the policy declares, exactly as the catalogue spells them.
    public private(set) var declared: Set<String>

    public init(declared: Set<String> = []) {
        self.declared = declared
    }

    public func contains(_ environment: String) -> Bool {
        declared.contains(environment) || Self.nameSaysProduction(environment)
    }

    /// The names that say production by themselves.
    public static func nameSaysProduction(_ environment: String) -> Bool {
        let e = environment.lowercased()
        return e == "prod" || e == "prd" || e == "production" || e.hasPrefix("prod-") || e.hasPrefix("production-")
    }

    /// `settings.production_environments`: a list of environments of the
    /// catalogue (a name the catalogue does not have is an error: a typo
    /// would silently leave production unmarked).
    static func parse(_ node: LocatedNode, catalogue: Catalogue, catalogueIsWhole: Bool) throws(SourceError) -> ProductionEnvironments {
        var declared: Set<String> = []
        for item in try node.listOrSingle() {
            let name = try item.nonEmptyString()
            if catalogueIsWhole, !catalogue.allEnvironments.contains(name) {
                let suggestion = closest(to: name, in: catalogue.allEnvironments).map { "did you mean \"\($0)\"? " } ?? ""
                throw item.error("\"\(name)\" is not an environment in the catalogue",
                                 hint: "\(suggestion)known: \(catalogue.allEnvironments.joined(separator: ", "))")
            }
            declared.insert(name)
        }
        return ProductionEnvironments(declared: declared)
    }
}
