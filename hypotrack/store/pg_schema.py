"""The team store's schema, as numbered migrations (`hypotrack team init` applies the missing ones).

Who sees what is decided here, by PostgreSQL, never by the client:

- Every person is a login role, listed in ``people`` with a role (worker, supervisor, trainer,
  admin) and a team. ``session_user`` is the signed-in person; ``SET ROLE`` cannot change it, and
  every check below uses it.
- Row-level security on ``events`` and ``cases`` shows a worker the cases they own or are allocated,
  a supervisor their team's cases, a trainer teaching cases and training runs; nothing else, however
  the SQL is written. An attempt to read rows of a case one may not see is logged as refused.
- A trigger stamps each new event: ``who`` is the session user (a client cannot forge it; only a
  whole new case written in one transaction, an import or a copy, keeps the authors its file or its
  old store gives, none included, and ``recorded_by`` still names who wrote it), ``written`` is the server's clock,
  and ``prev_hash``/``hash`` are computed on the server with the same canonical-JSON material as
  :func:`hypotrack.store.base.event_hash`, so a case verifies the same on either backend.
- ``events`` and ``access_log`` are append-only: no UPDATE/DELETE/TRUNCATE is granted, and triggers
  refuse them even to the owner.
- A committed event sends ``NOTIFY hypotrack_events, 'TAG SEQ'``, so open workspaces follow; the
  tag is a hash of the case id, because every signed-in person may listen on the channel
  (migration 2).

A migration runs once, in its own transaction, recorded in ``migrations``; each statement is written
so that running it over a half-built store (roles exist already) does no harm.
"""

from __future__ import annotations

#: Group roles: members may use the schema (what they see is still up to the policies).
USER_ROLE = "hypotrack_user"
ROLES = ("worker", "supervisor", "trainer", "admin")

