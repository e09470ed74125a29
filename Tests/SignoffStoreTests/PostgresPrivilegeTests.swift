import Foundation
import SignoffCore
import Testing
@testable import SignoffStore

/// What the database itself enforces on a PostgreSQL store, tried against the
/// real server as the roles people would use: every forbidden write is
/// attempted and must be refused by PostgreSQL, whatever the client does.
@Suite(.needsPostgreSQL, .serialized)
struct PostgresPrivilegeTests {
    /// A store with its administrator (the superuser of the test cluster,
    /// acting as `admin`), an approver role acting as `dave`, a read-only
    /// auditor role and a role that was never granted anything.
    final class Fixture {
        let database: TestDatabase
        let dave: (name: String, connection: String)
        let auditor: (name: String, connection: String)
        let outsider: (name: String, connection: String)

        init(trustAsserted: Bool = false) throws {
            database = try TestDatabase()
            try Store.initialize(database.location, settings: StoreSettings(trustAssertedIdentities: trustAsserted),
                                 person: "admin")
            dave = try database.role("dave")
            auditor = try database.role("auditor")
            outsider = try database.role("outsider")
            try Store.grant(role: dave.name, person: "dave", in: database.location)
            try Store.grant(role: auditor.name, person: nil, in: database.location)
        }
    }

    static let tables = ["events", "policies", "outbox", "settings", "actors", "administrators", "deliverers", "migrations",
                         "append_lock"]

    static let now = Date().storeMilliseconds

    /// Appends one event through the store's function, with the hash computed
    /// as signoff computes it (unless `hash` is given).
    static func append(_ connection: PostgresConnection, actor: String, authentication: String = "postgresql_role",
                       kind: String = "request_withdrawn", requestID: String? = "REQ-1", payload: String = "{}",
                       at: Int64 = now, hash override: String? = nil, sequence: Int64? = nil) throws {
        let head = try connection.query("SELECT sequence, hash FROM signoff.begin_write()")
        let previous = head.rowCount == 1 ? (head.row(0).integer(0)!, head.row(0).text(1)!) : (0, EventChain.genesis)
        let next = sequence ?? previous.0 + 1
        var chain = EventChain()
        let hash = override ?? chain.hash(prevHash: previous.1, sequence: next, at: at, actor: actor,
                                          authentication: authentication, kind: kind, requestID: requestID,
                                          payload: Array(payload.utf8))
        try connection.query("SELECT signoff.append_event($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)", [
            .integer(next), .integer(at), .text(actor), .text(authentication), .text(kind), PostgresValue(requestID),
            .text(payload), .text(previous.1), .text(hash), .null, .null])
    }

    /// Appends `events` through the store's function, each in its actor's
    /// name as `connection`'s role, with the hash signoff computes.
    static func put(_ events: [EventDraft], on connection: PostgresConnection) throws {
        // In one transaction, as a command sends them: a rule's event follows a person's.
        try connection.transaction {
            for event in events {
                try append(connection, actor: event.actor.name, authentication: event.actor.authentication.rawValue,
                           kind: event.body.kind, requestID: event.requestID,
                           payload: String(decoding: event.body.encodedPayloadBytes(), as: UTF8.self), at: now)
            }
        }
    }

    /// dave's own request REQ-1, routed by the sample policy, then reviewed,
    /// approved and granted by dave: what no command of signoff records.
    static func selfApproval() -> [EventDraft] {
        let person = Principal(name: "dave", authentication: .postgresqlRole)
        let request = Sample.request(requester: "dave")
        let at = Date(storeMilliseconds: now)
        let record = RequestRecord(id: "REQ-1", request: request, submittedBy: person, submittedAt: at)
        return [
            EventDraft(requestID: "REQ-1", actor: person, at: at, body: .requestSubmitted(.init(request: request))),
            EventDraft(requestID: "REQ-1", actor: .signoff, at: at, body: .requestRouted(.init(
                version: 1, policyVersion: Sample.policyVersion,
                outcome: Sample.parsedPolicy.route(request, submittedBy: "dave", at: at), cause: "submitted"))),
            EventDraft(requestID: "REQ-1", actor: person, at: at, body: .reviewRecorded(.init(
                verdict: .approve, rationale: "fine", requestVersion: 1, policyVersion: Sample.policyVersion))),
            EventDraft(requestID: "REQ-1", actor: person, at: at, body: .requestDecided(.init(
                state: .approved, by: ["dave"], policyVersion: Sample.policyVersion, reason: "every step satisfied"))),
            EventDraft(requestID: "REQ-1", actor: person, at: at, body: .grantIssued(.init(
                terms: GrantTerms(record: record), approvers: ["dave"], policyVersion: Sample.policyVersion,
                duration: request.duration, startsAt: at, expiresAt: at.addingTimeInterval(TimeInterval(request.duration.seconds)),
                selfActivated: false, incidentReview: nil))),
        ]
    }

    /// Under a policy this signoff cannot read (a newer signoff's, or one an
    /// administrator appended by hand), nothing that gives access is backed:
    /// the fold sets aside the route, the approval and the grant, as `audit
    /// verify` names them, while what takes access away (a withdrawal) is
    /// folded as recorded.
    @Test func underAPolicyThisSignoffCannotReadTheFoldGivesNoAccess() throws {
        let fixture = try Fixture()
        let unreadable = EventBody.policyApplied(.init(version: "from-a-newer-signoff", previousVersion: nil, file: "policy.yaml",
                                                       source: "route: [unclosed"))
        try Self.put([EventDraft(requestID: nil, actor: Principal(name: "admin", authentication: .postgresqlRole),
                                 at: Date(storeMilliseconds: Self.now), body: unreadable)], on: try fixture.database.connect())
        let dave = try fixture.database.connect(fixture.dave.connection)
        try Self.put(Self.selfApproval(), on: dave)
        let store = try Store.open(fixture.database.location)
        #expect(try store.eventsNotFolded() == 3)
        #expect(try store.record("REQ-1")?.state == .pending)
        #expect(try store.grant("REQ-1") == nil)
        try Self.put([EventDraft(requestID: "REQ-1", actor: Principal(name: "dave", authentication: .postgresqlRole),
                                 at: Date(storeMilliseconds: Self.now), body: .requestWithdrawn(.init(rationale: "not needed")))], on: dave)
        let reopened = try Store.open(fixture.database.location)
        #expect(try reopened.record("REQ-1")?.state == .withdrawn)
        let report = try reopened.verify()
        #expect(!report.isIntact)
        #expect(report.projectionMismatches.filter { $0.table == "events" }.count >= 3, "\(report.projectionMismatches)")
    }

