-- DESIGN §21 (issue 26): who is where. UNLOGGED: presence is rebuilt by its clients' heartbeats
-- (every 10 s), so it needs no WAL, no replica and no crash recovery (a crash empties it; the
-- clients' next PUTs fill it again). A row lives until expires_at; any node sweeps it then.
CREATE UNLOGGED TABLE presence (
  organization_id text NOT NULL,
  user_id         text NOT NULL,
  client_id       text NOT NULL,
  entity_type     text,
  entity_id       text,
  state           jsonb NOT NULL DEFAULT '{}',
  owner_id        text,                       -- the entity's owner (`own` read grants)
  scope           jsonb NOT NULL DEFAULT '{}', -- the entity's short fields (shapes)
  expires_at      timestamptz NOT NULL,
  PRIMARY KEY (organization_id, user_id, client_id)
);
CREATE INDEX presence_user ON presence (user_id);
CREATE INDEX presence_expiry ON presence (expires_at);
