-- The write path runs each mutation as one statement (claim + conditional write). When the
-- claim succeeded but the write did not apply (missing row, permission, field conflict),
-- the statement calls this to abort, so the applied_transactions row rolls back with it.
CREATE FUNCTION syncline_abort(reason text) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = reason;
END
$$;
