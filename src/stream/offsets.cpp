#include "stream/offsets.h"

#include <charconv>

#include "stream/catch_up.h"

namespace syncline::stream {

namespace {
std::optional<std::int64_t> parse_id(const std::string& s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

std::int64_t epoch_start(db::Connection& c) {
  auto r = c.exec(
      "SELECT coalesce((SELECT first_activity_id FROM sync_epochs WHERE ready ORDER BY id DESC"
      " LIMIT 1), 1)");
  return r.get_int(0, 0);
}
}  // namespace

std::int64_t current_epoch(db::Connection& c) {
  return c.exec("SELECT coalesce(max(id), 0) FROM sync_epochs WHERE ready").get_int(0, 0);
}

Result<std::int64_t> resolve_offset(db::Connection& c, const std::string& org_id,
                                    const std::optional<std::string>& offset,
                                    const std::optional<std::string>& last_event_id) {
  std::string o =
      last_event_id && !last_event_id->empty() ? *last_event_id : offset.value_or("now");
  // (in_place_value: Error is an aggregate, so a bare integer would be ambiguous)
  using boost::system::in_place_value;
  if (o == "now") return Result<std::int64_t>(in_place_value, head_of(c, org_id));
  if (o == "-1") return Result<std::int64_t>(in_place_value, epoch_start(c) - 1);
  auto id = parse_id(o);
  if (!id) return bad_request("INVALID_OFFSET", "offset must be -1, now or an activity id");
  if (*id < epoch_start(c) - 1)
    return conflict("OFFSET_INVALID",
                    "offset predates the current sync epoch: drop the cache and reload");
  if (*id < floor_of(c, org_id))  // DATA-SCALE-004: the activities after it are pruned
    return conflict("OFFSET_INVALID",
                    "offset is below the retention floor of the activity log: drop the cache "
                    "and load a snapshot");
  return Result<std::int64_t>(in_place_value, *id);
}

}  // namespace syncline::stream
