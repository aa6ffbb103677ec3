#include "cdc/log_partitions.h"

#include <algorithm>
#include <limits>

#include "common/metrics.h"

namespace syncline::cdc {

namespace {

// The id the next activity gets (ids come from one writer: the sequence's next value).
std::int64_t next_id(db::Connection& c) {
  return c
      .exec(
          "SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END"
          " FROM activities_id_seq")
      .get_int(0, 0);
}

// The partition's rows as floors (each org's highest id), committed; rows counted.
std::int64_t raise_floors(db::Connection& c, const std::string& partition) {
  return c
      .exec("WITH f AS (SELECT organization_id, max(id) AS floor, count(*) AS n FROM " + partition +
            " GROUP BY 1), u AS (INSERT INTO activity_floors AS x (organization_id, floor)"
            " SELECT organization_id, floor FROM f ON CONFLICT (organization_id) DO UPDATE SET"
            " floor = greatest(x.floor, EXCLUDED.floor), pruned_at = now())"
            " SELECT coalesce(sum(n), 0) FROM f")
      .get_int(0, 0);
}

}  // namespace

std::int64_t partition_width(const Retention& r) {
  if (r.count) return std::clamp<std::int64_t>(*r.count / 8, 64, 1'000'000);
  return 1'000'000;  // an age, or everything kept: the log's partitions stay few
}

std::vector<LogPartition> log_partitions(db::Connection& c) {
  // Bounds as Postgres prints them: FOR VALUES FROM ('51') TO ('100051'), or FROM (MINVALUE).
  auto r = c.exec(
      "SELECT c.oid::regclass::text, substring(b FROM 'FROM \\(''?(-?[0-9]+)''?\\)'),"
      " substring(b FROM 'TO \\(''?(-?[0-9]+)''?\\)') FROM pg_inherits i"
      " JOIN pg_class c ON c.oid = i.inhrelid, pg_get_expr(c.relpartbound, c.oid) AS b"
      " WHERE i.inhparent = 'activities'::regclass");
  std::vector<LogPartition> out;
  for (int i = 0; i < r.size(); ++i) {
    if (r.is_null(i, 2)) continue;  // not ours (MAXVALUE): never made by Syncline
    out.push_back({std::string(r.get(i, 0)),
                   r.is_null(i, 1) ? std::numeric_limits<std::int64_t>::min() : r.get_int(i, 1),
                   r.get_int(i, 2)});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.hi < b.hi; });
  return out;
}

void LogPartitions::ensure(db::Connection& c, std::int64_t rows) {
  const auto next = next_id(c);
  const auto need = next + rows + width_;
  if (covered_ >= need) return;
  auto parts = log_partitions(c);
  covered_ = parts.empty() ? next : parts.back().hi;  // contiguous ranges
  while (covered_ < need) {
    const auto lo = std::to_string(covered_), hi = std::to_string(covered_ + width_);
    const auto name = "activities_p" + lo;
    db::Transaction t(c);
    c.exec("CREATE TABLE " + name + " (LIKE activities INCLUDING DEFAULTS INCLUDING CONSTRAINTS)");
    c.exec("ALTER TABLE activities ATTACH PARTITION " + name + " FOR VALUES FROM (" + lo +
           ") TO (" + hi + ")");
    t.commit();
    covered_ += width_;
  }
}

std::int64_t LogPartitions::prune(db::Connection& c, const Retention& r) {
  if (!r.enabled()) return 0;
  // A count keeps the newest N rows of all orgs: the horizon is the id below them (0: none).
  const std::int64_t horizon =
      r.count ? c.exec(
                     "SELECT coalesce((SELECT id FROM activities ORDER BY id DESC"
                     " OFFSET $1 LIMIT 1), 0)",
                     {std::to_string(*r.count)})
                    .get_int(0, 0)
              : 0;
  const auto next = next_id(c);
  std::int64_t dropped = 0;
  for (const auto& p : log_partitions(c)) {
    if (!beyond(c, p, r, horizon, next)) break;  // oldest first: the rest are younger
    const auto rows = raise_floors(c, p.name);
    try {
      db::Transaction t(c);
      c.exec("SET LOCAL lock_timeout = '100ms'");
      c.exec("DROP TABLE " + p.name);
      t.commit();
    } catch (const db::DbError& e) {
      if (e.kind() != db::DbErrorKind::kBusy) throw;
      count(Degraded::kLogDropBusy);
      break;  // a long reader holds the log: the next pass tries again
    }
    dropped += rows;
  }
  return dropped;
}

bool LogPartitions::beyond(db::Connection& c, const LogPartition& p, const Retention& r,
                           std::int64_t horizon, std::int64_t next_id) {
  if (p.hi > next_id) return false;  // ids still to come land in it
  if (r.count) return p.hi - 1 <= horizon;
  // An age: its newest row is older than that (an empty one holds nothing to keep).
  auto newest = c.exec("SELECT created_at < now() - make_interval(secs => $1) FROM " + p.name +
                           " ORDER BY id DESC LIMIT 1",
                       {std::to_string(r.age->count())});
  return newest.empty() || newest.get_bool(0, 0);
}

}  // namespace syncline::cdc
