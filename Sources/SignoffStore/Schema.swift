import Foundation
import GRDB
import SignoffCore

/// The store's tables, as named migrations applied in order. A migration, once
/// released, never changes: new needs get a new migration at the end.
enum Schema {
    /// `PRAGMA application_id`: marks the file as a signoff store ("SGNF").
    static let applicationID: Int32 = 0x5347_4E46
    /// The migration from which the store accepts no signature over
    /// `signoff.statement/1` (`SignatureAudit`).
    static let statementSchema2 = "17 signatures over statement schema 2"
    /// The migration from which the store accepts signatures over
    /// `signoff.statement/3` only: statements that name the store.
    static let statementSchema3 = "22 signatures name their store"
    /// Each marker migration and the statement schema the chain signs from it on.
    static let statementMarkers: [(schema: DecisionStatement.Schema, migration: String)] = [
        (.v2, statementSchema2), (.v3, statementSchema3),
    ]

    /// Applies the migrations the store behind `writer` lacks. GRDB reads
    /// which migrations a store has before it takes the write lock, so two
    /// processes upgrading one store at once can both set out to apply the
    /// same migration, and the later one fails when it finds the other's
    /// table. A failure is tried again as long as the store is seen to have
    /// gained migrations since the last one; each migration's own transaction
    /// leaves nothing half-applied, and a failure that recurs is thrown.
    static func migrate(_ writer: any DatabaseWriter, with migrator: DatabaseMigrator = Schema.migrator) throws {
        var applied: Set<String>?
        while true {
            do {
                return try migrator.migrate(writer)
            } catch let error as DatabaseError where ![.SQLITE_BUSY, .SQLITE_LOCKED].contains(error.resultCode.primaryResultCode) {
                let now = try writer.read { try migrator.appliedIdentifiers($0) }
                if let applied, !now.isStrictSuperset(of: applied) { throw error }
                applied = now
            }
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()

        // The evidence: append-only and hash chained (see EventChain).
        migrator.registerMigration("1 events") { db in
            try db.execute(sql: """
                CREATE TABLE events (
                    sequence INTEGER PRIMARY KEY,
                    at INTEGER NOT NULL,
                    actor TEXT NOT NULL,
                    authentication TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    request_id TEXT,
                    payload TEXT NOT NULL,
                    prev_hash TEXT NOT NULL,
                    hash TEXT NOT NULL
                );
                CREATE INDEX events_by_request ON events(request_id, sequence) WHERE request_id IS NOT NULL;
                CREATE TRIGGER events_refuse_update BEFORE UPDATE ON events
                BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE is refused'); END;
                CREATE TRIGGER events_refuse_delete BEFORE DELETE ON events
                BEGIN SELECT RAISE(ABORT, 'events are append-only: DELETE is refused'); END;
                """)
        }

        // Written once at creation; triggers keep `trust asserted identities`
        // from being flipped afterwards.
        migrator.registerMigration("2 settings") { db in
            try db.execute(sql: """
                CREATE TABLE settings (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    trust_asserted_identities INTEGER NOT NULL CHECK (trust_asserted_identities IN (0, 1)),
                    share_group TEXT,
                    created_at INTEGER NOT NULL
                );
                CREATE TRIGGER settings_refuse_update BEFORE UPDATE ON settings
                BEGIN SELECT RAISE(ABORT, 'store settings are fixed at creation: UPDATE is refused'); END;
                CREATE TRIGGER settings_refuse_delete BEFORE DELETE ON settings
                BEGIN SELECT RAISE(ABORT, 'store settings are fixed at creation: DELETE is refused'); END;
                """)
        }

        // Query tables: the fold of the events, written in the same transaction
        // as each event, and rebuildable from them (`verify` compares).
        migrator.registerMigration("3 query tables") { db in
            try db.execute(sql: """
                CREATE TABLE requests (
                    id TEXT PRIMARY KEY NOT NULL,
                    state TEXT NOT NULL,
                    system TEXT NOT NULL,
                    environment TEXT NOT NULL,
                    requester TEXT NOT NULL,
                    subject_kind TEXT NOT NULL,
                    subject_name TEXT NOT NULL,
                    break_glass INTEGER NOT NULL,
                    submitted_at INTEGER NOT NULL,
                    submitted_sequence INTEGER NOT NULL UNIQUE,
                    decided_at INTEGER,
                    version INTEGER NOT NULL,
                    policy_version TEXT,
                    last_sequence INTEGER NOT NULL,
                    record BLOB NOT NULL
                );
                CREATE INDEX requests_by_state ON requests(state, submitted_sequence);
                CREATE INDEX requests_by_system ON requests(system, environment, submitted_sequence);
                CREATE INDEX requests_by_environment ON requests(environment, submitted_sequence);
                CREATE INDEX requests_by_requester ON requests(requester, submitted_sequence);

                CREATE TABLE reviews (
                    sequence INTEGER PRIMARY KEY,
                    request_id TEXT NOT NULL REFERENCES requests(id) DEFERRABLE INITIALLY DEFERRED,
                    reviewer TEXT NOT NULL,
                    authentication TEXT NOT NULL,
                    verdict TEXT NOT NULL,
                    rationale TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    request_version INTEGER NOT NULL,
                    policy_version TEXT NOT NULL
                );
                CREATE INDEX reviews_by_request ON reviews(request_id, sequence);
                CREATE INDEX reviews_by_reviewer ON reviews(reviewer, sequence);

                CREATE TABLE policies (
                    sequence INTEGER PRIMARY KEY,
                    version TEXT NOT NULL,
                    previous_version TEXT,
                    file TEXT NOT NULL,
                    source TEXT NOT NULL,
                    applied_at INTEGER NOT NULL,
                    applied_by TEXT NOT NULL,
                    authentication TEXT NOT NULL
                );
                CREATE INDEX policies_by_version ON policies(version);

                -- Durable counters, e.g. the last request number handed out.
                CREATE TABLE counters (
                    name TEXT PRIMARY KEY NOT NULL,
                    value INTEGER NOT NULL
                );
                """)
        }

        // What the console lists, as plain columns, so loading every row needs
        // no JSON. Rows written before this migration are filled from their
        // stored records; from here on every write sets them (see RequestRow).
        migrator.registerMigration("4 request summaries") { db in
            try db.execute(sql: """
                ALTER TABLE requests ADD COLUMN submitted_by TEXT NOT NULL DEFAULT '';
                ALTER TABLE requests ADD COLUMN subject_owner TEXT NOT NULL DEFAULT '';
                ALTER TABLE requests ADD COLUMN entitlement TEXT NOT NULL DEFAULT '';
                ALTER TABLE requests ADD COLUMN scope TEXT;
                ALTER TABLE requests ADD COLUMN access TEXT NOT NULL DEFAULT '';
                ALTER TABLE requests ADD COLUMN duration_seconds INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE requests ADD COLUMN incident TEXT;
                ALTER TABLE requests ADD COLUMN ticket TEXT;
                ALTER TABLE requests ADD COLUMN purpose TEXT NOT NULL DEFAULT '';
                ALTER TABLE requests ADD COLUMN route_summary TEXT;
                ALTER TABLE requests ADD COLUMN approvals INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE requests ADD COLUMN approvals_needed INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE requests ADD COLUMN route_approvers TEXT NOT NULL DEFAULT '';
                """)
            // Covering, in submission order: listing every request reads this
            // index alone instead of every page of the table, whose rows are
            // mostly the record blob.
            try db.execute(sql: """
                CREATE INDEX requests_summary ON requests(
                    submitted_sequence, id, state, version, requester, submitted_by, subject_kind, subject_name,
                    subject_owner, system, environment, entitlement, scope, access, duration_seconds, break_glass,
                    incident, ticket, purpose, submitted_at, decided_at, route_summary, approvals, approvals_needed,
                    route_approvers)
                """)
            let rows = try Row.fetchAll(db, sql: "SELECT record FROM requests")
            for row in rows {
                let record = try EventCoding.readRecord(row[0] as Data)
                let request = record.request
                var approvers: [String] = []
                var needed = 0
                if case let .steps(_, steps)? = record.route {
                    approvers = steps.map(\.approvers)
                    needed = record.route?.approvalsNeeded ?? 0
                }
                try db.execute(sql: """
                    UPDATE requests SET submitted_by = ?, subject_owner = ?, entitlement = ?, scope = ?, access = ?,
                        duration_seconds = ?, incident = ?, ticket = ?, purpose = ?, route_summary = ?, approvals = ?,
                        approvals_needed = ?, route_approvers = ?
                    WHERE id = ?
                    """, arguments: [record.submittedBy.name, request.subject.owner, request.entitlement, request.scope,
                                     request.access.rawValue, request.duration.seconds, request.incident, request.ticket,
                                     request.purpose, record.route?.summary, RequestSummary.approvalCount(record), needed,
                                     approvers.joined(separator: "\n"), record.id])
            }
        }

        // Where a durable review's time goes: one fsync of the WAL per commit,
        // as for any SQLite WAL/FULL commit, plus one WAL frame (a whole page)
        // per page the commit dirties. A review dirtied about nine pages: the
        // events table and its request index, the requests row and its state
        // index, the reviews table and these two indexes. No query reads
        // reviews by request or by reviewer (a request's reviews are in its
        // record; verify reads them by sequence), so they only cost frames.
        migrator.registerMigration("5 drop unread review indexes") { db in
            try db.execute(sql: """
                DROP INDEX reviews_by_request;
                DROP INDEX reviews_by_reviewer;
                """)
        }

        // Grants (issue 4): the fold of each approved request's grant events,
        // as plain columns. The partial indexes answer the sweep's two
        // questions without a scan: which live grants are due, which open
        // requests are older than the pending timeout.
        migrator.registerMigration("6 grants") { db in
            try db.execute(sql: """
                CREATE TABLE grants (
                    request_id TEXT PRIMARY KEY NOT NULL,
                    state TEXT NOT NULL,
                    requester TEXT NOT NULL,
                    subject_kind TEXT NOT NULL,
                    subject_name TEXT NOT NULL,
                    subject_owner TEXT NOT NULL,
                    system TEXT NOT NULL,
                    environment TEXT NOT NULL,
                    entitlement TEXT NOT NULL,
                    scope TEXT,
                    access TEXT NOT NULL,
                    ticket TEXT,
                    incident TEXT,
                    break_glass INTEGER NOT NULL,
                    revocation_triggers TEXT NOT NULL,
                    approved_at INTEGER NOT NULL,
                    approvers TEXT NOT NULL,
                    policy_version TEXT NOT NULL,
                    duration_seconds INTEGER NOT NULL,
                    starts_at INTEGER,
                    expires_at INTEGER,
                    self_activated INTEGER NOT NULL,
                    provisioning_action TEXT NOT NULL,
                    provisioning TEXT NOT NULL,
                    provisioning_reason TEXT,
                    provisioning_at INTEGER,
                    ended_at INTEGER,
                    ended_by TEXT,
                    end_reason TEXT,
                    extensions TEXT NOT NULL,
                    review_reviewers TEXT,
                    review_due_at INTEGER,
                    review_completed_at INTEGER,
                    review_completed_by TEXT,
                    review_rationale TEXT,
                    last_sequence INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX grants_due ON grants(expires_at) WHERE state = 'active';
                -- What the console and `signoff grants` list: live grants, ended
                -- grants provisioning has not confirmed, open incident reviews.
                CREATE INDEX grants_attention ON grants(state) WHERE state IN ('active', 'awaiting_provisioning', 'failed')
                    OR provisioning <> 'done' OR (review_due_at IS NOT NULL AND review_completed_at IS NULL);
                CREATE INDEX requests_open_by_age ON requests(submitted_at) WHERE state IN ('pending', 'blocked');

                CREATE TABLE hand_off (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    outbox TEXT,
                    command TEXT,
                    timeout_seconds INTEGER,
                    configured_at INTEGER NOT NULL,
                    configured_by TEXT NOT NULL,
                    authentication TEXT NOT NULL,
                    sequence INTEGER NOT NULL
                );
                """)
        }

        // Where an expiry sweep's time went: every expiry rewrote the grant's
        // whole row (what was granted, the approvers, the triggers) and moved
        // its entry in two indexes. What changes over a grant's life now has a
        // narrow row of its own, and one partial index serves both the sweep
        // (live grants by expiry) and the lists (what needs attention), so an
        // expiry rewrites a short row and one index entry. `grants` keeps what
        // was granted, written once.
        migrator.registerMigration("7 grant status") { db in
            let moved = [
                "state", "duration_seconds", "starts_at", "expires_at", "provisioning_action", "provisioning",
                "provisioning_reason", "provisioning_at", "ended_at", "ended_by", "end_reason", "extensions",
                "review_due_at", "review_completed_at", "review_completed_by", "review_rationale", "last_sequence",
            ]
            try db.execute(sql: """
                CREATE TABLE grant_status (
                    request_id TEXT PRIMARY KEY NOT NULL,
                    state TEXT NOT NULL,
                    duration_seconds INTEGER NOT NULL,
                    starts_at INTEGER,
                    expires_at INTEGER,
                    provisioning_action TEXT NOT NULL,
                    provisioning TEXT NOT NULL,
                    provisioning_reason TEXT,
                    provisioning_at INTEGER,
                    ended_at INTEGER,
                    ended_by TEXT,
                    end_reason TEXT,
                    extensions TEXT NOT NULL,
                    review_due_at INTEGER,
                    review_completed_at INTEGER,
                    review_completed_by TEXT,
                    review_rationale TEXT,
                    last_sequence INTEGER NOT NULL
                ) WITHOUT ROWID;
                INSERT INTO grant_status (request_id, \(moved.joined(separator: ", ")))
                    SELECT request_id, \(moved.joined(separator: ", ")) FROM grants;
                DROP INDEX grants_due;
                DROP INDEX grants_attention;
                """)
            for column in moved {
                try db.execute(sql: "ALTER TABLE grants DROP COLUMN \(column)")
            }
            // Equalities, not `state IN (...)`: SQLite evaluates a partial
            // index's condition on every write to the row, and a three-value IN
            // list builds a temporary table each time (it doubled the cost of
            // an expiry's UPDATE).
            try db.execute(sql: """
                CREATE INDEX grant_status_live ON grant_status(expires_at, state)
                    WHERE (state = 'active' OR state = 'awaiting_provisioning' OR state = 'failed' OR provisioning <> 'done'
                        OR (review_due_at IS NOT NULL AND review_completed_at IS NULL));
                """)
        }
        // The outbox (issue 15): messages adapters send after the commit
        // (notifications; Jira write-back), enqueued in the transaction of the
        // event that causes them. What was to be sent, to whom and why never
        // changes once written (triggers refuse it) and rows are never
        // deleted: with `delivered_at` they answer who was told what, and when.
        // Only the delivery columns change. Not chained: leases and attempts
        // are bookkeeping, and the events that cause messages are chained.
        migrator.registerMigration("8 outbox") { db in
            try db.execute(sql: """
                CREATE TABLE outbox (
                    id INTEGER PRIMARY KEY,
                    channel TEXT NOT NULL,
                    dedupe_key TEXT NOT NULL,
                    request_id TEXT,
                    recipient TEXT,
                    destination TEXT NOT NULL,
                    batch_key TEXT,
                    payload TEXT NOT NULL,
                    cause_sequence INTEGER,
                    created_at INTEGER NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
                    attempts INTEGER NOT NULL,
                    next_attempt_at INTEGER NOT NULL,
                    last_attempt_at INTEGER,
                    last_error TEXT,
                    delivered_at INTEGER,
                    lease_owner TEXT,
                    lease_until INTEGER,
                    UNIQUE (channel, dedupe_key)
                );
                CREATE INDEX outbox_due ON outbox(channel, next_attempt_at) WHERE state = 'pending';
                CREATE INDEX outbox_by_request ON outbox(request_id) WHERE request_id IS NOT NULL;
                CREATE TRIGGER outbox_refuse_delete BEFORE DELETE ON outbox
                BEGIN SELECT RAISE(ABORT, 'outbox messages are kept: DELETE is refused'); END;
                CREATE TRIGGER outbox_refuse_rewrite BEFORE UPDATE OF id, channel, dedupe_key, request_id, recipient,
                    destination, batch_key, payload, cause_sequence, created_at ON outbox
                BEGIN SELECT RAISE(ABORT, 'what an outbox message says is fixed: only its delivery changes'); END;
                """)
        }
        // Settings become evidence (issue 11): the `settings` table is the fold
        // of the `store_created` and `settings_changed` events, so its row
        // changes through them; `schema` is the last migration the events record.
        migrator.registerMigration("9 settings are evidence") { db in
            try db.execute(sql: """
                DROP TRIGGER settings_refuse_update;
                ALTER TABLE settings ADD COLUMN schema TEXT;
                """)
        }
        // Reconciliation (issue 17): the fold of `reconciliation_run`,
        // `finding_opened` and `finding_resolved`. A finding keeps its identity
        // from run to run; a grant keeps what reconciliation last saw of it.
        migrator.registerMigration("10 reconciliation") { db in
            try db.execute(sql: """
                CREATE TABLE findings (
                    id TEXT PRIMARY KEY NOT NULL,
                    kind TEXT NOT NULL,
                    system TEXT NOT NULL,
                    environment TEXT NOT NULL,
                    subject_kind TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    owner TEXT,
                    entitlement TEXT,
                    grant_type TEXT,
                    scope TEXT NOT NULL,
                    request_id TEXT,
                    credential_id TEXT,
                    summary TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('open', 'resolved')),
                    first_seen_at INTEGER NOT NULL,
                    first_run INTEGER NOT NULL,
                    opened_sequence INTEGER NOT NULL,
                    last_seen_at INTEGER NOT NULL,
                    last_run INTEGER NOT NULL,
                    resolved_at INTEGER,
                    resolved_run INTEGER
                );
                CREATE INDEX findings_open ON findings(system, environment) WHERE state = 'open';
                CREATE TABLE grant_sightings (
                    request_id TEXT PRIMARY KEY NOT NULL,
                    present INTEGER NOT NULL CHECK (present IN (0, 1)),
                    seen_at INTEGER NOT NULL,
                    run INTEGER NOT NULL,
                    present_at INTEGER,
                    present_run INTEGER
                );
                """)
        }
        // Lists for scripts (issue 14): the route as data, not as a sentence.
        // `route` holds the route's canonical JSON (as the record stores it),
        // from which the console's summary and step approvers are derived, so
        // the sentence and the line-feed list of approvers go; `extends` names
        // the request an extension extends. The covering index is rebuilt
        // with them so listing every request still reads the index alone.
        migrator.registerMigration("11 structured routes") { db in
            try db.execute(sql: """
                DROP INDEX requests_summary;
                ALTER TABLE requests DROP COLUMN route_summary;
                ALTER TABLE requests DROP COLUMN route_approvers;
                ALTER TABLE requests ADD COLUMN route TEXT;
                ALTER TABLE requests ADD COLUMN extends TEXT;
                """)
            let rows = try Row.fetchAll(db, sql: "SELECT record FROM requests")
            for row in rows {
                let record = try EventCoding.readRecord(row[0] as Data)
                try db.execute(sql: "UPDATE requests SET route = ?, extends = ? WHERE id = ?",
                               arguments: [record.route.map(RequestRow.routeColumn), record.request.extends, record.id])
            }
            try db.execute(sql: """
                CREATE INDEX requests_summary ON requests(
                    submitted_sequence, id, state, version, requester, submitted_by, subject_kind, subject_name,
                    subject_owner, system, environment, entitlement, scope, access, duration_seconds, break_glass,
                    incident, ticket, purpose, submitted_at, decided_at, extends, route, approvals, approvals_needed)
                """)
        }
        // Signed decisions (issue 12): a person's SSHSIG over the event's
        // statement, and the statement itself. Both are chained with the event
        // (see EventChain); NULL for the events nobody signs.
        migrator.registerMigration("12 signatures") { db in
            try db.execute(sql: """
                ALTER TABLE events ADD COLUMN signature TEXT;
                ALTER TABLE events ADD COLUMN statement TEXT;
                """)
        }
        // Exceptions to findings (issue 17): the fold of `finding_excepted`,
        // the latest exception of each finding, kept when it resolves and
        // comes back.
        migrator.registerMigration("13 finding exceptions") { db in
            try db.execute(sql: """
                ALTER TABLE findings ADD COLUMN excepted_by TEXT;
                ALTER TABLE findings ADD COLUMN excepted_at INTEGER;
                ALTER TABLE findings ADD COLUMN excepted_until INTEGER;
                ALTER TABLE findings ADD COLUMN exception_rationale TEXT;
                ALTER TABLE findings ADD COLUMN exception_sequence INTEGER;
                """)
        }
        // Intake from tickets (issue 16): which ticket each imported request
        // comes from (one ticket, one request), the last refusal of a ticket
        // (the same refusal again records nothing), and how each site's
        // tickets hear of their requests. Folds of `ticket_linked`,
        // `intake_refused` and `write_back_configured` events.
        migrator.registerMigration("14 tickets") { db in
            try db.execute(sql: """
                CREATE TABLE tickets (
                    source TEXT NOT NULL,
                    site TEXT NOT NULL,
                    issue_id TEXT NOT NULL,
                    ticket TEXT NOT NULL,
                    request_id TEXT,
                    refusal TEXT,
                    sequence INTEGER NOT NULL,
                    PRIMARY KEY (source, site, issue_id)
                ) WITHOUT ROWID;
                CREATE INDEX tickets_by_request ON tickets(request_id) WHERE request_id IS NOT NULL;
                CREATE TABLE ticket_sites (
                    source TEXT NOT NULL,
                    site TEXT NOT NULL,
                    format TEXT NOT NULL,
                    comments INTEGER NOT NULL,
                    transitions TEXT NOT NULL,
                    sequence INTEGER NOT NULL,
                    PRIMARY KEY (source, site)
                ) WITHOUT ROWID;
                """)
        }
        // Findings owned by a request (issue 17): the latest request
        // submitted for the access a finding shows, the fold of
        // `request_submitted` events whose request names a `finding`.
        migrator.registerMigration("15 finding requests") { db in
            try db.execute(sql: "ALTER TABLE findings ADD COLUMN linked_request TEXT")
        }
        // Findings sent for removal (issue 17): the fold of
        // `finding_removal_requested` and of its hand-off's outcome
        // (`removal_handed_off`, `removal_hand_off_failed`).
        migrator.registerMigration("16 finding removals") { db in
            try db.execute(sql: """
                ALTER TABLE findings ADD COLUMN removal_by TEXT;
                ALTER TABLE findings ADD COLUMN removal_at INTEGER;
                ALTER TABLE findings ADD COLUMN removal_rationale TEXT;
                ALTER TABLE findings ADD COLUMN removal_sequence INTEGER;
                ALTER TABLE findings ADD COLUMN removal_hand_off TEXT;
                ALTER TABLE findings ADD COLUMN removal_outcome TEXT;
                """)
        }
        // Signatures over signoff.statement/2 (issue 12): no table changes;
        // the migration is the chain's record (in store_created or
        // schema_migrated) of where the store stopped accepting /1
        // statements, so none can be slipped in after it.
        migrator.registerMigration(statementSchema2) { _ in }
        // Who decided each request, for the History list: until now only in
        // the record, which listing never decodes. The covering index is
        // rebuilt with it, so listing every request still reads the index alone.
        migrator.registerMigration("18 deciders") { db in
            try db.execute(sql: """
                DROP INDEX requests_summary;
                ALTER TABLE requests ADD COLUMN decided_by TEXT;
                """)
            for row in try Row.fetchAll(db, sql: "SELECT record FROM requests WHERE decided_at IS NOT NULL") {
                let record = try EventCoding.readRecord(row[0] as Data)
                try db.execute(sql: "UPDATE requests SET decided_by = ? WHERE id = ?",
                               arguments: [RequestRow.decidedByColumn(record), record.id])
            }
            try db.execute(sql: """
                CREATE INDEX requests_summary ON requests(
                    submitted_sequence, id, state, version, requester, submitted_by, subject_kind, subject_name,
                    subject_owner, system, environment, entitlement, scope, access, duration_seconds, break_glass,
                    incident, ticket, purpose, submitted_at, decided_at, extends, route, approvals, approvals_needed,
                    decided_by)
                """)
        }
        // Where the clock starts at provisioning, the end of the window the
        // request asked for (`grant_issued`'s `ends_by`): until now the grant
        // ran its whole length from provisioning, past that end. Grants
        // issued before have no such end in their events, so none here.
        migrator.registerMigration("19 grant windows") { db in
            try db.execute(sql: "ALTER TABLE grant_status ADD COLUMN ends_by INTEGER")
        }
        // The last `policy_applied` event, found at once: the policy in force
        // must be the one it applied, so that a row deleted from the
        // `policies` query table cannot bring back the policy before it.
        migrator.registerMigration("20 policy events") { db in
            try db.execute(sql: "CREATE INDEX events_policy_applied ON events(sequence) WHERE kind = 'policy_applied'")
        }
        // The requests whose ticket named someone who changed their terms
        // (`ticket_linked`'s `edited_by`), found at once: "routed to me" asks
        // each of them the record, which knows its editors.
        migrator.registerMigration("21 ticket editors") { db in
            try db.execute(sql: "CREATE INDEX events_edited ON events(request_id) WHERE \(Store.editedCondition)")
        }
        // Signatures over signoff.statement/3, which names the store: as
        // for /2, no table changes; the migration is the chain's record of
        // where the store stopped accepting /2 statements, which a store
        // made to match could hold as well.
        migrator.registerMigration(statementSchema3) { _ in }
        // Each outbox row names who last added or changed it: a delivery
        // marked done, a message given up or sent again is somebody's act.
        // On a PostgreSQL store the server stamps it (`put_outbox`).
        migrator.registerMigration("23 outbox changes name who made them") { db in
            try db.execute(sql: """
                ALTER TABLE outbox ADD COLUMN changed_by TEXT;
                ALTER TABLE outbox ADD COLUMN changed_how TEXT;
                """)
        }
        // Who added each message (the person whose command enqueued it): it
        // says who left a message as it stands, beside who last changed its
        // delivery. Fixed once written; rows older than the column have none.
        migrator.registerMigration("24 outbox rows name who added them") { db in
            try db.execute(sql: """
                ALTER TABLE outbox ADD COLUMN created_by TEXT;
                CREATE TRIGGER outbox_refuse_new_adder BEFORE UPDATE OF created_by ON outbox
                    WHEN old.created_by IS NOT new.created_by
                BEGIN SELECT RAISE(ABORT, 'who added an outbox message is fixed'); END;
                """)
        }
        // The `store_created` and `settings_changed` events, found at once:
        // a command goes by the settings they set (`StoreSettings.chained`),
        // not by the `settings` row, which whoever can write the file can edit.
        migrator.registerMigration("25 settings events") { db in
            try db.execute(sql: """
                CREATE INDEX events_settings ON events(sequence) WHERE kind IN ('store_created', 'settings_changed')
                """)
        }
        return migrator
    }
}
