-- A sync epoch begun for a new slot is recorded before the slot is created and becomes current
-- (ready) only once the slot exists: every change the new slot will not decode has committed
-- by then, so a client that reloads on the epoch's reset sees it (DEPLOY-040, primary failover).
-- Rows of earlier releases were current at once: ready by default.
ALTER TABLE sync_epochs ADD COLUMN ready boolean NOT NULL DEFAULT true;
