/// A PostgreSQL store's objects: the schema `signoff`, owned by the role that
/// ran `signoff init` (the store's administrator), as named migrations applied
/// in order and recorded in `signoff.migrations`. A migration, once released,
/// never changes: new needs get a new migration at the end.
///
/// The security model, enforced by the database rather than by signoff:
///
/// - People act through their own PostgreSQL roles, each mapped to one person
///   of the directory (`signoff.actors`, written by `signoff store grant`).
///   Mapped roles are members of the store's group role, which may read
///   every table and call the store's functions, and nothing else: no
///   INSERT, UPDATE, DELETE or TRUNCATE on any table.
/// - Events are appended only by `signoff.append_event`, a SECURITY DEFINER
///   function. It takes the store's append lock (so the chain stays linear
///   however many connections append), checks that the event continues the
///   chain, stamps the actor: an event's actor is the person mapped to the
///   session's role (`session_user`, which SET ROLE cannot change), recorded
///   with the authentication `postgresql_role`; a client naming anyone else
///   is refused. Rules and signoff itself (`policy`, `system`) may be named by
///   any mapped role, and asserted identities only in a store created to
///   trust them. The function recomputes the event's hash from the stamped
///   columns and refuses one that differs. Policy and store changes
///   (`policy_applied`, `hand_off_configured`) are refused unless the role is
///   the store's administrator or its person is one of the administrators.
/// - The query tables are written only by the `signoff.put_*` functions, and
///   only for an event appended in the same transaction: a role cannot write
///   a row that no event of its own accounts for, and `audit verify` compares
///   every row with the fold of the events.
/// - Triggers refuse UPDATE, DELETE and TRUNCATE of events for everyone,
///   the administrator included; the events table takes only the kinds
///   this schema knows.
enum PostgresSchema {
    /// The schema every object lives in.
    static let name = "signoff"

    struct Migration {
        var name: String
        var sql: String
    }

    /// The advisory lock that serialised appends until migration 11: any role
    /// that could connect could take it (its key is the events table's oid),
    /// and so stop every write. Migrations 1 to 10 are written with it.
    static let advisoryAppendLock = "pg_advisory_xact_lock('signoff.events'::regclass::oid::bigint)"

    /// What serialises appends from migration 11 on: a lock on a table of
    /// its own that no role but the store's owner may lock in this mode, so
    /// it is taken only inside the store's functions.
    static let appendLock = "LOCK TABLE signoff.append_lock IN EXCLUSIVE MODE"

    static let migrations: [Migration] = [
        Migration(name: "1 store", sql: store),
        Migration(name: "2 one fold", sql: oneFold),
        Migration(name: "3 whoami planned once", sql: whoamiPlannedOnce),
        Migration(name: "4 known event kinds", sql: knownEventKinds),
        Migration(name: "5 event payloads are JSON objects", sql: payloadsAreJSONObjects),
        // No table changes: `grant_issued` may carry `ends_by`, which older
        // clients cannot read, so they meet a newer schema instead.
        Migration(name: "6 grant windows", sql: "SELECT 1;"),
        Migration(name: "7 functions search temporary objects last", sql: temporaryObjectsLast),
        Migration(name: "8 rules and signoff speak after a person", sql: rulesAfterAPerson),
        Migration(name: "9 rules and signoff record only what they decide", sql: rulesRecordOnlyDecisions),
        // No table changes: clients sign signoff.statement/3, which names the
        // store, and the first session of this signoff that may record
        // records where the chain adopted it (`Store.recordMigrations`);
        // older clients, which would go on signing /2, meet a newer schema.
        Migration(name: "10 signatures name their store", sql: "SELECT 1;"),
        Migration(name: "11 only the store's functions take its append lock", sql: ownAppendLock),
        Migration(name: "12 outbox changes name who made them", sql: outboxChangedBy),
        Migration(name: "13 only a role that records takes the append lock", sql: beginWriteAsAPerson),
        Migration(name: "14 only deliverers change a notification's delivery", sql: deliverersOnly),
    ]

