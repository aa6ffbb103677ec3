-- DESIGN §21 (issue 26): the values `merge: text` fields had, by the transaction that wrote them,
-- so a stale PATCH can be merged three-way against the value its writer saw. Written in the
-- statement that writes the field; long values are compressed by TOAST.
CREATE TABLE field_history (
  organization_id text NOT NULL,
  entity_type     text NOT NULL,
  entity_id       text NOT NULL,
  field           text NOT NULL,
  transaction_id  text NOT NULL,
  value           text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, entity_type, entity_id, field, transaction_id)
);
CREATE INDEX field_history_age ON field_history (created_at);
