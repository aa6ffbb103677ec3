-- Syncline initial schema (DESIGN §3). Applied in one transaction by `syncline migrate`.
CREATE EXTENSION IF NOT EXISTS citext;

-- DATA-001..006: an entity/activity `tx` is null or {transactionId ≤32, sourceId ≤64,
-- changedField ≤64 | null}.
CREATE FUNCTION syncline_valid_tx(t jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
  SELECT t IS NULL OR (
    jsonb_typeof(t) = 'object'
    AND jsonb_typeof(t->'transactionId') = 'string' AND length(t->>'transactionId') BETWEEN 1 AND 32
    AND (t->'sourceId' IS NULL OR (jsonb_typeof(t->'sourceId') = 'string'
                                   AND length(t->>'sourceId') <= 64))
    AND (t->'changedField' IS NULL OR jsonb_typeof(t->'changedField') = 'null'
         OR (jsonb_typeof(t->'changedField') = 'string' AND length(t->>'changedField') <= 64)))
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

CREATE TABLE organizations (
  id         syncline_id PRIMARY KEY,
  slug       text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
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

-- Synced product entities. `tx` is the last write's transaction; `field_tx` maps each field
-- to the transaction that last wrote it (the per-field conflict check reads it under lock).
CREATE TABLE pages (
  id              syncline_id PRIMARY KEY,
  organization_id text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name            text NOT NULL,
  description     text,
  keywords        text,
  status          text NOT NULL DEFAULT 'unpublished'
                  CHECK (status IN ('unpublished', 'published', 'archived')),
  parent_id       text,
  display_order   double precision NOT NULL DEFAULT 0,
  created_at      timestamptz NOT NULL DEFAULT now(),
  created_by      text,
  modified_at     timestamptz NOT NULL DEFAULT now(),
  modified_by     text,
  tx              jsonb CHECK (syncline_valid_tx(tx)),
  field_tx        jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX pages_org_idx ON pages(organization_id, id);
ALTER TABLE pages REPLICA IDENTITY FULL;

CREATE TABLE attachments (
  id              syncline_id PRIMARY KEY,
  organization_id text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name            text NOT NULL,
  description     text,
  filename        text NOT NULL,
  content_type    text NOT NULL,
  size            bigint NOT NULL CHECK (size >= 0),
  public          boolean NOT NULL DEFAULT false,
  bucket_name     text,
  group_id        text,
  original_key    text,
  converted_key   text,
  thumbnail_key   text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  created_by      text,
  modified_at     timestamptz NOT NULL DEFAULT now(),
  modified_by     text,
  tx              jsonb CHECK (syncline_valid_tx(tx)),
  field_tx        jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX attachments_org_idx ON attachments(organization_id, id);
ALTER TABLE attachments REPLICA IDENTITY FULL;

-- The activity log, written only by the CDC worker. Never stores entity content.
-- (lsn, seq) is the source position: a replay after a crash inserts nothing twice.
CREATE TABLE activities (
  id              bigserial PRIMARY KEY,
  lsn             pg_lsn NOT NULL,
  seq             integer NOT NULL,
  organization_id text NOT NULL,
  user_id         text,
  entity_type     text NOT NULL,
  entity_id       text NOT NULL,
  action          text NOT NULL CHECK (action IN ('create', 'update', 'delete')),
  changed_keys    jsonb NOT NULL DEFAULT '[]',
  tx              jsonb CHECK (syncline_valid_tx(tx)),
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (lsn, seq)
);
CREATE INDEX activities_org_idx ON activities(organization_id, id);                -- catch-up
CREATE INDEX activities_tx_idx ON activities((tx->>'transactionId'));              -- DATA-015
CREATE INDEX activities_entity_field_idx
  ON activities(entity_type, entity_id, (tx->>'changedField'));                    -- DATA-016

-- Idempotency ledger (API-030..032): written in the same transaction as the mutation.
CREATE TABLE applied_transactions (
  transaction_id  text PRIMARY KEY CHECK (length(transaction_id) BETWEEN 1 AND 32),
  user_id         text NOT NULL,
  organization_id text NOT NULL,
  entity_type     text NOT NULL,
  entity_id       text NOT NULL,
  action          text NOT NULL CHECK (action IN ('create', 'update', 'delete')),
  changed_field   text,
  source_id       text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX applied_transactions_created_idx ON applied_transactions(created_at);

-- A row each time the CDC slot is (re)created: offsets below an epoch's first id are invalid.
CREATE TABLE sync_epochs (
  id                bigserial PRIMARY KEY,
  first_activity_id bigint NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE cdc_workers (
  id              text PRIMARY KEY,
  state           text NOT NULL CHECK (state IN ('active', 'standby', 'reconnecting', 'stopped')),
  last_lsn        pg_lsn,
  last_message_at timestamptz,
  heartbeat_at    timestamptz NOT NULL DEFAULT now()
);
