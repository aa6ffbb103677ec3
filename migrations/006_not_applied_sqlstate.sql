-- The write path's abort carries its own SQLSTATE (class SL, "Syncline"), so the server tells it
-- from every other error by code instead of by message text. A new function: nodes of the
-- previous release keep calling syncline_abort (P0001) during a rolling upgrade.
CREATE FUNCTION syncline_not_applied() RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = 'SL001', MESSAGE = 'syncline: mutation not applied';
END
$$;