    /// Only the people the policy in force lets deliver notifications
    /// (`signoff.deliverers`, written with each policy by its administrator;
    /// without a role that grants it, the store's creator) and the store's
    /// administrator change a notification's delivery (its lease, attempts,
    /// state, next attempt): nobody else can mark a notice delivered, give
    /// it up or put it off to keep it from being sent, not even the person
    /// whose command added it, who may be the one it reports on. Anybody
    /// else adds notifications only as new, undelivered messages. Every row
    /// names who added it (`created_by`, stamped by the server; a store
    /// copied into an empty one keeps what each message says of it, through
    /// `copy_outbox`, the administrator's alone). Ticket write-backs keep
    /// migration 12's rule. `put_outbox` is migration 12's,
    /// restated (released SQL never changes).
    static let deliverersOnly = #"""
        ALTER TABLE signoff.outbox ADD COLUMN created_by text;
        -- People and accounts the policy in force lets deliver notifications (written with each policy_applied).
        CREATE TABLE signoff.deliverers (person text PRIMARY KEY);
        -- Until the next policy says otherwise: no policy before this one could
        -- grant deliver_notifications, so the store's creator delivers.
        INSERT INTO signoff.deliverers (person)
            SELECT actor FROM signoff.events WHERE sequence = 1 AND kind = 'store_created';
        GRANT SELECT ON signoff.deliverers TO GROUP;
        CREATE FUNCTION signoff.put_deliverers(p_sequence bigint, p_people text[])
        RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = signoff, pg_catalog, pg_temp AS $$
        BEGIN
            -- Only with a policy_applied this transaction appended, which append_event lets only administrators append.
            PERFORM signoff.appended_here(p_sequence, NULL, ARRAY['policy_applied']);
            DELETE FROM signoff.deliverers;
            INSERT INTO signoff.deliverers (person) SELECT DISTINCT unnest(p_people);
        END $$;
        CREATE OR REPLACE FUNCTION signoff.put_outbox(p_id bigint, p_channel text, p_dedupe_key text, p_request_id text,
            p_recipient text, p_destination text, p_batch_key text, p_payload text, p_cause_sequence bigint,
            p_created_at bigint, p_state text, p_attempts integer, p_next_attempt_at bigint, p_last_attempt_at bigint,
            p_last_error text, p_delivered_at bigint, p_lease_owner text, p_lease_until bigint)
        RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = signoff, pg_catalog, pg_temp AS $$
        DECLARE
            v_old signoff.outbox;
            v_person text;
            v_delivers boolean;
        BEGIN
            APPENDLOCK;
            SELECT w.person INTO v_person FROM signoff.whoami() w;
            IF v_person IS NULL THEN
                RAISE EXCEPTION 'role % acts as no person in this store, so it may read but not record anything', session_user
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            v_delivers := session_user = (SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'signoff')
                OR EXISTS (SELECT 1 FROM signoff.deliverers d WHERE d.person = v_person);
            SELECT * INTO v_old FROM signoff.outbox o WHERE o.id = p_id;
            IF NOT FOUND THEN
                IF p_channel = 'notification' AND NOT v_delivers
                   AND ((p_state, p_attempts) IS DISTINCT FROM ('pending', 0)
                        OR num_nonnulls(p_last_attempt_at, p_last_error, p_delivered_at, p_lease_owner, p_lease_until) > 0) THEN
                    RAISE EXCEPTION '% may add notification % only as a new one, not yet attempted: only the people the policy lets deliver notifications (deliver_notifications) record a delivery', v_person, p_id
                        USING ERRCODE = 'insufficient_privilege';
                END IF;
                INSERT INTO signoff.outbox (id, channel, dedupe_key, request_id, recipient, destination, batch_key, payload,
                    cause_sequence, created_at, state, attempts, next_attempt_at, last_attempt_at, last_error, delivered_at,
                    lease_owner, lease_until, revision, changed_by, changed_how, created_by)
                VALUES (p_id, p_channel, p_dedupe_key, p_request_id, p_recipient, p_destination, p_batch_key, p_payload,
                    p_cause_sequence, p_created_at, p_state, p_attempts, p_next_attempt_at, p_last_attempt_at, p_last_error,
                    p_delivered_at, p_lease_owner, p_lease_until, nextval('signoff.outbox_revisions'), v_person,
                    'postgresql_role', v_person);
                RETURN;
            END IF;
            IF (v_old.channel, v_old.dedupe_key, v_old.request_id, v_old.recipient, v_old.destination, v_old.batch_key,
                v_old.payload, v_old.cause_sequence, v_old.created_at)
               IS DISTINCT FROM (p_channel, p_dedupe_key, p_request_id, p_recipient, p_destination, p_batch_key,
                                 p_payload, p_cause_sequence, p_created_at) THEN
                RAISE EXCEPTION 'what outbox message % says is fixed: only its delivery changes', p_id
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            IF (v_old.state, v_old.attempts, v_old.next_attempt_at, v_old.last_attempt_at, v_old.last_error,
                v_old.delivered_at, v_old.lease_owner, v_old.lease_until)
               IS NOT DISTINCT FROM (p_state, p_attempts, p_next_attempt_at, p_last_attempt_at, p_last_error,
                                     p_delivered_at, p_lease_owner, p_lease_until) THEN
                RETURN;
            END IF;
            IF v_old.channel = 'notification' AND NOT v_delivers THEN
                RAISE EXCEPTION '% may not change the delivery of notification %: only the people the policy lets deliver notifications (deliver_notifications) may', v_person, p_id
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            UPDATE signoff.outbox SET state = p_state, attempts = p_attempts, next_attempt_at = p_next_attempt_at,
                last_attempt_at = p_last_attempt_at, last_error = p_last_error, delivered_at = p_delivered_at,
                lease_owner = p_lease_owner, lease_until = p_lease_until, revision = nextval('signoff.outbox_revisions'),
                changed_by = v_person, changed_how = 'postgresql_role'
            WHERE id = p_id;
        END $$;
        -- A store copied into an empty one keeps who added and who changed each message.
        CREATE FUNCTION signoff.copy_outbox(p_id bigint, p_channel text, p_dedupe_key text, p_request_id text,
            p_recipient text, p_destination text, p_batch_key text, p_payload text, p_cause_sequence bigint,
            p_created_at bigint, p_state text, p_attempts integer, p_next_attempt_at bigint, p_last_attempt_at bigint,
            p_last_error text, p_delivered_at bigint, p_lease_owner text, p_lease_until bigint, p_changed_by text,
            p_changed_how text, p_created_by text)
        RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = signoff, pg_catalog, pg_temp AS $$
        BEGIN
            IF session_user <> (SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'signoff') THEN
                RAISE EXCEPTION 'only the store''s administrator copies a store into it' USING ERRCODE = 'insufficient_privilege';
            END IF;
            IF EXISTS (SELECT 1 FROM signoff.events e WHERE e.xmin <> pg_current_xact_id()::xid) THEN
                RAISE EXCEPTION 'this store already holds events: a store is copied only into an empty one'
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            INSERT INTO signoff.outbox (id, channel, dedupe_key, request_id, recipient, destination, batch_key, payload,
                cause_sequence, created_at, state, attempts, next_attempt_at, last_attempt_at, last_error, delivered_at,
                lease_owner, lease_until, revision, changed_by, changed_how, created_by)
            VALUES (p_id, p_channel, p_dedupe_key, p_request_id, p_recipient, p_destination, p_batch_key, p_payload,
                p_cause_sequence, p_created_at, p_state, p_attempts, p_next_attempt_at, p_last_attempt_at, p_last_error,
                p_delivered_at, p_lease_owner, p_lease_until, nextval('signoff.outbox_revisions'), p_changed_by,
                p_changed_how, p_created_by);
        END $$;
        REVOKE ALL ON FUNCTION signoff.put_deliverers(bigint, text[]) FROM PUBLIC;
        REVOKE ALL ON FUNCTION signoff.copy_outbox(bigint, text, text, text, text, text, text, text, bigint, bigint, text,
            integer, bigint, bigint, text, bigint, text, bigint, text, text, text) FROM PUBLIC;
        GRANT EXECUTE ON FUNCTION signoff.put_deliverers(bigint, text[]) TO GROUP;
        """#

    /// `begin_write` asks who the caller acts as before it takes the append
    /// lock, as every function that records does: a role that may only read
    /// could otherwise take it and sit idle in its transaction, holding up
    /// every write until each gives up.
    static let beginWriteAsAPerson = #"""
        -- Only a role that may record takes the lock: one that only reads
        -- could otherwise hold it, idle in its transaction, for ever.
        CREATE OR REPLACE FUNCTION signoff.begin_write() RETURNS TABLE (sequence bigint, hash text)
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = signoff, pg_catalog, pg_temp AS $$
        BEGIN
            IF (SELECT w.person FROM signoff.whoami() w) IS NULL THEN
                RAISE EXCEPTION 'role % acts as no person in this store, so it may read but not record anything', session_user
                    USING ERRCODE = 'insufficient_privilege',
                          HINT = format('the store''s administrator can run: signoff store grant %s --person NAME', session_user);
            END IF;
            APPENDLOCK;
            RETURN QUERY SELECT e.sequence, e.hash FROM signoff.events e ORDER BY e.sequence DESC LIMIT 1;
        END $$;
        """#

    /// Every outbox row names who last added or changed it, as the server
    /// knows them: the person of the session's role, `postgresql_role`. A
    /// client cannot say otherwise (put_outbox takes no such argument), so a
    /// notice marked delivered, given up or leased away by anyone but the
    /// deliverer says by whom. The copy takes both columns with the row.
    /// `put_outbox` is migration 1's, restated (released SQL never changes)
    /// with the stamp and a row sent back unchanged left alone.
    static let outboxChangedBy = #"""
        ALTER TABLE signoff.outbox ADD COLUMN changed_by text, ADD COLUMN changed_how text;
        CREATE OR REPLACE FUNCTION signoff.put_outbox(p_id bigint, p_channel text, p_dedupe_key text, p_request_id text,
            p_recipient text, p_destination text, p_batch_key text, p_payload text, p_cause_sequence bigint,
            p_created_at bigint, p_state text, p_attempts integer, p_next_attempt_at bigint, p_last_attempt_at bigint,
            p_last_error text, p_delivered_at bigint, p_lease_owner text, p_lease_until bigint)
        RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = signoff, pg_catalog, pg_temp AS $$
        DECLARE
            v_old signoff.outbox;
            v_person text;
        BEGIN
            APPENDLOCK;
            SELECT w.person INTO v_person FROM signoff.whoami() w;
            IF v_person IS NULL THEN
                RAISE EXCEPTION 'role % acts as no person in this store, so it may read but not record anything', session_user
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            SELECT * INTO v_old FROM signoff.outbox o WHERE o.id = p_id;
            IF NOT FOUND THEN
                INSERT INTO signoff.outbox (id, channel, dedupe_key, request_id, recipient, destination, batch_key, payload,
                    cause_sequence, created_at, state, attempts, next_attempt_at, last_attempt_at, last_error, delivered_at,
                    lease_owner, lease_until, revision, changed_by, changed_how)
                VALUES (p_id, p_channel, p_dedupe_key, p_request_id, p_recipient, p_destination, p_batch_key, p_payload,
                    p_cause_sequence, p_created_at, p_state, p_attempts, p_next_attempt_at, p_last_attempt_at, p_last_error,
                    p_delivered_at, p_lease_owner, p_lease_until, nextval('signoff.outbox_revisions'), v_person,
                    'postgresql_role');
                RETURN;
            END IF;
            IF (v_old.channel, v_old.dedupe_key, v_old.request_id, v_old.recipient, v_old.destination, v_old.batch_key,
                v_old.payload, v_old.cause_sequence, v_old.created_at)
               IS DISTINCT FROM (p_channel, p_dedupe_key, p_request_id, p_recipient, p_destination, p_batch_key,
                                 p_payload, p_cause_sequence, p_created_at) THEN
                RAISE EXCEPTION 'what outbox message % says is fixed: only its delivery changes', p_id
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            IF (v_old.state, v_old.attempts, v_old.next_attempt_at, v_old.last_attempt_at, v_old.last_error,
                v_old.delivered_at, v_old.lease_owner, v_old.lease_until)
               IS NOT DISTINCT FROM (p_state, p_attempts, p_next_attempt_at, p_last_attempt_at, p_last_error,
                                     p_delivered_at, p_lease_owner, p_lease_until) THEN
                RETURN;
            END IF;
            UPDATE signoff.outbox SET state = p_state, attempts = p_attempts, next_attempt_at = p_next_attempt_at,
                last_attempt_at = p_last_attempt_at, last_error = p_last_error, delivered_at = p_delivered_at,
                lease_owner = p_lease_owner, lease_until = p_lease_until, revision = nextval('signoff.outbox_revisions'),
                changed_by = v_person, changed_how = 'postgresql_role'
            WHERE id = p_id;
        END $$;
        """#

    /// Every function that took the advisory append lock takes the table
    /// lock instead. `signoff.append_lock` holds no rows and grants nothing:
    /// any lock on it that conflicts with EXCLUSIVE needs INSERT, UPDATE,
    /// DELETE or TRUNCATE on it, which only its owner has, and PostgreSQL
    /// checks them before it waits for the lock (the weakest mode, which a
    /// query could take before being refused, conflicts with nothing but
    /// ACCESS EXCLUSIVE). The functions are rewritten from their own
    /// definitions (a released migration never changes, so theirs are
    /// whatever migrations 1 to 10 left), changing that one statement and
    /// nothing else; the migration fails, and with it the upgrade, if any
    /// function still takes the old lock.
    static let ownAppendLock = #"""
        CREATE TABLE signoff.append_lock ();
        REVOKE ALL ON signoff.append_lock FROM PUBLIC;
        DO $$
        DECLARE
            v_function regprocedure;
            v_rewritten integer := 0;
        BEGIN
            FOR v_function IN SELECT p.oid::regprocedure FROM pg_proc p
                              WHERE p.pronamespace = 'signoff'::regnamespace AND strpos(p.prosrc, $old$ADVISORYLOCK$old$) > 0 LOOP
                EXECUTE replace(pg_get_functiondef(v_function), $old$PERFORM ADVISORYLOCK;$old$, $new$APPENDLOCK;$new$);
                v_rewritten := v_rewritten + 1;
            END LOOP;
            IF v_rewritten = 0 OR EXISTS (SELECT 1 FROM pg_proc p
                                          WHERE p.pronamespace = 'signoff'::regnamespace AND strpos(p.prosrc, $old$ADVISORYLOCK$old$) > 0) THEN
                RAISE EXCEPTION 'the store''s functions could not be moved to its own append lock';
            END IF;
        END $$;
        """#

    /// signoff and its rules record only routes, decisions that are not a
    /// person's self-activation, and the grants and extensions approvals
    /// issue (`DecisionCheck.actorProblem`): every other event is a person's,
    /// so the roles and the signature it needs are asked of whoever it names.
    /// An administrator could otherwise append a policy "by signoff", which
    /// no role check and no signature requirement would ask anything of.
    static let rulesRecordOnlyDecisions = #"""
        CREATE FUNCTION signoff.refuse_rule_as_person() RETURNS trigger LANGUAGE plpgsql
        SET search_path = signoff, pg_catalog, pg_temp AS $$
        BEGIN
            IF NEW.authentication IN ('policy', 'system') AND NOT (
                NEW.kind IN ('request_routed', 'grant_issued', 'grant_extended')
                OR (NEW.kind = 'request_decided' AND (NEW.payload::jsonb -> 'self_activated') IS DISTINCT FROM 'true'::jsonb)
            ) THEN
                RAISE EXCEPTION '% is recorded for a person or account, not for % (%): signoff and its rules record only routes, decisions and the grants approvals issue',
                    NEW.kind, NEW.actor, NEW.authentication USING ERRCODE = 'insufficient_privilege';
            END IF;
            RETURN NEW;
        END $$;
        CREATE TRIGGER events_rules_record_only_decisions BEFORE INSERT ON signoff.events
            FOR EACH ROW EXECUTE FUNCTION signoff.refuse_rule_as_person();
        """#

    /// An event in the name of a policy rule (`policy:RULE`) or of signoff
    /// itself only follows an event of the same transaction: signoff records
    /// them as the consequence of what a person did (a submission routed, a
    /// grant's expiry closing its extensions). A role mapped to a person
    /// could otherwise append, as the first event of its own transaction, a
    /// denial "by the policy" that names nobody, and no event would say who
    /// wrote it. Every transaction's first event is thus a person's.
    static let rulesAfterAPerson = #"""
        CREATE FUNCTION signoff.refuse_unprompted_rule() RETURNS trigger LANGUAGE plpgsql
        SET search_path = signoff, pg_catalog, pg_temp AS $$
        BEGIN
            IF NEW.authentication IN ('policy', 'system') AND NOT EXISTS (
                SELECT 1 FROM signoff.events e WHERE e.sequence = NEW.sequence - 1 AND e.xmin = pg_catalog.pg_current_xact_id()::xid
            ) THEN
                RAISE EXCEPTION '% (%) may only follow an event of the same transaction: a rule or signoff acts on what a person did',
                    NEW.actor, NEW.authentication USING ERRCODE = 'insufficient_privilege';
            END IF;
            RETURN NEW;
        END $$;
        CREATE TRIGGER events_rules_after_a_person BEFORE INSERT ON signoff.events
            FOR EACH ROW EXECUTE FUNCTION signoff.refuse_unprompted_rule();
        """#

    /// Every function that runs with the administrator's rights searches the
    /// caller's temporary schema last. With `search_path = signoff,
    /// pg_catalog` PostgreSQL searches `pg_temp` first for tables, so a role
    /// mapped to a person could create a temporary `pg_namespace` naming
    /// itself the schema's owner: `whoami()` then called it an administrator,
    /// and `append_event` took its policies. (PostgreSQL's advice for
    /// SECURITY DEFINER functions: `pg_temp` last, explicitly.) A function
    /// added later must be created with the same setting.
    static let temporaryObjectsLast = #"""
        DO $$
        DECLARE f regprocedure;
        BEGIN
            FOR f IN SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
                     WHERE p.pronamespace = 'signoff'::regnamespace AND p.prosecdef
            LOOP
                EXECUTE pg_catalog.format('ALTER FUNCTION %s SET search_path = signoff, pg_catalog, pg_temp', f);
            END LOOP;
        END $$;
        """#

    /// Every payload a JSON object, refused otherwise by the table itself:
    /// one that is not JSON would end every JSON export of the chain
    /// (`audit export` carries each payload as an object), so a person
    /// mapped to a role could keep the evidence from everyone else by
    /// appending one by hand. Rows already stored are not checked (`audit
    /// verify` names them).
    static let payloadsAreJSONObjects = #"""
        ALTER TABLE signoff.events ADD CONSTRAINT events_payload_json_object
            CHECK (jsonb_typeof(payload::jsonb) = 'object') NOT VALID;
        """#

    /// The event kinds this schema knows, refused otherwise by the table
    /// itself: an event of a kind no client can read would stop every
    /// client's fold. A signoff that adds a kind adds a migration replacing
    /// this constraint, so older clients meet a newer schema, not an event
    /// they cannot read. Rows already stored are not checked (`audit verify`
    /// names them).
    static let knownEventKinds = #"""
        ALTER TABLE signoff.events ADD CONSTRAINT events_known_kind CHECK (kind IN (
            'policy_applied', 'request_submitted', 'request_routed', 'review_recorded', 'review_refused',
            'action_refused', 'request_decided', 'request_withdrawn', 'grant_issued', 'grant_handed_off',
            'grant_provisioned', 'grant_provisioning_failed', 'grant_expired', 'grant_revoked', 'grant_extended',
            'incident_review_completed', 'hand_off_configured', 'store_created', 'settings_changed',
            'schema_migrated', 'reconciliation_run', 'finding_opened', 'finding_resolved', 'finding_excepted',
            'finding_removal_requested', 'removal_handed_off', 'removal_hand_off_failed', 'request_revised',
            'ticket_linked', 'intake_refused', 'write_back_configured')) NOT VALID;
        """#

    /// `signoff.whoami()`, which every append calls, as PL/pgSQL: a SQL
    /// function with a `SET` clause is planned again on every call (0.17 ms,
    /// half of an append's server time); PL/pgSQL keeps its plan for the
    /// session. Same answer, same owner, same grants.
    private static let whoamiPlannedOnce = #"""
        CREATE OR REPLACE FUNCTION signoff.whoami(OUT role name, OUT person text, OUT is_administrator boolean)
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = signoff, pg_catalog AS $$
        BEGIN
            role := session_user;
            SELECT a.person INTO person FROM signoff.actors a WHERE a.role = session_user;
            is_administrator := session_user = (SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'signoff')
                OR EXISTS (SELECT 1 FROM signoff.actors a JOIN signoff.administrators d ON d.person = a.person
                           WHERE a.role = session_user);
        END $$;
        """#

    /// `GROUP` in these texts is replaced by the store's group role, quoted.
    private static let store = #"""
        -- Which role people act through, and which person each one is.
        CREATE TABLE signoff.actors (
            role name PRIMARY KEY,
            person text NOT NULL CHECK (person <> ''),
            granted_at timestamptz NOT NULL DEFAULT now(),
            granted_by name NOT NULL DEFAULT session_user
        );
        -- People the policy makes administrators (written with each policy_applied).
        CREATE TABLE signoff.administrators (person text PRIMARY KEY);

