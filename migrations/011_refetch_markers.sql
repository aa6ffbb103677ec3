-- DATA-SCALE-005: a bulk transaction's rows of one (org, type) are logged as one `refetch`
-- activity (entity_id null): clients load that type again from a snapshot.
ALTER TABLE activities DROP CONSTRAINT activities_action_check;
ALTER TABLE activities ADD CONSTRAINT activities_action_check
  CHECK (action IN ('create', 'update', 'delete', 'refetch'));
ALTER TABLE activities ALTER COLUMN entity_id DROP NOT NULL;
ALTER TABLE activities ADD CONSTRAINT activities_refetch_has_no_entity
  CHECK ((entity_id IS NULL) = (action = 'refetch'));
