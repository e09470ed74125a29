/// How far one approval step is: who counts for it and how many are missing.
public struct StepStatus: Sendable, Hashable, Codable {
    public var step: RoutedStep
    public var approvedBy: [String]
    /// Without overflow whatever `required` a stored route holds.
    public var missing: Int { step.required > approvedBy.count ? step.required - approvedBy.count : 0 }
    public var isSatisfied: Bool { missing == 0 }

    public init(step: RoutedStep, approvedBy: [String]) {
        self.step = step
        self.approvedBy = approvedBy
    }
}

/// Assigns approvers to steps so that one person counts once, across all steps,
/// and as many steps as possible are satisfied. This is a bipartite matching
/// (augmenting paths): a greedy pass could spend a person on the wrong step and
/// report a satisfiable route as short of approvals.
public enum StepProgress {
    /// - Parameters:
    ///   - approvers: distinct people with a current approval, in review order.
    ///   - eligible: whether a person may count for the step at `index` now.
    public static func compute(steps: [RoutedStep], approvers: [String],
                               eligible: (Int, String) -> Bool) -> [StepStatus] {
        var people: [String] = []
        for person in approvers where !people.contains(person) { people.append(person) }
        // Slots: one per required approval of each step, and never more than
        // there are people to fill them (a route read from the store may ask
        // for any number): more could not change who counts where.
        var slots: [Int] = []
        for (index, step) in steps.enumerated() {
            slots.append(contentsOf: repeatElement(index, count: min(max(0, step.required), people.count)))
        }
        var edges: [[Int]] = people.map { person in
            slots.indices.filter { eligible(slots[$0], person) }
        }
        var slotOwner = Array(repeating: -1, count: slots.count)

        func augment(_ person: Int, _ visited: inout [Bool]) -> Bool {
            for slot in edges[person] where !visited[slot] {
                visited[slot] = true
                if slotOwner[slot] == -1 || augment(slotOwner[slot], &visited) {
                    slotOwner[slot] = person
                    return true
                }
            }
            return false
        }
        for person in people.indices {
            var visited = Array(repeating: false, count: slots.count)
            _ = augment(person, &visited)
        }
        edges = []
        var approvedBy = Array(repeating: [String](), count: steps.count)
        for (slot, owner) in slotOwner.enumerated() where owner >= 0 {
            approvedBy[slots[slot]].append(people[owner])
        }
        return steps.enumerated().map { StepStatus(step: $0.element, approvedBy: approvedBy[$0.offset]) }
    }
}