    /// `body` must fail with a PostgreSQL error of `kind` whose text contains `words`.
    static func refused(_ kind: PostgresError.Kind = .permission, _ words: String = "",
                        sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("expected a refusal (\(kind))", sourceLocation: sourceLocation)
        } catch let error as PostgresError {
            #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
            #expect(words.isEmpty || error.description.contains(words), "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func anApproverRoleWritesNoTableDirectlyAndChangesNoSchemaObject() throws {
        let fixture = try Fixture()
        let dave = try fixture.database.connect(fixture.dave.connection)
        let columns = try fixture.database.connect().query("""
            SELECT c.relname, (SELECT attname FROM pg_attribute WHERE attrelid = c.oid AND attnum = 1)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'signoff' AND c.relkind = 'r'
            """).rows.map { ($0.text(0)!, $0.text(1)) }
        #expect(Set(columns.map(\.0)) == Set(Self.tables), "a new table needs its forbidden writes tried here")
        for (table, column) in columns {
            if table == "append_lock" {
                // Nobody reads it: it is there to be locked by the store's functions.
                Self.refused { try dave.execute("SELECT count(*) FROM signoff.\(table)") }
            } else {
                _ = try dave.query("SELECT count(*) FROM signoff.\(table)")
            }
            Self.refused { try dave.execute("INSERT INTO signoff.\(table) DEFAULT VALUES") }
            if let column { Self.refused { try dave.execute("UPDATE signoff.\(table) SET \(column) = \(column)") } }
            Self.refused { try dave.execute("DELETE FROM signoff.\(table)") }
            Self.refused { try dave.execute("TRUNCATE signoff.\(table)") }
            Self.refused { try dave.execute("ALTER TABLE signoff.\(table) DISABLE TRIGGER ALL") }
            Self.refused { try dave.execute("DROP TABLE signoff.\(table)") }
        }
        Self.refused { try dave.execute("CREATE TABLE signoff.mine (x int)") }
        Self.refused { try dave.execute("DROP TRIGGER events_refuse_update ON signoff.events") }
        Self.refused { try dave.execute("CREATE OR REPLACE FUNCTION signoff.whoami() RETURNS void LANGUAGE sql AS 'SELECT'") }
        Self.refused { try dave.execute("ALTER FUNCTION signoff.append_event(bigint, bigint, text, text, text, text, text, text, text, text, text) SECURITY INVOKER") }
        // The check behind every query-table function is not callable at all.
        Self.refused { try dave.execute("SELECT signoff.appended_here(1, NULL)") }
    }

    /// The append lock is taken only inside the store's functions: no role
    /// but the store's owner may lock `signoff.append_lock` in any mode that
    /// would hold up a write, and a role that can merely connect, holding
    /// the advisory key older stores used (the events table's oid, which
    /// anyone can read from pg_class), holds up nothing.
    @Test func noRoleCanHoldUpTheStoresWritesOutsideItsFunctions() throws {
        let fixture = try Fixture()
        let admin = try fixture.database.connect()
        let events = try admin.query("SELECT 'signoff.events'::regclass::oid::bigint").row(0).integer(0)!
        let outsider = try fixture.database.connect(fixture.outsider.connection)
        _ = try outsider.query("SELECT pg_advisory_lock($1::bigint)", [.integer(events)])
        for role in [fixture.outsider, fixture.auditor, fixture.dave] {
            let connection = try fixture.database.connect(role.connection)
            for mode in ["ROW EXCLUSIVE", "SHARE UPDATE EXCLUSIVE", "SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE"] {
                Self.refused {
                    try connection.transaction { try connection.execute("LOCK TABLE signoff.append_lock IN \(mode) MODE") }
                }
            }
        }
        // Nor through the store's function: it locks only for a role that acts as a person.
        for role in [fixture.outsider, fixture.auditor] {
            let connection = try fixture.database.connect(role.connection)
            Self.refused { try connection.transaction { _ = try connection.query("SELECT * FROM signoff.begin_write()") } }
        }
        // dave's append does not wait for the outsider's advisory lock.
        let dave = try fixture.database.connect(fixture.dave.connection)
        try dave.execute("SET lock_timeout = '5s'")
        try dave.transaction { try Self.append(dave, actor: "dave") }
        #expect(try admin.query("SELECT count(*) FROM signoff.events WHERE actor = 'dave'").row(0).integer(0) == 1)
        // No function of the store takes the advisory lock any more.
        let advisory = try admin.query("""
            SELECT count(*) FROM pg_proc WHERE pronamespace = 'signoff'::regnamespace AND prosrc LIKE '%pg_advisory%'
            """).row(0).integer(0)
        #expect(advisory == 0)
    }

