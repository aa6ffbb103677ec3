#include "cdc/visibility.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <thread>

#include "common/metrics.h"
#include "db/connection.h"

namespace syncline::cdc {

namespace {
bool parse_u64(std::string_view s, std::uint64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}
}  // namespace

std::optional<Snapshot> parse_snapshot(std::string_view text) {
  auto first = text.find(':');
  if (first == std::string_view::npos) return std::nullopt;
  auto second = text.find(':', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  Snapshot s;
  if (!parse_u64(text.substr(0, first), s.xmin) ||
      !parse_u64(text.substr(first + 1, second - first - 1), s.xmax) || s.xmin > s.xmax)
    return std::nullopt;
  auto rest = text.substr(second + 1);
  if (rest.empty()) return s;
  for (;;) {
    auto comma = rest.find(',');
    std::uint64_t x = 0;
    if (!parse_u64(rest.substr(0, comma), x)) return std::nullopt;
    s.in_progress.push_back(x);
    if (comma == std::string_view::npos) return s;
    rest = rest.substr(comma + 1);
  }
}

std::uint64_t widen_xid(std::uint32_t xid, std::uint64_t reference) {
  // Signed distance modulo 2^32 from the reference's low half to xid.
  auto diff = static_cast<std::int32_t>(xid - static_cast<std::uint32_t>(reference));
  if (diff < 0 && reference < static_cast<std::uint64_t>(-static_cast<std::int64_t>(diff)))
    return xid;  // before the first epoch: cannot be below zero
  return reference + static_cast<std::int64_t>(diff);
}

bool is_visible(const Snapshot& s, std::uint32_t xid) {
  auto full = widen_xid(xid, s.xmax);
  if (full < s.xmin) return true;
  if (full >= s.xmax) return false;
  return std::find(s.in_progress.begin(), s.in_progress.end(), full) == s.in_progress.end();
}

bool wait_until_visible(db::Connection& c, const std::vector<std::uint32_t>& xids,
                        const std::atomic<bool>& stop) {
  if (xids.empty()) return true;
  auto started = std::chrono::steady_clock::now();
  auto warn_at = started + std::chrono::seconds(5);
  auto pause = std::chrono::microseconds(100);
  for (;;) {
    auto r = c.exec("SELECT pg_current_snapshot()::text");
    auto snap = parse_snapshot(r.get(0, 0));
    if (!snap) throw std::runtime_error("unreadable snapshot '" + std::string(r.get(0, 0)) + "'");
    if (std::all_of(xids.begin(), xids.end(), [&](auto x) { return is_visible(*snap, x); }))
      return true;
    if (stop) return false;
    auto now = std::chrono::steady_clock::now();
    if (now >= warn_at) {
      spdlog::warn(
          "cdc: a decoded transaction is still invisible to other sessions after {} s "
          "(a synchronous standby not answering?)",
          std::chrono::duration_cast<std::chrono::seconds>(now - started).count());
      warn_at = now + std::chrono::seconds(5);
      count(Degraded::kCdcVisibility);
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(20'000));
  }
}

}  // namespace syncline::cdc
