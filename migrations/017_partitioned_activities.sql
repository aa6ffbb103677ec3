-- DESIGN §18 (issue 23): the activity log is partitioned by ranges of id, and a bounded log
-- drops whole partitions instead of deleting rows. Deleting from the old end left B-tree pages
-- that Postgres 15 reuses only once the cluster-wide xmin passes them, and the logical slot's
-- catalog_xmin holds that back (~15 s of writes), so a deleting log grew to 1.6–2.1× its
-- retention. The active CDC worker creates partitions ahead of its writes and drops old ones
-- (cdc/log_partitions.h). The rows of before stay in activities_p0 until a retention passes
-- them. A replay is recognised by the log's newest (lsn, seq), not a unique (lsn, seq): a
-- partitioned table's unique keys must hold its partition key.
ALTER TABLE activities RENAME TO activities_p0;
ALTER INDEX activities_pkey RENAME TO activities_p0_pkey;
ALTER INDEX activities_org_idx RENAME TO activities_p0_org_idx;
ALTER INDEX activities_tx_idx RENAME TO activities_p0_tx_idx;
ALTER INDEX activities_entity_field_idx RENAME TO activities_p0_entity_field_idx;
CREATE TABLE activities (LIKE activities_p0 INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
  PARTITION BY RANGE (id);
ALTER TABLE activities ADD PRIMARY KEY (id);
CREATE INDEX activities_org_idx ON activities (organization_id, id);            -- catch-up
CREATE INDEX activities_tx_idx ON activities ((tx->>'transactionId'));          -- DATA-015
CREATE INDEX activities_entity_field_idx                                        -- DATA-016
  ON activities (organization_id, entity_type, entity_id, (tx->>'changedField'));
CREATE INDEX activities_source_idx ON activities (lsn, seq);                    -- replays
ALTER SEQUENCE activities_id_seq OWNED BY activities.id;
DO $$
DECLARE
  next bigint;
BEGIN
  SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END INTO next
    FROM activities_id_seq;
  EXECUTE format('ALTER TABLE activities ATTACH PARTITION activities_p0'
                 ' FOR VALUES FROM (MINVALUE) TO (%s)', next);
END $$;
-- Which epochs began with a new slot (a truncate's keeps the slot): replays are judged against
-- the rows since the newest of those. The epochs of before are taken as slot epochs (at worst a
-- replay across an old truncate's epoch is judged as before).
ALTER TABLE sync_epochs ADD COLUMN starts_slot boolean NOT NULL DEFAULT false;
UPDATE sync_epochs SET starts_slot = true;
-- The partition has the log's (lsn, seq) index now; its unique one of before is not needed.
ALTER TABLE activities_p0 DROP CONSTRAINT IF EXISTS activities_lsn_seq_key;
-- No partition for the ids to come yet: the worker, the log's one writer, makes each before it
-- writes into it, at the width its retention asks for.