    @Test func theDatabaseStampsTheActorFromTheSessionRole() throws {
        let fixture = try Fixture()
        let dave = try fixture.database.connect(fixture.dave.connection)
        try Self.append(dave, actor: "dave")
        Self.refused(.permission, "acts as dave, not as erin") { try Self.append(dave, actor: "erin") }
        Self.refused(.permission, "by their PostgreSQL role") { try Self.append(dave, actor: "erin", authentication: "os_account") }
        Self.refused(.permission, "by their PostgreSQL role") { try Self.append(dave, actor: "erin", authentication: "asserted") }
        Self.refused(.permission, "policy:RULE") { try Self.append(dave, actor: "erin", authentication: "policy") }
        Self.refused(.permission, "only signoff itself") { try Self.append(dave, actor: "erin", authentication: "system") }
        try dave.transaction {
            try Self.append(dave, actor: "dave")
            try Self.append(dave, actor: "policy:auto-deny", authentication: "policy", kind: "request_decided")
            try Self.append(dave, actor: "signoff", authentication: "system", kind: "request_decided")
        }
        // SET ROLE changes current_user, not session_user: a member of another
        // role still acts as its own person.
        let admin = try fixture.database.connect()
        try admin.execute("GRANT \(fixture.auditor.name) TO \(fixture.dave.name)")
        try dave.execute("SET ROLE \(fixture.auditor.name)")
        try Self.append(dave, actor: "dave")
        let stored = try admin.query("SELECT actor, authentication FROM signoff.events ORDER BY sequence").rows
            .map { "\($0.text(0)!) \($0.text(1)!)" }
        #expect(stored == ["admin postgresql_role", "dave postgresql_role", "dave postgresql_role", "policy:auto-deny policy",
                           "signoff system", "dave postgresql_role"])
    }

    @Test func aStoreThatTrustsAssertedIdentitiesTakesThemFromMappedRolesOnly() throws {
        let fixture = try Fixture(trustAsserted: true)
        try Self.append(try fixture.database.connect(fixture.dave.connection), actor: "erin", authentication: "asserted",
                        at: 0)
        Self.refused(.permission, "acts as no person") {
            try Self.append(try fixture.database.connect(fixture.auditor.connection), actor: "erin", authentication: "asserted")
        }
    }

    /// What the database does not judge: what an event says. A person mapped
    /// to a role can append, in their own name, a review and an approval of
    /// their own request and a grant; each is well-chained and stamped with
    /// its true actor. Every client folds the review as the events say, and
    /// the approval and the grant into nothing: they would give access no
    /// approver gave. The request stays pending. `audit verify`, on any
    /// client, names each one.
    @Test func aSelfApprovalAppendedByHandIsNamedByVerify() throws {
        let fixture = try Fixture()
        let policy = Sample.policy()
        try Self.put([EventDraft(requestID: nil, actor: Principal(name: "admin", authentication: .postgresqlRole), at: policy.at,
                                 body: policy.body)], on: try fixture.database.connect())
        try Self.put(Self.selfApproval(), on: try fixture.database.connect(fixture.dave.connection))
        let store = try Store.open(fixture.database.location)
        #expect(try store.record("REQ-1")?.state == .pending)
        #expect(try store.grants(.all).isEmpty)
        #expect(try store.eventsNotFolded() == 2)
        let report = try store.verify()
        #expect(report.firstBadEvent == nil, "the chain is intact: the database accepted every event")
        #expect(report.projectionMismatches.map { "\($0.sequence ?? 0) \($0.problem)" } == [
            "5 review_recorded by dave: a review signoff refuses: dave requested REQ-1 and may not review it",
            "6 request_decided by dave: folded into nothing (event refused: approves REQ-1 before every step was satisfied: owners of payments-db has 0 of 1)",
            "7 grant_issued by dave: folded into nothing (event refused: a grant change that no approval immediately before it made)",
        ])
        #expect(!report.isIntact)
    }

    /// What a person mapped to a role appends by hand stops no client: a kind
    /// no signoff knows, or a payload that is not a JSON object, is refused by
    /// the table; an event of a known kind that signoff would never record (of
    /// a request that does not exist, with a payload it cannot read as its kind) is kept in every client's copy, folded
    /// into nothing, and named by `audit verify`; the store goes on recording.
    @Test func anEventSignoffWouldNeverRecordStopsNoClient() throws {
        let fixture = try Fixture()
        let admin = try fixture.database.connect()
        let dave = try fixture.database.connect(fixture.dave.connection)
        Self.refused(.server, "events_known_kind") { try Self.append(dave, actor: "dave", kind: "grant_teleported") }
        try Self.append(dave, actor: "dave", kind: "request_withdrawn", requestID: "REQ-404")
        // A payload that is not a JSON object would end every JSON export: the table refuses it.
        Self.refused(.server, "json") { try Self.append(dave, actor: "dave", kind: "grant_expired", payload: "not json") }
        Self.refused(.server, "events_payload_json_object") { try Self.append(dave, actor: "dave", kind: "grant_expired", payload: "[]") }
        try Self.append(dave, actor: "dave", kind: "grant_expired", requestID: "REQ-404", payload: #"{"expires_at":"soon"}"#)
        // An approval no review backs (and no grant follows): folded into nothing, and named.
        let person = Principal(name: "dave", authentication: .postgresqlRole), at = Date(storeMilliseconds: Self.now)
        for event in [
            EventDraft(requestID: "REQ-1", actor: person, at: at, body: .requestSubmitted(.init(request: Sample.request(requester: "dave")))),
            EventDraft(requestID: "REQ-1", actor: person, at: at, body: .requestDecided(.init(
                state: .approved, by: ["dave"], policyVersion: Sample.policyVersion, reason: "every step satisfied"))),
        ] {
            try Self.append(dave, actor: "dave", kind: event.body.kind, requestID: event.requestID,
                            payload: String(decoding: event.body.encodedPayloadBytes(), as: UTF8.self))
        }
        let store = try Store.open(fixture.database.location)
        #expect(try store.record("REQ-1")?.state == .pending)
        let policy = Sample.policy()
        try store.write { transaction in
            try transaction.append(EventDraft(requestID: nil, actor: Principal(name: "admin", authentication: .postgresqlRole),
                                              at: Date(storeMilliseconds: Self.now), body: policy.body))
        }
        #expect(try admin.query("SELECT count(*) FROM signoff.events").row(0).integer(0) == 6)
        let report = try store.verify()
        #expect(report.firstBadEvent == nil, "the chain is intact")
        let named = report.projectionMismatches.filter { $0.table == "events" }.compactMap(\.sequence)
        #expect(named == [2, 3, 5], "\(report.projectionMismatches)")
        #expect(!report.projectionMismatches.contains { $0.table == "schema" }, "the copy's own table is no schema change")
        // Kept without folding: the event of no request, the unreadable payload and the approval.
        #expect(try store.eventsNotFolded() == 3)
    }

    /// A payload signoff reads but would write otherwise (spacing, key
    /// order): folding it would chain other bytes than the store holds, so
    /// it is kept as it is, folded into nothing, and named; no client stops.
    @Test func aPayloadNotInCanonicalFormStopsNoClient() throws {
        let fixture = try Fixture()
        let dave = try fixture.database.connect(fixture.dave.connection)
        let person = Principal(name: "dave", authentication: .postgresqlRole)
        let submitted = EventBody.requestSubmitted(.init(request: Sample.request(requester: "dave")))
        try Self.append(dave, actor: "dave", kind: submitted.kind, requestID: "REQ-1",
                        payload: String(decoding: submitted.encodedPayloadBytes(), as: UTF8.self))
        try Self.append(dave, actor: "dave", kind: "request_withdrawn", requestID: "REQ-1", payload: #"{ "rationale" : "spaced" }"#)
        let store = try Store.open(.postgresql(connection: fixture.dave.connection))
        #expect(try store.record("REQ-1")?.state == .pending)
        #expect(try store.eventsNotFolded() == 1)
        // Commands go on after it.
        try store.write { transaction in
            try transaction.append(EventDraft(requestID: "REQ-1", actor: person, at: Date(storeMilliseconds: Self.now),
                                              body: .requestWithdrawn(.init(rationale: "no longer needed"))))
        }
        #expect(try store.record("REQ-1")?.state == .withdrawn)
        let report = try store.verify()
        #expect(report.firstBadEvent == nil, "the chain is intact")
        #expect(report.projectionMismatches.contains { $0.table == "events" && $0.sequence == 3 }, "\(report.projectionMismatches)")
    }

    /// A review unsigned where the policy in force requires a signature
    /// (dave lists a key), appended by hand: no client stops at it, none
    /// counts it, and `audit verify` names it.
    @Test func anUnsignedDecisionAppendedByHandCountsForNothing() throws {
        let fixture = try Fixture()
        let dave = try fixture.database.connect(fixture.dave.connection)
        let key = TestKey("dave@laptop")
        let policy = try Policy.parse(source: SignedStore.policy(dave: [key], erin: []), file: "policy.yaml")
        let at = Date(storeMilliseconds: Self.now)
        let admin = Principal(name: "admin", authentication: .postgresqlRole)
        let request = AccessRequest(requester: "alice", subject: Subject(kind: .serviceAccount, name: "svc-ledger", owner: "alice"),
                                    system: "payments-db", environment: "production", entitlement: "read_replica", access: .read,
                                    purpose: "nightly reconciliation of the ledger", duration: .hours(8))
        // The store's administrator (who lists no key) applies the policy and submits the request.
        try Store.open(fixture.database.location).write { transaction in
            try transaction.append(contentsOf: Lifecycle.apply(policy, previousVersion: nil, by: admin, openRecords: [],
                                                               originals: [:], at: at))
            try transaction.append(contentsOf: Lifecycle.submit(try ScannedRequest(scanning: request), id: "REQ-1", by: admin,
                                                                policy: policy, original: nil, at: at))
        }
        let person = Principal(name: "dave", authentication: .postgresqlRole)
        let review = EventDraft(requestID: "REQ-1", actor: person, at: at, body: .reviewRecorded(.init(
            verdict: .approve, rationale: "ticket OPS-42 checked", requestVersion: 1, policyVersion: policy.version)))
        for event in [review] {
            try Self.append(dave, actor: event.actor.name, authentication: event.actor.authentication.rawValue,
                            kind: event.body.kind, requestID: event.requestID,
                            payload: String(decoding: event.body.encodedPayloadBytes(), as: UTF8.self))
        }
        let store = try Store.open(fixture.database.location)
        let record = try #require(try store.record("REQ-1"))
        #expect(record.state == .pending && record.reviews.isEmpty, "the unsigned review counts for nothing")
        let report = try store.verify()
        #expect(!report.isIntact)
        #expect(report.signatureProblems.map(\.kind) == ["review_recorded"], "\(report.signatureProblems)")
    }

    @Test func readersAndStrangersRecordNothing() throws {
        let fixture = try Fixture()
        let auditor = try fixture.database.connect(fixture.auditor.connection)
        _ = try auditor.query("SELECT count(*) FROM signoff.events")
        Self.refused(.permission, "store grant \(fixture.auditor.name) --person NAME") { try Self.append(auditor, actor: "dave") }
        Self.refused(.permission, "acts as no person") { try auditor.execute(Self.putOutbox(id: 1, payload: "{}")) }
        let outsider = try fixture.database.connect(fixture.outsider.connection)
        Self.refused { _ = try outsider.query("SELECT count(*) FROM signoff.events") }
        Self.refused { try Self.append(outsider, actor: "dave") }
        let opened = #expect(throws: StoreError.self) {
            try Store.open(.postgresql(connection: fixture.outsider.connection))
        }
        guard case let .permissionDenied(_, role, detail)? = opened else {
            Issue.record("expected permissionDenied, got \(String(describing: opened))")
            return
        }
        #expect(role == fixture.outsider.name)
        #expect(detail.contains("signoff store grant \(fixture.outsider.name) --person NAME"))
    }

    @Test func policyAndStoreChangesNeedAnAdministrator() throws {
        let fixture = try Fixture()
        let dave = try fixture.database.connect(fixture.dave.connection)
        for kind in ["policy_applied", "hand_off_configured"] {
            Self.refused(.permission, "not an administrator") { try Self.append(dave, actor: "dave", kind: kind, requestID: nil) }
        }
        // The store's administrator may; so may a person the policy names.
        let admin = try fixture.database.connect()
        try admin.transaction {
            try Self.append(admin, actor: "admin", kind: "policy_applied", requestID: nil)
            let sequence = try admin.query("SELECT max(sequence) FROM signoff.events").row(0).integer(0)!
            try admin.query("SELECT signoff.put_policy($1, 'v1', NULL, 'p.yaml', 'src', $2, 'admin', 'postgresql_role', $3::text[])",
                            [.integer(sequence), .integer(Self.now), .text("{dave}")])
        }
        try Self.append(dave, actor: "dave", kind: "hand_off_configured", requestID: nil)
        let who = try dave.query("SELECT person, is_administrator FROM signoff.whoami()").row(0)
        #expect(who.text(0) == "dave" && who.boolean(1) == true)
    }

    /// The server lets any administrator record the store's configuration,
    /// and any administrator can make another; the fold asks the policy in
    /// force too, and sets aside a change by someone it gives no such role.
    @Test func aConfigurationChangeThePolicyGivesNoRoleForIsFoldedIntoNothing() throws {
        let fixture = try Fixture()
        let admin = try fixture.database.connect()
        let applied = EventBody.policyApplied(.init(version: Sample.policyVersion, previousVersion: nil, file: "policy.yaml",
                                                    source: Sample.policySource))
        try admin.transaction {
            try Self.append(admin, actor: "admin", kind: "policy_applied", requestID: nil,
                            payload: String(decoding: applied.encodedPayloadBytes(), as: UTF8.self))
            let sequence = try admin.query("SELECT max(sequence) FROM signoff.events").row(0).integer(0)!
            try admin.query("SELECT signoff.put_policy($1, $2, NULL, 'policy.yaml', $3, $4, 'admin', 'postgresql_role', $5::text[])",
                            [.integer(sequence), .text(Sample.policyVersion), .text(Sample.policySource), .integer(Self.now),
                             .text("{dave}")])
        }
        let handOff = EventBody.handOffConfigured(.init(outbox: "/srv/dave-decides", command: nil, timeoutSeconds: nil))
        try Self.put([EventDraft(requestID: nil, actor: Principal(name: "dave", authentication: .postgresqlRole),
                                 at: Date(storeMilliseconds: Self.now), body: handOff)],
                     on: try fixture.database.connect(fixture.dave.connection))
        let store = try Store.open(fixture.database.location)
        #expect(try store.eventsNotFolded() == 1)
        #expect(try store.handOff().outbox == nil)
    }

    /// A temporary table of the caller's shadows nothing the store's
    /// functions read: a role cannot name itself the schema's owner.
    @Test func aTemporaryTableMakesNobodyAnAdministrator() throws {
        let fixture = try Fixture()
        let dave = try fixture.database.connect(fixture.dave.connection)
        try dave.query("CREATE TEMP TABLE pg_namespace (nspname name, nspowner oid)")
        try dave.query("INSERT INTO pg_temp.pg_namespace SELECT 'signoff', oid FROM pg_catalog.pg_roles WHERE rolname = session_user")
        try dave.query("CREATE TEMP TABLE pg_roles (rolname name, oid oid)")
        let who = try dave.query("SELECT person, is_administrator FROM signoff.whoami()").row(0)
        #expect(who.text(0) == "dave" && who.boolean(1) == false)
        Self.refused(.permission, "not an administrator") { try Self.append(dave, actor: "dave", kind: "policy_applied", requestID: nil) }
        let functions = try dave.query("""
            SELECT count(*) FROM pg_catalog.pg_proc WHERE pronamespace = 'signoff'::regnamespace AND prosecdef
                AND NOT 'search_path=signoff, pg_catalog, pg_temp' = ANY (proconfig)
            """).row(0).integer(0)
        #expect(functions == 0, "every function with the administrator's rights searches pg_temp last")
    }

    /// A rule's or signoff's own event only follows a person's in the same
    /// transaction: nobody appends a decision "by the policy" that names no one.
    @Test func aRuleSpeaksOnlyAfterAPersonInTheSameTransaction() throws {
        let fixture = try Fixture()
        let dave = try fixture.database.connect(fixture.dave.connection)
        let denial = #"{"by":["policy:x"],"policy_version":"v1","reason":"denied","state":"denied"}"#
        Self.refused(.permission, "may only follow an event of the same transaction") {
            try Self.append(dave, actor: "policy:x", authentication: "policy", kind: "request_decided", payload: denial)
        }
        Self.refused(.permission, "may only follow an event of the same transaction") {
            try Self.append(dave, actor: "signoff", authentication: "system", kind: "request_decided", payload: denial)
        }
        try dave.transaction {
            try Self.append(dave, actor: "dave", kind: "request_withdrawn")
            try Self.append(dave, actor: "policy:x", authentication: "policy", kind: "request_decided", payload: denial)
        }
        #expect(try dave.query("SELECT count(*) FROM signoff.events WHERE authentication = 'policy'").row(0).integer(0) == 1)
    }

    /// signoff and its rules record only routes, decisions that are not a
    /// self-activation, and grants: anything else in their name would be
    /// asked for neither a role nor a signature.
    @Test func aRuleRecordsOnlyWhatItDecides() throws {
        let fixture = try Fixture()
        let dave = try fixture.database.connect(fixture.dave.connection)
        let activation = #"{"by":["dave"],"policy_version":"v1","reason":"self-activated","self_activated":true,"state":"approved"}"#
        let before = try dave.query("SELECT count(*) FROM signoff.events").row(0).integer(0)
        for (actor, authentication, kind, payload) in [("signoff", "system", "request_withdrawn", "{}"),
                                                        ("policy:x", "policy", "review_recorded", "{}"),
                                                        ("policy:x", "policy", "request_decided", activation)] {
            Self.refused(.permission, "is recorded for a person or account") {
                try dave.transaction {
                    try Self.append(dave, actor: "dave", kind: "request_withdrawn")
                    try Self.append(dave, actor: actor, authentication: authentication, kind: kind, payload: payload)
                }
            }
        }
        #expect(try dave.query("SELECT count(*) FROM signoff.events").row(0).integer(0) == before)
    }

    @Test func theChainCannotForkAndAHashMustMatchItsEvent() throws {
        let fixture = try Fixture()
        let dave = try fixture.database.connect(fixture.dave.connection)
        try Self.append(dave, actor: "dave")
        Self.refused(.conflict, "does not continue the chain") { try Self.append(dave, actor: "dave", sequence: 1) }
        Self.refused(.conflict, "does not continue the chain") { try Self.append(dave, actor: "dave", sequence: 5) }
        Self.refused(.server, "hash does not match") {
            try Self.append(dave, actor: "dave", hash: String(repeating: "ab", count: 32))
        }
        Self.refused(.server, "from the database server's clock") {
            try Self.append(dave, actor: "dave", at: Self.now - 3_600_000)
        }
    }

    /// `signoff.put_outbox` for a pending notification with `id` and `payload`.
    static func putOutbox(id: Int, payload: String, state: String = "pending", attempts: Int = 0) -> String {
        """
        SELECT signoff.put_outbox(\(id), 'notification', 'k\(id)', NULL, 'dave', 'email dave@example.com', NULL,
            '\(payload)', NULL, 0, '\(state)', \(attempts), 0, NULL, NULL, NULL, NULL, NULL)
        """
    }

    @Test func policyRowsChangeOnlyWithAnEventOfTheSameTransaction() throws {
        let fixture = try Fixture()
        let admin = try fixture.database.connect()
        let putPolicy = "SELECT signoff.put_policy($1, 'v1', NULL, 'p.yaml', 'src', 0, 'admin', 'postgresql_role', '{dave}'::text[])"
        // An event appended in an earlier transaction does not license a row now.
        try Self.append(admin, actor: "admin", kind: "policy_applied", requestID: nil)
        let sequence = try admin.query("SELECT max(sequence) FROM signoff.events").row(0).integer(0)!
        Self.refused(.permission, "recorded in this transaction") { try admin.query(putPolicy, [.integer(sequence)]) }
        // Nor does an event of another kind in this one.
        Self.refused(.permission) {
            try admin.transaction {
                try Self.append(admin, actor: "admin", kind: "request_withdrawn")
                try admin.query(putPolicy, [.integer(sequence + 1)])
            }
        }
    }

    @Test func anOutboxMessageKeepsWhatItSaysAndOnlyItsDeliveryChanges() throws {
        let fixture = try Fixture()
        let dave = try fixture.database.connect(fixture.dave.connection)
        let admin = try fixture.database.connect()
        try dave.execute(Self.putOutbox(id: 1, payload: "{}"))
        try admin.execute(Self.putOutbox(id: 1, payload: "{}", state: "delivered", attempts: 1))
        Self.refused(.permission, "is fixed") { try dave.execute(Self.putOutbox(id: 1, payload: "{\"x\":1}")) }
        Self.refused(.permission, "is fixed") { try admin.execute(Self.putOutbox(id: 1, payload: "{\"x\":1}")) }
        let row = try dave.query("SELECT state, attempts, revision FROM signoff.outbox").row(0)
        #expect(row.text(0) == "delivered" && row.integer(1) == 1 && row.integer(2) == 2)
        Self.refused(.permission, "are kept") { try admin.execute("DELETE FROM signoff.outbox") }
    }

    /// Whoever adds a message or changes its delivery is named by the
    /// server, not by the client, and sending the row back unchanged takes
    /// nothing over.
    @Test func theServerNamesWhoAddedAndWhoLastChangedAnOutboxMessage() throws {
        let fixture = try Fixture()
        let admin = try fixture.database.connect()
        let dave = try fixture.database.connect(fixture.dave.connection)
        let changed = "SELECT state, changed_by, changed_how, revision, created_by FROM signoff.outbox WHERE id = 1"
        try dave.execute(Self.putOutbox(id: 1, payload: "{}"))
        var row = try admin.query(changed).row(0)
        #expect(row.text(0) == "pending" && row.text(1) == "dave" && row.text(2) == "postgresql_role" && row.text(4) == "dave")
        try admin.execute(Self.putOutbox(id: 1, payload: "{}", state: "delivered", attempts: 1))
        row = try admin.query(changed).row(0)
        #expect(row.text(0) == "delivered" && row.text(1) == "admin" && row.text(4) == "dave")
        let revision = row.integer(3)
        try dave.execute(Self.putOutbox(id: 1, payload: "{}", state: "delivered", attempts: 1))
        row = try admin.query(changed).row(0)
        #expect(row.text(1) == "admin" && row.integer(3) == revision, "an unchanged row is not taken over")
        Self.refused(.permission, "acts as no person") {
            try fixture.database.connect(fixture.auditor.connection).execute(Self.putOutbox(id: 1, payload: "{}"))
        }
        // What a copy reads of it, through the store.
        let item = try #require(try Store.open(fixture.database.location).outboxItems(.notification).first)
        #expect(item.changedBy == Principal(name: "admin", authentication: .postgresqlRole))
        #expect(item.createdBy == "dave")
    }

    /// An approver cannot keep a notice from being sent: not by marking it
    /// delivered, giving it up, taking its lease or putting its next attempt
    /// off, whoever added it (dave's own command adds the notice of his
    /// refused self-approval), nor by adding it already delivered. A person
    /// the policy in force lets deliver notifications may, once the
    /// administrator's policy says so in the transaction of its `policy_applied`.
    @Test func onlyDeliverersChangeTheDeliveryOfANotification() throws {
        let fixture = try Fixture()
        let admin = try fixture.database.connect()
        let dave = try fixture.database.connect(fixture.dave.connection)
        try admin.execute(Self.putOutbox(id: 1, payload: "{}"))
        try dave.execute(Self.putOutbox(id: 2, payload: "{}"))
        func taking(_ id: Int) -> [String] {
            [Self.putOutbox(id: id, payload: "{}", state: "delivered", attempts: 1),
             Self.putOutbox(id: id, payload: "{}", state: "failed", attempts: 8),
             Self.putOutbox(id: id, payload: "{}", attempts: 1),
             Self.putOutbox(id: id, payload: "{}").replacingOccurrences(of: "'pending', 0, 0,", with: "'pending', 0, 99999999999999,")]
        }
        #expect(taking(1).last?.contains("99999999999999") == true)
        for id in [1, 2] {
            for statement in taking(id) {
                Self.refused(.permission, "may not change the delivery of notification \(id)") { try dave.execute(statement) }
            }
        }
        for statement in taking(3).prefix(3) {
            Self.refused(.permission, "only as a new one") { try dave.execute(statement) }
        }
        #expect(try admin.query("SELECT count(*) FROM signoff.outbox WHERE state <> 'pending' OR attempts <> 0").row(0).integer(0) == 0)
        // A ticket write-back is delivered by the intake agent, whoever added it.
        try admin.execute(Self.putOutbox(id: 4, payload: "{}").replacingOccurrences(of: "'notification'", with: "'jira'"))
        try dave.execute(Self.putOutbox(id: 4, payload: "{}", state: "delivered", attempts: 1).replacingOccurrences(of: "'notification'", with: "'jira'"))
        // The deliverers are written only with a policy this transaction applied.
        let putDeliverers = "SELECT signoff.put_deliverers($1, '{dave}'::text[])"
        Self.refused(.permission) { try dave.query(putDeliverers, [.integer(1)]) }
        Self.refused(.permission) { try dave.execute("INSERT INTO signoff.deliverers VALUES ('dave')") }
        try admin.transaction {
            try Self.append(admin, actor: "admin", kind: "policy_applied", requestID: nil)
            let sequence = try admin.query("SELECT max(sequence) FROM signoff.events").row(0).integer(0)!
            try admin.query(putDeliverers, [.integer(sequence)])
        }
        // Nor by copying a message in as it stands: only the administrator, only into an empty store.
        let copied = Self.putOutbox(id: 6, payload: "{}", state: "delivered", attempts: 1)
            .replacingOccurrences(of: "put_outbox", with: "copy_outbox").replacingOccurrences(of: "NULL)", with: "NULL, 'x', 'os_account', 'x')")
        #expect(copied.contains("'x', 'os_account', 'x')"))
        Self.refused(.permission) { try dave.execute(copied) }
        Self.refused(.permission, "copied only into an empty one") { try admin.execute(copied) }
        for statement in taking(1).reversed() { try dave.execute(statement) }
        try dave.execute(taking(5)[0])
        #expect(try admin.query("SELECT changed_by, state FROM signoff.outbox WHERE id = 1").row(0).text(0) == "dave")
        #expect(try admin.query("SELECT state FROM signoff.outbox WHERE id = 5").row(0).text(0) == "delivered")
    }

    @Test func eventsAreAppendOnlyForTheAdministratorToo() throws {
        let fixture = try Fixture()
        let admin = try fixture.database.connect()
        try Self.append(admin, actor: "admin")
        Self.refused(.permission, "append-only: UPDATE") { try admin.execute("UPDATE signoff.events SET actor = 'x'") }
        Self.refused(.permission, "append-only: DELETE") { try admin.execute("DELETE FROM signoff.events") }
        Self.refused(.permission, "append-only: TRUNCATE") { try admin.execute("TRUNCATE signoff.events") }
        Self.refused(.permission, "only by turning off the trust") {
            try admin.execute("UPDATE signoff.settings SET trust_asserted_identities = true")
        }
    }

    @Test func onlyTheAdministratorMapsRoles() throws {
        let fixture = try Fixture()
        let asDave = StoreLocation.postgresql(connection: fixture.dave.connection)
        let error = #expect(throws: StoreError.self) { try Store.grant(role: fixture.dave.name, person: "erin", in: asDave) }
        #expect(error?.description.contains("only the store's administrator") == true, "\(String(describing: error))")
        #expect(try Store.roles(in: fixture.database.location).compactMap(\.person).sorted() == ["admin", "dave"])
        try Store.revoke(role: fixture.dave.name, in: fixture.database.location)
        Self.refused { _ = try fixture.database.connect(fixture.dave.connection).query("SELECT 1 FROM signoff.events") }
        let missing = #expect(throws: StoreError.self) {
            try Store.grant(role: "nobody_such_role", person: "x", in: fixture.database.location)
        }
        #expect(missing?.description.contains("CREATE ROLE") == true)
    }
}

