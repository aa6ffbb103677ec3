#include "cdc/retention.h"

#include <charconv>

namespace syncline::cdc {

std::optional<Retention> parse_retention(const std::string& text) {
  if (text.empty()) return Retention{};
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || n <= 0 || end == text.data()) return std::nullopt;
  const std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  if (unit.empty()) return Retention{std::nullopt, n};
  const std::int64_t per = unit == "s"   ? 1
                           : unit == "m" ? 60
                           : unit == "h" ? 3600
                           : unit == "d" ? 86400
                                         : 0;
  if (per == 0 || n > INT64_MAX / per / 1000) return std::nullopt;
  return Retention{std::chrono::seconds(n * per), std::nullopt};
}

std::int64_t prune_activities(db::Connection& c, const Retention& r, std::int64_t batch) {
  if (!r.enabled()) return 0;
  // The horizon: the highest id beyond the retention (0: none). A count keeps the newest N of
  // all rows; an age keeps what is younger.
  auto horizon = r.count ? c.exec(
                               "SELECT coalesce((SELECT id FROM activities ORDER BY id DESC"
                               " OFFSET $1 LIMIT 1), 0)",
                               {std::to_string(*r.count)})
                         : c.exec(
                               "SELECT coalesce(max(id), 0) FROM activities WHERE created_at <"
                               " now() - make_interval(secs => $1)",
                               {std::to_string(r.age->count())});
  const auto upto = horizon.get_int(0, 0);
  if (upto == 0) return 0;
  // The batch: the oldest rows up to the horizon. Its floors first, committed; then the rows.
  auto last = c.exec(
      "WITH b AS (SELECT id, organization_id FROM activities WHERE id <= $1 ORDER BY id"
      " LIMIT $2), f AS (INSERT INTO activity_floors AS x (organization_id, floor)"
      " SELECT organization_id, max(id) FROM b GROUP BY organization_id"
      " ON CONFLICT (organization_id) DO UPDATE SET floor = greatest(x.floor, EXCLUDED.floor),"
      " pruned_at = now()) SELECT coalesce(max(id), 0) FROM b",
      {std::to_string(upto), std::to_string(batch)});
  const auto through = last.get_int(0, 0);
  if (through == 0) return 0;
  return c.exec("DELETE FROM activities WHERE id <= $1", {std::to_string(through)}).affected();
}

}  // namespace syncline::cdc
