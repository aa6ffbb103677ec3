#include "http/write_quota.h"

#include "common/rate_limiter.h"

namespace syncline::http {

Result<void> admit_org_write(const Config& cfg, const std::string& org_id) {
  if (cfg.org_write_rate <= 0) return {};
  // The configuration is fixed for the process's life: the first call builds the buckets.
  static RateLimiter quota(2 * cfg.org_write_rate, cfg.org_write_rate);
  if (auto wait = quota.take(org_id, RateLimiter::Clock::now()))
    return too_many_requests("RATE_LIMITED", "this organization writes faster than its quota",
                             *wait);
  return {};
}

}  // namespace syncline::http