        CREATE TABLE signoff.events (
            sequence bigint PRIMARY KEY,
            at bigint NOT NULL,
            actor text NOT NULL,
            authentication text NOT NULL,
            kind text NOT NULL,
            request_id text,
            payload text NOT NULL,
            prev_hash text NOT NULL,
            hash text NOT NULL
        );
        CREATE INDEX events_by_request ON signoff.events(request_id, sequence) WHERE request_id IS NOT NULL;

        CREATE FUNCTION signoff.refuse_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'events are append-only: % is refused', TG_OP USING ERRCODE = 'insufficient_privilege';
        END $$;
        CREATE TRIGGER events_refuse_update BEFORE UPDATE OR DELETE ON signoff.events
            FOR EACH ROW EXECUTE FUNCTION signoff.refuse_event_change();
        CREATE TRIGGER events_refuse_truncate BEFORE TRUNCATE ON signoff.events
            FOR EACH STATEMENT EXECUTE FUNCTION signoff.refuse_event_change();

        CREATE TABLE signoff.settings (
            id integer PRIMARY KEY CHECK (id = 1),
            trust_asserted_identities boolean NOT NULL,
            share_group text,
            created_at bigint NOT NULL,
            group_role name NOT NULL
        );
        CREATE FUNCTION signoff.refuse_settings_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'store settings are fixed at creation: % is refused', TG_OP USING ERRCODE = 'insufficient_privilege';
        END $$;
        CREATE TRIGGER settings_refuse_change BEFORE UPDATE OR DELETE ON signoff.settings
            FOR EACH ROW EXECUTE FUNCTION signoff.refuse_settings_change();

