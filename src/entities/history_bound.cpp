#include "entities/history_bound.h"

namespace syncline::entities {

std::int64_t HistoryBound::trim(db::Connection& c) {
  // The orgs that wrote since the last run (field_history_age serves it); `now` read first, so
  // a write committed during this run is seen by the next one.
  // created_at is a writing transaction's start: one that began before the last run's `now` and
  // committed after it is still caught by the minute of overlap.
  auto orgs = c.exec(
      "SELECT now()::text, array_agg(DISTINCT organization_id) FROM field_history"
      " WHERE created_at >= $1::timestamptz - interval '1 minute'",
      {since_});
  const std::string now(orgs.get(0, 0));
  std::int64_t dropped = 0;
  if (!orgs.is_null(0, 1)) {
    // Per org, newest first: values past the bound lose their text, never their hash. Short
    // waits: a row a write holds is the next run's (the caller counts the failure).
    db::Transaction t(c);
    c.exec("SET LOCAL lock_timeout = '100ms'");
    c.exec("SET LOCAL statement_timeout = '5s'");
    auto r = c.exec(
        "WITH o AS (SELECT unnest($1::text[]) AS org), v AS (SELECT f.ctid AS at, sum("
        "pg_column_size(f.value)) OVER (PARTITION BY f.organization_id ORDER BY f.created_at DESC,"
        " f.transaction_id DESC) AS kept FROM field_history f JOIN o ON f.organization_id = o.org"
        " WHERE f.value IS NOT NULL), d AS (UPDATE field_history f SET value = NULL FROM v"
        " WHERE f.ctid = v.at AND v.kept > $2 RETURNING 1) SELECT count(*) FROM d",
        {std::string(orgs.get(0, 1)), std::to_string(bytes_per_org_)});
    dropped = r.get_int(0, 0);
    t.commit();
  }
  since_ = now;
  return dropped;
}

}  // namespace syncline::entities
