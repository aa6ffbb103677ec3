#include "http/write_quota.h"

#include "common/rate_limiter.h"

namespace syncline::http {

Result<void> admit_write(const Config& cfg, const std::string& org_id, const std::string& user_id) {
  if (cfg.org_write_rate <= 0) return {};
  // The configuration is fixed for the process's life: the first call builds the buckets.
  static RateLimiter per_org(2 * cfg.org_write_rate, cfg.org_write_rate);
  static RateLimiter per_user(2 * cfg.org_write_rate, cfg.org_write_rate);
  const auto now = RateLimiter::Clock::now();
  if (auto wait = per_user.take(user_id, now))
    return too_many_requests("RATE_LIMITED", "this user writes faster than the quota", *wait);
  if (auto wait = per_org.take(org_id, now))
    return too_many_requests("RATE_LIMITED", "this organization writes faster than its quota",
                             *wait);
  return {};
}

}  // namespace syncline::http