extension PostgresPrivilegeTests {
    /// Events of a live grant's request that signoff would never record,
    /// appended by hand by an approver role: one whose payload cannot be read
    /// as its kind, a second grant, a month longer, for the request, and an
    /// extension by a month that no approval made. Each client folds them
    /// into nothing. No reader of the request or list of grants fails on
    /// them, no command on the grant is refused as if its rows had been
    /// edited, and neither counts: the grant is extended by what an approved
    /// extension gives. `show` and `audit verify` name both.
    @Test func eventsFoldedIntoNothingStopNoReaderAndNoCommand() throws {
        let fixture = try Fixture(trustAsserted: true)
        let store = try Store.open(fixture.database.location)
        let policy = Sample.parsedPolicy
        let alice = Principal(name: "alice", authentication: .asserted)
        let at = Date(storeMilliseconds: Self.now)
        let id = try store.write { transaction in
            try transaction.append(contentsOf: Lifecycle.apply(policy, previousVersion: nil, by: Principal(name: "admin", authentication: .postgresqlRole),
                                                               openRecords: [], originals: [:], at: at))
            let id = try transaction.nextRequestID()
            try transaction.append(contentsOf: Lifecycle.submit(try ScannedRequest(scanning: Sample.request(environment: "sandbox")),
                                                                id: id, by: alice, policy: policy, original: nil, at: at))
            return id
        }
        let issued = try #require(try store.grants(.all).first)
        #expect(issued.requestID == id && issued.state == .active)
        let dave = try fixture.database.connect(fixture.dave.connection)
        let unreadable = try #require(try store.chainHead()).sequence + 1
        try Self.append(dave, actor: "dave", kind: "grant_expired", requestID: id, payload: #"{"expires_at":"soon"}"#)
        let recorded = try #require(try store.events(requestID: id).first { $0.draft.body.kind == "grant_issued" })
        guard case var .grantIssued(longer) = recorded.draft.body else { Issue.record("not a grant"); return }
        longer.expiresAt = longer.expiresAt?.addingTimeInterval(720 * 3600)
        let forgedExtension = EventBody.grantExtended(.init(extensionID: "REQ-99", by: .hours(720), expiresAt: longer.expiresAt))
        for forged in [EventBody.grantIssued(longer), forgedExtension] {
            try Self.append(dave, actor: "dave", kind: forged.kind, requestID: id,
                            payload: String(decoding: forged.encodedPayloadBytes(), as: UTF8.self))
        }

        let client = try Store.open(fixture.database.location)
        #expect(try client.eventsNotFolded() == 3)
        // The sweep expires by the grant's rows: they keep the approved expiry.
        #expect(try client.grants(.all).first?.expiresAt == issued.expiresAt)
        let (record, history) = try #require(try client.recordWithHistory(id))
        #expect(history.map(\.draft.body.kind) == ["request_submitted", "request_routed", "request_decided", "grant_issued"])
        let disputes = try client.disputes(of: record, history: history)
        #expect(disputes.count == 3, "\(disputes)")
        #expect(disputes.allSatisfy { $0.contains("was appended by hand and decides nothing") }, "\(disputes)")
        #expect(disputes.first?.hasPrefix("event \(unreadable) (grant_expired)") == true, "\(disputes)")
        let checked = try #require(try client.checkedGrant(id))
        #expect(checked.problems.isEmpty && checked.replayed == checked.stored, "\(checked.problems)")
        var listed: [String: [String]] = [:]
        try client.forEachCheckedGrant(.all) { grant, _, problems in listed[grant.requestID] = problems }
        #expect(listed == [id: []])

        // An extension asked and approved (the sandbox approves it automatically) counts; the forged one does not.
        try client.write { transaction in
            let grant = try #require(try transaction.grant(id))
            let original = try #require(try transaction.record(id))
            let scanned = try Lifecycle.extensionRequest(of: original, grant: grant, by: .hours(1), askedBy: "alice",
                                                         purpose: nil, policy: policy, at: at)
            try transaction.append(contentsOf: Lifecycle.submit(scanned, id: try transaction.nextRequestID(), by: alice,
                                                                policy: policy, original: grant, at: at))
        }
        let extended = try #require(try client.grants(.all).first { $0.requestID == id })
        #expect(extended.expiresAt == issued.expiresAt?.addingTimeInterval(3600))

        // The whole chain exports as JSON, the unfolded events with it.
        var lines = 0
        try client.export(format: .jsonl) { _ in lines += 1 }
        #expect(lines == Int(try #require(try client.chainHead()).sequence))

        let report = try client.verify()
        #expect(report.firstBadEvent == nil)
        #expect(report.projectionMismatches.filter { $0.table == "events" }.compactMap(\.sequence) == [unreadable, unreadable + 1, unreadable + 2],
                "\(report.projectionMismatches)")
    }