        CREATE TABLE signoff.requests (
            id text PRIMARY KEY,
            state text NOT NULL,
            system text NOT NULL,
            environment text NOT NULL,
            requester text NOT NULL,
            subject_kind text NOT NULL,
            subject_name text NOT NULL,
            break_glass boolean NOT NULL,
            submitted_at bigint NOT NULL,
            submitted_sequence bigint NOT NULL UNIQUE,
            decided_at bigint,
            version integer NOT NULL,
            policy_version text,
            last_sequence bigint NOT NULL,
            record text NOT NULL,
            submitted_by text NOT NULL,
            subject_owner text NOT NULL,
            entitlement text NOT NULL,
            scope text,
            access text NOT NULL,
            duration_seconds bigint NOT NULL,
            incident text,
            ticket text,
            purpose text NOT NULL,
            route_summary text,
            approvals integer NOT NULL,
            approvals_needed integer NOT NULL,
            route_approvers text NOT NULL
        );
        CREATE INDEX requests_by_state ON signoff.requests(state, submitted_sequence);
        CREATE INDEX requests_by_system ON signoff.requests(system, environment, submitted_sequence);
        CREATE INDEX requests_by_environment ON signoff.requests(environment, submitted_sequence);
        CREATE INDEX requests_by_requester ON signoff.requests(requester, submitted_sequence);
        CREATE INDEX requests_open_by_age ON signoff.requests(submitted_at) WHERE state IN ('pending', 'blocked');

        CREATE TABLE signoff.reviews (
            sequence bigint PRIMARY KEY,
            request_id text NOT NULL REFERENCES signoff.requests(id) DEFERRABLE INITIALLY DEFERRED,
            reviewer text NOT NULL,
            authentication text NOT NULL,
            verdict text NOT NULL,
            rationale text NOT NULL,
            at bigint NOT NULL,
            request_version integer NOT NULL,
            policy_version text NOT NULL
        );
        CREATE INDEX reviews_by_reviewer ON signoff.reviews(reviewer, request_id);

        CREATE TABLE signoff.policies (
            sequence bigint PRIMARY KEY,
            version text NOT NULL,
            previous_version text,
            file text NOT NULL,
            source text NOT NULL,
            applied_at bigint NOT NULL,
            applied_by text NOT NULL,
            authentication text NOT NULL
        );
        CREATE INDEX policies_by_version ON signoff.policies(version);

        CREATE TABLE signoff.counters (
            name text PRIMARY KEY,
            value bigint NOT NULL
        );

        CREATE TABLE signoff.grants (
            request_id text PRIMARY KEY,
            requester text NOT NULL,
            subject_kind text NOT NULL,
            subject_name text NOT NULL,
            subject_owner text NOT NULL,
            system text NOT NULL,
            environment text NOT NULL,
            entitlement text NOT NULL,
            scope text,
            access text NOT NULL,
            ticket text,
            incident text,
            break_glass boolean NOT NULL,
            revocation_triggers text NOT NULL,
            approved_at bigint NOT NULL,
            approvers text NOT NULL,
            policy_version text NOT NULL,
            self_activated boolean NOT NULL,
            review_reviewers text
        );
        CREATE TABLE signoff.grant_status (
            request_id text PRIMARY KEY,
            state text NOT NULL,
            duration_seconds bigint NOT NULL,
            starts_at bigint,
            expires_at bigint,
            provisioning_action text NOT NULL,
            provisioning text NOT NULL,
            provisioning_reason text,
            provisioning_at bigint,
            ended_at bigint,
            ended_by text,
            end_reason text,
            extensions text NOT NULL,
            review_due_at bigint,
            review_completed_at bigint,
            review_completed_by text,
            review_rationale text,
            last_sequence bigint NOT NULL
        );
        CREATE INDEX grant_status_live ON signoff.grant_status(expires_at, state)
            WHERE (state = 'active' OR state = 'awaiting_provisioning' OR state = 'failed' OR provisioning <> 'done'
                OR (review_due_at IS NOT NULL AND review_completed_at IS NULL));
        CREATE INDEX grant_status_changes ON signoff.grant_status(last_sequence);

        CREATE TABLE signoff.hand_off (
            id integer PRIMARY KEY CHECK (id = 1),
            outbox text,
            command text,
            timeout_seconds integer,
            configured_at bigint NOT NULL,
            configured_by text NOT NULL,
            authentication text NOT NULL,
            sequence bigint NOT NULL
        );

        -- The hash of one event over its canonical bytes (see EventChain).
        CREATE FUNCTION signoff.event_hash(p_prev_hash text, p_sequence bigint, p_at bigint, p_actor text,
                                           p_authentication text, p_kind text, p_request_id text, p_payload text)
        RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT encode(sha256(
                convert_to(p_prev_hash, 'UTF8') || int8send(p_sequence) || int8send(p_at)
                || int4send(octet_length(p_actor)) || convert_to(p_actor, 'UTF8')
                || int4send(octet_length(p_authentication)) || convert_to(p_authentication, 'UTF8')
                || int4send(octet_length(p_kind)) || convert_to(p_kind, 'UTF8')
                || CASE WHEN p_request_id IS NULL THEN '\x00'::bytea
                        ELSE '\x01'::bytea || int4send(octet_length(p_request_id)) || convert_to(p_request_id, 'UTF8') END
                || int4send(octet_length(p_payload)) || convert_to(p_payload, 'UTF8')), 'hex')
        $$;