_M1 = r"""
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hypotrack_user') THEN
    CREATE ROLE hypotrack_user NOLOGIN;
  END IF;
END $$;

CREATE SCHEMA IF NOT EXISTS hypotrack;
REVOKE ALL ON SCHEMA hypotrack FROM PUBLIC;
GRANT USAGE ON SCHEMA hypotrack TO hypotrack_user;

CREATE TABLE hypotrack.meta (key text PRIMARY KEY, value text NOT NULL);
INSERT INTO hypotrack.meta VALUES ('format', 'hypotrack-events');

CREATE TABLE hypotrack.people (
  name text PRIMARY KEY,
  role text NOT NULL CHECK (role IN ('worker', 'supervisor', 'trainer', 'admin')),
  team text NOT NULL,
  added timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE hypotrack.cases (
  case_id text PRIMARY KEY,
  owner text NOT NULL,
  team text,
  kind text NOT NULL,
  created timestamptz NOT NULL DEFAULT now(),
  -- The transaction that created the case: only it may give events other authors than itself.
  created_xact xid8 NOT NULL DEFAULT pg_current_xact_id()
);

CREATE TABLE hypotrack.allocations (
  case_id text NOT NULL REFERENCES hypotrack.cases,
  person text NOT NULL REFERENCES hypotrack.people,
  by text NOT NULL DEFAULT session_user,
  at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (case_id, person)
);

CREATE TABLE hypotrack.events (
  case_id text NOT NULL REFERENCES hypotrack.cases,
  seq integer NOT NULL CHECK (seq >= 1),
  at text NOT NULL,
  who text,
  kind text NOT NULL,
  payload text NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL,
  written text NOT NULL,
  recorded_by text NOT NULL,
  PRIMARY KEY (case_id, seq)
);

-- Each case's head, kept apart from its events by the server (see base.ChainHead).
CREATE TABLE hypotrack.heads (
  case_id text PRIMARY KEY REFERENCES hypotrack.cases,
  count integer NOT NULL,
  hash text NOT NULL
);

-- What the list of cases shows about each case (see EventStore.put_digest): not history.
CREATE TABLE hypotrack.case_digests (
  case_id text PRIMARY KEY REFERENCES hypotrack.cases,
  through_seq integer NOT NULL,
  digest text NOT NULL
);

CREATE TABLE hypotrack.access_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT clock_timestamp(),
  who text NOT NULL DEFAULT session_user,
  case_id text NOT NULL,
  action text NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('read', 'refused')),
  xact xid8 NOT NULL DEFAULT pg_current_xact_id()
);
-- One refused line per case per transaction, however many rows a query touched.
CREATE UNIQUE INDEX access_log_refused_once ON hypotrack.access_log (xact, who, case_id)
  WHERE action = 'sql';

CREATE TABLE hypotrack.last_opened (
  person text NOT NULL DEFAULT session_user,
  case_id text NOT NULL,
  seq integer NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (person, case_id)
);

CREATE FUNCTION hypotrack.is_superuser() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = hypotrack, pg_temp AS $$
  SELECT coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = session_user), false)
$$;

-- The cases the session user may read.
-- VOLATILE, so it sees the case row that the insert of a case's first event has just made (a
-- RETURNING clause checks the new row against the read policy within the same command).
CREATE FUNCTION hypotrack.visible_cases() RETURNS SETOF text
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = hypotrack, pg_temp AS $$
  SELECT k.case_id FROM hypotrack.cases k
    LEFT JOIN hypotrack.people p ON p.name = session_user
   WHERE k.owner = session_user
      OR hypotrack.is_superuser()
      OR EXISTS (SELECT 1 FROM hypotrack.allocations a
                  WHERE a.case_id = k.case_id AND a.person = session_user)
      OR (p.role = 'supervisor' AND k.team = p.team)
      OR (p.role = 'trainer' AND k.kind IN ('teaching', 'training'))
$$;

CREATE FUNCTION hypotrack.can_read(c text) RETURNS boolean
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = hypotrack, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM hypotrack.visible_cases() v WHERE v = c)
$$;

CREATE FUNCTION hypotrack.is_admin() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = hypotrack, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM hypotrack.people WHERE name = session_user AND role = 'admin')
$$;

-- Called by a row policy for a row the reader may not see: log it (once per case and
-- transaction) and keep the row hidden.
CREATE FUNCTION hypotrack.refuse_row(c text) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = hypotrack, pg_temp AS $$
BEGIN
  INSERT INTO hypotrack.access_log (case_id, action, outcome) VALUES (c, 'sql', 'refused')
    ON CONFLICT DO NOTHING;
  RETURN false;
END $$;

-- The one door for reading a case through hypotrack: logs the read (or the refusal).
CREATE FUNCTION hypotrack.open_case(c text, purpose text) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = hypotrack, pg_temp AS $$
DECLARE allowed boolean := hypotrack.can_read(c);
BEGIN
  INSERT INTO hypotrack.access_log (case_id, action, outcome)
    VALUES (c, left(coalesce(purpose, 'read'), 40), CASE WHEN allowed THEN 'read' ELSE 'refused' END);
  RETURN CASE WHEN allowed THEN 'read' ELSE 'refused' END;
END $$;

CREATE FUNCTION hypotrack.allocate(c text, person text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = hypotrack, pg_temp AS $$
DECLARE
  k hypotrack.cases;
  me hypotrack.people;
BEGIN
  SELECT * INTO k FROM hypotrack.cases WHERE case_id = c;
  SELECT * INTO me FROM hypotrack.people WHERE name = session_user;
  IF k.case_id IS NULL OR NOT (hypotrack.is_admin() OR hypotrack.is_superuser()
      OR k.owner = session_user OR (me.role = 'supervisor' AND me.team = k.team)) THEN
    RAISE EXCEPTION 'not allowed to allocate this case (or there is no such case)'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM hypotrack.people WHERE name = person) THEN
    RAISE EXCEPTION 'no person % in this team store (add them with team add)', person
      USING ERRCODE = 'no_data_found';
  END IF;
  INSERT INTO hypotrack.allocations (case_id, person) VALUES (c, person) ON CONFLICT DO NOTHING;
END $$;

CREATE FUNCTION hypotrack.stamp_event() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = hypotrack, pg_temp AS $$
DECLARE
  me hypotrack.people;
  last_seq integer;
  last_hash text;
  own_xact boolean;
  case_kind text;
BEGIN
  SELECT * INTO me FROM hypotrack.people WHERE name = session_user;
  IF NEW.seq = 1 THEN
    IF me.name IS NULL AND NOT hypotrack.is_superuser() THEN
      RAISE EXCEPTION 'you are not a person of this team store; ask its administrator to add you'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF json_typeof(NEW.payload::json) IS DISTINCT FROM 'object' THEN
      RAISE EXCEPTION 'an event payload must be a JSON object' USING ERRCODE = 'check_violation';
    END IF;
    BEGIN
      case_kind := coalesce(NEW.payload::json #>> '{case,kind}', 'live');
    EXCEPTION WHEN untranslatable_character OR invalid_text_representation THEN
      case_kind := 'live';  -- a \u0000 somewhere in the payload: text that cannot be extracted
    END;
    INSERT INTO hypotrack.cases (case_id, owner, team, kind)
      VALUES (NEW.case_id, session_user, me.team, case_kind);
  ELSIF NOT hypotrack.can_read(NEW.case_id) THEN
    RAISE EXCEPTION 'you may not record on this case' USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT created_xact = pg_current_xact_id() INTO own_xact
    FROM hypotrack.cases WHERE case_id = NEW.case_id;
  IF NOT coalesce(own_xact, false) THEN
    NEW.who := session_user;
  END IF;
  SELECT seq, hash INTO last_seq, last_hash FROM hypotrack.events
   WHERE case_id = NEW.case_id ORDER BY seq DESC LIMIT 1;
  IF NEW.seq <> coalesce(last_seq, 0) + 1 THEN
    RAISE EXCEPTION 'case changed since it was read' USING ERRCODE = 'unique_violation';
  END IF;
  NEW.prev_hash := coalesce(last_hash, repeat('0', 64));
  NEW.recorded_by := session_user;
  NEW.written := to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')
                 || '+00:00';
  NEW.hash := encode(sha256(convert_to(
      '[' || to_json(NEW.case_id)::text || ',' || NEW.seq::text || ',' || to_json(NEW.at)::text
      || ',' || coalesce(to_json(NEW.who)::text, 'null') || ',' || to_json(NEW.kind)::text
      || ',' || to_json(NEW.payload)::text || ',' || to_json(NEW.prev_hash)::text || ']',
      'UTF8')), 'hex');
  INSERT INTO hypotrack.heads (case_id, count, hash) VALUES (NEW.case_id, NEW.seq, NEW.hash)
    ON CONFLICT (case_id) DO UPDATE SET count = EXCLUDED.count, hash = EXCLUDED.hash;
  RETURN NEW;
END $$;

CREATE TRIGGER events_stamp BEFORE INSERT ON hypotrack.events
  FOR EACH ROW EXECUTE FUNCTION hypotrack.stamp_event();

CREATE FUNCTION hypotrack.announce_event() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = hypotrack, pg_temp AS $$
BEGIN
  PERFORM pg_notify('hypotrack_events', NEW.case_id || ' ' || NEW.seq::text);
  RETURN NULL;
END $$;

CREATE TRIGGER events_announce AFTER INSERT ON hypotrack.events
  FOR EACH ROW EXECUTE FUNCTION hypotrack.announce_event();

CREATE FUNCTION hypotrack.append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON hypotrack.events
  FOR EACH ROW EXECUTE FUNCTION hypotrack.append_only();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON hypotrack.events
  FOR EACH STATEMENT EXECUTE FUNCTION hypotrack.append_only();
CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON hypotrack.access_log
  FOR EACH ROW EXECUTE FUNCTION hypotrack.append_only();
CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON hypotrack.access_log
  FOR EACH STATEMENT EXECUTE FUNCTION hypotrack.append_only();

ALTER TABLE hypotrack.events ENABLE ROW LEVEL SECURITY;
ALTER TABLE hypotrack.cases ENABLE ROW LEVEL SECURITY;
ALTER TABLE hypotrack.allocations ENABLE ROW LEVEL SECURITY;
ALTER TABLE hypotrack.access_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE hypotrack.last_opened ENABLE ROW LEVEL SECURITY;
ALTER TABLE hypotrack.heads ENABLE ROW LEVEL SECURITY;
ALTER TABLE hypotrack.case_digests ENABLE ROW LEVEL SECURITY;

CREATE POLICY events_read ON hypotrack.events FOR SELECT
  USING (case_id IN (SELECT hypotrack.visible_cases()) OR hypotrack.refuse_row(case_id));
CREATE POLICY events_write ON hypotrack.events FOR INSERT
  WITH CHECK (recorded_by = session_user
              AND (seq = 1 OR case_id IN (SELECT hypotrack.visible_cases())));
CREATE POLICY cases_read ON hypotrack.cases FOR SELECT
  USING (case_id IN (SELECT hypotrack.visible_cases()));
CREATE POLICY allocations_read ON hypotrack.allocations FOR SELECT
  USING (person = session_user OR case_id IN (SELECT hypotrack.visible_cases())
         OR hypotrack.is_admin());
CREATE POLICY heads_read ON hypotrack.heads FOR SELECT
  USING (case_id IN (SELECT hypotrack.visible_cases()));
CREATE POLICY digests_all ON hypotrack.case_digests FOR ALL
  USING (case_id IN (SELECT hypotrack.visible_cases()))
  WITH CHECK (case_id IN (SELECT hypotrack.visible_cases()));
CREATE POLICY access_log_read ON hypotrack.access_log FOR SELECT USING (hypotrack.is_admin());
CREATE POLICY last_opened_own ON hypotrack.last_opened FOR ALL
  USING (person = session_user) WITH CHECK (person = session_user);

REVOKE ALL ON ALL TABLES IN SCHEMA hypotrack FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA hypotrack FROM PUBLIC;
GRANT SELECT ON hypotrack.meta, hypotrack.people, hypotrack.cases, hypotrack.allocations,
  hypotrack.access_log TO hypotrack_user;
GRANT SELECT, INSERT ON hypotrack.events TO hypotrack_user;
GRANT SELECT, INSERT, UPDATE ON hypotrack.last_opened TO hypotrack_user;
GRANT SELECT ON hypotrack.heads TO hypotrack_user;
GRANT SELECT, INSERT, UPDATE ON hypotrack.case_digests TO hypotrack_user;
GRANT EXECUTE ON FUNCTION hypotrack.visible_cases(), hypotrack.can_read(text),
  hypotrack.is_admin(), hypotrack.is_superuser(), hypotrack.allocate(text, text), hypotrack.refuse_row(text), hypotrack.open_case(text, text)
  TO hypotrack_user;
"""