    /// What would hide access, appended by hand by a person the policy does
    /// not let do it: an exception of a finding, its resolution, and the
    /// post-incident review of a break-glass grant (dave is no incident
    /// reviewer; under the sample policy only the store's creator may
    /// reconcile or except). Each client folds them into nothing: the finding
    /// stays open and the review due, and `audit verify` names all three. The
    /// same exception by the store's creator, appended by hand too, is what
    /// signoff records, and counts.
    @Test func whatWouldHideAccessAppendedByHandIsFoldedIntoNothing() throws {
        let fixture = try Fixture(trustAsserted: true)
        let store = try Store.open(fixture.database.location)
        let policy = Sample.parsedPolicy
        let admin = Principal(name: "admin", authentication: .postgresqlRole)
        let alice = Principal(name: "alice", authentication: .asserted)
        let at = Date(storeMilliseconds: Self.now)
        try store.write { transaction in
            try transaction.append(contentsOf: Lifecycle.apply(policy, previousVersion: nil, by: admin, openRecords: [],
                                                               originals: [:], at: at))
        }
        let run = Int(try #require(try store.chainHead()).sequence + 1)
        let id = try store.write { transaction in
            try transaction.append(EventDraft(requestID: nil, actor: admin, at: at, body: .reconciliationRun(.init(
                source: "generic", files: [], covered: [],
                counts: .init(observations: 1, credentials: 0, ignored: 0, matched: 0, awaitingRemoval: 0, findings: 1, opened: 1,
                              seenAgain: 0, resolved: 0),
                grantsPresent: [], grantsAbsent: [], findingsSeen: []))))
            try transaction.append(EventDraft(requestID: nil, actor: admin, at: at, body: .findingOpened(.init(
                findingID: "F-1", kind: .unapproved, run: run, system: "payments-db", environment: "production",
                subjectKind: "service_account", subject: "svc-rogue", owner: "alice", entitlement: "db:read", grantType: "role",
                native: nil, scope: "", access: .read, requestID: nil, credentialID: nil,
                summary: "svc-rogue holds db:read with no approved grant", evidence: []))))
            // alice's break-glass request, self-activated after the policy's wait: its review is due.
            let id = try transaction.nextRequestID()
            let submitted = at.addingTimeInterval(-3600)
            try transaction.append(contentsOf: Lifecycle.submit(try ScannedRequest(scanning: Sample.request(breakGlass: true)),
                                                                id: id, by: alice, policy: policy, original: nil, at: submitted))
            let record = try #require(try transaction.record(id))
            try transaction.append(contentsOf: try Lifecycle.selfActivate(record, by: alice, rationale: "payments down, INC-7 paging",
                                                                          policy: policy, at: submitted.addingTimeInterval(1800)))
            return id
        }
        let due = try #require(try store.grants(.all).first { $0.requestID == id })
        #expect(due.status.reviewDueAt != nil && due.status.reviewCompletedAt == nil)

        let first = try #require(try store.chainHead()).sequence + 1
        let dave = Principal(name: "dave", authentication: .postgresqlRole)
        let until = EventCoding.storedPrecision(at.addingTimeInterval(7 * 86_400))
        let why = "vendor bridge account, removed with the Q1 migration"
        try Self.put([
            EventDraft(requestID: nil, actor: dave, at: at, body: .findingExcepted(.init(findingID: "F-1", rationale: why, until: until))),
            EventDraft(requestID: nil, actor: dave, at: at, body: .findingResolved(.init(findingID: "F-1", run: run))),
            EventDraft(requestID: id, actor: dave, at: at, body: .incidentReviewCompleted(.init(rationale: "looked at the session log"))),
        ], on: try fixture.database.connect(fixture.dave.connection))

        let client = try Store.open(fixture.database.location)
        #expect(try client.eventsNotFolded() == 3)
        #expect(try client.finding("F-1").map { $0.open && $0.exception == nil } == true)
        #expect(try client.grants(.all).first { $0.requestID == id }?.status.reviewCompletedAt == nil)
        let report = try client.verify()
        #expect(report.firstBadEvent == nil, "the chain is intact: the database accepted every event")
        let named = report.projectionMismatches.filter { $0.table == "events" }
        #expect(named.compactMap(\.sequence) == [first, first + 1, first + 2], "\(report.projectionMismatches)")
        #expect(named.allSatisfy { $0.problem.contains("folded into nothing (event refused: ") }, "\(named)")
        #expect(named.first?.problem.contains("dave may not except_finding") == true, "\(named)")
        #expect(named.last?.problem.contains("a post-incident review signoff refuses") == true, "\(named)")

        // The store's creator may except it (no role of the policy grants it to anyone else).
        let finding = try #require(try client.finding("F-1"))
        try Self.put([try Reconciliation.except(finding, concerning: nil, rationale: why, until: until, by: admin, policy: policy, at: at)],
                     on: try fixture.database.connect())
        let later = try Store.open(fixture.database.location)
        #expect(try later.eventsNotFolded() == 3)
        #expect(try later.finding("F-1")?.exception != nil)
    }

    /// A copy folded under older rules (before the fold judged what gives
    /// access) is never read again: the client folds the store anew, and
    /// removes the old copy.
    @Test func aCopyFoldedUnderOlderRulesIsFoldedAgain() throws {
        let fixture = try Fixture()
        let identity = try fixture.database.connect().identity()
        let old = PostgresRemote.foldPath(identity: identity, rules: 1)
        let current = PostgresRemote.foldPath(identity: identity)
        #expect(old != current)
        _ = try Store.open(fixture.database.location)
        try FileManager.default.copyItem(atPath: current, toPath: old)
        #expect(FileManager.default.fileExists(atPath: old))
        let store = try Store.open(fixture.database.location)
        #expect(store.path != old)
        #expect(!FileManager.default.fileExists(atPath: old))
        #expect(FileManager.default.fileExists(atPath: current))
    }
}
