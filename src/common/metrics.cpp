#include "common/metrics.h"

namespace syncline {

Metrics& metrics() {
  static Metrics m;
  return m;
}

namespace {
// In the order of Degraded: one name each (checked below).
constexpr auto kDegradedPaths = std::to_array<const char*>(
    {"cdc_reconnect", "cdc_build_warning", "cdc_visibility", "bus_reconnect",
     "bus_malformed_payload", "lane_retry", "catch_up_failed", "revalidation_failed",
     "snapshot_failed", "presence_reconnect", "jwks_refresh_failed", "accept_paused",
     "rollback_failed", "log_drop_busy", "history_trim_failed"});
static_assert(kDegradedPaths.size() == static_cast<std::size_t>(Degraded::kCount));
}  // namespace

const char* degraded_path(Degraded d) {
  return kDegradedPaths.at(static_cast<std::size_t>(d));
}

}  // namespace syncline
