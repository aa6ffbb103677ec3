-- Issue 27 item 3: a replication message no worker can decode comes back identical on every
-- replay, so reconnecting forever only hides it. After a few tries the worker records why it
-- halted (state 'halted', halt_reason) and stops; the standby meets the same message and halts
-- too, and /health/sync says so with the reason until an operator acts.
ALTER TABLE cdc_workers DROP CONSTRAINT cdc_workers_state_check;
ALTER TABLE cdc_workers ADD CONSTRAINT cdc_workers_state_check
  CHECK (state IN ('active', 'standby', 'reconnecting', 'stopped', 'halted'));
ALTER TABLE cdc_workers ADD COLUMN halt_reason text;
