import GRDB
import SignoffCore

extension Store {
    /// IDs of requests that `reviewer` already reviewed at their current
    /// version: they are not in that person's queue, whatever the policy says.
    public func reviewedAtCurrentVersion(by reviewer: String) throws -> Set<String> {
        try read { db in
            let ids = try String.fetchAll(db, sql: """
                SELECT reviews.request_id FROM reviews JOIN requests ON requests.id = reviews.request_id
                WHERE reviews.reviewer = ? AND reviews.request_version = requests.version
                """, arguments: [reviewer])
            return Set(ids)
        }
    }

    /// The requests whose ticket named someone who changed their terms (an
    /// editor, `ticket_linked`'s `edited_by`), through the partial index
    /// `events_edited`: whether a person may decide one of them is its
    /// record's question, which knows the editors. A payload that only seems
    /// to name one costs a record read, never a wrong answer.
    public func editedRequests() throws -> Set<String> {
        try read { db in
            Set(try String.fetchAll(db, sql: "SELECT DISTINCT request_id FROM events WHERE \(Self.editedCondition)"))
        }
    }

    /// The condition of the index `events_edited`, which the query repeats word for word so SQLite uses it.
    static let editedCondition = "kind = 'ticket_linked' AND instr(payload, '\"edited_by\"') > 0"
}