        -- Who this session acts as: the person mapped to the session's role,
        -- whether that role administers the store, and whether the store
        -- trusts asserted identities. Read by signoff when it connects.
        CREATE FUNCTION signoff.whoami(OUT role name, OUT person text, OUT is_administrator boolean)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = signoff, pg_catalog AS $$
            SELECT session_user,
                   (SELECT a.person FROM signoff.actors a WHERE a.role = session_user),
                   session_user = (SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'signoff')
                       OR EXISTS (SELECT 1 FROM signoff.actors a JOIN signoff.administrators d ON d.person = a.person
                                  WHERE a.role = session_user)
        $$;

        -- Takes the store's append lock for this transaction: a command that
        -- reads, decides and appends holds it from its first read, so two
        -- approvers racing on one request are served one after the other.
        CREATE FUNCTION signoff.begin_write() RETURNS TABLE (sequence bigint, hash text)
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = signoff, pg_catalog AS $$
        BEGIN
            PERFORM ADVISORYLOCK;
            RETURN QUERY SELECT e.sequence, e.hash FROM signoff.events e ORDER BY e.sequence DESC LIMIT 1;
        END $$;

        CREATE FUNCTION signoff.append_event(p_sequence bigint, p_at bigint, p_actor text, p_authentication text,
                                             p_kind text, p_request_id text, p_payload text, p_prev_hash text,
                                             p_hash text)
        RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = signoff, pg_catalog AS $$
        DECLARE
            v_person text;
            v_is_administrator boolean;
            v_trust boolean;
            v_head_sequence bigint;
            v_head_hash text;
            v_now bigint;
        BEGIN
            PERFORM ADVISORYLOCK;
            SELECT w.person, w.is_administrator INTO v_person, v_is_administrator FROM signoff.whoami() w;
            IF v_person IS NULL THEN
                RAISE EXCEPTION 'role % acts as no person in this store, so it may read but not record anything', session_user
                    USING ERRCODE = 'insufficient_privilege',
                          HINT = format('the store''s administrator can run: signoff store grant %s --person NAME', session_user);
            END IF;
            SELECT s.trust_asserted_identities INTO v_trust FROM signoff.settings s WHERE s.id = 1;
            IF p_authentication = 'postgresql_role' THEN
                IF p_actor IS DISTINCT FROM v_person THEN
                    RAISE EXCEPTION 'role % acts as %, not as %', session_user, v_person, p_actor
                        USING ERRCODE = 'insufficient_privilege';
                END IF;
            ELSIF p_authentication = 'policy' THEN
                IF p_actor NOT LIKE 'policy:%' THEN
                    RAISE EXCEPTION 'a policy decision must name its rule as policy:RULE, not %', p_actor
                        USING ERRCODE = 'insufficient_privilege';
                END IF;
            ELSIF p_authentication = 'system' THEN
                IF p_actor <> 'signoff' THEN
                    RAISE EXCEPTION 'only signoff itself acts as the system, not %', p_actor
                        USING ERRCODE = 'insufficient_privilege';
                END IF;
            ELSIF p_authentication = 'asserted' AND v_trust THEN
                NULL;
            ELSE
                RAISE EXCEPTION 'this store records people by their PostgreSQL role, not as % (%)', p_actor, p_authentication
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            IF p_kind IN ('policy_applied', 'hand_off_configured') AND NOT v_is_administrator THEN
                RAISE EXCEPTION '% (role %) is not an administrator of this store, so may not record %', v_person, session_user, p_kind
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            IF NOT v_trust THEN
                v_now := (extract(epoch FROM clock_timestamp()) * 1000)::bigint;
                IF abs(p_at - v_now) > 300000 THEN
                    RAISE EXCEPTION 'the event''s time is % s away from the database server''s clock; correct the clock of this machine',
                        (p_at - v_now) / 1000 USING ERRCODE = 'invalid_parameter_value';
                END IF;
            END IF;
            SELECT e.sequence, e.hash INTO v_head_sequence, v_head_hash FROM signoff.events e ORDER BY e.sequence DESC LIMIT 1;
            IF p_sequence <> coalesce(v_head_sequence, 0) + 1
               OR p_prev_hash <> coalesce(v_head_hash, repeat('0', 64)) THEN
                RAISE EXCEPTION 'event % does not continue the chain (its head is %)', p_sequence, coalesce(v_head_sequence, 0)
                    USING ERRCODE = 'serialization_failure';
            END IF;
            IF p_hash IS DISTINCT FROM signoff.event_hash(p_prev_hash, p_sequence, p_at, p_actor, p_authentication, p_kind,
                                                          p_request_id, p_payload) THEN
                RAISE EXCEPTION 'event %: the hash does not match the event', p_sequence USING ERRCODE = 'data_exception';
            END IF;
            INSERT INTO signoff.events (sequence, at, actor, authentication, kind, request_id, payload, prev_hash, hash)
            VALUES (p_sequence, p_at, p_actor, p_authentication, p_kind, p_request_id, p_payload, p_prev_hash, p_hash);
            -- One notification per transaction at most: identical ones are folded.
            PERFORM pg_notify('signoff', '');
        END $$;

