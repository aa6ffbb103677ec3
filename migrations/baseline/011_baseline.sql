-- Syncline's own schema as migrations 001..011 leave it, for a fresh install (DESIGN §19,
-- ADOPT-001). Runs with search_path = <own schema>, <the role's path>: every object lands in
-- Syncline's schema, nothing elsewhere. The demo's pages/attachments are app tables now
-- (`schema apply` creates them); databases made by earlier releases run 001..011 instead, and a
-- test compares the two results object by object.
CREATE EXTENSION IF NOT EXISTS citext;  -- stays where it is when the database already has it

-- DATA-001..006: an entity/activity `tx` is null or {transactionId ≤32, sourceId ≤64,
-- changedField ≤64 | null}. PL/pgSQL: compiled once per session (see 008).
CREATE FUNCTION syncline_valid_tx(t jsonb) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  RETURN t IS NULL OR coalesce(
    jsonb_typeof(t) = 'object'
    AND jsonb_typeof(t->'transactionId') = 'string' AND length(t->>'transactionId') BETWEEN 1 AND 32
    AND (t->'sourceId' IS NULL OR (jsonb_typeof(t->'sourceId') = 'string'
                                   AND length(t->>'sourceId') <= 64))
    AND (t->'changedField' IS NULL OR jsonb_typeof(t->'changedField') = 'null'
         OR (jsonb_typeof(t->'changedField') = 'string' AND length(t->>'changedField') <= 64)),
    false);
END
$$;

CREATE DOMAIN syncline_id AS text CHECK (VALUE ~ '^[A-Za-z0-9_-]{1,64}$');

CREATE TABLE users (
  id            syncline_id PRIMARY KEY,
  email         citext NOT NULL UNIQUE,
  name          text NOT NULL,
  password_hash text NOT NULL,
  role          text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- Only the BLAKE2b hash of a bearer token is stored.
CREATE TABLE sessions (
  token_hash bytea PRIMARY KEY,
  user_id    text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions(user_id);

-- JWT-004: organizations named in a JWT's claim have no slug until an admin gives them one.
CREATE TABLE organizations (
  id         syncline_id PRIMARY KEY,
  slug       text UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  name       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text REFERENCES users(id) ON DELETE SET NULL
);

CREATE TABLE memberships (
  id              syncline_id PRIMARY KEY,
  organization_id text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  user_id         text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role            text NOT NULL CHECK (role IN ('admin', 'member')),
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, user_id)
);
CREATE INDEX memberships_user_idx ON memberships(user_id);

-- The activity log, written only by the CDC worker. Never stores entity content.
-- (lsn, seq) is the source position: a replay after a crash inserts nothing twice.
-- DATA-SCALE-005: a bulk transaction's rows of one (org, type) are one `refetch` activity.
CREATE TABLE activities (
  id              bigserial PRIMARY KEY,
  lsn             pg_lsn NOT NULL,
  seq             integer NOT NULL,
  organization_id text NOT NULL,
  user_id         text,
  entity_type     text NOT NULL,
  entity_id       text,
  action          text NOT NULL,
  changed_keys    jsonb NOT NULL DEFAULT '[]',
  tx              jsonb CHECK (syncline_valid_tx(tx)),
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (lsn, seq),
  CONSTRAINT activities_action_check
    CHECK (action IN ('create', 'update', 'delete', 'refetch')),
  CONSTRAINT activities_refetch_has_no_entity CHECK ((entity_id IS NULL) = (action = 'refetch'))
);
CREATE INDEX activities_org_idx ON activities(organization_id, id);                -- catch-up
CREATE INDEX activities_tx_idx ON activities((tx->>'transactionId'));              -- DATA-015
CREATE INDEX activities_entity_field_idx                                           -- DATA-016
  ON activities(organization_id, entity_type, entity_id, (tx->>'changedField'));
ALTER TABLE activities SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.05);

-- Idempotency ledger (API-030..032): written in the same transaction as the mutation. Unique
-- per user, not globally (see 003).
CREATE TABLE applied_transactions (
  transaction_id  text NOT NULL CHECK (length(transaction_id) BETWEEN 1 AND 32),
  user_id         text NOT NULL,
  organization_id text NOT NULL,
  entity_type     text NOT NULL,
  entity_id       text NOT NULL,
  action          text NOT NULL CHECK (action IN ('create', 'update', 'delete')),
  changed_field   text,
  source_id       text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, transaction_id)
);
CREATE INDEX applied_transactions_created_idx ON applied_transactions(created_at);
CREATE INDEX applied_transactions_tx_idx ON applied_transactions(transaction_id);

-- A row each time the CDC slot is (re)created: offsets below an epoch's first id are invalid.
CREATE TABLE sync_epochs (
  id                bigserial PRIMARY KEY,
  first_activity_id bigint NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  ready             boolean NOT NULL DEFAULT true
);

CREATE TABLE cdc_workers (
  id              text PRIMARY KEY,
  state           text NOT NULL CHECK (state IN ('active', 'standby', 'reconnecting', 'stopped')),
  last_lsn        pg_lsn,
  last_message_at timestamptz,
  heartbeat_at    timestamptz NOT NULL DEFAULT now()
);

-- The write path's aborts (see 002 and 006).
CREATE FUNCTION syncline_abort(reason text) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = reason;
END
$$;
CREATE FUNCTION syncline_not_applied() RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = 'SL001', MESSAGE = 'syncline: mutation not applied';
END
$$;

-- DATA-SCALE-004: per-org floors of the pruned activity log.
CREATE TABLE activity_floors (
  organization_id text PRIMARY KEY,
  floor           bigint NOT NULL,
  pruned_at       timestamptz NOT NULL DEFAULT now()
);

-- How far back the idempotency ledger reaches (see 010).
CREATE TABLE ledger_horizon (
  one           boolean PRIMARY KEY DEFAULT true CHECK (one),
  pruned_before timestamptz NOT NULL
);
