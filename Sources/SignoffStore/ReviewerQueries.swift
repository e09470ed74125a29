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
}
