-- DATA-001..006 / DATA-010..017: the CHECK constraints on `tx` (pages, attachments, activities)
-- call syncline_valid_tx. As a SQL function it was inlined into each constraint, and Postgres
-- plans a table's CHECK expressions again for every statement that writes to it: about 80 us of
-- a one-row INSERT into activities (≈ 0.1 ms in all) on a 2-core box, paid by every mutation
-- and every activity flush. A PL/pgSQL function is compiled once per session with its expression
-- plan cached. The same function (OID): the constraints need no change and no row is checked
-- again. One hole closes: an object without a transactionId made the old expression NULL, which
-- a CHECK lets pass; now it is false (rows Syncline wrote always carry one).
CREATE OR REPLACE FUNCTION syncline_valid_tx(t jsonb) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  RETURN t IS NULL OR coalesce(
    jsonb_typeof(t) = 'object'
    AND jsonb_typeof(t->'transactionId') = 'string' AND length(t->>'transactionId') BETWEEN 1 AND 32
    AND (t->'sourceId' IS NULL OR (jsonb_typeof(t->'sourceId') = 'string'
                                   AND length(t->>'sourceId') <= 64))
    AND (t->'changedField' IS NULL OR jsonb_typeof(t->'changedField') = 'null'
         OR (jsonb_typeof(t->'changedField') = 'string' AND length(t->>'changedField') <= 64)),
    false);
END
$$;