# 2: a change notice names its case by a tag, not by its id (anyone signed in may listen), and
# the per-append permission check looks at the one case instead of listing every visible case.
_M2 = r"""
CREATE OR REPLACE FUNCTION hypotrack.announce_event() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = hypotrack, pg_temp AS $$
BEGIN
  -- Every listener hears every notice, so it names the case only by a tag (see case_tag).
  PERFORM pg_notify('hypotrack_events',
    left(encode(sha256(convert_to('hypotrack:' || NEW.case_id, 'UTF8')), 'hex'), 16)
    || ' ' || NEW.seq::text);
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION hypotrack.can_read(c text) RETURNS boolean
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = hypotrack, pg_temp AS $$
  SELECT EXISTS (
    SELECT 1 FROM hypotrack.cases k
      LEFT JOIN hypotrack.people p ON p.name = session_user
     WHERE k.case_id = c
       AND (k.owner = session_user
            OR hypotrack.is_superuser()
            OR EXISTS (SELECT 1 FROM hypotrack.allocations a
                        WHERE a.case_id = k.case_id AND a.person = session_user)
            OR (p.role = 'supervisor' AND k.team = p.team)
            OR (p.role = 'trainer' AND k.kind IN ('teaching', 'training'))))
$$;
"""

#: Migration number -> SQL. Append new ones; never edit one that has shipped.
MIGRATIONS: dict[int, str] = {1: _M1, 2: _M2}