        -- Whether event p_sequence was appended by this transaction (and, when
        -- given, concerns p_request_id): the query tables change only with
        -- an event the same transaction recorded.
        CREATE FUNCTION signoff.appended_here(p_sequence bigint, p_request_id text, p_kinds text[] DEFAULT NULL)
        RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = signoff, pg_catalog AS $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM signoff.events e
                           WHERE e.sequence = p_sequence AND e.xmin = pg_current_xact_id()::xid
                             AND (p_request_id IS NULL OR e.request_id = p_request_id)
                             AND (p_kinds IS NULL OR e.kind = ANY (p_kinds))) THEN
                RAISE EXCEPTION 'no event % % was recorded in this transaction, so its query rows may not change',
                    p_sequence, coalesce('of ' || p_request_id, '')
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
        END $$;
        REVOKE ALL ON FUNCTION signoff.appended_here(bigint, text, text[]) FROM PUBLIC;

        CREATE FUNCTION signoff.put_request(
            p_id text, p_state text, p_system text, p_environment text, p_requester text, p_subject_kind text,
            p_subject_name text, p_break_glass boolean, p_submitted_at bigint, p_submitted_sequence bigint,
            p_decided_at bigint, p_version integer, p_policy_version text, p_last_sequence bigint, p_record text,
            p_submitted_by text, p_subject_owner text, p_entitlement text, p_scope text, p_access text,
            p_duration_seconds bigint, p_incident text, p_ticket text, p_purpose text, p_route_summary text,
            p_approvals integer, p_approvals_needed integer, p_route_approvers text)
        RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = signoff, pg_catalog AS $$
        BEGIN
            PERFORM signoff.appended_here(p_last_sequence, p_id);
            INSERT INTO signoff.requests AS r (id, state, system, environment, requester, subject_kind, subject_name,
                break_glass, submitted_at, submitted_sequence, decided_at, version, policy_version, last_sequence, record,
                submitted_by, subject_owner, entitlement, scope, access, duration_seconds, incident, ticket, purpose,
                route_summary, approvals, approvals_needed, route_approvers)
            VALUES (p_id, p_state, p_system, p_environment, p_requester, p_subject_kind, p_subject_name, p_break_glass,
                p_submitted_at, p_submitted_sequence, p_decided_at, p_version, p_policy_version, p_last_sequence, p_record,
                p_submitted_by, p_subject_owner, p_entitlement, p_scope, p_access, p_duration_seconds, p_incident, p_ticket,
                p_purpose, p_route_summary, p_approvals, p_approvals_needed, p_route_approvers)
            ON CONFLICT (id) DO UPDATE SET state = excluded.state, decided_at = excluded.decided_at,
                version = excluded.version, policy_version = excluded.policy_version,
                last_sequence = excluded.last_sequence, record = excluded.record,
                route_summary = excluded.route_summary, approvals = excluded.approvals,
                approvals_needed = excluded.approvals_needed, route_approvers = excluded.route_approvers;
        END $$;

        CREATE FUNCTION signoff.put_review(p_sequence bigint, p_request_id text, p_reviewer text, p_authentication text,
                                           p_verdict text, p_rationale text, p_at bigint, p_request_version integer,
                                           p_policy_version text)
        RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = signoff, pg_catalog AS $$
        BEGIN
            PERFORM signoff.appended_here(p_sequence, p_request_id, ARRAY['review_recorded']);
            INSERT INTO signoff.reviews (sequence, request_id, reviewer, authentication, verdict, rationale, at,
                                         request_version, policy_version)
            VALUES (p_sequence, p_request_id, p_reviewer, p_authentication, p_verdict, p_rationale, p_at,
                    p_request_version, p_policy_version);
        END $$;

        CREATE FUNCTION signoff.put_policy(p_sequence bigint, p_version text, p_previous_version text, p_file text,
                                           p_source text, p_applied_at bigint, p_applied_by text, p_authentication text,
                                           p_administrators text[])
        RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = signoff, pg_catalog AS $$
        BEGIN
            PERFORM signoff.appended_here(p_sequence, NULL, ARRAY['policy_applied']);
            INSERT INTO signoff.policies (sequence, version, previous_version, file, source, applied_at, applied_by,
                                          authentication)
            VALUES (p_sequence, p_version, p_previous_version, p_file, p_source, p_applied_at, p_applied_by,
                    p_authentication);
            DELETE FROM signoff.administrators;
            INSERT INTO signoff.administrators (person) SELECT DISTINCT unnest(p_administrators);
        END $$;

        CREATE FUNCTION signoff.put_hand_off(p_outbox text, p_command text, p_timeout_seconds integer,
                                             p_configured_at bigint, p_configured_by text, p_authentication text,
                                             p_sequence bigint)
        RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = signoff, pg_catalog AS $$
        BEGIN
            PERFORM signoff.appended_here(p_sequence, NULL, ARRAY['hand_off_configured']);
            INSERT INTO signoff.hand_off (id, outbox, command, timeout_seconds, configured_at, configured_by,
                                          authentication, sequence)
            VALUES (1, p_outbox, p_command, p_timeout_seconds, p_configured_at, p_configured_by, p_authentication,
                    p_sequence)
            ON CONFLICT (id) DO UPDATE SET outbox = excluded.outbox, command = excluded.command,
                timeout_seconds = excluded.timeout_seconds, configured_at = excluded.configured_at,
                configured_by = excluded.configured_by, authentication = excluded.authentication,
                sequence = excluded.sequence;
        END $$;

        CREATE FUNCTION signoff.put_grant(
            p_request_id text, p_requester text, p_subject_kind text, p_subject_name text, p_subject_owner text,
            p_system text, p_environment text, p_entitlement text, p_scope text, p_access text, p_ticket text,
            p_incident text, p_break_glass boolean, p_revocation_triggers text, p_approved_at bigint,
            p_approvers text, p_policy_version text, p_self_activated boolean, p_review_reviewers text,
            p_first_sequence bigint)
        RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = signoff, pg_catalog AS $$
        BEGIN
            PERFORM signoff.appended_here(p_first_sequence, p_request_id, ARRAY['grant_issued']);
            INSERT INTO signoff.grants (request_id, requester, subject_kind, subject_name, subject_owner, system,
                environment, entitlement, scope, access, ticket, incident, break_glass, revocation_triggers, approved_at,
                approvers, policy_version, self_activated, review_reviewers)
            VALUES (p_request_id, p_requester, p_subject_kind, p_subject_name, p_subject_owner, p_system, p_environment,
                p_entitlement, p_scope, p_access, p_ticket, p_incident, p_break_glass, p_revocation_triggers,
                p_approved_at, p_approvers, p_policy_version, p_self_activated, p_review_reviewers);
        END $$;

        CREATE FUNCTION signoff.put_grant_status(
            p_request_id text, p_state text, p_duration_seconds bigint, p_starts_at bigint, p_expires_at bigint,
            p_provisioning_action text, p_provisioning text, p_provisioning_reason text, p_provisioning_at bigint,
            p_ended_at bigint, p_ended_by text, p_end_reason text, p_extensions text, p_review_due_at bigint,
            p_review_completed_at bigint, p_review_completed_by text, p_review_rationale text, p_last_sequence bigint)
        RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = signoff, pg_catalog AS $$
        BEGIN
            PERFORM signoff.appended_here(p_last_sequence, p_request_id);
            INSERT INTO signoff.grant_status AS s (request_id, state, duration_seconds, starts_at, expires_at,
                provisioning_action, provisioning, provisioning_reason, provisioning_at, ended_at, ended_by, end_reason,
                extensions, review_due_at, review_completed_at, review_completed_by, review_rationale, last_sequence)
            VALUES (p_request_id, p_state, p_duration_seconds, p_starts_at, p_expires_at, p_provisioning_action,
                p_provisioning, p_provisioning_reason, p_provisioning_at, p_ended_at, p_ended_by, p_end_reason,
                p_extensions, p_review_due_at, p_review_completed_at, p_review_completed_by, p_review_rationale,
                p_last_sequence)
            ON CONFLICT (request_id) DO UPDATE SET state = excluded.state, duration_seconds = excluded.duration_seconds,
                starts_at = excluded.starts_at, expires_at = excluded.expires_at,
                provisioning_action = excluded.provisioning_action, provisioning = excluded.provisioning,
                provisioning_reason = excluded.provisioning_reason, provisioning_at = excluded.provisioning_at,
                ended_at = excluded.ended_at, ended_by = excluded.ended_by, end_reason = excluded.end_reason,
                extensions = excluded.extensions, review_due_at = excluded.review_due_at,
                review_completed_at = excluded.review_completed_at, review_completed_by = excluded.review_completed_by,
                review_rationale = excluded.review_rationale, last_sequence = excluded.last_sequence;
        END $$;

        -- Counters only grow (a request number is never handed out twice).
        CREATE FUNCTION signoff.raise_counter(p_name text, p_value bigint)
        RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = signoff, pg_catalog AS $$
        BEGIN
            PERFORM ADVISORYLOCK;
            IF (SELECT w.person FROM signoff.whoami() w) IS NULL THEN
                RAISE EXCEPTION 'role % acts as no person in this store, so it may read but not record anything', session_user
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            INSERT INTO signoff.counters AS c (name, value) VALUES (p_name, p_value)
            ON CONFLICT (name) DO UPDATE SET value = greatest(c.value, excluded.value);
        END $$;

        -- Nobody but the group reaches the schema; functions are not for PUBLIC.
        REVOKE ALL ON SCHEMA signoff FROM PUBLIC;
        REVOKE ALL ON ALL FUNCTIONS IN SCHEMA signoff FROM PUBLIC;
        GRANT USAGE ON SCHEMA signoff TO GROUP;
        GRANT SELECT ON ALL TABLES IN SCHEMA signoff TO GROUP;
        GRANT EXECUTE ON FUNCTION signoff.whoami(), signoff.begin_write(),
            signoff.append_event(bigint, bigint, text, text, text, text, text, text, text),
            signoff.put_request(text, text, text, text, text, text, text, boolean, bigint, bigint, bigint, integer, text,
                                bigint, text, text, text, text, text, text, bigint, text, text, text, text, integer,
                                integer, text),
            signoff.put_review(bigint, text, text, text, text, text, bigint, integer, text),
            signoff.put_policy(bigint, text, text, text, text, bigint, text, text, text[]),
            signoff.put_hand_off(text, text, integer, bigint, text, text, bigint),
            signoff.put_grant(text, text, text, text, text, text, text, text, text, text, text, text, boolean, text,
                              bigint, text, text, boolean, text, bigint),
            signoff.put_grant_status(text, text, bigint, bigint, bigint, text, text, text, bigint, bigint, text, text,
                                     text, bigint, bigint, text, text, bigint),
            signoff.raise_counter(text, bigint)
            TO GROUP;
        """#

    /// The events become the whole shared store: each client folds them into
    /// its own query tables (the same fold, and the same code, as an SQLite
    /// store), so the server keeps no second projection that could disagree
    /// with the first. Events carry their signatures (chained, as on SQLite);
    /// the outbox is shared, since any deliverer may deliver (migration 14
    /// says which: the policy's); a store can be
    /// filled by `signoff store copy`, once, by its administrator.
    private static let oneFold = #"""
        ALTER TABLE signoff.events ADD COLUMN signature text, ADD COLUMN statement text,
            ADD CONSTRAINT events_signature_whole CHECK ((signature IS NULL) = (statement IS NULL));

        DROP FUNCTION signoff.put_request(text, text, text, text, text, text, text, boolean, bigint, bigint, bigint,
                                          integer, text, bigint, text, text, text, text, text, text, bigint, text, text,
                                          text, text, integer, integer, text),
            signoff.put_review(bigint, text, text, text, text, text, bigint, integer, text),
            signoff.put_hand_off(text, text, integer, bigint, text, text, bigint),
            signoff.put_grant(text, text, text, text, text, text, text, text, text, text, text, text, boolean, text,
                              bigint, text, text, boolean, text, bigint),
            signoff.put_grant_status(text, text, bigint, bigint, bigint, text, text, text, bigint, bigint, text, text,
                                     text, bigint, bigint, text, text, bigint),
            signoff.raise_counter(text, bigint),
            signoff.append_event(bigint, bigint, text, text, text, text, text, text, text),
            signoff.event_hash(text, bigint, bigint, text, text, text, text, text);
        DROP TABLE signoff.reviews, signoff.grant_status, signoff.grants, signoff.requests, signoff.counters,
            signoff.hand_off;

        -- The hash of one event over its canonical bytes (see EventChain):
        -- a signature and its statement, when there is one, are chained too.
        CREATE FUNCTION signoff.event_hash(p_prev_hash text, p_sequence bigint, p_at bigint, p_actor text,
                                           p_authentication text, p_kind text, p_request_id text, p_payload text,
                                           p_signature text, p_statement text)
        RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT encode(sha256(
                convert_to(p_prev_hash, 'UTF8') || int8send(p_sequence) || int8send(p_at)
                || int4send(octet_length(p_actor)) || convert_to(p_actor, 'UTF8')
                || int4send(octet_length(p_authentication)) || convert_to(p_authentication, 'UTF8')
                || int4send(octet_length(p_kind)) || convert_to(p_kind, 'UTF8')
                || CASE WHEN p_request_id IS NULL THEN '\x00'::bytea
                        ELSE '\x01'::bytea || int4send(octet_length(p_request_id)) || convert_to(p_request_id, 'UTF8') END
                || int4send(octet_length(p_payload)) || convert_to(p_payload, 'UTF8')
                || CASE WHEN p_signature IS NULL OR p_statement IS NULL THEN ''::bytea
                        ELSE int4send(octet_length(p_signature)) || convert_to(p_signature, 'UTF8')
                             || int4send(octet_length(p_statement)) || convert_to(p_statement, 'UTF8') END), 'hex')
        $$;

        -- Checks that an event continues the chain and that its hash is its
        -- own, then stores it: the common end of append_event and copy_event.
        CREATE FUNCTION signoff.insert_event(p_sequence bigint, p_at bigint, p_actor text, p_authentication text,
                                             p_kind text, p_request_id text, p_payload text, p_prev_hash text,
                                             p_hash text, p_signature text, p_statement text)
        RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = signoff, pg_catalog AS $$
        DECLARE
            v_head_sequence bigint;
            v_head_hash text;
        BEGIN
            SELECT e.sequence, e.hash INTO v_head_sequence, v_head_hash FROM signoff.events e ORDER BY e.sequence DESC LIMIT 1;
            IF p_sequence <> coalesce(v_head_sequence, 0) + 1
               OR p_prev_hash <> coalesce(v_head_hash, repeat('0', 64)) THEN
                RAISE EXCEPTION 'event % does not continue the chain (its head is %)', p_sequence, coalesce(v_head_sequence, 0)
                    USING ERRCODE = 'serialization_failure';
            END IF;
            IF p_hash IS DISTINCT FROM signoff.event_hash(p_prev_hash, p_sequence, p_at, p_actor, p_authentication, p_kind,
                                                          p_request_id, p_payload, p_signature, p_statement) THEN
                RAISE EXCEPTION 'event %: the hash does not match the event', p_sequence USING ERRCODE = 'data_exception';
            END IF;
            INSERT INTO signoff.events (sequence, at, actor, authentication, kind, request_id, payload, prev_hash, hash,
                                        signature, statement)
            VALUES (p_sequence, p_at, p_actor, p_authentication, p_kind, p_request_id, p_payload, p_prev_hash, p_hash,
                    p_signature, p_statement);
            -- One notification per transaction at most: identical ones are folded.
            PERFORM pg_notify('signoff', '');
        END $$;
        REVOKE ALL ON FUNCTION signoff.insert_event(bigint, bigint, text, text, text, text, text, text, text, text, text)
            FROM PUBLIC;

        CREATE FUNCTION signoff.append_event(p_sequence bigint, p_at bigint, p_actor text, p_authentication text,
                                             p_kind text, p_request_id text, p_payload text, p_prev_hash text,
                                             p_hash text, p_signature text, p_statement text)
        RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = signoff, pg_catalog AS $$
        DECLARE
            v_person text;
            v_is_administrator boolean;
            v_trust boolean;
            v_now bigint;
        BEGIN
            PERFORM ADVISORYLOCK;
            SELECT w.person, w.is_administrator INTO v_person, v_is_administrator FROM signoff.whoami() w;
            IF v_person IS NULL THEN
                RAISE EXCEPTION 'role % acts as no person in this store, so it may read but not record anything', session_user
                    USING ERRCODE = 'insufficient_privilege',
                          HINT = format('the store''s administrator can run: signoff store grant %s --person NAME', session_user);
            END IF;
            SELECT s.trust_asserted_identities INTO v_trust FROM signoff.settings s WHERE s.id = 1;
            IF p_authentication = 'postgresql_role' THEN
                IF p_actor IS DISTINCT FROM v_person THEN
                    RAISE EXCEPTION 'role % acts as %, not as %', session_user, v_person, p_actor
                        USING ERRCODE = 'insufficient_privilege';
                END IF;
            ELSIF p_authentication = 'policy' THEN
                IF p_actor NOT LIKE 'policy:%' THEN
                    RAISE EXCEPTION 'a policy decision must name its rule as policy:RULE, not %', p_actor
                        USING ERRCODE = 'insufficient_privilege';
                END IF;
            ELSIF p_authentication = 'system' THEN
                IF p_actor <> 'signoff' THEN
                    RAISE EXCEPTION 'only signoff itself acts as the system, not %', p_actor
                        USING ERRCODE = 'insufficient_privilege';
                END IF;
            ELSIF p_authentication = 'asserted' AND v_trust THEN
                NULL;
            ELSE
                RAISE EXCEPTION 'this store records people by their PostgreSQL role, not as % (%)', p_actor, p_authentication
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            IF p_kind IN ('policy_applied', 'hand_off_configured', 'write_back_configured', 'settings_changed')
               AND NOT v_is_administrator THEN
                RAISE EXCEPTION '% (role %) is not an administrator of this store, so may not record %', v_person, session_user, p_kind
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            IF NOT v_trust THEN
                v_now := (extract(epoch FROM clock_timestamp()) * 1000)::bigint;
                IF abs(p_at - v_now) > 300000 THEN
                    RAISE EXCEPTION 'the event''s time is % s away from the database server''s clock; correct the clock of this machine',
                        (p_at - v_now) / 1000 USING ERRCODE = 'invalid_parameter_value';
                END IF;
            END IF;
            IF p_kind = 'settings_changed' THEN
                -- The one setting a PostgreSQL store has: trust of asserted
                -- identities, which can be turned off, never on.
                IF (p_payload::jsonb ->> 'share_group') IS NOT NULL THEN
                    RAISE EXCEPTION 'a share group is for store files; who may use a PostgreSQL store is which roles it maps'
                        USING ERRCODE = 'insufficient_privilege';
                END IF;
                IF (p_payload::jsonb -> 'trust_asserted_identities') = 'true'::jsonb AND NOT v_trust THEN
                    RAISE EXCEPTION 'trust of asserted identities can be turned off, never on' USING ERRCODE = 'insufficient_privilege';
                END IF;
                UPDATE signoff.settings SET trust_asserted_identities = (p_payload::jsonb -> 'trust_asserted_identities') = 'true'::jsonb
                WHERE id = 1;
            END IF;
            PERFORM signoff.insert_event(p_sequence, p_at, p_actor, p_authentication, p_kind, p_request_id, p_payload,
                                         p_prev_hash, p_hash, p_signature, p_statement);
        END $$;

        -- Settings change only through a settings_changed event, and the only
        -- change is turning the trust of asserted identities off.
        DROP TRIGGER settings_refuse_change ON signoff.settings;
        CREATE FUNCTION signoff.refuse_settings_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND NOT new.trust_asserted_identities
               AND (new.id, new.share_group, new.created_at, new.group_role)
                   IS NOT DISTINCT FROM (old.id, old.share_group, old.created_at, old.group_role) THEN
                RETURN new;
            END IF;
            RAISE EXCEPTION 'store settings change only by turning off the trust of asserted identities: % is refused', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END $$;
        CREATE TRIGGER settings_refuse_rewrite BEFORE UPDATE OR DELETE ON signoff.settings
            FOR EACH ROW EXECUTE FUNCTION signoff.refuse_settings_rewrite();

        -- `signoff store copy`: the administrator fills a store that held no
        -- event before this transaction with another store's chain, event for
        -- event, each hash checked; actors stay as the chain recorded them.
        CREATE FUNCTION signoff.copy_event(p_sequence bigint, p_at bigint, p_actor text, p_authentication text,
                                           p_kind text, p_request_id text, p_payload text, p_prev_hash text,
                                           p_hash text, p_signature text, p_statement text)
        RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = signoff, pg_catalog AS $$
        BEGIN
            PERFORM ADVISORYLOCK;
            IF session_user <> (SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'signoff') THEN
                RAISE EXCEPTION 'only the store''s administrator copies a store into it' USING ERRCODE = 'insufficient_privilege';
            END IF;
            IF EXISTS (SELECT 1 FROM signoff.events e WHERE e.xmin <> pg_current_xact_id()::xid) THEN
                RAISE EXCEPTION 'this store already holds events: a store is copied only into an empty one'
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            PERFORM signoff.insert_event(p_sequence, p_at, p_actor, p_authentication, p_kind, p_request_id, p_payload,
                                         p_prev_hash, p_hash, p_signature, p_statement);
        END $$;

        -- Messages adapters deliver, shared by every client. What a message
        -- says never changes; only its delivery does, and every change takes
        -- a new revision, by which clients fetch what changed.
        CREATE SEQUENCE signoff.outbox_revisions;
        CREATE TABLE signoff.outbox (
            id bigint PRIMARY KEY,
            channel text NOT NULL,
            dedupe_key text NOT NULL,
            request_id text,
            recipient text,
            destination text NOT NULL,
            batch_key text,
            payload text NOT NULL,
            cause_sequence bigint,
            created_at bigint NOT NULL,
            state text NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
            attempts integer NOT NULL,
            next_attempt_at bigint NOT NULL,
            last_attempt_at bigint,
            last_error text,
            delivered_at bigint,
            lease_owner text,
            lease_until bigint,
            revision bigint NOT NULL,
            UNIQUE (channel, dedupe_key)
        );
        CREATE INDEX outbox_by_revision ON signoff.outbox(revision);
        CREATE FUNCTION signoff.refuse_outbox_delete() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'outbox messages are kept: % is refused', TG_OP USING ERRCODE = 'insufficient_privilege';
        END $$;
        CREATE TRIGGER outbox_refuse_delete BEFORE DELETE ON signoff.outbox
            FOR EACH ROW EXECUTE FUNCTION signoff.refuse_outbox_delete();
        CREATE TRIGGER outbox_refuse_truncate BEFORE TRUNCATE ON signoff.outbox
            FOR EACH STATEMENT EXECUTE FUNCTION signoff.refuse_outbox_delete();

        -- Adds a message, or records its delivery so far: under the append
        -- lock, by a role that acts as a person. A message's content is fixed.
        CREATE FUNCTION signoff.put_outbox(p_id bigint, p_channel text, p_dedupe_key text, p_request_id text,
            p_recipient text, p_destination text, p_batch_key text, p_payload text, p_cause_sequence bigint,
            p_created_at bigint, p_state text, p_attempts integer, p_next_attempt_at bigint, p_last_attempt_at bigint,
            p_last_error text, p_delivered_at bigint, p_lease_owner text, p_lease_until bigint)
        RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = signoff, pg_catalog AS $$
        DECLARE
            v_old signoff.outbox;
        BEGIN
            PERFORM ADVISORYLOCK;
            IF (SELECT w.person FROM signoff.whoami() w) IS NULL THEN
                RAISE EXCEPTION 'role % acts as no person in this store, so it may read but not record anything', session_user
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            SELECT * INTO v_old FROM signoff.outbox o WHERE o.id = p_id;
            IF NOT FOUND THEN
                INSERT INTO signoff.outbox VALUES (p_id, p_channel, p_dedupe_key, p_request_id, p_recipient, p_destination,
                    p_batch_key, p_payload, p_cause_sequence, p_created_at, p_state, p_attempts, p_next_attempt_at,
                    p_last_attempt_at, p_last_error, p_delivered_at, p_lease_owner, p_lease_until,
                    nextval('signoff.outbox_revisions'));
                RETURN;
            END IF;
            IF (v_old.channel, v_old.dedupe_key, v_old.request_id, v_old.recipient, v_old.destination, v_old.batch_key,
                v_old.payload, v_old.cause_sequence, v_old.created_at)
               IS DISTINCT FROM (p_channel, p_dedupe_key, p_request_id, p_recipient, p_destination, p_batch_key,
                                 p_payload, p_cause_sequence, p_created_at) THEN
                RAISE EXCEPTION 'what outbox message % says is fixed: only its delivery changes', p_id
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            UPDATE signoff.outbox SET state = p_state, attempts = p_attempts, next_attempt_at = p_next_attempt_at,
                last_attempt_at = p_last_attempt_at, last_error = p_last_error, delivered_at = p_delivered_at,
                lease_owner = p_lease_owner, lease_until = p_lease_until, revision = nextval('signoff.outbox_revisions')
            WHERE id = p_id;
        END $$;

        REVOKE ALL ON ALL FUNCTIONS IN SCHEMA signoff FROM PUBLIC;
        GRANT SELECT ON signoff.outbox TO GROUP;
        GRANT EXECUTE ON FUNCTION signoff.append_event(bigint, bigint, text, text, text, text, text, text, text, text, text),
            signoff.event_hash(text, bigint, bigint, text, text, text, text, text, text, text),
            signoff.copy_event(bigint, bigint, text, text, text, text, text, text, text, text, text),
            signoff.put_outbox(bigint, text, text, text, text, text, text, text, bigint, bigint, text, integer, bigint,
                               bigint, text, bigint, text, bigint)
            TO GROUP;
        """#

    /// A migration's SQL for a store whose group role is `group`.
    static func sql(_ migration: Migration, group: String) -> String {
        migration.sql
            .replacingOccurrences(of: "TO GROUP", with: "TO " + quoteIdentifier(group))
            .replacingOccurrences(of: "ADVISORYLOCK", with: advisoryAppendLock)
            .replacingOccurrences(of: "APPENDLOCK", with: appendLock)
    }

    /// An identifier quoted for SQL: in double quotes, inner quotes doubled.
    static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
