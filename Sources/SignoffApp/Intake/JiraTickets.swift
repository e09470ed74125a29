import Foundation
import SignoffCore
import SignoffJira

extension IntakeTicket {
    /// What a mapped Jira ticket hands the command layer; nil for input that
    /// names no ticket. `site` is the Jira site's host: one site, one mapping.
    public init?(_ item: IntakeItem, site: String) {
        func ref(_ key: String, _ id: String) -> TicketRef {
            // Some exports carry no issue id; the key is the best there is then.
            TicketRef(source: "jira", site: site, issueID: id.isEmpty ? TicketRef.keyOnlyID(key) : id, key: key)
        }
        switch item {
        case let .ticket(mapped, _):
            let content: Content
            if mapped.isClosed {
                content = .closed(mapped.status ?? "resolved")
            } else {
                switch mapped.outcome {
                case let .request(request): content = .request(request)
                case let .refused(problems): content = .refused(problems.map(\.intake))
                }
            }
            self.init(ticket: ref(mapped.key, mapped.id), content: content, updated: mapped.updated, editor: mapped.editor)
        case let .deleted(key, id, at):
            self.init(ticket: ref(key, id), content: .deleted, updated: at)
        case .ignored:
            return nil
        }
    }
}

extension JiraMapping {
    /// The write-back settings the store records for the mapping's site.
    public var writeBackSettings: TicketWriteBackSettings {
        TicketWriteBackSettings(format: deployment == .cloud ? "adf" : "wiki", comments: writeBack.comments,
                                transitions: Dictionary(writeBack.transitions.map { ($0.key.rawValue, $0.value) },
                                                        uniquingKeysWith: { first, _ in first }))
    }
}
