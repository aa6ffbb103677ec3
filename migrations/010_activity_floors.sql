-- DATA-SCALE-004: a bounded activity log. When `--activity-retention` is set, the active CDC
-- worker deletes old activities in small batches; before each batch it records, per org, the
-- highest id it removes (committed before the delete). Offsets below an org's floor are
-- invalid (409 OFFSET_INVALID / event: reset): the client re-snapshots.
CREATE TABLE activity_floors (
  organization_id text PRIMARY KEY,
  floor           bigint NOT NULL,
  pruned_at       timestamptz NOT NULL DEFAULT now()
);
-- The pruner deletes from the old end while the worker appends: vacuum often enough that the
-- space is reused instead of the table growing.
ALTER TABLE activities SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.05);

-- How far back the idempotency ledger (applied_transactions) reaches: the horizon of its last
-- prune. A snapshot tells clients (`ledgerFrom`): a write older than it may have been applied
-- and forgotten, so it is not sent again blindly.
CREATE TABLE ledger_horizon (
  one           boolean PRIMARY KEY DEFAULT true CHECK (one),
  pruned_before timestamptz NOT NULL
);
