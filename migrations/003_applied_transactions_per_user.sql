-- Transaction ids are unique per user, not globally: with a global key, any user who can
-- predict another user's next HLC ids (node ids are visible in fieldTx, and ids may be up to
-- 60 s ahead) could claim them first and turn that user's writes into 422s. Idempotency
-- only ever needs "this user already applied this txId".
ALTER TABLE applied_transactions DROP CONSTRAINT applied_transactions_pkey;
ALTER TABLE applied_transactions ADD PRIMARY KEY (user_id, transaction_id);
CREATE INDEX applied_transactions_tx_idx ON applied_transactions(transaction_id);
