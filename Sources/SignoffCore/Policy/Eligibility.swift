import Foundation

// Who may decide a step. Checked at routing, in `explain`, and again when a
// review arrives: rotations turn and delegations end between those moments.

extension Policy {
    /// Whether `person` may approve or deny `step` of this request now. Checked again
    /// at review time: rotations turn and delegations end. `editors`: who
    /// changed its terms in its ticket (`RequestRecord.editors`), excluded
    /// here as the requester is, and so is a delegate acting for them.
    public func eligibility(of person: String, for step: RoutedStep, request: AccessRequest, submittedBy: String,
                            editors: [String] = [], at: Date) -> Candidate {
        standing(of: person, for: step, request: request, submittedBy: submittedBy, editors: editors, at: at).candidate
    }

    /// Every seat `person`'s approval of `step` could fill at `at`: their own
    /// where the step names them; else the seat of each delegator the step
    /// names whose delegation to them runs then (a delegate approves for the
    /// delegator, so the two never count twice). Empty where they are not
    /// eligible.
    public func seats(of person: String, for step: RoutedStep, request: AccessRequest, submittedBy: String,
                      editors: [String] = [], at: Date) -> [String] {
        var facts = RequestFacts(request, submittedBy: submittedBy)
        facts.editors = editors
        guard let expression = ApproverExpression(text: step.approvers), exclusion(of: person, expression, facts) == nil,
              knowsPerson(person) else { return [] }
        if names(person, expression, facts, at: at).0 { return [person] }
        var seats: [String] = []
        for delegation in directory.delegations where ExactName.same(delegation.to, person) && at < delegation.until {
            let from = delegation.from
            if !seats.contains(where: { ExactName.same($0, from) }), knowsPerson(from), exclusion(of: from, expression, facts) == nil,
               names(from, expression, facts, at: at).0 {
                seats.append(from)
            }
        }
        return seats
    }

    private func standing(of person: String, for step: RoutedStep, request: AccessRequest, submittedBy: String,
                          editors: [String], at: Date) -> (candidate: Candidate, actingFor: String?) {
        var facts = RequestFacts(request, submittedBy: submittedBy)
        facts.editors = editors
        func refuse(_ reason: String) -> (Candidate, String?) { (Candidate(name: person, eligible: false, reason: reason), nil) }
        guard let expression = ApproverExpression(text: step.approvers) else {
            return refuse("the step names approvers this policy cannot read (\(step.approvers))")
        }
        if let reason = exclusion(of: person, expression, facts) { return refuse(reason) }
        guard knowsPerson(person) else { return refuse("\(person) is not in the policy directory") }
        let (named, why) = names(person, expression, facts, at: at)
        if named { return (Candidate(name: person, eligible: true, reason: why), nil) }

        var ended: String?
        for delegation in directory.delegations where ExactName.same(delegation.to, person) {
            let from = delegation.from
            guard knowsPerson(from), exclusion(of: from, expression, facts) == nil, names(from, expression, facts, at: at).0 else { continue }
            if at < delegation.until {
                return (Candidate(name: person, eligible: true, reason: "delegate of \(from) until \(delegation.until.policyText)"), from)
            }
            ended = "delegation from \(from) ended \(delegation.until.policyText)"
        }
        return refuse(ended ?? why)
    }

    /// Everyone the step's approver expression names, eligible or not, with reasons;
    /// people who act for them by delegation follow.
    public func candidates(for step: RoutedStep, request: AccessRequest, submittedBy: String, editors: [String] = [],
                           at: Date) -> [Candidate] {
        guard let expression = ApproverExpression(text: step.approvers) else {
            return []
        }
        let facts = RequestFacts(request, submittedBy: submittedBy)
        var named = namedPeople(expression, facts)
        for person in named {
            for delegation in directory.delegations where ExactName.same(delegation.from, person) && !named.contains(where: { ExactName.same($0, delegation.to) }) {
                named.append(delegation.to)
            }
        }
        return named.map { eligibility(of: $0, for: step, request: request, submittedBy: submittedBy, editors: editors, at: at) }
    }

