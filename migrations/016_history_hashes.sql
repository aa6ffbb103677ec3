-- DESIGN §21 (issue 26): a version's SHA-256 outlives its value. Values are kept for the 64
-- newest versions of a field, older ones for 30 days; hashes for 365 days (never more than 1,024
-- versions a field). A PATCH whose base value has aged out may send it (`tx.baseValue`): it is
-- merged against when its hash is the one of its expectedTransactionId. A pruned value is NULL
-- with its hash kept; a field cleared to null has neither.
ALTER TABLE field_history ADD COLUMN value_sha256 bytea;
UPDATE field_history SET value_sha256 = sha256(convert_to(value, 'UTF8')) WHERE value IS NOT NULL;