    /// The people an expression could name for this request, before exclusions.
    func namedPeople(_ expression: ApproverExpression, _ facts: RequestFacts) -> [String] {
        switch expression.source {
        case .owners:
            guard let index = catalogue.index[facts.request.system] else { return [] }
            return directory.people(in: catalogue.entries[index].owners)
        case .manager:
            return directory.people[facts.requester]?.manager.map { [$0] } ?? []
        case .subjectOwnerManager:
            return directory.people[facts.request.subject.owner]?.manager.map { [$0] } ?? []
        case let .group(name):
            return (directory.expandedGroups[name] ?? []).sorted()
        case let .rotation(name):
            return directory.rotations[name]?.members ?? []
        case let .person(name):
            return [name]
        }
    }

    /// Why a person may never decide this request, whatever the step says.
    /// Names are compared byte for byte, and so are the directory's: a name
    /// that is only canonically equivalent to a directory person's is nobody
    /// the directory knows, so it never becomes eligible (`knowsPerson`).
    private func exclusion(of person: String, _ expression: ApproverExpression, _ facts: RequestFacts) -> String? {
        if ExactName.same(person, facts.requester) { return "is the requester" }
        if ExactName.same(person, facts.submittedBy) { return "submitted the request" }
        let subject = facts.request.subject
        if subject.kind.isHuman, ExactName.same(person, subject.name) { return "is the subject of the request" }
        // An identity of another kind named as they are (`dave`, `dave@acme.com`, `Dave`) is taken as theirs.
        if isKnown(person, as: subject.name) {
            return "is the subject of the request (\(subject.kind.rawValue) \(subject.name) is a name of theirs)"
        }
        if facts.editors.contains(where: { ExactName.same($0, person) }) { return "changed the request's terms in its ticket" }
        if expression.excludesSubjectOwner, ExactName.same(person, facts.request.subject.owner) { return "owns the subject, which this step excludes" }
        return nil
    }

    /// Whether `name`, as an identity or platform shows it, may be `person`'s:
    /// their name, their email or a Jira identity the directory gives, or
    /// any name that folds to one of those (case, the part before `@`,
    /// look-alike letters). Nobody decides on, or excepts, access of an
    /// identity that may be theirs, so that nobody passes their own off as
    /// another's.
    func isKnown(_ person: String, as name: String) -> Bool {
        // Folded alike whenever equal, or equal but for case: one comparison of folds says all.
        let folded = Reconciliation.fold(name)
        return directory.foldedNames[person]?.contains(folded) ?? (Reconciliation.fold(person) == folded)
    }

    /// Whether the expression names `person` for this request at `date`, and why in words.
    private func names(_ person: String, _ expression: ApproverExpression, _ facts: RequestFacts, at date: Date) -> (Bool, String) {
        let request = facts.request
        switch expression.source {
        case .owners:
            guard let index = catalogue.index[request.system] else {
                return (false, "\(request.system) is not in the catalogue")
            }
            for member in catalogue.entries[index].owners {
                switch member {
                case let .person(owner):
                    if ExactName.same(owner, person) { return (true, "owner of \(request.system)") }
                case let .group(group):
                    if directory.expandedGroups[group]?.contains(person) == true {
                        return (true, "owner of \(request.system) (group \(group))")
                    }
                }
            }
            return (false, "not an owner of \(request.system)")
        case .manager:
            return managerOf(facts.requester, person, role: "")
        case .subjectOwnerManager:
            return managerOf(request.subject.owner, person, role: ", the subject's owner")
        case let .group(name):
            guard let members = directory.expandedGroups[name] else { return (false, "group \(name) is not in this policy") }
            return members.contains(person) ? (true, "member of \(name)") : (false, "not in group \(name)")
        case let .rotation(name):
            guard let rotation = directory.rotations[name] else { return (false, "rotation \(name) is not in this policy") }
            guard let onCall = rotation.onCall(at: date) else {
                return (false, "nobody is on call for \(name) now (the rotation starts \(rotation.start.policyText))")
            }
            if ExactName.same(onCall, person) { return (true, "on call for \(name) now") }
            return (false, rotation.members.contains(where: { ExactName.same($0, person) }) ? "not on call now (\(onCall) is)" : "not in rotation \(name)")
        case let .person(name):
            return ExactName.same(name, person) ? (true, "named by the policy") : (false, "the step names \(name)")
        }
    }

    private func managerOf(_ subordinate: String, _ person: String, role: String) -> (Bool, String) {
        guard let manager = directory.people[subordinate]?.manager else {
            return (false, "\(subordinate)\(role) has no manager in the directory")
        }
        if ExactName.same(manager, person) { return (true, "manager of \(subordinate)\(role)") }
        return (false, "not the manager of \(subordinate)\(role) (\(manager) is)")
    }
}
